//! Choosing the engine client: the one named by the user, or the first of
//! the usual candidates that answers and can build what is asked.

use std::path::{Path, PathBuf};

use super::{
    last_line, BuildKit, Chooser, Cmd, Engine, EngineError, Kind, Output, Patience, Runner,
};

/// Finds a client among `candidates` whose engine answers and, when
/// `need_buildkit`, can build with BuildKit, waiting on each as `patience`
/// says. Errors name the most useful fix.
pub fn detect(
    runner: &dyn Runner,
    candidates: &[PathBuf],
    need_buildkit: bool,
    patience: Patience,
) -> Result<Engine, EngineError> {
    let mut first_error = None;
    let mut without_buildkit = None;
    for program in candidates {
        let ask = Ask {
            runner,
            program,
            patience,
        };
        match probe(&ask) {
            Ok(engine) if need_buildkit && engine.buildkit == BuildKit::Missing => {
                without_buildkit.get_or_insert(engine);
            }
            Ok(engine) => return Ok(engine),
            // A daemon the user pointed docker at (DOCKER_HOST, a context)
            // that does not answer: building on podman instead would
            // measure another engine than the one chosen.
            Err(err @ EngineError::Unreachable { .. }) => return Err(err),
            Err(err) => {
                first_error.get_or_insert(err);
            }
        }
    }
    if let Some(engine) = without_buildkit {
        return Err(EngineError::BuildKitMissing {
            program: engine.program.display().to_string(),
        });
    }
    Err(first_error.unwrap_or_else(|| EngineError::NotInstalled {
        tried: if candidates.is_empty() {
            "docker and podman on PATH".to_string()
        } else {
            candidates
                .iter()
                .map(|p| format!("`{}`", p.display()))
                .collect::<Vec<_>>()
                .join(", ")
        },
    }))
}

/// One candidate client, and how long to wait for its answers.
struct Ask<'a> {
    runner: &'a dyn Runner,
    program: &'a Path,
    patience: Patience,
}

impl Ask<'_> {
    /// Runs the client with `args`.
    fn output<const N: usize>(&self, args: [&str; N]) -> Result<Output, EngineError> {
        let mut cmd = Cmd::new(self.program, args);
        cmd.timeout = Some(self.patience.query());
        self.runner.output(&cmd).map_err(|err| match err.kind() {
            std::io::ErrorKind::TimedOut => EngineError::from_io(&cmd, &err),
            _ => cannot_start(self.program, &err),
        })
    }

    fn engine(
        &self,
        kind: Kind,
        client_version: String,
        server_version: String,
        buildkit: BuildKit,
    ) -> Engine {
        Engine {
            program: self.program.to_path_buf(),
            kind,
            client_version,
            server_version,
            buildkit,
            patience: self.patience,
            builder: None,
        }
    }
}

/// Which engine the client is, by what it says of itself rather than by its
/// file name: a `docker` may be podman-docker's wrapper, and a name with
/// "podman" in it may be docker. The common case costs no extra call: a
/// name with "podman" in it is asked `--version` first (podman's own probe
/// needs it), and any other is asked docker's `version`, and `--version`
/// only when that answer is not a docker's.
fn probe(ask: &Ask) -> Result<Engine, EngineError> {
    let named_podman = ask
        .program
        .file_name()
        .is_some_and(|name| name.to_string_lossy().contains("podman"));
    if named_podman {
        let version = ask.output(["--version"])?;
        if !version.success {
            return Err(not_installed(ask.program));
        }
        if says_podman(&version.stdout) {
            probe_podman(ask, &version.stdout)
        } else {
            probe_docker(ask)
        }
    } else {
        probe_docker(ask)
    }
}

/// Whether `--version`'s output is podman's ("podman version 4.3.1").
fn says_podman(stdout: &str) -> bool {
    stdout
        .trim_start()
        .to_ascii_lowercase()
        .starts_with("podman")
}

