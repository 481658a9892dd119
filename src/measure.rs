//! The experiment: for each variant a cold build, its image's size, its
//! start (until the app answers `GET /`), then warm rebuilds after an app
//! edit and after a dependency edit, each edit undone right after its build.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::build_runner::{log_tail, BuildRunner, Log, Timed};
use crate::edit::{self, Edit};
use crate::engine::{BuildKit, Engine, LayerSizes, Runner, Start};
use crate::error::WriteFailed;
use crate::interrupt;
use crate::ladder::Rung;
use crate::lock::Lock;
use crate::lockfile;
use crate::platform::Platform;
use crate::project::Project;
use crate::results::state_subdir;
use crate::results::{runs_dir, EngineInfo, Host, Run, Status, Timing, VariantResult};
use crate::stats;
use crate::ui;

/// The two edits a rebuild is measured after.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EditKind {
    /// The version string in the app source.
    App,
    /// One more pinned requirement.
    Deps,
}

impl EditKind {
    pub fn label(self) -> &'static str {
        match self {
            EditKind::App => "app-edit rebuild",
            EditKind::Deps => "deps-edit rebuild",
        }
    }
}

pub struct Options {
    /// How many times each warm rebuild, and each start, is repeated.
    pub repeats: usize,
    /// Refresh registry base images in the cold build.
    pub pull: bool,
    /// The edits to rebuild after, in order.
    pub edits: &'static [EditKind],
}

/// The run a measure (or a tour) fills in, variant after variant.
pub fn new_run(project: &Project, engine: &Engine, repeats: usize) -> Run {
    let config = &project.config;
    Run {
        project: config.project.name.clone(),
        profile: config.project.profile.clone(),
        dockwright_version: env!("CARGO_PKG_VERSION").to_string(),
        date: humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string(),
        host: Host::this_machine(),
        engine: EngineInfo::of(engine),
        repeats,
        base_set: project.base_set.clone(),
        platform: project.platform.as_ref().map(ToString::to_string),
        emulated: project.platform.as_ref().is_some_and(Platform::emulated),
        extra_dependency: None,
        lock_sha256: lockfile::digest(&project.dir, config),
        start_not_measured: None,
        commands: Vec::new(),
        variants: Vec::new(),
    }
}

/// Makes `kind`'s edit, rebuilds `rung` with the cache, and undoes the edit.
pub fn rebuild(
    build_runner: &mut BuildRunner,
    project: &Project,
    rung: &Rung,
    kind: EditKind,
    log: &mut Log,
) -> anyhow::Result<Timed> {
    let (config, dir) = (&project.config, &project.dir);
    let nonce = nonce();
    let _edit = match kind {
        EditKind::App => Edit::apply(dir, Path::new(&config.project.app_file), |text| {
            edit::bump_app(text, &nonce)
        })?,
        EditKind::Deps => {
            let file = Path::new(&config.project.requirements);
            let line =
                edit::extra_dependency(dir, file, config.measure.extra_dependency.as_deref())?;
            Edit::apply(dir, file, |text| edit::add_dependency(text, &line, &nonce))?
        }
    };
    build_runner.build(
        &project.build_spec(rung, false, false),
        log,
        &format!("{} {}", rung.name, kind.label()),
    )
}

/// Something no earlier edit wrote: the process and the time in nanoseconds.
fn nonce() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!("{}-{nanos}", std::process::id())
}

/// Prints the timing warnings last, where they are read, and gives the exit
/// code a finished run ends with: a failed variant fails the command.
fn finish(run: &Run, warnings: &[String]) -> i32 {
    for warning in warnings {
        crate::error::warn(warning);
    }
    if run.variants.iter().any(|v| v.status == Status::Failed) {
        crate::error::exit::VARIANT_FAILED
    } else {
        crate::error::exit::OK
    }
}

