//! `dockwright lock`: pin every package the project installs, with its
//! hashes, resolved inside the project's own slim image, and make the
//! variants install from that lock.

use std::fs;
use std::path::{Path, PathBuf};

use clap::Args;

use crate::args::{EngineArgs, ProjectArgs};
use crate::build_runner::{BuildRunner, Log};
use crate::ca;
use crate::catalogue::Catalogue;
use crate::config::{self, Config};
use crate::engine::System;
use crate::error::{exit, warn, UserError};
use crate::lockfile;
use crate::results::{state_subdir, EngineInfo};
use crate::scaffold::{self, PlannedFile, Settings};
use crate::ui;

#[derive(Args, Debug)]
pub struct LockArgs {
    #[command(flatten)]
    project: ProjectArgs,
    #[command(flatten)]
    engine: EngineArgs,
}

pub fn lock(args: LockArgs) -> anyhow::Result<i32> {
    let locked = lock_project(&args.project.dir()?, &args.engine)?;
    ui::print(&locked)?;
    Ok(exit::OK)
}

/// Resolves the requirements of the project `dir` into requirements.lock,
/// points dockwright.toml at it and renders the Dockerfiles again so that
/// they install from it. Returns what to tell the user.
pub fn lock_project(dir: &Path, engine_args: &EngineArgs) -> anyhow::Result<String> {
    let config = Config::load(dir)?;
    let dir = dir.canonicalize()?;
    let source = match &config.project.lock_source {
        Some(source) => source.clone(),
        None if config.project.requirements == lockfile::FILE => return Err(UserError::new(
            format!(
                "dockwright.toml installs from `{}` but does not say what it was locked from",
                lockfile::FILE
            ),
        )
        .help(
            "set `lock_source = \"requirements.txt\"` (the file to resolve) in its [project] table",
        )
        .into()),
        None => config.project.requirements.clone(),
    };
    let inputs = lockfile::inputs(&dir, &source)?;
    let images = config.images(engine_args.base_set())?;
    let ca_file = ca::resolve(engine_args.ca_file(), config.tls.ca_file.as_deref(), &dir)?;
    let engine = engine_args.detect(&System, true, &config.engine)?;
    ui::note(&format!(
        "Locking `{source}` inside {} with {}",
        images.slim,
        EngineInfo::of(&engine).describe()
    ));
    let mut build_runner = BuildRunner::new(&engine, &System);
    let log_path = state_subdir(&dir, &["logs"])?.join("lock.log");
    let mut log = Log::create(&log_path)?;
    let resolved = lockfile::resolve(
        &mut build_runner,
        &images,
        ca_file.as_deref(),
        &inputs,
        &mut log,
        &log_path,
    )?;

    let settings_path = dir.join(config::FILE_NAME);
    let text = fs::read_to_string(&settings_path).map_err(|err| {
        UserError::new(format!("cannot read `{}` ({err})", settings_path.display()))
    })?;
    let pointed =
        config::point_at_lock(&text, Path::new(config::FILE_NAME), lockfile::FILE, &source)?;
    let locked = Config::parse(&pointed, Path::new(config::FILE_NAME))?;
    // The lock includes nothing: every pin is in the one file.
    let settings = Settings::from_config(&locked, Vec::new());
    let (mut files, unknown) =
        scaffold::dockerfiles(&settings, &Catalogue::load()?, &locked.variants)?;
    let lock_text = lockfile::contents(&images.slim, &inputs, &resolved);
    let packages = lockfile::packages(&lock_text);
    files.push(PlannedFile {
        path: PathBuf::from(lockfile::FILE),
        contents: lock_text,
    });
    files.push(PlannedFile {
        path: PathBuf::from(config::FILE_NAME),
        contents: pointed,
    });
    let (backup, moved) = scaffold::write_into(&dir, &files)?;
    if !moved.is_empty() {
        let names: Vec<String> = moved.iter().map(|p| format!("`{}`", p.display())).collect();
        warn(&format!(
            "moved {} to `{}` before replacing them",
            names.join(", "),
            backup.display()
        ));
    }
    for name in unknown {
        warn(&format!(
            "the variant `{name}` is not one of dockwright's, so its Dockerfile was left as it was; make it install from `{}` by hand",
            lockfile::FILE
        ));
    }
    let plural = if packages == 1 { "" } else { "s" };
    Ok(format!(
        "Locked {packages} package{plural} from `{source}` into `{}`; every variant installs from it, checking its hashes",
        lockfile::FILE
    ))
}
