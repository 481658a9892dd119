//! Two saved measure runs side by side: for each variant, how its image size
//! and build times moved from run A to run B, and whether a time moved by
//! more than the noise between two measurements. The comparison is computed
//! once here; `render` lays it out as a table, Markdown or JSON.

mod render;

use std::path::{Path, PathBuf};

use serde::Serialize;

pub use render::render;

use crate::engine::reference;
use crate::error::UserError;
use crate::results::{BaseImage, Run, Status, Timing, VariantResult};
pub use crate::stats::is_noise;
use crate::stats::{NOISE_FLOOR_SECONDS, NOISE_PERCENT};

/// The output formats of `dockwright compare`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A table for the terminal, with the noise rule below it
    Table,
    /// A GitHub table with the same cells and notes
    Markdown,
    /// Every figure and change as numbers
    Json,
}

/// Runs A and B compared.
#[derive(Debug, Serialize)]
pub struct Comparison {
    pub a: Side,
    pub b: Side,
    /// The variants of both runs, in B's ladder order.
    pub variants: Vec<VariantChange>,
    pub only_in_a: Vec<String>,
    pub only_in_b: Vec<String>,
    /// Differences in how the runs were made that may explain a change.
    pub notes: Vec<String>,
    /// How changes are told from noise, in words.
    pub noise_rule: String,
}

/// One of the two runs.
#[derive(Debug, Serialize)]
pub struct Side {
    /// The results file's name without `.json`, as `compare` accepts it.
    pub id: String,
    pub path: PathBuf,
    pub date: String,
    pub project: String,
    pub profile: String,
    pub host: String,
    pub engine: String,
    pub base_set: Option<String>,
    /// How many times each warm rebuild was repeated.
    pub repeats: usize,
}

/// One variant in both runs.
#[derive(Debug, Serialize)]
pub struct VariantChange {
    pub name: String,
    pub status_a: Status,
    pub status_b: Status,
    pub image_bytes: SizeChange,
    pub cold_seconds: TimeChange,
    pub app_rebuild_seconds: TimeChange,
    pub deps_rebuild_seconds: TimeChange,
    /// From `run` until the app first answered `GET /`.
    pub start_seconds: TimeChange,
}

/// An image size in A and B; the change when both have one.
#[derive(Debug, Serialize)]
pub struct SizeChange {
    pub a: Option<u64>,
    pub b: Option<u64>,
    /// B minus A.
    pub bytes: Option<i128>,
    pub percent: Option<f64>,
    pub verdict: Option<Verdict>,
}

/// A time in A and B; the change when both have one.
#[derive(Debug, Serialize)]
pub struct TimeChange {
    pub a: Option<Timing>,
    pub b: Option<Timing>,
    /// B's median minus A's.
    pub seconds: Option<f64>,
    pub percent: Option<f64>,
    pub verdict: Option<Verdict>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Same,
    /// A time moved, but by no more than two measurements of the same
    /// build differ.
    Noise,
    Faster,
    Slower,
    Smaller,
    Larger,
}

/// The noise rule in words, for the legend and the JSON.
pub fn noise_rule() -> String {
    format!(
        "Sizes are exact: any byte is a change. A time change is noise when the two runs' \
         min–max ranges overlap; when either run has a single time (every cold build, and \
         rebuilds measured without --runs), a change under {NOISE_PERCENT}% or under \
         {NOISE_FLOOR_SECONDS} s is noise."
    )
}

pub fn time_verdict(a: Timing, b: Timing) -> Verdict {
    if a.median == b.median {
        Verdict::Same
    } else if is_noise(a, b) {
        Verdict::Noise
    } else if b.median < a.median {
        Verdict::Faster
    } else {
        Verdict::Slower
    }
}

pub fn size_verdict(a: u64, b: u64) -> Verdict {
    match b.cmp(&a) {
        std::cmp::Ordering::Less => Verdict::Smaller,
        std::cmp::Ordering::Equal => Verdict::Same,
        std::cmp::Ordering::Greater => Verdict::Larger,
    }
}

