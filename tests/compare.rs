//! `dockwright compare`, end to end: two saved runs written by hand into a
//! scaffolded project and compared by the built binary.

mod common;

use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use common::*;

const OLDER: &str = "2026-03-20T090000Z";
const NEWER: &str = "2026-03-21T140211Z";

/// A finished variant whose rebuilds were repeated: each time is
/// (median, min, max).
fn finished(name: &str, bytes: u64, cold: f64, app: [f64; 3], deps: [f64; 3]) -> Value {
    json!({
        "name": name, "status": "ok", "reason": null, "recommended": name == "uv-minimal",
        "image_bytes": bytes, "compressed_bytes": bytes / 3, "layers": 9,
        "cold_seconds": single(cold),
        "app_rebuild_seconds": timing(app[0], app[1], app[2], 3),
        "deps_rebuild_seconds": timing(deps[0], deps[1], deps[2], 3),
        "log": format!(".dockwright/logs/{name}.log")
    })
}

fn saved_run(date: &str, variants: Vec<Value>) -> Value {
    json!({
        "schema_version": 2,
        "project": "demo",
        "profile": "balanced",
        "dockwright_version": "0.1.0",
        "date": date,
        "host": { "name": "build-host", "os": "linux", "cpus": 8, "memory_bytes": 16000000000u64 },
        "engine": {
            "program": "docker", "client_version": "27.3.1", "server_version": "27.3.1",
            "builder": "BuildKit"
        },
        "repeats": 3,
        "commands": [],
        "variants": variants
    })
}

/// Before: docker-init and multi-stage, and from-source, which the newer
/// run no longer has.
fn older() -> Value {
    saved_run(
        "2026-03-20T09:00:00Z",
        vec![
            finished(
                "docker-init",
                182_000_000,
                61.3,
                [6.2, 5.9, 6.8],
                [58.9, 57.1, 60.4],
            ),
            finished(
                "multi-stage",
                160_004_096,
                70.4,
                [0.41, 0.38, 0.45],
                [38.5, 37.0, 40.1],
            ),
            json!({
                "name": "from-source", "status": "skipped",
                "reason": "base image `python:3.13` is not here and cannot be pulled (offline)",
                "recommended": false, "image_bytes": null, "compressed_bytes": null, "layers": null,
                "cold_seconds": null, "app_rebuild_seconds": null, "deps_rebuild_seconds": null,
                "log": null
            }),
        ],
    )
}

/// After: docker-init the same but for noise and a faster deps-edit
/// rebuild; multi-stage 4 kB smaller and faster, but its deps-edit rebuild
/// failed; uv-minimal is new.
fn newer() -> Value {
    let mut multi = finished(
        "multi-stage",
        160_000_000,
        52.0,
        [0.12, 0.10, 0.15],
        [0.0, 0.0, 0.0],
    );
    multi["status"] = json!("failed");
    multi["reason"] =
        json!("the deps-edit rebuild failed; the end of .dockwright/logs/multi-stage.log:\nERROR");
    multi["deps_rebuild_seconds"] = Value::Null;
    saved_run(
        "2026-03-21T14:02:11Z",
        vec![
            finished(
                "docker-init",
                182_000_000,
                58.0,
                [6.4, 6.1, 6.9],
                [40.2, 39.0, 41.5],
            ),
            multi,
            finished(
                "uv-minimal",
                39_700_000,
                9.8,
                [0.41, 0.38, 0.47],
                [3.2, 3.0, 3.5],
            ),
        ],
    )
}

fn save(project: &Path, id: &str, run: &Value) -> PathBuf {
    let path = project.join(".dockwright/runs").join(format!("{id}.json"));
    write(&path, &serde_json::to_string_pretty(run).unwrap());
    path
}

/// A scaffolded project holding both runs.
fn project_with_two_runs(parent: &Path) -> PathBuf {
    let proj = new_project(parent, "demo", &["--deps", "minimal", "--yes"]);
    save(&proj, OLDER, &older());
    save(&proj, NEWER, &newer());
    proj
}

