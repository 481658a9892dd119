//! The errors a user sees, and the exit code each one ends with.
//!
//! Everything that goes wrong becomes one sentence that says what was wrong
//! and how to fix it, printed once by `report`.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use crate::ui;

/// Exit codes, as documented in `dockwright --help`.
pub mod exit {
    pub const OK: i32 = 0;
    pub const VARIANT_FAILED: i32 = 1;
    /// `dockwright doctor`: a check failed; `clean`: something could not be removed.
    pub const CHECK_FAILED: i32 = 1;
    pub const USAGE: i32 = 2;
    /// `dockwright check`: a budget is broken.
    pub const BUDGET_BROKEN: i32 = 3;
    /// `dockwright compare --fail-on-regression`: a real change the wrong way.
    pub const REGRESSION: i32 = 3;
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

    /// How to fix it, when the error says.
    pub fn help_text(&self) -> Option<&str> {
        self.help.as_deref()
    }
}

impl fmt::Display for UserError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for UserError {}

/// A file or directory that could not be written: what was being written,
/// why, and, for a measure or a tour, where the results it finished are
/// kept (`keeping`). A full disk is told apart, with how to free space.
#[derive(Debug)]
pub struct WriteFailed {
    action: String,
    path: PathBuf,
    err: io::Error,
    kept: Option<PathBuf>,
}

impl WriteFailed {
    /// `action` says what was being done to `path`: "write the build log".
    pub fn new(action: impl Into<String>, path: &Path, err: io::Error) -> WriteFailed {
        WriteFailed {
            action: action.into(),
            path: path.to_path_buf(),
            err,
            kept: None,
        }
    }

    /// Adds that the results finished before the failure are kept in `runs`.
    pub fn keeping(mut self, runs: &Path) -> WriteFailed {
        self.kept = Some(runs.to_path_buf());
        self
    }

    fn disk_full(&self) -> bool {
        matches!(
            self.err.kind(),
            io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded
        )
    }

    fn help(&self) -> &'static str {
        if self.disk_full() {
            "free space on that disk (`docker system prune` removes unused images and build cache), then run the command again"
        } else {
            "check the permissions there, then run the command again"
        }
    }
}

impl fmt::Display for WriteFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot {} `{}` (", self.action, self.path.display())?;
        if self.disk_full() {
            write!(f, "the disk is full")?;
        } else {
            write!(f, "{}", self.err)?;
        }
        write!(f, ")")?;
        if let Some(runs) = &self.kept {
            write!(
                f,
                "; the results finished before are kept in `{}`",
                runs.display()
            )?;
        }
        Ok(())
    }
}

impl std::error::Error for WriteFailed {}

impl From<WriteFailed> for UserError {
    fn from(failed: WriteFailed) -> UserError {
        UserError::new(failed.to_string()).help(failed.help())
    }
}

/// The user pressed Ctrl-C; whatever was finished has been kept.
#[derive(Debug, thiserror::Error)]
#[error("interrupted")]
pub struct Interrupted;

/// Prints `err` on stderr the way every dockwright error looks.
pub fn report(err: &anyhow::Error) {
    let red = console::Style::new().red().bold();
    if err.downcast_ref::<Interrupted>().is_some() {
        ui::alert(&format!("{} interrupted", red.apply_to("error:")));
        return;
    }
    ui::alert(&format!("{} {err:#}", red.apply_to("error:")));
    let help = match err.downcast_ref::<WriteFailed>() {
        Some(failed) => Some(failed.help()),
        None => err
            .downcast_ref::<UserError>()
            .and_then(|e| e.help.as_deref()),
    };
    if let Some(help) = help {
        let cyan = console::Style::new().cyan().bold();
        ui::alert(&format!("{} {help}", cyan.apply_to("help:")));
    }
}

pub fn exit_code(err: &anyhow::Error) -> i32 {
    if err.downcast_ref::<Interrupted>().is_some() {
        exit::INTERRUPTED
    } else {
        exit::USAGE
    }
}

/// `text` as it can be printed in a message: a control character written
/// raw would move the cursor, ring the bell or rewrite the terminal's title.
pub fn printable(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// Prints a warning on stderr.
pub fn warn(message: &str) {
    let yellow = console::Style::new().yellow().bold();
    ui::alert(&format!("{} {message}", yellow.apply_to("warning:")));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_disk_names_the_file_where_the_results_are_kept_and_how_to_free_space() {
        let full = io::Error::from(io::ErrorKind::StorageFull);
        let failed = WriteFailed::new(
            "write the build log",
            Path::new("/p/.dockwright/logs/1/uv.log"),
            full,
        )
        .keeping(Path::new("/p/.dockwright/runs"));
        let error = UserError::from(failed);
        assert_eq!(
            error.to_string(),
            "cannot write the build log `/p/.dockwright/logs/1/uv.log` (the disk is full); \
             the results finished before are kept in `/p/.dockwright/runs`"
        );
        assert!(error.help.unwrap().starts_with("free space on that disk"));
    }

    #[test]
    fn another_failure_keeps_its_reason_and_asks_for_the_permissions() {
        let denied = io::Error::from_raw_os_error(13);
        let failed = WriteFailed::new("save the results to", Path::new("/p/r.json"), denied);
        let error = UserError::from(failed);
        let message = error.to_string();
        assert!(message.contains("Permission denied"), "{message}");
        assert!(!message.contains("kept"), "{message}");
        assert!(error.help.unwrap().contains("permissions"));
    }
}
