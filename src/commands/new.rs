//! `dockwright new` and `dockwright init`: settle the answers (flags first,
//! then questions, then defaults), plan the files, write them in one go.

use std::path::{Path, PathBuf};

use clap::Args;

use crate::adopt::{self, DepsSource, Found};
use crate::args::EngineArgs;
use crate::catalogue::{self, Catalogue};
use crate::commands::lock;
use crate::config::{self, Config, Runtime};
use crate::error::{exit, warn, Interrupted, UserError};
use crate::ignore;
use crate::journal;
use crate::lockfile;
use crate::names;
use crate::presets::{self, Deps, PythonVersion};
use crate::prompt;
use crate::requirements::Requirements;
use crate::results::STATE_DIR;
use crate::scaffold::{self, PlannedFile, Settings};
use crate::ui;

#[derive(Args, Debug)]
pub struct ScaffoldArgs {
    /// Project name, used for image tags [default: the directory's name]
    #[arg(long)]
    name: Option<String>,
    /// Python version of the base images, as 3.N [default: 3.13]
    #[arg(long, value_name = "3.N")]
    python: Option<String>,
    /// Dependencies: the `article` or `minimal` preset, or the path of a requirements.txt [default: article]
    #[arg(long, value_name = "PRESET|FILE")]
    deps: Option<String>,
    /// Which ladder of Dockerfiles to generate: size, speed, balanced, article or all [default: balanced]
    #[arg(long)]
    profile: Option<String>,
    /// Port the app listens on in the container [default: 5000]
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    port: Option<u16>,
    /// A directory under /app that the app writes to (logs, uploads): owned by the app user in
    /// every image, the rest of /app staying read-only to it. Repeat for more
    #[arg(long = "writable", value_name = "DIR", value_parser = parse_writable)]
    writable: Vec<String>,
    /// An environment variable set in every image, as KEY=VALUE. Repeat for more
    #[arg(long = "env", value_name = "KEY=VALUE", value_parser = parse_env)]
    env: Vec<(String, String)>,
    /// Ask nothing: take the defaults for every value not given by flag
    #[arg(long, short = 'y')]
    yes: bool,
}

