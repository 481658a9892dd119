//! `--pull` on a real engine whose Docker Hub names resolve through the
//! local registry (`cargo xtask engine`): a build whose images all came from
//! their own repository refreshes them; one that reads a local-only image
//! (`ghcr.io/astral-sh/uv`, which dockerd cannot mirror), in a `FROM` or a
//! `COPY --from`, builds without `--pull` and succeeds, even when that image
//! carries a digest under another name.

use std::path::Path;

use crate::support::{docker, dockwright, engine, missing_engine, scaffold, text};

const UV: &str = "ghcr.io/astral-sh/uv:0.13.9";

/// Every `REPOSITORY@DIGEST` the local `image` carries.
pub fn digests(engine: &Path, image: &str) -> Vec<String> {
    let format = "{{range .RepoDigests}}{{println .}}{{end}}";
    let out = docker(engine, &["image", "inspect", "--format", format, image]);
    text(&out.stdout).lines().map(str::to_string).collect()
}

/// Whether the local `image` carries a digest from its own repository.
fn pulled(engine: &Path, image: &str) -> bool {
    let repository = image.rsplit_once(':').map_or(image, |(name, _)| name);
    digests(engine, image)
        .iter()
        .any(|digest| digest.starts_with(&format!("{repository}@")))
}

/// The uv image pushed to the local registry under a name of the test's
/// own, so that it carries a digest, from another repository than its
/// name's; the name is untagged when dropped, which drops that digest.
struct PushedElsewhere {
    engine: std::path::PathBuf,
    name: String,
}

impl PushedElsewhere {
    fn new(engine: &Path) -> PushedElsewhere {
        let name = format!("127.0.0.1:5000/e2e-pull-{}/uv:0.13.9", std::process::id());
        let pushed = PushedElsewhere {
            engine: engine.to_path_buf(),
            name,
        };
        for args in [["tag", UV, &pushed.name], ["push", "--quiet", &pushed.name]] {
            let out = docker(engine, &args);
            assert!(
                out.status.success(),
                "docker {args:?}: {}",
                text(&out.stderr)
            );
        }
        pushed
    }
}

impl Drop for PushedElsewhere {
    fn drop(&mut self) {
        let _ = docker(&self.engine, &["rmi", &self.name]);
    }
}

#[test]
fn pull_is_passed_only_to_builds_whose_images_all_come_from_a_registry() {
    let Some(engine) = engine() else { return };
    if !pulled(&engine, "python:3.13-slim") {
        let why = "python:3.13-slim was not pulled from a registry (run `cargo xtask fixtures`, which publishes the stand-ins)";
        missing_engine(why);
        return;
    }
    let _pushed = PushedElsewhere::new(&engine);
    assert!(
        !digests(&engine, UV).is_empty() && !pulled(&engine, UV),
        "{UV} should carry a digest from another repository only: {:?}",
        digests(&engine, UV)
    );
    let project = scaffold(
        &engine,
        "e2e-pull",
        &["--profile", "speed", "--deps", "minimal"],
    );
    let copies_uv = project.dir.join("dockerfiles/cache-mount.Dockerfile");
    let dockerfile = std::fs::read_to_string(&copies_uv).unwrap().replacen(
        "\nCOPY ",
        &format!("\nCOPY --from={UV} /uv /usr/local/bin/uv\nCOPY "),
        1,
    );
    std::fs::write(&copies_uv, dockerfile).unwrap();

    let out = dockwright(
        &project.dir,
        &["measure", "--json", "--engine", engine.to_str().unwrap()],
    );
    assert!(out.status.success(), "measure: {}", text(&out.stderr));
    let run: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for variant in run["variants"].as_array().unwrap() {
        assert_eq!(variant["status"], "ok", "{variant}");
    }
    let cold: Vec<(String, bool)> = run["commands"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|command| command.as_str())
        .filter(|command| command.contains(" build ") && command.contains(" --no-cache"))
        .map(|command| {
            let dockerfile = command
                .split(' ')
                .find(|word| word.ends_with(".Dockerfile"))
                .and_then(|path| Path::new(path).file_name())
                .unwrap()
                .to_string_lossy()
                .into_owned();
            (dockerfile, command.split(' ').any(|word| word == "--pull"))
        })
        .collect();
    assert_eq!(
        cold,
        [
            ("docker-init.Dockerfile".to_string(), true),
            ("cache-mount.Dockerfile".to_string(), false),
            ("uv.Dockerfile".to_string(), false),
        ]
    );
}
