//! `dockwright baseline`: pin a saved run under a name, for `compare
//! --baseline NAME` to measure later runs against.

use std::fs;

use clap::{Args, Subcommand};

use crate::args::ProjectArgs;
use crate::atomic;
use crate::error::{exit, UserError, WriteFailed};
use crate::results::{self, baselines, baselines_dir, find, id, latest, saved_runs, Run};
use crate::ui;

#[derive(Args, Debug)]
pub struct BaselineArgs {
    #[command(subcommand)]
    command: BaselineCommand,
}

#[derive(Subcommand, Debug)]
enum BaselineCommand {
    /// Keep a saved run (the newest, or --run) as the baseline NAME, replacing one of that name
    Save {
        /// The baseline's name: letters, digits, `.`, `_` and `-`, such as `main` or `v1.2`
        name: String,
        /// The run to keep, as a results file or a run id [default: the newest]
        #[arg(long, value_name = "RUN")]
        run: Option<String>,
        #[command(flatten)]
        project: ProjectArgs,
    },
    /// List the saved baselines, each with the run it holds
    List {
        #[command(flatten)]
        project: ProjectArgs,
    },
}

pub fn baseline(args: BaselineArgs) -> anyhow::Result<i32> {
    match args.command {
        BaselineCommand::Save { name, run, project } => {
            save(&project.runs_dir(), &name, run.as_deref())
        }
        BaselineCommand::List { project } => list(&project.runs_dir()),
    }
}

fn save(project: &std::path::Path, name: &str, run: Option<&str>) -> anyhow::Result<i32> {
    let plain = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
    if name.is_empty() || name.starts_with('.') || name.len() > 64 || !name.chars().all(plain) {
        return Err(UserError::new(format!(
            "`{}` cannot name a baseline; use letters, digits, `.`, `_` and `-`, not starting with `.`, such as `main` or `v1.2`",
            name.escape_debug()
        ))
        .into());
    }
    let source = match run {
        Some(run) => find(project, &saved_runs(project), run)?,
        None => latest(project)?.0,
    };
    // Read first: a file that is not a run must not become a baseline.
    Run::load(&source)?;
    let text = fs::read(&source)
        .map_err(|err| UserError::new(format!("cannot read `{}` ({err})", source.display())))?;
    let dir = baselines_dir(project);
    fs::create_dir_all(&dir).map_err(|err| WriteFailed::new("create the directory", &dir, err))?;
    let target = dir.join(format!("{name}.json"));
    let replaced = target.exists();
    atomic::write(&target, &text)
        .map_err(|err| WriteFailed::new("save the baseline to", &target, err))?;
    let verb = if replaced { "Replaced" } else { "Saved" };
    ui::print(&format!(
        "{verb} the baseline `{name}`: run {}; compare later runs with it by `dockwright compare --baseline {name}`",
        id(&source)
    ))?;
    Ok(exit::OK)
}

fn list(project: &std::path::Path) -> anyhow::Result<i32> {
    let saved = baselines(project);
    if saved.is_empty() {
        ui::note(&format!(
            "No baselines in `{}`; save one with `dockwright baseline save NAME`",
            results::baselines_dir(project).display()
        ));
    }
    for (name, path) in saved {
        let what = match Run::load(&path) {
            Ok(run) => format!(
                "{} run of {}, profile {}",
                run.date, run.project, run.profile
            ),
            Err(err) => format!("unreadable: {err}"),
        };
        ui::print(&format!("{name}  {what}"))?;
    }
    Ok(exit::OK)
}
