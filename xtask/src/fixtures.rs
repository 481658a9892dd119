//! Local stand-ins for the registry base images, tagged with the official names: this machine
//! reaches package registries but no container registry, so every `FROM` must be satisfied from
//! images built here (see ENVIRONMENT.md).
//!
//! A fixture's root filesystem is cached as a tarball keyed by a hash of its recipe, and the
//! imported image carries that hash in a label: an unchanged recipe costs one `docker image
//! inspect` on the next run, and a look at the local registry, where each fixture is published
//! under its official name (`publish`).

mod cache;
mod debian;
mod official;
mod publish;
mod wheel;

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, PoisonError};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use duct::Expression;

use crate::engine::Engine;
use crate::process;
use cache::Cache;
use debian::Rootfs;
use official::OfficialBuild;
use wheel::WheelFiles;

/// The label holding the recipe hash of a fixture image.
pub const RECIPE_LABEL: &str = "dockwright.fixture.recipe";

/// Where a new image waits for its smoke test.
const STAGING_REPOSITORY: &str = "dockwright-fixture-staging";

/// Two cores: a third debootstrap would only slow the other two down.
const PARALLEL_BUILDS: usize = 2;

pub struct Fixture {
    /// The official name. A fixture for another architecture than the host's is tagged
    /// [`Fixture::local_tag`] in the engine, and joins the host's image in a manifest list
    /// under this name in the registry.
    pub tag: &'static str,
    pub source: Source,
    /// Arguments of a `docker run --rm TAG ...` that must succeed after each import.
    pub smoke: &'static [&'static str],
}

pub enum Source {
    /// A Debian root filesystem made by debootstrap.
    Debian(Rootfs),
    /// Executables taken from a tool's PyPI wheel: the image holds nothing else.
    Wheel(WheelFiles),
    /// CPython built from source into /usr/local on another fixture, as the official python
    /// images are.
    Official(OfficialBuild),
    /// Cannot be made on this machine, for the reason given.
    Unavailable(&'static str),
}

/// The architecture a fixture's programs are built for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arch {
    /// The host's, run natively.
    Host,
    /// linux/arm64, made and run under qemu-user-static.
    Arm64,
}

impl Arch {
    /// Docker's name of the architecture: `amd64`, `arm64`.
    pub fn docker(self) -> &'static str {
        match self {
            Arch::Host => match std::env::consts::ARCH {
                "x86_64" => "amd64",
                "aarch64" => "arm64",
                other => other,
            },
            Arch::Arm64 => "arm64",
        }
    }

    /// The name wheels' platform tags and the kernel give it: `x86_64`, `aarch64`.
    pub fn machine(self) -> &'static str {
        match self {
            Arch::Host => std::env::consts::ARCH,
            Arch::Arm64 => "aarch64",
        }
    }

    /// The `--platform` of the engine calls that import and run the image: none for the
    /// host's own.
    fn platform(self) -> Option<String> {
        match self {
            Arch::Host => None,
            other => Some(format!("linux/{}", other.docker())),
        }
    }
}

impl Fixture {
    fn arch(&self) -> Arch {
        self.source
            .recipe()
            .map_or(Arch::Host, |recipe| recipe.arch())
    }

    /// The image's name in the engine: the official one for the host's architecture, with the
    /// architecture appended for another (`python:3.13-slim-arm64`).
    pub fn local_tag(&self) -> String {
        match self.arch() {
            Arch::Host => self.tag.to_owned(),
            arch => format!("{}-{}", self.tag, arch.docker()),
        }
    }
}

impl Source {
    /// How to make it, or why it cannot be made here.
    fn recipe(&self) -> Result<&dyn Recipe, &'static str> {
        match self {
            Source::Debian(rootfs) => Ok(rootfs),
            Source::Wheel(files) => Ok(files),
            Source::Official(build) => Ok(build),
            Source::Unavailable(reason) => Err(reason),
        }
    }
}

/// How one kind of fixture is made.
trait Recipe: Sync {
    /// Everything the root filesystem depends on, as text: its hash keys the cache.
    fn describe(&self, host: &Host) -> Result<String>;
    /// `docker import --change` instructions.
    fn changes(&self) -> &[&str];
    /// The architecture of the programs it holds.
    fn arch(&self) -> Arch {
        Arch::Host
    }
    /// The fixture this one is built FROM, which must be ready before [`Recipe::describe`].
    fn base(&self) -> Option<&'static str> {
        None
    }
    /// Writes the root filesystem as a tarball to `out`; `work` is an empty scratch directory
    /// and `log` takes the output of long-running tools.
    fn build(&self, host: &Host, work: &Path, log: &Path, out: &Path) -> Result<()>;
}

