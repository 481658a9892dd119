use std::collections::BTreeMap;
use std::path::PathBuf;

use super::*;
use crate::results::{EngineInfo, Host};

/// Rounded as a stopwatch would report it, so the fixture holds no
/// float noise such as `0.11249999999999999`.
fn ms(secs: f64) -> f64 {
    (secs * 1000.0).round() / 1000.0
}

/// A baseline, a variant slower to rebuild, a skipped one, a failed one,
/// the smallest and the fastest (recommended). With `runs > 1`, every
/// finished rebuild has a range around its median.
fn sample_run(runs: usize) -> Run {
    let ok = |name: &str, bytes: u64, cold: f64, app: f64, deps: f64| {
        let mut v = VariantResult::new(name, false);
        v.image_bytes = Some(bytes);
        v.compressed_bytes = Some(bytes * 2 / 5);
        v.layers = Some(9);
        v.cold_seconds = Some(cold);
        v.app_rebuild_seconds = Some(app);
        v.deps_rebuild_seconds = Some(deps);
        if runs > 1 {
            v.app_rebuild_seconds_min = Some(ms(app * 0.8));
            v.app_rebuild_seconds_max = Some(ms(app * 1.25));
            v.deps_rebuild_seconds_min = Some(ms(deps * 0.9));
            v.deps_rebuild_seconds_max = Some(ms(deps * 1.1));
        }
        v.log = Some(PathBuf::from(format!(".dockwright/logs/{name}.log")));
        v
    };
    let mut skipped = VariantResult::new("from-source", false);
    skipped.status = Status::Skipped;
    skipped.reason = Some(
        "base image `python:3.12` is not here and cannot be pulled (network is unreachable)".into(),
    );
    let mut failed = VariantResult::new("alpine", false);
    failed.status = Status::Failed;
    failed.reason = Some(
        "the deps-edit rebuild failed; the end of .dockwright/logs/alpine.log:\nERROR: Failed building wheel for pandas"
            .into(),
    );
    failed.cold_seconds = Some(12.4);
    failed.log = Some(PathBuf::from(".dockwright/logs/alpine.log"));
    let mut uv = ok("uv", 151_200_000, 20.5, 0.09, 4.7);
    uv.recommended = true;
    Run {
        project: "demo".into(),
        profile: "article".into(),
        dockwright_version: "0.1.0".into(),
        date: "2026-03-21T14:02:11Z".into(),
        host: Host {
            name: "build-host".into(),
            os: "linux".into(),
            cpus: 8,
            memory_bytes: Some(16_000_000_000),
        },
        engine: EngineInfo {
            program: "docker".into(),
            client_version: "27.3.1".into(),
            server_version: "27.3.1".into(),
            builder: "BuildKit".into(),
        },
        runs,
        base_set: None,
        commands: vec!["docker build -t demo:baseline .".into()],
        variants: vec![
            ok("baseline", 1_034_000_000, 61.3, 6.2, 58.9),
            ok("multi-stage", 412_500_000, 70.4, 7.4, 40.2),
            skipped,
            failed,
            ok("minimal-final", 39_700_000, 66.0, 0.41, 38.5),
            uv,
        ],
    }
}

fn variant<'r>(run: &'r Run, name: &str) -> &'r VariantResult {
    run.variants.iter().find(|v| v.name == name).unwrap()
}

fn row<'r>(report: &'r Report, name: &str) -> &'r Row<'r> {
    report.rows.iter().find(|r| r.variant.name == name).unwrap()
}

// ---------------------------------------------------------------------------
// The model

