//! Starting a built image as a container and timing it until the app first
//! answers `GET /`: the start-up figure of `measure`. The container publishes
//! its port on 127.0.0.1 only, at a port the engine picks, and is removed
//! when its guard is dropped, whether the start answered, failed or was cut
//! short by Ctrl-C.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use super::{last_line, Cmd, Engine, EngineError, Kind, Runner};
use crate::interrupt::{self, CleanUpGuard};

/// The label on every container dockwright starts to time, so that one left
/// behind by a killed run can be found.
pub const LABEL: &str = "dockwright.start";

/// How often the app is asked: often enough that the time to the first
/// answer is not rounded up by much, rarely enough to leave the CPU to it.
const POLL: Duration = Duration::from_millis(50);
/// How long one connection may take to open, and to answer once open: the
/// app on a loaded machine answers a hello page well within this.
const CONNECT: Duration = Duration::from_millis(250);
const READ: Duration = Duration::from_secs(2);
/// How often, between polls that find no answer, the engine is asked
/// whether the container still runs: each ask costs an engine call.
const STATE_EVERY: Duration = Duration::from_millis(500);
/// How many lines of the container's log a failure shows.
const LOG_LINES: usize = 10;

/// How a start went.
#[derive(Debug, Clone, PartialEq)]
pub enum Start {
    /// The app answered with this status after this many seconds.
    Answered { seconds: f64, status: u16 },
    /// It did not: why, in a sentence, with the container's last log lines.
    Failed(String),
}

/// What the app said to one `GET /`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Answer {
    /// Nothing yet: the port refused, or closed without a status line.
    Nothing,
    Status(u16),
}

/// A container that is removed (`rm -f`) when dropped, and on Ctrl-C.
struct Container<'a> {
    engine: &'a Engine,
    runner: &'a dyn Runner,
    name: String,
    _on_interrupt: CleanUpGuard,
}

impl Drop for Container<'_> {
    fn drop(&mut self) {
        let _ = self.runner.output(&self.engine.remove_cmd(&self.name));
    }
}

impl Engine {
    /// `run -d` of `image` as container `name`, its `port` published on
    /// 127.0.0.1 at a port the engine picks.
    pub fn start_cmd(&self, image: &str, name: &str, port: u16) -> Cmd {
        self.cmd([
            "run".to_string(),
            "-d".to_string(),
            "--name".to_string(),
            name.to_string(),
            "--label".to_string(),
            format!("{LABEL}=1"),
            "-p".to_string(),
            format!("127.0.0.1::{port}"),
            image.to_string(),
        ])
    }

    /// `port`: where on the host container `name`'s `port` is published.
    pub fn port_cmd(&self, name: &str, port: u16) -> Cmd {
        self.cmd(["port".to_string(), name.to_string(), format!("{port}/tcp")])
    }

    /// `inspect` of whether container `name` runs, and its exit code.
    pub fn state_cmd(&self, name: &str) -> Cmd {
        self.cmd([
            "container",
            "inspect",
            "--format",
            "{{.State.Running}} {{.State.ExitCode}}",
            name,
        ])
    }

    /// `logs` of container `name`'s last lines, for a failure's reason.
    pub fn logs_cmd(&self, name: &str) -> Cmd {
        self.cmd([
            "logs".to_string(),
            "--tail".to_string(),
            LOG_LINES.to_string(),
            name.to_string(),
        ])
    }

    /// `rm -f` of container `name`, running or not.
    pub fn remove_cmd(&self, name: &str) -> Cmd {
        self.cmd(["rm", "-f", name])
    }

