//! Building on a buildx builder, through the built binary and stand-in
//! clients: `--builder`, BUILDX_BUILDER and `[engine] builder` choose it,
//! clients without buildx refuse it, a builder outside the daemon loads its
//! images with the load timed apart, and an image that never reached the
//! engine's store fails its variant instead of lending it an older image's
//! figures.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;

/// BuildKit's plain progress of a `--load` from a `remote` builder, as
/// buildx 0.13.1 printed it.
const LOAD_PROGRESS: &str = include_str!("../src/engine/captured/build-load.txt");
/// `docker buildx inspect` of that builder.
const INSPECT_REMOTE: &str = include_str!("../src/engine/captured/inspect-remote.txt");

/// A docker 26 client with buildx that knows one builder, `ci`, with the
/// `remote` driver. Its builds tag an image in the store (the id `image
/// inspect` gives, written to `--iidfile`) only when given `--load`, and
/// then print the load's progress; every build's arguments are appended to
/// `dir/builds`.
fn docker26(dir: &Path) -> PathBuf {
    fs::write(dir.join("inspect.txt"), INSPECT_REMOTE).unwrap();
    fs::write(dir.join("load.txt"), LOAD_PROGRESS).unwrap();
    fake_client(
        dir,
        r#"version) echo '26.1.5|26.1.5' ;;
buildx) case "$2" in
    version) echo 'github.com/docker/buildx 0.13.1' ;;
    inspect) if [ "$3" = ci ]; then cat "$here/inspect.txt"; else echo "ERROR: no builder \"$3\" found" >&2; exit 1; fi ;;
    esac ;;
build) case "$*" in *type=cacheonly*)
        for arg; do case "$arg" in BASE=*) echo '#4 [1/1] FROM '"${arg#BASE=}"'@sha256:5eed' >&2 ;; esac; done
        exit 0 ;;
    esac
    echo "$*" >> "$here/builds"
    echo '#3 [1/2] FROM docker.io/library/python:3.13-slim@sha256:5eed'
    load=; iid=
    while [ $# -gt 0 ]; do
        case "$1" in --load) load=1 ;; --iidfile) iid=$2; shift ;; esac
        shift
    done
    echo '#5 [2/2] COPY . /app'
    echo '#5 DONE 0.1s'
    if [ -n "$load" ]; then cat "$here/load.txt"; echo sha256:0 > "$iid"; fi ;;"#,
    )
}

fn json(out: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|err| panic!("no JSON ({err}): {}", stderr(out)))
}

#[test]
fn a_build_whose_image_never_reached_the_store_fails_instead_of_reporting_an_older_one() {
    let tmp = tempdir();
    // The builder keeps its result: nothing is written to --iidfile, and
    // the tag in the store is whatever an earlier build left there.
    let client = fake_client(tmp.path(), "build) ;;");
    let project = project(tmp.path());
    let out = with_client(&project, &client, &["build", "--json", "minimal-final"])
        .output()
        .unwrap();
    assert_no_panic(&out);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let built = &json(&out)[0];
    assert_eq!(built["status"], "failed", "{built}");
    assert_eq!(built["image_bytes"], serde_json::Value::Null, "{built}");
    let reason = built["reason"].as_str().unwrap();
    assert!(
        reason.contains("left no image in the engine's store")
            && reason.contains("older image")
            && reason.contains("--builder NAME"),
        "{reason}"
    );
    let measured = with_client(&project, &client, &["measure", "--json", "minimal-final"])
        .output()
        .unwrap();
    assert_eq!(measured.status.code(), Some(1), "{}", stderr(&measured));
    let variant = &json(&measured)["variants"][0];
    assert_eq!(variant["status"], "failed", "{variant}");
    assert_eq!(
        variant["cold_seconds"],
        serde_json::Value::Null,
        "{variant}"
    );
    assert!(
        variant["reason"]
            .as_str()
            .unwrap()
            .contains("--builder NAME"),
        "{variant}"
    );
}

