//! `dockwright check`: the budgets of dockwright.toml's `[budgets]` judged
//! on a fresh measurement (or a saved run), for CI: one row per budget, exit
//! code 3 when one is broken, and JUnit XML, GitHub annotations and a step
//! summary for the CI around it.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};

use crate::args::{EngineArgs, PlatformArgs, ProjectArgs};
use crate::budgets::{self, render, Budgets, Judged};
use crate::commands::measure::{measure_selected, MeasureFlags};
use crate::config::Config;
use crate::error::{exit, warn, UserError};
use crate::project::{Project, Selection};
use crate::results::{self, Run};
use crate::ui;

#[derive(Args, Debug)]
#[command(after_help = "\
Budgets live in dockwright.toml: `[budgets]` for the profile's recommended variant, \
`[budgets.variants.NAME]` for one variant. Keys: max_image, max_compressed_image, max_cold_build, \
max_app_rebuild, max_deps_rebuild, each also as max_..._vs_baseline (a ratio against the ladder's \
first variant in the same run). A budget on a variant that failed, was skipped or was not \
measured counts as broken.

With GITHUB_ACTIONS=true, each broken budget is also printed as an `::error` workflow command \
(on stderr); with GITHUB_STEP_SUMMARY set, the Markdown table and the verdict are appended to \
that file.

Exit codes: 0 all budgets hold, 3 a budget is broken, 1 a build failed, 2 usage or environment \
error.")]
pub struct CheckArgs {
    #[command(flatten)]
    project: ProjectArgs,
    /// Judge a saved run instead of measuring: `latest`, or a file in .dockwright/runs/
    #[arg(long, value_name = "RUN")]
    run: Option<String>,
    #[command(flatten)]
    engine: EngineArgs,
    #[command(flatten)]
    platform: PlatformArgs,
    #[command(flatten)]
    measuring: MeasureFlags,
    /// How to print the verdicts
    #[arg(long, value_enum, default_value_t = CheckFormat::Table)]
    format: CheckFormat,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum CheckFormat {
    Table,
    Markdown,
    Json,
    /// JUnit XML, one testcase per variant and budget
    Junit,
}

pub fn check(args: CheckArgs) -> anyhow::Result<i32> {
    let dir = args.project.dir()?;
    let config = Config::load(&dir)?;
    let budgets = config.budgets().map_err(UserError::new)?;
    if budgets.is_empty() {
        return Err(UserError::new("dockwright.toml sets no budgets, so there is nothing to check")
            .help("add a [budgets] table, such as `max_image = \"150 MB\"` and `max_app_rebuild = \"1 s\"`; `dockwright check --help` lists the keys")
            .into());
    }
    let known: Vec<&str> = config.variants.iter().map(|v| v.name.as_str()).collect();
    if let Some((name, _)) = budgets
        .variants
        .iter()
        .find(|(name, _)| !known.contains(&name.as_str()))
    {
        return Err(UserError::new(format!(
            "dockwright.toml has budgets for `[budgets.variants.{name}]`, which is not a variant of this project; use one of {}",
            known.join(", ")
        ))
        .into());
    }
    let (run, path, measured_code) = match args.run.as_deref() {
        Some("latest") => {
            let (path, run) = results::latest(&dir)?;
            (run, path, exit::OK)
        }
        Some(file) => (Run::load(Path::new(file))?, PathBuf::from(file), exit::OK),
        None => measure(&args, &dir, &budgets)?,
    };
    if args.run.is_some() {
        ui::note(&format!(
            "Judging the saved run {} (measured {}), not a new measurement",
            results::id(&path),
            run.date
        ));
    }
    if let Some(what) = run.emulation().filter(|_| budgets.limits_times()) {
        warn(&format!(
            "the time budgets are judged on timings measured under emulation ({what}), far slower than a native build's; measure on a host of that architecture for times that mean what the budgets mean"
        ));
    }
    let judged = budgets::judge(&budgets, &run);
    let shown = path.display().to_string();
    ui::print(&match args.format {
        CheckFormat::Table => render::table(&judged, console::colors_enabled()),
        CheckFormat::Markdown => render::markdown(&judged),
        CheckFormat::Json => render::json(&judged, &shown)?,
        CheckFormat::Junit => render::junit(&judged)?,
    })?;
    tell_ci(&judged);
    Ok(if judged.iter().any(|j| !j.passed) {
        exit::BUDGET_BROKEN
    } else {
        measured_code
    })
}

/// Measures what the budgets need: the recommended variant, the variants
/// that have budgets of their own, and the baseline for ratios.
fn measure(args: &CheckArgs, dir: &Path, budgets: &Budgets) -> anyhow::Result<(Run, PathBuf, i32)> {
    let all = Project::open(dir, Selection::Nothing, args.engine.base_set())?;
    let names: Vec<String> = all
        .ladder
        .rungs
        .iter()
        .filter(|rung| {
            (rung.place.recommended() && !budgets.recommended.is_empty())
                || (rung.place.baseline() && budgets.need_baseline())
                || budgets.variants.iter().any(|(name, _)| name == &rung.name)
        })
        .map(|rung| rung.name.clone())
        .collect();
    let project = Project::open(dir, Selection::Build(&names), args.engine.base_set())?
        .with_ca(args.engine.ca_file())?
        .with_platform(args.platform.platform());
    let engine = args.engine.start(&project)?;
    let measured = measure_selected(&project, &engine, &args.measuring)?;
    ui::note(&format!("Saved in {}", measured.results.display()));
    Ok((measured.run, measured.results, measured.exit_code))
}

/// GitHub Actions: an `::error` line per broken budget, and the Markdown
/// table appended to the step summary. Neither can fail the check.
fn tell_ci(judged: &[Judged]) {
    if std::env::var("GITHUB_ACTIONS").as_deref() == Ok("true") {
        for line in render::github_errors(judged) {
            ui::alert(&line);
        }
    }
    let Some(summary) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) else {
        return;
    };
    let appended = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(&summary)
        .and_then(|mut file| {
            writeln!(
                file,
                "### dockwright budgets\n\n{}\n",
                render::markdown(judged)
            )
        });
    if let Err(err) = appended {
        warn(&format!(
            "cannot append the budgets to the step summary `{}` ({err})",
            Path::new(&summary).display()
        ));
    }
}
