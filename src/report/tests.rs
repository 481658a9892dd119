use std::collections::BTreeMap;
use std::path::PathBuf;

use super::*;
use crate::results::Timing;

/// Rounded as a stopwatch would report it, so the fixture holds no
/// float noise such as `0.11249999999999999`.
fn ms(secs: f64) -> f64 {
    (secs * 1000.0).round() / 1000.0
}

/// A baseline, a variant slower to rebuild, a skipped one, a failed one,
/// the smallest and the fastest (recommended). With `runs > 1`, every
/// finished rebuild has a range around its median.
fn sample_run(runs: usize) -> Run {
    let ok = |name: &str, bytes: u64, cold: f64, app: f64, deps: f64, start: f64| {
        let mut v = VariantResult::new(name, false);
        v.image_bytes = Some(bytes);
        v.compressed_bytes = Some(bytes * 2 / 5);
        v.layers = Some(9);
        let repeated = |median: f64, min: f64, max: f64| match runs {
            1 => Timing::single(median),
            samples => Timing {
                median,
                min: ms(min),
                max: ms(max),
                samples,
            },
        };
        v.cold_seconds = Some(Timing::single(cold));
        v.app_rebuild_seconds = Some(repeated(app, app * 0.8, app * 1.25));
        v.deps_rebuild_seconds = Some(repeated(deps, deps * 0.9, deps * 1.1));
        v.start_seconds = Some(repeated(start, start * 0.9, start * 1.2));
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
    failed.cold_seconds = Some(Timing::single(12.4));
    failed.log = Some(PathBuf::from(".dockwright/logs/alpine.log"));
    let mut uv = ok("uv", 151_200_000, 20.5, 0.09, 4.7, 2.4);
    uv.recommended = true;
    Run {
        commands: vec!["docker build -t demo:baseline .".into()],
        variants: vec![
            ok("baseline", 1_034_000_000, 61.3, 6.2, 58.9, 1.9),
            ok("multi-stage", 412_500_000, 70.4, 7.4, 40.2, 1.2),
            skipped,
            failed,
            ok("minimal-final", 39_700_000, 66.0, 0.41, 38.5, 0.62),
            uv,
        ],
        ..Run::sample(runs, Vec::new())
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
            Some(i128::from(v.image_bytes.unwrap()) - i128::from(base.image_bytes.unwrap())),
            "{name}"
        );
        let expected =
            base.app_rebuild_seconds.unwrap().median / v.app_rebuild_seconds.unwrap().median;
        assert!(
            (delta.app_rebuild_ratio().unwrap() - expected).abs() < 1e-9,
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
    let faster = base.app_rebuild_seconds.unwrap().median / uv.app_rebuild_seconds.unwrap().median;
    assert!(
        faster >= 10.0,
        "the fixture's uv should be over ten times faster"
    );
    assert_eq!(
        row(&report, "uv").cells[6],
        format!("−{saved_mb:.0} MB, {faster:.0}× faster")
    );

    // Under twice as slow, a percentage, worded as everywhere else.
    let multi = variant(&run, "multi-stage");
    let slower =
        multi.app_rebuild_seconds.unwrap().median / base.app_rebuild_seconds.unwrap().median;
    assert!(
        slower < 2.0,
        "the fixture's multi-stage should be a little slower"
    );
    let pct = (slower - 1.0) * 100.0;
    assert!(
        row(&report, "multi-stage").cells[6].ends_with(&format!(", {pct:.0}% slower")),
        "{}",
        row(&report, "multi-stage").cells[6]
    );
    assert_eq!(row(&report, "baseline").cells[6], "baseline");
}

#[test]
fn a_size_change_too_small_for_megabytes_is_written_in_its_own_unit() {
    let mut run = sample_run(1);
    let base = run.variants[0].image_bytes.unwrap();
    run.variants[1].image_bytes = Some(base);
    run.variants[4].image_bytes = Some(base + 4_100);
    let report = Report::new(&run);
    let cell = |index: usize| report.rows[index].cells[6].clone();
    assert!(cell(1).starts_with("same size, "), "{}", cell(1));
    assert!(cell(4).starts_with("+4.1 kB, "), "{}", cell(4));
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
    assert_eq!(report.legend, ["★ recommended"]);

    let mut plain = run.clone();
    plain
        .variants
        .iter_mut()
        .for_each(|v| v.recommended = false);
    assert!(Report::new(&plain).legend.is_empty());
}

#[test]
fn loads_from_a_builder_are_said_apart_from_the_build_times() {
    let mut run = sample_run(1);
    assert!(Report::new(&run)
        .notes
        .iter()
        .all(|note| !note.contains("Loading")));
    let cold_before = row(&Report::new(&run), "uv").cells.clone();
    run.variants
        .iter_mut()
        .find(|v| v.name == "uv")
        .unwrap()
        .load_seconds = Some(Timing::single(1.25));
    let report = Report::new(&run);
    let load = report.notes.last().unwrap();
    assert_eq!(
        load,
        "Loading each image into the engine's store took (median), apart from the build times above: uv 1.2 s"
    );
    assert_eq!(row(&report, "uv").cells, cold_before);
}

#[test]
fn the_base_images_built_on_end_the_notes() {
    let mut run = sample_run(1);
    assert!(Report::new(&run)
        .notes
        .iter()
        .all(|note| !note.starts_with("Built on")));
    for v in &mut run.variants {
        v.bases = vec![crate::results::BaseImage {
            image: "python:3.13-slim".into(),
            digest: Some(format!("sha256:{}", "ab".repeat(32))),
            local_id: None,
        }];
    }
    assert_eq!(
        Report::new(&run).notes.last().unwrap(),
        "Built on python:3.13-slim@sha256:abababababab…"
    );
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
        ["12.4 s", "failed", "failed", "failed", "failed", "failed"]
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
            uv.app_rebuild_seconds.unwrap().median,
            uv.app_rebuild_seconds.unwrap().min,
            uv.app_rebuild_seconds.unwrap().max
        )
    );
    assert_eq!(
        row(&report, "baseline").cells[3],
        format!(
            "{:.1} s ({:.1}–{:.1})",
            variant(&run, "baseline")
                .deps_rebuild_seconds
                .unwrap()
                .median,
            variant(&run, "baseline").deps_rebuild_seconds.unwrap().min,
            variant(&run, "baseline").deps_rebuild_seconds.unwrap().max
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
    assert_eq!(
        smallest.versus.as_deref(),
        Some(format!("{expected:.0}× smaller than baseline").as_str())
    );

    let fastest = summary.fastest.as_ref().unwrap();
    let uv = variant(&run, "uv");
    assert_eq!(fastest.name, "uv");
    let expected =
        base.app_rebuild_seconds.unwrap().median / uv.app_rebuild_seconds.unwrap().median;
    assert_eq!(
        fastest.versus.as_deref(),
        Some(format!("{expected:.0}× faster than baseline").as_str())
    );

    // The quickest start is not the quickest rebuild's: uv compiles its
    // imports at every start.
    let start = summary.fastest_start.as_ref().unwrap();
    assert_eq!(start.name, "minimal-final");
    let expected = base.start_seconds.unwrap().median / minimal.start_seconds.unwrap().median;
    assert_eq!(
        start.versus.as_deref(),
        Some(format!("{expected:.1}× faster than baseline").as_str())
    );

    assert_eq!(
        summary.line(),
        format!(
            "Smallest image: minimal-final, {:.1} MB, {:.0}× smaller than baseline. \
             Fastest app-edit rebuild: uv, {:.2} s, {:.0}× faster than baseline. \
             Fastest start: minimal-final, {:.2} s, {expected:.1}× faster than baseline.",
            minimal.image_bytes.unwrap() as f64 / 1e6,
            base.image_bytes.unwrap() as f64 / minimal.image_bytes.unwrap() as f64,
            uv.app_rebuild_seconds.unwrap().median,
            base.app_rebuild_seconds.unwrap().median / uv.app_rebuild_seconds.unwrap().median,
            minimal.start_seconds.unwrap().median,
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
        assert_eq!(row(&report, name).cells[6], "—", "{name}");
        assert_eq!(row(&report, name).vs_baseline, Delta::default());
    }
    assert_eq!(row(&report, "baseline").cells[6], "failed");
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
        "Smallest image: baseline, 1.03 GB. Fastest app-edit rebuild: baseline, 6.2 s. Fastest start: baseline, 1.9 s."
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
}

// ---------------------------------------------------------------------------
// The formats

/// Rendered at a fixed width, or none, so that the terminal running the
/// tests cannot change the snapshot.
fn table_at(run: &Run, width: Option<u16>) -> String {
    table::render(&Report::new(run), width, false, None)
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
    // Seven columns of figures with their ranges need 90 columns unbroken:
    // in fewer the ranges are left out, and the table says so. Without
    // them it needs 81, one more than an 80-column terminal has, for the
    // longest words of its headings ("deps-edit") and cells.
    let narrow = table_at(&run, Some(81));
    insta::assert_snapshot!("table_81_columns", narrow);
    assert!(narrow.contains("min–max ranges left out"), "{narrow}");
    assert!(!narrow.contains("(0.33–0.51)"), "{narrow}");
    let roomy = table_at(&run, Some(90));
    assert!(roomy.contains("(0.33–0.51)"), "{roomy}");
    assert!(!roomy.contains("min–max ranges left out"), "{roomy}");
    let table_lines = narrow
        .lines()
        .filter(|l| l.starts_with(['┌', '│', '├', '╞', '└']));
    for line in table_lines {
        assert!(line.chars().count() <= 81, "wider than 81: {line}");
    }
}

/// The lines of the table itself, without the header line and notes.
fn table_lines(rendered: &str) -> impl Iterator<Item = &str> {
    rendered
        .lines()
        .filter(|l| l.starts_with(['┌', '│', '├', '╞', '└']))
}

#[test]
fn a_wide_terminal_gets_bars_beside_every_figure() {
    let wide = table_at(&sample_run(3), Some(200));
    insta::assert_snapshot!("table_200_columns", wide);
    for line in table_lines(&wide) {
        assert!(line.chars().count() <= 200, "wider than 200: {line}");
    }
    let bars = drawn_bars(&wide, &Report::new(&sample_run(3)));
    for metric in Metric::ALL {
        assert!(bars.keys().any(|(_, c)| *c == metric.column()), "{wide}");
    }
}

#[test]
fn a_middling_terminal_keeps_the_headline_bars() {
    let middling = table_at(&sample_run(1), Some(130));
    insta::assert_snapshot!("table_130_columns", middling);
    let bars = drawn_bars(&middling, &Report::new(&sample_run(1)));
    let columns: Vec<usize> = Metric::ALL
        .iter()
        .map(|m| m.column())
        .filter(|&column| bars.keys().any(|(_, c)| *c == column))
        .collect();
    assert_eq!(
        columns,
        [Metric::ImageSize.column(), Metric::AppRebuild.column()]
    );
}

// ---------------------------------------------------------------------------
// Bars in the terminal

#[test]
fn a_bar_is_its_value_over_the_max_in_eighths_of_a_cell() {
    let max = 7.4;
    for cells in [1, 4, 8, 16] {
        let steps = (cells * 8) as f64;
        for value in [0.0, 0.01, 0.09, 0.41, 1.0, 3.3, 6.2, 7.4] {
            let bar = table::bar(value, max, cells);
            // Full blocks, then at most one partial block.
            let partial: Vec<char> = bar.chars().filter(|&c| c != '█').collect();
            assert!(
                partial.len() <= 1 && bar.trim_end_matches(&partial[..]).chars().all(|c| c == '█'),
                "{bar}"
            );
            let drawn = table::bar_eighths(&bar) as f64;
            let exact = value / max * steps;
            if value == 0.0 {
                assert_eq!(drawn, 0.0);
            } else if exact < 0.5 {
                assert_eq!(drawn, 1.0, "a figure above zero shows: {value} in {cells}");
            } else {
                assert!(
                    (drawn - exact).abs() <= 0.5,
                    "{value} in {cells}: {drawn} eighths for {exact}"
                );
            }
        }
        assert_eq!(table::bar(max, max, cells), "█".repeat(cells));
    }
    assert_eq!(table::bar(3.0, 8.0, 1), "▍");
    assert_eq!(table::bar(1.0, 0.0, 8), "");
}

/// The eighths drawn in each row's cells, by variant and column; cells
/// without a bar are left out.
fn drawn_bars(rendered: &str, report: &Report) -> BTreeMap<(String, usize), usize> {
    let mut bars = BTreeMap::new();
    for row in &report.rows {
        let cells = split_row(&rendered.replace('┆', "│"), '│', &row.cells[0]);
        for (column, cell) in cells.iter().enumerate() {
            let eighths = table::bar_eighths(cell);
            if cell.contains(is_bar_char) {
                bars.insert((row.variant.name.clone(), column), eighths);
            }
        }
    }
    bars
}

#[test]
fn bars_are_drawn_to_scale_at_every_width() {
    for runs in [1, 3] {
        let run = sample_run(runs);
        let report = Report::new(&run);
        for width in [None, Some(100), Some(110), Some(130), Some(160), Some(250)] {
            let rendered = table::render(&report, width, false, None);
            let bars = drawn_bars(&rendered, &report);
            if let Some(width) = width {
                for line in table_lines(&rendered) {
                    assert!(
                        line.chars().count() <= usize::from(width),
                        "wider than {width}: {line}"
                    );
                }
            }
            for metric in Metric::ALL {
                let column = metric.column();
                let in_column: Vec<(&VariantResult, usize)> = report
                    .rows
                    .iter()
                    .filter_map(|row| {
                        bars.get(&(row.variant.name.clone(), column))
                            .map(|&eighths| (row.variant, eighths))
                    })
                    .collect();
                if in_column.is_empty() {
                    continue;
                }
                let max = metric.max(&report).unwrap();
                // The longest bar is the largest figure's, in whole cells.
                let full = in_column.iter().map(|&(_, e)| e).max().unwrap();
                assert_eq!(full % 8, 0, "{width:?} {column}");
                for row in &report.rows {
                    let drawn = bars.get(&(row.variant.name.clone(), column)).copied();
                    match metric.value(row.variant) {
                        None => assert_eq!(drawn, None, "{} {column}", row.variant.name),
                        Some(value) => {
                            let drawn = drawn.unwrap() as f64;
                            let exact = value / max * full as f64;
                            assert!(
                                (drawn - exact).abs() <= 0.5 || (exact < 0.5 && drawn == 1.0),
                                "{} in column {column} at {width:?}: {drawn} eighths for {exact}",
                                row.variant.name
                            );
                        }
                    }
                }
            }
            // The headline figures are the last to lose their bars.
            if !bars.is_empty() {
                for metric in [Metric::ImageSize, Metric::AppRebuild] {
                    assert!(bars.keys().any(|(_, c)| *c == metric.column()), "{width:?}");
                }
            }
            if width.is_none() || width >= Some(250) {
                assert_eq!(
                    bars.keys()
                        .map(|(_, c)| *c)
                        .collect::<std::collections::BTreeSet<_>>()
                        .len(),
                    Metric::ALL.len(),
                    "{width:?}"
                );
            }
        }
    }
}

#[test]
fn the_recommended_bars_end_in_a_star() {
    let rendered = table_at(&sample_run(3), None);
    for line in table_lines(&rendered) {
        let stars = line.matches('★').count();
        let recommended = line.contains("uv ★");
        // Its name and its five bars.
        assert_eq!(stars, if recommended { 6 } else { 0 }, "{line}");
    }
}

#[test]
fn an_80_column_terminal_has_no_room_for_bars() {
    let narrow = table_at(&sample_run(3), Some(80));
    assert!(!narrow.contains(is_bar_char), "{narrow}");
}

/// `text` without the spans that an escape code styles.
fn unstyled_parts(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find('\x1b') {
        out.push_str(&rest[..start]);
        let end = rest[start..].find("\x1b[0m").expect("every style is reset") + start;
        rest = &rest[end + "\x1b[0m".len()..];
    }
    out.push_str(rest);
    out
}

#[test]
fn colour_styles_only_the_bars_and_the_recommended_ones_apart() {
    let run = sample_run(3);
    let report = Report::new(&run);
    let plain = table::render(&report, None, false, None);
    assert!(!plain.contains('\x1b'), "{plain}");
    let coloured = table::render(&report, None, true, None);
    assert!(coloured.contains('\x1b'));
    assert_eq!(console::strip_ansi_codes(&coloured), plain);
    // Every bar is coloured, and nothing else is.
    let left = unstyled_parts(&coloured);
    assert!(!left.contains(is_bar_char), "{left}");
    assert_eq!(left.matches('★').count(), plain.matches('★').count() - 5);
    let codes = |name: &str| -> Vec<String> {
        let line = coloured
            .lines()
            .find(|l| l.contains(&format!("│ {name} ")))
            .unwrap();
        line.split('\x1b')
            .skip(1)
            .map(|code| code[..code.find('m').unwrap() + 1].to_string())
            .filter(|code| code != "[0m")
            .collect()
    };
    assert_ne!(codes("uv ★"), codes("baseline"));
    assert_eq!(codes("baseline"), codes("minimal-final"));
}

/// Escape codes inside the cells take no room: with colour on, a table
/// laid out for a terminal is as wide as without, and fits it.
#[test]
fn coloured_bars_and_the_tour_mark_keep_the_table_within_the_terminal() {
    for runs in [1, 3] {
        let run = sample_run(runs);
        let new = run.variants[1].name.as_str();
        for width in [160, 200] {
            let plain = with_new_row(&run, new, Some(width), false);
            let coloured = with_new_row(&run, new, Some(width), true);
            assert_eq!(console::strip_ansi_codes(&coloured), plain);
            assert!(plain.contains(is_bar_char), "{plain}");
            for line in table_lines(&coloured) {
                let shown = console::measure_text_width(line);
                assert!(shown <= usize::from(width), "wider than {width}: {line}");
            }
            let left = unstyled_parts(&coloured);
            assert!(!left.contains(is_bar_char), "{left}");
            assert!(!left.contains(NEW_MARK), "{left}");
            let mark = console::style(NEW_MARK).yellow().bold().force_styling(true);
            assert_eq!(coloured.matches(&mark.to_string()).count(), 1, "{coloured}");
        }
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
    assert_eq!(json, run.to_json().unwrap());
    assert!(
        json.starts_with(&format!(
            "{{\n  \"schema_version\": {},",
            crate::results::SCHEMA_VERSION
        )),
        "{json}"
    );
    assert_eq!(Run::from_json(&json).unwrap(), run);
}

/// The cells of the table row whose first cell is `label`, each without
/// the bar drawn beside its figure.
fn table_cells(table: &str, label: &str) -> Vec<String> {
    // The style draws inner column lines dotted.
    split_row(&table.replace('┆', "│"), '│', label)
        .iter()
        .map(|cell| without_bar(cell))
        .collect()
}

/// A table cell's text before its bar (and the bar's `★`), if it has one.
fn without_bar(cell: &str) -> String {
    match cell.find(is_bar_char) {
        Some(at) => cell[..at].trim().to_string(),
        None => cell.trim().to_string(),
    }
}

/// █ (U+2588) to ▏ (U+258F): the full block and its eighths.
fn is_bar_char(c: char) -> bool {
    ('█'..='▏').contains(&c)
}

/// The cells of each row of the HTML table's body, as text.
fn html_table_rows(html: &str) -> Vec<Vec<String>> {
    let body = &html[html.find("<tbody>").unwrap()..html.find("</tbody>").unwrap()];
    elements(body, "tr")
        .iter()
        .map(|row| {
            let doc = roxmltree::Document::parse(row).unwrap_or_else(|e| panic!("{e}: {row}"));
            doc.root_element()
                .children()
                .filter(|n| n.is_element())
                .map(|cell| cell.text().unwrap_or_default().to_string())
                .collect()
        })
        .collect()
}

/// Each chart's value labels by variant: chart title → variant → label.
fn html_chart_values(html: &str) -> BTreeMap<String, BTreeMap<String, String>> {
    elements(html, "svg")
        .iter()
        .map(|svg| {
            let doc = roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("{e}: {svg}"));
            let root = doc.root_element();
            let metric = root.attribute("data-metric").unwrap().to_string();
            let values = root
                .descendants()
                .filter(|n| n.has_tag_name("g"))
                .map(|g| {
                    let value = g
                        .children()
                        .find(|n| n.attribute("class") == Some("value"))
                        .and_then(|n| n.text())
                        .unwrap_or_default();
                    (
                        g.attribute("data-variant").unwrap().to_string(),
                        value.to_string(),
                    )
                })
                .collect();
            (metric, values)
        })
        .collect()
}

/// Every `<tag …>…</tag>` in `text`, not nested.
fn elements<'t>(text: &'t str, tag: &str) -> Vec<&'t str> {
    let (open, close) = (format!("<{tag}"), format!("</{tag}>"));
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(&open) {
        let end = rest[start..].find(&close).unwrap() + start + close.len();
        found.push(&rest[start..end]);
        rest = &rest[end..];
    }
    found
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

/// `bytes` in the decimal unit the first size in `cell` is written in.
fn in_unit(cell: &str, bytes: f64) -> f64 {
    let unit = cell
        .split_whitespace()
        .nth(1)
        .map(|u| u.trim_end_matches(','));
    match unit {
        Some("GB") => bytes / 1e9,
        Some("MB") => bytes / 1e6,
        Some("kB") => bytes / 1e3,
        _ => bytes,
    }
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
    let table = table::render(&report, None, false, None);
    let markdown = markdown::render(&report);
    let html = html::render(&report).unwrap();
    let html_rows = html_table_rows(&html);
    assert_eq!(html_rows.len(), report.rows.len());
    let charts = html_chart_values(&html);
    let csv = csv::render(&report);
    let json = Run::from_json(&json::render(&report).unwrap()).unwrap();
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
        let in_html = html_rows.iter().find(|row| row[0] == label).unwrap();
        assert_eq!(*in_html, in_table, "{}", v.name);
        // Each chart labels its bar with the figure the table shows, and
        // says why a variant without one has none.
        let figure = |text: &str| text.split(' ').take(2).collect::<Vec<_>>().join(" ");
        for metric in Metric::ALL {
            let shown = &charts[&COLUMNS[metric.column()].replace(' ', "-")][&v.name];
            let cell = &in_table[metric.column()];
            assert_eq!(figure(shown), figure(cell), "{}: chart and table", v.name);
        }

        if v.status == Status::Ok {
            assert_shows(&in_table[1], v.cold_seconds.map(|t| t.median), "cold");
            assert_shows(&in_table[2], v.app_rebuild_seconds.map(|t| t.median), "app");
            assert_shows(
                &in_table[3],
                v.deps_rebuild_seconds.map(|t| t.median),
                "deps",
            );
            assert_shows(&in_table[4], v.start_seconds.map(|t| t.median), "start");
            assert_shows(
                &in_table[5],
                v.image_bytes.map(|b| in_unit(&in_table[5], b as f64)),
                "size",
            );
            let (_, range) = in_table[2].split_once('(').unwrap();
            let (min, max) = range.trim_end_matches(')').split_once('–').unwrap();
            let app = v.app_rebuild_seconds.unwrap();
            assert_shows(min, Some(app.min), "app min");
            assert_shows(max, Some(app.max), "app max");
            if v.name != base.name {
                let saved = (base.image_bytes.unwrap() - v.image_bytes.unwrap()) as f64;
                let saved = in_unit(&in_table[6], saved);
                assert_shows(&in_table[6], Some(saved), "vs baseline size");
            }
        }

        let csv_row = &csv_rows[&v.name];
        let number = |column: &str| -> Option<f64> {
            let field = &csv_row[column];
            (!field.is_empty()).then(|| field.parse().unwrap())
        };
        let as_f64 = |n: Option<u64>| n.map(|n| n as f64);
        for (column, timing) in [
            ("cold_seconds", v.cold_seconds),
            ("app_rebuild_seconds", v.app_rebuild_seconds),
            ("deps_rebuild_seconds", v.deps_rebuild_seconds),
            ("start_seconds", v.start_seconds),
        ] {
            let range = timing.and_then(|t| t.range());
            assert_eq!(number(column), timing.map(|t| t.median), "{column}");
            let min = format!("{column}_min");
            let max = format!("{column}_max");
            if column != "cold_seconds" {
                assert_eq!(number(&min), range.map(|r| r.0), "{min}");
                assert_eq!(number(&max), range.map(|r| r.1), "{max}");
            }
        }
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
            compared
                .then(|| base.app_rebuild_seconds.unwrap().median
                    / v.app_rebuild_seconds.unwrap().median)
        );
    }

    let summary = report.summary.line();
    assert!(table.ends_with(&summary) && markdown.ends_with(&summary));
    for note in &report.notes {
        assert!(table.contains(note.as_str()), "{note}");
        assert!(markdown.contains(&format!("- {note}")), "{note}");
    }
}

