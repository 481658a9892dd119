//! Running engine commands. `System` runs them for real through duct; unit
//! tests put a fake `Runner` in its place to check what would be run.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};

use nix::sys::signal::{killpg, Signal};
use nix::unistd::Pid;

use crate::interrupt;

/// A command as an argument list, with extra environment variables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cmd {
    pub program: PathBuf,
    pub args: Vec<String>,
    pub env: Vec<(String, String)>,
}

impl Cmd {
    pub fn new<I, S>(program: &Path, args: I) -> Cmd
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Cmd {
            program: program.to_path_buf(),
            args: args.into_iter().map(Into::into).collect(),
            env: Vec::new(),
        }
    }
}

impl std::fmt::Display for Cmd {
    /// The command as a person would type it, for logs and records.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let quote = |s: &str| {
            if !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_./:=,@%+".contains(c))
            {
                s.to_string()
            } else {
                format!("'{}'", s.replace('\'', r"'\''"))
            }
        };
        for (key, value) in &self.env {
            write!(f, "{key}={} ", quote(value))?;
        }
        write!(f, "{}", quote(&self.program.display().to_string()))?;
        for arg in &self.args {
            write!(f, " {}", quote(arg))?;
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Output {
    pub success: bool,
    pub stdout: String,
    pub stderr: String,
}

pub trait Runner {
    /// Runs `cmd` to the end and captures what it printed.
    fn output(&self, cmd: &Cmd) -> std::io::Result<Output>;

    /// Runs `cmd`, copying its merged output to `log` and handing each line
    /// to `on_line` as it comes; returns whether it succeeded.
    fn stream(
        &self,
        cmd: &Cmd,
        log: &mut dyn Write,
        on_line: &mut dyn FnMut(&str),
    ) -> std::io::Result<bool>;

    /// Runs `cmd`, copying its standard output, which may be large and
    /// binary, to `sink`; returns whether it succeeded.
    fn pipe(&self, cmd: &Cmd, sink: &mut dyn Write) -> std::io::Result<bool>;
}

/// Runs commands for real.
pub struct System;

impl System {
    fn expression(cmd: &Cmd) -> duct::Expression {
        // As a string, not a Path: duct runs a relative Path from the current
        // directory, while a bare name like `docker` must be looked up on PATH.
        let mut expression = duct::cmd(cmd.program.as_os_str(), &cmd.args);
        for (key, value) in &cmd.env {
            expression = expression.env(key, value);
        }
        // Its own process group, so that stopping it stops what it started
        // too: a wrapper (docker's buildx plugin, a script) runs the real
        // client as a child that holds the output pipe, and killing only the
        // wrapper would leave us waiting on that child. Ctrl-C at a terminal
        // then reaches dockwright alone, which stops the group itself.
        expression.stdin_null().before_spawn(|command| {
            command.process_group(0);
            Ok(())
        })
    }
}

impl Runner for System {
    fn output(&self, cmd: &Cmd) -> std::io::Result<Output> {
        let handle = Self::expression(cmd)
            .stdout_capture()
            .stderr_capture()
            .unchecked()
            .start()?;
        let _stop = stop_on_interrupt(&handle.pids());
        let out = handle.into_output()?;
        Ok(Output {
            success: out.status.success(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        })
    }

    fn stream(
        &self,
        cmd: &Cmd,
        log: &mut dyn Write,
        on_line: &mut dyn FnMut(&str),
    ) -> std::io::Result<bool> {
        let reader = Self::expression(cmd)
            .stderr_to_stdout()
            .unchecked()
            .reader()?;
        let _stop = stop_on_interrupt(&reader.pids());
        let mut lines = BufReader::new(&reader);
        let mut line = Vec::new();
        loop {
            line.clear();
            if lines.read_until(b'\n', &mut line)? == 0 {
                break;
            }
            log.write_all(&line)?;
            on_line(String::from_utf8_lossy(&line).trim_end());
        }
        log.flush()?;
        let status = reader.try_wait()?.map(|out| out.status.success());
        Ok(status.unwrap_or(false))
    }

    fn pipe(&self, cmd: &Cmd, sink: &mut dyn Write) -> std::io::Result<bool> {
        let reader = Self::expression(cmd).stderr_null().unchecked().reader()?;
        let _stop = stop_on_interrupt(&reader.pids());
        std::io::copy(&mut &reader, sink)?;
        let status = reader.try_wait()?.map(|out| out.status.success());
        Ok(status.unwrap_or(false))
    }
}

/// The process group of a command started by `System`: its pid, as the
/// command leads the group.
#[derive(Debug, Clone, Copy)]
struct Group(Pid);

impl Group {
    fn of(pids: &[u32]) -> Option<Group> {
        let leader = i32::try_from(*pids.first()?).ok()?;
        Some(Group(Pid::from_raw(leader)))
    }

    /// SIGKILL, which a wrapper cannot ignore or forget to pass on; the
    /// engine cancels a build whose client went away.
    fn kill(self) {
        let _ = killpg(self.0, Signal::SIGKILL);
    }
}

/// Ctrl-C stops the command in progress and everything it started.
fn stop_on_interrupt(pids: &[u32]) -> Option<interrupt::CleanUpGuard> {
    let group = Group::of(pids)?;
    Some(interrupt::on_interrupt(move || group.kill()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_commands_quoted_for_a_shell() {
        let mut cmd = Cmd::new(Path::new("docker"), ["build", "-t", "a:b", "it's here", ""]);
        cmd.env.push(("DOCKER_BUILDKIT".into(), "1".into()));
        assert_eq!(
            cmd.to_string(),
            r"DOCKER_BUILDKIT=1 docker build -t a:b 'it'\''s here' ''"
        );
    }

    #[test]
    fn streams_lines_and_reports_failure() {
        let cmd = Cmd::new(Path::new("sh"), ["-c", "echo one; echo two >&2; exit 3"]);
        let mut log = Vec::new();
        let mut seen = Vec::new();
        let ok = System
            .stream(&cmd, &mut log, &mut |l| seen.push(l.to_string()))
            .unwrap();
        assert!(!ok);
        assert_eq!(seen, ["one", "two"]);
        assert_eq!(String::from_utf8(log).unwrap(), "one\ntwo\n");
    }
}
