//! `cargo xtask bench`: the profiles' recommended variants against the
//! docker-init-shaped reference, on both presets, measured side by side and
//! interleaved in one run, and dockwright's own overhead around a build.
//! The figures go to BENCHMARKS.md with the date, the machine and the engine.

mod calls;
mod render;

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use dockwright::EngineInfo;
use serde_json::{json, Value};

use crate::{engine, process, setup, workspace};

const REFERENCE: &str = "docker-init";
/// (profile, its recommended variant).
const RECOMMENDED: &[(&str, &str)] = &[
    ("size", "minimal-final"),
    ("speed", "uv"),
    ("balanced", "uv-minimal"),
];
const PRESETS: &[&str] = &["minimal", "article"];

/// What a target compares: a figure of dockwright's measure JSON.
#[derive(Clone, Copy)]
enum Field {
    Image,
    Cold,
    AppRebuild,
    DepsRebuild,
    Start,
}

impl Field {
    /// Where the figure is in a variant's JSON: a time is the median of
    /// its timing.
    fn pointer(self) -> &'static str {
        match self {
            Field::Image => "/image_bytes",
            Field::Cold => "/cold_seconds/median",
            Field::AppRebuild => "/app_rebuild_seconds/median",
            Field::DepsRebuild => "/deps_rebuild_seconds/median",
            Field::Start => "/start_seconds/median",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Field::Image => "image",
            Field::Cold => "cold build",
            Field::AppRebuild => "rebuild after an app edit",
            Field::DepsRebuild => "rebuild after adding a dependency",
            Field::Start => "start (docker run to the first answer to GET /)",
        }
    }
}

/// A target of the performance issue: a ratio to the reference of at most
/// `limit`, taken within each round of `source`.
struct Target {
    profile: &'static str,
    variant: &'static str,
    preset: &'static str,
    field: Field,
    limit: f64,
    source: Source,
    /// What was tried to meet it, shown when it is not met.
    tried: &'static str,
}

/// Where a target's samples come from.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Source {
    /// The interleaved `measure` rounds.
    Measure,
    /// `dockwright rebuild REFERENCE VARIANT`, repeated `PACED_ROUNDS` times:
    /// app-edit rebuilds are tenths of a second, so their comparison takes
    /// more samples than a round of `measure` gives.
    Paced,
}

/// How many app-edit rebuilds of each variant the paced comparison takes.
const PACED_ROUNDS: usize = 5;

const TARGETS: &[Target] = &[
    Target {
        profile: "size",
        variant: "minimal-final",
        preset: "minimal",
        field: Field::Image,
        limit: 0.15,
        source: Source::Measure,
        tried: include_str!("tried/size-minimal.md"),
    },
    Target {
        profile: "size",
        variant: "minimal-final",
        preset: "article",
        field: Field::Image,
        limit: 0.33,
        source: Source::Measure,
        tried: include_str!("tried/size-article.md"),
    },
    Target {
        profile: "speed",
        variant: "uv",
        preset: "article",
        field: Field::Cold,
        limit: 0.20,
        source: Source::Measure,
        tried: include_str!("tried/speed-cold.md"),
    },
    Target {
        profile: "speed",
        variant: "uv",
        preset: "article",
        field: Field::DepsRebuild,
        limit: 0.12,
        source: Source::Measure,
        tried: include_str!("tried/speed-deps.md"),
    },
    Target {
        profile: "speed",
        variant: "uv",
        preset: "article",
        field: Field::AppRebuild,
        limit: 1.00,
        source: Source::Paced,
        tried: include_str!("tried/speed-app-edit.md"),
    },
    Target {
        profile: "balanced",
        variant: "uv-minimal",
        preset: "article",
        field: Field::Image,
        limit: 0.30,
        source: Source::Measure,
        tried: include_str!("tried/balanced-image.md"),
    },
    Target {
        profile: "balanced",
        variant: "uv-minimal",
        preset: "article",
        field: Field::Cold,
        limit: 0.30,
        source: Source::Measure,
        tried: include_str!("tried/balanced-cold.md"),
    },
    Target {
        profile: "size",
        variant: "minimal-final",
        preset: "article",
        field: Field::Start,
        limit: 1.2,
        source: Source::Measure,
        tried: include_str!("tried/start-minimal-final.md"),
    },
    Target {
        profile: "speed",
        variant: "uv",
        preset: "article",
        field: Field::Start,
        limit: 1.2,
        source: Source::Measure,
        tried: include_str!("tried/start-uv.md"),
    },
    Target {
        profile: "balanced",
        variant: "uv-minimal",
        preset: "article",
        field: Field::Start,
        limit: 1.2,
        source: Source::Measure,
        tried: include_str!("tried/start-uv-minimal.md"),
    },
];

