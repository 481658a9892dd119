//! `dockwright report`, end to end: saved runs written by hand into a
//! temporary project and rendered again by the built binary.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Value};

use common::*;

/// A saved run as `dockwright measure` writes it: a baseline, the
/// recommended variant and a skipped one.
fn saved_run(project: &str, date: &str) -> Value {
    json!({
        "schema_version": 2,
        "project": project,
        "profile": "article",
        "dockwright_version": "0.1.0",
        "date": date,
        "host": { "name": "build-host", "os": "linux", "cpus": 8, "memory_bytes": 16000000000u64 },
        "engine": {
            "program": "docker",
            "client_version": "27.3.1",
            "server_version": "27.3.1",
            "builder": "BuildKit"
        },
        "repeats": 3,
        "commands": ["docker build -t demo:baseline -f dockerfiles/baseline.Dockerfile ."],
        "variants": [
            {
                "name": "baseline", "status": "ok", "reason": null, "recommended": false,
                "image_bytes": 1034000000u64, "compressed_bytes": 410000000u64, "layers": 12,
                "cold_seconds": single(61.3),
                "app_rebuild_seconds": timing(6.2, 5.9, 6.8, 3),
                "deps_rebuild_seconds": timing(58.9, 57.1, 60.4, 3),
                "log": ".dockwright/logs/baseline.log"
            },
            {
                "name": "uv", "status": "ok", "reason": null, "recommended": true,
                "image_bytes": 151200000u64, "compressed_bytes": 60000000u64, "layers": 9,
                "cold_seconds": single(20.5),
                "app_rebuild_seconds": timing(0.09, 0.07, 0.11, 3),
                "deps_rebuild_seconds": timing(4.7, 4.2, 5.2, 3),
                "log": ".dockwright/logs/uv.log"
            },
            {
                "name": "from-source", "status": "skipped",
                "reason": "base image `python:3.12` is not here and cannot be pulled (offline)",
                "recommended": false,
                "image_bytes": null, "compressed_bytes": null, "layers": null,
                "cold_seconds": null, "app_rebuild_seconds": null, "deps_rebuild_seconds": null,
                "log": null
            }
        ]
    })
}

/// Writes `run` as `.dockwright/runs/NAME` under `project`; returns its path.
fn save(project: &Path, name: &str, run: &Value) -> PathBuf {
    let path = project.join(".dockwright/runs").join(name);
    write(&path, &serde_json::to_string_pretty(run).unwrap());
    path
}

/// Sizes from 2^63 up wrapped when subtracted as i64.
#[test]
fn a_change_from_a_huge_baseline_keeps_its_sign() {
    let tmp = tempdir();
    let mut saved = saved_run("demo", "2026-03-21T14:02:11Z");
    saved["variants"][0]["image_bytes"] = json!(u64::MAX);
    saved["variants"][1]["image_bytes"] = json!(0);
    save(tmp.path(), "2026-03-21T14-02-11Z.json", &saved);
    let output = run(tmp.path(), &["report", "--format", "markdown"]);
    assert_success(&output);
    let row = markdown_row(&stdout(&output), "uv ★").join(" | ");
    assert!(row.contains('−') && !row.contains("+1 B"), "{row}");
}

#[test]
fn a_closed_stdout_ends_report_quietly() {
    let tmp = tempdir();
    let proj = new_project(tmp.path(), "demo", &[]);
    save(
        &proj,
        "2026-03-21T14-02-11Z.json",
        &saved_run("demo", "2026-03-21T14:02:11Z"),
    );
    for format in ["table", "markdown", "json", "csv"] {
        let output = run_with_stdout_closed(&proj, &["report", "--format", format]);
        assert_quiet_on_a_closed_pipe(&output);
    }
    let output = run_with_stdout_closed(&proj, &["report", "--html", "report.html"]);
    assert_quiet_on_a_closed_pipe(&output);
    assert!(proj.join("report.html").is_file());
}

