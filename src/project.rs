//! A dockwright project as every command sees it: its settings, its
//! directory, the base images it builds from, and its one `Ladder`, each
//! step with its Dockerfile read once and, for the commands that show
//! figures, its latest result. The commands read this model; none works the
//! ladder out again.

use std::path::{Path, PathBuf};

use crate::ca;
use crate::catalogue::Catalogue;
use crate::config::{Config, Images, VariantEntry};
use crate::dockerfile::{self, Facts};
use crate::engine::{BuildSpec, Destination};
use crate::error::{warn, UserError};
use crate::ladder::{self, Ladder, Place, Rung};
use crate::platform::Platform;
use crate::results::{self, Run};

pub const PROJECT_LABEL: &str = "dockwright.project";
pub const VARIANT_LABEL: &str = "dockwright.variant";

/// Which steps a command builds; their Dockerfiles must read.
#[derive(Debug, Clone, Copy)]
pub enum Selection<'a> {
    /// None: the command lists or explains the ladder.
    Nothing,
    /// The variants named, or every one when the list is empty.
    Build(&'a [String]),
}

#[derive(Debug)]
pub struct Project {
    pub config: Config,
    /// The project directory, canonical.
    pub dir: PathBuf,
    /// The `[base-sets.NAME]` the builds use, if not `[images]`.
    pub base_set: Option<String>,
    pub ladder: Ladder,
    /// When the run the steps' latest results come from was made (RFC 3339).
    pub run_date: Option<String>,
    /// The proxy's CA bundle the builds pass to the Dockerfiles that mount it.
    pub ca_file: Option<PathBuf>,
    /// The platform the images are built for, when not the engine's own.
    pub platform: Option<Platform>,
}

impl Project {
    /// Reads the project in `dir`: its dockwright.toml and every step's
    /// Dockerfile. A variant in `selection` that the ladder lacks, or whose
    /// Dockerfile does not read, is an error.
    pub fn open(
        dir: &Path,
        selection: Selection,
        base_set: Option<&str>,
    ) -> anyhow::Result<Project> {
        let config = Config::load(dir)?;
        let dir = dir.canonicalize()?;
        let images = config.images(base_set)?;
        let named = match selection {
            Selection::Nothing => None,
            Selection::Build(names) => Some(names),
        };
        let known: Vec<&str> = config.variants.iter().map(|v| v.name.as_str()).collect();
        if let Some(name) = named
            .into_iter()
            .flatten()
            .find(|n| !known.contains(&n.as_str()))
        {
            return Err(unknown(&known, name)?.into());
        }
        let rungs = ladder::places(&config.variants)
            .map(|(place, variant)| {
                let selected =
                    named.is_some_and(|names| names.is_empty() || names.contains(&variant.name));
                read_rung(&dir, &config, &images, place, variant, selected)
            })
            .collect();
        let ladder = Ladder { rungs };
        for rung in ladder.selected() {
            rung.text()?;
        }
        Ok(Project {
            config,
            dir,
            base_set: base_set.map(str::to_string),
            ladder,
            run_date: None,
            ca_file: None,
            platform: None,
        })
    }

    /// The project with the proxy's CA bundle its builds pass: `flag`
    /// (`--ca-file` or DOCKWRIGHT_CA_FILE), else `[tls] ca_file`. A selected
    /// step whose Dockerfile mounts the bundle when none is set is an error;
    /// one that does not mount a bundle that is set is warned of.
    pub fn with_ca(mut self, flag: Option<&Path>) -> anyhow::Result<Project> {
        self.ca_file = ca::resolve(flag, self.config.tls.ca_file.as_deref(), &self.dir)?;
        let (mounting, not): (Vec<&Rung>, Vec<&Rung>) = self
            .ladder
            .selected()
            .partition(|rung| rung.facts.mounts_ca);
        let quoted = |rungs: &[&Rung]| -> Vec<String> {
            rungs
                .iter()
                .map(|rung| format!("`{}`", rung.dockerfile))
                .collect()
        };
        match &self.ca_file {
            None if !mounting.is_empty() => {
                let dockerfiles: Vec<String> = mounting.iter().map(|r| r.dockerfile.clone()).collect();
                return Err(ca::missing(&dockerfiles).into());
            }
            Some(_) if !not.is_empty() => warn(&format!(
                "a CA bundle is set, but {} do{} not mount it (the secret `{}`), so {} downloads will not trust it: `dockwright init --force` renders it into dockwright's Dockerfiles",
                quoted(&not).join(", "),
                if not.len() == 1 { "es" } else { "" },
                ca::SECRET_ID,
                if not.len() == 1 { "its" } else { "their" },
            )),
            _ => {}
        }
        Ok(self)
    }

    /// The project built for `flag` (`--platform`), else for `[engine]
    /// platform`, else for the engine's own platform.
    pub fn with_platform(mut self, flag: Option<&Platform>) -> Project {
        self.platform = flag.or(self.config.engine.platform.as_ref()).cloned();
        self
    }

    /// The project with each step's latest result taken from `run` (the
    /// newest readable saved run, when there is one).
    pub fn with_latest(mut self, run: Option<&Run>) -> Project {
        if let Some(run) = run {
            for rung in &mut self.ladder.rungs {
                rung.latest = run.variants.iter().find(|v| v.name == rung.name).cloned();
            }
            self.run_date = Some(run.date.clone());
        }
        self
    }

    /// The project with each step's latest result taken from the newest
    /// saved run that reads (see `results::newest_readable`).
    pub fn with_newest_run(self) -> Project {
        let run = results::newest_readable(&self.dir);
        self.with_latest(run.as_ref())
    }

