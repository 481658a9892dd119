//! What a measure run found, as it is saved and read back: one JSON file per
//! run in the project's state directory, written atomically after every
//! variant so that an interruption keeps what has finished.

use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::atomic;
use crate::engine::Engine;
use crate::error::{UserError, WriteFailed};
pub use crate::timing::Timing;
use crate::ui;

mod v1;

/// The saved-run format this dockwright writes, and the newest it reads.
/// The README's "Saved runs and JSON output" says what each version changed.
pub const SCHEMA_VERSION: u64 = 2;

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
const BASELINES_DIR: &str = "baselines";

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
    pub repeats: usize,
    /// The `[base-sets.NAME]` the images were built from, if not `[images]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_set: Option<String>,
    /// The platform the images were built for (`--platform`); absent when
    /// the engine built for its own, and in runs saved before dockwright
    /// took one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<String>,
    /// Whether the builds ran under emulation, the platform's architecture
    /// not being the host's: their times say little about a native build.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub emulated: bool,
    /// The requirement the dependency edit added, when the run made one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extra_dependency: Option<String>,
    /// The sha256 of the requirements.lock the images installed from; absent
    /// when the project had no lock, and in runs saved before dockwright
    /// kept it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lock_sha256: Option<String>,
    /// Why no variant's start was timed: the engine runs on another
    /// machine, whose published ports this one cannot reach. Absent when
    /// starts were timed, and in runs saved before dockwright timed them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_not_measured: Option<String>,
    /// Every engine command the run executed, as a shell would show it.
    pub commands: Vec<String>,
    /// In ladder order.
    pub variants: Vec<VariantResult>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Host {
    pub name: String,
    pub os: String,
    /// The architecture, in docker's words (`amd64`, `arm64`); absent in runs
    /// saved before dockwright recorded it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arch: Option<String>,
    pub cpus: usize,
    pub memory_bytes: Option<u64>,
}

impl Host {
    /// This machine: its name, its OS and version, the CPUs this process may
    /// use, and its memory, from sysinfo on any OS it knows.
    pub fn this_machine() -> Host {
        use sysinfo::{MemoryRefreshKind, RefreshKind, System};
        let os = match (System::name(), System::os_version()) {
            (Ok(name), Ok(version)) => format!("{name} {version}"),
            (Ok(name), Err(_)) => name,
            (Err(_), _) => std::env::consts::OS.to_string(),
        };
        let memory = RefreshKind::nothing().with_memory(MemoryRefreshKind::nothing().with_ram());
        let memory_bytes = System::new_with_specifics(memory)
            .ok()
            .map(|system| system.total_memory())
            .filter(|&bytes| bytes > 0);
        Host {
            name: System::host_name().unwrap_or_default(),
            os,
            arch: Some(crate::platform::host_arch().to_string()),
            cpus: std::thread::available_parallelism().map_or(1, |n| n.get()),
            memory_bytes,
        }
    }

