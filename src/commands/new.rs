//! `dockwright new` and `dockwright init`: settle the answers (flags first,
//! then questions, then defaults), plan the files, write them in one go.

use std::convert::Infallible;
use std::path::{Path, PathBuf};

use clap::Args;

use crate::adopt::entry::ChosenEntry;
use crate::adopt::{self, Found};
use crate::args::EngineArgs;
use crate::ca;
use crate::catalogue::{self, Catalogue};
use crate::commands::lock;
use crate::config::{self, Config, Runtime};
use crate::deps::DepsPlan;
use crate::error::{exit, warn, Interrupted, UserError};
use crate::ignore;
use crate::journal;
use crate::lockfile;
use crate::names;
use crate::presets::{self, Deps, PythonVersion};
use crate::prompt;
use crate::results::STATE_DIR;
use crate::scaffold::{self, PlannedFile, Settings};
use crate::ui;

#[derive(Args, Debug, Clone)]
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
    /// The CA bundle (PEM) of a proxy that re-signs HTTPS: written to `[tls] ca_file`, and the
    /// Dockerfiles mount it as the BuildKit secret `dockwright-ca` where pip and uv download
    #[arg(long, value_name = "FILE", env = "DOCKWRIGHT_CA_FILE")]
    ca_file: Option<PathBuf>,
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
    let (default_name, found) = init_target(&args)?;
    let existing = Config::load(&args.path).ok();
    let mut settings = settle(
        &kept(&args.scaffold, existing.as_ref()),
        &default_name,
        found.as_ref(),
        args.entry.as_deref(),
    )?;
    if args.scaffold.writable.is_empty() && args.scaffold.env.is_empty() {
        // Generating the files again keeps what the project set by hand.
        if let Some(existing) = &existing {
            settings.runtime = existing.runtime.clone();
        }
    }
    if settings.ca_file.is_none() {
        settings.ca_file = existing
            .as_ref()
            .and_then(|e| e.tls.ca_file.as_ref())
            .map(|p| p.display().to_string());
    }
    // The files are generated from the requirements, not from a lock of them.
    let was_locked = existing.and_then(|e| e.project.lock_source);
    let from_gitignore = ignore::from_gitignore(&args.path, &settings)?;
    settings.gitignore_patterns = from_gitignore.taken.clone();
    let files = init_files(&args, &settings)?;
    write_init(&args.path, &files)?;
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

/// `args`, with what a flag leaves unsaid taken from the project's
/// `existing` dockwright.toml: generating its files again keeps its name,
/// Python, profile and port, rather than asking or taking the defaults.
fn kept(args: &ScaffoldArgs, existing: Option<&Config>) -> ScaffoldArgs {
    let mut args = args.clone();
    if let Some(project) = existing.map(|e| &e.project) {
        args.name.get_or_insert_with(|| project.name.clone());
        args.python.get_or_insert_with(|| project.python.clone());
        args.profile.get_or_insert_with(|| project.profile.clone());
        args.port.get_or_insert(project.port);
    }
    args
}

/// Checks that `init` may write into its directory, after finishing or
/// undoing a change a killed dockwright left there: the directory's name
/// (the default project name) and the Flask app found in it, if any.
fn init_target(args: &InitArgs) -> anyhow::Result<(String, Option<Found>)> {
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
    Ok((default_name, found))
}

/// The files `init` writes: never the hello-world README over one the
/// directory has, and no other file over one that exists without `--force`.
fn init_files(args: &InitArgs, settings: &Settings) -> anyhow::Result<Vec<PlannedFile>> {
    let mut files = plan(settings)?;
    files.retain(|f| !(f.path == Path::new("README.md") && args.path.join(&f.path).exists()));
    if let Ok(old) = std::fs::read_to_string(args.path.join(config::FILE_NAME)) {
        for file in &mut files {
            if file.path == Path::new(config::FILE_NAME) {
                file.contents = config::keep_hand_set(&file.contents, &old);
            }
        }
    }
    let clashes = scaffold::existing(&args.path, &files);
    if !clashes.is_empty() && !args.force {
        return Err(UserError::new(format!(
            "init would replace {}; nothing was written",
            quoted(&clashes)
        ))
        .help(format!("pass `--force` to replace them: a file dockwright generated and nobody changed is replaced, any other is first moved to `{STATE_DIR}/{}/`", journal::BACKUP))
        .into());
    }
    Ok(files)
}