/// The rounds `cargo xtask bench` measures unless told otherwise.
pub const DEFAULT_ROUNDS: usize = 3;

pub struct Options {
    pub rounds: usize,
    pub slow: bool,
}

/// Measured variants: (preset, variant) → its JSON, per round.
struct Samples {
    rows: Vec<(String, String, Vec<Value>)>,
}

impl Samples {
    fn add(&mut self, preset: &str, variant: &str, value: Value) {
        match self
            .rows
            .iter_mut()
            .find(|(p, v, _)| p == preset && v == variant)
        {
            Some((_, _, values)) => values.push(value),
            None => self.rows.push((preset.into(), variant.into(), vec![value])),
        }
    }

    fn get(&self, preset: &str, variant: &str, field: Field) -> Result<Vec<f64>> {
        let (_, _, values) = self
            .rows
            .iter()
            .find(|(p, v, _)| p == preset && v == variant)
            .with_context(|| format!("{variant} was not measured on the {preset} preset"))?;
        values
            .iter()
            .map(|v| {
                v.pointer(field.pointer())
                    .and_then(Value::as_f64)
                    .with_context(|| {
                        format!(
                            "{variant} ({preset}) has no {}: {}",
                            field.pointer(),
                            v["reason"]
                        )
                    })
            })
            .collect()
    }
}

/// One `dockwright` run's wall time beside the sum of the times it
/// reported.
struct Paced {
    what: String,
    wall: f64,
    reported: f64,
    /// Of `reported`, the builds' times.
    builds: f64,
    /// The variants it skipped, with why.
    skipped: Vec<(String, String)>,
}

impl Paced {
    fn of(what: String, wall: f64, run: &Value) -> Paced {
        let skipped = run["variants"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|v| v["status"] == "skipped")
            .map(|v| {
                let text = |key: &str| v[key].as_str().unwrap_or_default().to_string();
                (text("name"), text("reason"))
            })
            .collect();
        Paced {
            what,
            wall,
            reported: reported(run, TIMINGS),
            builds: reported(run, BUILDS),
            skipped,
        }
    }
}

/// Everything one bench run measured, for the report.
struct Measured {
    samples: Samples,
    paced: Samples,
    /// Per preset, the wall and the reported times of its `measure` runs,
    /// then the article profile measured whole on the minimal preset; each
    /// with where its wall time went, from the call-logging wrapper.
    walls: Vec<(Paced, calls::Breakdown)>,
    tour: Paced,
    overhead: Overhead,
    slow: Option<Value>,
}

