//! The container engine: finding a docker (or podman) client that can do
//! what the variants need, and every call dockwright makes to it. Commands
//! are argument lists, never shell strings; failures become `EngineError`s
//! that say how to fix them.

mod builder;
mod cache;
mod compressed;
mod detect;
#[cfg(test)]
pub mod fake;
mod health;
pub mod progress;
pub mod reference;
mod runner;
mod start;

use std::path::{Path, PathBuf};
use std::time::Duration;

pub use builder::Builder;
pub use cache::{podman_cache_mount_dir, podman_cache_mounts, same_id};
pub use compressed::LayerSizes;
pub use detect::detect;
pub use health::Reach;
pub use runner::{Cmd, Output, Runner, System};
pub use start::Start;

/// Which engine a client talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Docker,
    Podman,
}

/// How a client gets BuildKit, if it can.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BuildKit {
    /// The buildx plugin (docker 23 and later need it).
    Buildx,
    /// Older docker clients speak to the daemon's BuildKit themselves when
    /// DOCKER_BUILDKIT=1.
    Builtin,
    /// Podman's own builder understands `RUN --mount`.
    Podman,
    /// Only the legacy builder: no `RUN --mount`.
    Missing,
}

/// A client that answered, and what it can do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Engine {
    pub program: PathBuf,
    pub kind: Kind,
    pub client_version: String,
    pub server_version: String,
    pub buildkit: BuildKit,
    pub patience: Patience,
    /// The buildx builder chosen for builds (`--builder`), when one was.
    pub builder: Option<Builder>,
}

/// How long an engine call that is not a build may take before dockwright
/// stops it and says which call hung: a wedged daemon, or a client that
/// never answers, would otherwise hang every command. Builds take as long as
/// they take, and Ctrl-C stops them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Patience {
    /// DOCKWRIGHT_ENGINE_TIMEOUT, which replaces every bound below.
    chosen: Option<Duration>,
}

impl Patience {
    pub const VAR: &'static str = "DOCKWRIGHT_ENGINE_TIMEOUT";

    /// The bounds, or the one DOCKWRIGHT_ENGINE_TIMEOUT sets in seconds.
    pub fn from_env() -> Result<Patience, EngineError> {
        let Some(value) = std::env::var_os(Self::VAR).filter(|v| !v.is_empty()) else {
            return Ok(Patience::default());
        };
        let value = value.to_string_lossy().into_owned();
        match value.trim().parse::<u64>() {
            Ok(seconds) if seconds > 0 => Ok(Patience {
                chosen: Some(Duration::from_secs(seconds)),
            }),
            _ => Err(EngineError::BadTimeout { value }),
        }
    }

    /// `version`, `info`, `inspect`, `buildx version`: a daemon answers them
    /// in well under a second even while it builds, so 30 s leaves room for
    /// a loaded machine and still tells a hang from slowness.
    pub fn query(self) -> Duration {
        self.chosen.unwrap_or(Duration::from_secs(30))
    }

    /// `save` streams the whole image through dockwright's gzip, which runs
    /// at tens of MB/s: a minute to start, plus a second for every 2 MB,
    /// so that only a stream slower than 2 MB/s is taken for a hang.
    pub fn save(self, image_bytes: u64) -> Duration {
        self.chosen
            .unwrap_or(Duration::from_secs(60 + image_bytes / 2_000_000))
    }

    /// `pull`: base images are hundreds of MB, over networks of any speed.
    pub fn pull(self) -> Duration {
        self.chosen.unwrap_or(Duration::from_secs(30 * 60))
    }