    /// The host in one line, `name (OS, N CPUs)`, its memory added to the
    /// parentheses `with_memory`, for every report, comparison and benchmark.
    pub fn describe(&self, with_memory: bool) -> String {
        let mut facts = vec![self.os.clone(), format!("{} CPUs", self.cpus)];
        if with_memory {
            facts.push(match self.memory_bytes {
                Some(bytes) => format!("{} memory", crate::figures::size(bytes)),
                None => "memory unknown".to_string(),
            });
        }
        format!("{} ({})", self.name, facts.join(", "))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EngineInfo {
    pub program: String,
    pub client_version: String,
    pub server_version: String,
    /// `BuildKit`, `legacy builder` or `podman (buildah)`.
    pub builder: String,
    /// The buildx builder the images were built on (`--builder`); absent
    /// when none was chosen, and in runs saved before dockwright took one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buildx_builder: Option<String>,
    /// That builder's driver: `docker`, `docker-container`, `remote`, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buildx_driver: Option<String>,
}

impl EngineInfo {
    pub fn of(engine: &Engine) -> EngineInfo {
        EngineInfo {
            program: engine.program.display().to_string(),
            client_version: engine.client_version.clone(),
            server_version: engine.server_version.clone(),
            builder: engine.builder_name().to_string(),
            buildx_builder: engine.builder.as_ref().map(|b| b.name.clone()),
            buildx_driver: engine.builder.as_ref().map(|b| b.driver.clone()),
        }
    }

    /// The engine in one line, `program client-version (builder)`, and the
    /// buildx builder when one was chosen: `(BuildKit on builder `x`,
    /// remote driver)`.
    pub fn describe(&self) -> String {
        let on = match (&self.buildx_builder, &self.buildx_driver) {
            (Some(name), Some(driver)) => format!(" on builder `{name}`, {driver} driver"),
            (Some(name), None) => format!(" on builder `{name}`"),
            _ => String::new(),
        };
        format!(
            "{} {} ({}{on})",
            self.program, self.client_version, self.builder
        )
    }
}

/// One variant's numbers. Times are of the whole build command's wall time;
/// the cold build is timed once, each rebuild `Run::repeats` times.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VariantResult {
    pub name: String,
    pub status: Status,
    pub reason: Option<String>,
    pub recommended: bool,
    pub image_bytes: Option<u64>,
    pub compressed_bytes: Option<u64>,
    pub layers: Option<usize>,
    pub cold_seconds: Option<Timing>,
    pub app_rebuild_seconds: Option<Timing>,
    pub deps_rebuild_seconds: Option<Timing>,
    /// From `run` of the image until its app first answered `GET /`, timed
    /// as many times as each rebuild; absent when starts were not timed,
    /// and in runs saved before dockwright timed them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_seconds: Option<Timing>,
    /// The loads of the image into the engine's store, one per build, on a
    /// builder outside the daemon; the build timings above leave them out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_seconds: Option<Timing>,
    /// The full log of every build of this variant in the run.
    pub log: Option<PathBuf>,
    /// The Dockerfile as it was measured; absent in runs saved before
    /// dockwright kept it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dockerfile: Option<String>,
    /// The base images the cold build read, each with the registry digest
    /// it was built on; empty for a variant that was not built, and in runs
    /// saved before dockwright recorded them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bases: Vec<BaseImage>,
}

/// A base image as a build used it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BaseImage {
    /// As the Dockerfile names it, build arguments resolved: `python:3.13-slim`,
    /// or `python:3.13-slim@sha256:...` when pinned.
    pub image: String,
    /// The registry digest (`sha256:...`) of the manifest built on; absent
    /// for an image built or loaded into the engine's store rather than
    /// pulled, which a registry cannot give again.
    pub digest: Option<String>,
    /// That local image's id, when it has no registry digest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local_id: Option<String>,
}

impl BaseImage {
    /// The image and what it was built on, in one phrase:
    /// `python:3.13-slim@sha256:2661…`, or `uv:0.13.9 (local image 7ca2…)`.
    pub fn describe(&self) -> String {
        use crate::engine::reference::{short, without_digest};
        let name = without_digest(&self.image);
        match (&self.digest, &self.local_id) {
            (Some(digest), _) => format!("{name}@sha256:{}…", short(digest)),
            (None, Some(id)) => format!("{name} (local image {}, no registry digest)", short(id)),
            (None, None) => format!("{name} (digest unknown)"),
        }
    }

    /// What the image was built on, to tell two runs' bases apart: the
    /// registry digest, else the local image id.
    pub fn identity(&self) -> Option<&str> {
        self.digest.as_deref().or(self.local_id.as_deref())
    }
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
            deps_rebuild_seconds: None,
            start_seconds: None,
            load_seconds: None,
            log: None,
            dockerfile: None,
            bases: Vec::new(),
        }
    }

    /// A variant left out of a run, and why; said on stderr as it happens.
    pub fn skipped(name: &str, recommended: bool, why: &str) -> VariantResult {
        ui::alert(&format!("{name}: skipped: {why}"));
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
    pub fn sample(repeats: usize, variants: Vec<VariantResult>) -> Run {
        Run {
            project: "demo".into(),
            profile: "article".into(),
            dockwright_version: "0.1.0".into(),
            date: "2026-03-21T14:02:11Z".into(),
            host: Host {
                name: "build-host".into(),
                os: "linux".into(),
                arch: Some("amd64".into()),
                cpus: 8,
                memory_bytes: Some(16_000_000_000),
            },
            engine: EngineInfo {
                program: "docker".into(),
                client_version: "27.3.1".into(),
                server_version: "27.3.1".into(),
                builder: "BuildKit".into(),
                buildx_builder: None,
                buildx_driver: None,
            },
            repeats,
            base_set: None,
            platform: None,
            emulated: false,
            extra_dependency: None,
            lock_sha256: None,
            start_not_measured: None,
            commands: Vec::new(),
            variants,
        }
    }
}

/// Where a project's baselines are kept: copies of saved runs, under the
/// names `dockwright baseline save` gave them.
pub fn baselines_dir(project: &Path) -> PathBuf {
    project.join(STATE_DIR).join(BASELINES_DIR)
}

