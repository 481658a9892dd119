//! How reports, `explain` and `compare` write figures and their changes for people:
//! decimal sizes, seconds, factors and percentages, with a real minus sign.

use crate::timing::Timing;

/// Decimal units, as `docker images` counts them, to three figures or so.
pub fn size(bytes: u64) -> String {
    decimal(u128::from(bytes))
}

/// `size` for a number of bytes as wide as the difference of two sizes.
fn decimal(bytes: u128) -> String {
    let b = bytes as f64;
    // The thresholds sit where rounding would otherwise print `1000 MB`.
    if b >= 999.5e6 {
        format!("{:.2} GB", b / 1e9)
    } else if b >= 99.95e6 {
        format!("{:.0} MB", b / 1e6)
    } else if b >= 999.95e3 {
        format!("{:.1} MB", b / 1e6)
    } else if b >= 1e3 {
        format!("{:.1} kB", b / 1e3)
    } else {
        format!("{bytes} B")
    }
}

/// `after` minus `before`, exactly: the difference of two `u64` sizes needs
/// a sign and more than an `i64` (`as i64` wraps sizes from 2^63 up).
pub fn size_delta(before: u64, after: u64) -> i128 {
    i128::from(after) - i128::from(before)
}

/// A change in size with its sign: `−35 MB`, `+4.1 kB`, `0 B`.
pub fn size_change(delta: i128) -> String {
    format!(
        "{}{}",
        sign(delta.signum() as f64),
        decimal(delta.unsigned_abs())
    )
}

/// Two decimals under a second, where rebuilds live; one above.
pub fn seconds(secs: f64) -> String {
    if secs.abs() < 1.0 {
        format!("{secs:.2} s")
    } else {
        format!("{secs:.1} s")
    }
}

/// A timing: its median, and the range of its samples when there were
/// several: `0.12 s (0.10–0.15)`, `2.2 s`.
pub fn timing(timing: &Timing) -> String {
    match timing.range() {
        Some((min, max)) => format!(
            "{} ({}–{})",
            seconds(timing.median),
            bare_seconds(min),
            bare_seconds(max)
        ),
        None => seconds(timing.median),
    }
}

/// Seconds without their unit, inside a range.
fn bare_seconds(secs: f64) -> String {
    seconds(secs).trim_end_matches(" s").to_string()
}

/// A duration told roughly, for a warning before a long wait: `95 s`,
/// `about 12 min`.
pub fn rough_duration(secs: f64) -> String {
    let minutes = (secs / 60.0).round() as u64;
    if minutes < 2 {
        format!("{secs:.0} s")
    } else {
        format!("about {minutes} min")
    }
}

/// A change in time with its sign: `−0.30 s`, `+12.4 s`.
pub fn seconds_change(delta: f64) -> String {
    format!("{}{}", sign(delta), seconds(delta.abs()))
}

/// A factor without its `×`: whole from 10 up, one decimal below.
pub fn times(factor: f64) -> String {
    if factor >= 10.0 {
        format!("{factor:.0}")
    } else {
        format!("{factor:.1}")
    }
}

/// `after` against `before` in percent, when `before` is not zero.
pub fn percent(before: f64, after: f64) -> Option<f64> {
    (before != 0.0).then(|| (after - before) / before * 100.0)
}

/// A signed percentage: `−85%`, `+2.5%`, `+<0.1%` for a change too small
/// to show but not none.
pub fn percent_change(pct: f64) -> String {
    let magnitude = pct.abs();
    let shown = if magnitude >= 9.95 {
        format!("{magnitude:.0}")
    } else if magnitude >= 0.05 {
        format!("{magnitude:.1}")
    } else if magnitude > 0.0 {
        "<0.1".to_string()
    } else {
        "0".to_string()
    };
    format!("{}{shown}%", sign(pct))
}

/// How a time moved, in the words that fit its size: `15× faster` for a
/// factor of 2 or more, `2% slower` below that, `same` when equal.
pub fn speed_change(before: f64, after: f64) -> String {
    if before == after {
        return "same".to_string();
    }
    let (slow, fast) = (before.max(after), before.min(after));
    let comparative = if after < before { "faster" } else { "slower" };
    if fast > 0.0 && slow / fast >= 2.0 {
        format!("{}× {comparative}", times(slow / fast))
    } else {
        let pct = percent(before, after).map_or(0.0, f64::abs);
        format!(
            "{} {comparative}",
            percent_change(pct).trim_start_matches('+')
        )
    }
}

/// How a time moved, as [`speed_change`] says it, unless the move is within
/// the noise between two measurements: then `same within noise: WHY`.
pub fn timing_change(before: Timing, after: Timing) -> String {
    if before.median == after.median {
        return "same".to_string();
    }
    match crate::stats::noise(before, after) {
        Some(why) => format!("same within noise: {why}"),
        None => speed_change(before.median, after.median),
    }
}

fn sign(value: f64) -> &'static str {
    if value < 0.0 {
        "−"
    } else if value > 0.0 {
        "+"
    } else {
        ""
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_keep_about_three_figures() {
        assert_eq!(size(1_034_000_000), "1.03 GB");
        assert_eq!(size(999_999_999), "1.00 GB");
        assert_eq!(size(412_500_000), "412 MB");
        assert_eq!(size(39_700_000), "39.7 MB");
        assert_eq!(size(4_096), "4.1 kB");
        assert_eq!(size(12), "12 B");
    }

    #[test]
    fn changes_carry_a_real_minus_sign() {
        assert_eq!(size_change(-35_000_000), "−35.0 MB");
        assert_eq!(size_change(4_096), "+4.1 kB");
        assert_eq!(size_change(0), "0 B");
        assert_eq!(size_change(size_delta(4_096, 0)), "−4.1 kB");
        assert_eq!(seconds_change(-0.3), "−0.30 s");
        let repeated = Timing {
            median: 0.12,
            min: 0.1,
            max: 1.04,
            samples: 3,
        };
        assert_eq!(timing(&repeated), "0.12 s (0.10–1.0)");
        assert_eq!(timing(&Timing::single(2.2)), "2.2 s");
        assert_eq!(rough_duration(85.2), "85 s");
        assert_eq!(rough_duration(700.0), "about 12 min");
        assert_eq!(percent_change(-85.4), "−85%");
        assert_eq!(percent_change(0.001), "+<0.1%");
    }

    /// From 2^63 up, `as i64` wrapped: 18.4 EB to nothing read `+1 B`.
    #[test]
    fn size_changes_hold_for_sizes_past_i64() {
        assert_eq!(size_delta(u64::MAX, 0), -i128::from(u64::MAX));
        assert_eq!(size_change(size_delta(u64::MAX, 0)), "−18446744073.71 GB");
        assert_eq!(size_change(size_delta(0, u64::MAX)), "+18446744073.71 GB");
        assert_eq!(size_change(size_delta(1 << 63, (1 << 63) + 1)), "+1 B");
    }

    #[test]
    fn speed_changes_use_factors_from_two_up() {
        assert_eq!(speed_change(13.6, 0.9), "15× faster");
        assert_eq!(speed_change(0.9, 13.6), "15× slower");
        assert_eq!(speed_change(14.2, 13.9), "2.1% faster");
        assert_eq!(speed_change(6.2, 7.4), "19% slower");
        assert_eq!(speed_change(1.0, 1.0), "same");
    }
}
