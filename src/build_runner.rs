//! Running one variant's build: base images checked first, output streamed
//! to a log and to the live line, the wall time taken (a load into the
//! engine's store timed apart), Ctrl-C and a vanished engine told apart from
//! a build that failed, and the image checked to be the one the build made.

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::engine::{
    podman_cache_mount_dir, progress, reference, same_id, BuildSpec, Builder, Cmd, Destination,
    Engine, EngineError, LayerSizes, Runner, Start,
};
use crate::error::{UserError, WriteFailed};
use crate::figures;
use crate::interrupt;
use crate::ladder::Rung;
use crate::results::BaseImage;
use crate::ui::Activity;

/// A build log that remembers why a write to it failed: a full disk shows
/// up as a failed write in the middle of a build's output, and must not be
/// taken for the engine stopping.
pub struct Log {
    file: File,
    path: PathBuf,
    failed: Option<io::Error>,
}

impl Log {
    /// Creates (truncating) the log file at `path`.
    pub fn create(path: &Path) -> Result<Log, WriteFailed> {
        let file = File::create(path).map_err(|err| Log::error(path, err))?;
        Ok(Log {
            file,
            path: path.to_path_buf(),
            failed: None,
        })
    }

    fn error(path: &Path, err: io::Error) -> WriteFailed {
        WriteFailed::new("write the build log", path, err)
    }

    fn remember(&mut self, err: io::Error) -> io::Error {
        let copy = match err.raw_os_error() {
            Some(code) => io::Error::from_raw_os_error(code),
            None => io::Error::new(err.kind(), err.to_string()),
        };
        self.failed = Some(err);
        copy
    }

    /// Writes one line of dockwright's own, such as the command it runs.
    fn line(&mut self, text: &str) -> Result<(), WriteFailed> {
        writeln!(self.file, "{text}").map_err(|err| Log::error(&self.path, err))
    }
}

impl Write for Log {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file.write(buf).map_err(|err| self.remember(err))
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush().map_err(|err| self.remember(err))
    }
}

/// Runs a command's builds and the engine commands around them: each one
/// logged, each build timed on a live line, and all of them kept for the
/// saved run's list of commands.
pub struct BuildRunner<'a> {
    pub engine: &'a Engine,
    pub runner: &'a dyn Runner,
    /// Every engine command run so far, as a shell would show it.
    pub commands: Vec<String>,
    /// The base images the last build resolved in a registry, each with
    /// the digest it resolved to, as its progress said.
    resolved: Vec<(String, String)>,
    /// The compressed sizes of the layers sized before, here and in earlier
    /// runs, which the next images share.
    pub layer_sizes: LayerSizes,
}

/// How one build went.
#[derive(Debug)]
pub struct Timed {
    pub ok: bool,
    /// The build's wall time, less its load.
    pub seconds: f64,
    /// How long loading the image into the engine's store took, when the
    /// builder is outside the daemon.
    pub load_seconds: Option<f64>,
    /// Why a build that succeeded still failed: the image in the engine's
    /// store is not the one it made.
    pub problem: Option<String>,
}

