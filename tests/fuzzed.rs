//! Inputs the fuzz harness (src/fuzz.rs) found mishandled, each run through
//! the built binary: a refusal in one printable line with exit code 2 and
//! nothing written, where there was a panic, a raw control character, or a
//! `.dockerignore` line that meant something else.

mod common;

use common::*;

const APP: &str = "from flask import Flask\n\napp = Flask(__name__)\n";

/// No raw control character (an escape sequence would recolour the
/// terminal or rewrite its title), and the one it stood for shown escaped.
fn assert_escaped(message: &str, shown: &str) {
    assert!(
        !message.chars().any(char::is_control),
        "a raw control character in: {message:?}"
    );
    assert!(message.contains(shown), "{shown} is not in: {message}");
}

#[test]
fn a_package_or_extra_name_ending_in_a_separator_is_refused_not_a_panic() {
    for text in [
        "flask_==3.1.3\n",
        "gunicorn-==23.0.0\n",
        "flask==3.1.3\na. >=1\n",
        "flask[A-\n",
        "requests[socks, a_ ]==2.32.5\n",
    ] {
        let tmp = tempdir();
        write(tmp.path().join("reqs.txt"), text);
        let before = tree(tmp.path());
        let output = run(tmp.path(), &["new", "proj", "--yes", "--deps", "reqs.txt"]);
        let message = assert_usage_error(&output);
        assert!(
            message.contains("is not a valid requirement")
                && message.contains("ends with a letter or a digit"),
            "{text:?}: {message}"
        );
        assert_unchanged(tmp.path(), &before);
    }
}

#[test]
fn control_characters_of_a_requirements_file_are_escaped_in_its_errors() {
    for (text, shown) in [
        ("\x1b[31mflask==3.1.3\n", "\\u{1b}"),
        ("\x7f\n", "\\u{7f}"),
        ("flask==3.1.3\n-f\x07 ./wheels\n", "\\u{7}"),
    ] {
        let tmp = tempdir();
        write(tmp.path().join("reqs.txt"), text);
        let output = run(tmp.path(), &["new", "proj", "--yes", "--deps", "reqs.txt"]);
        assert_escaped(&assert_usage_error(&output), shown);
        assert!(!tmp.path().join("proj").exists());
    }
}

#[test]
fn control_characters_in_dockwright_toml_are_escaped_in_its_errors() {
    for (from, to) in [
        ("name = \"baseline\"", "name = \"\\u001b[31m\""),
        ("[project]", "[project]\n\"\\u001b]0;title\\u0007\" = \"x\""),
        // TOML allows a raw tab in a quoted key, and the message quotes the key's line.
        ("[project]", "[project]\n\"\\u001b\t\" = \"x\""),
    ] {
        let tmp = tempdir();
        let proj = new_project(tmp.path(), "proj", &["--yes", "--profile", "article"]);
        let path = proj.join("dockwright.toml");
        let text = read(&path);
        assert!(text.contains(from), "{from} is not in:\n{text}");
        write(&path, &text.replacen(from, to, 1));
        let output = run(&proj, &["variants"]);
        assert_escaped(&assert_usage_error(&output), "\\u{1b}");
    }
}

#[test]
fn control_characters_in_a_saved_run_are_escaped_in_its_error() {
    let tmp = tempdir();
    let proj = new_project(tmp.path(), "proj", &["--yes"]);
    write(
        proj.join(".dockwright/runs/20260321T140211Z.json"),
        "{\"variants\": [{\"name\": \"uv\", \"status\": \"\\u001b[31m\"}]}\n",
    );
    let output = run(&proj, &["report"]);
    let message = assert_usage_error(&output);
    assert!(message.contains("is corrupt"), "{message}");
    assert_escaped(&message, "\\u{1b}");
}

/// git reads `/!x` and `/#x` as files named `!x` and `#x`; written bare into
/// `.dockerignore`, Docker would read a `!` line that lets `.env` back into
/// the build context, and a comment.
#[test]
fn init_writes_gitignore_patterns_that_docker_reads_the_same() {
    let tmp = tempdir();
    let proj = tmp.path().join("proj");
    write(proj.join("web.py"), APP);
    write(
        proj.join("requirements.txt"),
        "flask==3.1.3\ngunicorn==23.0.0\n",
    );
    write(proj.join(".gitignore"), "\u{feff}/!.env\n/#notes\nlogs /\n");
    assert_success(&run(tmp.path(), &["init", "proj"]));
    let dockerignore = read(proj.join(".dockerignore"));
    let lines: Vec<&str> = dockerignore.lines().collect();
    for pattern in ["\\!.env", "\\#notes", "**/logs"] {
        assert!(
            lines.contains(&pattern),
            "{pattern} is not in:\n{dockerignore}"
        );
    }
    for line in &lines {
        assert!(
            !line.starts_with('!') && !line.contains('\u{feff}') && *line == line.trim(),
            "Docker reads `{line}` otherwise than git meant it:\n{dockerignore}"
        );
    }
}

#[test]
fn init_refuses_a_poetry_version_too_large_to_bump() {
    for constraint in ["~18446744073709551615", "^0.18446744073709551615"] {
        let tmp = tempdir();
        let proj = tmp.path().join("proj");
        write(proj.join("web.py"), APP);
        write(
            proj.join("pyproject.toml"),
            &format!("[tool.poetry.dependencies]\nflask = \"^3.1\"\nhuge = \"{constraint}\"\n"),
        );
        let before = tree(tmp.path());
        let message = assert_usage_error(&run(tmp.path(), &["init", "proj"]));
        assert!(
            message.contains("`huge`") && message.contains(constraint),
            "{message}"
        );
        assert_unchanged(tmp.path(), &before);
    }
}