#[test]
fn help_lists_report_and_its_formats() {
    let tmp = tempdir();
    let top = run(tmp.path(), &["--help"]);
    assert_success(&top);
    assert!(
        stdout(&top)
            .lines()
            .any(|line| line.trim_start().starts_with("report ")),
        "{}",
        stdout(&top)
    );
    let help = run(tmp.path(), &["report", "--help"]);
    assert_success(&help);
    let text = stdout(&help);
    for part in [
        "--project",
        "--format",
        "--run",
        "table",
        "markdown",
        "json",
        "csv",
    ] {
        assert!(text.contains(part), "`{part}` is not in:\n{text}");
    }
}

#[test]
fn report_renders_the_latest_run_as_markdown() {
    let tmp = tempdir();
    save(
        tmp.path(),
        "2026-03-20T09-00-00Z.json",
        &saved_run("older", "2026-03-20T09:00:00Z"),
    );
    save(
        tmp.path(),
        "2026-03-21T14-02-11Z.json",
        &saved_run("demo", "2026-03-21T14:02:11Z"),
    );
    let output = run(tmp.path(), &["report", "--format", "markdown"]);
    assert_success(&output);
    let markdown = stdout(&output);
    assert!(markdown.starts_with("demo · profile article"), "{markdown}");
    assert!(!markdown.contains("older"), "{markdown}");
    assert!(markdown.contains(
        "| variant | cold build | app-edit rebuild | deps-edit rebuild | start | image size | vs baseline |"
    ));
    assert_eq!(
        markdown_row(&markdown, "uv ★")[1..],
        [
            "20.5 s",
            "0.09 s (0.07–0.11)",
            "4.7 s (4.2–5.2)",
            "—",
            "151 MB",
            "−883 MB, 69× faster"
        ]
    );
    assert_eq!(markdown_row(&markdown, "from-source")[5], "skipped");
    assert!(markdown.contains("- from-source skipped: base image `python:3.12`"));
    assert!(markdown.trim_end().ends_with("69× faster than baseline."));
}

#[test]
fn report_renders_a_table_by_default_in_the_project_given() {
    let tmp = tempdir();
    let project = tmp.path().join("demo");
    save(
        &project,
        "2026-03-21T14-02-11Z.json",
        &saved_run("demo", "2026-03-21T14:02:11Z"),
    );
    let output = run(tmp.path(), &["report", "--project", "demo"]);
    assert_success(&output);
    let table = stdout(&output);
    for part in [
        "cold build",
        "vs baseline",
        "uv ★",
        "−883 MB, 69× faster",
        "★ recommended",
        "Smallest image: uv",
    ] {
        assert!(table.contains(part), "`{part}` is not in:\n{table}");
    }
    // Piped output is never wrapped to a terminal's width.
    assert!(table
        .lines()
        .any(|line| line.contains("0.09 s (0.07–0.11)")));
}

#[test]
fn report_json_is_the_saved_run() {
    let tmp = tempdir();
    let saved = saved_run("demo", "2026-03-21T14:02:11Z");
    save(tmp.path(), "2026-03-21T14-02-11Z.json", &saved);
    let output = run(tmp.path(), &["report", "--format", "json"]);
    assert_success(&output);
    let printed: Value = serde_json::from_str(&stdout(&output)).expect("the output is JSON");
    assert_eq!(printed, saved);
}

#[test]
fn report_csv_has_one_row_per_variant_with_raw_numbers() {
    let tmp = tempdir();
    let saved = saved_run("demo", "2026-03-21T14:02:11Z");
    save(tmp.path(), "2026-03-21T14-02-11Z.json", &saved);
    let output = run(tmp.path(), &["report", "--format", "csv"]);
    assert_success(&output);
    let csv = stdout(&output);
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let rows: Vec<Vec<&str>> = lines.map(|line| line.split(',').collect()).collect();
    assert_eq!(rows.len(), 3, "{csv}");
    for (row, variant) in rows.iter().zip(saved["variants"].as_array().unwrap()) {
        assert_eq!(row.len(), header.len(), "{csv}");
        for (column, field) in header.iter().zip(row) {
            if let Some(expected) = variant.get(*column).and_then(Value::as_f64) {
                assert_eq!(field.parse::<f64>().ok(), Some(expected), "{column}");
            }
        }
        assert_eq!(row[0], variant["name"].as_str().unwrap());
    }
    let at = |name: &str| header.iter().position(|c| *c == name).unwrap();
    assert_eq!(rows[1][at("vs_baseline_bytes")], "-882800000");
    assert_eq!(rows[0][at("vs_baseline_bytes")], "");
}

