//! Fuzzing the parsers of what users hand dockwright: project names,
//! `--python`, requirements files, dockwright.toml, saved runs, the files
//! `init` adopts and the `.gitignore` it merges.
//!
//! Stable Rust has no libFuzzer, so proptest makes the inputs: mostly built
//! from the pieces each format is made of, so that they get past the first
//! check and reach the rules behind it, with random text mixed in. Each
//! target checks what its parser promises, not only that it does not panic.
//!
//! Each target runs for `DOCKWRIGHT_FUZZ_SECONDS` (2 s unless set, so that
//! `cargo test` stays quick; `cargo xtask fuzz` and `cargo xtask ci` set it)
//! and prints how many inputs it ran. A failure prints the smallest input
//! proptest shrinks it to; its seed is kept in `proptest-regressions/fuzz.txt`
//! and tried first by every later run.

use std::cell::Cell;
use std::path::Path;
use std::str::FromStr;
use std::time::{Duration, Instant};

use pep508_rs::pep440_rs::{Version, VersionSpecifiers};
use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::{Config as RunnerConfig, TestRunner};

use crate::config::{self, Config, Images, Runtime};
use crate::presets::{PythonVersion, PYTHON_MINORS};
use crate::requirements::{self, Requirements};
use crate::results::{Run, Status, Timing, VariantResult};
use crate::{adopt, ignore, names, poetry, scaffold, templates};

/// How long each target runs unless `DOCKWRIGHT_FUZZ_SECONDS` says otherwise.
const DEFAULT_SECONDS: f64 = 2.0;

/// Cases per runner. Each batch starts from a fresh random seed; the deadline
/// is checked between batches, since proptest has no wall-clock limit of its own.
const BATCH: u32 = 256;

/// Runs `test` on inputs from `strategy` until the time is up, then prints
/// how many it ran. Panics with the smallest failing input.
fn fuzz<S: Strategy>(
    name: &str,
    strategy: S,
    test: impl Fn(S::Value) -> Result<(), TestCaseError>,
) {
    let seconds = match std::env::var("DOCKWRIGHT_FUZZ_SECONDS") {
        Ok(text) => text
            .parse::<f64>()
            .ok()
            .filter(|s| s.is_finite() && *s >= 0.0)
            .unwrap_or_else(|| {
                panic!("DOCKWRIGHT_FUZZ_SECONDS={text:?} is not a number of seconds")
            }),
        Err(_) => DEFAULT_SECONDS,
    };
    let budget = Duration::from_secs_f64(seconds);
    let started = Instant::now();
    let inputs = Cell::new(0_u64);
    loop {
        let mut runner = TestRunner::new(RunnerConfig {
            cases: BATCH,
            source_file: Some(file!()),
            ..RunnerConfig::default()
        });
        let outcome = runner.run(&strategy, |value| {
            inputs.set(inputs.get() + 1);
            test(value)
        });
        if let Err(failure) = outcome {
            panic!("fuzz {name}: {failure}");
        }
        if started.elapsed() >= budget {
            break;
        }
    }
    eprintln!(
        "fuzz {name}: {} inputs in {:.1} s",
        inputs.get(),
        started.elapsed().as_secs_f64()
    );
}

/// What every refusal promises: one line, with nothing raw in it that a
/// terminal would act on.
fn one_line(message: &str) -> Result<(), TestCaseError> {
    prop_assert!(!message.trim().is_empty(), "an empty message");
    prop_assert!(
        !message.chars().any(char::is_control),
        "not one printable line: {message:?}"
    );
    Ok(())
}

/// `lines` joined as a file: with or without a byte-order mark, CRLF line
/// ends and a final newline.
fn file_of(lines: Vec<String>, bom: bool, crlf: bool, final_newline: bool) -> String {
    let end = if crlf { "\r\n" } else { "\n" };
    let mut text = if bom {
        "\u{feff}".to_string()
    } else {
        String::new()
    };
    text.push_str(&lines.join(end));
    if final_newline && !lines.is_empty() {
        text.push_str(end);
    }
    text
}

fn as_file(lines: impl Strategy<Value = Vec<String>>) -> impl Strategy<Value = String> {
    (lines, any::<bool>(), any::<bool>(), any::<bool>())
        .prop_map(|(lines, bom, crlf, newline)| file_of(lines, bom, crlf, newline))
}

