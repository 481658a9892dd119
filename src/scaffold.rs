//! Turning settled answers into files: the plan (what to write, rendered from
//! the templates) and the two ways of writing it without leaving half a
//! project behind.

use std::fs;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::ca;
use crate::catalogue::Catalogue;
use crate::config::{self, Config, Images, Runtime, VariantEntry};
use crate::error::UserError;
use crate::interrupt::{self, Hold};
use crate::journal::{self, Manifest, NewStaging, Placement};
use crate::ladder;
use crate::templates;

/// Everything a project's files are rendered from.
#[derive(Debug, Clone, Serialize)]
pub struct Settings {
    pub name: String,
    pub python: String,
    pub port: u16,
    pub profile: String,
    pub entry: String,
    /// Where an adopted app's entry was found, to tell the user.
    #[serde(skip)]
    pub entry_origin: Option<String>,
    pub app_file: String,
    /// Path of the requirements file, relative to the project root.
    pub requirements: String,
    /// Text to write at `requirements`, unless the project already has it.
    #[serde(skip)]
    pub requirements_text: Option<String>,
    /// Files that `requirements` includes with `-r`: the Dockerfiles copy
    /// them beside it, or pip would not find them.
    pub requirements_includes: Vec<String>,
    /// The file `requirements` was locked from, when it is the lock: the
    /// installs then check its hashes.
    pub lock_source: Option<String>,
    pub install_project: bool,
    pub runtime: Runtime,
    /// Whether to write the hello-world app and its README (a new project)
    /// or only dockwright's files (an adopted one).
    #[serde(skip)]
    pub with_app: bool,
    /// Patterns `.dockerignore` takes from the project's `.gitignore`.
    pub gitignore_patterns: Vec<String>,
    /// `[tls] ca_file`: the Dockerfiles then mount the bundle where they
    /// download.
    pub ca_file: Option<String>,
}

#[derive(Serialize)]
struct Context<'a> {
    #[serde(flatten)]
    settings: &'a Settings,
    images: Images,
    ca: ca::Render,
    /// What the ids of the project's cache mounts start with.
    cache_id: String,
    user: &'static str,
    uid: u32,
    variants: Vec<VariantEntry>,
    recommended: String,
}

/// One file to write, relative to the project root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedFile {
    pub path: PathBuf,
    pub contents: String,
}

impl Settings {
    /// The settings an existing project's files were rendered from, as far
    /// as its dockwright.toml keeps them, for rendering its Dockerfiles
    /// again. `includes` are the files its requirements include.
    pub fn from_config(config: &Config, includes: Vec<String>) -> Settings {
        let project = &config.project;
        Settings {
            name: project.name.clone(),
            python: project.python.clone(),
            port: project.port,
            profile: project.profile.clone(),
            entry: project.entry.clone(),
            entry_origin: None,
            app_file: project.app_file.clone(),
            requirements: project.requirements.clone(),
            requirements_text: None,
            requirements_includes: includes,
            lock_source: project.lock_source.clone(),
            install_project: project.install_project,
            runtime: config.runtime.clone(),
            with_app: false,
            gitignore_patterns: Vec::new(),
            ca_file: config.tls.ca_file.as_ref().map(|p| p.display().to_string()),
        }
    }
}

fn context<'a>(settings: &'a Settings, variants: Vec<VariantEntry>) -> Context<'a> {
    Context {
        settings,
        images: Images::for_python(&settings.python),
        ca: ca::Render::new(settings.ca_file.is_some()),
        cache_id: cache_id(&settings.name),
        user: "appuser",
        uid: 10001,
        recommended: ladder::recommended(&variants)
            .map(|v| v.name.clone())
            .unwrap_or_default(),
        variants,
    }
}

/// What the ids of project `name`'s cache mounts start with: every cache
/// mount of its Dockerfiles is `<prefix>-pip` or `<prefix>-uv`.
fn cache_id(name: &str) -> String {
    format!("dockwright-{name}")
}

/// The ids of every cache mount project `name`'s Dockerfiles may have.
pub fn cache_ids(name: &str) -> [String; 2] {
    ["pip", "uv"].map(|tool| format!("{}-{tool}", cache_id(name)))
}

