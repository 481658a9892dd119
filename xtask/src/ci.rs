//! `cargo xtask ci`: every check, cheapest first, stopping at the first failure.

use std::time::Instant;

use anyhow::{Context, Result};

use crate::{engine, fixtures, fuzz, process, workspace};

pub fn run() -> Result<()> {
    let started = Instant::now();
    let outcome = steps();
    let verdict = if outcome.is_ok() { "passed" } else { "FAILED" };
    println!(
        "\nci: {verdict} in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    outcome
}

fn steps() -> Result<()> {
    step("format", || cargo(&["fmt", "--all", "--", "--check"]))?;
    step("clippy", || {
        cargo(&[
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ])
    })?;
    step("engine and fixtures", || {
        let engine = engine::ensure()?;
        fixtures::ensure_all(&engine)
    })?;
    // One test run, after the engine is up: the end-to-end tests run with
    // the others, and a missing engine, hadolint, dive or chromium fails
    // them instead of skipping them.
    step("tests", || {
        let env = engine::BuildEnv::new()?;
        println!(
            "with {} DOCKWRIGHT_REQUIRE_ENGINE=1 DOCKWRIGHT_REQUIRE_HADOLINT=1 DOCKWRIGHT_REQUIRE_DIVE=1 DOCKWRIGHT_REQUIRE_CHROMIUM=1 DOCKWRIGHT_REQUIRE_JUNITPARSER=1",
            env.describe()
        );
        let args = ["test", "--workspace", "--", "--test-threads", "2"];
        env.apply(process::shown(workspace::cargo(), &args))
            .env("DOCKWRIGHT_REQUIRE_ENGINE", "1")
            .env("DOCKWRIGHT_REQUIRE_HADOLINT", "1")
            .env("DOCKWRIGHT_REQUIRE_DIVE", "1")
            .env("DOCKWRIGHT_REQUIRE_CHROMIUM", "1")
            .env("DOCKWRIGHT_REQUIRE_JUNITPARSER", "1")
            .dir(workspace::root())
            .run()?;
        Ok(())
    })?;
    step("fuzz", || fuzz::run(FUZZ_SECONDS))
}

/// Seconds per fuzz target, one target at a time: seven minutes for the
/// seven targets, after a release build of about four.
const FUZZ_SECONDS: f64 = 60.0;

fn step(name: &str, body: impl FnOnce() -> Result<()>) -> Result<()> {
    println!("\n==> {name}");
    let started = Instant::now();
    body().with_context(|| format!("ci stopped at step `{name}`"))?;
    println!("==> {name}: ok in {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}

fn cargo(args: &[&str]) -> Result<()> {
    process::shown(workspace::cargo(), args)
        .dir(workspace::root())
        .run()?;
    Ok(())
}
