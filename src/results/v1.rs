//! Saved runs of format 1, written before runs had a `schema_version`:
//! brought to format 2 on load, so every reader sees one model.
//!
//! Format 1 kept each time flat: `app_rebuild_seconds` (the median),
//! `app_rebuild_seconds_min` and `_max` (written only with `runs` above 1),
//! and the same for the deps-edit rebuild; the cold build was a bare number;
//! the repeat count was `runs`.

use serde_json::{json, Map, Value};

/// Rewrites a format-1 run, in place, into format 2. Anything that is not
/// what format 1 wrote is left as it is, for the reader to refuse.
pub fn migrate(run: &mut Value) {
    let Some(run) = run.as_object_mut() else {
        return;
    };
    let repeats = run.remove("runs");
    let samples = repeats.as_ref().and_then(Value::as_u64).unwrap_or(1);
    if let Some(repeats) = repeats {
        run.insert("repeats".to_string(), repeats);
    }
    let variants = run.get_mut("variants").and_then(Value::as_array_mut);
    for variant in variants
        .into_iter()
        .flatten()
        .filter_map(Value::as_object_mut)
    {
        timing(variant, "cold_seconds", 1);
        timing(variant, "app_rebuild_seconds", samples);
        timing(variant, "deps_rebuild_seconds", samples);
    }
}

/// Folds `key` and its `_min` and `_max` into one timing of `samples`
/// builds. A range in a run that did not repeat the builds is dropped, as
/// format 1's readers ignored it.
fn timing(variant: &mut Map<String, Value>, key: &str, samples: u64) {
    let min = variant.remove(&format!("{key}_min"));
    let max = variant.remove(&format!("{key}_max"));
    let Some(median) = variant.get(key).and_then(Value::as_f64) else {
        return;
    };
    let range = min
        .as_ref()
        .and_then(Value::as_f64)
        .zip(max.as_ref().and_then(Value::as_f64));
    let timing = match range {
        Some((min, max)) if samples > 1 => {
            json!({"median": median, "min": min, "max": max, "samples": samples})
        }
        _ => json!({"median": median, "min": median, "max": median, "samples": 1}),
    };
    variant.insert(key.to_string(), timing);
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::results::{Run, Timing};

    fn run_v1(runs: u64, variant: serde_json::Value) -> String {
        json!({
            "project": "demo", "profile": "balanced", "dockwright_version": "0.1.0",
            "date": "2026-03-21T14:02:11Z",
            "host": { "name": "h", "os": "linux", "cpus": 2, "memory_bytes": null },
            "engine": {
                "program": "docker", "client_version": "20.10", "server_version": "20.10",
                "builder": "BuildKit"
            },
            "runs": runs, "commands": [], "variants": [variant]
        })
        .to_string()
    }

    #[test]
    fn flat_times_become_timings_of_the_runs_samples() {
        let text = run_v1(
            3,
            json!({
                "name": "uv", "status": "ok", "reason": null, "recommended": true,
                "image_bytes": 10, "compressed_bytes": 4, "layers": 2,
                "cold_seconds": 9.5,
                "app_rebuild_seconds": 0.2, "app_rebuild_seconds_min": 0.1,
                "app_rebuild_seconds_max": 0.4,
                "deps_rebuild_seconds": null, "log": null
            }),
        );
        let run = Run::from_json(&text).unwrap();
        assert_eq!(run.repeats, 3);
        let v = &run.variants[0];
        assert_eq!(v.cold_seconds, Some(Timing::single(9.5)));
        assert_eq!(
            v.app_rebuild_seconds,
            Some(Timing {
                median: 0.2,
                min: 0.1,
                max: 0.4,
                samples: 3
            })
        );
        assert_eq!(v.deps_rebuild_seconds, None);
    }

    /// Format 1's readers showed no range unless `runs` was above 1.
    #[test]
    fn a_range_beside_a_single_run_is_dropped() {
        let text = run_v1(
            1,
            json!({
                "name": "uv", "status": "ok", "reason": null, "recommended": true,
                "image_bytes": null, "compressed_bytes": null, "layers": null,
                "cold_seconds": null,
                "app_rebuild_seconds": 0.2, "app_rebuild_seconds_min": 0.1,
                "app_rebuild_seconds_max": 0.4,
                "deps_rebuild_seconds": 1.5, "log": null
            }),
        );
        let v = &Run::from_json(&text).unwrap().variants[0];
        assert_eq!(v.app_rebuild_seconds, Some(Timing::single(0.2)));
        assert_eq!(v.deps_rebuild_seconds, Some(Timing::single(1.5)));
        assert_eq!(v.cold_seconds, None);
    }
}