/// What the official python images carry, Debian's packaging of it.
const PYTHON: &[&str] = &[
    "python3",
    "python3-pip",
    "python3-venv",
    "python-is-python3",
    "adduser",
    "ca-certificates",
];

/// The compilers, autotools and -dev libraries that make the official "full" images big (they
/// are buildpack-deps), and let sdists build in them. ImageMagick, GLib and MySQL headers are
/// left out: no recipe here needs them, and they would add a few hundred MB.
const BUILD_TOOLS: &[&str] = &[
    "build-essential",
    "python3-dev",
    "pkg-config",
    "autoconf",
    "automake",
    "libtool",
    "file",
    "patch",
    "bzip2",
    "xz-utils",
    "unzip",
    "procps",
    "git",
    "curl",
    "wget",
    "libssl-dev",
    "libffi-dev",
    "zlib1g-dev",
    "libbz2-dev",
    "liblzma-dev",
    "libsqlite3-dev",
    "libreadline-dev",
    "libncurses-dev",
    "libgdbm-dev",
    "uuid-dev",
    "libxml2-dev",
    "libxslt1-dev",
    "libyaml-dev",
    "libjpeg-dev",
    "libpng-dev",
    "libpq-dev",
    "libcurl4-openssl-dev",
    "libgmp-dev",
    "libevent-dev",
    "libkrb5-dev",
];

/// The official python images' settings. SSL_CERT_FILE is the stand-ins' addition: uv trusts
/// the host's intercepting CA only through it.
const PYTHON_IMAGE: &[&str] = &[
    "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "ENV LANG=C.UTF-8",
    "ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt",
    r#"CMD ["python3"]"#,
];

const DEBIAN_IMAGE: &[&str] = &[
    "ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt",
    r#"CMD ["bash"]"#,
];

const UV_IMAGE: &[&str] = &["WORKDIR /io", r#"ENTRYPOINT ["/uv"]"#];

const PYTHON_SMOKE: &[&str] = &["python", "-c", "import ssl, venv, pip"];

/// The official layout's promises: Python in /usr/local, its shared library found, the
/// modules that need the runtime libraries, a working venv, and pip on PATH.
const OFFICIAL_LAYOUT_SMOKE: &[&str] = &[
    "sh",
    "-c",
    "python -c 'import sys; assert sys.prefix == \"/usr/local\", sys.prefix' \
     && python3 -c 'import ssl, sqlite3, venv, ctypes, bz2, lzma, zlib, readline, dbm.gnu, _uuid' \
     && python -m venv /tmp/venv && /tmp/venv/bin/python -m pip --version \
     && pip --version",
];

const NO_ALPINE: &str = "no Alpine package source is reachable here (only Debian's), \
                         so no musl root filesystem can be built";

/// Every image the tests and the demo may name in a `FROM`, in build order: the first three
/// are the ones Dockerfile work waits for, and a fixture built FROM another comes after it.
pub const FIXTURES: &[Fixture] = &[
    Fixture {
        tag: "python:3.13-slim",
        source: Source::Debian(Rootfs {
            suite: "trixie",
            packages: &[PYTHON],
            python: true,
            changes: PYTHON_IMAGE,
            arch: Arch::Host,
        }),
        smoke: PYTHON_SMOKE,
    },
    Fixture {
        tag: "ghcr.io/astral-sh/uv:0.13.9",
        source: Source::Wheel(WheelFiles {
            project: "uv",
            version: "0.13.9",
            // Statically linked, as in the official image: the manylinux wheel's binary needs
            // glibc's loader, which an image holding nothing else lacks.
            platform: "musllinux_1_1",
            files: &["uv", "uvx"],
            changes: UV_IMAGE,
            arch: Arch::Host,
        }),
        smoke: &["--version"],
    },
    Fixture {
        tag: "python:3.13",
        source: Source::Debian(Rootfs {
            suite: "trixie",
            packages: &[PYTHON, BUILD_TOOLS],
            python: true,
            changes: PYTHON_IMAGE,
            arch: Arch::Host,
        }),
        smoke: PYTHON_SMOKE,
    },
    Fixture {
        tag: "debian:trixie-slim",
        source: Source::Debian(Rootfs {
            suite: "trixie",
            packages: &[],
            python: false,
            changes: DEBIAN_IMAGE,
            arch: Arch::Host,
        }),
        smoke: &["bash", "-c", "true"],
    },
    // Not an official name: an alternative to python:3.13-slim with the official layout, for
    // `--build-arg PYTHON_SLIM_IMAGE=...`.
    Fixture {
        tag: "dockwright-official-layout/python:3.13-slim",
        source: Source::Official(OfficialBuild {
            base: "debian:trixie-slim",
            source_package: "python3.13",
            changes: PYTHON_IMAGE,
        }),
        smoke: OFFICIAL_LAYOUT_SMOKE,
    },
    Fixture {
        tag: "python:3.11-slim",
        source: Source::Debian(Rootfs {
            suite: "bookworm",
            packages: &[PYTHON],
            python: true,
            changes: PYTHON_IMAGE,
            arch: Arch::Host,
        }),
        smoke: PYTHON_SMOKE,
    },
    Fixture {
        tag: "python:3.11",
        source: Source::Debian(Rootfs {
            suite: "bookworm",
            packages: &[PYTHON, BUILD_TOOLS],
            python: true,
            changes: PYTHON_IMAGE,
            arch: Arch::Host,
        }),
        smoke: PYTHON_SMOKE,
    },
    // What `--platform linux/arm64` builds of the minimal preset read: the size profile's and
    // the balanced profile's recommendations, and uv-minimal. The root filesystem takes about
    // 7 minutes, debootstrap's second stage running under qemu.
    Fixture {
        tag: "python:3.13-slim",
        source: Source::Debian(Rootfs {
            suite: "trixie",
            packages: &[PYTHON],
            python: true,
            changes: PYTHON_IMAGE,
            arch: Arch::Arm64,
        }),
        smoke: PYTHON_SMOKE,
    },
    Fixture {
        tag: "ghcr.io/astral-sh/uv:0.13.9",
        source: Source::Wheel(WheelFiles {
            project: "uv",
            version: "0.13.9",
            platform: "musllinux_1_1",
            files: &["uv", "uvx"],
            changes: UV_IMAGE,
            arch: Arch::Arm64,
        }),
        smoke: &["--version"],
    },
    Fixture {
        tag: "python:3.13-alpine",
        source: Source::Unavailable(NO_ALPINE),
        smoke: &[],
    },
    Fixture {
        tag: "python:3.11-alpine",
        source: Source::Unavailable(NO_ALPINE),
        smoke: &[],
    },
];

/// Host facts every recipe depends on, gathered once.
struct Host<'a> {
    engine: &'a Engine,
    cache: Cache,
    /// The Debian mirror the host's apt uses, which is known to be reachable.
    mirror: String,
}