pub fn run(options: &Options) -> Result<()> {
    let env = setup::engine_with_fixtures()?;
    let dockwright = setup::release_dockwright()?;
    let work = workspace::target("bench");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).with_context(|| format!("creating {}", work.display()))?;
    let started = Instant::now();

    let mut projects = Vec::new();
    for preset in PRESETS {
        let dir = new_project(
            &env,
            &dockwright,
            &work,
            &format!("bench-{preset}"),
            "all",
            preset,
        )?;
        projects.push((preset.to_string(), dir));
    }
    let ladder = new_project(
        &env,
        &dockwright,
        &work,
        "bench-ladder",
        "article",
        "minimal",
    )?;
    let variants: Vec<&str> = std::iter::once(REFERENCE)
        .chain(RECOMMENDED.iter().map(|(_, v)| *v))
        .collect();
    let mut samples = Samples { rows: Vec::new() };
    let mut walls: Vec<(Paced, calls::Wrapper)> = Vec::new();
    for preset in PRESETS {
        let paced = Paced {
            what: format!("`measure VARIANT`, the {preset} preset"),
            wall: 0.0,
            reported: 0.0,
            builds: 0.0,
            skipped: Vec::new(),
        };
        walls.push((
            paced,
            calls::Wrapper::write(&work.join(format!("calls-{preset}")))?,
        ));
    }
    for round in 1..=options.rounds {
        for ((preset, dir), (wall, wrapper)) in projects.iter().zip(&mut walls) {
            for variant in &variants {
                println!(
                    "bench: round {round}/{}, {preset} preset, {variant}",
                    options.rounds
                );
                let clock = Instant::now();
                let run = measure(&env, &dockwright, dir, &[variant], Some(wrapper))?;
                wall.wall += clock.elapsed().as_secs_f64();
                wall.reported += reported(&run, TIMINGS);
                wall.builds += reported(&run, BUILDS);
                samples.add(preset, variant, run["variants"][0].clone());
            }
        }
    }
    let mut walls = walls
        .into_iter()
        .map(|(paced, wrapper)| Ok((paced, calls::Breakdown::read(&wrapper.log)?)))
        .collect::<Result<Vec<_>>>()?;
    let article = &projects
        .iter()
        .find(|(p, _)| p == "article")
        .context("no article project")?
        .1;
    let paced = paced_app_edits(&env, &dockwright, article)?;
    let overhead = overhead(&env, &dockwright, article, &work, options.rounds.max(3))?;
    walls.push(profile_run(&env, &dockwright, &ladder, &work)?);
    let tour = tour(&env, &dockwright, &ladder)?;
    let slow = if options.slow {
        let run = measure(&env, &dockwright, article, &["from-source"], None)?;
        Some(run["variants"][0].clone())
    } else {
        None
    };
    let measured = Measured {
        samples,
        paced,
        walls,
        tour,
        overhead,
        slow,
    };
    let report = render::render(&measured, options, started.elapsed().as_secs_f64())?;
    let path = workspace::root().join("BENCHMARKS.md");
    std::fs::write(&path, &report).with_context(|| format!("writing {}", path.display()))?;
    println!("{report}");
    println!("bench: written to {}", path.display());
    Ok(())
}

/// `dockwright new NAME --profile PROFILE --deps PRESET` in `work`.
fn new_project(
    env: &engine::BuildEnv,
    dockwright: &Path,
    work: &Path,
    name: &str,
    profile: &str,
    preset: &str,
) -> Result<PathBuf> {
    let args = ["new", name, "--yes", "--profile", profile, "--deps", preset];
    env.apply(process::quiet(dockwright, &args))
        .dir(work)
        .stdout_null()
        .run()?;
    Ok(work.join(name))
}

/// `dockwright measure VARIANTS --json` in `dir` (all of the profile's
/// variants when none are named): one cold build and one rebuild of each
/// kind per variant, its engine calls logged through `wrapper` if given.
/// Every variant must measure.
fn measure(
    env: &engine::BuildEnv,
    dockwright: &Path,
    dir: &Path,
    variants: &[&str],
    wrapper: Option<&calls::Wrapper>,
) -> Result<Value> {
    let mut args = vec!["measure"];
    args.extend(variants);
    args.extend(["--json", "--no-pull"]);
    let mut command = process::quiet(dockwright, &args);
    if let Some(wrapper) = wrapper {
        command = wrapper.around(command, env.client());
    }
    let out = env
        .apply(command)
        .dir(dir)
        .stdout_capture()
        .unchecked()
        .run()?;
    let run: Value = serde_json::from_slice(&out.stdout).with_context(|| {
        format!(
            "`dockwright {}` in {} printed no JSON",
            args.join(" "),
            dir.display()
        )
    })?;
    // A variant whose base image this machine cannot have (Alpine's) is
    // skipped, and the report says so; any other outcome stops the bench.
    for result in run["variants"].as_array().into_iter().flatten() {
        if result["status"] != "ok" && result["status"] != "skipped" {
            bail!(
                "{} in {} did not measure: {}",
                result["name"],
                dir.display(),
                result["reason"]
            );
        }
    }
    Ok(run)
}

