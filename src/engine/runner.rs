//! Running engine commands. `System` runs them for real through duct; unit
//! tests put a fake `Runner` in its place to check what would be run.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use nix::sys::signal::{killpg, Signal};
use nix::unistd::Pid;

use crate::interrupt;
use crate::shell;

/// A command as an argument list, with extra environment variables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cmd {
    pub program: PathBuf,
    pub args: Vec<String>,
    pub env: Vec<(String, String)>,
    /// How long it may run before it is stopped; `None` lets it run to the
    /// end, as builds do.
    pub timeout: Option<Duration>,
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
            timeout: None,
        }
    }
}

impl std::fmt::Display for Cmd {
    /// The command as a person would type it, for logs and records.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (key, value) in &self.env {
            write!(f, "{key}={} ", shell::quote(value))?;
        }
        let program = self.program.display().to_string();
        let words = std::iter::once(program.as_str()).chain(self.args.iter().map(String::as_str));
        write!(f, "{}", shell::join(words))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Output {
    pub success: bool,
    pub stdout: String,
    pub stderr: String,
}

/// Runs commands. A command still running past its `timeout` is stopped,
/// and the call fails with an error of kind `TimedOut`.
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
        let watch = Watch::start(&handle.pids(), cmd.timeout);
        let out = handle.into_output();
        watch.finish(cmd)?;
        let out = out?;
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
        let watch = Watch::start(&reader.pids(), cmd.timeout);
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
        watch.finish(cmd)?;
        let status = reader.try_wait()?.map(|out| out.status.success());
        Ok(status.unwrap_or(false))
    }

    fn pipe(&self, cmd: &Cmd, sink: &mut dyn Write) -> std::io::Result<bool> {
        let reader = Self::expression(cmd).stderr_null().unchecked().reader()?;
        let watch = Watch::start(&reader.pids(), cmd.timeout);
        std::io::copy(&mut &reader, sink)?;
        watch.finish(cmd)?;
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

/// Watches a running command: Ctrl-C, or its timeout passing, stops it
/// and everything it started.
struct Watch {
    _interrupt: Option<interrupt::CleanUpGuard>,
    /// Ends the timer early when dropped.
    done: Option<mpsc::Sender<()>>,
    timer: Option<std::thread::JoinHandle<bool>>,
}

impl Watch {
    fn start(pids: &[u32], timeout: Option<Duration>) -> Watch {
        let Some(group) = Group::of(pids) else {
            return Watch {
                _interrupt: None,
                done: None,
                timer: None,
            };
        };
        let interrupt = interrupt::on_interrupt(move || group.kill());
        let (done, finished) = mpsc::channel::<()>();
        // A thread rather than a timed wait: killing the group is what
        // unblocks a read held open by a grandchild, and only a second
        // thread can do it while this one reads.
        let timer = timeout.map(|limit| {
            std::thread::spawn(move || {
                let expired = matches!(
                    finished.recv_timeout(limit),
                    Err(mpsc::RecvTimeoutError::Timeout)
                );
                if expired {
                    group.kill();
                }
                expired
            })
        });
        Watch {
            _interrupt: Some(interrupt),
            done: Some(done),
            timer,
        }
    }

    /// Ends the watch once the command's output is read: `Err` of kind
    /// `TimedOut` when its timeout stopped it.
    fn finish(mut self, cmd: &Cmd) -> std::io::Result<()> {
        drop(self.done.take());
        let expired = self
            .timer
            .take()
            .is_some_and(|timer| timer.join().unwrap_or(false));
        if expired {
            let limit = cmd.timeout.unwrap_or_default();
            return Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                format!("`{cmd}` did not finish within {} s", limit.as_secs()),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

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

    /// A command whose child holds its output open for longer than its
    /// timeout, as a wedged client or a wrapper around one does.
    fn hangs() -> Cmd {
        let mut cmd = Cmd::new(Path::new("sh"), ["-c", "sleep 20 & wait"]);
        cmd.timeout = Some(Duration::from_millis(300));
        cmd
    }

    fn assert_timed_out(result: std::io::Result<impl std::fmt::Debug>, started: Instant) {
        let err = result.expect_err("the command should have timed out");
        assert_eq!(err.kind(), std::io::ErrorKind::TimedOut, "{err}");
        assert!(started.elapsed() < Duration::from_secs(10), "{err}");
    }

    #[test]
    fn a_command_past_its_timeout_is_stopped_with_its_children() {
        let started = Instant::now();
        assert_timed_out(System.output(&hangs()), started);
        let started = Instant::now();
        assert_timed_out(System.pipe(&hangs(), &mut std::io::sink()), started);
        let started = Instant::now();
        assert_timed_out(
            System.stream(&hangs(), &mut std::io::sink(), &mut |_| {}),
            started,
        );
    }

    #[test]
    fn a_command_within_its_timeout_runs_to_the_end() {
        let mut cmd = Cmd::new(Path::new("sh"), ["-c", "echo done"]);
        cmd.timeout = Some(Duration::from_secs(20));
        assert_eq!(System.output(&cmd).unwrap().stdout, "done\n");
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
