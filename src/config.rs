//! dockwright.toml: the project's settings, read by every command that works
//! on an existing project.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::UserError;
use crate::names;

pub const FILE_NAME: &str = "dockwright.toml";
pub const UV_IMAGE: &str = "ghcr.io/astral-sh/uv:0.13.9";
pub const DEFAULT_PORT: u16 = 5000;

const NO_PROJECT_HELP: &str = "run this inside a dockwright project, pass `--project DIR`, or create one with `dockwright new` or `dockwright init`";

/// Directories the search for a project does not go up into, as git's
/// GIT_CEILING_DIRECTORIES: a list of absolute paths, `:`-separated.
const CEILINGS: &str = "DOCKWRIGHT_CEILING_DIRECTORIES";

/// The project that `start` is in: the nearest of it and the directories
/// above it that holds dockwright.toml, as cargo finds Cargo.toml. It is
/// given relative to `start` (`.`, `..`, ...), so that what the commands
/// print about it reads as it did with `--project .`. A directory with a
/// change that a killed `init` left half-done (and no dockwright.toml yet)
/// is a project too, so that the next command there finishes or undoes it.
/// The search stops below the directories DOCKWRIGHT_CEILING_DIRECTORIES
/// lists.
pub fn find_project(start: &Path) -> Result<PathBuf, UserError> {
    let ceilings: Vec<PathBuf> = std::env::var_os(CEILINGS)
        .map(|list| {
            std::env::split_paths(&list)
                .filter(|dir| dir.is_absolute())
                .filter_map(|dir| dir.canonicalize().ok())
                .collect()
        })
        .unwrap_or_default();
    let mut relative = PathBuf::from(".");
    for (depth, dir) in start.ancestors().enumerate() {
        if depth > 0 {
            if ceilings.iter().any(|ceiling| ceiling == dir) {
                break;
            }
            relative = if depth == 1 {
                PathBuf::from("..")
            } else {
                relative.join("..")
            };
        }
        if dir.join(FILE_NAME).is_file() || crate::journal::pending(dir) > 0 {
            return Ok(relative);
        }
    }
    Err(UserError::new(format!(
        "no {FILE_NAME} in `{}` or any directory above it",
        start.display()
    ))
    .help(NO_PROJECT_HELP))
}

/// The tables of dockwright.toml that only a user (or `pin`) writes, which
/// `init --force` keeps when it renders the file again.
const HAND_SET: &[&str] = &["base-sets", "engine", "budgets"];

/// `rendered`, a freshly rendered dockwright.toml, with the tables in
/// [`HAND_SET`] that the `old` file had, as that file wrote them, and its
/// `[images]` values where they pin the images `rendered` names (`pin`'s
/// `name@sha256:...`). `rendered` as it is when either does not parse.
pub fn keep_hand_set(rendered: &str, old: &str) -> String {
    let (Ok(mut new), Ok(old)) = (
        rendered.parse::<toml_edit::DocumentMut>(),
        old.parse::<toml_edit::DocumentMut>(),
    ) else {
        return rendered.to_string();
    };
    for key in HAND_SET {
        if let Some(item) = old.get(key) {
            if new.get(key).is_none() {
                new.insert(key, item.clone());
            }
        }
    }
    if let (Some(old_images), Some(new_images)) = (
        old.get("images").and_then(|i| i.as_table_like()),
        new.get_mut("images").and_then(|i| i.as_table_like_mut()),
    ) {
        for (role, value) in old_images.iter() {
            let pinned = value.as_str().and_then(|v| v.split_once('@'));
            let named = new_images
                .get(role)
                .and_then(|v| v.as_str())
                .map(str::to_string);
            if let (Some((name, _)), Some(named)) = (pinned, named) {
                if name == named {
                    new_images.insert(role, value.clone());
                }
            }
        }
    }
    new.to_string()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub project: Project,
    pub images: Images,
    #[serde(default)]
    pub measure: Measure,
    #[serde(rename = "variant")]
    pub variants: Vec<VariantEntry>,
    /// Other sets of base images, such as a mirror's or an official-layout
    /// stand-in's, chosen with `--base-set NAME`.
    #[serde(
        default,
        rename = "base-sets",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub base_sets: BTreeMap<String, BaseSet>,
    #[serde(default)]
    pub runtime: Runtime,
    #[serde(default, skip_serializing_if = "EngineSettings::is_empty")]
    pub engine: EngineSettings,
    /// Limits on sizes and build times that `dockwright check` enforces
    /// (see `budgets`), read there from this table.
    #[serde(default, skip_serializing_if = "toml::Table::is_empty")]
    pub budgets: toml::Table,
    #[serde(default, skip_serializing_if = "Tls::is_empty")]
    pub tls: Tls,
}

