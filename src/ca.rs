//! The CA of a proxy that re-signs HTTPS: where its bundle comes from
//! (`--ca-file`, DOCKWRIGHT_CA_FILE, `[tls] ca_file`), and how the
//! Dockerfiles use it. It reaches a build as the BuildKit secret
//! [`SECRET_ID`], mounted only in the steps that download, so it is never
//! a layer of the image.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::UserError;

/// The id of the secret the Dockerfiles mount, and the build passes.
pub const SECRET_ID: &str = "dockwright-ca";

/// The environment variable that names the bundle when `--ca-file` does not.
pub const ENV: &str = "DOCKWRIGHT_CA_FILE";

/// Where a `RUN --mount=type=secret` puts it by default.
pub const TARGET: &str = "/run/secrets/dockwright-ca";

/// The pieces of a Dockerfile that use the bundle, for the templates: empty
/// when no bundle is set, so the Dockerfiles are those of a plain network.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Render {
    /// Starts a `RUN`'s mount list: the secret, then a continuation line.
    pub mount: String,
    /// Goes before a `pip` command: points it at the bundle.
    pub pip: String,
    /// Goes before a `uv` command.
    pub uv: String,
}

impl Render {
    pub fn new(on: bool) -> Render {
        if !on {
            return Render::default();
        }
        Render {
            mount: format!("--mount=type=secret,id={SECRET_ID} \\\n    "),
            pip: format!("PIP_CERT={TARGET} "),
            uv: format!("SSL_CERT_FILE={TARGET} "),
        }
    }
}

/// Where the bundle was named, to say so in errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Origin {
    Flag,
    Env,
    Settings,
}

impl Origin {
    fn describe(self) -> String {
        match self {
            Origin::Flag => "--ca-file".to_string(),
            Origin::Env => ENV.to_string(),
            Origin::Settings => "`[tls] ca_file` in dockwright.toml".to_string(),
        }
    }
}

/// The bundle builds use: `flag` (`--ca-file`, which clap also fills from
/// DOCKWRIGHT_CA_FILE), else `setting` (`[tls] ca_file`, relative to the
/// project `dir`). It must be a readable PEM file whose path the engine's
/// `--secret` option can carry.
pub fn resolve(
    flag: Option<&Path>,
    setting: Option<&Path>,
    dir: &Path,
) -> Result<Option<PathBuf>, UserError> {
    let (path, origin) = match (flag, setting) {
        (Some(path), _) => {
            let from_env = std::env::var_os(ENV).is_some_and(|v| Path::new(&v) == path);
            let origin = if from_env { Origin::Env } else { Origin::Flag };
            (path.to_path_buf(), origin)
        }
        (None, Some(path)) => (dir.join(path), Origin::Settings),
        (None, None) => return Ok(None),
    };
    check(&path, origin)?;
    Ok(Some(path))
}

/// Checks the bundle `path` the user named in `origin`.
fn check(path: &Path, origin: Origin) -> Result<(), UserError> {
    let named = || {
        format!(
            "the CA bundle `{}` (from {})",
            path.display(),
            origin.describe()
        )
    };
    let fix = "point it at your proxy's CA bundle, a PEM file (your corporate CA appended to the public roots, such as /etc/ssl/certs/ca-certificates.crt on a machine that trusts the proxy)";
    let text = std::fs::read(path)
        .map_err(|err| UserError::new(format!("cannot read {} ({err})", named())).help(fix))?;
    if !text
        .windows(b"-----BEGIN CERTIFICATE-----".len())
        .any(|w| w == b"-----BEGIN CERTIFICATE-----")
    {
        return Err(UserError::new(format!("{} holds no PEM certificate", named())).help(fix));
    }
    let display = path.display().to_string();
    if display.contains([',', '"']) {
        return Err(UserError::new(format!(
            "{} has a comma or a quote in its path, which the engine's `--secret` option cannot carry",
            named()
        ))
        .help("copy the bundle to a path without one and name that"));
    }
    Ok(())
}

/// The error for Dockerfiles that mount the bundle when none is set.
pub fn missing(dockerfiles: &[String]) -> UserError {
    UserError::new(format!(
        "{} mount{} the CA bundle (the secret `{SECRET_ID}`), but none is set",
        dockerfiles
            .iter()
            .map(|d| format!("`{d}`"))
            .collect::<Vec<_>>()
            .join(", "),
        if dockerfiles.len() == 1 { "s" } else { "" }
    ))
    .help(format!(
        "set `ca_file` under [tls] in dockwright.toml, pass --ca-file or set {ENV} to your proxy's CA bundle"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bundle(dir: &Path, name: &str, text: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    const PEM: &str = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

    #[test]
    fn the_flag_wins_over_the_setting_which_is_read_from_the_project() {
        let dir = tempfile::tempdir().unwrap();
        let flag = bundle(dir.path(), "flag.pem", PEM);
        bundle(dir.path(), "corp.pem", PEM);
        assert_eq!(
            resolve(Some(&flag), Some(Path::new("corp.pem")), dir.path()).unwrap(),
            Some(flag)
        );
        assert_eq!(
            resolve(None, Some(Path::new("corp.pem")), dir.path()).unwrap(),
            Some(dir.path().join("corp.pem"))
        );
        assert_eq!(resolve(None, None, dir.path()).unwrap(), None);
    }

    #[test]
    fn a_bundle_that_is_missing_empty_or_unquotable_is_refused_with_where_it_was_named() {
        let dir = tempfile::tempdir().unwrap();
        let err = resolve(None, Some(Path::new("nope.pem")), dir.path()).unwrap_err();
        assert!(err.to_string().contains("[tls] ca_file"), "{err}");
        assert!(err.to_string().contains("cannot read"), "{err}");

        let empty = bundle(dir.path(), "empty.pem", "not a certificate\n");
        let err = resolve(Some(&empty), None, dir.path()).unwrap_err();
        assert!(
            err.to_string().contains("holds no PEM certificate"),
            "{err}"
        );
        assert!(err.to_string().contains("--ca-file"), "{err}");

        let comma = bundle(dir.path(), "a,b.pem", PEM);
        let err = resolve(Some(&comma), None, dir.path()).unwrap_err();
        assert!(err.to_string().contains("comma"), "{err}");
    }

    #[test]
    fn off_renders_nothing_and_on_renders_the_mount_and_each_tools_variable() {
        let off = Render::new(false);
        assert_eq!(
            (off.mount, off.pip, off.uv),
            (String::new(), String::new(), String::new())
        );
        let on = Render::new(true);
        assert_eq!(on.mount, "--mount=type=secret,id=dockwright-ca \\\n    ");
        assert_eq!(on.pip, "PIP_CERT=/run/secrets/dockwright-ca ");
        assert_eq!(on.uv, "SSL_CERT_FILE=/run/secrets/dockwright-ca ");
    }
}