/// Renders every file of the project described by `settings`.
pub fn plan(settings: &Settings, catalogue: &Catalogue) -> anyhow::Result<Vec<PlannedFile>> {
    let profile = catalogue.profile(&settings.profile)?;
    let ladder = catalogue.ladder(profile)?;
    let variants: Vec<VariantEntry> = ladder
        .iter()
        .map(|v| VariantEntry {
            name: v.name.clone(),
            dockerfile: v.dockerfile_path(),
            reason: v.reason.clone(),
        })
        .collect();
    let context = context(settings, variants);
    let mut files = Vec::new();
    let mut add = |path: &str, template: &str| -> anyhow::Result<()> {
        files.push(PlannedFile {
            path: PathBuf::from(path),
            contents: templates::fill(template, &context)?,
        });
        Ok(())
    };
    if settings.with_app {
        add("app.py", "project/app.py")?;
        add("README.md", "project/README.md")?;
    }
    add(".dockerignore", "project/dockerignore")?;
    add(config::FILE_NAME, "project/dockwright.toml")?;
    for variant in &ladder {
        add(&variant.dockerfile_path(), &variant.template_path())?;
    }
    if let Some(text) = &settings.requirements_text {
        files.push(PlannedFile {
            path: PathBuf::from(&settings.requirements),
            contents: text.clone(),
        });
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

/// Renders the Dockerfile of each of `variants` (a project's, as its
/// dockwright.toml lists them) at its path. Returns them, and the names of
/// the variants that are not dockwright's, whose Dockerfiles it cannot
/// render.
pub fn dockerfiles(
    settings: &Settings,
    catalogue: &Catalogue,
    variants: &[VariantEntry],
) -> anyhow::Result<(Vec<PlannedFile>, Vec<String>)> {
    let context = context(settings, variants.to_vec());
    let mut files = Vec::new();
    let mut unknown = Vec::new();
    for entry in variants {
        match catalogue.variant(&entry.name) {
            Some(variant) => files.push(PlannedFile {
                path: PathBuf::from(&entry.dockerfile),
                contents: templates::fill(&variant.template_path(), &context)?,
            }),
            None => unknown.push(entry.name.clone()),
        }
    }
    Ok((files, unknown))
}

/// Creates the project directory `dest` with `files`. The files are written
/// into a staging directory beside it that is renamed into place at the end,
/// so a failure half-way leaves nothing behind; one left by a killed run is
/// removed by the next `new` in the same directory.
pub fn write_new(dest: &Path, files: &[PlannedFile]) -> anyhow::Result<()> {
    let parent = match dest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !parent.is_dir() {
        let problem = if parent.exists() {
            "is not a directory"
        } else {
            "does not exist"
        };
        return Err(UserError::new(format!(
            "the parent directory `{}` {problem}; create it first",
            parent.display()
        ))
        .into());
    }
    journal::sweep_new_staging(&parent);
    let _hold = Hold::new();
    let staging = NewStaging::create(&parent).map_err(|err| cannot_write(&parent, &err))?;
    let written = write_staged(&staging.path, files).and_then(|()| {
        interrupt::check()?;
        fs::rename(&staging.path, dest).map_err(|err| cannot_write(dest, &err))
    });
    if written.is_err() {
        staging.discard();
    }
    written
}

fn write_staged(staging: &Path, files: &[PlannedFile]) -> anyhow::Result<()> {
    let (manifest, manifest_text) = Manifest::of_new(&pairs(files));
    for (path, contents) in files
        .iter()
        .map(|f| (&f.path, &f.contents))
        .chain([(&manifest, &manifest_text)])
    {
        write_file(&staging.join(path), contents).map_err(|err| cannot_write(path, &err))?;
    }
    Ok(())
}

/// The files in `files` that already exist under `dir`.
pub fn existing(dir: &Path, files: &[PlannedFile]) -> Vec<PathBuf> {
    files
        .iter()
        .filter(|f| dir.join(&f.path).symlink_metadata().is_ok())
        .map(|f| f.path.clone())
        .collect()
}

/// Adds `files` to the existing directory `dir`. A file there that
/// dockwright generated and nobody changed since is replaced; any other is
/// first moved to `.dockwright/backup/<time>/`. The change is journaled:
/// staged, moved into place, committed, and undone on failure, on Ctrl-C
/// and, after a kill, by the next dockwright command in `dir`. Returns the
/// backup directory and the files moved there.
pub fn write_into(dir: &Path, files: &[PlannedFile]) -> anyhow::Result<(PathBuf, Vec<PathBuf>)> {
    let _hold = Hold::new();
    let placement = Placement::stage(dir, &pairs(files))?;
    let backed_up = placement.backed_up();
    placement.place(|| interrupt::check().map_err(anyhow::Error::from))?;
    Ok(backed_up)
}

fn pairs(files: &[PlannedFile]) -> Vec<(PathBuf, String)> {
    files
        .iter()
        .map(|f| (f.path.clone(), f.contents.clone()))
        .collect()
}

fn write_file(path: &Path, contents: &str) -> std::io::Result<()> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)?;
    }
    fs::write(path, contents)
}