    /// `builder prune` of the cache mounts: gigabytes of small files can
    /// take minutes to delete on a slow disk.
    pub fn prune(self) -> Duration {
        self.chosen.unwrap_or(Duration::from_secs(10 * 60))
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum EngineError {
    #[error("no container engine found (tried {tried}); install Docker (`apt-get install docker.io`) or Podman, or set DOCKWRIGHT_ENGINE to the client's path")]
    NotInstalled { tried: String },
    #[error("`{path}` is a directory, not a program; give --engine (or DOCKWRIGHT_ENGINE) the client inside it, such as `{path}/docker`")]
    Directory { path: String },
    #[error("`{path}` is not executable; make it so with `chmod +x {path}`, or give --engine (or DOCKWRIGHT_ENGINE) the path of a docker or podman client")]
    NotExecutable { path: String },
    #[error("cannot run `{program}` ({detail}); give --engine (or DOCKWRIGHT_ENGINE) the path of a docker or podman client")]
    CannotRun { program: String, detail: String },
    #[error("the Docker daemon at `{endpoint}` is not running (`{program} version` cannot reach it); start it (`sudo systemctl start docker`, or `cargo xtask engine` in dockwright's repository)")]
    DaemonNotRunning { program: String, endpoint: String },
    #[error("{}", chooser.unreachable(program, endpoint.as_deref()))]
    Unreachable {
        program: String,
        /// Where the client looked, when it says.
        endpoint: Option<String>,
        chooser: Chooser,
    },
    #[error("`{call}` failed: {said}; run it yourself to see why, and check that `{program}` is a working docker or podman client")]
    ClientFailed {
        program: String,
        call: String,
        said: String,
    },
    #[error("permission denied on the Docker socket; add yourself to the `docker` group (`sudo usermod -aG docker $USER`, then log in again) or run with sudo")]
    PermissionDenied,
    #[error("`{program}` cannot build with BuildKit, which `RUN --mount` needs: it has no buildx plugin; install Docker's `docker-buildx-plugin` package, or set DOCKWRIGHT_ENGINE to a client that can, such as one older than 23 (Debian 12's /usr/bin/docker)")]
    BuildKitMissing { program: String },
    #[error("`{program}` stopped answering: {detail}; check that the engine is still running and try again")]
    Stopped { program: String, detail: String },
    #[error("`{call}` did not finish within {seconds} s; check that the engine answers (`docker info`, `systemctl status docker`), or allow it longer with DOCKWRIGHT_ENGINE_TIMEOUT=SECONDS")]
    TimedOut { call: String, seconds: u64 },
    #[error("DOCKWRIGHT_ENGINE_TIMEOUT is `{value}`, not a number of seconds; set it to a whole number above 0, such as 120, or unset it")]
    BadTimeout { value: String },
    #[error("`{name}` is not a buildx builder's name; give --builder (or BUILDX_BUILDER, or `[engine] builder`) a name that `docker buildx ls` lists, such as `default`")]
    BadBuilderName { name: String },
    #[error("`{program}` is podman, which has no buildx builders to build on `{name}`; unset --builder, BUILDX_BUILDER and `[engine] builder`, or give --engine a docker client with the buildx plugin")]
    BuilderOnPodman { program: String, name: String },
    #[error("`{program}` (docker {version}) cannot build on the buildx builder `{name}`, since only docker 23 and later build through buildx; give --engine a newer docker client with the buildx plugin, or unset --builder, BUILDX_BUILDER and `[engine] builder`")]
    BuilderNeedsBuildx {
        program: String,
        version: String,
        name: String,
    },
    #[error("`{program} buildx inspect {name}` found no builder ({said}); pick one that `docker buildx ls` lists, or create it with `docker buildx create --name {name} ...`")]
    NoSuchBuilder {
        program: String,
        name: String,
        said: String,
    },
}

/// What chose the daemon a docker client talks to, so that a message about
/// an unreachable daemon can name the setting to fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Chooser {
    /// DOCKER_HOST, which wins over any context, and the address it holds.
    DockerHost(String),
    /// DOCKER_CONTEXT, naming a context.
    Context(String),
    /// The context chosen with `docker context use`.
    CurrentContext,
}

impl Chooser {
    /// DOCKER_HOST or DOCKER_CONTEXT, in the order the docker client heeds
    /// them; `None` when neither is set.
    pub fn from_env() -> Option<Chooser> {
        let set = |key: &str| std::env::var(key).ok().filter(|v| !v.trim().is_empty());
        set("DOCKER_HOST")
            .map(Chooser::DockerHost)
            .or_else(|| set("DOCKER_CONTEXT").map(Chooser::Context))
    }

