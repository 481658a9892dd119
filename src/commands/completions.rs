//! `dockwright completions`: a shell's completion script, for the shell to
//! source or to keep in its completions folder.

use clap::Args;
use clap_complete::Shell;

use crate::error::exit;
use crate::ui;

#[derive(Args, Debug)]
pub struct CompletionsArgs {
    /// The shell to complete in
    #[arg(value_enum)]
    shell: Shell,
}

/// Prints the completion script of `args.shell` for `command`, the whole
/// command line as clap knows it.
pub fn completions(args: CompletionsArgs, mut command: clap::Command) -> anyhow::Result<i32> {
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, "dockwright", &mut script);
    ui::print(String::from_utf8_lossy(&script).trim_end())?;
    Ok(exit::OK)
}
