//! `dockwright measure` on the article's ladder with the minimal preset: the
//! numbers make sense, the user's files come back byte for byte, every output
//! format agrees, and Ctrl-C keeps what finished.

use std::path::Path;
use std::time::Duration;

use crate::support::{
    dockwright, engine, interrupt_mid_app_edit, saved_variants, scaffold, signal_mid_app_edit,
    skip, text, variant, wait_for,
};

fn results_of(out: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|err| panic!("measure printed no JSON ({err}): {}", text(&out.stderr)))
}

/// The median of a variant's timing `key`.
fn seconds(v: &serde_json::Value, key: &str) -> f64 {
    v[key]["median"]
        .as_f64()
        .unwrap_or_else(|| panic!("{} has no {key}: {v}", v["name"]))
}

/// The size of `docker save TAG` through the `gzip` program at its default
/// level: a reference that shares no code with dockwright's compressor.
fn gzipped_save(engine: &Path, tag: &str) -> u64 {
    let mut save = std::process::Command::new(engine)
        .args(["save", tag])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let gzip = std::process::Command::new("gzip")
        .arg("-6")
        .stdin(save.stdout.take().unwrap())
        .output()
        .expect("gzip, Debian's package of that name");
    assert!(save.wait().unwrap().success(), "docker save {tag}");
    assert!(gzip.status.success(), "gzip -6 of docker save {tag}");
    gzip.stdout.len() as u64
}

#[test]
fn measures_the_articles_ladder() {
    let Some(engine) = engine() else { return };
    let project = scaffold(
        &engine,
        "e2e-measure",
        &["--profile", "article", "--deps", "minimal"],
    );
    let dir = &project.dir;
    let app_before = std::fs::read(dir.join("app.py")).unwrap();
    let reqs_before = std::fs::read(dir.join("requirements.txt")).unwrap();

    let out = dockwright(
        dir,
        &["measure", "--json", "--engine", engine.to_str().unwrap()],
    );
    assert!(out.status.success(), "measure: {}", text(&out.stderr));
    let run = results_of(&out);

    assert_eq!(
        std::fs::read(dir.join("app.py")).unwrap(),
        app_before,
        "app.py was not restored"
    );
    assert_eq!(
        std::fs::read(dir.join("requirements.txt")).unwrap(),
        reqs_before,
        "requirements.txt was not restored"
    );

    let names: Vec<&str> = run["variants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "baseline",
            "requirements-first",
            "no-pip-cache",
            "slim",
            "from-source",
            "alpine"
        ]
    );
    for v in run["variants"].as_array().unwrap() {
        match v["status"].as_str().unwrap() {
            "ok" => {
                for key in [
                    "cold_seconds",
                    "app_rebuild_seconds",
                    "deps_rebuild_seconds",
                ] {
                    assert!(
                        seconds(v, key) > 0.0,
                        "{}: {key} is not positive",
                        v["name"]
                    );
                }
                for key in ["image_bytes", "compressed_bytes", "layers"] {
                    assert!(
                        v[key].as_u64().unwrap_or(0) > 0,
                        "{}: {key} is not positive",
                        v["name"]
                    );
                }
                assert!(v["compressed_bytes"].as_u64() < v["image_bytes"].as_u64());
                assert!(Path::new(v["log"].as_str().unwrap()).is_file());
            }
            "skipped" => skip(&format!("measuring {}: {}", v["name"], v["reason"])),
            other => panic!("{} is {other}: {}", v["name"], v["reason"]),
        }
    }
    assert_eq!(
        variant(&run, "alpine")["status"],
        "skipped",
        "alpine cannot be built here"
    );
    let size = |name| variant(&run, name)["image_bytes"].as_u64().unwrap();
    assert!(
        size("slim") < size("no-pip-cache"),
        "the slim base is not smaller than the full one"
    );
    // Compressed a layer at a time, known layers counted once, the figure
    // agrees with gzip of the whole `save` within 2% (requirements-first
    // shares its base's layers with the baseline, sized before it).
    let tag = format!("{}:requirements-first", project.name);
    let whole = gzipped_save(&engine, &tag) as f64;
    let reported = variant(&run, "requirements-first")["compressed_bytes"]
        .as_u64()
        .unwrap() as f64;
    assert!(
        (reported - whole).abs() / whole < 0.02,
        "requirements-first: compressed {reported} bytes, gzip of its save {whole}"
    );

    // The article's step 1, by what the builds did rather than by their
    // times (which a busy machine stretches): after an app edit,
    // requirements-first takes its pip install from the cache, and the
    // baseline, which copies everything before pip, runs it again.
    let pip_cached = |name: &str| {
        let log = std::fs::read_to_string(variant(&run, name)["log"].as_str().unwrap()).unwrap();
        pip_cached_in_app_rebuild(&log)
            .unwrap_or_else(|| panic!("{name}: no app-edit rebuild with a pip step in its log"))
    };
    assert!(
        pip_cached("requirements-first"),
        "requirements-first re-ran pip after an app edit"
    );
    assert!(
        !pip_cached("baseline"),
        "the baseline took pip from the cache after an app edit"
    );

    formats_agree(dir, &run);
}