    fn unreachable(&self, program: &str, endpoint: Option<&str>) -> String {
        let at = endpoint.map_or(String::new(), |e| format!(" at `{e}`"));
        match self {
            Chooser::DockerHost(host) => format!(
                "`{program}` cannot reach a Docker daemon at `{host}`, the endpoint that DOCKER_HOST chose; correct DOCKER_HOST or unset it to use the local daemon, and check that the daemon there is running"
            ),
            Chooser::Context(name) => format!(
                "`{program}` cannot reach a Docker daemon through the docker context `{name}` that DOCKER_CONTEXT chose{at}; check that context with `docker context inspect {name}`, or unset DOCKER_CONTEXT"
            ),
            Chooser::CurrentContext => format!(
                "`{program}` cannot reach a Docker daemon{at}, the endpoint of the current docker context; check it with `docker context ls`, or go back to the local daemon with `docker context use default`"
            ),
        }
    }
}

impl EngineError {
    /// What running `cmd` failed with, `TimedOut` naming the call.
    fn from_io(cmd: &Cmd, err: &std::io::Error) -> EngineError {
        match err.kind() {
            std::io::ErrorKind::TimedOut => EngineError::TimedOut {
                call: cmd.to_string(),
                seconds: cmd.timeout.unwrap_or_default().as_secs(),
            },
            _ => EngineError::Stopped {
                program: cmd.program.display().to_string(),
                detail: err.to_string(),
            },
        }
    }
}

impl Engine {
    /// The environment a build runs with.
    pub fn build_env(&self) -> Vec<(String, String)> {
        match self.buildkit {
            BuildKit::Buildx | BuildKit::Builtin => vec![("DOCKER_BUILDKIT".into(), "1".into())],
            BuildKit::Missing => vec![("DOCKER_BUILDKIT".into(), "0".into())],
            BuildKit::Podman => Vec::new(),
        }
    }

    /// The builder that runs builds, for the run's environment: BuildKit,
    /// the legacy builder or buildah; see `builder` for buildx's builder.
    pub fn builder_name(&self) -> &'static str {
        match self.buildkit {
            BuildKit::Buildx | BuildKit::Builtin => "BuildKit",
            BuildKit::Podman => "podman (buildah)",
            BuildKit::Missing => "legacy builder",
        }
    }

