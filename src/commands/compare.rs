//! `dockwright compare`: two saved measure runs side by side.

use std::path::{Path, PathBuf};

use clap::Args;

use crate::args::ProjectArgs;
use crate::compare::{self, Comparison, Format};
use crate::error::{exit, UserError};
use crate::results::{self, runs_dir, Run};
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
}

pub fn compare(args: CompareArgs) -> anyhow::Result<i32> {
    let dir = args.project.runs_dir();
    let saved = results::saved_runs(&dir);
    let (a, b) = match (&args.run_a, &args.run_b) {
        (Some(a), Some(b)) => (find(&dir, &saved, a)?, find(&dir, &saved, b)?),
        (Some(a), None) => (find(&dir, &saved, a)?, newest(&dir, &saved, 1)?),
        (None, _) => (newest(&dir, &saved, 2)?, newest(&dir, &saved, 1)?),
    };
    let (run_a, run_b) = (Run::load(&a)?, Run::load(&b)?);
    let comparison = Comparison::new(&a, &run_a, &b, &run_b);
    ui::print(&compare::render(&comparison, args.format)?)?;
    Ok(exit::OK)
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

/// A run given as a results file, or as the id of one of the `saved` runs.
fn find(project: &Path, saved: &[PathBuf], run: &str) -> Result<PathBuf, UserError> {
    let path = Path::new(run);
    if path.is_file() {
        return Ok(path.to_path_buf());
    }
    let id_of_run = run.strip_suffix(".json").unwrap_or(run);
    if let Some(found) = saved.iter().find(|p| id(p) == id_of_run) {
        return Ok(found.clone());
    }
    let dir = runs_dir(project);
    let err = if saved.is_empty() {
        UserError::new(format!(
            "`{run}` is neither a results file nor a saved run, and `{}` holds no runs",
            dir.display()
        ))
        .help("run `dockwright measure` to save one, or give the path of a results file")
    } else {
        let ids: Vec<String> = saved.iter().map(|p| id(p)).collect();
        UserError::new(format!(
            "`{run}` is neither a results file nor a saved run; the runs in `{}` are {}",
            dir.display(),
            ids.join(", ")
        ))
    };
    Err(err)
}

/// A saved run's id: its file name without `.json`.
fn id(path: &Path) -> String {
    path.file_stem()
        .map(|stem| stem.to_string_lossy().into_owned())
        .unwrap_or_default()
}
