//! The report as a table for the terminal, with its notes and summary below,
//! and a bar beside each figure, drawn to scale in eighths of a cell.

use comfy_table::{Cell, CellAlignment, ColumnConstraint, ContentArrangement, Table, Width};
use console::Style;

use super::{Metric, Report, Row, COLUMNS, NEW_MARK, RECOMMENDED_MARK};
use crate::results::Status;

/// Room for a space either side of a cell, as the style draws it.
const PADDING: usize = 2;

/// A bar's last cell, by how many eighths of it are filled.
const PARTIAL: [char; 8] = ['▏', '▎', '▍', '▌', '▋', '▊', '▉', '█'];
const FULL: char = '█';
const EIGHTHS: usize = 8;

/// Without a terminal to fit, every figure gets a bar this long: about 150
/// columns in all with ranges in the cells, readable in a file or a paste.
const UNFITTED_BAR_CELLS: usize = 8;
/// Bars beside all four figures need at least this much room each to be
/// read; else only the headline two (size, app-edit rebuild) get bars.
const MIN_BAR_CELLS_ALL: usize = 6;
const MIN_BAR_CELLS: usize = 4;
const MAX_BAR_CELLS: usize = 16;

/// The headline figures, which keep their bars when all four do not fit.
const HEADLINE: [Metric; 2] = [Metric::ImageSize, Metric::AppRebuild];

/// Lays the report out; with a `width`, the table fits it: bars shrink or
/// go (all four, then all but the headline two, then none) before cells
/// wrap at spaces. With `colour`, the bars are coloured, the recommended
/// variant's apart; without, the text is plain. Either way the recommended
/// variant's bars end in `★`, so colour is never the only sign. The row of
/// variant `new`, when given, is marked as the one a tour has just measured.
pub fn render(report: &Report, width: Option<u16>, colour: bool, new: Option<&str>) -> String {
    let ranges = width.is_none_or(|width| narrowest(report, true) <= usize::from(width));
    let look = Look {
        colour,
        new,
        ranges,
    };
    let bars = Bars::fit(report, width, look);
    let table = table(report, bars.as_ref(), look, width);
    let mut lines = vec![report.header.clone(), table.to_string()];
    if !ranges {
        lines.push(NO_RANGES.to_string());
    }
    lines.extend(report.legend.iter().cloned());
    lines.extend(report.notes.iter().cloned());
    lines.push(report.summary.line());
    lines.join("\n")
}

/// What is drawn besides the figures: colour, the tour's mark, and the
/// min–max ranges of repeated timings.
#[derive(Debug, Clone, Copy)]
struct Look<'a> {
    colour: bool,
    new: Option<&'a str>,
    ranges: bool,
}

/// Said below a table whose ranges were left out to fit the terminal.
const NO_RANGES: &str =
    "(min–max ranges left out to fit the terminal; `--format markdown` shows them)";

/// The text of cell `index` of `row`: a figure without its range unless
/// `ranges`.
fn shown<'r>(row: &'r Row, index: usize, ranges: bool) -> &'r str {
    let cell = row.cells[index].as_str();
    let figure = index != 0 && index != COLUMNS.len() - 1;
    match cell.split_once(" (") {
        Some((median, _)) if figure && !ranges => median,
        _ => cell,
    }
}

/// The narrowest the table can be without breaking a word, borders
/// included, with or without the `ranges`.
fn narrowest(report: &Report, ranges: bool) -> usize {
    let widest = |index: usize, words: bool| {
        let cells = report.rows.iter().map(|row| shown(row, index, ranges));
        let lengths: Vec<usize> = if words {
            std::iter::once(COLUMNS[index])
                .chain(cells)
                .flat_map(str::split_whitespace)
                .map(|w| w.chars().count())
                .collect()
        } else {
            cells.map(|c| c.chars().count()).collect()
        };
        lengths.into_iter().max().unwrap_or(0) + PADDING
    };
    let columns: usize = (0..COLUMNS.len())
        .map(|index| widest(index, index != 0))
        .sum();
    columns + COLUMNS.len() + 1
}

/// The table with `bars`; with a `width`, arranged to fit it.
fn table(report: &Report, bars: Option<&Bars>, look: Look, width: Option<u16>) -> Table {
    let mut table = Table::new();
    table.load_style(comfy_table::presets::UTF8_FULL_CONDENSED);
    table.set_header(header(report, bars, look.ranges));
    for row in &report.rows {
        table.add_row(cells(report, row, bars, look));
    }
    let ranges = look.ranges;
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
                .chain(report.rows.iter().map(|row| shown(row, index, ranges)))
                .flat_map(str::split_whitespace);
            let longest = words.map(|w| w.chars().count()).max().unwrap_or(0);
            let lower = u16::try_from(longest + PADDING).unwrap_or(u16::MAX);
            ColumnConstraint::LowerBoundary(Width::Fixed(lower))
        }));
        table.set_constraints(constraints);
    }
    table
}

/// Which figures get bars, and how long the longest bar is.
#[derive(Debug, Clone, PartialEq)]
struct Bars {
    metrics: Vec<Metric>,
    cells: usize,
}