/// Whether the app-edit rebuild in a variant's `log` (its second build:
/// the cold build comes first) took its `pip install` step from the cache,
/// as BuildKit's plain progress says (`#9 CACHED`); `None` without one.
fn pip_cached_in_app_rebuild(log: &str) -> Option<bool> {
    let builds: Vec<&str> = log
        .split("\n$ ")
        .filter(|part| part.contains(" build "))
        .collect();
    let rebuild = builds.get(1)?;
    let id = rebuild.lines().find_map(|line| {
        let (id, step) = line.split_once(' ')?;
        (step.starts_with('[') && step.contains("pip install")).then_some(id)
    })?;
    Some(rebuild.lines().any(|line| line == format!("{id} CACHED")))
}

/// The saved run, the markdown and the table carry the same numbers.
fn formats_agree(dir: &Path, run: &serde_json::Value) {
    let saved = dockwright(dir, &["report", "--format", "json"]);
    assert!(saved.status.success());
    assert_eq!(
        &results_of(&saved),
        run,
        "the saved run differs from what measure printed"
    );
    let markdown = text(&dockwright(dir, &["report", "--format", "markdown"]).stdout);
    let table = text(&dockwright(dir, &["report", "--format", "table"]).stdout);
    for v in run["variants"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["status"] == "ok")
    {
        let name = v["name"].as_str().unwrap();
        let cold = seconds(v, "cold_seconds");
        let shown = if cold < 1.0 {
            format!("{cold:.2} s")
        } else {
            format!("{cold:.1} s")
        };
        // The row whose first cell is the variant (the recommended one has a ★).
        let row = |rendered: &str| {
            rendered
                .lines()
                .find(|l| {
                    let first = l
                        .split(['|', '│', '┆'])
                        .find(|cell| !cell.trim().is_empty());
                    first.is_some_and(|cell| cell.trim().trim_end_matches(" ★") == name)
                })
                .map(str::to_string)
        };
        let md_row =
            row(&markdown).unwrap_or_else(|| panic!("no markdown row for {name}:\n{markdown}"));
        let table_row = row(&table).unwrap_or_else(|| panic!("no table row for {name}:\n{table}"));
        assert!(
            md_row.contains(&shown),
            "markdown row of {name} lacks {shown}: {md_row}"
        );
        assert!(
            table_row.contains(&shown),
            "table row of {name} lacks {shown}: {table_row}"
        );
    }
}

#[test]
fn ctrl_c_mid_edit_restores_the_app_keeps_results_and_exits_130() {
    let Some(engine) = engine() else { return };
    let project = scaffold(
        &engine,
        "e2e-sigint",
        &["--profile", "speed", "--deps", "minimal"],
    );
    let dir = &project.dir;
    let app = dir.join("app.py");
    let original = std::fs::read(&app).unwrap();
    let engine_arg = engine.to_str().unwrap();
    let stopped = interrupt_mid_app_edit(dir, &["measure", "--engine", engine_arg], || {
        assert!(wait_for(Duration::from_secs(300), || dir
            .join(".dockwright/measure.lock")
            .exists()));
        let second = dockwright(dir, &["measure", "--engine", engine_arg]);
        assert_eq!(
            second.status.code(),
            Some(2),
            "a second measure ran: {}",
            text(&second.stderr)
        );
        assert!(
            text(&second.stderr).contains("is running on this project"),
            "{}",
            text(&second.stderr)
        );
    });
    assert_eq!(stopped.status.code(), Some(130), "{}", stopped.stderr);
    assert_eq!(
        std::fs::read(&app).unwrap(),
        original,
        "app.py was left edited"
    );
    assert!(
        saved_variants(dir) >= 1,
        "the finished variant was not kept"
    );
    let lock = std::fs::File::open(dir.join(".dockwright/measure.lock")).unwrap();
    assert!(lock.try_lock().is_ok(), "the lock was left held");
}

