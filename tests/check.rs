//! `dockwright check --run`: a real saved run (tests/fixtures/run-v1.json,
//! the balanced ladder's docker-init at 184.7 MB and uv-minimal at 35.9 MB)
//! judged against budgets, through the built binary: the exit codes, the
//! JUnit XML read by a real JUnit parser (junitparser, which `cargo xtask
//! engine` installs), the GitHub annotations and step summary, and the
//! refusals of budgets that cannot be read.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

use common::*;

const FIXTURE: &str = include_str!("fixtures/run-v1.json");

/// A balanced project with the fixture as its one saved run, and `budgets`
/// appended to its dockwright.toml.
fn project_with(parent: &Path, budgets: &str) -> PathBuf {
    let proj = new_project(
        parent,
        "demo",
        &["--profile", "balanced", "--deps", "minimal", "--yes"],
    );
    write(
        proj.join(".dockwright/runs/2026-12-02T081956Z.json"),
        FIXTURE,
    );
    let settings = proj.join("dockwright.toml");
    write(&settings, &format!("{}\n{budgets}", read(&settings)));
    proj
}

fn check(proj: &Path, args: &[&str]) -> Output {
    let mut all = vec!["check", "--run", "latest"];
    all.extend(args);
    dockwright(proj)
        .args(&all)
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITHUB_STEP_SUMMARY")
        .output()
        .unwrap()
}

const HOLDING: &str = r#"[budgets]
max_image = "40 MB"
max_image_vs_baseline = 0.25
[budgets.variants.docker-init]
max_image = "200 MB"
"#;

const BREAKING: &str = r#"[budgets]
max_image = "30 MB"
max_image_vs_baseline = 0.25
[budgets.variants.docker-init]
max_image = "200 MB"
"#;

#[test]
fn budgets_that_hold_exit_0_and_a_broken_one_exits_3() {
    let tmp = tempdir();
    let holding = check(&project_with(tmp.path(), HOLDING), &[]);
    assert_success(&holding);
    assert!(
        stdout(&holding).contains("All 3 budget(s) hold."),
        "{}",
        stdout(&holding)
    );
    assert!(
        stderr(&holding).contains("Judging the saved run 2026-12-02T081956Z (measured "),
        "a saved run must not pass for a new measurement: {}",
        stderr(&holding)
    );
    let tmp = tempdir();
    let broken = check(&project_with(tmp.path(), BREAKING), &["--format", "json"]);
    assert_eq!(broken.status.code(), Some(3), "{}", stderr(&broken));
    let doc: Value = serde_json::from_str(&stdout(&broken)).unwrap();
    assert_eq!(doc["passed"], false);
    let image = doc["budgets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["variant"] == "uv-minimal" && b["budget"] == "max_image")
        .unwrap();
    assert_eq!(image["passed"], false, "{image}");
    assert_eq!(image["limit"], 30e6);
    let value = image["value"].as_f64().unwrap();
    assert_eq!(image["margin"].as_f64().unwrap(), 30e6 - value);
}

/// The python that has junitparser: the one the `junitparser` program on
/// PATH runs with (its shebang), or `None` after saying why there is none.
fn junit_python() -> Option<PathBuf> {
    let found = which("junitparser").and_then(|program| {
        let text = std::fs::read_to_string(program).ok()?;
        let python = text.lines().next()?.strip_prefix("#!")?.trim().to_string();
        Some(PathBuf::from(python))
    });
    if found.is_none() {
        assert!(
            std::env::var("DOCKWRIGHT_REQUIRE_JUNITPARSER").as_deref() != Ok("1"),
            "DOCKWRIGHT_REQUIRE_JUNITPARSER=1 but junitparser is not installed (`cargo xtask engine` installs it)"
        );
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "skipped: junitparser is not installed (`cargo xtask engine` installs it)"
        );
    }
    found
}

fn which(program: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(program))
        .find(|path| path.is_file())
}

