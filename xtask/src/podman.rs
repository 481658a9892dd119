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
    if Path::new(HYBRID_CGROUPS).is_dir() {
        let runtime = "# Written by `cargo xtask engine`: crun refuses hybrid cgroups.\n\
                       [engine]\nruntime = \"runc\"\n";
        configure(
            RUNTIME_CONFIG,
            runtime,
            "podman runs containers with runc (hybrid cgroups)",
        )?;
    }
    println!(
        "engine: {}",
        process::first_line(&podman, &["--version"]).unwrap_or_else(|| "podman".to_owned())
    );
    Ok(())
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
