//! A journal, under `.dockwright/journal/`, of every change dockwright makes
//! to a project's files, so that a run killed half-way (SIGKILL, a crash, a
//! power cut) is finished or undone by the next dockwright command there.
//!
//! Two kinds of change are journaled:
//! - an edit made for a measurement (`edit-*.json` naming the file, beside
//!   `edit-*.orig` holding its original bytes): recovery writes the original
//!   back;
//! - a set of files moved into place by `init` (an `init-*` directory with
//!   the staged files, the replaced ones and `record.json`): recovery takes
//!   them back unless the change had reached its `committed` mark, in which
//!   case it finishes it.
//!
//! Whoever changes files holds the project's journal lock, an OS file lock
//! that dies with its process: a journal whose lock can be taken belongs to
//! nobody alive, and only then is it recovered.

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::atomic;
use crate::error::{UserError, WriteFailed};
use crate::results::STATE_DIR;

const JOURNAL: &str = "journal";
const LOCK: &str = "journal.lock";
const RECORD: &str = "record.json";
const COMMITTED: &str = "committed";
/// The hashes of the files dockwright generated, as it wrote them: a file
/// that still has its hash is dockwright's to replace.
const MANIFEST: &str = "generated.json";
pub const BACKUP: &str = "backup";

/// The journal's directory in `project`.
fn journal_dir(project: &Path) -> PathBuf {
    project.join(STATE_DIR).join(JOURNAL)
}

/// The locks this process holds, by project: a lock is taken once per
/// process (a second OS lock from the same process would wait on the first)
/// and released when the last holder lets go.
static HELD: Mutex<Vec<(PathBuf, File, usize)>> = Mutex::new(Vec::new());

/// The project's journal lock, held for as long as this lives.
pub struct Owner {
    project: PathBuf,
}

impl Owner {
    /// Takes the lock of `project`, or says who has it.
    pub fn take(project: &Path) -> Result<Owner, UserError> {
        match Owner::try_take(project) {
            Ok(Some(owner)) => Ok(owner),
            Ok(None) => Err(UserError::new(format!(
                "another dockwright command is changing files in `{}` (it holds `{}`); wait for it to finish or stop it",
                project.display(),
                lock_path(project).display()
            ))),
            Err(err) => Err(cannot(&lock_path(project), &err)),
        }
    }

    /// The lock, or `None` when another process holds it.
    fn try_take(project: &Path) -> io::Result<Option<Owner>> {
        let key = project.to_path_buf();
        let mut held = HELD.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(entry) = held.iter_mut().find(|(p, _, _)| *p == key) {
            entry.2 += 1;
            return Ok(Some(Owner { project: key }));
        }
        let path = lock_path(project);
        fs::create_dir_all(path.parent().unwrap_or(project))?;
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)?;
        match file.try_lock() {
            Ok(()) => {
                held.push((key.clone(), file, 1));
                Ok(Some(Owner { project: key }))
            }
            Err(fs::TryLockError::WouldBlock) => Ok(None),
            Err(fs::TryLockError::Error(err)) => Err(err),
        }
    }
}

impl Drop for Owner {
    fn drop(&mut self) {
        let mut held = HELD.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(at) = held.iter().position(|(p, _, _)| *p == self.project) {
            held[at].2 -= 1;
            if held[at].2 == 0 {
                // Closing the file releases the OS lock.
                held.remove(at);
            }
        }
    }
}

fn lock_path(project: &Path) -> PathBuf {
    project.join(STATE_DIR).join(LOCK)
}

/// Whether `dir` holds changes a killed dockwright left to finish or undo:
/// the search for a project stops there, so that the next command does.
pub fn pending(dir: &Path) -> bool {
    fs::read_dir(journal_dir(dir)).is_ok_and(|mut entries| entries.next().is_some())
}

