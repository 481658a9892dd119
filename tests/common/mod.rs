//! Helpers shared by the integration tests: running the built binary,
//! checking how it fails, reading the variant catalogue, and comparing
//! directory trees before and after a command.

// Each test crate compiles this module on its own and uses only part of it.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub const BIN: &str = env!("CARGO_BIN_EXE_dockwright");

/// The profiles and presets the issue names; `the_catalogue_has_the_tested_profiles`
/// notices when the catalogue grows past them.
pub const PROFILES: [&str; 5] = ["size", "speed", "balanced", "article", "all"];
pub const PRESETS: [&str; 2] = ["article", "minimal"];

/// What the tests set DOCKWRIGHT_CEILING_DIRECTORIES to: the temporary
/// directory their projects are made in, so that a dockwright.toml left in
/// it (or above it) by anyone cannot pass for the project of a test that
/// starts where there is none.
pub fn ceiling() -> PathBuf {
    std::env::temp_dir()
}

/// `dockwright` run in `dir`, with no terminal and no colour, and with
/// `RUST_BACKTRACE` unset so that a panic would print its telltale note.
/// The search for a project stops below the temporary directory (`ceiling`).
pub fn dockwright(dir: &Path) -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::new(BIN);
    cmd.current_dir(dir)
        .env("DOCKWRIGHT_CEILING_DIRECTORIES", ceiling())
        .env("NO_COLOR", "1")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("DOCKWRIGHT_CA_FILE")
        .env_remove("RUST_BACKTRACE");
    cmd
}

/// Runs `dockwright ARGS` in `dir` with its stdout a pipe whose reader is
/// gone before it starts, as when `| head` has already quit.
pub fn run_with_stdout_closed(dir: &Path, args: &[&str]) -> Output {
    let (reader, writer) = std::io::pipe().expect("a pipe");
    drop(reader);
    std::process::Command::new(BIN)
        .current_dir(dir)
        .env("DOCKWRIGHT_CEILING_DIRECTORIES", ceiling())
        .env("NO_COLOR", "1")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("RUST_BACKTRACE")
        .args(args)
        .stdout(writer)
        .output()
        .expect("dockwright runs")
}

/// Panics unless `output`, of a command whose stdout was closed, ended
/// quietly: exit 0 and no word of the pipe or a panic on stderr.
pub fn assert_quiet_on_a_closed_pipe(output: &Output) {
    let err = stderr(output);
    assert_eq!(output.status.code(), Some(0), "stderr:\n{err}");
    for telltale in ["Broken pipe", "panicked", "failed printing"] {
        assert!(!err.contains(telltale), "stderr:\n{err}");
    }
}

