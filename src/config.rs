//! dockwright.toml: the project's settings, read by every command that works
//! on an existing project.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::UserError;

pub const FILE_NAME: &str = "dockwright.toml";
pub const UV_IMAGE: &str = "ghcr.io/astral-sh/uv:0.13.9";
pub const DEFAULT_PORT: u16 = 5000;
pub const DEFAULT_EXTRA_DEPENDENCY: &str = "six==1.17.0";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub project: Project,
    pub images: Images,
    pub measure: Measure,
    #[serde(rename = "variant")]
    pub variants: Vec<VariantEntry>,
    /// Other sets of base images, such as a mirror's or an official-layout
    /// stand-in's, chosen with `--base-set NAME`.
    #[serde(
        default,
        rename = "base-sets",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub base_sets: BTreeMap<String, BaseSet>,
    #[serde(default)]
    pub runtime: Runtime,
}

/// What the app needs at run time in every variant: rendered into the
/// Dockerfiles by `new` and `init`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Runtime {
    /// Directories under /app the app writes to (logs, uploads, a SQLite
    /// file's folder), owned by the app user; the rest stays read-only.
    #[serde(default)]
    pub writable: Vec<String>,
    /// Environment variables set in every variant.
    #[serde(default)]
    pub env: BTreeMap<String, String>,
}

impl Runtime {
    /// The first setting that cannot be rendered into a Dockerfile, as a
    /// sentence that names it.
    pub fn check(&self) -> Result<(), String> {
        for dir in &self.writable {
            check_writable(dir)?;
        }
        for (key, value) in &self.env {
            check_env(key, value)?;
        }
        Ok(())
    }
}

/// A directory under /app: relative, plain names, no way out of /app.
pub fn check_writable(dir: &str) -> Result<(), String> {
    let plain = |part: &str| {
        !part.is_empty()
            && part != "."
            && part != ".."
            && part
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    };
    if dir.split('/').all(plain) {
        Ok(())
    } else {
        Err(format!(
            "the writable directory `{}` is not a path under /app; write it like `logs` or `instance/uploads` (letters, digits, `.`, `_`, `-`, no `..`)",
            dir.escape_debug()
        ))
    }
}

/// An environment variable: a shell-style name and a one-line value.
pub fn check_env(key: &str, value: &str) -> Result<(), String> {
    let name_ok = key.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !name_ok {
        return Err(format!(
            "`{}` is not an environment variable name; use letters, digits and `_`, not starting with a digit",
            key.escape_debug()
        ));
    }
    if value.chars().any(char::is_control) {
        return Err(format!(
            "the value of `{key}` holds a control character (such as a newline); give it on one line"
        ));
    }
    Ok(())
}

/// Base images that replace some of `[images]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BaseSet {
    pub full: Option<String>,
    pub slim: Option<String>,
    pub alpine: Option<String>,
    pub uv: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Project {
    pub name: String,
    pub python: String,
    pub port: u16,
    pub entry: String,
    pub app_file: String,
    pub requirements: String,
    pub install_project: bool,
    pub profile: String,
}

/// Base images, by the role they play in the Dockerfiles.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Images {
    pub full: String,
    pub slim: String,
    pub alpine: String,
    pub uv: String,
}

