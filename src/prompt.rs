//! Interactive questions, asked only when a person is at a terminal and the
//! answer was not given by flag. Each answer is checked as the flag would be,
//! and a wrong one is asked again with the reason.
//!
//! The keys are read here rather than by dialoguer's prompts, which drop
//! Ctrl-D (end of input) and have no hook for it; dialoguer's theme still
//! draws every line, so the questions look as they did.

use std::fmt::Display;
use std::io::{self, IsTerminal};

use console::{measure_text_width, Key, Term};
use dialoguer::theme::{ColorfulTheme, Theme};

use crate::error::Interrupted;
use crate::ui;

/// What console reads for Ctrl-D in raw mode: the byte itself.
const END_OF_INPUT: Key = Key::Char('\u{4}');

/// Whether questions may be asked: not with `--yes`, and only when stdin,
/// stdout and stderr (where prompts are drawn) are terminals, so scripts and
/// CI never block.
pub fn allowed(yes: bool) -> bool {
    !yes && std::io::stdin().is_terminal()
        && std::io::stdout().is_terminal()
        && std::io::stderr().is_terminal()
}

/// Asks for text, re-asking until `check` accepts it; Enter alone takes
/// `default`.
pub fn text<T, E: Display>(
    question: &str,
    default: &str,
    check: impl Fn(&str) -> Result<T, E>,
) -> anyhow::Result<T> {
    let theme = ColorfulTheme::default();
    let mut screen = Screen::new();
    loop {
        let prompt = draw(|f| theme.format_input_prompt(f, question, Some(default)));
        screen.write(&prompt).map_err(cannot_ask)?;
        let typed = screen.read_text()?;
        screen.wipe().map_err(cannot_ask)?;
        let answer = if typed.is_empty() { default } else { &typed };
        match check(answer) {
            Ok(value) => {
                let chosen = draw(|f| theme.format_input_prompt_selection(f, question, answer));
                screen.term.write_line(&chosen).map_err(cannot_ask)?;
                return Ok(value);
            }
            Err(reason) => {
                let line = draw(|f| theme.format_error(f, &reason.to_string()));
                screen.write_line(&line).map_err(cannot_ask)?;
            }
        }
    }
}

/// Asks to pick one of `items` (label, description) with the arrow keys;
/// returns its index.
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
    let theme = ColorfulTheme::default();
    let mut screen = Screen::new();
    screen.term.hide_cursor().map_err(cannot_ask)?;
    let mut picked = default.min(lines.len().saturating_sub(1));
    loop {
        screen
            .write_line(&draw(|f| theme.format_select_prompt(f, question)))
            .map_err(cannot_ask)?;
        for (index, line) in lines.iter().enumerate() {
            let item = draw(|f| theme.format_select_prompt_item(f, line, index == picked));
            screen.write_line(&item).map_err(cannot_ask)?;
        }
        let key = screen.read_key()?;
        screen.wipe().map_err(cannot_ask)?;
        match key {
            Key::ArrowDown | Key::Tab | Key::Char('j') => picked = (picked + 1) % lines.len(),
            Key::ArrowUp | Key::BackTab | Key::Char('k') => {
                picked = (picked + lines.len() - 1) % lines.len()
            }
            Key::Enter | Key::Char(' ') => {
                let chosen =
                    draw(|f| theme.format_select_prompt_selection(f, question, &lines[picked]));
                screen.term.write_line(&chosen).map_err(cannot_ask)?;
                ui::show_cursor();
                return Ok(picked);
            }
            _ => {}
        }
    }
}

/// Asks a yes-or-no question, yes by default.
pub fn confirm(question: &str) -> anyhow::Result<bool> {
    let theme = ColorfulTheme::default();
    let mut screen = Screen::new();
    screen.term.hide_cursor().map_err(cannot_ask)?;
    screen
        .write(&draw(|f| {
            theme.format_confirm_prompt(f, question, Some(true))
        }))
        .map_err(cannot_ask)?;
    let yes = loop {
        match screen.read_key()? {
            Key::Char('y' | 'Y') | Key::Enter => break true,
            Key::Char('n' | 'N') => break false,
            _ => {}
        }
    };
    screen.wipe().map_err(cannot_ask)?;
    let chosen = draw(|f| theme.format_confirm_prompt_selection(f, question, Some(yes)));
    screen.term.write_line(&chosen).map_err(cannot_ask)?;
    ui::show_cursor();
    Ok(yes)
}

/// What one question has drawn on stderr, so that it can be wiped: the
/// whole lines above the cursor and the width of the line it is on.
struct Screen {
    term: Term,
    rows_above: usize,
    current: usize,
}

impl Screen {
    fn new() -> Screen {
        Screen {
            term: Term::stderr(),
            rows_above: 0,
            current: 0,
        }
    }

    fn columns(&self) -> usize {
        usize::from(self.term.size().1).max(1)
    }

    fn write(&mut self, text: &str) -> io::Result<()> {
        self.term.write_str(text)?;
        self.current += measure_text_width(text);
        Ok(())
    }

    fn write_line(&mut self, text: &str) -> io::Result<()> {
        self.term.write_line(text)?;
        let width = self.current + measure_text_width(text);
        self.rows_above += width.saturating_sub(1) / self.columns() + 1;
        self.current = 0;
        Ok(())
    }

    /// Clears what was drawn and leaves the cursor where it started.
    fn wipe(&mut self) -> io::Result<()> {
        let wrapped = self.current.saturating_sub(1) / self.columns();
        self.term.clear_line()?;
        self.term.clear_last_lines(self.rows_above + wrapped)?;
        self.rows_above = 0;
        self.current = 0;
        Ok(())
    }

    /// The next key; Ctrl-D wipes the question and ends the command as
    /// Ctrl-C does.
    fn read_key(&mut self) -> anyhow::Result<Key> {
        let key = self.term.read_key().map_err(|err| {
            ui::show_cursor();
            cannot_ask(err)
        })?;
        if key == END_OF_INPUT {
            let _ = self.wipe();
            ui::show_cursor();
            return Err(Interrupted.into());
        }
        Ok(key)
    }

    /// The text typed up to Enter, echoed as it is typed.
    fn read_text(&mut self) -> anyhow::Result<String> {
        let mut typed = String::new();
        loop {
            match self.read_key()? {
                Key::Enter => return Ok(typed),
                Key::Backspace => {
                    if let Some(gone) = typed.pop() {
                        let width = measure_text_width(gone.encode_utf8(&mut [0; 4]));
                        self.term.clear_chars(width).map_err(cannot_ask)?;
                        self.current -= width;
                    }
                }
                Key::Char(c) if !c.is_control() => {
                    typed.push(c);
                    self.write(c.encode_utf8(&mut [0; 4])).map_err(cannot_ask)?;
                }
                _ => {}
            }
        }
    }
}

/// One line of dialoguer's theme.
fn draw(format: impl FnOnce(&mut String) -> std::fmt::Result) -> String {
    let mut line = String::new();
    // Writing into a String cannot fail.
    let _ = format(&mut line);
    line
}

/// Ctrl-C at a prompt arrives as an interrupted read (when the handler has
/// not already ended the process); anything else means the terminal is
/// unusable.
fn cannot_ask(err: io::Error) -> anyhow::Error {
    if err.kind() == io::ErrorKind::Interrupted {
        Interrupted.into()
    } else {
        anyhow::anyhow!(
            "cannot ask on this terminal ({err}); pass the answers as flags and `--yes`"
        )
    }
}