fn cannot_write(path: &Path, err: &std::io::Error) -> anyhow::Error {
    UserError::new(format!(
        "cannot write `{}` ({err}); check the permissions and free space there",
        path.display()
    ))
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> Settings {
        Settings {
            name: "shop".into(),
            python: "3.12".into(),
            port: 8080,
            profile: "all".into(),
            entry: "shop:create_app()".into(),
            entry_origin: None,
            app_file: "shop/__init__.py".into(),
            requirements: "dockwright-requirements.txt".into(),
            requirements_text: Some("-r requirements.txt\n".into()),
            requirements_includes: vec!["requirements.txt".into()],
            lock_source: None,
            install_project: true,
            runtime: Runtime {
                writable: vec!["logs".into()],
                env: [("MODE".to_string(), "prod".to_string())].into(),
            },
            with_app: false,
            gitignore_patterns: Vec::new(),
            // Behind a proxy: the CA bundle's mounts must survive rendering again too.
            ca_file: Some("corp-ca.pem".into()),
        }
    }

    #[test]
    fn settings_from_a_projects_config_render_its_dockerfiles_again() {
        let catalogue = Catalogue::load().unwrap();
        let first = settings();
        let files = plan(&first, &catalogue).unwrap();
        let text = &files
            .iter()
            .find(|f| f.path == Path::new(config::FILE_NAME))
            .unwrap()
            .contents;
        let config = Config::parse(text, Path::new(config::FILE_NAME)).unwrap();
        let again = Settings::from_config(&config, first.requirements_includes.clone());
        let (dockerfiles, unknown) = dockerfiles(&again, &catalogue, &config.variants).unwrap();
        assert!(unknown.is_empty(), "{unknown:?}");
        assert_eq!(dockerfiles.len(), config.variants.len());
        for file in &dockerfiles {
            let planned = files.iter().find(|f| f.path == file.path).unwrap();
            assert_eq!(file.contents, planned.contents, "{}", file.path.display());
        }
    }

    #[test]
    fn from_a_lock_uv_checks_every_hash_and_pip_finds_them_itself() {
        let catalogue = Catalogue::load().unwrap();
        let locked = Settings {
            requirements: "requirements.lock".into(),
            requirements_includes: Vec::new(),
            lock_source: Some("requirements.txt".into()),
            ..settings()
        };
        let variants = [VariantEntry {
            name: "mine".into(),
            dockerfile: "dockerfiles/mine.Dockerfile".into(),
            reason: "hand-written".into(),
        }];
        let (_, unknown) = dockerfiles(&locked, &catalogue, &variants).unwrap();
        assert_eq!(unknown, ["mine"]);
        for (settings, hashes) in [(&locked, true), (&settings(), false)] {
            for file in plan(settings, &catalogue).unwrap() {
                let name = file.path.display().to_string();
                if !name.ends_with(".Dockerfile") {
                    continue;
                }
                let uv = name.contains("/uv");
                assert_eq!(
                    file.contents
                        .contains("--require-hashes -r requirements.lock"),
                    uv && hashes,
                    "{name}"
                );
                if hashes {
                    assert!(file.contents.contains("-r requirements.lock"), "{name}");
                }
            }
        }
    }
}
