//! The report as a table for the terminal, with its notes and summary below.

use comfy_table::{CellAlignment, ColumnConstraint, ContentArrangement, Table, Width};

use super::{Report, COLUMNS};

/// Room for a space either side of a cell, as the style draws it.
const PADDING: usize = 2;

/// Lays the report out; with a `width`, cells wrap at spaces to fit it.
pub fn render(report: &Report, width: Option<u16>) -> String {
    let mut table = Table::new();
    table.load_style(comfy_table::presets::UTF8_FULL_CONDENSED);
    table.set_header(COLUMNS);
    for row in &report.rows {
        table.add_row(row.cells.clone());
    }
    // The figures line up on their units; the comparison reads as text.
    for index in 1..COLUMNS.len() - 1 {
        if let Some(column) = table.column_mut(index) {
            column.set_cell_alignment(CellAlignment::Right);
        }
    }
    if let Some(width) = width {
        table.set_content_arrangement(ContentArrangement::Dynamic);
        table.set_width(width);
        // Wrapping may move a word to the next line but never split a
        // figure or a variant's name in two.
        let mut constraints = vec![ColumnConstraint::ContentWidth];
        constraints.extend((1..COLUMNS.len()).map(|index| {
            let words = std::iter::once(COLUMNS[index])
                .chain(report.rows.iter().map(|row| row.cells[index].as_str()))
                .flat_map(str::split_whitespace);
            let longest = words.map(|w| w.chars().count()).max().unwrap_or(0);
            let lower = u16::try_from(longest + PADDING).unwrap_or(u16::MAX);
            ColumnConstraint::LowerBoundary(Width::Fixed(lower))
        }));
        table.set_constraints(constraints);
    }
    let mut lines = vec![report.header.clone(), table.to_string()];
    lines.extend(report.legend.map(str::to_string));
    lines.extend(report.notes.iter().cloned());
    lines.push(report.summary.line());
    lines.join("\n")
}
