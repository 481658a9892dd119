//! The start column on the real engine: a variant whose app waits 2 s
//! before it serves shows a start of at least 2 s, beside a hello-world one
//! that starts sooner; a variant whose container exits at start fails with
//! its exit code and its log; and no container is left behind either way,
//! Ctrl-C during a start included.

use std::path::Path;

use std::time::Duration;

use crate::support::{
    docker, dockwright, engine, scaffold, stop, text, variant, wait_for, Scaffolded,
};

/// Adds variant `name` to the project: docker-init's Dockerfile with its
/// `CMD` replaced by `cmd`.
fn add_variant(project: &Scaffolded, name: &str, cmd: &str) {
    let dir = &project.dir;
    let docker_init =
        std::fs::read_to_string(dir.join("dockerfiles/docker-init.Dockerfile")).unwrap();
    let original = "CMD [\"gunicorn\", \"--bind\", \"0.0.0.0:5000\", \"app:app\"]";
    assert!(docker_init.contains(original), "{docker_init}");
    std::fs::write(
        dir.join(format!("dockerfiles/{name}.Dockerfile")),
        docker_init.replace(original, cmd),
    )
    .unwrap();
    let config = dir.join("dockwright.toml");
    let mut toml = std::fs::read_to_string(&config).unwrap();
    toml.push_str(&format!(
        "\n[[variant]]\nname = \"{name}\"\ndockerfile = \"dockerfiles/{name}.Dockerfile\"\nreason = \"A test of the start column.\"\n"
    ));
    std::fs::write(config, toml).unwrap();
}

/// `measure --json` of `variants`, once each, and the run it printed.
fn measure(engine: &Path, project: &Scaffolded, variants: &[&str]) -> (bool, serde_json::Value) {
    let mut args = vec![
        "measure",
        "--json",
        "--runs",
        "1",
        "--engine",
        engine.to_str().unwrap(),
    ];
    args.extend(variants);
    let out = dockwright(&project.dir, &args);
    let run = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|err| panic!("measure printed no JSON ({err}): {}", text(&out.stderr)));
    (out.status.success(), run)
}

/// The containers dockwright started to time this project's images, which
/// it must have removed.
fn left_behind(engine: &Path, project: &Scaffolded) -> String {
    let name = format!("name=dockwright-{}-", project.name);
    let out = docker(
        engine,
        &[
            "ps",
            "-a",
            "--filter",
            "label=dockwright.start",
            "--filter",
            &name,
            "--format",
            "{{.Names}}",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    text(&out.stdout).trim().to_string()
}

#[test]
fn an_app_that_waits_two_seconds_starts_in_no_less() {
    let Some(engine) = engine() else { return };
    let project = scaffold(
        &engine,
        "e2e-start",
        &["--profile", "speed", "--deps", "minimal"],
    );
    add_variant(
        &project,
        "sleepy",
        "CMD [\"sh\", \"-c\", \"sleep 2 && exec gunicorn --bind 0.0.0.0:5000 app:app\"]",
    );
    let (ok, run) = measure(&engine, &project, &["docker-init", "sleepy"]);
    assert!(ok, "{run}");
    let start = |name: &str| {
        let v = variant(&run, name);
        assert_eq!(v["status"], "ok", "{v}");
        v["start_seconds"]["median"]
            .as_f64()
            .unwrap_or_else(|| panic!("{name} has no start: {v}"))
    };
    let (hello, sleepy) = (start("docker-init"), start("sleepy"));
    assert!(sleepy >= 2.0, "sleepy started in {sleepy} s");
    assert!(hello < sleepy, "docker-init {hello} s, sleepy {sleepy} s");
    assert!(
        run["commands"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c.as_str().unwrap().contains(" -p 127.0.0.1::5000 ")),
        "{}",
        run["commands"]
    );
    assert_eq!(left_behind(&engine, &project), "");
}

#[test]
fn a_container_that_exits_at_start_fails_its_variant_with_its_log() {
    let Some(engine) = engine() else { return };
    let project = scaffold(
        &engine,
        "e2e-start-exits",
        &["--profile", "speed", "--deps", "minimal"],
    );
    add_variant(
        &project,
        "exits",
        "CMD [\"python\", \"-c\", \"import sys; print('e2e: the app cannot start', flush=True); sys.exit(3)\"]",
    );
    let (ok, run) = measure(&engine, &project, &["exits"]);
    assert!(!ok, "a failed start must fail measure: {run}");
    let exits = variant(&run, "exits");
    assert_eq!(exits["status"], "failed", "{exits}");
    let reason = exits["reason"].as_str().unwrap();
    assert!(reason.contains("exited with code 3"), "{reason}");
    assert!(reason.contains("e2e: the app cannot start"), "{reason}");
    assert!(exits["start_seconds"].is_null(), "{exits}");
    assert!(exits["app_rebuild_seconds"].is_null(), "{exits}");
    assert_eq!(left_behind(&engine, &project), "");
}

#[test]
fn ctrl_c_during_a_start_removes_the_container() {
    let Some(engine) = engine() else { return };
    let project = scaffold(
        &engine,
        "e2e-start-ctrl-c",
        &["--profile", "speed", "--deps", "minimal"],
    );
    add_variant(
        &project,
        "slow",
        "CMD [\"sh\", \"-c\", \"sleep 600 && exec gunicorn --bind 0.0.0.0:5000 app:app\"]",
    );
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_dockwright"))
        .current_dir(&project.dir)
        .args(["measure", "--engine", engine.to_str().unwrap(), "slow"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let running = wait_for(Duration::from_secs(300), || {
        !left_behind(&engine, &project).is_empty()
    });
    let stopped = stop(child, "INT");
    assert!(running, "the start never began: {}", stopped.stderr);
    assert_eq!(stopped.status.code(), Some(130), "{}", stopped.stderr);
    assert_eq!(left_behind(&engine, &project), "", "{}", stopped.stderr);
}
