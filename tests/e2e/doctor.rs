//! `dockwright doctor` on the real engine: every check passes on a project
//! scaffolded here, and each ✗ it exists for shows when its cause is made
//! on purpose: a daemon that does not answer, a base image that no registry
//! holds, and a slim image that trusts no CA (as a stand-in without the
//! host's CA behind a proxy that re-signs TLS).

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::support::{docker, engine, scaffold, text, without_cas};

fn doctor(dir: &Path, engine: &Path, env: &[(&str, &str)]) -> (Option<i32>, Vec<Value>) {
    let out = Command::new(env!("CARGO_BIN_EXE_dockwright"))
        .current_dir(dir)
        .args(["doctor", "--format", "json", "--engine"])
        .arg(engine)
        .envs(env.iter().copied())
        .output()
        .unwrap();
    let checks: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|err| panic!("no JSON ({err}): {}", text(&out.stderr)));
    (out.status.code(), checks.as_array().unwrap().clone())
}

fn outcome<'a>(checks: &'a [Value], name: &str) -> &'a Value {
    checks
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no check {name}: {checks:?}"))
}

/// Sets `[images] slim` in the project's dockwright.toml to `image`.
fn set_slim(dir: &Path, image: &str) {
    let path = dir.join("dockwright.toml");
    let settings = std::fs::read_to_string(&path).unwrap();
    let line = "slim = \"python:3.13-slim\"";
    assert!(settings.contains(line), "{settings}");
    std::fs::write(
        &path,
        settings.replace(line, &format!("slim = \"{image}\"")),
    )
    .unwrap();
}

#[test]
fn doctor_passes_here_and_names_each_cause_made_on_purpose() {
    let Some(engine) = engine() else { return };
    let project = scaffold(
        &engine,
        "e2e-doctor",
        &["--profile", "balanced", "--deps", "minimal"],
    );
    let dir = &project.dir;
    let (code, checks) = doctor(dir, &engine, &[]);
    for check in &checks {
        if check["name"] != "hadolint" {
            assert_eq!(check["outcome"], "ok", "{check}");
        }
    }
    assert_eq!(code, Some(0));

    // A daemon that does not answer.
    let (code, checks) = doctor(
        dir,
        &engine,
        &[("DOCKER_HOST", "unix:///nonexistent/docker.sock")],
    );
    assert_eq!(code, Some(1));
    let failed = outcome(&checks, "engine");
    assert_eq!(failed["outcome"], "fail", "{failed}");
    assert!(
        failed["detail"]
            .as_str()
            .unwrap()
            .contains("/nonexistent/docker.sock"),
        "{failed}"
    );

    // A slim image that trusts no CA: pip's requests would fail the same way.
    let tag = format!("e2e-doctor-noca-{}:1", std::process::id());
    without_cas(&engine, "python:3.13-slim", &tag);
    set_slim(dir, &tag);
    let (code, checks) = doctor(dir, &engine, &[]);
    assert_eq!(code, Some(1));
    let pypi = outcome(&checks, "pypi");
    assert_eq!(pypi["outcome"], "fail", "{pypi}");
    assert!(
        pypi["detail"]
            .as_str()
            .unwrap()
            .contains("cannot verify pypi.org's certificate"),
        "{pypi}"
    );
    assert!(
        pypi["fix"].as_str().unwrap().contains("[tls]"),
        "the fix names the CA setting: {pypi}"
    );
    // The CA setting, pointed at the host's bundle (which trusts the proxy), fixes it.
    let (_, checks) = doctor(
        dir,
        &engine,
        &[("DOCKWRIGHT_CA_FILE", "/etc/ssl/certs/ca-certificates.crt")],
    );
    let _ = docker(&engine, &["rmi", &tag]);
    let pypi = outcome(&checks, "pypi");
    assert_eq!(pypi["outcome"], "ok", "{pypi}");
    assert_eq!(outcome(&checks, "ca bundle")["outcome"], "ok");

    // A base image that no registry holds.
    let missing = format!(
        "127.0.0.1:5000/e2e-doctor-{}/python:3.13-slim",
        std::process::id()
    );
    let path = dir.join("dockwright.toml");
    let settings = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, settings.replace(&tag, &missing)).unwrap();
    let (code, checks) = doctor(dir, &engine, &[]);
    assert_eq!(code, Some(1));
    let bases = outcome(&checks, "base images");
    assert_eq!(bases["outcome"], "fail", "{bases}");
    assert!(
        bases["detail"]
            .as_str()
            .unwrap()
            .contains(&format!("`{missing}`")),
        "{bases}"
    );
    assert_eq!(outcome(&checks, "pypi")["outcome"], "skipped");
}
