//! The engine client as dockwright meets it, without a real engine: stand-in
//! clients (shell scripts that answer like docker 20.10) that hang, wrap a
//! child, fail or are not programs at all, run through the built binary.

mod common;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

/// A `case` arm for `subcommand` that starts a long `sleep` holding the
/// client's output, records its pid in `sleep.pid`, and waits for it: a
/// wedged client, or a wrapper running the real client as its child.
fn hangs(subcommand: &str) -> String {
    format!(r#"{subcommand}) sleep 60 & echo $! > "$here/sleep.pid"; wait ;;"#)
}

fn finish_within(mut child: Child, limit: Duration, what: &str) -> std::process::Output {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let out = child.wait_with_output().unwrap();
    panic!(
        "{what}: dockwright still ran after {limit:?}; stderr:\n{}",
        stderr(&out)
    );
}

/// Whether process `pid` still runs (a zombie has stopped running).
fn running(pid: u32) -> bool {
    fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        let state = stat.rsplit_once(") ").map(|(_, rest)| rest.chars().next());
        !matches!(state, Some(Some('Z' | 'X')))
    })
}

/// The `sleep` a stand-in client started, once it has started.
fn sleep_pid(dir: &Path) -> u32 {
    let file = dir.join("sleep.pid");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(pid) = fs::read_to_string(&file)
            .ok()
            .and_then(|text| text.trim().parse().ok())
        {
            return pid;
        }
        assert!(
            Instant::now() < deadline,
            "the client never started sleeping"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Panics unless the client's `sleep` ends within a few seconds.
fn assert_sleep_ended(dir: &Path, what: &str) {
    let pid = sleep_pid(dir);
    let deadline = Instant::now() + Duration::from_secs(5);
    while running(pid) {
        if Instant::now() > deadline {
            let _ = Command::new("kill").arg(pid.to_string()).status();
            panic!("{what}: the client's child process {pid} was left running");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The error that `out` ended with, after whatever the command printed
/// before it met the engine's failure; panics unless it exited 2.
fn engine_error(out: &std::process::Output) -> String {
    assert_no_panic(out);
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    let message = err.lines().find_map(|line| line.strip_prefix("error: "));
    message
        .unwrap_or_else(|| panic!("no `error:` line:\n{err}"))
        .to_string()
}

// ---------------------------------------------------------------------------
// Calls that hang

#[test]
fn an_engine_call_that_hangs_times_out_and_names_the_call() {
    for (subcommand, command, call) in [
        ("version", "build", "version"),
        ("image", "build", "image inspect"),
        ("save", "measure", "save"),
    ] {
        let tmp = tempdir();
        let client = fake_client(tmp.path(), &hangs(subcommand));
        let project = project(tmp.path());
        let child = with_client(&project, &client, &[command])
            .env("DOCKWRIGHT_ENGINE_TIMEOUT", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let out = finish_within(child, Duration::from_secs(15), call);
        let message = engine_error(&out);
        assert!(
            message.contains(&format!("{} {call}", client.display()))
                && message.contains("DOCKWRIGHT_ENGINE_TIMEOUT"),
            "the timeout of `{call}` does not name the call and the setting: {message}"
        );
        assert_sleep_ended(tmp.path(), call);
    }
}

#[test]
fn a_timeout_that_is_not_a_number_is_refused() {
    let tmp = tempdir();
    let client = fake_client(tmp.path(), "");
    let project = project(tmp.path());
    let out = with_client(&project, &client, &["build"])
        .env("DOCKWRIGHT_ENGINE_TIMEOUT", "soon")
        .output()
        .unwrap();
    let message = assert_usage_error(&out);
    assert!(
        message.contains("DOCKWRIGHT_ENGINE_TIMEOUT") && message.contains("`soon`"),
        "{message}"
    );
}

// ---------------------------------------------------------------------------
// Ctrl-C

#[test]
fn ctrl_c_stops_a_build_run_through_a_wrapper() {
    for command in ["build", "measure"] {
        let tmp = tempdir();
        let client = fake_client(tmp.path(), &hangs("build"));
        let project = project(tmp.path());
        let child = with_client(&project, &client, &[command])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        sleep_pid(tmp.path());
        let sent = Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
        let out = finish_within(child, Duration::from_secs(10), command);
        assert_eq!(out.status.code(), Some(130), "{command}: {}", stderr(&out));
        assert_no_panic(&out);
        assert_sleep_ended(tmp.path(), command);
    }
}

// ---------------------------------------------------------------------------
// What a client that does not answer is told apart by

#[test]
fn a_directory_as_the_engine_is_named_as_one() {
    let tmp = tempdir();
    let project = project(tmp.path());
    let dir = tmp.path().join("bin");
    fs::create_dir(&dir).unwrap();
    let out = with_client(&project, &dir, &["build"]).output().unwrap();
    let message = assert_usage_error(&out);
    assert!(
        message.contains(&format!("`{}` is a directory", dir.display()))
            && message.contains("--engine")
            && !message.contains("install Docker"),
        "{message}"
    );
}

#[test]
fn a_file_that_is_not_executable_as_the_engine_says_so() {
    let tmp = tempdir();
    let project = project(tmp.path());
    let client = fake_client(tmp.path(), "");
    fs::set_permissions(&client, fs::Permissions::from_mode(0o644)).unwrap();
    let out = with_client(&project, &client, &["build"]).output().unwrap();
    let message = assert_usage_error(&out);
    assert!(
        message.contains(&format!("`{}` is not executable", client.display()))
            && message.contains(&format!("chmod +x {}", client.display()))
            && !message.contains("install Docker"),
        "{message}"
    );
}

/// Every step's Dockerfile is read when the project is opened, but one that
/// is gone is an error only for the commands that need it: listing the
/// ladder does not, nor does building another step; explaining it or the
/// step after it does, and so does building it.
#[test]
fn a_missing_dockerfile_is_an_error_only_where_it_is_needed() {
    let tmp = tempdir();
    let client = fake_client(tmp.path(), "");
    let project = project(tmp.path());
    let gone = project.join("dockerfiles/multi-stage.Dockerfile");
    fs::remove_file(&gone).unwrap();
    for args in [&["variants"][..], &["explain"], &["explain", "docker-init"]] {
        assert_success(&run(&project, args));
    }
    let built = with_client(&project, &client, &["build", "minimal-final"])
        .output()
        .unwrap();
    assert_success(&built);
    assert!(
        stderr(&built).contains("1 variant(s)"),
        "{}",
        stderr(&built)
    );
    for (args, needs_engine) in [
        (&["explain", "multi-stage"][..], false),
        (&["explain", "minimal-final"], false),
        (&["build"], true),
        (&["build", "multi-stage"], true),
        (&["measure", "docker-init", "multi-stage"], true),
    ] {
        let out = if needs_engine {
            with_client(&project, &client, args).output().unwrap()
        } else {
            run(&project, args)
        };
        let message = assert_usage_error(&out);
        assert!(
            message.starts_with(&format!("cannot read `{}`", gone.display()))
                && message.contains("the Dockerfile of variant `multi-stage`"),
            "{args:?}: {message}"
        );
    }
}

/// A `version` arm that prints what docker 20.10 prints when it cannot
/// reach its daemon: the client's version, then `words` on stderr, exit 1.
fn unreachable(words: &str) -> String {
    format!("version) echo '20.10.24|'; echo '{words}' >&2; exit 1 ;;")
}

#[test]
fn an_unreachable_docker_host_names_the_endpoint_and_docker_host() {
    let tmp = tempdir();
    let client = fake_client(
        tmp.path(),
        &unreachable(
            "Cannot connect to the Docker daemon at tcp://127.0.0.1:9. Is the docker daemon running?",
        ),
    );
    let project = project(tmp.path());
    let out = with_client(&project, &client, &["build"])
        .env("DOCKER_HOST", "tcp://127.0.0.1:9")
        .output()
        .unwrap();
    let message = assert_usage_error(&out);
    assert!(
        message.contains("`tcp://127.0.0.1:9`")
            && message.contains("DOCKER_HOST")
            && !message.contains("systemctl"),
        "{message}"
    );
}

#[test]
fn an_unknown_docker_context_names_the_context() {
    let tmp = tempdir();
    let client = fake_client(
        tmp.path(),
        &unreachable(r#"unable to resolve docker endpoint: context "nope" does not exist"#),
    );
    let project = project(tmp.path());
    let out = with_client(&project, &client, &["build"])
        .env("DOCKER_CONTEXT", "nope")
        .output()
        .unwrap();
    let message = assert_usage_error(&out);
    assert!(
        message.contains("context `nope`")
            && message.contains("DOCKER_CONTEXT")
            && !message.contains("systemctl"),
        "{message}"
    );
}

#[test]
fn a_client_that_fails_otherwise_is_quoted() {
    let tmp = tempdir();
    let client = fake_client(tmp.path(), &unreachable("the sky fell in"));
    let project = project(tmp.path());
    let out = with_client(&project, &client, &["build"]).output().unwrap();
    let message = assert_usage_error(&out);
    assert!(
        message.contains("the sky fell in") && !message.contains("systemctl"),
        "{message}"
    );
}

/// What `dockwright lock` does around the engine's build: the Dockerfile it
/// builds, the lock it writes with its header, and the project pointed at it.
#[test]
fn lock_writes_the_exported_lock_and_points_every_variant_at_it() {
    let tmp = tempdir();
    let proj = new_project(
        tmp.path(),
        "proj",
        &["--yes", "--profile", "all", "--deps", "minimal"],
    );
    let engine_dir = tempdir();
    let pins = "flask==3.1.3 \\\n    --hash=sha256:aa\n    # via -r requirements.txt\n";
    let client = lock_client(engine_dir.path(), pins);
    let requirements = read(proj.join("requirements.txt"));
    let output = with_client(&proj, &client, &["lock"]).output().unwrap();
    assert_success(&output);
    assert!(!stderr(&output).contains("warning:"), "{}", stderr(&output));
    assert!(
        stdout(&output)
            .starts_with("Locked 1 package from `requirements.txt` into `requirements.lock`"),
        "{}",
        stdout(&output)
    );

    let built = read(engine_dir.path().join("built.Dockerfile"));
    assert!(
        built.contains(r#"["uv", "pip", "compile", "requirements.txt", "--python", "python3", "--generate-hashes""#),
        "{built}"
    );
    let lock = read(proj.join("requirements.lock"));
    assert!(lock.ends_with(pins), "{lock}");
    let digest = Command::new("sha256sum")
        .arg(proj.join("requirements.txt"))
        .output()
        .unwrap();
    let digest = String::from_utf8(digest.stdout).unwrap()[..64].to_string();
    assert!(
        lock.contains(&format!("\n# from requirements.txt sha256:{digest}\n")),
        "{lock}"
    );
    assert_eq!(read(proj.join("requirements.txt")), requirements);

    let config = config(&proj);
    assert_eq!(
        project_value(&config, "requirements").as_str(),
        Some("requirements.lock")
    );
    assert_eq!(
        project_value(&config, "lock_source").as_str(),
        Some("requirements.txt")
    );
    for (name, dockerfile) in config_variants(&config) {
        let text = read(proj.join(&dockerfile));
        assert!(text.contains("-r requirements.lock"), "{name}");
        assert!(!text.contains("requirements.txt"), "{name}");
        assert_eq!(
            text.contains("--require-hashes -r requirements.lock"),
            name.starts_with("uv"),
            "{name}"
        );
    }

    // Locking again replaces the files it wrote, and backs nothing up.
    let again = with_client(&proj, &client, &["lock"]).output().unwrap();
    assert_success(&again);
    assert!(!stderr(&again).contains("warning:"), "{}", stderr(&again));
    assert!(!proj.join(".dockwright/backup").exists());
}

#[test]
fn init_force_on_a_locked_project_says_the_lock_is_no_longer_used() {
    let tmp = tempdir();
    let proj = project(tmp.path());
    let engine_dir = tempdir();
    let client = lock_client(engine_dir.path(), "flask==3.1.3 \\\n    --hash=sha256:aa\n");
    assert_success(&with_client(&proj, &client, &["lock"]).output().unwrap());
    let output = run(&proj, &["init", "--force", "--yes"]);
    assert_success(&output);
    let err = stderr(&output);
    assert!(
        err.contains(
            "the project installed from `requirements.lock`, locked from `requirements.txt`"
        ) && err.contains("run `dockwright lock` to install from a lock again"),
        "{err}"
    );
    assert_eq!(
        project_value(&config(&proj), "requirements").as_str(),
        Some("requirements.txt")
    );
}

// ---------------------------------------------------------------------------
// --pull, decided per build

/// A client whose `python:3.13-slim` came from its registry, and whose uv
/// image is a local `ghcr.io/...` tag of an image pushed elsewhere (its only
/// digest is under another name), as `cargo xtask fixtures` leaves them.
/// Each build's arguments are appended to `builds`, one line per build.
fn client_with_digests(dir: &Path) -> PathBuf {
    fake_client(
        dir,
        r#"image) case "$4" in
    *RepoDigests*) case "$5" in
        python:3.13-slim) echo 'python@sha256:5117' ;;
        ghcr.io/astral-sh/uv:*) echo '127.0.0.1:5000/astral-sh/uv@sha256:0f0f' ;;
        esac ;;
    '{{.Id}}') echo sha256:0 ;;
    *) echo 0 ;;
    esac ;;
build) echo "$*" >> "$here/builds"
    while [ $# -gt 0 ]; do
        if [ "$1" = --iidfile ]; then echo sha256:0 > "$2"; fi
        shift
    done ;;"#,
    )
}

/// The cold builds (`--no-cache`) the client saw, as (Dockerfile, whether
/// it was asked to `--pull`).
fn cold_builds(dir: &Path) -> Vec<(String, bool)> {
    read(dir.join("builds"))
        .lines()
        .filter(|line| line.split(' ').any(|word| word == "--no-cache"))
        .map(|line| {
            let words: Vec<&str> = line.split(' ').collect();
            let at = words.iter().position(|word| *word == "-f").unwrap();
            let dockerfile = Path::new(words[at + 1]).file_name().unwrap();
            (
                dockerfile.to_string_lossy().into_owned(),
                words.contains(&"--pull"),
            )
        })
        .collect()
}

/// `--pull` makes BuildKit resolve every image a build reads in a
/// registry: it is passed only when all of them came from their own
/// repository there, whether the build starts FROM them or copies out of
/// them.
#[test]
fn pull_is_passed_only_when_every_image_a_build_reads_can_be_pulled() {
    let tmp = tempdir();
    let engine_dir = tempdir();
    let client = client_with_digests(engine_dir.path());
    let proj = new_project(
        tmp.path(),
        "proj",
        &["--yes", "--profile", "speed", "--deps", "minimal"],
    );
    let copies_uv = proj.join("dockerfiles/cache-mount.Dockerfile");
    let text = read(&copies_uv).replacen(
        "\nCOPY ",
        "\nCOPY --from=ghcr.io/astral-sh/uv:0.13.9 /uv /usr/local/bin/uv\nCOPY ",
        1,
    );
    write(&copies_uv, &text);
    let out = with_client(&proj, &client, &["measure"]).output().unwrap();
    assert_success(&out);
    assert_eq!(
        cold_builds(engine_dir.path()),
        [
            ("docker-init.Dockerfile".to_string(), true),
            ("cache-mount.Dockerfile".to_string(), false),
            ("uv.Dockerfile".to_string(), false),
        ]
    );
}

/// A daemon on another machine publishes ports there, out of reach of
/// 127.0.0.1 here: the start is not measured, the run says why, and no
/// container is started.
#[test]
fn a_daemon_on_another_host_leaves_the_start_unmeasured_with_the_reason() {
    let tmp = tempdir();
    let client = fake_client(tmp.path(), "run) touch \"$here/ran\" ;;");
    let project = project(tmp.path());
    let out = with_client(&project, &client, &["measure", "--json", "minimal-final"])
        .env("DOCKER_HOST", "tcp://10.0.0.9:2375")
        .output()
        .unwrap();
    assert_success(&out);
    let measured: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let why = measured["start_not_measured"].as_str().unwrap_or_default();
    assert!(
        why.contains("tcp://10.0.0.9:2375") && why.ends_with("start not measured"),
        "{measured}"
    );
    let variant = &measured["variants"][0];
    assert_eq!(variant["status"], "ok", "{variant}");
    assert!(variant.get("start_seconds").is_none(), "{variant}");
    assert!(!tmp.path().join("ran").exists(), "a container was started");
    let table = stdout(&run(&project, &["report"]));
    assert!(table.contains(why), "{table}");
}