    /// An engine call bounded like a query; others set their own bound.
    fn cmd<I, S>(&self, args: I) -> Cmd
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut cmd = Cmd::new(&self.program, args);
        cmd.timeout = Some(self.patience.query());
        cmd
    }

    /// `build` with everything dockwright passes to it.
    pub fn build_cmd(&self, spec: &BuildSpec) -> Cmd {
        let mut args: Vec<String> = vec!["build".into()];
        if matches!(self.buildkit, BuildKit::Buildx | BuildKit::Builtin) {
            args.push("--progress=plain".into());
        }
        if let Some(builder) = &self.builder {
            args.extend(["--builder".into(), builder.name.clone()]);
        }
        args.extend(["-f".into(), spec.dockerfile.display().to_string()]);
        match &spec.destination {
            Destination::Tag(tag) => {
                args.extend(["-t".into(), tag.clone()]);
                if self.builder.as_ref().is_some_and(Builder::loads) {
                    args.push("--load".into());
                }
            }
            Destination::Directory(dir) => args.extend([
                "--output".into(),
                format!("type=local,dest={}", dir.display()),
            ]),
            Destination::Nowhere => args.extend(["--output".into(), "type=cacheonly".into()]),
        }
        for (key, value) in &spec.labels {
            args.extend(["--label".into(), format!("{key}={value}")]);
        }
        for (key, value) in &spec.build_args {
            args.extend(["--build-arg".into(), format!("{key}={value}")]);
        }
        if spec.no_cache {
            args.push("--no-cache".into());
        }
        if spec.pull {
            args.push("--pull".into());
        }
        if let Some(iidfile) = &spec.iidfile {
            args.extend(["--iidfile".into(), iidfile.display().to_string()]);
        }
        if let Some(platform) = &spec.platform {
            args.extend(["--platform".into(), platform.to_string()]);
        }
        for (id, file) in &spec.secrets {
            args.extend(["--secret".into(), format!("id={id},src={}", file.display())]);
        }
        args.push(spec.context.display().to_string());
        let mut cmd = self.cmd(args);
        cmd.env = self.build_env();
        cmd.timeout = None;
        cmd
    }

    /// Whether `image` is in the engine's local store.
    pub fn has_image(&self, runner: &dyn Runner, image: &str) -> Result<bool, EngineError> {
        Ok(self.image_id(runner, image)?.is_some())
    }

    /// The id of `image` in the engine's local store, `None` when it is not
    /// there.
    pub fn image_id(
        &self,
        runner: &dyn Runner,
        image: &str,
    ) -> Result<Option<String>, EngineError> {
        let out = self.call(
            runner,
            self.cmd(["image", "inspect", "--format", "{{.Id}}", image]),
        )?;
        Ok(out
            .success
            .then(|| out.stdout.trim().to_string())
            .filter(|id| !id.is_empty()))
    }

    /// Pulls `image`; `Err` carries the engine's own words.
    pub fn pull(&self, runner: &dyn Runner, image: &str) -> Result<(), String> {
        let mut cmd = self.cmd(["pull", image]);
        cmd.timeout = Some(self.patience.pull());
        match runner.output(&cmd) {
            Ok(out) if out.success => Ok(()),
            Ok(out) => Err(last_line(&out.stderr)),
            Err(err) => Err(EngineError::from_io(&cmd, &err).to_string()),
        }
    }

    /// The uncompressed size of `image` in bytes.
    pub fn image_size(&self, runner: &dyn Runner, image: &str) -> Result<u64, EngineError> {
        self.inspect_number(runner, image, "{{.Size}}")
    }

    /// How many filesystem layers `image` has.
    pub fn layers(&self, runner: &dyn Runner, image: &str) -> Result<u64, EngineError> {
        self.inspect_number(runner, image, "{{len .RootFS.Layers}}")
    }

    /// Whether `image` came from its own repository in a registry, so that
    /// `--pull` can refresh it. A local build or stand-in cannot be pulled,
    /// and neither can an image that has a digest only under another name
    /// (a local `ghcr.io/...` tag of an image pushed to a mirror): BuildKit
    /// would look for it where its name points.
    pub fn can_pull(&self, runner: &dyn Runner, image: &str) -> Result<bool, EngineError> {
        Ok(self.repo_digest(runner, image)?.is_some())
    }

    /// The registry digest `image` has in the engine's store: the
    /// `RepoDigests` entry of its own repository (`python@sha256:...` for
    /// `python:3.13-slim`). `None` for an image that was built or loaded
    /// here rather than pulled, or is not here at all.
    pub fn repo_digest(
        &self,
        runner: &dyn Runner,
        image: &str,
    ) -> Result<Option<String>, EngineError> {
        let out = self.call(
            runner,
            self.cmd([
                "image",
                "inspect",
                "--format",
                "{{range .RepoDigests}}{{println .}}{{end}}",
                image,
            ]),
        )?;
        let wanted = reference::repository(image);
        Ok(out
            .success
            .then(|| {
                out.stdout
                    .lines()
                    .map(str::trim)
                    .find(|entry| reference::repository(entry) == wanted)
                    .and_then(reference::digest)
                    .map(str::to_string)
            })
            .flatten())
    }

    /// The digest the registry gives `image` (a tag, or a pinned
    /// `name@sha256:...`) now, asked the way this engine's builds would ask:
    /// through the chosen buildx builder (its own registry mirrors and
    /// credentials) with a build that only resolves the image, or else by
    /// pulling it. `Err` says why it cannot be resolved, in the engine's
    /// words.
    pub fn resolve(
        &self,
        runner: &dyn Runner,
        image: &str,
    ) -> Result<Result<String, String>, EngineError> {
        if self.buildkit != BuildKit::Buildx {
            if let Err(why) = self.pull(runner, image) {
                return Ok(Err(why));
            }
            return Ok(self.repo_digest(runner, image)?.ok_or_else(|| {
                format!("the engine pulled `{image}` but recorded no digest for it")
            }));
        }
        let context = tempfile::Builder::new()
            .prefix("dockwright-resolve-")
            .tempdir()
            .map_err(|err| EngineError::Stopped {
                program: self.program.display().to_string(),
                detail: format!("cannot make a folder to resolve `{image}` in ({err})"),
            })?;
        let dockerfile = context.path().join("Dockerfile");
        std::fs::write(&dockerfile, "ARG BASE=scratch\nFROM ${BASE}\n").map_err(|err| {
            EngineError::Stopped {
                program: self.program.display().to_string(),
                detail: format!("cannot write `{}` ({err})", dockerfile.display()),
            }
        })?;
        let mut cmd = self.build_cmd(&BuildSpec {
            dockerfile,
            context: context.path().to_path_buf(),
            destination: Destination::Nowhere,
            labels: Vec::new(),
            build_args: vec![("BASE".to_string(), image.to_string())],
            no_cache: false,
            pull: true,
            iidfile: None,
            platform: None,
            secrets: Vec::new(),
        });
        cmd.timeout = Some(self.patience.pull());
        let out = self.call(runner, cmd)?;
        let found = out
            .stderr
            .lines()
            .chain(out.stdout.lines())
            .filter_map(progress::resolved)
            .find(|(name, _)| reference::same_image(name, image))
            .map(|(_, digest)| digest.to_string());
        Ok(match found {
            Some(digest) if out.success => Ok(digest),
            _ => Err(last_line(&out.stderr)
                .trim_start_matches("ERROR: ")
                .to_string()),
        })
    }

    fn inspect_number(
        &self,
        runner: &dyn Runner,
        image: &str,
        format: &str,
    ) -> Result<u64, EngineError> {
        let out = self.call(
            runner,
            self.cmd(["image", "inspect", "--format", format, image]),
        )?;
        out.stdout.trim().parse().map_err(|_| EngineError::Stopped {
            program: self.program.display().to_string(),
            detail: format!("`image inspect --format {format} {image}` gave no number"),
        })
    }

    /// The size of `image` (`image_bytes` uncompressed) as a registry would
    /// store it: each file of `save`'s tar gzipped on its own (at the level
    /// closest to gzip's default, see `compressed`), counted as it streams; a
    /// layer in `known` is counted without being compressed again.
    pub fn compressed_size(
        &self,
        runner: &dyn Runner,
        image: &str,
        image_bytes: u64,
        known: &mut LayerSizes,
    ) -> Result<u64, EngineError> {
        let stopped = |detail: String| EngineError::Stopped {
            program: self.program.display().to_string(),
            detail,
        };
        let mut sizer = compressed::Sizer::new(known);
        let mut save = self.cmd(["save", image]);
        save.timeout = Some(self.patience.save(image_bytes));
        let ok = runner
            .pipe(&save, &mut sizer)
            .map_err(|err| EngineError::from_io(&save, &err))?;
        if !ok {
            return Err(stopped(format!("`save {image}` failed")));
        }
        sizer.finish().map_err(|err| stopped(err.to_string()))
    }

    /// The command that drops every cache mount in the daemon's BuildKit,
    /// for a client without buildx, which cannot list them to drop only a
    /// Dockerfile's own (`cache_mounts`). None for any other engine.
    pub fn prune_all_cache_mounts_cmd(&self) -> Option<Cmd> {
        (self.buildkit == BuildKit::Builtin).then(|| {
            let mut cmd = self.cmd(["builder", "prune", "-f", "--filter", "type=exec.cachemount"]);
            cmd.env = self.build_env();
            cmd.timeout = Some(self.patience.prune());
            cmd
        })
    }

    /// Whether the engine's builder leaves the content of files bind-mounted
    /// from the build context out of a `RUN` step's cache key, so that the
    /// step keeps its old layer after they change: buildah before 1.38, in
    /// podman before 5.3 (containers/buildah#5400).
    pub fn ignores_bind_mount_content(&self) -> bool {
        let version = |text: &str| -> Option<(u32, u32)> {
            let mut parts = text.split('.').map(|p| p.parse::<u32>().ok());
            Some((parts.next()??, parts.next()??))
        };
        self.kind == Kind::Podman
            && version(&self.server_version).is_none_or(|found| found < (5, 3))
    }

    /// Whether the engine still answers.
    pub fn answers(&self, runner: &dyn Runner) -> bool {
        runner
            .output(&self.cmd(["version"]))
            .is_ok_and(|out| out.success)
    }

    /// Runs `cmd`, an engine command whose output does not matter.
    pub fn run(&self, runner: &dyn Runner, cmd: &Cmd) -> Result<bool, EngineError> {
        Ok(self.call(runner, cmd.clone())?.success)
    }

    fn call(&self, runner: &dyn Runner, cmd: Cmd) -> Result<Output, EngineError> {
        runner
            .output(&cmd)
            .map_err(|err| EngineError::from_io(&cmd, &err))
    }
}

