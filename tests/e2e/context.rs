//! What reaches the images through `COPY . .`: secrets and junk at any depth,
//! dockwright's leftover staging directories and what the project's
//! .gitignore excludes stay out; the app and its other files go in. Judged
//! from the images' filesystems, not from the .dockerignore.

use std::path::Path;

use crate::support::{docker, dockwright, engine, files_of, text, Cleanup};

/// Files of the project that no image may hold, relative to its root.
const LEFT_OUT: &[&str] = &[
    ".env",
    "pkg/.env",
    "instance/db.sqlite",
    "pkg/__pycache__/x.pyc",
    "certs/key.pem",
    "pkg/certs/key.pem",
    ".dockwright-init-abc123/new/app.py",
    ".dockwright-new-abc123/app.py",
    "pkg/.dockwright-x1y2.tmp",
    // Excluded by the project's .gitignore only.
    "data/cache.sqlite3",
    "pkg/secrets/token",
    // git's `/!.env` and `/#notes`: files whose names start with `!` and `#`.
    "!.env",
    "#notes",
];

/// Files every image must hold, so that an empty /app cannot pass.
const KEPT: &[&str] = &["app.py", "requirements.txt", "pkg/keep.txt"];

const GITIGNORE: &str = "*.sqlite3\nsecrets/\n!.env.example\n/!.env\n/#notes\n";

/// The paths under /app, relative to it, as `find` in the image lists them.
fn files_by_find(engine: &Path, tag: &str) -> Vec<String> {
    let out = docker(
        engine,
        &[
            "run",
            "--rm",
            "--entrypoint",
            "find",
            tag,
            "/app",
            "-type",
            "f",
        ],
    );
    assert!(out.status.success(), "find in {tag}: {}", text(&out.stderr));
    text(&out.stdout)
        .lines()
        .filter_map(|l| l.strip_prefix("/app/"))
        .map(str::to_string)
        .collect()
}

/// The paths under app/, relative to it, from the image's exported filesystem.
fn files_by_export(engine: &Path, tag: &str) -> Vec<String> {
    files_of(engine, tag)
        .iter()
        .filter_map(|l| l.trim_start_matches("./").strip_prefix("app/"))
        .filter(|l| !l.is_empty() && !l.ends_with('/'))
        .map(str::to_string)
        .collect()
}

fn assert_holds_only_the_app(tag: &str, files: &[String]) {
    for kept in KEPT {
        assert!(
            files.iter().any(|f| f == kept),
            "{tag} lacks /app/{kept}: {files:?}"
        );
    }
    for file in files {
        for left_out in LEFT_OUT {
            assert!(
                file != left_out && !file.starts_with(&format!("{left_out}/")),
                "{tag} holds /app/{file}"
            );
        }
    }
}

#[test]
fn secrets_junk_and_gitignored_files_stay_out_of_the_images() {
    let Some(engine) = engine() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let name = format!("e2e-context-{}", std::process::id());
    let dir = tmp.path().join(&name);
    for file in LEFT_OUT.iter().chain(&["pkg/keep.txt"]) {
        let path = dir.join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, "SECRET=1\n").unwrap();
    }
    std::fs::write(dir.join(".gitignore"), GITIGNORE).unwrap();
    let _cleanup = Cleanup {
        engine: engine.to_path_buf(),
        project: name.clone(),
        containers: Vec::new(),
    };
    let init = dockwright(
        tmp.path(),
        &[
            "init",
            &name,
            "--yes",
            "--profile",
            "size",
            "--deps",
            "minimal",
        ],
    );
    assert!(init.status.success(), "init: {}", text(&init.stderr));
    let said = text(&init.stdout);
    assert!(
        said.contains("`**/*.sqlite3`") && said.contains("`**/secrets`"),
        "init did not name the patterns it took from .gitignore:\n{said}"
    );

    // docker-init's image has a shell and find; minimal-final's is FROM scratch.
    let built = dockwright(
        &dir,
        &[
            "build",
            "docker-init",
            "minimal-final",
            "--engine",
            engine.to_str().unwrap(),
        ],
    );
    assert!(built.status.success(), "build: {}", text(&built.stderr));
    let tag = format!("{name}:docker-init");
    assert_holds_only_the_app(&tag, &files_by_find(&engine, &tag));
    let tag = format!("{name}:minimal-final");
    assert_holds_only_the_app(&tag, &files_by_export(&engine, &tag));
}
