//! Dependency presets (scaffolds/presets.toml), the Python version, and the
//! user's choice between a preset and their own requirements file.

use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::Deserialize;

use crate::error::UserError;
use crate::requirements::Requirements;
use crate::templates;

pub const DEFAULT_PYTHON: &str = "3.13";
pub const DEFAULT_PRESET: &str = "article";

#[derive(Debug, Deserialize)]
struct PresetFile {
    preset: Vec<Preset>,
}

#[derive(Debug, Deserialize)]
pub struct Preset {
    pub name: String,
    pub about: String,
    pins: Vec<Pins>,
}

#[derive(Debug, Deserialize)]
struct Pins {
    min_python: u32,
    requirements: Vec<String>,
}

pub fn presets() -> anyhow::Result<Vec<Preset>> {
    let file: PresetFile = toml::from_str(templates::embedded("presets.toml")?)
        .context("the embedded scaffolds/presets.toml does not parse")?;
    Ok(file.preset)
}

/// The pinned gunicorn the presets install on `python`: what an adopted
/// project that lists none gets, so that the images' CMD can run.
pub fn gunicorn(presets: &[Preset], python: &PythonVersion) -> Result<String, UserError> {
    presets
        .iter()
        .filter_map(|preset| Deps::Preset(preset.name.clone()).resolve(presets, python).ok())
        .flat_map(|reqs| reqs.text.lines().map(str::to_string).collect::<Vec<_>>())
        .find(|line| line.starts_with("gunicorn=="))
        .ok_or_else(|| {
            UserError::new(format!(
                "dockwright knows no gunicorn release for Python {python}; add a pinned `gunicorn` line to the project's requirements"
            ))
        })
}

/// The Python minor versions dockwright scaffolds for: from the oldest that
/// every preset has pins for (scaffolds/presets.toml) to the newest with
/// official `python:3.N` base images that the pins install on.
pub const PYTHON_MINORS: std::ops::RangeInclusive<u32> = 9..=14;

/// A Python version of the form `3.N`, N in `PYTHON_MINORS`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PythonVersion {
    pub minor: u32,
}

impl PythonVersion {
    pub fn parse(text: &str) -> Result<PythonVersion, UserError> {
        let range = format!("3.{} to 3.{}", PYTHON_MINORS.start(), PYTHON_MINORS.end());
        let digits = text
            .strip_prefix("3.")
            .filter(|m| !m.is_empty() && m.bytes().all(|b| b.is_ascii_digit()))
            .ok_or_else(|| {
                UserError::new(format!(
                    "Python version `{}` is not of the form `3.N`; pass one from {range}, such as `--python {DEFAULT_PYTHON}`",
                    text.escape_debug()
                ))
            })?;
        let minor = digits
            .parse::<u32>()
            .ok()
            .filter(|m| PYTHON_MINORS.contains(m));
        match minor {
            // `3.05` is not `3.5` to pip or to the registry's tags, so
            // it is refused rather than read as a number.
            Some(minor) if digits.len() > 1 && digits.starts_with('0') => Err(UserError::new(
                format!("Python version `{text}` has a leading zero; write it as `3.{minor}`"),
            )),
            Some(minor) => Ok(PythonVersion { minor }),
            None => Err(UserError::new(format!(
                "dockwright has no base images and dependency pins for Python `{text}`; pass one from {range}, such as `--python {DEFAULT_PYTHON}`"
            ))),
        }
    }
}

impl std::fmt::Display for PythonVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "3.{}", self.minor)
    }
}

/// Where a new project's dependencies come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Deps {
    Preset(String),
    File(PathBuf),
}

impl Deps {
    /// Reads `--deps`: a preset name, or the path of a requirements file.
    pub fn parse(text: &str, presets: &[Preset]) -> Result<Deps, UserError> {
        if presets.iter().any(|p| p.name == text) {
            return Ok(Deps::Preset(text.to_string()));
        }
        let path = Path::new(text);
        let looks_like_path = text.contains(std::path::MAIN_SEPARATOR) || text.ends_with(".txt");
        if looks_like_path || path.exists() {
            return Ok(Deps::File(path.to_path_buf()));
        }
        let names: Vec<_> = presets.iter().map(|p| format!("`{}`", p.name)).collect();
        Err(UserError::new(format!(
            "unknown dependency preset `{text}`; use {} or the path of a requirements file",
            names.join(", ")
        )))
    }

