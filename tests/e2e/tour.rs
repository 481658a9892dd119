//! `dockwright tour --yes` on the balanced ladder with the minimal preset:
//! every step explained, built cold, rebuilt after an app edit and saved;
//! the app file back byte for byte; a second tour resumes with `--from`,
//! reuses what did not change and leaves out what it is told to, and at a
//! terminal waits for Enter between steps; Ctrl-C, and Ctrl-D at the wait,
//! keep the finished steps.

use std::path::Path;
use std::process::Command;

use crate::support::{
    dockwright, engine, interrupt_mid_app_edit, saved_variants, scaffold, text, variant,
};

/// The newest saved run of the project in `dir`.
fn newest_run(dir: &Path) -> serde_json::Value {
    let mut runs: Vec<_> = std::fs::read_dir(dir.join(".dockwright/runs"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    runs.sort();
    let text = std::fs::read_to_string(runs.last().expect("a saved run")).unwrap();
    serde_json::from_str(&text).unwrap()
}

#[test]
fn a_tour_measures_every_step_then_resumes_reusing_what_did_not_change() {
    let Some(engine) = engine() else { return };
    let project = scaffold(
        &engine,
        "e2e-tour",
        &["--profile", "balanced", "--deps", "minimal"],
    );
    let dir = &project.dir;
    let app = std::fs::read(dir.join("app.py")).unwrap();
    let engine_arg = engine.to_str().unwrap();

    let out = dockwright(dir, &["tour", "--yes", "--no-pull", "--engine", engine_arg]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{}\n{}", stdout, text(&out.stderr));
    assert_eq!(std::fs::read(dir.join("app.py")).unwrap(), app);
    for heading in [
        "Step 0 of 2",
        "Step 1 of 2",
        "Step 2 of 2",
        "Why it matters",
    ] {
        assert!(stdout.contains(heading), "no `{heading}` in:\n{stdout}");
    }
    assert!(
        stdout.contains("uv-minimal against multi-stage: image −"),
        "no effect line for the last step in:\n{stdout}"
    );
    let first = newest_run(dir);
    for name in ["docker-init", "multi-stage", "uv-minimal"] {
        let v = variant(&first, name);
        assert_eq!(v["status"], "ok", "{v}");
        assert!(v["cold_seconds"]["median"].as_f64().unwrap() > 0.0, "{v}");
        assert!(
            v["app_rebuild_seconds"]["median"].as_f64().unwrap() > 0.0,
            "{v}"
        );
        assert!(v["deps_rebuild_seconds"].is_null(), "{v}");
        let dockerfile =
            std::fs::read_to_string(dir.join(format!("dockerfiles/{name}.Dockerfile")));
        assert_eq!(v["dockerfile"].as_str(), Some(dockerfile.unwrap().as_str()));
    }
    let bytes = |name| variant(&first, name)["image_bytes"].as_u64().unwrap();
    assert!(bytes("uv-minimal") < bytes("docker-init"));

    // Resume at step 1, leave it out, and reuse step 2: nothing is built.
    let out = dockwright(
        dir,
        &[
            "tour",
            "--yes",
            "--no-pull",
            "--engine",
            engine_arg,
            "--from",
            "1",
            "--reuse",
            "--skip",
            "multi-stage",
        ],
    );
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{}\n{}", stdout, text(&out.stderr));
    assert!(!stdout.contains("Step 0 of 2"), "{stdout}");
    assert!(stdout.contains("Step 2 of 2"), "{stdout}");
    let second = newest_run(dir);
    assert_ne!(second["date"].as_str(), None);
    assert_eq!(
        second["commands"].as_array().map(Vec::len),
        Some(0),
        "{second}"
    );
    assert_eq!(variant(&second, "multi-stage")["status"], "skipped");
    for name in ["docker-init", "uv-minimal"] {
        assert_eq!(
            variant(&second, name)["cold_seconds"],
            variant(&first, name)["cold_seconds"],
            "{name} was not reused"
        );
    }

    // At a terminal the tour waits for Enter between steps.
    let mut tour = Command::new(env!("CARGO_BIN_EXE_dockwright"));
    tour.current_dir(dir)
        .args(["tour", "--reuse", "--no-pull", "--engine", engine_arg])
        .env("TERM", "xterm")
        .env("NO_COLOR", "1");
    let mut session = rexpect::session::spawn_command(tour, Some(60_000)).unwrap();
    for next in ["step 1 (multi-stage)", "step 2 (uv-minimal)"] {
        session
            .exp_string(&format!("Press Enter for {next}"))
            .unwrap_or_else(|err| panic!("waiting for {next}: {err}"));
        session.send_line("").unwrap();
    }
    let rest = session.exp_eof().unwrap();
    assert!(rest.contains("Step 2 of 2"), "{rest}");
    match session.process().wait().unwrap() {
        rexpect::process::WaitStatus::Exited(_, code) => assert_eq!(code, 0, "{rest}"),
        other => panic!("the tour did not exit: {other:?}\n{rest}"),
    }
}

#[test]
fn ctrl_c_during_a_tour_restores_the_app_keeps_the_finished_steps_and_exits_130() {
    let Some(engine) = engine() else { return };
    let project = scaffold(
        &engine,
        "e2e-tour-sigint",
        &["--profile", "speed", "--deps", "minimal"],
    );
    let dir = &project.dir;
    let app = dir.join("app.py");
    let original = std::fs::read(&app).unwrap();
    let stopped = interrupt_mid_app_edit(
        dir,
        &[
            "tour",
            "--yes",
            "--no-pull",
            "--engine",
            engine.to_str().unwrap(),
        ],
        || {},
    );
    assert_eq!(stopped.status.code(), Some(130), "{}", stopped.stderr);
    assert_eq!(
        std::fs::read(&app).unwrap(),
        original,
        "app.py was left edited"
    );
    assert!(saved_variants(dir) >= 1, "the finished step was not kept");
}

/// Ctrl-D (end of input) where the tour waits for Enter stops it as Ctrl-C
/// does: exit 130, the finished step kept, the next one not started. Every
/// step is left out with --skip, so nothing is built.
#[test]
fn ctrl_d_at_the_wait_for_enter_stops_the_tour_and_keeps_the_finished_step() {
    let Some(engine) = engine() else { return };
    let project = scaffold(
        &engine,
        "e2e-tour-eof",
        &["--profile", "balanced", "--deps", "minimal"],
    );
    let dir = &project.dir;
    let mut tour = Command::new(env!("CARGO_BIN_EXE_dockwright"));
    tour.current_dir(dir)
        .args(["tour", "--engine", engine.to_str().unwrap()])
        .args([
            "--skip",
            "docker-init",
            "--skip",
            "multi-stage",
            "--skip",
            "uv-minimal",
        ])
        .env("TERM", "xterm")
        .env("NO_COLOR", "1");
    let mut session = rexpect::session::spawn_command(tour, Some(60_000)).unwrap();
    session
        .exp_string("Press Enter for step 1 (multi-stage)")
        .unwrap_or_else(|err| panic!("waiting for the first wait: {err}"));
    session.send_control('d').unwrap();
    let rest = session.exp_eof().unwrap();
    assert!(!rest.contains("Step 1 of 2"), "the tour went on:\n{rest}");
    match session.process().wait().unwrap() {
        rexpect::process::WaitStatus::Exited(_, code) => assert_eq!(code, 130, "{rest}"),
        other => panic!("the tour did not exit: {other:?}\n{rest}"),
    }
    let run = newest_run(dir);
    let names: Vec<_> = run["variants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["docker-init"], "{run}");
}