    /// The project's name, as its images are tagged.
    pub fn name(&self) -> &str {
        &self.config.project.name
    }

    /// The step named `name`, or the error that names the ladder's steps.
    pub fn rung(&self, name: &str) -> anyhow::Result<&Rung> {
        match self.ladder.get(name) {
            Some(rung) => Ok(rung),
            None => Err(unknown(&self.ladder.names(), name)?.into()),
        }
    }

    pub fn needs_buildkit(&self) -> bool {
        self.ladder.selected().any(|rung| rung.facts.needs_buildkit)
    }

    /// The labels of `rung`'s image, by which dockwright finds its own
    /// images, whichever way they were built.
    pub fn labels(&self, rung: &Rung) -> Vec<(String, String)> {
        vec![
            (PROJECT_LABEL.to_string(), self.name().to_string()),
            (VARIANT_LABEL.to_string(), rung.name.clone()),
        ]
    }

    /// The build of `rung`, labelled so dockwright can find its own images.
    pub fn build_spec(&self, rung: &Rung, no_cache: bool, pull: bool) -> BuildSpec {
        BuildSpec {
            dockerfile: rung.path.clone(),
            context: self.dir.clone(),
            destination: Destination::Tag(rung.tag.clone()),
            labels: self.labels(rung),
            build_args: rung.facts.build_args.clone(),
            no_cache,
            pull,
            iidfile: None,
            platform: self.platform.clone(),
            secrets: match &self.ca_file {
                Some(file) if rung.facts.mounts_ca => {
                    vec![(ca::SECRET_ID.to_string(), file.clone())]
                }
                _ => Vec::new(),
            },
        }
    }
}

/// The step `variant` at `place`, its Dockerfile read from the project
/// `dir` and its facts taken on `images`.
fn read_rung(
    dir: &Path,
    config: &Config,
    images: &Images,
    place: Place,
    variant: &VariantEntry,
    selected: bool,
) -> Rung {
    let path = dir.join(&variant.dockerfile);
    let text = std::fs::read_to_string(&path).map_err(|err| err.to_string());
    Rung {
        place,
        name: variant.name.clone(),
        reason: variant.reason.clone(),
        dockerfile: variant.dockerfile.clone(),
        tag: format!("{}:{}", config.project.name, variant.name),
        selected,
        facts: text
            .as_deref()
            .map(|text| dockerfile::facts(text, images))
            .unwrap_or_else(|_| Facts::default()),
        text,
        path,
        latest: None,
    }
}

/// The error for a variant `name` that a ladder of `known` lacks, pointing
/// to the profiles that have it.
fn unknown(known: &[&str], name: &str) -> anyhow::Result<UserError> {
    let err = UserError::new(format!(
        "this project has no variant `{name}`; pick from {}",
        known.join(", ")
    ));
    let catalogue = Catalogue::load()?;
    let profiles: Vec<&str> = catalogue
        .profiles
        .iter()
        .filter(|p| p.variants.iter().any(|v| v == name))
        .map(|p| p.name.as_str())
        .collect();
    let listed = match profiles.as_slice() {
        [] => return Ok(err),
        [one] => format!("the {one} profile"),
        [first @ .., last] => format!("the {} and {last} profiles", first.join(", ")),
    };
    Ok(err.help(format!(
        "`{name}` is in {listed}; `dockwright new DIR --profile {}` makes a project with it",
        profiles[0]
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A one-step project whose dockwright.toml ends with `extra`.
    fn project(extra: &str) -> (tempfile::TempDir, Project) {
        let dir = tempfile::tempdir().unwrap();
        let toml = format!(
            "[project]\nname = \"shop\"\npython = \"3.13\"\nport = 5000\nentry = \"app:app\"\napp_file = \"app.py\"\nrequirements = \"requirements.txt\"\ninstall_project = false\nprofile = \"size\"\n\n[images]\nfull = \"python:3.13\"\nslim = \"python:3.13-slim\"\nalpine = \"python:3.13-alpine\"\nuv = \"ghcr.io/astral-sh/uv:0.13.9\"\n\n[[variant]]\nname = \"slim\"\ndockerfile = \"slim.Dockerfile\"\nreason = \"r\"\n{extra}"
        );
        std::fs::write(dir.path().join("dockwright.toml"), toml).unwrap();
        std::fs::write(
            dir.path().join("slim.Dockerfile"),
            "FROM python:3.13-slim\n",
        )
        .unwrap();
        let project = Project::open(dir.path(), Selection::Build(&[]), None).unwrap();
        (dir, project)
    }

    fn platform_of_build(project: &Project) -> Option<String> {
        let rung = project.ladder.selected().next().unwrap();
        project
            .build_spec(rung, false, false)
            .platform
            .map(|p| p.to_string())
    }

    #[test]
    fn builds_are_for_the_flags_platform_else_the_engine_tables_else_the_engines_own() {
        let arm = Platform::parse("linux/arm64").unwrap();
        let (_dir, plain) = project("");
        assert_eq!(platform_of_build(&plain.with_platform(None)), None);
        let (_dir, plain) = project("");
        let flagged = plain.with_platform(Some(&arm));
        assert_eq!(platform_of_build(&flagged).as_deref(), Some("linux/arm64"));
        let (_dir, set) = project("\n[engine]\nplatform = \"linux/arm/v7\"\n");
        assert_eq!(
            platform_of_build(&set.with_platform(None)).as_deref(),
            Some("linux/arm/v7")
        );
        let (_dir, set) = project("\n[engine]\nplatform = \"linux/arm/v7\"\n");
        assert_eq!(
            platform_of_build(&set.with_platform(Some(&arm))).as_deref(),
            Some("linux/arm64")
        );
    }
}
