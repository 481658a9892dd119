//! A registry on 127.0.0.1:5000 (Distribution's `docker-registry`), as users pull from: the
//! base-image stand-ins are pushed there under their official names, and dockerd takes it as
//! its mirror of Docker Hub, so `FROM python:3.13-slim`, `docker pull` and `--pull` resolve
//! through a registry and images carry real RepoDigests.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use serde_json::{Map, Value};

use crate::{process, workspace};

/// Where the registry listens; only this machine reaches it.
pub const ADDRESS: &str = "127.0.0.1:5000";

const DAEMON_CONFIG: &str = "/etc/docker/daemon.json";
const START_TIMEOUT: Duration = Duration::from_secs(30);
const HTTP_TIMEOUT: Duration = Duration::from_secs(5);

/// The mirror dockerd is given, `http://` because the registry has no TLS.
fn mirror() -> String {
    format!("http://{ADDRESS}")
}

/// Adds the registry to `registry-mirrors` in /etc/docker/daemon.json, keeping every other
/// setting there. Returns whether the file changed, which a running dockerd must be told.
pub fn configure_mirror() -> Result<bool> {
    let path = Path::new(DAEMON_CONFIG);
    let text = match std::fs::read_to_string(path) {
        Ok(text) => Some(text),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => None,
        Err(err) => return Err(err).with_context(|| format!("reading {DAEMON_CONFIG}")),
    };
    let Some(updated) = with_mirror(text.as_deref(), &mirror())? else {
        println!(
            "engine: {DAEMON_CONFIG} names {} as a registry mirror",
            mirror()
        );
        return Ok(false);
    };
    if !process::is_root() {
        bail!(
            "{DAEMON_CONFIG} does not name {} as a registry mirror, and only root may change it; \
             help: run `sudo cargo xtask engine`",
            mirror()
        );
    }
    println!(
        "engine: adding {} to registry-mirrors in {DAEMON_CONFIG}",
        mirror()
    );
    let dir = path.parent().expect("an absolute path has a parent");
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let partial = dir.join("daemon.json.dockwright-partial");
    std::fs::write(&partial, updated).with_context(|| format!("writing {}", partial.display()))?;
    std::fs::rename(&partial, path).with_context(|| format!("replacing {DAEMON_CONFIG}"))?;
    Ok(true)
}

/// `text` (a daemon.json, or none) with `mirror` added to its `registry-mirrors`; `None` when
/// it is there already.
fn with_mirror(text: Option<&str>, mirror: &str) -> Result<Option<String>> {
    let mut config: Map<String, Value> = match text {
        Some(text) if !text.trim().is_empty() => serde_json::from_str(text).with_context(|| {
            format!("{DAEMON_CONFIG} is not a JSON object; help: correct it or move it away")
        })?,
        _ => Map::new(),
    };
    let mirrors = config
        .entry("registry-mirrors")
        .or_insert_with(|| Value::Array(Vec::new()));
    let Some(mirrors) = mirrors.as_array_mut() else {
        bail!("`registry-mirrors` in {DAEMON_CONFIG} is not a list; help: make it one, e.g. [\"{mirror}\"]");
    };
    let listed = mirrors
        .iter()
        .any(|m| m.as_str().map(|m| m.trim_end_matches('/')) == Some(mirror));
    if listed {
        return Ok(None);
    }
    mirrors.push(Value::String(mirror.to_owned()));
    Ok(Some(format!(
        "{}\n",
        serde_json::to_string_pretty(&config).context("writing daemon.json")?
    )))
}