/// The testcases of the JUnit file at `path`, as junitparser reads them:
/// class, name, passed, and the failure message.
fn parsed(python: &Path, path: &Path) -> Value {
    let script = r#"
import json, sys
from junitparser import JUnitXml, Failure
xml = JUnitXml.fromfile(sys.argv[1])
cases = []
for suite in xml:
    for case in suite:
        failures = [r for r in case.result if isinstance(r, Failure)]
        cases.append({"class": case.classname, "name": case.name, "passed": case.is_passed,
                      "message": failures[0].message if failures else None})
print(json.dumps({"tests": xml.tests, "failures": xml.failures, "cases": cases}))
"#;
    let out = Command::new(python)
        .args(["-c", script])
        .arg(path)
        .output()
        .unwrap();
    assert!(out.status.success(), "junitparser: {}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn junit_output_has_a_testcase_per_budget_that_a_junit_parser_reads() {
    let Some(python) = junit_python() else { return };
    let tmp = tempdir();
    let proj = project_with(tmp.path(), BREAKING);
    let out = check(&proj, &["--format", "junit"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let file = tmp.path().join("budgets.xml");
    write(&file, &stdout(&out));
    let junit = parsed(&python, &file);
    assert_eq!(junit["tests"], 3, "{junit}");
    assert_eq!(junit["failures"], 1, "{junit}");
    let cases = junit["cases"].as_array().unwrap();
    let failed: Vec<&Value> = cases.iter().filter(|c| c["passed"] == false).collect();
    assert_eq!(failed.len(), 1, "{junit}");
    assert_eq!(failed[0]["class"], "uv-minimal");
    assert_eq!(failed[0]["name"], "max_image");
    let message = failed[0]["message"].as_str().unwrap();
    assert!(
        message.contains("is over its limit of 30.0 MB"),
        "{message}"
    );
    let other = tempdir();
    let holding = check(&project_with(other.path(), HOLDING), &["--format", "junit"]);
    assert_success(&holding);
    write(&file, &stdout(&holding));
    assert_eq!(parsed(&python, &file)["failures"], 0);
}

#[test]
fn a_budget_on_a_variant_that_did_not_finish_is_broken_never_passed() {
    let tmp = tempdir();
    let proj = project_with(tmp.path(), HOLDING);
    let saved = proj.join(".dockwright/runs/2026-12-02T081956Z.json");
    let mut run: Value = serde_json::from_str(FIXTURE).unwrap();
    for v in run["variants"].as_array_mut().unwrap() {
        if v["name"] == "docker-init" {
            v["status"] = "skipped".into();
            v["reason"] = "base image `python:3.13` cannot be pulled".into();
            v["image_bytes"] = Value::Null;
        }
    }
    write(&saved, &run.to_string());
    let out = check(&proj, &[]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("docker-init: max_image (200 MB) cannot be judged, so it counts as broken: docker-init skipped: base image `python:3.13` cannot be pulled"),
        "{text}"
    );
    // The ratio needs the baseline, which did not finish either.
    assert!(text.contains("2 of 3 budget(s) broken."), "{text}");
}

#[test]
fn on_github_actions_breaches_are_annotated_and_the_summary_appended() {
    let tmp = tempdir();
    let proj = project_with(tmp.path(), BREAKING);
    let summary = tmp.path().join("summary.md");
    write(&summary, "earlier step\n");
    let out = dockwright(&proj)
        .args(["check", "--run", "latest", "--format", "json"])
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", &summary)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let errors: Vec<String> = stderr(&out)
        .lines()
        .filter(|l| l.starts_with("::error "))
        .map(str::to_string)
        .collect();
    assert_eq!(errors.len(), 1, "{}", stderr(&out));
    assert!(
        errors[0].starts_with("::error title=dockwright budget max_image::uv-minimal: max_image"),
        "{}",
        errors[0]
    );
    serde_json::from_str::<Value>(&stdout(&out)).expect("stdout stays JSON");
    let written = read(&summary);
    assert!(written.starts_with("earlier step\n"), "{written}");
    assert!(
        written.contains("| uv-minimal | `max_image` |")
            && written.contains("**1 of 3 budget(s) broken.**"),
        "{written}"
    );
}

#[test]
fn budgets_that_cannot_be_read_are_refused_in_one_sentence() {
    for (budgets, says) in [
        ("[budgets]\nmax_image = \"35 megs\"\n", "is not a size"),
        (
            "[budgets]\nmax_size = \"35 MB\"\n",
            "`max_size` in [budgets] is not a budget",
        ),
        (
            "[budgets.variants.nosuch]\nmax_image = \"1 GB\"\n",
            "`[budgets.variants.nosuch]`, which is not a variant of this project",
        ),
        ("", "sets no budgets"),
    ] {
        let tmp = tempdir();
        let out = check(&project_with(tmp.path(), budgets), &[]);
        let message = assert_usage_error(&out);
        assert!(message.contains(says), "{budgets}: {message}");
    }
}

#[test]
fn time_budgets_judged_on_an_emulated_run_are_said_to_be() {
    let emulated_latest = |budgets: &str| {
        let tmp = tempdir();
        let proj = project_with(tmp.path(), budgets);
        let saved = dockwright(&proj)
            .args(["report", "--format", "json"])
            .output()
            .unwrap();
        assert_success(&saved);
        let mut run: Value = serde_json::from_str(&stdout(&saved)).unwrap();
        run["platform"] = "linux/arm64".into();
        run["emulated"] = true.into();
        write(
            proj.join(".dockwright/runs/2026-12-03T000000Z.json"),
            &run.to_string(),
        );
        let judged = check(&proj, &[]);
        assert_success(&judged);
        (tmp, stderr(&judged))
    };
    let (_tmp, said) = emulated_latest("[budgets]\nmax_app_rebuild = \"10 min\"\n");
    assert!(
        said.contains("the time budgets are judged on timings measured under emulation")
            && said.contains("(linux/arm64 on "),
        "{said}"
    );
    let (_tmp, said) = emulated_latest(HOLDING);
    assert!(!said.contains("emulat"), "only sizes are judged: {said}");
}