/// Runs `dockwright ARGS` in `dir` and returns what it did.
pub fn run(dir: &Path, args: &[&str]) -> Output {
    dockwright(dir)
        .args(args)
        .output()
        .expect("dockwright runs")
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Panics with everything the command printed unless it exited 0.
pub fn assert_success(output: &Output) {
    assert!(
        output.status.success(),
        "expected success, got {:?}\nstdout:\n{}\nstderr:\n{}",
        output.status,
        stdout(output),
        stderr(output)
    );
    assert_no_panic(output);
}

pub fn assert_no_panic(output: &Output) {
    let err = stderr(output);
    for telltale in ["panicked", "RUST_BACKTRACE"] {
        assert!(!err.contains(telltale), "panic text on stderr:\n{err}");
    }
}

/// Why `output` is not a clean usage error: exit code 2, nothing on stdout,
/// and on stderr one `error:` line holding one sentence, followed only by
/// `help:` or `note:` lines. Returns the error sentence when it is.
pub fn usage_error(output: &Output) -> Result<String, String> {
    let err = stderr(output);
    let out = stdout(output);
    let context = || format!("status {:?}\nstdout:\n{out}\nstderr:\n{err}", output.status);
    if output.status.code() != Some(2) {
        return Err(format!("expected exit code 2; {}", context()));
    }
    if ["panicked", "RUST_BACKTRACE"]
        .iter()
        .any(|telltale| err.contains(telltale))
    {
        return Err(format!("panic text on stderr; {}", context()));
    }
    if !out.is_empty() {
        return Err(format!("expected nothing on stdout; {}", context()));
    }
    let mut lines = err.lines().filter(|line| !line.trim().is_empty());
    let message = match lines.next().and_then(|line| line.strip_prefix("error: ")) {
        Some(message) if !message.trim().is_empty() => message.to_string(),
        _ => {
            return Err(format!(
                "stderr does not start with `error: `; {}",
                context()
            ))
        }
    };
    if let Some(extra) =
        lines.find(|line| !(line.starts_with("help: ") || line.starts_with("note: ")))
    {
        return Err(format!(
            "stderr has more than the error and its help: `{extra}`; {}",
            context()
        ));
    }
    if two_sentences(&message) {
        return Err(format!(
            "the error is more than one sentence; {}",
            context()
        ));
    }
    Ok(message)
}

/// Panicking form of `usage_error`.
pub fn assert_usage_error(output: &Output) -> String {
    usage_error(output).unwrap_or_else(|why| panic!("{why}"))
}

/// A full stop, a space and a capital letter: the start of a second sentence.
fn two_sentences(message: &str) -> bool {
    message
        .match_indices(". ")
        .any(|(at, _)| message[at + 2..].starts_with(|c: char| c.is_uppercase()))
}

/// An adopted package, which installs itself with pip: the `shop` project
/// `init` finds in `proj`.
pub fn package_project(proj: &Path) {
    write(
        proj.join("shop/__init__.py"),
        "from flask import Flask\n\n\ndef create_app():\n    return Flask(__name__)\n",
    );
    write(
        proj.join("pyproject.toml"),
        "[project]\nname = \"shop\"\nversion = \"1.0.0\"\ndependencies = [\"flask==3.1.3\", \"gunicorn==23.0.0\"]\n\n[build-system]\nrequires = [\"setuptools>=61\"]\nbuild-backend = \"setuptools.build_meta\"\n",
    );
}

/// Creates a project with `dockwright new NAME ARGS` in `parent`; returns its path.
pub fn new_project(parent: &Path, name: &str, args: &[&str]) -> PathBuf {
    let mut all = vec!["new", name];
    all.extend_from_slice(args);
    assert_success(&run(parent, &all));
    parent.join(name)
}

pub fn read(path: impl AsRef<Path>) -> String {
    let path = path.as_ref();
    fs::read_to_string(path).unwrap_or_else(|err| panic!("cannot read {}: {err}", path.display()))
}

pub fn write(path: impl AsRef<Path>, contents: &str) {
    let path = path.as_ref();
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).unwrap();
    }
    fs::write(path, contents).unwrap();
}

/// A project's dockwright.toml, parsed without the project's own types.
pub fn config(project: &Path) -> toml::Table {
    let text = read(project.join("dockwright.toml"));
    toml::from_str(&text).unwrap_or_else(|err| panic!("dockwright.toml does not parse: {err}"))
}

/// `[project] KEY` of a parsed dockwright.toml.
pub fn project_value<'a>(config: &'a toml::Table, key: &str) -> &'a toml::Value {
    config["project"]
        .get(key)
        .unwrap_or_else(|| panic!("dockwright.toml has no [project] {key}"))
}