#[test]
fn deltas_compare_each_finished_variant_with_the_first() {
    let run = sample_run(1);
    let report = Report::new(&run);
    let base = &run.variants[0];
    for name in ["multi-stage", "minimal-final", "uv"] {
        let v = variant(&run, name);
        let delta = row(&report, name).vs_baseline;
        assert_eq!(
            delta.bytes,
            Some(v.image_bytes.unwrap() as i64 - base.image_bytes.unwrap() as i64),
            "{name}"
        );
        let expected = base.app_rebuild_seconds.unwrap() / v.app_rebuild_seconds.unwrap();
        assert!(
            (delta.app_rebuild_ratio.unwrap() - expected).abs() < 1e-9,
            "{name}"
        );
    }
    for name in ["baseline", "from-source", "alpine"] {
        assert_eq!(row(&report, name).vs_baseline, Delta::default(), "{name}");
    }
}

#[test]
fn the_vs_baseline_cell_reads_like_the_article() {
    let run = sample_run(1);
    let report = Report::new(&run);
    let base = &run.variants[0];
    let uv = variant(&run, "uv");
    let saved_mb = (base.image_bytes.unwrap() - uv.image_bytes.unwrap()) as f64 / 1e6;
    let faster = base.app_rebuild_seconds.unwrap() / uv.app_rebuild_seconds.unwrap();
    assert!(
        faster >= 10.0,
        "the fixture's uv should be over ten times faster"
    );
    assert_eq!(
        row(&report, "uv").cells[5],
        format!("−{saved_mb:.0} MB, {faster:.0}× faster")
    );

    let multi = variant(&run, "multi-stage");
    let slower = multi.app_rebuild_seconds.unwrap() / base.app_rebuild_seconds.unwrap();
    assert!(
        row(&report, "multi-stage").cells[5].ends_with(&format!(", {slower:.1}× slower")),
        "{}",
        row(&report, "multi-stage").cells[5]
    );
    assert_eq!(row(&report, "baseline").cells[5], "baseline");
}

#[test]
fn the_recommended_variant_is_marked_and_explained() {
    let run = sample_run(1);
    let report = Report::new(&run);
    for r in &report.rows {
        assert_eq!(
            r.cells[0].ends_with(" ★"),
            r.variant.recommended,
            "{}",
            r.cells[0]
        );
    }
    assert_eq!(row(&report, "uv").cells[0], "uv ★");
    assert_eq!(report.legend, Some("★ recommended"));

    let mut plain = run.clone();
    plain
        .variants
        .iter_mut()
        .for_each(|v| v.recommended = false);
    assert_eq!(Report::new(&plain).legend, None);
}

#[test]
fn variants_that_did_not_finish_show_their_status_and_reason() {
    let run = sample_run(1);
    let report = Report::new(&run);
    assert!(row(&report, "from-source").cells[1..]
        .iter()
        .all(|c| c == "skipped"));
    // The failed variant keeps the figure it did get.
    assert_eq!(
        row(&report, "alpine").cells[1..],
        ["12.4 s", "failed", "failed", "failed", "failed"]
    );
    let skipped = variant(&run, "from-source").reason.as_deref().unwrap();
    assert_eq!(report.notes[0], format!("from-source skipped: {skipped}"));
    assert_eq!(
        report.notes[1],
        "alpine failed: the deps-edit rebuild failed; the end of .dockwright/logs/alpine.log"
    );
    assert_eq!(report.notes.len(), 2);
}

#[test]
fn repeated_rebuilds_show_the_median_and_range() {
    let run = sample_run(3);
    let report = Report::new(&run);
    let uv = variant(&run, "uv");
    assert_eq!(
        row(&report, "uv").cells[2],
        format!(
            "{:.2} s ({:.2}–{:.2})",
            uv.app_rebuild_seconds.unwrap(),
            uv.app_rebuild_seconds_min.unwrap(),
            uv.app_rebuild_seconds_max.unwrap()
        )
    );
    assert_eq!(
        row(&report, "baseline").cells[3],
        format!(
            "{:.1} s ({:.1}–{:.1})",
            variant(&run, "baseline").deps_rebuild_seconds.unwrap(),
            variant(&run, "baseline").deps_rebuild_seconds_min.unwrap(),
            variant(&run, "baseline").deps_rebuild_seconds_max.unwrap()
        )
    );
    assert!(report.header.contains("median of 3 runs"));

    let single = sample_run(1);
    let report = Report::new(&single);
    assert!(report.rows.iter().all(|r| !r.cells[2].contains('(')));
    assert!(!report.header.contains("median"));
}

