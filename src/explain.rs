//! What one step of a project's ladder changes against the step before it,
//! why that matters, and what the latest measure run says it did: the
//! project's `Ladder` explained with the catalogue's text into an
//! `Explanation` (or, for the whole ladder, an `Overview`), then rendered as
//! text or serialised as JSON. `dockwright explain` prints one step; a
//! guided tour prints them in turn.

use console::Style;
use serde::{Serialize, Serializer};

use crate::catalogue::Catalogue;
use crate::diff::{self, Kind};
use crate::figures;
use crate::ladder::Rung;
use crate::project::Project;
use crate::results::{Timing, VariantResult};

/// What explaining a project's ladder takes besides the project: the
/// catalogue's explanations, read once so that a tour can explain step
/// after step.
pub struct Explainer<'a> {
    project: &'a Project,
    catalogue: Catalogue,
}

/// One step of the ladder explained: the model `explanation_text` renders.
#[derive(Debug, Serialize)]
pub struct Explanation {
    pub variant: String,
    /// The step's number, 0 for the baseline, as `dockwright variants` counts.
    pub step: usize,
    pub profile: String,
    /// The one-line reason dockwright.toml gives for the variant.
    pub reason: String,
    pub recommended: bool,
    /// The Dockerfile's path, relative to the project.
    pub dockerfile: String,
    /// The step before this one; none for the starting point.
    pub previous: Option<Previous>,
    /// The unified diff from the previous step's Dockerfile to this one's.
    #[serde(serialize_with = "unified")]
    pub diff: Vec<diff::Line>,
    /// This step's Dockerfile as it is in the project now.
    pub dockerfile_text: String,
    /// The variant's explain.md; none for a variant the catalogue does not know.
    pub explanation: Option<String>,
    /// What the newest run found, when it has figures for this step (and the
    /// one before it).
    pub measured: Option<Measured>,
}

#[derive(Debug, Serialize)]
pub struct Previous {
    pub variant: String,
    pub dockerfile: String,
}

/// The figures of a step, each with the previous step's beside it; a
/// figure is left out unless both steps have it.
#[derive(Debug, Serialize)]
pub struct Measured {
    /// When the run was made (RFC 3339).
    pub run_date: String,
    /// True when the run measured a Dockerfile that has changed since.
    pub dockerfile_changed: bool,
    pub image_bytes: Option<Pair<u64>>,
    pub cold_seconds: Option<Pair<Timing>>,
    pub app_rebuild_seconds: Option<Pair<Timing>>,
    pub deps_rebuild_seconds: Option<Pair<Timing>>,
    /// From `run` until the app first answered `GET /`.
    pub start_seconds: Option<Pair<Timing>>,
}

/// A figure of the previous step (none for the starting point) and of this one.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Pair<T> {
    pub before: Option<T>,
    pub after: T,
}

/// The whole ladder in a few lines: the model `overview_text` renders.
#[derive(Debug, Serialize)]
pub struct Overview {
    pub project: String,
    pub profile: String,
    /// The date of the run the figures come from, if there is one.
    pub run_date: Option<String>,
    pub steps: Vec<OverviewEntry>,
}

/// One step in the overview: its listing line and its headline figures.
#[derive(Debug, Serialize)]
pub struct OverviewEntry {
    pub step: usize,
    /// What a listing writes beside it (`ladder::Place::mark`).
    #[serde(skip)]
    pub mark: &'static str,
    pub variant: String,
    pub reason: String,
    pub recommended: bool,
    pub image_bytes: Option<u64>,
    pub app_rebuild_seconds: Option<Timing>,
}

