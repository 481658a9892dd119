//! Rendering a saved measure run: the numbers are formatted once into a
//! `Report` of cells, and each format lays those cells out its own way, so
//! that every format carries the same columns and the same figures.

mod csv;
mod html;
mod json;
mod markdown;
mod table;
#[cfg(test)]
mod tests;

use crate::figures::{self, seconds, size, times};
use crate::ladder;
use crate::results::{Run, Status, Timing, VariantResult};
use crate::stats;

/// The output formats of `dockwright report` and `dockwright measure`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A table for the terminal, a bar beside each figure, notes and a summary below it
    Table,
    /// A GitHub table with the same cells, notes and summary
    Markdown,
    /// The run exactly as saved
    Json,
    /// One row per variant with raw numbers: seconds, bytes, ratios
    Csv,
    /// A self-contained page (what `--html FILE` writes): charts, the table,
    /// the environment and every Dockerfile with its diff
    Html,
}

/// Renders `run` in `format`, without a trailing newline.
pub fn render(run: &Run, format: Format) -> anyhow::Result<String> {
    let report = Report::new(run);
    Ok(match format {
        Format::Table => table::render(&report, terminal_width(), console::colors_enabled(), None),
        Format::Markdown => markdown::render(&report),
        Format::Json => json::render(&report)?,
        Format::Csv => csv::render(&report),
        Format::Html => html::render(&report)?,
    })
}

/// Marks the row a tour has just measured.
const NEW_MARK: &str = " ◀ new";

/// The table of `run` with `variant`'s row marked as the new one, as a tour
/// shows it after each step.
pub fn table_with_new_row(run: &Run, variant: &str) -> String {
    with_new_row(run, variant, terminal_width(), console::colors_enabled())
}

fn with_new_row(run: &Run, variant: &str, width: Option<u16>, colour: bool) -> String {
    table::render(&Report::new(run), width, colour, Some(variant))
}

/// The width to fit the table into; none when stdout is not a terminal, so
/// that piped output is never wrapped.
fn terminal_width() -> Option<u16> {
    let term = console::Term::stdout();
    term.is_term()
        .then(|| term.size_checked().map(|(_, columns)| columns))
        .flatten()
}

/// The column headings shared by the table and Markdown formats.
pub const COLUMNS: [&str; 7] = [
    "variant",
    "cold build",
    "app-edit rebuild",
    "deps-edit rebuild",
    "start",
    "image size",
    "vs baseline",
];

/// A figure that the table and the HTML charts draw as bars: each variant's
/// bar is its value over the largest in the column, from zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    ImageSize,
    ColdBuild,
    AppRebuild,
    DepsRebuild,
    /// From `run` until the app first answers `GET /`.
    Start,
}

impl Metric {
    /// In the order the HTML charts show them: the size, then the times.
    pub const ALL: [Metric; 5] = [
        Metric::ImageSize,
        Metric::ColdBuild,
        Metric::AppRebuild,
        Metric::DepsRebuild,
        Metric::Start,
    ];

    /// The metric's column in `COLUMNS` and in each row's cells.
    pub fn column(self) -> usize {
        match self {
            Metric::ColdBuild => 1,
            Metric::AppRebuild => 2,
            Metric::DepsRebuild => 3,
            Metric::Start => 4,
            Metric::ImageSize => 5,
        }
    }

    /// The raw figure: bytes or seconds (the median of repeated rebuilds).
    pub fn value(self, variant: &VariantResult) -> Option<f64> {
        match self {
            Metric::ImageSize => variant.image_bytes.map(|bytes| bytes as f64),
            Metric::ColdBuild => variant.cold_seconds.map(|t| t.median),
            Metric::AppRebuild => app_rebuild(variant),
            Metric::DepsRebuild => variant.deps_rebuild_seconds.map(|t| t.median),
            Metric::Start => variant.start_seconds.map(|t| t.median),
        }
    }

    /// The figure as the table shows it, without a range.
    pub fn shown(self, value: f64) -> String {
        match self {
            Metric::ImageSize => size(value as u64),
            _ => seconds(value),
        }
    }

