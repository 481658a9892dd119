//! `dockwright clean` on the real engine: the project's images go, an image
//! labelled with another project and an unlabelled one stay.

use std::io::Write;
use std::process::{Command, Stdio};

use crate::support::{docker, dockwright, engine, scaffold, text};

/// Builds a one-layer image from the slim base, tagged `tag`, with `labels`.
fn image(engine: &std::path::Path, tag: &str, labels: &[&str]) {
    let mut args = vec!["build", "--quiet", "-t", tag];
    for label in labels {
        args.extend(["--label", label]);
    }
    args.push("-");
    let mut build = Command::new(engine)
        .args(&args)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let dockerfile = format!("FROM python:3.13-slim\nRUN echo {tag} > /tag\n");
    build
        .stdin
        .take()
        .unwrap()
        .write_all(dockerfile.as_bytes())
        .unwrap();
    let out = build.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
}

fn exists(engine: &std::path::Path, tag: &str) -> bool {
    docker(engine, &["image", "inspect", tag]).status.success()
}

#[test]
fn clean_removes_this_projects_images_and_no_other() {
    let Some(engine) = engine() else { return };
    let project = scaffold(
        &engine,
        "e2e-clean",
        &["--profile", "size", "--deps", "minimal"],
    );
    let dir = &project.dir;
    let pid = std::process::id();
    let foreign = format!("e2e-clean-foreign-{pid}:1");
    let unlabelled = format!("e2e-clean-plain-{pid}:1");
    image(
        &engine,
        &foreign,
        &[&format!("dockwright.project=e2e-other-{pid}")],
    );
    image(&engine, &unlabelled, &[]);
    let engine_path = engine.to_str().unwrap();
    let built = dockwright(dir, &["build", "docker-init", "--engine", engine_path]);
    assert!(built.status.success(), "{}", text(&built.stderr));
    let ours = format!("{}:docker-init", project.name);
    assert!(exists(&engine, &ours));

    let dry = dockwright(dir, &["clean", "--dry-run", "--engine", engine_path]);
    assert!(dry.status.success(), "{}", text(&dry.stderr));
    assert!(text(&dry.stdout).contains(&ours), "{}", text(&dry.stdout));
    assert!(exists(&engine, &ours), "--dry-run removed an image");

    let out = dockwright(dir, &["clean", "--engine", engine_path]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(!exists(&engine, &ours), "{}", text(&out.stdout));
    assert!(
        exists(&engine, &foreign),
        "another project's image was removed"
    );
    assert!(
        exists(&engine, &unlabelled),
        "an unlabelled image was removed"
    );
    let _ = docker(&engine, &["rmi", &foreign, &unlabelled]);
}
