//! The remote BuildKit the end-to-end tests build on, standing in for a team's build cluster:
//! `../shared/bin/buildkitd` run as root with the OCI worker, its bases pulled from the local
//! registry only (it cannot see the daemon's images), registered with buildx as
//! `dockwright-remote`. Where that binary is missing, a `docker-container` builder of the same
//! name does the job.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use crate::{process, workspace};

/// The builder's name, which the end-to-end tests build on.
pub const NAME: &str = "dockwright-remote";
/// The registry xtask starts, which buildkitd mirrors docker.io and ghcr.io to.
const REGISTRY: &str = "127.0.0.1:5000";
const START_TIMEOUT: Duration = Duration::from_secs(60);
const INSPECT_TIMEOUT: Duration = Duration::from_secs(30);

/// Makes sure `docker buildx inspect dockwright-remote` answers, starting buildkitd and
/// registering it when it does not; `docker` is a client with the buildx plugin.
pub fn ensure(docker: &Path) -> Result<()> {
    if !process::succeeds(docker, &["buildx", "version"]) {
        println!(
            "builder: `{} buildx` is missing, so there is no `{NAME}` builder; the tests that need it say so",
            docker.display()
        );
        return Ok(());
    }
    if answers(docker) {
        println!("builder: `{NAME}` answers; using it");
        return Ok(());
    }
    // A registration left from an earlier run points at a daemon that is gone.
    if process::succeeds(docker, &["buildx", "inspect", NAME]) {
        process::shown(docker, &["buildx", "rm", NAME]).run()?;
    }
    let Some(buildkitd) = shipped_buildkitd() else {
        println!(
            "builder: no {} here, so `{NAME}` is a docker-container builder instead, which pulls BuildKit's image from Docker Hub",
            shared_bin().join("buildkitd").display()
        );
        process::shown(
            docker,
            &[
                "buildx",
                "create",
                "--name",
                NAME,
                "--driver",
                "docker-container",
            ],
        )
        .run()
        .context("could not create the docker-container builder")?;
        return bootstrap(docker);
    };
    if !process::is_root() {
        bail!(
            "buildkitd runs as root with the OCI worker; help: run `cargo xtask engine` as root, \
             or create a builder yourself with `docker buildx create --name {NAME} --driver docker-container`"
        );
    }
    if !registry_answers() {
        println!(
            "builder: warning: the registry at {REGISTRY} does not answer; `{NAME}` pulls every base image from it"
        );
    }
    let dir = workspace::target("engine").join("buildkit");
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let socket = dir.join("buildkitd.sock");
    if UnixStream::connect(&socket).is_ok() {
        println!("builder: buildkitd answers on {}", socket.display());
    } else {
        start(&buildkitd, &dir, &socket)?;
    }
    let endpoint = format!("unix://{}", socket.display());
    process::shown(
        docker,
        &[
            "buildx", "create", "--name", NAME, "--driver", "remote", &endpoint,
        ],
    )
    .run()
    .context("could not register buildkitd with buildx")?;
    bootstrap(docker)
}

/// Whether the builder is registered and its BuildKit answers.
fn answers(docker: &Path) -> bool {
    process::succeeds_within(
        &process::quiet(docker, &["buildx", "inspect", "--bootstrap", NAME]),
        INSPECT_TIMEOUT,
    )
}

fn bootstrap(docker: &Path) -> Result<()> {
    process::shown(docker, &["buildx", "inspect", "--bootstrap", NAME])
        .stdout_null()
        .run()
        .with_context(|| format!("the builder `{NAME}` does not answer"))?;
    println!("builder: `{NAME}` answers");
    Ok(())
}

/// `../shared/bin` beside the workspace, where the machine keeps binaries the tests may use.
fn shared_bin() -> PathBuf {
    workspace::root().join("../shared/bin")
}

fn shipped_buildkitd() -> Option<PathBuf> {
    let path = shared_bin().join("buildkitd");
    path.is_file().then_some(path)
}

