//! The report as GitHub-flavoured Markdown: the table's cells in a pipe
//! table, with the same notes and summary.

use super::{Report, COLUMNS};
use crate::pipe_table::{self, one_line, Align};

pub fn render(report: &Report) -> String {
    // Figures right-aligned as in the terminal table.
    let columns: Vec<(&str, Align)> = COLUMNS
        .iter()
        .enumerate()
        .map(|(index, &title)| {
            let figure = index != 0 && index != COLUMNS.len() - 1;
            (title, if figure { Align::Right } else { Align::Left })
        })
        .collect();
    let mut out = vec![report.header.clone(), String::new()];
    out.push(pipe_table::render(
        &columns,
        report.rows.iter().map(|row| &row.cells),
    ));
    if !report.legend.is_empty() {
        out.push(String::new());
        out.push(report.legend.join("  \n"));
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