/// One image build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildSpec {
    pub dockerfile: PathBuf,
    pub context: PathBuf,
    pub destination: Destination,
    pub labels: Vec<(String, String)>,
    pub build_args: Vec<(String, String)>,
    pub no_cache: bool,
    /// Ask the registry for newer base images first.
    pub pull: bool,
    /// Where the build writes the id of the image it made (`--iidfile`).
    pub iidfile: Option<PathBuf>,
    /// The platform to build for (`--platform`), when not the engine's own.
    pub platform: Option<crate::platform::Platform>,
    /// Build secrets, by id, and the file each is read from: a
    /// `RUN --mount=type=secret` sees them, no layer keeps them.
    pub secrets: Vec<(String, PathBuf)>,
}

/// What a build makes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    /// An image in the engine's store, under this tag.
    Tag(String),
    /// The files of the last stage, exported into this directory (BuildKit,
    /// or podman).
    Directory(PathBuf),
    /// Only the builder's cache (buildx): a build run for what its output
    /// says.
    Nowhere,
}

/// A sink that only counts what is written to it.
/// The last line of `text` that says something.
fn last_line(text: &str) -> String {
    text.lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim()
        .to_string()
}

/// The candidates dockwright tries, in order, when none is chosen: the
/// docker clients, then podman.
pub fn default_candidates() -> Vec<PathBuf> {
    let mut found = docker_candidates();
    if let Ok(path) = which::which("podman") {
        if !found.iter().any(|known| same_file(known, &path)) {
            found.push(path);
        }
    }
    found
}