    /// The largest figure of the run, which every bar is drawn against;
    /// none when no variant has one.
    pub fn max(self, report: &Report) -> Option<f64> {
        report
            .rows
            .iter()
            .filter_map(|row| self.value(row.variant))
            .max_by(f64::total_cmp)
    }
}

/// Marks the profile's recommended variant after its name.
const RECOMMENDED_MARK: &str = " ★";
const LEGEND: &str = "★ recommended";
/// What a cell says of a time that moved by no more than the noise.
const WITHIN_NOISE: &str = "same within noise";
const MISSING: &str = "—";

/// A run's figures as the formats show them: computed once, laid out by
/// each format.
pub struct Report<'a> {
    pub run: &'a Run,
    /// Project, profile, engine, builder, date and host, on one line.
    pub header: String,
    pub rows: Vec<Row<'a>>,
    /// `★ recommended`, when a variant is, and what "same within noise"
    /// means, when a cell says it.
    pub legend: Vec<String>,
    /// Why each skipped or failed variant has no figures.
    pub notes: Vec<String>,
    pub summary: Summary,
}

/// One variant: its raw numbers, its comparison with the baseline and its
/// cells, in `COLUMNS` order.
pub struct Row<'a> {
    pub variant: &'a VariantResult,
    pub vs_baseline: Delta,
    pub cells: [String; 7],
}

/// How a variant compares with the baseline; empty for the baseline itself,
/// for variants that did not finish, and when the baseline did not.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct Delta {
    /// The variant's image size minus the baseline's.
    pub bytes: Option<i128>,
    /// The baseline's app-edit rebuild time and the variant's.
    pub app_rebuild_seconds: Option<(Timing, Timing)>,
}

/// The best variant on each axis, and by how much it beats the baseline.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub smallest: Option<Best>,
    pub fastest: Option<Best>,
    /// The quickest to answer `GET /` after `docker run`.
    pub fastest_start: Option<Best>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Best {
    pub name: String,
    /// The figure as the table shows it, such as `39.7 MB` or `0.08 s`.
    pub shown: String,
    /// How it compares with the baseline, such as `4.7× smaller than
    /// baseline`, `81× faster than baseline` or `the same as baseline within
    /// noise (...)`; none when this is the baseline or the baseline has no
    /// figure.
    pub versus: Option<String>,
}