/// Makes sure every available fixture is in the engine with its current recipe.
pub fn ensure_all(engine: &Engine) -> Result<()> {
    let started = Instant::now();
    let host = Host {
        engine,
        cache: Cache::open()?,
        mirror: crate::apt_mirror::host_mirror(),
    };
    println!(
        "fixtures: cache {}, Debian mirror {}",
        host.cache.dir().display(),
        host.mirror
    );
    let mut todo = Vec::new();
    for fixture in FIXTURES {
        match fixture.source.recipe() {
            Ok(recipe) => todo.push((fixture, recipe)),
            Err(reason) => println!("[{}] unavailable: {reason}", fixture.local_tag()),
        }
    }

    // Taken in table order, so a base is always taken before the fixtures built FROM it: a
    // thread waiting for one waits for a build that another thread is already running.
    let next = AtomicUsize::new(0);
    let failures = Mutex::new(Vec::new());
    let finished = Finished::default();
    std::thread::scope(|scope| {
        for _ in 0..PARALLEL_BUILDS {
            scope.spawn(|| {
                while let Some(&(fixture, recipe)) = todo.get(next.fetch_add(1, Ordering::SeqCst)) {
                    let tag = fixture.local_tag();
                    let _turn = finished.turn(tag.clone());
                    if let Some(base) = recipe.base() {
                        finished.wait_for(base, &tag);
                    }
                    if let Err(error) = ensure_one(fixture, recipe, &host, &finished) {
                        println!("[{tag}] FAILED: {error:#}");
                        failures
                            .lock()
                            .expect("a fixture thread panicked")
                            .push(tag);
                    }
                }
            });
        }
    });

    let failures = failures.into_inner().expect("a fixture thread panicked");
    println!(
        "fixtures: {} of {} ready in {:.1} s",
        todo.len() - failures.len(),
        todo.len(),
        started.elapsed().as_secs_f64()
    );
    if !failures.is_empty() {
        bail!("fixtures not built: {}", failures.join(", "));
    }
    Ok(())
}