#[test]
fn a_remote_builder_loads_its_images_and_the_load_is_timed_apart() {
    let tmp = tempdir();
    let client = docker26(tmp.path());
    let project = project(tmp.path());
    let out = with_client(&project, &client, &["measure", "--json", "--builder", "ci"])
        .output()
        .unwrap();
    assert_success(&out);
    let run = json(&out);
    assert_eq!(run["engine"]["buildx_builder"], "ci", "{}", run["engine"]);
    assert_eq!(
        run["engine"]["buildx_driver"], "remote",
        "{}",
        run["engine"]
    );
    let commands: Vec<&str> = run["commands"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    // Cache mounts on a shared builder are every project's, not this one's.
    assert!(
        commands.iter().all(|c| !c.contains("prune")),
        "{commands:?}"
    );
    let builds = fs::read_to_string(tmp.path().join("builds")).unwrap();
    assert!(
        builds
            .lines()
            .all(|b| b.contains("--builder ci") && b.contains("--load")),
        "{builds}"
    );
    for variant in run["variants"].as_array().unwrap() {
        assert_eq!(variant["status"], "ok", "{variant}");
        // The builder resolved the slim image in a registry, by digest.
        let slim = variant["bases"]
            .as_array()
            .unwrap()
            .iter()
            .find(|base| base["image"] == "python:3.13-slim")
            .unwrap_or_else(|| panic!("no slim base recorded: {variant}"));
        assert_eq!(slim["digest"], "sha256:5eed", "{variant}");
        let load = &variant["load_seconds"];
        let builds = 1 + 2 * run["repeats"].as_u64().unwrap();
        assert_eq!(load["samples"].as_u64(), Some(builds), "{variant}");
        assert!(load["median"].as_f64().unwrap() > 0.0, "{variant}");
    }
    let report = common::run(&project, &["report"]);
    assert_success(&report);
    assert!(
        stdout(&report).contains("Loading each image into the engine's store took"),
        "{}",
        stdout(&report)
    );
}

#[test]
fn the_builder_comes_from_the_flag_the_environment_or_dockwright_toml() {
    let tmp = tempdir();
    let client = docker26(tmp.path());
    let project = project(tmp.path());
    let builder_of = |cmd: &mut Command| {
        let out = cmd.output().unwrap();
        assert_success(&out);
        let built = json(&out);
        assert!(built[0]["load_seconds"].as_f64().is_some(), "{built}");
        fs::read_to_string(tmp.path().join("builds")).unwrap()
    };
    let by_env = builder_of(
        with_client(&project, &client, &["build", "--json", "minimal-final"])
            .env("BUILDX_BUILDER", "ci"),
    );
    assert!(by_env.contains("--builder ci"), "{by_env}");
    let settings = project.join("dockwright.toml");
    let text = fs::read_to_string(&settings).unwrap();
    fs::write(&settings, format!("{text}\n[engine]\nbuilder = \"ci\"\n")).unwrap();
    fs::remove_file(tmp.path().join("builds")).unwrap();
    let by_toml = builder_of(&mut with_client(
        &project,
        &client,
        &["build", "--json", "minimal-final"],
    ));
    assert!(by_toml.contains("--builder ci"), "{by_toml}");
    // The flag wins over the file.
    let out = with_client(&project, &client, &["build", "--builder", "nosuch"])
        .output()
        .unwrap();
    let message = assert_usage_error(&out);
    assert!(
        message.contains("no builder \"nosuch\" found") && message.contains("docker buildx ls"),
        "{message}"
    );
}

#[test]
fn clients_without_buildx_and_bad_names_refuse_a_builder_in_one_sentence() {
    let tmp = tempdir();
    // docker 20.10: BuildKit without buildx.
    let client = fake_client(tmp.path(), "");
    let project = project(tmp.path());
    let before = tree(&project);
    let old = assert_usage_error(
        &with_client(&project, &client, &["measure", "--builder", "ci"])
            .output()
            .unwrap(),
    );
    assert!(
        old.contains("docker 20.10.24") && old.contains("buildx") && old.contains("--engine"),
        "{old}"
    );
    let bad = assert_usage_error(
        &with_client(&project, &client, &["build", "--builder=-rm"])
            .output()
            .unwrap(),
    );
    assert!(
        bad.contains("`-rm` is not a buildx builder's name"),
        "{bad}"
    );
    assert_unchanged(&project, &before);
    let podman = tmp.path().join("podman");
    fs::write(
        &podman,
        "#!/bin/sh\ncase \"$1\" in\n--version) echo 'podman version 4.3.1' ;;\ninfo) echo 4.3.1 ;;\nesac\n",
    )
    .unwrap();
    fs::set_permissions(&podman, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let refused = assert_usage_error(
        &with_client(&project, &podman, &["build", "--builder", "ci"])
            .output()
            .unwrap(),
    );
    assert!(
        refused.contains("podman") && refused.contains("BUILDX_BUILDER"),
        "{refused}"
    );
}
