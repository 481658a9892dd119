//! The ladder: a project's variants in order, from the baseline (its first
//! step, what the others are measured against) to the recommendation (its
//! last step). This is the one place that says which step is which: the
//! project's `Ladder` of `Rung`s, the listings, `explain`, the reports and
//! the scaffolded files all ask here.

use std::path::PathBuf;

use crate::dockerfile::Facts;
use crate::error::UserError;
use crate::results::{Status, VariantResult};

/// A project's variants in ladder order, read once by `Project::open`.
#[derive(Debug)]
pub struct Ladder {
    pub rungs: Vec<Rung>,
}

/// One step of a project's ladder: a variant, where it stands, its
/// Dockerfile as read when the project was opened, and what the newest
/// readable saved run found of it.
#[derive(Debug)]
pub struct Rung {
    pub place: Place,
    pub name: String,
    /// The one-line reason dockwright.toml gives for the variant.
    pub reason: String,
    /// The Dockerfile's path as dockwright.toml gives it, relative to the project.
    pub dockerfile: String,
    /// The same path, in the project directory.
    pub path: PathBuf,
    /// `<project>:<variant>`, the tag its build gets.
    pub tag: String,
    /// Whether the command builds this step.
    pub selected: bool,
    /// The Dockerfile's text, or why it could not be read: an error only for
    /// a command that needs it, so that `variants` still lists a ladder
    /// whose files are gone.
    pub(crate) text: Result<String, String>,
    /// What the Dockerfile says about its build, on the base images the
    /// project builds from; nothing when it could not be read.
    pub facts: Facts,
    /// This variant in the newest readable saved run, if it has it.
    pub latest: Option<VariantResult>,
}

impl Rung {
    /// The Dockerfile's text as read when the project was opened.
    pub fn text(&self) -> Result<&str, UserError> {
        self.text.as_deref().map_err(|err| {
            UserError::new(format!(
                "cannot read `{}`, the Dockerfile of variant `{}` ({err})",
                self.path.display(),
                self.name
            ))
            .help("fix its path in dockwright.toml, or regenerate the files with `dockwright init --force`")
        })
    }

    /// The latest result, when that build finished.
    pub fn finished(&self) -> Option<&VariantResult> {
        self.latest.as_ref().filter(|v| v.status == Status::Ok)
    }
}

#[cfg(test)]
impl Rung {
    /// The only step of a ladder, with Dockerfile `text`, for unit tests.
    pub fn sample(name: &str, text: &str) -> Rung {
        let dockerfile = format!("dockerfiles/{name}.Dockerfile");
        Rung {
            place: Place { index: 0, len: 1 },
            name: name.to_string(),
            reason: String::new(),
            path: PathBuf::from(&dockerfile),
            dockerfile,
            tag: format!("p:{name}"),
            selected: true,
            text: Ok(text.to_string()),
            facts: Facts::default(),
            latest: None,
        }
    }
}

impl Ladder {
    /// The step named `name`.
    pub fn get(&self, name: &str) -> Option<&Rung> {
        self.rungs.iter().find(|rung| rung.name == name)
    }

    /// The step before `rung`, which it is explained and compared against.
    pub fn previous(&self, rung: &Rung) -> Option<&Rung> {
        rung.place.previous().map(|index| &self.rungs[index])
    }

    /// The step after `rung`, if it is not the last.
    pub fn next(&self, rung: &Rung) -> Option<&Rung> {
        self.rungs.get(rung.place.index + 1)
    }

    /// The steps the command builds, in ladder order.
    pub fn selected(&self) -> impl Iterator<Item = &Rung> {
        self.rungs.iter().filter(|rung| rung.selected)
    }

    /// The variants' names, in ladder order.
    pub fn names(&self) -> Vec<&str> {
        self.rungs.iter().map(|rung| rung.name.as_str()).collect()
    }
}

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
        let (third, _) = places(&["a", "b", "c"]).nth(2).unwrap();
        assert_eq!(third.previous(), Some(1));
    }
}
