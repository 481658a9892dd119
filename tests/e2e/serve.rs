//! Scaffold, build every variant with `dockwright build`, run the container,
//! ask it for the page, check it runs as a non-root user, then remove what
//! was made.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::support::{
    docker, dockwright, engine, missing_engine, new_project, skip, text, Cleanup,
};

pub const HELLO: &str = "hello world - v1.0.0";

/// How long a native server may take to answer after `docker run`.
const NATIVE_START: Duration = Duration::from_secs(30);

/// GET / over plain HTTP, retried until the server is up or `limit` has passed.
fn get_root(port: u16, limit: Duration) -> String {
    let deadline = Instant::now() + limit;
    loop {
        let attempt = TcpStream::connect(("127.0.0.1", port)).and_then(|mut stream| {
            stream.set_read_timeout(Some(Duration::from_secs(5)))?;
            stream.write_all(b"GET / HTTP/1.0\r\nHost: localhost\r\n\r\n")?;
            let mut response = String::new();
            stream.read_to_string(&mut response)?;
            Ok(response)
        });
        match attempt {
            Ok(response) if response.starts_with("HTTP/") => return response,
            _ if Instant::now() > deadline => {
                panic!(
                    "no HTTP answer on 127.0.0.1:{port} within {} s",
                    limit.as_secs()
                )
            }
            _ => std::thread::sleep(Duration::from_millis(250)),
        }
    }
}

/// The uid the container's main process runs as, read from the host's /proc.
fn container_uid(engine: &Path, id: &str) -> Option<u32> {
    let pid = text(&docker(engine, &["inspect", "-f", "{{.State.Pid}}", id]).stdout);
    let status = std::fs::read_to_string(format!("/proc/{}/status", pid.trim())).ok()?;
    let line = status.lines().find(|l| l.starts_with("Uid:"))?;
    line.split_whitespace().nth(2)?.parse().ok()
}

/// Runs `tag`, publishing `port` on 127.0.0.1 only, and checks the page and
/// the user; `cleanup` removes the container should a check fail.
pub fn serve_and_check(engine: &Path, cleanup: &mut Cleanup, tag: &str, port: u16, expect: &str) {
    serve_and_check_within(engine, cleanup, tag, port, expect, NATIVE_START);
}

/// As `serve_and_check`, the server given `start` to answer: an image of
/// another architecture runs under emulation, and starts far slower.
pub fn serve_and_check_within(
    engine: &Path,
    cleanup: &mut Cleanup,
    tag: &str,
    port: u16,
    expect: &str,
    start: Duration,
) {
    let published = format!("127.0.0.1::{port}");
    let run = docker(engine, &["run", "-d", "-p", &published, tag]);
    assert!(
        run.status.success(),
        "docker run {tag}: {}",
        text(&run.stderr)
    );
    let id = text(&run.stdout).trim().to_string();
    cleanup.containers.push(id.clone());
    let mapping = text(&docker(engine, &["port", &id, &port.to_string()]).stdout);
    let host = mapping.lines().next().unwrap_or_default();
    assert!(
        host.starts_with("127.0.0.1:"),
        "{tag} is published on `{host}`, not on 127.0.0.1 only"
    );
    let host_port: u16 = host
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .expect("a published port");
    let response = get_root(host_port, start);
    let logs = docker(engine, &["logs", &id]);
    assert!(
        response.starts_with("HTTP/1.0 200") || response.starts_with("HTTP/1.1 200"),
        "{tag} answered {response}\nlogs: {}{}",
        text(&logs.stdout),
        text(&logs.stderr)
    );
    assert!(response.ends_with(expect), "{tag} answered {response}");
    let uid = container_uid(engine, &id).expect("the container's process is visible in /proc");
    assert_ne!(uid, 0, "{tag} runs its app as root");
    let _ = docker(engine, &["rm", "-f", &id]);
}

#[derive(Debug, serde::Deserialize)]
struct Built {
    name: String,
    status: String,
    reason: Option<String>,
}

/// Builds `variants` of the project in `dir` (all when empty) through
/// `dockwright build --json`, and returns what it reported.
fn build(engine: &Path, dir: &Path, variants: &[&str]) -> Vec<Built> {
    let mut args = vec!["build", "--json", "--engine"];
    let engine = engine.to_str().expect("a UTF-8 engine path");
    args.push(engine);
    args.extend(variants);
    let out = dockwright(dir, &args);
    let results: Vec<Built> = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|err| panic!("build printed no JSON ({err}): {}", text(&out.stderr)));
    for built in &results {
        assert_ne!(
            built.status,
            "failed",
            "{} failed:\n{}",
            built.name,
            text(&out.stderr)
        );
    }
    assert!(
        out.status.success(),
        "dockwright build: {}",
        text(&out.stderr)
    );
    results
}

