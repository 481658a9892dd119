//! `dockwright build`: build the project's variants through the engine, each
//! tagged `<project>:<variant>` and labelled as dockwright's.

use std::fs;
use std::path::{Path, PathBuf};

use clap::Args;
use serde::Serialize;

use crate::builder::{log_tail, Builder, Log};
use crate::config::Config;
use crate::engine::{self, Engine, Runner, System};
use crate::error::{exit, warn, WriteFailed};
use crate::lockfile;
use crate::plan::Plan;
use crate::results::{Status, STATE_DIR};
use crate::ui;

#[derive(Args, Debug)]
pub struct BuildArgs {
    /// Variants to build, in ladder order whatever the order given [default: all]
    variants: Vec<String>,
    /// The project directory
    #[arg(long, default_value = ".")]
    project: PathBuf,
    #[command(flatten)]
    engine: EngineArgs,
    /// Build without the engine's layer cache
    #[arg(long)]
    no_cache: bool,
    /// Print the results as JSON instead of a table
    #[arg(long)]
    json: bool,
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
}

impl EngineArgs {
    /// The engine `engine` (or the one the environment chooses), with the
    /// base images of `[images]`.
    pub fn chosen(engine: Option<PathBuf>) -> EngineArgs {
        EngineArgs {
            engine,
            base_set: None,
        }
    }

    pub fn base_set(&self) -> Option<&str> {
        self.base_set.as_deref()
    }

    /// Finds the engine: `--engine`, then DOCKWRIGHT_ENGINE, then DOCKER,
    /// then the usual candidates; DOCKWRIGHT_ENGINE_TIMEOUT bounds its calls.
    pub fn detect(
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
}

/// The config, the plan of `variants` and the engine that builds them, for
/// the project in `dir`.
pub fn prepare(
    dir: &Path,
    variants: &[String],
    engine: &EngineArgs,
) -> anyhow::Result<(Config, Plan, Engine)> {
    let config = Config::load(dir)?;
    let dir = dir.canonicalize()?;
    if let Some(why) = lockfile::stale(&dir, &config) {
        warn(&why);
    }
    let plan = Plan::new(&config, &dir, variants, engine.base_set.as_deref())?;
    let engine = engine.detect(&System, plan.needs_buildkit())?;
    eprintln!(
        "{} variant(s) of `{}` with {} {} ({})",
        plan.steps.len(),
        plan.project,
        engine.program.display(),
        engine.client_version,
        engine.builder_name()
    );
    Ok((config, plan, engine))
}

/// Creates `dir` (under the project's state directory) for logs.
pub fn state_subdir(project: &Path, parts: &[&str]) -> Result<PathBuf, WriteFailed> {
    let mut dir = project.join(STATE_DIR);
    for part in parts {
        dir.push(part);
    }
    fs::create_dir_all(&dir).map_err(|err| WriteFailed::new("create the directory", &dir, err))?;
    Ok(dir)
}

/// How one variant's build went.
#[derive(Debug, Serialize)]
struct Built {
    name: String,
    status: Status,
    reason: Option<String>,
    recommended: bool,
    seconds: Option<f64>,
    image_bytes: Option<u64>,
    log: Option<PathBuf>,
}

pub fn build(args: BuildArgs) -> anyhow::Result<i32> {
    let (_, plan, engine) = prepare(&args.project, &args.variants, &args.engine)?;
    let logs = state_subdir(&plan.dir, &["logs"])?;
    let mut builder = Builder::new(&engine, &System, &plan);
    let mut results = Vec::new();
    for step in &plan.steps {
        let mut built = Built {
            name: step.name.clone(),
            status: Status::Skipped,
            reason: None,
            recommended: step.recommended,
            seconds: None,
            image_bytes: None,
            log: None,
        };
        if let Some(why) = builder.missing_base(step)? {
            eprintln!("{}: skipped: {why}", step.name);
            built.reason = Some(why);
            results.push(built);
            continue;
        }
        let log_path = logs.join(format!("{}.log", step.name));
        let mut log = Log::create(&log_path)?;
        let timed = builder.build(step, args.no_cache, false, &mut log, &step.name)?;
        built.seconds = Some(timed.seconds);
        if timed.ok {
            built.status = Status::Ok;
            built.image_bytes = Some(engine.image_size(&System, &step.tag)?);
        } else {
            built.status = Status::Failed;
            let tail = log_tail(&log_path, 8);
            eprintln!("{tail}");
            built.reason = Some(format!("the build failed; the end of its log:\n{tail}"));
        }
        built.log = Some(log_path);
        results.push(built);
    }
    if args.json {
        ui::print(&serde_json::to_string_pretty(&results)?)?;
    } else {
        ui::print(&table(&results).to_string())?;
        for r in results.iter().filter(|r| r.status == Status::Skipped) {
            ui::print(&format!(
                "{} skipped: {}",
                r.name,
                r.reason.as_deref().unwrap_or_default()
            ))?;
        }
    }
    let failed = results.iter().any(|r| r.status == Status::Failed);
    Ok(if failed {
        exit::VARIANT_FAILED
    } else {
        exit::OK
    })
}

fn table(results: &[Built]) -> comfy_table::Table {
    let mut table = comfy_table::Table::new();
    table.load_style(comfy_table::presets::UTF8_BORDERS_ONLY);
    table.set_header(["variant", "status", "build", "image size"]);
    for r in results {
        let name = if r.recommended {
            format!("{} ★", r.name)
        } else {
            r.name.clone()
        };
        let status = match r.status {
            Status::Ok => "ok",
            Status::Failed => "failed",
            Status::Skipped => "skipped",
        };
        table.add_row([
            name,
            status.to_string(),
            r.seconds
                .map(|s| format!("{s:.1} s"))
                .unwrap_or_else(|| "—".into()),
            r.image_bytes
                .map(|b| format!("{:.1} MB", b as f64 / 1_000_000.0))
                .unwrap_or_else(|| "—".into()),
        ]);
    }
    table
}
