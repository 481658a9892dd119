//! Adopting an existing Flask project: where its WSGI app is, where its
//! dependencies are listed, and whether it installs itself.

use std::fs;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::UserError;
use crate::requirements::Requirements;

pub mod entry;

/// Directories that hold no application code of the project's own.
const SKIPPED_DIRS: &[&str] = &[
    "venv",
    "env",
    "node_modules",
    "site-packages",
    "build",
    "dist",
    "tests",
    "test",
    "dockerfiles",
];

/// What `init` found in a directory that already holds a Flask project.
#[derive(Debug, PartialEq, Eq)]
pub struct Found {
    /// The project's directory, as `init` was given it.
    pub root: PathBuf,
    /// WSGI entries gunicorn could serve, as `module:callable`, each with the
    /// file that defines it.
    pub entries: Vec<Entry>,
    pub deps: DepsSource,
    pub install_project: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub target: String,
    pub file: PathBuf,
}

#[derive(Debug, PartialEq, Eq)]
pub enum DepsSource {
    /// The project's own requirements.txt.
    RequirementsFile(Requirements),
    /// pyproject.toml's `[project] dependencies` or Poetry's
    /// `[tool.poetry.dependencies]`, to be written out for the image build.
    Pyproject(Requirements),
}

#[derive(Deserialize)]
struct Pyproject {
    project: Option<PyprojectProject>,
    #[serde(rename = "build-system")]
    build_system: Option<BuildSystem>,
    tool: Option<Tool>,
}

#[derive(Deserialize)]
struct PyprojectProject {
    dependencies: Option<Vec<String>>,
    #[serde(default)]
    dynamic: Vec<String>,
}

#[derive(Deserialize)]
struct Tool {
    poetry: Option<Poetry>,
}

#[derive(Deserialize)]
struct Poetry {
    dependencies: Option<toml::Table>,
}

#[derive(Deserialize)]
struct BuildSystem {
    #[serde(rename = "build-backend")]
    build_backend: Option<String>,
}

/// Looks for a Flask project in `dir`; `None` when there is none to adopt.
pub fn detect(dir: &Path) -> Result<Option<Found>, UserError> {
    let requirements = dir.join("requirements.txt");
    let pyproject_path = dir.join("pyproject.toml");
    let pyproject = read_pyproject(&pyproject_path)?;
    let install_project = pyproject
        .as_ref()
        .and_then(|p| p.build_system.as_ref())
        .is_some_and(|b| b.build_backend.is_some());
    let entries = find_entries(dir, install_project);
    let deps = if requirements.is_file() {
        let text = fs::read_to_string(&requirements).map_err(|err| {
            UserError::new(format!(
                "cannot read `{}` ({err}); check its permissions",
                requirements.display()
            ))
        })?;
        Some(DepsSource::RequirementsFile(Requirements::parse(
            &text,
            "requirements.txt",
        )?))
    } else {
        pyproject
            .as_ref()
            .map(pyproject_dependencies)
            .transpose()?
            .flatten()
            .map(DepsSource::Pyproject)
    };
    let mentions_flask = match &deps {
        Some(DepsSource::RequirementsFile(r) | DepsSource::Pyproject(r)) => {
            r.names.iter().any(|n| n.eq_ignore_ascii_case("flask"))
        }
        None => false,
    };
    if entries.is_empty() && !mentions_flask {
        return Ok(None);
    }
    let deps = deps.ok_or_else(|| {
        UserError::new(
            "this Flask project lists no dependencies; add a requirements.txt or `[project] dependencies` to pyproject.toml",
        )
    })?;
    Ok(Some(Found {
        root: dir.to_path_buf(),
        entries,
        deps,
        install_project,
    }))
}

/// The files that make `dir` a Python project, whether or not a Flask one:
/// its dependency and packaging files, and its Python modules.
pub fn python_project_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = ["requirements.txt", "pyproject.toml", "setup.py", "Pipfile"]
        .iter()
        .map(PathBuf::from)
        .filter(|f| dir.join(f).is_file())
        .collect();
    files.extend(python_files(dir, 2));
    files
}

