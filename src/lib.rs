//! dockwright as a library: the command-line tool (`main.rs` is only its
//! entry point) and the few parts its `cargo xtask` chores share with it, so
//! that both detect engines, quote commands and describe the host one way.

mod adopt;
mod args;
mod atomic;
mod bake;
mod budgets;
mod build_runner;
mod ca;
mod catalogue;
mod clean;
mod cli;
mod commands;
mod compare;
mod config;
mod deps;
mod diff;
mod dockerfile;
mod doctor;
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
mod pin;
pub mod pipe_table;
mod platform;
mod poetry;
mod presets;
mod project;
mod prompt;
mod report;
mod requirements;
mod results;
mod scaffold;
pub mod shell;
mod stats;
mod templates;
mod timing;
mod tour;
mod ui;

// What `cargo xtask` shares, named one by one: the rest of these modules
// stays private, so that rustc still reports what nothing uses.
pub use engine::{buildkit_docker, docker_candidates};
pub use results::{EngineInfo, Host};

/// The command line's definition (subcommands, flags and their help), for
/// `cargo xtask man` to write the man pages from.
pub fn cli_command() -> clap::Command {
    cli::command()
}

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
