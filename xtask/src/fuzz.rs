//! `cargo xtask fuzz`: the fuzz targets of src/fuzz.rs, one after the other,
//! each for its share of the time (DOCKWRIGHT_FUZZ_SECONDS), in release mode:
//! optimised, a target runs 3 (adoption, which writes files) to 20 times as
//! many inputs in the same time as in the debug build, for a first build of
//! about four minutes.

use std::io::{BufRead, BufReader};
use std::time::Instant;

use anyhow::{bail, Context, Result};

use crate::{process, workspace};

/// The test-name filter that selects every fuzz target and nothing else.
const FILTER: &str = "fuzz::";

/// Runs every target for an equal share of `minutes`.
pub fn for_minutes(minutes: f64) -> Result<()> {
    if !(minutes.is_finite() && minutes > 0.0) {
        bail!("--minutes {minutes} is not a positive number of minutes");
    }
    let targets = targets()?;
    run(minutes * 60.0 / targets as f64)
}

/// Runs every target for `seconds`, printing each one's count of inputs and the totals.
pub fn run(seconds: f64) -> Result<()> {
    let started = Instant::now();
    println!("each fuzz target runs for {seconds:.0} s");
    let seconds = seconds.to_string();
    let mut args = test_args();
    args.extend(["--test-threads", "1", "--nocapture"]);
    let output = process::shown(workspace::cargo(), &args)
        .env("DOCKWRIGHT_FUZZ_SECONDS", &seconds)
        .dir(workspace::root())
        .stderr_to_stdout()
        .reader()
        .context("cannot start the fuzz targets")?;
    let mut targets = 0;
    let mut inputs = 0_u64;
    for line in BufReader::new(output).lines() {
        let line = line.context("the fuzz targets failed")?;
        println!("{line}");
        if let Some(count) = inputs_of(&line) {
            targets += 1;
            inputs += count;
        }
    }
    // A run of no target would pass without fuzzing anything: the targets
    // once moved from the binary into the library and ran zero inputs.
    if targets == 0 {
        bail!("no `{FILTER}` target ran: the library's test binary has none; check that src/lib.rs still declares `mod fuzz`");
    }
    println!(
        "fuzz: {inputs} inputs over {targets} targets in {:.0} s; nothing found",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// How many fuzz targets src/fuzz.rs has, from the test binary's own list.
fn targets() -> Result<usize> {
    let mut args = test_args();
    args.extend(["--list", "--format", "terse"]);
    let list = process::shown(workspace::cargo(), &args)
        .dir(workspace::root())
        .read()
        .context("cannot list the fuzz targets")?;
    let count = list.lines().filter(|l| l.ends_with(": test")).count();
    if count == 0 {
        bail!("the test binary lists no `{FILTER}` tests");
    }
    Ok(count)
}

fn test_args() -> Vec<&'static str> {
    vec![
        "test",
        "--release",
        "--lib",
        "-p",
        "dockwright",
        FILTER,
        "--",
    ]
}

/// N from a target's closing line, `fuzz NAME: N inputs in S s`, which
/// libtest prints after `test fuzz::NAME ... ` when it runs one test at a time.
fn inputs_of(line: &str) -> Option<u64> {
    let closing = &line[line.rfind("fuzz ")?..];
    let (_, counted) = closing.rsplit_once(": ")?;
    counted
        .strip_suffix(" s")?
        .split_once(" inputs in ")?
        .0
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_targets_closing_line_and_nothing_else() {
        assert_eq!(
            inputs_of("fuzz saved runs: 27720 inputs in 20.3 s"),
            Some(27720)
        );
        assert_eq!(
            inputs_of("fuzz dockwright.toml: 5 inputs in 0.1 s"),
            Some(5)
        );
        assert_eq!(
            inputs_of("test fuzz::names ... fuzz names: 24024 inputs in 0.2 s"),
            Some(24024)
        );
        assert_eq!(inputs_of("test fuzz::names ... ok"), None);
        assert_eq!(inputs_of("fuzz names: Test failed: x"), None);
    }
}