#[test]
fn a_tour_marks_the_new_row_and_only_that_one() {
    let run = sample_run(1);
    let name = &run.variants[1].name;
    let plain = with_new_row(&run, name, None, false);
    assert_eq!(plain.matches(NEW_MARK).count(), 1, "{plain}");
    let marked = plain.lines().find(|l| l.contains(NEW_MARK)).unwrap();
    assert!(marked.contains(name.as_str()), "{marked}");
    assert!(!plain.contains('\u{1b}'), "{plain}");
    let coloured = with_new_row(&run, name, None, true);
    assert!(coloured.contains("\u{1b}["), "{coloured}");
    assert_eq!(console::strip_ansi_codes(&coloured), plain);
}

#[test]
fn the_html_environment_names_the_lock_and_json_keeps_it() {
    let unlocked = sample_run(1);
    let html = html::render(&Report::new(&unlocked)).unwrap();
    assert!(html.contains("not locked"), "{html}");
    let sha = "0123456789abcdef".repeat(4);
    let locked = Run {
        lock_sha256: Some(sha.clone()),
        ..sample_run(1)
    };
    let report = Report::new(&locked);
    let html = html::render(&report).unwrap();
    assert!(
        html.contains(&format!("requirements.lock, sha256 {sha}")),
        "{html}"
    );
    let json = Run::from_json(&json::render(&report).unwrap()).unwrap();
    assert_eq!(json.lock_sha256, Some(sha));
}

