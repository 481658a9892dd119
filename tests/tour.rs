//! `dockwright tour`'s answers to bad input, before any engine is needed:
//! each is one sentence with the fix, exit code 2, and nothing written. The
//! tour itself runs on a real engine in tests/e2e/tour.rs.

mod common;

use std::path::{Path, PathBuf};

use common::*;

fn project(parent: &Path) -> PathBuf {
    new_project(
        parent,
        "demo",
        &["--profile", "balanced", "--deps", "minimal", "--yes"],
    )
}

#[test]
fn without_a_terminal_the_tour_asks_for_yes() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = project(tmp.path());
    let before = tree(&dir);
    let message = assert_usage_error(&run(&dir, &["tour"]));
    assert!(message.contains("--yes"), "{message}");
    assert_unchanged(&dir, &before);
}

#[test]
fn a_step_past_the_ladder_names_the_steps_there_are() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = project(tmp.path());
    let before = tree(&dir);
    let message = assert_usage_error(&run(&dir, &["tour", "--yes", "--from", "3"]));
    assert!(message.contains("0 to 2"), "{message}");
    assert_unchanged(&dir, &before);
}

#[test]
fn skipping_a_variant_the_ladder_lacks_names_the_ones_it_has() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = project(tmp.path());
    let before = tree(&dir);
    let out = run(&dir, &["tour", "--yes", "--skip", "alpine"]);
    let message = assert_usage_error(&out);
    assert!(message.contains("alpine"), "{message}");
    assert!(stderr(&out).contains("uv-minimal"), "{}", stderr(&out));
    assert_unchanged(&dir, &before);
}

#[test]
fn outside_a_project_the_tour_says_how_to_make_one() {
    let tmp = tempfile::tempdir().unwrap();
    let message = assert_usage_error(&run(tmp.path(), &["tour", "--yes"]));
    assert!(message.contains("dockwright.toml"), "{message}");
}

#[test]
fn tour_help_names_every_flag() {
    let tmp = tempfile::tempdir().unwrap();
    let out = run(tmp.path(), &["tour", "--help"]);
    assert_success(&out);
    for flag in [
        "--from",
        "--reuse",
        "--skip",
        "--yes",
        "--project",
        "--no-pull",
    ] {
        assert!(
            stdout(&out).contains(flag),
            "no {flag} in:\n{}",
            stdout(&out)
        );
    }
}