/// SIGKILL cannot be caught: the edit stays in app.py until the next
/// dockwright command in the project, which restores it from the journal.
#[test]
fn a_measure_killed_mid_edit_is_undone_by_the_next_command() {
    let Some(engine) = engine() else { return };
    let project = scaffold(
        &engine,
        "e2e-sigkill",
        &["--profile", "speed", "--deps", "minimal"],
    );
    let dir = &project.dir;
    let app = dir.join("app.py");
    let original = std::fs::read(&app).unwrap();
    let engine_arg = engine.to_str().unwrap();
    let killed = signal_mid_app_edit(dir, &["measure", "--engine", engine_arg], "KILL", || {});
    assert!(!killed.status.success());
    assert_ne!(
        std::fs::read(&app).unwrap(),
        original,
        "the kill did not land mid-edit"
    );
    let next = dockwright(dir, &["variants"]);
    assert!(next.status.success(), "{}", text(&next.stderr));
    assert!(
        text(&next.stderr).contains("restored `app.py`"),
        "{}",
        text(&next.stderr)
    );
    assert_eq!(
        std::fs::read(&app).unwrap(),
        original,
        "app.py was not restored byte for byte"
    );
    let journal: Vec<_> = std::fs::read_dir(dir.join(".dockwright/journal"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert!(journal.is_empty(), "journal left: {journal:?}");
}

/// A project that pins six already: the dependency edit picks a package it
/// does not list, the rebuild installs it, and the run says which.
#[test]
fn the_dependency_edit_avoids_a_package_the_project_pins() {
    let Some(engine) = engine() else { return };
    let project = scaffold(
        &engine,
        "e2e-extra",
        &["--profile", "speed", "--deps", "minimal"],
    );
    let dir = &project.dir;
    let reqs = dir.join("requirements.txt");
    let pinned = format!("{}six==1.16.0\n", std::fs::read_to_string(&reqs).unwrap());
    std::fs::write(&reqs, &pinned).unwrap();
    let out = dockwright(
        dir,
        &[
            "measure",
            "docker-init",
            "--json",
            "--engine",
            engine.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "measure: {}", text(&out.stderr));
    let run = results_of(&out);
    assert_eq!(run["extra_dependency"], "iniconfig==2.1.0", "{run}");
    let built = variant(&run, "docker-init");
    assert_eq!(built["status"], "ok", "{built}");
    assert!(seconds(built, "deps_rebuild_seconds") > 0.0);
    assert_eq!(std::fs::read_to_string(&reqs).unwrap(), pinned);
}

/// With `--runs 2` each rebuild is saved as one timing of its two builds,
/// and the cold build, timed once, as a timing of one; the table shows the
/// rebuilds' ranges from those figures.
#[test]
fn repeated_rebuilds_are_saved_as_timings_of_their_builds() {
    let Some(engine) = engine() else { return };
    let project = scaffold(
        &engine,
        "e2e-repeats",
        &["--profile", "speed", "--deps", "minimal"],
    );
    let dir = &project.dir;
    let out = dockwright(
        dir,
        &[
            "measure",
            "docker-init",
            "--runs",
            "2",
            "--json",
            "--engine",
            engine.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "measure: {}", text(&out.stderr));
    let run = results_of(&out);
    assert_eq!(run["schema_version"], 2, "{run}");
    assert_eq!(run["repeats"], 2, "{run}");
    let built = variant(&run, "docker-init");
    assert_eq!(built["status"], "ok", "{built}");
    let cold = &built["cold_seconds"];
    assert_eq!(cold["samples"], 1, "{cold}");
    assert_eq!(cold["min"], cold["median"], "{cold}");
    assert_eq!(cold["max"], cold["median"], "{cold}");
    let table = text(&dockwright(dir, &["report", "--format", "table"]).stdout);
    for key in ["app_rebuild_seconds", "deps_rebuild_seconds"] {
        let timing = &built[key];
        assert_eq!(timing["samples"], 2, "{key}: {timing}");
        let [median, min, max] =
            ["median", "min", "max"].map(|field| timing[field].as_f64().unwrap());
        assert!(
            min <= median && median <= max && min > 0.0,
            "{key}: {timing}"
        );
        let bare = |secs: f64| {
            if secs < 1.0 {
                format!("{secs:.2}")
            } else {
                format!("{secs:.1}")
            }
        };
        let range = format!("({}–{})", bare(min), bare(max));
        assert!(
            table.contains(&range),
            "no {key} range {range} in:\n{table}"
        );
    }
    let keys: Vec<&String> = built.as_object().unwrap().keys().collect();
    assert!(
        keys.iter()
            .all(|k| !k.ends_with("_min") && !k.ends_with("_max")),
        "format 1's flat keys in {keys:?}"
    );
    formats_agree(dir, &run);
}
