//! Saved runs across formats, through the built binary: a real run saved by
//! dockwright 0.1.0 before runs had a `schema_version` (format 1,
//! tests/fixtures/run-v1.json: the balanced ladder's docker-init and
//! uv-minimal, measured with `--runs 2`) is read by report, compare, explain
//! and tour --reuse, and a run from a newer dockwright is refused.

mod common;

use std::path::{Path, PathBuf};

use serde_json::Value;

use common::*;

const FIXTURE: &str = include_str!("fixtures/run-v1.json");
const SAVED_AS: &str = "2026-12-02T081956Z.json";

/// The fixture, checked to be what the tests take it for: format 1, with
/// the ranges that only repeated rebuilds have.
fn fixture() -> Value {
    let run: Value = serde_json::from_str(FIXTURE).unwrap();
    assert!(run.get("schema_version").is_none(), "not format 1");
    assert_eq!(run["runs"], 2);
    for v in run["variants"].as_array().unwrap() {
        assert!(v["cold_seconds"].is_number(), "{v}");
        assert!(v["app_rebuild_seconds_min"].is_number(), "{v}");
        assert!(v["deps_rebuild_seconds_max"].is_number(), "{v}");
    }
    run
}

/// The project the fixture was measured in (`new demo --profile balanced
/// --deps minimal`), with the fixture saved among its runs as `name`.
fn project_with_fixture(parent: &Path, name: &str) -> PathBuf {
    let proj = new_project(
        parent,
        "demo",
        &["--profile", "balanced", "--deps", "minimal", "--yes"],
    );
    write(proj.join(".dockwright/runs").join(name), FIXTURE);
    proj
}

fn fixture_variant<'a>(run: &'a Value, name: &str) -> &'a Value {
    run["variants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == name)
        .unwrap_or_else(|| panic!("no {name} in {run}"))
}

fn number(value: &Value) -> f64 {
    value
        .as_f64()
        .unwrap_or_else(|| panic!("not a number: {value}"))
}

/// Seconds as the tables write them: two decimals under a second, one above.
fn bare(secs: f64) -> String {
    if secs < 1.0 {
        format!("{secs:.2}")
    } else {
        format!("{secs:.1}")
    }
}

fn shown(secs: f64) -> String {
    format!("{} s", bare(secs))
}

/// A rebuild of format 1 (`key`, `key_min`, `key_max`) as the table cell
/// shows a repeated rebuild: `0.18 s (0.14–0.22)`.
fn shown_range(variant: &Value, key: &str) -> String {
    format!(
        "{} ({}–{})",
        shown(number(&variant[key])),
        bare(number(&variant[format!("{key}_min").as_str()])),
        bare(number(&variant[format!("{key}_max").as_str()]))
    )
}

/// Every figure of `name` in the fixture, as the report and compare tables
/// show it.
fn shown_figures(name: &str) -> [String; 3] {
    let run = fixture();
    let v = fixture_variant(&run, name);
    [
        shown(number(&v["cold_seconds"])),
        shown_range(v, "app_rebuild_seconds"),
        shown_range(v, "deps_rebuild_seconds"),
    ]
}

