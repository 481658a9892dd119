//! `dockwright explain`, end to end: a scaffolded project, with and without
//! a saved run written by hand, explained by the built binary without a
//! terminal (so without colour).

mod common;

use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use common::*;

/// A balanced project (docker-init → multi-stage → uv-minimal) in `parent`.
fn project(parent: &Path) -> PathBuf {
    new_project(
        parent,
        "demo",
        &["--profile", "balanced", "--deps", "minimal", "--yes"],
    )
}

/// One finished variant of a saved run.
fn finished(name: &str, bytes: u64, cold: f64, app: f64, deps: f64) -> Value {
    json!({
        "name": name, "status": "ok", "reason": null, "recommended": name == "uv-minimal",
        "image_bytes": bytes, "compressed_bytes": bytes / 3, "layers": 9,
        "cold_seconds": single(cold), "app_rebuild_seconds": single(app),
        "deps_rebuild_seconds": single(deps),
        "log": format!(".dockwright/logs/{name}.log")
    })
}

/// A run of the balanced ladder as `dockwright measure` saves it.
fn saved_run() -> Value {
    json!({
        "schema_version": 2,
        "project": "demo",
        "profile": "balanced",
        "dockwright_version": "0.1.0",
        "date": "2026-03-21T14:02:11Z",
        "host": { "name": "build-host", "os": "linux", "cpus": 8, "memory_bytes": 16000000000u64 },
        "engine": {
            "program": "docker", "client_version": "27.3.1", "server_version": "27.3.1",
            "builder": "BuildKit"
        },
        "repeats": 1,
        "commands": [],
        "variants": [
            finished("docker-init", 1_010_000_000, 14.2, 13.6, 15.1),
            finished("multi-stage", 975_000_000, 13.9, 0.9, 12.4),
            finished("uv-minimal", 39_700_000, 9.8, 0.41, 3.2),
        ]
    })
}

fn save(project: &Path, run: &Value) {
    write(
        project.join(".dockwright/runs/2026-03-21T140211Z.json"),
        &serde_json::to_string_pretty(run).unwrap(),
    );
}

fn explain(dir: &Path, args: &[&str]) -> String {
    let mut all = vec!["explain"];
    all.extend_from_slice(args);
    let output = run(dir, &all);
    assert_success(&output);
    stdout(&output)
}

#[test]
fn help_lists_explain_and_documents_it() {
    let tmp = tempdir();
    let top = stdout(&run(tmp.path(), &["--help"]));
    assert!(
        top.lines()
            .any(|line| line.trim_start().starts_with("explain ")),
        "{top}"
    );
    let help = run(tmp.path(), &["explain", "--help"]);
    assert_success(&help);
    let text = stdout(&help);
    for part in ["[VARIANT]", "--project", "--json", "explain.md"] {
        assert!(text.contains(part), "`{part}` is not in:\n{text}");
    }
}

#[test]
fn explain_a_step_without_a_run() {
    let tmp = tempdir();
    let proj = project(tmp.path());
    insta::assert_snapshot!(explain(&proj, &["multi-stage"]));
}

#[test]
fn explain_a_step_with_a_run() {
    let tmp = tempdir();
    let proj = project(tmp.path());
    save(&proj, &saved_run());
    let text = explain(tmp.path(), &["multi-stage", "--project", "demo"]);
    for part in [
        "image 1.01 GB → 975 MB (−35.0 MB)",
        "cold build 14.2 s → 13.9 s (same within noise: single runs under 10% apart)",
        "app-edit rebuild 13.6 s → 0.90 s (15× faster)",
    ] {
        assert!(text.contains(part), "`{part}` is not in:\n{text}");
    }
    // Piped, so plain: no escape codes.
    assert!(!text.contains('\u{1b}'), "{text}");
    insta::assert_snapshot!(text);
}

#[test]
fn explain_the_starting_point_shows_its_whole_dockerfile() {
    let tmp = tempdir();
    let proj = project(tmp.path());
    save(&proj, &saved_run());
    let text = explain(&proj, &["docker-init"]);
    assert!(text.contains("the starting point"), "{text}");
    let dockerfile = read(proj.join("dockerfiles/docker-init.Dockerfile"));
    assert!(text.contains(dockerfile.trim_end()), "{text}");
    assert!(!text.contains("@@"), "{text}");
    assert!(
        text.contains("image 1.01 GB\n  cold build 14.2 s\n"),
        "{text}"
    );
}

#[test]
fn explain_without_a_variant_lists_the_ladder() {
    let tmp = tempdir();
    let proj = project(tmp.path());
    let unmeasured = explain(&proj, &[]);
    assert!(unmeasured.contains("No measurements yet"), "{unmeasured}");
    save(&proj, &saved_run());
    insta::assert_snapshot!(explain(&proj, &[]));
}