/// The configuration: the OCI worker with Debian's runc, the socket, and the local registry
/// as the mirror (over plain HTTP) of the hosts the base images come from.
fn config(dir: &Path, socket: &Path) -> String {
    format!(
        r#"root = "{root}"

[grpc]
  address = ["unix://{socket}"]

[worker.oci]
  enabled = true

[worker.containerd]
  enabled = false

[registry."docker.io"]
  mirrors = ["{REGISTRY}"]

[registry."ghcr.io"]
  mirrors = ["{REGISTRY}"]

[registry."{REGISTRY}"]
  http = true
"#,
        root = dir.join("root").display(),
        socket = socket.display(),
    )
}

/// Starts buildkitd in a session of its own (it outlives xtask and a closed terminal), its
/// output in a log, and waits until its socket accepts connections.
fn start(buildkitd: &Path, dir: &Path, socket: &Path) -> Result<()> {
    let config_path = dir.join("buildkitd.toml");
    std::fs::write(&config_path, config(dir, socket))
        .with_context(|| format!("writing {}", config_path.display()))?;
    let _ = std::fs::remove_file(socket);
    let log_path = dir.join("buildkitd.log");
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log_path)
        .with_context(|| format!("opening {}", log_path.display()))?;
    let args = [
        buildkitd.as_os_str(),
        "--config".as_ref(),
        config_path.as_os_str(),
    ];
    // setsid execs buildkitd in place (its caller is not a group leader), so the pid is
    // buildkitd's own.
    let handle = process::shown("setsid", &args)
        .stdin_null()
        .stderr_to_stdout()
        .stdout_file(log)
        .unchecked()
        .start()
        .context("could not start buildkitd")?;
    let pid = handle.pids().first().copied().unwrap_or_default();
    std::fs::write(dir.join("buildkitd.pid"), format!("{pid}\n"))?;
    println!("  (its output goes to {})", log_path.display());
    let deadline = Instant::now() + START_TIMEOUT;
    while UnixStream::connect(socket).is_err() {
        if Instant::now() > deadline || handle.try_wait().ok().flatten().is_some() {
            bail!(
                "buildkitd did not answer on {} within {} s; the end of {}:\n{}",
                socket.display(),
                START_TIMEOUT.as_secs(),
                log_path.display(),
                process::log_tail(&log_path, 15)
            );
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    println!(
        "builder: buildkitd (pid {pid}) answers on {}; stop it with `kill {pid}`",
        socket.display()
    );
    Ok(())
}

/// Whether `GET /v2/` of the local registry answers, as a registry does.
fn registry_answers() -> bool {
    let Ok(mut stream) = TcpStream::connect(REGISTRY) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let request = format!("GET /v2/ HTTP/1.0\r\nHost: {REGISTRY}\r\n\r\n");
    let mut response = String::new();
    stream.write_all(request.as_bytes()).is_ok()
        && stream.read_to_string(&mut response).is_ok()
        && response.starts_with("HTTP/1.")
        && response.contains(" 200 ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_config_mirrors_both_registries_to_the_local_one_over_http() {
        let text = config(Path::new("/t/buildkit"), Path::new("/t/buildkit/b.sock"));
        let parsed: toml::Table = toml::from_str(&text).unwrap();
        assert_eq!(parsed["root"].as_str(), Some("/t/buildkit/root"));
        assert_eq!(
            parsed["grpc"]["address"][0].as_str(),
            Some("unix:///t/buildkit/b.sock")
        );
        assert_eq!(parsed["worker"]["oci"]["enabled"].as_bool(), Some(true));
        assert_eq!(
            parsed["worker"]["containerd"]["enabled"].as_bool(),
            Some(false)
        );
        for host in ["docker.io", "ghcr.io"] {
            assert_eq!(
                parsed["registry"][host]["mirrors"][0].as_str(),
                Some(REGISTRY),
                "{host}"
            );
        }
        assert_eq!(parsed["registry"][REGISTRY]["http"].as_bool(), Some(true));
    }
}
