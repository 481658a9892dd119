//! `dockwright explain`: what a step of the ladder changes and why, or the
//! whole ladder at a glance.

use clap::Args;

use crate::args::{OutputArgs, ProjectArgs};
use crate::error::exit;
use crate::explain::{self, Explainer};
use crate::project::{Project, Selection};
use crate::ui;

#[derive(Args, Debug)]
#[command(after_help = "\
With a VARIANT: its place in the ladder and its reason, the diff of its Dockerfile against the \
previous step's (the whole Dockerfile for the first step), why the change matters, and what it \
did to image size, cold build and rebuild times in the latest `dockwright measure` run. \
Without one: every step, numbered as `dockwright variants` numbers them, with its measured \
image size and app-edit rebuild. The explanations come from scaffolds/variants/NAME/explain.md.")]
pub struct ExplainArgs {
    /// The variant to explain [default: list the whole ladder]
    variant: Option<String>,
    #[command(flatten)]
    project: ProjectArgs,
    #[command(flatten)]
    output: OutputArgs,
}

pub fn explain(args: ExplainArgs) -> anyhow::Result<i32> {
    let project = Project::open(&args.project.dir()?, Selection::Nothing, None)?.with_newest_run();
    let explainer = Explainer::new(&project)?;
    let printed = match &args.variant {
        Some(name) => {
            let explanation = explainer.explain(name)?;
            if args.output.json() {
                serde_json::to_string_pretty(&explanation)?
            } else {
                explain::explanation_text(&explanation)
            }
        }
        None => {
            let overview = explainer.overview();
            if args.output.json() {
                serde_json::to_string_pretty(&overview)?
            } else {
                explain::overview_text(&overview)
            }
        }
    };
    ui::print(&printed)?;
    Ok(exit::OK)
}