impl<'a> Explainer<'a> {
    pub fn new(project: &'a Project) -> anyhow::Result<Explainer<'a>> {
        Ok(Explainer {
            project,
            catalogue: Catalogue::load()?,
        })
    }

    /// Step `name` of the ladder against the one before it.
    pub fn explain(&self, name: &str) -> anyhow::Result<Explanation> {
        let rung = self.project.rung(name)?;
        let previous = self.project.ladder.previous(rung);
        let before = previous.map(Rung::text).transpose()?;
        let text = rung.text()?;
        let explanation = self
            .catalogue
            .variant(name)
            .map(|variant| variant.explanation().map(str::to_string))
            .transpose()?;
        Ok(Explanation {
            variant: rung.name.clone(),
            step: rung.place.index,
            profile: self.project.config.project.profile.clone(),
            reason: rung.reason.clone(),
            recommended: rung.place.recommended(),
            dockerfile: rung.dockerfile.clone(),
            previous: previous.map(|p| Previous {
                variant: p.name.clone(),
                dockerfile: p.dockerfile.clone(),
            }),
            diff: before
                .map(|before| diff::lines(before, text))
                .unwrap_or_default(),
            measured: self.measured(previous.zip(before), rung, text),
            dockerfile_text: text.to_string(),
            explanation,
        })
    }

    /// The whole ladder, with the newest run's size and app-edit rebuild.
    pub fn overview(&self) -> Overview {
        Overview {
            project: self.project.name().to_string(),
            profile: self.project.config.project.profile.clone(),
            run_date: self.project.run_date.clone(),
            steps: self
                .project
                .ladder
                .rungs
                .iter()
                .map(|rung| {
                    let result = rung.finished();
                    OverviewEntry {
                        step: rung.place.index,
                        mark: rung.place.mark(),
                        variant: rung.name.clone(),
                        reason: rung.reason.clone(),
                        recommended: rung.place.recommended(),
                        image_bytes: result.and_then(|r| r.image_bytes),
                        app_rebuild_seconds: result.and_then(|r| r.app_rebuild_seconds),
                    }
                })
                .collect(),
        }
    }

    /// The figures of `rung` (Dockerfile `text`) beside those of the
    /// previous step (with its Dockerfile), when the newest run has both.
    fn measured(
        &self,
        previous: Option<(&Rung, &str)>,
        rung: &Rung,
        text: &str,
    ) -> Option<Measured> {
        let after = rung.finished()?;
        let before = match previous {
            Some((p, _)) => Some(p.finished()?),
            None => None,
        };
        let dockerfile_changed = previous
            .and_then(|(_, old)| before.map(|b| (b, old)))
            .into_iter()
            .chain([(after, text)])
            .any(|(result, now)| result.dockerfile.as_deref().is_some_and(|then| then != now));
        let measured = Measured {
            run_date: self.project.run_date.clone()?,
            dockerfile_changed,
            image_bytes: pair(before, after, |v| v.image_bytes),
            cold_seconds: pair(before, after, |v| v.cold_seconds),
            app_rebuild_seconds: pair(before, after, |v| v.app_rebuild_seconds),
            deps_rebuild_seconds: pair(before, after, |v| v.deps_rebuild_seconds),
            start_seconds: pair(before, after, |v| v.start_seconds),
        };
        let any = measured.image_bytes.is_some()
            || measured.cold_seconds.is_some()
            || measured.app_rebuild_seconds.is_some()
            || measured.deps_rebuild_seconds.is_some()
            || measured.start_seconds.is_some();
        any.then_some(measured)
    }
}

/// `figure` of both steps, or of this one alone at the starting point.
fn pair<T: Copy>(
    before: Option<&VariantResult>,
    after: &VariantResult,
    figure: impl Fn(&VariantResult) -> Option<T>,
) -> Option<Pair<T>> {
    let now = figure(after)?;
    let then = match before {
        Some(before) => Some(figure(before)?),
        None => None,
    };
    Some(Pair {
        before: then,
        after: now,
    })
}

/// The diff as the lines of a unified diff, marks included.
fn unified<S: Serializer>(lines: &[diff::Line], serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_seq(
        lines
            .iter()
            .map(|line| format!("{}{}", diff::mark(line.kind), line.text)),
    )
}

/// A step's explanation as text for the terminal: heading and reason, the
/// Dockerfile change, why it matters, what it measured. Styled with
/// `console`, so it is plain when colours are off (NO_COLOR, or stdout not a
/// terminal). No trailing newline.
pub fn explanation_text(step: &Explanation) -> String {
    format!("{}\n\n{}", intro_text(step), measured_section(step))
}

/// `explanation_text` without what was measured: for a tour, which is about to
/// measure the step itself.
pub fn intro_text(step: &Explanation) -> String {
    let bold = Style::new().bold();
    let role = match (&step.previous, step.recommended) {
        (None, _) => ", the starting point",
        (Some(_), true) => ", the recommendation",
        (Some(_), false) => "",
    };
    let mut sections = vec![format!(
        "{}\n{}",
        bold.apply_to(format!(
            "Step {} of the {} ladder: {}{role}",
            step.step, step.profile, step.variant
        )),
        step.reason
    )];
    sections.push(dockerfile_section(step));
    sections.push(match &step.explanation {
        Some(text) => format!("{}\n{}", bold.apply_to("Why it matters"), text.trim_end()),
        None => format!(
            "dockwright has no explanation of `{}`: it is not one of the variants it generates.",
            step.variant
        ),
    });
    sections.join("\n\n")
}

fn dockerfile_section(step: &Explanation) -> String {
    let bold = Style::new().bold();
    let Some(previous) = &step.previous else {
        return format!(
            "{}\n{}",
            bold.apply_to(format!(
                "The starting point; its whole Dockerfile ({}):",
                step.dockerfile
            )),
            step.dockerfile_text.trim_end()
        );
    };
    if step.diff.is_empty() {
        return format!("{} is the same as {}'s.", step.dockerfile, previous.variant);
    }
    let (cyan, green, red) = (
        Style::new().cyan(),
        Style::new().green(),
        Style::new().red(),
    );
    let mut lines = vec![
        bold.apply_to(format!("What changes from {}:", previous.variant))
            .to_string(),
        bold.apply_to(format!("--- {}", previous.dockerfile))
            .to_string(),
        bold.apply_to(format!("+++ {}", step.dockerfile))
            .to_string(),
    ];
    lines.extend(step.diff.iter().map(|line| {
        let text = format!("{}{}", diff::mark(line.kind), line.text);
        match line.kind {
            Kind::Hunk => cyan.apply_to(text).to_string(),
            Kind::Added => green.apply_to(text).to_string(),
            Kind::Removed => red.apply_to(text).to_string(),
            Kind::Context => text,
        }
    }));
    lines.join("\n")
}

fn measured_section(step: &Explanation) -> String {
    let Some(measured) = &step.measured else {
        let names: Vec<&str> = step
            .previous
            .iter()
            .map(|p| p.variant.as_str())
            .chain([step.variant.as_str()])
            .collect();
        return format!(
            "No measurement of this step yet: run `dockwright measure {}` to see what it does.",
            names.join(" ")
        );
    };
    let mut lines = vec![Style::new()
        .bold()
        .apply_to(format!("Measured on {}", measured.run_date))
        .to_string()];
    if let Some(pair) = measured.image_bytes {
        lines.push(format!(
            "  image {}",
            shown(pair, figures::size, |b, a| figures::size_change(
                figures::size_delta(b, a)
            ))
        ));
    }
    let time = |label: &str, pair: Option<Pair<Timing>>| {
        pair.map(|pair| {
            format!(
                "  {label} {}",
                shown(
                    pair,
                    |t: Timing| figures::seconds(t.median),
                    figures::timing_change
                )
            )
        })
    };
    lines.extend(time("cold build", measured.cold_seconds));
    lines.extend(time("app-edit rebuild", measured.app_rebuild_seconds));
    lines.extend(time("deps-edit rebuild", measured.deps_rebuild_seconds));
    lines.extend(time("start", measured.start_seconds));
    if measured.dockerfile_changed {
        lines.push(
            "  (measured with an earlier version of these Dockerfiles; run `dockwright measure` again for today's figures)"
                .to_string(),
        );
    }
    lines.join("\n")
}

/// `1.03 GB → 412 MB (−622 MB)`, or the figure alone at the starting point.
fn shown<T: Copy>(
    pair: Pair<T>,
    figure: impl Fn(T) -> String,
    change: impl Fn(T, T) -> String,
) -> String {
    match pair.before {
        Some(before) => format!(
            "{} → {} ({})",
            figure(before),
            figure(pair.after),
            change(before, pair.after)
        ),
        None => figure(pair.after),
    }
}

/// One step of a ladder listing: its number, name, reason and mark. `dockwright
/// variants` and `explain` list the ladder with it.
pub fn listing_line(step: usize, name: &str, width: usize, reason: &str, mark: &str) -> String {
    let mark = if mark.is_empty() {
        String::new()
    } else {
        format!("  {}", Style::new().dim().apply_to(mark))
    };
    format!("{step:>2}  {name:width$}  {reason}{mark}")
}

/// The ladder as a numbered list, each step with its reason and, when the
/// newest run has them, its image size and app-edit rebuild. No trailing
/// newline.
pub fn overview_text(overview: &Overview) -> String {
    let bold = Style::new().bold();
    let dim = Style::new().dim();
    let width = overview
        .steps
        .iter()
        .map(|s| s.variant.chars().count())
        .max()
        .unwrap_or(0);
    let mut lines = vec![bold
        .apply_to(format!(
            "{}: the {} ladder, {} steps",
            overview.project,
            overview.profile,
            overview.steps.len()
        ))
        .to_string()];
    for step in &overview.steps {
        lines.push(listing_line(
            step.step,
            &step.variant,
            width,
            &step.reason,
            step.mark,
        ));
        if overview.run_date.is_some() {
            let figures: Vec<String> = step
                .image_bytes
                .map(|b| format!("image {}", figures::size(b)))
                .into_iter()
                .chain(
                    step.app_rebuild_seconds
                        .map(|t| format!("app-edit rebuild {}", figures::seconds(t.median))),
                )
                .collect();
            let figures = if figures.is_empty() {
                "not measured".to_string()
            } else {
                figures.join(" · ")
            };
            lines.push(format!("    {:width$}  {}", "", dim.apply_to(figures)));
        }
    }
    lines.push(String::new());
    lines.push(match &overview.run_date {
        Some(date) => format!("Figures from the run of {date}."),
        None => {
            "No measurements yet: `dockwright measure` adds image sizes and rebuild times here."
                .to_string()
        }
    });
    lines.push("`dockwright explain VARIANT` shows what a step changes and why.".to_string());
    lines.join("\n")
}