/// Makes sure a registry answers on [`ADDRESS`]: the one running already, or a new one started
/// detached (like dockerd) with its configuration and storage under `target/engine/registry/`.
pub fn ensure_running() -> Result<()> {
    if answers() {
        println!("engine: the registry on {ADDRESS} answers; using it");
        return Ok(());
    }
    let dir = workspace::target("engine").join("registry");
    let storage = dir.join("storage");
    std::fs::create_dir_all(&storage).with_context(|| format!("creating {}", storage.display()))?;
    let config = dir.join("config.yml");
    std::fs::write(&config, config_yaml(&storage))
        .with_context(|| format!("writing {}", config.display()))?;
    let registry = process::find("docker-registry")
        .context("docker-registry is not installed; help: run `cargo xtask engine` as root")?;
    let log_path = dir.join("registry.log");
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log_path)
        .with_context(|| format!("opening {}", log_path.display()))?;
    println!(
        "engine: starting a registry on {ADDRESS}, storage {}",
        storage.display()
    );
    // --fork: init adopts the registry, which outlives xtask and its terminal.
    process::shown(
        "setsid",
        &[
            "--fork".as_ref(),
            registry.as_os_str(),
            "serve".as_ref(),
            config.as_os_str(),
        ],
    )
    .stdin_null()
    .stderr_to_stdout()
    .stdout_file(log)
    .run()
    .context("could not start docker-registry")?;
    let deadline = Instant::now() + START_TIMEOUT;
    while Instant::now() < deadline {
        if answers() {
            println!("engine: the registry answers; log {}", log_path.display());
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    bail!(
        "the registry did not answer on {ADDRESS} within {} s; the end of {}:\n{}",
        START_TIMEOUT.as_secs(),
        log_path.display(),
        process::log_tail(&log_path, 15)
    )
}

fn config_yaml(storage: &Path) -> String {
    format!(
        "version: 0.1\n\
         log:\n  level: warn\n\
         storage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\n\
         http:\n  addr: {ADDRESS}\n",
        storage.display()
    )
}

/// Whether `GET /v2/` answers 200, as a registry does.
pub fn answers() -> bool {
    request("GET", "/v2/", &[]).is_ok_and(|response| response.status == 200)
}

/// What the registry holds as `repository:tag`: an image's manifest, or a manifest list that
/// names one image per architecture.
pub struct Manifest {
    /// The digest the tag resolves to, which a pull records in RepoDigests: the list's own
    /// when the tag names a list.
    pub digest: String,
    /// The digest of the configuration of the image for `arch` (a list's entry for it), which
    /// is the image's id in dockerd.
    pub config: String,
    /// A list's entries, as (architecture, manifest digest); empty for a single manifest.
    pub entries: Vec<(String, String)>,
}

const IMAGE_TYPES: &str = "application/vnd.docker.distribution.manifest.v2+json, \
                           application/vnd.oci.image.manifest.v1+json";
const LIST_TYPES: &str = "application/vnd.docker.distribution.manifest.list.v2+json, \
                          application/vnd.oci.image.index.v1+json";

/// The manifest under `repository:reference` (a tag or a digest), if the registry holds one,
/// with its image for `arch` (Docker's name, `amd64`) when it is a list.
pub fn manifest(repository: &str, reference: &str, arch: &str) -> Option<Manifest> {
    let (digest, body) = get_manifest(
        repository,
        reference,
        &format!("{IMAGE_TYPES}, {LIST_TYPES}"),
    )?;
    let Some(list) = body["manifests"].as_array() else {
        return Some(Manifest {
            digest,
            config: body["config"]["digest"].as_str()?.to_owned(),
            entries: Vec::new(),
        });
    };
    let entries: Vec<(String, String)> = list
        .iter()
        .filter_map(|entry| {
            Some((
                entry["platform"]["architecture"].as_str()?.to_owned(),
                entry["digest"].as_str()?.to_owned(),
            ))
        })
        .collect();
    let (_, image) = entries.iter().find(|(entry_arch, _)| entry_arch == arch)?;
    let (_, image) = get_manifest(repository, image, IMAGE_TYPES)?;
    Some(Manifest {
        digest,
        config: image["config"]["digest"].as_str()?.to_owned(),
        entries,
    })
}

/// The digest and body of the manifest under `repository:reference`, as one of `accept`.
fn get_manifest(repository: &str, reference: &str, accept: &str) -> Option<(String, Value)> {
    let response = request(
        "GET",
        &format!("/v2/{repository}/manifests/{reference}"),
        &[("Accept", accept)],
    )
    .ok()?;
    if response.status != 200 {
        return None;
    }
    let body: Value = serde_json::from_str(&response.body).ok()?;
    Some((response.header("docker-content-digest")?, body))
}

struct Response {
    status: u16,
    head: String,
    body: String,
}

impl Response {
    fn header(&self, name: &str) -> Option<String> {
        self.head.lines().skip(1).find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.trim()
                .eq_ignore_ascii_case(name)
                .then(|| value.trim().to_owned())
        })
    }
}