#[test]
fn the_header_names_project_profile_engine_date_and_host() {
    let run = sample_run(1);
    let header = Report::new(&run).header;
    for part in [
        "demo",
        "profile article",
        "docker 27.3.1",
        "BuildKit",
        "2026-03-21T14:02:11Z",
        "build-host",
    ] {
        assert!(header.contains(part), "`{part}` is not in `{header}`");
    }
}

#[test]
fn the_summary_picks_the_smallest_and_the_fastest() {
    let run = sample_run(1);
    let summary = Report::new(&run).summary;
    let base = &run.variants[0];
    let smallest = summary.smallest.as_ref().unwrap();
    let minimal = variant(&run, "minimal-final");
    assert_eq!(smallest.name, "minimal-final");
    let expected = base.image_bytes.unwrap() as f64 / minimal.image_bytes.unwrap() as f64;
    assert!((smallest.factor.unwrap() - expected).abs() < 1e-9);

    let fastest = summary.fastest.as_ref().unwrap();
    let uv = variant(&run, "uv");
    assert_eq!(fastest.name, "uv");
    let expected = base.app_rebuild_seconds.unwrap() / uv.app_rebuild_seconds.unwrap();
    assert!((fastest.factor.unwrap() - expected).abs() < 1e-9);

    assert_eq!(
        summary.line(),
        format!(
            "Smallest image: minimal-final, {:.1} MB, {:.0}× smaller than baseline. \
             Fastest app-edit rebuild: uv, {:.2} s, {:.0}× faster than baseline.",
            minimal.image_bytes.unwrap() as f64 / 1e6,
            base.image_bytes.unwrap() as f64 / minimal.image_bytes.unwrap() as f64,
            uv.app_rebuild_seconds.unwrap(),
            base.app_rebuild_seconds.unwrap() / uv.app_rebuild_seconds.unwrap(),
        )
    );
}

#[test]
fn a_baseline_that_did_not_finish_leaves_nothing_to_compare() {
    let mut run = sample_run(1);
    run.variants[0].status = Status::Failed;
    run.variants[0].reason = Some("the build failed".into());
    let report = Report::new(&run);
    for name in ["multi-stage", "minimal-final", "uv"] {
        assert_eq!(row(&report, name).cells[5], "—", "{name}");
        assert_eq!(row(&report, name).vs_baseline, Delta::default());
    }
    assert_eq!(row(&report, "baseline").cells[5], "failed");
    assert_eq!(
        report.notes[0],
        "baseline failed: the build failed (log: .dockwright/logs/baseline.log)"
    );
    let line = report.summary.line();
    assert!(!line.contains("than baseline"), "{line}");
    assert!(
        line.contains("minimal-final") && line.contains("uv"),
        "{line}"
    );
}

#[test]
fn the_baseline_can_be_the_best() {
    let mut run = sample_run(1);
    run.variants.truncate(1);
    let line = Report::new(&run).summary.line();
    assert_eq!(
        line,
        "Smallest image: baseline, 1034 MB. Fastest app-edit rebuild: baseline, 6.2 s."
    );
}

#[test]
fn a_run_where_nothing_finished_says_so() {
    let mut run = sample_run(1);
    run.variants.retain(|v| v.status != Status::Ok);
    assert_eq!(
        Report::new(&run).summary.line(),
        "No variant finished, so there is nothing to compare."
    );
}

#[test]
fn figures_are_rounded_for_reading() {
    assert_eq!(seconds(0.123), "0.12 s");
    assert_eq!(seconds(6.24), "6.2 s");
    assert_eq!(seconds(45.26), "45.3 s");
    assert_eq!(size(39_700_000), "39.7 MB");
    assert_eq!(size(750_400_000), "750 MB");
    assert_eq!(speed(81.2), "81× faster");
    assert_eq!(speed(0.5), "2.0× slower");
    assert_eq!(speed(1.02), "as fast");
}