impl<'a> BuildRunner<'a> {
    pub fn new(engine: &'a Engine, runner: &'a dyn Runner) -> BuildRunner<'a> {
        BuildRunner {
            engine,
            runner,
            commands: Vec::new(),
            resolved: Vec::new(),
            layer_sizes: LayerSizes::default_file()
                .map(|file| LayerSizes::load(&file))
                .unwrap_or_default(),
        }
    }

    /// Starts `image` as container `name` and times it until its app answers
    /// `GET /` on `port`, within `bound`: each command logged and recorded
    /// as the builds' are. `Err` when the engine stops answering or on
    /// Ctrl-C; the container is removed either way.
    pub fn time_start(
        &mut self,
        image: &str,
        name: &str,
        port: u16,
        bound: std::time::Duration,
        log: &mut Log,
        label: &str,
    ) -> anyhow::Result<Start> {
        let activity = Activity::start(label);
        let mut ran = Vec::new();
        let start = self
            .engine
            .time_start(self.runner, image, name, port, bound, &mut |cmd| {
                ran.push(cmd.to_string())
            });
        for cmd in &ran {
            log.line(&format!("$ {cmd}"))?;
        }
        self.commands.extend(ran);
        if interrupt::check().is_err() {
            activity.finish(false, "interrupted");
            return Err(interrupt::Interrupted.into());
        }
        let start = start?;
        match &start {
            Start::Answered { seconds, status } => {
                log.line(&format!(
                    "answered GET / with {status} after {}",
                    figures::seconds(*seconds)
                ))?;
                activity.finish(true, &figures::seconds(*seconds));
            }
            Start::Failed(why) => {
                log.line(why)?;
                activity.finish(false, "failed");
            }
        }
        Ok(start)
    }

    /// Why `rung` cannot be built here: a base image that is neither in the
    /// engine's store nor pullable. `None` when all are there.
    pub fn missing_base(&mut self, rung: &Rung) -> Result<Option<String>, EngineError> {
        self.missing(&rung.facts.bases)
    }

    /// Why one of the base images `bases` cannot be built from here. A
    /// builder outside the daemon takes every base from a registry, so it is
    /// asked; the daemon's own builds take a base from its store, or pull it.
    pub fn missing(&mut self, bases: &[String]) -> Result<Option<String>, EngineError> {
        let outside = self.engine.builder.as_ref().is_some_and(Builder::loads);
        for base in bases {
            let why = if outside {
                self.engine.resolve(self.runner, base)?.err()
            } else if self.engine.has_image(self.runner, base)? {
                None
            } else {
                self.engine.pull(self.runner, base).err()
            };
            if let Some(why) = why {
                return Ok(Some(unavailable(base, outside, &why)));
            }
        }
        Ok(None)
    }

    /// The base images `bases` as the last build used them: each with the
    /// digest it is pinned to, or that the build resolved it to in a
    /// registry, or, taken from the engine's store, the digest it was
    /// pulled with there (or else its local id).
    pub fn used(&self, bases: &[String]) -> Result<Vec<BaseImage>, EngineError> {
        let mut used = Vec::new();
        for base in bases {
            let resolved = reference::digest(base).map(str::to_string).or_else(|| {
                self.resolved
                    .iter()
                    .find(|(name, _)| reference::same_image(name, base))
                    .map(|(_, digest)| digest.clone())
            });
            let digest = match resolved {
                Some(digest) => Some(digest),
                None => self.engine.repo_digest(self.runner, base)?,
            };
            let local_id = match digest {
                Some(_) => None,
                None => self.engine.image_id(self.runner, base)?,
            };
            used.push(BaseImage {
                image: base.clone(),
                digest,
                local_id,
            });
        }
        Ok(used)
    }

    /// Whether every image that `rung` reads can be refreshed from a
    /// registry: `--pull` makes BuildKit resolve all of them there, and the
    /// build fails on a local-only one.
    pub fn pullable(&self, rung: &Rung) -> Result<bool, EngineError> {
        for base in &rung.facts.bases {
            if !self.engine.can_pull(self.runner, base)? {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Runs `cmd` (an engine command with nothing to measure) and logs it.
    pub fn run(&mut self, cmd: &Cmd, log: &mut Log) -> anyhow::Result<bool> {
        log.line(&format!("$ {cmd}"))?;
        self.commands.push(cmd.to_string());
        Ok(self.engine.run(self.runner, cmd)?)
    }

    /// Empties the cache mounts with the ids `ids` (a Dockerfile's), so that
    /// its next build starts as cold as a new machine's: the builder's
    /// records of them are found by id and pruned one by one, and no other
    /// cache mount is touched. A client without buildx cannot list them:
    /// there every cache mount of the daemon goes. Returns how many went.
    pub fn empty_cache_mounts(&mut self, ids: &[String], log: &mut Log) -> anyhow::Result<usize> {
        if ids.is_empty() {
            return Ok(0);
        }
        let Some(mounts) = self.engine.cache_mounts(self.runner)? else {
            if let Some(prune) = self.engine.prune_all_cache_mounts_cmd() {
                self.run(&prune, log)?;
            }
            return Ok(0);
        };
        let mut emptied = 0;
        for mount in mounts
            .iter()
            .filter(|m| ids.iter().any(|id| same_id(id, &m.id)))
        {
            let prune = self.engine.prune_record_cmd(&mount.record);
            if !self.run(&prune, log)? {
                return Err(UserError::new(format!(
                    "could not empty the cache mount `{}` before a cold build (`{prune}` failed)",
                    mount.id
                ))
                .help("the build log says why; a cold build on it would not be cold, so nothing was measured")
                .into());
            }
            emptied += 1;
        }
        Ok(emptied)
    }

    /// Empties podman's cache mounts with the ids `ids` (a Dockerfile's):
    /// podman cannot list or prune them, but keeps each in a directory of
    /// its own on the machine it runs on, which goes. Returns those
    /// directories: the next build must make them again, or they are not
    /// where podman keeps its cache mounts (a remote podman keeps them in
    /// its machine) and that build may have used full ones.
    pub fn empty_podman_cache_mounts(
        &mut self,
        ids: &[String],
        log: &mut Log,
    ) -> anyhow::Result<Vec<PathBuf>> {
        let mut dirs = Vec::new();
        for id in ids {
            let dir = podman_cache_mount_dir(id);
            log.line(&format!(
                "(dockwright empties podman's cache mount `{id}`: removes {})",
                dir.display()
            ))?;
            match std::fs::remove_dir_all(&dir) {
                Err(err) if err.kind() != io::ErrorKind::NotFound => {
                    return Err(UserError::new(format!(
                        "could not empty podman's cache mount `{id}` before a cold build: removing `{}` failed ({err})",
                        dir.display()
                    ))
                    .help("a cold build on it would not be cold, so nothing was measured; run dockwright as the user that runs podman, or remove it by hand")
                    .into());
                }
                _ => dirs.push(dir),
            }
        }
        Ok(dirs)
    }

    /// Runs the build `spec`, appending its output to `log` and showing its
    /// current Dockerfile step on a live line labelled `label`.
    pub fn build(&mut self, spec: &BuildSpec, log: &mut Log, label: &str) -> anyhow::Result<Timed> {
        let mut spec = spec.clone();
        // The image id goes to a folder of its own, made for this build: a
        // file left by an earlier build cannot vouch for its image, and a
        // full disk under the logs fails the log, which is said as such,
        // not the id file.
        let id_dir = tempfile::Builder::new()
            .prefix("dockwright-iid-")
            .tempdir()
            .map_err(|err| {
                WriteFailed::new(
                    "create a folder for the image id in",
                    &std::env::temp_dir(),
                    err,
                )
            })?;
        let tag = match &spec.destination {
            Destination::Tag(tag) => {
                spec.iidfile = Some(id_dir.path().join("image.iid"));
                Some(tag.clone())
            }
            Destination::Directory(_) | Destination::Nowhere => None,
        };
        let cmd = self.engine.build_cmd(&spec);
        log.line(&format!("$ {cmd}"))?;
        self.commands.push(cmd.to_string());
        let activity = Activity::start(label);
        let started = Instant::now();
        let mut load = progress::LoadClock::default();
        let resolved = &mut self.resolved;
        resolved.clear();
        let streamed = self.runner.stream(&cmd, log, &mut |line| {
            activity.output(line);
            load.line(line);
            if let Some((name, digest)) = progress::resolved(line) {
                resolved.push((name.to_string(), digest.to_string()));
            }
            if let Some(current) = progress::step(line) {
                activity.step(&current);
            }
        });
        let wall = started.elapsed().as_secs_f64();
        if interrupt::check().is_err() {
            activity.finish(false, "interrupted");
            return Err(interrupt::Interrupted.into());
        }
        if let Some(err) = log.failed.take() {
            activity.finish(false, "its log could not be written");
            return Err(Log::error(&log.path, err).into());
        }
        let ok = streamed.map_err(|err| EngineError::Stopped {
            program: self.engine.program.display().to_string(),
            detail: err.to_string(),
        })?;
        if !ok && !self.engine.answers(self.runner) {
            activity.finish(false, "the engine stopped");
            return Err(EngineError::Stopped {
                program: self.engine.program.display().to_string(),
                detail: "it no longer answers `version`".to_string(),
            }
            .into());
        }
        let load_seconds = load.seconds().map(|load| load.min(wall));
        let seconds = wall - load_seconds.unwrap_or(0.0);
        let problem = match (&tag, &spec.iidfile) {
            (Some(tag), Some(iidfile)) if ok => self.not_in_store(tag, iidfile)?,
            _ => None,
        };
        if let Some(problem) = &problem {
            log.line(problem)?;
        }
        let ok = ok && problem.is_none();
        let mut summary = figures::seconds(seconds);
        if let Some(load) = load_seconds {
            summary = format!("{summary}, load {}", figures::seconds(load));
        }
        if !ok {
            summary = format!("failed after {summary}");
        }
        activity.finish(ok, &summary);
        Ok(Timed {
            ok,
            seconds,
            load_seconds,
            problem,
        })
    }

    /// Why the image tagged `tag` in the engine's store is not the one the
    /// build that wrote `iidfile` made, if it is not: a builder outside the
    /// daemon that did not load its result leaves the tag on an older image,
    /// whose figures must never pass for this build's.
    fn not_in_store(&self, tag: &str, iidfile: &Path) -> Result<Option<String>, EngineError> {
        let built = std::fs::read_to_string(iidfile)
            .ok()
            .map(|id| id.trim().to_string())
            .filter(|id| !id.is_empty());
        let stored = self.engine.image_id(self.runner, tag)?;
        // buildah writes `sha256:ID` and podman inspects as the bare ID.
        let bare = |id: &String| id.trim_start_matches("sha256:").to_string();
        if built.is_some() && built.as_ref().map(bare) == stored.as_ref().map(bare) {
            return Ok(None);
        }
        let short = |id: &String| reference::short(id).to_string();
        let found = match (&built, &stored) {
            (None, None) => "left no image in the engine's store".to_string(),
            (None, Some(old)) => format!(
                "left no image in the engine's store, where `{tag}` is still an older image ({})",
                short(old)
            ),
            (Some(new), None) => format!(
                "made image {}, which is not in the engine's store",
                short(new)
            ),
            (Some(new), Some(old)) => format!(
                "made image {} but `{tag}` in the engine's store is {}",
                short(new),
                short(old)
            ),
        };
        Ok(Some(match &self.engine.builder {
            Some(builder) => format!(
                "the build on builder {} {found}, so dockwright reports no figures for it; check that `docker buildx build --builder {} --load` puts images into this engine's store, or build on a builder with the `docker` driver",
                builder.describe(),
                builder.name
            ),
            None => format!(
                "the build on the active buildx builder {found}, so dockwright reports no figures for it; pass `--builder NAME` with that builder's name from `docker buildx ls`, so that dockwright loads the image with `--load`"
            ),
        }))
    }
}

/// Why the base image `base` cannot be built from, as the builder (a
/// builder `outside` the daemon, or the daemon) said `why`.
fn unavailable(base: &str, outside: bool, why: &str) -> String {
    let cannot = if outside {
        "cannot be resolved in a registry by the builder"
    } else {
        "is not in the engine's store and cannot be pulled"
    };
    match reference::digest(base) {
        Some(digest) => format!(
            "the pinned base image `{}` (digest {digest}) {cannot} ({why}); if the registry no longer holds that digest, pin what the tag points at now with `dockwright pin`, or drop `@{digest}` from dockwright.toml",
            reference::without_digest(base)
        ),
        None => format!("base image `{base}` {cannot} ({why})"),
    }
}

/// The last `lines` lines of the file at `path`.
pub fn log_tail(path: &Path, lines: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::fake::Fake;
    use crate::engine::tests::engine;
    use crate::engine::{BuildKit, Builder};

    const TAG: &str = "hello:uv";
    const INSPECT: &str = "/usr/bin/docker image inspect --format '{{.Id}}' hello:uv";

    fn spec() -> BuildSpec {
        BuildSpec {
            dockerfile: PathBuf::from("uv.Dockerfile"),
            context: PathBuf::from("."),
            destination: Destination::Tag(TAG.into()),
            labels: Vec::new(),
            build_args: Vec::new(),
            no_cache: false,
            pull: false,
            iidfile: None,
            platform: None,
            secrets: Vec::new(),
        }
    }

    /// A fake engine whose store holds `stored` as hello:uv, and whose
    /// builds succeed, writing `built` to the file `--iidfile` names.
    fn fake(stored: Option<&str>, built: Option<&'static str>) -> Fake {
        let answer = match stored {
            Some(id) => (INSPECT, true, id, ""),
            None => (INSPECT, false, "", "Error: No such image: hello:uv"),
        };
        Fake::new(&[answer]).building(move |cmd, _| {
            let at = cmd.args.iter().position(|a| a == "--iidfile");
            if let (Some(at), Some(id)) = (at, built) {
                std::fs::write(&cmd.args[at + 1], id).unwrap();
            }
            true
        })
    }

    fn build(engine: &Engine, fake: &Fake) -> Timed {
        let dir = tempfile::tempdir().unwrap();
        let mut log = Log::create(&dir.path().join("uv.log")).unwrap();
        BuildRunner::new(engine, fake)
            .build(&spec(), &mut log, "uv")
            .unwrap()
    }

    const DIGESTS: &str =
        "/usr/bin/docker image inspect --format '{{range .RepoDigests}}{{println .}}{{end}}'";

    /// Before a cold build, the cache mounts the Dockerfile uses are pruned
    /// by their records, found by id, and no other project's: a prune of any
    /// other record would not be in the fake's table, and fail.
    #[test]
    fn a_cold_build_empties_its_own_cache_mounts_and_no_others() {
        let du = "ID:\tours\nSize:\t1MB\nDescription:\tcached mount /root/.cache/pip from exec /bin/sh -c pip install with id \"dockwright-shop-pip\"\nType:\texec.cachemount\n\n\
                  ID:\ttheirs\nSize:\t2MB\nDescription:\tcached mount /root/.cache/pip from exec /bin/sh -c pip install with id \"dockwright-other-pip\"\nType:\texec.cachemount\n\n\
                  ID:\tshared\nSize:\t3MB\nDescription:\tcached mount /root/.cache/uv from exec /bin/sh -c uv pip install with id \"//root/.cache/uv\"\nType:\texec.cachemount\n";
        let fake = Fake::new(&[
            ("/usr/bin/docker buildx du --verbose", true, du, ""),
            (
                "/usr/bin/docker buildx prune -f --filter id=ours",
                true,
                "",
                "",
            ),
            (
                "/usr/bin/docker buildx prune -f --filter id=shared",
                true,
                "",
                "",
            ),
        ]);
        let engine = engine(BuildKit::Buildx);
        let dir = tempfile::tempdir().unwrap();
        let mut log = Log::create(&dir.path().join("uv.log")).unwrap();
        let mut runner = BuildRunner::new(&engine, &fake);
        let ids = [
            "dockwright-shop-pip".to_string(),
            "/root/.cache/uv".to_string(),
        ];
        assert_eq!(runner.empty_cache_mounts(&ids, &mut log).unwrap(), 2);
        assert_eq!(
            runner.commands,
            [
                "/usr/bin/docker buildx prune -f --filter id=ours",
                "/usr/bin/docker buildx prune -f --filter id=shared"
            ]
        );
        // A Dockerfile without cache mounts asks nothing.
        assert_eq!(runner.empty_cache_mounts(&[], &mut log).unwrap(), 0);
        // A prune that fails stops the measurement: its cold build would be warm.
        let failing = Fake::new(&[
            ("/usr/bin/docker buildx du --verbose", true, du, ""),
            (
                "/usr/bin/docker buildx prune -f --filter id=ours",
                false,
                "",
                "busy",
            ),
        ]);
        let mut runner = BuildRunner::new(&engine, &failing);
        let err = runner.empty_cache_mounts(&ids[..1], &mut log).unwrap_err();
        assert!(err.to_string().contains("`dockwright-shop-pip`"), "{err}");
    }

    /// A base resolved in a registry by the build is recorded with the
    /// digest its progress showed; one taken from the store, with the digest
    /// it was pulled with there, or else its local id.
    #[test]
    fn the_bases_a_build_used_are_recorded_with_their_digests() {
        let slim = "python:3.13-slim";
        let uv = "ghcr.io/astral-sh/uv:0.13.9";
        let full = "python:3.13";
        let fake = Fake::new(&[
            (&format!("{DIGESTS} {uv}"), true, "\n", ""),
            (
                &format!("/usr/bin/docker image inspect --format '{{{{.Id}}}}' {uv}"),
                true,
                "sha256:1d\n",
                "",
            ),
            (
                &format!("{DIGESTS} {full}"),
                true,
                "127.0.0.1:5000/library/python@sha256:0th\npython@sha256:f0\n",
                "",
            ),
        ])
        .building(|_, line| {
            line("#5 [build 1/4] FROM docker.io/library/python:3.13-slim@sha256:5a");
            line("#6 [stage-1 1/2] FROM docker.io/library/python:3.13");
            true
        });
        let engine = engine(BuildKit::Buildx);
        let dir = tempfile::tempdir().unwrap();
        let mut log = Log::create(&dir.path().join("uv.log")).unwrap();
        let mut runner = BuildRunner::new(&engine, &fake);
        let spec = BuildSpec {
            destination: Destination::Nowhere,
            ..spec()
        };
        runner.build(&spec, &mut log, "uv").unwrap();
        let pinned = format!("{slim}@sha256:9e");
        let bases = [slim, uv, full, &pinned].map(str::to_string);
        let used = runner.used(&bases).unwrap();
        let found: Vec<(Option<&str>, Option<&str>)> = used
            .iter()
            .map(|base| (base.digest.as_deref(), base.local_id.as_deref()))
            .collect();
        assert_eq!(
            found,
            [
                (Some("sha256:5a"), None),
                (None, Some("sha256:1d")),
                (Some("sha256:f0"), None),
                (Some("sha256:9e"), None),
            ]
        );
    }

    /// A pinned base that the engine can neither find nor pull is named
    /// with its digest and the fix.
    #[test]
    fn a_pinned_base_that_cannot_be_had_is_named_with_its_digest() {
        let pinned = "python:3.13-slim@sha256:00";
        let fake = Fake::new(&[
            (
                &format!("/usr/bin/docker image inspect --format '{{{{.Id}}}}' {pinned}"),
                false,
                "",
                "Error: No such image",
            ),
            (
                &format!("/usr/bin/docker pull {pinned}"),
                false,
                "",
                "Error response from daemon: manifest unknown",
            ),
        ]);
        let engine = engine(BuildKit::Builtin);
        let why = BuildRunner::new(&engine, &fake)
            .missing(&[pinned.to_string()])
            .unwrap()
            .unwrap();
        assert_eq!(
            why,
            "the pinned base image `python:3.13-slim` (digest sha256:00) is not in the engine's store and cannot be pulled (Error response from daemon: manifest unknown); if the registry no longer holds that digest, pin what the tag points at now with `dockwright pin`, or drop `@sha256:00` from dockwright.toml"
        );
    }

    #[test]
    fn the_image_the_build_made_passes() {
        let timed = build(
            &engine(BuildKit::Builtin),
            &fake(Some("sha256:aaa\n"), Some("sha256:aaa")),
        );
        assert!(timed.ok && timed.problem.is_none(), "{timed:?}");
        // buildah writes `sha256:ID`, podman inspects as the bare ID.
        let podman = build(
            &engine(BuildKit::Podman),
            &fake(Some("aaa"), Some("sha256:aaa")),
        );
        assert!(podman.ok, "{podman:?}");
    }

    #[test]
    fn an_older_image_under_the_tag_fails_the_build_naming_the_fix() {
        for (stored, built) in [
            (Some("sha256:0ld"), None),
            (Some("sha256:0ld"), Some("sha256:new")),
            (None, None),
            (None, Some("sha256:new")),
        ] {
            let timed = build(&engine(BuildKit::Buildx), &fake(stored, built));
            assert!(!timed.ok, "{stored:?} {built:?}");
            let problem = timed.problem.unwrap();
            assert!(
                problem.contains("active buildx builder") && problem.contains("--builder NAME"),
                "{problem}"
            );
            assert_eq!(problem.matches("; ").count(), 1, "{problem}");
        }
    }

    #[test]
    fn a_named_builder_is_named_when_its_image_is_not_in_the_store() {
        let mut on_remote = engine(BuildKit::Buildx);
        on_remote.builder = Some(Builder {
            name: "dockwright-remote".into(),
            driver: "remote".into(),
        });
        let timed = build(&on_remote, &fake(Some("sha256:0ld"), None));
        let problem = timed.problem.unwrap();
        assert!(
            problem.contains("builder `dockwright-remote` (remote driver)")
                && problem.contains("older image (0ld)")
                && problem.contains("--load"),
            "{problem}"
        );
    }

    #[test]
    fn a_failed_build_is_not_inspected() {
        // No inspect answer: inspecting would fail to start.
        let fake = Fake::new(&[("/usr/bin/docker version", true, "", "")]).building(|_, _| false);
        let timed = build(&engine(BuildKit::Builtin), &fake);
        assert!(!timed.ok && timed.problem.is_none(), "{timed:?}");
    }

    #[test]
    fn an_id_left_by_the_last_build_does_not_vouch_for_this_one() {
        let dir = tempfile::tempdir().unwrap();
        let mut log = Log::create(&dir.path().join("uv.log")).unwrap();
        let engine = engine(BuildKit::Buildx);
        let first = fake(Some("sha256:0ld"), Some("sha256:0ld"));
        let mut runner = BuildRunner::new(&engine, &first);
        assert!(runner.build(&spec(), &mut log, "uv").unwrap().ok);
        // The next build writes no id: the first one's must not count.
        let second = fake(Some("sha256:0ld"), None);
        let timed = BuildRunner::new(&engine, &second)
            .build(&spec(), &mut log, "uv")
            .unwrap();
        assert!(!timed.ok, "{timed:?}");
    }
}
