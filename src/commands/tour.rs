//! `dockwright tour`: the workshop, one step of the ladder at a time: what
//! the step changes and why, its cold build and app-edit rebuild, and the
//! table so far with what the step did.

use clap::Args;

use crate::args::{EngineArgs, PlatformArgs, ProjectArgs};
use crate::engine::System;
use crate::error::{warn, UserError};
use crate::explain::{self, Explainer};
use crate::interrupt::{self, Hold};
use crate::ladder::Rung;
use crate::measure::{EditKind, Measurement, Options};
use crate::project::{Project, Selection};
use crate::prompt;
use crate::report;
use crate::results::{self, Run, VariantResult};
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
    #[command(flatten)]
    project: ProjectArgs,
    #[command(flatten)]
    engine: EngineArgs,
    #[command(flatten)]
    platform: PlatformArgs,
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
    let interactive = interactive(args.yes)?;
    let project = Project::open(
        &args.project.dir()?,
        Selection::Build(&[]),
        args.engine.base_set(),
    )?
    .with_ca(args.engine.ca_file())?
    .with_platform(args.platform.platform());
    let saved = results::readable_runs(&project.dir);
    let project = project.with_latest(saved.first());
    check_steps(&project, &args)?;
    let engine = args.engine.start(&project)?;
    let options = Options {
        repeats: 1,
        pull: !args.no_pull,
        edits: &[EditKind::App],
    };
    let mut measurement = Measurement::start("tour", &project, &engine, &System, options)?;
    let tour = Tour {
        project: &project,
        explainer: Explainer::new(&project)?,
        saved,
        args: &args,
        interactive,
    };
    for rung in &project.ladder.rungs {
        if rung.place.index < args.from {
            tour.carry_over(rung, &mut measurement);
        } else {
            tour.step(rung, &mut measurement)?;
        }
    }
    ui::note(&format!("Saved in {}", measurement.results().display()));
    Ok(measurement.finish())
}

/// Whether the tour can wait for Enter and ask; without a terminal it
/// cannot, and runs only when told to run straight through.
fn interactive(yes: bool) -> Result<bool, UserError> {
    let interactive = prompt::allowed(yes);
    if !yes && !interactive {
        return Err(UserError::new(
            "the tour waits for Enter between steps, and this is not a terminal; pass `--yes` to run it straight through",
        ));
    }
    Ok(interactive)
}

/// The steps `--skip` and `--from` name are on the ladder; checked before
/// any engine is sought.
fn check_steps(project: &Project, args: &TourArgs) -> anyhow::Result<()> {
    for name in &args.skip {
        project.rung(name)?;
    }
    let steps = project.ladder.rungs.len();
    if args.from >= steps {
        return Err(UserError::new(format!(
            "there is no step {} in this ladder; its steps are 0 to {} (`dockwright explain` lists them)",
            args.from,
            steps - 1
        ))
        .into());
    }
    Ok(())
}

/// A tour under way: what it shows each step with, and the saved runs
/// (newest first) it may reuse and take warnings from.
struct Tour<'a> {
    project: &'a Project,
    explainer: Explainer<'a>,
    saved: Vec<Run>,
    args: &'a TourArgs,
    interactive: bool,
}

impl Tour<'_> {
    /// A step before `--from` is not toured, but its saved figures give the
    /// table and the next step's effect something to stand on.
    fn carry_over(&self, rung: &Rung, measurement: &mut Measurement) {
        if let Some(saved) = self.reusable(rung) {
            measurement.run.variants.push(saved);
        }
    }

    /// One step: what it changes and why, its measurement, the table so
    /// far with what it did, then Enter for the next.
    fn step(&self, rung: &Rung, measurement: &mut Measurement) -> anyhow::Result<()> {
        self.introduce(rung)?;
        self.take(rung, measurement)?;
        show_table(&measurement.run, rung)?;
        match self.project.ladder.next(rung) {
            Some(next) if self.interactive => wait_for_enter(next),
            _ => Ok(()),
        }
    }

    fn introduce(&self, rung: &Rung) -> anyhow::Result<()> {
        let last = self.project.ladder.rungs.len() - 1;
        let heading = format!("── Step {} of {last} ──", rung.place.index);
        ui::print(&format!("\n{}\n", console::style(heading).bold()))?;
        ui::print(&explain::intro_text(&self.explainer.explain(&rung.name)?))?;
        ui::print("")?;
        Ok(())
    }

    /// Measures `rung`, or records why not: left out with `--skip`, a saved
    /// measurement reused with `--reuse`, or left out at the question
    /// before a slow build.
    fn take(&self, rung: &Rung, measurement: &mut Measurement) -> anyhow::Result<()> {
        let left_out = |why| VariantResult::skipped(&rung.name, rung.place.recommended(), why);
        if self.args.skip.contains(&rung.name) {
            return measurement.record(left_out("left out with --skip"));
        }
        if let Some(saved) = self.args.reuse.then(|| self.reusable(rung)).flatten() {
            ui::note(&format!(
                "Reusing the saved measurement of `{}`: its Dockerfile has not changed.",
                rung.name
            ));
            return measurement.record(saved);
        }
        if !self.go_ahead(rung)? {
            return measurement.record(left_out("left out at the tour's question"));
        }
        let _hold = Hold::new();
        measurement.measure(rung)
    }

    fn reusable(&self, rung: &Rung) -> Option<VariantResult> {
        tour::reusable(
            &self.saved,
            rung,
            self.project.base_set.as_deref(),
            self.project.platform.as_ref().map(|p| p.as_str()),
        )
    }

    /// Warns before a slow step; at a terminal, asks whether to build it.
    fn go_ahead(&self, rung: &Rung) -> anyhow::Result<bool> {
        let Some(warning) = tour::slow_warning(&self.saved, rung) else {
            return Ok(true);
        };
        warn(&warning);
        if !self.interactive {
            return Ok(true);
        }
        prompt::confirm(&format!("Build `{}` now? (no leaves it out)", rung.name))
    }
}

/// The table so far, `rung`'s row marked new, and what the newest row did
/// against the one before it.
fn show_table(run: &Run, rung: &Rung) -> anyhow::Result<()> {
    ui::print(&format!(
        "{}\n",
        report::table_with_new_row(run, &rung.name)
    ))?;
    if let [.., previous, current] = run.variants.as_slice() {
        if let Some(line) = tour::effect(previous, current) {
            ui::print(&format!("{}\n", console::style(line).bold()))?;
        }
    }
    Ok(())
}

/// Waits for Enter. No `Hold` is alive here, so Ctrl-C ends the tour at
/// once: every finished step is already saved. Ctrl-D (end of input) stops
/// it the same way, rather than running the next step unasked.
fn wait_for_enter(next: &Rung) -> anyhow::Result<()> {
    ui::ask(&format!(
        "Press Enter for step {} ({}), Ctrl-C to stop here. ",
        next.place.index, next.name
    ));
    let mut line = String::new();
    if std::io::stdin().read_line(&mut line)? == 0 {
        // The terminal echoes nothing for Ctrl-D: end the question's line.
        ui::note("");
        return Err(interrupt::Interrupted.into());
    }
    Ok(())
}
