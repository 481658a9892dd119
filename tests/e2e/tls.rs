//! Behind a proxy that re-signs HTTPS (as on this machine): base images
//! without the host's CA fail every download with a certificate error, and
//! the `[tls] ca_file` setting makes every pip and uv variant build there,
//! while no layer of any image keeps the bundle.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use crate::support::{docker, dockwright, engine, scaffold, text, without_cas};

/// The host's bundle (which trusts this machine's proxy) with a line of its
/// own that no other file holds, to find it by in the images' layers.
fn marked_bundle(dir: &Path, marker: &str) -> std::path::PathBuf {
    let host = std::fs::read_to_string("/etc/ssl/certs/ca-certificates.crt")
        .expect("the host's CA bundle");
    let path = dir.join("corp-ca.pem");
    std::fs::write(&path, format!("# {marker}\n{host}")).unwrap();
    path
}

/// The diff ids of `image`'s layers.
fn layers(engine: &Path, image: &str) -> Vec<String> {
    let out = docker(
        engine,
        &[
            "image",
            "inspect",
            "--format",
            "{{json .RootFS.Layers}}",
            image,
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// What `docker save` of `image` holds in the layers it adds to `base`:
/// whether any file there contains `marker`, and the paths that name the
/// secret. Layers are uncompressed tars named by their diff id.
fn added_layers_keep(
    engine: &Path,
    image: &str,
    base: &str,
    marker: &str,
) -> (usize, bool, Vec<String>) {
    let inherited = layers(engine, base);
    let tmp = tempfile::tempdir().unwrap();
    let saved = tmp.path().join("image.tar");
    let out = docker(engine, &["save", "-o", saved.to_str().unwrap(), image]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let mut outer = tar::Archive::new(File::open(&saved).unwrap());
    let (mut scanned, mut found, mut paths) = (0, false, Vec::new());
    for entry in outer.entries_with_seek().unwrap() {
        let mut entry = entry.unwrap();
        let name = entry.path().unwrap().display().to_string();
        let digest = name.rsplit('/').next().unwrap_or_default().to_string();
        if inherited.iter().any(|id| id.ends_with(&digest))
            || !entry.header().entry_type().is_file()
        {
            continue;
        }
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        let mut inner = tar::Archive::new(bytes.as_slice());
        let Ok(files) = inner.entries() else { continue };
        let files: Vec<String> = files
            .filter_map(Result::ok)
            .filter_map(|f| f.path().ok().map(|p| p.display().to_string()))
            .collect();
        if files.is_empty() {
            continue;
        }
        scanned += 1;
        found |= memchr::memmem::find(&bytes, marker.as_bytes()).is_some();
        paths.extend(files.into_iter().filter(|p| p.contains("dockwright-ca")));
    }
    (scanned, found, paths)
}

#[test]
fn a_proxy_ca_setting_makes_every_pip_and_uv_variant_build_and_no_layer_keeps_it() {
    let Some(engine) = engine() else { return };
    let engine_path = engine.to_str().unwrap();
    let project = scaffold(
        &engine,
        "e2e-tls",
        &["--profile", "all", "--deps", "minimal"],
    );
    let dir = &project.dir;
    let pid = std::process::id();
    let slim = format!("e2e-tls-noca-{pid}/python:3.13-slim");
    let full = format!("e2e-tls-noca-{pid}/python:3.13");
    without_cas(&engine, "python:3.13-slim", &slim);
    without_cas(&engine, "python:3.13", &full);
    let settings = dir.join("dockwright.toml");
    let mut text_of = std::fs::read_to_string(&settings).unwrap();
    text_of.push_str(&format!(
        "\n[base-sets.noca]\nslim = \"{slim}\"\nfull = \"{full}\"\n"
    ));
    std::fs::write(&settings, text_of).unwrap();
    // alpine: no Alpine stand-in can be built here.
    let variants = [
        "baseline",
        "requirements-first",
        "no-pip-cache",
        "slim",
        "from-source",
        "docker-init",
        "cache-mount",
        "uv",
        "multi-stage",
        "minimal-final",
        "uv-minimal",
    ];
    let build = |extra: &[&str]| {
        let mut args = vec!["build", "--base-set", "noca", "--engine", engine_path];
        args.extend(extra);
        dockwright(dir, &args)
    };

    // Without the bundle, pip and uv cannot verify PyPI behind the proxy.
    for variant in ["slim", "uv"] {
        let failed = build(&[variant]);
        assert!(!failed.status.success(), "{variant} built without the CA");
        let logs = dir.join(".dockwright/logs");
        let said: String = std::fs::read_dir(&logs)
            .unwrap()
            .filter_map(|e| std::fs::read_to_string(e.unwrap().path()).ok())
            .collect();
        assert!(
            said.to_ascii_lowercase().contains("certificate"),
            "{variant}: no certificate error in the logs: {}",
            text(&failed.stderr)
        );
    }

    // With it: every pip and uv variant builds on the same bases.
    let marker = format!("dockwright-e2e-ca-marker-{pid}");
    let bundle_dir = tempfile::tempdir().unwrap();
    let bundle = marked_bundle(bundle_dir.path(), &marker);
    let rendered = dockwright(
        dir,
        &[
            "init",
            "--force",
            "--yes",
            "--ca-file",
            bundle.to_str().unwrap(),
        ],
    );
    assert!(rendered.status.success(), "{}", text(&rendered.stderr));
    let built = build(&variants);
    assert!(
        built.status.success(),
        "{}\n{}",
        text(&built.stdout),
        text(&built.stderr)
    );

    for variant in variants {
        let image = format!("{}:{variant}", project.name);
        let base = if ["baseline", "requirements-first", "no-pip-cache"].contains(&variant) {
            &full
        } else {
            &slim
        };
        let (scanned, kept, paths) = added_layers_keep(&engine, &image, base, &marker);
        assert!(scanned > 0, "{variant}: no layer of its own was read");
        assert!(!kept, "{variant}: a layer holds the CA bundle's contents");
        assert!(
            paths.is_empty(),
            "{variant}: a layer names the secret: {paths:?}"
        );
    }
    for tag in [&slim, &full] {
        let _ = docker(&engine, &["rmi", tag]);
    }
}
