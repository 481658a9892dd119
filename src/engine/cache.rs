//! BuildKit's cache mounts (`RUN --mount=type=cache`), found by the id a
//! Dockerfile gives them, so that a cold build empties only the ones it
//! uses and `clean` removes only a project's own: never another project's.

use std::path::PathBuf;

use super::{last_line, BuildKit, Cmd, Engine, EngineError, Runner};

/// One cache mount in the builder's cache.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheMount {
    /// The cache record's id, by which it is pruned.
    pub record: String,
    /// The mount's `id=` (its target path when the Dockerfile gave none).
    pub id: String,
    pub bytes: u64,
}

/// How a Dockerfile's mount id and the builder's record of it compare: a
/// default id is the target path, which BuildKit writes with a leading `//`.
pub fn same_id(a: &str, b: &str) -> bool {
    a.trim_start_matches('/') == b.trim_start_matches('/')
}

impl Engine {
    /// The cache mounts in the builder's cache (`buildx du --verbose`), or
    /// `None` when this engine cannot list them: a client without buildx,
    /// or podman.
    pub fn cache_mounts(
        &self,
        runner: &dyn Runner,
    ) -> Result<Option<Vec<CacheMount>>, EngineError> {
        if self.buildkit != BuildKit::Buildx {
            return Ok(None);
        }
        let mut args = vec!["buildx".to_string(), "du".into(), "--verbose".into()];
        if let Some(builder) = &self.builder {
            args.extend(["--builder".into(), builder.name.clone()]);
        }
        let mut cmd = self.cmd(args);
        cmd.timeout = Some(self.patience.query());
        let out = self.call(runner, cmd)?;
        if !out.success {
            return Err(EngineError::Stopped {
                program: self.program.display().to_string(),
                detail: format!("`buildx du --verbose` failed: {}", last_line(&out.stderr)),
            });
        }
        Ok(Some(parse_du(&out.stdout)))
    }

    /// The command that removes the cache record `record` and nothing else.
    pub fn prune_record_cmd(&self, record: &str) -> Cmd {
        let mut args = vec!["buildx".to_string(), "prune".into(), "-f".into()];
        if let Some(builder) = &self.builder {
            args.extend(["--builder".into(), builder.name.clone()]);
        }
        args.extend(["--filter".into(), format!("id={record}")]);
        let mut cmd = self.cmd(args);
        cmd.timeout = Some(self.patience.prune());
        cmd
    }
}

/// Where podman (buildah 1.28) keeps its cache mounts when it runs on this
/// machine, a directory per id: `buildah-cache` in `$TMPDIR` (else
/// /var/tmp), `-UID` added for any user but root. A remote podman (podman
/// machine) keeps them in its VM, out of dockwright's reach.
fn podman_cache_dir() -> PathBuf {
    let tmp = std::env::var_os("TMPDIR")
        .filter(|dir| !dir.is_empty())
        .map_or_else(|| PathBuf::from("/var/tmp"), PathBuf::from);
    match std::fs::metadata("/proc/self").map(|me| std::os::unix::fs::MetadataExt::uid(&me)) {
        Ok(uid) if uid != 0 => tmp.join(format!("buildah-cache-{uid}")),
        _ => tmp.join("buildah-cache"),
    }
}

/// The directory of the podman cache mount `id` (its target path when the
/// Dockerfile gave no id) on this machine.
pub fn podman_cache_mount_dir(id: &str) -> PathBuf {
    podman_cache_dir().join(id.trim_start_matches('/'))
}

/// The podman cache mounts on this machine, by id, and their directories.
pub fn podman_cache_mounts() -> Vec<(String, PathBuf)> {
    let mut found: Vec<(String, PathBuf)> = std::fs::read_dir(podman_cache_dir())
        .map(|entries| {
            entries
                .flatten()
                .map(|entry| {
                    (
                        entry.file_name().to_string_lossy().into_owned(),
                        entry.path(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    found
}

/// The cache mounts in `buildx du --verbose`'s blocks of `Key: value` lines.
fn parse_du(text: &str) -> Vec<CacheMount> {
    let mut found = Vec::new();
    for block in text.split("\n\n") {
        let field = |key: &str| {
            block.lines().find_map(|line| {
                let (name, value) = line.split_once(':')?;
                (name.trim() == key).then(|| value.trim())
            })
        };
        if field("Type") != Some("exec.cachemount") {
            continue;
        }
        let (Some(record), Some(description)) = (field("ID"), field("Description")) else {
            continue;
        };
        let Some(id) = description
            .rsplit_once(" with id \"")
            .map(|(_, id)| id.trim_end_matches('"'))
        else {
            continue;
        };
        found.push(CacheMount {
            record: record.to_string(),
            id: id.to_string(),
            bytes: field("Size").and_then(human_bytes).unwrap_or(0),
        });
    }
    found
}

/// A size as buildx prints it (`12.5MB`, `0B`: decimal units).
fn human_bytes(text: &str) -> Option<u64> {
    let split = text.find(|c: char| c.is_ascii_alphabetic())?;
    let (number, unit) = text.split_at(split);
    let number: f64 = number.trim().parse().ok()?;
    let scale = match unit.trim().to_ascii_lowercase().as_str() {
        "b" => 1.0,
        "kb" => 1e3,
        "mb" => 1e6,
        "gb" => 1e9,
        "tb" => 1e12,
        _ => return None,
    };
    Some((number * scale).round() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What buildx 0.13.1 printed here, one record of each kind.
    const DU: &str = "ID:\t\toi6fjnf9e7vfv0gvu3sj66pmt
Parent:\t\tw3ff0uxitgkl8x0666oj2865y
Created at:\t2026-12-02 14:18:52.723906486 +0000 UTC
Mutable:\ttrue
Reclaimable:\ttrue
Shared:\t\tfalse
Size:\t\t12.5MB
Description:\tcached mount /root/.cache/pip from exec /bin/sh -c python -m pip install -r requirements.txt with id \"dockwright-shop-pip\"
Usage count:\t2
Last used:\t2 minutes ago
Type:\t\texec.cachemount

ID:\t\tx1
Size:\t\t0B
Description:\tcached mount /root/.cache/pip from exec /bin/sh -c pip install flask with id \"//root/.cache/pip\"
Type:\t\texec.cachemount

ID:\t\tl1
Size:\t\t1.2GB
Description:\tpulled from docker.io/library/python:3.13
Type:\t\tregular

Shared:\t\t0B
Private:\t1.2GB
Reclaimable:\t1.2GB
Total:\t\t1.2GB
";

    #[test]
    fn cache_mounts_are_read_with_their_ids_and_sizes_and_nothing_else() {
        assert_eq!(
            parse_du(DU),
            [
                CacheMount {
                    record: "oi6fjnf9e7vfv0gvu3sj66pmt".into(),
                    id: "dockwright-shop-pip".into(),
                    bytes: 12_500_000
                },
                CacheMount {
                    record: "x1".into(),
                    id: "//root/.cache/pip".into(),
                    bytes: 0
                },
            ]
        );
        assert!(same_id("//root/.cache/pip", "/root/.cache/pip"));
        assert!(!same_id("dockwright-shop-pip", "dockwright-shop-uv"));
    }

    #[test]
    fn sizes_read_in_decimal_units() {
        assert_eq!(human_bytes("0B"), Some(0));
        assert_eq!(human_bytes("1.5kB"), Some(1500));
        assert_eq!(human_bytes("2GB"), Some(2_000_000_000));
        assert_eq!(human_bytes("lots"), None);
    }
}