/// Finishes or undoes whatever a killed dockwright left in `project`'s
/// journal, and says what it did on stderr. Does nothing while another
/// dockwright holds the project's lock: its journal is live.
pub fn recover(project: &Path) -> Result<(), UserError> {
    let dir = journal_dir(project);
    if !dir.is_dir() {
        return Ok(());
    }
    let Some(_owner) = Owner::try_take(project).map_err(|err| cannot(&lock_path(project), &err))?
    else {
        return Ok(());
    };
    let mut entries: Vec<PathBuf> = fs::read_dir(&dir)
        .map_err(|err| cannot(&dir, &err))?
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for entry in entries {
        let name = entry
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let said = if name.starts_with("edit-") && name.ends_with(".json") {
            recover_edit(project, &entry)
        } else if name.starts_with("init-") && entry.is_dir() {
            recover_init(project, &entry)
        } else {
            // An edit's copy whose record was never written: the file was
            // not touched yet.
            remove_all(&entry).map(|()| None)
        }
        .map_err(|err| cannot(&entry, &err))?;
        if let Some(said) = said {
            crate::error::warn(&said);
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Edits for a measurement

#[derive(Serialize, Deserialize)]
struct EditRecord {
    /// The edited file, relative to the project.
    path: PathBuf,
}

/// The journal's entry for one edit of a project file; `finish` removes it
/// once the original is back.
pub struct EditEntry {
    record: PathBuf,
    original: PathBuf,
    _owner: Owner,
}

impl EditEntry {
    /// Journals that `path` (relative to `project`) is about to be edited,
    /// keeping `original`, its bytes now.
    pub fn begin(project: &Path, path: &Path, original: &[u8]) -> anyhow::Result<EditEntry> {
        let owner = Owner::take(project)?;
        let dir = journal_dir(project);
        fs::create_dir_all(&dir).map_err(|err| journal_write(&dir, &err))?;
        let stem = format!("edit-{}", unique());
        let copy = dir.join(format!("{stem}.orig"));
        let record = dir.join(format!("{stem}.json"));
        atomic::write(&copy, original).map_err(|err| journal_write(&copy, &err))?;
        let text = serde_json::to_vec(&EditRecord {
            path: path.to_path_buf(),
        })
        .map_err(|err| journal_write(&record, &io::Error::other(err)))?;
        atomic::write(&record, &text).map_err(|err| journal_write(&record, &err))?;
        Ok(EditEntry {
            record,
            original: copy,
            _owner: owner,
        })
    }

    /// The original is back in place: forget the edit.
    pub fn finish(self) {
        let _ = fs::remove_file(&self.record);
        let _ = fs::remove_file(&self.original);
    }
}

fn recover_edit(project: &Path, record_path: &Path) -> io::Result<Option<String>> {
    let copy = record_path.with_extension("orig");
    let record: EditRecord = serde_json::from_slice(&fs::read(record_path)?)
        .map_err(|err| io::Error::new(io::ErrorKind::InvalidData, err))?;
    let original = fs::read(&copy)?;
    fs::write(project.join(&record.path), &original)?;
    fs::remove_file(record_path)?;
    fs::remove_file(&copy)?;
    Ok(Some(format!(
        "restored `{}` byte for byte: a dockwright run that edited it to measure a rebuild was killed before it could undo the edit",
        record.path.display()
    )))
}

// ---------------------------------------------------------------------------
// Files moved into place by `init`

/// How a file that is about to be replaced is kept until the change commits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Replaces {
    /// Nothing is there.
    Nothing,
    /// A file dockwright generated and nobody changed: kept in the journal,
    /// dropped at the end.
    Generated,
    /// Anything else: moved to the backup directory, and kept there.
    Yours,
}

#[derive(Debug, Serialize, Deserialize)]
struct PlacedFile {
    path: PathBuf,
    replaces: Replaces,
    sha256: String,
}

#[derive(Debug, Serialize, Deserialize)]
struct Record {
    files: Vec<PlacedFile>,
    /// Directories created for the files, parents first.
    created_dirs: Vec<PathBuf>,
    /// Where the user's replaced files go, relative to the project.
    backup: PathBuf,
}

/// Files written into an existing project in one change: staged in the
/// journal, then moved into place, then committed; undone on any failure,
/// and by `recover` when the process dies before the commit.
pub struct Placement {
    project: PathBuf,
    dir: PathBuf,
    record: Record,
    _owner: Owner,
}

impl Placement {
    /// Stages `files` (paths relative to `project`) and journals how each
    /// one will be placed. Nothing in the project changes yet.
    pub fn stage(project: &Path, files: &[(PathBuf, String)]) -> Result<Placement, UserError> {
        let owner = Owner::take(project)?;
        recover(project)?;
        let manifest = Manifest::load(project);
        let stamp = stamp();
        let dir = journal_dir(project).join(format!("init-{stamp}"));
        let mut record = Record {
            files: Vec::new(),
            created_dirs: Vec::new(),
            backup: Path::new(STATE_DIR).join(BACKUP).join(&stamp),
        };
        for (path, contents) in files {
            let staged = dir.join("new").join(path);
            write_new_file(&staged, contents.as_bytes()).map_err(|err| cannot(&staged, &err))?;
            let target = project.join(path);
            let replaces = match fs::read(&target) {
                Ok(bytes) if manifest.generated(path, &bytes) => Replaces::Generated,
                Ok(_) => Replaces::Yours,
                Err(_) if target.symlink_metadata().is_ok() => Replaces::Yours,
                Err(_) => Replaces::Nothing,
            };
            if let Some(parent) = target.parent() {
                let mut missing: Vec<&Path> =
                    parent.ancestors().take_while(|p| !p.exists()).collect();
                missing.reverse();
                for d in missing {
                    let rel = d.strip_prefix(project).unwrap_or(d).to_path_buf();
                    if !record.created_dirs.contains(&rel) {
                        record.created_dirs.push(rel);
                    }
                }
            }
            record.files.push(PlacedFile {
                path: path.clone(),
                replaces,
                sha256: sha256(contents.as_bytes()),
            });
        }
        let text = serde_json::to_vec_pretty(&record)
            .map_err(|err| cannot(&dir, &io::Error::other(err)))?;
        let record_path = dir.join(RECORD);
        atomic::write(&record_path, &text).map_err(|err| cannot(&record_path, &err))?;
        Ok(Placement {
            project: project.to_path_buf(),
            dir,
            record,
            _owner: owner,
        })
    }

    /// The user's files this change will move to the backup directory.
    pub fn backed_up(&self) -> (PathBuf, Vec<PathBuf>) {
        let files = self
            .record
            .files
            .iter()
            .filter(|f| f.replaces == Replaces::Yours)
            .map(|f| f.path.clone())
            .collect();
        (self.record.backup.clone(), files)
    }

    /// Moves the staged files into place, `check` before each one, and
    /// commits; on any failure everything is taken back.
    pub fn place(self, check: impl Fn() -> anyhow::Result<()>) -> anyhow::Result<()> {
        for dir in &self.record.created_dirs {
            let path = self.project.join(dir);
            if let Err(err) = fs::create_dir(&path) {
                let _ = roll_back(&self.project, &self.dir, &self.record);
                return Err(cannot(&path, &err).into());
            }
        }
        for file in &self.record.files {
            let moved = check().and_then(|()| {
                place_one(&self.project, &self.dir, &self.record, file)
                    .map_err(|err| cannot(&self.project.join(&file.path), &err).into())
            });
            if let Err(err) = moved {
                let _ = roll_back(&self.project, &self.dir, &self.record);
                return Err(err);
            }
        }
        let mark = self.dir.join(COMMITTED);
        atomic::write(&mark, b"").map_err(|err| cannot(&mark, &err))?;
        finish(&self.project, &self.dir, &self.record).map_err(|err| cannot(&self.dir, &err))?;
        Ok(())
    }
}

fn place_one(project: &Path, dir: &Path, record: &Record, file: &PlacedFile) -> io::Result<()> {
    let target = project.join(&file.path);
    let kept = kept_at(project, dir, record, file);
    if let Some(kept) = &kept {
        if let Some(parent) = kept.parent() {
            fs::create_dir_all(parent)?;
        }
        fs::rename(&target, kept)?;
    }
    fs::rename(dir.join("new").join(&file.path), &target)
}

/// Where the file that `file` replaces is kept until the commit.
fn kept_at(project: &Path, dir: &Path, record: &Record, file: &PlacedFile) -> Option<PathBuf> {
    match file.replaces {
        Replaces::Nothing => None,
        Replaces::Generated => Some(dir.join("old").join(&file.path)),
        Replaces::Yours => Some(project.join(&record.backup).join(&file.path)),
    }
}

/// Puts back what a change that did not commit had moved.
fn roll_back(project: &Path, dir: &Path, record: &Record) -> io::Result<()> {
    for file in record.files.iter().rev() {
        let target = project.join(&file.path);
        if !dir.join("new").join(&file.path).exists() {
            // Moved into place: it is dockwright's new file.
            let _ = fs::remove_file(&target);
        }
        if let Some(kept) = kept_at(project, dir, record, file) {
            if kept.symlink_metadata().is_ok() {
                fs::rename(&kept, &target)?;
            }
        }
    }
    for created in record.created_dirs.iter().rev() {
        let _ = fs::remove_dir(project.join(created));
    }
    remove_empty_dirs(project, &record.backup);
    remove_all(dir)
}

/// Completes a committed change: records what was generated, drops the
/// replaced generated files.
fn finish(project: &Path, dir: &Path, record: &Record) -> io::Result<()> {
    let mut manifest = Manifest::load(project);
    for file in &record.files {
        manifest
            .files
            .insert(file.path.clone(), file.sha256.clone());
    }
    manifest.save(project)?;
    remove_all(dir)
}

fn recover_init(project: &Path, dir: &Path) -> io::Result<Option<String>> {
    let record_path = dir.join(RECORD);
    let Ok(bytes) = fs::read(&record_path) else {
        // Killed while staging: nothing in the project was touched.
        return remove_all(dir).map(|()| None);
    };
    let record: Record = serde_json::from_slice(&bytes)
        .map_err(|err| io::Error::new(io::ErrorKind::InvalidData, err))?;
    if dir.join(COMMITTED).exists() {
        finish(project, dir, &record)?;
        return Ok(Some(
            "finished a `dockwright init` that was killed after its files were in place"
                .to_string(),
        ));
    }
    roll_back(project, dir, &record)?;
    Ok(Some(
        "undid a `dockwright init` that was killed half-way: the project's files are as they were before it"
            .to_string(),
    ))
}

// ---------------------------------------------------------------------------
// What dockwright generated

/// Whether the file at `path` (relative to `project`) is one dockwright
/// generated and nobody changed since: dockwright's to replace.
pub fn generated(project: &Path, path: &Path) -> bool {
    fs::read(project.join(path)).is_ok_and(|bytes| Manifest::load(project).generated(path, &bytes))
}

#[derive(Default, Serialize, Deserialize)]
pub struct Manifest {
    files: BTreeMap<PathBuf, String>,
}

impl Manifest {
    fn load(project: &Path) -> Manifest {
        fs::read(project.join(STATE_DIR).join(MANIFEST))
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default()
    }

    /// The manifest of a new project made of `files`, as the file to write
    /// with them (path relative to the project, contents).
    pub fn of_new(files: &[(PathBuf, String)]) -> (PathBuf, String) {
        let manifest = Manifest {
            files: files
                .iter()
                .map(|(path, contents)| (path.clone(), sha256(contents.as_bytes())))
                .collect(),
        };
        let text = serde_json::to_string_pretty(&manifest).unwrap_or_default();
        (Path::new(STATE_DIR).join(MANIFEST), format!("{text}\n"))
    }

    fn generated(&self, path: &Path, bytes: &[u8]) -> bool {
        self.files.get(path) == Some(&sha256(bytes))
    }

    fn save(&self, project: &Path) -> io::Result<()> {
        let text = serde_json::to_string_pretty(self).map_err(io::Error::other)?;
        atomic::write(
            &project.join(STATE_DIR).join(MANIFEST),
            format!("{text}\n").as_bytes(),
        )
    }
}

// ---------------------------------------------------------------------------
// Staging directories of `new`, beside the project they become

pub const NEW_STAGING_PREFIX: &str = ".dockwright-new-";

/// A directory being filled by `new`, locked (an OS lock on the directory
/// itself) until it is renamed into place or its process dies.
pub struct NewStaging {
    pub path: PathBuf,
    _lock: File,
}

impl NewStaging {
    pub fn create(parent: &Path) -> io::Result<NewStaging> {
        let path = tempfile::Builder::new()
            .prefix(NEW_STAGING_PREFIX)
            .tempdir_in(parent)?
            .keep();
        let lock = File::open(&path)?;
        lock.try_lock().map_err(io::Error::from)?;
        Ok(NewStaging { path, _lock: lock })
    }

    /// Removes the staging directory (the rename into place did not happen).
    pub fn discard(self) {
        let _ = fs::remove_dir_all(&self.path);
    }
}

/// Removes the staging directories in `parent` that a killed `new` left;
/// says how many it removed.
pub fn sweep_new_staging(parent: &Path) {
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    let mut swept = 0;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        if !name.starts_with(NEW_STAGING_PREFIX) || !entry.path().is_dir() {
            continue;
        }
        let Ok(dir) = File::open(entry.path()) else {
            continue;
        };
        if dir.try_lock().is_ok() && fs::remove_dir_all(entry.path()).is_ok() {
            swept += 1;
        }
    }
    if swept > 0 {
        crate::error::warn(&format!(
            "removed {swept} half-written project folder(s) (`{NEW_STAGING_PREFIX}*`) that a killed `dockwright new` left in `{}`",
            parent.display()
        ));
    }
}

// ---------------------------------------------------------------------------

fn write_new_file(path: &Path, contents: &[u8]) -> io::Result<()> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)?;
    }
    fs::write(path, contents)
}

