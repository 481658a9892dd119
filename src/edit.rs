//! Edits dockwright makes to a user's files to measure a rebuild, each undone
//! byte for byte: when the guard is dropped, on an error, and on Ctrl-C.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use crate::error::{UserError, WriteFailed};
use crate::interrupt::{self, CleanUpGuard};
use crate::journal::EditEntry;
use crate::requirements::{self, Requirements};
use crate::templates;

/// An edited file, restored when this is dropped. The original is also kept
/// in the project's journal until it is back, so that a killed run's edit is
/// undone by the next dockwright command there (`journal::recover`).
pub struct Edit {
    path: PathBuf,
    original: Vec<u8>,
    entry: Option<EditEntry>,
    _on_interrupt: CleanUpGuard,
}

impl Edit {
    /// Rewrites the text file `file` of `project` with `change`.
    pub fn apply(
        project: &Path,
        file: &Path,
        change: impl FnOnce(&str) -> String,
    ) -> anyhow::Result<Edit> {
        let path = project.join(file);
        let original = fs::read(&path).map_err(|err| {
            UserError::new(format!(
                "cannot read `{}` ({err}); check `app_file` and `requirements` in dockwright.toml",
                path.display()
            ))
        })?;
        let text = String::from_utf8(original.clone()).map_err(|_| {
            UserError::new(format!(
                "`{}` is not UTF-8 text, so dockwright cannot edit it",
                path.display()
            ))
        })?;
        let entry = EditEntry::begin(project, file, &original)?;
        let restore_path = path.clone();
        let restore_bytes = original.clone();
        let guard = interrupt::on_interrupt(move || {
            let _ = fs::write(&restore_path, &restore_bytes);
        });
        let edit = Edit {
            path,
            original,
            entry: Some(entry),
            _on_interrupt: guard,
        };
        fs::write(&edit.path, change(&text))
            .map_err(|err| WriteFailed::new("write the measured edit to", &edit.path, err))?;
        Ok(edit)
    }
}

impl Drop for Edit {
    fn drop(&mut self) {
        if fs::write(&self.path, &self.original).is_err() {
            crate::error::warn(&format!(
                "could not restore `{}` after measuring; undo dockwright's edit (a `# dockwright rebuild` line) by hand, or run any dockwright command in the project once it is writable",
                self.path.display()
            ));
        } else if let Some(entry) = self.entry.take() {
            entry.finish();
        }
    }
}

/// The app edit: the first `vX.Y.Z` version string gets the next patch number
/// (v1.0.0 → v1.0.1, what the page shows), and a comment line carries
/// `nonce`, so that no earlier build's cache can match the new bytes.
pub fn bump_app(text: &str, nonce: &str) -> String {
    let mut out = match find_version(text) {
        Some((start, end, patch)) => format!("{}{}{}", &text[..start], patch + 1, &text[end..]),
        None => text.to_string(),
    };
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out.push_str(&format!("# dockwright rebuild {nonce}\n"));
    out
}

/// The dependency edit: one more pinned requirement, with `nonce` in a
/// comment so each run is a change the cache has not seen. `requirement` is
/// the line as `requirement_line` made it fit the file.
pub fn add_dependency(text: &str, requirement: &str, nonce: &str) -> String {
    let mut out = text.to_string();
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    out.push_str(&format!("{requirement}  # dockwright rebuild {nonce}\n"));
    out
}

/// The requirements the dependency edit adds when dockwright.toml names
/// none, in order: pinned, pure Python and without dependencies of their
/// own, so that one cannot clash with the project's pins unless the project
/// lists the same package (skipped); their hashes are in
/// scaffolds/hashes.toml for files in hash-checking mode.
const EXTRA_CANDIDATES: &[&str] = &["six==1.17.0", "iniconfig==2.1.0", "idna==3.10"];

/// The line the dependency edit adds to the project's requirements file
/// `requirements` (relative to `project`): `[measure] extra_dependency` when
/// set, else the first candidate the project does not list. pip refuses a
/// package pinned twice, so the package must be one that neither the file
/// nor a file it includes names (names compared as PEP 503 normalises them).
pub fn extra_dependency(
    project: &Path,
    requirements: &Path,
    configured: Option<&str>,
) -> Result<String, UserError> {
    let path = project.join(requirements);
    let listed = listed_names(&path, 0);
    let name_of = |requirement: &str| {
        Requirements::parse(
            requirements::without_options(requirement),
            "extra_dependency",
        )
        .ok()
        .and_then(|parsed| parsed.names.into_iter().next())
    };
    let chosen = match configured {
        Some(configured) => {
            let name = name_of(configured).ok_or_else(|| {
                UserError::new(format!(
                    "`[measure] extra_dependency = \"{configured}\"` in dockwright.toml is not a requirement; write it like `attrs==25.1.0`"
                ))
            })?;
            if listed.contains(&name) {
                return Err(UserError::new(format!(
                    "`[measure] extra_dependency = \"{configured}\"` names `{name}`, which `{}` already lists: pip would refuse the second pin; choose a package the project does not use, or remove the setting and dockwright picks one",
                    requirements.display()
                )));
            }
            configured.to_string()
        }
        None => EXTRA_CANDIDATES
            .iter()
            .find(|candidate| name_of(candidate).is_some_and(|name| !listed.contains(&name)))
            .map(|candidate| candidate.to_string())
            .ok_or_else(|| {
                UserError::new(format!(
                    "`{}` lists every package dockwright adds to time a dependency edit ({}); set `[measure] extra_dependency` in dockwright.toml to a pinned package it does not list",
                    requirements.display(),
                    EXTRA_CANDIDATES.join(", ")
                ))
            })?,
    };
    requirement_line(&path, &chosen)
}

