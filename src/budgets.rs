//! Budgets: the limits a team sets in dockwright.toml's `[budgets]` on
//! image sizes and build times, and a saved run judged against them.
//!
//! ```toml
//! [budgets]                       # the profile's recommended variant
//! max_image = "150 MB"
//! max_app_rebuild = "1 s"
//! max_image_vs_baseline = 0.3     # against the ladder's first variant
//!
//! [budgets.variants.docker-init]  # one variant
//! max_cold_build = "40 s"
//! ```

pub mod render;

use crate::figures;
use crate::ladder;
use crate::results::{Run, Status, VariantResult};

/// What a budget limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    Image,
    CompressedImage,
    ColdBuild,
    AppRebuild,
    DepsRebuild,
    /// From `run` until the app first answers `GET /`.
    Start,
}

impl Metric {
    const ALL: [Metric; 6] = [
        Metric::Image,
        Metric::CompressedImage,
        Metric::ColdBuild,
        Metric::AppRebuild,
        Metric::DepsRebuild,
        Metric::Start,
    ];

    /// The key's stem: `max_<stem>` and `max_<stem>_vs_baseline`.
    fn stem(self) -> &'static str {
        match self {
            Metric::Image => "image",
            Metric::CompressedImage => "compressed_image",
            Metric::ColdBuild => "cold_build",
            Metric::AppRebuild => "app_rebuild",
            Metric::DepsRebuild => "deps_rebuild",
            Metric::Start => "start",
        }
    }

    fn is_size(self) -> bool {
        matches!(self, Metric::Image | Metric::CompressedImage)
    }

    /// The variant's figure: bytes, or the median of its build seconds.
    fn of(self, variant: &VariantResult) -> Option<f64> {
        let median = |t: Option<crate::results::Timing>| t.map(|t| t.median);
        match self {
            Metric::Image => variant.image_bytes.map(|b| b as f64),
            Metric::CompressedImage => variant.compressed_bytes.map(|b| b as f64),
            Metric::ColdBuild => median(variant.cold_seconds),
            Metric::AppRebuild => median(variant.app_rebuild_seconds),
            Metric::DepsRebuild => median(variant.deps_rebuild_seconds),
            Metric::Start => median(variant.start_seconds),
        }
    }

    /// `value` in the metric's unit, as the tables write it.
    fn show(self, value: f64) -> String {
        if self.is_size() {
            figures::size(value.max(0.0).round() as u64)
        } else {
            figures::seconds(value)
        }
    }
}

/// One limit on one metric.
#[derive(Debug, Clone, PartialEq)]
pub struct Budget {
    pub metric: Metric,
    /// A ratio against the baseline variant's figure in the same run,
    /// instead of an absolute limit.
    pub vs_baseline: bool,
    /// Bytes, seconds, or the ratio.
    pub limit: f64,
}

impl Budget {
    /// Its key in dockwright.toml: `max_image`, `max_image_vs_baseline`.
    pub fn key(&self) -> String {
        let suffix = if self.vs_baseline { "_vs_baseline" } else { "" };
        format!("max_{}{suffix}", self.metric.stem())
    }

    fn show(&self, value: f64) -> String {
        if self.vs_baseline {
            format!("{value:.2}×")
        } else {
            self.metric.show(value)
        }
    }

    /// A margin: as `show`, but a time under a tenth of a second in
    /// milliseconds, where `0.30 s over 0.30 s` would hide it.
    fn show_margin(&self, margin: f64) -> String {
        let time = !self.vs_baseline && !self.metric.is_size();
        if time && margin < 0.1 {
            format!("{:.0} ms", margin * 1000.0)
        } else {
            self.show(margin)
        }
    }
}

/// Every budget of a project.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Budgets {
    /// `[budgets]`: on the profile's recommended variant.
    pub recommended: Vec<Budget>,
    /// `[budgets.variants.NAME]`, in the file's order.
    pub variants: Vec<(String, Vec<Budget>)>,
}

