//! What `.dockerignore` keeps out of the build context: dockwright's own
//! patterns (scaffolds/project/dockerignore) and the ones `init` takes from a
//! project's `.gitignore`, translated to Docker's rules.
//!
//! Docker matches a pattern against the whole path from the context root (`*`
//! stops at `/`, `**/` spans any number of directories) and leaves out
//! everything under a directory that a pattern matches. git matches a pattern
//! without a slash at any depth, so the same line does not mean the same thing
//! in the two files.

use std::io::ErrorKind;
use std::path::Path;

use globset::GlobBuilder;

use crate::error::UserError;
use crate::scaffold::Settings;
use crate::templates;

/// What `init` made of a project's `.gitignore`.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct FromGitignore {
    /// Patterns for `.dockerignore`, in Docker's form and `.gitignore`'s
    /// order, without the ones dockwright writes anyway.
    pub taken: Vec<String>,
    /// Lines of `.gitignore` that were not taken, each with the reason.
    pub left_out: Vec<LeftOut>,
}

#[derive(Debug, PartialEq, Eq)]
pub struct LeftOut {
    pub line: String,
    pub why: String,
}

impl FromGitignore {
    /// The line `init` prints about the patterns it took, if it took any.
    pub fn taken_line(&self) -> Option<String> {
        (!self.taken.is_empty()).then(|| {
            format!(
                "Took from .gitignore into .dockerignore: {}",
                quoted(&self.taken)
            )
        })
    }

    /// The warning about the lines it left out, if it left out any.
    pub fn left_out_line(&self) -> Option<String> {
        (!self.left_out.is_empty()).then(|| {
            let each: Vec<String> = self
                .left_out
                .iter()
                .map(|l| format!("`{}` ({})", l.line, l.why))
                .collect();
            format!(
                "not taken from .gitignore into .dockerignore: {}",
                each.join(", ")
            )
        })
    }
}

/// One line of `.gitignore`, read.
#[derive(Debug, PartialEq, Eq)]
enum Line {
    /// A comment or a blank line.
    Nothing,
    /// `!pattern`, which re-includes what an earlier line excluded.
    Negation,
    /// A pattern, written the way Docker reads it.
    Pattern(String),
}

/// The patterns of `dir/.gitignore` that `.dockerignore` should have too;
/// nothing when there is no `.gitignore`.
pub fn from_gitignore(dir: &Path, settings: &Settings) -> anyhow::Result<FromGitignore> {
    let path = dir.join(".gitignore");
    let text = match std::fs::read(&path) {
        Ok(bytes) => String::from_utf8(bytes).map_err(|_| {
            UserError::new(format!(
                "`{}` is not UTF-8 text; save it as UTF-8 and run `dockwright init` again",
                path.display()
            ))
        })?,
        Err(err) if err.kind() == ErrorKind::NotFound => return Ok(FromGitignore::default()),
        Err(err) => {
            return Err(UserError::new(format!(
                "cannot read `{}` ({err}); make it a readable file or remove it",
                path.display()
            ))
            .into())
        }
    };
    let needed = [
        settings.app_file.as_str(),
        settings.requirements.as_str(),
        "pyproject.toml",
    ];
    Ok(translate(&text, &own_patterns()?, &needed))
}

/// dockwright's own patterns: the lines of the `.dockerignore` template that
/// are neither comments nor template tags.
pub fn own_patterns() -> anyhow::Result<Vec<String>> {
    Ok(templates::embedded("project/dockerignore")?
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with('{'))
        .map(str::to_string)
        .collect())
}

