//! The report as GitHub-flavoured Markdown: the table's cells in a pipe
//! table, with the same notes and summary.

use super::{Report, COLUMNS};

pub fn render(report: &Report) -> String {
    let mut out = vec![report.header.clone(), String::new()];
    out.push(line(COLUMNS.iter().map(|c| c.to_string())));
    // Figures right-aligned as in the terminal table.
    out.push(line(COLUMNS.iter().enumerate().map(|(index, _)| {
        if index == 0 || index == COLUMNS.len() - 1 {
            "---".to_string()
        } else {
            "---:".to_string()
        }
    })));
    for row in &report.rows {
        out.push(line(row.cells.iter().map(|cell| escape(cell))));
    }
    if let Some(legend) = report.legend {
        out.push(String::new());
        out.push(legend.to_string());
    }
    if !report.notes.is_empty() {
        out.push(String::new());
        out.extend(
            report
                .notes
                .iter()
                .map(|note| format!("- {}", one_line(note))),
        );
    }
    out.push(String::new());
    out.push(report.summary.line());
    out.join("\n")
}

fn line(cells: impl Iterator<Item = String>) -> String {
    format!("| {} |", cells.collect::<Vec<_>>().join(" | "))
}

/// A pipe would end the cell early.
fn escape(cell: &str) -> String {
    one_line(cell).replace('|', "\\|")
}

/// A table row or a list item cannot hold a line break.
fn one_line(text: &str) -> String {
    text.lines().collect::<Vec<_>>().join(" ")
}
