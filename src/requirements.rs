//! Requirements files: every line checked as a PEP 508 specifier before it
//! ends up in an image build.

use std::str::FromStr;

use pep508_rs::{Requirement, VerbatimUrl};

use crate::error::UserError;

/// pip options a requirements file may carry that need nothing outside it.
const SELF_CONTAINED_OPTIONS: &[&str] = &[
    "-i",
    "--index-url",
    "--extra-index-url",
    "--no-index",
    "-f",
    "--find-links",
    "--trusted-host",
    "--pre",
    "--prefer-binary",
    "--only-binary",
    "--no-binary",
];

/// A checked requirements file: its text as written, and the names it pins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirements {
    pub text: String,
    pub names: Vec<String>,
    pub unpinned: Vec<String>,
}

impl Requirements {
    /// Checks `text`; `origin` names the file in error messages.
    pub fn parse(text: &str, origin: &str) -> Result<Requirements, UserError> {
        let mut names = Vec::new();
        let mut unpinned = Vec::new();
        for (number, line) in logical_lines(text) {
            let line = strip_comment(&line);
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            if line.starts_with('-') {
                check_option(line, number, origin)?;
                continue;
            }
            // Per-requirement options such as `--hash=...` follow the specifier.
            let spec = line.split(" --").next().unwrap_or(line).trim();
            let requirement = Requirement::<VerbatimUrl>::from_str(spec).map_err(|err| {
                let why = err.message.to_string();
                UserError::new(format!(
                    "line {number} of `{origin}`, `{spec}`, is not a valid requirement ({why}); write it as `name==version`"
                ))
            })?;
            if !is_pinned(&requirement) {
                unpinned.push(requirement.name.to_string());
            }
            names.push(requirement.name.to_string());
        }
        Ok(Requirements {
            text: text.to_string(),
            names,
            unpinned,
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

fn check_option(line: &str, number: usize, origin: &str) -> Result<(), UserError> {
    let option = line.split([' ', '=']).next().unwrap_or(line);
    if SELF_CONTAINED_OPTIONS.contains(&option) {
        return Ok(());
    }
    Err(UserError::new(format!(
        "line {number} of `{origin}` uses `{option}`, which needs files or options an image build cannot see; list the requirements themselves, one `name==version` a line"
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

fn strip_comment(line: &str) -> String {
    if line.trim_start().starts_with('#') {
        return String::new();
    }
    match line.find(" #") {
        Some(at) => line[..at].to_string(),
        None => line.to_string(),
    }
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
    fn builds_from_pyproject_specifiers() {
        let reqs = Requirements::from_specifiers(
            &["flask>=3".into(), "pandas==3.1.1".into()],
            "pyproject.toml",
        )
        .unwrap();
        assert_eq!(reqs.text, "flask>=3\npandas==3.1.1\n");
        assert_eq!(reqs.unpinned, ["flask"]);
    }
}
