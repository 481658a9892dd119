mod adopt;
mod catalogue;
mod cli;
mod commands;
mod config;
mod dockerfile;
mod engine;
mod error;
mod interrupt;
mod names;
mod plan;
mod presets;
mod prompt;
mod render;
mod requirements;
mod scaffold;
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