// ---------------------------------------------------------------------------
// The formats

/// Rendered at a fixed width, or none, so that the terminal running the
/// tests cannot change the snapshot.
fn table_at(run: &Run, width: Option<u16>) -> String {
    table::render(&Report::new(run), width)
}

#[test]
fn table_snapshot() {
    insta::assert_snapshot!("table", table_at(&sample_run(3), None));
}

#[test]
fn table_snapshot_single_run() {
    insta::assert_snapshot!("table_single_run", table_at(&sample_run(1), None));
}

#[test]
fn a_narrow_terminal_wraps_cells_but_keeps_the_columns() {
    let run = sample_run(3);
    let narrow = table_at(&run, Some(80));
    insta::assert_snapshot!("table_80_columns", narrow);
    let table_lines = narrow
        .lines()
        .filter(|l| l.starts_with(['┌', '│', '├', '╞', '└']));
    for line in table_lines {
        assert!(line.chars().count() <= 80, "wider than 80: {line}");
    }
}

#[test]
fn markdown_snapshot() {
    insta::assert_snapshot!("markdown", markdown::render(&Report::new(&sample_run(3))));
}

#[test]
fn csv_snapshot() {
    insta::assert_snapshot!("csv", csv::render(&Report::new(&sample_run(3))));
}

#[test]
fn json_is_the_run_as_saved() {
    let run = sample_run(3);
    let json = render(&run, Format::Json).unwrap();
    assert_eq!(json, serde_json::to_string_pretty(&run).unwrap());
    assert_eq!(serde_json::from_str::<Run>(&json).unwrap(), run);
}

/// The cells of the table row whose first cell is `label`.
fn table_cells(table: &str, label: &str) -> Vec<String> {
    // The style draws inner column lines dotted.
    split_row(&table.replace('┆', "│"), '│', label)
}

fn markdown_cells(markdown: &str, label: &str) -> Vec<String> {
    split_row(markdown, '|', label)
}

fn split_row(text: &str, separator: char, label: &str) -> Vec<String> {
    let line = text
        .lines()
        .find(|line| {
            line.trim_start_matches(separator)
                .split(separator)
                .next()
                .is_some_and(|first| first.trim() == label)
        })
        .unwrap_or_else(|| panic!("no row `{label}` in\n{text}"));
    line.trim_matches(separator)
        .split(separator)
        .map(|cell| cell.trim().to_string())
        .collect()
}

/// The first number in a cell and the precision it was shown with.
fn shown_number(cell: &str) -> Option<(f64, f64)> {
    let digits: String = cell
        .trim_start_matches('−')
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    let value: f64 = digits.parse().ok()?;
    let decimals = digits.split_once('.').map_or(0, |(_, d)| d.len());
    Some((value, 0.5 * 10f64.powi(-(decimals as i32))))
}

fn assert_shows(cell: &str, expected: Option<f64>, what: &str) {
    match (shown_number(cell), expected) {
        (Some((value, tolerance)), Some(expected)) => assert!(
            (value - expected).abs() <= tolerance + 1e-9,
            "{what}: `{cell}` does not show {expected}"
        ),
        (None, None) => {}
        (shown, expected) => panic!("{what}: `{cell}` shows {shown:?}, expected {expected:?}"),
    }
}