/// Refuses runs `a` and `b` when they were built for different platforms,
/// or one under emulation and the other not: their times would differ by
/// the emulation or the architecture, not by any change of the project.
pub fn comparable(a: &Run, b: &Run) -> Result<(), UserError> {
    let (pa, pb) = (built_for(a), built_for(b));
    if pa == pb && a.emulated == b.emulated {
        return Ok(());
    }
    let how = |run: &Run, platform: &Option<String>| {
        let platform = platform.as_deref().unwrap_or("the engine's own platform");
        if run.emulated {
            format!("{platform} under emulation")
        } else {
            format!("{platform} natively")
        }
    };
    Err(UserError::new(format!(
        "run A was built for {} and run B for {}, so their times cannot be compared; compare two runs measured for the same platform, natively or both emulated (`dockwright measure --platform OS/ARCH` measures one)",
        how(a, &pa),
        how(b, &pb)
    )))
}

/// The platform a run's images were built for: the one it names, else the
/// host's own architecture when the run recorded it.
fn built_for(run: &Run) -> Option<String> {
    run.platform
        .clone()
        .or_else(|| run.host.arch.as_ref().map(|arch| format!("linux/{arch}")))
}

impl Comparison {
    /// Compares run `a`, saved at `a_path`, with run `b`, saved at `b_path`.
    pub fn new(a_path: &Path, a: &Run, b_path: &Path, b: &Run) -> Comparison {
        let in_a = |name: &str| a.variants.iter().find(|v| v.name == name);
        let in_b = |name: &str| b.variants.iter().any(|v| v.name == name);
        let variants = b
            .variants
            .iter()
            .filter_map(|vb| in_a(&vb.name).map(|va| VariantChange::new(va, vb)))
            .collect();
        let only_in_a = a
            .variants
            .iter()
            .filter(|v| !in_b(&v.name))
            .map(|v| v.name.clone())
            .collect();
        let only_in_b = b
            .variants
            .iter()
            .filter(|v| in_a(&v.name).is_none())
            .map(|v| v.name.clone())
            .collect();
        Comparison {
            a: Side::new(a_path, a),
            b: Side::new(b_path, b),
            variants,
            only_in_a,
            only_in_b,
            notes: notes(a, b),
            noise_rule: noise_rule(),
        }
    }
}

impl Comparison {
    /// The changes from A to B that are real by the noise rule and go the
    /// wrong way: a larger image, a slower build, a variant that finished in
    /// A and not in B. Each is one phrase.
    pub fn regressions(&self) -> Vec<String> {
        let mut found = Vec::new();
        for v in &self.variants {
            if v.status_a == Status::Ok && v.status_b != Status::Ok {
                found.push(format!(
                    "{} {} in B, after finishing in A",
                    v.name, v.status_b
                ));
                continue;
            }
            if let (Some(Verdict::Larger), Some(bytes)) =
                (v.image_bytes.verdict, v.image_bytes.bytes)
            {
                found.push(format!(
                    "{}: image {}",
                    v.name,
                    crate::figures::size_change(bytes)
                ));
            }
            for (label, time) in [
                ("cold build", &v.cold_seconds),
                ("app-edit rebuild", &v.app_rebuild_seconds),
                ("deps-edit rebuild", &v.deps_rebuild_seconds),
                ("start", &v.start_seconds),
            ] {
                if let (Some(Verdict::Slower), Some(seconds)) = (time.verdict, time.seconds) {
                    found.push(format!(
                        "{}: {label} {}",
                        v.name,
                        crate::figures::seconds_change(seconds)
                    ));
                }
            }
        }
        found
    }
}

impl Side {
    fn new(path: &Path, run: &Run) -> Side {
        Side {
            id: crate::results::id(path),
            path: path.to_path_buf(),
            date: run.date.clone(),
            project: run.project.clone(),
            profile: run.profile.clone(),
            host: run.host.describe(false),
            engine: run.engine.describe(),
            base_set: run.base_set.clone(),
            repeats: run.repeats,
        }
    }
}