impl<'a> Report<'a> {
    pub fn new(run: &'a Run) -> Report<'a> {
        // The ladder starts from the baseline; a baseline that did not finish
        // leaves nothing to compare against.
        let baseline = run.variants.first().filter(|v| v.status == Status::Ok);
        let rows: Vec<Row> = ladder::places(&run.variants)
            .map(|(place, variant)| Row::new(variant, place.baseline(), baseline))
            .collect();
        Report {
            run,
            header: header(run),
            legend: legend(run, &rows),
            rows,
            notes: run
                .emulation_note()
                .into_iter()
                .chain(run.start_not_measured.clone())
                .chain(run.variants.iter().filter_map(note))
                .chain(loads(run))
                .chain(bases(run))
                .collect(),
            summary: Summary::new(run, baseline),
        }
    }
}

fn header(run: &Run) -> String {
    let mut header = format!(
        "{} · profile {} · {} · {} · {}",
        run.project,
        run.profile,
        run.engine.describe(),
        run.date,
        run.host.describe(false),
    );
    if let Some(platform) = run.platform_described() {
        header.push_str(&format!(" · platform {platform}"));
    }
    if run.repeats > 1 {
        header.push_str(&format!(
            " · rebuilds: median of {} runs (min–max)",
            run.repeats
        ));
    }
    header
}

/// The loads into the engine's store from a builder outside the daemon,
/// which the build times leave out: said, never dropped.
fn loads(run: &Run) -> Option<String> {
    let timed: Vec<String> = run
        .variants
        .iter()
        .filter_map(|v| {
            let load = v.load_seconds?;
            Some(format!("{} {}", v.name, seconds(load.median)))
        })
        .collect();
    (!timed.is_empty()).then(|| {
        format!(
            "Loading each image into the engine's store took (median), apart from the build times above: {}",
            timed.join(", ")
        )
    })
}

/// The base images the run was built on, with their digests, when the run
/// recorded them.
fn bases(run: &Run) -> Option<String> {
    let bases: Vec<String> = run.bases().iter().map(|base| base.describe()).collect();
    (!bases.is_empty()).then(|| format!("Built on {}", bases.join(", ")))
}

fn note(variant: &VariantResult) -> Option<String> {
    let reason = variant
        .reason
        .as_deref()
        .unwrap_or("no reason was recorded");
    match variant.status {
        Status::Ok => None,
        Status::Skipped => Some(format!("{} skipped: {reason}", variant.name)),
        // The reason of a failure ends with the tail of the log, introduced
        // by its first line; the log itself is the place to read it.
        Status::Failed => {
            let first = reason
                .lines()
                .next()
                .unwrap_or_default()
                .trim_end_matches(':');
            Some(match &variant.log {
                Some(log) if !first.contains(&log.display().to_string()) => {
                    format!("{} failed: {first} (log: {})", variant.name, log.display())
                }
                _ => format!("{} failed: {first}", variant.name),
            })
        }
    }
}

impl<'a> Row<'a> {
    fn new(
        variant: &'a VariantResult,
        is_baseline: bool,
        baseline: Option<&VariantResult>,
    ) -> Row<'a> {
        let ok = variant.status == Status::Ok;
        let vs_baseline = match baseline {
            Some(base) if ok && !is_baseline => Delta::new(base, variant),
            _ => Delta::default(),
        };
        let status = match variant.status {
            Status::Ok => MISSING.to_string(),
            other => other.to_string(),
        };
        // A variant that did not finish may still have figures from the
        // steps before; the status fills the cells it has none for.
        let or_status = |cell: Option<String>| cell.unwrap_or_else(|| status.clone());
        let name = if variant.recommended {
            format!("{}{RECOMMENDED_MARK}", variant.name)
        } else {
            variant.name.clone()
        };
        let vs_cell = if !ok {
            status.clone()
        } else if is_baseline {
            "baseline".to_string()
        } else {
            vs_baseline.cell()
        };
        Row {
            variant,
            vs_baseline,
            cells: [
                name,
                or_status(variant.cold_seconds.as_ref().map(figures::timing)),
                or_status(variant.app_rebuild_seconds.as_ref().map(figures::timing)),
                or_status(variant.deps_rebuild_seconds.as_ref().map(figures::timing)),
                or_status(variant.start_seconds.as_ref().map(figures::timing)),
                or_status(variant.image_bytes.map(size)),
                vs_cell,
            ],
        }
    }
}

impl Delta {
    fn new(base: &VariantResult, variant: &VariantResult) -> Delta {
        Delta {
            bytes: base
                .image_bytes
                .zip(variant.image_bytes)
                .map(|(base, this)| figures::size_delta(base, this)),
            app_rebuild_seconds: base.app_rebuild_seconds.zip(variant.app_rebuild_seconds),
        }
    }

    /// Whether the app-edit rebuild moved by no more than the noise.
    fn within_noise(&self) -> bool {
        self.app_rebuild_seconds
            .is_some_and(|(base, this)| base.median != this.median && stats::is_noise(base, this))
    }

    /// The baseline's app-edit rebuild time over the variant's: above 1 is
    /// faster.
    pub fn app_rebuild_ratio(&self) -> Option<f64> {
        let (base, this) = self.app_rebuild_seconds?;
        ratio(Some(base.median), Some(this.median))
    }

    /// Reads like the article: `−750 MB, 13× faster`, `−35 MB, 19% slower`.
    fn cell(&self) -> String {
        let size = self.bytes.map(|delta| match delta {
            0 => "same size".to_string(),
            _ => figures::size_change(delta),
        });
        let speed = self.app_rebuild_seconds.map(|(base, this)| {
            if self.within_noise() {
                WITHIN_NOISE.to_string()
            } else {
                figures::speed_change(base.median, this.median)
            }
        });
        let parts: Vec<String> = size.into_iter().chain(speed).collect();
        if parts.is_empty() {
            MISSING.to_string()
        } else {
            parts.join(", ")
        }
    }
}