impl Images {
    /// The official images for Python `python`.
    pub fn for_python(python: &str) -> Images {
        Images {
            full: format!("python:{python}"),
            slim: format!("python:{python}-slim"),
            alpine: format!("python:{python}-alpine"),
            uv: UV_IMAGE.to_string(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Measure {
    pub extra_dependency: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VariantEntry {
    pub name: String,
    pub dockerfile: String,
    pub reason: String,
}

impl Config {
    /// The base images to build with: `[images]`, with base set `name`'s
    /// images in place of those it names.
    pub fn images(&self, base_set: Option<&str>) -> Result<Images, UserError> {
        let Some(name) = base_set else {
            return Ok(self.images.clone());
        };
        let set = self.base_sets.get(name).ok_or_else(|| {
            let known: Vec<&str> = self.base_sets.keys().map(String::as_str).collect();
            let choice = if known.is_empty() {
                "it has none; add a `[base-sets.NAME]` table with `slim = \"IMAGE\"` and the like"
                    .to_string()
            } else {
                format!("use one of {}", known.join(", "))
            };
            UserError::new(format!(
                "dockwright.toml has no base set `{name}`; {choice}"
            ))
        })?;
        let pick =
            |over: &Option<String>, base: &String| over.clone().unwrap_or_else(|| base.clone());
        Ok(Images {
            full: pick(&set.full, &self.images.full),
            slim: pick(&set.slim, &self.images.slim),
            alpine: pick(&set.alpine, &self.images.alpine),
            uv: pick(&set.uv, &self.images.uv),
        })
    }

    /// Reads `dir/dockwright.toml`, after finishing or undoing whatever a
    /// killed dockwright run left half-done there.
    pub fn load(dir: &Path) -> Result<Config, UserError> {
        crate::journal::recover(dir)?;
        let path = dir.join(FILE_NAME);
        let text = std::fs::read_to_string(&path).map_err(|err| match err.kind() {
            std::io::ErrorKind::NotFound => UserError::new(format!(
                "no {FILE_NAME} in `{}`",
                display_dir(dir).display()
            ))
            .help("run this inside a dockwright project, pass `--project DIR`, or create one with `dockwright new` or `dockwright init`"),
            _ => UserError::new(format!("cannot read `{}` ({err})", path.display())),
        })?;
        Config::parse(&text, &path)
    }

    pub fn parse(text: &str, path: &Path) -> Result<Config, UserError> {
        let config: Config = toml::from_str(text).map_err(|err| {
            UserError::new(format!(
                "`{}` is not valid: {}",
                path.display(),
                err.message()
            ))
            .help("fix that setting, or regenerate the file with `dockwright init --force`")
        })?;
        if let Err(problem) = config.runtime.check() {
            return Err(UserError::new(format!(
                "`{}` [runtime]: {problem}",
                path.display()
            )));
        }
        if config.variants.is_empty() {
            return Err(UserError::new(format!(
                "`{}` lists no [[variant]]; add one or regenerate the file with `dockwright init --force`",
                path.display()
            )));
        }
        Ok(config)
    }
}

fn display_dir(dir: &Path) -> PathBuf {
    if dir.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        dir.to_path_buf()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_file_says_how_to_make_one() {
        let dir = tempfile::tempdir().unwrap();
        let err = Config::load(dir.path()).unwrap_err();
        assert!(
            err.to_string().starts_with("no dockwright.toml in"),
            "{err}"
        );
    }

    #[test]
    fn a_base_set_replaces_only_the_images_it_names() {
        let text = format!(
            "{}\n[base-sets.official-layout]\nslim = \"local/python:3.13-slim\"\n",
            crate::render::render("project/dockwright.toml", &sample()).unwrap()
        );
        let config = Config::parse(&text, Path::new("dockwright.toml")).unwrap();
        let images = config.images(Some("official-layout")).unwrap();
        assert_eq!(images.slim, "local/python:3.13-slim");
        assert_eq!(images.full, config.images.full);
        assert_eq!(config.images(None).unwrap(), config.images);
        let err = config.images(Some("mirror")).unwrap_err().to_string();
        assert!(
            err.contains("no base set `mirror`") && err.contains("official-layout"),
            "{err}"
        );
    }

    /// The context the project templates are rendered with.
    fn sample() -> serde_json::Value {
        serde_json::json!({
            "name": "hello", "python": "3.13", "port": 5000, "entry": "app:app", "app_file": "app.py",
            "requirements": "requirements.txt", "install_project": false, "profile": "speed",
            "images": Images::for_python("3.13"), "extra_dependency": DEFAULT_EXTRA_DEPENDENCY,
            "runtime": Runtime::default(),
            "variants": [{"name": "uv", "dockerfile": "dockerfiles/uv.Dockerfile", "reason": "fast"}],
        })
    }

    #[test]
    fn a_corrupt_file_names_the_problem() {
        let err = Config::parse("[project]\nname = 3\n", Path::new("dockwright.toml")).unwrap_err();
        assert!(err.to_string().contains("is not valid"), "{err}");
    }
}