/// What differs between the runs besides the Dockerfiles.
fn notes(a: &Run, b: &Run) -> Vec<String> {
    let mut notes = Vec::new();
    if a.project != b.project {
        notes.push(format!(
            "The runs are of different projects, {} and {}.",
            a.project, b.project
        ));
    }
    if a.host.describe(false) != b.host.describe(false) {
        notes.push(format!(
            "The runs were made on different machines, {} and {}: some of the change may be theirs.",
            a.host.describe(false),
            b.host.describe(false)
        ));
    }
    if a.engine.describe() != b.engine.describe() {
        notes.push(format!(
            "The runs used different engines, {} and {}: some of the change may be theirs.",
            a.engine.describe(),
            b.engine.describe()
        ));
    }
    if a.base_set != b.base_set {
        let set = |run: &Run| {
            run.base_set
                .as_ref()
                .map_or("[images]".to_string(), |name| format!("base set {name}"))
        };
        notes.push(format!(
            "The runs were built from different base images, {} and {}.",
            set(a),
            set(b)
        ));
    }
    let moved: Vec<String> = a
        .bases()
        .into_iter()
        .filter_map(|before| {
            let name = reference::without_digest(&before.image);
            let after = b
                .bases()
                .into_iter()
                .find(|after| reference::same_image(&after.image, name))?;
            (before.identity() != after.identity()).then(|| {
                let id = |base: &BaseImage| match (&base.digest, &base.local_id) {
                    (Some(digest), _) => format!("sha256:{}…", reference::short(digest)),
                    (None, Some(id)) => format!("local image {}", reference::short(id)),
                    (None, None) => "an image of unknown digest".to_string(),
                };
                format!("{name} was {} and then {}", id(before), id(after))
            })
        })
        .collect();
    if !moved.is_empty() {
        notes.push(format!(
            "The runs were built on different base images: {}; some of the change may be theirs.",
            moved.join(", ")
        ));
    }
    if a.lock_sha256 != b.lock_sha256 {
        let lock = |run: &Run| {
            run.lock_sha256
                .as_ref()
                .map_or("no lock".to_string(), |sha| {
                    format!("requirements.lock sha256:{}", &sha[..sha.len().min(12)])
                })
        };
        notes.push(format!(
            "The runs installed different dependencies, from {} and {}: some of the change may be theirs.",
            lock(a),
            lock(b)
        ));
    }
    notes
}

impl VariantChange {
    fn new(va: &VariantResult, vb: &VariantResult) -> VariantChange {
        VariantChange {
            name: vb.name.clone(),
            status_a: va.status,
            status_b: vb.status,
            image_bytes: SizeChange::new(va.image_bytes, vb.image_bytes),
            cold_seconds: TimeChange::new(va.cold_seconds, vb.cold_seconds),
            app_rebuild_seconds: TimeChange::new(va.app_rebuild_seconds, vb.app_rebuild_seconds),
            deps_rebuild_seconds: TimeChange::new(va.deps_rebuild_seconds, vb.deps_rebuild_seconds),
            start_seconds: TimeChange::new(va.start_seconds, vb.start_seconds),
        }
    }
}

impl SizeChange {
    fn new(a: Option<u64>, b: Option<u64>) -> SizeChange {
        let both = a.zip(b);
        SizeChange {
            a,
            b,
            bytes: both.map(|(a, b)| crate::figures::size_delta(a, b)),
            percent: both.and_then(|(a, b)| crate::figures::percent(a as f64, b as f64)),
            verdict: both.map(|(a, b)| size_verdict(a, b)),
        }
    }
}

impl TimeChange {
    fn new(a: Option<Timing>, b: Option<Timing>) -> TimeChange {
        let both = a.zip(b);
        TimeChange {
            a,
            b,
            seconds: both.map(|(a, b)| b.median - a.median),
            percent: both.and_then(|(a, b)| crate::figures::percent(a.median, b.median)),
            verdict: both.map(|(a, b)| time_verdict(a, b)),
        }
    }
}

#[cfg(test)]
mod tests;
