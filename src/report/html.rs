//! The report as one self-contained HTML page (scaffolds/report/report.html):
//! bar charts drawn to scale in inline SVG, the table's cells, the
//! environment and commands, and each variant's Dockerfile with its diff
//! from the step before. Nothing on the page is fetched: no fonts, scripts,
//! images or style sheets from elsewhere.
//!
//! The chart geometry is computed here and the template only places it;
//! every text from the run goes through the template's HTML escaping.

use serde::Serialize;

use super::{Metric, Report, COLUMNS, MISSING, RECOMMENDED_MARK};
use crate::catalogue::Catalogue;
use crate::diff::{self, Kind};
use crate::ladder;
use crate::results::{Status, VariantResult};
use crate::templates;

const TEMPLATE: &str = "report/report.html";

/// The chart's coordinate system (its viewBox); the page scales it to fit.
const CHART_WIDTH: f64 = 1000.0;
/// Room right of the longest bar for its value.
const VALUE_ROOM: f64 = 150.0;
/// A generous width per character of a variant's name at the chart's font
/// size, so that names never run into the bars.
const NAME_CHAR_WIDTH: f64 = 11.0;
const MIN_NAME_ROOM: f64 = 140.0;
const GAP: f64 = 10.0;
const ROW_HEIGHT: f64 = 40.0;
const BAR_HEIGHT: f64 = 26.0;
const MARGIN: f64 = 8.0;

pub fn render(report: &Report) -> anyhow::Result<String> {
    let catalogue = Catalogue::load()?;
    templates::fill(TEMPLATE, &Page::new(report, &catalogue))
}

