//! What dockwright needs to know about a Dockerfile before building it: the
//! build arguments it declares, the base images it pulls from, and whether it
//! needs BuildKit. Read from the file itself, so a user's edits count.

use std::collections::BTreeMap;

use crate::ca;
use crate::config::{Images, Role};

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Facts {
    /// `--build-arg` values to pass, from the image settings.
    pub build_args: Vec<(String, String)>,
    /// Images the build reads, with build arguments resolved: those it
    /// starts `FROM`, and those it copies (`COPY --from=IMAGE`) or mounts
    /// (`RUN --mount=from=IMAGE`) files out of; stages and `scratch` left out.
    pub bases: Vec<String>,
    /// `RUN --mount` needs BuildKit.
    pub needs_buildkit: bool,
    /// A `RUN` installs with `--no-binary`: packages compiled from source,
    /// minutes where wheels take seconds.
    pub compiles_from_source: bool,
    /// A `RUN` mounts the proxy's CA bundle, the secret `ca::SECRET_ID`.
    pub mounts_ca: bool,
    /// The ids of its cache mounts (`RUN --mount=type=cache`): `id=`, or
    /// the target path, BuildKit's default; build arguments resolved.
    pub cache_ids: Vec<String>,
    /// A `RUN` bind-mounts files from the build context (`--mount=type=bind`
    /// without `from=`), which some builders leave out of its cache key.
    pub binds_context: bool,
}

pub fn facts(text: &str, images: &Images) -> Facts {
    let mut defaults: BTreeMap<String, String> = BTreeMap::new();
    let mut build_args = Vec::new();
    let mut stages = Vec::new();
    let mut bases = Vec::new();
    let mut needs_buildkit = false;
    let mut compiles_from_source = false;
    let mut mounts_ca = false;
    let mut cache_ids = Vec::new();
    let mut binds_context = false;
    for line in instructions(text) {
        let mut words = line.split_whitespace();
        let keyword = words.next().unwrap_or_default().to_ascii_uppercase();
        let rest: Vec<&str> = words.collect();
        match keyword.as_str() {
            "ARG" => {
                for arg in &rest {
                    let (name, default) = match arg.split_once('=') {
                        Some((name, value)) => (name, Some(value.trim_matches('"'))),
                        None => (*arg, None),
                    };
                    let setting = Role::ALL.into_iter().find(|role| role.build_arg() == name);
                    let value = setting
                        .map(|role| images.get(role).to_string())
                        .or(default.map(str::to_string));
                    if let Some(value) = value {
                        if setting.is_some() && !build_args.iter().any(|(n, _)| n == name) {
                            build_args.push((name.to_string(), value.clone()));
                        }
                        defaults.insert(name.to_string(), value);
                    }
                }
            }
            "FROM" => {
                let args: Vec<&str> = rest
                    .iter()
                    .copied()
                    .filter(|w| !w.starts_with("--"))
                    .collect();
                if let Some(image) = args.first() {
                    read_image(image, &defaults, &stages, &mut bases);
                }
                if let [_, as_word, stage] = args.as_slice() {
                    if as_word.eq_ignore_ascii_case("as") {
                        stages.push(stage.to_string());
                    }
                }
            }
            "RUN" => {
                needs_buildkit |= rest.iter().any(|w| w.starts_with("--mount"));
                compiles_from_source |= rest.iter().any(|w| w.starts_with("--no-binary"));
                let mounts = rest.iter().filter_map(|w| w.strip_prefix("--mount="));
                mounts_ca |= mounts.clone().any(mounts_ca_secret);
                binds_context |= mounts.clone().any(binds_context_files);
                for written in mounts.clone().filter_map(cache_id) {
                    let id = substitute(&written, &defaults);
                    if !cache_ids.contains(&id) {
                        cache_ids.push(id);
                    }
                }
                for image in mounts.filter_map(mount_source) {
                    read_image(image, &defaults, &stages, &mut bases);
                }
            }
            "COPY" => {
                let sources = rest.iter().filter_map(|w| w.strip_prefix("--from="));
                for image in sources {
                    read_image(image, &defaults, &stages, &mut bases);
                }
            }
            _ => {}
        }
    }
    Facts {
        build_args,
        bases,
        needs_buildkit,
        compiles_from_source,
        mounts_ca,
        cache_ids,
        binds_context,
    }
}

