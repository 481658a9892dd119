//! The project's ladder as a buildx bake file (`docker-bake.hcl`), so that
//! any builder (the local one, a remote BuildKit, a team's cluster) builds
//! every variant as `dockwright build` would: the same Dockerfiles, tags,
//! labels and base-image build arguments. One model, `Bake`, is written two
//! ways: as HCL for the file, and as the JSON that `docker buildx bake
//! --print` shows, which is how the tests check that buildx reads the file
//! as dockwright meant it.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::{Serialize, Serializer};

use crate::ca;
use crate::catalogue::Catalogue;
use crate::error::{printable, UserError};
use crate::ladder::Rung;
use crate::names;
use crate::platform::Platform;
use crate::project::Project;

/// The file `dockwright bake` writes in the project, where `docker buildx
/// bake` looks for it.
pub const FILE: &str = "docker-bake.hcl";

/// What the command line adds to the ladder.
#[derive(Debug, Default)]
pub struct Options {
    /// `os/arch[/variant]` platforms each target builds for; none leaves
    /// the builder's own.
    pub platforms: Vec<String>,
    /// A repository that holds each variant's build cache under the tag of
    /// the variant's name.
    pub cache_ref: Option<String>,
}

/// A bake file: its groups and targets, in the order they are written.
#[derive(Debug, PartialEq, Eq, Serialize)]
pub struct Bake {
    #[serde(rename = "group", serialize_with = "as_map")]
    groups: Vec<(String, Group)>,
    #[serde(rename = "target", serialize_with = "as_map")]
    targets: Vec<(String, Target)>,
}

#[derive(Debug, PartialEq, Eq, Serialize)]
struct Group {
    targets: Vec<String>,
}

/// One variant's build. Fields are named and left out as `docker buildx
/// bake --print` shows them, so that its JSON and this one compare equal.
#[derive(Debug, PartialEq, Eq, Serialize)]
struct Target {
    context: String,
    dockerfile: String,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    args: BTreeMap<String, String>,
    labels: BTreeMap<String, String>,
    tags: Vec<String>,
    #[serde(rename = "cache-from", skip_serializing_if = "Vec::is_empty")]
    cache_from: Vec<String>,
    #[serde(rename = "cache-to", skip_serializing_if = "Vec::is_empty")]
    cache_to: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    platforms: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    secret: Vec<String>,
}

fn as_map<S: Serializer, T: Serialize>(items: &[(String, T)], s: S) -> Result<S::Ok, S::Error> {
    s.collect_map(items.iter().map(|(name, item)| (name, item)))
}

impl Bake {
    /// The bake file of `project`'s ladder: a target per variant, a group
    /// per profile whose every variant the project has (the project's own
    /// profile is its ladder as dockwright.toml lists it), and `default`,
    /// the project's profile. Paths stay relative to the project, where the
    /// file is read, so that it works in any checkout of it.
    pub fn plan(
        project: &Project,
        catalogue: &Catalogue,
        options: &Options,
    ) -> Result<Bake, UserError> {
        for platform in &options.platforms {
            Platform::parse(platform).map_err(UserError::new)?;
        }
        if let Some(reference) = &options.cache_ref {
            check_cache_ref(reference)?;
        }
        let ladder = project.ladder.names();
        for name in &ladder {
            check_name(name, "variant")?;
        }
        let groups = groups(&project.config.project.profile, &ladder, catalogue)?;
        let targets = project
            .ladder
            .rungs
            .iter()
            .map(|rung| (rung.name.clone(), target(project, rung, options)))
            .collect();
        Ok(Bake { groups, targets })
    }

    /// The groups' names, `default` first.
    pub fn groups(&self) -> impl Iterator<Item = &str> {
        self.groups.iter().map(|(name, _)| name.as_str())
    }

    /// The file's text, in HCL.
    pub fn hcl(&self) -> String {
        let mut out = String::from(HEADER);
        for (name, group) in &self.groups {
            out.push('\n');
            let _ = writeln!(out, "group {} {{", quoted(name));
            let _ = writeln!(out, "  targets = {}", list(&group.targets));
            out.push_str("}\n");
        }
        for (name, target) in &self.targets {
            out.push('\n');
            let _ = writeln!(out, "target {} {{", quoted(name));
            let _ = writeln!(out, "  context    = {}", quoted(&target.context));
            let _ = writeln!(out, "  dockerfile = {}", quoted(&target.dockerfile));
            let _ = writeln!(out, "  tags       = {}", list(&target.tags));
            for (key, map) in [("labels", &target.labels), ("args", &target.args)] {
                if map.is_empty() {
                    continue;
                }
                let _ = writeln!(out, "  {key} = {{");
                for (name, value) in map {
                    let _ = writeln!(out, "    {} = {}", quoted(name), quoted(value));
                }
                out.push_str("  }\n");
            }
            for (key, values) in [
                ("platforms", &target.platforms),
                ("cache-from", &target.cache_from),
                ("cache-to", &target.cache_to),
                ("secret", &target.secret),
            ] {
                if !values.is_empty() {
                    let _ = writeln!(out, "  {key} = {}", list(values));
                }
            }
            out.push_str("}\n");
        }
        out
    }
}

