//! The report as JSON: the run itself, as `dockwright measure` saved it, so
//! that a script reads one schema whichever command printed it.

use super::Report;

pub fn render(report: &Report) -> anyhow::Result<String> {
    Ok(report.run.to_json()?)
}
