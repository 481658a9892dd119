//! `dockwright compare`: two saved measure runs side by side.

use std::path::{Path, PathBuf};

use clap::Args;

use crate::args::ProjectArgs;
use crate::compare::{self, Comparison, Format};
use crate::error::{exit, UserError};
use crate::results::{self, find, id, runs_dir, Run};
use crate::ui;

#[derive(Args, Debug)]
#[command(after_help = "\
A run is the path of a results file, or its id: the file's name in .dockwright/runs/ without \
`.json`, as `dockwright measure` saved it. With no run given, the two newest runs are compared, \
the older as A; with one, it is A and the newest run is B.

Sizes are exact: any byte is a change. A time change is marked `noise` when the two runs' \
min–max ranges overlap (rebuilds measured with `--runs N`, N above 1); when either run has a \
single time (every cold build, and rebuilds measured once), a change under 10% or under 0.2 s \
is noise.")]
pub struct CompareArgs {
    /// The run to compare from, as a results file or a run id [default: the second newest]
    run_a: Option<String>,
    /// The run to compare with, as a results file or a run id [default: the newest]
    run_b: Option<String>,
    #[command(flatten)]
    project: ProjectArgs,
    /// How to print the comparison
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Compare with the baseline saved as NAME (`dockwright baseline save NAME`) as A; the one run
    /// given, or the newest, is B
    #[arg(long, value_name = "NAME", conflicts_with = "run_b")]
    baseline: Option<String>,
    /// Exit with 3 when a change is real by the noise rule and goes the wrong way: a larger
    /// image, a slower build, or a variant that no longer finishes
    #[arg(long)]
    fail_on_regression: bool,
}

pub fn compare(args: CompareArgs) -> anyhow::Result<i32> {
    let dir = args.project.runs_dir();
    let saved = results::saved_runs(&dir);
    let (a, b) = match (&args.baseline, &args.run_a, &args.run_b) {
        (Some(name), run, _) => (
            results::baseline(&dir, name)?,
            match run {
                Some(b) => find(&dir, &saved, b)?,
                None => newest(&dir, &saved, 1)?,
            },
        ),
        (None, run_a, run_b) => runs(&dir, &saved, run_a, run_b)?,
    };
    let (run_a, run_b) = (Run::load(&a)?, Run::load(&b)?);
    compare::comparable(&run_a, &run_b)?;
    let comparison = Comparison::new(&a, &run_a, &b, &run_b);
    ui::print(&compare::render(&comparison, args.format)?)?;
    if !args.fail_on_regression {
        return Ok(exit::OK);
    }
    let regressions = comparison.regressions();
    if regressions.is_empty() {
        ui::note("No regression: nothing got larger or slower by more than the noise.");
        return Ok(exit::OK);
    }
    ui::alert(&format!(
        "{} regression(s) from {} to {}: {}",
        regressions.len(),
        comparison.a.id,
        comparison.b.id,
        regressions.join("; ")
    ));
    Ok(exit::REGRESSION)
}

/// Runs A and B as given: both, A with the newest as B, or the two newest.
fn runs(
    project: &Path,
    saved: &[PathBuf],
    run_a: &Option<String>,
    run_b: &Option<String>,
) -> Result<(PathBuf, PathBuf), UserError> {
    Ok(match (run_a, run_b) {
        (Some(a), Some(b)) => (find(project, saved, a)?, find(project, saved, b)?),
        (Some(a), None) => (find(project, saved, a)?, newest(project, saved, 1)?),
        (None, _) => (newest(project, saved, 2)?, newest(project, saved, 1)?),
    })
}

/// The `nth` newest of the `saved` runs (1 for the newest), or an error
/// that says how many there are and how to save another.
fn newest(project: &Path, saved: &[PathBuf], nth: usize) -> Result<PathBuf, UserError> {
    if let Some(path) = saved.len().checked_sub(nth).map(|i| &saved[i]) {
        return Ok(path.clone());
    }
    let dir = runs_dir(project);
    Err(match saved.first() {
        None => UserError::new(format!(
            "there are no saved runs in `{}`, and compare needs two",
            dir.display()
        ))
        .help("run `dockwright measure` twice, say before and after a change to a Dockerfile, or name two results files: `dockwright compare FILE_A FILE_B`"),
        Some(only) => UserError::new(format!(
            "there is only one saved run in `{}` ({}), and compare needs two",
            dir.display(),
            id(only)
        ))
        .help("run `dockwright measure` again to save another, or name two results files: `dockwright compare FILE_A FILE_B`"),
    })
}
