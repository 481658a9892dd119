//! BENCHMARKS.md from what one bench run measured.

use anyhow::Result;
use dockwright::pipe_table::{self, Align};
use dockwright::Host;

use super::calls::Purpose;
use super::{
    median, min_max, Field, Measured, Options, Paced, Source, PACED_ROUNDS, REFERENCE, TARGETS,
};
use crate::process;

/// The most a `measure` or a tour may take beyond the times it reports.
const WALL_LIMIT: f64 = 1.5;
/// The longest a room should wait for the tour of the article ladder.
const TOUR_LIMIT: f64 = 120.0;

pub(super) fn render(measured: &Measured, options: &Options, seconds: f64) -> Result<String> {
    let mut out = String::new();
    let date = process::first_line("date", &["-u", "+%Y-%m-%d %H:%M UTC"]).unwrap_or_default();
    let command = if options.slow {
        "cargo xtask bench --slow"
    } else {
        "cargo xtask bench"
    };
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
    targets(&mut out, measured)?;
    figures(&mut out, measured)?;
    walls(&mut out, measured);
    tour(&mut out, &measured.tour);
    let overhead = &measured.overhead;
    let d = median(&overhead.dockwright);
    let b = median(&overhead.bare);
    out.push_str(&format!(
        "\n## dockwright's overhead\n\n`dockwright build {REFERENCE} --no-cache` against the bare `docker build` with the same \
         arguments, alternated {} times on the article preset: {d:.2} s against {b:.2} s (medians), so dockwright adds \
         {:.2} s, {:.1}% of the build (target: under 2%).\n",
        overhead.dockwright.len(),
        d - b,
        100.0 * (d - b) / b
    ));
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
    Ok(out)
}

fn targets(out: &mut String, measured: &Measured) -> Result<()> {
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
/// of the whole-profile run went.
fn walls(out: &mut String, measured: &Measured) {
    out.push_str(&format!(
        "\n## `measure`'s wall time against the times it reports\n\n\
         Wall time of the `dockwright measure` processes, from start to exit, against the sum of \
         the times they report (per variant: one cold build, one app-edit and one \
         dependency-edit rebuild, one start). Target: at most {WALL_LIMIT}×.\n\n"
    ));
    let rows = measured
        .walls
        .iter()
        .chain(std::iter::once(&measured.profile_run))
        .map(|paced| {
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
    skipped(out, &measured.profile_run);
    let run = &measured.profile_run;
    let breakdown = &measured.breakdown;
    out.push_str(&format!(
        "\nWhere the {:.1} s of the whole-profile run went, from a wrapper around the engine client \
         that logs each call's start and end (it adds bash's start, a few milliseconds, to each \
         call):\n\n",
        run.wall
    ));
    let share = |seconds: f64| format!("{:.0}%", 100.0 * seconds / run.wall);
    let mut rows: Vec<[String; 4]> = breakdown
        .rows
        .iter()
        .filter(|(_, calls, _)| *calls > 0)
        .map(|(purpose, calls, seconds)| {
            [
                purpose.label().to_string(),
                calls.to_string(),
                format!("{seconds:.1} s"),
                share(*seconds),
            ]
        })
        .collect();
    let beyond = breakdown.seconds(Purpose::Build) - run.builds;
    rows.push([
        "… of the builds, beyond the build times reported (client start, context upload, export)"
            .to_string(),
        String::new(),
        format!("{beyond:.1} s"),
        share(beyond),
    ]);
    let own = run.wall - breakdown.total();
    rows.push([
        "dockwright between engine calls (edits, gzip of the saved layers, waiting for the app's answer, files)".to_string(),
        String::new(),
        format!("{own:.1} s"),
        share(own),
    ]);
    out.push_str(&pipe_table::render(
        &[
            ("what", Align::Left),
            ("calls", Align::Right),
            ("seconds", Align::Right),
            ("of the wall time", Align::Right),
        ],
        rows,
    ));
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
