//! Docker 26 with buildx and a registry, from Debian 13, on the Debian 12 that CI runs on (see
//! ENVIRONMENT.md). The `.deb`s are fetched with a private apt configuration, so that the
//! machine's own sources stay Debian 12's, and installed with `apt-get install ./FILE.deb`, so
//! that Debian 12 provides their dependencies (containerd, runc, tini, iptables).

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use crate::{process, workspace};

/// The Debian 13 packages, each with what tells that the machine already has what it brings.
const PACKAGES: &[Package] = &[
    Package {
        name: "docker.io",
        present: daemon_builds_with_buildx,
        reason: "no dockerd, or one older than 23 (Debian 12's is 20.10): the tests build \
                 through buildx, as `docker build` does since Docker 23",
    },
    Package {
        name: "docker-buildx",
        present: client_has_buildx,
        reason: "the docker client first on PATH has no buildx plugin",
    },
    Package {
        name: "docker-registry",
        present: || process::find("docker-registry").is_some(),
        reason: "the base-image stand-ins are served from a local registry",
    },
];

/// The first major version of Docker whose `docker build` is buildx.
const BUILDX_ERA: u32 = 23;

struct Package {
    name: &'static str,
    present: fn() -> bool,
    reason: &'static str,
}

/// Installs those of Debian 13's docker.io, docker-buildx and docker-registry whose job nothing
/// on the machine does yet. `stop_daemon` runs before a running dockerd is replaced.
pub fn ensure(stop_daemon: impl FnOnce() -> Result<()>) -> Result<()> {
    let missing: Vec<&Package> = PACKAGES.iter().filter(|p| !(p.present)()).collect();
    if missing.is_empty() {
        println!("engine: dockerd 23 or later, buildx and docker-registry are installed");
        return Ok(());
    }
    for package in &missing {
        println!("engine: needs {}: {}", package.name, package.reason);
    }
    if !process::is_root() || !Path::new("/etc/debian_version").exists() {
        let names: Vec<&str> = missing.iter().map(|p| p.name).collect();
        bail!(
            "xtask installs {} only as root on Debian; help: install Docker Engine 23 or later \
             with its buildx plugin and Distribution's registry \
             (https://docs.docker.com/engine/install/), then run `cargo xtask engine` again",
            names.join(", ")
        );
    }
    let debs = download()?;
    let wanted: Vec<&PathBuf> = missing
        .iter()
        .map(|package| {
            &debs[PACKAGES
                .iter()
                .position(|p| p.name == package.name)
                .unwrap()]
        })
        .collect();
    if missing.iter().any(|p| p.name == "docker.io") {
        stop_daemon()?;
    }
    println!("engine: installing Debian 13's packages; Debian 12 provides their dependencies");
    process::shown("apt-get", &["update"])
        .env("DEBIAN_FRONTEND", "noninteractive")
        .run()
        .context("`apt-get update` failed")?;
    let mut args = vec!["install".as_ref(), "-y".as_ref()];
    args.extend(wanted.iter().map(|deb| deb.as_os_str()));
    process::shown("apt-get", &args)
        .env("DEBIAN_FRONTEND", "noninteractive")
        // needrestart, which docker.io recommends, would otherwise restart whatever else runs
        // on the machine with a library the upgrade touched.
        .env("NEEDRESTART_MODE", "l")
        .run()
        .context("installing Debian 13's docker packages failed")?;
    Ok(())
}