/// `[project] dependencies`, else Poetry's table; `None` when pyproject.toml
/// lists neither.
fn pyproject_dependencies(pyproject: &Pyproject) -> Result<Option<Requirements>, UserError> {
    let project = pyproject.project.as_ref();
    if let Some(dependencies) = project.and_then(|p| p.dependencies.as_ref()) {
        return Requirements::from_specifiers(dependencies, "pyproject.toml").map(Some);
    }
    let poetry = pyproject
        .tool
        .as_ref()
        .and_then(|t| t.poetry.as_ref())
        .and_then(|p| p.dependencies.as_ref());
    if let Some(dependencies) = poetry {
        let specifiers = crate::poetry::specifiers(dependencies)?;
        return Requirements::from_specifiers(&specifiers, "pyproject.toml").map(Some);
    }
    if project.is_some_and(|p| p.dynamic.iter().any(|d| d == "dependencies")) {
        return Err(UserError::new(
            "pyproject.toml declares its dependencies dynamic (`dynamic = [\"dependencies\"]`), so only its build backend knows them; write them to a requirements.txt beside it, which dockwright reads instead",
        ));
    }
    project
        .map(|_| Requirements::from_specifiers(&[], "pyproject.toml"))
        .transpose()
}

/// The WSGI app the project's Procfile serves: the `module:callable` that
/// gunicorn is given on its `web:` line (`web: gunicorn --bind 0.0.0.0:$PORT
/// wsgi:app`). That is the project's own declaration, so it wins over a
/// guess from the code.
pub fn procfile_entry(dir: &Path) -> Option<String> {
    let text = fs::read_to_string(dir.join("Procfile")).ok()?;
    let command = text
        .lines()
        .find_map(|line| line.trim().strip_prefix("web:"))?;
    let words: Vec<&str> = command.split_whitespace().collect();
    let gunicorn = words
        .iter()
        .position(|w| *w == "gunicorn" || w.ends_with("/gunicorn"))?;
    words[gunicorn + 1..]
        .iter()
        .map(|w| w.trim_matches(|c| c == '\'' || c == '"'))
        .find(|w| is_entry(w))
        .map(str::to_string)
}

/// `module:callable`, the module dotted, the callable optionally called.
pub fn is_entry(text: &str) -> bool {
    let ident = |s: &str| {
        !s.is_empty()
            && !s.starts_with(|c: char| c.is_ascii_digit())
            && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    text.split_once(':').is_some_and(|(module, callable)| {
        module.split('.').all(ident) && ident(callable.strip_suffix("()").unwrap_or(callable))
    })
}

fn read_pyproject(path: &Path) -> Result<Option<Pyproject>, UserError> {
    if !path.is_file() {
        return Ok(None);
    }
    let text = fs::read_to_string(path).map_err(|err| {
        UserError::new(format!(
            "cannot read `{}` ({err}); check its permissions",
            path.display()
        ))
    })?;
    toml::from_str(&text).map(Some).map_err(|err| {
        UserError::new(format!(
            "`{}` is not valid TOML ({}); fix it before running `dockwright init`",
            path.display(),
            err.message()
        ))
    })
}

/// Module-level Flask apps and `create_app` factories in the top two levels
/// of the project. An installed project's `src/` layout is not part of its
/// module names; an app that is only copied is imported from the project root.
fn find_entries(dir: &Path, installed: bool) -> Vec<Entry> {
    let mut entries = Vec::new();
    for file in python_files(dir, 2) {
        let Ok(text) = fs::read_to_string(dir.join(&file)) else {
            continue;
        };
        let module = module_name(&file, installed);
        for line in text.lines() {
            if let Some(target) = entry_on_line(line) {
                entries.push(Entry {
                    target: format!("{module}:{target}"),
                    file: file.clone(),
                });
            }
        }
    }
    entries.sort_by(|a, b| a.target.cmp(&b.target));
    entries
}

/// `app = Flask(__name__)` gives `app`; `def create_app(...)` gives
/// `create_app()`. Only unindented lines count: module level.
fn entry_on_line(line: &str) -> Option<String> {
    if line.starts_with(char::is_whitespace) {
        return None;
    }
    if let Some(rest) = line.strip_prefix("def create_app(") {
        let no_required_args = rest.starts_with(')') || rest.contains('=') || rest.starts_with("*");
        return no_required_args.then(|| "create_app()".to_string());
    }
    let (name, value) = line.split_once('=')?;
    let name = name.trim();
    let is_identifier = !name.is_empty()
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !name.starts_with(|c: char| c.is_ascii_digit());
    let value = value.trim_start();
    let creates_flask = value.starts_with("Flask(") || value.starts_with("flask.Flask(");
    (is_identifier && creates_flask).then(|| name.to_string())
}

fn python_files(dir: &Path, depth: usize) -> Vec<PathBuf> {
    let mut found = Vec::new();
    collect(dir, Path::new(""), depth, &mut found);
    found.sort();
    found
}

fn collect(root: &Path, rel: &Path, depth: usize, found: &mut Vec<PathBuf>) {
    let Ok(read) = fs::read_dir(root.join(rel)) else {
        return;
    };
    for entry in read.flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        let path = rel.join(&name);
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            let skipped = name.starts_with('.')
                || name.starts_with('_')
                || SKIPPED_DIRS.contains(&name.as_str());
            if depth > 1 && !skipped {
                collect(root, &path, depth - 1, found);
            }
        } else if kind.is_file() && name.ends_with(".py") {
            found.push(path);
        }
    }
}