impl Bars {
    /// The longest bars that keep the table within `width` without
    /// wrapping; the default length when there is no width to fit.
    fn fit(report: &Report, width: Option<u16>, look: Look) -> Option<Bars> {
        let Some(width) = width else {
            return Some(Bars {
                metrics: Metric::ALL.to_vec(),
                cells: UNFITTED_BAR_CELLS,
            });
        };
        let width = usize::from(width);
        [
            (Metric::ALL.to_vec(), MIN_BAR_CELLS_ALL),
            (HEADLINE.to_vec(), MIN_BAR_CELLS),
        ]
        .into_iter()
        .find_map(|(metrics, min)| {
            (min..=MAX_BAR_CELLS)
                .rev()
                .map(|cells| Bars {
                    metrics: metrics.clone(),
                    cells,
                })
                .find(|bars| unwrapped_width(report, bars, look) <= width)
        })
    }

    fn has(&self, index: usize) -> bool {
        self.metrics.iter().any(|m| m.column() == index)
    }

    /// The room after the bar for the recommended variant's mark.
    fn mark_width(report: &Report) -> usize {
        if report.rows.iter().any(|row| row.variant.recommended) {
            RECOMMENDED_MARK.chars().count()
        } else {
            0
        }
    }
}

/// The width of the table with `bars` laid out unwrapped, borders
/// included: its top border is as wide as every line.
fn unwrapped_width(report: &Report, bars: &Bars, look: Look) -> usize {
    let look = Look {
        colour: false,
        ..look
    };
    let table = table(report, Some(bars), look, None).to_string();
    table.lines().next().map_or(0, |top| top.chars().count())
}

/// The widest figure of column `index`, which every figure is padded to so
/// that the bars after them start in line.
fn figure_width(report: &Report, index: usize, ranges: bool) -> usize {
    report
        .rows
        .iter()
        .map(|row| shown(row, index, ranges).chars().count())
        .max()
        .unwrap_or(0)
}

/// The column headings; over a figure with a bar, the heading ends where
/// the figures end rather than over the bars.
fn header(report: &Report, bars: Option<&Bars>, ranges: bool) -> Vec<Cell> {
    COLUMNS
        .iter()
        .enumerate()
        .map(|(index, &title)| match bars {
            Some(bars) if bars.has(index) => Cell::new(format!(
                "{title:>figure$}",
                figure = figure_width(report, index, ranges)
            ))
            .set_alignment(CellAlignment::Left),
            _ => Cell::new(title),
        })
        .collect()
}

/// The row's cells, with the figure and its bar in one cell where the
/// figure gets a bar. Colour goes in as escape codes, which comfy-table
/// leaves out of a cell's width.
fn cells(report: &Report, row: &Row, bars: Option<&Bars>, look: Look) -> Vec<String> {
    let mut cells: Vec<String> = (0..COLUMNS.len())
        .map(|index| shown(row, index, look.ranges).to_string())
        .collect();
    if look.new == Some(row.variant.name.as_str()) {
        let mark = if look.colour {
            console::style(NEW_MARK)
                .yellow()
                .bold()
                .force_styling(true)
                .to_string()
        } else {
            NEW_MARK.to_string()
        };
        cells[0].push_str(&mark);
    }
    let Some(bars) = bars else {
        return cells;
    };
    let style = bar_style(row);
    for &metric in &bars.metrics {
        let index = metric.column();
        let bar = match (metric.value(row.variant), metric.max(report)) {
            (Some(value), Some(max)) => bar(value, max, bars.cells),
            _ => String::new(),
        };
        let mark = if row.variant.recommended && !bar.is_empty() {
            RECOMMENDED_MARK
        } else {
            ""
        };
        let bar = format!("{bar}{mark}");
        // Padded to the same room on every row, so that the bars start in
        // line whatever the column's alignment.
        let room = bars.cells + Bars::mark_width(report);
        let pad = " ".repeat(room.saturating_sub(bar.chars().count()));
        let bar = if look.colour && !bar.is_empty() {
            style.apply_to(bar).to_string()
        } else {
            bar
        };
        cells[index] = format!(
            "{:>figure$} {bar}{pad}",
            shown(row, index, look.ranges),
            figure = figure_width(report, index, look.ranges),
        );
    }
    cells
}

/// The recommended variant's bars apart from the rest, a failed variant's
/// as failed.
fn bar_style(row: &Row) -> Style {
    let style = if row.variant.recommended {
        Style::new().green().bold()
    } else if row.variant.status == Status::Failed {
        Style::new().red()
    } else {
        Style::new().cyan()
    };
    style.force_styling(true)
}

/// `value` over `max` as a bar of at most `cells` cells, in eighths of a
/// cell; a figure above zero gets at least an eighth, so it shows.
pub fn bar(value: f64, max: f64, cells: usize) -> String {
    let eighths = eighths(value, max, cells);
    let (full, rest) = (eighths / EIGHTHS, eighths % EIGHTHS);
    let mut bar: String = std::iter::repeat_n(FULL, full).collect();
    if let Some(partial) = rest.checked_sub(1) {
        bar.push(PARTIAL[partial]);
    }
    bar
}

/// How many eighths of a cell a bar of `value` over `max` fills.
fn eighths(value: f64, max: f64, cells: usize) -> usize {
    if !(value > 0.0 && max > 0.0) {
        return 0;
    }
    let steps = cells * EIGHTHS;
    let exact = (value / max).min(1.0) * steps as f64;
    (exact.round() as usize).clamp(1, steps)
}

/// How many eighths a drawn bar fills: the inverse of `bar`.
#[cfg(test)]
pub fn bar_eighths(text: &str) -> usize {
    text.chars()
        .filter_map(|c| PARTIAL.iter().position(|&p| p == c).map(|i| i + 1))
        .sum()
}
