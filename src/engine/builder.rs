//! buildx builders: the one a build runs on (`--builder`, BUILDX_BUILDER or
//! `[engine] builder`), its driver as `docker buildx inspect` tells it, and
//! whether its images reach the engine's store by themselves.

use super::{last_line, BuildKit, Engine, EngineError, Kind, Runner};

/// A buildx builder and its driver (`docker`, `docker-container`, `remote`,
/// `kubernetes`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Builder {
    pub name: String,
    pub driver: String,
}

impl Builder {
    /// Only the `docker` driver builds inside the daemon and so tags its
    /// images in the daemon's store; every other driver keeps the result in
    /// its own cache unless the build asks for `--load`.
    pub fn loads(&self) -> bool {
        self.driver != "docker"
    }

    /// `NAME (DRIVER driver)`, for messages and the run's environment line.
    pub fn describe(&self) -> String {
        format!("`{}` ({} driver)", self.name, self.driver)
    }
}

/// Whether `name` can be a buildx builder's name: buildx takes letters,
/// digits, `_`, `.` and `-`, and a leading `-` would read as a flag.
fn valid_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

/// The driver in `docker buildx inspect NAME`'s output: the builder's own
/// `Driver:` line, which comes before its nodes.
pub(super) fn driver_in(inspect: &str) -> Option<String> {
    inspect
        .lines()
        .take_while(|line| !line.starts_with("Nodes:"))
        .find_map(|line| line.strip_prefix("Driver:"))
        .map(|driver| driver.trim().to_string())
        .filter(|driver| !driver.is_empty())
}

impl Engine {
    /// The engine building on buildx builder `name`, whose driver it asks
    /// `docker buildx inspect` for. Only a docker client with buildx has
    /// builders; podman and docker before 23 are refused, as is a name
    /// buildx would not take or a builder it does not know.
    pub fn on_builder(mut self, runner: &dyn Runner, name: &str) -> Result<Engine, EngineError> {
        let program = self.program.display().to_string();
        if !valid_name(name) {
            return Err(EngineError::BadBuilderName {
                name: crate::error::printable(name),
            });
        }
        if self.kind == Kind::Podman {
            return Err(EngineError::BuilderOnPodman {
                program,
                name: name.to_string(),
            });
        }
        if self.buildkit != BuildKit::Buildx {
            return Err(EngineError::BuilderNeedsBuildx {
                program,
                version: self.client_version.clone(),
                name: name.to_string(),
            });
        }
        let out = self.call(runner, self.cmd(["buildx", "inspect", name]))?;
        let driver = driver_in(&out.stdout).filter(|_| out.success);
        let Some(driver) = driver else {
            return Err(EngineError::NoSuchBuilder {
                program,
                name: name.to_string(),
                said: last_line(&out.stderr),
            });
        };
        self.builder = Some(Builder {
            name: name.to_string(),
            driver,
        });
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::fake::Fake;
    use crate::engine::tests::engine;

    /// `docker buildx inspect default` of buildx 0.13.1 against dockerd 20.10.
    const DEFAULT: &str = include_str!("captured/inspect-default.txt");
    /// `docker buildx inspect NAME` of buildx 0.13.1 for a `remote` builder
    /// in front of buildkitd 0.25.0.
    const REMOTE: &str = include_str!("captured/inspect-remote.txt");

    #[test]
    fn reads_the_driver_from_buildx_inspect() {
        assert_eq!(driver_in(DEFAULT).as_deref(), Some("docker"));
        assert_eq!(driver_in(REMOTE).as_deref(), Some("remote"));
        assert_eq!(driver_in("Name: x\n\nNodes:\nDriver: remote\n"), None);
        assert_eq!(driver_in(""), None);
    }

    #[test]
    fn only_the_docker_driver_tags_in_the_engines_store() {
        let builder = |driver: &str| Builder {
            name: "b".into(),
            driver: driver.into(),
        };
        assert!(!builder("docker").loads());
        for driver in ["remote", "docker-container", "kubernetes"] {
            assert!(builder(driver).loads(), "{driver}");
        }
    }

    #[test]
    fn a_builder_is_found_by_inspecting_it() {
        let fake = Fake::new(&[(
            "/usr/bin/docker buildx inspect dockwright-remote",
            true,
            REMOTE,
            "",
        )]);
        let on = engine(BuildKit::Buildx)
            .on_builder(&fake, "dockwright-remote")
            .unwrap();
        assert_eq!(
            on.builder,
            Some(Builder {
                name: "dockwright-remote".into(),
                driver: "remote".into()
            })
        );
    }

    #[test]
    fn an_unknown_builder_says_how_to_list_them() {
        let fake = Fake::new(&[(
            "/usr/bin/docker buildx inspect nosuch",
            false,
            "",
            "ERROR: no builder \"nosuch\" found\n",
        )]);
        let err = engine(BuildKit::Buildx)
            .on_builder(&fake, "nosuch")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("no builder \"nosuch\" found") && err.contains("docker buildx ls"),
            "{err}"
        );
    }

    #[test]
    fn clients_without_buildx_refuse_a_builder_in_one_sentence() {
        let fake = Fake::new(&[]);
        let old = engine(BuildKit::Builtin)
            .on_builder(&fake, "remote")
            .unwrap_err();
        assert!(
            matches!(old, EngineError::BuilderNeedsBuildx { .. }),
            "{old}"
        );
        assert!(old.to_string().contains("20.10.24"), "{old}");
        let podman = Engine {
            kind: Kind::Podman,
            buildkit: BuildKit::Podman,
            ..engine(BuildKit::Podman)
        }
        .on_builder(&fake, "remote")
        .unwrap_err();
        assert!(
            matches!(podman, EngineError::BuilderOnPodman { .. }),
            "{podman}"
        );
        for bad in ["-rm", "", "a b", "x;y"] {
            let err = engine(BuildKit::Buildx).on_builder(&fake, bad).unwrap_err();
            assert!(matches!(err, EngineError::BadBuilderName { .. }), "{bad}");
        }
        for err in [old, podman] {
            assert_eq!(err.to_string().matches("; ").count(), 1, "{err}");
        }
    }
}
