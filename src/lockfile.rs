//! requirements.lock: every package the project installs, pinned with its
//! hashes, resolved inside the project's own slim base image; the files it
//! was locked from, and whether they changed since.
//!
//! The lock starts with a header that names each file it was resolved from
//! with that file's sha256, so that a build can tell a lock that no longer
//! matches its source.

use std::fs;
use std::path::Path;

use serde::Serialize;

use crate::build_runner::{log_tail, BuildRunner, Log};
use crate::ca;
use crate::config::{Config, Images};
use crate::dockerfile;
use crate::engine::{BuildSpec, Destination};
use crate::error::UserError;
use crate::journal::sha256;
use crate::requirements;
use crate::templates;

/// The lock's path, relative to the project.
pub const FILE: &str = "requirements.lock";

/// How the header names a source file: `# from PATH sha256:HEX`.
const FROM: &str = "# from ";
const SHA: &str = " sha256:";

/// A file the lock is resolved from, with the sha256 of its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    /// Relative to the project.
    pub path: String,
    pub sha256: String,
    bytes: Vec<u8>,
}

/// The requirements file `source` of the project `dir` and the files it
/// includes, as they are now.
pub fn inputs(dir: &Path, source: &str) -> Result<Vec<Input>, UserError> {
    requirements::files(dir, source)?
        .into_iter()
        .map(|path| {
            let bytes = fs::read(dir.join(&path)).map_err(|err| {
                UserError::new(format!(
                    "cannot read `{path}` ({err}); check its permissions"
                ))
            })?;
            if path.chars().any(char::is_control) {
                return Err(UserError::new(format!(
                    "the requirements file `{}` has a control character in its name; rename it",
                    path.escape_debug()
                )));
            }
            Ok(Input {
                sha256: sha256(&bytes),
                path,
                bytes,
            })
        })
        .collect()
}

/// The lock file: a header naming `image` and the `inputs`, then the pins
/// `resolved` there.
pub fn contents(image: &str, inputs: &[Input], resolved: &str) -> String {
    let mut text = format!(
        "# Written by `dockwright lock`, resolved inside {image}: every package pinned, with its hashes.\n# Edit the files below, not this one, then run `dockwright lock` again.\n"
    );
    for input in inputs {
        text.push_str(&format!("{FROM}{}{SHA}{}\n", input.path, input.sha256));
    }
    text.push_str(resolved);
    text
}

/// The files and hashes the header of lock `text` names.
fn recorded(text: &str) -> Vec<(String, String)> {
    text.lines()
        .take_while(|line| line.starts_with('#'))
        .filter_map(|line| line.strip_prefix(FROM)?.rsplit_once(SHA))
        .map(|(path, sha)| (path.to_string(), sha.to_string()))
        .collect()
}

/// The files named in the header of lock `text` that are no longer as they
/// were when it was written (changed, or gone), relative to project `dir`.
fn changed(dir: &Path, text: &str) -> Vec<String> {
    recorded(text)
        .into_iter()
        .filter(|(path, sha)| fs::read(dir.join(path)).map_or(true, |bytes| &sha256(&bytes) != sha))
        .map(|(path, _)| path)
        .collect()
}

/// Why the lock of the project `dir` no longer says what its images should
/// install: missing, or its source edited since. `None` when the project
/// has no lock, or an up-to-date one.
pub fn stale(dir: &Path, config: &Config) -> Option<String> {
    config.project.lock_source.as_ref()?;
    let lock = &config.project.requirements;
    let Ok(text) = fs::read_to_string(dir.join(lock)) else {
        return Some(format!(
            "dockwright.toml installs from `{lock}`, which is missing; run `dockwright lock` to write it"
        ));
    };
    let changed = changed(dir, &text);
    (!changed.is_empty()).then(|| {
        let names: Vec<String> = changed.iter().map(|p| format!("`{p}`")).collect();
        format!(
            "{} changed after `{lock}` was written, and the images install the lock's pins; run `dockwright lock` again",
            names.join(", ")
        )
    })
}

/// The sha256 of the lock the project `dir` installs from, if it has one.
pub fn digest(dir: &Path, config: &Config) -> Option<String> {
    config.project.lock_source.as_ref()?;
    fs::read(dir.join(&config.project.requirements))
        .ok()
        .map(|bytes| sha256(&bytes))
}

/// How many packages lock `text` pins.
pub fn packages(text: &str) -> usize {
    text.lines()
        .filter(|line| line.starts_with(|c: char| c.is_ascii_alphanumeric()))
        .count()
}

#[derive(Serialize)]
struct Context<'a> {
    images: &'a Images,
    /// The requirements file, as uv's argument.
    source: String,
    ca: ca::Render,
}