/// One call tells the client's and the daemon's versions, and why the daemon
/// does not answer when it does not; every build pays for it, so it is kept
/// to that one call (plus `buildx version` for clients that need buildx).
/// An answer no docker gives (a failure, or a version below 17, where
/// podman's are) is checked against `--version`: podman behind a `docker`
/// name is then probed as podman.
fn probe_docker(ask: &Ask) -> Result<Engine, EngineError> {
    let out = ask.output([
        "version",
        "--format",
        "{{.Client.Version}}|{{.Server.Version}}",
    ])?;
    let (client, server) = out
        .stdout
        .trim()
        .split_once('|')
        .unwrap_or((out.stdout.trim(), ""));
    let (client_version, server_version) = (client.to_string(), server.to_string());
    let not_dockers =
        !out.success || server_version.is_empty() || major(&client_version).is_some_and(|m| m < 17);
    if not_dockers {
        if let Ok(version) = ask.output(["--version"]) {
            if version.success && says_podman(&version.stdout) {
                return probe_podman(ask, &version.stdout);
            }
        }
    }
    if !out.success || server_version.is_empty() {
        return Err(docker_daemon_error(
            ask.program,
            &out.stderr,
            Chooser::from_env(),
        ));
    }
    let buildkit = if major(&client_version).is_some_and(|m| m < 23) {
        BuildKit::Builtin
    } else if ask.output(["buildx", "version"])?.success {
        BuildKit::Buildx
    } else {
        BuildKit::Missing
    };
    Ok(ask.engine(Kind::Docker, client_version, server_version, buildkit))
}

/// Podman, which said `version` (its `--version` output).
fn probe_podman(ask: &Ask, version: &str) -> Result<Engine, EngineError> {
    let info = ask.output(["info", "--format", "{{.Version.Version}}"])?;
    let server_version = info.stdout.trim().to_string();
    if !info.success || server_version.is_empty() {
        return Err(client_failed(ask.program, "info", &info.stderr));
    }
    Ok(ask.engine(
        Kind::Podman,
        version_number(version),
        server_version,
        BuildKit::Podman,
    ))
}

/// Why `program` did not start: it is not there, or what is there is not a
/// program, as told by `err` and a look at the path.
fn cannot_start(program: &Path, err: &std::io::Error) -> EngineError {
    // A bare name is looked up on PATH, not in the current directory.
    let is_path = program
        .parent()
        .is_some_and(|parent| !parent.as_os_str().is_empty());
    let path = || program.display().to_string();
    match err.kind() {
        std::io::ErrorKind::NotFound => not_installed(program),
        _ if is_path && program.is_dir() => EngineError::Directory { path: path() },
        std::io::ErrorKind::PermissionDenied if is_path => {
            EngineError::NotExecutable { path: path() }
        }
        _ => EngineError::CannotRun {
            program: path(),
            detail: err.to_string(),
        },
    }
}

fn not_installed(program: &Path) -> EngineError {
    EngineError::NotInstalled {
        tried: format!("`{}`", program.display()),
    }
}

/// The daemon's socket when nothing else is chosen; it not answering is the
/// one case where starting the local daemon is the fix.
const LOCAL_SOCKETS: [&str; 2] = ["unix:///var/run/docker.sock", "unix:///run/docker.sock"];

/// Why a docker client's `version` reached no daemon, from what it said
/// (`stderr`) and what chose the daemon (`chooser`, from the environment).
fn docker_daemon_error(program: &Path, stderr: &str, chooser: Option<Chooser>) -> EngineError {
    if stderr.to_lowercase().contains("permission denied") {
        return EngineError::PermissionDenied;
    }
    let program_name = program.display().to_string();
    match (chooser, endpoint_in(stderr)) {
        (Some(chooser), endpoint) => EngineError::Unreachable {
            program: program_name,
            endpoint,
            chooser,
        },
        (None, Some(endpoint)) if LOCAL_SOCKETS.contains(&endpoint.as_str()) => {
            EngineError::DaemonNotRunning {
                program: program_name,
                endpoint,
            }
        }
        (None, Some(endpoint)) => EngineError::Unreachable {
            program: program_name,
            endpoint: Some(endpoint),
            chooser: Chooser::CurrentContext,
        },
        (None, None) => client_failed(program, "version", stderr),
    }
}

