//! The command line, end to end: `new`, `init` and `variants` run as the built
//! binary in temporary directories, without a terminal.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::*;

// ---------------------------------------------------------------------------
// The surface

#[test]
fn help_lists_the_subcommands() {
    let tmp = tempdir();
    let output = run(tmp.path(), &["--help"]);
    assert_success(&output);
    let help = stdout(&output);
    for command in ["new", "init", "lock", "variants"] {
        assert!(
            help.lines()
                .any(|line| line.trim_start().starts_with(&format!("{command} "))),
            "`{command}` is not listed in --help:\n{help}"
        );
    }
}

#[test]
fn every_subcommand_takes_version() {
    let tmp = tempdir();
    for command in [
        "new",
        "init",
        "lock",
        "bake",
        "build",
        "rebuild",
        "measure",
        "variants",
        "report",
        "explain",
        "tour",
        "compare",
        "completions",
    ] {
        let output = run(tmp.path(), &[command, "--version"]);
        assert_success(&output);
        assert!(
            stdout(&output).contains(env!("CARGO_PKG_VERSION")),
            "{command} --version: {}",
            stdout(&output)
        );
    }
}

#[test]
fn the_catalogue_has_the_tested_profiles() {
    assert_eq!(catalogue_profiles(), PROFILES);
}

// ---------------------------------------------------------------------------
// new

#[test]
fn new_creates_a_flask_project_with_its_ladder() {
    let tmp = tempdir();
    let output = run(tmp.path(), &["new", "proj"]);
    assert_success(&output);
    assert!(stdout(&output).contains("Created"), "{}", stdout(&output));
    let proj = tmp.path().join("proj");

    let app = read(proj.join("app.py"));
    assert!(
        app.lines().any(|line| {
            let line = line.trim();
            line.starts_with("return ") && line.contains("hello world - v1.0.0")
        }),
        "app.py does not return `hello world - v1.0.0`:\n{app}"
    );

    let requirements = read(proj.join("requirements.txt"));
    let pins = requirement_lines(&requirements);
    assert!(!pins.is_empty(), "requirements.txt is empty");
    for line in &pins {
        let (name, version) = line
            .split_once("==")
            .unwrap_or_else(|| panic!("`{line}` is not pinned with ==:\n{requirements}"));
        assert!(
            !name.is_empty() && !version.is_empty() && !version.contains(['<', '>', '=', ',']),
            "`{line}` is not of the form name==version"
        );
    }
    for package in ["flask", "gunicorn", "pandas"] {
        assert!(
            pins.iter()
                .any(|l| l.to_lowercase().starts_with(&format!("{package}=="))),
            "the default preset lacks {package}:\n{requirements}"
        );
    }

    let dockerignore = read(proj.join(".dockerignore"));
    for entry in [
        "**/.git",
        "**/.venv",
        "**/__pycache__",
        "**/.env",
        "instance",
        ".dockwright",
        "**/.dockwright-*",
    ] {
        assert!(
            dockerignore.lines().any(|line| line.trim() == entry),
            ".dockerignore does not list {entry}:\n{dockerignore}"
        );
    }

    let config = config(&proj);
    assert_eq!(project_value(&config, "name").as_str(), Some("proj"));
    assert_eq!(project_value(&config, "python").as_str(), Some("3.13"));
    assert_eq!(project_value(&config, "port").as_integer(), Some(5000));
    assert_eq!(project_value(&config, "entry").as_str(), Some("app:app"));
    assert_eq!(project_value(&config, "profile").as_str(), Some("balanced"));
    assert_ladder_written(&proj, "balanced");
}

#[test]
fn new_writes_the_ladder_of_every_profile() {
    let tmp = tempdir();
    for profile in PROFILES {
        let proj = new_project(tmp.path(), profile, &["--profile", profile]);
        let config = config(&proj);
        assert_eq!(project_value(&config, "profile").as_str(), Some(profile));
        assert_ladder_written(&proj, profile);
    }
}

#[test]
fn new_with_the_minimal_preset_pins_flask_and_gunicorn_only() {
    let tmp = tempdir();
    let proj = new_project(tmp.path(), "proj", &["--deps", "minimal"]);
    let requirements = read(proj.join("requirements.txt"));
    let names: Vec<String> = requirement_lines(&requirements)
        .iter()
        .map(|line| line.split("==").next().unwrap().to_lowercase())
        .collect();
    assert_eq!(names, ["flask", "gunicorn"], "{requirements}");
}

#[test]
fn new_copies_a_requirements_file_given_to_deps() {
    let tmp = tempdir();
    let own = "# ours\nflask==3.1.3\ngunicorn==23.0.0\nrequests==2.32.5\n";
    write(tmp.path().join("own.txt"), own);
    let proj = new_project(tmp.path(), "proj", &["--deps", "own.txt"]);
    assert_eq!(read(proj.join("requirements.txt")), own);
}

#[test]
fn new_reads_requirements_the_way_pip_does() {
    let tmp = tempdir();
    // A byte-order mark, comments after tabs, and hash-checking mode.
    let text = "\u{feff}--require-hashes\nflask==3.1.3\t# web \\\n    --hash=sha256:0000000000000000000000000000000000000000000000000000000000000000\ngunicorn==23.0.0\t--hash=sha256:1111111111111111111111111111111111111111111111111111111111111111\n";
    write(tmp.path().join("pip.txt"), text);
    let proj = new_project(tmp.path(), "proj", &["--deps", "pip.txt"]);
    assert_eq!(read(proj.join("requirements.txt")), text);
}

#[test]
fn new_warns_about_a_package_pinned_twice() {
    let tmp = tempdir();
    write(
        tmp.path().join("twice.txt"),
        "flask==3.1.3\ngunicorn==23.0.0\nFlask==3.0.0\n",
    );
    let output = run(tmp.path(), &["new", "proj", "--yes", "--deps", "twice.txt"]);
    assert_success(&output);
    let warnings = stderr(&output);
    assert!(
        warnings.contains("pinned twice") && warnings.contains("flask (==3.1.3, ==3.0.0)"),
        "{warnings}"
    );
}

#[test]
fn new_takes_python_and_port_from_flags() {
    let tmp = tempdir();
    let proj = new_project(tmp.path(), "proj", &["--python", "3.12", "--port", "8080"]);
    let config = config(&proj);
    assert_eq!(project_value(&config, "python").as_str(), Some("3.12"));
    assert_eq!(project_value(&config, "port").as_integer(), Some(8080));
    assert_eq!(
        config["images"]["slim"].as_str(),
        Some("python:3.12-slim"),
        "the base images follow --python"
    );
    for (name, dockerfile) in config_variants(&config) {
        let text = read(proj.join(dockerfile));
        assert!(text.contains("8080"), "{name} does not use port 8080");
    }
}

#[test]
fn new_refuses_an_existing_directory_and_points_to_init() {
    let tmp = tempdir();
    fs::create_dir(tmp.path().join("proj")).unwrap();
    write(tmp.path().join("proj/keep.txt"), "mine\n");
    let before = tree(tmp.path());
    let output = run(tmp.path(), &["new", "proj"]);
    assert_usage_error(&output);
    assert!(
        stderr(&output).contains("dockwright init"),
        "{}",
        stderr(&output)
    );
    assert_unchanged(tmp.path(), &before);
}

#[test]
fn new_refuses_an_existing_file() {
    let tmp = tempdir();
    write(tmp.path().join("proj"), "a file\n");
    let before = tree(tmp.path());
    let output = run(tmp.path(), &["new", "proj"]);
    assert!(assert_usage_error(&output).contains("already exists"));
    assert_unchanged(tmp.path(), &before);
}

/// A symlink whose target is gone still occupies the name.
#[test]
fn new_refuses_a_dangling_symlink() {
    let tmp = tempdir();
    std::os::unix::fs::symlink("nowhere", tmp.path().join("proj")).unwrap();
    let before = tree(tmp.path());
    let output = run(tmp.path(), &["new", "proj"]);
    let message = assert_usage_error(&output);
    assert!(message.contains("already exists"), "{message}");
    assert_unchanged(tmp.path(), &before);
}

#[test]
fn new_into_a_missing_parent_directory_fails_cleanly() {
    let tmp = tempdir();
    let before = tree(tmp.path());
    let output = run(tmp.path(), &["new", "missing/proj"]);
    let message = assert_usage_error(&output);
    assert!(message.contains("missing"), "{message}");
    assert_unchanged(tmp.path(), &before);
}

#[test]
fn new_under_a_file_fails_cleanly() {
    let tmp = tempdir();
    write(tmp.path().join("afile"), "not a directory\n");
    let before = tree(tmp.path());
    let output = run(tmp.path(), &["new", "afile/proj"]);
    assert_usage_error(&output);
    assert_unchanged(tmp.path(), &before);
}

#[test]
fn uppercase_names_are_lowered_with_a_warning() {
    let tmp = tempdir();
    let output = run(tmp.path(), &["new", "proj", "--name", "MyApp"]);
    assert_success(&output);
    let err = stderr(&output);
    assert!(
        err.contains("warning:") && err.contains("MyApp") && err.contains("myapp"),
        "{err}"
    );
    let config = config(&tmp.path().join("proj"));
    assert_eq!(project_value(&config, "name").as_str(), Some("myapp"));
}

#[test]
fn an_uppercase_directory_name_is_lowered_with_a_warning() {
    let tmp = tempdir();
    let output = run(tmp.path(), &["new", "MyApp"]);
    assert_success(&output);
    assert!(stderr(&output).contains("warning:"), "{}", stderr(&output));
    let config = config(&tmp.path().join("MyApp"));
    assert_eq!(project_value(&config, "name").as_str(), Some("myapp"));
}

// ---------------------------------------------------------------------------
// Bad input: exit 2, one sentence, nothing written