/// Whether a `--mount` option list bind-mounts files from the build
/// context: a bind (the default type) with no `from=`.
fn binds_context_files(options: &str) -> bool {
    let options: Vec<&str> = options.split(',').collect();
    let bind = options
        .iter()
        .find_map(|o| o.strip_prefix("type="))
        .is_none_or(|kind| kind == "bind");
    bind && !options.iter().any(|o| o.starts_with("from="))
}

/// The id of a `--mount` option list that mounts a cache: `id=`, else its
/// target.
fn cache_id(options: &str) -> Option<String> {
    let options: Vec<&str> = options.split(',').collect();
    if !options.contains(&"type=cache") {
        return None;
    }
    let value = |key: &str| options.iter().find_map(|o| o.strip_prefix(key));
    value("id=")
        .or_else(|| {
            value("target=")
                .or_else(|| value("dst="))
                .or_else(|| value("destination="))
        })
        .map(str::to_string)
}

/// Whether a `--mount` option list mounts the CA bundle's secret.
fn mounts_ca_secret(options: &str) -> bool {
    let options: Vec<&str> = options.split(',').collect();
    options.contains(&"type=secret") && options.contains(&format!("id={}", ca::SECRET_ID).as_str())
}

/// Adds `word` (build arguments resolved) to `bases` when it names an image:
/// not an earlier stage, by name or by index, not `scratch`, not yet listed.
fn read_image(
    word: &str,
    defaults: &BTreeMap<String, String>,
    stages: &[String],
    bases: &mut Vec<String>,
) {
    let image = substitute(word, defaults);
    let known_stage =
        stages.iter().any(|s| s.eq_ignore_ascii_case(&image)) || image.parse::<usize>().is_ok();
    if !known_stage && image != "scratch" && !bases.contains(&image) {
        bases.push(image);
    }
}

/// The `from=` of a `--mount` option list (`type=bind,from=uv,source=/uv`).
fn mount_source(options: &str) -> Option<&str> {
    options
        .split(',')
        .find_map(|option| option.strip_prefix("from="))
}

