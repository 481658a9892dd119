//! `dockwright variants`: the project's ladder, each step with its reason.

use std::path::PathBuf;

use clap::Args;
use serde::Serialize;

use crate::args::OutputArgs;
use crate::config::Config;
use crate::error::exit;
use crate::explain;
use crate::ladder;
use crate::ui;

#[derive(Args, Debug)]
pub struct VariantsArgs {
    /// The project directory
    #[arg(long, default_value = ".")]
    project: PathBuf,
    #[command(flatten)]
    output: OutputArgs,
}

#[derive(Serialize)]
struct Row<'a> {
    step: usize,
    name: &'a str,
    dockerfile: &'a str,
    reason: &'a str,
    baseline: bool,
    recommended: bool,
}

pub fn variants(args: VariantsArgs) -> anyhow::Result<i32> {
    let config = Config::load(&args.project)?;
    let rows: Vec<(Row, &str)> = ladder::places(&config.variants)
        .map(|(place, v)| {
            let row = Row {
                step: place.index,
                name: &v.name,
                dockerfile: &v.dockerfile,
                reason: &v.reason,
                baseline: place.baseline(),
                recommended: place.recommended(),
            };
            (row, place.mark())
        })
        .collect();
    if args.output.json() {
        let rows: Vec<&Row> = rows.iter().map(|(row, _)| row).collect();
        ui::print(&serde_json::to_string_pretty(&rows)?)?;
        return Ok(exit::OK);
    }
    let width = rows.iter().map(|(r, _)| r.name.len()).max().unwrap_or(0);
    let bold = console::Style::new().bold();
    ui::print(&format!(
        "{} ({} profile, {} variants)",
        bold.apply_to(&config.project.name),
        config.project.profile,
        rows.len()
    ))?;
    for (row, mark) in &rows {
        ui::print(&explain::listing_line(
            row.step, row.name, width, row.reason, mark,
        ))?;
    }
    Ok(exit::OK)
}