/// Everything the template shows.
#[derive(Serialize)]
struct Page {
    title: String,
    project: String,
    profile: String,
    date: String,
    generator: String,
    header: String,
    summary: String,
    legend: Vec<String>,
    notes: Vec<String>,
    columns: [&'static str; 7],
    /// Which columns hold figures, to right-align them.
    numeric: Vec<bool>,
    rows: Vec<TableRow>,
    charts: Vec<Chart>,
    environment: Vec<Fact>,
    commands: Vec<String>,
    steps: Vec<DockerfileDiff>,
}

#[derive(Serialize)]
struct TableRow {
    cells: Vec<String>,
    recommended: bool,
    status: Status,
}

/// One horizontal bar chart: a variant a row, bars from a common zero at
/// `axis`, each as long as its value over the chart's largest.
#[derive(Serialize)]
struct Chart {
    id: String,
    title: &'static str,
    /// What the chart's figures are, for its caption.
    about: &'static str,
    width: String,
    height: String,
    axis: String,
    rows: Vec<ChartRow>,
}

#[derive(Serialize)]
struct ChartRow {
    variant: String,
    /// The name, with `★` for the recommended variant.
    label: String,
    recommended: bool,
    status: Status,
    /// Where the name ends, right-aligned against the axis.
    label_x: String,
    bar_y: String,
    text_y: String,
    bar_height: String,
    /// None when the variant has no figure for this chart.
    bar_width: Option<String>,
    /// The figure as the table shows it, or why there is none.
    value: String,
    value_x: String,
}

#[derive(Serialize)]
struct Fact {
    label: &'static str,
    value: String,
}

/// One variant's Dockerfile and what changed from the step before.
#[derive(Serialize)]
struct DockerfileDiff {
    name: String,
    recommended: bool,
    reason: Option<String>,
    dockerfile: Option<String>,
    previous: Option<String>,
    /// Why there is no diff to show, when there is none.
    diff_note: Option<String>,
    diff: Vec<DiffLine>,
}

#[derive(Serialize)]
struct DiffLine {
    kind: &'static str,
    mark: &'static str,
    text: String,
}

impl Page {
    fn new(report: &Report, catalogue: &Catalogue) -> Page {
        let run = report.run;
        Page {
            title: format!("{} · dockwright report", run.project),
            project: run.project.clone(),
            profile: run.profile.clone(),
            date: run.date.clone(),
            generator: format!("dockwright {}", env!("CARGO_PKG_VERSION")),
            header: report.header.clone(),
            summary: report.summary.line(),
            legend: report.legend.clone(),
            notes: report.notes.clone(),
            columns: COLUMNS,
            numeric: (0..COLUMNS.len())
                .map(|index| index != 0 && index != COLUMNS.len() - 1)
                .collect(),
            rows: report
                .rows
                .iter()
                .map(|row| TableRow {
                    cells: row.cells.to_vec(),
                    recommended: row.variant.recommended,
                    status: row.variant.status,
                })
                .collect(),
            charts: Metric::ALL
                .iter()
                .map(|&metric| Chart::new(report, metric))
                .collect(),
            environment: environment(report),
            commands: run.commands.clone(),
            steps: steps(&run.variants, catalogue),
        }
    }
}

fn label(variant: &VariantResult) -> String {
    if variant.recommended {
        format!("{}{RECOMMENDED_MARK}", variant.name)
    } else {
        variant.name.clone()
    }
}

/// Two decimals: a hundredth of a unit is well under a pixel.
fn coordinate(value: f64) -> String {
    format!("{value:.2}")
}

impl Chart {
    fn new(report: &Report, metric: Metric) -> Chart {
        let longest_name = report
            .rows
            .iter()
            .map(|row| label(row.variant).chars().count())
            .max()
            .unwrap_or(0);
        let axis = (longest_name as f64 * NAME_CHAR_WIDTH + 2.0 * GAP).max(MIN_NAME_ROOM);
        let plot = CHART_WIDTH - axis - VALUE_ROOM;
        let max = metric.max(report);
        let rows: Vec<ChartRow> = report
            .rows
            .iter()
            .enumerate()
            .map(|(index, row)| {
                let variant = row.variant;
                let top = MARGIN + index as f64 * ROW_HEIGHT;
                let length = metric.value(variant).zip(max).map(|(value, max)| {
                    if max > 0.0 {
                        value / max * plot
                    } else {
                        0.0
                    }
                });
                let value = match metric.value(variant) {
                    Some(value) if variant.status == Status::Failed => {
                        format!("{} (then failed)", metric.shown(value))
                    }
                    Some(value) => metric.shown(value),
                    None if variant.status == Status::Ok => MISSING.to_string(),
                    None => variant.status.to_string(),
                };
                ChartRow {
                    variant: variant.name.clone(),
                    label: label(variant),
                    recommended: variant.recommended,
                    status: variant.status,
                    label_x: coordinate(axis - GAP),
                    bar_y: coordinate(top + (ROW_HEIGHT - BAR_HEIGHT) / 2.0),
                    text_y: coordinate(top + ROW_HEIGHT / 2.0),
                    bar_height: coordinate(BAR_HEIGHT),
                    bar_width: length.map(coordinate),
                    value,
                    value_x: coordinate(axis + length.unwrap_or(0.0) + GAP),
                }
            })
            .collect();
        Chart {
            id: COLUMNS[metric.column()].replace(' ', "-"),
            title: COLUMNS[metric.column()],
            about: match metric {
                Metric::ImageSize => {
                    "decimal units (1 MB = 1,000,000 bytes), as docker images counts them"
                }
                Metric::ColdBuild => "seconds, with an empty build cache",
                Metric::AppRebuild => "seconds, after an edit of the app's code",
                Metric::DepsRebuild => "seconds, after an edit of the requirements",
                Metric::Start => "seconds, from docker run until the app first answers GET /",
            },
            width: coordinate(CHART_WIDTH),
            height: coordinate(2.0 * MARGIN + rows.len() as f64 * ROW_HEIGHT),
            axis: coordinate(axis),
            rows,
        }
    }
}

fn environment(report: &Report) -> Vec<Fact> {
    let run = report.run;
    let engine = &run.engine;
    let repeats = if run.repeats > 1 {
        format!(
            "each rebuild and start {} times; the median is shown, with the range in the table",
            run.repeats
        )
    } else {
        "each rebuild and start once".to_string()
    };
    vec![
        Fact {
            label: "engine",
            value: format!(
                "{}: client {}, server {}",
                engine.program, engine.client_version, engine.server_version
            ),
        },
        Fact {
            label: "builder",
            value: engine.builder.clone(),
        },
        Fact {
            label: "host",
            value: run.host.describe(true),
        },
        Fact {
            label: "platform",
            value: run
                .platform_described()
                .unwrap_or_else(|| "the engine's own".to_string()),
        },
        Fact {
            label: "dependencies",
            value: match &run.lock_sha256 {
                Some(sha) => format!("requirements.lock, sha256 {sha}"),
                None => "not locked: the requirements' own pins".to_string(),
            },
        },
        Fact {
            label: "base images",
            value: {
                let set = match &run.base_set {
                    Some(set) => format!("base set `{set}` of dockwright.toml"),
                    None => "[images] of dockwright.toml".to_string(),
                };
                let bases: Vec<String> = run.bases().iter().map(|base| base.describe()).collect();
                if bases.is_empty() {
                    set
                } else {
                    format!("{set}: {}", bases.join(", "))
                }
            },
        },
        Fact {
            label: "measured",
            value: format!("{}; {repeats}", run.date),
        },
        Fact {
            label: "dockwright",
            value: run.dockwright_version.clone(),
        },
    ]
}

/// Each variant's Dockerfile against the one before it in the ladder.
fn steps(variants: &[VariantResult], catalogue: &Catalogue) -> Vec<DockerfileDiff> {
    ladder::places(variants)
        .map(|(place, variant)| {
            let previous = place.previous().map(|i| &variants[i]);
            let (diff, diff_note) = match (previous, &variant.dockerfile) {
                (None, _) => (Vec::new(), Some("the first step of the ladder".to_string())),
                (Some(_), None) => (
                    Vec::new(),
                    Some("no diff: this variant's Dockerfile was not recorded".to_string()),
                ),
                (Some(previous), Some(this)) => match &previous.dockerfile {
                    None => (
                        Vec::new(),
                        Some(format!(
                            "no diff: the Dockerfile of {} was not recorded",
                            previous.name
                        )),
                    ),
                    Some(before) => {
                        let lines = diff::lines(before, this);
                        let note = lines
                            .is_empty()
                            .then(|| format!("the same Dockerfile as {}", previous.name));
                        (lines.into_iter().map(DiffLine::from).collect(), note)
                    }
                },
            };
            DockerfileDiff {
                name: variant.name.clone(),
                recommended: variant.recommended,
                reason: catalogue.variant(&variant.name).map(|v| v.reason.clone()),
                dockerfile: variant.dockerfile.clone(),
                previous: previous.map(|p| p.name.clone()),
                diff_note,
                diff,
            }
        })
        .collect()
}

impl From<diff::Line> for DiffLine {
    fn from(line: diff::Line) -> DiffLine {
        DiffLine {
            kind: match line.kind {
                Kind::Hunk => "hunk",
                Kind::Context => "context",
                Kind::Added => "added",
                Kind::Removed => "removed",
            },
            mark: diff::mark(line.kind),
            text: line.text,
        }
    }
}