/// The `[[variant]]` tables of a parsed dockwright.toml as (name, dockerfile).
pub fn config_variants(config: &toml::Table) -> Vec<(String, String)> {
    config["variant"]
        .as_array()
        .expect("[[variant]] is an array of tables")
        .iter()
        .map(|v| {
            (
                v["name"].as_str().unwrap().to_string(),
                v["dockerfile"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// scaffolds/variants.toml, the source of truth for the ladders.
fn catalogue() -> toml::Table {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scaffolds/variants.toml");
    toml::from_str(&read(path)).expect("scaffolds/variants.toml parses")
}

pub fn catalogue_profiles() -> Vec<String> {
    catalogue()["profile"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_string())
        .collect()
}

/// The variants of `profile` in ladder order, as the catalogue lists them.
pub fn ladder(profile: &str) -> Vec<String> {
    let catalogue = catalogue();
    let entry = catalogue["profile"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"].as_str() == Some(profile))
        .unwrap_or_else(|| panic!("the catalogue has no profile {profile}"));
    entry["variants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

/// Every regular file under `dir` but dockwright's own state
/// (`.dockwright/`), as sorted `/`-separated relative paths.
pub fn files(dir: &Path) -> Vec<String> {
    tree(dir)
        .into_iter()
        .filter(|(path, node)| matches!(node, Node::File(_)) && !path.starts_with(".dockwright"))
        .map(|(path, _)| slash_path(&path))
        .collect()
}

pub fn slash_path(path: &Path) -> String {
    path.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    Dir,
    File(Vec<u8>),
    Symlink(PathBuf),
}

/// Everything under `root` (not following symlinks), contents included.
pub fn tree(root: &Path) -> BTreeMap<PathBuf, Node> {
    let mut nodes = BTreeMap::new();
    walk(root, Path::new(""), &mut nodes);
    nodes
}

fn walk(root: &Path, rel: &Path, nodes: &mut BTreeMap<PathBuf, Node>) {
    let mut entries: Vec<_> = fs::read_dir(root.join(rel))
        .unwrap()
        .map(|e| e.unwrap())
        .collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = rel.join(entry.file_name());
        let kind = entry.file_type().unwrap();
        if kind.is_symlink() {
            let target = fs::read_link(entry.path()).unwrap();
            nodes.insert(path, Node::Symlink(target));
        } else if kind.is_dir() {
            nodes.insert(path.clone(), Node::Dir);
            walk(root, &path, nodes);
        } else {
            nodes.insert(path, Node::File(fs::read(entry.path()).unwrap()));
        }
    }
}

/// What differs between two trees, one line per path; empty when equal.
pub fn tree_diff(before: &BTreeMap<PathBuf, Node>, after: &BTreeMap<PathBuf, Node>) -> String {
    let mut lines = Vec::new();
    for (path, node) in after {
        match before.get(path) {
            None => lines.push(format!("  written: {}", path.display())),
            Some(old) if old != node => lines.push(format!("  changed: {}", path.display())),
            Some(_) => {}
        }
    }
    for path in before.keys().filter(|p| !after.contains_key(*p)) {
        lines.push(format!("  removed: {}", path.display()));
    }
    lines.join("\n")
}

/// Panics, naming the differences, unless `root` still looks like `before`.
pub fn assert_unchanged(root: &Path, before: &BTreeMap<PathBuf, Node>) {
    let diff = tree_diff(before, &tree(root));
    assert!(diff.is_empty(), "the directory changed:\n{diff}");
}

pub fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("a temporary directory")
}

/// The Markdown table row whose first cell is `label`.
pub fn markdown_row(markdown: &str, label: &str) -> Vec<String> {
    let line = markdown
        .lines()
        .find(|line| line.starts_with(&format!("| {label} |")))
        .unwrap_or_else(|| panic!("no row `{label}` in\n{markdown}"));
    line.trim_matches('|')
        .split('|')
        .map(|cell| cell.trim().to_string())
        .collect()
}

/// A module-level Flask app, as `init` finds one.
pub const MODULE_APP: &str = "from flask import Flask\n\napp = Flask(__name__)\n\n\n@app.route(\"/\")\ndef index():\n    return \"shop\"\n";

/// A user's Flask project in `proj` (`web.py`, pinned requirements) with
/// files of its own where dockwright writes: a `.dockerignore` and a
/// `dockerfiles/docker-init.Dockerfile`.
pub fn users_flask_project(proj: &Path) {
    write(proj.join("web.py"), MODULE_APP);
    write(
        proj.join("requirements.txt"),
        "flask==3.1.3\ngunicorn==23.0.0\n",
    );
    write(proj.join(".dockerignore"), "secrets\n");
    write(
        proj.join("dockerfiles/docker-init.Dockerfile"),
        "FROM mine\n",
    );
}

/// The port on 127.0.0.1 of a stand-in app that answers every request with
/// `200 OK`, served for as long as the test process runs: where the fake
/// clients say a started container's port is published.
pub fn app_port() -> u16 {
    static PORT: std::sync::OnceLock<u16> = std::sync::OnceLock::new();
    *PORT.get_or_init(|| {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            for mut stream in listener.incoming().flatten() {
                use std::io::{Read, Write};
                let mut request = [0u8; 512];
                let _ = stream.read(&mut request);
                let _ = stream.write_all(b"HTTP/1.0 200 OK\r\n\r\nhello");
            }
        });
        port
    })
}

/// A stand-in docker client at `dir/docker`. The `arms` (shell `case` arms
/// on the subcommand) come first; otherwise it answers `version` and
/// `image inspect` as docker 20.10 with a running daemon would, writes the
/// id that `image inspect` gives to a build's `--iidfile`, says a started
/// container's port is `app_port`'s, and succeeds at anything else without
/// a word.
pub fn fake_client(dir: &Path, arms: &str) -> PathBuf {
    let path = dir.join("docker");
    let app_port = app_port();
    let script = format!(
        r#"#!/bin/sh
here=$(dirname "$0")
case "$1" in
{arms}
version) echo '20.10.24|20.10.24' ;;
port) echo 127.0.0.1:{app_port} ;;
build) while [ $# -gt 0 ]; do
    if [ "$1" = --iidfile ]; then echo sha256:0 > "$2"; fi
    shift
done ;;
image) case "$4" in '{{{{.Id}}}}') echo sha256:0 ;; *) echo 0 ;; esac ;;
esac
"#
    );
    fs::write(&path, script).unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
    path
}