/// Instructions with comments dropped and continuation lines joined.
fn instructions(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('#') || (trimmed.is_empty() && current.is_empty()) {
            continue;
        }
        match trimmed.strip_suffix('\\') {
            Some(head) => {
                current.push_str(head);
                current.push(' ');
            }
            None => {
                current.push_str(trimmed);
                out.push(std::mem::take(&mut current));
            }
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// Replaces `$NAME` and `${NAME}` with the values known so far.
fn substitute(word: &str, values: &BTreeMap<String, String>) -> String {
    let mut out = word.to_string();
    for (name, value) in values {
        out = out
            .replace(&format!("${{{name}}}"), value)
            .replace(&format!("${name}"), value);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn images() -> Images {
        Images::for_python("3.13")
    }

    #[test]
    fn reads_image_arguments_bases_and_mounts() {
        let text = "ARG PYTHON_SLIM_IMAGE=python:3.12-slim\nARG UV_IMAGE=uv:old\nFROM ${UV_IMAGE} AS uv\nFROM $PYTHON_SLIM_IMAGE AS build\n# RUN --mount in a comment\nRUN --mount=type=cache,target=/root/.cache/uv \\\n    uv pip install x\nFROM scratch\nCOPY --from=build / /\n";
        let facts = facts(text, &images());
        assert_eq!(
            facts.build_args,
            [
                (
                    "PYTHON_SLIM_IMAGE".to_string(),
                    "python:3.13-slim".to_string()
                ),
                (
                    "UV_IMAGE".to_string(),
                    "ghcr.io/astral-sh/uv:0.13.9".to_string()
                ),
            ]
        );
        assert_eq!(
            facts.bases,
            ["ghcr.io/astral-sh/uv:0.13.9", "python:3.13-slim"]
        );
        assert!(facts.needs_buildkit);
    }

    #[test]
    fn a_plain_dockerfile_needs_no_buildkit() {
        let facts = facts(
            "FROM python:3.13\nCOPY . /app\nRUN pip install -r requirements.txt\n",
            &images(),
        );
        assert_eq!(facts.bases, ["python:3.13"]);
        assert!(facts.build_args.is_empty());
        assert!(!facts.needs_buildkit);
        assert!(!facts.compiles_from_source);
    }

    #[test]
    fn no_binary_installs_compile_from_source() {
        let facts = facts(
            "FROM python:3.13\nRUN pip install \\\n    --no-binary :all: -r requirements.txt\n",
            &images(),
        );
        assert!(facts.compiles_from_source);
    }

    #[test]
    fn a_secret_mount_with_the_ca_id_mounts_the_ca_and_no_other_does() {
        let with = |mount: &str| {
            facts(
                &format!("FROM python:3.13\nRUN --mount={mount} \\\n    pip install flask\n"),
                &images(),
            )
            .mounts_ca
        };
        assert!(with("type=secret,id=dockwright-ca"));
        assert!(with("id=dockwright-ca,type=secret,required=true"));
        assert!(!with("type=secret,id=npmrc"));
        assert!(!with("type=cache,id=dockwright-ca"));
        assert!(!facts("FROM python:3.13\nRUN pip install flask\n", &images()).mounts_ca);
    }

    #[test]
    fn cache_mounts_are_known_by_their_id_or_else_their_target() {
        let facts = facts(
            "FROM python:3.13\nRUN --mount=type=cache,id=dockwright-shop-pip,target=/root/.cache/pip \\\n    --mount=type=cache,target=/root/.cache/uv \\\n    --mount=type=bind,source=a,target=/a pip install -r a\nRUN --mount=type=cache,target=/root/.cache/uv uv pip install x\n",
            &images(),
        );
        assert_eq!(facts.cache_ids, ["dockwright-shop-pip", "/root/.cache/uv"]);
    }

    #[test]
    fn bind_mounts_from_the_context_are_told_from_those_from_an_image() {
        let binds = |mount: &str| {
            facts(
                &format!("FROM python:3.13\nRUN --mount={mount} true\n"),
                &images(),
            )
            .binds_context
        };
        assert!(binds(
            "type=bind,source=requirements.txt,target=/app/requirements.txt"
        ));
        assert!(binds(
            "source=requirements.txt,target=/app/requirements.txt"
        ));
        assert!(!binds(
            "type=bind,from=uv,source=/uv,target=/usr/local/bin/uv"
        ));
        assert!(!binds("type=cache,target=/root/.cache/pip"));
        assert!(!binds("type=secret,id=dockwright-ca"));
    }

    #[test]
    fn cache_ids_are_read_with_build_arguments_resolved() {
        let text = "FROM python:3.13\nARG CACHE=shop\n\
                    RUN --mount=type=cache,id=${CACHE}-pip,target=/root/.cache/pip pip install x\n";
        assert_eq!(facts(text, &images()).cache_ids, ["shop-pip"]);
    }

    #[test]
    fn images_copied_or_mounted_from_are_read_too() {
        let text = "ARG TOOLS=busybox:1.36\nFROM python:3.13-slim AS build\n\
                    COPY --from=ghcr.io/astral-sh/uv:0.13.9 /uv /bin/uv\n\
                    RUN --mount=type=bind,from=${TOOLS},source=/bin,target=/t \\\n    /t/true\n\
                    RUN --mount=type=cache,target=/c --mount=from=build,target=/b true\n\
                    FROM scratch\nCOPY --from=build / /\nCOPY --from=0 / /\nCOPY --from=debian:trixie-slim /etc /etc\n";
        assert_eq!(
            facts(text, &images()).bases,
            [
                "python:3.13-slim",
                "ghcr.io/astral-sh/uv:0.13.9",
                "busybox:1.36",
                "debian:trixie-slim"
            ]
        );
    }

    #[test]
    fn later_stages_that_start_from_earlier_ones_are_not_bases() {
        let facts = facts(
            "FROM python:3.13 AS base\nFROM base AS test\nFROM base\n",
            &images(),
        );
        assert_eq!(facts.bases, ["python:3.13"]);
    }
}