/// One HTTP/1.0 request to the registry: a plain socket is all a local registry without TLS
/// needs, and spares xtask an HTTP client.
fn request(method: &str, path: &str, headers: &[(&str, &str)]) -> std::io::Result<Response> {
    let address = ADDRESS.parse().expect("ADDRESS is an IP address and port");
    let mut stream = TcpStream::connect_timeout(&address, HTTP_TIMEOUT)?;
    stream.set_read_timeout(Some(HTTP_TIMEOUT))?;
    let mut text = format!("{method} {path} HTTP/1.0\r\nHost: {ADDRESS}\r\n");
    for (name, value) in headers {
        text.push_str(&format!("{name}: {value}\r\n"));
    }
    text.push_str("\r\n");
    stream.write_all(text.as_bytes())?;
    let mut reply = Vec::new();
    stream.read_to_end(&mut reply)?;
    let reply = String::from_utf8_lossy(&reply);
    let (head, body) = reply.split_once("\r\n\r\n").unwrap_or((&reply, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("not an HTTP reply: {head}")))?;
    Ok(Response {
        status,
        head: head.to_owned(),
        body: body.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIRROR: &str = "http://127.0.0.1:5000";

    #[test]
    fn the_mirror_is_added_to_a_missing_or_empty_file() {
        for text in [None, Some(""), Some("{}")] {
            let updated = with_mirror(text, MIRROR).unwrap().unwrap();
            let config: Value = serde_json::from_str(&updated).unwrap();
            assert_eq!(config, serde_json::json!({ "registry-mirrors": [MIRROR] }));
        }
    }

    #[test]
    fn a_users_settings_and_mirrors_are_kept() {
        let text = r#"{"debug": true, "registry-mirrors": ["https://mirror.example"], "log-opts": {"max-size": "10m"}}"#;
        let updated = with_mirror(Some(text), MIRROR).unwrap().unwrap();
        let config: Value = serde_json::from_str(&updated).unwrap();
        assert_eq!(
            config,
            serde_json::json!({
                "debug": true,
                "registry-mirrors": ["https://mirror.example", MIRROR],
                "log-opts": { "max-size": "10m" },
            })
        );
        assert_eq!(with_mirror(Some(&updated), MIRROR).unwrap(), None);
        let with_slash = r#"{"registry-mirrors": ["http://127.0.0.1:5000/"]}"#;
        assert_eq!(with_mirror(Some(with_slash), MIRROR).unwrap(), None);
    }

    #[test]
    fn a_file_that_is_not_a_json_object_is_refused_with_the_fix() {
        for text in ["[1]", "{", r#"{"registry-mirrors": "http://x"}"#] {
            let error = with_mirror(Some(text), MIRROR).unwrap_err();
            assert!(format!("{error:#}").contains("help:"), "{text}: {error:#}");
        }
    }

    #[test]
    fn the_registry_listens_on_loopback_only() {
        let yaml = config_yaml(Path::new("/t/registry/storage"));
        assert!(yaml.contains("addr: 127.0.0.1:5000\n"), "{yaml}");
        assert!(
            yaml.contains("rootdirectory: /t/registry/storage\n"),
            "{yaml}"
        );
    }
}