fn strings(items: &[&'static str]) -> impl Strategy<Value = String> {
    select(items.to_vec()).prop_map(str::to_string)
}

// ---- names ----------------------------------------------------------------

fn project_name() -> impl Strategy<Value = String> {
    let odd = select(vec![
        'a', 'z', 'K', '0', '7', '.', '_', '-', ' ', '/', '\\', '\u{7}', '\u{1b}', '\n', '\t', 'é',
        'İ', '\u{212a}', 'ß', '\u{202e}', '\0',
    ]);
    prop_oneof![
        4 => prop::collection::vec(odd, 0..16).prop_map(String::from_iter),
        2 => "[a-zA-Z0-9._-]{0,20}",
        1 => "(con|nul|com1|lpt9|aux|prn|CON)([._-][a-z0-9]{0,3}){0,2}",
        1 => "[a-z]([a-z0-9]|[._-][a-z0-9]){28,36}",
        1 => any::<String>(),
    ]
}

/// A name is accepted only if it makes an image repository component, and
/// a refusal's suggestion is itself accepted.
#[test]
fn names() {
    fuzz("names", project_name(), |raw| {
        match names::validate(&raw) {
            Ok(valid) => {
                prop_assert!(
                    names::is_repository_component(&valid.name),
                    "accepted as `{}`",
                    valid.name
                );
                prop_assert!(valid.name.len() <= names::MAX_LEN);
                let changed = valid.name != raw;
                prop_assert_eq!(valid.normalised_from.as_deref(), changed.then_some(&*raw));
                let again = names::validate(&valid.name).map(|v| v.name);
                prop_assert_eq!(again, Ok(valid.name.clone()));
            }
            Err(err) => {
                let message = err.to_string();
                one_line(&message)?;
                if let Some(suggested) = names::suggestion(&message) {
                    prop_assert!(
                        names::validate(suggested).is_ok(),
                        "suggests `{suggested}`: {message}"
                    );
                }
            }
        }
        Ok(())
    });
}

// ---- --python -------------------------------------------------------------

fn python_version() -> impl Strategy<Value = String> {
    prop_oneof![
        "3\\.[0-9]{0,3}",
        "[0-9]{1,2}\\.[0-9]{1,2}(\\.[0-9]{1,2})?",
        "3\\.0{0,3}1[0-9]",
        "3\\.[0-9]{15,25}",
        "[ +-]?3\\.[0-9 +._-]{0,4}",
        "(py|python|v)?3\\.1[0-9][a-z]?",
        any::<String>(),
    ]
}

/// A version that parses prints back as it was written, and is one dockwright has pins for.
#[test]
fn python_versions() {
    fuzz("python", python_version(), |text| {
        match PythonVersion::parse(&text) {
            Ok(version) => {
                prop_assert_eq!(version.to_string(), text);
                prop_assert!(PYTHON_MINORS.contains(&version.minor));
            }
            Err(err) => one_line(&err.to_string())?,
        }
        Ok(())
    });
}

// ---- requirements files ---------------------------------------------------

fn package_name() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => strings(&["flask", "Flask", "gunicorn", "numpy", "zope.interface", "typing_extensions", "a", "A-b_c.d", "python"]),
        2 => "[A-Za-z0-9][A-Za-z0-9._-]{0,8}",
        1 => "[ -~]{1,6}",
    ]
}

fn version_text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[0-9]{1,3}(\\.[0-9]{1,3}){0,3}",
        1 => "[0-9]{1,2}\\.[0-9]\\.\\*",
        1 => "[0-9]\\.[0-9](a1|b2|rc3|\\.post1|\\.dev0|\\+local\\.1)",
        1 => "[0-9]{19,25}",
        1 => "[ -~]{0,5}",
    ]
}