impl Budgets {
    /// Whether any budget limits a build time, which emulation slows.
    pub fn limits_times(&self) -> bool {
        self.recommended
            .iter()
            .chain(self.variants.iter().flat_map(|(_, limits)| limits))
            .any(|budget| !budget.metric.is_size())
    }

    /// The budgets of `[budgets]` (`table`), or the sentence that says
    /// which setting is wrong and how to write it.
    pub fn parse(table: &toml::Table) -> Result<Budgets, String> {
        let mut budgets = Budgets::default();
        for (key, value) in table {
            if key == "variants" {
                let Some(variants) = value.as_table() else {
                    return Err("`[budgets] variants` must be a table of variants, such as `[budgets.variants.uv-minimal]`".to_string());
                };
                for (name, limits) in variants {
                    let place = format!("[budgets.variants.{name}]");
                    let Some(limits) = limits.as_table() else {
                        return Err(format!(
                            "`{place}` must be a table of budgets, such as `max_image = \"150 MB\"`"
                        ));
                    };
                    let parsed = limits
                        .iter()
                        .map(|(key, value)| budget(&place, key, value))
                        .collect::<Result<_, _>>()?;
                    budgets.variants.push((name.clone(), parsed));
                }
            } else {
                budgets.recommended.push(budget("[budgets]", key, value)?);
            }
        }
        Ok(budgets)
    }

    pub fn is_empty(&self) -> bool {
        self.recommended.is_empty() && self.variants.iter().all(|(_, b)| b.is_empty())
    }

    /// Whether any budget is a ratio against the baseline.
    pub fn need_baseline(&self) -> bool {
        self.recommended
            .iter()
            .chain(self.variants.iter().flat_map(|(_, b)| b))
            .any(|b| b.vs_baseline)
    }
}

