//! Podman beside docker (Debian 12's podman 4.3 with buildah 1.28), its Docker Hub and ghcr.io
//! names mirrored to the local registry, so that its builds find the same base-image stand-ins
//! that dockerd's do.

use std::path::Path;

use anyhow::{bail, Context, Result};

use crate::{process, registry};

const MIRROR_CONFIG: &str = "/etc/containers/registries.conf.d/dockwright-mirror.conf";
const RUNTIME_CONFIG: &str = "/etc/containers/containers.conf.d/dockwright-runtime.conf";
/// Present on a host whose cgroups are hybrid (v1 controllers, v2 mounted beside them), where
/// podman's default runtime, crun, refuses every container: "cgroups in hybrid mode not
/// supported, drop all controllers from cgroupv2". runc runs them.
const HYBRID_CGROUPS: &str = "/sys/fs/cgroup/unified";

/// The registries.conf drop-in: every registry host the stand-ins are named after, mirrored
/// to the local registry, which has no TLS.
fn mirror_config() -> String {
    let mut text = String::from(
        "# Written by `cargo xtask engine`: base images come from dockwright's local registry.\n",
    );
    for host in ["docker.io", "ghcr.io"] {
        text.push_str(&format!(
            "\n[[registry]]\nlocation = \"{host}\"\n\n[[registry.mirror]]\nlocation = \"{}\"\ninsecure = true\n",
            registry::ADDRESS
        ));
    }
    text
}

/// Makes sure podman is installed, mirrors Docker Hub and ghcr.io to the local registry, and
/// runs containers with runc where crun cannot.
pub fn ensure() -> Result<()> {
    let podman = process::find("podman").context(
        "podman is not installed; help: run `sudo apt-get install -y podman`, then \
         `cargo xtask engine` again",
    )?;
    let mirrors = format!(
        "podman mirrors docker.io and ghcr.io to {}",
        registry::ADDRESS
    );
    configure(MIRROR_CONFIG, &mirror_config(), &mirrors)?;
    if let Some(runtime) = runtime_config() {
        configure(
            RUNTIME_CONFIG,
            &runtime,
            "podman's containers start on this host",
        )?;
    }
    println!(
        "engine: {}",
        process::first_line(&podman, &["--version"]).unwrap_or_else(|| "podman".to_owned())
    );
    Ok(())
}

/// What podman's containers need to start on this host, if anything: runc where cgroups are
/// hybrid, and limits no higher than this process's own where those are below the 1048576 open
/// files podman asks for (runc cannot raise them: "error setting rlimits ... operation not
/// permitted").
fn runtime_config() -> Option<String> {
    let mut text =
        String::from("# Written by `cargo xtask engine`: podman's containers start here.\n");
    let hard_files = std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|limits| hard_limit(&limits, "Max open files"));
    let low_limits = hard_files.filter(|files| *files < 1_048_576);
    if let Some(files) = low_limits {
        text.push_str(&format!(
            "\n[containers]\ndefault_ulimits = [\"nofile={files}:{files}\", \"nproc=4096:4096\"]\n"
        ));
    }
    let hybrid = Path::new(HYBRID_CGROUPS).is_dir();
    if hybrid {
        text.push_str("\n[engine]\nruntime = \"runc\"\n");
    }
    (low_limits.is_some() || hybrid).then_some(text)
}

/// The hard limit on the line `name` of /proc/self/limits.
fn hard_limit(limits: &str, name: &str) -> Option<u64> {
    let line = limits.lines().find(|line| line.starts_with(name))?;
    line[name.len()..].split_whitespace().nth(1)?.parse().ok()
}

/// Writes the configuration file `path` unless it already holds `wanted`, which `what` says.
fn configure(path: &str, wanted: &str, what: &str) -> Result<()> {
    if std::fs::read_to_string(path).ok().as_deref() == Some(wanted) {
        println!("engine: {what}");
        return Ok(());
    }
    if !process::is_root() {
        bail!("{path} is not as dockwright's tests need ({what}), and only root may write it; help: run `sudo cargo xtask engine`");
    }
    let dir = Path::new(path)
        .parent()
        .expect("an absolute path has a parent");
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    std::fs::write(path, wanted).with_context(|| format!("writing {path}"))?;
    println!("engine: wrote {path}: {what}");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hard_limits_are_read_from_proc_limits() {
        let limits = "Limit                     Soft Limit           Hard Limit           Units     \n\
                      Max processes             96362                96362                processes \n\
                      Max open files            1024                 20000                files     \n";
        assert_eq!(hard_limit(limits, "Max open files"), Some(20000));
        assert_eq!(hard_limit(limits, "Max processes"), Some(96362));
        assert_eq!(hard_limit(limits, "Max locked memory"), None);
    }

    #[test]
    fn the_mirror_config_sends_both_hosts_to_the_local_registry_without_tls() {
        let config: toml::Table = toml::from_str(&mirror_config()).unwrap();
        let registries = config["registry"].as_array().unwrap();
        let hosts: Vec<&str> = registries
            .iter()
            .map(|r| r["location"].as_str().unwrap())
            .collect();
        assert_eq!(hosts, ["docker.io", "ghcr.io"]);
        for registry in registries {
            let mirror = &registry["mirror"][0];
            assert_eq!(mirror["location"].as_str(), Some(registry::ADDRESS));
            assert_eq!(mirror["insecure"].as_bool(), Some(true));
        }
    }
}