/// The fixtures whose turn is over, built or not, by local tag.
#[derive(Default)]
struct Finished {
    tags: Mutex<Vec<String>>,
    changed: Condvar,
}

impl Finished {
    /// Marks `tag` finished when dropped, even by a panic: whatever is built FROM it must not
    /// wait forever.
    fn turn(&self, tag: String) -> Turn<'_> {
        Turn {
            finished: self,
            tag,
        }
    }

    fn wait_for(&self, base: &str, waiting: &str) {
        let done = |tags: &[String]| tags.iter().any(|tag| tag == base);
        let mut tags = self.tags.lock().expect("a fixture thread panicked");
        if !done(&tags) {
            println!("[{waiting}] waiting for {base}");
        }
        while !done(&tags) {
            tags = self.changed.wait(tags).expect("a fixture thread panicked");
        }
    }
}

struct Turn<'a> {
    finished: &'a Finished,
    tag: String,
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        let mut tags = self
            .finished
            .tags
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        tags.push(self.tag.clone());
        self.finished.changed.notify_all();
    }
}

/// Makes sure the engine has the fixture with its current recipe, and the registry has it too:
/// another architecture's image joins the host's, once that is published, in a manifest list.
fn ensure_one(
    fixture: &Fixture,
    recipe: &dyn Recipe,
    host: &Host,
    finished: &Finished,
) -> Result<()> {
    let tag = fixture.local_tag();
    let description = recipe.describe(host)?;
    let image_key = cache::key(&[&description, &recipe.changes().join("\n")]);
    if image_label(host.engine, &tag).as_deref() == Some(image_key.as_str()) {
        println!("[{tag}] up to date (recipe {image_key})");
    } else {
        make(fixture, recipe, host, &description, &image_key)?;
    }
    match fixture.arch() {
        Arch::Host => publish::publish(host.engine, &tag),
        arch => {
            finished.wait_for(fixture.tag, &tag);
            publish::join(host.engine, fixture.tag, &tag, arch)
        }
    }
}

