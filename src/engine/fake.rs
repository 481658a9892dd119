//! A `Runner` for unit tests: it answers each command line from a table and
//! acts out builds with a closure, so that what dockwright runs, and what it
//! makes of the answers, can be checked without an engine.

use std::collections::HashMap;
use std::io::Write;

use super::{Cmd, Output, Runner};

/// What a fake build does: it gets the command and a sink for its output
/// lines, and says whether it succeeded.
type Build = Box<dyn Fn(&Cmd, &mut dyn FnMut(&str)) -> bool>;

/// Answers each command line from a table; anything else fails to start.
pub struct Fake {
    answers: HashMap<String, Output>,
    build: Option<Build>,
}

impl Fake {
    /// `answers`: command line (as `Cmd` shows it), success, stdout, stderr.
    pub fn new(answers: &[(&str, bool, &str, &str)]) -> Fake {
        Fake {
            answers: answers
                .iter()
                .map(|(cmd, success, stdout, stderr)| {
                    let out = Output {
                        success: *success,
                        stdout: stdout.to_string(),
                        stderr: stderr.to_string(),
                    };
                    (cmd.to_string(), out)
                })
                .collect(),
            build: None,
        }
    }

    /// Streamed commands (builds) run `build`.
    pub fn building(
        mut self,
        build: impl Fn(&Cmd, &mut dyn FnMut(&str)) -> bool + 'static,
    ) -> Fake {
        self.build = Some(Box::new(build));
        self
    }
}

impl Runner for Fake {
    fn output(&self, cmd: &Cmd) -> std::io::Result<Output> {
        self.answers
            .get(&cmd.to_string())
            .cloned()
            .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, "no such program"))
    }

    fn stream(
        &self,
        cmd: &Cmd,
        log: &mut dyn Write,
        on_line: &mut dyn FnMut(&str),
    ) -> std::io::Result<bool> {
        let Some(build) = &self.build else {
            return Ok(false);
        };
        let mut lines = Vec::new();
        let ok = build(cmd, &mut |line| lines.push(line.to_string()));
        for line in &lines {
            writeln!(log, "{line}")?;
            on_line(line);
        }
        Ok(ok)
    }

    fn pipe(&self, _: &Cmd, _: &mut dyn Write) -> std::io::Result<bool> {
        Ok(false)
    }
}
