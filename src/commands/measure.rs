//! `dockwright measure`: the article's experiment, done properly, ending in
//! one table.

use std::path::PathBuf;

use clap::Args;

use crate::args::{prepare, EngineArgs, OutputArgs, PlatformArgs, ProjectArgs};
use crate::engine::{Engine, System};
use crate::interrupt::Hold;
use crate::measure::{EditKind, Measurement, Options};
use crate::project::Project;
use crate::report::{self, Format};
use crate::results::Run;
use crate::ui;

#[derive(Args, Debug)]
#[command(after_help = "\
For each variant, in ladder order: a cold build (--no-cache, and the cache mounts its \
Dockerfile uses emptied first, no others), the image's size, its start (from `docker run` \
until the app answers GET / on the configured port, published on 127.0.0.1 only; a container \
that exits or does not answer within [measure] start_timeout fails the variant), a rebuild \
after an edit of the app's version string and one after adding a pinned dependency. Both edits change the files' \
bytes (a bare `touch` does not invalidate Docker's cache) and are undone byte for byte, also on \
failure and on Ctrl-C. Results are saved after every variant in .dockwright/runs/; \
`dockwright report` shows them again.")]
pub struct MeasureArgs {
    /// Variants to measure [default: all, in ladder order]
    variants: Vec<String>,
    #[command(flatten)]
    project: ProjectArgs,
    #[command(flatten)]
    engine: EngineArgs,
    #[command(flatten)]
    platform: PlatformArgs,
    #[command(flatten)]
    measuring: MeasureFlags,
    #[command(flatten)]
    output: OutputArgs,
}

/// How a measurement is made, as `measure` and `check` take it.
#[derive(Args, Debug)]
pub struct MeasureFlags {
    /// How many times to repeat each warm rebuild and each start (median, min and max are reported)
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=20))]
    runs: u32,
    /// Do not refresh base images from their registry in the cold build
    #[arg(long)]
    no_pull: bool,
}

pub fn measure(args: MeasureArgs) -> anyhow::Result<i32> {
    let (project, engine) = prepare(
        &args.project.dir()?,
        &args.variants,
        &args.engine,
        &args.platform,
    )?;
    let measured = measure_selected(&project, &engine, &args.measuring)?;
    if args.output.json() {
        ui::print(&report::render(&measured.run, Format::Json)?)?;
    } else {
        ui::print(&report::render(&measured.run, Format::Table)?)?;
        ui::note(&format!("Saved in {}", measured.results.display()));
    }
    Ok(measured.exit_code)
}

/// A finished measure run: the run, where it is saved, and the exit code it
/// ends with.
pub struct Measured {
    pub run: Run,
    pub results: PathBuf,
    pub exit_code: i32,
}

/// Measures `project`'s selected variants on `engine` as `flags` say; the
/// run is saved after every variant.
pub fn measure_selected(
    project: &Project,
    engine: &Engine,
    flags: &MeasureFlags,
) -> anyhow::Result<Measured> {
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
        repeats: flags.runs as usize,
        pull: !flags.no_pull,
        edits: &[EditKind::App, EditKind::Deps],
    };
    let mut measurement = Measurement::start("measure", project, engine, &System, options)?;
    measurement.run.extra_dependency =
        Some(crate::requirements::without_options(&extra).to_string());
    for rung in project.ladder.selected() {
        measurement.measure(rung)?;
    }
    let results = measurement.results().to_path_buf();
    let run = measurement.run.clone();
    Ok(Measured {
        run,
        results,
        exit_code: measurement.finish(),
    })
}
