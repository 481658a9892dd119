//! The workshop's pieces that are not the build itself: which saved
//! measurement a step may reuse, which steps deserve a warning before they
//! start, and the one line that says what a step did to the one before it.

use crate::figures;
use crate::ladder::Rung;
use crate::results::{Run, Status, VariantResult};

/// A cold build this long (in seconds) is worth a warning before it starts.
const SLOW_SECONDS: f64 = 120.0;

/// The newest saved result of `rung` measured from the very same Dockerfile
/// on the same base images for the same platform, with the figures a tour
/// shows; `runs` newest first.
pub fn reusable(
    runs: &[Run],
    rung: &Rung,
    base_set: Option<&str>,
    platform: Option<&str>,
) -> Option<VariantResult> {
    let text = rung.text().ok()?;
    runs.iter()
        .filter(|run| run.base_set.as_deref() == base_set && run.platform.as_deref() == platform)
        .flat_map(|run| &run.variants)
        .find(|v| {
            v.name == rung.name
                && v.status == Status::Ok
                && v.dockerfile.as_deref() == Some(text)
                && v.cold_seconds.is_some()
                && v.app_rebuild_seconds.is_some()
        })
        .cloned()
}

/// Why `rung` may keep the room waiting, or none: its last cold build (from
/// `runs`, newest first) when that took minutes, else what its Dockerfile
/// says it does.
pub fn slow_warning(runs: &[Run], rung: &Rung) -> Option<String> {
    let last = runs
        .iter()
        .flat_map(|run| &run.variants)
        .find(|v| v.name == rung.name && v.status == Status::Ok)
        .and_then(|v| v.cold_seconds)
        .map(|t| t.median);
    match last {
        Some(seconds) if seconds >= SLOW_SECONDS => Some(format!(
            "`{}` is slow: its cold build took {} last time",
            rung.name,
            figures::rough_duration(seconds)
        )),
        Some(_) => None,
        None if rung.facts.compiles_from_source => Some(format!(
            "`{}` is slow: it compiles the dependencies from source, a few minutes for small \
             ones and tens of minutes for numpy and pandas",
            rung.name
        )),
        None => None,
    }
}