/// The budget `key = value` in table `place`.
fn budget(place: &str, key: &str, value: &toml::Value) -> Result<Budget, String> {
    let keys = || {
        Metric::ALL
            .iter()
            .map(|m| format!("max_{}", m.stem()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let unknown = || {
        format!(
            "`{key}` in {place} is not a budget; use one of {} (each also as `..._vs_baseline`, a ratio)",
            keys()
        )
    };
    let rest = key.strip_prefix("max_").ok_or_else(unknown)?;
    let (stem, vs_baseline) = match rest.strip_suffix("_vs_baseline") {
        Some(stem) => (stem, true),
        None => (rest, false),
    };
    let metric = Metric::ALL
        .into_iter()
        .find(|m| m.stem() == stem)
        .ok_or_else(unknown)?;
    let limit = if vs_baseline {
        ratio(value)
            .ok_or_else(|| format!("`{key}` in {place} must be a ratio above 0, such as 0.3"))?
    } else if metric.is_size() {
        size(value).ok_or_else(|| {
            format!("`{key} = {value}` in {place} is not a size; write it like \"150 MB\", \"1.5 GB\", \"800 kB\" or \"120 MiB\"")
        })?
    } else {
        seconds(value).ok_or_else(|| {
            format!(
                "`{key} = {value}` in {place} is not a duration; write it like \"1 s\", \"500 ms\" or \"2 min\""
            )
        })?
    };
    Ok(Budget {
        metric,
        vs_baseline,
        limit,
    })
}

fn ratio(value: &toml::Value) -> Option<f64> {
    let number = match value {
        toml::Value::Float(f) => *f,
        toml::Value::Integer(i) => *i as f64,
        _ => return None,
    };
    (number.is_finite() && number > 0.0).then_some(number)
}

/// A number and its unit, `"150 MB"` or `"1.5s"`: the unit's factor, from
/// `units`, applied.
fn with_unit(text: &str, units: &[(&str, f64)]) -> Option<f64> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: f64 = number.parse().ok()?;
    let factor = units.iter().find(|(name, _)| *name == unit.trim())?.1;
    let value = number * factor;
    (value.is_finite() && value > 0.0).then_some(value)
}

/// Bytes: decimal units as dockwright prints sizes, binary ones too.
fn size(value: &toml::Value) -> Option<f64> {
    const UNITS: &[(&str, f64)] = &[
        ("B", 1.0),
        ("kB", 1e3),
        ("KB", 1e3),
        ("MB", 1e6),
        ("GB", 1e9),
        ("KiB", 1024.0),
        ("MiB", 1048576.0),
        ("GiB", 1073741824.0),
    ];
    match value {
        toml::Value::Integer(bytes) if *bytes > 0 => Some(*bytes as f64),
        toml::Value::String(text) => with_unit(text, UNITS),
        _ => None,
    }
}

/// Seconds, from a duration such as `"1.5 s"` or `"2 min"`; also for
/// `[measure] start_timeout`.
pub fn seconds(value: &toml::Value) -> Option<f64> {
    const UNITS: &[(&str, f64)] = &[
        ("ms", 1e-3),
        ("s", 1.0),
        ("min", 60.0),
        ("m", 60.0),
        ("h", 3600.0),
    ];
    match value {
        toml::Value::String(text) => with_unit(text, UNITS),
        _ => None,
    }
}

/// One budget judged on one variant of a run.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Judged {
    pub variant: String,
    pub budget: String,
    /// The figure, in bytes, seconds or as a ratio; null when there is none.
    pub value: Option<f64>,
    pub limit: f64,
    pub passed: bool,
    /// How far under (positive) or over (negative) the limit, in its unit.
    pub margin: Option<f64>,
    /// The value, the limit and the margin as the table writes them.
    #[serde(skip)]
    pub shown: [String; 3],
    /// Why there is no value: the variant failed, was skipped, is missing.
    pub reason: Option<String>,
}

impl Judged {
    /// The verdict in one sentence, for CI annotations and JUnit failures.
    pub fn sentence(&self) -> String {
        let [value, limit, _] = &self.shown;
        match &self.reason {
            Some(reason) => format!(
                "{}: {} ({limit}) cannot be judged, so it counts as broken: {reason}",
                self.variant, self.budget
            ),
            None if self.passed => format!(
                "{}: {} {value} is within {limit}",
                self.variant, self.budget
            ),
            None => format!(
                "{}: {} {value} is over its limit of {limit}, by {}",
                self.variant,
                self.budget,
                self.shown[2].trim_end_matches(" over")
            ),
        }
    }
}

/// Judges every budget on `run`. A budget on a variant that failed, was
/// skipped or is not in the run is broken, with the reason; never passed.
pub fn judge(budgets: &Budgets, run: &Run) -> Vec<Judged> {
    let recommended = run.variants.iter().find(|v| v.recommended);
    let baseline = ladder::places(&run.variants)
        .find(|(place, _)| place.baseline())
        .map(|(_, variant)| variant);
    let mut judged = Vec::new();
    let mut add = |name: Option<&str>, variant: Option<&VariantResult>, budget: &Budget| {
        let name = name.unwrap_or("(recommended)");
        judged.push(one(name, variant, baseline, budget));
    };
    for budget in &budgets.recommended {
        add(recommended.map(|v| v.name.as_str()), recommended, budget);
    }
    for (name, limits) in &budgets.variants {
        let variant = run.variants.iter().find(|v| &v.name == name);
        for budget in limits {
            add(Some(name), variant, budget);
        }
    }
    judged
}

fn one(
    name: &str,
    variant: Option<&VariantResult>,
    baseline: Option<&VariantResult>,
    budget: &Budget,
) -> Judged {
    let value = figure(name, variant, baseline, budget);
    let limit = budget.limit;
    let (value, reason) = match value {
        Ok(value) => (Some(value), None),
        Err(reason) => (None, Some(reason)),
    };
    let margin = value.map(|value| limit - value);
    let passed = margin.is_some_and(|m| m >= 0.0);
    let shown = [
        value.map_or("—".to_string(), |v| budget.show(v)),
        budget.show(limit),
        margin.map_or("—".to_string(), |m| {
            let side = if m >= 0.0 { "under" } else { "over" };
            format!("{} {side}", budget.show_margin(m.abs()))
        }),
    ];
    Judged {
        variant: name.to_string(),
        budget: budget.key(),
        value,
        limit,
        passed,
        margin,
        shown,
        reason,
    }
}

/// The figure `budget` limits on `variant`, or why there is none.
fn figure(
    name: &str,
    variant: Option<&VariantResult>,
    baseline: Option<&VariantResult>,
    budget: &Budget,
) -> Result<f64, String> {
    let finished = |variant: Option<&VariantResult>, what: &str| -> Result<f64, String> {
        let variant = variant.ok_or_else(|| format!("the run has no {what}"))?;
        match variant.status {
            Status::Ok => {}
            status => {
                let why = variant
                    .reason
                    .as_deref()
                    .unwrap_or("no reason was recorded");
                return Err(format!("{} {status}: {why}", variant.name));
            }
        }
        budget.metric.of(variant).ok_or_else(|| {
            format!(
                "the run did not measure the {} of {}",
                budget.metric.stem().replace('_', " "),
                variant.name
            )
        })
    };
    let what = if name == "(recommended)" {
        "recommended variant".to_string()
    } else {
        format!("variant `{name}`")
    };
    let value = finished(variant, &what)?;
    if !budget.vs_baseline {
        return Ok(value);
    }
    let base = finished(baseline, "baseline variant")?;
    if base <= 0.0 {
        return Err("the baseline's figure is zero, so no ratio can be taken".to_string());
    }
    Ok(value / base)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::Timing;

    fn parse(text: &str) -> Result<Budgets, String> {
        let table: toml::Table = toml::from_str(text).unwrap();
        Budgets::parse(&table)
    }

    #[test]
    fn only_a_time_budget_limits_times() {
        let sizes =
            parse("max_image = \"150 MB\"\n[variants.uv]\nmax_compressed_image = 1\n").unwrap();
        assert!(!sizes.limits_times());
        let time =
            parse("max_image = \"150 MB\"\n[variants.uv]\nmax_cold_build = \"2 min\"\n").unwrap();
        assert!(time.limits_times());
        assert!(parse("max_app_rebuild_vs_baseline = 0.5\n")
            .unwrap()
            .limits_times());
    }

    #[test]
    fn budgets_read_with_their_units() {
        let budgets = parse(
            r#"
max_image = "150 MB"
max_compressed_image = "120MiB"
max_app_rebuild = "500 ms"
max_cold_build = "2 min"
max_image_vs_baseline = 0.3
[variants.docker-init]
max_deps_rebuild = "1.5s"
max_image = 200000000
"#,
        )
        .unwrap();
        let limits: Vec<(String, f64)> = budgets
            .recommended
            .iter()
            .map(|b| (b.key(), b.limit))
            .collect();
        assert_eq!(
            limits,
            [
                ("max_image".to_string(), 150e6),
                ("max_compressed_image".to_string(), 120.0 * 1048576.0),
                ("max_app_rebuild".to_string(), 0.5),
                ("max_cold_build".to_string(), 120.0),
                ("max_image_vs_baseline".to_string(), 0.3),
            ]
        );
        assert_eq!(budgets.variants[0].0, "docker-init");
        assert_eq!(budgets.variants[0].1[0].limit, 1.5);
        assert_eq!(budgets.variants[0].1[1].limit, 200e6);
        assert!(budgets.need_baseline());
    }

    #[test]
    fn a_wrong_budget_is_one_sentence_with_the_fix() {
        for (text, says) in [
            (
                "max_imgae = \"1 MB\"",
                "`max_imgae` in [budgets] is not a budget; use one of max_image,",
            ),
            (
                "max_image = \"150 MBs\"",
                "is not a size; write it like \"150 MB\"",
            ),
            ("max_image = \"-1 MB\"", "is not a size"),
            (
                "max_app_rebuild = 1",
                "is not a duration; write it like \"1 s\"",
            ),
            ("max_app_rebuild = \"1 fortnight\"", "is not a duration"),
            (
                "max_image_vs_baseline = 0",
                "must be a ratio above 0, such as 0.3",
            ),
            ("max_image_vs_baseline = \"0.3\"", "must be a ratio above 0"),
            ("variants = 3", "must be a table of variants"),
            (
                "[variants.uv]\nmax_size = \"1 MB\"",
                "`max_size` in [budgets.variants.uv] is not a budget",
            ),
        ] {
            let err = parse(text).unwrap_err();
            assert!(err.contains(says), "{text}: {err}");
            assert!(!err.contains('\n'), "{err}");
        }
    }

    fn variant(name: &str, status: Status, bytes: Option<u64>, app: Option<f64>) -> VariantResult {
        let mut v = VariantResult::new(name, false);
        v.status = status;
        v.image_bytes = bytes;
        v.app_rebuild_seconds = app.map(Timing::single);
        if status != Status::Ok {
            v.reason = Some("the cold build failed".into());
        }
        v
    }

    #[test]
    fn a_run_is_judged_against_each_budget() {
        let mut best = variant("uv-minimal", Status::Ok, Some(40_000_000), Some(0.4));
        best.recommended = true;
        let run = Run::sample(
            1,
            vec![
                variant("docker-init", Status::Ok, Some(200_000_000), Some(0.5)),
                variant("uv", Status::Failed, None, None),
                best,
            ],
        );
        let budgets = parse(
            r#"
max_image = "50 MB"
max_app_rebuild = "350 ms"
max_image_vs_baseline = 0.25
[variants.uv]
max_image = "1 GB"
[variants.gone]
max_image = "1 GB"
"#,
        )
        .unwrap();
        let judged = judge(&budgets, &run);
        let verdicts: Vec<(&str, &str, bool)> = judged
            .iter()
            .map(|j| (j.variant.as_str(), j.budget.as_str(), j.passed))
            .collect();
        assert_eq!(
            verdicts,
            [
                ("uv-minimal", "max_image", true),
                ("uv-minimal", "max_app_rebuild", false),
                ("uv-minimal", "max_image_vs_baseline", true),
                ("uv", "max_image", false),
                ("gone", "max_image", false),
            ]
        );
        assert_eq!(judged[0].shown, ["40.0 MB", "50.0 MB", "10.0 MB under"]);
        assert_eq!(judged[1].shown, ["0.40 s", "0.35 s", "50 ms over"]);
        assert_eq!(
            judged[1].sentence(),
            "uv-minimal: max_app_rebuild 0.40 s is over its limit of 0.35 s, by 50 ms"
        );
        assert_eq!(judged[2].shown, ["0.20×", "0.25×", "0.05× under"]);
        assert_eq!(
            judged[3].reason.as_deref(),
            Some("uv failed: the cold build failed")
        );
        assert_eq!(
            judged[4].reason.as_deref(),
            Some("the run has no variant `gone`")
        );
        assert!(judged[4].sentence().contains("counts as broken"));
    }

    #[test]
    fn a_start_is_judged_as_a_time_and_against_the_baseline() {
        let mut base = variant("docker-init", Status::Ok, Some(1), None);
        base.start_seconds = Some(Timing::single(0.5));
        let mut best = variant("uv", Status::Ok, Some(1), None);
        best.recommended = true;
        best.start_seconds = Some(Timing::single(1.5));
        let run = Run::sample(1, vec![base, best]);
        let budgets = parse("max_start = \"2 s\"\nmax_start_vs_baseline = 1.2").unwrap();
        let judged = judge(&budgets, &run);
        assert_eq!(judged[0].budget, "max_start");
        assert!(judged[0].passed);
        assert_eq!(judged[0].shown, ["1.5 s", "2.0 s", "0.50 s under"]);
        assert_eq!(judged[1].budget, "max_start_vs_baseline");
        assert!(!judged[1].passed);
        assert_eq!(judged[1].shown[0], "3.00×");
    }

    #[test]
    fn a_run_without_a_recommendation_breaks_the_project_budgets() {
        let run = Run::sample(1, vec![variant("docker-init", Status::Ok, Some(1), None)]);
        let judged = judge(&parse("max_image = \"1 GB\"").unwrap(), &run);
        assert!(!judged[0].passed);
        assert_eq!(
            judged[0].reason.as_deref(),
            Some("the run has no recommended variant")
        );
    }
}