/// Measures one variant. A missing base image gives a skipped result, and a
/// failed build or a container that does not serve a failed one; the engine
/// vanishing or Ctrl-C are errors. The start is timed before the rebuilds,
/// whose edits retag the image.
/// `warnings` collects what the timings' spread says about their trust.
pub fn variant(
    build_runner: &mut BuildRunner,
    project: &Project,
    rung: &Rung,
    options: &Options,
    starts: &Starts,
    log_path: &Path,
    warnings: &mut Vec<String>,
) -> anyhow::Result<VariantResult> {
    let recommended = rung.place.recommended();
    let text = rung.text()?.to_string();
    if let Some(why) = build_runner.missing_base(rung)? {
        let mut result = VariantResult::skipped(&rung.name, recommended, &why);
        result.dockerfile = Some(text);
        return Ok(result);
    }
    let mut result = VariantResult::new(&rung.name, recommended);
    result.dockerfile = Some(text);
    let mut log = Log::create(log_path)?;
    result.log = Some(log_path.to_path_buf());
    // Cache mounts outlive --no-cache: without this the "cold" build would
    // reuse the last run's downloads.
    let ids = &rung.facts.cache_ids;
    let podman_dirs = if build_runner.engine.buildkit == BuildKit::Podman {
        build_runner.empty_podman_cache_mounts(ids, &mut log)?
    } else {
        build_runner.empty_cache_mounts(ids, &mut log)?;
        Vec::new()
    };
    let pull = options.pull && build_runner.pullable(rung)?;
    let cold = build_runner.build(
        &project.build_spec(rung, true, pull),
        &mut log,
        &format!("{} cold build", rung.name),
    )?;
    if !cold.ok {
        return Ok(failed(result, "cold build", log_path, cold.problem));
    }
    if let Some(dir) = podman_dirs.iter().find(|dir| !dir.is_dir()) {
        let why = format!(
            "the cold build did not make podman's cache mount `{}` again, so it may have used a full one elsewhere: not measured; a remote podman (podman machine) keeps its cache mounts in its machine, where dockwright cannot empty them: run dockwright where podman runs",
            dir.display()
        );
        return Ok(failed(result, "cold build", log_path, Some(why)));
    }
    result.cold_seconds = Some(Timing::single(cold.seconds));
    result.bases = build_runner.used(&rung.facts.bases)?;
    let mut loads: Vec<f64> = cold.load_seconds.into_iter().collect();
    result.load_seconds = stats::timing(&loads);
    let engine = build_runner.engine;
    let image_bytes = engine.image_size(build_runner.runner, &rung.tag)?;
    result.image_bytes = Some(image_bytes);
    result.layers = Some(engine.layers(build_runner.runner, &rung.tag)? as usize);
    result.compressed_bytes = Some(engine.compressed_size(
        build_runner.runner,
        &rung.tag,
        image_bytes,
        &mut build_runner.layer_sizes,
    )?);
    // Only a cache: a run that cannot write it sizes those layers again.
    if let Some(file) = LayerSizes::default_file() {
        let _ = build_runner.layer_sizes.save(&file);
    }
    if let Some(bound) = starts.bound {
        let mut samples = Vec::new();
        for round in 0..options.repeats {
            let label = format!("{} start", rung.name);
            let name = container_name(project, rung, round);
            let port = project.config.project.port;
            match build_runner.time_start(&rung.tag, &name, port, bound, &mut log, &label)? {
                Start::Answered { seconds, .. } => samples.push(seconds),
                Start::Failed(why) => return Ok(failed(result, "start", log_path, Some(why))),
            }
        }
        warnings.extend(stats::warnings(
            &format!("starts of {}", rung.name),
            &samples,
        ));
        result.start_seconds = stats::timing(&samples);
    }
    if build_runner.engine.buildkit == BuildKit::Podman {
        // buildah takes the oldest layers that match a step, which may be
        // another chain than the one the --no-cache cold build made (an
        // earlier version of the Dockerfile's): a build that is not timed,
        // after the cold build's image is sized, joins its layers to that
        // chain, so that the timed rebuilds rebuild only what their edit
        // changed.
        let joined = build_runner.build(
            &project.build_spec(rung, false, false),
            &mut log,
            &format!("{} warm-up build (not timed)", rung.name),
        )?;
        if !joined.ok {
            return Ok(failed(result, "warm-up build", log_path, joined.problem));
        }
    }
    for &kind in options.edits {
        if kind == EditKind::Deps && rung.facts.binds_context && engine.ignores_bind_mount_content()
        {
            let why = format!(
                "podman {} leaves bind-mounted files out of its cache key (containers/buildah#5400), so a dependency edit would keep the old install: not measured; copy the requirements file before the install, as dockwright's own steps do, or use podman 5.3 or later",
                engine.server_version
            );
            return Ok(failed(result, kind.label(), log_path, Some(why)));
        }
        let mut samples = Vec::new();
        for _ in 0..options.repeats {
            let timed = rebuild(build_runner, project, rung, kind, &mut log)?;
            if !timed.ok {
                return Ok(failed(result, kind.label(), log_path, timed.problem));
            }
            samples.push(timed.seconds);
            loads.extend(timed.load_seconds);
            result.load_seconds = stats::timing(&loads);
        }
        warnings.extend(stats::warnings(
            &format!("{}s of {}", kind.label(), rung.name),
            &samples,
        ));
        let timing = stats::timing(&samples);
        match kind {
            EditKind::App => result.app_rebuild_seconds = timing,
            EditKind::Deps => result.deps_rebuild_seconds = timing,
        }
    }
    Ok(result)
}

