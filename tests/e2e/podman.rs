//! Podman end to end: `measure` of the balanced and speed profiles with
//! their recommended images served on 127.0.0.1, the size profile's image
//! holding only the runtime, and cold builds that start with the project's
//! own cache mounts empty while another project's survive.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::cache_mounts::{builds, cold_then_warm, uv_count};
use crate::serve::{serve_and_check, HELLO};
use crate::size::holds_only_the_runtime;
use crate::support::{build_from_stdin, dockwright, podman, scaffold, text, Cleanup};

/// Where podman (as root, on this machine) keeps the cache mount `id`.
fn cache_dir(id: &str) -> PathBuf {
    Path::new("/var/tmp/buildah-cache").join(id)
}

/// The newest saved run of the project in `dir`.
fn newest_run(dir: &Path) -> (String, Value) {
    let mut runs: Vec<PathBuf> = std::fs::read_dir(dir.join(".dockwright/runs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    runs.sort();
    let newest = runs.last().expect("a saved run");
    let id = newest.file_stem().unwrap().to_string_lossy().into_owned();
    let run = serde_json::from_str(&std::fs::read_to_string(newest).unwrap()).unwrap();
    (id, run)
}

/// `measure` of `profile` on podman: every variant measured in full, but
/// on podman before 5.3 docker-init's dependency edit, which bind-mounts its
/// requirements file (podman would keep its old install); the recommended image
/// serves hello world on 127.0.0.1 as a user that is not root.
fn measure_profile(profile: &str) {
    let Some(podman) = podman() else { return };
    let project = scaffold(
        &podman,
        &format!("e2e-podman-{profile}"),
        &["--profile", profile, "--deps", "minimal"],
    );
    let out = dockwright(
        &project.dir,
        &["measure", "--runs", "1", "--engine", "podman"],
    );
    let (_, run) = newest_run(&project.dir);
    assert_eq!(run["engine"]["builder"], "podman (buildah)", "{run}");
    let version: Vec<u32> = run["engine"]["server_version"]
        .as_str()
        .unwrap()
        .split('.')
        .filter_map(|part| part.parse().ok())
        .collect();
    let stale_binds = version.as_slice() < [5, 3].as_slice();
    let mut recommended = None;
    for variant in run["variants"].as_array().unwrap() {
        let name = variant["name"].as_str().unwrap();
        // The start is timed right after the cold build, before any rebuild.
        for figure in ["cold_seconds", "start_seconds", "app_rebuild_seconds"] {
            assert!(
                variant[figure]["median"].as_f64().is_some(),
                "{name}: no {figure}: {variant}"
            );
        }
        assert!(
            variant["image_bytes"].as_u64().unwrap_or(0) > 0,
            "{name}: {variant}"
        );
        if name == "docker-init" && stale_binds {
            assert_eq!(variant["status"], "failed", "{variant}");
            let reason = variant["reason"].as_str().unwrap();
            assert!(reason.contains("containers/buildah#5400"), "{reason}");
        } else {
            assert_eq!(variant["status"], "ok", "{name}: {variant}");
            assert!(
                variant["deps_rebuild_seconds"]["median"].as_f64().is_some(),
                "{name}: {variant}"
            );
        }
        if variant["recommended"] == true {
            recommended = Some(name.to_string());
        }
    }
    // docker-init's reported failure fails the command.
    let expected = if stale_binds { 1 } else { 0 };
    assert_eq!(out.status.code(), Some(expected), "{}", text(&out.stderr));
    let recommended = recommended.expect("a recommended variant");
    let mut cleanup = Cleanup {
        engine: podman.to_path_buf(),
        project: project.name.clone(),
        containers: Vec::new(),
    };
    serve_and_check(
        &podman,
        &mut cleanup,
        &format!("{}:{recommended}", project.name),
        5000,
        HELLO,
    );
}

#[test]
fn podman_measures_the_balanced_profile_and_serves_its_recommended_image() {
    measure_profile("balanced");
}

#[test]
fn podman_measures_the_speed_profile_and_serves_its_recommended_image() {
    measure_profile("speed");
}

#[test]
fn the_size_profile_image_built_by_podman_holds_only_the_runtime_and_serves() {
    let Some(podman) = podman() else { return };
    let project = scaffold(
        &podman,
        "e2e-podman-size",
        &["--profile", "size", "--deps", "minimal"],
    );
    let built = dockwright(
        &project.dir,
        &["build", "minimal-final", "--engine", "podman"],
    );
    assert!(built.status.success(), "{}", text(&built.stderr));
    let tag = format!("{}:minimal-final", project.name);
    holds_only_the_runtime(&podman, &tag);
    let mut cleanup = Cleanup {
        engine: podman.to_path_buf(),
        project: project.name.clone(),
        containers: Vec::new(),
    };
    serve_and_check(&podman, &mut cleanup, &tag, 5000, HELLO);
}

#[test]
fn a_podman_cold_build_starts_with_its_own_cache_mounts_empty_and_no_one_elses() {
    let Some(podman) = podman() else { return };
    let project = scaffold(
        &podman,
        "e2e-podman-cold",
        &["--profile", "speed", "--deps", "minimal"],
    );
    let dir = &project.dir;
    // Another project, whose name starts with this one's.
    let foreign = format!("dockwright-{}-api-uv", project.name);
    build_from_stdin(
        &podman,
        &[],
        &format!(
            "FROM python:3.13-slim\nRUN --mount=type=cache,id={foreign},target=/c date > /c/mark\n"
        ),
    );
    assert!(cache_dir(&foreign).join("mark").is_file());
    // A warm build first: the project's cache mount holds every download.
    let built = dockwright(dir, &["build", "uv", "--engine", "podman"]);
    assert!(built.status.success(), "{}", text(&built.stderr));
    let ours = format!("dockwright-{}-uv", project.name);
    assert!(cache_dir(&ours).is_dir(), "no cache mount {ours}");

    let measured = dockwright(dir, &["measure", "uv", "--runs", "1", "--engine", "podman"]);
    assert!(measured.status.success(), "{}", text(&measured.stderr));
    let (id, _) = newest_run(dir);
    let log =
        std::fs::read_to_string(dir.join(".dockwright/logs").join(id).join("uv.log")).unwrap();
    assert!(
        log.lines()
            .next()
            .unwrap()
            .contains(&format!("empties podman's cache mount `{ours}`")),
        "{log}"
    );
    let builds = builds(&log);
    assert_eq!(builds.len(), 4, "cold, warm-up, app edit, deps edit: {log}");
    cold_then_warm(&builds[0], &builds[3]);
    // The app edit does not reach the install.
    assert_eq!(uv_count(&builds[2], "Resolved"), None, "{}", builds[2]);
    assert!(
        cache_dir(&foreign).join("mark").is_file(),
        "another project's cache mount was emptied"
    );

    let cleaned = dockwright(dir, &["clean", "--engine", "podman"]);
    assert!(cleaned.status.success(), "{}", text(&cleaned.stderr));
    assert!(!cache_dir(&ours).exists(), "clean left {ours}");
    assert!(
        cache_dir(&foreign).join("mark").is_file(),
        "clean removed another project's cache mount"
    );
    std::fs::remove_dir_all(cache_dir(&foreign)).unwrap();
}
