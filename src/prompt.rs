//! Interactive questions, asked only when a person is at a terminal and the
//! answer was not given by flag. Each answer is checked as the flag would be,
//! and a wrong one is asked again with the reason.

use std::io::IsTerminal;

use dialoguer::theme::ColorfulTheme;
use dialoguer::{Confirm, Input, Select};

use crate::error::Interrupted;
use crate::ui;

/// Whether questions may be asked: not with `--yes`, and only when stdin,
/// stdout and stderr (where prompts are drawn) are terminals, so scripts and
/// CI never block.
pub fn allowed(yes: bool) -> bool {
    !yes && std::io::stdin().is_terminal()
        && std::io::stdout().is_terminal()
        && std::io::stderr().is_terminal()
}

/// Asks for text, re-asking until `check` accepts it.
pub fn text<T, E>(
    question: &str,
    default: &str,
    check: impl Fn(&str) -> Result<T, E>,
) -> anyhow::Result<T>
where
    E: std::fmt::Display,
{
    let answer: String = Input::with_theme(&ColorfulTheme::default())
        .with_prompt(question)
        .default(default.to_string())
        .validate_with(|input: &String| check(input).map(|_| ()).map_err(|e| e.to_string()))
        .interact_text()
        .map_err(interrupted)?;
    check(&answer).map_err(|e| anyhow::anyhow!("{e}"))
}

/// Asks to pick one of `items` (label, description); returns its index.
pub fn choose(question: &str, items: &[(String, String)], default: usize) -> anyhow::Result<usize> {
    let width = items
        .iter()
        .map(|(label, _)| label.len())
        .max()
        .unwrap_or(0);
    let lines: Vec<String> = items
        .iter()
        .map(|(label, about)| format!("{label:width$}  {about}"))
        .collect();
    Select::with_theme(&ColorfulTheme::default())
        .with_prompt(question)
        .items(&lines)
        .default(default)
        .interact()
        .map_err(interrupted)
}

/// Asks a yes-or-no question, yes by default.
pub fn confirm(question: &str) -> anyhow::Result<bool> {
    Confirm::with_theme(&ColorfulTheme::default())
        .with_prompt(question)
        .default(true)
        .interact()
        .map_err(interrupted)
}

/// Ctrl-C at a prompt arrives as an interrupted read; the terminal's cursor,
/// hidden by the prompt, is shown again.
fn interrupted(err: dialoguer::Error) -> anyhow::Error {
    ui::show_cursor();
    match err {
        dialoguer::Error::IO(io) if io.kind() == std::io::ErrorKind::Interrupted => {
            Interrupted.into()
        }
        dialoguer::Error::IO(io) => anyhow::anyhow!(
            "cannot ask on this terminal ({io}); pass the answers as flags and `--yes`"
        ),
    }
}
