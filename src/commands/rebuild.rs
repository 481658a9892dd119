//! `dockwright rebuild`: a real edit, a rebuild with the cache, the edit
//! undone.

use std::path::PathBuf;

use clap::Args;
use serde::Serialize;

use crate::args::{prepare, EngineArgs, OutputArgs, PlatformArgs, ProjectArgs};
use crate::build_runner::{BuildRunner, Log};
use crate::engine::System;
use crate::error::exit;
use crate::figures;
use crate::interrupt::Hold;
use crate::measure::{self, EditKind};
use crate::results::state_subdir;
use crate::ui;

#[derive(Args, Debug)]
#[command(after_help = "\
The app edit bumps the version string in the app source (v1.0.0 -> v1.0.1) and adds a comment \
line; --deps adds one pinned requirement the project does not list (`[measure] extra_dependency` \
in dockwright.toml, or one dockwright picks: six, iniconfig or idna). Either \
edit is undone byte for byte after the build, also when it fails and on Ctrl-C.")]
pub struct RebuildArgs {
    /// Variants to rebuild [default: all, in ladder order]
    variants: Vec<String>,
    #[command(flatten)]
    project: ProjectArgs,
    #[command(flatten)]
    engine: EngineArgs,
    #[command(flatten)]
    platform: PlatformArgs,
    /// Edit the requirements instead of the app
    #[arg(long)]
    deps: bool,
    #[command(flatten)]
    output: OutputArgs,
}

#[derive(Serialize)]
struct Rebuilt {
    name: String,
    ok: bool,
    seconds: f64,
    /// The load into the engine's store, timed apart from `seconds`.
    #[serde(skip_serializing_if = "Option::is_none")]
    load_seconds: Option<f64>,
    /// Why a build that succeeded failed all the same.
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
    log: PathBuf,
}

impl Rebuilt {
    /// `uv                     0.41 s  ok (app edit)`, with `, load 1.2 s`
    /// after the kind when the image was loaded, and the reason after a
    /// failure that the log does not tell.
    fn line(&self, kind: EditKind) -> String {
        let status = if self.ok { "ok" } else { "failed" };
        let load = self
            .load_seconds
            .map(|load| format!(", load {}", figures::seconds(load)))
            .unwrap_or_default();
        let reason = self
            .reason
            .as_ref()
            .map(|why| format!(": {why}"))
            .unwrap_or_default();
        format!(
            "{:<20} {:>9}  {status} ({}{load}){reason}",
            self.name,
            figures::seconds(self.seconds),
            kind.label()
        )
    }
}

pub fn rebuild(args: RebuildArgs) -> anyhow::Result<i32> {
    let (project, engine) = prepare(
        &args.project.dir()?,
        &args.variants,
        &args.engine,
        &args.platform,
    )?;
    let logs = state_subdir(&project.dir, &["logs"])?;
    let _hold = Hold::new();
    let kind = if args.deps {
        EditKind::Deps
    } else {
        EditKind::App
    };
    let mut build_runner = BuildRunner::new(&engine, &System);
    let mut results = Vec::new();
    for rung in project.ladder.selected() {
        let log_path = logs.join(format!("{}-rebuild.log", rung.name));
        let mut log = Log::create(&log_path)?;
        let timed = measure::rebuild(&mut build_runner, &project, rung, kind, &mut log)?;
        results.push(Rebuilt {
            name: rung.name.clone(),
            ok: timed.ok,
            seconds: timed.seconds,
            load_seconds: timed.load_seconds,
            reason: timed.problem,
            log: log_path,
        });
    }
    if args.output.json() {
        ui::print(&serde_json::to_string_pretty(&results)?)?;
    } else {
        for r in &results {
            ui::print(&r.line(kind))?;
        }
    }
    Ok(if results.iter().all(|r| r.ok) {
        exit::OK
    } else {
        exit::VARIANT_FAILED
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rebuild_line_writes_its_seconds_as_the_report_does() {
        let rebuilt = Rebuilt {
            name: "uv".to_string(),
            ok: true,
            seconds: 12.345,
            load_seconds: None,
            reason: None,
            log: PathBuf::from("uv-rebuild.log"),
        };
        assert_eq!(
            rebuilt.line(EditKind::App),
            format!("{:<20}    12.3 s  ok (app-edit rebuild)", "uv")
        );
    }
}
