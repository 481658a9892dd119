//! `dockwright clean` through the built binary and a stand-in client: it
//! asks for the images labelled with this project only, removes exactly
//! those and the runs and logs past the cut-off (the newest run, its logs
//! and the baselines kept), and `--dry-run` removes nothing.
//! tests/e2e/clean.rs checks on the real engine that other images survive.

mod common;

use std::fs;
use std::path::Path;
use std::time::{Duration, SystemTime};

use common::*;

/// A client whose store holds two images labelled with the project, one
/// tagged and one left untagged by a later build; `images` and `rmi` calls
/// are appended to `dir/calls`.
fn store(dir: &Path) -> std::path::PathBuf {
    fake_client(
        dir,
        r#"images) echo "$*" >> "$here/calls"
    printf 'sha256:aaaa\tproj:minimal-final\nsha256:bbbb\t<none>:<none>\n' ;;
rmi) echo "$*" >> "$here/calls" ;;"#,
    )
}

/// Makes `path` look `days` old.
fn age(path: &Path, days: u64) {
    let then = SystemTime::now() - Duration::from_secs(days * 24 * 3600);
    fs::File::open(path).unwrap().set_modified(then).unwrap();
}

#[test]
fn clean_removes_this_projects_images_and_old_runs_only() {
    let tmp = tempdir();
    let client = store(tmp.path());
    let project = project(tmp.path());
    let runs = project.join(".dockwright/runs");
    let logs = project.join(".dockwright/logs");
    for (id, days) in [
        ("2026-01-01T000000Z", 90),
        ("2026-02-01T000000Z", 60),
        ("2026-11-30T000000Z", 2),
    ] {
        write(runs.join(format!("{id}.json")), "{}");
        write(logs.join(id).join("uv.log"), "log");
        age(&runs.join(format!("{id}.json")), days);
        age(&logs.join(id), days);
    }
    // The newest run is kept even when it is old.
    write(runs.join("2026-12-01T000000Z.json"), "{}");
    age(&runs.join("2026-12-01T000000Z.json"), 40);
    write(project.join(".dockwright/baselines/main.json"), "{}");
    age(&project.join(".dockwright/baselines/main.json"), 400);

    let before = tree(&project);
    let dry = with_client(&project, &client, &["clean", "--dry-run"])
        .output()
        .unwrap();
    assert_success(&dry);
    let listed = stdout(&dry);
    for expected in [
        "image  proj:minimal-final (aaaa)",
        "image  untagged (bbbb)",
        "run    .dockwright/runs/2026-01-01T000000Z.json",
        "run    .dockwright/runs/2026-02-01T000000Z.json",
        "logs   .dockwright/logs/2026-01-01T000000Z",
        "Would free up to",
    ] {
        assert!(listed.contains(expected), "{expected}:\n{listed}");
    }
    assert!(
        !listed.contains("2026-11-30") && !listed.contains("2026-12-01"),
        "{listed}"
    );
    assert_eq!(tree(&project), before, "--dry-run changed the project");
    let calls = fs::read_to_string(tmp.path().join("calls")).unwrap();
    assert!(!calls.contains("rmi"), "{calls}");
    assert!(
        calls.contains("--filter label=dockwright.project=proj "),
        "{calls}"
    );

    let done = with_client(&project, &client, &["clean"]).output().unwrap();
    assert_success(&done);
    let calls = fs::read_to_string(tmp.path().join("calls")).unwrap();
    let removed: Vec<&str> = calls.lines().filter(|l| l.starts_with("rmi")).collect();
    assert_eq!(
        removed,
        ["rmi --force sha256:aaaa", "rmi --force sha256:bbbb"]
    );
    assert!(!runs.join("2026-01-01T000000Z.json").exists());
    assert!(!logs.join("2026-02-01T000000Z").exists());
    for kept in [
        runs.join("2026-11-30T000000Z.json"),
        runs.join("2026-12-01T000000Z.json"),
        logs.join("2026-11-30T000000Z"),
        project.join(".dockwright/baselines/main.json"),
    ] {
        assert!(kept.exists(), "{} was removed", kept.display());
    }
}

#[test]
fn a_bad_age_is_refused_in_one_sentence() {
    let tmp = tempdir();
    let client = store(tmp.path());
    let project = project(tmp.path());
    let out = with_client(&project, &client, &["clean", "--older-than", "a while"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("invalid value 'a while' for '--older-than <AGE>'"));
}
