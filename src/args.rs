//! Command-line arguments that several subcommands share, and the setup
//! they lead to: the project, with the steps to build, and the engine.

use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};

use crate::config::{self, EngineSettings};
use crate::engine::{self, Engine, Runner, System};
use crate::error::{warn, UserError};
use crate::lockfile;
use crate::platform::Platform;
use crate::project::{Project, Selection};
use crate::results::EngineInfo;
use crate::ui;

/// `--project DIR`, which every command that works on a project takes.
#[derive(Args, Debug)]
pub struct ProjectArgs {
    /// The project directory [default: the nearest directory holding dockwright.toml, from the
    /// current one up]
    #[arg(long, value_name = "DIR")]
    project: Option<PathBuf>,
}

impl ProjectArgs {
    /// `--project DIR` exactly as given, else the project the current
    /// directory is in (see `config::find_project`).
    pub fn dir(&self) -> Result<PathBuf, UserError> {
        match &self.project {
            Some(dir) => Ok(dir.clone()),
            None => {
                let here = std::env::current_dir().map_err(|err| {
                    UserError::new(format!("cannot read the current directory ({err})"))
                        .help("change to a directory that exists, or pass `--project DIR`")
                })?;
                config::find_project(&here)
            }
        }
    }

    /// For the commands that read only saved runs, which need no
    /// dockwright.toml: `dir`, else the current directory, whose runs
    /// (or their absence) the command then speaks of.
    pub fn runs_dir(&self) -> PathBuf {
        self.dir().unwrap_or_else(|_| PathBuf::from("."))
    }
}

#[derive(Args, Debug)]
pub struct EngineArgs {
    /// The engine client to use, such as /usr/bin/docker or podman [env: DOCKWRIGHT_ENGINE, DOCKER].
    /// Engine calls other than builds give up after a time limit (30 s for
    /// queries, longer for save, pull and prune); DOCKWRIGHT_ENGINE_TIMEOUT=SECONDS
    /// sets one limit for them all
    #[arg(long, value_name = "PATH")]
    engine: Option<PathBuf>,
    /// Build from the base images of `[base-sets.NAME]` in dockwright.toml instead of `[images]`
    #[arg(long, value_name = "NAME")]
    base_set: Option<String>,
    /// Build on this buildx builder (`docker buildx ls` lists them; `[engine] builder` in
    /// dockwright.toml when not given). Images built outside the daemon are loaded into it
    /// (`--load`), and the load is timed apart from the build
    #[arg(long, value_name = "NAME", env = "BUILDX_BUILDER")]
    builder: Option<String>,
    /// The CA bundle (PEM) of a proxy that re-signs HTTPS, for pip and uv to trust while they
    /// download [default: `[tls] ca_file` in dockwright.toml]. Passed to the builds as the
    /// BuildKit secret `dockwright-ca`, which no layer keeps
    #[arg(long, value_name = "FILE", env = "DOCKWRIGHT_CA_FILE")]
    ca_file: Option<PathBuf>,
}

impl EngineArgs {
    /// The engine `engine` (or the one the environment chooses), with the
    /// base images of `[images]`.
    pub fn chosen(engine: Option<PathBuf>) -> EngineArgs {
        EngineArgs {
            engine,
            base_set: None,
            builder: None,
            ca_file: None,
        }
    }

    pub fn base_set(&self) -> Option<&str> {
        self.base_set.as_deref()
    }

    /// `--ca-file` (or DOCKWRIGHT_CA_FILE), which wins over `[tls] ca_file`.
    pub fn ca_file(&self) -> Option<&Path> {
        self.ca_file
            .as_deref()
            .filter(|p| !p.as_os_str().is_empty())
    }

