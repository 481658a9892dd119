//! A hash-checking requirements file (`--require-hashes`, every pin with the
//! sha256 of its files) measured on every variant that installs with pip:
//! each builds cold, and the rebuild after the dependency edit installs the
//! extra dependency with its hashes instead of failing pip's check.

use crate::support::{docker, dockwright, engine, scaffold, skip, text};

const HASHED: &str = include_str!("hashed-requirements.txt");

/// The variants of the `all` profile that install with pip (uv and
/// uv-minimal use uv).
const PIP_VARIANTS: &[&str] = &[
    "baseline",
    "requirements-first",
    "no-pip-cache",
    "slim",
    "from-source",
    "alpine",
    "docker-init",
    "cache-mount",
    "multi-stage",
    "minimal-final",
];

#[test]
fn measures_a_hashed_requirements_file_on_every_pip_variant() {
    let Some(engine) = engine() else { return };
    let fixture = tempfile::tempdir().unwrap();
    let hashed = fixture.path().join("hashed.txt");
    std::fs::write(&hashed, HASHED).unwrap();
    let project = scaffold(
        &engine,
        "e2e-hashes",
        &["--profile", "all", "--deps", hashed.to_str().unwrap()],
    );
    let requirements = project.dir.join("requirements.txt");
    assert_eq!(std::fs::read_to_string(&requirements).unwrap(), HASHED);

    let mut args = vec![
        "measure",
        "--json",
        "--no-pull",
        "--engine",
        engine.to_str().unwrap(),
    ];
    args.extend(PIP_VARIANTS);
    let out = dockwright(&project.dir, &args);
    let run: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|err| panic!("measure printed no JSON ({err}): {}", text(&out.stderr)));
    assert_eq!(
        std::fs::read_to_string(&requirements).unwrap(),
        HASHED,
        "requirements.txt was not restored"
    );

    let mut failures = Vec::new();
    let mut measured = 0;
    for name in PIP_VARIANTS {
        let variant = run["variants"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["name"] == *name)
            .unwrap_or_else(|| panic!("no variant {name} in {run}"));
        match variant["status"].as_str().unwrap() {
            "ok" if variant["deps_rebuild_seconds"]["median"]
                .as_f64()
                .unwrap_or(0.0)
                > 0.0 =>
            {
                measured += 1
            }
            "skipped" => skip(&format!("measuring {name}: {}", variant["reason"])),
            _ => {
                let log = variant["log"].as_str().unwrap_or_default();
                let tail: Vec<String> = std::fs::read_to_string(log)
                    .unwrap_or_default()
                    .lines()
                    .rev()
                    .take(15)
                    .map(str::to_string)
                    .collect();
                failures.push(format!(
                    "{name}: {variant}\n{}",
                    tail.into_iter().rev().collect::<Vec<_>>().join("\n")
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert!(measured > 0, "no variant was measured: {run}");
}

#[test]
fn measure_asks_for_hashes_it_does_not_have_before_building() {
    let Some(engine) = engine() else { return };
    let fixture = tempfile::tempdir().unwrap();
    let hashed = fixture.path().join("hashed.txt");
    std::fs::write(&hashed, HASHED).unwrap();
    let project = scaffold(
        &engine,
        "e2e-nohash",
        &["--profile", "article", "--deps", hashed.to_str().unwrap()],
    );
    let settings = project.dir.join("dockwright.toml");
    let before = std::fs::read_to_string(&settings).unwrap();
    // The template shows the override commented out under [measure].
    let commented = "# extra_dependency = \"attrs==25.1.0\"";
    assert!(before.contains(commented), "{before}");
    let extra = "extra_dependency = \"attrs==25.1.0\"";
    std::fs::write(&settings, before.replace(commented, extra)).unwrap();
    let out = dockwright(
        &project.dir,
        &["measure", "--no-pull", "--engine", engine.to_str().unwrap()],
    );
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("hash-checking mode") && stderr.contains("attrs==25.1.0 --hash=sha256:"),
        "{stderr}"
    );
    let baseline = format!("{}:baseline", project.name);
    let built = docker(&engine, &["image", "inspect", &baseline]);
    assert!(
        !built.status.success(),
        "measure built {baseline} before refusing"
    );
}