/// The `docker` on PATH, then Debian's own client, which speaks BuildKit
/// without buildx; each file once, however many links lead to it.
pub fn docker_candidates() -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = Vec::new();
    let debian = Path::new("/usr/bin/docker");
    let candidates = which::which("docker")
        .ok()
        .into_iter()
        .chain(debian.exists().then(|| debian.to_path_buf()));
    for path in candidates {
        if !found.iter().any(|known| same_file(known, &path)) {
            found.push(path);
        }
    }
    found
}

fn same_file(a: &Path, b: &Path) -> bool {
    let real = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
    real(a) == real(b)
}

/// The docker client that builds with BuildKit when none is chosen: the
/// first of `docker_candidates` whose daemon answers and that has buildx or
/// is older than 23. `cargo xtask` points dockwright and its tests at it.
pub fn buildkit_docker() -> Result<Engine, EngineError> {
    detect(&System, &docker_candidates(), true, Patience::from_env()?)
}

#[cfg(test)]
pub mod tests {
    use super::*;

    /// Debian's docker 20.10 client at /usr/bin/docker, as if it built with
    /// `buildkit`, on no chosen builder.
    pub fn engine(buildkit: BuildKit) -> Engine {
        Engine {
            program: PathBuf::from("/usr/bin/docker"),
            kind: Kind::Docker,
            client_version: "20.10.24".into(),
            server_version: "20.10.24".into(),
            buildkit,
            patience: Patience::default(),
            builder: None,
        }
    }

    #[test]
    fn podman_before_5_3_ignores_bind_mounted_content_and_docker_never_does() {
        let podman = |version: &str| Engine {
            kind: Kind::Podman,
            server_version: version.into(),
            ..engine(BuildKit::Podman)
        };
        for old in ["4.3.1", "4.9.3", "5.2.5", "unknown"] {
            assert!(podman(old).ignores_bind_mount_content(), "{old}");
        }
        for fixed in ["5.3.0", "5.6.1", "6.0"] {
            assert!(!podman(fixed).ignores_bind_mount_content(), "{fixed}");
        }
        assert!(!engine(BuildKit::Buildx).ignores_bind_mount_content());
    }