/// Writes `files` into `dir` through the journal, naming the files it
/// backed up first; a failure leaves no state directory it made behind.
fn write_init(dir: &Path, files: &[PlannedFile]) -> anyhow::Result<()> {
    let had_state = dir.join(STATE_DIR).exists();
    let (backup, moved) = match scaffold::write_into(dir, files) {
        Ok(written) => written,
        Err(err) => {
            if !had_state {
                // Only the journal's lock and empty folders were made there.
                let _ = std::fs::remove_dir_all(dir.join(STATE_DIR));
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
    Ok(())
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

    let name = project_name(args, default_name, ask)?;
    let python = setting(
        args.python.as_deref().map(PythonVersion::parse),
        ask,
        ask_python,
        || Ok(PythonVersion::parse(presets::DEFAULT_PYTHON)?),
    )?;
    let deps = match found {
        Some(found) => DepsPlan::adopted(found, &presets, &python)?,
        None => new_app_deps(args, ask, &presets, &python)?,
    };
    let profile = setting(
        args.profile
            .as_deref()
            .map(|profile| catalogue.profile(profile).map(|p| p.name.clone())),
        ask,
        || ask_profile(&catalogue),
        || Ok(catalogue::DEFAULT_PROFILE.to_string()),
    )?;
    let port = setting(
        args.port.map(Ok::<u16, Infallible>),
        ask,
        || prompt::text("Port", &config::DEFAULT_PORT.to_string(), parse_port),
        || Ok(config::DEFAULT_PORT),
    )?;
    let entry = match found {
        Some(found) => adopt::entry::choose(found, entry, ask)?,
        None => ChosenEntry {
            target: "app:app".to_string(),
            file: "app.py".to_string(),
            origin: None,
        },
    };

    Ok(Settings {
        name,
        python: python.to_string(),
        port,
        profile,
        entry: entry.target,
        entry_origin: entry.origin,
        app_file: entry.file,
        requirements: deps.requirements,
        requirements_text: deps.text,
        requirements_includes: deps.includes,
        lock_source: None,
        install_project: deps.install_project,
        with_app: deps.with_app,
        runtime: Runtime {
            writable: args.writable.clone(),
            env: args.env.iter().cloned().collect(),
        },
        gitignore_patterns: Vec::new(),
        ca_file: ca_file(args)?,
    })
}

/// `--ca-file` (or DOCKWRIGHT_CA_FILE), checked, as an absolute path: the
/// project's builds then read it from wherever they run.
fn ca_file(args: &ScaffoldArgs) -> anyhow::Result<Option<String>> {
    let Some(flag) = args
        .ca_file
        .as_deref()
        .filter(|p| !p.as_os_str().is_empty())
    else {
        return Ok(None);
    };
    let here = std::env::current_dir()?;
    let path = ca::resolve(Some(flag), None, &here)?.unwrap_or_default();
    Ok(Some(here.join(path).display().to_string()))
}

/// The project's name, said when it had to be normalised.
fn project_name(args: &ScaffoldArgs, default_name: &str, ask: bool) -> anyhow::Result<String> {
    let name = setting(
        args.name.as_deref().map(names::validate),
        ask,
        || prompt::text("Project name", default_name, names::validate),
        || {
            names::validate(default_name).map_err(|err| {
                UserError::new(format!("{err}"))
                    .help("the directory name is used as the project name; pass `--name <name>` to choose another")
                    .into()
            })
        },
    )?;
    if let Some(original) = &name.normalised_from {
        warn(&format!(
            "the project name `{original}` was normalised to `{}`",
            name.name
        ));
    }
    Ok(name.name)
}

/// A new app's requirements: a preset or the user's own file.
fn new_app_deps(
    args: &ScaffoldArgs,
    ask: bool,
    presets: &[presets::Preset],
    python: &PythonVersion,
) -> anyhow::Result<DepsPlan> {
    let deps = setting(
        args.deps.as_deref().map(|deps| Deps::parse(deps, presets)),
        ask,
        || ask_deps(presets, python),
        || Ok(Deps::Preset(presets::DEFAULT_PRESET.to_string())),
    )?;
    Ok(DepsPlan::new_app(deps.resolve(presets, python)?))
}

/// One setting: the flag's value when it was given (and checks out), else
/// the answer to `question` when questions may be asked, else `default`.
fn setting<T, E: Into<anyhow::Error>>(
    flag: Option<Result<T, E>>,
    ask: bool,
    question: impl FnOnce() -> anyhow::Result<T>,
    default: impl FnOnce() -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    match (flag, ask) {
        (Some(given), _) => given.map_err(Into::into),
        (None, true) => question(),
        (None, false) => default(),
    }
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

fn ask_python() -> anyhow::Result<PythonVersion> {
    prompt::text(
        "Python version",
        presets::DEFAULT_PYTHON,
        PythonVersion::parse,
    )
}

fn ask_profile(catalogue: &Catalogue) -> anyhow::Result<String> {
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
    Ok(
        catalogue.profiles[prompt::choose("Profile", &items, default)?]
            .name
            .clone(),
    )
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
    fn a_setting_takes_the_flag_then_the_answer_then_the_default() {
        let answer_3_12 = || Ok(PythonVersion::parse("3.12")?);
        let answer = || Ok("answer");
        let default = || Ok("default");
        let given = || Some(Ok::<_, Infallible>("flag"));
        assert_eq!(setting(given(), true, answer, default).unwrap(), "flag");
        assert_eq!(setting(given(), false, answer, default).unwrap(), "flag");
        assert_eq!(
            setting(None::<Result<_, Infallible>>, true, answer, default).unwrap(),
            "answer"
        );
        assert_eq!(
            setting(None::<Result<_, Infallible>>, false, answer, default).unwrap(),
            "default"
        );
        let refused = setting(
            Some(PythonVersion::parse("2")),
            true,
            answer_3_12,
            answer_3_12,
        );
        assert!(refused.is_err(), "a bad flag is refused, not replaced");
    }

    #[test]
    fn ports_are_1_to_65535() {
        assert_eq!(parse_port("8080"), Ok(8080));
        assert!(parse_port("0").is_err());
        assert!(parse_port("70000").is_err());
    }
}