/// The times a run reports for a variant, in its JSON.
const TIMINGS: &[&str] = &[
    "cold_seconds",
    "app_rebuild_seconds",
    "deps_rebuild_seconds",
    "start_seconds",
];
/// Of those, the builds'.
const BUILDS: &[&str] = TIMINGS.split_at(3).0;

/// The sum of the `timings` a run reports: each timing's median times its
/// number of samples (exact for the single samples bench takes).
fn reported(run: &Value, timings: &[&str]) -> f64 {
    run["variants"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|variant| timings.iter().map(move |key| &variant[*key]))
        .filter_map(|timing| Some(timing["median"].as_f64()? * timing["samples"].as_f64()?))
        .sum()
}

/// `dockwright rebuild REFERENCE uv --json` in `dir`, `PACED_ROUNDS` times:
/// the app-edit rebuilds of the speed target, side by side.
fn paced_app_edits(env: &engine::BuildEnv, dockwright: &Path, dir: &Path) -> Result<Samples> {
    let mut paced = Samples { rows: Vec::new() };
    let variants: Vec<&str> = TARGETS
        .iter()
        .filter(|t| t.source == Source::Paced)
        .map(|t| t.variant)
        .collect();
    for round in 1..=PACED_ROUNDS {
        println!("bench: app-edit rebuilds {round}/{PACED_ROUNDS}");
        let mut args = vec!["rebuild", REFERENCE];
        args.extend(&variants);
        args.push("--json");
        let out = env
            .apply(process::quiet(dockwright, &args))
            .dir(dir)
            .stdout_capture()
            .run()
            .context("`dockwright rebuild` failed")?;
        let rebuilt: Vec<Value> = serde_json::from_slice(&out.stdout)
            .context("`dockwright rebuild --json` printed no JSON list")?;
        for result in rebuilt {
            let name = result["name"].as_str().unwrap_or_default().to_string();
            let seconds = result["seconds"].clone();
            paced.add(
                "article",
                &name,
                json!({ "app_rebuild_seconds": { "median": seconds } }),
            );
        }
    }
    Ok(paced)
}

/// The article profile measured whole on the minimal preset (the issue's own
/// example), through the call-logging wrapper: its wall time, the times it
/// reports, and where the rest went.
fn profile_run(
    env: &engine::BuildEnv,
    dockwright: &Path,
    dir: &Path,
    work: &Path,
) -> Result<(Paced, calls::Breakdown)> {
    println!("bench: the article profile, measured whole, engine calls logged");
    let wrapper = calls::Wrapper::write(&work.join("calls-profile"))?;
    let clock = Instant::now();
    let run = measure(env, dockwright, dir, &[], Some(&wrapper))?;
    let wall = clock.elapsed().as_secs_f64();
    let paced = Paced::of(
        "`measure`, the article profile whole, the minimal preset".to_string(),
        wall,
        &run,
    );
    Ok((paced, calls::Breakdown::read(&wrapper.log)?))
}