/// `default`, the project's `profile` (its `ladder` as dockwright.toml
/// lists it), and each other profile of `catalogue` whose every variant
/// the ladder has: a group of part of a ladder would build a ladder nobody
/// chose.
fn groups(
    profile: &str,
    ladder: &[&str],
    catalogue: &Catalogue,
) -> Result<Vec<(String, Group)>, UserError> {
    check_name(profile, "profile")?;
    if profile == "default" {
        return Err(UserError::new(
            "the profile `default` cannot name a bake group, since bake's `default` group is the project's profile",
        )
        .help("rename the profile in dockwright.toml"));
    }
    let group = |targets: Vec<String>| Group { targets };
    let mut groups = vec![
        ("default".to_string(), group(vec![profile.to_string()])),
        (
            profile.to_string(),
            group(ladder.iter().map(|n| n.to_string()).collect()),
        ),
    ];
    for other in &catalogue.profiles {
        if other.name != profile && other.variants.iter().all(|v| ladder.contains(&v.as_str())) {
            groups.push((other.name.clone(), group(other.variants.clone())));
        }
    }
    if let Some((name, _)) = groups
        .iter()
        .find(|(name, _)| ladder.contains(&name.as_str()))
    {
        return Err(UserError::new(format!(
            "the variant `{name}` has the name of a bake group, so `docker buildx bake {name}` could not tell them apart"
        ))
        .help("rename the variant in dockwright.toml"));
    }
    Ok(groups)
}

/// The build of `rung`, as `dockwright build` makes it, with `options`.
fn target(project: &Project, rung: &Rung, options: &Options) -> Target {
    let cache = |suffix: &str| {
        options
            .cache_ref
            .iter()
            .map(|r| format!("type=registry,ref={r}:{}{suffix}", rung.name))
            .collect()
    };
    Target {
        context: ".".to_string(),
        dockerfile: rung.dockerfile.clone(),
        args: rung.facts.build_args.iter().cloned().collect(),
        labels: project.labels(rung).into_iter().collect(),
        tags: vec![rung.tag.clone()],
        cache_from: cache(""),
        cache_to: cache(",mode=max"),
        platforms: options.platforms.clone(),
        // As dockwright.toml names it: relative to the project, where bake runs.
        secret: match &project.config.tls.ca_file {
            Some(file) if rung.facts.mounts_ca => {
                vec![format!("id={},src={}", ca::SECRET_ID, file.display())]
            }
            _ => Vec::new(),
        },
    }
}

const HEADER: &str = "\
# Written by `dockwright bake` from dockwright.toml: a target per variant,
# tagged, labelled and given the base images as `dockwright build` does, and a
# group per profile. Run `dockwright bake` again after changing the project
# rather than editing this file.
#
#   docker buildx bake                         # the default group: the project's profile
#   docker buildx bake --print                 # what would be built, as JSON
#   docker buildx bake --builder NAME --load   # on another builder, loaded into the image store
";

/// `text` as an HCL quoted string that reads back as `text`: quotes,
/// backslashes and control characters escaped, and the `${` and `%{` that
/// would start an interpolation or a directive doubled.
fn quoted(text: &str) -> String {
    let mut out = String::from("\"");
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' | '%' if chars.peek() == Some(&'{') => {
                out.push(c);
                out.push(c);
            }
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|item| quoted(item)).collect();
    format!("[{}]", quoted.join(", "))
}

/// Bake's rule for the names of targets and groups.
fn check_name(name: &str, what: &str) -> Result<(), UserError> {
    let valid = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-'));
    if valid {
        return Ok(());
    }
    Err(UserError::new(format!(
        "the {what} `{}` cannot name a bake target or group, which take only letters, digits, `_` and `-`",
        printable(name)
    ))
    .help(format!("rename the {what} in dockwright.toml")))
}

