//! `dockwright build`: build the project's variants through the engine, each
//! tagged `<project>:<variant>` and labelled as dockwright's.

use std::path::PathBuf;

use clap::Args;
use serde::Serialize;

use crate::args::{prepare, EngineArgs, OutputArgs, PlatformArgs, ProjectArgs};
use crate::build_runner::{log_tail, BuildRunner, Log};
use crate::engine::System;
use crate::error::exit;
use crate::figures;
use crate::results::{self, Status};
use crate::ui;

#[derive(Args, Debug)]
pub struct BuildArgs {
    /// Variants to build, in ladder order whatever the order given [default: all]
    variants: Vec<String>,
    #[command(flatten)]
    project: ProjectArgs,
    #[command(flatten)]
    engine: EngineArgs,
    #[command(flatten)]
    platform: PlatformArgs,
    /// Build without the engine's layer cache
    #[arg(long)]
    no_cache: bool,
    #[command(flatten)]
    output: OutputArgs,
}

/// How one variant's build went.
#[derive(Debug, Serialize)]
struct Built {
    name: String,
    status: Status,
    reason: Option<String>,
    recommended: bool,
    seconds: Option<f64>,
    /// The load into the engine's store, timed apart from `seconds`.
    #[serde(skip_serializing_if = "Option::is_none")]
    load_seconds: Option<f64>,
    image_bytes: Option<u64>,
    log: Option<PathBuf>,
}

pub fn build(args: BuildArgs) -> anyhow::Result<i32> {
    let (project, engine) = prepare(
        &args.project.dir()?,
        &args.variants,
        &args.engine,
        &args.platform,
    )?;
    let logs = results::state_subdir(&project.dir, &["logs"])?;
    let mut build_runner = BuildRunner::new(&engine, &System);
    let mut results = Vec::new();
    for rung in project.ladder.selected() {
        let mut built = Built {
            name: rung.name.clone(),
            status: Status::Skipped,
            reason: None,
            recommended: rung.place.recommended(),
            seconds: None,
            load_seconds: None,
            image_bytes: None,
            log: None,
        };
        if let Some(why) = build_runner.missing_base(rung)? {
            ui::alert(&format!("{}: skipped: {why}", rung.name));
            built.reason = Some(why);
            results.push(built);
            continue;
        }
        let log_path = logs.join(format!("{}.log", rung.name));
        let mut log = Log::create(&log_path)?;
        let spec = project.build_spec(rung, args.no_cache, false);
        let timed = build_runner.build(&spec, &mut log, &rung.name)?;
        built.seconds = Some(timed.seconds);
        built.load_seconds = timed.load_seconds;
        if timed.ok {
            built.status = Status::Ok;
            built.image_bytes = Some(engine.image_size(&System, &rung.tag)?);
        } else if let Some(problem) = timed.problem {
            built.status = Status::Failed;
            ui::alert(&format!("{}: {problem}", rung.name));
            built.reason = Some(problem);
        } else {
            built.status = Status::Failed;
            let tail = log_tail(&log_path, 8);
            ui::alert(&tail);
            built.reason = Some(format!("the build failed; the end of its log:\n{tail}"));
        }
        built.log = Some(log_path);
        results.push(built);
    }
    if args.output.json() {
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
    // A load column only where a builder outside the daemon loaded images.
    let loads = results.iter().any(|r| r.load_seconds.is_some());
    let mut header = vec!["variant", "status", "build"];
    if loads {
        header.push("load");
    }
    header.push("image size");
    table.set_header(header);
    let or_dash = |figure: Option<String>| figure.unwrap_or_else(|| "—".into());
    for r in results {
        let name = if r.recommended {
            format!("{} ★", r.name)
        } else {
            r.name.clone()
        };
        let mut row = vec![
            name,
            r.status.to_string(),
            or_dash(r.seconds.map(figures::seconds)),
        ];
        if loads {
            row.push(or_dash(r.load_seconds.map(figures::seconds)));
        }
        row.push(or_dash(r.image_bytes.map(figures::size)));
        table.add_row(row);
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `build` writes its figures as `report` does: `412 MB`, not `412.3 MB`.
    #[test]
    fn the_table_writes_figures_as_the_report_does() {
        let built = Built {
            name: "uv".to_string(),
            status: Status::Ok,
            reason: None,
            recommended: true,
            seconds: Some(0.414),
            load_seconds: None,
            image_bytes: Some(412_300_000),
            log: None,
        };
        let table = table(&[built]).to_string();
        let row = table.lines().find(|l| l.contains("uv ★")).unwrap();
        let words: Vec<&str> = row.split_whitespace().collect();
        assert_eq!(
            words,
            ["│", "uv", "★", "ok", "0.41", "s", "412", "MB", "│"],
            "{table}"
        );
    }
}