    /// Starts `image` as container `name` and times it from just before
    /// `run -d` until its app answers `GET /` on `port` with a status below
    /// 500, for at most `bound`. A container that exits, does not start,
    /// or only answers 5xx until the bound fails, with its last log lines.
    /// `record` gets every engine command, as the run records them. The
    /// container is removed before this returns.
    pub fn time_start(
        &self,
        runner: &dyn Runner,
        image: &str,
        name: &str,
        port: u16,
        bound: Duration,
        record: &mut dyn FnMut(&Cmd),
    ) -> Result<Start, EngineError> {
        let program = self.program.clone();
        let container = Container {
            engine: self,
            runner,
            name: name.to_string(),
            _on_interrupt: interrupt::on_interrupt(remove_on_interrupt(program, name)),
        };
        let start = self.start_cmd(image, name, port);
        record(&start);
        let started = Instant::now();
        let out = self.call(runner, start)?;
        if !out.success {
            return Ok(Start::Failed(format!(
                "the container did not start: {}",
                last_line(&out.stderr)
            )));
        }
        let port_cmd = self.port_cmd(name, port);
        record(&port_cmd);
        let published = self.call(runner, port_cmd)?;
        let Some(host_port) = published_port(&published.stdout) else {
            // A container that has already exited has no port to say.
            let why = match self.exited(runner, name)? {
                Some(code) => exited(code),
                None => format!(
                    "the engine did not say where port {port} was published ({})",
                    last_line(&published.stderr)
                ),
            };
            return Ok(self.failed(runner, &container, &why));
        };
        let address = SocketAddr::from((Ipv4Addr::LOCALHOST, host_port));
        let mut last_state = Instant::now();
        let mut last_error = None;
        loop {
            match ask(address) {
                Answer::Status(status) if status < 500 => {
                    return Ok(Start::Answered {
                        seconds: started.elapsed().as_secs_f64(),
                        status,
                    })
                }
                Answer::Status(status) => last_error = Some(status),
                Answer::Nothing => {}
            }
            // The caller sees Ctrl-C at its next check; the guard removes
            // the container on the way out.
            if interrupt::check().is_err() {
                return Ok(Start::Failed("interrupted".to_string()));
            }
            if started.elapsed() >= bound {
                let why = match last_error {
                    Some(status) => format!(
                        "the app answered GET / with status {status} until the start bound of {} s",
                        bound.as_secs_f64()
                    ),
                    None => format!(
                        "the app did not answer GET / on port {port} within the start bound of {} s ([measure] start_timeout)",
                        bound.as_secs_f64()
                    ),
                };
                return Ok(self.failed(runner, &container, &why));
            }
            if last_state.elapsed() >= STATE_EVERY {
                last_state = Instant::now();
                if let Some(code) = self.exited(runner, name)? {
                    return Ok(self.failed(runner, &container, &exited(code)));
                }
            }
            std::thread::sleep(POLL);
        }
    }

    /// The exit code of container `name` once it has stopped; `None` while
    /// it runs.
    fn exited(&self, runner: &dyn Runner, name: &str) -> Result<Option<i64>, EngineError> {
        let out = self.call(runner, self.state_cmd(name))?;
        Ok(parse_state(&out.stdout).and_then(|(running, code)| (!running).then_some(code)))
    }

    /// A failed start: `why` on the first line, which the report's notes
    /// show, then the container's last log lines.
    fn failed(&self, runner: &dyn Runner, container: &Container, why: &str) -> Start {
        let logs = self
            .call(runner, self.logs_cmd(&container.name))
            .map(|out| format!("{}{}", out.stdout, out.stderr))
            .unwrap_or_default();
        let logs = logs.trim_end();
        if logs.is_empty() {
            Start::Failed(format!("{why}\nThe container logged nothing."))
        } else {
            Start::Failed(format!(
                "{why}\nThe container's last {LOG_LINES} log lines:\n{logs}"
            ))
        }
    }
}

impl Engine {
    /// Why a port the engine publishes on 127.0.0.1 is not on this machine,
    /// when it is not: DOCKER_HOST, the docker context or podman's
    /// CONTAINER_HOST points at a daemon on another host.
    pub fn elsewhere(&self, runner: &dyn Runner) -> Result<Option<String>, EngineError> {
        let set = |key: &str| std::env::var(key).ok().filter(|v| !v.trim().is_empty());
        let endpoint = match self.kind {
            Kind::Docker => match set("DOCKER_HOST") {
                Some(host) => Some(host),
                None => self.context(runner)?.map(|(_, host)| host),
            },
            Kind::Podman => set("CONTAINER_HOST"),
        };
        Ok(endpoint.as_deref().and_then(remote))
    }
}

/// Why `endpoint` is a daemon on another machine, or none: a `tcp://` or
/// `ssh://` address whose host is not this one's loopback.
fn remote(endpoint: &str) -> Option<String> {
    let (scheme, rest) = endpoint.split_once("://")?;
    if !matches!(scheme, "tcp" | "ssh") {
        return None;
    }
    let authority = rest.split('/').next().unwrap_or_default();
    let host = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    let host = match host.strip_prefix('[') {
        Some(bracketed) => bracketed.split(']').next().unwrap_or_default(),
        None => host.split(':').next().unwrap_or_default(),
    };
    let local = ["localhost", "127.0.0.1", "::1"].contains(&host);
    (!local).then(|| {
        format!(
            "the engine runs at `{endpoint}`, not on this machine, where the ports it publishes on 127.0.0.1 cannot be reached: start not measured"
        )
    })
}

/// Why a start failed when its container stopped with exit code `code`.
fn exited(code: i64) -> String {
    format!("the container exited with code {code} before the app answered GET /")
}

