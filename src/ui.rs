//! What the user sees while work goes on: a live line per build on a
//! terminal, plain lines otherwise. `--color`, `--quiet` and `--verbose`
//! are decided here once, for every command: nothing else reads them.

use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;

use clap::ValueEnum;
use console::Term;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// `--color`: whether to colour the output.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Colour {
    /// On a terminal, unless the environment says otherwise
    Auto,
    /// Always, into a pipe or a file too
    Always,
    /// Never, whatever the environment says
    Never,
}

/// How much dockwright says on stderr besides errors and warnings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verbosity {
    /// `--quiet`: no progress and no notes.
    Quiet = 0,
    Normal = 1,
    /// `--verbose`: every build's output too.
    Verbose = 2,
}

static VERBOSITY: AtomicU8 = AtomicU8::new(Verbosity::Normal as u8);

/// Sets how much is said on stderr, for the rest of the command.
pub fn set_verbosity(verbosity: Verbosity) {
    VERBOSITY.store(verbosity as u8, Ordering::Relaxed);
}

fn verbosity() -> Verbosity {
    match VERBOSITY.load(Ordering::Relaxed) {
        0 => Verbosity::Quiet,
        2 => Verbosity::Verbose,
        _ => Verbosity::Normal,
    }
}

/// The live line of one build: spinner, variant, elapsed time, current step.
/// With `--verbose`, plain lines and the build's own output instead; with
/// `--quiet`, nothing.
pub struct Activity {
    bar: ProgressBar,
    live: bool,
}

impl Activity {
    pub fn start(label: &str) -> Activity {
        let live = verbosity() == Verbosity::Normal && console::Term::stderr().is_term();
        let bar = if live {
            ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr())
        } else {
            ProgressBar::hidden()
        };
        let style = ProgressStyle::with_template(
            "{spinner:.cyan} {prefix:.bold} {elapsed:>4} {wide_msg:.dim}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_spinner());
        bar.set_style(style);
        bar.set_prefix(label.to_string());
        bar.enable_steady_tick(Duration::from_millis(120));
        if !live {
            note(&format!("{label}: started"));
        }
        Activity { bar, live }
    }

    pub fn step(&self, step: &str) {
        self.bar.set_message(step.to_string());
    }

    /// One line of the build's output, shown as it comes with `--verbose`
    /// (the build log has it either way).
    pub fn output(&self, line: &str) {
        if verbosity() == Verbosity::Verbose {
            to_stderr(&format!("{line}\n"));
        }
    }

    /// Ends the live line and leaves `summary` in its place.
    pub fn finish(self, ok: bool, summary: &str) {
        self.bar.finish_and_clear();
        if self.live {
            let mark = if ok {
                console::style("✓").green()
            } else {
                console::style("✗").red()
            };
            note(&format!(
                "{mark} {} {summary}",
                console::style(self.bar.prefix()).bold()
            ));
        } else {
            note(&format!("{}: {summary}", self.bar.prefix()));
        }
    }
}

/// Decides once, for stdout and stderr, whether to colour: as `--color`
/// says, which wins over the environment; with `auto`, never when
/// `NO_COLOR` holds a value, always with `CLICOLOR_FORCE`, otherwise on a
/// terminal that is not dumb unless `CLICOLOR=0`. console makes this choice
/// itself, but takes an empty `NO_COLOR` for a request too, which the
/// convention (no-color.org) says it is not.
pub fn decide_colours(choice: Colour) {
    if choice != Colour::Auto {
        console::set_colors_enabled(choice == Colour::Always);
        console::set_colors_enabled_stderr(choice == Colour::Always);
        return;
    }
    let set = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    let no_color = set("NO_COLOR").is_some();
    let forced = set("CLICOLOR_FORCE").is_some_and(|v| v != "0");
    let allowed =
        set("CLICOLOR").is_none_or(|v| v != "0") && set("TERM").is_none_or(|v| v != "dumb");
    let colour = |term: Term| !no_color && (forced || (allowed && term.is_term()));
    console::set_colors_enabled(colour(Term::stdout()));
    console::set_colors_enabled_stderr(colour(Term::stderr()));
}

/// Shows the cursor again after a prompt or a live line hid it. Only on a
/// terminal: in a log file or a pipe the escape is noise.
pub fn show_cursor() {
    let stderr = Term::stderr();
    if stderr.is_term() {
        let _ = stderr.show_cursor();
    }
}

/// Prints `text` and a newline on stdout. A reader that stops early, such
/// as `head` or a pager that is quit, closes the pipe: that ends the output
/// quietly instead of in a panic, as `println!` would.
pub fn print(text: &str) -> std::io::Result<()> {
    use std::io::Write;
    match writeln!(std::io::stdout().lock(), "{text}") {
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

/// Writes `text` and a newline on stderr, where progress and notes go;
/// `--quiet` drops it.
pub fn note(text: &str) {
    if verbosity() != Verbosity::Quiet {
        to_stderr(&format!("{text}\n"));
    }
}

/// Writes `text` and a newline on stderr even with `--quiet`: an error, a
/// warning, or why a variant failed or was skipped.
pub fn alert(text: &str) {
    to_stderr(&format!("{text}\n"));
}

/// Asks `question` on stderr and leaves the cursor after it, for the answer.
pub fn ask(question: &str) {
    to_stderr(question);
}

/// Everything dockwright writes on stderr goes through here. A stderr whose
/// reader is gone has nowhere left to report to, so the text is dropped,
/// where `eprintln!` would end the command in a panic.
fn to_stderr(text: &str) {
    use std::io::Write;
    let mut stderr = std::io::stderr().lock();
    let _ = stderr
        .write_all(text.as_bytes())
        .and_then(|()| stderr.flush());
}