/// How the images of a run are started and timed.
pub struct Starts {
    /// How long a container may take to answer; `None` when starts are not
    /// timed, the engine being on another machine.
    pub bound: Option<Duration>,
    /// Why starts are not timed, for the run's results.
    pub not_measured: Option<String>,
}

impl Starts {
    /// `[measure] start_timeout` (ten times longer under emulation), unless
    /// the engine runs on another machine, whose ports this one cannot reach.
    pub fn of(project: &Project, engine: &Engine, runner: &dyn Runner) -> anyhow::Result<Starts> {
        if let Some(why) = engine.elsewhere(runner)? {
            ui::alert(&why);
            return Ok(Starts {
                bound: None,
                not_measured: Some(why),
            });
        }
        let bound = project
            .config
            .measure
            .start_timeout()
            .map_err(|problem| anyhow::anyhow!("dockwright.toml [measure]: {problem}"))?;
        let emulated = project.platform.as_ref().is_some_and(Platform::emulated);
        Ok(Starts {
            bound: Some(if emulated {
                bound * EMULATION_FACTOR
            } else {
                bound
            }),
            not_measured: None,
        })
    }
}

/// How much longer a start may take under emulation, which runs the
/// interpreter an instruction at a time.
const EMULATION_FACTOR: u32 = 10;

/// A container name of this process's own for `rung`'s `round`th start, so
/// that two runs on one engine never take each other's.
fn container_name(project: &Project, rung: &Rung, round: usize) -> String {
    let name = format!(
        "dockwright-{}-{}-start-{}-{round}",
        project.config.project.name,
        rung.name,
        std::process::id()
    );
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-') {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// `result` failed at its `what` build: for the reason `problem` gives when
/// the build itself succeeded, else with the end of its log.
fn failed(
    mut result: VariantResult,
    what: &str,
    log_path: &Path,
    problem: Option<String>,
) -> VariantResult {
    result.status = Status::Failed;
    result.reason = Some(match problem {
        Some(problem) => {
            ui::alert(&format!("{}: {problem}", result.name));
            problem
        }
        None => {
            let tail = log_tail(log_path, 10);
            ui::alert(&tail);
            format!(
                "the {what} failed; the end of {}:\n{tail}",
                log_path.display()
            )
        }
    });
    result
}

/// One measure (or tour) run from start to finish: its files and the
/// project's measure lock, the build_runner, the run being written and saved after
/// every variant, and the timing warnings that are printed at the end. The
/// commands drive it step by step; it is the one place a variant is measured,
/// recorded and saved.
pub struct Measurement<'a> {
    files: RunFiles,
    build_runner: BuildRunner<'a>,
    project: &'a Project,
    options: Options,
    pub run: Run,
    starts: Starts,
    warnings: Vec<String>,
}