/// What `current` changed against `previous`: image size, app-edit rebuild,
/// cold build and start, each with the two figures when both have it; none
/// when they share no figure.
pub fn effect(previous: &VariantResult, current: &VariantResult) -> Option<String> {
    let mut parts = Vec::new();
    if let (Some(before), Some(after)) = (previous.image_bytes, current.image_bytes) {
        parts.push(format!(
            "image {} ({} → {})",
            figures::size_change(figures::size_delta(before, after)),
            figures::size(before),
            figures::size(after)
        ));
    }
    for (label, before, after) in [
        (
            "app-edit rebuild",
            previous.app_rebuild_seconds,
            current.app_rebuild_seconds,
        ),
        ("cold build", previous.cold_seconds, current.cold_seconds),
        ("start", previous.start_seconds, current.start_seconds),
    ] {
        if let (Some(before), Some(after)) = (before, after) {
            parts.push(format!(
                "{label} {} ({} → {})",
                figures::timing_change(before, after),
                figures::seconds(before.median),
                figures::seconds(after.median)
            ));
        }
    }
    (!parts.is_empty()).then(|| {
        format!(
            "{} against {}: {}",
            current.name,
            previous.name,
            parts.join(", ")
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::Timing;

    fn rung(name: &str, text: &str) -> Rung {
        Rung::sample(name, text)
    }

    fn measured(name: &str, text: &str, cold: f64, app: f64, bytes: u64) -> VariantResult {
        let mut v = VariantResult::new(name, false);
        v.dockerfile = Some(text.to_string());
        v.cold_seconds = Some(Timing::single(cold));
        v.app_rebuild_seconds = Some(Timing::single(app));
        v.image_bytes = Some(bytes);
        v
    }

    fn run(base_set: Option<&str>, variants: Vec<VariantResult>) -> Run {
        Run {
            base_set: base_set.map(str::to_string),
            ..Run::sample(1, variants)
        }
    }

    /// Sizes from 2^63 up wrapped when subtracted as i64.
    #[test]
    fn the_effect_of_a_step_from_a_huge_image_keeps_its_sign() {
        let before = measured("a", "FROM a\n", 10.0, 1.0, u64::MAX);
        let after = measured("b", "FROM b\n", 10.0, 1.0, 0);
        let line = effect(&before, &after).unwrap();
        assert!(line.contains(": image −"), "{line}");
    }

    #[test]
    fn only_a_result_of_the_same_dockerfile_and_base_set_is_reused() {
        let runs = [
            run(None, vec![measured("slim", "FROM b\n", 9.0, 1.0, 10)]),
            run(None, vec![measured("slim", "FROM a\n", 8.0, 1.0, 10)]),
            run(
                Some("other"),
                vec![measured("slim", "FROM c\n", 7.0, 1.0, 10)],
            ),
        ];
        let reused = reusable(&runs, &rung("slim", "FROM a\n"), None, None).unwrap();
        assert_eq!(reused.cold_seconds, Some(Timing::single(8.0)));
        assert!(reusable(&runs, &rung("slim", "FROM c\n"), None, None).is_none());
        assert!(reusable(&runs, &rung("slim", "FROM z\n"), None, None).is_none());
        assert!(reusable(&runs, &rung("uv", "FROM a\n"), None, None).is_none());
    }

    #[test]
    fn only_a_result_for_the_same_platform_is_reused() {
        let arm = Run {
            platform: Some("linux/arm64".into()),
            emulated: true,
            ..run(None, vec![measured("slim", "FROM a\n", 80.0, 3.0, 10)])
        };
        let runs = [
            arm,
            run(None, vec![measured("slim", "FROM a\n", 8.0, 1.0, 10)]),
        ];
        let slim = rung("slim", "FROM a\n");
        let native = reusable(&runs, &slim, None, None).unwrap();
        assert_eq!(native.cold_seconds, Some(Timing::single(8.0)));
        let emulated = reusable(&runs, &slim, None, Some("linux/arm64")).unwrap();
        assert_eq!(emulated.cold_seconds, Some(Timing::single(80.0)));
        assert!(reusable(&runs, &slim, None, Some("linux/arm/v7")).is_none());
    }

    #[test]
    fn a_failed_result_is_not_reused() {
        let mut failed = measured("slim", "FROM a\n", 8.0, 1.0, 10);
        failed.status = Status::Failed;
        let runs = [run(None, vec![failed])];
        assert!(reusable(&runs, &rung("slim", "FROM a\n"), None, None).is_none());
    }

    #[test]
    fn a_step_is_slow_by_its_last_cold_build_or_by_compiling_from_source() {
        let runs = [run(None, vec![measured("from-source", "x", 972.0, 1.0, 1)])];
        let warning = slow_warning(&runs, &rung("from-source", "x")).unwrap();
        assert!(warning.contains("about 16 min"), "{warning}");
        let fast = [run(None, vec![measured("slim", "x", 9.0, 1.0, 1)])];
        assert_eq!(slow_warning(&fast, &rung("slim", "x")), None);
        let mut compiling = rung("from-source", "x");
        compiling.facts.compiles_from_source = true;
        assert!(slow_warning(&[], &compiling)
            .unwrap()
            .contains("from source"));
        assert_eq!(slow_warning(&[], &rung("slim", "x")), None);
    }

    #[test]
    fn the_effect_names_both_figures_of_each_change() {
        let before = measured("baseline", "", 14.2, 13.6, 1_010_000_000);
        let after = measured(
            "requirements-first",
            "",
            13.9,
            0.17,
            1_010_000_000 - 488_000_000,
        );
        let line = effect(&before, &after).unwrap();
        assert_eq!(
            line,
            "requirements-first against baseline: image −488 MB (1.01 GB → 522 MB), \
             app-edit rebuild 80× faster (13.6 s → 0.17 s), \
             cold build same within noise: single runs under 10% apart (14.2 s → 13.9 s)"
        );
        let empty = VariantResult::new("alpine", false);
        assert_eq!(effect(&before, &empty), None);
    }

    #[test]
    fn the_effect_names_the_start_when_both_steps_timed_it() {
        let mut before = measured("docker-init", "", 12.0, 0.3, 300_000_000);
        let mut after = measured("uv", "", 2.4, 0.3, 280_000_000);
        before.start_seconds = Some(Timing::single(0.52));
        let line = effect(&before, &after).unwrap();
        assert!(!line.contains("start"), "{line}");
        after.start_seconds = Some(Timing::single(1.6));
        let line = effect(&before, &after).unwrap();
        assert!(
            line.ends_with(", start 3.1× slower (0.52 s → 1.6 s)"),
            "{line}"
        );
    }

    #[test]
    fn single_runs_four_percent_apart_are_neither_faster_nor_slower() {
        let before = measured("baseline", "", 50.0, 1.00, 100);
        let after = measured("slim", "", 48.0, 0.96, 100);
        for line in [
            effect(&before, &after).unwrap(),
            effect(&after, &before).unwrap(),
        ] {
            assert!(
                !line.contains("faster") && !line.contains("slower"),
                "{line}"
            );
            assert!(
                line.contains("app-edit rebuild same within noise: under 0.2 s apart"),
                "{line}"
            );
            assert!(
                line.contains("cold build same within noise: single runs under 10% apart"),
                "{line}"
            );
        }
    }
}