fn compare(dir: &Path, args: &[&str]) -> String {
    let mut all = vec!["compare"];
    all.extend_from_slice(args);
    let output = run(dir, &all);
    assert_success(&output);
    stdout(&output)
}

#[test]
fn help_documents_compare_and_its_noise_rule() {
    let tmp = tempdir();
    let top = stdout(&run(tmp.path(), &["--help"]));
    assert!(
        top.lines()
            .any(|line| line.trim_start().starts_with("compare ")),
        "{top}"
    );
    let help = run(tmp.path(), &["compare", "--help"]);
    assert_success(&help);
    let text = stdout(&help);
    for part in [
        "[RUN_A]",
        "[RUN_B]",
        "--project",
        "--format",
        "markdown",
        "json",
        "noise",
        "10%",
        "0.2 s",
    ] {
        assert!(text.contains(part), "`{part}` is not in:\n{text}");
    }
}

#[test]
fn compare_shows_the_two_newest_runs_as_a_table() {
    let tmp = tempdir();
    let proj = project_with_two_runs(tmp.path());
    save(
        &proj,
        "2026-01-01T000000Z",
        &saved_run("2026-01-01T00:00:00Z", vec![]),
    );
    let table = compare(&proj, &[]);
    assert!(table.starts_with(&format!("A: {OLDER} ")), "{table}");
    insta::assert_snapshot!(table);
}

#[test]
fn compare_markdown_has_the_same_rows() {
    let tmp = tempdir();
    let proj = project_with_two_runs(tmp.path());
    let markdown = compare(&proj, &["--format", "markdown"]);
    assert!(
        markdown.contains("| variant | figure | A | B | change |"),
        "{markdown}"
    );
    assert!(
        markdown.contains(
            "|  | deps-edit rebuild | 58.9 s (57.1–60.4) | 40.2 s (39.0–41.5) | −18.7 s (32% faster) |"
        ),
        "{markdown}"
    );
    assert!(markdown.contains("- Only in B: uv-minimal."), "{markdown}");
}

/// Sizes from 2^63 up wrapped when subtracted as i64: 18.4 EB to nothing
/// read as `+1 B`.
#[test]
fn a_change_between_huge_sizes_keeps_its_sign() {
    let tmp = tempdir();
    let proj = new_project(tmp.path(), "demo", &["--deps", "minimal", "--yes"]);
    let with_size = |date: &str, bytes: u64| {
        saved_run(
            date,
            vec![finished(
                "docker-init",
                bytes,
                61.3,
                [6.2, 5.9, 6.8],
                [58.9, 57.1, 60.4],
            )],
        )
    };
    save(&proj, OLDER, &with_size("2026-03-20T09:00:00Z", u64::MAX));
    save(&proj, NEWER, &with_size("2026-03-21T14:02:11Z", 0));
    let markdown = compare(&proj, &["--format", "markdown"]);
    let row = markdown_row(&markdown, "docker-init").join(" | ");
    assert!(row.contains('−') && !row.contains("+1 B"), "{row}");
    let printed: Value = serde_json::from_str(&compare(&proj, &["--format", "json"])).unwrap();
    let change = &printed["variants"][0]["image_bytes"];
    assert_eq!(
        change["bytes"].as_f64(),
        Some(-(u64::MAX as f64)),
        "{change}"
    );
    assert_eq!(change["verdict"], "smaller");
}