/// How builds trust a proxy that re-signs HTTPS: `[tls]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tls {
    /// A PEM bundle that pip and uv trust instead of their own roots while
    /// they download, passed to the builds as the BuildKit secret
    /// `dockwright-ca`; relative to the project directory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_file: Option<PathBuf>,
}

impl Tls {
    fn is_empty(&self) -> bool {
        self == &Tls::default()
    }
}

/// How the project is built: `[engine]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EngineSettings {
    /// The buildx builder to build on when neither `--builder` nor
    /// BUILDX_BUILDER names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub builder: Option<String>,
    /// The platform to build for when `--platform` names none, such as
    /// `linux/arm64`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<crate::platform::Platform>,
}

impl EngineSettings {
    fn is_empty(&self) -> bool {
        self == &EngineSettings::default()
    }
}

/// What the app needs at run time in every variant: rendered into the
/// Dockerfiles by `new` and `init`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Runtime {
    /// Directories under /app the app writes to (logs, uploads, a SQLite
    /// file's folder), owned by the app user; the rest stays read-only.
    #[serde(default)]
    pub writable: Vec<String>,
    /// Environment variables set in every variant.
    #[serde(default)]
    pub env: BTreeMap<String, String>,
}

impl Runtime {
    /// The first setting that cannot be rendered into a Dockerfile, as a
    /// sentence that names it.
    pub fn check(&self) -> Result<(), String> {
        for dir in &self.writable {
            check_writable(dir)?;
        }
        for (key, value) in &self.env {
            check_env(key, value)?;
        }
        Ok(())
    }
}

/// A directory under /app: relative, plain names, no way out of /app.
pub fn check_writable(dir: &str) -> Result<(), String> {
    let plain = |part: &str| {
        !part.is_empty()
            && part != "."
            && part != ".."
            && part
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    };
    if dir.split('/').all(plain) {
        Ok(())
    } else {
        Err(format!(
            "the writable directory `{}` is not a path under /app; write it like `logs` or `instance/uploads` (letters, digits, `.`, `_`, `-`, no `..`)",
            dir.escape_debug()
        ))
    }
}

/// An environment variable: a shell-style name and a one-line value.
pub fn check_env(key: &str, value: &str) -> Result<(), String> {
    let name_ok = key.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !name_ok {
        return Err(format!(
            "`{}` is not an environment variable name; use letters, digits and `_`, not starting with a digit",
            key.escape_debug()
        ));
    }
    if value.chars().any(char::is_control) {
        return Err(format!(
            "the value of `{key}` holds a control character (such as a newline); give it on one line"
        ));
    }
    Ok(())
}

/// Base images that replace some of `[images]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BaseSet {
    pub full: Option<String>,
    pub slim: Option<String>,
    pub alpine: Option<String>,
    pub uv: Option<String>,
}