/// One PEP 508 specifier, mostly well formed: what a requirements line or
/// pyproject's `dependencies` holds.
fn specifier() -> impl Strategy<Value = String> {
    let extras = prop_oneof![
        4 => Just(String::new()),
        1 => strings(&["[socks]", "[a,b]", "[", "[]"]),
    ];
    let operator = strings(&[
        "==", "==", "===", ">=", "<=", "~=", "!=", "<", ">", "=>", "= ", " == ", "",
    ]);
    let second = prop_oneof![
        3 => Just(String::new()),
        1 => version_text().prop_map(|v| format!(",<{v}")),
        1 => strings(&[", !=1.0", ",", ",,<2"]),
    ];
    let marker = prop_oneof![
        4 => Just(String::new()),
        1 => strings(&[
            "; python_version < \"3.12\"",
            " ; sys_platform == \"linux\"",
            ";",
            "; os_name ==",
        ]),
        2 => marker().prop_map(|m| format!("; {m}")),
    ];
    let versioned = (
        package_name(),
        extras.clone(),
        operator,
        version_text(),
        second,
        marker.clone(),
    )
        .prop_map(|(n, e, o, v, s, m)| format!("{n}{e}{o}{v}{s}{m}"));
    let url = strings(&[
        " @ https://example.org/p-1.0-py3-none-any.whl",
        " @ file:///srv/p.whl",
        " @ ./local",
        " @ git+https://example.org/r.git#egg=p",
        "@",
        " @ https://example.org/x.whl#sha256=00",
    ]);
    let located =
        (package_name(), extras, url, marker).prop_map(|(n, e, u, m)| format!("{n}{e}{u}{m}"));
    prop_oneof![5 => versioned, 1 => located]
}

/// An environment marker made of comparisons joined with `and` and `or`, in
/// parentheses or not: pep508_rs simplifies them as an algebra.
fn marker() -> impl Strategy<Value = String> {
    let variable = strings(&[
        "python_version",
        "python_full_version",
        "sys_platform",
        "os_name",
        "extra",
        "platform_release",
        "implementation_name",
        "platform_machine",
        "'3.12'",
    ]);
    let operator = strings(&[
        "==", "!=", "<", "<=", ">", ">=", "~=", "===", "in", "not in",
    ]);
    let value = strings(&[
        "'3.12'",
        "\"3\"",
        "'3.*'",
        "'linux'",
        "''",
        "'a b'",
        "'1.0.0+local'",
        "'x'",
        "python_version",
        "'3.12.1'",
        "'-1'",
    ]);
    let comparison = (variable, operator, value).prop_map(|(v, o, x)| format!("{v} {o} {x}"));
    prop::collection::vec(
        (comparison, strings(&[" and ", " or "]), any::<bool>()),
        1..4,
    )
    .prop_map(|parts| {
        let mut text = String::new();
        for (index, (comparison, join, grouped)) in parts.iter().enumerate() {
            if index > 0 {
                text.push_str(join);
            }
            if *grouped {
                text.push_str(&format!("({comparison})"));
            } else {
                text.push_str(comparison);
            }
        }
        text
    })
}

fn requirement_line() -> impl Strategy<Value = String> {
    let hash = "[0-9a-f]{4,64}".prop_map(|h| format!("--hash=sha256:{h}"));
    let option = prop_oneof![
        2 => hash,
        1 => strings(&["--hash", "--hash sha256:00", "--global-option=x", "-", "--"]),
    ];
    let spacing = strings(&[" ", "\t", " \\\n    ", "  "]);
    let comment = prop_oneof![
        3 => Just(String::new()),
        1 => strings(&["  # pinned", "\t#c", "#x", " # a # b", " #"]),
    ];
    let pinned = (
        specifier(),
        prop::collection::vec((spacing, option), 0..3),
        comment,
    )
        .prop_map(|(spec, options, comment)| {
            let options: String = options.into_iter().map(|(s, o)| s + &o).collect();
            format!("{spec}{options}{comment}")
        });
    let option_line = strings(&[
        "-r other.txt",
        "--requirement=a.txt",
        "-e .",
        "-c c.txt",
        "--index-url https://pypi.org/simple",
        "-i file:///srv/simple",
        "--extra-index-url=http://a",
        "-f ./wheels",
        "--find-links HTTPS://x",
        "--no-index",
        "--pre",
        "--require-hashes",
        "--require-hashes=1",
        "--only-binary :all:",
        "--trusted-host x",
        "-",
        "--hash=sha256:00",
        "  --pre  # why",
    ]);
    prop_oneof![
        8 => pinned,
        2 => option_line,
        1 => strings(&["", "   ", "# comment", "\\", "  \\", "#"]),
        1 => "[^\n]{0,12}",
    ]
}

fn requirements_file() -> impl Strategy<Value = String> {
    as_file(prop::collection::vec(requirement_line(), 0..8))
}

