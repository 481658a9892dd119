//! What the end-to-end tests share: finding the engine (or saying why the
//! test is skipped), running dockwright and the engine, cleaning up.

use std::io::Write;
use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// One end-to-end test at a time: their timings must not share the engine
/// with another test's builds, and some of them cancel builds, which the
/// daemon of Debian's docker.io 20.10 could not bear while another build
/// shared their steps ("failed to get edge", moby/moby#42414).
static ENGINE: Mutex<()> = Mutex::new(());

/// The engine client, held by one test at a time.
pub struct Engine {
    path: PathBuf,
    _turn: MutexGuard<'static, ()>,
}

impl Deref for Engine {
    type Target = Path;

    fn deref(&self) -> &Path {
        &self.path
    }
}

/// Says why a test did not run, where the test runner shows it: straight to
/// stderr, past libtest's capture of `eprintln!`.
pub fn skip(why: &str) {
    let _ = writeln!(std::io::stderr(), "skipped: {why}");
}

/// Says why a test cannot run: "skipped: WHY", or a failure where the
/// variable `require` is set, as `cargo xtask ci` sets the
/// DOCKWRIGHT_REQUIRE_* variables.
pub fn missing(require: &str, why: &str) {
    assert!(std::env::var_os(require).is_none(), "{why}");
    skip(why);
}

/// Skips the test with `why`, or fails it where CI requires the engine.
pub fn missing_engine(why: &str) {
    missing("DOCKWRIGHT_REQUIRE_ENGINE", why);
}

/// The engine client to test with, or `None` after saying why there is none.
pub fn engine() -> Option<Engine> {
    let candidates: Vec<PathBuf> = match std::env::var_os("DOCKWRIGHT_ENGINE") {
        Some(path) => vec![PathBuf::from(path)],
        None => vec![PathBuf::from("docker"), PathBuf::from("/usr/bin/docker")],
    };
    let found = candidates.into_iter().find(|program| {
        Command::new(program)
            .args(["info", "--format", "{{.ServerVersion}}"])
            .output()
            .is_ok_and(|out| out.status.success())
    });
    if found.is_none() {
        let why = "no container engine (run `cargo xtask engine`)";
        missing_engine(why);
    }
    let turn = ENGINE
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    found.map(|path| Engine { path, _turn: turn })
}

/// The podman client to test with, or `None` after saying why there is
/// none; held like [`engine`], one test at a time.
pub fn podman() -> Option<Engine> {
    let answers = Command::new("podman")
        .args(["info", "--format", "{{.Version.Version}}"])
        .output()
        .is_ok_and(|out| out.status.success());
    if !answers {
        let why = "podman does not answer (run `cargo xtask engine`)";
        missing_engine(why);
        return None;
    }
    let turn = ENGINE
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    Some(Engine {
        path: PathBuf::from("podman"),
        _turn: turn,
    })
}

pub fn dockwright(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_dockwright"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("dockwright runs")
}

pub fn docker(engine: &Path, args: &[&str]) -> std::process::Output {
    Command::new(engine)
        .args(args)
        .output()
        .expect("the engine client runs")
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Reads the filesystem of image `tag` as a tar, from `docker export` of a
/// container made from it (`create`, with `create_args`, never started)
/// and removed afterwards.
pub fn exported<T>(
    engine: &Path,
    create_args: &[&str],
    tag: &str,
    read: impl FnOnce(tar::Archive<&mut dyn std::io::Read>) -> T,
) -> T {
    let created = docker(engine, &[&["create"], create_args, &[tag]].concat());
    assert!(
        created.status.success(),
        "docker create {tag}: {}",
        text(&created.stderr)
    );
    let id = text(&created.stdout).trim().to_string();
    let mut export = Command::new(engine)
        .args(["export", &id])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = export.stdout.take().unwrap();
    let found = read(tar::Archive::new(&mut stdout as &mut dyn std::io::Read));
    drop(stdout);
    assert!(export.wait().unwrap().success(), "docker export {tag}");
    let _ = docker(engine, &["rm", "-f", &id]);
    found
}

/// Every path in the image's filesystem.
pub fn files_of(engine: &Path, tag: &str) -> Vec<String> {
    exported(engine, &[], tag, |mut archive| {
        archive
            .entries()
            .unwrap()
            .map(|entry| entry.unwrap().path().unwrap().display().to_string())
            .collect()
    })
}

/// Builds `dockerfile`, given on stdin with no context, passing `args`
/// (`-t TAG`, `--label ...`) before it.
pub fn build_from_stdin(engine: &Path, args: &[&str], dockerfile: &str) {
    let mut build = Command::new(engine)
        .args(["build", "--quiet"])
        .args(args)
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    build
        .stdin
        .take()
        .unwrap()
        .write_all(dockerfile.as_bytes())
        .unwrap();
    let out = build.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
}

/// `base` without the host's CA, tagged `tag`: the stand-ins' copy of the
/// host bundle removed and the bundle made again from Debian's public roots,
/// as in the official images, which this machine's proxy (it re-signs
/// HTTPS) makes fail with "self-signed certificate in certificate chain".
pub fn without_cas(engine: &Path, base: &str, tag: &str) {
    build_from_stdin(
        engine,
        &["-t", tag],
        &format!("FROM {base}\nRUN rm -f /usr/local/share/ca-certificates/dockwright-host-bundle.crt \\\n && update-ca-certificates --fresh\n"),
    );
}

/// Removes the test's containers and images however the test ends.
pub struct Cleanup {
    pub engine: PathBuf,
    pub project: String,
    pub containers: Vec<String>,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        for id in &self.containers {
            let _ = docker(&self.engine, &["rm", "-f", id]);
        }
        let filter = format!("label=dockwright.project={}", self.project);
        let ids = docker(&self.engine, &["images", "-q", "--filter", &filter]);
        for id in text(&ids.stdout)
            .split_whitespace()
            .collect::<std::collections::BTreeSet<_>>()
        {
            let _ = docker(&self.engine, &["rmi", "-f", id]);
        }
    }
}