fn remove_all(path: &Path) -> io::Result<()> {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.is_dir() => fs::remove_dir_all(path),
        Ok(_) => fs::remove_file(path),
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(err) => Err(err),
    }
}

/// Removes `rel` (under `project`) and its parents up to the project while
/// they are empty.
fn remove_empty_dirs(project: &Path, rel: &Path) {
    for dir in rel.ancestors().filter(|d| !d.as_os_str().is_empty()) {
        if fs::remove_dir(project.join(dir)).is_err() {
            break;
        }
    }
}

/// The sha256 of `bytes`, in hex.
pub fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A name no other journal entry of this machine has: the time, and the
/// process.
fn unique() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!("{nanos}-{}", std::process::id())
}

/// The time, for a directory name a person reads: `2026-12-02T05-28-21Z`,
/// with the process id after it so that two changes in one second differ.
fn stamp() -> String {
    let time = humantime::format_rfc3339_seconds(std::time::SystemTime::now())
        .to_string()
        .replace(':', "-");
    format!("{time}-{}", std::process::id())
}

fn cannot(path: &Path, err: &io::Error) -> UserError {
    UserError::from(journal_write(path, err))
}

/// A journal write that failed; the copy of `err` keeps its kind, which
/// tells a full disk apart.
fn journal_write(path: &Path, err: &io::Error) -> WriteFailed {
    let copy = match err.raw_os_error() {
        Some(code) => io::Error::from_raw_os_error(code),
        None => io::Error::new(err.kind(), err.to_string()),
    };
    WriteFailed::new("write the journal entry", path, copy)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the OS does for a killed process: its lock goes.
    fn die(project: &Path) {
        HELD.lock().unwrap().retain(|(p, _, _)| p != project);
    }

    fn file(path: &str, contents: &str) -> (PathBuf, String) {
        (PathBuf::from(path), contents.to_string())
    }

    /// What a process killed after journaling an edit and making it leaves:
    /// the next `recover` writes the original back.
    #[test]
    fn a_killed_edit_is_restored_byte_for_byte() {
        let dir = tempfile::tempdir().unwrap();
        let original = b"print('v1.0.0')\r\n\xef\xbb\xbf no final newline";
        fs::write(dir.path().join("app.py"), original).unwrap();
        let entry = EditEntry::begin(dir.path(), Path::new("app.py"), original).unwrap();
        fs::write(dir.path().join("app.py"), "edited").unwrap();
        // The kill: nothing of `entry` runs, and its lock dies with it.
        std::mem::forget(entry);
        die(dir.path());
        recover(dir.path()).unwrap();
        assert_eq!(fs::read(dir.path().join("app.py")).unwrap(), original);
        let left: Vec<_> = fs::read_dir(journal_dir(dir.path())).unwrap().collect();
        assert!(left.is_empty(), "{left:?}");
    }

    #[test]
    fn a_live_journal_is_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("app.py"), "mine").unwrap();
        let entry = EditEntry::begin(dir.path(), Path::new("app.py"), b"mine").unwrap();
        fs::write(dir.path().join("app.py"), "edited").unwrap();
        // Another process: its own open file description, refused while
        // this one holds the lock.
        let other = File::open(lock_path(dir.path())).unwrap();
        assert!(other.try_lock().is_err());
        drop(entry);
        assert!(other.try_lock().is_ok());
    }

    /// A change killed at each point of its life: before the record, after
    /// some moves, after the commit mark.
    #[test]
    fn a_killed_placement_is_undone_before_its_commit_and_finished_after() {
        let files = [file("a.txt", "new a"), file("sub/b.txt", "new b")];
        for moved in 0..=2 {
            for committed in [false, true] {
                if committed && moved < 2 {
                    continue;
                }
                let dir = tempfile::tempdir().unwrap();
                fs::write(dir.path().join("a.txt"), "mine").unwrap();
                let placement = Placement::stage(dir.path(), &files).unwrap();
                for f in &placement.record.files[..moved] {
                    place_one(dir.path(), &placement.dir, &placement.record, f)
                        .or_else(|_| {
                            fs::create_dir_all(dir.path().join("sub"))?;
                            place_one(dir.path(), &placement.dir, &placement.record, f)
                        })
                        .unwrap();
                }
                if committed {
                    fs::write(placement.dir.join(COMMITTED), "").unwrap();
                }
                std::mem::forget(placement);
                die(dir.path());
                recover(dir.path()).unwrap();
                let a = fs::read_to_string(dir.path().join("a.txt")).unwrap();
                if committed {
                    assert_eq!(a, "new a");
                    let backup = fs::read_dir(dir.path().join(STATE_DIR).join(BACKUP))
                        .unwrap()
                        .flatten()
                        .next()
                        .unwrap()
                        .path();
                    assert_eq!(fs::read_to_string(backup.join("a.txt")).unwrap(), "mine");
                } else {
                    assert_eq!(a, "mine", "after {moved} moves");
                    assert!(!dir.path().join("sub").exists(), "after {moved} moves");
                    assert!(!dir.path().join(STATE_DIR).join(BACKUP).exists());
                }
                let left: Vec<_> = fs::read_dir(journal_dir(dir.path())).unwrap().collect();
                assert!(left.is_empty(), "{left:?}");
            }
        }
    }
}