/// Resolves `inputs` (the first is the file to resolve) with uv inside
/// `images.slim`, through a throwaway build on `build_runner`'s engine whose
/// only output is the lock, trusting the proxy CA bundle `ca_file` if
/// given; returns the pins, without a header.
pub fn resolve(
    build_runner: &mut BuildRunner,
    images: &Images,
    ca_file: Option<&Path>,
    inputs: &[Input],
    log: &mut Log,
    log_path: &Path,
) -> anyhow::Result<String> {
    let source = &inputs
        .first()
        .ok_or_else(|| anyhow::anyhow!("nothing to lock"))?
        .path;
    let work = tempfile::tempdir()?;
    let context = work.path().join("context");
    for input in inputs {
        let path = context.join(&input.path);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)?;
        }
        fs::write(&path, &input.bytes)?;
    }
    let text = templates::fill(
        "lock/Dockerfile",
        &Context {
            images,
            // A name starting with `-` would be read as an option.
            source: if source.starts_with('-') {
                format!("./{source}")
            } else {
                source.clone()
            },
            ca: ca::Render::new(ca_file.is_some()),
        },
    )?;
    let dockerfile = work.path().join("lock.Dockerfile");
    fs::write(&dockerfile, &text)?;
    let facts = dockerfile::facts(&text, images);
    if let Some(why) = build_runner.missing(&facts.bases)? {
        return Err(
            UserError::new(format!("cannot lock the requirements: {why}"))
                .help(
                    "pull that image or point `[images]` in dockwright.toml at one the engine has",
                )
                .into(),
        );
    }
    let out = work.path().join("out");
    let spec = BuildSpec {
        dockerfile,
        context,
        destination: Destination::Directory(out.clone()),
        labels: Vec::new(),
        build_args: facts.build_args,
        // A lock is resolved against the index as it is now, not as a
        // cached layer saw it.
        no_cache: true,
        pull: false,
        iidfile: None,
        platform: None,
        secrets: ca_file
            .map(|file| (ca::SECRET_ID.to_string(), file.to_path_buf()))
            .into_iter()
            .collect(),
    };
    let timed = build_runner.build(&spec, log, "lock")?;
    if !timed.ok {
        let last = log_tail(log_path, 1);
        return Err(UserError::new(format!(
            "uv could not resolve `{source}` inside {}: {}",
            images.slim,
            last.trim()
        ))
        .help(format!(
            "the whole log is in `{}`; fix the requirements, then run `dockwright lock` again",
            log_path.display()
        ))
        .into());
    }
    let lock = out.join(FILE);
    fs::read_to_string(&lock).map_err(|err| {
        UserError::new(format!(
            "the lock build succeeded but exported no `{FILE}` ({err}); the engine may not export build results with `--output type=local`"
        ))
        .help("use docker with BuildKit (Debian's /usr/bin/docker, or a client with buildx) via `--engine PATH`")
        .into()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(files: &[(&str, &str)], lock_source: Option<&str>) -> (tempfile::TempDir, Config) {
        let dir = tempfile::tempdir().unwrap();
        for (path, text) in files {
            fs::write(dir.path().join(path), text).unwrap();
        }
        let mut text = crate::templates::fill(
            "project/dockwright.toml",
            &serde_json::json!({
                "name": "hello", "python": "3.13", "port": 5000, "entry": "app:app",
                "app_file": "app.py", "requirements": "requirements.txt", "install_project": false,
                "profile": "speed", "images": Images::for_python("3.13"),
                "extra_dependency": "six==1.17.0", "runtime": crate::config::Runtime::default(), "ca_file": null,
                "variants": [{"name": "uv", "dockerfile": "dockerfiles/uv.Dockerfile", "reason": "fast"}],
            }),
        )
        .unwrap();
        if let Some(source) = lock_source {
            text = crate::config::point_at_lock(&text, Path::new("dockwright.toml"), FILE, source)
                .unwrap();
        }
        let config = Config::parse(&text, Path::new("dockwright.toml")).unwrap();
        (dir, config)
    }

    const PINS: &str = "flask==3.1.3 \\\n    --hash=sha256:aa\n    # via -r requirements.txt\nblinker==1.9.0 \\\n    --hash=sha256:bb\n";

    #[test]
    fn the_header_names_each_source_with_its_hash_and_reads_back() {
        let (dir, _) = project(
            &[
                ("requirements.txt", "-r base.txt\ngunicorn==27.0.1\n"),
                ("base.txt", "flask==3.1.3\n"),
            ],
            None,
        );
        let inputs = inputs(dir.path(), "requirements.txt").unwrap();
        let text = contents("python:3.13-slim", &inputs, PINS);
        assert!(
            text.starts_with("# Written by `dockwright lock`, resolved inside python:3.13-slim")
        );
        assert!(text.ends_with(PINS));
        assert_eq!(
            recorded(&text),
            [
                (
                    "requirements.txt".to_string(),
                    sha256(b"-r base.txt\ngunicorn==27.0.1\n")
                ),
                ("base.txt".to_string(), sha256(b"flask==3.1.3\n")),
            ]
        );
        assert_eq!(packages(&text), 2);
        assert!(changed(dir.path(), &text).is_empty());
    }

    #[test]
    fn a_lock_is_stale_once_a_file_it_was_locked_from_changes() {
        let (dir, config) = project(
            &[
                ("requirements.txt", "-r base.txt\n"),
                ("base.txt", "flask==3.1.3\n"),
            ],
            Some("requirements.txt"),
        );
        let inputs = inputs(dir.path(), "requirements.txt").unwrap();
        fs::write(dir.path().join(FILE), contents("slim", &inputs, PINS)).unwrap();
        assert_eq!(stale(dir.path(), &config), None);
        assert_eq!(
            digest(dir.path(), &config),
            Some(sha256(&fs::read(dir.path().join(FILE)).unwrap()))
        );

        fs::write(dir.path().join("base.txt"), "flask==3.1.2\n").unwrap();
        let warning = stale(dir.path(), &config).unwrap();
        assert!(
            warning.starts_with("`base.txt` changed after `requirements.lock` was written")
                && warning.ends_with("run `dockwright lock` again"),
            "{warning}"
        );

        fs::remove_file(dir.path().join(FILE)).unwrap();
        assert!(stale(dir.path(), &config)
            .unwrap()
            .contains("which is missing"));
        assert_eq!(digest(dir.path(), &config), None);
    }

    #[test]
    fn a_project_without_a_lock_is_never_stale_and_has_no_digest() {
        let (dir, config) = project(&[("requirements.txt", "flask==3.1.3\n")], None);
        fs::write(dir.path().join(FILE), "flask==3.1.3\n").unwrap();
        assert_eq!(stale(dir.path(), &config), None);
        assert_eq!(digest(dir.path(), &config), None);
    }
}