#[test]
fn report_shows_the_run_file_given() {
    let tmp = tempdir();
    save(
        tmp.path(),
        "2026-03-21T14-02-11Z.json",
        &saved_run("newest", "2026-03-21T14:02:11Z"),
    );
    let elsewhere = tmp.path().join("kept.json");
    write(
        &elsewhere,
        &saved_run("kept", "2026-01-01T00:00:00Z").to_string(),
    );
    let output = run(
        tmp.path(),
        &["report", "--run", "kept.json", "--format", "markdown"],
    );
    assert_success(&output);
    assert!(
        stdout(&output).starts_with("kept · "),
        "{}",
        stdout(&output)
    );
}

#[test]
fn report_without_saved_runs_says_to_measure() {
    let tmp = tempdir();
    let message = assert_usage_error(&run(tmp.path(), &["report"]));
    assert!(message.contains("dockwright measure"), "{message}");
}

#[test]
fn report_of_a_corrupt_file_fails_cleanly() {
    let tmp = tempdir();
    write(
        tmp.path()
            .join(".dockwright/runs/2026-03-21T14-02-11Z.json"),
        "{\"project\": \"demo\", \"variants\": [",
    );
    let message = assert_usage_error(&run(tmp.path(), &["report"]));
    assert!(message.contains("corrupt"), "{message}");
}

#[test]
fn report_of_a_missing_run_file_fails_cleanly() {
    let tmp = tempdir();
    let message = assert_usage_error(&run(tmp.path(), &["report", "--run", "nothing.json"]));
    assert!(message.contains("nothing.json"), "{message}");
}

