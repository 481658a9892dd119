//! Cache mounts on the real engine: a cold build in `measure` starts with
//! the project's own cache mounts empty (uv downloads every package again),
//! the rebuilds after it find them warm, and another project's cache mount
//! outlives it.

use std::path::Path;

use crate::support::{build_from_stdin, docker, dockwright, engine, scaffold, text};

/// Whether the builder's cache holds a cache mount with the id `id`
/// (BuildKit may record it with a leading `/`).
pub fn cache_mount(engine: &Path, id: &str) -> bool {
    let du = docker(engine, &["buildx", "du", "--verbose"]);
    assert!(du.status.success(), "{}", text(&du.stderr));
    let listed = text(&du.stdout);
    listed.contains(&format!("with id \"{id}\"")) || listed.contains(&format!("with id \"/{id}\""))
}

/// Builds a throwaway image whose build writes into the cache mount `id`.
fn fill_cache_mount(engine: &Path, id: &str) {
    build_from_stdin(
        engine,
        &[],
        &format!(
            "FROM python:3.13-slim\nRUN --mount=type=cache,id={id},target=/c date > /c/{id}\n"
        ),
    );
}

/// The number uv gives before `word` ("Resolved 8 packages") in `text`.
pub fn uv_count(text: &str, word: &str) -> Option<u32> {
    text.lines().find_map(|line| {
        let (_, rest) = line.split_once(&format!("{word} "))?;
        rest.split_whitespace().next()?.parse().ok()
    })
}

/// Checks that `cold`, a cold build's output, downloaded every package uv
/// resolved, and that `deps`, the dependency edit's rebuild after it,
/// downloaded only the one package the edit adds.
pub fn cold_then_warm(cold: &str, deps: &str) {
    let resolved = uv_count(cold, "Resolved").expect("uv resolved");
    assert!(resolved > 1, "{cold}");
    assert_eq!(
        uv_count(cold, "Prepared"),
        Some(resolved),
        "the cold build reused downloads: {cold}"
    );
    assert_eq!(uv_count(deps, "Prepared"), Some(1), "{deps}");
}

/// The output of each build in a variant's log, in order.
pub fn builds(log: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for line in log.lines() {
        if line.starts_with("$ ") {
            if line.contains(" build ") {
                out.push(String::new());
            }
        } else if let Some(current) = out.last_mut() {
            current.push_str(line);
            current.push('\n');
        }
    }
    out
}

#[test]
fn a_cold_build_starts_with_its_own_cache_mounts_empty_and_no_one_elses() {
    let Some(engine) = engine() else { return };
    let engine_path = engine.to_str().unwrap();
    let project = scaffold(
        &engine,
        "e2e-cold",
        &["--profile", "speed", "--deps", "minimal"],
    );
    let dir = &project.dir;
    // Another project, whose name starts with this one's.
    let foreign = format!("dockwright-{}-api-uv", project.name);
    fill_cache_mount(&engine, &foreign);
    let measure = || {
        let out = dockwright(
            dir,
            &["measure", "uv", "--runs", "1", "--engine", engine_path],
        );
        assert!(out.status.success(), "{}", text(&out.stderr));
    };
    measure();
    let ours = format!("dockwright-{}-uv", project.name);
    assert!(cache_mount(&engine, &ours), "no cache mount {ours}");
    // The second measurement's cold build must not find the first one's downloads.
    measure();
    let logs = dir.join(".dockwright/logs");
    let mut runs: Vec<_> = std::fs::read_dir(&logs)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    runs.sort();
    let log = std::fs::read_to_string(runs.last().unwrap().join("uv.log")).unwrap();
    assert!(
        log.lines().next().unwrap().contains("buildx prune"),
        "{log}"
    );
    let builds = builds(&log);
    assert_eq!(builds.len(), 3, "cold, app edit, deps edit: {log}");
    cold_then_warm(&builds[0], &builds[2]);
    assert!(
        cache_mount(&engine, &foreign),
        "another project's cache mount was emptied"
    );
}
