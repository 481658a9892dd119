//! `dockwright pin`: write each base image the variants build from as
//! `name@sha256:...` into dockwright.toml, the digest its tag has in the
//! registry now, so that every later build uses exactly that image.

use std::fs;
use std::path::Path;

use clap::builder::PossibleValuesParser;
use clap::Args;
use serde::Serialize;

use crate::args::{EngineArgs, OutputArgs, ProjectArgs};
use crate::atomic;
use crate::config::{self, Role};
use crate::engine::{reference, System};
use crate::error::{exit, UserError, WriteFailed};
use crate::pin::{self, Pin};
use crate::project::{Project, Selection};
use crate::results::EngineInfo;
use crate::ui;

#[derive(Args, Debug)]
pub struct PinArgs {
    /// The base images to pin, by the key they have in `[images]` [default: every one the
    /// variants build from]
    #[arg(value_name = "IMAGE", value_parser = PossibleValuesParser::new(Role::ALL.map(Role::key)))]
    images: Vec<String>,
    /// Drop the digests instead, so that builds follow the tags again
    #[arg(long)]
    remove: bool,
    #[command(flatten)]
    project: ProjectArgs,
    #[command(flatten)]
    engine: EngineArgs,
    #[command(flatten)]
    output: OutputArgs,
}

#[derive(Serialize)]
struct Row<'a> {
    image: &'a str,
    table: String,
    before: &'a str,
    after: &'a str,
    digest: Option<&'a str>,
    changed: bool,
}

pub fn pin(args: PinArgs) -> anyhow::Result<i32> {
    let project = Project::open(
        &args.project.dir()?,
        Selection::Nothing,
        args.engine.base_set(),
    )?;
    let roles = chosen_roles(&project, &args.images)?;
    let images = project.config.images(args.engine.base_set())?;
    let settings = |role: Role| {
        let before = images.get(role).to_string();
        let table = project.config.table_of(args.engine.base_set(), role);
        (before, table)
    };
    let pins: Vec<Pin> = if args.remove {
        roles
            .iter()
            .map(|&role| {
                let (before, table) = settings(role);
                let after = reference::without_digest(&before).to_string();
                Pin {
                    role,
                    table,
                    before,
                    after,
                }
            })
            .collect()
    } else {
        resolve(&project, &args.engine, &roles, settings)?
    };
    let path = project.dir.join(config::FILE_NAME);
    let text = fs::read_to_string(&path)
        .map_err(|err| UserError::new(format!("cannot read `{}` ({err})", path.display())))?;
    let pinned = pin::rewrite(&text, Path::new(config::FILE_NAME), &pins)?;
    if pinned != text {
        atomic::write(&path, pinned.as_bytes())
            .map_err(|err| WriteFailed::new("write the pins to", &path, err))?;
    }
    let rows: Vec<Row> = pins
        .iter()
        .map(|pin| Row {
            image: pin.role.key(),
            table: pin.table.join("."),
            before: &pin.before,
            after: &pin.after,
            digest: reference::digest(&pin.after),
            changed: pin.before != pin.after,
        })
        .collect();
    if args.output.json() {
        ui::print(&serde_json::to_string_pretty(&rows)?)?;
        return Ok(exit::OK);
    }
    let width = rows.iter().map(|row| row.image.len()).max().unwrap_or(0);
    for row in &rows {
        let was = match (row.changed, reference::digest(row.before)) {
            (false, _) => "unchanged".to_string(),
            (true, Some(old)) => format!("was {old}"),
            (true, None) => "was the tag alone".to_string(),
        };
        ui::print(&format!(
            "{:width$}  {}  ({was}, [{}])",
            row.image, row.after, row.table
        ))?;
    }
    let changed = rows.iter().filter(|row| row.changed).count();
    ui::note(&match (changed, args.remove) {
        (0, _) => format!("{} is unchanged", config::FILE_NAME),
        (n, false) => format!(
            "Pinned {n} base image(s) in {}; builds now use exactly these images, until `dockwright pin` moves them to what the tags point at then",
            config::FILE_NAME
        ),
        (n, true) => format!(
            "Unpinned {n} base image(s) in {}; builds follow the tags again",
            config::FILE_NAME
        ),
    });
    Ok(exit::OK)
}

/// The roles named on the command line, else those the variants use.
fn chosen_roles(project: &Project, named: &[String]) -> Result<Vec<Role>, UserError> {
    if !named.is_empty() {
        return Ok(named.iter().filter_map(|key| Role::from_key(key)).collect());
    }
    let used = pin::used_roles(project);
    if used.is_empty() {
        return Err(UserError::new(
            "no variant of this project takes its base image from dockwright.toml's [images] (through `ARG PYTHON_SLIM_IMAGE` and the like), so there is nothing to pin",
        )
        .help("name the images to pin anyway, such as `dockwright pin slim`"));
    }
    Ok(used)
}

/// Asks the registry, through the engine and builder the builds use, for
/// the digest each role's tag has now. Fails, naming every image it could
/// not resolve, before anything is written.
fn resolve(
    project: &Project,
    engine_args: &EngineArgs,
    roles: &[Role],
    settings: impl Fn(Role) -> (String, Vec<String>),
) -> anyhow::Result<Vec<Pin>> {
    let engine = engine_args.detect(&System, false, &project.config.engine)?;
    ui::note(&format!(
        "Resolving {} base image(s) with {}",
        roles.len(),
        EngineInfo::of(&engine).describe()
    ));
    let mut pins = Vec::new();
    let mut failures = Vec::new();
    for &role in roles {
        let (before, table) = settings(role);
        let tag = reference::without_digest(&before).to_string();
        match engine.resolve(&System, &tag)? {
            Ok(digest) => pins.push(Pin {
                role,
                table,
                before,
                after: format!("{tag}@{digest}"),
            }),
            Err(why) => failures.push((role, tag, why)),
        }
    }
    if failures.is_empty() {
        return Ok(pins);
    }
    let reasons: Vec<String> = failures
        .iter()
        .map(|(role, tag, why)| format!("`{tag}` ({}): {why}", role.key()))
        .collect();
    let mut help = "a base image can only be pinned once a registry the builder reaches holds it: push it there, or pass `--builder` with a builder that reaches one".to_string();
    if !pins.is_empty() {
        let others: Vec<&str> = pins.iter().map(|pin| pin.role.key()).collect();
        help.push_str(&format!(
            "; or pin the others alone with `dockwright pin {}`",
            others.join(" ")
        ));
    }
    Err(UserError::new(format!(
        "cannot resolve {} of {} base image(s) in a registry, so {} was left as it was: {}",
        failures.len(),
        roles.len(),
        config::FILE_NAME,
        reasons.join("; ")
    ))
    .help(help)
    .into())
}
