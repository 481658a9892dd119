//! `dockwright measure` when the disk its logs go to fills up: the write
//! that failed is named, with where the finished results are kept and how
//! to free space, exit 2; not a bare OS error, nor the engine "stopped".
//! The full disk is a small tmpfs, mounted where the logs go.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{dockwright, engine, scaffold, skip, text};

const PAGE: u64 = 4096;

/// A 64 KiB tmpfs filled up to `free` pages, unmounted when dropped.
struct FullDisk {
    dir: tempfile::TempDir,
}

impl FullDisk {
    /// `None` after saying why, where mounting is not allowed.
    fn mount(free: u64) -> Option<FullDisk> {
        let dir = tempfile::tempdir().unwrap();
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=64k", "tmpfs"])
            .arg(dir.path())
            .output();
        match mounted {
            Ok(out) if out.status.success() => {}
            Ok(out) => {
                skip(&format!(
                    "cannot mount a tmpfs: {}",
                    text(&out.stderr).trim()
                ));
                return None;
            }
            Err(err) => {
                skip(&format!("cannot run mount: {err}"));
                return None;
            }
        }
        let disk = FullDisk { dir };
        let mut fill = OpenOptions::new()
            .create_new(true)
            .write(true)
            .open(disk.dir.path().join("fill"))
            .unwrap();
        while fill.write_all(&[0; PAGE as usize]).is_ok() {}
        let len = fill.metadata().unwrap().len();
        fill.set_len(len - free * PAGE).unwrap();
        Some(disk)
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for FullDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.dir.path()).status();
    }
}

/// Measures `docker-init` with the project's logs on `disk`; returns stderr
/// after checking the exit code and that the project was left as it was.
fn measure_onto(disk: &FullDisk, engine: &Path, prefix: &str) -> (String, PathBuf) {
    let project = scaffold(
        engine,
        prefix,
        &["--profile", "balanced", "--deps", "minimal"],
    );
    let dir = project.dir.clone();
    std::fs::create_dir_all(dir.join(".dockwright")).unwrap();
    std::os::unix::fs::symlink(disk.path(), dir.join(".dockwright/logs")).unwrap();
    let app = std::fs::read(dir.join("app.py")).unwrap();
    let out = dockwright(
        &dir,
        &[
            "measure",
            "docker-init",
            "--no-pull",
            "--engine",
            engine.to_str().unwrap(),
        ],
    );
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_eq!(std::fs::read(dir.join("app.py")).unwrap(), app);
    let runs = dir.join(".dockwright/runs");
    let saved: Vec<_> = std::fs::read_dir(&runs)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    assert!(saved.is_empty(), "a half run was saved: {saved:?}");
    (stderr, runs)
}

fn assert_names_the_log(stderr: &str, runs: &Path) {
    for said in [
        "cannot write the build log",
        "docker-init.log` (the disk is full)",
        &format!(
            "the results finished before are kept in `{}`",
            runs.display()
        ),
        "help: free space on that disk",
    ] {
        assert!(stderr.contains(said), "no `{said}` in:\n{stderr}");
    }
    for telltale in ["os error 28", "stopped answering", "panicked"] {
        assert!(!stderr.contains(telltale), "`{telltale}` in:\n{stderr}");
    }
}

#[test]
fn a_full_disk_names_the_log_and_where_the_finished_results_are_kept() {
    let Some(engine) = engine() else { return };
    let Some(full) = FullDisk::mount(0) else {
        return;
    };
    let (stderr, runs) = measure_onto(&full, &engine, "e2e-full-disk");
    assert_names_the_log(&stderr, &runs);
}

/// One page left: dockwright's own lines fit, and the disk fills with the
/// build's output, which the engine's streaming writes.
#[test]
fn a_disk_that_fills_during_a_build_is_not_taken_for_the_engine_stopping() {
    let Some(engine) = engine() else { return };
    let Some(nearly) = FullDisk::mount(1) else {
        return;
    };
    let (stderr, runs) = measure_onto(&nearly, &engine, "e2e-fills-up");
    assert_names_the_log(&stderr, &runs);
}
