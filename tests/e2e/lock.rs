//! `dockwright lock` on a real engine: the article preset resolved inside
//! the project's slim image, the balanced profile measured from the lock,
//! and every image holding exactly the lock's pins.

use std::collections::BTreeMap;
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::support::{docker, dockwright, engine, scaffold, text};

const BALANCED: [&str; 3] = ["docker-init", "multi-stage", "uv-minimal"];

/// Every installed distribution as `name==version`, read from the metadata
/// that `pip freeze` reads (the minimal images have no pip), leaving out
/// what `pip freeze` leaves out: pip itself and the build tools.
const FREEZE: &str = "import importlib.metadata as m; \
    print('\\n'.join(d.metadata['Name'] + '==' + d.version for d in m.distributions() \
    if d.metadata['Name'].lower() not in ('pip', 'setuptools', 'wheel')))";

/// A package name as PEP 503 compares them.
fn normalised(name: &str) -> String {
    let mut out = String::new();
    for c in name.to_lowercase().chars() {
        if matches!(c, '-' | '_' | '.') {
            if !out.ends_with('-') {
                out.push('-');
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// The `name==version` pins of a lock or of a freeze, by normalised name.
fn pins(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter(|line| line.starts_with(|c: char| c.is_ascii_alphanumeric()))
        .map(|line| {
            let pin = line.split([' ', ';']).next().unwrap();
            let (name, version) = pin
                .split_once("==")
                .unwrap_or_else(|| panic!("not pinned with ==: {line}"));
            (normalised(name), version.to_string())
        })
        .collect()
}

fn freeze(engine: &Path, tag: &str) -> BTreeMap<String, String> {
    let out = docker(
        engine,
        &["run", "--rm", "--entrypoint", "python3", tag, "-c", FREEZE],
    );
    assert!(out.status.success(), "{tag}: {}", text(&out.stderr));
    pins(&text(&out.stdout))
}

#[test]
fn the_balanced_profile_measured_from_the_article_lock_installs_exactly_its_pins() {
    let Some(engine) = engine() else { return };
    let client = engine.to_str().unwrap();
    let project = scaffold(
        &engine,
        "e2e-lock",
        &["--profile", "balanced", "--deps", "article"],
    );
    let locked = dockwright(&project.dir, &["lock", "--engine", client]);
    let stderr = text(&locked.stderr);
    assert!(locked.status.success(), "{stderr}");
    assert!(!stderr.contains("warning:"), "{stderr}");

    let lock = std::fs::read_to_string(project.dir.join("requirements.lock")).unwrap();
    let locked_pins = pins(&lock);
    // The transitive dependencies are pinned too: pandas's numpy, flask's werkzeug.
    for name in ["flask", "pandas", "gunicorn", "numpy", "werkzeug"] {
        assert!(locked_pins.contains_key(name), "{name} is not in\n{lock}");
    }
    let lines: Vec<&str> = lock.lines().collect();
    for (at, line) in lines.iter().enumerate() {
        if line.starts_with(|c: char| c.is_ascii_alphanumeric()) {
            assert!(
                lines
                    .get(at + 1)
                    .is_some_and(|next| next.trim_start().starts_with("--hash=sha256:")),
                "no hash for {line}"
            );
        }
    }
    let settings = std::fs::read_to_string(project.dir.join("dockwright.toml")).unwrap();
    assert!(
        settings.contains("requirements = \"requirements.lock\"")
            && settings.contains("lock_source = \"requirements.txt\""),
        "{settings}"
    );

    let measured = dockwright(
        &project.dir,
        &["measure", "--json", "--no-pull", "--engine", client],
    );
    let run: serde_json::Value = serde_json::from_slice(&measured.stdout).unwrap_or_else(|err| {
        panic!(
            "measure printed no JSON ({err}): {}",
            text(&measured.stderr)
        )
    });
    assert!(measured.status.success(), "{}", text(&measured.stderr));
    let digest: String = Sha256::digest(lock.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(run["lock_sha256"], digest.as_str());
    for variant in run["variants"].as_array().unwrap() {
        assert_eq!(variant["status"], "ok", "{variant}");
        assert!(
            variant["deps_rebuild_seconds"]["median"]
                .as_f64()
                .unwrap_or(0.0)
                > 0.0,
            "{variant}"
        );
    }
    assert_eq!(
        std::fs::read_to_string(project.dir.join("requirements.lock")).unwrap(),
        lock,
        "the dependency edit of the lock was not undone"
    );

    // measure leaves each tag on its last build, the dependency edit's: build
    // again (from the cache) from the lock as it is.
    let built = dockwright(&project.dir, &["build", "--engine", client]);
    assert!(built.status.success(), "{}", text(&built.stderr));
    // docker-init installs into the base image's own site-packages, which may
    // hold packages of the image's (the local stand-ins have some): those
    // stay, unless the lock pins them.
    let table: toml::Table = toml::from_str(&settings).unwrap();
    let slim = table["images"]["slim"].as_str().unwrap();
    let mut on_the_base = freeze(&engine, slim);
    on_the_base.extend(locked_pins.clone());
    for variant in BALANCED {
        let tag = format!("{}:{variant}", project.name);
        let expected = if variant == "docker-init" {
            &on_the_base
        } else {
            &locked_pins
        };
        assert_eq!(&freeze(&engine, &tag), expected, "{tag}");
    }
}
