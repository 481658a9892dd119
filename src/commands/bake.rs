//! `dockwright bake`: write the ladder as `docker-bake.hcl`, for `docker
//! buildx bake` to build on any builder.

use std::path::Path;

use clap::{Args, ValueEnum};

use crate::args::ProjectArgs;
use crate::bake::{self, Bake, Options};
use crate::catalogue::Catalogue;
use crate::error::{exit, warn, UserError};
use crate::journal;
use crate::project::{Project, Selection};
use crate::results::STATE_DIR;
use crate::scaffold::{self, PlannedFile};
use crate::ui;

#[derive(Args, Debug)]
#[command(after_help = "\
Each target is one variant, tagged <project>:<variant> and labelled as `dockwright build` \
does, with the base images of dockwright.toml (or of --base-set) as build arguments. Groups: \
`default` (the project's profile) and each profile whose every variant the project has. Paths \
are relative to the project: run `docker buildx bake` there.

Example, the ladder for two platforms on a team's builder, its cache in a registry:
  dockwright bake --platform linux/amd64,linux/arm64 --cache-ref registry.example/team/hello-cache
  docker buildx bake --builder team --push")]
pub struct BakeArgs {
    #[command(flatten)]
    project: ProjectArgs,
    /// Give the targets the base images of `[base-sets.NAME]` in dockwright.toml instead of `[images]`
    #[arg(long, value_name = "NAME")]
    base_set: Option<String>,
    /// Platforms every target builds for, comma-separated or repeated [default: `[engine]
    /// platform` in dockwright.toml, else the builder's own]
    #[arg(long, value_name = "OS/ARCH", value_delimiter = ',')]
    platform: Vec<String>,
    /// A registry repository for the build cache: each target reads and writes
    /// `type=registry,ref=REF:VARIANT` (mode=max)
    #[arg(long, value_name = "REF")]
    cache_ref: Option<String>,
    /// Print the file on stdout instead of writing it
    #[arg(long)]
    print: bool,
    /// `hcl` writes docker-bake.hcl; `json` prints bake's JSON form on stdout, as `docker buildx bake --print` shows it
    #[arg(long, value_enum, default_value_t = Form::Hcl)]
    format: Form,
    /// Replace a docker-bake.hcl that dockwright did not write, or that was edited since (it is first moved to .dockwright/backup/)
    #[arg(long)]
    force: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Form {
    Hcl,
    Json,
}

pub fn bake(args: BakeArgs) -> anyhow::Result<i32> {
    let project = Project::open(
        &args.project.dir()?,
        Selection::Build(&[]),
        args.base_set.as_deref(),
    )?
    .with_ca(None)?;
    let platforms = match (args.platform.is_empty(), &project.config.engine.platform) {
        (true, Some(platform)) => vec![platform.to_string()],
        _ => args.platform,
    };
    let options = Options {
        platforms,
        cache_ref: args.cache_ref,
    };
    let plan = Bake::plan(&project, &Catalogue::load()?, &options)?;
    if args.format == Form::Json {
        ui::print(&serde_json::to_string_pretty(&plan)?)?;
        return Ok(exit::OK);
    }
    let text = plan.hcl();
    if args.print {
        ui::print(text.trim_end())?;
        return Ok(exit::OK);
    }
    let path = Path::new(bake::FILE);
    let theirs = project.dir.join(path).symlink_metadata().is_ok()
        && !journal::generated(&project.dir, path);
    if theirs && !args.force {
        return Err(UserError::new(format!(
            "`{}` exists and is not the one dockwright wrote (or was edited since); nothing was written",
            bake::FILE
        ))
        .help(format!(
            "pass `--force` to replace it (it is first moved to `{STATE_DIR}/{}/`), or `--print` to see the new one",
            journal::BACKUP
        ))
        .into());
    }
    let file = PlannedFile {
        path: path.to_path_buf(),
        contents: text,
    };
    let (backup, moved) = scaffold::write_into(&project.dir, &[file])?;
    if !moved.is_empty() {
        warn(&format!(
            "moved your `{}` to `{}` before replacing it",
            bake::FILE,
            backup.display()
        ));
    }
    ui::print(&format!(
        "Wrote `{}`: {} variant(s) as targets, and the groups {}; build them with `docker buildx bake [GROUP|TARGET...]` in the project directory",
        bake::FILE,
        project.ladder.rungs.len(),
        plan.groups().collect::<Vec<_>>().join(", ")
    ))?;
    Ok(exit::OK)
}
