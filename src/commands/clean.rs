//! `dockwright clean`: remove what dockwright made for this project, and
//! nothing else.

use std::time::Duration;

use clap::Args;

use crate::args::{EngineArgs, OutputArgs, ProjectArgs};
use crate::clean::{self, Item, Kind};
use crate::config::Config;
use crate::engine::System;
use crate::error::{exit, warn};
use crate::figures;
use crate::ui;

#[derive(Args, Debug)]
#[command(after_help = "\
Removes the images labelled `dockwright.project=<this project>` (every variant's, tagged or \
left untagged by a later build), and saved runs and their logs older than --older-than; the \
newest run and every baseline are kept. Images of other projects, and any image without the \
label, are never touched. The project's build-cache mounts go too: dockwright's Dockerfiles give \
them ids of their own (`dockwright-<project>-pip`, `-uv`), by which they are found (buildx \
lists them; a client without buildx cannot, and then none is removed); other projects' cache \
mounts stay.")]
pub struct CleanArgs {
    #[command(flatten)]
    project: ProjectArgs,
    /// List what would go, and the space it frees, without removing anything
    #[arg(long)]
    dry_run: bool,
    /// Remove saved runs and logs older than this, such as 30d, 12h or 2weeks
    #[arg(long, value_name = "AGE", default_value = "30d", value_parser = humantime::parse_duration)]
    older_than: Duration,
    #[command(flatten)]
    engine: EngineArgs,
    #[command(flatten)]
    output: OutputArgs,
}

pub fn clean(args: CleanArgs) -> anyhow::Result<i32> {
    let project = args.project.dir()?;
    let config = Config::load(&project)?;
    let dir = project.canonicalize()?;
    let engine = args.engine.detect(&System, false, &config.engine)?;
    let items = clean::plan(
        &engine,
        &System,
        &dir,
        &config.project.name,
        args.older_than,
    )?;
    let mut failed = Vec::new();
    if !args.dry_run {
        for item in &items {
            if let Err(why) = clean::remove(&engine, &System, &dir, item) {
                failed.push(format!("{}: {why}", item.what));
            }
        }
    }
    if args.output.json() {
        ui::print(&serde_json::to_string_pretty(&items)?)?;
    } else {
        for item in &items {
            ui::print(&line(item))?;
        }
        let bytes: u64 = items.iter().map(|item| item.bytes).sum();
        let verb = if args.dry_run { "Would free" } else { "Freed" };
        ui::print(&match items.len() {
            0 => format!(
                "Nothing to clean in `{}`: no images of it, no runs or logs older than {}.",
                config.project.name,
                humantime::format_duration(args.older_than)
            ),
            n => format!(
                "{verb} up to {} ({n} item(s)); images that share layers free less.",
                figures::size(bytes)
            ),
        })?;
    }
    for failure in &failed {
        warn(&format!("could not remove {failure}"));
    }
    Ok(if failed.is_empty() {
        exit::OK
    } else {
        exit::CHECK_FAILED
    })
}

fn line(item: &Item) -> String {
    let kind = match item.kind {
        Kind::Image => "image",
        Kind::Run => "run",
        Kind::Logs => "logs",
        Kind::Cache => "cache",
    };
    let what = match item.kind {
        Kind::Image if !item.names.is_empty() => {
            format!("{} ({})", item.names.join(", "), short(&item.what))
        }
        Kind::Image => format!("untagged ({})", short(&item.what)),
        Kind::Cache => format!("{} ({})", item.names.join(", "), item.what),
        _ => item.what.clone(),
    };
    format!("{kind:5}  {what}  {}", figures::size(item.bytes))
}

fn short(id: &str) -> &str {
    crate::engine::reference::short(id)
}