impl<'a> Measurement<'a> {
    /// Takes the project's measure lock for `command` and starts the run.
    pub fn start(
        command: &str,
        project: &'a Project,
        engine: &'a Engine,
        runner: &'a dyn Runner,
        options: Options,
    ) -> anyhow::Result<Measurement<'a>> {
        let files = RunFiles::start(&project.dir, command)?;
        let starts = Starts::of(project, engine, runner)?;
        let mut run = new_run(project, engine, options.repeats);
        run.start_not_measured = starts.not_measured.clone();
        Ok(Measurement {
            files,
            build_runner: BuildRunner::new(engine, runner),
            project,
            run,
            options,
            starts,
            warnings: Vec::new(),
        })
    }

    /// Builds and times `rung`, then records it. A failed build is a
    /// result; the engine vanishing or Ctrl-C is an error, after which the
    /// variants already finished stay saved.
    pub fn measure(&mut self, rung: &Rung) -> anyhow::Result<()> {
        let log = self.files.log(&rung.name);
        let measured = variant(
            &mut self.build_runner,
            self.project,
            rung,
            &self.options,
            &self.starts,
            &log,
            &mut self.warnings,
        );
        self.run.commands = self.build_runner.commands.clone();
        let result = measured.map_err(|err| self.run.keep_finished(&self.files.results, err))?;
        self.record(result)
    }

    /// Adds `result` (measured, skipped or reused) to the run and saves it.
    pub fn record(&mut self, result: VariantResult) -> anyhow::Result<()> {
        self.run.variants.push(result);
        self.run.save(&self.files.results)?;
        interrupt::check()?;
        Ok(())
    }

    /// Where the run is saved.
    pub fn results(&self) -> &Path {
        &self.files.results
    }

    /// Prints the timing warnings and gives the exit code the run ends with.
    pub fn finish(self) -> i32 {
        finish(&self.run, &self.warnings)
    }
}

/// Where one measure (or tour) run writes, with the project's measure lock
/// held until it is dropped: measure and tour take the same lock, so they
/// never edit the app under each other.
pub struct RunFiles {
    _lock: Lock,
    /// The run's log directory, a log per variant.
    pub logs: PathBuf,
    /// The run's results file in the project's runs directory.
    pub results: PathBuf,
}

impl RunFiles {
    /// Takes the lock for `command` and makes the run's log directory.
    pub fn start(project: &Path, command: &str) -> anyhow::Result<RunFiles> {
        let keeping = |failed: WriteFailed| failed.keeping(&runs_dir(project));
        let state = state_subdir(project, &[]).map_err(keeping)?;
        let lock = Lock::acquire(&state.join("measure.lock"), command)?;
        let id = run_id();
        Ok(RunFiles {
            _lock: lock,
            logs: state_subdir(project, &["logs", &id]).map_err(keeping)?,
            results: runs_dir(project).join(format!("{id}.json")),
        })
    }

    /// The log of `variant` in this run.
    pub fn log(&self, variant: &str) -> PathBuf {
        self.logs.join(format!("{variant}.log"))
    }
}

/// Where a run's results and logs go: names that sort by time.
pub fn run_id() -> String {
    humantime::format_rfc3339_seconds(std::time::SystemTime::now())
        .to_string()
        .replace(':', "")
}
