//! A client that runs the real one as its child, as docker's buildx plugin
//! does: Ctrl-C must stop the real client too, not only the wrapper.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::support::*;

/// A wrapper at `dir/docker` that runs the client named by
/// `DOCKWRIGHT_TEST_REAL_CLIENT` as its child and, for a build, writes the
/// child's pid to `dir/build.pid`.
fn wrapper(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("docker");
    let script = r#"#!/bin/sh
"$DOCKWRIGHT_TEST_REAL_CLIENT" "$@" &
child=$!
if [ "$1" = build ]; then echo "$child" > "$(dirname "$0")/build.pid"; fi
wait "$child"
"#;
    std::fs::write(&path, script).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

/// Whether process `pid` still runs (a zombie has stopped running).
fn running(pid: &str) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        let state = stat.rsplit_once(") ").map(|(_, rest)| rest.chars().next());
        !matches!(state, Some(Some('Z' | 'X')))
    })
}

/// Whether a build log of the run in progress holds a BuildKit step line.
fn buildkit_spoke(project: &Path) -> bool {
    let runs = std::fs::read_dir(project.join(".dockwright/logs"));
    runs.into_iter()
        .flatten()
        .flatten()
        .filter_map(|run| std::fs::read_dir(run.path()).ok())
        .flatten()
        .flatten()
        .any(|log| std::fs::read_to_string(log.path()).is_ok_and(|t| t.contains("\n#")))
}

#[test]
fn ctrl_c_stops_a_build_run_through_a_wrapper_client() {
    let Some(engine) = engine() else { return };
    let project = scaffold(
        &engine,
        "e2e-wrapper",
        &["--profile", "size", "--deps", "minimal"],
    );
    let dir = &project.dir;
    // Long enough that a build left running would outlast the wait below.
    let baseline = dir.join("dockerfiles/docker-init.Dockerfile");
    let mut dockerfile = std::fs::read_to_string(&baseline).unwrap();
    dockerfile.push_str("RUN sleep 120\n");
    std::fs::write(&baseline, dockerfile).unwrap();
    let bin = tempfile::tempdir().unwrap();
    let client = wrapper(bin.path());
    let mut child = Command::new(env!("CARGO_BIN_EXE_dockwright"))
        .current_dir(dir)
        .args(["measure", "--no-pull", "--engine"])
        .arg(&client)
        .env("DOCKWRIGHT_TEST_REAL_CLIENT", &*engine)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid_file = bin.path().join("build.pid");
    // Mid-build: the real client has started and BuildKit has said something.
    let building = wait_for(Duration::from_secs(300), || {
        pid_file.exists() && buildkit_spoke(dir)
    });
    assert!(building, "the build never started");
    let build = std::fs::read_to_string(&pid_file)
        .unwrap()
        .trim()
        .to_string();
    let sent = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let ended = wait_for(Duration::from_secs(10), || {
        child.try_wait().unwrap().is_some()
    });
    if !ended {
        let _ = child.kill();
    }
    let out = child.wait_with_output().unwrap();
    assert!(
        ended,
        "dockwright still ran 10 s after Ctrl-C: {}",
        text(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(130), "{}", text(&out.stderr));
    assert!(
        wait_for(Duration::from_secs(5), || !running(&build)),
        "the real client (pid {build}) was left building"
    );
}