/// The package names a requirements file lists, with those of the files it
/// includes (`-r`), normalised. An unreadable file lists nothing here:
/// `Edit::apply` says what is wrong with it.
fn listed_names(path: &Path, depth: usize) -> BTreeSet<String> {
    let Ok(text) = fs::read_to_string(path) else {
        return BTreeSet::new();
    };
    let mut names: BTreeSet<String> = Requirements::parse(&text, "requirements")
        .map(|parsed| parsed.names.into_iter().collect())
        .unwrap_or_default();
    let (_, includes) = requirements::hash_mode(&text);
    let dir = path.parent().unwrap_or(Path::new(""));
    if depth < 8 {
        for include in includes {
            names.extend(listed_names(&dir.join(include), depth + 1));
        }
    }
    names
}

/// `extra_dependency` as a line that keeps the requirements file at `path`
/// installable. In pip's hash-checking mode (the file, or one it includes,
/// has `--require-hashes` or a `--hash`) every line needs its hashes: those
/// given in dockwright.toml, else the ones shipped for the default extra
/// dependency (scaffolds/hashes.toml). Outside that mode hashes are left
/// off, since one `--hash` would turn the mode on for the whole file.
pub fn requirement_line(path: &Path, extra_dependency: &str) -> Result<String, UserError> {
    let requirement = requirements::without_options(extra_dependency);
    if !hash_checking(path, 0) {
        return Ok(requirement.to_string());
    }
    if extra_dependency.contains("--hash") {
        return Ok(extra_dependency.trim().to_string());
    }
    let hashes = known_hashes(requirement)?.ok_or_else(|| {
        UserError::new(format!(
            "`{}` is in pip's hash-checking mode, and dockwright has no hashes for `extra_dependency = \"{requirement}\"`; add them in dockwright.toml, as `extra_dependency = \"{requirement} --hash=sha256:...\"`",
            path.display()
        ))
    })?;
    let options: Vec<String> = hashes.iter().map(|h| format!("--hash={h}")).collect();
    Ok(format!("{requirement} {}", options.join(" ")))
}

/// Whether the file at `path`, or one it includes, turns on hash checking.
/// An unreadable file does not: `Edit::apply` says what is wrong with it.
fn hash_checking(path: &Path, depth: usize) -> bool {
    let Ok(text) = fs::read_to_string(path) else {
        return false;
    };
    let (hashed, includes) = requirements::hash_mode(&text);
    let dir = path.parent().unwrap_or(Path::new(""));
    // pip reads includes relative to the including file; the depth bounds a cycle.
    hashed
        || (depth < 8
            && includes
                .iter()
                .any(|include| hash_checking(&dir.join(include), depth + 1)))
}

fn known_hashes(requirement: &str) -> Result<Option<Vec<String>>, UserError> {
    let table: BTreeMap<String, Vec<String>> = templates::embedded("hashes.toml")
        .ok()
        .and_then(|text| toml::from_str(text).ok())
        .ok_or_else(|| {
            UserError::new("dockwright was built with a broken scaffolds/hashes.toml; reinstall it")
        })?;
    Ok(table.get(requirement).cloned())
}

