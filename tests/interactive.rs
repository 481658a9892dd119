//! `dockwright new` at a real terminal: every question asked and answered
//! through a pseudo-terminal, a wrong answer asked again, Ctrl-C and Ctrl-D.

mod common;

use std::path::Path;
use std::process::Command;

use rexpect::process::WaitStatus;
use rexpect::session::{spawn_command, PtySession};

use common::*;

const TIMEOUT_MS: u64 = 10_000;
const DOWN: &str = "\x1b[B";
const UP: &str = "\x1b[A";
const ENTER: &str = "\r";
const SHOW_CURSOR: &str = "\x1b[?25h";

/// `dockwright ARGS` in `dir` on a fresh pseudo-terminal.
fn spawn(dir: &Path, args: &[&str]) -> PtySession {
    spawn_with_no_color(dir, args, "1")
}

/// `spawn` with `NO_COLOR` set to `no_color`.
fn spawn_with_no_color(dir: &Path, args: &[&str], no_color: &str) -> PtySession {
    let mut command = Command::new(BIN);
    command
        .args(args)
        .current_dir(dir)
        .env("TERM", "xterm")
        .env("NO_COLOR", no_color)
        .env_remove("CLICOLOR")
        .env_remove("CLICOLOR_FORCE");
    spawn_command(command, Some(TIMEOUT_MS)).expect("dockwright starts on a pty")
}

/// Waits for `text` on the terminal, then types `keys`.
fn answer(session: &mut PtySession, text: &str, keys: &str) {
    session
        .exp_string(text)
        .unwrap_or_else(|err| panic!("waiting for `{text}`: {err}"));
    session.send(keys).unwrap();
    session.flush().unwrap();
}

/// Reads to the end of the output and returns the exit code.
fn exit_code(session: &mut PtySession) -> i32 {
    let rest = session.exp_eof().expect("dockwright exits");
    match session.process().wait().unwrap() {
        WaitStatus::Exited(_, code) => code,
        other => panic!("dockwright did not exit normally: {other:?}\n{rest}"),
    }
}

#[test]
fn new_asks_every_question_and_re_asks_a_wrong_answer() {
    let tmp = tempdir();
    let mut session = spawn(tmp.path(), &["new", "proj"]);

    answer(&mut session, "Project name", &format!("1abc{ENTER}"));
    // The reason is shown and the question asked again.
    answer(&mut session, "cannot start with a digit", "");
    answer(&mut session, "Project name", &format!("hello{ENTER}"));
    answer(&mut session, "Python version", &format!("3.12{ENTER}"));
    // Presets: minimal, article (the default), then a file of your own.
    answer(&mut session, "Dependencies", "");
    answer(&mut session, "flask and gunicorn", &format!("{UP}{ENTER}"));
    // Profiles: size, speed, balanced (the default), article, all.
    answer(&mut session, "Profile", "");
    answer(
        &mut session,
        "the article's six steps",
        &format!("{DOWN}{ENTER}"),
    );
    answer(&mut session, "Port", &format!("0{ENTER}"));
    answer(&mut session, "is not a port", "");
    answer(&mut session, "Port", &format!("8080{ENTER}"));
    assert_eq!(exit_code(&mut session), 0);

    let proj = tmp.path().join("proj");
    let config = config(&proj);
    assert_eq!(project_value(&config, "name").as_str(), Some("hello"));
    assert_eq!(project_value(&config, "python").as_str(), Some("3.12"));
    assert_eq!(project_value(&config, "port").as_integer(), Some(8080));
    assert_eq!(project_value(&config, "profile").as_str(), Some("article"));
    let names: Vec<String> = config_variants(&config)
        .into_iter()
        .map(|(name, _)| name)
        .collect();
    assert_eq!(names, ladder("article"));
    let requirements = read(proj.join("requirements.txt"));
    assert!(
        requirements.contains("flask==") && !requirements.contains("pandas"),
        "the minimal preset was not chosen:\n{requirements}"
    );
}

#[test]
fn enter_takes_every_default() {
    let tmp = tempdir();
    let mut session = spawn(tmp.path(), &["new", "proj"]);
    for question in [
        "Project name",
        "Python version",
        "Dependencies",
        "Profile",
        "Port",
    ] {
        answer(&mut session, question, ENTER);
    }
    assert_eq!(exit_code(&mut session), 0);
    let config = config(&tmp.path().join("proj"));
    assert_eq!(project_value(&config, "name").as_str(), Some("proj"));
    assert_eq!(project_value(&config, "python").as_str(), Some("3.13"));
    assert_eq!(project_value(&config, "port").as_integer(), Some(5000));
    assert_eq!(project_value(&config, "profile").as_str(), Some("balanced"));
}

#[test]
fn flags_are_not_asked_again() {
    let tmp = tempdir();
    let mut session = spawn(
        tmp.path(),
        &[
            "new", "proj", "--name", "flagged", "--python", "3.11", "--deps", "minimal",
        ],
    );
    let asked = session.exp_string("Profile").unwrap();
    for question in ["Project name", "Python version", "Dependencies"] {
        assert!(
            !asked.contains(question),
            "`{question}` was asked:\n{asked}"
        );
    }
    session.send(ENTER).unwrap();
    session.flush().unwrap();
    answer(&mut session, "Port", ENTER);
    assert_eq!(exit_code(&mut session), 0);
    let config = config(&tmp.path().join("proj"));
    assert_eq!(project_value(&config, "name").as_str(), Some("flagged"));
    assert_eq!(project_value(&config, "python").as_str(), Some("3.11"));
}