/// A repository without a tag or digest (`registry.example:5000/team/app-cache`):
/// each variant's cache goes under the tag of its name.
fn check_cache_ref(reference: &str) -> Result<(), UserError> {
    let refuse = |why: String| {
        Err(UserError::new(format!(
            "`--cache-ref {}` {why}",
            printable(reference)
        ))
        .help("give a repository such as `registry.example:5000/team/app-cache`; each variant's cache is kept under the tag of its name"))
    };
    if reference.contains('@') {
        return refuse("carries a digest, but dockwright adds `:VARIANT` to it".to_string());
    }
    let mut parts: Vec<&str> = reference.split('/').collect();
    let host = parts.len() > 1 && (parts[0].contains(['.', ':']) || parts[0] == "localhost");
    if host {
        let registry = parts.remove(0);
        let (name, port) = registry.split_once(':').unwrap_or((registry, "0"));
        let name_ok = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-'));
        if !name_ok || port.is_empty() || !port.chars().all(|c| c.is_ascii_digit()) {
            return refuse(format!(
                "does not start with a registry host such as `127.0.0.1:5000`: `{}` is not one",
                printable(registry)
            ));
        }
    }
    if let Some(last) = parts.last().filter(|last| last.contains(':')) {
        return refuse(format!(
            "carries a tag (`{}`), but dockwright adds `:VARIANT` to it",
            printable(last)
        ));
    }
    if let Some(bad) = parts
        .iter()
        .find(|part| !names::is_repository_component(part))
    {
        return refuse(format!(
            "has `{}` in its path, which is not a repository name: use lowercase letters and digits, with `.`, `_` or `-` between them",
            printable(bad)
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::project::Selection;
    use serde_json::json;

    /// A project in a temporary directory with the variants `variants`
    /// (name, Dockerfile path) of profile `profile`, each Dockerfile built
    /// on the slim image; `extra` is appended to dockwright.toml.
    fn project(
        profile: &str,
        variants: &[(&str, &str)],
        extra: &str,
    ) -> (tempfile::TempDir, Project) {
        let dir = tempfile::tempdir().unwrap();
        let mut toml = format!(
            "[project]\nname = \"shop\"\npython = \"3.13\"\nport = 5000\nentry = \"app:app\"\napp_file = \"app.py\"\nrequirements = \"requirements.txt\"\ninstall_project = false\nprofile = \"{profile}\"\n\n[images]\nfull = \"python:3.13\"\nslim = \"python:3.13-slim\"\nalpine = \"python:3.13-alpine\"\nuv = \"ghcr.io/astral-sh/uv:0.13.9\"\n{extra}\n"
        );
        for (name, dockerfile) in variants {
            toml.push_str(&format!(
                "\n[[variant]]\nname = {}\ndockerfile = {}\nreason = \"r\"\n",
                toml::Value::from(*name),
                toml::Value::from(*dockerfile)
            ));
            let path = dir.path().join(dockerfile);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "ARG PYTHON_SLIM_IMAGE\nFROM ${PYTHON_SLIM_IMAGE}\n").unwrap();
        }
        std::fs::write(dir.path().join("dockwright.toml"), toml).unwrap();
        let project = Project::open(dir.path(), Selection::Build(&[]), None).unwrap();
        (dir, project)
    }

    fn balanced() -> (tempfile::TempDir, Project) {
        let variants = ["docker-init", "multi-stage", "uv-minimal"]
            .map(|name| (name, format!("dockerfiles/{name}.Dockerfile")));
        let variants: Vec<(&str, &str)> = variants.iter().map(|(n, d)| (*n, d.as_str())).collect();
        project("balanced", &variants, "")
    }

    fn plan(project: &Project, options: &Options) -> Result<Bake, UserError> {
        Bake::plan(project, &Catalogue::load().unwrap(), options)
    }

    #[test]
    fn a_target_per_variant_built_as_dockwright_build_builds_it() {
        let (_dir, project) = balanced();
        let bake = plan(&project, &Options::default()).unwrap();
        let target = |name: &str| {
            json!({
                "context": ".",
                "dockerfile": format!("dockerfiles/{name}.Dockerfile"),
                "args": {"PYTHON_SLIM_IMAGE": "python:3.13-slim"},
                "labels": {"dockwright.project": "shop", "dockwright.variant": name},
                "tags": [format!("shop:{name}")],
            })
        };
        // The size and speed profiles share variants with this ladder but
        // are not all here: a group of part of a ladder would build a
        // ladder nobody chose.
        assert_eq!(
            serde_json::to_value(&bake).unwrap(),
            json!({
                "group": {
                    "default": {"targets": ["balanced"]},
                    "balanced": {"targets": ["docker-init", "multi-stage", "uv-minimal"]},
                },
                "target": {
                    "docker-init": target("docker-init"),
                    "multi-stage": target("multi-stage"),
                    "uv-minimal": target("uv-minimal"),
                },
            })
        );
        let rung = project.rung("uv-minimal").unwrap();
        let built = project.build_spec(rung, false, false);
        assert_eq!(
            (built.labels, built.build_args),
            (
                project.labels(rung),
                vec![(
                    "PYTHON_SLIM_IMAGE".to_string(),
                    "python:3.13-slim".to_string()
                )]
            ),
            "the bake target and `dockwright build` disagree"
        );
    }

    #[test]
    fn every_profile_whose_ladder_is_all_here_gets_a_group() {
        let catalogue = Catalogue::load().unwrap();
        let all = catalogue.profile("all").unwrap();
        let variants: Vec<(String, String)> = all
            .variants
            .iter()
            .map(|name| (name.clone(), format!("dockerfiles/{name}.Dockerfile")))
            .collect();
        let variants: Vec<(&str, &str)> = variants
            .iter()
            .map(|(n, d)| (n.as_str(), d.as_str()))
            .collect();
        let (_dir, project) = project("all", &variants, "");
        let bake = plan(&project, &Options::default()).unwrap();
        let mut expected = vec!["default", "all"];
        expected.extend(
            catalogue
                .profile_names()
                .into_iter()
                .filter(|p| *p != "all"),
        );
        assert_eq!(bake.groups().collect::<Vec<_>>(), expected);
        let json = serde_json::to_value(&bake).unwrap();
        assert_eq!(
            json["group"]["size"]["targets"],
            json!(catalogue.profile("size").unwrap().variants)
        );
        assert_eq!(
            json["target"].as_object().unwrap().len(),
            all.variants.len()
        );
    }

    #[test]
    fn platforms_and_the_cache_reference_go_into_every_target() {
        let (_dir, project) = balanced();
        let options = Options {
            platforms: vec!["linux/amd64".into(), "linux/arm64".into()],
            cache_ref: Some("127.0.0.1:5000/shop-cache".into()),
        };
        let json = serde_json::to_value(plan(&project, &options).unwrap()).unwrap();
        let target = &json["target"]["multi-stage"];
        assert_eq!(target["platforms"], json!(["linux/amd64", "linux/arm64"]));
        assert_eq!(
            target["cache-from"],
            json!(["type=registry,ref=127.0.0.1:5000/shop-cache:multi-stage"])
        );
        assert_eq!(
            target["cache-to"],
            json!(["type=registry,ref=127.0.0.1:5000/shop-cache:multi-stage,mode=max"])
        );
        let hcl = plan(&project, &options).unwrap().hcl();
        assert!(
            hcl.contains("  platforms = [\"linux/amd64\", \"linux/arm64\"]\n")
                && hcl.contains(
                    "  cache-to = [\"type=registry,ref=127.0.0.1:5000/shop-cache:multi-stage,mode=max\"]\n"
                ),
            "{hcl}"
        );
    }

    #[test]
    fn the_base_set_chosen_gives_the_build_arguments() {
        let variants = [("uv-minimal", "dockerfiles/uv-minimal.Dockerfile")];
        let (dir, _) = project(
            "balanced",
            &variants,
            "[base-sets.mirror]\nslim = \"mirror.example/python:3.13-slim\"\n",
        );
        let project = Project::open(dir.path(), Selection::Build(&[]), Some("mirror")).unwrap();
        let json = serde_json::to_value(plan(&project, &Options::default()).unwrap()).unwrap();
        assert_eq!(
            json["target"]["uv-minimal"]["args"],
            json!({"PYTHON_SLIM_IMAGE": "mirror.example/python:3.13-slim"})
        );
    }

    #[test]
    fn strings_are_quoted_so_that_hcl_reads_them_back_unchanged() {
        for (text, hcl) in [
            ("plain/path.Dockerfile", r#""plain/path.Dockerfile""#),
            (r#"a "quoted" name"#, r#""a \"quoted\" name""#),
            (r"back\slash", r#""back\\slash""#),
            ("${HOME} and %{ if }", r#""$${HOME} and %%{ if }""#),
            ("$${x} $ % {", r#""$$${x} $ % {""#),
            ("line\nbreak\ttab\r", r#""line\nbreak\ttab\r""#),
            ("bell\u{7}", r#""bell\u0007""#),
            ("é ✓", "\"é ✓\""),
        ] {
            assert_eq!(quoted(text), hcl, "{text:?}");
        }
    }

    #[test]
    fn a_target_whose_dockerfile_mounts_the_ca_bundle_gets_it_as_a_secret() {
        let (dir, _) = project(
            "balanced",
            &[
                ("uv", "dockerfiles/uv.Dockerfile"),
                ("slim", "dockerfiles/slim.Dockerfile"),
            ],
            "\n[tls]\nca_file = \"certs/corp.pem\"\n",
        );
        std::fs::write(
            dir.path().join("dockerfiles/uv.Dockerfile"),
            "ARG PYTHON_SLIM_IMAGE\nFROM ${PYTHON_SLIM_IMAGE}\nRUN --mount=type=secret,id=dockwright-ca \\\n    PIP_CERT=/run/secrets/dockwright-ca pip install flask\n",
        )
        .unwrap();
        let project = Project::open(dir.path(), Selection::Build(&[]), None).unwrap();
        let hcl = plan(&project, &Options::default()).unwrap().hcl();
        let target = |name: &str| {
            let start = hcl.find(&format!("target \"{name}\"")).unwrap();
            hcl[start..start + hcl[start..].find("\n}").unwrap()].to_string()
        };
        assert!(
            target("uv").contains("  secret = [\"id=dockwright-ca,src=certs/corp.pem\"]"),
            "{hcl}"
        );
        assert!(!target("slim").contains("secret"), "{hcl}");
    }

    #[test]
    fn a_dockerfile_path_with_quotes_stays_one_string() {
        let (_dir, project) = project(
            "balanced",
            &[("uv", "dockerfiles/my \"uv\" ${x}.Dockerfile")],
            "",
        );
        let hcl = plan(&project, &Options::default()).unwrap().hcl();
        assert!(
            hcl.contains("  dockerfile = \"dockerfiles/my \\\"uv\\\" $${x}.Dockerfile\"\n"),
            "{hcl}"
        );
    }

    #[test]
    fn names_bake_refuses_are_refused_with_the_fix() {
        let (_dir, dotted) = project("balanced", &[("v1.2", "dockerfiles/v.Dockerfile")], "");
        let err = plan(&dotted, &Options::default()).unwrap_err();
        assert!(
            err.to_string()
                .contains("the variant `v1.2` cannot name a bake target"),
            "{err}"
        );
        let (_dir, clash) = project("balanced", &[("balanced", "dockerfiles/b.Dockerfile")], "");
        let err = plan(&clash, &Options::default()).unwrap_err().to_string();
        assert!(
            err.contains("the variant `balanced` has the name of a bake group"),
            "{err}"
        );
        // A profile of which the project has only a part gets no group, so
        // its name is free for a variant.
        let (_dir, free) = project("balanced", &[("size", "dockerfiles/s.Dockerfile")], "");
        assert!(plan(&free, &Options::default()).is_ok());
        let (_dir, default) = project("default", &[("uv", "dockerfiles/uv.Dockerfile")], "");
        let err = plan(&default, &Options::default()).unwrap_err();
        assert!(err.to_string().contains("the profile `default`"), "{err}");
    }

    #[test]
    fn bad_platforms_and_cache_references_are_refused() {
        let (_dir, project) = balanced();
        for platform in [
            "linux",
            "linux/",
            "Linux/amd64",
            "linux/amd64/v2/x",
            "linux amd64",
            "\"/\"",
        ] {
            let options = Options {
                platforms: vec![platform.into()],
                cache_ref: None,
            };
            let err = plan(&project, &options).unwrap_err().to_string();
            assert!(err.contains("is not a platform"), "{platform}: {err}");
        }
        for (reference, why) in [
            ("127.0.0.1:5000/shop-cache:v1", "carries a tag"),
            ("registry.example/shop@sha256:abc", "carries a digest"),
            ("registry.example/Shop", "not a repository name"),
            ("shop cache", "not a repository name"),
            ("registry.example/shop,mode=min", "not a repository name"),
            ("", "not a repository name"),
            ("reg:port/shop", "registry host"),
        ] {
            let options = Options {
                platforms: Vec::new(),
                cache_ref: Some(reference.into()),
            };
            let err = plan(&project, &options).unwrap_err().to_string();
            assert!(err.contains(why), "{reference}: {err}");
        }
        for reference in [
            "shop-cache",
            "localhost/shop",
            "127.0.0.1:5000/team/shop_cache",
            "ghcr.io/team/shop",
        ] {
            let options = Options {
                platforms: vec!["linux/arm/v7".into()],
                cache_ref: Some(reference.into()),
            };
            assert!(plan(&project, &options).is_ok(), "{reference}");
        }
    }
}
