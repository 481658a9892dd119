//! The comparison laid out: a terminal table and a Markdown table with the
//! same cells, one row per figure of each variant, or the model as JSON.

use comfy_table::{CellAlignment, Table};

use super::{Comparison, Format, Side, SizeChange, TimeChange, Verdict};
use crate::figures;
use crate::pipe_table::{self, Align};
use crate::results::Status;

const COLUMNS: [&str; 5] = ["variant", "figure", "A", "B", "change"];
const MISSING: &str = "—";

/// Renders `comparison` in `format`, without a trailing newline.
pub fn render(comparison: &Comparison, format: Format) -> anyhow::Result<String> {
    Ok(match format {
        Format::Table => table(comparison),
        Format::Markdown => markdown(comparison),
        Format::Json => serde_json::to_string_pretty(comparison)?,
    })
}

fn table(comparison: &Comparison) -> String {
    let mut table = Table::new();
    table.load_style(comfy_table::presets::UTF8_FULL_CONDENSED);
    table.set_header(COLUMNS);
    for row in rows(comparison) {
        table.add_row(row);
    }
    for index in 2..COLUMNS.len() {
        if let Some(column) = table.column_mut(index) {
            column.set_cell_alignment(CellAlignment::Right);
        }
    }
    let mut lines = header(comparison);
    lines.push(table.to_string());
    lines.extend(footer(comparison));
    lines.join("\n")
}

fn markdown(comparison: &Comparison) -> String {
    let mut lines: Vec<String> = header(comparison)
        .into_iter()
        .map(|l| format!("{l}  "))
        .collect();
    lines.push(String::new());
    let columns = COLUMNS.map(|title| {
        let figure = matches!(title, "A" | "B" | "change");
        (title, if figure { Align::Right } else { Align::Left })
    });
    lines.push(pipe_table::render(&columns, rows(comparison)));
    lines.push(String::new());
    lines.extend(footer(comparison).into_iter().map(|l| format!("- {l}")));
    lines.join("\n")
}

/// Which run is A and which is B.
fn header(comparison: &Comparison) -> Vec<String> {
    let side = |label: &str, side: &Side| {
        let mut line = format!(
            "{label}: {} · {} · profile {} · {} · {} · {}",
            side.id, side.project, side.profile, side.date, side.engine, side.host
        );
        if side.repeats > 1 {
            line.push_str(&format!(
                " · rebuilds: median of {} runs (min–max)",
                side.repeats
            ));
        }
        line
    };
    vec![side("A", &comparison.a), side("B", &comparison.b)]
}

/// The noise rule, the variants in one run only, and the notes.
fn footer(comparison: &Comparison) -> Vec<String> {
    let mut lines = vec![comparison.noise_rule.clone()];
    let only = |label: &str, names: &[String]| {
        (!names.is_empty()).then(|| format!("Only in {label}: {}.", names.join(", ")))
    };
    lines.extend(only("A", &comparison.only_in_a));
    lines.extend(only("B", &comparison.only_in_b));
    lines.extend(comparison.notes.iter().cloned());
    lines
}

/// Four rows per variant, the name on the first, and a fifth for the start
/// when either run timed it (runs saved before dockwright did have none).
fn rows(comparison: &Comparison) -> Vec<[String; 5]> {
    let mut rows = Vec::new();
    for variant in &comparison.variants {
        let (status_a, status_b) = (variant.status_a, variant.status_b);
        let name = match (status_a, status_b) {
            (Status::Ok, Status::Ok) => variant.name.clone(),
            (a, Status::Ok) => format!("{} ({} in A)", variant.name, a),
            (Status::Ok, b) => format!("{} ({} in B)", variant.name, b),
            (a, b) if a == b => format!("{} ({} in both)", variant.name, a),
            (a, b) => format!("{} ({} in A, {} in B)", variant.name, a, b),
        };
        let mut size = size_row(&variant.image_bytes, status_a, status_b);
        size[0] = name;
        rows.push(size);
        for (label, change) in [
            ("cold build", &variant.cold_seconds),
            ("app-edit rebuild", &variant.app_rebuild_seconds),
            ("deps-edit rebuild", &variant.deps_rebuild_seconds),
        ] {
            rows.push(time_row(label, change, status_a, status_b));
        }
        let start = &variant.start_seconds;
        if start.a.is_some() || start.b.is_some() {
            rows.push(time_row("start", start, status_a, status_b));
        }
    }
    rows
}

/// A figure, or why there is none: the variant's status, or a dash.
fn or_status(cell: Option<String>, status: Status) -> String {
    cell.unwrap_or_else(|| match status {
        Status::Ok => MISSING.to_string(),
        other => other.to_string(),
    })
}

fn size_row(change: &SizeChange, status_a: Status, status_b: Status) -> [String; 5] {
    let cell = match (change.bytes, change.verdict) {
        (_, Some(Verdict::Same)) => "same".to_string(),
        (Some(bytes), _) => match change.percent {
            Some(pct) => format!(
                "{} ({})",
                figures::size_change(bytes),
                figures::percent_change(pct)
            ),
            None => figures::size_change(bytes),
        },
        (None, _) => MISSING.to_string(),
    };
    [
        String::new(),
        "image size".to_string(),
        or_status(change.a.map(figures::size), status_a),
        or_status(change.b.map(figures::size), status_b),
        cell,
    ]
}

fn time_row(label: &str, change: &TimeChange, status_a: Status, status_b: Status) -> [String; 5] {
    let cell = match (change.a.zip(change.b), change.seconds, change.verdict) {
        (_, _, Some(Verdict::Same)) => "same".to_string(),
        (Some((a, b)), Some(delta), verdict) => {
            let moved = format!(
                "{} ({})",
                figures::seconds_change(delta),
                figures::speed_change(a.median, b.median)
            );
            if verdict == Some(Verdict::Noise) {
                format!("{moved}, noise")
            } else {
                moved
            }
        }
        _ => MISSING.to_string(),
    };
    [
        String::new(),
        label.to_string(),
        or_status(change.a.as_ref().map(figures::timing), status_a),
        or_status(change.b.as_ref().map(figures::timing), status_b),
        cell,
    ]
}