/// `pkg/__init__.py` is module `pkg`, `pkg/web.py` is `pkg.web`; with
/// `strip_src`, a `src/` layout's prefix is not part of the module name.
fn module_name(file: &Path, strip_src: bool) -> String {
    let mut parts: Vec<String> = file
        .with_extension("")
        .components()
        .map(|c| c.as_os_str().to_string_lossy().to_string())
        .collect();
    if strip_src && parts.first().is_some_and(|p| p == "src") && parts.len() > 1 {
        parts.remove(0);
    }
    if parts.last().is_some_and(|p| p == "__init__") && parts.len() > 1 {
        parts.pop();
    }
    parts.join(".")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_apps_and_factories_at_module_level() {
        assert_eq!(entry_on_line("app = Flask(__name__)"), Some("app".into()));
        assert_eq!(
            entry_on_line("application = flask.Flask(__name__)"),
            Some("application".into())
        );
        assert_eq!(
            entry_on_line("def create_app():"),
            Some("create_app()".into())
        );
        assert_eq!(
            entry_on_line("def create_app(config=None):"),
            Some("create_app()".into())
        );
        assert_eq!(entry_on_line("def create_app(config):"), None);
        assert_eq!(entry_on_line("    app = Flask(__name__)"), None);
        assert_eq!(entry_on_line("x == Flask(1)"), None);
    }

    #[test]
    fn names_modules_like_python_does() {
        assert_eq!(module_name(Path::new("app.py"), false), "app");
        assert_eq!(module_name(Path::new("shop/__init__.py"), false), "shop");
        assert_eq!(module_name(Path::new("shop/web.py"), false), "shop.web");
        assert_eq!(module_name(Path::new("src/shop/__init__.py"), true), "shop");
        assert_eq!(module_name(Path::new("src/web.py"), false), "src.web");
    }

    #[test]
    fn adopts_a_factory_package_with_pyproject_dependencies() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join("shop")).unwrap();
        fs::write(
            dir.path().join("shop/__init__.py"),
            "from flask import Flask\n\ndef create_app():\n    app = Flask(__name__)\n    return app\n",
        )
        .unwrap();
        fs::write(
            dir.path().join("pyproject.toml"),
            "[project]\nname = \"shop\"\nversion = \"1\"\ndependencies = [\"flask==3.1.3\"]\n\n[build-system]\nrequires = [\"setuptools\"]\nbuild-backend = \"setuptools.build_meta\"\n",
        )
        .unwrap();
        let found = detect(dir.path()).unwrap().unwrap();
        assert_eq!(found.entries.len(), 1);
        assert_eq!(found.entries[0].target, "shop:create_app()");
        assert!(found.install_project);
        assert!(matches!(found.deps, DepsSource::Pyproject(_)));
    }

    #[test]
    fn the_procfile_names_the_app_gunicorn_serves() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(procfile_entry(dir.path()), None);
        for (procfile, expected) in [
            ("web: gunicorn wsgi:app\n", Some("wsgi:app")),
            (
                "release: flask db upgrade\nweb: gunicorn --bind 0.0.0.0:$PORT -w 3 'shop:create_app()' --log-file -\n",
                Some("shop:create_app()"),
            ),
            ("web: bin/gunicorn app.main:application\n", Some("app.main:application")),
            ("web: python serve.py\n", None),
            ("worker: gunicorn wsgi:app\n", None),
        ] {
            fs::write(dir.path().join("Procfile"), procfile).unwrap();
            assert_eq!(procfile_entry(dir.path()).as_deref(), expected, "{procfile}");
        }
    }

    #[test]
    fn an_empty_directory_is_not_a_flask_project() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(detect(dir.path()).unwrap(), None);
    }
}