/// An accepted file is kept as written, its unpinned names are among its
/// names, and `hash_mode` (which reads dockwright's own files) agrees with
/// `parse` on whether it checks hashes.
#[test]
fn requirements_files() {
    fuzz("requirements", requirements_file(), |text| {
        for line in text.lines() {
            prop_assert!(line.contains(requirements::without_options(line)));
        }
        let (hashed, _) = requirements::hash_mode(&text);
        match Requirements::parse(&text, "requirements.txt") {
            Ok(reqs) => {
                prop_assert_eq!(&reqs.text, &text);
                prop_assert!(reqs.unpinned.iter().all(|n| reqs.names.contains(n)));
                prop_assert_eq!(reqs.hashed, hashed, "hash-checking mode");
            }
            Err(err) => one_line(&err.to_string())?,
        }
        Ok(())
    });
}

// ---- dockwright.toml --------------------------------------------------------

/// dockwright.toml as `new` writes it, for the mutations to start from.
fn dockwright_toml() -> String {
    let context = serde_json::json!({
        "name": "hello", "python": "3.13", "port": 5000, "entry": "app:app", "app_file": "app.py",
        "requirements": "requirements.txt", "install_project": false, "profile": "speed",
        "images": Images::for_python("3.13"),
        "runtime": Runtime { writable: vec!["logs".into()], env: [("MODE".to_string(), "prod".to_string())].into() },
        "ca_file": null,
        "variants": [
            {"name": "naive", "dockerfile": "dockerfiles/naive.Dockerfile", "reason": "baseline"},
            {"name": "uv", "dockerfile": "dockerfiles/uv.Dockerfile", "reason": "fast"},
        ],
    });
    templates::fill("project/dockwright.toml", &context).expect("the template renders")
}

/// A TOML value of any type, most of them wrong somewhere.
fn toml_value() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => strings(&[
            "5000", "\"5000\"", "0", "65536", "-1", "true", "\"true\"", "[]", "[\"logs\"]",
            "[\"../x\"]", "{}", "3.14", "1979-05-27", "\"\"", "\"Hello\"", "\"1abc\"", "\"con\"",
            "\"uv\"", "\"-uv\"", "\"a b\"", "\"\\u001b[31m\"", "\"a\\nb\"", "\"\\u0007\"", "'''x'''",
            "\"python:3.13-slim\"", "\"six==1.17.0\"", "{ a = 1 }", "inf", "nan",
        ]),
        1 => "\"[ -~&&[^\"\\\\]]{0,10}\"",
        1 => any::<i64>().prop_map(|n| n.to_string()),
    ]
}

fn toml_line() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => strings(&[
            "unknown = 1", "[base-sets.mirror]", "slim = \"m/python:3.13-slim\"", "[runtime.env]",
            "KEY = \"v\"", "\"1BAD\" = \"v\"", "\"\\u001b]0;t\\u0007\" = 1", "[[variant]]",
            "name = \"uv\"", "name = \"x\\u001b[2J\"", "dockerfile = \"d\"", "reason = \"r\"",
            "[project]", "writable = [\"../x\"]", "[images]", "[runtime]", "[measure]", "[base-sets]",
            "[base-sets.\"\"]", "# comment", "",
        ]),
        1 => "[ -~]{0,12}",
    ]
}

#[derive(Debug, Clone)]
enum Edit {
    Value(usize, String),
    Delete(usize),
    Duplicate(usize),
    Insert(usize, String),
    Char(usize, char),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        4 => (any::<usize>(), toml_value()).prop_map(|(at, v)| Edit::Value(at, v)),
        1 => any::<usize>().prop_map(Edit::Delete),
        1 => any::<usize>().prop_map(Edit::Duplicate),
        2 => (any::<usize>(), toml_line()).prop_map(|(at, l)| Edit::Insert(at, l)),
        1 => (any::<usize>(), any::<char>()).prop_map(|(at, c)| Edit::Char(at, c)),
    ]
}

fn apply(text: &str, edits: &[Edit]) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    for edit in edits {
        let n = lines.len().max(1);
        match edit {
            Edit::Value(at, value) => {
                if let Some(line) = lines.get_mut(at % n) {
                    if let Some((key, _)) = line.split_once(" = ") {
                        *line = format!("{key} = {value}");
                    }
                }
            }
            Edit::Delete(at) if !lines.is_empty() => drop(lines.remove(at % n)),
            Edit::Delete(_) => {}
            Edit::Duplicate(at) => {
                if let Some(line) = lines.get(at % n).cloned() {
                    lines.insert(at % n, line);
                }
            }
            Edit::Insert(at, line) => lines.insert(at % (lines.len() + 1), line.clone()),
            Edit::Char(at, c) => {
                let mut joined = lines.join("\n");
                let boundaries: Vec<usize> = joined
                    .char_indices()
                    .map(|(i, _)| i)
                    .chain([joined.len()])
                    .collect();
                joined.insert(boundaries[at % boundaries.len()], *c);
                lines = joined.split('\n').map(str::to_string).collect();
            }
        }
    }
    lines.join("\n") + "\n"
}

