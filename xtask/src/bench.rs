//! `cargo xtask bench`: the profiles' recommended variants against the
//! docker-init-shaped reference, on both presets, measured side by side and
//! interleaved in one run, and dockwright's own overhead around a build.
//! The figures go to BENCHMARKS.md with the date, the machine and the engine.

use std::path::Path;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use dockwright::pipe_table::{self, Align};
use dockwright::{EngineInfo, Host};
use serde_json::Value;

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
        }
    }

    fn label(self) -> &'static str {
        match self {
            Field::Image => "image",
            Field::Cold => "cold build",
            Field::AppRebuild => "rebuild after an app edit",
            Field::DepsRebuild => "rebuild after adding a dependency",
        }
    }
}

/// A target of the performance issue: a ratio to the reference at most
/// `limit`, or, with `absolute`, the variant's own median in seconds.
struct Target {
    profile: &'static str,
    variant: &'static str,
    preset: &'static str,
    field: Field,
    limit: f64,
    absolute: bool,
}

const TARGETS: &[Target] = &[
    Target {
        profile: "size",
        variant: "minimal-final",
        preset: "minimal",
        field: Field::Image,
        limit: 0.30,
        absolute: false,
    },
    Target {
        profile: "size",
        variant: "minimal-final",
        preset: "article",
        field: Field::Image,
        limit: 0.55,
        absolute: false,
    },
    Target {
        profile: "speed",
        variant: "uv",
        preset: "article",
        field: Field::Cold,
        limit: 0.35,
        absolute: false,
    },
    Target {
        profile: "speed",
        variant: "uv",
        preset: "article",
        field: Field::DepsRebuild,
        limit: 0.30,
        absolute: false,
    },
    Target {
        profile: "speed",
        variant: "uv",
        preset: "article",
        field: Field::AppRebuild,
        limit: 0.25,
        absolute: true,
    },
    Target {
        profile: "balanced",
        variant: "uv-minimal",
        preset: "article",
        field: Field::Image,
        limit: 0.45,
        absolute: false,
    },
    Target {
        profile: "balanced",
        variant: "uv-minimal",
        preset: "article",
        field: Field::Cold,
        limit: 0.45,
        absolute: false,
    },
];

pub struct Options {
    pub rounds: usize,
    pub slow: bool,
}

/// One measured variant: (preset, variant) → its JSON, per round.
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

pub fn run(options: &Options) -> Result<()> {
    let env = setup::engine_with_fixtures()?;
    let dockwright = setup::release_dockwright()?;
    let work = workspace::target("bench");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).with_context(|| format!("creating {}", work.display()))?;

    let mut projects = Vec::new();
    for preset in PRESETS {
        let name = format!("bench-{preset}");
        let args = ["new", &name, "--yes", "--profile", "all", "--deps", preset];
        env.apply(process::quiet(&dockwright, &args))
            .dir(&work)
            .stdout_null()
            .run()?;
        projects.push((preset.to_string(), work.join(&name)));
    }
    let variants: Vec<&str> = std::iter::once(REFERENCE)
        .chain(RECOMMENDED.iter().map(|(_, v)| *v))
        .collect();
    let mut samples = Samples { rows: Vec::new() };
    let started = Instant::now();
    for round in 1..=options.rounds {
        for (preset, dir) in &projects {
            for variant in &variants {
                println!(
                    "bench: round {round}/{}, {preset} preset, {variant}",
                    options.rounds
                );
                let result = measure(&env, &dockwright, dir, variant)?;
                samples.add(preset, variant, result);
            }
        }
    }
    // The article's app: a build long enough to be a fair denominator.
    let (_, article) = projects
        .iter()
        .find(|(p, _)| p == "article")
        .context("no article project")?;
    let overhead = overhead(&env, &dockwright, article, options.rounds.max(3))?;
    let slow = if options.slow {
        let (_, dir) = projects
            .iter()
            .find(|(p, _)| p == "article")
            .context("no article project")?;
        Some(measure(&env, &dockwright, dir, "from-source")?)
    } else {
        None
    };
    let report = render(
        &samples,
        &overhead,
        slow.as_ref(),
        options,
        started.elapsed().as_secs_f64(),
    )?;
    let path = workspace::root().join("BENCHMARKS.md");
    std::fs::write(&path, &report).with_context(|| format!("writing {}", path.display()))?;
    println!("{report}");
    println!("bench: written to {}", path.display());
    Ok(())
}

/// `dockwright measure VARIANT --json` in `dir`: one cold build and one
/// rebuild of each kind.
fn measure(env: &engine::BuildEnv, dockwright: &Path, dir: &Path, variant: &str) -> Result<Value> {
    let out = env
        .apply(process::quiet(
            dockwright,
            &["measure", variant, "--json", "--no-pull"],
        ))
        .dir(dir)
        .stdout_capture()
        .unchecked()
        .run()?;
    let run: Value = serde_json::from_slice(&out.stdout).with_context(|| {
        format!(
            "`dockwright measure {variant}` in {} printed no JSON",
            dir.display()
        )
    })?;
    let result = run["variants"][0].clone();
    if result["status"] != "ok" {
        bail!(
            "{variant} in {} did not measure: {}",
            dir.display(),
            result["reason"]
        );
    }
    Ok(result)
}

/// Wall times of `dockwright build --no-cache` and of the bare engine
/// command it runs, alternated `rounds` times.
struct Overhead {
    dockwright: Vec<f64>,
    bare: Vec<f64>,
    engine: EngineInfo,
}

