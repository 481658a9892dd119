//! `dockwright doctor`: one line per check of what builds and measurements
//! need here, ✓ or ✗, each ✗ with its fix.

use clap::Args;

use crate::args::{EngineArgs, OutputArgs, ProjectArgs};
use crate::doctor::{self, Outcome};
use crate::engine::System;
use crate::error::exit;
use crate::ui;

#[derive(Args, Debug)]
#[command(after_help = "\
Checks: the project's journal and settings, the engine client and server, BuildKit, the active \
buildx builder and its driver, where DOCKER_HOST or the docker context points, each base image \
the variants read (here or pullable), the proxy CA bundle when one is set (--ca-file, \
DOCKWRIGHT_CA_FILE or [tls] ca_file), PyPI over HTTPS from a container of the slim base image, \
trusting that bundle (a proxy that re-signs TLS shows here), free disk under the engine's data root, and hadolint \
(optional). Nothing is changed. Exits 1 when a check fails.")]
pub struct DoctorArgs {
    #[command(flatten)]
    project: ProjectArgs,
    #[command(flatten)]
    engine: EngineArgs,
    #[command(flatten)]
    output: OutputArgs,
}

pub fn doctor(args: DoctorArgs) -> anyhow::Result<i32> {
    let checks = doctor::run(&args.project.runs_dir(), &args.engine, &System);
    let failed = checks.iter().filter(|c| c.outcome == Outcome::Fail).count();
    if args.output.json() {
        ui::print(&serde_json::to_string_pretty(&checks)?)?;
    } else {
        let width = checks.iter().map(|c| c.name.len()).max().unwrap_or(0);
        let green = console::Style::new().green();
        let red = console::Style::new().red().bold();
        let dim = console::Style::new().dim();
        for check in &checks {
            let mark = match check.outcome {
                Outcome::Ok => green.apply_to("✓").to_string(),
                Outcome::Fail => red.apply_to("✗").to_string(),
                Outcome::Skipped | Outcome::Missing => dim.apply_to("–").to_string(),
            };
            ui::print(&format!("{mark} {:width$}  {}", check.name, check.detail))?;
            if let Some(fix) = &check.fix {
                ui::print(&format!("  {:width$}  fix: {fix}", ""))?;
            }
        }
        ui::print(&match failed {
            0 => "Everything dockwright needs is here.".to_string(),
            n => format!("{n} check(s) failed; each says how to fix it."),
        })?;
    }
    Ok(if failed == 0 {
        exit::OK
    } else {
        exit::CHECK_FAILED
    })
}
