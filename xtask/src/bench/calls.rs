//! Where a `measure`'s wall time goes: the run is made through a wrapper
//! around the engine client that logs when each call started and ended, and
//! the calls are summed by what they are for. What no call covers is
//! dockwright's own work between them.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use duct::Expression;

/// The wrapper: runs the real client with the same arguments and standard
/// streams, then appends `START END ARGS...` to the log. bash's
/// EPOCHREALTIME reads the clock without starting a process, so the wrapper
/// adds only bash's own start to each call (a few milliseconds).
const WRAPPER: &str = r#"#!/bin/bash
started=$EPOCHREALTIME
"$DOCKWRIGHT_BENCH_CLIENT" "$@"
status=$?
ended=$EPOCHREALTIME
printf '%s %s' "$started" "$ended" >> "$DOCKWRIGHT_BENCH_CALLS"
printf ' %q' "$@" >> "$DOCKWRIGHT_BENCH_CALLS"
printf '\n' >> "$DOCKWRIGHT_BENCH_CALLS"
exit $status
"#;

/// A wrapper named `docker` in `dir` (dockwright tells engines apart by what
/// they answer, the name only breaks ties), and the log it writes.
pub struct Wrapper {
    pub program: PathBuf,
    pub log: PathBuf,
}

impl Wrapper {
    pub fn write(dir: &Path) -> Result<Wrapper> {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let program = dir.join("docker");
        std::fs::write(&program, WRAPPER)
            .with_context(|| format!("writing {}", program.display()))?;
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&program, std::fs::Permissions::from_mode(0o755))?;
        let log = dir.join("calls.log");
        let _ = std::fs::remove_file(&log);
        Ok(Wrapper { program, log })
    }

    /// `command` with its engine client (`DOCKWRIGHT_ENGINE`) replaced by
    /// the wrapper around `client`. Apply the build environment around the
    /// result: duct lets the innermost setting of a variable win.
    pub fn around(&self, command: Expression, client: &Path) -> Expression {
        command
            .env("DOCKWRIGHT_BENCH_CLIENT", client)
            .env("DOCKWRIGHT_BENCH_CALLS", &self.log)
            .env("DOCKWRIGHT_ENGINE", &self.program)
    }
}

/// What an engine call is for, as the breakdown names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Build,
    Save,
    Inspect,
    CacheMounts,
    Container,
    Other,
}

impl Purpose {
    pub const ALL: [Purpose; 6] = [
        Purpose::Build,
        Purpose::Save,
        Purpose::Inspect,
        Purpose::CacheMounts,
        Purpose::Container,
        Purpose::Other,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Purpose::Build => "builds (`build`, `buildx build`)",
            Purpose::Save => "`save`, read for the compressed size",
            Purpose::Inspect => "`image inspect` and `inspect` (size, layers, base digests)",
            Purpose::CacheMounts => "cache mounts listed and emptied (`buildx du`, `prune`)",
            Purpose::Container => "containers for the start time (`run`, `port`, `logs`, `rm`)",
            Purpose::Other => "other questions (`version`, `info`, `images`, `buildx ls`...)",
        }
    }

    /// The purpose of a call with these arguments: its first words that are
    /// not options.
    fn of(args: &[&str]) -> Purpose {
        let words: Vec<&str> = args
            .iter()
            .copied()
            .filter(|a| !a.starts_with('-'))
            .take(2)
            .collect();
        match words.as_slice() {
            ["build", ..] | ["buildx", "build", ..] => Purpose::Build,
            ["save", ..] | ["image", "save", ..] => Purpose::Save,
            ["inspect", ..] | ["image", "inspect", ..] => Purpose::Inspect,
            ["buildx", "du" | "prune"] | ["builder", "prune"] | ["system", "df"] => {
                Purpose::CacheMounts
            }
            ["run" | "port" | "logs" | "rm" | "stop" | "kill", ..]
            | ["container", "run" | "port" | "logs" | "rm", ..] => Purpose::Container,
            _ => Purpose::Other,
        }
    }
}

/// The calls of one run, summed by purpose.
pub struct Breakdown {
    /// (purpose, calls, seconds), in `Purpose::ALL`'s order.
    rows: Vec<(Purpose, usize, f64)>,
}

impl Breakdown {
    pub fn read(log: &Path) -> Result<Breakdown> {
        let text =
            std::fs::read_to_string(log).with_context(|| format!("reading {}", log.display()))?;
        Ok(Breakdown::parse(&text))
    }

    fn parse(text: &str) -> Breakdown {
        let mut rows: Vec<(Purpose, usize, f64)> =
            Purpose::ALL.iter().map(|&p| (p, 0, 0.0)).collect();
        for line in text.lines() {
            let mut words = line.split(' ');
            let (Some(Ok(start)), Some(Ok(end))) = (
                words.next().map(str::parse::<f64>),
                words.next().map(str::parse::<f64>),
            ) else {
                continue;
            };
            let args: Vec<&str> = words.filter(|w| !w.is_empty()).collect();
            let purpose = Purpose::of(&args);
            let row = rows
                .iter_mut()
                .find(|(p, _, _)| *p == purpose)
                .expect("every purpose has a row");
            row.1 += 1;
            row.2 += end - start;
        }
        Breakdown { rows }
    }

    /// How many calls were made for `purpose`, and their seconds.
    pub fn of(&self, purpose: Purpose) -> (usize, f64) {
        self.rows
            .iter()
            .find(|(p, _, _)| *p == purpose)
            .map_or((0, 0.0), |(_, calls, seconds)| (*calls, *seconds))
    }

    pub fn total(&self) -> f64 {
        self.rows.iter().map(|(_, _, s)| s).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_are_summed_by_what_they_are_for() {
        let log = "\
10.0 12.5 buildx build --progress=plain -t p:uv .
12.5 12.75 image inspect --format \\{\\{.Size\\}\\} p:uv
13.0 14.0 save p:uv
14.0 14.25 buildx du --verbose
14.25 14.5 run -d -p 127.0.0.1::5000 p:uv
14.5 14.5 version
garbage line
";
        let breakdown = Breakdown::parse(log);
        assert_eq!(breakdown.of(Purpose::Build), (1, 2.5));
        assert_eq!(breakdown.of(Purpose::Inspect), (1, 0.25));
        assert_eq!(breakdown.of(Purpose::Save), (1, 1.0));
        assert_eq!(breakdown.of(Purpose::CacheMounts), (1, 0.25));
        assert_eq!(breakdown.of(Purpose::Container), (1, 0.25));
        assert_eq!(breakdown.of(Purpose::Other), (1, 0.0));
        assert_eq!(breakdown.total(), 4.25);
    }
}