    /// The requirements this choice stands for, checked line by line.
    pub fn resolve(
        &self,
        presets: &[Preset],
        python: &PythonVersion,
    ) -> Result<Requirements, UserError> {
        match self {
            Deps::Preset(name) => {
                let preset = presets
                    .iter()
                    .find(|p| &p.name == name)
                    .ok_or_else(|| UserError::new(format!("unknown dependency preset `{name}`")))?;
                let pins = preset
                    .pins
                    .iter()
                    .filter(|pins| pins.min_python <= python.minor)
                    .max_by_key(|pins| pins.min_python)
                    .ok_or_else(|| {
                        UserError::new(format!(
                            "the `{name}` preset has no versions that install on Python {python}; pick a newer Python or pass your own requirements file with `--deps`"
                        ))
                    })?;
                Requirements::from_specifiers(&pins.requirements, "presets.toml")
            }
            Deps::File(path) => {
                let text = std::fs::read_to_string(path).map_err(|err| {
                    UserError::new(format!(
                        "cannot read the requirements file `{}` ({err}); check the path given to `--deps`",
                        path.display()
                    ))
                })?;
                Requirements::parse(&text, &path.display().to_string())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_versions_must_be_3_n() {
        assert_eq!(PythonVersion::parse("3.13").unwrap().minor, 13);
        for bad in [
            "3", "3.", "2.7", "3.13.1", "py3.13", "3.x", "", "3.+9", "3.-1",
        ] {
            let err = PythonVersion::parse(bad).unwrap_err().to_string();
            assert!(err.contains("not of the form `3.N`"), "{bad}: {err}");
        }
    }

    #[test]
    fn python_versions_are_those_with_images_and_pins() {
        for minor in PYTHON_MINORS {
            assert_eq!(
                PythonVersion::parse(&format!("3.{minor}")).unwrap().minor,
                minor
            );
        }
        for bad in [
            "3.0",
            "3.5",
            "3.8",
            "3.15",
            "3.99",
            "3.123",
            "3.05",
            "3.00",
            "3.99999999999",
        ] {
            let err = PythonVersion::parse(bad).unwrap_err().to_string();
            assert!(err.contains("3.9 to 3.14"), "{bad}: {err}");
        }
        let err = PythonVersion::parse("3.013").unwrap_err().to_string();
        assert!(err.contains("leading zero; write it as `3.13`"), "{err}");
    }

    /// The oldest version offered has pins in every preset.
    #[test]
    fn every_preset_has_pins_for_the_oldest_python() {
        let presets = presets().unwrap();
        let oldest = PythonVersion {
            minor: *PYTHON_MINORS.start(),
        };
        for preset in &presets {
            Deps::Preset(preset.name.clone())
                .resolve(&presets, &oldest)
                .unwrap();
        }
    }

    #[test]
    fn every_preset_line_is_pinned() {
        for preset in presets().unwrap() {
            for pins in &preset.pins {
                let reqs =
                    Requirements::from_specifiers(&pins.requirements, "presets.toml").unwrap();
                assert!(
                    reqs.unpinned.is_empty(),
                    "{}: {:?}",
                    preset.name,
                    reqs.unpinned
                );
            }
        }
    }

    #[test]
    fn presets_follow_the_python_version() {
        let presets = presets().unwrap();
        let article = Deps::Preset("article".into());
        let new = article
            .resolve(&presets, &PythonVersion { minor: 13 })
            .unwrap();
        assert!(new.text.contains("pandas==3.1.1"));
        let old = article
            .resolve(&presets, &PythonVersion { minor: 10 })
            .unwrap();
        assert!(old.text.contains("pandas==2.3.3"));
        let err = article
            .resolve(&presets, &PythonVersion { minor: 7 })
            .unwrap_err();
        assert!(err.to_string().contains("Python 3.7"), "{err}");
    }

    #[test]
    fn gunicorn_follows_the_python_version() {
        let presets = presets().unwrap();
        let new = gunicorn(&presets, &PythonVersion { minor: 13 }).unwrap();
        let old = gunicorn(&presets, &PythonVersion { minor: 9 }).unwrap();
        assert!(new.starts_with("gunicorn==") && old.starts_with("gunicorn=="));
        assert_ne!(new, old, "3.9 needs an older gunicorn");
        assert!(gunicorn(&presets, &PythonVersion { minor: 7 }).is_err());
    }

    #[test]
    fn deps_is_a_preset_or_a_path() {
        let presets = presets().unwrap();
        assert_eq!(
            Deps::parse("minimal", &presets).unwrap(),
            Deps::Preset("minimal".into())
        );
        assert_eq!(
            Deps::parse("./reqs.txt", &presets).unwrap(),
            Deps::File(PathBuf::from("./reqs.txt"))
        );
        let err = Deps::parse("huge", &presets).unwrap_err().to_string();
        assert!(err.contains("unknown dependency preset `huge`"), "{err}");
    }
}