#[test]
fn single_runs_four_percent_apart_are_called_neither_faster_nor_slower() {
    let measured = |name: &str, app: f64| {
        let mut v = VariantResult::new(name, false);
        v.image_bytes = Some(100_000_000);
        v.cold_seconds = Some(Timing::single(10.0));
        v.app_rebuild_seconds = Some(Timing::single(app));
        v.start_seconds = Some(Timing::single(app * 10.0));
        v
    };
    let run = Run::sample(1, vec![measured("baseline", 1.00), measured("slim", 0.96)]);
    let report = Report::new(&run);
    let outputs = [
        table::render(&report, Some(120), false, None),
        markdown::render(&report),
        report.summary.line(),
    ];
    for output in &outputs {
        assert!(
            !output.contains("faster") && !output.contains("slower"),
            "{output}"
        );
    }
    assert!(outputs[0].contains("same within noise"), "{}", outputs[0]);
    assert!(
        outputs[0].contains(&stats::noise_rule_short()),
        "the table names the rule: {}",
        outputs[0]
    );
    assert!(
        outputs[2].contains("the same as baseline within noise (under 0.2 s apart)"),
        "{}",
        outputs[2]
    );
    assert!(
        outputs[2].contains(
            "Fastest start: slim, 9.6 s, the same as baseline within noise (single runs under 10% apart)"
        ),
        "{}",
        outputs[2]
    );
}