/// The clean-up Ctrl-C runs: the container removed by a client of its own,
/// since the handler may run while the measuring thread waits.
fn remove_on_interrupt(program: PathBuf, name: &str) -> impl Fn() + Send + 'static {
    let name = name.to_string();
    move || {
        let _ = std::process::Command::new(&program)
            .args(["rm", "-f", &name])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status();
    }
}

/// The host port in `port`'s answer, `127.0.0.1:32768` (docker may add a
/// line per address family; podman writes one).
fn published_port(stdout: &str) -> Option<u16> {
    stdout
        .lines()
        .find_map(|line| line.trim().rsplit_once(':')?.1.parse().ok())
}

/// `true 0` or `false 3`: whether it runs, and its exit code.
fn parse_state(stdout: &str) -> Option<(bool, i64)> {
    let (running, code) = stdout.trim().split_once(' ')?;
    Some((running.parse().ok()?, code.parse().ok()?))
}

/// One HTTP/1.0 `GET /` to `address`, and the status of the answer.
fn ask(address: SocketAddr) -> Answer {
    let Ok(mut stream) = TcpStream::connect_timeout(&address, CONNECT) else {
        return Answer::Nothing;
    };
    let _ = stream.set_read_timeout(Some(READ));
    let _ = stream.set_write_timeout(Some(READ));
    if stream
        .write_all(b"GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
        .is_err()
    {
        return Answer::Nothing;
    }
    let mut head = [0u8; 32];
    let mut read = 0;
    while read < head.len() {
        match stream.read(&mut head[read..]) {
            Ok(0) | Err(_) => break,
            Ok(n) => read += n,
        }
    }
    status(&head[..read]).map_or(Answer::Nothing, Answer::Status)
}

/// The status code of a response starting `HTTP/1.x NNN`.
fn status(head: &[u8]) -> Option<u16> {
    let text = std::str::from_utf8(head).ok()?;
    let rest = text.strip_prefix("HTTP/")?;
    let code = rest.split_whitespace().nth(1)?;
    code.parse().ok().filter(|code| (100..600).contains(code))
}

#[cfg(test)]
mod tests {
    use std::net::TcpListener;

    use super::*;
    use crate::engine::fake::Fake;
    use crate::engine::tests::engine;
    use crate::engine::BuildKit;

    #[test]
    fn a_start_publishes_on_127_0_0_1_only_at_a_port_the_engine_picks() {
        let args = engine(BuildKit::Buildx)
            .start_cmd("shop:uv; rm -rf /", "shop-uv-start", 8000)
            .args;
        assert_eq!(
            args,
            [
                "run",
                "-d",
                "--name",
                "shop-uv-start",
                "--label",
                "dockwright.start=1",
                "-p",
                "127.0.0.1::8000",
                "shop:uv; rm -rf /",
            ]
        );
    }

    #[test]
    fn the_port_logs_and_removal_name_the_container() {
        let engine = engine(BuildKit::Podman);
        assert_eq!(engine.port_cmd("c", 5000).args, ["port", "c", "5000/tcp"]);
        assert_eq!(engine.logs_cmd("c").args, ["logs", "--tail", "10", "c"]);
        assert_eq!(engine.remove_cmd("c").args, ["rm", "-f", "c"]);
        assert!(engine.state_cmd("c").args.ends_with(&["c".to_string()]));
    }

    #[test]
    fn the_published_port_is_read_from_either_engines_answer() {
        assert_eq!(published_port("127.0.0.1:32768\n"), Some(32768));
        assert_eq!(
            published_port("127.0.0.1:40001\n[::1]:40001\n"),
            Some(40001)
        );
        assert_eq!(published_port(""), None);
        assert_eq!(published_port("no such port\n"), None);
    }

    #[test]
    fn a_state_says_whether_it_runs_and_its_exit_code() {
        assert_eq!(parse_state("true 0\n"), Some((true, 0)));
        assert_eq!(parse_state("false 3\n"), Some((false, 3)));
        assert_eq!(parse_state("false -1"), Some((false, -1)));
        assert_eq!(parse_state("Error: no such container"), None);
    }

    #[test]
    fn only_a_daemon_on_another_host_is_elsewhere() {
        for here in [
            "unix:///var/run/docker.sock",
            "tcp://127.0.0.1:2375",
            "tcp://localhost:2376",
            "tcp://[::1]:2375",
            "ssh://me@localhost",
            "npipe:////./pipe/docker_engine",
        ] {
            assert_eq!(remote(here), None, "{here}");
        }
        for there in [
            "tcp://10.0.0.9:2375",
            "ssh://me@build-box",
            "ssh://build-box:2222",
            "tcp://[fd00::9]:2375",
        ] {
            let why = remote(there).unwrap_or_default();
            assert!(
                why.contains(there) && why.ends_with("start not measured"),
                "{why}"
            );
        }
    }

    #[test]
    fn a_status_is_read_from_the_status_line_only() {
        assert_eq!(status(b"HTTP/1.0 200 OK\r\n"), Some(200));
        assert_eq!(status(b"HTTP/1.1 404 NOT FOUND\r\n"), Some(404));
        assert_eq!(status(b"HTTP/1.1 503 Service"), Some(503));
        assert_eq!(status(b"HTTP/1.1"), None);
        assert_eq!(status(b"SSH-2.0-OpenSSH"), None);
        assert_eq!(status(b""), None);
    }

    /// A server on 127.0.0.1 that answers each connection with `reply`.
    fn serving(reply: &'static [u8]) -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            for mut stream in listener.incoming().flatten() {
                let mut request = [0u8; 256];
                let _ = stream.read(&mut request);
                let _ = stream.write_all(reply);
            }
        });
        address
    }

    #[test]
    fn a_get_reads_the_status_and_a_silent_port_is_no_answer() {
        assert_eq!(
            ask(serving(b"HTTP/1.0 200 OK\r\n\r\nhi")),
            Answer::Status(200)
        );
        assert_eq!(
            ask(serving(b"HTTP/1.1 500 INTERNAL SERVER ERROR\r\n\r\n")),
            Answer::Status(500)
        );
        assert_eq!(ask(serving(b"")), Answer::Nothing);
        let closed = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        assert_eq!(ask(closed), Answer::Nothing);
    }

    const RUN: &str =
        "/usr/bin/docker run -d --name c --label dockwright.start=1 -p 127.0.0.1::8000 i";

    #[test]
    fn a_container_the_engine_cannot_start_fails_with_its_words_and_is_removed() {
        let fake = Fake::new(&[
            (
                RUN,
                false,
                "",
                "docker: Error response from daemon: no such image\n",
            ),
            ("/usr/bin/docker rm -f c", true, "c\n", ""),
        ]);
        let mut recorded = Vec::new();
        let start = engine(BuildKit::Buildx)
            .time_start(&fake, "i", "c", 8000, Duration::from_secs(1), &mut |cmd| {
                recorded.push(cmd.to_string())
            })
            .unwrap();
        assert_eq!(
            start,
            Start::Failed(
                "the container did not start: docker: Error response from daemon: no such image"
                    .to_string()
            )
        );
        assert_eq!(recorded, [RUN]);
    }

    #[test]
    fn a_container_gone_before_its_port_is_read_fails_with_its_exit_code() {
        let fake = Fake::new(&[
            (RUN, true, "abc\n", ""),
            (
                "/usr/bin/docker port c 8000/tcp",
                false,
                "",
                "Error: No public port '8000/tcp' published for c\n",
            ),
            (STATE, true, "false 1\n", ""),
            (
                "/usr/bin/docker logs --tail 10 c",
                true,
                "Traceback ...\n",
                "",
            ),
            ("/usr/bin/docker rm -f c", true, "c\n", ""),
        ]);
        let start = engine(BuildKit::Buildx)
            .time_start(&fake, "i", "c", 8000, Duration::from_secs(20), &mut |_| {})
            .unwrap();
        assert_eq!(
            start,
            Start::Failed(
                "the container exited with code 1 before the app answered GET /\nThe container's last 10 log lines:\nTraceback ..."
                    .to_string()
            )
        );
    }

    const STATE: &str =
        "/usr/bin/docker container inspect --format '{{.State.Running}} {{.State.ExitCode}}' c";

    #[test]
    fn a_container_that_exits_fails_with_its_exit_code_and_log_lines() {
        let closed = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let port = format!("127.0.0.1:{}\n", closed.port());
        let fake = Fake::new(&[
            (RUN, true, "abc\n", ""),
            ("/usr/bin/docker port c 8000/tcp", true, &port, ""),
            (STATE, true, "false 3\n", ""),
            (
                "/usr/bin/docker logs --tail 10 c",
                true,
                "",
                "PermissionError: [Errno 13] Permission denied: '/app/instance'\n",
            ),
            ("/usr/bin/docker rm -f c", true, "c\n", ""),
        ]);
        let start = engine(BuildKit::Buildx)
            .time_start(&fake, "i", "c", 8000, Duration::from_secs(20), &mut |_| {})
            .unwrap();
        let Start::Failed(why) = start else {
            panic!("{start:?}")
        };
        assert!(
            why.starts_with("the container exited with code 3 before the app answered GET /"),
            "{why}"
        );
        assert!(why.ends_with("Permission denied: '/app/instance'"), "{why}");
    }
}
