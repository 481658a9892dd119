//! BENCHMARKS.md from what one bench run measured.

use anyhow::Result;
use dockwright::pipe_table::{self, Align};
use dockwright::Host;

use super::calls::Purpose;
use super::{
    median, min_max, Field, Measured, Options, Paced, Source, Target, DEFAULT_ROUNDS, PACED_ROUNDS,
    REFERENCE, TARGETS,
};
use crate::process;

/// The most a `measure` or a tour may take beyond the times it reports.
const WALL_LIMIT: f64 = 1.5;
/// The longest a room should wait for the tour of the article ladder.
const TOUR_LIMIT: f64 = 120.0;
/// The most dockwright may add to a bare build, in percent.
const OVERHEAD_LIMIT: f64 = 2.0;
/// What was tried to bring `measure`'s wall time and dockwright's overhead
/// within their targets, shown when they are not.
const WALL_TRIED: &str = include_str!("tried/wall.md");
const OVERHEAD_TRIED: &str = include_str!("tried/overhead.md");

pub(super) fn render(measured: &Measured, options: &Options, seconds: f64) -> Result<String> {
    let mut out = String::new();
    let date = process::first_line("date", &["-u", "+%Y-%m-%d %H:%M UTC"]).unwrap_or_default();
    let mut command = "cargo xtask bench".to_string();
    if options.rounds != DEFAULT_ROUNDS {
        command.push_str(&format!(" --rounds {}", options.rounds));
    }
    if options.slow {
        command.push_str(" --slow");
    }
    let engine = &measured.overhead.engine;
    out.push_str("# Benchmarks\n\n");
    out.push_str(&format!(
        "Measured {date} on {}, engine {}, server {}, \
         base images: this machine's local stand-ins. Reproduce with `{command}` ({:.0} s).\n\n",
        Host::this_machine().describe(true),
        engine.describe(),
        engine.server_version,
        seconds
    ));
    out.push_str(&format!(
        "Each variant was measured with `dockwright measure VARIANT --json --no-pull` ({} rounds, \
         interleaved: every round measures the reference and each recommended variant in turn, on \
         both presets). A ratio is taken within each round, against the `{REFERENCE}` reference of \
         that round; the table shows the median ratio and its range over the rounds. App-edit \
         rebuilds take tenths of a second, so theirs is compared over {PACED_ROUNDS} rounds of \
         `dockwright rebuild {REFERENCE} VARIANT --json` instead (marked ‡).\n\n",
        options.rounds
    ));
    let mut gaps = Vec::new();
    targets(&mut out, measured, &mut gaps)?;
    figures(&mut out, measured)?;
    walls(&mut out, measured, &mut gaps);
    tour(&mut out, &measured.tour);
    let overhead = &measured.overhead;
    let d = median(&overhead.dockwright);
    let b = median(&overhead.bare);
    let own = median(&overhead.own);
    let percent = 100.0 * own / (d - own);
    out.push_str(&format!(
        "\n## dockwright's overhead\n\n`dockwright build {REFERENCE} --no-cache` on the article preset, {} times, through the \
         wrapper that logs each engine call: dockwright's wall time less its build call's is {own:.2} s (median; \
         {:.2}–{:.2} s), {percent:.1}% of the build (target: under {OVERHEAD_LIMIT:.0}%, {}). Alternated with the bare \
         `docker build` of the same arguments, the two took {d:.2} s ({:.2}–{:.2} s) and {b:.2} s ({:.2}–{:.2} s), medians \
         and ranges: a difference of {:+.2} s that holds the builds' own spread from one run to the next.\n",
        overhead.dockwright.len(),
        min_max(&overhead.own).0,
        min_max(&overhead.own).1,
        if percent < OVERHEAD_LIMIT { "met" } else { "**not met**" },
        min_max(&overhead.dockwright).0,
        min_max(&overhead.dockwright).1,
        min_max(&overhead.bare).0,
        min_max(&overhead.bare).1,
        d - b
    ));
    if percent >= OVERHEAD_LIMIT {
        gaps.push(Gap {
            what: format!(
                "dockwright's overhead: {percent:.1}% of a build, over the target of {OVERHEAD_LIMIT:.0}%"
            ),
            tried: OVERHEAD_TRIED,
        });
    }
    if let Some(slow) = &measured.slow {
        out.push_str(&format!(
            "\n## Building from source (`--slow`)\n\nThe `from-source` variant on the article preset (numpy and pandas compiled): \
             cold build {:.0} s, image {:.1} MB.\n",
            slow.pointer(Field::Cold.pointer())
                .and_then(serde_json::Value::as_f64)
                .unwrap_or_default(),
            slow["image_bytes"].as_f64().unwrap_or_default() / 1e6
        ));
    }
    if !gaps.is_empty() {
        out.push_str("\n## Where a target is not met: the gap, and what was tried\n");
        for gap in gaps {
            out.push_str(&format!("\n### {}\n\n{}", gap.what, gap.tried));
        }
    }
    Ok(out)
}