/// The daemon address in a docker client's complaint: `Cannot connect to
/// the Docker daemon at ADDRESS. Is the docker daemon running?`, or `error
/// during connect: Get "http://HOST:PORT/v1.24/version": ...`.
fn endpoint_in(stderr: &str) -> Option<String> {
    if let Some((_, rest)) = stderr.split_once("Docker daemon at ") {
        let address = rest.split_whitespace().next()?.trim_end_matches('.');
        return (!address.is_empty()).then(|| address.to_string());
    }
    let (_, rest) = stderr.split_once("error during connect: ")?;
    let url = rest.split('"').nth(1)?;
    let (scheme, after) = url.split_once("://")?;
    let host = after.split('/').next()?;
    Some(format!("{scheme}://{host}"))
}

/// `program CALL` failed for a reason dockwright cannot tell: its own words.
fn client_failed(program: &Path, call: &str, stderr: &str) -> EngineError {
    let said = last_line(stderr);
    EngineError::ClientFailed {
        program: program.display().to_string(),
        call: format!("{} {call}", program.display()),
        said: if said.is_empty() {
            "it gave no reason".to_string()
        } else {
            said
        },
    }
}

/// `Docker version 28.2.2, build e6534b4` gives `28.2.2`.
fn version_number(text: &str) -> String {
    text.split(|c: char| c.is_whitespace() || c == ',')
        .find(|w| w.starts_with(|c: char| c.is_ascii_digit()) && w.contains('.'))
        .unwrap_or("unknown")
        .to_string()
}

