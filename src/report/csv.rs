//! The report as CSV for spreadsheets and scripts: raw numbers (seconds,
//! bytes, ratios) rather than the formatted cells, empty when missing.

use std::fmt::Display;

use super::Report;
use crate::results::Timing;

pub const HEADER: [&str; 20] = [
    "variant",
    "status",
    "recommended",
    "cold_seconds",
    "app_rebuild_seconds",
    "app_rebuild_seconds_min",
    "app_rebuild_seconds_max",
    "deps_rebuild_seconds",
    "deps_rebuild_seconds_min",
    "deps_rebuild_seconds_max",
    "start_seconds",
    "start_seconds_min",
    "start_seconds_max",
    "image_bytes",
    "compressed_bytes",
    "layers",
    "vs_baseline_bytes",
    "vs_baseline_app_rebuild_ratio",
    "platform",
    "emulated",
];

pub fn render(report: &Report) -> String {
    let mut lines = vec![HEADER.join(",")];
    for row in &report.rows {
        let v = row.variant;
        let fields = [
            escape(&v.name),
            v.status.to_string(),
            v.recommended.to_string(),
            raw(v.cold_seconds.map(|t| t.median)),
            raw(v.app_rebuild_seconds.map(|t| t.median)),
            raw(range(v.app_rebuild_seconds).map(|(min, _)| min)),
            raw(range(v.app_rebuild_seconds).map(|(_, max)| max)),
            raw(v.deps_rebuild_seconds.map(|t| t.median)),
            raw(range(v.deps_rebuild_seconds).map(|(min, _)| min)),
            raw(range(v.deps_rebuild_seconds).map(|(_, max)| max)),
            raw(v.start_seconds.map(|t| t.median)),
            raw(range(v.start_seconds).map(|(min, _)| min)),
            raw(range(v.start_seconds).map(|(_, max)| max)),
            raw(v.image_bytes),
            raw(v.compressed_bytes),
            raw(v.layers),
            raw(row.vs_baseline.bytes),
            raw(row.vs_baseline.app_rebuild_ratio()),
            escape(report.run.platform.as_deref().unwrap_or_default()),
            report.run.emulated.to_string(),
        ];
        lines.push(fields.join(","));
    }
    lines.join("\n")
}

/// A rebuild's or start's min and max: its columns stay empty unless it
/// was repeated.
fn range(timing: Option<Timing>) -> Option<(f64, f64)> {
    timing.and_then(|t| t.range())
}

/// `Display` of a float is the shortest text that reads back as the same
/// number, so the CSV holds exactly what the JSON holds.
fn raw<T: Display>(value: Option<T>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

/// RFC 4180: a field with a comma, a quote or a line break is quoted, its
/// quotes doubled.
fn escape(field: &str) -> String {
    if field.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn fields_with_separators_are_quoted() {
        assert_eq!(escape("uv"), "uv");
        assert_eq!(escape("a,b"), "\"a,b\"");
        assert_eq!(escape("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(escape("two\nlines"), "\"two\nlines\"");
    }
}
