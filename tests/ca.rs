//! The setting for a proxy that re-signs HTTPS (`--ca-file`, `[tls] ca_file`):
//! what it renders into the Dockerfiles, and what it refuses. That builds
//! trust the bundle, and keep it out of every layer, is tests/e2e/tls.rs.

mod common;

use std::path::Path;

use common::*;

/// The instructions of a Dockerfile, continuation lines joined.
fn instructions(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for line in text.lines().filter(|l| !l.trim_start().starts_with('#')) {
        match line.trim_end().strip_suffix('\\') {
            Some(head) => current.push_str(head),
            None => {
                current.push_str(line);
                if !current.trim().is_empty() {
                    out.push(std::mem::take(&mut current));
                }
                current.clear();
            }
        }
    }
    out
}

/// Whether `run` (a RUN instruction) downloads with pip or uv.
fn downloads(run: &str) -> bool {
    (run.contains("pip install") || run.contains("pip wheel") || run.contains("pip --python"))
        && !run.contains("--no-index")
}

fn dockerfiles(proj: &Path) -> Vec<(String, String)> {
    config_variants(&config(proj))
        .into_iter()
        .map(|(_, path)| (path.clone(), read(proj.join(&path))))
        .collect()
}

#[test]
fn with_a_bundle_every_step_that_downloads_mounts_it_and_points_its_tool_at_it() {
    let tmp = tempdir();
    let (proj, bundle) = proxied_package(tmp.path());
    let settings = config(&proj);
    assert_eq!(
        settings["tls"]["ca_file"].as_str(),
        Some(bundle.to_str().unwrap()),
        "{settings:?}"
    );
    let mut checked = 0;
    for (path, text) in dockerfiles(&proj) {
        for run in instructions(&text).iter().filter(|i| i.starts_with("RUN ")) {
            if !downloads(run) {
                continue;
            }
            checked += 1;
            assert!(
                run.contains("--mount=type=secret,id=dockwright-ca"),
                "{path}: {run}"
            );
            for tool in ["python -m pip", "uv pip"] {
                for (at, _) in run.match_indices(tool) {
                    let before = &run[..at];
                    let var = if tool == "uv pip" {
                        "SSL_CERT_FILE"
                    } else {
                        "PIP_CERT"
                    };
                    assert!(
                        before.ends_with(&format!("{var}=/run/secrets/dockwright-ca ")),
                        "{path}: `{tool}` without {var}: {run}"
                    );
                }
            }
        }
        // Only a mount: never a file of the image, never a variable it keeps.
        for instruction in instructions(&text) {
            if !instruction.starts_with("RUN ") {
                assert!(
                    !instruction.contains("dockwright-ca"),
                    "{path}: {instruction}"
                );
            }
        }
    }
    assert!(checked >= 20, "only {checked} downloading steps");

    // Rendering again without the flag keeps the setting and the mounts, and
    // the project's profile rather than the default one.
    assert_success(&run(&proj, &["init", "--force", "--yes"]));
    assert_eq!(
        project_value(&config(&proj), "profile").as_str(),
        Some("all")
    );
    assert_eq!(
        config(&proj)["tls"]["ca_file"].as_str(),
        Some(bundle.to_str().unwrap())
    );
    assert!(read(proj.join("dockerfiles/uv.Dockerfile")).contains("id=dockwright-ca"));
}

#[test]
fn without_a_bundle_no_dockerfile_mentions_one() {
    let tmp = tempdir();
    let proj = new_project(tmp.path(), "plain", &["--profile", "all", "--yes"]);
    for (path, text) in dockerfiles(&proj) {
        assert!(!text.contains("dockwright-ca"), "{path}");
        assert!(!text.contains("PIP_CERT"), "{path}");
    }
    assert!(config(&proj)["tls"].as_table().unwrap().is_empty());
}

#[test]
fn a_bundle_that_is_not_there_or_not_pem_creates_nothing() {
    let tmp = tempdir();
    let err = assert_usage_error(&run(
        tmp.path(),
        &["new", "p", "--yes", "--ca-file", "/nonexistent/corp.pem"],
    ));
    assert!(
        err.contains("cannot read the CA bundle `/nonexistent/corp.pem` (from --ca-file)"),
        "{err}"
    );
    assert!(!tmp.path().join("p").exists());

    write(tmp.path().join("key.pem"), "-----BEGIN PRIVATE KEY-----\n");
    let output = dockwright(tmp.path())
        .args(["new", "p", "--yes"])
        .env("DOCKWRIGHT_CA_FILE", tmp.path().join("key.pem"))
        .output()
        .unwrap();
    let err = assert_usage_error(&output);
    assert!(err.contains("holds no PEM certificate"), "{err}");
    assert!(err.contains("DOCKWRIGHT_CA_FILE"), "{err}");
    assert!(!tmp.path().join("p").exists());
}

#[test]
fn dockerfiles_that_mount_a_bundle_none_is_set_for_are_refused_before_any_build() {
    let tmp = tempdir();
    let bundle = tmp.path().join("corp-ca.pem");
    write(&bundle, PEM);
    let proj = new_project(
        tmp.path(),
        "proxied",
        &[
            "--profile",
            "speed",
            "--yes",
            "--ca-file",
            bundle.to_str().unwrap(),
        ],
    );
    std::fs::remove_file(&bundle).unwrap();
    // The setting names a file that is gone: said before any engine is asked.
    let err = assert_usage_error(&run(&proj, &["build", "--engine", "/nonexistent/docker"]));
    assert!(err.contains("[tls] ca_file"), "{err}");

    let path = proj.join("dockwright.toml");
    let text = read(&path);
    let without: String = text
        .lines()
        .filter(|l| !l.starts_with("ca_file"))
        .map(|l| format!("{l}\n"))
        .collect();
    write(&path, &without);
    let err = assert_usage_error(&run(&proj, &["build", "--engine", "/nonexistent/docker"]));
    assert!(
        err.contains("mount the CA bundle (the secret `dockwright-ca`), but none is set"),
        "{err}"
    );
    assert!(err.contains("`dockerfiles/uv.Dockerfile`"), "{err}");
}