/// `base / this`, when both are there and the division means something.
fn ratio(base: Option<f64>, this: Option<f64>) -> Option<f64> {
    base.zip(this)
        .filter(|&(base, this)| base > 0.0 && this > 0.0)
        .map(|(base, this)| base / this)
}

impl Summary {
    fn new(run: &Run, baseline: Option<&VariantResult>) -> Summary {
        let finished = || run.variants.iter().filter(|v| v.status == Status::Ok);
        // `min_by` keeps the first of equals, so a tie goes to the variant
        // earlier in the ladder, the baseline included.
        let smallest = finished()
            .filter_map(|v| v.image_bytes.map(|bytes| (v, bytes)))
            .min_by_key(|&(_, bytes)| bytes)
            .map(|(v, bytes)| Best {
                name: v.name.clone(),
                shown: size(bytes),
                versus: baseline
                    .filter(|base| !std::ptr::eq(*base, v))
                    .and_then(|base| ratio(base.image_bytes.map(|b| b as f64), Some(bytes as f64)))
                    .map(|factor| format!("{}× smaller than baseline", times(factor))),
            });
        // The quickest by `time`, against the baseline's by the noise rule.
        let quickest = |time: fn(&VariantResult) -> Option<Timing>| {
            finished()
                .filter_map(|v| time(v).map(|t| (v, t)))
                .min_by(|(_, a), (_, b)| a.median.total_cmp(&b.median))
                .map(|(v, this)| Best {
                    name: v.name.clone(),
                    shown: seconds(this.median),
                    versus: baseline
                        .filter(|base| !std::ptr::eq(*base, v))
                        .and_then(time)
                        .map(|base| match stats::noise(base, this) {
                            Some(why) if base.median != this.median => {
                                format!("the same as baseline within noise ({why})")
                            }
                            _ => format!(
                                "{} than baseline",
                                figures::speed_change(base.median, this.median)
                            ),
                        }),
                })
        };
        Summary {
            smallest,
            fastest: quickest(|v| v.app_rebuild_seconds),
            fastest_start: quickest(|v| v.start_seconds),
        }
    }

    /// `Smallest image: minimal-final, 39.7 MB, 4.7× smaller than baseline.
    /// Fastest app-edit rebuild: uv, 0.08 s, 81× faster than baseline.
    /// Fastest start: minimal-final, 0.62 s, 3.1× faster than baseline.`
    pub fn line(&self) -> String {
        let sentence = |label: &str, best: &Option<Best>| {
            best.as_ref().map(|best| match &best.versus {
                Some(versus) => format!("{label}: {}, {}, {versus}.", best.name, best.shown),
                None => format!("{label}: {}, {}.", best.name, best.shown),
            })
        };
        let sentences: Vec<String> = sentence("Smallest image", &self.smallest)
            .into_iter()
            .chain(sentence("Fastest app-edit rebuild", &self.fastest))
            .chain(sentence("Fastest start", &self.fastest_start))
            .collect();
        if sentences.is_empty() {
            "No variant finished, so there is nothing to compare.".to_string()
        } else {
            sentences.join(" ")
        }
    }
}

/// The lines below the table: the recommended mark, when a variant has it,
/// and the noise rule, when a cell calls a time the same within noise.
fn legend(run: &Run, rows: &[Row]) -> Vec<String> {
    let mut lines = Vec::new();
    if run.variants.iter().any(|v| v.recommended) {
        lines.push(LEGEND.to_string());
    }
    if rows.iter().any(|row| row.vs_baseline.within_noise()) {
        lines.push(format!("{WITHIN_NOISE}: {}", stats::noise_rule_short()));
    }
    lines
}

/// The median app-edit rebuild, which the baseline comparison and the
/// summary rank variants by.
fn app_rebuild(variant: &VariantResult) -> Option<f64> {
    variant.app_rebuild_seconds.map(|t| t.median)
}
