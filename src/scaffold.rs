//! Turning settled answers into files: the plan (what to write, rendered from
//! the templates) and the two ways of writing it without leaving half a
//! project behind.

use std::fs;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::catalogue::Catalogue;
use crate::config::{self, Images, VariantEntry};
use crate::error::UserError;
use crate::interrupt::{self, Hold};
use crate::render;

/// Everything a project's files are rendered from.
#[derive(Debug, Clone, Serialize)]
pub struct Settings {
    pub name: String,
    pub python: String,
    pub port: u16,
    pub profile: String,
    pub entry: String,
    pub app_file: String,
    /// Path of the requirements file, relative to the project root.
    pub requirements: String,
    /// Text to write at `requirements`, unless the project already has it.
    #[serde(skip)]
    pub requirements_text: Option<String>,
    /// Files that `requirements` includes with `-r`: the Dockerfiles copy
    /// them beside it, or pip would not find them.
    pub requirements_includes: Vec<String>,
    pub install_project: bool,
    /// Whether to write the hello-world app and its README (a new project)
    /// or only dockwright's files (an adopted one).
    #[serde(skip)]
    pub with_app: bool,
}

#[derive(Serialize)]
struct Context<'a> {
    #[serde(flatten)]
    settings: &'a Settings,
    images: Images,
    user: &'static str,
    uid: u32,
    extra_dependency: &'static str,
    variants: Vec<VariantEntry>,
    recommended: String,
}

/// One file to write, relative to the project root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedFile {
    pub path: PathBuf,
    pub contents: String,
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
    let context = Context {
        settings,
        images: Images::for_python(&settings.python),
        user: "appuser",
        uid: 10001,
        extra_dependency: config::DEFAULT_EXTRA_DEPENDENCY,
        recommended: variants.last().map(|v| v.name.clone()).unwrap_or_default(),
        variants,
    };
    let mut files = Vec::new();
    let mut add = |path: &str, template: &str| -> anyhow::Result<()> {
        files.push(PlannedFile {
            path: PathBuf::from(path),
            contents: render::render(template, &context)?,
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

/// Creates the project directory `dest` with `files`. The files are written
/// into a temporary sibling that is renamed into place at the end, so a
/// failure half-way leaves nothing behind.
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
    let _hold = Hold::new();
    let staging = tempfile::Builder::new()
        .prefix(".dockwright-new-")
        .tempdir_in(&parent)
        .map_err(|err| cannot_write(&parent, &err))?;
    for file in files {
        write_file(&staging.path().join(&file.path), &file.contents)
            .map_err(|err| cannot_write(&dest.join(&file.path), &err))?;
    }
    interrupt::check()?;
    fs::rename(staging.path(), dest).map_err(|err| cannot_write(dest, &err))?;
    // The directory now lives at `dest`; there is nothing left to clean up.
    let _ = staging.keep();
    Ok(())
}

/// The files in `files` that already exist under `dir`.
pub fn existing(dir: &Path, files: &[PlannedFile]) -> Vec<PathBuf> {
    files
        .iter()
        .filter(|f| dir.join(&f.path).exists())
        .map(|f| f.path.clone())
        .collect()
}

/// Adds `files` to the existing directory `dir`, replacing files that are
/// there already. Every file is first written to a staging directory; they
/// are then moved into place one by one, and if one move fails the ones
/// already moved are taken back and replaced files restored.
pub fn write_into(dir: &Path, files: &[PlannedFile]) -> anyhow::Result<()> {
    let _hold = Hold::new();
    let staging = tempfile::Builder::new()
        .prefix(".dockwright-init-")
        .tempdir_in(dir)
        .map_err(|err| cannot_write(dir, &err))?;
    let new_dir = staging.path().join("new");
    let old_dir = staging.path().join("old");
    for file in files {
        write_file(&new_dir.join(&file.path), &file.contents)
            .map_err(|err| cannot_write(&dir.join(&file.path), &err))?;
    }
    let mut done = Vec::new();
    for file in files {
        let moved = interrupt::check()
            .map_err(anyhow::Error::from)
            .and_then(|()| move_into_place(dir, &new_dir, &old_dir, &file.path, &mut done));
        if let Err(err) = moved {
            roll_back(dir, &old_dir, &done);
            return Err(err);
        }
    }
    Ok(())
}

/// What `move_into_place` did, so that `roll_back` can undo it.
struct Placed {
    path: PathBuf,
    replaced: bool,
    created_dirs: Vec<PathBuf>,
}

fn move_into_place(
    dir: &Path,
    new_dir: &Path,
    old_dir: &Path,
    path: &Path,
    done: &mut Vec<Placed>,
) -> anyhow::Result<()> {
    let target = dir.join(path);
    let mut created_dirs = Vec::new();
    if let Some(parent) = target.parent() {
        let mut missing: Vec<&Path> = parent.ancestors().take_while(|p| !p.exists()).collect();
        missing.reverse();
        for d in missing {
            fs::create_dir(d).map_err(|err| cannot_write(d, &err))?;
            created_dirs.push(d.to_path_buf());
        }
    }
    let replaced = target.exists();
    if replaced {
        let backup = old_dir.join(path);
        if let Some(parent) = backup.parent() {
            fs::create_dir_all(parent).map_err(|err| cannot_write(parent, &err))?;
        }
        fs::rename(&target, &backup).map_err(|err| cannot_write(&target, &err))?;
    }
    let placed = Placed {
        path: path.to_path_buf(),
        replaced,
        created_dirs,
    };
    if let Err(err) = fs::rename(new_dir.join(path), &target) {
        roll_back(dir, old_dir, std::slice::from_ref(&placed));
        return Err(cannot_write(&target, &err));
    }
    done.push(placed);
    Ok(())
}

fn roll_back(dir: &Path, old_dir: &Path, done: &[Placed]) {
    for placed in done.iter().rev() {
        let target = dir.join(&placed.path);
        let _ = fs::remove_file(&target);
        if placed.replaced {
            let _ = fs::rename(old_dir.join(&placed.path), &target);
        }
        for d in placed.created_dirs.iter().rev() {
            let _ = fs::remove_dir(d);
        }
    }
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
