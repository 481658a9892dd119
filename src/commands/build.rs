//! `dockwright build`: build the project's variants through the engine, each
//! tagged `<project>:<variant>` and labelled as dockwright's.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::Args;
use serde::Serialize;

use crate::config::Config;
use crate::engine::{self, progress, Engine, Runner, System};
use crate::error::{exit, UserError};
use crate::plan::{Plan, Step};
use crate::ui::Activity;

/// Where a project keeps dockwright's state.
pub const STATE_DIR: &str = ".dockwright";

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
    /// The engine client to use, such as /usr/bin/docker or podman [env: DOCKWRIGHT_ENGINE, DOCKER]
    #[arg(long, value_name = "PATH")]
    engine: Option<PathBuf>,
}

impl EngineArgs {
    /// Finds the engine: `--engine`, then DOCKWRIGHT_ENGINE, then DOCKER,
    /// then the usual candidates.
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
        engine::detect(runner, &candidates, need_buildkit)
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    Failed,
    Skipped,
}

/// How one variant's build went.
#[derive(Debug, Serialize)]
pub struct Built {
    pub name: String,
    pub status: Status,
    pub reason: Option<String>,
    pub recommended: bool,
    pub seconds: Option<f64>,
    pub image_bytes: Option<u64>,
    pub log: Option<PathBuf>,
}

pub fn build(args: BuildArgs) -> anyhow::Result<i32> {
    let config = Config::load(&args.project)?;
    let dir = args.project.canonicalize()?;
    let plan = Plan::new(&config, &dir, &args.variants)?;
    let runner = System;
    let engine = args.engine.detect(&runner, plan.needs_buildkit())?;
    eprintln!(
        "Building {} variant(s) of `{}` with {} {} ({})",
        plan.steps.len(),
        plan.project,
        engine.program.display(),
        engine.client_version,
        engine.builder_name()
    );
    let logs = dir.join(STATE_DIR).join("logs");
    fs::create_dir_all(&logs).map_err(|err| {
        UserError::new(format!(
            "cannot create `{}` ({err}); check the permissions and free space there",
            logs.display()
        ))
    })?;
    let mut results = Vec::new();
    for step in &plan.steps {
        results.push(build_step(
            &engine,
            &runner,
            &plan,
            step,
            args.no_cache,
            &logs,
        )?);
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&results)?);
    } else {
        println!("{}", table(&results));
        for r in results
            .iter()
            .filter(|r| matches!(r.status, Status::Skipped))
        {
            println!(
                "{} skipped: {}",
                r.name,
                r.reason.as_deref().unwrap_or_default()
            );
        }
    }
    let failed = results.iter().any(|r| matches!(r.status, Status::Failed));
    Ok(if failed {
        exit::VARIANT_FAILED
    } else {
        exit::OK
    })
}

/// Builds one variant, streaming its output to a log and its current step to
/// the live line. A missing base image makes the variant skipped; a failed
/// build keeps the end of its log.
pub fn build_step(
    engine: &Engine,
    runner: &dyn Runner,
    plan: &Plan,
    step: &Step,
    no_cache: bool,
    logs: &Path,
) -> anyhow::Result<Built> {
    let mut built = Built {
        name: step.name.clone(),
        status: Status::Skipped,
        reason: None,
        recommended: step.recommended,
        seconds: None,
        image_bytes: None,
        log: None,
    };
    for base in &step.facts.bases {
        if !engine.has_image(runner, base)? {
            if let Err(why) = engine.pull(runner, base) {
                built.reason = Some(format!(
                    "base image `{base}` is not here and cannot be pulled ({why})"
                ));
                eprintln!(
                    "{}: skipped: {}",
                    step.name,
                    built.reason.as_deref().unwrap_or_default()
                );
                return Ok(built);
            }
        }
    }
    let cmd = engine.build_cmd(&plan.build_spec(step, no_cache));
    let log_path = logs.join(format!("{}.log", step.name));
    let mut log = File::create(&log_path).map_err(|err| {
        UserError::new(format!(
            "cannot write `{}` ({err}); check the free space there",
            log_path.display()
        ))
    })?;
    writeln!(log, "$ {cmd}")?;
    let activity = Activity::start(&step.name);
    let started = Instant::now();
    let ok = runner
        .stream(&cmd, &mut log, &mut |line| {
            if let Some(current) = progress::step(line) {
                activity.step(&current);
            }
        })
        .map_err(|err| engine::EngineError::Stopped {
            program: engine.program.display().to_string(),
            detail: err.to_string(),
        })?;
    let seconds = started.elapsed().as_secs_f64();
    built.seconds = Some(seconds);
    built.log = Some(log_path.clone());
    if ok {
        let bytes = engine.image_size(runner, &step.tag)?;
        built.status = Status::Ok;
        built.image_bytes = Some(bytes);
        activity.finish(true, &format!("{seconds:.1} s, {:.1} MB", megabytes(bytes)));
    } else {
        built.status = Status::Failed;
        let tail = log_tail(&log_path, 8);
        built.reason = Some(format!(
            "the build failed; the end of {}:\n{tail}",
            log_path.display()
        ));
        activity.finish(
            false,
            &format!("failed after {seconds:.1} s, log: {}", log_path.display()),
        );
        eprintln!("{tail}");
    }
    Ok(built)
}

fn log_tail(path: &Path, lines: usize) -> String {
    let text = fs::read_to_string(path).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

pub fn megabytes(bytes: u64) -> f64 {
    bytes as f64 / 1_000_000.0
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
                .map(|b| format!("{:.1} MB", megabytes(b)))
                .unwrap_or_else(|| "—".into()),
        ]);
    }
    table
}
