//! What build and measure leave on streams that are not a terminal: no
//! cursor escape on a piped stderr after Ctrl-C, and a quiet end when the
//! reader of stdout or of stderr is gone.

use std::process::{Command, Stdio};
use std::time::Duration;

use crate::support::{engine, scaffold, stop, text, wait_for};

#[test]
fn ctrl_c_in_a_build_sends_no_cursor_escape_to_a_piped_stderr() {
    let Some(engine) = engine() else { return };
    let project = scaffold(
        &engine,
        "e2e-cursor",
        &["--profile", "speed", "--deps", "minimal"],
    );
    let dir = &project.dir;
    let log = dir.join(".dockwright/logs/docker-init.log");
    let child = Command::new(env!("CARGO_BIN_EXE_dockwright"))
        .current_dir(dir)
        .args(["build", "--no-cache", "--engine", engine.to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    assert!(
        wait_for(Duration::from_secs(300), || log.exists()),
        "the build never started"
    );
    let stopped = stop(child, "INT");
    assert_eq!(stopped.status.code(), Some(130), "{}", stopped.stderr);
    assert!(
        !stopped.stderr.contains("\x1b[?25h"),
        "{:?}",
        stopped.stderr
    );
}

#[test]
fn build_and_measure_end_quietly_on_a_closed_stdout() {
    let Some(engine) = engine() else { return };
    let project = scaffold(
        &engine,
        "e2e-pipe",
        &["--profile", "speed", "--deps", "minimal"],
    );
    let engine_arg = engine.to_str().unwrap();
    for args in [
        &["build", "docker-init", "--engine", engine_arg][..],
        &["measure", "docker-init", "--engine", engine_arg],
    ] {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let output = Command::new(env!("CARGO_BIN_EXE_dockwright"))
            .current_dir(&project.dir)
            .args(args)
            .stdout(writer)
            .output()
            .unwrap();
        let stderr = text(&output.stderr);
        assert_eq!(output.status.code(), Some(0), "{args:?}: {stderr}");
        for telltale in ["Broken pipe", "panicked", "failed printing"] {
            assert!(!stderr.contains(telltale), "{args:?}: {stderr}");
        }
    }
}

/// Progress, the engine line and "Saved in" go to stderr: with its reader
/// gone they are dropped, and the command still does its work.
#[test]
fn build_and_measure_end_quietly_on_a_closed_stderr() {
    let Some(engine) = engine() else { return };
    let project = scaffold(
        &engine,
        "e2e-stderr",
        &["--profile", "speed", "--deps", "minimal"],
    );
    let engine_arg = engine.to_str().unwrap();
    for args in [
        &["build", "docker-init", "--engine", engine_arg][..],
        &["measure", "docker-init", "--engine", engine_arg],
    ] {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let output = Command::new(env!("CARGO_BIN_EXE_dockwright"))
            .current_dir(&project.dir)
            .args(args)
            .stderr(writer)
            .output()
            .unwrap();
        let stdout = text(&output.stdout);
        assert_eq!(output.status.code(), Some(0), "{args:?}: {stdout}");
        assert!(stdout.contains("docker-init"), "{args:?}: {stdout}");
    }
}