#[test]
fn report_shows_a_format_1_run_and_writes_it_as_today_s_format() {
    let tmp = tempdir();
    let proj = project_with_fixture(tmp.path(), SAVED_AS);
    let table = run(&proj, &["report"]);
    assert_success(&table);
    let table = stdout(&table);
    assert!(table.contains("rebuilds: median of 2 runs"), "{table}");
    for name in ["docker-init", "uv-minimal"] {
        let row = table
            .lines()
            .find(|l| l.contains(&format!("│ {name}")))
            .unwrap_or_else(|| panic!("no row for {name}:\n{table}"));
        for figure in shown_figures(name) {
            assert!(row.contains(&figure), "{name}: no `{figure}` in {row}");
        }
    }

    let json = run(&proj, &["report", "--format", "json"]);
    assert_success(&json);
    let migrated: Value = serde_json::from_str(&stdout(&json)).unwrap();
    let old = fixture();
    assert_eq!(migrated["schema_version"], 2);
    assert_eq!(migrated["repeats"], old["runs"]);
    assert!(migrated.get("runs").is_none(), "{migrated}");
    for key in ["project", "profile", "date", "host", "engine", "commands"] {
        assert_eq!(migrated[key], old[key], "{key}");
    }
    for name in ["docker-init", "uv-minimal"] {
        let (new, saved) = (
            fixture_variant(&migrated, name),
            fixture_variant(&old, name),
        );
        let cold = &new["cold_seconds"];
        assert_eq!(cold["median"], saved["cold_seconds"]);
        assert_eq!(cold["min"], saved["cold_seconds"]);
        assert_eq!(cold["max"], saved["cold_seconds"]);
        assert_eq!(cold["samples"], 1);
        for key in ["app_rebuild_seconds", "deps_rebuild_seconds"] {
            let timing = &new[key];
            assert_eq!(timing["median"], saved[key], "{name} {key}");
            assert_eq!(timing["min"], saved[format!("{key}_min").as_str()]);
            assert_eq!(timing["max"], saved[format!("{key}_max").as_str()]);
            assert_eq!(timing["samples"], old["runs"], "{name} {key}");
            assert!(new.get(format!("{key}_min").as_str()).is_none(), "{new}");
        }
        for key in [
            "status",
            "recommended",
            "image_bytes",
            "compressed_bytes",
            "layers",
            "log",
            "dockerfile",
        ] {
            assert_eq!(new[key], saved[key], "{name} {key}");
        }
    }
}

#[test]
fn compare_reads_two_format_1_runs() {
    let tmp = tempdir();
    let proj = project_with_fixture(tmp.path(), "2026-12-01T081956Z.json");
    write(proj.join(".dockwright/runs").join(SAVED_AS), FIXTURE);
    let table = run(&proj, &["compare"]);
    assert_success(&table);
    let table = stdout(&table);
    for name in ["docker-init", "uv-minimal"] {
        // In column A and in column B.
        for figure in shown_figures(name) {
            assert!(
                table.matches(&figure).count() >= 2,
                "{name}: `{figure}` not twice in\n{table}"
            );
        }
    }
    assert!(
        !table.contains("faster") && !table.contains("slower"),
        "{table}"
    );

    let json = run(&proj, &["compare", "--format", "json"]);
    assert_success(&json);
    let comparison: Value = serde_json::from_str(&stdout(&json)).unwrap();
    let old = fixture();
    assert_eq!(comparison["a"]["repeats"], old["runs"]);
    for variant in comparison["variants"].as_array().unwrap() {
        let name = variant["name"].as_str().unwrap();
        let saved = fixture_variant(&old, name);
        for key in [
            "cold_seconds",
            "app_rebuild_seconds",
            "deps_rebuild_seconds",
        ] {
            assert_eq!(variant[key]["verdict"], "same", "{name} {key}");
            assert_eq!(variant[key]["b"]["median"], saved[key], "{name} {key}");
        }
        assert_eq!(
            variant["app_rebuild_seconds"]["a"]["min"],
            saved["app_rebuild_seconds_min"]
        );
        assert_eq!(variant["app_rebuild_seconds"]["a"]["samples"], old["runs"]);
    }
}

#[test]
fn explain_shows_the_figures_of_a_format_1_run() {
    let tmp = tempdir();
    let proj = project_with_fixture(tmp.path(), SAVED_AS);
    let old = fixture();
    let saved = fixture_variant(&old, "docker-init");

    let step = run(&proj, &["explain", "docker-init"]);
    assert_success(&step);
    let step = stdout(&step);
    assert!(step.contains(&format!("Measured on {}", old["date"].as_str().unwrap())));
    for (label, key) in [
        ("cold build", "cold_seconds"),
        ("app-edit rebuild", "app_rebuild_seconds"),
        ("deps-edit rebuild", "deps_rebuild_seconds"),
    ] {
        let line = format!("  {label} {}", shown(number(&saved[key])));
        assert!(step.lines().any(|l| l == line), "no `{line}` in\n{step}");
    }

    let overview = run(&proj, &["explain"]);
    assert_success(&overview);
    let overview = stdout(&overview);
    for name in ["docker-init", "uv-minimal"] {
        let saved = fixture_variant(&old, name);
        let figure = format!(
            "app-edit rebuild {}",
            shown(number(&saved["app_rebuild_seconds"]))
        );
        let line = overview
            .lines()
            .skip_while(|l| !l.contains(name))
            .find(|l| l.contains("app-edit rebuild"))
            .unwrap_or_else(|| panic!("no figures for {name} in\n{overview}"));
        assert!(line.contains(&figure), "{name}: no `{figure}` in {line}");
    }

    let json = run(&proj, &["explain", "docker-init", "--format", "json"]);
    assert_success(&json);
    let step: Value = serde_json::from_str(&stdout(&json)).unwrap();
    let measured = &step["measured"]["app_rebuild_seconds"]["after"];
    assert_eq!(measured["median"], saved["app_rebuild_seconds"]);
    assert_eq!(measured["samples"], old["runs"]);
}

