//! The command line: the subcommands and their dispatch.

use clap::error::ErrorKind;
use clap::{Args, CommandFactory, Parser, Subcommand};

use crate::commands;
use crate::interrupt;
use crate::ui;

const EXIT_CODES: &str = "\
Exit codes:
  0    success
  1    a variant failed to build (`doctor`: a check failed)
  2    usage or environment error (the message says how to fix it)
  3    a budget is broken (`dockwright check`), or a regression (`compare --fail-on-regression`)
  130  interrupted (Ctrl-C); finished work and your files are kept";

/// Scaffold Python container images that are slim and fast, and measure why
/// each step works.
#[derive(Parser)]
#[command(name = "dockwright", version, propagate_version = true, after_help = EXIT_CODES)]
struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Command,
}

/// The flags every subcommand takes, as cargo's and ripgrep's do.
#[derive(Args)]
struct Global {
    /// When to colour the output; `auto` colours a terminal unless NO_COLOR (set and not
    /// empty), CLICOLOR=0 or TERM=dumb says not to, and colours anything with CLICOLOR_FORCE.
    /// `always` and `never` win over the environment
    #[arg(
        long,
        global = true,
        value_enum,
        value_name = "WHEN",
        default_value_t = ui::Colour::Auto
    )]
    color: ui::Colour,
    /// Say only errors and warnings on stderr: no progress, no notes. The results on stdout stay
    #[arg(short, long, global = true)]
    quiet: bool,
    /// Also show each build's output on stderr as it runs (the build log under
    /// .dockwright/logs/ has it either way)
    #[arg(short, long, global = true)]
    verbose: bool,
}

impl Global {
    /// `--quiet`, `--verbose` or neither; both is a usage error. clap's
    /// `conflicts_with` misses a pair given on either side of the
    /// subcommand (`-q build -v`), so the check is here, after parsing.
    fn verbosity(&self) -> ui::Verbosity {
        match (self.quiet, self.verbose) {
            (true, true) => Cli::command()
                .error(
                    ErrorKind::ArgumentConflict,
                    "the argument '--quiet' cannot be used with '--verbose'",
                )
                .exit(),
            (true, false) => ui::Verbosity::Quiet,
            (false, true) => ui::Verbosity::Verbose,
            (false, false) => ui::Verbosity::Normal,
        }
    }
}

#[derive(Subcommand)]
enum Command {
    /// Create a new project: a Flask app, its requirements and a ladder of Dockerfiles
    New(commands::new::NewArgs),
    /// Add dockwright to an existing directory, adopting the Flask app it holds
    Init(commands::new::InitArgs),
    /// Pin every package, with its hashes, resolved inside the project's slim image, into requirements.lock; the variants then install from it
    Lock(commands::lock::LockArgs),
    /// Pin each base image the variants build from to the digest its tag has in the registry now, in dockwright.toml
    Pin(commands::pin::PinArgs),
    /// Build the project's variants, tagged <project>:<variant>
    Build(commands::build::BuildArgs),
    /// Write docker-bake.hcl: every variant as a buildx bake target, a group per profile, for any builder
    Bake(commands::bake::BakeArgs),
    /// Rebuild variants with the cache after a real edit of the app (or, with --deps, the requirements)
    Rebuild(commands::rebuild::RebuildArgs),
    /// Measure every variant: cold build, image size, start-up until it answers GET /, rebuilds after app and dependency edits
    Measure(commands::measure::MeasureArgs),
    /// List the project's variants in ladder order, each with its reason
    Variants(commands::variants::VariantsArgs),
    /// Show a saved measure run again: the latest, or the one given, as a table, Markdown, JSON, CSV or an HTML page
    Report(commands::report::ReportArgs),
    /// Explain a step of the ladder: its Dockerfile diff, why it matters and what it measured
    Explain(commands::explain::ExplainArgs),
    /// The workshop: explain, build and measure each step in turn, the table growing as it goes
    Tour(commands::tour::TourArgs),
    /// Judge the budgets of dockwright.toml on a fresh measurement or a saved run; exit 3 when one is broken
    Check(commands::check::CheckArgs),
    /// Check that everything builds and measurements need is here: engine, builder, base images, PyPI, disk
    Doctor(commands::doctor::DoctorArgs),
    /// Remove this project's images, and its saved runs and logs older than --older-than; nothing else
    Clean(commands::clean::CleanArgs),
    /// Keep a saved run under a name, for `compare --baseline NAME`
    Baseline(commands::baseline::BaselineArgs),
    /// Compare two saved measure runs: size and time changes per variant, noise told apart
    Compare(commands::compare::CompareArgs),
    /// Print the completion script for a shell: bash, zsh, fish or powershell (elvish too)
    #[command(after_help = COMPLETIONS)]
    Completions(commands::completions::CompletionsArgs),
}

const COMPLETIONS: &str = "\
Examples:
  dockwright completions bash > ~/.local/share/bash-completion/completions/dockwright
  dockwright completions zsh > ~/.zfunc/_dockwright    # with fpath+=~/.zfunc before compinit
  dockwright completions fish > ~/.config/fish/completions/dockwright.fish
  dockwright completions powershell >> $PROFILE";

/// The whole command line as clap knows it: for `cargo xtask man`.
pub fn command() -> clap::Command {
    Cli::command()
}

/// Runs the command line; returns the exit code.
pub fn run() -> anyhow::Result<i32> {
    let cli = Cli::parse();
    ui::set_verbosity(cli.global.verbosity());
    ui::decide_colours(cli.global.color);
    interrupt::install();
    match cli.command {
        Command::New(args) => commands::new::new(args),
        Command::Init(args) => commands::new::init(args),
        Command::Lock(args) => commands::lock::lock(args),
        Command::Pin(args) => commands::pin::pin(args),
        Command::Build(args) => commands::build::build(args),
        Command::Check(args) => commands::check::check(args),
        Command::Baseline(args) => commands::baseline::baseline(args),
        Command::Doctor(args) => commands::doctor::doctor(args),
        Command::Clean(args) => commands::clean::clean(args),
        Command::Bake(args) => commands::bake::bake(args),
        Command::Rebuild(args) => commands::rebuild::rebuild(args),
        Command::Measure(args) => commands::measure::measure(args),
        Command::Variants(args) => commands::variants::variants(args),
        Command::Report(args) => commands::report::report(args),
        Command::Explain(args) => commands::explain::explain(args),
        Command::Tour(args) => commands::tour::tour(args),
        Command::Compare(args) => commands::compare::compare(args),
        Command::Completions(args) => commands::completions::completions(args, command()),
    }
}
