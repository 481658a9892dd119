//! `cargo xtask demo`: what a user sees, end to end, on a fresh sample project.

use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result};

use crate::{process, setup};

pub fn run() -> Result<()> {
    let env = setup::engine_with_fixtures()?;
    let dockwright = setup::release_dockwright()?;

    let project = demo_dir()?.join("hello");
    let new = [
        "new".as_ref(),
        project.as_os_str(),
        "--yes".as_ref(),
        "--deps".as_ref(),
        "article".as_ref(),
        "--profile".as_ref(),
        "all".as_ref(),
    ];
    env.apply(process::shown(&dockwright, &new))
        .run()
        .context("`dockwright new` failed")?;
    println!("demo: the project is {}", project.display());

    // Every variant but from-source, which compiles numpy and pandas for
    // tens of minutes; `cargo xtask bench --slow` measures that one.
    let config: toml::Table =
        toml::from_str(&std::fs::read_to_string(project.join("dockwright.toml"))?)?;
    let mut measure = vec!["measure".to_string()];
    let variants = config["variant"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    measure.extend(
        variants
            .iter()
            .filter_map(|v| v["name"].as_str())
            .filter(|name| *name != "from-source")
            .map(str::to_string),
    );
    println!("with {}", env.describe());
    env.apply(process::shown(&dockwright, &measure))
        .dir(&project)
        .run()
        .with_context(|| format!("`dockwright measure` failed in {}", project.display()))?;
    println!("demo: from-source was left out: it compiles numpy and pandas for tens of minutes (`dockwright measure from-source` there, or `cargo xtask bench --slow`)");
    println!("demo: done; the project is {}", project.display());
    Ok(())
}

/// A new directory per run, so a demo never meets the leftovers of the previous one.
fn demo_dir() -> Result<PathBuf> {
    let stamp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs())
        .unwrap_or_default();
    let dir = std::env::temp_dir().join(format!("dockwright-demo-{stamp}"));
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    Ok(dir)
}
