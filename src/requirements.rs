//! Requirements files: every line checked as a PEP 508 specifier before it
//! ends up in an image build.

use std::path::{Component, Path};
use std::str::FromStr;

use pep508_rs::{Requirement, VerbatimUrl};

use crate::error::{printable, UserError};

/// pip options a requirements file may carry that need nothing outside it.
const SELF_CONTAINED_OPTIONS: &[&str] = &[
    "--no-index",
    "--trusted-host",
    "--pre",
    "--prefer-binary",
    "--only-binary",
    "--no-binary",
    "--require-hashes",
];

/// pip options that point at an index or a page of links: fine over the
/// network, but a local path is outside the build context.
const LOCATION_OPTIONS: &[&str] = &[
    "-i",
    "--index-url",
    "--extra-index-url",
    "-f",
    "--find-links",
];

/// A checked requirements file: its text as written, and the names it pins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirements {
    pub text: String,
    pub names: Vec<String>,
    pub unpinned: Vec<String>,
    /// Packages pinned to two different versions, as `name (==1, ==2)`:
    /// pip refuses to install such a file.
    pub conflicts: Vec<String>,
    /// pip's hash-checking mode: `--require-hashes`, or a `--hash` on any
    /// line, and then every requirement needs its hashes.
    pub hashed: bool,
}

impl Requirements {
    /// Checks `text`; `origin` names the file in error messages.
    pub fn parse(text: &str, origin: &str) -> Result<Requirements, UserError> {
        let mut names = Vec::new();
        let mut unpinned = Vec::new();
        let mut pins: Vec<Requirement<VerbatimUrl>> = Vec::new();
        let mut conflicts = Vec::new();
        let mut hashed = false;
        // pip reads a file that starts with a byte-order mark.
        let body = text.strip_prefix('\u{feff}').unwrap_or(text);
        for (number, line) in logical_lines(body) {
            let line = strip_comment(&line);
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            if line.starts_with('-') {
                hashed |= check_option(line, number, origin)?;
                continue;
            }
            let (spec, options) = split_options(line);
            hashed |= options.contains("--hash");
            let invalid = |why: String| {
                UserError::new(printable(&format!(
                    "line {number} of `{origin}`, `{spec}`, is not a valid requirement ({why}); write it as `name==version`"
                )))
            };
            if let Some(word) = name_ending_in_a_separator(spec) {
                return Err(invalid(format!(
                    "a package or extra name ends with a letter or a digit, and `{word}` does not"
                )));
            }
            let requirement = Requirement::<VerbatimUrl>::from_str(spec)
                .map_err(|err| invalid(err.message.to_string()))?;
            check_url(&requirement, spec, number, origin)?;
            if !is_pinned(&requirement) {
                unpinned.push(requirement.name.to_string());
            } else if let Some(other) = pins.iter().find(|p| clashes(p, &requirement)) {
                conflicts.push(format!(
                    "{} ({}, {})",
                    requirement.name,
                    version_text(other),
                    version_text(&requirement)
                ));
            }
            if is_pinned(&requirement) {
                pins.push(requirement.clone());
            }
            names.push(requirement.name.to_string());
        }
        Ok(Requirements {
            text: text.to_string(),
            names,
            unpinned,
            conflicts,
            hashed,
        })
    }

    /// A requirements file made of PEP 508 strings, such as pyproject's
    /// `[project] dependencies`.
    pub fn from_specifiers(specifiers: &[String], origin: &str) -> Result<Requirements, UserError> {
        let mut text = String::new();
        for specifier in specifiers {
            text.push_str(specifier.trim());
            text.push('\n');
        }
        Requirements::parse(&text, origin)
    }
}

fn is_pinned(requirement: &Requirement<VerbatimUrl>) -> bool {
    match &requirement.version_or_url {
        Some(pep508_rs::VersionOrUrl::VersionSpecifier(specifiers)) => specifiers.iter().any(|s| {
            matches!(
                s.operator(),
                pep508_rs::pep440_rs::Operator::Equal | pep508_rs::pep440_rs::Operator::ExactEqual
            )
        }),
        Some(pep508_rs::VersionOrUrl::Url(_)) => true,
        None => false,
    }
}

