//! One measured time and its spread: what a saved run keeps for every
//! build it timed, and what tables, comparisons and gates read back.

use serde::{Deserialize, Serialize};

/// A measured time in seconds: the median of `samples` timed builds, with
/// the fastest and the slowest of them. One build has `min = max = median`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Timing {
    pub median: f64,
    pub min: f64,
    pub max: f64,
    pub samples: usize,
}

impl Timing {
    /// One timed build.
    pub fn single(seconds: f64) -> Timing {
        Timing {
            median: seconds,
            min: seconds,
            max: seconds,
            samples: 1,
        }
    }

    /// The fastest and slowest builds, when more than one was timed: one
    /// build says nothing about how much the time varies.
    pub fn range(&self) -> Option<(f64, f64)> {
        (self.samples > 1).then_some((self.min, self.max))
    }
}