impl BaseSet {
    /// The image the set puts in `role`'s place, if it names one.
    fn get(&self, role: Role) -> Option<&String> {
        match role {
            Role::Full => self.full.as_ref(),
            Role::Slim => self.slim.as_ref(),
            Role::Alpine => self.alpine.as_ref(),
            Role::Uv => self.uv.as_ref(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Project {
    pub name: String,
    pub python: String,
    pub port: u16,
    pub entry: String,
    pub app_file: String,
    pub requirements: String,
    /// The requirements file `requirements` was locked from by `dockwright
    /// lock`; absent while the project installs from its own file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lock_source: Option<String>,
    pub install_project: bool,
    pub profile: String,
}

/// Base images, by the role they play in the Dockerfiles.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Images {
    pub full: String,
    pub slim: String,
    pub alpine: String,
    pub uv: String,
}

/// The part a base image plays in the Dockerfiles: the key it has in
/// `[images]` and the build argument it is passed through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Full,
    Slim,
    Alpine,
    Uv,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Full, Role::Slim, Role::Alpine, Role::Uv];

    /// Its key in `[images]` and `[base-sets.NAME]`.
    pub fn key(self) -> &'static str {
        match self {
            Role::Full => "full",
            Role::Slim => "slim",
            Role::Alpine => "alpine",
            Role::Uv => "uv",
        }
    }

    /// The build argument through which the Dockerfiles receive it.
    pub fn build_arg(self) -> &'static str {
        match self {
            Role::Full => "PYTHON_FULL_IMAGE",
            Role::Slim => "PYTHON_SLIM_IMAGE",
            Role::Alpine => "PYTHON_ALPINE_IMAGE",
            Role::Uv => "UV_IMAGE",
        }
    }

    pub fn from_key(key: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|role| role.key() == key)
    }
}

impl Images {
    /// The image that plays `role`.
    pub fn get(&self, role: Role) -> &str {
        match role {
            Role::Full => &self.full,
            Role::Slim => &self.slim,
            Role::Alpine => &self.alpine,
            Role::Uv => &self.uv,
        }
    }

