//! `dockwright tour`: the workshop, one step of the ladder at a time: what
//! the step changes and why, its cold build and app-edit rebuild, and the
//! table so far with what the step did.

use std::path::PathBuf;

use clap::Args;

use crate::args::{prepare, EngineArgs};
use crate::engine::System;
use crate::error::{warn, UserError};
use crate::explain::{self, Ladder};
use crate::interrupt::{self, Hold};
use crate::measure::{EditKind, Measurement, Options};
use crate::prompt;
use crate::report;
use crate::results::{saved_runs, Run, VariantResult};
use crate::tour;
use crate::ui;

#[derive(Args, Debug)]
#[command(after_help = "\
Each step: its explanation (as `dockwright explain` shows it), a cold build and a rebuild after \
an edit of the app's version string (undone byte for byte, also on Ctrl-C), then the table so \
far with what the step changed against the one before. The tour waits for Enter between steps \
unless --yes is given. Results are saved after every step in .dockwright/runs/, so Ctrl-C \
keeps the finished steps; `dockwright tour --from N --reuse` picks up from there.")]
pub struct TourArgs {
    /// The project directory
    #[arg(long, default_value = ".")]
    project: PathBuf,
    #[command(flatten)]
    engine: EngineArgs,
    /// Start at step N (the baseline is step 0, as `dockwright variants` counts)
    #[arg(long, value_name = "N", default_value_t = 0)]
    from: usize,
    /// Reuse saved measurements of steps whose Dockerfile has not changed since
    #[arg(long)]
    reuse: bool,
    /// Leave out this variant (repeat for more)
    #[arg(long, value_name = "VARIANT")]
    skip: Vec<String>,
    /// Run straight through: no waiting for Enter, no question before a slow step
    #[arg(long, short)]
    yes: bool,
    /// Do not refresh base images from their registry in the cold builds
    #[arg(long)]
    no_pull: bool,
}

pub fn tour(args: TourArgs) -> anyhow::Result<i32> {
    let interactive = prompt::allowed(args.yes);
    if !args.yes && !interactive {
        return Err(UserError::new(
            "the tour waits for Enter between steps, and this is not a terminal; pass `--yes` to run it straight through",
        )
        .into());
    }
    let ladder = Ladder::load(&args.project)?;
    let names: Vec<&str> = ladder.names().collect();
    for name in &args.skip {
        // The same sentence as explain's for a name the ladder lacks.
        ladder.step(name)?;
    }
    if args.from >= names.len() {
        return Err(UserError::new(format!(
            "there is no step {} in this ladder; its steps are 0 to {} (`dockwright explain` lists them)",
            args.from,
            names.len() - 1
        ))
        .into());
    }
    let (config, plan, engine) = prepare(&args.project, &[], &args.engine)?;
    let saved: Vec<Run> = saved_runs(&plan.dir)
        .iter()
        .rev()
        .filter_map(|path| Run::load(path).ok())
        .collect();
    let options = Options {
        runs: 1,
        pull: !args.no_pull,
        edits: &[EditKind::App],
    };
    let base_set = plan.base_set.as_deref();
    let mut measurement = Measurement::start("tour", &config, &plan, &engine, &System, options)?;
    let last = plan.steps.len() - 1;
    for (index, step) in plan.steps.iter().enumerate() {
        if index < args.from {
            // Earlier steps are not toured, but their saved figures give the
            // table and the next step's effect something to stand on.
            if let Some(saved) = tour::reusable(&saved, step, base_set) {
                measurement.run.variants.push(saved);
            }
            continue;
        }
        ui::print(&format!(
            "\n{}\n",
            console::style(format!("── Step {index} of {last} ──")).bold()
        ))?;
        ui::print(&explain::intro_text(&ladder.step(&step.name)?))?;
        ui::print("")?;
        if args.skip.contains(&step.name) {
            measurement.record(VariantResult::skipped(
                &step.name,
                step.recommended,
                "left out with --skip",
            ))?;
        } else if let Some(saved) = args
            .reuse
            .then(|| tour::reusable(&saved, step, base_set))
            .flatten()
        {
            ui::note(&format!(
                "Reusing the saved measurement of `{}`: its Dockerfile has not changed.",
                step.name
            ));
            measurement.record(saved)?;
        } else if !go_ahead(&saved, step, interactive)? {
            measurement.record(VariantResult::skipped(
                &step.name,
                step.recommended,
                "left out at the tour's question",
            ))?;
        } else {
            let _hold = Hold::new();
            measurement.measure(step)?;
        }
        let run = &measurement.run;
        ui::print(&format!(
            "{}\n",
            report::table_with_new_row(run, &step.name)
        ))?;
        if let [.., previous, current] = run.variants.as_slice() {
            if let Some(line) = tour::effect(previous, current) {
                ui::print(&format!("{}\n", console::style(line).bold()))?;
            }
        }
        if interactive && index < last {
            wait_for_enter(index + 1, &plan.steps[index + 1].name)?;
        }
    }
    ui::note(&format!("Saved in {}", measurement.results().display()));
    Ok(measurement.finish())
}

/// Warns before a slow step; at a terminal, asks whether to build it.
fn go_ahead(saved: &[Run], step: &crate::plan::Step, interactive: bool) -> anyhow::Result<bool> {
    let Some(warning) = tour::slow_warning(saved, step) else {
        return Ok(true);
    };
    warn(&warning);
    if !interactive {
        return Ok(true);
    }
    prompt::confirm(&format!("Build `{}` now? (no leaves it out)", step.name))
}

/// Waits for Enter. No `Hold` is alive here, so Ctrl-C ends the tour at
/// once: every finished step is already saved. Ctrl-D (end of input) stops
/// it the same way, rather than running the next step unasked.
fn wait_for_enter(next: usize, name: &str) -> anyhow::Result<()> {
    ui::ask(&format!(
        "Press Enter for step {next} ({name}), Ctrl-C to stop here. "
    ));
    let mut line = String::new();
    if std::io::stdin().read_line(&mut line)? == 0 {
        // The terminal echoes nothing for Ctrl-D: end the question's line.
        ui::note("");
        return Err(interrupt::Interrupted.into());
    }
    Ok(())
}
