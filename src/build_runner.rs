//! Running one variant's build: base images checked first, output streamed
//! to a log and to the live line, the wall time taken, Ctrl-C and a vanished
//! engine told apart from a build that failed.

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::engine::{progress, BuildSpec, Cmd, Engine, EngineError, Runner};
use crate::error::WriteFailed;
use crate::figures;
use crate::interrupt;
use crate::ladder::Rung;
use crate::ui::Activity;

/// A build log that remembers why a write to it failed: a full disk shows
/// up as a failed write in the middle of a build's output, and must not be
/// taken for the engine stopping.
pub struct Log {
    file: File,
    path: PathBuf,
    failed: Option<io::Error>,
}

impl Log {
    /// Creates (truncating) the log file at `path`.
    pub fn create(path: &Path) -> Result<Log, WriteFailed> {
        let file = File::create(path).map_err(|err| Log::error(path, err))?;
        Ok(Log {
            file,
            path: path.to_path_buf(),
            failed: None,
        })
    }

    fn error(path: &Path, err: io::Error) -> WriteFailed {
        WriteFailed::new("write the build log", path, err)
    }

    fn remember(&mut self, err: io::Error) -> io::Error {
        let copy = match err.raw_os_error() {
            Some(code) => io::Error::from_raw_os_error(code),
            None => io::Error::new(err.kind(), err.to_string()),
        };
        self.failed = Some(err);
        copy
    }

    /// Writes one line of dockwright's own, such as the command it runs.
    fn line(&mut self, text: &str) -> Result<(), WriteFailed> {
        writeln!(self.file, "{text}").map_err(|err| Log::error(&self.path, err))
    }
}

impl Write for Log {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file.write(buf).map_err(|err| self.remember(err))
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush().map_err(|err| self.remember(err))
    }
}

/// Runs a command's builds and the engine commands around them: each one
/// logged, each build timed on a live line, and all of them kept for the
/// saved run's list of commands.
pub struct BuildRunner<'a> {
    pub engine: &'a Engine,
    pub runner: &'a dyn Runner,
    /// Every engine command run so far, as a shell would show it.
    pub commands: Vec<String>,
}

/// How one build went.
pub struct Timed {
    pub ok: bool,
    pub seconds: f64,
}

impl<'a> BuildRunner<'a> {
    pub fn new(engine: &'a Engine, runner: &'a dyn Runner) -> BuildRunner<'a> {
        BuildRunner {
            engine,
            runner,
            commands: Vec::new(),
        }
    }

    /// Why `rung` cannot be built here: a base image that is neither in the
    /// engine's store nor pullable. `None` when all are there.
    pub fn missing_base(&mut self, rung: &Rung) -> Result<Option<String>, EngineError> {
        self.missing(&rung.facts.bases)
    }

    /// Why one of the base images `bases` cannot be built from here.
    pub fn missing(&mut self, bases: &[String]) -> Result<Option<String>, EngineError> {
        for base in bases {
            if !self.engine.has_image(self.runner, base)? {
                if let Err(why) = self.engine.pull(self.runner, base) {
                    return Ok(Some(format!(
                        "base image `{base}` is not here and cannot be pulled ({why})"
                    )));
                }
            }
        }
        Ok(None)
    }

    /// Whether every image that `rung` reads can be refreshed from a
    /// registry: `--pull` makes BuildKit resolve all of them there, and the
    /// build fails on a local-only one.
    pub fn pullable(&self, rung: &Rung) -> Result<bool, EngineError> {
        for base in &rung.facts.bases {
            if !self.engine.can_pull(self.runner, base)? {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Runs `cmd` (an engine command with nothing to measure) and logs it.
    pub fn run(&mut self, cmd: &Cmd, log: &mut Log) -> anyhow::Result<bool> {
        log.line(&format!("$ {cmd}"))?;
        self.commands.push(cmd.to_string());
        Ok(self.engine.run(self.runner, cmd)?)
    }

    /// Runs the build `spec`, appending its output to `log` and showing its
    /// current Dockerfile step on a live line labelled `label`.
    pub fn build(&mut self, spec: &BuildSpec, log: &mut Log, label: &str) -> anyhow::Result<Timed> {
        let cmd = self.engine.build_cmd(spec);
        log.line(&format!("$ {cmd}"))?;
        self.commands.push(cmd.to_string());
        let activity = Activity::start(label);
        let started = Instant::now();
        let streamed = self.runner.stream(&cmd, log, &mut |line| {
            if let Some(current) = progress::step(line) {
                activity.step(&current);
            }
        });
        let seconds = started.elapsed().as_secs_f64();
        if interrupt::check().is_err() {
            activity.finish(false, "interrupted");
            return Err(interrupt::Interrupted.into());
        }
        if let Some(err) = log.failed.take() {
            activity.finish(false, "its log could not be written");
            return Err(Log::error(&log.path, err).into());
        }
        let ok = streamed.map_err(|err| EngineError::Stopped {
            program: self.engine.program.display().to_string(),
            detail: err.to_string(),
        })?;
        if !ok && !self.engine.answers(self.runner) {
            activity.finish(false, "the engine stopped");
            return Err(EngineError::Stopped {
                program: self.engine.program.display().to_string(),
                detail: "it no longer answers `version`".to_string(),
            }
            .into());
        }
        let summary = if ok {
            figures::seconds(seconds)
        } else {
            format!("failed after {}", figures::seconds(seconds))
        };
        activity.finish(ok, &summary);
        Ok(Timed { ok, seconds })
    }
}

/// The last `lines` lines of the file at `path`.
pub fn log_tail(path: &Path, lines: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}
