//! Base images pinned to registry digests: which images of the active base
//! set a project builds from, and dockwright.toml rewritten with
//! `name@sha256:...` in their place, its comments and layout kept.

use std::path::Path;

use toml_edit::{DocumentMut, Item, TableLike, Value};

use crate::config::{Config, Role};
use crate::error::UserError;
use crate::project::Project;

/// One base image setting and what `pin` makes of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pin {
    pub role: Role,
    /// The table that sets it: `["images"]` or `["base-sets", NAME]`.
    pub table: Vec<String>,
    /// Its value now.
    pub before: String,
    /// Its value after: the tag with the digest the registry gives it, or,
    /// unpinning, the tag alone.
    pub after: String,
}

/// The roles of the base images `project`'s variants build from, in the
/// order of `Role::ALL`.
pub fn used_roles(project: &Project) -> Vec<Role> {
    Role::ALL
        .into_iter()
        .filter(|role| {
            project.ladder.rungs.iter().any(|rung| {
                rung.facts
                    .build_args
                    .iter()
                    .any(|(arg, _)| arg == role.build_arg())
            })
        })
        .collect()
}

/// `text` (dockwright.toml, read from `path`) with each pin's setting set to
/// its `after`, everything else byte for byte as it was.
pub fn rewrite(text: &str, path: &Path, pins: &[Pin]) -> Result<String, UserError> {
    let out = set(text, pins).map_err(|why| {
        UserError::new(format!("cannot pin base images in `{}`: {why}", path.display()))
            .help("fix the file by hand (or regenerate it with `dockwright init --force`), then run `dockwright pin` again")
    })?;
    Config::parse(&out, path)?;
    Ok(out)
}

/// The TOML document `text` with each pin's value replaced, the comments and
/// spacing around it kept; `Err` says what the document lacks.
fn set(text: &str, pins: &[Pin]) -> Result<String, String> {
    let mut doc: DocumentMut = text.parse().map_err(|err| format!("{err}"))?;
    for pin in pins {
        let table = pin.table.join(".");
        let mut item: &mut dyn TableLike = doc.as_table_mut();
        for key in &pin.table {
            item = item
                .get_mut(key)
                .and_then(Item::as_table_like_mut)
                .ok_or_else(|| format!("it has no [{table}] table"))?;
        }
        let key = pin.role.key();
        let value = item
            .get_mut(key)
            .ok_or_else(|| format!("its [{table}] table has no `{key}` setting"))?
            .as_value_mut()
            .filter(|value| value.is_str())
            .ok_or_else(|| format!("`{key}` in [{table}] is not a string"))?;
        let decor = value.decor().clone();
        *value = Value::from(pin.after.as_str());
        *value.decor_mut() = decor;
    }
    Ok(doc.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = r#"# Our settings: keep this comment.
[project]
name = "hello"
full = 3

[images]
full = "python:3.13"   # the article's first image
slim = 'python:3.13-slim'
alpine = "python:3.13-alpine"
uv = "ghcr.io/astral-sh/uv:0.13.9"

[base-sets."the mirror"]
slim = "mirror.example/python:3.13-slim"
"#;

    fn pin(table: &[&str], role: Role, after: &str) -> Pin {
        Pin {
            role,
            table: table.iter().map(|t| t.to_string()).collect(),
            before: String::new(),
            after: after.to_string(),
        }
    }

    fn edit(pins: &[Pin]) -> Result<String, String> {
        set(TEXT, pins)
    }

    #[test]
    fn only_the_pinned_values_change() {
        let out = edit(&[
            pin(&["images"], Role::Full, "python:3.13@sha256:aa"),
            pin(
                &["base-sets", "the mirror"],
                Role::Slim,
                "mirror.example/python:3.13-slim@sha256:bb",
            ),
        ])
        .unwrap();
        let expected = TEXT
            .replace(
                r#"full = "python:3.13"   #"#,
                r#"full = "python:3.13@sha256:aa"   #"#,
            )
            .replace(
                r#"slim = "mirror.example/python:3.13-slim""#,
                r#"slim = "mirror.example/python:3.13-slim@sha256:bb""#,
            );
        assert_eq!(out, expected);
    }

    #[test]
    fn a_missing_setting_is_named() {
        let err = edit(&[pin(&["base-sets", "other"], Role::Uv, "x")]).unwrap_err();
        assert_eq!(err, "it has no [base-sets.other] table");
        let err = edit(&[pin(&["project"], Role::Uv, "x")]).unwrap_err();
        assert_eq!(err, "its [project] table has no `uv` setting");
        let err = edit(&[pin(&["project"], Role::Full, "x")]).unwrap_err();
        assert_eq!(err, "`full` in [project] is not a string");
    }
}