    fn spec() -> BuildSpec {
        BuildSpec {
            dockerfile: PathBuf::from("dockerfiles/uv.Dockerfile"),
            context: PathBuf::from("/p"),
            destination: Destination::Tag("hello:uv".into()),
            labels: vec![("dockwright.project".into(), "hello".into())],
            build_args: vec![("UV_IMAGE".into(), "uv:1; rm -rf /".into())],
            no_cache: true,
            pull: false,
            iidfile: None,
            platform: None,
            secrets: Vec::new(),
        }
    }

    #[test]
    fn a_build_for_a_platform_names_it_and_one_for_the_engines_own_does_not() {
        let platform = crate::platform::Platform::parse("linux/arm64").unwrap();
        let arm = BuildSpec {
            platform: Some(platform),
            ..spec()
        };
        for engine in [engine(BuildKit::Builtin), on("remote"), on("docker")] {
            let args = engine.build_cmd(&arm).args;
            let at = args.iter().position(|a| a == "--platform").unwrap();
            assert_eq!(args[at + 1], "linux/arm64");
            assert_eq!(args.last().map(String::as_str), Some("/p"), "{args:?}");
            let native = engine.build_cmd(&spec()).args;
            assert!(
                !native.iter().any(|a| a.starts_with("--platform")),
                "{native:?}"
            );
        }
    }

    #[test]
    fn a_build_is_an_argument_list() {
        let cmd = engine(BuildKit::Builtin).build_cmd(&spec());
        assert_eq!(cmd.program, PathBuf::from("/usr/bin/docker"));
        assert_eq!(
            cmd.args,
            [
                "build",
                "--progress=plain",
                "-f",
                "dockerfiles/uv.Dockerfile",
                "-t",
                "hello:uv",
                "--label",
                "dockwright.project=hello",
                "--build-arg",
                "UV_IMAGE=uv:1; rm -rf /",
                "--no-cache",
                "/p",
            ]
        );
        assert_eq!(cmd.env, [("DOCKER_BUILDKIT".to_string(), "1".to_string())]);
    }

    #[test]
    fn a_build_into_a_directory_exports_its_files_and_tags_nothing() {
        let spec = BuildSpec {
            destination: Destination::Directory(PathBuf::from("/tmp/out dir")),
            ..spec()
        };
        let cmd = engine(BuildKit::Builtin).build_cmd(&spec);
        assert!(!cmd.args.iter().any(|a| a == "-t"), "{:?}", cmd.args);
        let at = cmd.args.iter().position(|a| a == "--output").unwrap();
        assert_eq!(cmd.args[at + 1], "type=local,dest=/tmp/out dir");
    }

    #[test]
    fn only_builds_run_without_a_time_limit() {
        let engine = engine(BuildKit::Builtin);
        assert_eq!(engine.build_cmd(&spec()).timeout, None);
        let prune = engine.prune_all_cache_mounts_cmd().unwrap();
        assert_eq!(prune.timeout, Some(Patience::default().prune()));
        assert!(Patience::default().save(4_000_000_000) > Patience::default().save(0));
    }

    fn on(driver: &str) -> Engine {
        Engine {
            builder: Some(Builder {
                name: "ci".into(),
                driver: driver.into(),
            }),
            ..engine(BuildKit::Buildx)
        }
    }

    #[test]
    fn a_secret_is_passed_by_id_and_file_and_never_as_a_build_argument() {
        let spec = BuildSpec {
            secrets: vec![("dockwright-ca".into(), PathBuf::from("/etc/corp ca.pem"))],
            ..spec()
        };
        for buildkit in [BuildKit::Buildx, BuildKit::Builtin, BuildKit::Podman] {
            let args = engine(buildkit).build_cmd(&spec).args;
            let words: Vec<&str> = args.iter().map(String::as_str).collect();
            assert!(
                words
                    .windows(2)
                    .any(|w| w == ["--secret", "id=dockwright-ca,src=/etc/corp ca.pem"]),
                "{words:?}"
            );
            assert!(
                !words
                    .windows(2)
                    .any(|w| w[0] == "--build-arg" && w[1].contains("dockwright-ca")),
                "{words:?}"
            );
            assert_eq!(words.last(), Some(&"/p"), "{words:?}");
        }
    }