#[test]
fn explain_json_carries_the_same_content() {
    let tmp = tempdir();
    let proj = project(tmp.path());
    save(&proj, &saved_run());
    let step: Value = serde_json::from_str(&explain(&proj, &["multi-stage", "--json"]))
        .expect("explain --json prints JSON");
    assert_eq!(step["variant"], "multi-stage");
    assert_eq!(step["step"], 1);
    assert_eq!(step["previous"]["variant"], "docker-init");
    assert!(step["reason"].as_str().unwrap().contains("virtualenv"));
    assert!(step["explanation"]
        .as_str()
        .unwrap()
        .contains("build stage"));
    let diff: Vec<&str> = step["diff"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect();
    assert!(diff[0].starts_with("@@ "), "{diff:?}");
    assert!(diff.iter().any(|l| l.starts_with("+FROM ")), "{diff:?}");
    let measured = &step["measured"];
    assert_eq!(measured["image_bytes"]["before"], 1_010_000_000u64);
    assert_eq!(measured["image_bytes"]["after"], 975_000_000u64);
    assert_eq!(measured["app_rebuild_seconds"]["after"]["median"], 0.9);
    assert_eq!(measured["app_rebuild_seconds"]["after"]["samples"], 1);

    let overview: Value = serde_json::from_str(&explain(&proj, &["--json"])).unwrap();
    let names: Vec<&str> = overview["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["variant"].as_str().unwrap())
        .collect();
    assert_eq!(names, ladder("balanced"));
    assert_eq!(overview["steps"][2]["image_bytes"], 39_700_000u64);
}

#[test]
fn a_changed_dockerfile_is_noted_beside_old_figures() {
    let tmp = tempdir();
    let proj = project(tmp.path());
    let mut saved = saved_run();
    saved["variants"][1]["dockerfile"] = json!("FROM python:3.12-slim\n");
    save(&proj, &saved);
    let text = explain(&proj, &["multi-stage"]);
    assert!(text.contains("earlier version"), "{text}");
    // The run kept no Dockerfile of docker-init: nothing to say about it.
    assert!(!explain(&proj, &["docker-init"]).contains("earlier version"));
}

#[test]
fn an_unknown_variant_names_the_projects_variants() {
    let tmp = tempdir();
    let proj = project(tmp.path());
    let output = run(&proj, &["explain", "alpine"]);
    let message = assert_usage_error(&output);
    for name in ["alpine", "docker-init", "multi-stage", "uv-minimal"] {
        assert!(message.contains(name), "{message}");
    }
    assert!(
        stderr(&output).contains("--profile article"),
        "{}",
        stderr(&output)
    );
    let message = assert_usage_error(&run(&proj, &["explain", "nope"]));
    assert!(message.contains("`nope`"), "{message}");
}

#[test]
fn explain_outside_a_project_says_there_is_no_dockwright_toml() {
    let tmp = tempdir();
    let message = assert_usage_error(&run(tmp.path(), &["explain", "slim"]));
    assert!(message.contains("no dockwright.toml"), "{message}");
}

/// A corrupt newest run (a measure killed mid-write by an older dockwright,
/// a file edited by hand) is named in a warning and passed over for the
/// newest run that reads.
#[test]
fn a_corrupt_newest_run_is_named_and_the_newest_readable_one_used() {
    let tmp = tempdir();
    let proj = project(tmp.path());
    save(&proj, &saved_run());
    let overview = explain(&proj, &[]);
    let corrupt = "2026-03-22T080000Z.json";
    write(
        proj.join(".dockwright/runs").join(corrupt),
        "{\"project\": ",
    );
    for args in [&["explain"][..], &["explain", "multi-stage"]] {
        let output = run(&proj, args);
        assert_success(&output);
        let warning = stderr(&output);
        assert!(
            warning.starts_with("warning: the results file")
                && warning.contains(corrupt)
                && warning.contains("corrupt"),
            "{warning}"
        );
        let printed = stdout(&output);
        if args.len() == 1 {
            assert_eq!(printed, overview);
        } else {
            assert!(printed.contains("Measured on"), "{printed}");
        }
    }
}

#[test]
fn a_step_is_not_measured_without_the_step_before_it() {
    let tmp = tempdir();
    let proj = project(tmp.path());
    let mut saved = saved_run();
    saved["variants"].as_array_mut().unwrap().remove(0);
    save(&proj, &saved);
    let text = explain(&proj, &["multi-stage"]);
    assert!(
        text.contains(
            "No measurement of this step yet: run `dockwright measure docker-init multi-stage`"
        ),
        "{text}"
    );
}

#[test]
fn a_step_shows_its_start_beside_the_step_befores_when_both_timed_it() {
    let tmp = tempdir();
    let proj = project(tmp.path());
    let mut run = saved_run();
    run["variants"][0]["start_seconds"] = single(0.55);
    run["variants"][1]["start_seconds"] = single(1.4);
    save(&proj, &run);
    let text = explain(tmp.path(), &["multi-stage", "--project", "demo"]);
    assert!(
        text.contains("\n  start 0.55 s → 1.4 s (2.5× slower)"),
        "{text}"
    );
    // uv-minimal has no start, so its step shows none.
    let text = explain(tmp.path(), &["uv-minimal", "--project", "demo"]);
    assert!(!text.contains("\n  start "), "{text}");
}
