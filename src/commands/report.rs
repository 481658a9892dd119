//! `dockwright report`: show a saved measure run again, in any format.

use std::path::PathBuf;

use clap::Args;

use crate::error::exit;
use crate::report::{self, Format};
use crate::results::{self, Run};

#[derive(Args, Debug)]
pub struct ReportArgs {
    /// The project directory
    #[arg(long, default_value = ".")]
    project: PathBuf,
    /// How to print the run
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// A saved run to show instead of the latest one, such as a file in .dockwright/runs/
    #[arg(long, value_name = "FILE")]
    run: Option<PathBuf>,
}

pub fn report(args: ReportArgs) -> anyhow::Result<i32> {
    let run = match &args.run {
        Some(path) => Run::load(path)?,
        None => results::latest(&args.project)?.1,
    };
    println!("{}", report::render(&run, args.format)?);
    Ok(exit::OK)
}
