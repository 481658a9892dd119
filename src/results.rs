//! What a measure run found, as it is saved and read back: one JSON file per
//! run in the project's state directory, written atomically after every
//! variant so that an interruption keeps what has finished.

use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::atomic;
use crate::error::{UserError, WriteFailed};
use crate::ui;

/// The project's state directory, relative to its root.
pub const STATE_DIR: &str = ".dockwright";

/// Creates `dir` (under the project's state directory) for logs.
pub fn state_subdir(project: &Path, parts: &[&str]) -> Result<PathBuf, WriteFailed> {
    let mut dir = project.join(STATE_DIR);
    for part in parts {
        dir.push(part);
    }
    fs::create_dir_all(&dir).map_err(|err| WriteFailed::new("create the directory", &dir, err))?;
    Ok(dir)
}
const RUNS_DIR: &str = "runs";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    Failed,
    Skipped,
}

/// The status in words is its serde name, so that the tables, the CSV and
/// the saved runs can never spell it two ways.
impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match serde_json::to_value(self) {
            Ok(serde_json::Value::String(name)) => f.write_str(&name),
            _ => Err(std::fmt::Error),
        }
    }
}

/// One measure run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Run {
    pub project: String,
    pub profile: String,
    pub dockwright_version: String,
    /// RFC 3339, UTC.
    pub date: String,
    pub host: Host,
    pub engine: EngineInfo,
    /// How many times each warm rebuild was repeated.
    pub runs: usize,
    /// The `[base-sets.NAME]` the images were built from, if not `[images]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_set: Option<String>,
    /// The requirement the dependency edit added, when the run made one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extra_dependency: Option<String>,
    /// The sha256 of the requirements.lock the images installed from; absent
    /// when the project had no lock, and in runs saved before dockwright
    /// kept it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lock_sha256: Option<String>,
    /// Every engine command the run executed, as a shell would show it.
    pub commands: Vec<String>,
    /// In ladder order.
    pub variants: Vec<VariantResult>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Host {
    pub name: String,
    pub os: String,
    pub cpus: usize,
    pub memory_bytes: Option<u64>,
}