    /// The official images for Python `python`.
    pub fn for_python(python: &str) -> Images {
        Images {
            full: format!("python:{python}"),
            slim: format!("python:{python}-slim"),
            alpine: format!("python:{python}-alpine"),
            uv: UV_IMAGE.to_string(),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Measure {
    /// The pinned requirement the dependency edit adds; unset, dockwright
    /// picks one the project does not list (`edit::extra_dependency`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extra_dependency: Option<String>,
    /// How long a started container may take to answer `GET /` before its
    /// variant fails, such as `"30 s"`; unset, `DEFAULT_START_TIMEOUT`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_timeout: Option<String>,
}

/// How long a container may take to answer its first `GET /` when
/// `[measure] start_timeout` is unset: a Flask app with pandas imports in a
/// few seconds, so 30 s tells a hung or crashed app from a slow one.
pub const DEFAULT_START_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

impl Measure {
    /// The start bound, `[measure] start_timeout` or the default.
    pub fn start_timeout(&self) -> Result<std::time::Duration, String> {
        let Some(text) = &self.start_timeout else {
            return Ok(DEFAULT_START_TIMEOUT);
        };
        crate::budgets::seconds(&toml::Value::String(text.clone()))
            .map(std::time::Duration::from_secs_f64)
            .ok_or_else(|| {
                format!(
                    "`start_timeout = \"{}\"` is not a duration; write it like \"30 s\" or \"2 min\"",
                    text.escape_debug()
                )
            })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VariantEntry {
    pub name: String,
    pub dockerfile: String,
    pub reason: String,
}

impl Config {
    /// The base images to build with: `[images]`, with base set `name`'s
    /// images in place of those it names.
    pub fn images(&self, base_set: Option<&str>) -> Result<Images, UserError> {
        let Some(name) = base_set else {
            return Ok(self.images.clone());
        };
        let set = self.base_sets.get(name).ok_or_else(|| {
            let known: Vec<&str> = self.base_sets.keys().map(String::as_str).collect();
            let choice = if known.is_empty() {
                "it has none; add a `[base-sets.NAME]` table with `slim = \"IMAGE\"` and the like"
                    .to_string()
            } else {
                format!("use one of {}", known.join(", "))
            };
            UserError::new(format!(
                "dockwright.toml has no base set `{name}`; {choice}"
            ))
        })?;
        let pick =
            |over: &Option<String>, base: &String| over.clone().unwrap_or_else(|| base.clone());
        Ok(Images {
            full: pick(&set.full, &self.images.full),
            slim: pick(&set.slim, &self.images.slim),
            alpine: pick(&set.alpine, &self.images.alpine),
            uv: pick(&set.uv, &self.images.uv),
        })
    }

    /// The budgets of `[budgets]`, or the sentence that says which is wrong.
    pub fn budgets(&self) -> Result<crate::budgets::Budgets, String> {
        crate::budgets::Budgets::parse(&self.budgets)
    }

    /// The table that sets `role`'s image when building from `base_set`:
    /// the base set's, if it names one for that role, else `[images]`.
    pub fn table_of(&self, base_set: Option<&str>, role: Role) -> Vec<String> {
        let set = base_set.and_then(|name| Some((name, self.base_sets.get(name)?)));
        match set {
            Some((name, set)) if set.get(role).is_some() => {
                vec!["base-sets".to_string(), name.to_string()]
            }
            _ => vec!["images".to_string()],
        }
    }

    /// Reads `dir/dockwright.toml`, after finishing or undoing whatever a
    /// killed dockwright run left half-done there.
    pub fn load(dir: &Path) -> Result<Config, UserError> {
        crate::journal::recover(dir)?;
        let path = dir.join(FILE_NAME);
        let text = std::fs::read_to_string(&path).map_err(|err| match err.kind() {
            std::io::ErrorKind::NotFound => UserError::new(format!(
                "no {FILE_NAME} in `{}`",
                display_dir(dir).display()
            ))
            .help(NO_PROJECT_HELP),
            _ => UserError::new(format!("cannot read `{}` ({err})", path.display())),
        })?;
        Config::parse(&text, &path)
    }

    pub fn parse(text: &str, path: &Path) -> Result<Config, UserError> {
        let fix = "fix that setting, or regenerate the file with `dockwright init --force`";
        // Syntax first: only a file that is not TOML at all is called so.
        if let Err(err) = toml::from_str::<toml::Table>(text) {
            let line = err.span().map(|span| line_at(text, span.start));
            let place = line.map(|n| format!(" at line {n}")).unwrap_or_default();
            return Err(UserError::new(format!(
                "`{}` is not valid TOML{place}: {}",
                path.display(),
                err.message().trim_end()
            ))
            .help(fix));
        }
        let config: Config = toml::from_str(text).map_err(|err| {
            let place = err
                .span()
                .map(|span| {
                    let line = line_at(text, span.start);
                    match key_on_line(text, line) {
                        Some(key) => {
                            format!(", line {line} (`{}`)", crate::error::printable(&key))
                        }
                        None => format!(", line {line}"),
                    }
                })
                .unwrap_or_default();
            // serde names Rust types; the port is the one setting that is not a
            // string, a boolean or a table.
            let message = crate::error::printable(err.message().trim_end())
                .replace("expected u16", "expected a port number from 1 to 65535");
            UserError::new(format!("`{}`{place}: {message}", path.display())).help(fix)
        })?;
        if let Err(problem) = config.runtime.check() {
            return Err(UserError::new(format!(
                "`{}` [runtime]: {problem}",
                path.display()
            )));
        }
        if let Err(problem) = config.measure.start_timeout() {
            return Err(UserError::new(format!(
                "`{}` [measure]: {problem}",
                path.display()
            )));
        }
        if let Err(problem) = config.budgets() {
            return Err(UserError::new(format!("`{}`: {problem}", path.display())));
        }
        if config.variants.is_empty() {
            return Err(UserError::new(format!(
                "`{}` lists no [[variant]]; add one or regenerate the file with `dockwright init --force`",
                path.display()
            )));
        }
        config.check_names(text, path)?;
        Ok(config)
    }

    /// The names that become image tags, `name:variant`: checked here so
    /// that a bad one is a sentence about dockwright.toml, not an engine error
    /// after the first build.
    fn check_names(&self, text: &str, path: &Path) -> Result<(), UserError> {
        let at = |table: &str, index: usize| {
            let line = find_key(text, table, index, "name");
            let place = line.map(|n| format!(", line {n}")).unwrap_or_default();
            format!("`{}`{place}", path.display())
        };
        let name = &self.project.name;
        match names::validate(name) {
            Err(err) => {
                return Err(UserError::new(format!(
                    "{} (`project.name`): {err}",
                    at("project", 0)
                )))
            }
            Ok(valid) if valid.name != *name => {
                return Err(UserError::new(format!(
                    "{} (`project.name`): image names are lowercase; write `name = \"{}\"`",
                    at("project", 0),
                    valid.name
                )))
            }
            Ok(_) => {}
        }
        for (index, variant) in self.variants.iter().enumerate() {
            if !is_tag(&variant.name) {
                return Err(UserError::new(format!(
                    "{} (`variant.name`): `{}` is not a valid image tag; use up to 128 letters, digits, `_`, `.` and `-`, not starting with `.` or `-`",
                    at("variant", index),
                    variant.name.escape_debug()
                )));
            }
            if self.variants[..index]
                .iter()
                .any(|v| v.name == variant.name)
            {
                return Err(UserError::new(format!(
                    "{} (`variant.name`): the variant `{}` is listed twice; rename or remove one of them",
                    at("variant", index),
                    variant.name
                )));
            }
        }
        Ok(())
    }
}

/// The text of dockwright.toml `text` (read from `path`) with `[project]
/// requirements` set to `lock` and `lock_source` to `source`, the file it
/// was locked from. Only those lines change: comments, base sets and hand
/// edits stay as they were.
pub fn point_at_lock(
    text: &str,
    path: &Path,
    lock: &str,
    source: &str,
) -> Result<String, UserError> {
    let requirements = find_key(text, "project", 0, "requirements").ok_or_else(|| {
        UserError::new(format!(
            "`{}` has no `requirements = ...` line in its [project] table for `dockwright lock` to point at the lock; add one",
            path.display()
        ))
    })?;
    let lock_source = find_key(text, "project", 0, "lock_source");
    let value = |v: &str| toml::Value::String(v.to_string()).to_string();
    let mut out = String::new();
    for (index, line) in text.split_inclusive('\n').enumerate() {
        let number = index + 1;
        let ending = &line[line.trim_end_matches(['\r', '\n']).len()..];
        let ending = if ending.is_empty() { "\n" } else { ending };
        if number == requirements {
            out.push_str(&format!("requirements = {}{ending}", value(lock)));
            if lock_source.is_none() {
                out.push_str(&format!(
                    "# The file `requirements` was locked from: edit it, then run `dockwright lock` again.{ending}lock_source = {}{ending}",
                    value(source)
                ));
            }
        } else if Some(number) == lock_source {
            out.push_str(&format!("lock_source = {}{ending}", value(source)));
        } else {
            out.push_str(line);
        }
    }
    Config::parse(&out, path)?;
    Ok(out)
}

/// A tag as the engine accepts it: `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`.
fn is_tag(text: &str) -> bool {
    let mut chars = text.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
        && text.len() <= 128
}

/// The 1-based line of byte `offset`.
fn line_at(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// The dotted key set on `line` (`project.port`), or the table a header
/// on that line opens: dockwright.toml is written one key a line.
fn key_on_line(text: &str, line: usize) -> Option<String> {
    let mut table = String::new();
    for (number, raw) in text.lines().enumerate() {
        let trimmed = raw.trim();
        if let Some(header) = header(trimmed) {
            table = header.to_string();
            if number + 1 == line {
                return Some(table);
            }
        } else if number + 1 == line {
            let key = trimmed.split('=').next()?.trim().trim_matches('"');
            return match (table.is_empty(), key.is_empty()) {
                (_, true) => None,
                (true, false) => Some(key.to_string()),
                (false, false) => Some(format!("{table}.{key}")),
            };
        }
    }
    None
}

/// The line of `key` in the `index`th table named `table` (`[project]`, or
/// the `index`th `[[variant]]`).
fn find_key(text: &str, table: &str, index: usize, key: &str) -> Option<usize> {
    let mut seen = 0;
    let mut inside = false;
    for (number, raw) in text.lines().enumerate() {
        let trimmed = raw.trim();
        if let Some(header) = header(trimmed) {
            inside = header == table && {
                seen += 1;
                seen == index + 1
            };
        } else if inside && trimmed.split('=').next().map(str::trim) == Some(key) {
            return Some(number + 1);
        }
    }
    None
}

/// `project` for `[project]`, `variant` for `[[variant]]`.
fn header(line: &str) -> Option<&str> {
    let line = line.split('#').next()?.trim();
    line.strip_prefix("[[")
        .and_then(|rest| rest.strip_suffix("]]"))
        .or_else(|| {
            line.strip_prefix('[')
                .and_then(|rest| rest.strip_suffix(']'))
        })
        .map(str::trim)
}

fn display_dir(dir: &Path) -> PathBuf {
    if dir.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        dir.to_path_buf()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_project_is_found_above_relative_to_where_the_search_starts() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("proj");
        let deep = root.join("dockerfiles/sub");
        std::fs::create_dir_all(&deep).unwrap();
        std::fs::write(root.join(FILE_NAME), "").unwrap();
        assert_eq!(find_project(&root).unwrap(), Path::new("."));
        assert_eq!(
            find_project(&root.join("dockerfiles")).unwrap(),
            Path::new("..")
        );
        assert_eq!(find_project(&deep).unwrap(), Path::new("../.."));
        assert_eq!(
            deep.join(find_project(&deep).unwrap())
                .canonicalize()
                .unwrap(),
            root.canonicalize().unwrap()
        );
    }

    #[test]
    fn a_missing_file_says_how_to_make_one() {
        let dir = tempfile::tempdir().unwrap();
        let err = Config::load(dir.path()).unwrap_err();
        assert!(
            err.to_string().starts_with("no dockwright.toml in"),
            "{err}"
        );
    }

    #[test]
    fn a_base_set_replaces_only_the_images_it_names() {
        let text = format!(
            "{}\n[base-sets.official-layout]\nslim = \"local/python:3.13-slim\"\n",
            crate::templates::fill("project/dockwright.toml", &sample()).unwrap()
        );
        let config = Config::parse(&text, Path::new("dockwright.toml")).unwrap();
        let images = config.images(Some("official-layout")).unwrap();
        assert_eq!(images.slim, "local/python:3.13-slim");
        assert_eq!(images.full, config.images.full);
        assert_eq!(config.images(None).unwrap(), config.images);
        let err = config.images(Some("mirror")).unwrap_err().to_string();
        assert!(
            err.contains("no base set `mirror`") && err.contains("official-layout"),
            "{err}"
        );
    }

    /// The context the project templates are rendered with.
    fn sample() -> serde_json::Value {
        serde_json::json!({
            "name": "hello", "python": "3.13", "port": 5000, "entry": "app:app", "app_file": "app.py",
            "requirements": "requirements.txt", "install_project": false, "profile": "speed",
            "images": Images::for_python("3.13"),
            "runtime": Runtime::default(), "ca_file": null,
            "variants": [{"name": "uv", "dockerfile": "dockerfiles/uv.Dockerfile", "reason": "fast"}],
        })
    }

    #[test]
    fn rendering_again_keeps_the_tables_a_user_set_and_the_pins_of_the_same_images() {
        let path = Path::new("dockwright.toml");
        let rendered = sample_file();
        let slim = Images::for_python("3.13").slim;
        let old = format!(
            "{}\n[budgets]\nmax_image = \"150 MB\"\n\n[engine]\nbuilder = \"ci\"\n\n[base-sets.mirror]\nslim = \"mirror/python:3.13-slim\"\n",
            rendered.replace(
                &format!("slim = \"{slim}\""),
                &format!("slim = \"{slim}@sha256:{}\"", "a".repeat(64))
            )
        );
        let kept = Config::parse(&keep_hand_set(&rendered, &old), path).unwrap();
        assert_eq!(kept.budgets["max_image"].as_str(), Some("150 MB"));
        assert_eq!(kept.engine.builder.as_deref(), Some("ci"));
        assert!(kept.base_sets.contains_key("mirror"));
        assert_eq!(
            kept.images.slim,
            format!("{slim}@sha256:{}", "a".repeat(64))
        );

        // A pin of another image (the project moved to another Python) is dropped.
        let other = old.replace(&slim, "python:3.12-slim");
        let kept = Config::parse(&keep_hand_set(&rendered, &other), path).unwrap();
        assert_eq!(kept.images.slim, slim);
        // An unreadable old file changes nothing.
        assert_eq!(keep_hand_set(&rendered, "[broken"), rendered);
    }

    #[test]
    fn the_engine_table_names_a_builder_and_nothing_else() {
        let path = Path::new("dockwright.toml");
        let plain = Config::parse(&sample_file(), path).unwrap();
        assert_eq!(plain.engine.builder, None);
        let text = format!("{}\n[engine]\nbuilder = \"ci\"\n", sample_file());
        let config = Config::parse(&text, path).unwrap();
        assert_eq!(config.engine.builder.as_deref(), Some("ci"));
        let typo = text.replace("builder = ", "buidler = ");
        let err = Config::parse(&typo, path).unwrap_err().to_string();
        let line = typo.lines().count();
        assert!(
            err.contains(&format!("line {line} (`engine.buidler`)")) && err.contains("builder"),
            "{err}"
        );
    }

    #[test]
    fn the_engine_table_names_a_platform_in_the_form_docker_takes() {
        let path = Path::new("dockwright.toml");
        let text = format!("{}\n[engine]\nplatform = \"linux/arm64\"\n", sample_file());
        let config = Config::parse(&text, path).unwrap();
        assert_eq!(
            config.engine.platform.as_ref().map(|p| p.as_str()),
            Some("linux/arm64")
        );
        let kept = Config::parse(&keep_hand_set(&sample_file(), &text), path).unwrap();
        assert_eq!(kept.engine, config.engine);
        let bad = text.replace("linux/arm64", "arm64");
        let err = Config::parse(&bad, path).unwrap_err().to_string();
        let line = bad.lines().count();
        assert!(
            err.contains(&format!("line {line} (`engine.platform`)"))
                && err.contains("such as linux/arm64"),
            "{err}"
        );
    }

    #[test]
    fn a_file_that_is_not_toml_says_so_with_the_line() {
        let err = Config::parse("[project]\nname = \n", Path::new("dockwright.toml")).unwrap_err();
        let err = err.to_string();
        assert!(err.contains("is not valid TOML at line 2"), "{err}");
    }

    #[test]
    fn a_wrong_type_names_the_key_and_the_line() {
        let text = sample_file().replace("port = 5000", "port = \"5000\"");
        let err = Config::parse(&text, Path::new("dockwright.toml"))
            .unwrap_err()
            .to_string();
        let line = text.lines().position(|l| l.starts_with("port")).unwrap() + 1;
        assert!(
            err.starts_with(&format!("`dockwright.toml`, line {line} (`project.port`):")),
            "{err}"
        );
        assert!(err.contains("a port number"), "{err}");
        assert!(!err.contains("not valid TOML"), "{err}");
    }

    #[test]
    fn a_start_timeout_is_a_duration_or_the_default() {
        let file = sample_file();
        let config = Config::parse(&file, Path::new("dockwright.toml")).unwrap();
        assert_eq!(config.measure.start_timeout(), Ok(DEFAULT_START_TIMEOUT));
        let set = |value: &str| {
            file.replace(
                "# start_timeout = \"30 s\"",
                &format!("start_timeout = \"{value}\""),
            )
        };
        let config = Config::parse(&set("2 min"), Path::new("dockwright.toml")).unwrap();
        assert_eq!(
            config.measure.start_timeout(),
            Ok(std::time::Duration::from_secs(120))
        );
        for bad in ["soon", "0 s", "30"] {
            let err = Config::parse(&set(bad), Path::new("dockwright.toml"))
                .unwrap_err()
                .to_string();
            assert!(
                err.starts_with("`dockwright.toml` [measure]: `start_timeout")
                    && err.contains("is not a duration; write it like \"30 s\""),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn names_that_make_bad_image_tags_are_refused_with_their_line() {
        for (from, to, says) in [
            ("name = \"hello\"", "name = \"1hello\"", "`project.name`"),
            ("name = \"hello\"", "name = \"Hello\"", "lowercase"),
            ("name = \"uv\"", "name = \"u v\"", "not a valid image tag"),
            ("name = \"uv\"", "name = \"-uv\"", "not a valid image tag"),
        ] {
            let text = sample_file().replacen(from, to, 1);
            let line = text.lines().position(|l| l == to).unwrap() + 1;
            let err = Config::parse(&text, Path::new("dockwright.toml"))
                .unwrap_err()
                .to_string();
            assert!(
                err.starts_with(&format!("`dockwright.toml`, line {line}")) && err.contains(says),
                "{to}: {err}"
            );
        }
        let twice = format!(
            "{}\n[[variant]]\nname = \"uv\"\ndockerfile = \"dockerfiles/uv2.Dockerfile\"\nreason = \"again\"\n",
            sample_file()
        );
        let line = twice.lines().count() - 2;
        let err = Config::parse(&twice, Path::new("dockwright.toml"))
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with(&format!("`dockwright.toml`, line {line}"))
                && err.contains("listed twice"),
            "{err}"
        );
    }

    fn sample_file() -> String {
        crate::templates::fill("project/dockwright.toml", &sample()).unwrap()
    }

    #[test]
    fn pointing_at_the_lock_changes_only_the_requirements_lines() {
        let text = format!(
            "{}\n[base-sets.mirror]\nslim = \"mirror/python:3.13-slim\"\n",
            sample_file()
        );
        let path = Path::new("dockwright.toml");
        let locked = point_at_lock(&text, path, "requirements.lock", "requirements.txt").unwrap();
        let config = Config::parse(&locked, path).unwrap();
        let before = Config::parse(&text, path).unwrap();
        assert_eq!(config.project.requirements, "requirements.lock");
        assert_eq!(
            config.project.lock_source.as_deref(),
            Some("requirements.txt")
        );
        assert_eq!(config.base_sets, before.base_sets);
        assert_eq!(
            Config {
                project: Project {
                    requirements: before.project.requirements.clone(),
                    lock_source: None,
                    ..config.project.clone()
                },
                ..config.clone()
            },
            before
        );
        let removed: Vec<&str> = text.lines().filter(|l| !locked.contains(l)).collect();
        assert_eq!(removed, ["requirements = \"requirements.txt\""]);
        // Locking again, from another source, rewrites the same two lines.
        let again = point_at_lock(&locked, path, "requirements.lock", "base.txt").unwrap();
        assert_eq!(again.lines().count(), locked.lines().count());
        let config = Config::parse(&again, path).unwrap();
        assert_eq!(config.project.lock_source.as_deref(), Some("base.txt"));
    }
}