#[test]
fn compare_json_has_every_change_and_its_verdict() {
    let tmp = tempdir();
    project_with_two_runs(tmp.path());
    let printed: Value = serde_json::from_str(&compare(
        tmp.path(),
        &["--project", "demo", "--format", "json", OLDER, NEWER],
    ))
    .expect("compare --format json prints JSON");
    assert_eq!(printed["a"]["id"], OLDER);
    assert_eq!(printed["b"]["id"], NEWER);
    assert_eq!(printed["only_in_a"], json!(["from-source"]));
    assert_eq!(printed["only_in_b"], json!(["uv-minimal"]));
    let variants = printed["variants"].as_array().unwrap();
    let names: Vec<&str> = variants
        .iter()
        .map(|v| v["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["docker-init", "multi-stage"]);
    let docker_init = &variants[0];
    assert_eq!(docker_init["image_bytes"]["verdict"], "same");
    assert_eq!(docker_init["cold_seconds"]["verdict"], "noise");
    assert_eq!(docker_init["app_rebuild_seconds"]["verdict"], "noise");
    assert_eq!(docker_init["deps_rebuild_seconds"]["verdict"], "faster");
    assert_eq!(docker_init["deps_rebuild_seconds"]["a"]["min"], 57.1);
    let multi = &variants[1];
    assert_eq!(multi["status_b"], "failed");
    assert_eq!(multi["image_bytes"]["bytes"], -4096);
    assert_eq!(multi["image_bytes"]["verdict"], "smaller");
    assert_eq!(multi["cold_seconds"]["verdict"], "faster");
    assert_eq!(multi["deps_rebuild_seconds"]["verdict"], Value::Null);
    assert!(printed["noise_rule"].as_str().unwrap().contains("overlap"));
}

#[test]
fn compare_takes_runs_by_id_or_path_in_the_order_given() {
    let tmp = tempdir();
    let proj = project_with_two_runs(tmp.path());
    let elsewhere = tmp.path().join("kept.json");
    write(&elsewhere, &older().to_string());
    let printed: Value = serde_json::from_str(&compare(
        &proj,
        &["--format", "json", NEWER, "../kept.json"],
    ))
    .unwrap();
    assert_eq!(printed["a"]["id"], NEWER);
    assert_eq!(printed["b"]["id"], "kept");
    // One run given: it is A, and the newest is B.
    let printed: Value = serde_json::from_str(&compare(
        &proj,
        &["--format", "json", &format!("{OLDER}.json")],
    ))
    .unwrap();
    assert_eq!(printed["a"]["id"], OLDER);
    assert_eq!(printed["b"]["id"], NEWER);
}

#[test]
fn compare_with_one_run_says_to_measure_again() {
    let tmp = tempdir();
    let proj = new_project(tmp.path(), "demo", &["--deps", "minimal", "--yes"]);
    let message = assert_usage_error(&run(&proj, &["compare"]));
    assert!(message.contains("no saved runs"), "{message}");
    save(&proj, NEWER, &newer());
    let output = run(&proj, &["compare"]);
    let message = assert_usage_error(&output);
    assert!(
        message.contains("only one saved run") && message.contains(NEWER),
        "{message}"
    );
    assert!(
        stderr(&output).contains("dockwright measure"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn compare_with_a_bad_run_id_names_the_saved_runs() {
    let tmp = tempdir();
    let proj = project_with_two_runs(tmp.path());
    let message = assert_usage_error(&run(&proj, &["compare", "yesterday", NEWER]));
    for part in ["`yesterday`", OLDER, NEWER] {
        assert!(message.contains(part), "`{part}` is not in: {message}");
    }
}

#[test]
fn compare_refuses_an_unknown_format() {
    let tmp = tempdir();
    let output = run(tmp.path(), &["compare", "--format", "csv"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("markdown"), "{}", stderr(&output));
}

#[test]
fn compare_says_when_the_runs_were_built_from_different_locks() {
    let tmp = tempdir();
    let proj = new_project(tmp.path(), "demo", &["--deps", "minimal", "--yes"]);
    let locked = |run: Value, sha: Option<&str>| {
        let mut run = run;
        if let Some(sha) = sha {
            run["lock_sha256"] = Value::from(sha.repeat(64));
        }
        run
    };
    // Runs saved before dockwright recorded the lock have no such key.
    save(&proj, OLDER, &older());
    save(&proj, NEWER, &locked(newer(), Some("b")));
    let table = compare(&proj, &[]);
    assert!(
        table.contains("installed different dependencies, from no lock and requirements.lock sha256:bbbbbbbbbbbb"),
        "{table}"
    );
    save(&proj, OLDER, &locked(older(), Some("b")));
    let table = compare(&proj, &[]);
    assert!(!table.contains("different dependencies"), "{table}");
}

#[test]
fn fail_on_regression_exits_3_only_for_a_real_change_the_wrong_way() {
    let tmp = tempdir();
    let proj = project_with_two_runs(tmp.path());
    // Older to newer: multi-stage no longer finishes.
    let out = run(&proj, &["compare", "--fail-on-regression"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("1 regression(s) from 2026-03-20T090000Z to 2026-03-21T140211Z: multi-stage failed in B, after finishing in A"),
        "{}",
        stderr(&out)
    );
    // Newer to older, docker-init's faster deps-edit rebuild is lost: real.
    let back = run(&proj, &["compare", NEWER, OLDER, "--fail-on-regression"]);
    assert_eq!(back.status.code(), Some(3), "{}", stderr(&back));
    assert!(
        stderr(&back).contains("docker-init: deps-edit rebuild +"),
        "{}",
        stderr(&back)
    );
    // A run against itself, and without the flag: no gate.
    let same = run(&proj, &["compare", NEWER, NEWER, "--fail-on-regression"]);
    assert_success(&same);
    assert!(stderr(&same).contains("No regression"), "{}", stderr(&same));
    assert_success(&run(&proj, &["compare"]));
}

#[test]
fn a_saved_baseline_is_compared_with_the_newest_run() {
    let tmp = tempdir();
    let proj = project_with_two_runs(tmp.path());
    let saved = run(&proj, &["baseline", "save", "main", "--run", OLDER]);
    assert_success(&saved);
    assert!(
        stdout(&saved).contains(&format!("run {OLDER}")),
        "{}",
        stdout(&saved)
    );
    // The baseline is a copy: it outlives the run it was saved from.
    std::fs::remove_file(proj.join(".dockwright/runs").join(format!("{OLDER}.json"))).unwrap();
    save(&proj, "2026-03-22T100000Z", &newer());
    let out = run(
        &proj,
        &["compare", "--baseline", "main", "--format", "json"],
    );
    assert_success(&out);
    let comparison: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(comparison["a"]["id"], "main");
    assert_eq!(comparison["b"]["id"], "2026-03-22T100000Z");
    let listed = run(&proj, &["baseline", "list"]);
    assert_success(&listed);
    assert!(
        stdout(&listed).starts_with("main  2026-03-20T09:00:00Z"),
        "{}",
        stdout(&listed)
    );
    for (args, says) in [
        (
            vec!["compare", "--baseline", "nosuch"],
            "there is no baseline `nosuch` in this project; the saved ones are main",
        ),
        (
            vec!["baseline", "save", "../x"],
            "`../x` cannot name a baseline",
        ),
        (
            vec!["baseline", "save", "x", "--run", "nosuch"],
            "`nosuch` is neither a results file nor a saved run",
        ),
    ] {
        let message = assert_usage_error(&run(&proj, &args));
        assert!(message.contains(says), "{args:?}: {message}");
    }
}

#[test]
fn compare_refuses_an_emulated_run_beside_a_native_one() {
    let tmp = tempdir();
    let proj = project_with_two_runs(tmp.path());
    let mut emulated = newer();
    emulated["platform"] = json!("linux/arm64");
    emulated["emulated"] = json!(true);
    save(&proj, NEWER, &emulated);
    let err = assert_usage_error(&run(&proj, &["compare"]));
    assert!(
        err.contains("run B for linux/arm64 under emulation") && err.contains("cannot be compared"),
        "{err}"
    );
    let mut older_emulated = older();
    older_emulated["platform"] = json!("linux/arm64");
    older_emulated["emulated"] = json!(true);
    save(&proj, OLDER, &older_emulated);
    assert!(compare(&proj, &[]).contains("docker-init"));
}
