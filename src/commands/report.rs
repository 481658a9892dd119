//! `dockwright report`: show a saved measure run again, in any format, or
//! write it as an HTML page.

use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use clap::Args;

use crate::args::ProjectArgs;
use crate::atomic;
use crate::error::{exit, UserError};
use crate::report::{self, Format};
use crate::results::{self, Run};
use crate::ui;

#[derive(Args, Debug)]
pub struct ReportArgs {
    #[command(flatten)]
    project: ProjectArgs,
    /// How to print the run
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Write the run as one self-contained HTML page to FILE instead of printing it
    #[arg(long, value_name = "FILE", conflicts_with = "format")]
    html: Option<PathBuf>,
    /// A saved run to show instead of the latest one, such as a file in .dockwright/runs/
    #[arg(long, value_name = "FILE")]
    run: Option<PathBuf>,
}

pub fn report(args: ReportArgs) -> anyhow::Result<i32> {
    let run = match &args.run {
        Some(path) => Run::load(path)?,
        None => results::latest(&args.project.runs_dir())?.1,
    };
    match &args.html {
        Some(path) => {
            write_atomically(path, &report::render(&run, Format::Html)?)?;
            ui::print(&format!("Wrote the HTML report to {}", shown(path)))?;
        }
        None => ui::print(&report::render(&run, args.format)?)?,
    }
    Ok(exit::OK)
}

/// Writes `text` to `path` whole or not at all (see `atomic`), so that a
/// page open in a browser is never half written; a bad path is a sentence.
fn write_atomically(path: &Path, text: &str) -> Result<(), UserError> {
    if path.is_dir() {
        return Err(UserError::new(format!(
            "`{}` is a directory; give a file name, such as `{}`",
            path.display(),
            path.join("report.html").display()
        )));
    }
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    if !dir.is_dir() {
        return Err(UserError::new(format!(
            "cannot write `{}`: the directory `{}` does not exist; create it or choose another path",
            path.display(),
            dir.display()
        )));
    }
    let fail = |err: std::io::Error| {
        let fix = match err.kind() {
            ErrorKind::PermissionDenied | ErrorKind::ReadOnlyFilesystem => {
                "choose a directory you can write to"
            }
            ErrorKind::StorageFull => "free some space or choose another path",
            _ => "choose another path",
        };
        UserError::new(format!(
            "cannot write the HTML report to `{}` ({}); {fix}",
            path.display(),
            err
        ))
    };
    atomic::write(path, format!("{text}\n").as_bytes()).map_err(fail)
}

/// The path as given, and where that is when it was relative.
fn shown(path: &Path) -> String {
    match fs::canonicalize(path) {
        Ok(full) if full != path => format!("{} ({})", path.display(), full.display()),
        _ => path.display().to_string(),
    }
}