/// One bad input: the flags after `new proj` / `init proj`, and a phrase the
/// error must contain to show it caught the right mistake.
struct Bad {
    args: Vec<String>,
    says: &'static str,
}

fn bad(args: &[&str], says: &'static str) -> Bad {
    Bad {
        args: args.iter().map(|a| a.to_string()).collect(),
        says,
    }
}

fn bad_inputs() -> Vec<Bad> {
    let long = "a".repeat(65);
    vec![
        bad(&["--name", ""], "empty"),
        bad(&["--name", "1abc"], "digit"),
        bad(&["--name=-app"], "must start with a letter"),
        bad(&["--name", "_app"], "must start with a letter"),
        bad(&["--name", ".app"], "must start with a letter"),
        bad(&["--name", "my app"], "a space"),
        bad(&["--name", "my/app"], "path separator"),
        bad(&["--name", "a..b"], "`..`"),
        bad(&["--name", ".."], "`..`"),
        bad(&["--name", "con"], "reserved on Windows"),
        bad(&["--name", "nul"], "reserved on Windows"),
        bad(&["--name", "com1"], "reserved on Windows"),
        bad(&["--name", "COM1"], "reserved on Windows"),
        bad(&["--name", &long], "over the limit"),
        // Image names end with a letter or a digit, and separate words with
        // one `.`, one or two `_`, or dashes.
        bad(&["--name", "myapp-"], "must end with a letter or a digit"),
        bad(&["--name", "myapp."], "must end with a letter or a digit"),
        bad(&["--name", "a_"], "must end with a letter or a digit"),
        bad(&["--name", "a___b"], "`___` between words"),
        bad(&["--name", "a._b"], "`._` between words"),
        // Shown escaped: written raw, it would turn the rest of the terminal red.
        bad(&["--name", "a\x1b[31mb"], "`\\u{1b}`"),
        bad(&["--python", "3"], "3.N"),
        bad(&["--python", "2.7.1"], "3.N"),
        bad(&["--python", "three"], "3.N"),
        // Only versions with base images and dependency pins, written as pip and the registry do.
        bad(&["--python", "3.05"], "3.9 to 3.14"),
        bad(&["--python", "3.99"], "3.9 to 3.14"),
        bad(&["--python", "3.0"], "3.9 to 3.14"),
        bad(&["--python", "3.012"], "leading zero"),
        bad(&["--profile", "fast"], "unknown profile"),
        bad(&["--deps", "huge"], "unknown dependency preset"),
        bad(&["--deps", "missing.txt"], "missing.txt"),
        // Root reads any file whatever its mode; a directory cannot be read as one.
        bad(&["--deps", "adir/"], "adir"),
        bad(&["--deps", "bad.txt"], "flask=>3"),
        bad(&["--deps", "local-links.txt"], "`-f`"),
        bad(&["--deps", "file-url.txt"], "file:///srv/shop.whl"),
    ]
}

/// Files the bad inputs refer to.
fn bad_input_fixtures(dir: &Path) {
    write(dir.join("bad.txt"), "flask==3.1.3\nflask=>3\n");
    // What the image build cannot see: a local folder of wheels, a local file.
    write(dir.join("local-links.txt"), "-f ./wheels\nflask==3.1.3\n");
    write(
        dir.join("file-url.txt"),
        "flask==3.1.3\nshop @ file:///srv/shop.whl\n",
    );
    fs::create_dir(dir.join("adir")).unwrap();
}

/// Runs `ARGS` in `dir` and says what is wrong with how it failed, if anything.
fn check_refused(dir: &Path, args: &[String], says: &str) -> Result<(), String> {
    let before = tree(dir);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let output = run(dir, &args);
    let message = usage_error(&output)?;
    if stderr(&output).chars().any(|c| c.is_control() && c != '\n') {
        return Err(format!("a control character is printed raw: {message:?}"));
    }
    if !message.contains(says) {
        return Err(format!("the error does not mention `{says}`: {message}"));
    }
    let diff = tree_diff(&before, &tree(dir));
    if !diff.is_empty() {
        return Err(format!("files were written:\n{diff}"));
    }
    Ok(())
}