/// A target this run did not meet: by how much, and what was tried.
struct Gap {
    what: String,
    tried: &'static str,
}

impl Gap {
    /// `target`'s gap: `ratio` against its limit, and the figure the
    /// variant would need beside the one it has.
    fn of(target: &Target, ratio: f64, reference: f64, variant: f64) -> Gap {
        let needed = target.limit * reference;
        let (has, needs) = match target.field {
            Field::Image => (
                format!("{:.1} MB", variant / 1e6),
                format!("{:.1} MB", needed / 1e6),
            ),
            _ => (format!("{variant:.2} s"), format!("{needed:.2} s")),
        };
        Gap {
            what: format!(
                "{}: {}'s {}, the {} preset: {ratio:.2}× against ≤ {:.2}× ({has} where the target asks at most {needs})",
                target.profile,
                target.variant,
                target.field.label(),
                target.preset,
                target.limit
            ),
            tried: target.tried,
        }
    }
}

fn targets(out: &mut String, measured: &Measured, gaps: &mut Vec<Gap>) -> Result<()> {
    let mut rows = Vec::new();
    for target in TARGETS {
        let (samples, mark) = match target.source {
            Source::Measure => (&measured.samples, ""),
            Source::Paced => (&measured.paced, " ‡"),
        };
        let reference = samples.get(target.preset, REFERENCE, target.field)?;
        let variant = samples.get(target.preset, target.variant, target.field)?;
        let show = |values: &[f64]| match target.field {
            Field::Image => format!("{:.1} MB", median(values) / 1e6),
            _ => format!("{:.2} s", median(values)),
        };
        let ratios: Vec<f64> = variant.iter().zip(&reference).map(|(v, r)| v / r).collect();
        let (lo, hi) = min_max(&ratios);
        let ratio = median(&ratios);
        if ratio > target.limit {
            gaps.push(Gap::of(target, ratio, median(&reference), median(&variant)));
        }
        rows.push([
            target.profile.to_string(),
            target.variant.to_string(),
            target.preset.to_string(),
            format!("{}{mark}", target.field.label()),
            show(&reference),
            show(&variant),
            format!("{ratio:.2}× ({lo:.2}–{hi:.2})"),
            format!("≤ {:.2}×", target.limit),
            met(ratio <= target.limit).to_string(),
        ]);
    }
    out.push_str(&pipe_table::render(
        &[
            ("profile", Align::Left),
            ("variant", Align::Left),
            ("preset", Align::Left),
            ("measure", Align::Left),
            ("reference (median)", Align::Right),
            ("variant (median)", Align::Right),
            ("ratio: median (min–max)", Align::Left),
            ("target", Align::Left),
            ("met", Align::Left),
        ],
        rows,
    ));
    out.push('\n');
    Ok(())
}

fn figures(out: &mut String, measured: &Measured) -> Result<()> {
    out.push_str("\n## All figures (medians)\n\n");
    let samples = &measured.samples;
    let mut rows = Vec::new();
    for (preset, variant, _) in &samples.rows {
        let m = |field| samples.get(preset, variant, field).map(|v| median(&v));
        rows.push([
            preset.to_string(),
            variant.to_string(),
            format!("{:.1} MB", m(Field::Image)? / 1e6),
            format!("{:.2} s", m(Field::Cold)?),
            format!("{:.2} s", m(Field::AppRebuild)?),
            format!("{:.2} s", m(Field::DepsRebuild)?),
            format!("{:.2} s", m(Field::Start)?),
        ]);
    }
    out.push_str(&pipe_table::render(
        &[
            ("preset", Align::Left),
            ("variant", Align::Left),
            ("image", Align::Right),
            ("cold build", Align::Right),
            ("app-edit rebuild", Align::Right),
            ("deps-edit rebuild", Align::Right),
            ("start", Align::Right),
        ],
        rows,
    ));
    out.push('\n');
    Ok(())
}

