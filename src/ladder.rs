//! The ladder: a project's variants in order, from the baseline (its first
//! step, what the others are measured against) to the recommendation (its
//! last step). This is the one place that says which step is which: the
//! plan, the listings, `explain` and the scaffolded files all ask here.

/// Where a step stands on a ladder of `len` steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place {
    pub index: usize,
    len: usize,
}

impl Place {
    pub fn baseline(self) -> bool {
        self.index == 0
    }

    pub fn recommended(self) -> bool {
        self.index + 1 == self.len
    }

    /// The step before this one, which this one is explained against.
    pub fn previous(self) -> Option<usize> {
        self.index.checked_sub(1)
    }

    /// What a listing of the ladder writes beside the step.
    pub fn mark(self) -> &'static str {
        if self.recommended() {
            "← recommended"
        } else if self.baseline() {
            "← baseline"
        } else {
            ""
        }
    }
}

/// Each step of `ladder` with its place, in ladder order.
pub fn places<T>(ladder: &[T]) -> impl Iterator<Item = (Place, &T)> {
    let len = ladder.len();
    ladder
        .iter()
        .enumerate()
        .map(move |(index, step)| (Place { index, len }, step))
}

/// The place of step `index` on a ladder of `len` steps.
pub fn place(index: usize, len: usize) -> Place {
    Place { index, len }
}

/// The recommended step: the last one.
pub fn recommended<T>(ladder: &[T]) -> Option<&T> {
    places(ladder)
        .find(|(place, _)| place.recommended())
        .map(|(_, step)| step)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_step_is_the_baseline_and_the_last_the_recommendation() {
        let marks: Vec<&str> = places(&["a", "b", "c"]).map(|(p, _)| p.mark()).collect();
        assert_eq!(marks, ["← baseline", "", "← recommended"]);
        assert_eq!(recommended(&["a", "b", "c"]), Some(&"c"));
        // A ladder of one: its only step is what it recommends.
        let (only, _) = places(&["a"]).next().unwrap();
        assert!(only.baseline() && only.recommended());
        assert_eq!(only.mark(), "← recommended");
        assert_eq!(recommended::<&str>(&[]), None);
        assert_eq!(place(2, 3).previous(), Some(1));
    }
}