/// Whether `text` puts pip in hash-checking mode, and the files it includes
/// with `-r`, which count too. Unlike `parse`, this accepts any file pip
/// would: it reads dockwright's own files, which include the project's.
pub fn hash_mode(text: &str) -> (bool, Vec<String>) {
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut hashed = false;
    let mut includes = Vec::new();
    for (_, line) in logical_lines(body) {
        let line = strip_comment(&line);
        let line = line.trim();
        let mut words = line.split(|c: char| c == '=' || c.is_whitespace());
        match words.next() {
            Some("--require-hashes") => hashed = true,
            Some("-r" | "--requirement") => {
                includes.extend(words.find(|w| !w.is_empty()).map(str::to_string))
            }
            _ => hashed |= split_options(line).1.contains("--hash"),
        }
    }
    (hashed, includes)
}

/// The requirements file `file` (relative to the project `dir`) and every
/// file it includes with `-r`, as pip finds them (relative to the including
/// file), as paths relative to `dir`: what a build that reads `file` needs
/// in its context. An include outside the project is refused, since no
/// build can see it.
pub fn files(dir: &Path, file: &str) -> Result<Vec<String>, UserError> {
    let mut found = Vec::new();
    let mut queue = vec![(file.to_string(), None::<String>)];
    while let Some((path, included_by)) = queue.pop() {
        if found.contains(&path) {
            continue;
        }
        let text = std::fs::read_to_string(dir.join(&path)).map_err(|err| {
            match &included_by {
                Some(parent) => UserError::new(format!(
                    "cannot read `{path}`, which `{parent}` includes with `-r` ({err}); fix that line"
                )),
                None => UserError::new(format!(
                    "cannot read the requirements file `{path}` ({err}); check `requirements` in dockwright.toml"
                )),
            }
        })?;
        let base = Path::new(&path).parent().unwrap_or(Path::new(""));
        for include in hash_mode(&text).1 {
            let joined = normalise(&base.join(&include)).ok_or_else(|| {
                UserError::new(format!(
                    "`{path}` includes `{include}`, which is outside the project, where no image build can see it; move that file into the project"
                ))
            })?;
            queue.push((joined, Some(path.clone())));
        }
        found.push(path);
    }
    Ok(found)
}