/// A settings file that parses writes back (through `toml`) to one that
/// parses to the same settings; a refusal is one line.
#[test]
fn dockwright_toml_files() {
    let template = dockwright_toml();
    let files = prop_oneof![
        8 => prop::collection::vec(edit(), 0..5).prop_map(move |edits| apply(&template, &edits)),
        1 => any::<String>(),
    ];
    let path = Path::new("dockwright.toml");
    fuzz("dockwright.toml", files, |text| {
        match Config::parse(&text, path) {
            Ok(config) => {
                let written = toml::to_string(&config);
                prop_assert!(written.is_ok(), "cannot write back: {written:?}");
                let again = Config::parse(&written.unwrap_or_default(), path);
                prop_assert!(again.is_ok(), "written back, refused: {again:?}");
                prop_assert_eq!(again.ok(), Some(config));
            }
            Err(err) => one_line(&err.to_string())?,
        }
        Ok(())
    });
}

// ---- saved runs -------------------------------------------------------------

fn saved_run() -> serde_json::Value {
    let mut ok = VariantResult::new("uv", true);
    ok.image_bytes = Some(150_000_000);
    ok.compressed_bytes = Some(50_000_000);
    ok.layers = Some(9);
    ok.cold_seconds = Some(Timing::single(31.5));
    ok.app_rebuild_seconds = Some(Timing {
        median: 1.25,
        min: 1.0,
        max: 1.5,
        samples: 3,
    });
    ok.deps_rebuild_seconds = Some(Timing::single(4.0));
    ok.log = Some(".dockwright/logs/1/uv.log".into());
    ok.dockerfile = Some("FROM python:3.13-slim\n".into());
    let mut failed = VariantResult::new("alpine", false);
    failed.status = Status::Failed;
    failed.reason = Some("exit 1".into());
    let mut run = Run::sample(3, vec![failed, ok]);
    run.base_set = Some("mirror".into());
    run.commands = vec!["docker build -t demo:uv .".into()];
    let saved = run.to_json().expect("a run serialises");
    serde_json::from_str(&saved).expect("a saved run is JSON")
}

/// A run saved in format 1 by dockwright 0.1.0, which every later one reads.
fn saved_run_v1() -> serde_json::Value {
    serde_json::from_str(include_str!("../tests/fixtures/run-v1.json"))
        .expect("the fixture is JSON")
}

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::json;
    prop_oneof![
        3 => select(vec![
            json!(null), json!(true), json!(-1), json!(0), json!(1.5), json!(-0.0), json!(1e308),
            json!(u64::MAX), json!(i64::MIN), json!(""), json!("ok"), json!("failed"), json!("skipped"),
            json!("OK"), json!("\u{1b}[31m"), json!("a\nb"), json!([]), json!([1]), json!({}),
            json!({"\u{1b}[2J": 1}),
        ]),
        1 => any::<String>().prop_map(serde_json::Value::from),
        1 => any::<f64>().prop_map(serde_json::Value::from),
    ]
}

/// Every value's JSON pointer in `value`, the root first.
fn pointers(value: &serde_json::Value, at: String, out: &mut Vec<String>) {
    out.push(at.clone());
    match value {
        serde_json::Value::Object(map) => {
            for (key, child) in map {
                let key = key.replace('~', "~0").replace('/', "~1");
                pointers(child, format!("{at}/{key}"), out);
            }
        }
        serde_json::Value::Array(items) => {
            for (index, child) in items.iter().enumerate() {
                pointers(child, format!("{at}/{index}"), out);
            }
        }
        _ => {}
    }
}

#[derive(Debug, Clone)]
enum JsonEdit {
    Set(usize, serde_json::Value),
    Remove(usize),
    Rename(usize, String),
}

