//! The project's own chores, in Rust rather than shell: `cargo xtask --help`.

mod apt_mirror;
mod bench;
mod builder;
mod ci;
mod demo;
mod engine;
mod fixtures;
mod fuzz;
mod man;
mod podman;
mod process;
mod registry;
mod setup;
mod tools;
mod trixie;
mod workspace;

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "cargo xtask",
    bin_name = "cargo xtask",
    about = "dockwright's development chores"
)]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(Subcommand)]
enum Task {
    /// Make sure Docker 23+ with buildx answers, installing Debian 13's docker.io 26,
    /// docker-buildx and docker-registry if needed, with a registry on 127.0.0.1:5000 as
    /// dockerd's mirror; install the tools the tests judge with: hadolint, dive, chromium,
    /// and start the remote BuildKit builder `dockwright-remote`
    Engine,
    /// Build local stand-ins for the registry base images (python:3.13-slim, ...)
    Fixtures,
    /// Format check, clippy, tests, the end-to-end tests against a real engine, then a minute
    /// of fuzzing per parser
    Ci,
    /// Fuzz the parsers of user input (src/fuzz.rs) in release mode, the targets one after the
    /// other, each for an equal share of the time
    Fuzz {
        /// How long all targets run together
        #[arg(long, default_value_t = 10.0)]
        minutes: f64,
    },
    /// Write dockwright's man pages, one for the command and one per subcommand, to target/man/
    Man,
    /// Scaffold a sample project with the release binary and measure its variants
    Demo,
    /// Measure the profiles' recommended variants against docker-init's shape; writes BENCHMARKS.md
    Bench {
        /// How many interleaved rounds to measure
        #[arg(long, default_value_t = bench::DEFAULT_ROUNDS)]
        rounds: usize,
        /// Also measure from-source on the article preset (numpy and pandas compiled: tens of minutes)
        #[arg(long)]
        slow: bool,
    },
}

fn main() -> ExitCode {
    process::close_inherited_descriptors();
    let cli = Cli::parse();
    let outcome = match cli.task {
        Task::Engine => engine::ensure().map(drop),
        Task::Fixtures => engine::ensure().and_then(|engine| fixtures::ensure_all(&engine)),
        Task::Ci => ci::run(),
        Task::Fuzz { minutes } => fuzz::for_minutes(minutes),
        Task::Man => man::run(),
        Task::Demo => demo::run(),
        Task::Bench { rounds, slow } => bench::run(&bench::Options { rounds, slow }),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            let label = if std::io::stderr().is_terminal() {
                "\x1b[1;31merror:\x1b[0m"
            } else {
                "error:"
            };
            eprintln!("{label} {error:#}");
            ExitCode::FAILURE
        }
    }
}
