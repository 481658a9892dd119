//! `dockwright variants`: the project's ladder, each step with its reason.

use std::path::PathBuf;

use clap::Args;
use serde::Serialize;

use crate::config::Config;
use crate::error::exit;
use crate::ui;

#[derive(Args, Debug)]
pub struct VariantsArgs {
    /// The project directory
    #[arg(long, default_value = ".")]
    project: PathBuf,
    /// Print the ladder as JSON
    #[arg(long)]
    json: bool,
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
    let last = config.variants.len() - 1;
    let rows: Vec<Row> = config
        .variants
        .iter()
        .enumerate()
        .map(|(step, v)| Row {
            step,
            name: &v.name,
            dockerfile: &v.dockerfile,
            reason: &v.reason,
            baseline: step == 0,
            recommended: step == last,
        })
        .collect();
    if args.json {
        ui::print(&serde_json::to_string_pretty(&rows)?)?;
        return Ok(exit::OK);
    }
    let width = rows.iter().map(|r| r.name.len()).max().unwrap_or(0);
    let dim = console::Style::new().dim();
    let bold = console::Style::new().bold();
    ui::print(&format!(
        "{} ({} profile, {} variants)",
        bold.apply_to(&config.project.name),
        config.project.profile,
        rows.len()
    ))?;
    for row in &rows {
        let mark = if row.recommended {
            "  ← recommended"
        } else if row.baseline {
            "  ← baseline"
        } else {
            ""
        };
        ui::print(&format!(
            "{:>2}  {:width$}  {}{}",
            row.step,
            row.name,
            row.reason,
            dim.apply_to(mark)
        ))?;
    }
    Ok(exit::OK)
}
