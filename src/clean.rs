//! `dockwright clean`: what dockwright made for one project, found and
//! removed: the images labelled with the project's name, and saved runs and
//! their logs older than a cut-off. Nothing another project (or the user)
//! made is touched: images are found by label, files only under the
//! project's `.dockwright/`, and baselines are kept.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use serde::Serialize;

use crate::engine::{podman_cache_mounts, same_id, BuildKit, Engine, EngineError, Runner};
use crate::project::PROJECT_LABEL;
use crate::results::{saved_runs, STATE_DIR};
use crate::scaffold;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Image,
    Run,
    Logs,
    /// A build-cache mount whose id is the project's: a BuildKit cache
    /// record, or a podman cache mount's directory.
    Cache,
}

/// One thing to remove.
#[derive(Debug, Clone, Serialize)]
pub struct Item {
    pub kind: Kind,
    /// The image's id, the file's or directory's path, or the cache
    /// record's id.
    pub what: String,
    /// The image's tags, or the cache mount's id; empty for files.
    pub names: Vec<String>,
    /// Its size: an image's own (layers it shares with another image free
    /// less), a file's, or a directory's files together.
    pub bytes: u64,
}

/// Everything `clean` would remove in `project` (named `name`): its images,
/// its cache mounts, and its saved runs and their logs older than
/// `older_than`, the newest run kept whatever its age.
pub fn plan(
    engine: &Engine,
    runner: &dyn Runner,
    project: &Path,
    name: &str,
    older_than: Duration,
) -> Result<Vec<Item>, EngineError> {
    let mut items: Vec<Item> = engine
        .labelled_images(runner, PROJECT_LABEL, name)?
        .into_iter()
        .map(|(id, names, bytes)| Item {
            kind: Kind::Image,
            what: id,
            names,
            bytes,
        })
        .collect();
    let ours = scaffold::cache_ids(name);
    for mount in engine.cache_mounts(runner)?.unwrap_or_default() {
        if let Some(id) = ours.iter().find(|id| same_id(id, &mount.id)) {
            items.push(Item {
                kind: Kind::Cache,
                what: mount.record,
                names: vec![id.clone()],
                bytes: mount.bytes,
            });
        }
    }
    if engine.buildkit == BuildKit::Podman {
        for (id, dir) in podman_cache_mounts() {
            if ours.contains(&id) {
                items.push(Item {
                    kind: Kind::Cache,
                    bytes: size_of(&dir),
                    what: dir.display().to_string(),
                    names: vec![id],
                });
            }
        }
    }
    let cutoff = SystemTime::now()
        .checked_sub(older_than)
        .unwrap_or(SystemTime::UNIX_EPOCH);
    let old = |path: &Path| {
        fs::metadata(path)
            .and_then(|m| m.modified())
            .is_ok_and(|modified| modified < cutoff)
    };
    let mut runs = saved_runs(project);
    runs.pop();
    for run in runs.into_iter().filter(|p| old(p)) {
        items.push(Item {
            kind: Kind::Run,
            bytes: size_of(&run),
            what: shown(project, &run),
            names: Vec::new(),
        });
    }
    let newest_logs = newest_log_dir(project);
    let mut logs = fs::read_dir(project.join(STATE_DIR).join("logs"))
        .map(|entries| entries.flatten().map(|e| e.path()).collect::<Vec<_>>())
        .unwrap_or_default();
    logs.sort();
    for dir in logs {
        if dir.is_dir() && old(&dir) && Some(&dir) != newest_logs.as_ref() {
            items.push(Item {
                kind: Kind::Logs,
                bytes: size_of(&dir),
                what: shown(project, &dir),
                names: Vec::new(),
            });
        }
    }
    Ok(items)
}

/// The log directory of the newest run, kept with it.
fn newest_log_dir(project: &Path) -> Option<PathBuf> {
    let newest = saved_runs(project).pop()?;
    let id = newest.file_stem()?;
    Some(project.join(STATE_DIR).join("logs").join(id))
}

/// `path` relative to the project, as the listing shows it.
fn shown(project: &Path, path: &Path) -> String {
    path.strip_prefix(project)
        .unwrap_or(path)
        .display()
        .to_string()
}

/// A file's size, or a directory's files' together.
fn size_of(path: &Path) -> u64 {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.is_dir() => fs::read_dir(path)
            .map(|entries| entries.flatten().map(|e| size_of(&e.path())).sum())
            .unwrap_or(0),
        Ok(meta) => meta.len(),
        Err(_) => 0,
    }
}

/// Removes `item`; `Err` says why it could not.
pub fn remove(
    engine: &Engine,
    runner: &dyn Runner,
    project: &Path,
    item: &Item,
) -> Result<(), String> {
    match item.kind {
        Kind::Image => engine.remove_image(runner, &item.what),
        Kind::Cache if engine.buildkit == BuildKit::Podman => {
            fs::remove_dir_all(&item.what).map_err(|err| err.to_string())
        }
        Kind::Cache => match engine.run(runner, &engine.prune_record_cmd(&item.what)) {
            Ok(true) => Ok(()),
            Ok(false) => Err(format!("`buildx prune --filter id={}` failed", item.what)),
            Err(err) => Err(err.to_string()),
        },
        Kind::Run => fs::remove_file(project.join(&item.what)).map_err(|err| err.to_string()),
        Kind::Logs => fs::remove_dir_all(project.join(&item.what)).map_err(|err| err.to_string()),
    }
}