impl Host {
    /// This machine, as far as Linux tells without extra tools.
    pub fn this_machine() -> Host {
        let read = |path: &str| fs::read_to_string(path).unwrap_or_default();
        let os = read("/etc/os-release")
            .lines()
            .find_map(|l| l.strip_prefix("PRETTY_NAME="))
            .map(|v| v.trim_matches('"').to_string())
            .unwrap_or_else(|| std::env::consts::OS.to_string());
        let memory_bytes = read("/proc/meminfo")
            .lines()
            .find_map(|l| l.strip_prefix("MemTotal:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .map(|kb| kb * 1024);
        Host {
            name: read("/proc/sys/kernel/hostname").trim().to_string(),
            os,
            cpus: std::thread::available_parallelism().map_or(1, |n| n.get()),
            memory_bytes,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EngineInfo {
    pub program: String,
    pub client_version: String,
    pub server_version: String,
    /// `BuildKit`, `legacy builder` or `podman (buildah)`.
    pub builder: String,
}

/// One variant's numbers. Times are seconds of wall time of the whole build
/// command; with several runs, the median, with `_min` and `_max` beside it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VariantResult {
    pub name: String,
    pub status: Status,
    pub reason: Option<String>,
    pub recommended: bool,
    pub image_bytes: Option<u64>,
    pub compressed_bytes: Option<u64>,
    pub layers: Option<usize>,
    pub cold_seconds: Option<f64>,
    pub app_rebuild_seconds: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_rebuild_seconds_min: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_rebuild_seconds_max: Option<f64>,
    pub deps_rebuild_seconds: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deps_rebuild_seconds_min: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deps_rebuild_seconds_max: Option<f64>,
    /// The full log of every build of this variant in the run.
    pub log: Option<PathBuf>,
    /// The Dockerfile as it was measured; absent in runs saved before
    /// dockwright kept it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dockerfile: Option<String>,
}

impl VariantResult {
    pub fn new(name: &str, recommended: bool) -> VariantResult {
        VariantResult {
            name: name.to_string(),
            status: Status::Ok,
            reason: None,
            recommended,
            image_bytes: None,
            compressed_bytes: None,
            layers: None,
            cold_seconds: None,
            app_rebuild_seconds: None,
            app_rebuild_seconds_min: None,
            app_rebuild_seconds_max: None,
            deps_rebuild_seconds: None,
            deps_rebuild_seconds_min: None,
            deps_rebuild_seconds_max: None,
            log: None,
            dockerfile: None,
        }
    }

    /// A variant left out of a run, and why; said on stderr as it happens.
    pub fn skipped(name: &str, recommended: bool, why: &str) -> VariantResult {
        ui::note(&format!("{name}: skipped: {why}"));
        let mut result = VariantResult::new(name, recommended);
        result.status = Status::Skipped;
        result.reason = Some(why.to_string());
        result
    }
}

#[cfg(test)]
impl Run {
    /// A run of `variants` on a made-up machine, for unit tests: project
    /// `demo`, profile `article`, docker 27.3.1 with BuildKit on an 8-CPU host.
    pub fn sample(runs: usize, variants: Vec<VariantResult>) -> Run {
        Run {
            project: "demo".into(),
            profile: "article".into(),
            dockwright_version: "0.1.0".into(),
            date: "2026-03-21T14:02:11Z".into(),
            host: Host {
                name: "build-host".into(),
                os: "linux".into(),
                cpus: 8,
                memory_bytes: Some(16_000_000_000),
            },
            engine: EngineInfo {
                program: "docker".into(),
                client_version: "27.3.1".into(),
                server_version: "27.3.1".into(),
                builder: "BuildKit".into(),
            },
            runs,
            base_set: None,
            extra_dependency: None,
            lock_sha256: None,
            commands: Vec::new(),
            variants,
        }
    }
}

/// Where a project's runs are kept.
pub fn runs_dir(project: &Path) -> PathBuf {
    project.join(STATE_DIR).join(RUNS_DIR)
}

impl Run {
    /// Writes the run to `path` whole or not at all (see `atomic`), so a
    /// reader never sees half a file and a failure leaves the last good copy.
    pub fn save(&self, path: &Path) -> Result<(), WriteFailed> {
        let runs = path.parent().unwrap_or(Path::new("."));
        let fail =
            |err: std::io::Error| WriteFailed::new("save the results to", path, err).keeping(runs);
        fs::create_dir_all(runs).map_err(fail)?;
        let json = serde_json::to_string_pretty(self).map_err(|err| fail(err.into()))?;
        atomic::write(path, format!("{json}\n").as_bytes()).map_err(fail)
    }

    /// For an error in the middle of a run: saves the variants that
    /// finished (saying where), and hands the error back. A failed write
    /// says where the results finished before are: each was saved as it
    /// finished, and a second write to a full disk would only fail again.
    pub fn keep_finished(&self, path: &Path, err: anyhow::Error) -> anyhow::Error {
        let err = match err.downcast::<WriteFailed>() {
            Ok(failed) => {
                let runs = path.parent().unwrap_or(Path::new("."));
                return failed.keeping(runs).into();
            }
            Err(err) => err,
        };
        if !self.variants.is_empty() {
            match self.save(path) {
                Ok(()) => ui::note(&format!(
                    "The finished variants are saved in {}",
                    path.display()
                )),
                Err(save) => crate::error::warn(&save.to_string()),
            }
        }
        err
    }

    pub fn load(path: &Path) -> Result<Run, UserError> {
        let text = fs::read_to_string(path).map_err(|err| {
            UserError::new(format!(
                "cannot read the results file `{}` ({err})",
                path.display()
            ))
        })?;
        serde_json::from_str(&text).map_err(|err| {
            UserError::new(format!(
                "the results file `{}` is corrupt ({}); delete it and run `dockwright measure` again",
                path.display(),
                crate::error::printable(&err.to_string())
            ))
        })
    }
}

/// The project's saved runs, oldest first.
pub fn saved_runs(project: &Path) -> Vec<PathBuf> {
    let mut runs: Vec<PathBuf> = fs::read_dir(runs_dir(project))
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "json"))
                .collect()
        })
        .unwrap_or_default();
    runs.sort();
    runs
}

/// The newest saved run that reads, for views that can do without the very
/// newest: each unreadable run newer than it is named in a warning.
pub fn newest_readable(project: &Path) -> Option<Run> {
    saved_runs(project)
        .iter()
        .rev()
        .find_map(|path| match Run::load(path) {
            Ok(run) => Some(run),
            Err(err) => {
                crate::error::warn(&format!(
                    "{err}; until then the newest readable run is used"
                ));
                None
            }
        })
}

/// The newest saved run, or an error that says how to make one.
pub fn latest(project: &Path) -> Result<(PathBuf, Run), UserError> {
    let path = saved_runs(project).pop().ok_or_else(|| {
        UserError::new(format!(
            "no saved measurements in `{}`; run `dockwright measure` first",
            runs_dir(project).display()
        ))
    })?;
    let run = Run::load(&path)?;
    Ok((path, run))
}

#[cfg(test)]
mod tests {
    use super::Status;

    /// Tables and CSV print the same word the saved run holds.
    #[test]
    fn a_status_reads_as_its_saved_name() {
        for status in [Status::Ok, Status::Failed, Status::Skipped] {
            let saved = serde_json::to_string(&status).unwrap();
            assert_eq!(format!("\"{status}\""), saved);
        }
        assert_eq!(Status::Skipped.to_string(), "skipped");
    }
}
