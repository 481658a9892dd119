//! `dockwright variants`: the project's ladder, each step with its reason.

use clap::Args;
use serde::Serialize;

use crate::args::{OutputArgs, ProjectArgs};
use crate::error::exit;
use crate::explain;
use crate::project::{Project, Selection};
use crate::ui;

#[derive(Args, Debug)]
pub struct VariantsArgs {
    #[command(flatten)]
    project: ProjectArgs,
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
    let project = Project::open(&args.project.dir()?, Selection::Nothing, None)?;
    let rows: Vec<(Row, &str)> = project
        .ladder
        .rungs
        .iter()
        .map(|rung| {
            let row = Row {
                step: rung.place.index,
                name: &rung.name,
                dockerfile: &rung.dockerfile,
                reason: &rung.reason,
                baseline: rung.place.baseline(),
                recommended: rung.place.recommended(),
            };
            (row, rung.place.mark())
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
        bold.apply_to(project.name()),
        project.config.project.profile,
        rows.len()
    ))?;
    for (row, mark) in &rows {
        ui::print(&explain::listing_line(
            row.step, row.name, width, row.reason, mark,
        ))?;
    }
    Ok(exit::OK)
}
