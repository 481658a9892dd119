//! The errors a user sees, and the exit code each one ends with.
//!
//! Everything that goes wrong becomes one sentence that says what was wrong
//! and how to fix it, printed once by `report`.

use std::fmt;

/// Exit codes, as documented in `dockwright --help`.
pub mod exit {
    pub const OK: i32 = 0;
    pub const VARIANT_FAILED: i32 = 1;
    pub const USAGE: i32 = 2;
    pub const INTERRUPTED: i32 = 130;
}

/// A mistake in the user's input or environment: one sentence, with an
/// optional `help:` line, exit code 2.
#[derive(Debug)]
pub struct UserError {
    message: String,
    help: Option<String>,
}

impl UserError {
    pub fn new(message: impl Into<String>) -> Self {
        UserError {
            message: message.into(),
            help: None,
        }
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

impl fmt::Display for UserError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for UserError {}

/// The user pressed Ctrl-C; whatever was finished has been kept.
#[derive(Debug, thiserror::Error)]
#[error("interrupted")]
pub struct Interrupted;

/// Prints `err` on stderr the way every dockwright error looks.
pub fn report(err: &anyhow::Error) {
    let term = console::Term::stderr();
    let red = console::Style::new().red().bold();
    if err.downcast_ref::<Interrupted>().is_some() {
        let _ = term.write_line(&format!("{} interrupted", red.apply_to("error:")));
        return;
    }
    let _ = term.write_line(&format!("{} {err:#}", red.apply_to("error:")));
    if let Some(help) = err
        .downcast_ref::<UserError>()
        .and_then(|e| e.help.as_ref())
    {
        let cyan = console::Style::new().cyan().bold();
        let _ = term.write_line(&format!("{} {help}", cyan.apply_to("help:")));
    }
}

pub fn exit_code(err: &anyhow::Error) -> i32 {
    if err.downcast_ref::<Interrupted>().is_some() {
        exit::INTERRUPTED
    } else {
        exit::USAGE
    }
}

/// Prints a warning on stderr.
pub fn warn(message: &str) {
    let yellow = console::Style::new().yellow().bold();
    let _ =
        console::Term::stderr().write_line(&format!("{} {message}", yellow.apply_to("warning:")));
}