/// Every variant of the `all` profile on `preset`: built, served, non-root.
fn every_variant(preset: &str, left_out: &[(&str, &str)]) {
    let Some(engine) = engine() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let project = format!("e2e-{preset}-{}", std::process::id());
    let dir = new_project(
        tmp.path(),
        &project,
        &["--profile", "all", "--deps", preset],
    );
    let config: toml::Table =
        toml::from_str(&std::fs::read_to_string(dir.join("dockwright.toml")).unwrap()).unwrap();
    let variants: Vec<String> = config["variant"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap().to_string())
        .collect();
    let mut cleanup = Cleanup {
        engine: engine.to_path_buf(),
        project: project.clone(),
        containers: Vec::new(),
    };
    let mut served = 0;
    for variant in &variants {
        if let Some((_, why)) = left_out.iter().find(|(name, _)| name == variant) {
            skip(&format!("{variant} on the {preset} preset: {why}"));
            continue;
        }
        let results = build(&engine, &dir, &[variant]);
        let built = &results[0];
        if built.status == "skipped" {
            skip(&format!(
                "{variant}: {}",
                built.reason.as_deref().unwrap_or("no reason given")
            ));
            continue;
        }
        assert_eq!(built.status, "ok");
        let tag = format!("{project}:{variant}");
        serve_and_check(&engine, &mut cleanup, &tag, 5000, HELLO);
        if preset == "article" {
            let imports = docker(
                &engine,
                &[
                    "run",
                    "--rm",
                    &tag,
                    "python3",
                    "-c",
                    "import flask, pandas, numpy",
                ],
            );
            assert!(
                imports.status.success(),
                "{tag} cannot import its dependencies: {}",
                text(&imports.stderr)
            );
        }
        let _ = docker(&engine, &["rmi", "-f", &tag]);
        served += 1;
    }
    assert!(
        served >= variants.len() - 2,
        "only {served} of {} variants were served",
        variants.len()
    );
}

#[test]
fn every_variant_builds_and_serves_with_minimal_dependencies() {
    every_variant("minimal", &[]);
}

#[test]
fn every_variant_builds_and_serves_with_the_articles_dependencies() {
    every_variant(
        "article",
        &[(
            "from-source",
            "compiling numpy and pandas takes tens of minutes; `cargo xtask bench --slow` measures it",
        )],
    );
}

#[test]
fn an_adopted_factory_package_builds_and_serves() {
    let Some(engine) = engine() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let project = format!("e2e-adopt-{}", std::process::id());
    let dir = tmp.path().join(&project);
    std::fs::create_dir_all(dir.join("shop")).unwrap();
    std::fs::write(
        dir.join("shop/__init__.py"),
        "from flask import Flask\n\n\ndef create_app():\n    app = Flask(__name__)\n\n    @app.route(\"/\")\n    def home():\n        return \"shop is open\"\n\n    return app\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("pyproject.toml"),
        "[project]\nname = \"shop\"\nversion = \"0.1.0\"\ndependencies = [\"flask==3.1.3\", \"gunicorn==27.0.1\"]\n\n[build-system]\nrequires = [\"setuptools>=61\"]\nbuild-backend = \"setuptools.build_meta\"\n",
    )
    .unwrap();
    let adopted = dockwright(&dir, &["init", "--yes", "--profile", "balanced"]);
    assert!(adopted.status.success(), "{}", text(&adopted.stderr));
    let mut cleanup = Cleanup {
        engine: engine.to_path_buf(),
        project: project.clone(),
        containers: Vec::new(),
    };
    let results = build(&engine, &dir, &[]);
    assert_eq!(results.len(), 3);
    for built in &results {
        assert_eq!(built.status, "ok", "{built:?}");
        let tag = format!("{project}:{}", built.name);
        serve_and_check(&engine, &mut cleanup, &tag, 5000, "shop is open");
    }
}

#[test]
fn an_adopted_app_without_gunicorn_gets_it_and_serves() {
    let Some(engine) = engine() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let project = format!("e2e-gunicorn-{}", std::process::id());
    let dir = tmp.path().join(&project);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("web.py"),
        "from flask import Flask\n\napp = Flask(__name__)\n\n\n@app.route(\"/\")\ndef home():\n    return \"served by gunicorn\"\n",
    )
    .unwrap();
    std::fs::write(dir.join("requirements.txt"), "flask==3.1.3\n").unwrap();
    let adopted = dockwright(&dir, &["init", "--yes", "--profile", "all"]);
    assert!(adopted.status.success(), "{}", text(&adopted.stderr));
    let mut cleanup = Cleanup {
        engine: engine.to_path_buf(),
        project: project.clone(),
        containers: Vec::new(),
    };
    // Each way a variant brings the requirements in: COPY, both files in a
    // build stage, bind mounts for pip and for uv, pip and uv `--target`.
    let variants = [
        "requirements-first",
        "from-source",
        "cache-mount",
        "uv",
        "minimal-final",
        "uv-minimal",
    ];
    let results = build(&engine, &dir, &variants);
    assert_eq!(results.len(), variants.len());
    for built in &results {
        assert_eq!(built.status, "ok", "{built:?}");
        let tag = format!("{project}:{}", built.name);
        serve_and_check(&engine, &mut cleanup, &tag, 5000, "served by gunicorn");
    }
}