fn json_edit() -> impl Strategy<Value = JsonEdit> {
    prop_oneof![
        4 => (any::<usize>(), json_value()).prop_map(|(at, v)| JsonEdit::Set(at, v)),
        1 => any::<usize>().prop_map(JsonEdit::Remove),
        1 => (any::<usize>(), strings(&["status", "\u{1b}[31m", "extra", "name", "schema_version", ""]))
            .prop_map(|(at, k)| JsonEdit::Rename(at, k)),
    ]
}

fn edit_json(value: &mut serde_json::Value, edit: &JsonEdit) {
    let mut all = Vec::new();
    pointers(value, String::new(), &mut all);
    let (JsonEdit::Set(at, _) | JsonEdit::Remove(at) | JsonEdit::Rename(at, _)) = edit;
    let pointer = &all[at % all.len()];
    match edit {
        JsonEdit::Set(_, new) => {
            if let Some(slot) = value.pointer_mut(pointer) {
                *slot = new.clone();
            }
        }
        JsonEdit::Remove(_) | JsonEdit::Rename(..) => {
            let Some((parent, key)) = pointer.rsplit_once('/') else {
                return;
            };
            let key = key.replace("~1", "/").replace("~0", "~");
            let Some(serde_json::Value::Object(map)) = value.pointer_mut(parent) else {
                return;
            };
            if let Some(old) = map.remove(&key) {
                if let JsonEdit::Rename(_, name) = edit {
                    map.insert(name.clone(), old);
                }
            }
        }
    }
}

/// A run file, of today's format or of format 1, is read whole or refused in
/// one line; one that reads is saved and read back the same.
#[test]
fn saved_runs() {
    let bases = [saved_run(), saved_run_v1()];
    let files = (
        0..bases.len(),
        prop::collection::vec(json_edit(), 0..4),
        any::<bool>(),
        any::<usize>(),
    )
        .prop_map(move |(base, edits, truncate, at)| {
            let mut value = bases[base].clone();
            for edit in &edits {
                edit_json(&mut value, edit);
            }
            let mut text = serde_json::to_string_pretty(&value).expect("JSON values serialise");
            if truncate {
                let cut = (0..=at % (text.len() + 1))
                    .rev()
                    .find(|i| text.is_char_boundary(*i))
                    .unwrap_or(0);
                text.truncate(cut);
            }
            text
        });
    let dir = tempfile::tempdir().expect("a temporary directory");
    let (path, again) = (dir.path().join("run.json"), dir.path().join("again.json"));
    fuzz("saved runs", files, |text| {
        std::fs::write(&path, &text).expect("the run file is written");
        match Run::load(&path) {
            Ok(run) => {
                let saved = run.save(&again);
                prop_assert!(saved.is_ok(), "{saved:?}");
                let read = Run::load(&again);
                prop_assert!(read.is_ok(), "saved, then refused: {read:?}");
                prop_assert_eq!(read.ok(), Some(run));
            }
            Err(err) => one_line(&err.to_string())?,
        }
        Ok(())
    });
}

// ---- pyproject.toml adoption ------------------------------------------------

fn poetry_version() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[0-9]{1,3}(\\.[0-9]{1,3}){0,4}",
        1 => "0(\\.0){0,3}",
        1 => strings(&["18446744073709551615", "1.18446744073709551615", "99999999999999999999"]),
        1 => "[0-9]{1,2}\\.(x|\\*)",
    ]
}

fn poetry_constraint() -> impl Strategy<Value = String> {
    prop_oneof![
        5 => (strings(&["^", "~", "~=", ">=", "<", "!=", "==", "", ">= ", "<=", "^ "]), poetry_version())
            .prop_map(|(op, v)| format!("{op}{v}")),
        1 => strings(&["*", "^1.2 || ^2.0", "latest", ">=1 <2", ">=1,<2", "1.2.*", "", ">= 1.0, != 1.1", ",", "^", "~"]),
        1 => "[ -~]{0,8}",
    ]
}

