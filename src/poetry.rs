//! Poetry's `[tool.poetry.dependencies]`, translated into the PEP 508
//! specifiers pip installs: `^1.2` and `~1.2` are Poetry's own operators,
//! which pip does not know.

use crate::error::UserError;

/// Keys of a dependency table that take the package from somewhere other
/// than an index, with how Poetry calls that place.
const NOT_FROM_AN_INDEX: &[(&str, &str)] = &[
    ("git", "a git repository"),
    ("path", "a local path"),
    ("url", "a URL"),
    ("develop", "a local path"),
];

/// One PEP 508 specifier per dependency, in the table's order; `python` (the
/// interpreter, not a package) and optional dependencies (extras nobody asked
/// for) are left out.
pub fn specifiers(dependencies: &toml::Table) -> Result<Vec<String>, UserError> {
    let mut out = Vec::new();
    for (name, value) in dependencies {
        if name.eq_ignore_ascii_case("python") {
            continue;
        }
        let (constraint, extras, markers) = match value {
            toml::Value::String(constraint) => (constraint.as_str(), Vec::new(), None),
            toml::Value::Table(table) => {
                if let Some((_, place)) = NOT_FROM_AN_INDEX
                    .iter()
                    .find(|(key, _)| table.contains_key(*key))
                {
                    return Err(unsupported(
                        name,
                        &format!("comes from {place}, which an image build cannot install from"),
                    ));
                }
                if table.get("optional").and_then(toml::Value::as_bool) == Some(true) {
                    continue;
                }
                let constraint = match table.get("version") {
                    Some(toml::Value::String(version)) => version.as_str(),
                    None => "*",
                    Some(_) => {
                        return Err(unsupported(name, "has a `version` that is not a string"))
                    }
                };
                let extras = table
                    .get("extras")
                    .and_then(toml::Value::as_array)
                    .map(|extras| {
                        extras
                            .iter()
                            .filter_map(toml::Value::as_str)
                            .map(str::to_string)
                            .collect()
                    })
                    .unwrap_or_default();
                let markers = table.get("markers").and_then(toml::Value::as_str);
                (constraint, extras, markers)
            }
            _ => {
                return Err(unsupported(
                    name,
                    "has several constraints, which dockwright does not translate",
                ))
            }
        };
        let version = translate(constraint).ok_or_else(|| {
            unsupported(
                name,
                &format!("has the constraint `{constraint}`, which dockwright does not translate"),
            )
        })?;
        let mut specifier = name.clone();
        if !extras.is_empty() {
            specifier.push_str(&format!("[{}]", extras.join(",")));
        }
        specifier.push_str(&version);
        if let Some(markers) = markers {
            specifier.push_str(&format!("; {markers}"));
        }
        out.push(specifier);
    }
    Ok(out)
}

fn unsupported(name: &str, what: &str) -> UserError {
    UserError::new(format!(
        "the Poetry dependency `{name}` {what}; list the project's dependencies in a requirements.txt beside pyproject.toml (`poetry export -f requirements.txt`), which dockwright reads instead"
    ))
}

/// A Poetry constraint as a PEP 440 specifier set, or `None` for a form
/// this does not know (`||` alternatives, say).
fn translate(constraint: &str) -> Option<String> {
    let parts: Vec<&str> = constraint
        .split(',')
        .flat_map(|part| split_spaced(part.trim()))
        .collect();
    if constraint.contains("||") || parts.is_empty() {
        return None;
    }
    let mut out = Vec::new();
    for part in parts {
        if part == "*" {
            continue;
        }
        if let Some(version) = part.strip_prefix('^') {
            out.push(caret(version.trim())?);
        } else if let Some(version) = part.strip_prefix("~=") {
            out.push(format!("~={}", version.trim()));
        } else if let Some(version) = part.strip_prefix('~') {
            out.push(tilde(version.trim())?);
        } else if part.starts_with(|c: char| c.is_ascii_digit()) {
            out.push(format!("=={part}"));
        } else if part.starts_with(['<', '>', '=', '!']) {
            out.push(part.replace(' ', ""));
        } else {
            return None;
        }
    }
    Some(out.join(","))
}

/// `>=1 <2` is Poetry's spelling of `>=1,<2`: split where a new operator
/// begins after a space.
fn split_spaced(part: &str) -> Vec<&str> {
    let mut pieces = Vec::new();
    let mut start = 0;
    let bytes = part.as_bytes();
    for index in 1..bytes.len() {
        let begins = matches!(bytes[index], b'<' | b'>' | b'=' | b'!' | b'^' | b'~');
        if begins && bytes[index - 1] == b' ' {
            pieces.push(part[start..index].trim());
            start = index;
        }
    }
    pieces.push(part[start..].trim());
    pieces.retain(|p| !p.is_empty());
    pieces
}