#[test]
fn dependencies_from_a_file_are_asked_for_until_it_reads() {
    let tmp = tempdir();
    let own = "flask==3.1.3\ngunicorn==23.0.0\n";
    write(tmp.path().join("own.txt"), own);
    let mut session = spawn(
        tmp.path(),
        &["new", "proj", "--name", "proj", "--python", "3.13"],
    );
    // Presets: minimal, article (the default), then a file of your own.
    answer(&mut session, "Dependencies", "");
    answer(
        &mut session,
        "your own requirements.txt",
        &format!("{DOWN}{ENTER}"),
    );
    answer(
        &mut session,
        "Path of requirements.txt",
        &format!("missing.txt{ENTER}"),
    );
    answer(&mut session, "cannot read", "");
    answer(
        &mut session,
        "Path of requirements.txt",
        &format!("own.txt{ENTER}"),
    );
    answer(&mut session, "Profile", ENTER);
    answer(&mut session, "Port", ENTER);
    assert_eq!(exit_code(&mut session), 0);
    assert_eq!(read(tmp.path().join("proj/requirements.txt")), own);
}

#[test]
fn init_asks_which_of_two_apps_to_serve() {
    let tmp = tempdir();
    let app = "from flask import Flask\n\napp = Flask(__name__)\n";
    write(tmp.path().join("proj/admin.py"), app);
    write(tmp.path().join("proj/web.py"), app);
    write(tmp.path().join("proj/requirements.txt"), "flask==3.1.3\n");
    let mut session = spawn(
        tmp.path(),
        &[
            "init",
            "proj",
            "--name",
            "proj",
            "--python",
            "3.13",
            "--profile",
            "size",
            "--port",
            "5000",
        ],
    );
    answer(&mut session, "Which app should gunicorn serve?", "");
    answer(&mut session, "web.py", &format!("{DOWN}{ENTER}"));
    assert_eq!(exit_code(&mut session), 0);
    let config = config(&tmp.path().join("proj"));
    assert_eq!(project_value(&config, "entry").as_str(), Some("web:app"));
    assert_eq!(project_value(&config, "app_file").as_str(), Some("web.py"));
}

#[test]
fn ctrl_c_at_a_text_question_exits_130_and_writes_nothing() {
    let tmp = tempdir();
    let before = tree(tmp.path());
    let mut session = spawn(tmp.path(), &["new", "proj"]);
    session.exp_string("Project name").unwrap();
    session.send_control('c').unwrap();
    assert_eq!(exit_code(&mut session), 130);
    assert_unchanged(tmp.path(), &before);
}

#[test]
fn ctrl_c_at_a_choice_exits_130_and_writes_nothing() {
    let tmp = tempdir();
    let before = tree(tmp.path());
    let mut session = spawn(tmp.path(), &["new", "proj"]);
    answer(&mut session, "Project name", ENTER);
    answer(&mut session, "Python version", ENTER);
    session.exp_string("Dependencies").unwrap();
    session.send_control('c').unwrap();
    assert_eq!(exit_code(&mut session), 130);
    assert_unchanged(tmp.path(), &before);
}

/// Ctrl-D (end of input) ends the command as Ctrl-C does: nothing written,
/// exit 130, the question wiped and the cursor shown again.
#[test]
fn ctrl_d_at_a_text_question_exits_130_and_writes_nothing() {
    let tmp = tempdir();
    let before = tree(tmp.path());
    let mut session = spawn(tmp.path(), &["new", "proj"]);
    answer(&mut session, "Project name", "half");
    // The echo shows that the prompt is reading keys: a Ctrl-D sent before
    // that would reach a terminal still in line mode.
    session.exp_string("half").expect("the answer is echoed");
    session.send_control('d').unwrap();
    assert_eq!(exit_code(&mut session), 130);
    assert_unchanged(tmp.path(), &before);
}

#[test]
fn ctrl_d_at_a_choice_exits_130_shows_the_cursor_and_writes_nothing() {
    let tmp = tempdir();
    let before = tree(tmp.path());
    let mut session = spawn(tmp.path(), &["new", "proj"]);
    answer(&mut session, "Project name", ENTER);
    answer(&mut session, "Python version", ENTER);
    answer(&mut session, "Dependencies", "");
    answer(&mut session, "your own requirements.txt", "");
    session.send_control('d').unwrap();
    let rest = session.exp_eof().expect("dockwright exits");
    assert!(
        rest.contains(SHOW_CURSOR),
        "the cursor stays hidden: {rest:?}"
    );
    match session.process().wait().unwrap() {
        WaitStatus::Exited(_, code) => assert_eq!(code, 130, "{rest}"),
        other => panic!("dockwright did not exit normally: {other:?}\n{rest}"),
    }
    assert_unchanged(tmp.path(), &before);
}

/// By the convention (no-color.org), only a `NO_COLOR` with a value turns
/// colours off; an empty one is as good as unset.
#[test]
fn only_a_non_empty_no_color_turns_colours_off() {
    let tmp = tempdir();
    let proj = new_project(tmp.path(), "proj", &[]);
    let output = |no_color: &str| {
        let mut session = spawn_with_no_color(&proj, &["variants"], no_color);
        let printed = session.exp_eof().expect("dockwright exits");
        let status = session.process().wait().unwrap();
        assert!(
            matches!(status, WaitStatus::Exited(_, 0)),
            "{status:?}\n{printed}"
        );
        printed
    };
    let empty = output("");
    assert!(
        empty.contains("\x1b["),
        "not coloured with NO_COLOR=\"\":\n{empty}"
    );
    let set = output("1");
    assert!(!set.contains("\x1b["), "coloured with NO_COLOR=1:\n{set:?}");
}