/// The `.deb`s of [`PACKAGES`], in that order, from `target/engine/debs/`, where they stay for
/// the next run; fetched with apt when one is missing.
fn download() -> Result<Vec<PathBuf>> {
    let apt_dir = workspace::target("engine").join("apt");
    let debs_dir = workspace::target("engine").join("debs");
    if let Some(debs) = cached(&debs_dir) {
        println!(
            "engine: Debian 13's .debs are cached in {}",
            debs_dir.display()
        );
        return Ok(debs);
    }
    let mirror = crate::apt_mirror::host_mirror();
    println!("engine: fetching Debian 13's .debs from {mirror} with a private apt configuration");
    for dir in [
        apt_dir.join("sources.list.d"),
        apt_dir.join("lists/partial"),
        apt_dir.join("cache/archives/partial"),
        debs_dir.clone(),
    ] {
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let sources = apt_dir.join("sources.list");
    std::fs::write(&sources, format!("deb {mirror} trixie main\n"))
        .with_context(|| format!("writing {}", sources.display()))?;
    let options = private_options(&apt_dir, &sources);
    let run = |verb: &[&str]| -> Result<()> {
        let mut args: Vec<&str> = options.iter().map(String::as_str).collect();
        args.extend(verb);
        process::shown("apt-get", &args)
            .dir(&debs_dir)
            .run()
            .with_context(|| format!("`apt-get {}` with Debian 13's sources failed", verb[0]))?;
        Ok(())
    };
    run(&["update"])?;
    // Only a missing package brings us here: what is left is from an older download.
    for stale in cached_debs(&debs_dir) {
        std::fs::remove_file(&stale).with_context(|| format!("removing {}", stale.display()))?;
    }
    let mut download = vec!["download"];
    download.extend(PACKAGES.iter().map(|p| p.name));
    run(&download)?;
    cached(&debs_dir).with_context(|| {
        format!(
            "`apt-get download` left no .deb of each of {} in {}",
            PACKAGES
                .iter()
                .map(|p| p.name)
                .collect::<Vec<_>>()
                .join(", "),
            debs_dir.display()
        )
    })
}

/// apt's options for a configuration of its own under `apt_dir`: its sources, lists and cache,
/// and no view of the packages the machine has (every package counts as not installed).
fn private_options(apt_dir: &Path, sources: &Path) -> Vec<String> {
    [
        ("Dir::Etc::sourcelist", sources.to_path_buf()),
        ("Dir::Etc::sourceparts", apt_dir.join("sources.list.d")),
        ("Dir::State::Lists", apt_dir.join("lists")),
        ("Dir::Cache", apt_dir.join("cache")),
        ("Dir::State::status", PathBuf::from("/dev/null")),
        // As root, apt downloads as the `_apt` user, who may not write in target/.
        ("APT::Sandbox::User", PathBuf::from("root")),
    ]
    .into_iter()
    .flat_map(|(key, value)| ["-o".to_string(), format!("{key}={}", value.display())])
    .collect()
}

/// The `.deb` of each package in `dir`, in [`PACKAGES`] order, if all are there.
fn cached(dir: &Path) -> Option<Vec<PathBuf>> {
    let debs = cached_debs(dir);
    PACKAGES
        .iter()
        .map(|package| {
            let prefix = format!("{}_", package.name);
            debs.iter()
                .find(|path| {
                    path.file_name()
                        .is_some_and(|name| name.to_string_lossy().starts_with(&prefix))
                })
                .cloned()
        })
        .collect()
}

fn cached_debs(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|entry| entry.path())
                .filter(|path| path.extension().is_some_and(|ext| ext == "deb"))
                .collect()
        })
        .unwrap_or_default()
}

fn daemon_builds_with_buildx() -> bool {
    let Some(dockerd) = process::find("dockerd") else {
        return false;
    };
    process::first_line(&dockerd, &["--version"])
        .and_then(|line| major_version(&line))
        .is_some_and(|major| major >= BUILDX_ERA)
}

fn client_has_buildx() -> bool {
    process::find("docker").is_some_and(|docker| process::succeeds(docker, &["buildx", "version"]))
}

/// `Docker version 20.10.24+dfsg1, build 5d6db84` gives 20.
fn major_version(line: &str) -> Option<u32> {
    let version = line.strip_prefix("Docker version ")?;
    version.split('.').next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_daemon_version_is_read_from_its_banner() {
        assert_eq!(
            major_version("Docker version 20.10.24+dfsg1, build 5d6db84"),
            Some(20)
        );
        assert_eq!(
            major_version("Docker version 26.1.5+dfsg1, build a72d7cd"),
            Some(26)
        );
        assert_eq!(major_version("dockerd: command not found"), None);
    }

    #[test]
    fn the_private_configuration_never_reads_the_machines_sources_or_status() {
        let options = private_options(Path::new("/t/apt"), Path::new("/t/apt/sources.list"));
        let pairs: Vec<&str> = options
            .iter()
            .skip(1)
            .step_by(2)
            .map(String::as_str)
            .collect();
        assert_eq!(
            pairs,
            [
                "Dir::Etc::sourcelist=/t/apt/sources.list",
                "Dir::Etc::sourceparts=/t/apt/sources.list.d",
                "Dir::State::Lists=/t/apt/lists",
                "Dir::Cache=/t/apt/cache",
                "Dir::State::status=/dev/null",
                "APT::Sandbox::User=root",
            ]
        );
    }

    #[test]
    fn the_cache_serves_only_when_it_holds_every_package() {
        let dir = std::env::temp_dir().join(format!("xtask-debs-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for name in [
            "docker-registry_2.8.3+ds1-1_amd64.deb",
            "docker-buildx_0.13.1+ds1-3_amd64.deb",
            "docker.io_26.1.5+dfsg1-9_amd64.deb.partial",
        ] {
            std::fs::write(dir.join(name), "").unwrap();
        }
        let without_docker_io = cached(&dir);
        std::fs::write(dir.join("docker.io_26.1.5+dfsg1-9_amd64.deb"), "").unwrap();
        let names: Option<Vec<String>> = cached(&dir).map(|debs| {
            debs.iter()
                .map(|path| path.file_name().unwrap().to_string_lossy().into_owned())
                .collect()
        });
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(without_docker_io, None);
        assert_eq!(
            names.unwrap(),
            [
                "docker.io_26.1.5+dfsg1-9_amd64.deb",
                "docker-buildx_0.13.1+ds1-3_amd64.deb",
                "docker-registry_2.8.3+ds1-1_amd64.deb",
            ]
        );
    }
}