fn numbers(version: &str) -> Option<Vec<u64>> {
    let parts: Option<Vec<u64>> = version.split('.').map(|p| p.parse().ok()).collect();
    parts.filter(|p| !p.is_empty() && p.len() <= 4)
}

/// `^1.2.3` allows changes that keep the first non-zero number: `>=1.2.3,<2.0.0`.
fn caret(version: &str) -> Option<String> {
    let parts = numbers(version)?;
    let keep = parts
        .iter()
        .position(|&n| n != 0)
        .unwrap_or(parts.len() - 1);
    Some(format!(">={version},<{}", bump(&parts, keep)?))
}

/// `~1.2.3` allows patch changes (`>=1.2.3,<1.3.0`); `~1` any `1.x`.
fn tilde(version: &str) -> Option<String> {
    let parts = numbers(version)?;
    let keep = if parts.len() == 1 { 0 } else { 1 };
    Some(format!(">={version},<{}", bump(&parts, keep)?))
}

/// The version after `parts` with the number at `at` raised and those after
/// it zeroed, as long as `parts`; `None` when that number is the largest a
/// u64 holds.
fn bump(parts: &[u64], at: usize) -> Option<String> {
    let numbers: Option<Vec<String>> = parts
        .iter()
        .enumerate()
        .map(|(index, &n)| match index.cmp(&at) {
            std::cmp::Ordering::Less => Some(n.to_string()),
            std::cmp::Ordering::Equal => n.checked_add(1).map(|n| n.to_string()),
            std::cmp::Ordering::Greater => Some("0".to_string()),
        })
        .collect();
    numbers.map(|n| n.join("."))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn translates_poetry_constraints_into_pep_440() {
        for (poetry, pep440) in [
            ("^1.2", ">=1.2,<2.0"),
            ("^1.2.3", ">=1.2.3,<2.0.0"),
            ("^0.2.3", ">=0.2.3,<0.3.0"),
            ("^0.0.3", ">=0.0.3,<0.0.4"),
            ("^2", ">=2,<3"),
            ("~1.2", ">=1.2,<1.3"),
            ("~1.2.3", ">=1.2.3,<1.3.0"),
            ("~1", ">=1,<2"),
            ("~=1.2", "~=1.2"),
            ("1.2.*", "==1.2.*"),
            ("1.2.3", "==1.2.3"),
            (">=1,<2", ">=1,<2"),
            (">=1 <2", ">=1,<2"),
            (">= 1.0, != 1.1", ">=1.0,!=1.1"),
            ("*", ""),
        ] {
            assert_eq!(translate(poetry).as_deref(), Some(pep440), "{poetry}");
        }
        // The last two have no next version to bound them with.
        for odd in [
            "^1.2 || ^2.0",
            "latest",
            "^x",
            "",
            "~18446744073709551615",
            "^0.18446744073709551615",
        ] {
            assert_eq!(translate(odd), None, "{odd}");
        }
    }

    #[test]
    fn reads_strings_and_tables_and_skips_python_and_optionals() {
        let table: toml::Table = toml::from_str(
            r#"
python = "^3.11"
flask = "^3.1"
gunicorn = "23.0.0"
requests = { version = "~2.32", extras = ["socks"] }
tomli = { version = "^2.0", markers = "python_version < '3.11'" }
redis = { version = "^5", optional = true }
"#,
        )
        .unwrap();
        assert_eq!(
            specifiers(&table).unwrap(),
            [
                "flask>=3.1,<4.0",
                "gunicorn==23.0.0",
                "requests[socks]>=2.32,<2.33",
                "tomli>=2.0,<3.0; python_version < '3.11'",
            ]
        );
    }

    #[test]
    fn refuses_git_and_path_dependencies_with_a_way_out() {
        for line in [
            r#"shop = { git = "https://github.com/me/shop.git" }"#,
            r#"shop = { path = "../shop", develop = true }"#,
        ] {
            let table: toml::Table = toml::from_str(line).unwrap();
            let err = specifiers(&table).unwrap_err().to_string();
            assert!(
                err.starts_with("the Poetry dependency `shop` comes from")
                    && err.contains("poetry export"),
                "{err}"
            );
        }
    }
}