/// A stand-in docker client (see `fake_client`) whose builds act as
/// `dockwright lock`'s would: the Dockerfile built is kept as
/// `dir/built.Dockerfile`, and the exported lock holds `pins`.
pub fn lock_client(dir: &Path, pins: &str) -> PathBuf {
    fs::write(dir.join("pins"), pins).unwrap();
    fake_client(
        dir,
        r#"build) while [ $# -gt 0 ]; do
    case "$1" in
    -f) cp "$2" "$here/built.Dockerfile"; shift ;;
    --output) dest=${2#type=local,dest=}; shift ;;
    esac
    shift
done
mkdir -p "$dest" && cp "$here/pins" "$dest/requirements.lock" ;;"#,
    )
}

/// A time as a saved run keeps it (format 2): the median of `samples`
/// builds, with the fastest and the slowest.
pub fn timing(median: f64, min: f64, max: f64, samples: usize) -> serde_json::Value {
    serde_json::json!({ "median": median, "min": min, "max": max, "samples": samples })
}

/// A time of one build, as a saved run keeps a cold build.
pub fn single(seconds: f64) -> serde_json::Value {
    timing(seconds, seconds, seconds, 1)
}

/// A size-profile project with minimal dependencies in `parent`, for tests
/// that point dockwright at a stand-in engine client.
pub fn project(parent: &Path) -> PathBuf {
    new_project(
        parent,
        "proj",
        &["--yes", "--profile", "size", "--deps", "minimal"],
    )
}

/// `dockwright ARGS --engine CLIENT` in `project`, with no engine or
/// builder settings from the environment of the test.
pub fn with_client(project: &Path, client: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.current_dir(project)
        .args(args)
        .arg("--engine")
        .arg(client)
        .env("DOCKWRIGHT_CEILING_DIRECTORIES", ceiling())
        .env("NO_COLOR", "1")
        .env_remove("RUST_BACKTRACE")
        .env_remove("BUILDX_BUILDER")
        .env_remove("DOCKWRIGHT_ENGINE")
        .env_remove("DOCKWRIGHT_ENGINE_TIMEOUT")
        .stdin(Stdio::null());
    cmd
}

/// The `shop` package (see `package_project`) adopted in `parent` with the
/// all profile and a CA bundle (`corp-ca.pem` beside it): its path, and the
/// bundle's.
pub fn proxied_package(parent: &Path) -> (PathBuf, PathBuf) {
    let proj = parent.join("shop");
    package_project(&proj);
    let bundle = parent.join("corp-ca.pem");
    write(&bundle, PEM);
    assert_success(&run(
        parent,
        &[
            "init",
            "shop",
            "--profile",
            "all",
            "--yes",
            "--ca-file",
            bundle.to_str().unwrap(),
        ],
    ));
    (proj, bundle)
}

/// A PEM bundle's shape, for the settings that check it is one.
pub const PEM: &str =
    "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUe2R3\n-----END CERTIFICATE-----\n";