fn toml_string(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

fn poetry_entry() -> impl Strategy<Value = String> {
    let name = prop_oneof![4 => "[a-z]{1,6}", 1 => strings(&["python", "Python", "flask"])];
    let value = prop_oneof![
        5 => poetry_constraint().prop_map(|c| toml_string(&c)),
        2 => (poetry_constraint(), any::<bool>(), any::<bool>(), any::<bool>()).prop_map(
            |(c, extras, markers, optional)| {
                let mut keys = vec![format!("version = {}", toml_string(&c))];
                if extras { keys.push("extras = [\"socks\", 1]".into()); }
                if markers { keys.push("markers = \"python_version < '3.11'\"".into()); }
                if optional { keys.push("optional = true".into()); }
                format!("{{ {} }}", keys.join(", "))
            }
        ),
        1 => strings(&[
            "{ git = \"https://example.org/r.git\" }", "{ path = \"../x\", develop = true }",
            "{ url = \"https://x/p.whl\" }", "[\"^1\", \"^2\"]", "1", "{ version = 2 }", "{}",
            "{ markers = 3 }",
        ]),
    ];
    (name, value).prop_map(|(n, v)| format!("{n} = {v}"))
}

fn pyproject() -> impl Strategy<Value = String> {
    let project = (
        prop::option::of(prop::collection::vec(specifier(), 0..4)),
        any::<bool>(),
    )
        .prop_map(|(deps, dynamic)| {
            let mut text = "[project]\nname = \"shop\"\n".to_string();
            if let Some(deps) = deps {
                let quoted: Vec<String> = deps.iter().map(|d| toml_string(d)).collect();
                text.push_str(&format!("dependencies = [{}]\n", quoted.join(", ")));
            }
            if dynamic {
                text.push_str("dynamic = [\"dependencies\"]\n");
            }
            text
        });
    let build = strings(&[
        "[build-system]\nbuild-backend = \"setuptools.build_meta\"\n",
        "[build-system]\nrequires = []\n",
        "[build-system]\nbuild-backend = 1\n",
    ]);
    let poetry = prop::collection::vec(poetry_entry(), 0..5)
        .prop_map(|entries| format!("[tool.poetry.dependencies]\n{}\n", entries.join("\n")));
    let section = prop_oneof![3 => project, 1 => build, 3 => poetry, 1 => "[ -~\n]{0,20}"];
    prop::collection::vec(section, 0..4).prop_map(|sections| sections.join("\n"))
}

#[derive(Debug, Clone)]
struct Project {
    requirements: Option<String>,
    pyproject: Option<String>,
    app: Option<String>,
}

fn project() -> impl Strategy<Value = Project> {
    let app = strings(&[
        "from flask import Flask\napp = Flask(__name__)\n",
        "def create_app():\n    pass\n",
        "print('hello')\n",
    ]);
    (
        prop::option::of(requirements_file()),
        prop::option::of(pyproject()),
        prop::option::of(app),
    )
        .prop_map(|(requirements, pyproject, app)| Project {
            requirements,
            pyproject,
            app,
        })
}

/// `^V` and `~V` allow `V` itself: the specifier Poetry's constraint is
/// translated into contains the version it starts from.
fn translation_keeps_its_version(pyproject: &str) -> Result<(), TestCaseError> {
    let Ok(table) = toml::from_str::<toml::Table>(pyproject) else {
        return Ok(());
    };
    let Some(dependencies) = table
        .get("tool")
        .and_then(|t| t.get("poetry"))
        .and_then(|p| p.get("dependencies"))
        .and_then(toml::Value::as_table)
    else {
        return Ok(());
    };
    let Ok(specifiers) = poetry::specifiers(dependencies) else {
        return Ok(());
    };
    for (name, value) in dependencies {
        let Some(constraint) = value.as_str() else {
            continue;
        };
        let from = constraint
            .strip_prefix('^')
            .or_else(|| constraint.strip_prefix('~').filter(|v| !v.starts_with('=')));
        let Some(Ok(version)) = from.map(|v| Version::from_str(v.trim())) else {
            continue;
        };
        let Some(spec) = specifiers.iter().find_map(|s| {
            s.strip_prefix(name.as_str())
                .filter(|r| r.starts_with(">="))
        }) else {
            continue;
        };
        let spec = VersionSpecifiers::from_str(spec);
        prop_assert!(spec.is_ok(), "`{constraint}` became `{spec:?}`");
        if let Ok(spec) = spec {
            prop_assert!(spec.contains(&version), "`{constraint}` became `{spec}`");
        }
    }
    Ok(())
}

/// Adoption reads a project's requirements.txt or pyproject.toml, or
/// refuses it in one line; Poetry's `^` and `~` keep their own version.
#[test]
fn adoption() {
    fuzz("adoption", project(), |project| {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let files = [
            ("requirements.txt", &project.requirements),
            ("pyproject.toml", &project.pyproject),
            ("app.py", &project.app),
        ];
        for (name, text) in files {
            if let Some(text) = text {
                std::fs::write(dir.path().join(name), text).expect("the file is written");
            }
        }
        if let Some(pyproject) = &project.pyproject {
            translation_keeps_its_version(pyproject)?;
        }
        if let Err(err) = adopt::detect(dir.path()) {
            one_line(&err.to_string())?;
        }
        Ok(())
    });
}

// ---- the .dockerignore/.gitignore merge -----------------------------------

fn gitignore_line() -> impl Strategy<Value = String> {
    let piece = strings(&[
        "*",
        "**",
        "?",
        "[a-z]",
        "[!o]",
        "[",
        "]",
        "!",
        "#",
        "/",
        "\\",
        ".",
        " ",
        "\t",
        "a",
        "app",
        ".py",
        "env",
        "secrets",
        "requirements",
        ".txt",
        "shop",
        "src",
        "__init__",
        "{a,b}",
    ]);
    prop_oneof![
        3 => strings(&[
            "*.pyc", "/secrets/", "!.env", "/!.env", "/#notes", "\\#x", "\\!x", "app.py", "*.txt",
            "**/", "/", "[z", "*.[!o]db", "a/**/b", "  spaced  ", "# comment", "foo\\ ", "\t*.log",
            "requirements.txt", "src/", "shop/", "/shop", "*", "**", ".env", "__pycache__/",
            "instance/", "*.sqlite3", "!", "#", "/!", "/#",
        ]),
        3 => prop::collection::vec(piece, 1..5).prop_map(|p| p.concat()),
        1 => "[^\n]{0,10}",
    ]
}

/// What Docker makes of a line of `.dockerignore`: `None` for a comment or a
/// blank, else whether it excludes (or, with `!`, re-includes) and the pattern.
fn docker_reads(line: &str) -> Option<(bool, &str)> {
    if line.starts_with('#') {
        return None;
    }
    let line = line.trim();
    match line.strip_prefix('!') {
        Some(rest) => Some((false, rest.trim())),
        None if line.is_empty() => None,
        None => Some((true, line)),
    }
}

/// Every pattern taken from `.gitignore` is, in the `.dockerignore` written
/// with it, an exclusion Docker reads as the same pattern: not a comment,
/// and never a `!` that would let a secret back in.
#[test]
fn gitignore_merge() {
    let layouts = strings(&["app.py", "shop/__init__.py", "src/shop/web.py"]);
    let requirements = strings(&[
        "requirements.txt",
        "reqs/base.txt",
        "dockwright-requirements.txt",
    ]);
    let cases = (
        as_file(prop::collection::vec(gitignore_line(), 0..8)),
        layouts,
        requirements,
    );
    fuzz(
        "gitignore merge",
        cases,
        |(gitignore, app_file, requirements)| {
            let dir = tempfile::tempdir().expect("a temporary directory");
            std::fs::write(dir.path().join(".gitignore"), &gitignore).expect("the file is written");
            let mut settings = scaffold::Settings {
                name: "hello".into(),
                python: "3.13".into(),
                port: config::DEFAULT_PORT,
                profile: "balanced".into(),
                entry: "app:app".into(),
                entry_origin: None,
                app_file,
                requirements,
                requirements_text: None,
                requirements_includes: Vec::new(),
                lock_source: None,
                install_project: false,
                runtime: Runtime::default(),
                with_app: false,
                gitignore_patterns: Vec::new(),
                ca_file: None,
            };
            let merged = ignore::from_gitignore(dir.path(), &settings);
            prop_assert!(merged.is_ok(), "{merged:?}");
            let merged = merged.unwrap_or_default();
            for said in [merged.taken_line(), merged.left_out_line()]
                .into_iter()
                .flatten()
            {
                prop_assert!(!said.contains('\n'), "{said:?}");
            }
            settings.gitignore_patterns = merged.taken.clone();
            let written = templates::fill("project/dockerignore", &settings);
            prop_assert!(written.is_ok(), "{written:?}");
            let written = written.unwrap_or_default();
            let read: Vec<(bool, &str)> = written.lines().filter_map(docker_reads).collect();
            for pattern in &merged.taken {
                prop_assert!(
                    read.contains(&(true, pattern.as_str())),
                    "`{pattern}` is not read back as that exclusion from:\n{written}"
                );
            }
            prop_assert!(
                read.iter().all(|(excludes, _)| *excludes),
                "a `!` line in:\n{written}"
            );
            Ok(())
        },
    );
}
