//! Builders outside the daemon on a real engine: a build whose image never
//! reaches the engine's store fails instead of reporting an older image's
//! figures, and `measure --builder dockwright-remote` (the BuildKit that
//! `cargo xtask engine` starts) loads, times and serves every image, at the
//! sizes the daemon's own builder gives.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use crate::serve::{serve_and_check, HELLO};
use crate::support::{docker, dockwright, engine, missing_engine, scaffold, text, Cleanup};

/// The builder `cargo xtask engine` registers.
pub const REMOTE: &str = "dockwright-remote";

/// A client at `dir/docker` that runs the one in `DOCKWRIGHT_TEST_REAL_CLIENT`
/// with a build's `-t TAG` left out: the build succeeds and tags nothing,
/// as on a builder that keeps its result.
fn untagging_client(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("docker");
    let script = r#"#!/bin/sh
if [ "$1" = build ]; then
    skip=
    for arg; do
        shift
        if [ -n "$skip" ]; then skip=; continue; fi
        if [ "$arg" = -t ]; then skip=1; continue; fi
        set -- "$@" "$arg"
    done
fi
exec "$DOCKWRIGHT_TEST_REAL_CLIENT" "$@"
"#;
    std::fs::write(&path, script).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

pub fn json(out: &std::process::Output, what: &str) -> serde_json::Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|err| panic!("{what} printed no JSON ({err}): {}", text(&out.stderr)))
}

#[test]
fn a_build_that_tags_nothing_fails_instead_of_sizing_the_older_image() {
    let Some(engine) = engine() else { return };
    let project = scaffold(
        &engine,
        "e2e-stale",
        &["--profile", "balanced", "--deps", "minimal"],
    );
    let dir = &project.dir;
    let engine_path = engine.to_str().unwrap();
    let first = dockwright(
        dir,
        &["build", "--json", "--engine", engine_path, "docker-init"],
    );
    assert!(first.status.success(), "{}", text(&first.stderr));
    let tag = format!("{}:docker-init", project.name);
    let older = text(&docker(&engine, &["image", "inspect", "--format", "{{.Id}}", &tag]).stdout);
    // The next build makes another image, which the client does not tag.
    let app = dir.join("app.py");
    let mut source = std::fs::read_to_string(&app).unwrap();
    source.push_str("# edited\n");
    std::fs::write(&app, source).unwrap();
    let bin = tempfile::tempdir().unwrap();
    let client = untagging_client(bin.path());
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_dockwright"))
        .current_dir(dir)
        .args(["build", "--json", "docker-init", "--engine"])
        .arg(&client)
        .env("DOCKWRIGHT_TEST_REAL_CLIENT", &*engine)
        .env_remove("BUILDX_BUILDER")
        .output()
        .unwrap();
    let built = &json(&out, "build")[0];
    assert_eq!(built["status"], "failed", "{built}");
    assert_eq!(built["image_bytes"], serde_json::Value::Null, "{built}");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let reason = built["reason"].as_str().unwrap();
    let short: String = older
        .trim()
        .trim_start_matches("sha256:")
        .chars()
        .take(12)
        .collect();
    assert!(
        reason.contains(&format!("`{tag}` in the engine's store is {short}"))
            && reason.contains("--builder"),
        "{reason}"
    );
}

/// Whether the builder `cargo xtask engine` starts answers; without it the
/// test is skipped, or fails when DOCKWRIGHT_REQUIRE_ENGINE is set.
pub fn remote_builder(engine: &Path) -> bool {
    let inspect = docker(engine, &["buildx", "inspect", "--bootstrap", REMOTE]);
    if inspect.status.success() {
        return true;
    }
    let why = format!(
        "no `{REMOTE}` builder ({}); `cargo xtask engine` starts it",
        text(&inspect.stderr).trim()
    );
    missing_engine(&why);
    false
}

#[test]
fn measure_on_the_remote_builder_loads_times_and_serves_each_image() {
    let Some(engine) = engine() else { return };
    if !remote_builder(&engine) {
        return;
    }
    let project = scaffold(
        &engine,
        "e2e-remote",
        &["--profile", "balanced", "--deps", "minimal"],
    );
    let dir = &project.dir;
    let engine_path = engine.to_str().unwrap();
    let out = dockwright(
        dir,
        &[
            "measure",
            "--json",
            "--engine",
            engine_path,
            "--builder",
            REMOTE,
        ],
    );
    assert!(out.status.success(), "measure: {}", text(&out.stderr));
    let run = json(&out, "measure");
    assert_eq!(run["engine"]["buildx_builder"], REMOTE, "{}", run["engine"]);
    assert_eq!(
        run["engine"]["buildx_driver"], "remote",
        "{}",
        run["engine"]
    );
    let mut cleanup = Cleanup {
        engine: engine.to_path_buf(),
        project: project.name.clone(),
        containers: Vec::new(),
    };
    let variants = run["variants"].as_array().unwrap();
    for v in variants {
        assert_eq!(v["status"], "ok", "{v}");
        for key in [
            "cold_seconds",
            "app_rebuild_seconds",
            "deps_rebuild_seconds",
            "load_seconds",
        ] {
            let median = v[key]["median"].as_f64().unwrap_or(0.0);
            assert!(median > 0.0, "{}: {key} is not positive: {v}", v["name"]);
        }
        assert!(v["image_bytes"].as_u64().unwrap_or(0) > 0, "{v}");
        // A remote builder takes every base from a registry, by digest.
        let bases = v["bases"].as_array().unwrap();
        assert!(!bases.is_empty(), "{v}");
        for base in bases {
            let digest = base["digest"].as_str().unwrap_or_default();
            assert!(digest.starts_with("sha256:"), "{base}");
        }
        let tag = format!("{}:{}", project.name, v["name"].as_str().unwrap());
        serve_and_check(&engine, &mut cleanup, &tag, 5000, HELLO);
    }
    assert!(variants.iter().any(|v| v["recommended"] == true));

    // The same variants on the daemon's own builder: the same images.
    let local = std::process::Command::new(env!("CARGO_BIN_EXE_dockwright"))
        .current_dir(dir)
        .args(["build", "--json", "--no-cache", "--engine", engine_path])
        .env_remove("BUILDX_BUILDER")
        .output()
        .unwrap();
    assert!(local.status.success(), "build: {}", text(&local.stderr));
    for built in json(&local, "build").as_array().unwrap() {
        let name = &built["name"];
        let here = built["image_bytes"].as_u64().unwrap() as f64;
        let remote = variants.iter().find(|v| &v["name"] == name).unwrap()["image_bytes"]
            .as_u64()
            .unwrap() as f64;
        assert!(
            (remote - here).abs() <= 0.02 * here,
            "{name}: {remote} bytes on {REMOTE}, {here} on the docker driver"
        );
    }
}
