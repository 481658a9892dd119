//! From the project's settings to the list of builds to run: which variants,
//! in which order, from which Dockerfiles, with which arguments.

use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::dockerfile::{self, Facts};
use crate::engine::{BuildSpec, Destination};
use crate::error::UserError;
use crate::ladder;

/// One variant to build.
#[derive(Debug)]
pub struct Step {
    pub name: String,
    pub dockerfile: PathBuf,
    /// The Dockerfile's text as read when the plan was made.
    pub text: String,
    pub tag: String,
    pub facts: Facts,
    pub recommended: bool,
}

#[derive(Debug)]
pub struct Plan {
    pub project: String,
    pub dir: PathBuf,
    /// The `[base-sets.NAME]` the builds use, if not `[images]`.
    pub base_set: Option<String>,
    pub steps: Vec<Step>,
}

pub const PROJECT_LABEL: &str = "dockwright.project";
pub const VARIANT_LABEL: &str = "dockwright.variant";

impl Plan {
    /// The variants named in `selected` (all of them when empty), in ladder
    /// order, with their Dockerfiles read.
    pub fn new(
        config: &Config,
        dir: &Path,
        selected: &[String],
        base_set: Option<&str>,
    ) -> Result<Plan, UserError> {
        let images = config.images(base_set)?;
        for name in selected {
            if !config.variants.iter().any(|v| &v.name == name) {
                let known: Vec<&str> = config.variants.iter().map(|v| v.name.as_str()).collect();
                return Err(UserError::new(format!(
                    "this project has no variant `{name}`; pick from {}",
                    known.join(", ")
                )));
            }
        }
        let mut steps = Vec::new();
        for (place, variant) in ladder::places(&config.variants) {
            if !selected.is_empty() && !selected.contains(&variant.name) {
                continue;
            }
            let dockerfile = dir.join(&variant.dockerfile);
            let text = std::fs::read_to_string(&dockerfile).map_err(|err| {
                UserError::new(format!(
                    "cannot read `{}`, the Dockerfile of variant `{}` ({err})",
                    dockerfile.display(),
                    variant.name
                ))
                .help("fix its path in dockwright.toml, or regenerate the files with `dockwright init --force`")
            })?;
            steps.push(Step {
                name: variant.name.clone(),
                tag: format!("{}:{}", config.project.name, variant.name),
                facts: dockerfile::facts(&text, &images),
                dockerfile,
                text,
                recommended: place.recommended(),
            });
        }
        Ok(Plan {
            project: config.project.name.clone(),
            dir: dir.to_path_buf(),
            base_set: base_set.map(str::to_string),
            steps,
        })
    }

    pub fn needs_buildkit(&self) -> bool {
        self.steps.iter().any(|s| s.facts.needs_buildkit)
    }

    /// The build of `step`, labelled so dockwright can find its own images.
    pub fn build_spec(&self, step: &Step, no_cache: bool, pull: bool) -> BuildSpec {
        BuildSpec {
            dockerfile: step.dockerfile.clone(),
            context: self.dir.clone(),
            destination: Destination::Tag(step.tag.clone()),
            labels: vec![
                (PROJECT_LABEL.to_string(), self.project.clone()),
                (VARIANT_LABEL.to_string(), step.name.clone()),
            ],
            build_args: step.facts.build_args.clone(),
            no_cache,
            pull,
        }
    }
}
