//! `dockwright clean` on the real engine: the project's images and cache
//! mounts go; an image labelled with another project, an unlabelled one and
//! another project's cache mount stay.

use crate::cache_mounts::cache_mount;
use crate::support::{build_from_stdin, docker, dockwright, engine, scaffold, text};

/// Builds a one-layer image from the slim base, tagged `tag`, with `labels`,
/// whose build writes into the cache mount `cache`.
fn image(engine: &std::path::Path, tag: &str, labels: &[&str], cache: &str) {
    let mut args = vec!["-t", tag];
    for label in labels {
        args.extend(["--label", label]);
    }
    build_from_stdin(
        engine,
        &args,
        &format!(
            "FROM python:3.13-slim\nRUN --mount=type=cache,id={cache},target=/c echo {tag} > /c/tag && echo {tag} > /tag\n"
        ),
    );
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
    // Another project whose name starts with this one's.
    let foreign_cache = format!("dockwright-{}-api-pip", project.name);
    image(
        &engine,
        &foreign,
        &[&format!("dockwright.project=e2e-other-{pid}")],
        &foreign_cache,
    );
    image(&engine, &unlabelled, &[], &format!("e2e-clean-plain-{pid}"));
    let engine_path = engine.to_str().unwrap();
    // --no-cache: the install runs, and fills the project's cache mount, even when an earlier
    // project's identical step is in the layer cache (a cache mount's id is not in the key).
    let built = dockwright(
        dir,
        &[
            "build",
            "docker-init",
            "--no-cache",
            "--engine",
            engine_path,
        ],
    );
    assert!(built.status.success(), "{}", text(&built.stderr));
    let ours = format!("{}:docker-init", project.name);
    assert!(exists(&engine, &ours));
    let our_cache = format!("dockwright-{}-pip", project.name);
    assert!(
        cache_mount(&engine, &our_cache),
        "no cache mount {our_cache}"
    );
    assert!(cache_mount(&engine, &foreign_cache));

    let dry = dockwright(dir, &["clean", "--dry-run", "--engine", engine_path]);
    assert!(dry.status.success(), "{}", text(&dry.stderr));
    assert!(text(&dry.stdout).contains(&ours), "{}", text(&dry.stdout));
    assert!(
        text(&dry.stdout).contains(&our_cache),
        "{}",
        text(&dry.stdout)
    );
    assert!(exists(&engine, &ours), "--dry-run removed an image");
    assert!(
        cache_mount(&engine, &our_cache),
        "--dry-run removed a cache mount"
    );

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
    assert!(!cache_mount(&engine, &our_cache), "{}", text(&out.stdout));
    assert!(
        cache_mount(&engine, &foreign_cache),
        "another project's cache mount was removed"
    );
    let _ = docker(&engine, &["rmi", &foreign, &unlabelled]);
}