/// The patterns of `gitignore` in Docker's form, except those in `own`, the
/// negations, and any that would leave out one of the `needed` files (whose
/// directories the image needs too: the package an app file is in).
fn translate(gitignore: &str, own: &[String], needed: &[&str]) -> FromGitignore {
    let mut result = FromGitignore::default();
    // git reads a file that starts with a byte-order mark.
    let gitignore = gitignore.strip_prefix('\u{feff}').unwrap_or(gitignore);
    for raw in gitignore.lines() {
        let left_out = |why: String| LeftOut {
            line: raw.trim().to_string(),
            why,
        };
        let pattern = match read_line(raw) {
            Line::Nothing => continue,
            Line::Negation => {
                result.left_out.push(left_out(
                    "a `!` line could let back in a secret that dockwright leaves out".to_string(),
                ));
                continue;
            }
            Line::Pattern(pattern) => pattern,
        };
        if own.contains(&pattern) || result.taken.contains(&pattern) {
            continue;
        }
        match needed_file_excluded(&pattern, needed) {
            Ok(None) => result.taken.push(pattern),
            Ok(Some(file)) => result.left_out.push(left_out(format!(
                "it would leave out `{file}`, which the image needs"
            ))),
            Err(err) => result.left_out.push(left_out(format!(
                "dockwright cannot read it as a pattern: {}",
                err.kind()
            ))),
        }
    }
    result
}

/// git's rules, as Docker needs them spelled: a pattern with no slash but a
/// trailing one matches at any depth (`**/`), a leading slash anchors to the
/// root (Docker's patterns all are), a trailing slash (directories only) goes
/// since Docker has no such form, and `[!…]` becomes Go's `[^…]`.
fn read_line(raw: &str) -> Line {
    let line = raw.trim();
    if line.is_empty() || line.starts_with('#') {
        return Line::Nothing;
    }
    if line.starts_with('!') {
        return Line::Negation;
    }
    // Docker trims the spaces around a pattern, so they go here too: what
    // is checked against the needed files is what Docker will read.
    let body = line.trim_end_matches('/').trim_end();
    let pattern = match body.strip_prefix('/') {
        Some(anchored) => anchored.trim_start().to_string(),
        None if body.contains('/') => body.to_string(),
        None => format!("**/{body}"),
    };
    if pattern.is_empty() || pattern == "**/" {
        return Line::Nothing;
    }
    let pattern = pattern.replace("[!", "[^");
    // `/!x` and `/#x` name files that start with `!` or `#`; without their
    // slash, Docker would read a `!` line that lets excluded files back in,
    // or a comment.
    if pattern.starts_with(['!', '#']) {
        return Line::Pattern(format!("\\{pattern}"));
    }
    Line::Pattern(pattern)
}

/// The first of `needed` that `pattern` leaves out of the build context,
/// itself or through one of its directories.
fn needed_file_excluded<'a>(
    pattern: &str,
    needed: &[&'a str],
) -> Result<Option<&'a str>, globset::Error> {
    let glob = GlobBuilder::new(pattern)
        .literal_separator(true)
        .backslash_escape(true)
        .build()?
        .compile_matcher();
    Ok(needed
        .iter()
        .copied()
        .find(|file| Path::new(file).ancestors().any(|p| glob.is_match(p))))
}