/// The stand-in with the official images' layout (Python in /usr/local, a
/// shared libpython), built by `cargo xtask fixtures`.
const OFFICIAL_LAYOUT_SLIM: &str = "dockwright-official-layout/python:3.13-slim";

#[test]
fn the_profiles_build_and_serve_on_the_official_layout_too() {
    let Some(engine) = engine() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let project = format!("e2e-layout-{}", std::process::id());
    let dir = new_project(
        tmp.path(),
        &project,
        &["--profile", "all", "--deps", "minimal"],
    );
    let settings = dir.join("dockwright.toml");
    let mut toml = std::fs::read_to_string(&settings).unwrap();
    toml.push_str(&format!(
        "\n[base-sets.official-layout]\nslim = \"{OFFICIAL_LAYOUT_SLIM}\"\n"
    ));
    std::fs::write(&settings, toml).unwrap();
    let mut cleanup = Cleanup {
        engine: engine.to_path_buf(),
        project: project.clone(),
        containers: Vec::new(),
    };
    let variants = [
        "docker-init",
        "cache-mount",
        "uv",
        "multi-stage",
        "minimal-final",
        "uv-minimal",
    ];
    let mut args = vec![
        "build",
        "--json",
        "--base-set",
        "official-layout",
        "--engine",
        engine.to_str().unwrap(),
    ];
    args.extend(variants);
    let out = dockwright(&dir, &args);
    let results: Vec<Built> = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|err| panic!("build printed no JSON ({err}): {}", text(&out.stderr)));
    assert_eq!(results.len(), variants.len());
    for built in &results {
        if built.status == "skipped" {
            missing_engine(&format!(
                "{} on the official layout: {} (run `cargo xtask fixtures`)",
                built.name,
                built.reason.as_deref().unwrap_or_default()
            ));
            continue;
        }
        assert_eq!(built.status, "ok", "{built:?}\n{}", text(&out.stderr));
        let tag = format!("{project}:{}", built.name);
        serve_and_check(&engine, &mut cleanup, &tag, 5000, HELLO);
    }
}

/// A Flask app as real ones are: it makes its log and upload folders at
/// start and reads its settings from the environment. Under the non-root
/// user that dies at boot unless `[runtime] writable` makes the folders the
/// app user's; the rest of /app must stay read-only to it.
const WRITES_AT_START: &str = r#"import os

from flask import Flask

os.makedirs("logs", exist_ok=True)
os.makedirs("instance/uploads", exist_ok=True)
with open("logs/boot.log", "a") as log:
    log.write("started\n")

app = Flask(__name__)


@app.route("/")
def index():
    return "greeting: " + os.environ["GREETING"]
"#;

#[test]
fn an_app_that_writes_at_start_serves_with_runtime_settings() {
    let Some(engine) = engine() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let project = format!("e2e-runtime-{}", std::process::id());
    let dir = tmp.path().join(&project);
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("app.py"), WRITES_AT_START).unwrap();
    std::fs::write(
        dir.join("requirements.txt"),
        "flask==3.1.3\ngunicorn==23.0.0\n",
    )
    .unwrap();
    // The folder is in the project already, with a file: the copy of the
    // app must not take the app user's ownership away.
    std::fs::create_dir(dir.join("logs")).unwrap();
    std::fs::write(dir.join("logs/.keep"), "").unwrap();
    let greeting = r#"say "hi" to $USER"#;
    let env = format!("GREETING={greeting}");
    let init = dockwright(
        &dir,
        &[
            "init",
            "--yes",
            "--profile",
            "size",
            "--writable",
            "logs",
            "--writable",
            "instance/uploads",
            "--env",
            &env,
        ],
    );
    assert!(init.status.success(), "init: {}", text(&init.stderr));
    let mut cleanup = Cleanup {
        engine: engine.to_path_buf(),
        project: project.clone(),
        containers: Vec::new(),
    };
    let variants = ["docker-init", "minimal-final"];
    for built in build(&engine, &dir, &variants) {
        assert_eq!(built.status, "ok", "{}: {:?}", built.name, built.reason);
        let tag = format!("{project}:{}", built.name);
        serve_and_check(
            &engine,
            &mut cleanup,
            &tag,
            5000,
            &format!("greeting: {greeting}"),
        );
    }
    // In the image with a shell: the app user writes the folders it was
    // given, and nothing else under /app.
    let tag = format!("{project}:docker-init");
    let probe = |script: &str| {
        docker(
            &engine,
            &["run", "--rm", "--entrypoint", "sh", &tag, "-c", script],
        )
    };
    assert!(probe("touch /app/logs/x /app/instance/uploads/x")
        .status
        .success());
    let denied = probe("touch /app/app.py");
    assert!(
        !denied.status.success(),
        "the app user can write /app/app.py"
    );
}