/// `path` with `.` and `..` resolved, if it stays relative and inside.
fn normalise(path: &Path) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.components() {
        match part {
            Component::Normal(name) => parts.push(name.to_str()?),
            Component::CurDir => {}
            Component::ParentDir => {
                parts.pop()?;
            }
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(parts.join("/"))
}

/// `line` without its per-requirement options (`--hash=...`).
pub fn without_options(line: &str) -> &str {
    split_options(line).0
}

/// Two pins of one package, under the same markers, that name different
/// versions.
fn clashes(a: &Requirement<VerbatimUrl>, b: &Requirement<VerbatimUrl>) -> bool {
    a.name == b.name && a.marker == b.marker && version_text(a) != version_text(b)
}

fn version_text(requirement: &Requirement<VerbatimUrl>) -> String {
    match &requirement.version_or_url {
        Some(pep508_rs::VersionOrUrl::VersionSpecifier(specifiers)) => specifiers.to_string(),
        Some(pep508_rs::VersionOrUrl::Url(url)) => format!("@ {}", url.raw()),
        None => String::new(),
    }
}

/// The specifier and the per-requirement options (`--hash=...`) that follow
/// it: like pip, everything from the first word that starts with `-`.
fn split_options(line: &str) -> (&str, &str) {
    let mut at = line.len();
    let mut previous_blank = false;
    for (index, c) in line.char_indices() {
        if c == '-' && previous_blank {
            at = index;
            break;
        }
        previous_blank = c.is_whitespace();
    }
    (line[..at].trim(), &line[at..])
}

/// The package name `spec` starts with, or one of its extras, if it ends in
/// `.`, `-` or `_`. pep508_rs 0.9 panics on such a name when more follows
/// (`a_==1`, `flask[socks-]`), so it is refused before it gets there.
fn name_ending_in_a_separator(spec: &str) -> Option<&str> {
    let name_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_');
    let (name, rest) = spec.split_at(spec.find(|c| !name_char(c)).unwrap_or(spec.len()));
    let extras = rest
        .trim_start()
        .strip_prefix('[')
        .map_or("", |extras| extras.split(']').next().unwrap_or(extras));
    std::iter::once(name)
        .chain(extras.split(|c: char| c == ',' || c.is_whitespace()))
        .find(|word| word.chars().all(name_char) && word.ends_with(['.', '-', '_']))
}

/// A `file:` URL names a file on this machine, outside the build context.
fn check_url(
    requirement: &Requirement<VerbatimUrl>,
    spec: &str,
    number: usize,
    origin: &str,
) -> Result<(), UserError> {
    match &requirement.version_or_url {
        Some(pep508_rs::VersionOrUrl::Url(url)) if url.raw().scheme() == "file" => {
            Err(outside_the_build(number, origin, spec))
        }
        _ => Ok(()),
    }
}

/// Checks an option line; whether it turns on hash-checking mode.
fn check_option(line: &str, number: usize, origin: &str) -> Result<bool, UserError> {
    let option = line
        .split(|c: char| c == '=' || c.is_whitespace())
        .next()
        .unwrap_or(line);
    if SELF_CONTAINED_OPTIONS.contains(&option) {
        return Ok(option == "--require-hashes");
    }
    if LOCATION_OPTIONS.contains(&option) {
        let value =
            line[option.len()..].trim_start_matches(|c: char| c == '=' || c.is_whitespace());
        let remote = ["http://", "https://"]
            .iter()
            .any(|scheme| value.to_ascii_lowercase().starts_with(scheme));
        if remote {
            return Ok(false);
        }
    }
    Err(outside_the_build(number, origin, option))
}

fn outside_the_build(number: usize, origin: &str, what: &str) -> UserError {
    UserError::new(printable(&format!(
        "line {number} of `{origin}` uses `{what}`, which needs files or options an image build cannot see; list the requirements themselves, one `name==version` a line"
    )))
}

/// Joins lines continued with a trailing backslash, keeping the number of
/// the first physical line for messages.
fn logical_lines(text: &str) -> Vec<(usize, String)> {
    let mut lines = Vec::new();
    let mut pending: Option<(usize, String)> = None;
    for (index, raw) in text.lines().enumerate() {
        let (start, mut joined) = pending.take().unwrap_or((index + 1, String::new()));
        match raw.strip_suffix('\\') {
            Some(head) => {
                joined.push_str(head);
                joined.push(' ');
                pending = Some((start, joined));
            }
            None => {
                joined.push_str(raw);
                lines.push((start, joined));
            }
        }
    }
    lines.extend(pending);
    lines
}

/// pip's rule: a `#` at the start of a line or after whitespace (a space or
/// a tab) begins a comment; one inside a word, as in a URL's fragment, does not.
fn strip_comment(line: &str) -> String {
    let mut previous_blank = true;
    for (index, c) in line.char_indices() {
        if c == '#' && previous_blank {
            return line[..index].to_string();
        }
        previous_blank = c.is_whitespace();
    }
    line.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_pins_comments_and_options() {
        let text = "# deps\nflask==3.1.3  # web\n\n--index-url https://pypi.org/simple\ngunicorn==27.0.1 \\\n    --hash=sha256:abc\nrequests>=2\n";
        let reqs = Requirements::parse(text, "requirements.txt").unwrap();
        assert_eq!(reqs.names, ["flask", "gunicorn", "requests"]);
        assert_eq!(reqs.unpinned, ["requests"]);
        assert_eq!(reqs.text, text);
    }

    #[test]
    fn refuses_a_bad_specifier_naming_the_line() {
        let err = Requirements::parse("flask==3.1.3\nflask=>3\n", "req.txt").unwrap_err();
        let message = err.to_string();
        assert!(
            message.starts_with("line 2 of `req.txt`, `flask=>3`"),
            "{message}"
        );
        assert!(!message.contains('\n'), "{message}");
    }

    #[test]
    fn refuses_references_to_other_files() {
        for line in ["-r base.txt", "-e .", "--constraint c.txt"] {
            let err = Requirements::parse(line, "req.txt").unwrap_err();
            assert!(err.to_string().contains("line 1"), "{err}");
        }
    }

    #[test]
    fn reads_what_pip_reads_tab_comments_and_a_byte_order_mark() {
        let text = "\u{feff}flask==3.1.3\t# web\ngunicorn==23.0.0\t\t#server\n";
        let reqs = Requirements::parse(text, "requirements.txt").unwrap();
        assert_eq!(reqs.names, ["flask", "gunicorn"]);
        assert!(reqs.unpinned.is_empty());
        assert_eq!(reqs.text, text);
    }

    #[test]
    fn refuses_local_links_and_file_urls_naming_the_line() {
        for (text, says) in [
            ("flask==3.1.3\n-f ./wheels\n", "`-f`"),
            ("flask==3.1.3\n--find-links=/srv/wheels\n", "`--find-links`"),
            (
                "flask==3.1.3\n--index-url file:///srv/simple\n",
                "`--index-url`",
            ),
            (
                "flask==3.1.3\nshop @ file:///home/me/shop.whl\n",
                "`shop @ file:///home/me/shop.whl`",
            ),
        ] {
            let err = Requirements::parse(text, "req.txt")
                .unwrap_err()
                .to_string();
            assert!(
                err.starts_with("line 2 of `req.txt` uses ") && err.contains(says),
                "{text}: {err}"
            );
            assert!(err.contains("an image build cannot see"), "{err}");
        }
        let remote = "-f https://example.org/wheels\n--extra-index-url https://example.org/simple\nflask==3.1.3\n";
        assert!(Requirements::parse(remote, "req.txt").is_ok());
    }

    #[test]
    fn finds_packages_pinned_twice_to_different_versions() {
        let text = "Flask==3.1.3\ngunicorn==23.0.0\nflask==3.0.0\ngunicorn==23.0.0\nnumpy==1.26.4; python_version < \"3.12\"\nnumpy==2.3.0; python_version >= \"3.12\"\n";
        let reqs = Requirements::parse(text, "req.txt").unwrap();
        assert_eq!(reqs.conflicts, ["flask (==3.1.3, ==3.0.0)"]);
    }

    #[test]
    fn hash_checking_files_are_valid_and_known_as_such() {
        let text = "--require-hashes\nflask==3.1.3 \\\n    --hash=sha256:aaaa \\\n    --hash=sha256:bbbb\ngunicorn==23.0.0\t--hash=sha256:cccc\n";
        let reqs = Requirements::parse(text, "req.txt").unwrap();
        assert_eq!(reqs.names, ["flask", "gunicorn"]);
        assert!(reqs.hashed);
        let only_hashes = Requirements::parse("flask==3.1.3 --hash=sha256:aaaa\n", "r").unwrap();
        assert!(only_hashes.hashed);
        assert!(!Requirements::parse("flask==3.1.3\n", "r").unwrap().hashed);
    }

    #[test]
    fn builds_from_pyproject_specifiers() {
        let reqs = Requirements::from_specifiers(
            &["flask>=3".into(), "pandas==3.1.1".into()],
            "pyproject.toml",
        )
        .unwrap();
        assert_eq!(reqs.text, "flask>=3\npandas==3.1.1\n");
        assert_eq!(reqs.unpinned, ["flask"]);
    }

    #[test]
    fn files_are_the_file_and_its_includes_relative_to_the_project() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("reqs")).unwrap();
        std::fs::write(
            dir.path().join("dockwright-requirements.txt"),
            "-r reqs/base.txt\ngunicorn==27.0.1\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("reqs/base.txt"),
            "-r ./more.txt\nflask==3.1.3\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("reqs/more.txt"), "-r base.txt\n").unwrap();
        let found = files(dir.path(), "dockwright-requirements.txt").unwrap();
        assert_eq!(
            found,
            [
                "dockwright-requirements.txt",
                "reqs/base.txt",
                "reqs/more.txt"
            ]
        );
        std::fs::write(dir.path().join("reqs/more.txt"), "-r ../../outside.txt\n").unwrap();
        let err = files(dir.path(), "dockwright-requirements.txt")
            .unwrap_err()
            .to_string();
        assert!(err.contains("outside the project"), "{err}");
        let err = files(dir.path(), "missing.txt").unwrap_err().to_string();
        assert!(
            err.starts_with("cannot read the requirements file `missing.txt`"),
            "{err}"
        );
    }
}