fn quoted(items: &[String]) -> String {
    items
        .iter()
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether Docker leaves `path` out given `patterns`, negations aside:
    /// dockwright writes none.
    fn docker_excludes(patterns: &[String], path: &str) -> bool {
        patterns
            .iter()
            .any(|p| needed_file_excluded(p, &[path]).unwrap().is_some())
    }

    #[test]
    fn own_patterns_leave_out_secrets_and_junk_at_any_depth() {
        let own = own_patterns().unwrap();
        for path in [
            ".env",
            "pkg/.env",
            "pkg/.env.local",
            "certs/key.pem",
            "a/b/server.key",
            "flaskr/__pycache__/views.cpython-313.pyc",
            "pkg/__pycache__/x.pyc",
            "pkg/mod.pyc",
            "instance/db.sqlite",
            "tests/test_app.py",
            "build/lib/shop/__init__.py",
            "dist/shop-1.0.tar.gz",
            "src/shop.egg-info/PKG-INFO",
            ".coverage",
            "web/node_modules/x/index.js",
            ".idea/workspace.xml",
            ".vscode/settings.json",
            "static/.DS_Store",
            "sub/.git/HEAD",
            ".dockwright/runs/1.json",
            ".dockwright-init-abc123/new/app.py",
            ".dockwright-new-abc123/app.py",
            "pkg/.dockwright-x1y2.tmp",
            "dockerfiles/slim.Dockerfile",
            "dockwright.toml",
            "docker-bake.hcl",
        ] {
            assert!(docker_excludes(&own, path), "{path} goes into the context");
        }
    }

    #[test]
    fn own_patterns_keep_what_the_images_copy() {
        let own = own_patterns().unwrap();
        for path in [
            "app.py",
            "requirements.txt",
            "dockwright-requirements.txt",
            "pyproject.toml",
            "README.md",
            "shop/__init__.py",
            "src/shop/views.py",
            "shop/instance_helpers.py",
            "static/style.css",
        ] {
            assert!(!docker_excludes(&own, path), "{path} is left out");
        }
    }

    #[test]
    fn reads_gitignore_lines_the_way_git_means_them() {
        let cases = [
            ("*.sqlite3", Line::Pattern("**/*.sqlite3".into())),
            ("secrets/", Line::Pattern("**/secrets".into())),
            ("/local.cfg", Line::Pattern("local.cfg".into())),
            ("/out/", Line::Pattern("out".into())),
            ("docs/_build/", Line::Pattern("docs/_build".into())),
            ("**/logs", Line::Pattern("**/logs".into())),
            ("*.[!o]db  ", Line::Pattern("**/*.[^o]db".into())),
            ("# a comment", Line::Nothing),
            ("", Line::Nothing),
            ("   ", Line::Nothing),
            ("/", Line::Nothing),
            ("!keep.env", Line::Negation),
            ("/!.env", Line::Pattern("\\!.env".into())),
            ("/#notes", Line::Pattern("\\#notes".into())),
            ("logs /", Line::Pattern("**/logs".into())),
            ("/ cache", Line::Pattern("cache".into())),
        ];
        for (line, expected) in cases {
            assert_eq!(read_line(line), expected, "{line:?}");
        }
    }

    #[test]
    fn takes_new_patterns_once_and_says_what_it_left_out() {
        let own = own_patterns().unwrap();
        let gitignore = "# Python\n__pycache__/\n*.py[cod]\n.env\n*.sqlite3\n*.sqlite3\n/secrets/\n!.env.example\n*.txt\nshop/\n[z\n";
        let got = translate(
            gitignore,
            &own,
            &["shop/__init__.py", "requirements.txt", "pyproject.toml"],
        );
        assert_eq!(got.taken, ["**/*.sqlite3", "secrets"]);
        let left: Vec<(&str, &str)> = got
            .left_out
            .iter()
            .map(|l| (l.line.as_str(), l.why.as_str()))
            .collect();
        assert_eq!(left.len(), 4, "{left:?}");
        assert_eq!(left[0].0, "!.env.example");
        assert!(left[0].1.contains("`!`"), "{}", left[0].1);
        assert_eq!(left[1].0, "*.txt");
        assert!(left[1].1.contains("`requirements.txt`"), "{}", left[1].1);
        assert_eq!(left[2].0, "shop/");
        assert!(left[2].1.contains("`shop/__init__.py`"), "{}", left[2].1);
        assert_eq!(left[3].0, "[z");
        assert!(left[3].1.contains("cannot read"), "{}", left[3].1);
    }

    #[test]
    fn a_byte_order_mark_is_not_part_of_the_first_pattern() {
        let got = translate("\u{feff}*.log\n", &[], &["app.py"]);
        assert_eq!(got.taken, ["**/*.log"]);
    }

    #[test]
    fn a_gitignore_of_nothing_new_says_nothing() {
        let own = own_patterns().unwrap();
        let got = translate("__pycache__/\n.venv/\n", &own, &["app.py"]);
        assert_eq!(got, FromGitignore::default());
        assert_eq!(got.taken_line(), None);
        assert_eq!(got.left_out_line(), None);
    }
}
