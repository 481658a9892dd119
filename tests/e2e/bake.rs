//! `dockwright bake` judged by buildx itself: `docker buildx bake --print`
//! reads the file as dockwright's own plan, `docker buildx bake --load`
//! builds variants that serve, on the default builder and on the remote
//! BuildKit `dockwright-remote`, and the registry cache that one bake
//! writes spares the next one the dependency install.

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::serve::{serve_and_check, HELLO};
use crate::support::{
    docker, dockwright, engine, missing_engine, new_project, skip, text, Cleanup,
};

/// The remote BuildKit builder that `cargo xtask engine` registers.
const REMOTE: &str = "dockwright-remote";
/// The registry that `cargo xtask engine` starts.
const REGISTRY: &str = "127.0.0.1:5000";

/// A docker client with the buildx plugin: the engine's, else the first
/// `docker` on PATH, as a user has it.
fn buildx() -> Option<PathBuf> {
    let mut candidates: Vec<PathBuf> = std::env::var_os("DOCKWRIGHT_ENGINE")
        .map(PathBuf::from)
        .into_iter()
        .collect();
    candidates.extend(["docker", "/usr/local/bin/docker", "/usr/bin/docker"].map(PathBuf::from));
    let found = candidates.into_iter().find(|client| {
        Command::new(client)
            .args(["buildx", "version"])
            .output()
            .is_ok_and(|out| out.status.success())
    });
    if found.is_none() {
        missing_engine("no docker client with the buildx plugin (install docker-buildx, or run `cargo xtask engine`)");
    }
    found
}

/// Whether buildx knows the builder `name`.
fn builder_exists(client: &Path, name: &str) -> bool {
    docker(client, &["buildx", "inspect", name])
        .status
        .success()
}

/// `docker buildx bake ARGS` in `dir`, which must succeed; returns stdout
/// and stderr (the plain progress log).
fn bake(client: &Path, dir: &Path, args: &[&str]) -> (String, String) {
    let out = Command::new(client)
        .current_dir(dir)
        .args(["buildx", "bake"])
        .args(args)
        .output()
        .expect("the client runs");
    assert!(
        out.status.success(),
        "docker buildx bake {args:?}:\n{}",
        text(&out.stderr)
    );
    (text(&out.stdout), text(&out.stderr))
}

/// `dockwright bake ARGS` in `dir`, which must succeed; returns stdout.
fn dockwright_bake(dir: &Path, args: &[&str]) -> String {
    let mut all = vec!["bake"];
    all.extend(args);
    let out = dockwright(dir, &all);
    assert!(
        out.status.success(),
        "dockwright {all:?}: {}",
        text(&out.stderr)
    );
    text(&out.stdout)
}

