//! `dockwright pin` on a real engine and registry: the digest it writes is
//! the one the registry gives the tag, measure builds on it and records it,
//! report shows it, and a pinned digest the registry does not hold is named
//! in the error. An image that cannot be resolved leaves dockwright.toml as
//! it was, byte for byte.

use std::path::Path;

use crate::builder::{json, remote_builder, REMOTE};
use crate::pull::digests;
use crate::support::{docker, dockwright, engine, missing_engine, scaffold, text};

/// `[images]`' line for `key` in dockwright.toml, replaced by `key = "value"`.
fn set_image(dir: &Path, key: &str, value: &str) {
    let path = dir.join("dockwright.toml");
    let before = std::fs::read_to_string(&path).unwrap();
    let after: String = before
        .lines()
        .map(|line| {
            if line.starts_with(&format!("{key} = ")) {
                format!("{key} = \"{value}\"\n")
            } else {
                format!("{line}\n")
            }
        })
        .collect();
    assert_ne!(before, after, "no `{key} = ` line in dockwright.toml");
    std::fs::write(&path, after).unwrap();
}

/// The value dockwright.toml's `[images]` gives `key`.
fn image(dir: &Path, key: &str) -> String {
    let text = std::fs::read_to_string(dir.join("dockwright.toml")).unwrap();
    let table: toml::Table = toml::from_str(&text).unwrap();
    table["images"][key].as_str().unwrap().to_string()
}

#[test]
fn pin_writes_the_registrys_digest_and_measure_builds_on_it() {
    let Some(engine) = engine() else { return };
    let slim = "python:3.13-slim";
    let pulled = docker(&engine, &["pull", "--quiet", slim]);
    if !pulled.status.success() {
        let why = format!(
            "{slim} cannot be pulled ({}); `cargo xtask fixtures` publishes it to the local registry",
            text(&pulled.stderr).trim()
        );
        missing_engine(&why);
        return;
    }
    // What the registry gives the tag, asked by the daemon's own pull.
    let registry = digests(&engine, slim)
        .iter()
        .find_map(|entry| entry.strip_prefix("python@").map(str::to_string))
        .expect("the pulled image has a python@ digest");
    let project = scaffold(
        &engine,
        "e2e-pin",
        &["--profile", "balanced", "--deps", "minimal"],
    );
    let dir = &project.dir;
    let engine_path = engine.to_str().unwrap();
    let settings = dir.join("dockwright.toml");

    // An image no registry holds: nothing is written.
    let missing = format!("127.0.0.1:5000/e2e-pin-{}/nothing:1", std::process::id());
    set_image(dir, "uv", &missing);
    let before = std::fs::read(&settings).unwrap();
    let out = dockwright(dir, &["pin", "--engine", engine_path]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let said = text(&out.stderr);
    assert!(
        said.contains(&format!("`{missing}` (uv)")) && said.contains("left as it was"),
        "{said}"
    );
    assert_eq!(std::fs::read(&settings).unwrap(), before);

    let out = dockwright(dir, &["pin", "slim", "--engine", engine_path]);
    assert!(out.status.success(), "pin: {}", text(&out.stderr));
    assert_eq!(image(dir, "slim"), format!("{slim}@{registry}"));
    assert_eq!(image(dir, "uv"), missing, "only slim was named");

    let out = dockwright(
        dir,
        &["measure", "docker-init", "--json", "--engine", engine_path],
    );
    assert!(out.status.success(), "measure: {}", text(&out.stderr));
    let run = json(&out, "measure");
    let bases = &run["variants"][0]["bases"];
    assert_eq!(bases[0]["image"], format!("{slim}@{registry}"), "{bases}");
    assert_eq!(bases[0]["digest"], registry.as_str(), "{bases}");
    let report = dockwright(dir, &["report"]);
    let shown = format!(
        "Built on {slim}@sha256:{}…",
        &registry["sha256:".len().."sha256:".len() + 12]
    );
    assert!(
        text(&report.stdout).contains(&shown),
        "{}",
        text(&report.stdout)
    );

    // A digest the registry does not hold: the error names it.
    let gone = format!("sha256:{}", "0".repeat(64));
    set_image(dir, "slim", &format!("{slim}@{gone}"));
    let out = dockwright(
        dir,
        &["build", "docker-init", "--json", "--engine", engine_path],
    );
    let built = &json(&out, "build")[0];
    assert_eq!(built["status"], "skipped", "{built}");
    let reason = built["reason"].as_str().unwrap();
    assert!(
        reason.contains(&format!("pinned base image `{slim}` (digest {gone})"))
            && reason.contains("dockwright pin"),
        "{reason}"
    );
}

/// The digest the local registry (`cargo xtask engine`'s, on 127.0.0.1:5000)
/// gives `repository:tag`, from its own HTTP API.
fn registry_digest(repository: &str, tag: &str) -> String {
    let accept = "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.docker.distribution.manifest.v2+json";
    let url = format!("http://127.0.0.1:5000/v2/{repository}/manifests/{tag}");
    let out = std::process::Command::new("curl")
        .args(["--silent", "--fail", "--head", "--header"])
        .arg(format!("Accept: {accept}"))
        .arg(&url)
        .output()
        .expect("curl runs");
    assert!(out.status.success(), "curl --head {url} failed");
    text(&out.stdout)
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("docker-content-digest")
                .then(|| value.trim().to_string())
        })
        .unwrap_or_else(|| panic!("{url} gave no Docker-Content-Digest"))
}

#[test]
fn pin_on_the_remote_builder_pins_what_its_registry_mirror_holds() {
    let Some(engine) = engine() else { return };
    if !remote_builder(&engine) {
        return;
    }
    let project = scaffold(
        &engine,
        "e2e-pin-remote",
        &["--profile", "balanced", "--deps", "minimal"],
    );
    let dir = &project.dir;
    let engine_path = engine.to_str().unwrap();
    let out = dockwright(
        dir,
        &[
            "pin",
            "--json",
            "--engine",
            engine_path,
            "--builder",
            REMOTE,
        ],
    );
    assert!(out.status.success(), "pin: {}", text(&out.stderr));
    let pinned: Vec<String> = json(&out, "pin")
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["image"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(pinned, ["slim", "uv"], "the images balanced builds from");
    // ghcr.io reaches the builder only through its mirror, the local registry.
    let uv = registry_digest("astral-sh/uv", "0.13.9");
    assert_eq!(
        image(dir, "uv"),
        format!("ghcr.io/astral-sh/uv:0.13.9@{uv}")
    );
    let slim = registry_digest("library/python", "3.13-slim");
    assert_eq!(image(dir, "slim"), format!("python:3.13-slim@{slim}"));

    let out = dockwright(
        dir,
        &[
            "measure",
            "uv-minimal",
            "--json",
            "--engine",
            engine_path,
            "--builder",
            REMOTE,
        ],
    );
    assert!(out.status.success(), "measure: {}", text(&out.stderr));
    let run = json(&out, "measure");
    let variant = &run["variants"][0];
    assert_eq!(variant["status"], "ok", "{variant}");
    let mut recorded: Vec<&str> = variant["bases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|base| base["digest"].as_str().unwrap())
        .collect();
    recorded.sort();
    let mut expected = vec![uv.as_str(), slim.as_str()];
    expected.sort();
    assert_eq!(recorded, expected);
}