/// A project scaffolded for one test, in a temporary directory, whose
/// images are removed when it is dropped.
pub struct Scaffolded {
    /// The project's name, which its image tags start with.
    pub name: String,
    pub dir: PathBuf,
    _cleanup: Cleanup,
    _tmp: tempfile::TempDir,
}

/// Scaffolds project `<prefix>-<pid>` with `dockwright new NAME --yes ARGS`.
pub fn scaffold(engine: &Path, prefix: &str, args: &[&str]) -> Scaffolded {
    let tmp = tempfile::tempdir().unwrap();
    let name = format!("{prefix}-{}", std::process::id());
    Scaffolded {
        dir: new_project(tmp.path(), &name, args),
        _cleanup: Cleanup {
            engine: engine.to_path_buf(),
            project: name.clone(),
            containers: Vec::new(),
        },
        name,
        _tmp: tmp,
    }
}

/// Scaffolds project `name` in `parent` with `dockwright new NAME --yes ARGS`.
pub fn new_project(parent: &Path, name: &str, args: &[&str]) -> PathBuf {
    let mut all = vec!["new", name, "--yes"];
    all.extend(args);
    let made = dockwright(parent, &all);
    assert!(
        made.status.success(),
        "dockwright new: {}",
        text(&made.stderr)
    );
    parent.join(name)
}

/// Waits until `check` holds, polling often, for at most `limit`.
pub fn wait_for(limit: Duration, mut check: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if check() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    false
}

pub fn saved_variants(dir: &Path) -> usize {
    let runs: Vec<PathBuf> = std::fs::read_dir(dir.join(".dockwright/runs"))
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    runs.iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .filter_map(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        .map(|run| run["variants"].as_array().map_or(0, Vec::len))
        .max()
        .unwrap_or(0)
}

/// How a dockwright stopped with Ctrl-C ended.
pub struct Stopped {
    pub status: std::process::ExitStatus,
    pub stderr: String,
}

/// Runs dockwright with `args` in `dir`, calls `while_running` once it has
/// started, and sends it SIGINT in the middle of the app edit of the
/// variant after the first one it saves.
pub fn interrupt_mid_app_edit(dir: &Path, args: &[&str], while_running: impl FnOnce()) -> Stopped {
    signal_mid_app_edit(dir, args, "INT", while_running)
}

/// As `interrupt_mid_app_edit`, with the signal named (`INT`, `KILL`).
pub fn signal_mid_app_edit(
    dir: &Path,
    args: &[&str],
    signal: &str,
    while_running: impl FnOnce(),
) -> Stopped {
    let app = dir.join("app.py");
    let original = std::fs::read(&app).unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_dockwright"))
        .current_dir(dir)
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    while_running();
    assert!(
        wait_for(Duration::from_secs(300), || saved_variants(dir) >= 1),
        "no variant finished"
    );
    let caught = wait_for(Duration::from_secs(300), || {
        std::fs::read(&app).is_ok_and(|now| now != original)
    });
    assert!(caught, "never saw the app edit");
    stop(child, signal)
}

/// Sends `signal` (`INT`, `KILL`) to `child`, whose stderr is piped, and
/// waits for it to end.
pub fn stop(mut child: std::process::Child, signal: &str) -> Stopped {
    let sent = Command::new("kill")
        .args([&format!("-{signal}"), &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let status = child.wait().unwrap();
    let mut stderr = String::new();
    std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut stderr).unwrap();
    Stopped { status, stderr }
}

/// The result of variant `name` in a run's JSON.
pub fn variant<'a>(run: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    run["variants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == name)
        .unwrap_or_else(|| panic!("no variant {name} in {run}"))
}