#[test]
fn every_format_carries_the_same_numbers() {
    let run = sample_run(3);
    let report = Report::new(&run);
    let table = table::render(&report, None);
    let markdown = markdown::render(&report);
    let csv = csv::render(&report);
    let json: Run = serde_json::from_str(&json::render(&report).unwrap()).unwrap();
    assert_eq!(json, run);

    let mut csv_lines = csv.lines();
    let header: Vec<&str> = csv_lines.next().unwrap().split(',').collect();
    assert_eq!(header, csv::HEADER);
    let csv_rows: BTreeMap<String, BTreeMap<&str, String>> = csv_lines
        .map(|line| {
            let fields: Vec<&str> = line.split(',').collect();
            assert_eq!(fields.len(), header.len(), "{line}");
            let map: BTreeMap<&str, String> = header
                .iter()
                .copied()
                .zip(fields.iter().map(|f| f.to_string()))
                .collect();
            (map["variant"].clone(), map)
        })
        .collect();
    assert_eq!(csv_rows.len(), json.variants.len());

    let base = &json.variants[0];
    for v in &json.variants {
        let label = if v.recommended {
            format!("{} ★", v.name)
        } else {
            v.name.clone()
        };
        let in_table = table_cells(&table, &label);
        let in_markdown = markdown_cells(&markdown, &label);
        assert_eq!(in_table, in_markdown, "{}", v.name);
        assert_eq!(in_table.len(), COLUMNS.len());

        if v.status == Status::Ok {
            assert_shows(&in_table[1], v.cold_seconds, "cold");
            assert_shows(&in_table[2], v.app_rebuild_seconds, "app");
            assert_shows(&in_table[3], v.deps_rebuild_seconds, "deps");
            assert_shows(&in_table[4], v.image_bytes.map(|b| b as f64 / 1e6), "size");
            let (_, range) = in_table[2].split_once('(').unwrap();
            let (min, max) = range.trim_end_matches(')').split_once('–').unwrap();
            assert_shows(min, v.app_rebuild_seconds_min, "app min");
            assert_shows(max, v.app_rebuild_seconds_max, "app max");
            if v.name != base.name {
                let saved = (base.image_bytes.unwrap() - v.image_bytes.unwrap()) as f64 / 1e6;
                assert_shows(&in_table[5], Some(saved), "vs baseline size");
            }
        }

        let csv_row = &csv_rows[&v.name];
        let number = |column: &str| -> Option<f64> {
            let field = &csv_row[column];
            (!field.is_empty()).then(|| field.parse().unwrap())
        };
        let as_f64 = |n: Option<u64>| n.map(|n| n as f64);
        assert_eq!(number("cold_seconds"), v.cold_seconds);
        assert_eq!(number("app_rebuild_seconds"), v.app_rebuild_seconds);
        assert_eq!(number("app_rebuild_seconds_min"), v.app_rebuild_seconds_min);
        assert_eq!(number("app_rebuild_seconds_max"), v.app_rebuild_seconds_max);
        assert_eq!(number("deps_rebuild_seconds"), v.deps_rebuild_seconds);
        assert_eq!(
            number("deps_rebuild_seconds_min"),
            v.deps_rebuild_seconds_min
        );
        assert_eq!(
            number("deps_rebuild_seconds_max"),
            v.deps_rebuild_seconds_max
        );
        assert_eq!(number("image_bytes"), as_f64(v.image_bytes));
        assert_eq!(number("compressed_bytes"), as_f64(v.compressed_bytes));
        assert_eq!(number("layers"), v.layers.map(|n| n as f64));
        assert_eq!(csv_row["recommended"], v.recommended.to_string());
        assert_eq!(
            csv_row["status"],
            serde_json::to_value(v.status).unwrap().as_str().unwrap()
        );
        let compared = v.status == Status::Ok && v.name != base.name;
        assert_eq!(
            number("vs_baseline_bytes"),
            compared.then(|| v.image_bytes.unwrap() as f64 - base.image_bytes.unwrap() as f64)
        );
        assert_eq!(
            number("vs_baseline_app_rebuild_ratio"),
            compared.then(|| base.app_rebuild_seconds.unwrap() / v.app_rebuild_seconds.unwrap())
        );
    }

    let summary = report.summary.line();
    assert!(table.ends_with(&summary) && markdown.ends_with(&summary));
    for note in &report.notes {
        assert!(table.contains(note.as_str()), "{note}");
        assert!(markdown.contains(&format!("- {note}")), "{note}");
    }
}