#[test]
fn every_format_names_the_platform_and_marks_emulated_timings() {
    let emulated = Run {
        platform: Some("linux/arm64".into()),
        emulated: true,
        ..sample_run(1)
    };
    let report = Report::new(&emulated);
    let note = "Timings measured under emulation (linux/arm64 on an amd64 host)";
    for (format, text) in [
        ("table", table::render(&report, None, false, None)),
        ("markdown", markdown::render(&report)),
        (
            "html",
            html::render(&report).unwrap().replace("&#x2f;", "/"),
        ),
    ] {
        assert!(text.contains(note), "{format}: {text}");
        assert!(
            text.contains("platform linux/arm64, emulated"),
            "{format}: {text}"
        );
    }
    let json: serde_json::Value = serde_json::from_str(&json::render(&report).unwrap()).unwrap();
    assert_eq!(json["platform"], "linux/arm64");
    assert_eq!(json["emulated"], true);
    let csv = csv::render(&report);
    let mut lines = csv.lines();
    assert!(lines.next().unwrap().ends_with(",platform,emulated"));
    assert!(
        lines.all(|line| line.ends_with(",linux/arm64,true")),
        "{csv}"
    );

    // A native build for a named platform names it and marks nothing.
    let native = Run {
        platform: Some("linux/amd64".into()),
        ..sample_run(1)
    };
    let report = Report::new(&native);
    let text = table::render(&report, None, false, None);
    assert!(text.contains("platform linux/amd64"), "{text}");
    assert!(!text.contains("emulat"), "{text}");
    let json: serde_json::Value = serde_json::from_str(&json::render(&report).unwrap()).unwrap();
    assert_eq!(json.get("emulated"), None);
    assert!(csv::render(&report)
        .lines()
        .skip(1)
        .all(|l| l.ends_with(",linux/amd64,false")));
}