fn overhead(
    env: &engine::BuildEnv,
    dockwright: &Path,
    dir: &Path,
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
        engine: EngineInfo::of(&engine),
    };
    for round in 1..=rounds {
        println!("bench: overhead round {round}/{rounds}");
        let started = Instant::now();
        env.apply(process::quiet(
            dockwright,
            &["build", REFERENCE, "--no-cache"],
        ))
        .dir(dir)
        .stdout_null()
        .stderr_null()
        .run()
        .context("dockwright build failed")?;
        result.dockwright.push(started.elapsed().as_secs_f64());
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

fn render(
    samples: &Samples,
    overhead: &Overhead,
    slow: Option<&Value>,
    options: &Options,
    seconds: f64,
) -> Result<String> {
    let mut out = String::new();
    let date = process::first_line("date", &["-u", "+%Y-%m-%d %H:%M UTC"]).unwrap_or_default();
    let command = if options.slow {
        "cargo xtask bench --slow"
    } else {
        "cargo xtask bench"
    };
    out.push_str("# Benchmarks\n\n");
    out.push_str(&format!(
        "Measured {date} on {}, engine {}, server {}, \
         base images: this machine's local stand-ins. Reproduce with `{command}` ({:.0} s).\n\n",
        Host::this_machine().describe(true),
        overhead.engine.describe(),
        overhead.engine.server_version,
        seconds
    ));
    out.push_str(&format!(
        "Each variant was measured with `dockwright measure VARIANT --json --no-pull` ({} rounds, \
         interleaved: every round measures the reference and each recommended variant in turn, on \
         both presets). A ratio is taken within each round, against the `{REFERENCE}` reference of \
         that round; the table shows the median ratio and its range over the rounds.\n\n",
        options.rounds
    ));
    let mut targets = Vec::new();
    for target in TARGETS {
        let reference = samples.get(target.preset, REFERENCE, target.field)?;
        let variant = samples.get(target.preset, target.variant, target.field)?;
        let show = |values: &[f64]| match target.field {
            Field::Image => format!("{:.1} MB", median(values) / 1e6),
            _ => format!("{:.2} s", median(values)),
        };
        let (value, range, limit) = if target.absolute {
            let (lo, hi) = min_max(&variant);
            (
                median(&variant),
                format!("{:.2} s ({lo:.2}–{hi:.2})", median(&variant)),
                format!("≤ {:.2} s", target.limit),
            )
        } else {
            let ratios: Vec<f64> = variant.iter().zip(&reference).map(|(v, r)| v / r).collect();
            let (lo, hi) = min_max(&ratios);
            (
                median(&ratios),
                format!("{:.2}× ({lo:.2}–{hi:.2})", median(&ratios)),
                format!("≤ {:.2}×", target.limit),
            )
        };
        let met = if value <= target.limit {
            "yes"
        } else {
            "**no**"
        };
        targets.push([
            target.profile.to_string(),
            target.variant.to_string(),
            target.preset.to_string(),
            target.field.label().to_string(),
            show(&reference),
            show(&variant),
            range,
            limit,
            met.to_string(),
        ]);
    }
    out.push_str(&pipe_table::render(
        &[
            ("profile", Align::Left),
            ("variant", Align::Left),
            ("preset", Align::Left),
            ("measure", Align::Left),
            ("reference (median)", Align::Right),
            ("variant (median)", Align::Right),
            ("ratio: median (min–max)", Align::Left),
            ("target", Align::Left),
            ("met", Align::Left),
        ],
        targets,
    ));
    out.push_str("\n\n## All figures (medians)\n\n");
    let mut figures = Vec::new();
    for (preset, variant, _) in &samples.rows {
        let m = |field| samples.get(preset, variant, field).map(|v| median(&v));
        figures.push([
            preset.to_string(),
            variant.to_string(),
            format!("{:.1} MB", m(Field::Image)? / 1e6),
            format!("{:.2} s", m(Field::Cold)?),
            format!("{:.2} s", m(Field::AppRebuild)?),
            format!("{:.2} s", m(Field::DepsRebuild)?),
        ]);
    }
    out.push_str(&pipe_table::render(
        &[
            ("preset", Align::Left),
            ("variant", Align::Left),
            ("image", Align::Right),
            ("cold build", Align::Right),
            ("app-edit rebuild", Align::Right),
            ("deps-edit rebuild", Align::Right),
        ],
        figures,
    ));
    out.push('\n');
    let d = median(&overhead.dockwright);
    let b = median(&overhead.bare);
    out.push_str(&format!(
        "\n## dockwright's overhead\n\n`dockwright build {REFERENCE} --no-cache` against the bare `docker build` with the same \
         arguments, alternated {} times on the article preset: {d:.2} s against {b:.2} s (medians), so dockwright adds \
         {:.2} s, {:.1}% of the build (target: under 2%).\n",
        overhead.dockwright.len(),
        d - b,
        100.0 * (d - b) / b
    ));
    if let Some(slow) = slow {
        out.push_str(&format!(
            "\n## Building from source (`--slow`)\n\nThe `from-source` variant on the article preset (numpy and pandas compiled): \
             cold build {:.0} s, image {:.1} MB.\n",
            slow.pointer(Field::Cold.pointer())
                .and_then(Value::as_f64)
                .unwrap_or_default(),
            slow["image_bytes"].as_f64().unwrap_or_default() / 1e6
        ));
    }
    Ok(out)
}