    #[test]
    fn a_builder_outside_the_daemon_loads_what_it_tags() {
        let tagged = BuildSpec {
            iidfile: Some(PathBuf::from("/l/uv.iid")),
            ..spec()
        };
        let args = on("remote").build_cmd(&tagged).args;
        let words: Vec<&str> = args.iter().map(String::as_str).collect();
        assert_eq!(
            &words[..4],
            ["build", "--progress=plain", "--builder", "ci"]
        );
        assert!(
            words.windows(3).any(|w| w == ["-t", "hello:uv", "--load"]),
            "{words:?}"
        );
        assert!(
            words.windows(2).any(|w| w == ["--iidfile", "/l/uv.iid"]),
            "{words:?}"
        );
        let in_daemon = on("docker").build_cmd(&tagged).args;
        assert!(in_daemon.contains(&"--builder".to_string()));
        assert!(!in_daemon.contains(&"--load".to_string()), "{in_daemon:?}");
        let exported = BuildSpec {
            destination: Destination::Directory(PathBuf::from("/out")),
            ..tagged
        };
        assert!(!on("remote")
            .build_cmd(&exported)
            .args
            .contains(&"--load".to_string()));
        assert!(!engine(BuildKit::Buildx)
            .build_cmd(&spec())
            .args
            .contains(&"--builder".to_string()));
    }

    #[test]
    fn every_cache_mount_is_pruned_only_where_they_cannot_be_listed() {
        assert!(engine(BuildKit::Builtin)
            .prune_all_cache_mounts_cmd()
            .is_some());
        assert!(engine(BuildKit::Buildx)
            .prune_all_cache_mounts_cmd()
            .is_none());
        for driver in ["docker", "remote", "docker-container", "kubernetes"] {
            assert!(
                on(driver).prune_all_cache_mounts_cmd().is_none(),
                "{driver}"
            );
            let prune = on(driver).prune_record_cmd("r1").args;
            assert_eq!(
                prune,
                [
                    "buildx",
                    "prune",
                    "-f",
                    "--builder",
                    "ci",
                    "--filter",
                    "id=r1"
                ]
            );
        }
    }

    /// Without buildx, a tag is resolved by pulling it: the digest is the
    /// one recorded under its own repository, not a mirror's.
    #[test]
    fn a_pull_resolves_a_tag_to_its_own_repositorys_digest() {
        let digests =
            "/usr/bin/docker image inspect --format '{{range .RepoDigests}}{{println .}}{{end}}'";
        let fake = fake::Fake::new(&[
            ("/usr/bin/docker pull python:3.13-slim", true, "", ""),
            (
                &format!("{digests} python:3.13-slim"),
                true,
                "127.0.0.1:5000/library/python@sha256:0th\npython@sha256:f0\n",
                "",
            ),
            ("/usr/bin/docker pull uv:1", true, "", ""),
            (
                &format!("{digests} uv:1"),
                true,
                "other/uv@sha256:0th\n",
                "",
            ),
            (
                "/usr/bin/docker pull gone:1",
                false,
                "",
                "Error response from daemon: manifest unknown\n",
            ),
        ]);
        let engine = engine(BuildKit::Podman);
        let resolve = |image: &str| engine.resolve(&fake, image).unwrap();
        assert_eq!(resolve("python:3.13-slim"), Ok("sha256:f0".to_string()));
        assert_eq!(
            resolve("uv:1"),
            Err("the engine pulled `uv:1` but recorded no digest for it".to_string())
        );
        assert_eq!(
            resolve("gone:1"),
            Err("Error response from daemon: manifest unknown".to_string())
        );
    }

    #[test]
    fn the_legacy_builder_gets_no_progress_flag() {
        let cmd = engine(BuildKit::Missing).build_cmd(&spec());
        assert!(!cmd.args.iter().any(|a| a.starts_with("--progress")));
        assert_eq!(cmd.env, [("DOCKER_BUILDKIT".to_string(), "0".to_string())]);
    }
}
