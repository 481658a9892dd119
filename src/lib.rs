//! dockwright as a library: the command-line tool (`main.rs` is only its
//! entry point) and the few parts its `cargo xtask` chores share with it, so
//! that both detect engines, quote commands and describe the host one way.

mod adopt;
mod args;
mod atomic;
mod builder;
mod catalogue;
mod cli;
mod commands;
mod compare;
mod config;
mod diff;
mod dockerfile;
mod edit;
mod engine;
mod error;
mod explain;
mod figures;
#[cfg(test)]
mod fuzz;
mod ignore;
mod interrupt;
mod journal;
mod ladder;
mod lock;
mod lockfile;
mod measure;
mod names;
pub mod pipe_table;
mod plan;
mod poetry;
mod presets;
mod prompt;
mod render;
mod report;
mod requirements;
mod results;
mod scaffold;
mod stats;
mod tour;
mod ui;

/// Runs the command line in `std::env::args` and returns the exit code,
/// having reported any error on stderr.
pub fn main_exit_code() -> i32 {
    match cli::run() {
        Ok(code) => code,
        Err(err) => {
            error::report(&err);
            error::exit_code(&err)
        }
    }
}
