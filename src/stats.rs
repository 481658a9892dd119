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
