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

fn main() {
    let code = match cli::run() {
        Ok(code) => code,
        Err(err) => {
            error::report(&err);
            error::exit_code(&err)
        }
    };
    std::process::exit(code);
}