#[derive(Args, Debug)]
pub struct NewArgs {
    /// Directory to create; its name is the project name unless --name is given
    path: PathBuf,
    #[command(flatten)]
    scaffold: ScaffoldArgs,
    /// Then lock the requirements (`dockwright lock`): needs a container engine. Without one the
    /// project is still created, unlocked, and the command exits with 2
    #[arg(long)]
    lock: bool,
    /// The engine client `--lock` uses, such as /usr/bin/docker [env: DOCKWRIGHT_ENGINE, DOCKER]
    #[arg(long, value_name = "PATH", requires = "lock")]
    engine: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct InitArgs {
    /// Existing directory to add dockwright's files to
    #[arg(default_value = ".")]
    path: PathBuf,
    #[command(flatten)]
    scaffold: ScaffoldArgs,
    /// The WSGI callable of an adopted app, as module:callable (e.g. `shop:create_app()`)
    #[arg(long, value_name = "MODULE:CALLABLE")]
    entry: Option<String>,
    /// Overwrite files that already exist
    #[arg(long)]
    force: bool,
}

pub fn new(args: NewArgs) -> anyhow::Result<i32> {
    // A dangling symlink exists too, though `exists()` follows it to nothing.
    if args.path.symlink_metadata().is_ok() {
        return Err(UserError::new(format!(
            "destination `{}` already exists",
            args.path.display()
        ))
        .help(format!(
            "use `dockwright init {}` to add dockwright's files to an existing directory",
            args.path.display()
        ))
        .into());
    }
    let default_name = dir_name(&args.path)?;
    let settings = settle(&args.scaffold, &default_name, None, None)?;
    let files = plan(&settings)?;
    scaffold::write_new(&args.path, &files)?;
    announce("Created", &args.path, &settings)?;
    if args.lock {
        let locked =
            lock::lock_project(&args.path, &EngineArgs::chosen(args.engine)).map_err(|err| {
                if err.downcast_ref::<Interrupted>().is_some() {
                    return err;
                }
                UserError::new(format!(
                    "`{}` was created, but its requirements are not locked: {err:#}",
                    args.path.display()
                ))
                .help(format!(
                    "once that is fixed, run `dockwright lock` in `{}`",
                    args.path.display()
                ))
                .into()
            })?;
        ui::print(&locked)?;
    }
    Ok(exit::OK)
}

pub fn init(args: InitArgs) -> anyhow::Result<i32> {
    if !args.path.is_dir() {
        return Err(
            UserError::new(format!("`{}` is not a directory", args.path.display()))
                .help(format!(
                    "create a new project there with `dockwright new {}`",
                    args.path.display()
                ))
                .into(),
        );
    }
    journal::recover(&args.path)?;
    if args.path.join(config::FILE_NAME).exists() && !args.force {
        return Err(UserError::new(format!(
            "`{}` is already a dockwright project ({} exists)",
            args.path.display(),
            config::FILE_NAME
        ))
        .help("pass `--force` to generate its files again")
        .into());
    }
    let dir = args.path.canonicalize().map_err(|err| {
        UserError::new(format!(
            "cannot use `{}` ({err}); check the path",
            args.path.display()
        ))
    })?;
    let default_name = dir_name(&dir)?;
    let found = adopt::detect(&args.path)?;
    if found.is_none() {
        refuse_a_python_project_without_flask(&args.path)?;
    }
    if found.is_some() && args.scaffold.deps.is_some() {
        return Err(UserError::new(
            "`--deps` is for new apps; this directory's Flask app brings its own dependencies",
        )
        .help("edit its requirements.txt or pyproject.toml instead")
        .into());
    }
    if found.is_none() && args.entry.is_some() {
        return Err(UserError::new(format!(
            "found no Flask app in `{}` for `--entry` to point at",
            args.path.display()
        ))
        .help("leave out `--entry` to scaffold the hello-world app")
        .into());
    }
    let mut settings = settle(
        &args.scaffold,
        &default_name,
        found.as_ref(),
        args.entry.as_deref(),
    )?;
    let existing = Config::load(&args.path).ok();
    if args.scaffold.writable.is_empty() && args.scaffold.env.is_empty() {
        // Generating the files again keeps what the project set by hand.
        if let Some(existing) = &existing {
            settings.runtime = existing.runtime.clone();
        }
    }
    // The files are generated from the requirements, not from a lock of them.
    let was_locked = existing.and_then(|e| e.project.lock_source);
    let from_gitignore = ignore::from_gitignore(&args.path, &settings)?;
    settings.gitignore_patterns = from_gitignore.taken.clone();
    let mut files = plan(&settings)?;
    // The hello-world app's README never replaces one the directory has.
    files.retain(|f| !(f.path == Path::new("README.md") && args.path.join(&f.path).exists()));
    let clashes = scaffold::existing(&args.path, &files);
    if !clashes.is_empty() && !args.force {
        return Err(UserError::new(format!(
            "init would replace {}; nothing was written",
            quoted(&clashes)
        ))
        .help(format!("pass `--force` to replace them: a file dockwright generated and nobody changed is replaced, any other is first moved to `{STATE_DIR}/{}/`", journal::BACKUP))
        .into());
    }
    let had_state = args.path.join(STATE_DIR).exists();
    let (backup, moved) = match scaffold::write_into(&args.path, &files) {
        Ok(written) => written,
        Err(err) => {
            if !had_state {
                // Only the journal's lock and empty folders were made there.
                let _ = std::fs::remove_dir_all(args.path.join(STATE_DIR));
            }
            return Err(err);
        }
    };
    if !moved.is_empty() {
        warn(&format!(
            "moved {} to `{}` before replacing them",
            quoted(&moved),
            backup.display()
        ));
    }
    if let Some(line) = from_gitignore.left_out_line() {
        warn(&line);
    }
    if let Some(origin) = &settings.entry_origin {
        ui::print(origin)?;
    }
    if let Some(line) = from_gitignore.taken_line() {
        ui::print(&line)?;
    }
    let verb = if found.is_some() {
        "Adopted"
    } else {
        "Initialised"
    };
    if let Some(source) = was_locked {
        warn(&format!(
            "the project installed from `{}`, locked from `{source}`; the files now install from `{}`: run `dockwright lock` to install from a lock again",
            lockfile::FILE,
            settings.requirements
        ));
    }
    announce(verb, &args.path, &settings)?;
    Ok(exit::OK)
}

/// A directory that holds a Python project is only adopted when it is a
/// Flask app: a hello-world app is never written into somebody's project.
fn refuse_a_python_project_without_flask(dir: &Path) -> Result<(), UserError> {
    let looked_at = adopt::python_project_files(dir);
    if looked_at.is_empty() {
        return Ok(());
    }
    const SHOWN: usize = 6;
    let mut list = quoted(&looked_at[..looked_at.len().min(SHOWN)]);
    if looked_at.len() > SHOWN {
        list.push_str(&format!(" and {} more", looked_at.len() - SHOWN));
    }
    Err(UserError::new(format!(
        "found no Flask app in `{}`: looked at {list}, and none creates a module-level `Flask(...)` app or a `create_app()` factory, nor lists `flask` as a dependency; nothing was written",
        dir.display()
    ))
    .help("dockwright adopts Flask apps; to start a new one, run `dockwright new NAME` in another directory"))
}

fn quoted(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| format!("`{}`", p.display()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Turns flags, answers and defaults into checked settings. Nothing is
/// written before this returns.
fn settle(
    args: &ScaffoldArgs,
    default_name: &str,
    found: Option<&Found>,
    entry: Option<&str>,
) -> anyhow::Result<Settings> {
    let ask = prompt::allowed(args.yes);
    let catalogue = Catalogue::load()?;
    let presets = presets::presets()?;

    let name = match (&args.name, ask) {
        (Some(name), _) => names::validate(name)?,
        (None, true) => prompt::text("Project name", default_name, names::validate)?,
        (None, false) => names::validate(default_name).map_err(|err| {
            UserError::new(format!("{err}"))
                .help("the directory name is used as the project name; pass `--name <name>` to choose another")
        })?,
    };
    if let Some(original) = &name.normalised_from {
        warn(&format!(
            "the project name `{original}` was normalised to `{}`",
            name.name
        ));
    }

    let python = match (&args.python, ask) {
        (Some(python), _) => PythonVersion::parse(python)?,
        (None, true) => prompt::text(
            "Python version",
            presets::DEFAULT_PYTHON,
            PythonVersion::parse,
        )?,
        (None, false) => PythonVersion::parse(presets::DEFAULT_PYTHON)?,
    };

    let (requirements, requirements_text, requirements_includes, install_project, with_app) =
        match found {
            Some(found) => adopted_deps(found, &presets, &python)?,
            None => {
                let deps = match (&args.deps, ask) {
                    (Some(deps), _) => Deps::parse(deps, &presets)?,
                    (None, true) => ask_deps(&presets, &python)?,
                    (None, false) => Deps::Preset(presets::DEFAULT_PRESET.to_string()),
                };
                let reqs = deps.resolve(&presets, &python)?;
                warn_about(&reqs, false);
                (
                    "requirements.txt".to_string(),
                    Some(reqs.text),
                    Vec::new(),
                    false,
                    true,
                )
            }
        };

    let profile = match (&args.profile, ask) {
        (Some(profile), _) => catalogue.profile(profile)?.name.clone(),
        (None, true) => {
            let items: Vec<(String, String)> = catalogue
                .profiles
                .iter()
                .map(|p| (p.name.clone(), p.about.clone()))
                .collect();
            let default = catalogue
                .profiles
                .iter()
                .position(|p| p.name == catalogue::DEFAULT_PROFILE)
                .unwrap_or(0);
            catalogue.profiles[prompt::choose("Profile", &items, default)?]
                .name
                .clone()
        }
        (None, false) => catalogue::DEFAULT_PROFILE.to_string(),
    };

    let port = match (args.port, ask) {
        (Some(port), _) => port,
        (None, true) => prompt::text("Port", &config::DEFAULT_PORT.to_string(), parse_port)?,
        (None, false) => config::DEFAULT_PORT,
    };

    let (entry, app_file, entry_origin) = match found {
        Some(found) => choose_entry(found, entry, ask)?,
        None => ("app:app".to_string(), "app.py".to_string(), None),
    };

    Ok(Settings {
        name: name.name,
        python: python.to_string(),
        port,
        profile,
        entry,
        entry_origin,
        app_file,
        requirements,
        requirements_text,
        requirements_includes,
        lock_source: None,
        install_project,
        with_app,
        runtime: Runtime {
            writable: args.writable.clone(),
            env: args.env.iter().cloned().collect(),
        },
        gitignore_patterns: Vec::new(),
    })
}

fn parse_writable(text: &str) -> Result<String, String> {
    let dir = text.trim_end_matches('/');
    config::check_writable(dir).map(|()| dir.to_string())
}

fn parse_env(text: &str) -> Result<(String, String), String> {
    let (key, value) = text.split_once('=').ok_or_else(|| {
        format!(
            "`{}` is not KEY=VALUE; write it like `FLASK_ENV=production`",
            text.escape_debug()
        )
    })?;
    config::check_env(key, value)?;
    Ok((key.to_string(), value.to_string()))
}

/// Where the image build reads the dependencies: the requirements path, the
/// text dockwright writes there (if any), the files that one includes,
/// whether the project installs itself, and whether the hello-world app is
/// written.
type DepsPlan = (String, Option<String>, Vec<String>, bool, bool);

/// dockwright's own requirements file, for what it has to add to a
/// project's: a file, not a folder, since setuptools' flat-layout discovery
/// would take a folder in the build context for a second package.
const OWN_REQUIREMENTS: &str = "dockwright-requirements.txt";

/// Where an adopted project's dependencies are read from in the image build
/// (the file, its text when dockwright writes it, the files it includes),
/// with a pinned gunicorn added when the project lists none: every image's
/// CMD runs it. The project's own files are never edited.
fn adopted_deps(
    found: &Found,
    presets: &[presets::Preset],
    python: &PythonVersion,
) -> anyhow::Result<DepsPlan> {
    let reqs = match &found.deps {
        DepsSource::RequirementsFile(reqs) | DepsSource::Pyproject(reqs) => reqs,
    };
    // In hash-checking mode every requirement needs its hashes, which
    // dockwright does not have for gunicorn: warn_about asks for a line.
    let gunicorn = if has_gunicorn(reqs) || reqs.hashed {
        None
    } else {
        Some(presets::gunicorn(presets, python)?)
    };
    warn_about(reqs, gunicorn.is_some());
    if let Some(gunicorn) = &gunicorn {
        let source = match &found.deps {
            DepsSource::RequirementsFile(_) => "requirements.txt",
            DepsSource::Pyproject(_) => "pyproject.toml",
        };
        warn(&format!(
            "{source} does not list gunicorn, which serves the app in every image; {OWN_REQUIREMENTS} adds `{gunicorn}` to what the images install"
        ));
    }
    let with_gunicorn = |text: String| match &gunicorn {
        Some(gunicorn) => format!(
            "{text}# Added by dockwright: gunicorn serves the app in every image.\n{gunicorn}\n"
        ),
        None => text,
    };
    Ok(match (&found.deps, &gunicorn) {
        (DepsSource::RequirementsFile(_), None) => (
            "requirements.txt".to_string(),
            None,
            Vec::new(),
            found.install_project,
            false,
        ),
        (DepsSource::RequirementsFile(_), Some(_)) => (
            OWN_REQUIREMENTS.to_string(),
            Some(with_gunicorn(
                "# Written by dockwright: the project's requirements.txt, unchanged, and what\n# the images need besides.\n-r requirements.txt\n".to_string(),
            )),
            vec!["requirements.txt".to_string()],
            found.install_project,
            false,
        ),
        (DepsSource::Pyproject(reqs), _) => (
            OWN_REQUIREMENTS.to_string(),
            Some(with_gunicorn(format!(
                "# Written by dockwright from pyproject.toml's dependencies, so that the image\n# build installs them in a layer of their own.\n{}",
                reqs.text
            ))),
            Vec::new(),
            found.install_project,
            false,
        ),
    })
}

fn has_gunicorn(reqs: &Requirements) -> bool {
    reqs.names
        .iter()
        .any(|n| n.eq_ignore_ascii_case("gunicorn"))
}

/// Warns about requirements that build but may not behave: unpinned ones,
/// packages pinned twice, and a missing gunicorn, which every Dockerfile's
/// CMD runs, unless dockwright `adds_gunicorn` itself.
fn warn_about(reqs: &Requirements, adds_gunicorn: bool) {
    if !reqs.conflicts.is_empty() {
        warn(&format!(
            "pinned twice to different versions: {}; pip refuses to install both, so keep one pin of each",
            reqs.conflicts.join(", ")
        ));
    }
    if !reqs.unpinned.is_empty() {
        warn(&format!(
            "not pinned with `==`: {}; the images may change from build to build",
            reqs.unpinned.join(", ")
        ));
    }
    if !has_gunicorn(reqs) && !adds_gunicorn {
        warn("the requirements do not include gunicorn, which serves the app in every image; add a pinned `gunicorn` line (with its `--hash` in a hash-checking file)");
    }
}

/// The WSGI callable gunicorn serves, the file that defines it, and, when
/// dockwright chose it, where from (said once the files are written).
type ChosenEntry = (String, String, Option<String>);

fn choose_entry(found: &Found, flag: Option<&str>, ask: bool) -> anyhow::Result<ChosenEntry> {
    if let Some(flag) = flag {
        let target = parse_entry(flag)?;
        let module = target.split(':').next().unwrap_or_default();
        let file = match found
            .entries
            .iter()
            .find(|e| e.target.split(':').next() == Some(module))
        {
            Some(entry) => entry.file.clone(),
            None => module_file(&found.root, module, found.install_project).ok_or_else(|| {
                let path = module.replace('.', "/");
                UserError::new(format!(
                    "`--entry {target}` names the module `{module}`, but `{}` has no `{path}.py` or `{path}/__init__.py`; pass a module of the project, such as `{}`",
                    found.root.display(),
                    found.entries.first().map_or("app:app", |e| e.target.as_str())
                ))
            })?,
        };
        return Ok((target, file.display().to_string(), None));
    }
    if let Some(target) = adopt::procfile_entry(&found.root) {
        let module = target.split(':').next().unwrap_or_default();
        match module_file(&found.root, module, found.install_project) {
            Some(file) => {
                let origin = format!("gunicorn serves `{target}`, as the Procfile's `web:` line says");
                return Ok((target, file.display().to_string(), Some(origin)));
            }
            None => warn(&format!(
                "the Procfile's `web:` line serves `{target}`, but the project has no module `{module}`; looking for a Flask app in the code instead"
            )),
        }
    }
    let pick = match found.entries.as_slice() {
        [only] => only,
        [] => {
            return Err(
                UserError::new("found no module-level Flask app or `create_app()` factory")
                    .help("pass the WSGI callable with `--entry module:callable`")
                    .into(),
            )
        }
        many if ask => {
            let items: Vec<(String, String)> = many
                .iter()
                .map(|e| (e.target.clone(), e.file.display().to_string()))
                .collect();
            &many[prompt::choose("Which app should gunicorn serve?", &items, 0)?]
        }
        many => {
            let list: Vec<String> = many.iter().map(|e| format!("`{}`", e.target)).collect();
            return Err(
                UserError::new(format!("found several Flask apps: {}", list.join(", ")))
                    .help("pick one with `--entry module:callable`")
                    .into(),
            );
        }
    };
    let origin = format!(
        "gunicorn serves `{}`, found in `{}` (a Procfile's `web:` line or `--entry` would say otherwise)",
        pick.target,
        pick.file.display()
    );
    Ok((
        pick.target.clone(),
        pick.file.display().to_string(),
        Some(origin),
    ))
}

/// The file that defines `module` (dotted), relative to `root`: a module
/// file or a package, also under `src/` for a project pip installs.
fn module_file(root: &Path, module: &str, installed: bool) -> Option<PathBuf> {
    let path = module.replace('.', "/");
    let prefixes: &[&str] = if installed { &["", "src/"] } else { &[""] };
    prefixes
        .iter()
        .flat_map(|prefix| {
            [
                PathBuf::from(format!("{prefix}{path}.py")),
                PathBuf::from(format!("{prefix}{path}/__init__.py")),
            ]
        })
        .find(|file| root.join(file).is_file())
}

/// Checks `module:callable` (a dotted module, an identifier, optionally `()`).
fn parse_entry(text: &str) -> Result<String, UserError> {
    if adopt::is_entry(text) {
        Ok(text.to_string())
    } else {
        Err(UserError::new(format!(
            "`--entry {text}` is not of the form module:callable; write it like `app:app` or `shop:create_app()`"
        )))
    }
}

fn parse_port(text: &str) -> Result<u16, String> {
    match text.trim().parse::<u16>() {
        Ok(port) if port > 0 => Ok(port),
        _ => Err(format!(
            "`{text}` is not a port; use a number from 1 to 65535"
        )),
    }
}

fn ask_deps(presets: &[presets::Preset], python: &PythonVersion) -> anyhow::Result<Deps> {
    let mut items: Vec<(String, String)> = presets
        .iter()
        .map(|p| (p.name.clone(), p.about.clone()))
        .collect();
    items.push((
        "file".to_string(),
        "the path of your own requirements.txt".to_string(),
    ));
    let default = presets
        .iter()
        .position(|p| p.name == presets::DEFAULT_PRESET)
        .unwrap_or(0);
    let picked = prompt::choose("Dependencies", &items, default)?;
    match presets.get(picked) {
        Some(preset) => Ok(Deps::Preset(preset.name.clone())),
        None => prompt::text(
            "Path of requirements.txt",
            "requirements.txt",
            |path: &str| {
                let deps = Deps::File(PathBuf::from(path));
                deps.resolve(presets, python).map(|_| deps)
            },
        ),
    }
}

fn plan(settings: &Settings) -> anyhow::Result<Vec<PlannedFile>> {
    scaffold::plan(settings, &Catalogue::load()?)
}

fn dir_name(path: &Path) -> anyhow::Result<String> {
    let name = match path.file_name() {
        Some(name) => name.to_string_lossy().to_string(),
        None => path
            .canonicalize()
            .map_err(|err| {
                UserError::new(format!(
                    "`{}` does not name a directory ({err}); name the directory to use, such as `hello`",
                    path.display()
                ))
            })?
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default(),
    };
    Ok(name)
}

fn announce(verb: &str, path: &Path, settings: &Settings) -> std::io::Result<()> {
    let green = console::Style::new().green().bold();
    let variants = Config::load(path)
        .map(|config| {
            config
                .variants
                .iter()
                .map(|v| v.name.clone())
                .collect::<Vec<_>>()
                .join(" → ")
        })
        .unwrap_or_default();
    ui::print(&format!(
        "{} `{}` ({}, profile {}: {variants})",
        green.apply_to(verb),
        settings.name,
        path.display(),
        settings.profile
    ))?;
    ui::print(&format!(
        "Next: cd {} && dockwright variants",
        path.display()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_module_colon_callable() {
        assert!(parse_entry("app:app").is_ok());
        assert!(parse_entry("shop.web:create_app()").is_ok());
        for bad in ["app", ":app", "app:", "a b:app", "app:1x", "app:app;rm"] {
            assert!(parse_entry(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn ports_are_1_to_65535() {
        assert_eq!(parse_port("8080"), Ok(8080));
        assert!(parse_port("0").is_err());
        assert!(parse_port("70000").is_err());
    }
}