#[test]
fn buildx_reads_the_bake_file_as_dockwrights_own_plan() {
    let Some(client) = buildx() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let dir = new_project(
        tmp.path(),
        "plan",
        &["--profile", "all", "--deps", "minimal"],
    );
    // A Dockerfile path that would end the string or start an interpolation
    // if it were written raw.
    let odd = "dockerfiles/my \"uv\" ${HOME} %{ if } \\.Dockerfile";
    std::fs::rename(dir.join("dockerfiles/uv.Dockerfile"), dir.join(odd)).unwrap();
    let settings = std::fs::read_to_string(dir.join("dockwright.toml")).unwrap();
    let settings = settings.replace(
        "dockerfile = \"dockerfiles/uv.Dockerfile\"",
        &format!("dockerfile = {}", toml::Value::from(odd)),
    );
    std::fs::write(dir.join("dockwright.toml"), settings).unwrap();
    let options = [
        "--platform",
        "linux/amd64,linux/arm64",
        "--cache-ref",
        "127.0.0.1:5000/plan-cache",
    ];
    dockwright_bake(&dir, &options);
    let mut json_args = vec!["--format", "json"];
    json_args.extend(options);
    let plan: Value = serde_json::from_str(&dockwright_bake(&dir, &json_args)).unwrap();
    assert_eq!(plan["target"]["uv"]["dockerfile"], odd);

    // Without names, buildx prints the default group and every target it reaches.
    let (printed, _) = bake(&client, &dir, &["--print", "-f", "docker-bake.hcl"]);
    let printed: Value = serde_json::from_str(&printed)
        .unwrap_or_else(|err| panic!("buildx printed no JSON ({err}): {printed}"));
    assert_eq!(printed["target"], plan["target"]);
    assert_eq!(printed["group"]["default"], plan["group"]["default"]);
    assert_eq!(printed["group"]["all"], plan["group"]["all"]);
    // Named, the other profiles' groups as the file defines them.
    let groups: Vec<&str> = plan["group"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .filter(|name| *name != "default")
        .collect();
    assert!(groups.len() > 2, "{groups:?}");
    let mut args = vec!["--print", "-f", "docker-bake.hcl"];
    args.extend(&groups);
    let (printed, _) = bake(&client, &dir, &args);
    let printed: Value = serde_json::from_str(&printed).unwrap();
    for group in groups {
        assert_eq!(printed["group"][group], plan["group"][group], "{group}");
    }
}

/// The variants of the `all` profile that build here: no alpine stand-in
/// can be made without an Alpine package source.
fn buildable(plan: &Value) -> Vec<String> {
    plan["group"]["all"]["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|name| name.as_str().unwrap().to_string())
        .filter(|name| name != "alpine")
        .collect()
}

#[test]
fn bake_load_builds_every_variant_and_each_serves() {
    let Some(engine) = engine() else { return };
    let Some(client) = buildx() else { return };
    let mut builders = vec!["default"];
    if builder_exists(&client, REMOTE) {
        builders.push(REMOTE);
    } else {
        skip(&format!("on `{REMOTE}`: buildx has no such builder (`cargo xtask engine` registers it); the default builder only"));
    }
    for builder in builders {
        let tmp = tempfile::tempdir().unwrap();
        let project = format!(
            "e2e-bake-{}-{}",
            builder.replace('-', ""),
            std::process::id()
        );
        let dir = new_project(
            tmp.path(),
            &project,
            &["--profile", "all", "--deps", "minimal"],
        );
        let mut cleanup = Cleanup {
            engine: engine.to_path_buf(),
            project: project.clone(),
            containers: Vec::new(),
        };
        dockwright_bake(&dir, &[]);
        let plan: Value =
            serde_json::from_str(&dockwright_bake(&dir, &["--format", "json"])).unwrap();
        let variants = buildable(&plan);
        let mut args = vec!["--builder", builder, "--load", "--progress=plain"];
        args.extend(variants.iter().map(String::as_str));
        bake(&client, &dir, &args);
        for variant in &variants {
            let tag = format!("{project}:{variant}");
            let label = text(
                &docker(
                    &engine,
                    &[
                        "image",
                        "inspect",
                        "--format",
                        "{{index .Config.Labels \"dockwright.variant\"}}",
                        &tag,
                    ],
                )
                .stdout,
            );
            assert_eq!(label.trim(), variant, "{tag} on {builder}");
            serve_and_check(&engine, &mut cleanup, &tag, 5000, HELLO);
        }
    }
}

/// The ids of the plain-progress steps whose line names `words`, and
/// whether each ended CACHED.
fn steps(log: &str, words: &str) -> Vec<(String, bool)> {
    log.lines()
        .filter(|line| line.contains(words) && line.contains(" RUN "))
        .filter_map(|line| line.split_whitespace().next())
        .map(|id| {
            let cached = log.lines().any(|l| l == format!("{id} CACHED"));
            (id.to_string(), cached)
        })
        .collect()
}

/// The registry cache is the only cache left: dockwright-remote, the test
/// suite's own builder, has its local cache emptied between the two bakes.
/// (The default builder cannot stand in for a second builder: the `docker`
/// driver cannot export a cache, and dockerd 26's BuildKit, older than the
/// remote one, makes other cache keys for the same Dockerfile: seen here,
/// it imported the cache and ran the install again.)
#[test]
fn a_second_bake_reuses_the_registry_cache_for_the_dependency_install() {
    let Some(engine) = engine() else { return };
    let Some(client) = buildx() else { return };
    if TcpStream::connect(REGISTRY).is_err() {
        return missing_engine(&format!(
            "no registry on {REGISTRY} (`cargo xtask engine` starts one)"
        ));
    }
    if !builder_exists(&client, REMOTE) {
        return missing_engine(&format!(
            "buildx has no builder `{REMOTE}` to write a registry cache with (`cargo xtask engine` registers it)"
        ));
    }
    let tmp = tempfile::tempdir().unwrap();
    let project = format!("e2e-bakecache-{}", std::process::id());
    let dir = new_project(
        tmp.path(),
        &project,
        &["--profile", "speed", "--deps", "minimal"],
    );
    let _cleanup = Cleanup {
        engine: engine.to_path_buf(),
        project: project.clone(),
        containers: Vec::new(),
    };
    // Requirements no build has seen, so that the first install is a real one.
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let requirements = dir.join("requirements.txt");
    let mut pins = std::fs::read_to_string(&requirements).unwrap();
    pins.push_str(&format!("# {project} {nanos}\n"));
    std::fs::write(&requirements, pins).unwrap();
    dockwright_bake(
        &dir,
        &["--cache-ref", &format!("{REGISTRY}/{project}-cache")],
    );
    let args = ["--builder", REMOTE, "--progress=plain", "docker-init"];

    let (_, first) = bake(&client, &dir, &args);
    let installs = steps(&first, "pip install");
    assert!(!installs.is_empty(), "no dependency install in:\n{first}");
    assert!(
        installs.iter().all(|(_, cached)| !cached),
        "the first build found the install cached already:\n{first}"
    );
    let pruned = docker(
        &client,
        &["buildx", "prune", "--builder", REMOTE, "--all", "--force"],
    );
    assert!(pruned.status.success(), "{}", text(&pruned.stderr));
    let (_, second) = bake(&client, &dir, &args);
    let installs = steps(&second, "pip install");
    assert!(!installs.is_empty(), "no dependency install in:\n{second}");
    assert!(
        installs.iter().all(|(_, cached)| *cached),
        "the second bake ran the install again:\n{second}"
    );
}
