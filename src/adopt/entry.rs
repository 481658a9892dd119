//! Which WSGI callable of an adopted project gunicorn serves: `--entry`,
//! else the Procfile's `web:` line, else the one Flask app found in the
//! code (asked when there are several and a person is there to answer).

use std::path::{Path, PathBuf};

use super::{is_entry, procfile_entry, Found};
use crate::error::{warn, UserError};
use crate::prompt;

/// The WSGI callable gunicorn serves and the file that defines it.
#[derive(Debug, PartialEq, Eq)]
pub struct ChosenEntry {
    /// `module:callable`.
    pub target: String,
    pub file: String,
    /// Where dockwright found it, said once the files are written; `None`
    /// when `--entry` gave it.
    pub origin: Option<String>,
}

/// Chooses the callable: `flag` (`--entry`) first; `ask` whether several
/// apps may be put to the user rather than refused.
pub fn choose(found: &Found, flag: Option<&str>, ask: bool) -> anyhow::Result<ChosenEntry> {
    if let Some(flag) = flag {
        let target = parse_entry(flag)?;
        let module = target.split(':').next().unwrap_or_default();
        let file = match found
            .entries
            .iter()
            .find(|e| e.target.split(':').next() == Some(module))
        {
            Some(entry) => entry.file.clone(),
            None => module_file(&found.root, module, found.install_project).ok_or_else(|| {
                let path = module.replace('.', "/");
                UserError::new(format!(
                    "`--entry {target}` names the module `{module}`, but `{}` has no `{path}.py` or `{path}/__init__.py`; pass a module of the project, such as `{}`",
                    found.root.display(),
                    found.entries.first().map_or("app:app", |e| e.target.as_str())
                ))
            })?,
        };
        return Ok(ChosenEntry {
            target,
            file: file.display().to_string(),
            origin: None,
        });
    }
    if let Some(target) = procfile_entry(&found.root) {
        let module = target.split(':').next().unwrap_or_default();
        match module_file(&found.root, module, found.install_project) {
            Some(file) => {
                let origin = format!("gunicorn serves `{target}`, as the Procfile's `web:` line says");
                return Ok(ChosenEntry {
                    target,
                    file: file.display().to_string(),
                    origin: Some(origin),
                });
            }
            None => warn(&format!(
                "the Procfile's `web:` line serves `{target}`, but the project has no module `{module}`; looking for a Flask app in the code instead"
            )),
        }
    }
    let pick = match found.entries.as_slice() {
        [only] => only,
        [] => {
            return Err(
                UserError::new("found no module-level Flask app or `create_app()` factory")
                    .help("pass the WSGI callable with `--entry module:callable`")
                    .into(),
            )
        }
        many if ask => {
            let items: Vec<(String, String)> = many
                .iter()
                .map(|e| (e.target.clone(), e.file.display().to_string()))
                .collect();
            &many[prompt::choose("Which app should gunicorn serve?", &items, 0)?]
        }
        many => {
            let list: Vec<String> = many.iter().map(|e| format!("`{}`", e.target)).collect();
            return Err(
                UserError::new(format!("found several Flask apps: {}", list.join(", ")))
                    .help("pick one with `--entry module:callable`")
                    .into(),
            );
        }
    };
    let origin = format!(
        "gunicorn serves `{}`, found in `{}` (a Procfile's `web:` line or `--entry` would say otherwise)",
        pick.target,
        pick.file.display()
    );
    Ok(ChosenEntry {
        target: pick.target.clone(),
        file: pick.file.display().to_string(),
        origin: Some(origin),
    })
}

/// The file that defines `module` (dotted), relative to `root`: a module
/// file or a package, also under `src/` for a project pip installs.
fn module_file(root: &Path, module: &str, installed: bool) -> Option<PathBuf> {
    let path = module.replace('.', "/");
    let prefixes: &[&str] = if installed { &["", "src/"] } else { &[""] };
    prefixes
        .iter()
        .flat_map(|prefix| {
            [
                PathBuf::from(format!("{prefix}{path}.py")),
                PathBuf::from(format!("{prefix}{path}/__init__.py")),
            ]
        })
        .find(|file| root.join(file).is_file())
}

/// Checks `module:callable` (a dotted module, an identifier, optionally `()`).
fn parse_entry(text: &str) -> Result<String, UserError> {
    if is_entry(text) {
        Ok(text.to_string())
    } else {
        Err(UserError::new(format!(
            "`--entry {text}` is not of the form module:callable; write it like `app:app` or `shop:create_app()`"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_module_colon_callable() {
        assert!(parse_entry("app:app").is_ok());
        assert!(parse_entry("shop.web:create_app()").is_ok());
        for bad in ["app", ":app", "app:", "a b:app", "app:1x", "app:app;rm"] {
            assert!(parse_entry(bad).is_err(), "{bad}");
        }
    }
}