/// The baselines saved in `project`, by name, sorted.
pub fn baselines(project: &Path) -> Vec<(String, PathBuf)> {
    let mut found: Vec<(String, PathBuf)> = fs::read_dir(baselines_dir(project))
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "json"))
                .map(|p| (id(&p), p))
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    found
}

/// The baseline saved as `name`, or the error that lists the saved ones.
pub fn baseline(project: &Path, name: &str) -> Result<PathBuf, UserError> {
    let saved = baselines(project);
    if let Some((_, path)) = saved.iter().find(|(n, _)| n == name) {
        return Ok(path.clone());
    }
    let known = if saved.is_empty() {
        "there are none yet".to_string()
    } else {
        let names: Vec<&str> = saved.iter().map(|(n, _)| n.as_str()).collect();
        format!("the saved ones are {}", names.join(", "))
    };
    Err(UserError::new(format!("there is no baseline `{name}` in this project; {known}"))
        .help(format!("save one from a run with `dockwright baseline save {name}` (the newest run, or `--run ID`)")))
}

/// Where a project's runs are kept.
pub fn runs_dir(project: &Path) -> PathBuf {
    project.join(STATE_DIR).join(RUNS_DIR)
}

impl Run {
    /// The platform the images were built for, in a few words:
    /// `linux/arm64, emulated`; none for the engine's own.
    pub fn platform_described(&self) -> Option<String> {
        let platform = self.platform.as_deref()?;
        Some(if self.emulated {
            format!("{platform}, emulated")
        } else {
            platform.to_string()
        })
    }

    /// What an emulated run emulated, `linux/arm64 on an amd64 host`; none
    /// for a native run.
    pub fn emulation(&self) -> Option<String> {
        if !self.emulated {
            return None;
        }
        let platform = self.platform.as_deref().unwrap_or("another platform");
        let host = match self.host.arch.as_deref() {
            Some(arch) if arch.starts_with(['a', 'e', 'i', 'o', 'u']) => format!("an {arch} host"),
            Some(arch) => format!("a {arch} host"),
            None => "a host of another architecture".to_string(),
        };
        Some(format!("{platform} on {host}"))
    }

    /// The sentence every report of an emulated run gives: its times are
    /// not a native build's.
    pub fn emulation_note(&self) -> Option<String> {
        self.emulation().map(|what| format!(
            "Timings measured under emulation ({what}): they are far slower than a native build's, and compare only with runs emulated the same way; image sizes are as native."
        ))
    }

    /// The base images the run's variants were built on, each once, in the
    /// order the variants first used them.
    pub fn bases(&self) -> Vec<&BaseImage> {
        let mut bases: Vec<&BaseImage> = Vec::new();
        for base in self.variants.iter().flat_map(|v| &v.bases) {
            if !bases.contains(&base) {
                bases.push(base);
            }
        }
        bases
    }

    /// Writes the run to `path` whole or not at all (see `atomic`), so a
    /// reader never sees half a file and a failure leaves the last good copy.
    pub fn save(&self, path: &Path) -> Result<(), WriteFailed> {
        let runs = path.parent().unwrap_or(Path::new("."));
        let fail =
            |err: std::io::Error| WriteFailed::new("save the results to", path, err).keeping(runs);
        fs::create_dir_all(runs).map_err(fail)?;
        let json = self.to_json().map_err(|err| fail(err.into()))?;
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

    /// The run as it is saved: `schema_version` first, then the run's
    /// fields. `report --format json` prints the same.
    pub fn to_json(&self) -> serde_json::Result<String> {
        #[derive(Serialize)]
        struct Saved<'a> {
            schema_version: u64,
            #[serde(flatten)]
            run: &'a Run,
        }
        serde_json::to_string_pretty(&Saved {
            schema_version: SCHEMA_VERSION,
            run: self,
        })
    }

    /// Reads a saved run in any format this dockwright knows; older formats
    /// are brought to today's model, so no reader sees them.
    pub fn from_json(text: &str) -> Result<Run, Unreadable> {
        let mut value: serde_json::Value =
            serde_json::from_str(text).map_err(Unreadable::Corrupt)?;
        // Format 1 had no schema_version.
        let version = match value
            .as_object_mut()
            .and_then(|run| run.remove("schema_version"))
        {
            None => 1,
            Some(version) => version.as_u64().filter(|&v| v >= 1).ok_or_else(|| {
                Unreadable::Corrupt(serde::de::Error::custom(format!(
                    "schema_version {version} is not a whole number from 1 up"
                )))
            })?,
        };
        if version > SCHEMA_VERSION {
            return Err(Unreadable::Newer(version));
        }
        if version == 1 {
            v1::migrate(&mut value);
        }
        serde_json::from_value(value).map_err(Unreadable::Corrupt)
    }

