//! Where things live. xtask's own state (daemon log, fixture cache, tool venv) stays under the
//! workspace's `target/`, so `cargo clean` is the one way to forget all of it.

use std::path::{Path, PathBuf};

pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one directory below the workspace root")
}

/// `<name>` in cargo's target directory.
pub fn target(name: &str) -> PathBuf {
    let dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target"));
    root().join(dir).join(name)
}

/// `cargo` as the user invoked it, so a pinned toolchain stays pinned in the sub-commands.
pub fn cargo() -> std::ffi::OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}
