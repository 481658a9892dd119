//! `dockwright measure`: the article's experiment, done properly, ending in
//! one table.

use clap::Args;

use crate::args::{prepare, EngineArgs, OutputArgs, ProjectArgs};
use crate::engine::System;
use crate::interrupt::Hold;
use crate::measure::{EditKind, Measurement, Options};
use crate::report::{self, Format};
use crate::ui;

#[derive(Args, Debug)]
#[command(after_help = "\
For each variant, in ladder order: a cold build (--no-cache; cache mounts dropped first), the \
image's size, a rebuild after an edit of the app's version string and one after adding a \
pinned dependency. Both edits change the files' bytes (a bare `touch` does not invalidate \
Docker's cache) and are undone byte for byte, also on failure and on Ctrl-C. Results are saved \
after every variant in .dockwright/runs/; `dockwright report` shows them again.")]
pub struct MeasureArgs {
    /// Variants to measure [default: all, in ladder order]
    variants: Vec<String>,
    #[command(flatten)]
    project: ProjectArgs,
    #[command(flatten)]
    engine: EngineArgs,
    /// How many times to repeat each warm rebuild (median, min and max are reported)
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=20))]
    runs: u32,
    /// Do not refresh base images from their registry in the cold build
    #[arg(long)]
    no_pull: bool,
    #[command(flatten)]
    output: OutputArgs,
}

pub fn measure(args: MeasureArgs) -> anyhow::Result<i32> {
    let (project, engine) = prepare(&args.project.dir()?, &args.variants, &args.engine)?;
    let config = &project.config;
    // The dependency edit comes after each cold build: a line it cannot make
    // (a package the project lists, hash-checking mode without hashes) is
    // better said before the first one.
    let extra = crate::edit::extra_dependency(
        &project.dir,
        std::path::Path::new(&config.project.requirements),
        config.measure.extra_dependency.as_deref(),
    )?;
    let _hold = Hold::new();
    let options = Options {
        repeats: args.runs as usize,
        pull: !args.no_pull,
        edits: &[EditKind::App, EditKind::Deps],
    };
    let mut measurement = Measurement::start("measure", &project, &engine, &System, options)?;
    measurement.run.extra_dependency =
        Some(crate::requirements::without_options(&extra).to_string());
    for rung in project.ladder.selected() {
        measurement.measure(rung)?;
    }
    if args.output.json() {
        ui::print(&report::render(&measurement.run, Format::Json)?)?;
    } else {
        ui::print(&report::render(&measurement.run, Format::Table)?)?;
        ui::note(&format!("Saved in {}", measurement.results().display()));
    }
    Ok(measurement.finish())
}