    pub fn load(path: &Path) -> Result<Run, UserError> {
        let text = fs::read_to_string(path).map_err(|err| {
            UserError::new(format!(
                "cannot read the results file `{}` ({err})",
                path.display()
            ))
        })?;
        Run::from_json(&text).map_err(|err| match err {
            Unreadable::Corrupt(err) => UserError::new(format!(
                "the results file `{}` is corrupt ({}); delete it and run `dockwright measure` again",
                path.display(),
                crate::error::printable(&err.to_string())
            )),
            Unreadable::Newer(version) => UserError::new(format!(
                "the results file `{}` was saved by a newer dockwright (format {version}; this one reads up to {SCHEMA_VERSION}); upgrade dockwright to read it",
                path.display()
            )),
        })
    }
}

/// Why the text of a saved run does not read as one.
#[derive(Debug)]
pub enum Unreadable {
    /// Not JSON, or not a run.
    Corrupt(serde_json::Error),
    /// Saved by a dockwright that writes a newer format than this one reads.
    Newer(u64),
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

/// A run given as a results file, or as the id of one of the `saved` runs.
pub fn find(project: &Path, saved: &[PathBuf], run: &str) -> Result<PathBuf, UserError> {
    let path = Path::new(run);
    if path.is_file() {
        return Ok(path.to_path_buf());
    }
    let id_of_run = run.strip_suffix(".json").unwrap_or(run);
    if let Some(found) = saved.iter().find(|p| id(p) == id_of_run) {
        return Ok(found.clone());
    }
    let dir = runs_dir(project);
    let err = if saved.is_empty() {
        UserError::new(format!(
            "`{run}` is neither a results file nor a saved run, and `{}` holds no runs",
            dir.display()
        ))
        .help("run `dockwright measure` to save one, or give the path of a results file")
    } else {
        let ids: Vec<String> = saved.iter().map(|p| id(p)).collect();
        UserError::new(format!(
            "`{run}` is neither a results file nor a saved run; the runs in `{}` are {}",
            dir.display(),
            ids.join(", ")
        ))
    };
    Err(err)
}

/// A saved run's id: its file name without `.json`.
pub fn id(path: &Path) -> String {
    path.file_stem()
        .map(|stem| stem.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The newest saved run that reads, for views that can do without the very
/// newest: each unreadable run newer than it is named in a warning.
pub fn newest_readable(project: &Path) -> Option<Run> {
    readable(project).next()
}

/// Every saved run that reads, newest first; each unreadable run newer than
/// the newest readable one is named in a warning, as `newest_readable` does.
pub fn readable_runs(project: &Path) -> Vec<Run> {
    readable(project).collect()
}

/// The saved runs that read, newest first, each read when it is reached.
fn readable(project: &Path) -> impl Iterator<Item = Run> {
    let mut found = false;
    saved_runs(project)
        .into_iter()
        .rev()
        .filter_map(move |path| match Run::load(&path) {
            Ok(run) => {
                found = true;
                Some(run)
            }
            Err(err) => {
                if !found {
                    crate::error::warn(&format!(
                        "{err}; until then the newest readable run is used"
                    ));
                }
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
    use super::*;

    #[test]
    fn hosts_and_engines_are_described_in_one_line() {
        let mut run = Run::sample(1, Vec::new());
        assert_eq!(run.host.describe(false), "build-host (linux, 8 CPUs)");
        assert_eq!(
            run.host.describe(true),
            "build-host (linux, 8 CPUs, 16.00 GB memory)"
        );
        run.host.memory_bytes = None;
        assert_eq!(
            run.host.describe(true),
            "build-host (linux, 8 CPUs, memory unknown)"
        );
        assert_eq!(run.engine.describe(), "docker 27.3.1 (BuildKit)");
        run.engine.buildx_builder = Some("ci".into());
        run.engine.buildx_driver = Some("remote".into());
        assert_eq!(
            run.engine.describe(),
            "docker 27.3.1 (BuildKit on builder `ci`, remote driver)"
        );
    }

    #[test]
    fn this_machine_is_told_by_sysinfo() {
        let host = Host::this_machine();
        assert!(!host.name.is_empty() && !host.os.is_empty(), "{host:?}");
        assert!(host.cpus >= 1);
        assert!(host.memory_bytes.is_some_and(|bytes| bytes > 0), "{host:?}");
    }

    /// The README's section on saved runs, up to the next heading.
    fn documented() -> &'static str {
        let readme = include_str!("../README.md");
        let start = readme
            .find("### Saved runs and JSON output")
            .expect("the README documents saved runs");
        let section = &readme[start + 3..];
        &section[..section.find("\n#").unwrap_or(section.len())]
    }

    /// A run with every field that can be left out filled in.
    fn full_run() -> Run {
        let mut variant = VariantResult::new("uv", true);
        variant.image_bytes = Some(1);
        variant.compressed_bytes = Some(1);
        variant.layers = Some(1);
        variant.cold_seconds = Some(Timing::single(1.0));
        variant.app_rebuild_seconds = Some(Timing::single(1.0));
        variant.deps_rebuild_seconds = Some(Timing::single(1.0));
        variant.start_seconds = Some(Timing::single(1.0));
        variant.load_seconds = Some(Timing::single(1.0));
        variant.log = Some("uv.log".into());
        variant.dockerfile = Some("FROM scratch\n".into());
        variant.bases = vec![
            BaseImage {
                image: "python:3.13-slim".into(),
                digest: Some(format!("sha256:{}", "1".repeat(64))),
                local_id: None,
            },
            BaseImage {
                image: "ghcr.io/astral-sh/uv:0.13.9".into(),
                digest: None,
                local_id: Some(format!("sha256:{}", "2".repeat(64))),
            },
        ];
        let mut run = Run::sample(3, vec![variant]);
        run.engine.buildx_builder = Some("dockwright-remote".into());
        run.engine.buildx_driver = Some("remote".into());
        Run {
            base_set: Some("mirror".into()),
            platform: Some("linux/arm64".into()),
            emulated: true,
            extra_dependency: Some("six==1.17.0".into()),
            lock_sha256: Some("0".repeat(64)),
            start_not_measured: Some("elsewhere".into()),
            commands: vec!["docker build .".into()],
            ..run
        }
    }

    /// Every key of the saved JSON, nested ones too.
    fn keys(value: &serde_json::Value, out: &mut Vec<String>) {
        match value {
            serde_json::Value::Object(map) => {
                for (key, child) in map {
                    out.push(key.clone());
                    keys(child, out);
                }
            }
            serde_json::Value::Array(items) => items.iter().for_each(|item| keys(item, out)),
            _ => {}
        }
    }

    #[test]
    fn the_readme_documents_every_field_of_a_saved_run() {
        let saved: serde_json::Value =
            serde_json::from_str(&full_run().to_json().unwrap()).unwrap();
        let mut all = Vec::new();
        keys(&saved, &mut all);
        let section = documented();
        let missing: std::collections::BTreeSet<&String> = all
            .iter()
            .filter(|key| !section.contains(&format!("`{key}`")))
            .collect();
        assert!(
            missing.is_empty(),
            "the README's saved-run section lacks {missing:?}"
        );
        assert!(section.contains(&format!("the format of the file: {SCHEMA_VERSION}")));
    }

    #[test]
    fn a_base_image_says_what_it_was_built_on() {
        let bases = &full_run().variants[0].bases;
        assert_eq!(bases[0].describe(), "python:3.13-slim@sha256:111111111111…");
        assert_eq!(
            bases[1].describe(),
            "ghcr.io/astral-sh/uv:0.13.9 (local image 222222222222, no registry digest)"
        );
        let pinned = BaseImage {
            image: format!("python:3.13-slim@sha256:{}", "3".repeat(64)),
            digest: Some(format!("sha256:{}", "3".repeat(64))),
            local_id: None,
        };
        assert_eq!(pinned.describe(), "python:3.13-slim@sha256:333333333333…");
    }

    #[test]
    fn a_run_lists_each_base_once() {
        let mut run = full_run();
        let again = run.variants[0].clone();
        run.variants.push(again);
        assert_eq!(run.bases().len(), 2);
    }

    #[test]
    fn a_saved_run_reads_back_the_same() {
        let run = full_run();
        assert_eq!(Run::from_json(&run.to_json().unwrap()).unwrap(), run);
    }

    #[test]
    fn a_newer_format_is_refused_and_a_bad_version_is_corrupt() {
        let mut saved: serde_json::Value =
            serde_json::from_str(&full_run().to_json().unwrap()).unwrap();
        saved["schema_version"] = (SCHEMA_VERSION + 1).into();
        assert!(matches!(
            Run::from_json(&saved.to_string()),
            Err(Unreadable::Newer(version)) if version == SCHEMA_VERSION + 1
        ));
        for bad in [
            serde_json::json!(0),
            serde_json::json!("2"),
            serde_json::json!(2.5),
        ] {
            saved["schema_version"] = bad.clone();
            assert!(
                matches!(
                    Run::from_json(&saved.to_string()),
                    Err(Unreadable::Corrupt(_))
                ),
                "{bad}"
            );
        }
    }

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