/// Imports the fixture from its root filesystem, built first unless cached.
fn make(
    fixture: &Fixture,
    recipe: &dyn Recipe,
    host: &Host,
    description: &str,
    image_key: &str,
) -> Result<()> {
    let started = Instant::now();
    let tag = fixture.local_tag();
    let tag = tag.as_str();
    let arch = fixture.arch();
    let tarball = host.cache.tarball(tag, &cache::key(&[description]));
    if tarball.exists() {
        println!("[{tag}] root filesystem cached: {}", tarball.display());
    } else {
        println!("[{tag}] building its root filesystem");
        let work = host.cache.fresh_work_dir(&tarball)?;
        let log = host.cache.log(tag);
        let partial = cache::partial(&tarball);
        recipe.build(host, &work, &log, &partial)?;
        host.cache.finish(tag, &work, &partial, &tarball)?;
        println!(
            "[{tag}] root filesystem built in {:.1} s",
            started.elapsed().as_secs_f64()
        );
    }

    // Imported and checked under a staging name first: the tag keeps pointing at the previous
    // image, which someone may be building from, until the new one has passed.
    let staging = format!("{STAGING_REPOSITORY}:{image_key}");
    import(
        host.engine,
        &staging,
        &tarball,
        recipe.changes(),
        image_key,
        arch,
    )?;
    if let Err(error) = smoke_test(host.engine, &staging, fixture.smoke, arch) {
        docker_quietly(host.engine, &["rmi", &staging]);
        // A broken tarball would otherwise be taken from the cache again on the next run.
        let _ = std::fs::remove_file(&tarball);
        return Err(error);
    }
    let previous = image_id(host.engine, tag);
    process::shown(&host.engine.docker, &["tag", &staging, tag]).run()?;
    docker_quietly(host.engine, &["rmi", &staging]);
    if let Some(previous) =
        previous.filter(|previous| image_id(host.engine, tag).as_ref() != Some(previous))
    {
        // Untagged, it would linger at a few hundred MB per recipe change; its registry
        // digests are references too, which keep `rmi` of its id from removing it. A container
        // still using it makes this fail, which is fine.
        for digest in publish::repo_digests(host.engine, &previous) {
            docker_quietly(host.engine, &["rmi", &digest]);
        }
        docker_quietly(host.engine, &["rmi", &previous]);
    }
    println!(
        "[{tag}] imported (recipe {image_key}) in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Runs a long build step with its output in `log`, which a failure quotes the end of.
fn run_logged(command: Expression, log: &Path, what: &str) -> Result<()> {
    let log_file =
        std::fs::File::create(log).with_context(|| format!("creating {}", log.display()))?;
    let ran = command
        .stdin_null()
        .stderr_to_stdout()
        .stdout_file(log_file)
        .unchecked()
        .run()?;
    if !ran.status.success() {
        bail!(
            "{what} failed; the end of {}:\n{}",
            log.display(),
            process::log_tail(log, 20)
        );
    }
    Ok(())
}

/// A clean-up whose failure changes nothing that matters.
fn docker_quietly(engine: &Engine, args: &[&str]) {
    let _ = process::shown(&engine.docker, args)
        .stdout_null()
        .stderr_null()
        .unchecked()
        .run();
}

fn image_label(engine: &Engine, tag: &str) -> Option<String> {
    let format = format!("{{{{ index .Config.Labels \"{RECIPE_LABEL}\" }}}}");
    process::first_line(
        &engine.docker,
        &["image", "inspect", "--format", &format, tag],
    )
}

fn image_id(engine: &Engine, tag: &str) -> Option<String> {
    process::first_line(
        &engine.docker,
        &["image", "inspect", "--format", "{{ .Id }}", tag],
    )
}

fn import(
    engine: &Engine,
    tag: &str,
    tarball: &Path,
    changes: &[&str],
    image_key: &str,
    arch: Arch,
) -> Result<()> {
    let label = format!("LABEL {RECIPE_LABEL}={image_key}");
    let platform = arch.platform();
    let mut args: Vec<&str> = vec!["import"];
    if let Some(platform) = &platform {
        args.extend(["--platform", platform]);
    }
    for change in changes.iter().copied().chain([label.as_str()]) {
        args.extend(["--change", change]);
    }
    let tarball = tarball
        .to_str()
        .context("the fixture cache path is not UTF-8")?;
    args.extend([tarball, tag]);
    process::shown(&engine.docker, &args)
        .stdout_null()
        .run()
        .with_context(|| format!("`docker import` of {tag} failed"))?;
    Ok(())
}

fn smoke_test(engine: &Engine, image: &str, smoke: &[&str], arch: Arch) -> Result<()> {
    let platform = arch.platform();
    let mut args = vec!["run", "--rm", "--network", "none"];
    if let Some(platform) = &platform {
        args.extend(["--platform", platform]);
    }
    args.push(image);
    args.extend(smoke);
    let output = process::quiet(&engine.docker, &args)
        .stdin_null()
        .stderr_to_stdout()
        .stdout_capture()
        .unchecked()
        .run()?;
    if !output.status.success() {
        bail!(
            "the imported image fails `docker {}`:\n{}",
            args.join(" "),
            String::from_utf8_lossy(&output.stdout)
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_unique() {
        let mut tags: Vec<String> = FIXTURES.iter().map(Fixture::local_tag).collect();
        tags.sort_unstable();
        tags.dedup();
        assert_eq!(tags.len(), FIXTURES.len());
    }

    #[test]
    fn bases_are_buildable_fixtures_listed_earlier() {
        for (at, fixture) in FIXTURES.iter().enumerate() {
            let Some(base) = fixture
                .source
                .recipe()
                .ok()
                .and_then(|recipe| recipe.base())
            else {
                continue;
            };
            let earlier = FIXTURES[..at].iter().find(|other| other.tag == base);
            assert!(
                earlier.is_some_and(|other| other.source.recipe().is_ok()),
                "{} is built FROM {base}, which must be a buildable fixture listed before it",
                fixture.tag
            );
        }
    }

    #[test]
    fn another_architectures_fixture_joins_a_host_fixture_listed_before_it() {
        let foreign: Vec<(usize, &Fixture)> = FIXTURES
            .iter()
            .enumerate()
            .filter(|(_, fixture)| fixture.arch() != Arch::Host)
            .collect();
        assert!(!foreign.is_empty(), "the arm64 stand-ins are in the table");
        for (at, fixture) in foreign {
            assert_eq!(fixture.local_tag(), format!("{}-arm64", fixture.tag));
            assert!(
                FIXTURES[..at]
                    .iter()
                    .any(|host| host.tag == fixture.tag && host.arch() == Arch::Host),
                "{} waits for the host's {} to be published, which must come first",
                fixture.local_tag(),
                fixture.tag
            );
        }
    }

    #[test]
    fn every_buildable_fixture_has_a_smoke_test() {
        for fixture in FIXTURES {
            let buildable = !matches!(fixture.source, Source::Unavailable(_));
            assert_eq!(buildable, !fixture.smoke.is_empty(), "{}", fixture.tag);
        }
    }
}