/// `dockwright tour --yes` over the article ladder on the minimal preset: what
/// a workshop's room waits through.
fn tour(env: &engine::BuildEnv, dockwright: &Path, dir: &Path) -> Result<Paced> {
    println!("bench: the tour of the article ladder");
    let clock = Instant::now();
    env.apply(process::quiet(dockwright, &["tour", "--yes", "--no-pull"]))
        .dir(dir)
        .stdout_null()
        .stderr_null()
        .run()
        .context("`dockwright tour --yes` failed")?;
    let wall = clock.elapsed().as_secs_f64();
    let runs = dir.join(".dockwright").join("runs");
    let newest = std::fs::read_dir(&runs)
        .with_context(|| format!("reading {}", runs.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .max()
        .context("the tour saved no run")?;
    let run: Value = serde_json::from_slice(&std::fs::read(&newest)?)
        .with_context(|| format!("reading {}", newest.display()))?;
    Ok(Paced::of(
        "`tour --yes`, the article ladder, the minimal preset".to_string(),
        wall,
        &run,
    ))
}
/// Wall times of `dockwright build --no-cache` and of the bare engine
/// command it runs, alternated `rounds` times; and, of each dockwright
/// run, its time outside its build call, from the call-logging wrapper.
struct Overhead {
    dockwright: Vec<f64>,
    bare: Vec<f64>,
    /// Per dockwright run: its wall time less its build call's.
    own: Vec<f64>,
    engine: EngineInfo,
}

fn overhead(
    env: &engine::BuildEnv,
    dockwright: &Path,
    dir: &Path,
    work: &Path,
    rounds: usize,
) -> Result<Overhead> {
    let engine = dockwright::buildkit_docker()?;
    let client = &engine.program;
    let name = dir
        .file_name()
        .and_then(|n| n.to_str())
        .context("a project name")?;
    let tag = format!("{name}:{REFERENCE}");
    let dockerfile = dir
        .join("dockerfiles")
        .join(format!("{REFERENCE}.Dockerfile"));
    let slim = fixtures_slim_image(dir)?;
    let project_label = format!("dockwright.project={name}");
    let variant_label = format!("dockwright.variant={REFERENCE}");
    let build_arg = format!("PYTHON_SLIM_IMAGE={slim}");
    let dockerfile = dockerfile.to_string_lossy().to_string();
    let context = dir.to_string_lossy().to_string();
    let bare_args = [
        "build",
        "--progress=plain",
        "-f",
        &dockerfile,
        "-t",
        &tag,
        "--label",
        &project_label,
        "--label",
        &variant_label,
        "--build-arg",
        &build_arg,
        "--no-cache",
        &context,
    ];
    let mut result = Overhead {
        dockwright: Vec::new(),
        bare: Vec::new(),
        own: Vec::new(),
        engine: EngineInfo::of(&engine),
    };
    for round in 1..=rounds {
        println!("bench: overhead round {round}/{rounds}");
        let wrapper = calls::Wrapper::write(&work.join("calls-overhead"))?;
        let started = Instant::now();
        env.apply(wrapper.around(
            process::quiet(dockwright, &["build", REFERENCE, "--no-cache"]),
            env.client(),
        ))
        .dir(dir)
        .stdout_null()
        .stderr_null()
        .run()
        .context("dockwright build failed")?;
        let wall = started.elapsed().as_secs_f64();
        result.dockwright.push(wall);
        let (_, build) = calls::Breakdown::read(&wrapper.log)?.of(calls::Purpose::Build);
        result.own.push(wall - build);
        let started = Instant::now();
        env.apply(process::quiet(client, &bare_args))
            .stdout_null()
            .stderr_null()
            .run()
            .context("the bare docker build failed")?;
        result.bare.push(started.elapsed().as_secs_f64());
    }
    Ok(result)
}

/// The slim image the project's dockwright.toml names.
fn fixtures_slim_image(dir: &Path) -> Result<String> {
    let text = std::fs::read_to_string(dir.join("dockwright.toml"))?;
    let config: toml::Table = toml::from_str(&text)?;
    config["images"]["slim"]
        .as_str()
        .map(str::to_string)
        .context("no [images] slim")
}

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mid = sorted.len() / 2;
    if sorted.len().is_multiple_of(2) {
        (sorted[mid - 1] + sorted[mid]) / 2.0
    } else {
        sorted[mid]
    }
}

fn min_max(values: &[f64]) -> (f64, f64) {
    values
        .iter()
        .fold((f64::MAX, f64::MIN), |(lo, hi), v| (lo.min(*v), hi.max(*v)))
}