fn major(version: &str) -> Option<u32> {
    version.split('.').next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::fake::Fake;

    const VERSIONS: &str = "version --format '{{.Client.Version}}|{{.Server.Version}}'";

    fn paths(list: &[&str]) -> Vec<PathBuf> {
        list.iter().map(PathBuf::from).collect()
    }

    /// The key of the version call of `program` in a `Fake`.
    fn versions(program: &str) -> String {
        format!("{program} {VERSIONS}")
    }

    #[test]
    fn skips_a_client_without_buildx_for_one_that_speaks_buildkit() {
        let fake = Fake::new(&[
            (
                &versions("/usr/local/bin/docker"),
                true,
                "28.2.2|20.10.24\n",
                "",
            ),
            (
                "/usr/local/bin/docker buildx version",
                false,
                "",
                "unknown command",
            ),
            (
                &versions("/usr/bin/docker"),
                true,
                "20.10.24+dfsg1|20.10.24\n",
                "",
            ),
        ]);
        let candidates = paths(&["/usr/local/bin/docker", "/usr/bin/docker"]);
        let engine = detect(&fake, &candidates, true, Patience::default()).unwrap();
        assert_eq!(engine.program, PathBuf::from("/usr/bin/docker"));
        assert_eq!(engine.buildkit, BuildKit::Builtin);
        assert_eq!(engine.client_version, "20.10.24+dfsg1");
        assert_eq!(engine.server_version, "20.10.24");
        let legacy_ok = detect(&fake, &candidates, false, Patience::default()).unwrap();
        assert_eq!(legacy_ok.program, PathBuf::from("/usr/local/bin/docker"));
    }

    #[test]
    fn a_new_client_with_buildx_uses_it() {
        let fake = Fake::new(&[
            (&versions("docker"), true, "28.2.2|28.2.2\n", ""),
            (
                "docker buildx version",
                true,
                "github.com/docker/buildx v0.20.0",
                "",
            ),
        ]);
        let engine = detect(&fake, &paths(&["docker"]), true, Patience::default()).unwrap();
        assert_eq!(engine.buildkit, BuildKit::Buildx);
    }

    #[test]
    fn says_buildkit_is_missing_when_no_client_has_it() {
        let fake = Fake::new(&[
            (&versions("docker"), true, "28.2.2|28.0.0\n", ""),
            ("docker buildx version", false, "", ""),
        ]);
        let err = detect(&fake, &paths(&["docker"]), true, Patience::default()).unwrap_err();
        assert_eq!(
            err,
            EngineError::BuildKitMissing {
                program: "docker".into()
            }
        );
        assert!(err.to_string().contains("docker-buildx-plugin"));
    }

    #[test]
    fn tells_a_locked_socket_from_an_unreachable_daemon() {
        let locked = Fake::new(&[(
            &versions("docker"),
            false,
            "20.10.24+dfsg1|\n",
            "permission denied while trying to connect to the Docker daemon socket",
        )]);
        assert_eq!(
            detect(&locked, &paths(&["docker"]), false, Patience::default()).unwrap_err(),
            EngineError::PermissionDenied
        );
    }

    /// What docker 20.10 says when it cannot reach the daemon at `address`.
    fn cannot_connect(address: &str) -> String {
        format!("Cannot connect to the Docker daemon at {address}. Is the docker daemon running?")
    }

    fn daemon_message(stderr: &str, chooser: Option<Chooser>) -> String {
        docker_daemon_error(Path::new("/usr/bin/docker"), stderr, chooser).to_string()
    }

    #[test]
    fn only_the_local_socket_not_answering_says_to_start_the_daemon() {
        let local = daemon_message(&cannot_connect("unix:///var/run/docker.sock"), None);
        assert!(
            local.contains("`unix:///var/run/docker.sock` is not running")
                && local.contains("systemctl start docker"),
            "{local}"
        );
        let elsewhere = [
            daemon_message(&cannot_connect("tcp://10.0.0.9:2375"), None),
            daemon_message(
                &cannot_connect("tcp://10.0.0.9:2375"),
                Some(Chooser::DockerHost("tcp://10.0.0.9:2375".into())),
            ),
            daemon_message(
                "unable to resolve docker endpoint: context \"lab\" does not exist",
                Some(Chooser::Context("lab".into())),
            ),
            daemon_message("the sky fell in", None),
        ];
        for message in elsewhere {
            assert!(!message.contains("systemctl"), "{message}");
        }
    }

    #[test]
    fn an_unreachable_daemon_names_the_endpoint_and_what_chose_it() {
        let context = daemon_message(&cannot_connect("tcp://10.0.0.9:2375"), None);
        assert!(
            context
                .contains("at `tcp://10.0.0.9:2375`, the endpoint of the current docker context")
                && context.contains("docker context ls"),
            "{context}"
        );
        let lookup = "error during connect: Get \"http://bogus:2375/v1.24/version\": dial tcp: lookup bogus: no such host";
        let host = daemon_message(lookup, Some(Chooser::DockerHost("bogus".into())));
        assert!(
            host.contains("at `bogus`, the endpoint that DOCKER_HOST chose"),
            "{host}"
        );
        assert_eq!(endpoint_in(lookup).as_deref(), Some("http://bogus:2375"));
        let named = daemon_message("", Some(Chooser::Context("lab".into())));
        assert!(
            named.contains("context `lab` that DOCKER_CONTEXT chose")
                && named.contains("docker context inspect lab"),
            "{named}"
        );
    }

    #[test]
    fn a_client_failing_for_another_reason_is_quoted() {
        let message = daemon_message("warming up\nthe sky fell in\n", None);
        assert!(
            message.contains("`/usr/bin/docker version` failed: the sky fell in;"),
            "{message}"
        );
        assert!(daemon_message("", None).contains("it gave no reason"));
    }

    #[test]
    fn nothing_installed_names_what_was_tried() {
        let err = detect(
            &Fake::new(&[]),
            &paths(&["/opt/docker"]),
            false,
            Patience::default(),
        )
        .unwrap_err();
        assert!(err.to_string().contains("`/opt/docker`"), "{err}");
        assert!(err.to_string().contains("DOCKWRIGHT_ENGINE"), "{err}");
    }

    /// podman-docker's `docker`: docker's version call fails on podman
    /// (no server when it runs locally), and `--version` tells who it is.
    #[test]
    fn a_docker_that_is_really_podman_is_podman() {
        let info = (
            "/usr/bin/docker info --format '{{.Version.Version}}'",
            true,
            "4.3.1\n",
            "",
        );
        let said = (
            "/usr/bin/docker --version",
            true,
            "podman version 4.3.1\n",
            "Emulate Docker CLI using podman. Create /etc/containers/nodocker to quiet msg.\n",
        );
        let failing = Fake::new(&[
            (
                &versions("/usr/bin/docker"),
                false,
                "4.3.1|",
                "template: version:1:34: executing \"version\" at <.Server.Version>: nil pointer evaluating *define.Version.Version",
            ),
            said,
            info,
        ]);
        let answering = Fake::new(&[
            (&versions("/usr/bin/docker"), true, "4.3.1|4.3.1\n", ""),
            said,
            info,
        ]);
        for fake in [failing, answering] {
            let engine = detect(
                &fake,
                &paths(&["/usr/bin/docker"]),
                true,
                Patience::default(),
            )
            .unwrap();
            assert_eq!(
                (engine.kind, engine.buildkit, engine.client_version.as_str()),
                (Kind::Podman, BuildKit::Podman, "4.3.1")
            );
        }
    }

    /// A client whose name says podman, but which says it is docker, is docker.
    #[test]
    fn a_podman_named_client_that_says_docker_is_docker() {
        let fake = Fake::new(&[
            (
                "/opt/podman-wrap --version",
                true,
                "Docker version 28.2.2, build e6534b4\n",
                "",
            ),
            (&versions("/opt/podman-wrap"), true, "28.2.2|26.1.5\n", ""),
            ("/opt/podman-wrap buildx version", true, "v0.13.1", ""),
        ]);
        let engine = detect(
            &fake,
            &paths(&["/opt/podman-wrap"]),
            true,
            Patience::default(),
        )
        .unwrap();
        assert_eq!(
            (engine.kind, engine.buildkit),
            (Kind::Docker, BuildKit::Buildx)
        );
    }

    #[test]
    fn a_chosen_daemon_that_does_not_answer_is_said_rather_than_podman_used() {
        let fake = Fake::new(&[
            (
                &versions("docker"),
                false,
                "28.2.2|\n",
                "Cannot connect to the Docker daemon at tcp://10.0.0.9:2376. Is the docker daemon running?",
            ),
            ("docker --version", true, "Docker version 28.2.2, build e6534b4", ""),
            ("podman --version", true, "podman version 4.3.1", ""),
            (
                "podman info --format '{{.Version.Version}}'",
                true,
                "4.3.1\n",
                "",
            ),
        ]);
        let err = detect(
            &fake,
            &paths(&["docker", "podman"]),
            true,
            Patience::default(),
        )
        .unwrap_err();
        assert!(matches!(err, EngineError::Unreachable { .. }), "{err}");
        assert!(err.to_string().contains("tcp://10.0.0.9:2376"), "{err}");
    }

    #[test]
    fn podman_builds_with_mounts_on_its_own() {
        let fake = Fake::new(&[
            ("podman --version", true, "podman version 4.3.1", ""),
            (
                "podman info --format '{{.Version.Version}}'",
                true,
                "4.3.1\n",
                "",
            ),
        ]);
        let engine = detect(&fake, &paths(&["podman"]), true, Patience::default()).unwrap();
        assert_eq!(
            (engine.kind, engine.buildkit),
            (Kind::Podman, BuildKit::Podman)
        );
    }
}
