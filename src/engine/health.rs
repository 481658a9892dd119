//! What `dockwright doctor` and `clean` ask the engine beyond what builds
//! need: the active buildx builder, where the engine keeps its data, whether
//! a container from a base image reaches PyPI over TLS, and the images that
//! carry a label.

use std::path::Path;

use super::builder::driver_in;
use crate::ca;

use super::{last_line, BuildKit, Builder, Engine, EngineError, Kind, Runner};

/// How a container's HTTPS request to PyPI went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reach {
    Reached,
    /// The certificate did not verify: a TLS-intercepting proxy whose CA
    /// the image does not trust, most likely.
    Certificate(String),
    /// No answer: no network, no DNS, a proxy that refuses.
    Unreachable(String),
    /// The container did not run at all.
    NoContainer(String),
}

/// Asks PyPI for pip's page and says how it went on one line after
/// `MARK`: `ok`, `tls REASON` for a certificate that did not verify, or
/// `net REASON`.
const PYPI_PROBE: &str = r#"
import ssl, urllib.request
try:
    urllib.request.urlopen("https://pypi.org/simple/pip/", timeout=20).read(1)
    print("dockwright-pypi: ok")
except Exception as err:
    reason = getattr(err, "reason", err)
    kind = "tls" if isinstance(reason, ssl.SSLCertVerificationError) else "net"
    print("dockwright-pypi:", kind, reason)
"#;
const MARK: &str = "dockwright-pypi: ";

impl Engine {
    /// The builder `docker build` uses when none is named: buildx's current
    /// one. `None` without buildx, or when buildx names none.
    pub fn active_builder(&self, runner: &dyn Runner) -> Result<Option<Builder>, EngineError> {
        if let Some(builder) = &self.builder {
            return Ok(Some(builder.clone()));
        }
        if self.buildkit != BuildKit::Buildx {
            return Ok(None);
        }
        let out = self.call(runner, self.cmd(["buildx", "inspect"]))?;
        if !out.success {
            return Ok(None);
        }
        let name = out
            .stdout
            .lines()
            .find_map(|line| line.strip_prefix("Name:"))
            .map(|name| name.trim().to_string());
        Ok(name
            .zip(driver_in(&out.stdout))
            .map(|(name, driver)| Builder { name, driver }))
    }

    /// The directory the engine keeps images and build cache in, as it
    /// says (on its own machine, which may not be this one).
    pub fn data_root(&self, runner: &dyn Runner) -> Result<Option<String>, EngineError> {
        let format = match self.kind {
            Kind::Docker => "{{.DockerRootDir}}",
            Kind::Podman => "{{.Store.GraphRoot}}",
        };
        let out = self.call(runner, self.cmd(["info", "--format", format]))?;
        Ok(out
            .success
            .then(|| out.stdout.trim().to_string())
            .filter(|dir| !dir.is_empty()))
    }

    /// The docker context in use and the daemon it points at, when it is
    /// not the default (the local daemon).
    pub fn context(&self, runner: &dyn Runner) -> Result<Option<(String, String)>, EngineError> {
        if self.kind != Kind::Docker {
            return Ok(None);
        }
        let shown = self.call(runner, self.cmd(["context", "show"]))?;
        let name = shown.stdout.trim().to_string();
        if !shown.success || name.is_empty() || name == "default" {
            return Ok(None);
        }
        let format = "{{.Endpoints.docker.Host}}";
        let host = self.call(
            runner,
            self.cmd(["context", "inspect", "--format", format, &name]),
        )?;
        Ok(Some((name, host.stdout.trim().to_string())))
    }

    /// The images labelled `key=value`, each once: its id, its tags and its
    /// size in bytes.
    pub fn labelled_images(
        &self,
        runner: &dyn Runner,
        key: &str,
        value: &str,
    ) -> Result<Vec<(String, Vec<String>, u64)>, EngineError> {
        let filter = format!("label={key}={value}");
        let format = "{{.ID}}\t{{.Repository}}:{{.Tag}}";
        let out = self.call(
            runner,
            self.cmd([
                "images",
                "--no-trunc",
                "--filter",
                &filter,
                "--format",
                format,
            ]),
        )?;
        if !out.success {
            return Err(EngineError::Stopped {
                program: self.program.display().to_string(),
                detail: format!(
                    "`images --filter {filter}` failed: {}",
                    last_line(&out.stderr)
                ),
            });
        }
        let mut found: Vec<(String, Vec<String>, u64)> = Vec::new();
        for line in out.stdout.lines() {
            let Some((id, name)) = line.split_once('\t') else {
                continue;
            };
            let name = (!name.contains("<none>")).then(|| name.to_string());
            match found.iter_mut().find(|(known, _, _)| known == id) {
                Some((_, names, _)) => names.extend(name),
                None => found.push((id.to_string(), name.into_iter().collect(), 0)),
            }
        }
        for (id, _, bytes) in &mut found {
            *bytes = self.image_size(runner, id)?;
        }
        Ok(found)
    }

    /// Removes the image `id` with all its tags; `Err` gives the engine's
    /// words.
    pub fn remove_image(&self, runner: &dyn Runner, id: &str) -> Result<(), String> {
        match self.call(runner, self.cmd(["rmi", "--force", id])) {
            Ok(out) if out.success => Ok(()),
            Ok(out) => Err(last_line(&out.stderr)),
            Err(err) => Err(err.to_string()),
        }
    }

    /// Whether a container of `image` reaches PyPI over HTTPS, trusting the
    /// proxy's CA bundle `ca_file` as builds do when it is given.
    pub fn reaches_pypi(
        &self,
        runner: &dyn Runner,
        image: &str,
        ca_file: Option<&Path>,
    ) -> Result<Reach, EngineError> {
        let mut args: Vec<String> = vec!["run".into(), "--rm".into()];
        if let Some(file) = ca_file {
            // As the builds see it: the secret's path, and the variable uv reads.
            args.extend([
                "--mount".into(),
                format!(
                    "type=bind,src={},dst={},ro=true",
                    file.display(),
                    ca::TARGET
                ),
                "--env".into(),
                format!("SSL_CERT_FILE={}", ca::TARGET),
            ]);
        }
        args.extend([
            image.into(),
            "python3".into(),
            "-c".into(),
            PYPI_PROBE.into(),
        ]);
        let mut cmd = self.cmd(args);
        cmd.timeout = Some(self.patience.pull());
        let out = self.call(runner, cmd)?;
        let said = out.stdout.lines().find_map(|line| line.strip_prefix(MARK));
        Ok(match said.map(|s| s.split_once(' ').unwrap_or((s, ""))) {
            Some(("ok", _)) => Reach::Reached,
            Some(("tls", why)) => Reach::Certificate(why.to_string()),
            Some((_, why)) => Reach::Unreachable(why.to_string()),
            None => Reach::NoContainer(last_line(&out.stderr)),
        })
    }
}