    /// Finds the engine: `--engine`, then DOCKWRIGHT_ENGINE, then DOCKER,
    /// then the usual candidates; DOCKWRIGHT_ENGINE_TIMEOUT bounds its calls.
    /// It builds on the buildx builder `--builder` (or BUILDX_BUILDER) names,
    /// else on `settings`' (`[engine] builder`), if either does.
    pub fn detect(
        &self,
        runner: &dyn Runner,
        need_buildkit: bool,
        settings: &EngineSettings,
    ) -> Result<Engine, engine::EngineError> {
        let engine = self.client(runner, need_buildkit)?;
        let builder = self
            .builder
            .as_deref()
            .filter(|name| !name.is_empty())
            .or(settings.builder.as_deref());
        match builder {
            Some(name) => engine.on_builder(runner, name),
            None => Ok(engine),
        }
    }

    /// The client, without regard to builders.
    fn client(
        &self,
        runner: &dyn Runner,
        need_buildkit: bool,
    ) -> Result<Engine, engine::EngineError> {
        let chosen = self.engine.clone().or_else(|| {
            ["DOCKWRIGHT_ENGINE", "DOCKER"].iter().find_map(|key| {
                std::env::var_os(key)
                    .filter(|v| !v.is_empty())
                    .map(PathBuf::from)
            })
        });
        let candidates = match chosen {
            Some(path) => vec![path],
            None => engine::default_candidates(),
        };
        engine::detect(
            runner,
            &candidates,
            need_buildkit,
            engine::Patience::from_env()?,
        )
    }

    /// The engine that builds `project`'s selected steps, after a warning
    /// when its lock is stale, and the line that says what is about to be
    /// built with what.
    pub fn start(&self, project: &Project) -> anyhow::Result<Engine> {
        if let Some(why) = lockfile::stale(&project.dir, &project.config) {
            warn(&why);
        }
        let engine = self.detect(&System, project.needs_buildkit(), &project.config.engine)?;
        let platform = match &project.platform {
            Some(platform) if platform.emulated() => format!(
                " for {platform}, under emulation on this {} host",
                crate::platform::host_arch()
            ),
            Some(platform) => format!(" for {platform}"),
            None => String::new(),
        };
        ui::note(&format!(
            "{} variant(s) of `{}` with {}{platform}",
            project.ladder.selected().count(),
            project.name(),
            EngineInfo::of(&engine).describe()
        ));
        Ok(engine)
    }
}

/// `--platform`, which the commands that build take.
#[derive(Args, Debug)]
pub struct PlatformArgs {
    /// The platform to build the images for, os/arch[/variant] such as linux/arm64 [default:
    /// `[engine] platform` in dockwright.toml, else the engine's own]. On another architecture
    /// than the host's the builds run under emulation (QEMU), and the results say so
    #[arg(long, value_name = "OS/ARCH", env = "DOCKER_DEFAULT_PLATFORM", value_parser = Platform::parse)]
    platform: Option<Platform>,
}

impl PlatformArgs {
    pub fn platform(&self) -> Option<&Platform> {
        self.platform.as_ref()
    }
}

/// The project in `dir`, with `variants` selected to build for `platform`,
/// and the engine that builds them.
pub fn prepare(
    dir: &Path,
    variants: &[String],
    engine: &EngineArgs,
    platform: &PlatformArgs,
) -> anyhow::Result<(Project, Engine)> {
    let project = Project::open(dir, Selection::Build(variants), engine.base_set())?
        .with_ca(engine.ca_file())?
        .with_platform(platform.platform());
    let engine = engine.start(&project)?;
    Ok((project, engine))
}

/// How a command prints its results: `--format table|json`, the same flag
/// as `report` and `compare` take, with `--json` kept as its short form.
#[derive(Args, Debug)]
pub struct OutputArgs {
    /// Print the results as a table for people, or as JSON for scripts
    #[arg(long, value_enum, default_value_t = Output::Table)]
    format: Output,
    /// The same as `--format json`
    #[arg(long)]
    json: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Output {
    Table,
    Json,
}

impl OutputArgs {
    pub fn json(&self) -> bool {
        self.json || self.format == Output::Json
    }
}
