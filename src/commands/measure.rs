//! `dockwright measure`: the article's experiment, done properly, ending in
//! one table.

use std::path::PathBuf;

use clap::Args;

use crate::builder::Builder;
use crate::commands::build::{prepare, EngineArgs};
use crate::engine::System;
use crate::interrupt::{self, Hold};
use crate::lockfile;
use crate::measure::{self, EditKind, Options, RunFiles};
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
    /// The project directory
    #[arg(long, default_value = ".")]
    project: PathBuf,
    #[command(flatten)]
    engine: EngineArgs,
    /// How many times to repeat each warm rebuild (median, min and max are reported)
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=20))]
    runs: u32,
    /// Do not refresh base images from their registry in the cold build
    #[arg(long)]
    no_pull: bool,
    /// Print the results as JSON instead of the table
    #[arg(long)]
    json: bool,
}

pub fn measure(args: MeasureArgs) -> anyhow::Result<i32> {
    let (config, plan, engine) = prepare(&args.project, &args.variants, &args.engine)?;
    // The dependency edit comes after each cold build: a line it cannot make
    // (hash-checking mode, no hashes) is better said before the first one.
    crate::edit::requirement_line(
        &plan.dir.join(&config.project.requirements),
        &config.measure.extra_dependency,
    )?;
    let files = RunFiles::start(&plan.dir, "measure")?;
    let path = &files.results;
    let _hold = Hold::new();
    let runner = System;
    let mut builder = Builder::new(&engine, &runner, &plan);
    let options = Options {
        runs: args.runs as usize,
        pull: !args.no_pull,
        edits: &[EditKind::App, EditKind::Deps],
    };
    let mut run = measure::new_run(&config, &engine, options.runs, args.engine.base_set());
    run.lock_sha256 = lockfile::digest(&plan.dir, &config);
    let mut warnings = Vec::new();
    for step in &plan.steps {
        let log = files.log(&step.name);
        let measured = measure::variant(&mut builder, &config, step, &options, &log, &mut warnings);
        run.commands = builder.commands.clone();
        run.variants
            .push(measured.map_err(|err| run.keep_finished(path, err))?);
        run.save(path)?;
        interrupt::check()?;
    }
    if args.json {
        ui::print(&report::render(&run, Format::Json)?)?;
    } else {
        ui::print(&report::render(&run, Format::Table)?)?;
        eprintln!("Saved in {}", path.display());
    }
    Ok(measure::finish(&run, &warnings))
}
