//! linux/arm64 on this amd64 host, under qemu: the size profile's and the
//! balanced profile's recommended images of the minimal preset built for
//! arm64 serve hello world, every ELF file of the size image is an aarch64
//! one, and a measured run says its timings were emulated. The size image
//! is built by dockerd's own builder, whose registry mirror serves the
//! `python:3.13-slim` manifest list; uv-minimal by the remote BuildKit,
//! the one that mirrors `ghcr.io` for the uv image.

use std::io::Read;
use std::path::Path;
use std::time::Duration;

use crate::builder::{remote_builder, REMOTE};
use crate::serve::{serve_and_check_within, HELLO};
use crate::support::{
    docker, dockwright, engine, exported, missing_engine, scaffold, text, Cleanup, Scaffolded,
};

const PLATFORM: &str = "linux/arm64";

/// gunicorn under qemu answered about 22 s after `docker run` on a quiet
/// machine (ENVIRONMENT.md); this leaves room for a busy one.
const EMULATED_START: Duration = Duration::from_secs(180);

/// qemu's handler, which `cargo xtask engine` registers.
const BINFMT: &str = "/proc/sys/fs/binfmt_misc/qemu-aarch64";

/// Whether this host runs arm64 programs, natively or through qemu; without
/// it the test is skipped, or fails when DOCKWRIGHT_REQUIRE_ENGINE is set.
fn runs_arm64() -> bool {
    if std::env::consts::ARCH == "aarch64" || Path::new(BINFMT).exists() {
        return true;
    }
    let why = format!("no qemu handler for arm64 ({BINFMT}); `cargo xtask engine` installs it");
    missing_engine(&why);
    false
}

/// Whether building for arm64 here is emulated, as the run must say.
fn emulated() -> bool {
    std::env::consts::ARCH != "aarch64"
}

fn architecture(engine: &Path, tag: &str) -> String {
    let out = docker(
        engine,
        &["image", "inspect", "-f", "{{.Architecture}}", tag],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    text(&out.stdout).trim().to_string()
}

/// Every ELF file of `tag` and the machine its header names, read by an ELF
/// reader from `docker export` of a container made from the image (never
/// started).
fn elf_files(engine: &Path, tag: &str) -> Vec<(String, object::Architecture)> {
    exported(engine, &["--platform", PLATFORM], tag, |mut archive| {
        let mut found = Vec::new();
        for entry in archive.entries().unwrap() {
            let mut entry = entry.unwrap();
            if entry.header().entry_type() != tar::EntryType::Regular {
                continue;
            }
            let path = entry.path().unwrap().display().to_string();
            let mut data = Vec::new();
            entry.read_to_end(&mut data).unwrap();
            if !data.starts_with(b"\x7fELF") {
                continue;
            }
            let file = object::File::parse(&*data).unwrap_or_else(|err| {
                panic!("{path} in {tag} starts as ELF but does not read: {err}")
            });
            found.push((path, object::Object::architecture(&file)));
        }
        found
    })
}

/// Tells a kind of file by its name.
type FileKind = fn(&str) -> bool;

fn cleanup_of(engine: &Path, project: &Scaffolded) -> Cleanup {
    Cleanup {
        engine: engine.to_path_buf(),
        project: project.name.clone(),
        containers: Vec::new(),
    }
}

#[test]
fn the_size_image_for_arm64_is_aarch64_throughout_serves_and_its_run_says_emulated() {
    let Some(engine) = engine() else { return };
    if !runs_arm64() {
        return;
    }
    let project = scaffold(
        &engine,
        "e2e-arm64-size",
        &["--profile", "size", "--deps", "minimal"],
    );
    let dir = &project.dir;
    let recommended = "minimal-final";
    let measured = dockwright(
        dir,
        &[
            "measure",
            recommended,
            "--platform",
            PLATFORM,
            "--builder",
            "default",
            "--json",
            "--engine",
            engine.to_str().unwrap(),
        ],
    );
    assert!(measured.status.success(), "{}", text(&measured.stderr));
    let run: serde_json::Value = serde_json::from_slice(&measured.stdout)
        .unwrap_or_else(|err| panic!("measure printed no JSON ({err})"));
    assert_eq!(run["platform"], PLATFORM, "{run}");
    assert_eq!(
        run["emulated"].as_bool().unwrap_or(false),
        emulated(),
        "{run}"
    );
    // The image started, under emulation where the host is not arm64, and
    // answered within its bound.
    let start = &run["variants"][0]["start_seconds"]["median"];
    assert!(start.as_f64().is_some_and(|s| s > 0.0), "{run}");
    let report = dockwright(dir, &["report"]);
    assert!(report.status.success(), "{}", text(&report.stderr));
    let table = text(&report.stdout);
    assert!(table.contains(&format!("platform {PLATFORM}")), "{table}");
    assert_eq!(
        table.contains(&format!(
            "Timings measured under emulation ({PLATFORM} on an amd64 host)"
        )),
        emulated(),
        "{table}"
    );

    let tag = format!("{}:{recommended}", project.name);
    assert_eq!(architecture(&engine, &tag), "arm64");
    let elves = elf_files(&engine, &tag);
    let foreign: Vec<String> = elves
        .iter()
        .filter(|(_, arch)| *arch != object::Architecture::Aarch64)
        .map(|(path, arch)| format!("{path} ({arch:?})"))
        .collect();
    assert!(foreign.is_empty(), "not aarch64 in {tag}: {foreign:?}");
    let name_of = |path: &str| path.rsplit('/').next().unwrap_or_default().to_string();
    let kinds: [(&str, FileKind); 4] = [
        ("the interpreter", |name| {
            name.starts_with("python3") && !name.contains(".so")
        }),
        ("the loader", |name| name.starts_with("ld-linux-aarch64")),
        ("libc", |name| name.starts_with("libc.so")),
        ("an extension module", |name| {
            name.contains(".cpython-") && name.ends_with(".so")
        }),
    ];
    for (what, is) in kinds {
        assert!(
            elves.iter().any(|(path, _)| is(&name_of(path))),
            "{what} is not among the ELF files of {tag}: {:?}",
            elves.iter().map(|(path, _)| path).collect::<Vec<_>>()
        );
    }

    let mut cleanup = cleanup_of(&engine, &project);
    serve_and_check_within(&engine, &mut cleanup, &tag, 5000, HELLO, EMULATED_START);
}

#[test]
fn the_balanced_image_uv_minimal_builds_for_arm64_on_the_remote_builder_and_serves() {
    let Some(engine) = engine() else { return };
    if !runs_arm64() || !remote_builder(&engine) {
        return;
    }
    let project = scaffold(
        &engine,
        "e2e-arm64-uv",
        &["--profile", "balanced", "--deps", "minimal"],
    );
    let recommended = "uv-minimal";
    let built = dockwright(
        &project.dir,
        &[
            "build",
            recommended,
            "--platform",
            PLATFORM,
            "--builder",
            REMOTE,
            "--engine",
            engine.to_str().unwrap(),
        ],
    );
    assert!(built.status.success(), "{}", text(&built.stderr));
    let tag = format!("{}:{recommended}", project.name);
    assert_eq!(architecture(&engine, &tag), "arm64");
    let mut cleanup = cleanup_of(&engine, &project);
    serve_and_check_within(&engine, &mut cleanup, &tag, 5000, HELLO, EMULATED_START);
}
