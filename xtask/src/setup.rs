//! What demo and bench both start from: an engine with the base-image
//! stand-ins, and dockwright built in release mode.

use std::path::PathBuf;

use anyhow::{Context, Result};

use crate::{engine, fixtures, process, workspace};

/// An engine that answers, the fixtures in it, and the environment that
/// builds with BuildKit.
pub fn engine_with_fixtures() -> Result<engine::BuildEnv> {
    let engine = engine::ensure()?;
    fixtures::ensure_all(&engine)?;
    engine::BuildEnv::new()
}

/// Builds the dockwright binary in release mode; returns its path.
pub fn release_dockwright() -> Result<PathBuf> {
    process::shown(
        workspace::cargo(),
        &["build", "--release", "-p", "dockwright"],
    )
    .dir(workspace::root())
    .run()
    .context("building dockwright failed")?;
    Ok(workspace::target("release").join("dockwright"))
}