/// The tour reuses a step whose Dockerfile is unchanged from a format-1
/// run, builds nothing (the client answers only version and inspect), and
/// saves the reused figures in today's format.
#[test]
fn tour_reuse_takes_the_figures_of_a_format_1_run() {
    let tmp = tempdir();
    let proj = project_with_fixture(tmp.path(), SAVED_AS);
    // The Dockerfiles as they were when the fixture was measured: a result
    // is reused only for the Dockerfile it was measured on.
    for v in fixture()["variants"].as_array().unwrap() {
        let name = v["name"].as_str().unwrap();
        let path = proj.join("dockerfiles").join(format!("{name}.Dockerfile"));
        write(&path, v["dockerfile"].as_str().unwrap());
    }
    let client = fake_client(tmp.path(), "build) exit 1 ;;");
    let output = run(
        &proj,
        &[
            "tour",
            "--yes",
            "--reuse",
            "--skip",
            "multi-stage",
            "--engine",
            client.to_str().unwrap(),
        ],
    );
    assert_success(&output);
    let err = stderr(&output);
    for name in ["docker-init", "uv-minimal"] {
        assert!(
            err.contains(&format!("Reusing the saved measurement of `{name}`")),
            "{err}"
        );
    }
    let runs: Vec<PathBuf> = std::fs::read_dir(proj.join(".dockwright/runs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| !p.ends_with(SAVED_AS))
        .collect();
    assert_eq!(runs.len(), 1, "{runs:?}");
    let toured: Value = serde_json::from_str(&read(&runs[0])).unwrap();
    assert_eq!(toured["schema_version"], 2);
    let old = fixture();
    for name in ["docker-init", "uv-minimal"] {
        let (new, saved) = (fixture_variant(&toured, name), fixture_variant(&old, name));
        assert_eq!(new["cold_seconds"]["median"], saved["cold_seconds"]);
        assert_eq!(
            new["app_rebuild_seconds"]["median"],
            saved["app_rebuild_seconds"]
        );
        assert_eq!(new["image_bytes"], saved["image_bytes"]);
    }
    let table = stdout(&output);
    let figure = shown(number(&fixture_variant(&old, "uv-minimal")["cold_seconds"]));
    assert!(table.contains(&figure), "no `{figure}` in\n{table}");
}

/// A run saved by a dockwright that writes a newer format is refused in one
/// sentence that says to upgrade, by the commands that need it.
#[test]
fn a_run_from_a_newer_dockwright_is_refused_with_the_fix() {
    let tmp = tempdir();
    let proj = project_with_fixture(tmp.path(), "2026-12-01T081956Z.json");
    let mut newer = fixture();
    newer["schema_version"] = Value::from(3);
    write(
        proj.join(".dockwright/runs").join(SAVED_AS),
        &serde_json::to_string_pretty(&newer).unwrap(),
    );
    for args in [&["report"][..], &["compare"]] {
        let message = assert_usage_error(&run(&proj, args));
        assert!(message.contains(SAVED_AS), "{args:?}: {message}");
        assert!(message.contains("newer dockwright"), "{args:?}: {message}");
        assert!(
            message.contains("upgrade dockwright"),
            "{args:?}: {message}"
        );
    }
    // explain can do without the newest run: it names it and uses the older.
    let explain = run(&proj, &["explain", "docker-init"]);
    assert_success(&explain);
    assert!(
        stderr(&explain).contains("upgrade dockwright"),
        "{}",
        stderr(&explain)
    );
    assert!(
        stdout(&explain).contains("Measured on"),
        "{}",
        stdout(&explain)
    );
}