/// The byte range of the patch number of the first `vX.Y.Z`, and its value.
fn find_version(text: &str) -> Option<(usize, usize, u64)> {
    let bytes = text.as_bytes();
    let digits = |from: usize| {
        bytes[from..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count()
    };
    for (at, _) in text.match_indices('v') {
        let mut pos = at + 1;
        let mut parts = 0;
        loop {
            let n = digits(pos);
            if n == 0 {
                break;
            }
            parts += 1;
            if parts == 3 {
                let patch = text[pos..pos + n].parse().ok()?;
                return Some((pos, pos + n, patch));
            }
            pos += n;
            if bytes.get(pos) != Some(&b'.') {
                break;
            }
            pos += 1;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bumps_the_version_the_page_shows() {
        let app = "return \"hello world - v1.0.0\"\n";
        assert_eq!(
            bump_app(app, "n1"),
            "return \"hello world - v1.0.1\"\n# dockwright rebuild n1\n"
        );
        assert_eq!(
            bump_app("x = 'v2.3.19'", "n"),
            "x = 'v2.3.20'\n# dockwright rebuild n\n"
        );
        assert_eq!(
            bump_app("no version; v1.2 only\n", "n"),
            "no version; v1.2 only\n# dockwright rebuild n\n"
        );
    }

    #[test]
    fn adds_a_pinned_dependency() {
        assert_eq!(
            add_dependency("flask==3.1.3", "six==1.17.0", "n"),
            "flask==3.1.3\nsix==1.17.0  # dockwright rebuild n\n"
        );
    }

    #[test]
    fn a_hash_checking_file_gets_the_extra_dependency_with_its_hashes() {
        let dir = tempfile::tempdir().unwrap();
        let hashed = dir.path().join("requirements.txt");
        fs::write(&hashed, "flask==3.1.3 \\\n    --hash=sha256:aaaa\n").unwrap();
        let line = requirement_line(&hashed, "six==1.17.0").unwrap();
        assert!(line.starts_with("six==1.17.0 --hash=sha256:"), "{line}");
        let reqs = requirements::Requirements::parse(&add_dependency("", &line, "n"), "r").unwrap();
        assert!(reqs.hashed);

        // Through dockwright's own file, which includes the project's.
        let own = dir.path().join("dockwright-requirements.txt");
        fs::write(&own, "-r requirements.txt\n").unwrap();
        assert_eq!(requirement_line(&own, "six==1.17.0").unwrap(), line);

        let given = "attrs==25.1.0 --hash=sha256:bbbb";
        assert_eq!(requirement_line(&hashed, given).unwrap(), given);
        let err = requirement_line(&hashed, "attrs==25.1.0")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("hash-checking mode") && err.contains("--hash=sha256:"),
            "{err}"
        );
    }

    #[test]
    fn a_plain_file_gets_the_extra_dependency_without_hashes() {
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("requirements.txt");
        fs::write(&plain, "flask==3.1.3\n").unwrap();
        assert_eq!(
            requirement_line(&plain, "six==1.17.0").unwrap(),
            "six==1.17.0"
        );
        assert_eq!(
            requirement_line(&plain, "six==1.17.0 --hash=sha256:cccc").unwrap(),
            "six==1.17.0"
        );
    }

    /// The issue's real app pinned six==1.16.0, and the edit appended
    /// six==1.17.0: pip's resolver refused every dependency-edit rebuild.
    #[test]
    fn the_extra_dependency_is_one_the_project_does_not_list() {
        let dir = tempfile::tempdir().unwrap();
        let reqs = Path::new("requirements.txt");
        fs::write(dir.path().join(reqs), "flask==3.1.3\n").unwrap();
        let pick = |configured| extra_dependency(dir.path(), reqs, configured);
        assert_eq!(pick(None).unwrap(), "six==1.17.0");

        fs::write(dir.path().join(reqs), "flask==3.1.3\nSix==1.16.0\n").unwrap();
        assert_eq!(pick(None).unwrap(), "iniconfig==2.1.0");

        // Through an include, and with the name written another way.
        fs::write(
            dir.path().join("base.txt"),
            "six==1.16.0\nINIconfig==2.0.0\n",
        )
        .unwrap();
        fs::write(dir.path().join(reqs), "-r base.txt\nflask==3.1.3\n").unwrap();
        assert_eq!(pick(None).unwrap(), "idna==3.10");

        let err = pick(Some("six==1.17.0")).unwrap_err().to_string();
        assert!(
            err.contains("`six`") && err.contains("already lists"),
            "{err}"
        );
        assert_eq!(pick(Some("attrs==25.1.0")).unwrap(), "attrs==25.1.0");

        fs::write(
            dir.path().join("base.txt"),
            "six==1.16.0\niniconfig==2.0.0\nidna==3.4\n",
        )
        .unwrap();
        let err = pick(None).unwrap_err().to_string();
        assert!(err.contains("extra_dependency"), "{err}");
    }

    #[test]
    fn every_candidate_has_its_hashes_shipped() {
        for candidate in EXTRA_CANDIDATES {
            let hashes = known_hashes(candidate).unwrap().unwrap_or_default();
            assert_eq!(
                hashes.len(),
                2,
                "{candidate}: a wheel's and an sdist's hash"
            );
        }
    }

    #[test]
    fn restores_the_file_byte_for_byte() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("app.py");
        let original = b"print('v1.0.0')\r\n\xef\xbb\xbf no final newline";
        fs::write(&path, original).unwrap();
        {
            let _edit = Edit::apply(dir.path(), Path::new("app.py"), |t| bump_app(t, "n")).unwrap();
            assert_ne!(fs::read(&path).unwrap(), original);
        }
        assert_eq!(fs::read(&path).unwrap(), original);
    }
}