#[test]
fn report_refuses_an_unknown_format() {
    let tmp = tempdir();
    let output = run(tmp.path(), &["report", "--format", "xml"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stdout(&output).is_empty());
    assert!(stderr(&output).contains("markdown"), "{}", stderr(&output));
}

/// `dockwright report` on a 200-column pseudo-terminal, with NO_COLOR set
/// or not; what the terminal showed.
fn report_on_a_terminal(dir: &Path, no_color: bool) -> String {
    let mut command = Command::new("sh");
    command
        .args(["-c", "stty cols 200 rows 50 && exec \"$0\" report", BIN])
        .current_dir(dir)
        .env("TERM", "xterm")
        .env_remove("CLICOLOR")
        .env_remove("CLICOLOR_FORCE");
    if no_color {
        command.env("NO_COLOR", "1");
    } else {
        command.env_remove("NO_COLOR");
    }
    let mut session =
        rexpect::session::spawn_command(command, Some(10_000)).expect("dockwright starts on a pty");
    let shown = session.exp_eof().expect("dockwright exits");
    // rexpect hands back each byte as a char.
    let bytes: Vec<u8> = shown.chars().map(|c| c as u8).collect();
    String::from_utf8(bytes)
        .expect("the terminal got UTF-8")
        .replace("\r\n", "\n")
}

const BARS: [char; 8] = ['▏', '▎', '▍', '▌', '▋', '▊', '▉', '█'];

#[test]
fn bars_are_coloured_on_a_terminal_unless_no_color_is_set() {
    let tmp = tempdir();
    save(
        tmp.path(),
        "2026-03-21T14-02-11Z.json",
        &saved_run("demo", "2026-03-21T14:02:11Z"),
    );
    let coloured = report_on_a_terminal(tmp.path(), false);
    assert!(coloured.contains(BARS), "{coloured}");
    assert!(
        coloured.contains("\x1b["),
        "no colour on a terminal:\n{coloured}"
    );

    let plain = report_on_a_terminal(tmp.path(), true);
    assert!(plain.contains(BARS), "{plain}");
    assert!(!plain.contains('\x1b'), "colour despite NO_COLOR:\n{plain}");
    assert_eq!(console::strip_ansi_codes(&coloured), plain);
}

#[test]
fn piped_output_keeps_the_bars_without_colour() {
    let tmp = tempdir();
    save(
        tmp.path(),
        "2026-03-21T14-02-11Z.json",
        &saved_run("demo", "2026-03-21T14:02:11Z"),
    );
    // Not a terminal, and colour not refused: still plain text.
    let output = dockwright(tmp.path())
        .arg("report")
        .env_remove("NO_COLOR")
        .output()
        .unwrap();
    assert_success(&output);
    let table = stdout(&output);
    assert!(!table.contains('\x1b'), "{table}");
    let uv = table.lines().find(|l| l.contains("uv ★")).unwrap();
    // The recommended variant's bars end in its mark: all four figures.
    assert_eq!(uv.matches('★').count(), 5, "{uv}");
    assert!(uv.contains(BARS), "{uv}");
}

/// `dockwright report ARGS` into a pipe, in a project with a saved run,
/// with `env` set and the other colour variables unset.
fn piped_report(args: &[&str], env: &[(&str, &str)]) -> String {
    let tmp = tempdir();
    save(
        tmp.path(),
        "2026-03-21T14-02-11Z.json",
        &saved_run("demo", "2026-03-21T14:02:11Z"),
    );
    let mut command = dockwright(tmp.path());
    command
        .arg("report")
        .args(args)
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR")
        .env_remove("CLICOLOR_FORCE");
    for (key, value) in env {
        command.env(key, value);
    }
    let output = command.output().unwrap();
    assert_success(&output);
    stdout(&output)
}

#[test]
fn color_always_colours_a_pipe_and_never_wins_over_clicolor_force() {
    let always = piped_report(&["--color", "always"], &[("NO_COLOR", "1")]);
    assert!(always.contains("\x1b["), "not coloured:\n{always}");
    let never = piped_report(&["--color", "never"], &[("CLICOLOR_FORCE", "1")]);
    assert!(!never.contains('\x1b'), "coloured:\n{never}");
    assert_eq!(console::strip_ansi_codes(&always), never);
}

#[test]
fn color_auto_keeps_the_environment_rules_where_an_empty_no_color_refuses_nothing() {
    let forced = [("CLICOLOR_FORCE", "1"), ("NO_COLOR", "")];
    let coloured = piped_report(&["--color", "auto"], &forced);
    assert!(coloured.contains("\x1b["), "not coloured:\n{coloured}");
    let refused = [("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")];
    let plain = piped_report(&["--color", "auto"], &refused);
    assert!(!plain.contains('\x1b'), "coloured:\n{plain}");
}

#[test]
fn color_is_a_flag_of_every_subcommand_and_colours_errors_too() {
    let tmp = tempdir();
    let output = dockwright(tmp.path())
        .args(["report", "--run", "missing.json", "--color=always"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let err = stderr(&output);
    assert!(err.contains("\x1b["), "not coloured:\n{err}");
    assert!(
        console::strip_ansi_codes(&err).starts_with("error: "),
        "{err}"
    );
}

#[test]
fn an_html_report_through_a_symlink_keeps_the_link() {
    let tmp = tempdir();
    save(
        tmp.path(),
        "2026-03-21T14-02-11Z.json",
        &saved_run("demo", "2026-03-21T14:02:11Z"),
    );
    write(tmp.path().join("site/report.html"), "old\n");
    let link = tmp.path().join("report.html");
    std::os::unix::fs::symlink("site/report.html", &link).unwrap();
    assert_success(&run(tmp.path(), &["report", "--html", "report.html"]));
    assert!(link.symlink_metadata().unwrap().file_type().is_symlink());
    assert!(read(tmp.path().join("site/report.html")).contains("<html"));
}

#[test]
fn an_html_report_to_a_device_leaves_the_device() {
    use std::os::unix::fs::FileTypeExt;
    let tmp = tempdir();
    save(
        tmp.path(),
        "2026-03-21T14-02-11Z.json",
        &saved_run("demo", "2026-03-21T14:02:11Z"),
    );
    let message = assert_usage_error(&run(tmp.path(), &["report", "--html", "/dev/full"]));
    assert!(message.contains("/dev/full"), "{message}");
    let kind = std::fs::metadata("/dev/full").unwrap().file_type();
    assert!(kind.is_char_device(), "/dev/full was replaced");
    std::fs::create_dir(tmp.path().join("site")).unwrap();
    let message = assert_usage_error(&run(tmp.path(), &["report", "--html", "site"]));
    assert!(message.contains("directory"), "{message}");
}
