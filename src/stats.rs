//! Summaries of repeated timings, and the warnings hyperfine taught people to
//! expect when the numbers are not to be trusted.

use crate::figures;
use crate::results::Timing;

/// The median, fastest and slowest of `samples` seconds; none without any.
pub fn timing(samples: &[f64]) -> Option<Timing> {
    if samples.is_empty() {
        return None;
    }
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mid = sorted.len() / 2;
    let median = if sorted.len().is_multiple_of(2) {
        (sorted[mid - 1] + sorted[mid]) / 2.0
    } else {
        sorted[mid]
    };
    Some(Timing {
        median,
        min: sorted[0],
        max: sorted[sorted.len() - 1],
        samples: samples.len(),
    })
}

/// Below this, differences are scheduling noise rather than build work.
pub const NOISE_FLOOR_SECONDS: f64 = 0.2;

/// With a single time on either side, a change under this many percent of
/// the faster time is noise (as is one under `NOISE_FLOOR_SECONDS`).
pub const NOISE_PERCENT: f64 = 10.0;

/// Why B's time differs from A's by no more than measuring noise, in words
/// that name the rule: their min–max ranges overlap when both have one;
/// otherwise the slower is within `NOISE_PERCENT` of the faster, or less
/// than `NOISE_FLOOR_SECONDS` slower. `None` for a real change.
pub fn noise(a: Timing, b: Timing) -> Option<String> {
    match (a.range(), b.range()) {
        (Some((a_min, a_max)), Some((b_min, b_max))) => {
            (a_min <= b_max && b_min <= a_max).then(|| "min–max ranges overlap".to_string())
        }
        _ => {
            let (fast, slow) = (a.median.min(b.median), a.median.max(b.median));
            if slow - fast < NOISE_FLOOR_SECONDS {
                Some(format!("under {NOISE_FLOOR_SECONDS} s apart"))
            } else if slow < fast * (1.0 + NOISE_PERCENT / 100.0) {
                Some(format!("single runs under {NOISE_PERCENT}% apart"))
            } else {
                None
            }
        }
    }
}

/// The noise rule in a line, for a table's legend.
pub fn noise_rule_short() -> String {
    format!(
        "single runs under {NOISE_PERCENT}% or {NOISE_FLOOR_SECONDS} s apart, or repeated ones whose min–max ranges overlap"
    )
}

/// Whether B's time differs from A's by no more than measuring noise.
pub fn is_noise(a: Timing, b: Timing) -> bool {
    noise(a, b).is_some()
}

/// Warnings, in words, about `samples` of `what` (e.g. "app-edit rebuilds of
/// slim"): a wide spread, or a first run much slower than the rest.
pub fn warnings(what: &str, samples: &[f64]) -> Vec<String> {
    let mut out = Vec::new();
    let Some(all) = timing(samples) else {
        return out;
    };
    if let (Some(first), Some(rest)) = (samples.first(), timing(&samples[1..])) {
        if samples.len() >= 3
            && *first > 2.0 * rest.median
            && first - rest.median > NOISE_FLOOR_SECONDS
        {
            out.push(format!(
                "the first of the {what} took {}, far longer than the others (median {}): a cache was probably still warming up; consider more --runs",
                figures::seconds(*first),
                figures::seconds(rest.median)
            ));
            return out;
        }
    }
    let range = all.max - all.min;
    if samples.len() >= 2 && range > all.median * 0.5 && range > NOISE_FLOOR_SECONDS {
        out.push(format!(
            "the {what} vary widely, from {} to {}: other work on this machine may have interfered; use more --runs or a quieter machine",
            figures::seconds(all.min),
            figures::seconds(all.max)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_of_odd_and_even_counts() {
        assert_eq!(
            timing(&[3.0, 1.0, 2.0]).unwrap(),
            Timing {
                median: 2.0,
                min: 1.0,
                max: 3.0,
                samples: 3
            }
        );
        assert_eq!(timing(&[4.0, 1.0, 2.0, 3.0]).unwrap().median, 2.5);
        assert_eq!(timing(&[]), None);
    }

    #[test]
    fn warns_about_a_slow_first_run() {
        let warnings = warnings("app-edit rebuilds of slim", &[3.0, 0.5, 0.6, 0.5]);
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].starts_with("the first of the app-edit rebuilds of slim took 3.0 s"));
    }

    #[test]
    fn warns_about_a_wide_spread_but_not_about_noise() {
        assert_eq!(warnings("x", &[1.0, 2.0, 1.1]).len(), 1);
        assert!(
            warnings("x", &[0.05, 0.12, 0.06]).is_empty(),
            "tiny absolute differences are noise"
        );
        assert!(warnings("x", &[6.0, 6.3, 6.1]).is_empty());
    }
}