/// `measure`'s wall time against the times it reports, and where the rest
/// went in each run.
fn walls(out: &mut String, measured: &Measured, gaps: &mut Vec<Gap>) {
    out.push_str(&format!(
        "\n## `measure`'s wall time against the times it reports\n\n\
         Wall time of the `dockwright measure` processes, from start to exit, against the sum of \
         the times they report (per variant: one cold build, one app-edit and one \
         dependency-edit rebuild, one start). Target: at most {WALL_LIMIT}×.\n\n"
    ));
    let rows = measured.walls.iter().map(|(paced, _)| {
        let ratio = paced.wall / paced.reported;
        [
            paced.what.clone(),
            format!("{:.1} s", paced.wall),
            format!("{:.1} s", paced.reported),
            format!("{ratio:.2}×"),
            format!("≤ {WALL_LIMIT:.1}×"),
            met(ratio <= WALL_LIMIT).to_string(),
        ]
    });
    let over: Vec<String> = measured
        .walls
        .iter()
        .filter(|(paced, _)| paced.wall / paced.reported > WALL_LIMIT)
        .map(|(paced, _)| format!("{} {:.2}×", paced.what, paced.wall / paced.reported))
        .collect();
    if !over.is_empty() {
        gaps.push(Gap {
            what: format!(
                "`measure`'s wall time over {WALL_LIMIT}× the times it reports: {}",
                over.join("; ")
            ),
            tried: WALL_TRIED,
        });
    }
    out.push_str(&pipe_table::render(
        &[
            ("run", Align::Left),
            ("wall", Align::Right),
            ("reported", Align::Right),
            ("ratio", Align::Left),
            ("target", Align::Left),
            ("met", Align::Left),
        ],
        rows,
    ));
    out.push('\n');
    for (paced, _) in &measured.walls {
        skipped(out, paced);
    }
    out.push_str(
        "\nWhere each run's wall time went, from a wrapper around the engine client that logs \
         each call's start and end (it adds bash's start, a few milliseconds, to each call): \
         seconds, and the share of the run's wall time.\n\n",
    );
    let cell = |paced: &Paced, seconds: f64| {
        format!("{seconds:.1} s ({:.0}%)", 100.0 * seconds / paced.wall)
    };
    let mut rows: Vec<Vec<String>> = Purpose::ALL
        .iter()
        .map(|&purpose| {
            let mut row = vec![purpose.label().to_string()];
            for (paced, breakdown) in &measured.walls {
                let (calls, seconds) = breakdown.of(purpose);
                row.push(format!("{calls} calls, {}", cell(paced, seconds)));
            }
            row
        })
        .collect();
    let mut beyond = vec![
        "… of the builds, beyond the build times reported (client start, context upload, export)"
            .to_string(),
    ];
    let mut own = vec![
        "dockwright between engine calls (edits, gzip of the saved layers, waiting for the app's answer, files)"
            .to_string(),
    ];
    for (paced, breakdown) in &measured.walls {
        beyond.push(cell(paced, breakdown.of(Purpose::Build).1 - paced.builds));
        own.push(cell(paced, paced.wall - breakdown.total()));
    }
    rows.push(beyond);
    rows.push(own);
    let mut headings = vec![("what".to_string(), Align::Left)];
    headings.extend(
        measured
            .walls
            .iter()
            .map(|(paced, _)| (paced.what.clone(), Align::Right)),
    );
    let headings: Vec<(&str, Align)> = headings.iter().map(|(h, a)| (h.as_str(), *a)).collect();
    out.push_str(&pipe_table::render(&headings, rows));
    out.push('\n');
}

fn tour(out: &mut String, tour: &Paced) {
    out.push_str(&format!(
        "\n## The workshop's pace\n\n{}: {:.1} s from start to exit (target: at most {TOUR_LIMIT:.0} s, \
         {}), for {:.1} s of builds it reports ({:.2}×).\n",
        tour.what,
        tour.wall,
        if tour.wall <= TOUR_LIMIT { "met" } else { "**not met**" },
        tour.reported,
        tour.wall / tour.reported
    ));
    skipped(out, tour);
}

/// The variants a run skipped, with why: their builds are in no figure.
fn skipped(out: &mut String, paced: &Paced) {
    for (name, why) in &paced.skipped {
        out.push_str(&format!(
            "\n{name} was skipped, so none of its builds are counted: {why}\n"
        ));
    }
}

fn met(met: bool) -> &'static str {
    if met {
        "yes"
    } else {
        "**no**"
    }
}