fn assert_all_refused(failures: Vec<String>) {
    assert!(
        failures.is_empty(),
        "{} bad inputs were not refused cleanly:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn new_refuses_bad_input_and_writes_nothing() {
    let tmp = tempdir();
    bad_input_fixtures(tmp.path());
    let mut failures = Vec::new();
    for case in bad_inputs() {
        let mut args = vec!["new".to_string(), "proj".to_string()];
        args.extend(case.args.iter().cloned());
        if let Err(why) = check_refused(tmp.path(), &args, case.says) {
            failures.push(format!("dockwright {}:\n{why}", args.join(" ")));
        }
    }
    assert_all_refused(failures);
}

#[test]
fn init_refuses_bad_input_and_writes_nothing() {
    let tmp = tempdir();
    bad_input_fixtures(tmp.path());
    fs::create_dir(tmp.path().join("proj")).unwrap();
    let mut failures = Vec::new();
    for case in bad_inputs() {
        let mut args = vec!["init".to_string(), "proj".to_string()];
        args.extend(case.args.iter().cloned());
        if let Err(why) = check_refused(tmp.path(), &args, case.says) {
            failures.push(format!("dockwright {}:\n{why}", args.join(" ")));
        }
    }
    assert_all_refused(failures);
}

#[test]
fn a_directory_name_that_is_not_a_project_name_asks_for_name() {
    let tmp = tempdir();
    fs::create_dir(tmp.path().join("1abc")).unwrap();
    let before = tree(tmp.path());
    for command in ["new", "init"] {
        // `new` wants a fresh path, `init` an existing directory.
        let path = if command == "new" { "2abc" } else { "1abc" };
        let output = run(tmp.path(), &[command, path]);
        let message = assert_usage_error(&output);
        assert!(message.contains("digit"), "{message}");
        assert!(stderr(&output).contains("--name"), "{}", stderr(&output));
        assert_unchanged(tmp.path(), &before);
    }
}

/// An error that suggests a name ("try `x`", "such as `x`") must suggest one
/// that passes the rules.
#[test]
fn suggested_names_pass_the_rules() {
    let tmp = tempdir();
    let mut failures = Vec::new();
    for name in [
        "1app", "_app", "-app", "_1app", "_", "con", "COM1", "nul.txt", "myapp-", "myapp.", "a_",
        "a___b", "a._b", "con-", "",
    ] {
        let output = run(tmp.path(), &["new", "proj", &format!("--name={name}")]);
        let message = assert_usage_error(&output);
        let Some(suggestion) = suggested_name(&message) else {
            failures.push(format!("`{name}`: no suggestion in: {message}"));
            continue;
        };
        let dir = tempdir();
        let retry = run(dir.path(), &["new", "proj", "--name", &suggestion]);
        if !retry.status.success() {
            failures.push(format!(
                "`{name}`: the suggested `{suggestion}` is refused too: {}",
                stderr(&retry).trim()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn an_empty_name_says_so_and_shows_a_valid_one() {
    let tmp = tempdir();
    let message = assert_usage_error(&run(tmp.path(), &["new", "proj", "--name", ""]));
    assert!(message.contains("is empty"), "{message}");
    assert!(
        !message.contains("pass one with `--name`"),
        "the name was passed with `--name`: {message}"
    );
    assert!(suggested_name(&message).is_some(), "{message}");
}

fn suggested_name(message: &str) -> Option<String> {
    ["try `", "such as `"].iter().find_map(|lead| {
        let start = message.find(lead)? + lead.len();
        let end = message[start..].find('`')?;
        Some(message[start..start + end].to_string())
    })
}

// ---------------------------------------------------------------------------
// Atomicity

/// Root ignores permission bits, so the failure here is a file-size limit
/// (RLIMIT_FSIZE binds root too): the small files fit under it, the first
/// Dockerfile does not, so the write fails with some files already written.
/// SIGXFSZ is ignored, so the write returns EFBIG instead of killing dockwright.
#[test]
fn new_that_fails_half_way_leaves_nothing_behind() {
    let tmp = tempdir();
    let reference = new_project(tmp.path(), "reference", &[]);
    let size = |file: &str| fs::metadata(reference.join(file)).unwrap().len();
    let small = [".dockerignore", "README.md", "app.py"]
        .iter()
        .map(|f| size(f))
        .max()
        .unwrap();
    // bash's `ulimit -f` counts 1024-byte blocks.
    let blocks = small.div_ceil(1024);
    let biggest_dockerfile = files(&reference.join("dockerfiles"))
        .iter()
        .map(|f| size(&format!("dockerfiles/{f}")))
        .max()
        .unwrap();
    if biggest_dockerfile <= blocks * 1024 {
        skip("no Dockerfile is larger than the small files, so no size limit fails half-way");
        return;
    }

    let work = tmp.path().join("work");
    fs::create_dir(&work).unwrap();
    let before = tree(&work);
    let output = Command::new("bash")
        .args([
            "-c",
            r#"trap '' XFSZ; ulimit -f "$1"; shift; exec "$@""#,
            "bash",
            &blocks.to_string(),
            BIN,
            "new",
            "proj",
        ])
        .current_dir(&work)
        .env("NO_COLOR", "1")
        .env_remove("RUST_BACKTRACE")
        .output()
        .expect("bash runs");
    let message = assert_usage_error(&output);
    assert!(
        message.contains("too large"),
        "the failure is not the size limit: {message}"
    );
    assert_unchanged(&work, &before);
}

/// A regular file named `dockerfiles` blocks the directory the Dockerfiles
/// go in; the files that sort before it have been moved into place by then
/// and must be taken back.
#[test]
fn init_that_fails_half_way_takes_back_what_it_wrote() {
    let tmp = tempdir();
    let proj = tmp.path().join("proj");
    write(proj.join("dockerfiles"), "a file, not a directory\n");
    let before = tree(tmp.path());
    let output = run(tmp.path(), &["init", "proj"]);
    assert_usage_error(&output);
    assert_unchanged(tmp.path(), &before);
}

#[test]
fn init_force_that_fails_half_way_restores_the_files_it_replaced() {
    let tmp = tempdir();
    let proj = tmp.path().join("proj");
    users_flask_project(&proj);
    fs::remove_dir_all(proj.join("dockerfiles")).unwrap();
    write(proj.join("dockwright.toml"), "# mine\n");
    write(proj.join("dockerfiles"), "a file, not a directory\n");
    let before = tree(tmp.path());
    let output = run(tmp.path(), &["init", "proj", "--force"]);
    assert_usage_error(&output);
    assert_unchanged(tmp.path(), &before);
}

fn skip(why: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "skipped: {why}");
}

// ---------------------------------------------------------------------------
// init

#[test]
fn init_fills_an_empty_directory() {
    let tmp = tempdir();
    let proj = tmp.path().join("proj");
    fs::create_dir(&proj).unwrap();
    let output = run(tmp.path(), &["init", "proj"]);
    assert_success(&output);
    for file in [
        "app.py",
        "README.md",
        "requirements.txt",
        ".dockerignore",
        "dockwright.toml",
    ] {
        assert!(proj.join(file).is_file(), "init did not write {file}");
    }
    assert!(
        !stdout(&output).contains(".gitignore") && !stderr(&output).contains(".gitignore"),
        "init mentions a .gitignore that is not there:\n{}{}",
        stdout(&output),
        stderr(&output)
    );
    let config = config(&proj);
    assert_eq!(project_value(&config, "name").as_str(), Some("proj"));
    assert_ladder_written(&proj, "balanced");
    let staging: Vec<_> = tree(&proj)
        .into_keys()
        .filter(|p| p.to_string_lossy().starts_with(".dockwright-"))
        .collect();
    assert!(staging.is_empty(), "staging left behind: {staging:?}");
}

/// The patterns of a .dockerignore: its lines less comments and blanks.
fn patterns(dockerignore: &str) -> Vec<&str> {
    dockerignore
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect()
}

#[test]
fn init_takes_what_gitignore_excludes_and_names_it() {
    let tmp = tempdir();
    let proj = tmp.path().join("proj");
    write(proj.join("web.py"), MODULE_APP);
    write(
        proj.join("requirements.txt"),
        "flask==3.1.3\ngunicorn==23.0.0\n",
    );
    write(
        proj.join(".gitignore"),
        "# local things\n*.sqlite3\n/local.cfg\nsecrets/\ndocs/_build/\n__pycache__/\n!.env.example\n*.txt\n",
    );
    let output = run(tmp.path(), &["init", "proj"]);
    assert_success(&output);
    let out = stdout(&output);
    let taken = out
        .lines()
        .find(|l| l.contains(".gitignore"))
        .unwrap_or_else(|| panic!("init does not say what it took from .gitignore:\n{out}"));
    for pattern in ["**/*.sqlite3", "local.cfg", "**/secrets", "docs/_build"] {
        assert!(taken.contains(&format!("`{pattern}`")), "{taken}");
    }
    assert!(!taken.contains("__pycache__"), "{taken}");
    let err = stderr(&output);
    for line in ["`!.env.example`", "`*.txt`", "`requirements.txt`"] {
        assert!(
            err.contains(line),
            "the warning does not name {line}:\n{err}"
        );
    }

    let dockerignore = read(proj.join(".dockerignore"));
    let lines = patterns(&dockerignore);
    for pattern in ["**/*.sqlite3", "local.cfg", "**/secrets", "docs/_build"] {
        assert!(
            lines.contains(&pattern),
            "{pattern} is not in:\n{dockerignore}"
        );
    }
    for absent in ["!.env.example", "**/*.txt", "*.txt"] {
        assert!(!lines.contains(&absent), "{absent} is in:\n{dockerignore}");
    }
    let pycache = lines.iter().filter(|l| **l == "**/__pycache__").count();
    assert_eq!(pycache, 1, "{dockerignore}");
}

/// Runs dockwright with stdout, stderr or both on a pipe whose reader is
/// gone, as `| head -0` leaves it; the other stream is captured.
fn run_with_reader_gone(dir: &Path, args: &[&str], stdout: bool, stderr: bool) -> Output {
    let mut command = Command::new(BIN);
    command.current_dir(dir).args(args).env("NO_COLOR", "1");
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    if stdout {
        command.stdout(writer.try_clone().unwrap());
    }
    if stderr {
        command.stderr(writer);
    }
    command.output().expect("dockwright runs")
}

/// `init` writes on both streams (what it took from .gitignore on stdout,
/// warnings on stderr), `variants` on stdout: a reader that goes away on
/// either ends them quietly, never in a panic.
#[test]
fn init_and_variants_end_quietly_when_the_reader_is_gone() {
    let tmp = tempdir();
    for (index, (stdout_gone, stderr_gone)) in [(true, false), (false, true), (true, true)]
        .into_iter()
        .enumerate()
    {
        let proj = tmp.path().join(format!("proj{index}"));
        write(proj.join("web.py"), MODULE_APP);
        write(proj.join("requirements.txt"), "flask==3.1.3\n");
        write(proj.join(".gitignore"), "*.sqlite3\n!.env.example\n");
        for args in [&["init"][..], &["variants"]] {
            let output = run_with_reader_gone(&proj, args, stdout_gone, stderr_gone);
            let err = stderr(&output);
            let streams = format!("stdout gone: {stdout_gone}, stderr gone: {stderr_gone}");
            assert_eq!(output.status.code(), Some(0), "{args:?}, {streams}: {err}");
            for telltale in ["panicked", "Broken pipe", "failed printing"] {
                assert!(!err.contains(telltale), "{args:?}, {streams}: {err}");
            }
        }
    }
}

#[test]
fn init_refuses_a_gitignore_it_cannot_read_and_writes_nothing() {
    let tmp = tempdir();
    let unreadable = tmp.path().join("unreadable");
    fs::create_dir_all(unreadable.join(".gitignore")).unwrap();
    let binary = tmp.path().join("binary");
    fs::create_dir(&binary).unwrap();
    fs::write(binary.join(".gitignore"), b"*.log\n\xff\xfe\n").unwrap();
    for (dir, says) in [("unreadable", "cannot read"), ("binary", "UTF-8")] {
        let before = tree(tmp.path());
        let output = run(tmp.path(), &["init", dir]);
        let message = assert_usage_error(&output);
        assert!(
            message.contains(".gitignore") && message.contains(says),
            "{message}"
        );
        assert_unchanged(tmp.path(), &before);
    }
}

#[test]
fn init_defaults_to_the_current_directory() {
    let tmp = tempdir();
    let proj = tmp.path().join("proj");
    fs::create_dir(&proj).unwrap();
    assert_success(&run(&proj, &["init"]));
    let config = config(&proj);
    assert_eq!(project_value(&config, "name").as_str(), Some("proj"));
}

#[test]
fn init_lists_the_files_it_would_replace_and_writes_nothing() {
    let tmp = tempdir();
    let proj = tmp.path().join("proj");
    users_flask_project(&proj);
    let before = tree(tmp.path());
    let output = run(tmp.path(), &["init", "proj"]);
    let message = assert_usage_error(&output);
    for file in [".dockerignore", "dockerfiles/docker-init.Dockerfile"] {
        assert!(message.contains(file), "{file} is not listed: {message}");
    }
    assert!(stderr(&output).contains("--force"), "{}", stderr(&output));
    assert_unchanged(tmp.path(), &before);
}

/// The issue's reproduction: `--force` in a project that is not a Flask
/// app replaced its requirements, app and README with hello world.
#[test]
fn init_force_refuses_a_python_project_that_is_not_a_flask_app() {
    let tmp = tempdir();
    let proj = tmp.path().join("proj");
    write(proj.join("requirements.txt"), "django==5.2\n");
    write(proj.join("app.py"), "print(1)\n");
    write(proj.join("README.md"), "# mine\n");
    let before = tree(tmp.path());
    for args in [
        &["init", "proj", "-y"][..],
        &["init", "proj", "-y", "--force"],
    ] {
        let message = assert_usage_error(&run(tmp.path(), args));
        assert!(message.contains("found no Flask app"), "{message}");
        for file in ["requirements.txt", "app.py"] {
            assert!(message.contains(file), "{file} is not named: {message}");
        }
        assert_unchanged(tmp.path(), &before);
    }
}

/// `--force` replaces what dockwright generated and nobody changed; a file
/// of the user's is moved to `.dockwright/backup/<time>/` first, byte for
/// byte, and the command says so.
#[test]
fn init_force_backs_up_the_users_files_before_replacing_them() {
    let tmp = tempdir();
    let proj = tmp.path().join("proj");
    users_flask_project(&proj);
    let force = ["init", "proj", "-y", "--force", "--profile", "speed"];
    let output = run(tmp.path(), &force);
    assert_success(&output);
    assert!(
        stderr(&output).contains(".dockwright/backup/"),
        "{}",
        stderr(&output)
    );
    let saved = backups(&proj);
    assert_eq!(saved.len(), 1, "{saved:?}");
    let first = saved[0].clone();
    assert_eq!(read(first.join(".dockerignore")), "secrets\n");
    assert_eq!(
        read(saved[0].join("dockerfiles/docker-init.Dockerfile")),
        "FROM mine\n"
    );
    assert_ne!(read(proj.join(".dockerignore")), "secrets\n");
    assert_eq!(read(proj.join("web.py")), MODULE_APP);

    // Again, unchanged: dockwright's own files are replaced without a backup.
    let output = run(tmp.path(), &force);
    assert_success(&output);
    assert!(!stderr(&output).contains("backup"), "{}", stderr(&output));
    assert_eq!(backups(&proj).len(), 1);

    // A generated Dockerfile the user edited is theirs now.
    let edited = proj.join("dockerfiles/docker-init.Dockerfile");
    let text = format!("{}# tuned by hand\n", read(&edited));
    write(&edited, &text);
    assert_success(&run(tmp.path(), &force));
    let saved = backups(&proj);
    assert_eq!(saved.len(), 2, "{saved:?}");
    let newest = saved
        .iter()
        .find(|b| {
            fs::read_to_string(b.join("dockerfiles/docker-init.Dockerfile")).ok()
                == Some(text.clone())
        })
        .expect("the edited Dockerfile was backed up byte for byte");
    assert!(
        !newest.join("dockwright.toml").exists(),
        "an unchanged file was backed up"
    );
}

fn backups(proj: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = fs::read_dir(proj.join(".dockwright/backup"))
        .map(|entries| entries.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    dirs.sort();
    dirs
}

#[test]
fn init_keeps_the_readme_of_a_directory_without_python() {
    let tmp = tempdir();
    let proj = tmp.path().join("proj");
    write(proj.join("README.md"), "# mine\n");
    assert_success(&run(tmp.path(), &["init", "proj", "-y"]));
    assert_eq!(read(proj.join("README.md")), "# mine\n");
    assert!(read(proj.join("app.py")).contains("hello world"));
}

#[test]
fn init_twice_refuses() {
    let tmp = tempdir();
    let proj = tmp.path().join("proj");
    fs::create_dir(&proj).unwrap();
    assert_success(&run(tmp.path(), &["init", "proj"]));
    let before = tree(tmp.path());
    let output = run(tmp.path(), &["init", "proj"]);
    let message = assert_usage_error(&output);
    assert!(
        message.contains("already a dockwright project"),
        "{message}"
    );
    assert_unchanged(tmp.path(), &before);
}

#[test]
fn init_of_a_missing_directory_points_to_new() {
    let tmp = tempdir();
    let before = tree(tmp.path());
    let output = run(tmp.path(), &["init", "proj"]);
    assert_usage_error(&output);
    assert!(
        stderr(&output).contains("dockwright new"),
        "{}",
        stderr(&output)
    );
    assert_unchanged(tmp.path(), &before);
}

// ---------------------------------------------------------------------------
// Adopting an existing app

/// Asserts that `init` added only dockwright's files (.dockerignore,
/// dockwright.toml, dockerfiles/, and `extra` if given) and left everything
/// else byte for byte.
fn assert_only_dockwright_files_added(
    proj: &Path,
    before: &BTreeMap<PathBuf, Node>,
    extra: Option<&str>,
) {
    let after = tree(proj);
    for (path, node) in before {
        assert_eq!(
            after.get(path),
            Some(node),
            "{} was changed or removed",
            path.display()
        );
    }
    for path in after.keys().filter(|p| !before.contains_key(*p)) {
        let path = slash_path(path);
        assert!(
            path == ".dockerignore"
                || path == "dockwright.toml"
                || path.starts_with("dockerfiles")
                || path.starts_with(".dockwright")
                || Some(path.as_str()) == extra,
            "init wrote {path}, which is not one of dockwright's files"
        );
    }
}

#[test]
fn init_adopts_a_module_level_app() {
    let tmp = tempdir();
    let proj = tmp.path().join("proj");
    write(proj.join("web.py"), MODULE_APP);
    write(
        proj.join("requirements.txt"),
        "flask==3.1.3\ngunicorn==23.0.0\n",
    );
    write(proj.join("README.md"), "# the shop\n");
    write(proj.join("static/style.css"), "body {}\n");
    let before = tree(&proj);

    let output = run(tmp.path(), &["init", "proj"]);
    assert_success(&output);
    assert!(stdout(&output).contains("Adopted"), "{}", stdout(&output));
    assert_only_dockwright_files_added(&proj, &before, None);

    let config = config(&proj);
    assert_eq!(project_value(&config, "entry").as_str(), Some("web:app"));
    assert_eq!(project_value(&config, "app_file").as_str(), Some("web.py"));
    assert_eq!(
        project_value(&config, "requirements").as_str(),
        Some("requirements.txt")
    );
    assert_eq!(
        project_value(&config, "install_project").as_bool(),
        Some(false)
    );
    assert_ladder_written(&proj, "balanced");
    for (name, dockerfile) in config_variants(&config) {
        assert!(
            read(proj.join(dockerfile)).contains("web:app"),
            "{name} does not serve web:app"
        );
    }
}

#[test]
fn init_adopts_a_factory_package_with_pyproject_dependencies() {
    let tmp = tempdir();
    let proj = tmp.path().join("proj");
    write(
        proj.join("shop/__init__.py"),
        "from flask import Flask\n\n\ndef create_app():\n    app = Flask(__name__)\n    return app\n",
    );
    write(
        proj.join("pyproject.toml"),
        "[project]\nname = \"shop\"\nversion = \"1.0.0\"\ndependencies = [\"flask==3.1.3\", \"gunicorn==23.0.0\"]\n\n[build-system]\nrequires = [\"setuptools>=61\"]\nbuild-backend = \"setuptools.build_meta\"\n",
    );
    let before = tree(&proj);

    let output = run(tmp.path(), &["init", "proj"]);
    assert_success(&output);

    let config = config(&proj);
    assert_eq!(
        project_value(&config, "entry").as_str(),
        Some("shop:create_app()")
    );
    assert_eq!(
        project_value(&config, "install_project").as_bool(),
        Some(true)
    );
    // The issue put this file at dockerfiles/requirements.txt; wherever
    // dockwright.toml says it is, it is dockwright's own and new.
    let requirements_path = project_value(&config, "requirements")
        .as_str()
        .unwrap()
        .to_string();
    assert_only_dockwright_files_added(&proj, &before, Some(&requirements_path));
    let requirements = read(proj.join(&requirements_path));
    assert_eq!(
        requirement_lines(&requirements),
        ["flask==3.1.3", "gunicorn==23.0.0"]
    );
    let dockerignore = read(proj.join(".dockerignore"));
    assert!(
        !ignored(&dockerignore, &requirements_path),
        ".dockerignore keeps {requirements_path} out of the build:\n{dockerignore}"
    );
    for (name, dockerfile) in config_variants(&config) {
        let text = read(proj.join(dockerfile));
        assert!(
            text.contains(&requirements_path) && text.contains("shop:create_app()"),
            "{name} does not use {requirements_path} and shop:create_app()"
        );
    }
}

const POETRY_PYPROJECT: &str = "[tool.poetry]\nname = \"shop\"\nversion = \"1.0.0\"\n\n[tool.poetry.dependencies]\npython = \"^3.11\"\nflask = \"^3.1\"\nrequests = { version = \"~2.32\", extras = [\"socks\"] }\ngunicorn = \"23.0.0\"\n\n[build-system]\nrequires = [\"poetry-core\"]\nbuild-backend = \"poetry.core.masonry.api\"\n";

#[test]
fn init_reads_poetry_dependencies() {
    let tmp = tempdir();
    let proj = tmp.path().join("proj");
    write(proj.join("shop/__init__.py"), MODULE_APP);
    write(proj.join("pyproject.toml"), POETRY_PYPROJECT);
    let output = run(tmp.path(), &["init", "proj"]);
    assert_success(&output);
    let config = config(&proj);
    let requirements = project_value(&config, "requirements")
        .as_str()
        .unwrap()
        .to_string();
    let mut lines = requirement_lines(&read(proj.join(&requirements)));
    lines.sort();
    assert_eq!(
        lines,
        [
            "flask>=3.1,<4.0",
            "gunicorn==23.0.0",
            "requests[socks]>=2.32,<2.33"
        ]
    );
}

#[test]
fn init_refuses_poetry_dependencies_from_git_or_a_path() {
    for dependency in [
        "shop-lib = { git = \"https://github.com/me/shop-lib.git\" }",
        "shop-lib = { path = \"../shop-lib\" }",
    ] {
        let tmp = tempdir();
        let proj = tmp.path().join("proj");
        write(proj.join("shop/__init__.py"), MODULE_APP);
        let text = POETRY_PYPROJECT.replace("gunicorn = ", &format!("{dependency}\ngunicorn = "));
        write(proj.join("pyproject.toml"), &text);
        let before = tree(tmp.path());
        let message = assert_usage_error(&run(tmp.path(), &["init", "proj"]));
        assert!(
            message.contains("`shop-lib`") && message.contains("requirements.txt"),
            "{message}"
        );
        assert_unchanged(tmp.path(), &before);
    }
}

#[test]
fn init_says_that_dynamic_dependencies_need_a_requirements_file() {
    let tmp = tempdir();
    let proj = tmp.path().join("proj");
    write(proj.join("web.py"), MODULE_APP);
    write(
        proj.join("pyproject.toml"),
        "[project]\nname = \"shop\"\nversion = \"1\"\ndynamic = [\"dependencies\"]\n\n[tool.setuptools.dynamic]\ndependencies = { file = [\"deps.in\"] }\n",
    );
    let before = tree(tmp.path());
    let message = assert_usage_error(&run(tmp.path(), &["init", "proj"]));
    assert!(
        message.contains("dynamic") && message.contains("requirements.txt"),
        "{message}"
    );
    assert_unchanged(tmp.path(), &before);
}

#[test]
fn init_refuses_an_entry_in_a_module_that_does_not_exist() {
    let tmp = tempdir();
    two_apps(tmp.path());
    let before = tree(tmp.path());
    let output = run(tmp.path(), &["init", "proj", "--entry", "nosuch:app"]);
    let message = assert_usage_error(&output);
    assert!(
        message.contains("`nosuch`") && message.contains("nosuch.py"),
        "{message}"
    );
    assert_unchanged(tmp.path(), &before);
}

#[test]
fn init_entry_may_name_a_module_dockwright_did_not_find_an_app_in() {
    let tmp = tempdir();
    let proj = two_apps(tmp.path());
    write(proj.join("wsgi.py"), "from web import app\n");
    let output = run(tmp.path(), &["init", "proj", "--entry", "wsgi:app"]);
    assert_success(&output);
    assert_eq!(
        project_value(&config(&proj), "app_file").as_str(),
        Some("wsgi.py")
    );
}

/// The gunicorn line of the minimal preset for the default Python: what
/// dockwright adds to a project that lists none.
fn preset_gunicorn(tmp: &Path) -> String {
    let proj = new_project(tmp, "preset", &["--deps", "minimal"]);
    requirement_lines(&read(proj.join("requirements.txt")))
        .into_iter()
        .find(|line| line.starts_with("gunicorn=="))
        .expect("the minimal preset pins gunicorn")
}

#[test]
fn init_adds_gunicorn_beside_a_requirements_file_without_it() {
    let tmp = tempdir();
    let gunicorn = preset_gunicorn(tmp.path());
    let proj = tmp.path().join("proj");
    write(proj.join("web.py"), MODULE_APP);
    write(proj.join("requirements.txt"), "flask==3.1.3\n");
    let before = tree(&proj);

    let output = run(tmp.path(), &["init", "proj", "--profile", "all"]);
    assert_success(&output);
    assert!(
        stderr(&output).contains(&format!("adds `{gunicorn}`")),
        "{}",
        stderr(&output)
    );
    let config = config(&proj);
    let requirements = project_value(&config, "requirements")
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(
        requirements, "requirements.txt",
        "the project's own file is not edited"
    );
    assert_only_dockwright_files_added(&proj, &before, Some(&requirements));
    assert_eq!(
        requirement_lines(&read(proj.join(&requirements))),
        ["-r requirements.txt", gunicorn.as_str()]
    );
    // pip reads the included file next to the including one: every
    // Dockerfile that copies or mounts one of them brings the other.
    for (name, dockerfile) in config_variants(&config) {
        let text = read(proj.join(dockerfile));
        for line in text.lines().filter(|l| l.contains(&requirements)) {
            let own = line.contains(&format!("COPY {requirements}"))
                || line.contains(&format!("source={requirements}"));
            if own {
                let included = line.replace(&requirements, "requirements.txt");
                assert!(
                    text.contains(&included),
                    "{name} has `{line}` but not `{included}`:\n{text}"
                );
            }
        }
        assert!(
            text.contains(&requirements),
            "{name} does not install {requirements}"
        );
    }
}

#[test]
fn init_adds_gunicorn_to_pyproject_dependencies_without_it() {
    let tmp = tempdir();
    let gunicorn = preset_gunicorn(tmp.path());
    let proj = tmp.path().join("proj");
    write(proj.join("shop/__init__.py"), MODULE_APP);
    write(
        proj.join("pyproject.toml"),
        "[project]\nname = \"shop\"\nversion = \"1\"\ndependencies = [\"flask==3.1.3\"]\n",
    );
    let output = run(tmp.path(), &["init", "proj"]);
    assert_success(&output);
    assert!(stderr(&output).contains(&gunicorn), "{}", stderr(&output));
    let config = config(&proj);
    let requirements = project_value(&config, "requirements")
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        requirement_lines(&read(proj.join(&requirements))),
        ["flask==3.1.3", gunicorn.as_str()]
    );
}

/// Whether `.dockerignore` leaves `path` out of the build context, for the
/// plain patterns dockwright writes: exact paths and directories, each
/// overridden by a later `!` pattern.
fn ignored(dockerignore: &str, path: &str) -> bool {
    let mut ignored = false;
    for line in dockerignore.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (negated, pattern) = match line.strip_prefix('!') {
            Some(pattern) => (true, pattern),
            None => (false, line),
        };
        let pattern = pattern.trim_end_matches('/');
        if path == pattern || path.starts_with(&format!("{pattern}/")) {
            ignored = !negated;
        }
    }
    ignored
}

fn two_apps(tmp: &Path) -> PathBuf {
    let proj = tmp.join("proj");
    write(proj.join("web.py"), MODULE_APP);
    write(proj.join("admin.py"), MODULE_APP);
    write(
        proj.join("requirements.txt"),
        "flask==3.1.3\ngunicorn==23.0.0\n",
    );
    proj
}

#[test]
fn init_with_two_apps_and_no_terminal_asks_for_entry() {
    let tmp = tempdir();
    two_apps(tmp.path());
    let before = tree(tmp.path());
    let output = run(tmp.path(), &["init", "proj"]);
    let message = assert_usage_error(&output);
    assert!(
        message.contains("web:app") && message.contains("admin:app"),
        "{message}"
    );
    assert!(stderr(&output).contains("--entry"), "{}", stderr(&output));
    assert_unchanged(tmp.path(), &before);
}

#[test]
fn init_entry_picks_one_of_two_apps() {
    let tmp = tempdir();
    let proj = two_apps(tmp.path());
    let output = run(tmp.path(), &["init", "proj", "--entry", "web:app"]);
    assert_success(&output);
    let config = config(&proj);
    assert_eq!(project_value(&config, "entry").as_str(), Some("web:app"));
    assert_eq!(project_value(&config, "app_file").as_str(), Some("web.py"));
}

#[test]
fn init_refuses_a_malformed_entry() {
    let tmp = tempdir();
    two_apps(tmp.path());
    let before = tree(tmp.path());
    let output = run(tmp.path(), &["init", "proj", "--entry", "web"]);
    assert!(assert_usage_error(&output).contains("module:callable"));
    assert_unchanged(tmp.path(), &before);
}

// ---------------------------------------------------------------------------
// variants

#[test]
fn variants_json_lists_the_ladder_from_baseline_to_recommended() {
    let tmp = tempdir();
    let proj = new_project(tmp.path(), "proj", &["--profile", "article"]);
    // Both inside the project and pointed at it from outside.
    for (dir, args) in [
        (proj.as_path(), vec!["variants", "--json"]),
        (tmp.path(), vec!["variants", "--json", "--project", "proj"]),
    ] {
        let output = run(dir, &args);
        assert_success(&output);
        let rows: Vec<serde_json::Value> =
            serde_json::from_str(&stdout(&output)).expect("variants --json prints a JSON array");
        let names: Vec<&str> = rows.iter().map(|r| r["name"].as_str().unwrap()).collect();
        assert_eq!(names, ladder("article"));
        let last = rows.len() - 1;
        for (step, row) in rows.iter().enumerate() {
            assert_eq!(row["step"].as_u64(), Some(step as u64));
            assert_eq!(row["baseline"].as_bool(), Some(step == 0), "{row}");
            assert_eq!(row["recommended"].as_bool(), Some(step == last), "{row}");
            assert!(proj.join(row["dockerfile"].as_str().unwrap()).is_file());
            assert!(!row["reason"].as_str().unwrap().is_empty(), "{row}");
        }
    }
}

/// Every command that takes variant names refuses one the ladder lacks with
/// the same sentence, naming the ladder's variants, and the same help,
/// naming the profiles that have it; before any engine is sought.
#[test]
fn a_variant_the_ladder_lacks_is_refused_alike_by_every_command() {
    let tmp = tempdir();
    let proj = new_project(
        tmp.path(),
        "proj",
        &["--profile", "balanced", "--deps", "minimal"],
    );
    let before = tree(&proj);
    for args in [
        &["build", "alpine"][..],
        &["measure", "alpine"],
        &["rebuild", "alpine"],
        &["explain", "alpine"],
        &["tour", "--yes", "--skip", "alpine"],
    ] {
        let output = dockwright(&proj)
            .args(args)
            .env("DOCKWRIGHT_ENGINE", tmp.path().join("no-such-engine"))
            .output()
            .unwrap();
        let message = assert_usage_error(&output);
        assert_eq!(
            message,
            "this project has no variant `alpine`; pick from docker-init, multi-stage, uv-minimal",
            "{args:?}"
        );
        let help = stderr(&output);
        assert!(
            help.contains("help: `alpine` is in the article and all profiles; `dockwright new DIR --profile article` makes a project with it"),
            "{args:?}: {help}"
        );
        assert_unchanged(&proj, &before);
    }
}

/// `dockwright variants` in a project whose dockwright.toml had `from`
/// replaced with `to`: the usage error, and the (last) line `to` is on.
fn variants_with_edited_config(from: &str, to: &str) -> (String, usize) {
    let tmp = tempdir();
    let proj = new_project(tmp.path(), "proj", &["--profile", "article"]);
    let text = read(proj.join("dockwright.toml"));
    assert!(text.contains(from), "{from} is not in:\n{text}");
    let text = text.replacen(from, to, 1);
    write(proj.join("dockwright.toml"), &text);
    let lines: Vec<&str> = text.lines().collect();
    let line = lines.iter().rposition(|l| *l == to).unwrap() + 1;
    (assert_usage_error(&run(&proj, &["variants"])), line)
}

#[test]
fn a_setting_of_the_wrong_type_is_named_with_its_line() {
    let (message, line) = variants_with_edited_config("port = 5000", "port = \"5000\"");
    assert!(
        message.contains(&format!("line {line} (`project.port`)")),
        "{message}"
    );
    assert!(!message.contains("not valid TOML"), "{message}");
}

#[test]
fn project_and_variant_names_must_make_image_tags() {
    for (from, to, says) in [
        ("name = \"proj\"", "name = \"my proj\"", "`project.name`"),
        (
            "name = \"slim\"",
            "name = \"sl:im\"",
            "not a valid image tag",
        ),
        ("name = \"slim\"", "name = \"baseline\"", "listed twice"),
    ] {
        let (message, line) = variants_with_edited_config(from, to);
        assert!(
            message.contains(&format!("line {line}")) && message.contains(says),
            "{to}: {message}"
        );
    }
}

#[test]
fn a_closed_stdout_ends_new_and_variants_quietly() {
    let tmp = tempdir();
    assert_quiet_on_a_closed_pipe(&run_with_stdout_closed(
        tmp.path(),
        &["new", "proj", "--yes"],
    ));
    let proj = tmp.path().join("proj");
    assert!(proj.join("dockwright.toml").is_file());
    for args in [&["variants"][..], &["variants", "--json"], &["explain"]] {
        assert_quiet_on_a_closed_pipe(&run_with_stdout_closed(&proj, args));
    }
}

#[test]
fn variants_outside_a_project_says_there_is_no_dockwright_toml() {
    let tmp = tempdir();
    let output = run(tmp.path(), &["variants"]);
    let message = assert_usage_error(&output);
    assert!(message.contains("no dockwright.toml"), "{message}");
}

// ---------------------------------------------------------------------------
// completions

const SUBCOMMANDS: [&str; 14] = [
    "new",
    "init",
    "lock",
    "pin",
    "build",
    "bake",
    "rebuild",
    "measure",
    "variants",
    "report",
    "explain",
    "tour",
    "compare",
    "completions",
];

/// How `shell`'s completion script offers `command` after `dockwright`.
fn offer(shell: &str, command: &str) -> String {
    match shell {
        "bash" => format!("dockwright,{command})"),
        "zsh" => format!("'{command}:"),
        "fish" => format!("-a \"{command}\""),
        "powershell" => format!("'dockwright;{command}'"),
        _ => unreachable!("no test of {shell}"),
    }
}

#[test]
fn completions_prints_each_shells_script_naming_every_subcommand() {
    let tmp = tempdir();
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let output = run(tmp.path(), &["completions", shell]);
        assert_success(&output);
        assert_eq!(stderr(&output), "", "{shell}");
        let script = stdout(&output);
        for command in SUBCOMMANDS {
            let wanted = offer(shell, command);
            assert!(script.contains(&wanted), "{shell} lacks `{wanted}`");
        }
    }
}

#[test]
fn the_bash_completion_script_is_valid_bash() {
    let tmp = tempdir();
    let output = run(tmp.path(), &["completions", "bash"]);
    assert_success(&output);
    let script = tmp.path().join("dockwright.bash");
    fs::write(&script, &output.stdout).unwrap();
    let checked = Command::new("bash")
        .arg("-n")
        .arg(&script)
        .output()
        .unwrap();
    assert!(checked.status.success(), "{}", stderr(&checked));
}

#[test]
fn completions_refuses_an_unknown_shell() {
    let tmp = tempdir();
    let output = run(tmp.path(), &["completions", "tcsh"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("possible values: bash"),
        "{}",
        stderr(&output)
    );
    assert_eq!(stdout(&output), "");
}

// ---------------------------------------------------------------------------
// --quiet and --verbose

/// A stand-in client whose builds print one line of output, as BuildKit's
/// plain progress would, and make the image `image inspect` finds.
fn chatty_client(dir: &Path) -> PathBuf {
    fake_client(
        dir,
        r#"build) echo '#5 [2/2] RUN echo said-by-the-build'
    while [ $# -gt 0 ]; do
        if [ "$1" = --iidfile ]; then echo sha256:0 > "$2"; fi
        shift
    done ;;"#,
    )
}

/// `dockwright build --json minimal-final` with `flags`, through `client`.
fn build_with(project: &Path, client: &Path, flags: &[&str]) -> Output {
    let mut args = flags.to_vec();
    args.extend(["build", "--json", "minimal-final"]);
    let output = with_client(project, client, &args).output().unwrap();
    assert_success(&output);
    output
}

/// What `build --json` printed, less the times, which differ run to run.
fn results_without_times(output: &Output) -> serde_json::Value {
    let mut results: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    for variant in results.as_array_mut().unwrap() {
        variant.as_object_mut().unwrap().remove("seconds");
    }
    results
}

#[test]
fn quiet_leaves_stderr_to_errors_and_warnings_and_stdout_as_it_was() {
    let tmp = tempdir();
    let client = chatty_client(tmp.path());
    let project = project(tmp.path());
    let usual = build_with(&project, &client, &[]);
    assert!(
        stderr(&usual).contains("variant(s) of `proj` with"),
        "{}",
        stderr(&usual)
    );
    for flag in ["-q", "--quiet"] {
        let quiet = build_with(&project, &client, &[flag]);
        assert_eq!(stderr(&quiet), "", "{flag}");
        assert_eq!(results_without_times(&quiet), results_without_times(&usual));
    }
    // An error is still said, after the subcommand as before it.
    let output = run(tmp.path(), &["variants", "--quiet", "--project", "nowhere"]);
    let message = assert_usage_error(&output);
    assert!(message.contains("no dockwright.toml"), "{message}");
}

#[test]
fn verbose_shows_the_build_output_that_the_log_keeps() {
    let tmp = tempdir();
    let client = chatty_client(tmp.path());
    let project = project(tmp.path());
    let line = "#5 [2/2] RUN echo said-by-the-build";
    let usual = build_with(&project, &client, &[]);
    assert!(!stderr(&usual).contains(line), "{}", stderr(&usual));
    for flag in ["-v", "--verbose"] {
        let verbose = build_with(&project, &client, &[flag]);
        let err = stderr(&verbose);
        assert!(err.lines().any(|l| l == line), "{flag}:\n{err}");
        assert!(err.contains("variant(s) of `proj` with"), "{err}");
        assert_eq!(
            results_without_times(&verbose),
            results_without_times(&usual)
        );
        let log = &results_without_times(&verbose)[0]["log"];
        assert!(read(log.as_str().unwrap()).contains(line), "{log}");
    }
}

#[test]
fn quiet_and_verbose_refuse_each_other() {
    let tmp = tempdir();
    for args in [
        ["-q", "variants", "-v"],
        ["variants", "--verbose", "--quiet"],
    ] {
        let output = run(tmp.path(), &args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(
            stderr(&output).contains("'--quiet' cannot be used with '--verbose'"),
            "{args:?}: {}",
            stderr(&output)
        );
        assert_eq!(stdout(&output), "");
    }
}

// ---------------------------------------------------------------------------
// bake

/// The bake file's text, checked to hold every variant of `profile` as a
/// target tagged and labelled as `build` does it.
fn assert_bake_file(proj: &Path, profile: &str) -> String {
    let text = read(proj.join("docker-bake.hcl"));
    assert!(
        text.contains(&format!(
            "group \"default\" {{\n  targets = [\"{profile}\"]\n}}"
        )),
        "{text}"
    );
    for variant in ladder(profile) {
        assert!(
            text.contains(&format!("target \"{variant}\" {{")),
            "{variant}:\n{text}"
        );
        assert!(
            text.contains(&format!("\"dockwright.variant\" = \"{variant}\"")),
            "{variant}:\n{text}"
        );
        assert!(
            text.contains(&format!("tags       = [\"proj:{variant}\"]")),
            "{variant}:\n{text}"
        );
    }
    text
}

#[test]
fn bake_writes_the_ladder_and_writes_it_again_while_nobody_edits_it() {
    let tmp = tempdir();
    let proj = new_project(
        tmp.path(),
        "proj",
        &["--profile", "balanced", "--deps", "minimal", "--yes"],
    );
    let output = run(&proj, &["bake"]);
    assert_success(&output);
    assert!(
        stdout(&output).starts_with("Wrote `docker-bake.hcl`: 3 variant(s)"),
        "{}",
        stdout(&output)
    );
    let first = assert_bake_file(&proj, "balanced");
    assert!(
        !first.contains("platforms") && !first.contains("cache-from"),
        "{first}"
    );
    // Written by dockwright and unchanged: replaced without --force.
    let output = run(
        &proj,
        &[
            "bake",
            "--platform",
            "linux/amd64,linux/arm64",
            "--cache-ref",
            "127.0.0.1:5000/proj-cache",
        ],
    );
    assert_success(&output);
    let second = assert_bake_file(&proj, "balanced");
    assert!(
        second.contains("  platforms = [\"linux/amd64\", \"linux/arm64\"]\n"),
        "{second}"
    );
    assert!(
        second.contains(
            "  cache-from = [\"type=registry,ref=127.0.0.1:5000/proj-cache:uv-minimal\"]\n"
        ),
        "{second}"
    );
    assert!(!proj.join(".dockwright/backup").exists());
}

#[test]
fn bake_refuses_to_replace_a_file_it_did_not_write_unless_forced() {
    let tmp = tempdir();
    let proj = new_project(
        tmp.path(),
        "proj",
        &["--profile", "size", "--deps", "minimal", "--yes"],
    );
    let mine = "target \"mine\" {\n  context = \".\"\n}\n";
    write(proj.join("docker-bake.hcl"), mine);
    let before = tree(&proj);
    let message = assert_usage_error(&run(&proj, &["bake"]));
    assert_eq!(message, "`docker-bake.hcl` exists and is not the one dockwright wrote (or was edited since); nothing was written");
    assert_unchanged(&proj, &before);
    // Edited after dockwright wrote it: the same.
    fs::remove_file(proj.join("docker-bake.hcl")).unwrap();
    assert_success(&run(&proj, &["bake"]));
    let edited = format!("{}# mine\n", read(proj.join("docker-bake.hcl")));
    write(proj.join("docker-bake.hcl"), &edited);
    assert_usage_error(&run(&proj, &["bake"]));
    assert_eq!(read(proj.join("docker-bake.hcl")), edited);
    // --force keeps the user's file in the backup directory.
    let output = run(&proj, &["bake", "--force"]);
    assert_success(&output);
    assert!(
        stderr(&output).contains("moved your `docker-bake.hcl` to `.dockwright/backup/"),
        "{}",
        stderr(&output)
    );
    assert_bake_file(&proj, "size");
    let backups: Vec<PathBuf> = fs::read_dir(proj.join(".dockwright/backup"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    assert_eq!(backups.len(), 1);
    assert_eq!(read(backups[0].join("docker-bake.hcl")), edited);
}

#[test]
fn bake_print_and_json_write_nothing() {
    let tmp = tempdir();
    let proj = new_project(
        tmp.path(),
        "proj",
        &["--profile", "speed", "--deps", "minimal", "--yes"],
    );
    let before = tree(&proj);
    let printed = run(&proj, &["bake", "--print"]);
    assert_success(&printed);
    assert!(
        stdout(&printed).contains("target \"uv\" {"),
        "{}",
        stdout(&printed)
    );
    let json = run(
        &proj,
        &["bake", "--format", "json", "--platform", "linux/arm64"],
    );
    assert_success(&json);
    let plan: serde_json::Value =
        serde_json::from_str(&stdout(&json)).expect("bake --format json prints JSON");
    assert_eq!(
        plan["group"]["default"]["targets"],
        serde_json::json!(["speed"])
    );
    assert_eq!(
        plan["group"]["speed"]["targets"],
        serde_json::json!(ladder("speed"))
    );
    assert_eq!(plan["target"]["uv"]["tags"], serde_json::json!(["proj:uv"]));
    assert_eq!(
        plan["target"]["uv"]["platforms"],
        serde_json::json!(["linux/arm64"])
    );
    assert_unchanged(&proj, &before);
}

#[test]
fn bake_refuses_bad_input_with_one_sentence_and_writes_nothing() {
    let tmp = tempdir();
    let proj = new_project(
        tmp.path(),
        "proj",
        &["--profile", "balanced", "--deps", "minimal", "--yes"],
    );
    let before = tree(&proj);
    for (args, expected) in [
        (
            &["bake", "--platform", "linux"][..],
            "`linux` is not a platform",
        ),
        (
            &["bake", "--platform", "linux/amd64,"],
            "`` is not a platform",
        ),
        (
            &["bake", "--cache-ref", "127.0.0.1:5000/proj-cache:v1"],
            "carries a tag",
        ),
        (
            &["bake", "--cache-ref", "Registry.example/Proj"],
            "not a repository name",
        ),
        (
            &["bake", "--base-set", "mirror"],
            "dockwright.toml has no base set `mirror`",
        ),
    ] {
        let message = assert_usage_error(&run(&proj, args));
        assert!(message.contains(expected), "{args:?}: {message}");
        assert_unchanged(&proj, &before);
    }
    // A variant bake cannot name: a dot is fine in a tag, not in a target.
    let toml = read(proj.join("dockwright.toml"))
        .replace("name = \"uv-minimal\"", "name = \"uv.minimal\"");
    write(proj.join("dockwright.toml"), &toml);
    let before = tree(&proj);
    let message = assert_usage_error(&run(&proj, &["bake"]));
    assert!(
        message.starts_with("the variant `uv.minimal` cannot name a bake target"),
        "{message}"
    );
    assert_unchanged(&proj, &before);
    // Outside a project.
    let message = assert_usage_error(&run(tmp.path(), &["bake"]));
    assert!(message.contains("dockwright.toml"), "{message}");
}

// ---------------------------------------------------------------------------
// Snapshots of every generated file, per profile and preset

/// Generates the project for (profile, preset) and snapshots its file list and
/// each file as `cli__PROFILE-PRESET-FILE.snap`.
fn snapshot_project(profile: &str, preset: &str) {
    let tmp = tempdir();
    let proj = new_project(
        tmp.path(),
        "snap",
        &["--profile", profile, "--deps", preset, "--yes"],
    );
    let files = files(&proj);
    insta::assert_snapshot!(format!("{profile}-{preset}-files"), files.join("\n"));
    for file in &files {
        let name = format!("{profile}-{preset}-{}", file.replace('/', "-"));
        insta::assert_snapshot!(name, read(proj.join(file)));
    }
}

macro_rules! snapshot_tests {
    ($($test:ident: $profile:literal, $preset:literal;)*) => {
        $(
            #[test]
            fn $test() {
                snapshot_project($profile, $preset);
            }
        )*
    };
}

snapshot_tests! {
    snapshot_size_article: "size", "article";
    snapshot_size_minimal: "size", "minimal";
    snapshot_speed_article: "speed", "article";
    snapshot_speed_minimal: "speed", "minimal";
    snapshot_balanced_article: "balanced", "article";
    snapshot_balanced_minimal: "balanced", "minimal";
    snapshot_article_article: "article", "article";
    snapshot_article_minimal: "article", "minimal";
    snapshot_all_article: "all", "article";
    snapshot_all_minimal: "all", "minimal";
}

// ---------------------------------------------------------------------------
// Shared checks

/// The requirement lines of a requirements file: comments and blanks dropped.
fn requirement_lines(text: &str) -> Vec<String> {
    text.lines()
        .map(|line| line.split('#').next().unwrap().trim())
        .filter(|line| !line.is_empty())
        .map(str::to_string)
        .collect()
}

/// dockwright.toml names the ladder of `profile` in order, and exactly those
/// Dockerfiles exist in dockerfiles/.
fn assert_ladder_written(proj: &Path, profile: &str) {
    let config = config(proj);
    let variants = config_variants(&config);
    let names: Vec<&str> = variants.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(names, ladder(profile), "the variants of profile {profile}");
    let mut dockerfiles: Vec<String> = Vec::new();
    for (name, dockerfile) in &variants {
        assert!(
            proj.join(dockerfile).is_file(),
            "the Dockerfile of {name}, {dockerfile}, does not exist"
        );
        dockerfiles.push(dockerfile.clone());
    }
    dockerfiles.sort();
    let written: Vec<String> = files(&proj.join("dockerfiles"))
        .into_iter()
        .filter(|f| f.ends_with("Dockerfile"))
        .map(|f| format!("dockerfiles/{f}"))
        .collect();
    assert_eq!(written, dockerfiles, "the Dockerfiles in dockerfiles/");
}

/// A Procfile's `web:` line is the project's own word on what gunicorn
/// serves: it wins over the factory dockwright would have guessed.
#[test]
fn init_serves_what_the_procfile_names() {
    let tmp = tempdir();
    let proj = tmp.path().join("proj");
    write(
        proj.join("shop/__init__.py"),
        "from flask import Flask\n\n\ndef create_app():\n    return Flask(__name__)\n",
    );
    write(
        proj.join("wsgi.py"),
        "from shop import create_app\n\napp = create_app()\n",
    );
    write(
        proj.join("requirements.txt"),
        "flask==3.1.3\ngunicorn==23.0.0\n",
    );
    let guessed = run(tmp.path(), &["init", "proj", "-y"]);
    assert_success(&guessed);
    assert_eq!(
        project_value(&config(&proj), "entry").as_str(),
        Some("shop:create_app()")
    );
    assert!(
        stdout(&guessed).contains("found in `shop/__init__.py`"),
        "{}",
        stdout(&guessed)
    );

    write(
        proj.join("Procfile"),
        "release: flask db upgrade\nweb: gunicorn --bind 0.0.0.0:$PORT wsgi:app\n",
    );
    let declared = run(tmp.path(), &["init", "proj", "-y", "--force"]);
    assert_success(&declared);
    let config = config(&proj);
    assert_eq!(project_value(&config, "entry").as_str(), Some("wsgi:app"));
    assert_eq!(project_value(&config, "app_file").as_str(), Some("wsgi.py"));
    assert!(
        stdout(&declared).contains("Procfile"),
        "{}",
        stdout(&declared)
    );
}

/// Every command that prints results takes `--format json`, as `report`
/// and `compare` do, and keeps `--json` as its short form.
#[test]
fn every_command_with_results_takes_format_json() {
    let tmp = tempdir();
    let proj = new_project(
        tmp.path(),
        "proj",
        &["--profile", "speed", "--deps", "minimal"],
    );
    for command in ["variants", "explain"] {
        let long = run(&proj, &[command, "--format", "json"]);
        assert_success(&long);
        let short = run(&proj, &[command, "--json"]);
        assert_eq!(stdout(&long), stdout(&short), "{command}");
        let parsed: Result<serde_json::Value, _> = serde_json::from_str(&stdout(&long));
        assert!(parsed.is_ok(), "{command} --format json: {}", stdout(&long));
    }
    for command in [
        "build", "rebuild", "measure", "variants", "explain", "report", "compare",
    ] {
        let help = run(&proj, &[command, "--help"]);
        assert!(
            stdout(&help).contains("--format"),
            "{command} has no --format"
        );
    }
}

// ---------------------------------------------------------------------------
// lock

#[test]
fn lock_without_an_engine_says_so_and_writes_nothing() {
    let tmp = tempdir();
    let proj = new_project(tmp.path(), "proj", &["--yes", "--deps", "minimal"]);
    let before = tree(&proj);
    let output = run(&proj, &["lock", "--engine", "/nonexistent/docker"]);
    let message = assert_usage_error(&output);
    assert!(message.contains("/nonexistent/docker"), "{message}");
    assert_unchanged(&proj, &before);
}

#[test]
fn lock_refuses_an_include_outside_the_project_before_looking_for_an_engine() {
    let tmp = tempdir();
    let proj = new_project(tmp.path(), "proj", &["--yes", "--deps", "minimal"]);
    write(
        proj.join("requirements.txt"),
        "-r ../shared.txt\nflask==3.1.3\n",
    );
    let before = tree(&proj);
    let output = run(&proj, &["lock", "--engine", "/nonexistent/docker"]);
    let message = assert_usage_error(&output);
    assert!(
        message.contains("`../shared.txt`") && message.contains("outside the project"),
        "{message}"
    );
    assert_unchanged(&proj, &before);
}

#[test]
fn new_with_lock_and_no_engine_creates_the_project_unlocked_and_says_so() {
    let tmp = tempdir();
    let output = run(
        tmp.path(),
        &[
            "new",
            "proj",
            "--yes",
            "--deps",
            "minimal",
            "--lock",
            "--engine",
            "/nonexistent/docker",
        ],
    );
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert_no_panic(&output);
    let err = stderr(&output);
    assert!(
        err.starts_with("error: `proj` was created, but its requirements are not locked: ")
            && err.contains("/nonexistent/docker")
            && err.contains("help: once that is fixed, run `dockwright lock` in `proj`"),
        "{err}"
    );
    let proj = tmp.path().join("proj");
    assert!(!proj.join("requirements.lock").exists());
    assert_eq!(
        project_value(&config(&proj), "requirements").as_str(),
        Some("requirements.txt")
    );
    assert_success(&run(&proj, &["variants"]));
}

#[test]
fn engine_is_only_for_new_with_lock() {
    let tmp = tempdir();
    let output = run(tmp.path(), &["new", "proj", "--yes", "--engine", "docker"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("--lock"), "{}", stderr(&output));
    assert!(!tmp.path().join("proj").exists());
}

#[test]
fn a_build_from_a_lock_whose_source_changed_warns_before_anything_else() {
    let tmp = tempdir();
    let proj = new_project(tmp.path(), "proj", &["--yes", "--deps", "minimal"]);
    let settings = read(proj.join("dockwright.toml")).replace(
        "requirements = \"requirements.txt\"",
        "requirements = \"requirements.lock\"\nlock_source = \"requirements.txt\"",
    );
    write(proj.join("dockwright.toml"), &settings);
    let locked_from = "flask==3.1.2\n";
    write(
        proj.join("requirements.lock"),
        &format!(
            "# from requirements.txt sha256:{}\nflask==3.1.2 --hash=sha256:00\n",
            sha256_hex(locked_from.as_bytes())
        ),
    );
    write(proj.join("requirements.txt"), locked_from);
    let quiet = run(&proj, &["build", "--engine", "/nonexistent/docker"]);
    assert!(!stderr(&quiet).contains("warning:"), "{}", stderr(&quiet));

    write(proj.join("requirements.txt"), "flask==3.1.3\n");
    for command in ["build", "measure"] {
        let output = run(&proj, &[command, "--engine", "/nonexistent/docker"]);
        assert_eq!(output.status.code(), Some(2));
        let err = stderr(&output);
        assert!(
            err.starts_with(
                "warning: `requirements.txt` changed after `requirements.lock` was written"
            ) && err.contains("run `dockwright lock` again"),
            "{command}: {err}"
        );
    }
}

/// The sha256 of `bytes` in hex, as `sha256sum` prints it.
fn sha256_hex(bytes: &[u8]) -> String {
    let out = Command::new("sha256sum")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child.stdin.take().unwrap().write_all(bytes)?;
            child.wait_with_output()
        })
        .expect("sha256sum runs");
    String::from_utf8(out.stdout).unwrap()[..64].to_string()
}

/// `pin --remove` needs no engine: it takes the digests out of the values
/// that have them, and leaves every other byte of dockwright.toml alone.
#[test]
fn pin_remove_drops_the_digests_and_keeps_the_rest_of_the_file() {
    let tmp = tempdir();
    let dir = new_project(tmp.path(), "pinned", &["--profile", "balanced"]);
    let settings = dir.join("dockwright.toml");
    let digest = format!("sha256:{}", "a".repeat(64));
    let original = read(&settings);
    let pinned = original.replace(
        "slim = \"python:3.13-slim\"",
        &format!("slim = \"python:3.13-slim@{digest}\"  # pinned by hand"),
    );
    assert_ne!(pinned, original);
    write(&settings, &pinned);
    let output = run(&dir, &["pin", "--remove", "--format", "json"]);
    assert_success(&output);
    let rows: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    let slim = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["image"] == "slim")
        .unwrap();
    assert_eq!(slim["before"], format!("python:3.13-slim@{digest}"));
    assert_eq!(slim["after"], "python:3.13-slim");
    assert_eq!(slim["changed"], true);
    assert_eq!(
        read(&settings),
        original.replace(
            "slim = \"python:3.13-slim\"",
            "slim = \"python:3.13-slim\"  # pinned by hand"
        )
    );
}

#[test]
fn pin_refuses_an_unknown_image_and_a_missing_project() {
    let tmp = tempdir();
    let output = run(tmp.path(), &["pin", "bogus"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("invalid value 'bogus'")
            && stderr(&output).contains("possible values: full, slim, alpine, uv"),
        "{}",
        stderr(&output)
    );
    let output = run(tmp.path(), &["pin", "--remove"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("no dockwright.toml"),
        "{}",
        stderr(&output)
    );
}

// ---------------------------------------------------------------------------
// Finding the project from inside it

#[test]
fn variants_from_a_folder_inside_the_project_finds_the_project_above() {
    let tmp = tempdir();
    let dir = new_project(tmp.path(), "found", &["--yes", "--profile", "size"]);
    let at_root = run(&dir, &["variants", "--json"]);
    assert_success(&at_root);
    let deeper = dir.join("static/css");
    fs::create_dir_all(&deeper).unwrap();
    for inside in [dir.join("dockerfiles"), deeper] {
        let output = run(&inside, &["variants", "--json"]);
        assert_success(&output);
        assert_eq!(stdout(&output), stdout(&at_root), "{}", inside.display());
    }
}

#[test]
fn an_explicit_project_is_that_directory_and_no_other() {
    let tmp = tempdir();
    let dir = new_project(tmp.path(), "exact", &["--yes", "--profile", "size"]);
    let output = run(&dir.join("dockerfiles"), &["variants", "--project", "."]);
    let message = assert_usage_error(&output);
    assert_eq!(message, "no dockwright.toml in `.`");
}

#[test]
fn pin_remove_from_a_subfolder_edits_the_projects_dockwright_toml() {
    let tmp = tempdir();
    let dir = new_project(tmp.path(), "pinned", &["--yes", "--profile", "size"]);
    let settings = dir.join("dockwright.toml");
    let original = read(&settings);
    let digest = format!("sha256:{}", "b".repeat(64));
    let pinned = original.replace(
        "slim = \"python:3.13-slim\"",
        &format!("slim = \"python:3.13-slim@{digest}\""),
    );
    assert_ne!(pinned, original);
    write(&settings, &pinned);
    let inside = dir.join("dockerfiles");
    let output = run(&inside, &["pin", "--remove"]);
    assert_success(&output);
    assert_eq!(read(&settings), original);
    assert!(!inside.join("dockwright.toml").exists());
}

#[test]
fn outside_any_project_the_error_names_where_the_search_started() {
    let tmp = tempdir();
    let here = tmp.path().canonicalize().unwrap();
    let output = run(&here, &["variants"]);
    let message = assert_usage_error(&output);
    assert_eq!(
        message,
        format!(
            "no dockwright.toml in `{}` or any directory above it",
            here.display()
        )
    );
    assert!(
        stderr(&output)
            .contains("help: run this inside a dockwright project, pass `--project DIR`"),
        "{}",
        stderr(&output)
    );
}

/// A project above the ceiling, as a stray dockwright.toml in /tmp would
/// be, is not found: the search ends with the error, not in that project.
#[test]
fn the_search_does_not_go_up_into_a_ceiling_directory() {
    let tmp = tempdir();
    let above = new_project(tmp.path(), "above", &["--yes", "--profile", "size"])
        .canonicalize()
        .unwrap();
    let empty = above.join("empty");
    fs::create_dir(&empty).unwrap();
    // Below the tests' usual ceiling, the project above is found...
    assert_success(&run(&empty, &["variants"]));
    // ...and not with the ceiling between them.
    let output = dockwright(&empty)
        .arg("variants")
        .env("DOCKWRIGHT_CEILING_DIRECTORIES", &above)
        .output()
        .unwrap();
    let message = assert_usage_error(&output);
    assert!(
        message.starts_with(&format!("no dockwright.toml in `{}`", empty.display())),
        "{message}"
    );
}

#[test]
fn every_command_that_builds_refuses_a_platform_not_written_os_slash_arch() {
    let tmp = tempdir();
    let proj = new_project(tmp.path(), "hello", &["--deps", "minimal", "--yes"]);
    for command in ["build", "measure", "rebuild", "tour", "check", "bake"] {
        let output = run(&proj, &[command, "--platform", "arm64"]);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{command}: {}",
            stderr(&output)
        );
        let err = stderr(&output);
        assert!(
            err.contains("`arm64` is not a platform") && err.contains("such as linux/arm64"),
            "{command}: {err}"
        );
    }
    write(
        proj.join("dockwright.toml"),
        &format!(
            "{}\n[engine]\nplatform = \"linux\"\n",
            read(proj.join("dockwright.toml"))
        ),
    );
    let err = assert_usage_error(&run(&proj, &["build"]));
    assert!(
        err.contains("engine.platform") && err.contains("os/arch"),
        "{err}"
    );
}

#[test]
fn bake_builds_for_the_engine_tables_platform_unless_told_others() {
    let tmp = tempdir();
    let proj = new_project(tmp.path(), "hello", &["--deps", "minimal", "--yes"]);
    write(
        proj.join("dockwright.toml"),
        &format!(
            "{}\n[engine]\nplatform = \"linux/arm64\"\n",
            read(proj.join("dockwright.toml"))
        ),
    );
    let printed = run(&proj, &["bake", "--print"]);
    assert_success(&printed);
    assert!(
        stdout(&printed).contains("  platforms = [\"linux/arm64\"]\n"),
        "{}",
        stdout(&printed)
    );
    let told = run(
        &proj,
        &["bake", "--print", "--platform", "linux/amd64,linux/arm64"],
    );
    assert_success(&told);
    assert!(
        stdout(&told).contains("  platforms = [\"linux/amd64\", \"linux/arm64\"]\n"),
        "{}",
        stdout(&told)
    );
}
