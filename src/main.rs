//! The `mlem-registry` binary: parses arguments, hands each subcommand to its module in
//! `commands/`, and turns the verdict into the exit code. The work is the library's.

/// Writes one message to standard error, every line of it neutralised: a file name or YAML
/// value in it cannot start a workflow command.
macro_rules! say {
    ($($arg:tt)*) => {
        $crate::terminal::say_line(&format!($($arg)*))
    };
}

mod actions;
mod cli;
mod commands;
mod interrupt;
mod terminal;

use std::process::ExitCode;

use clap::FromArgMatches;
use mlem_registry::policy::verdict::{EXIT_ERROR, Verdict};
use mlem_registry::report::guard::Guard;

fn main() -> ExitCode {
    interrupt::clean_up_before_ending();
    let matches = cli::command().get_matches_from(cli::files_as_files(
        std::env::args_os().collect(),
        std::path::Path::new("."),
    ));
    let cli = cli::Cli::from_arg_matches(&matches).unwrap_or_else(|error| error.exit());
    match run(cli) {
        Ok(verdict) => ExitCode::from(verdict.exit_code()),
        // A reader that stopped early (`| head`) is not an error worth a message.
        Err(error)
            if error
                .downcast_ref::<std::io::Error>()
                .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe) =>
        {
            ExitCode::from(Verdict::Clean.exit_code())
        }
        // A bare I/O error is a failed write of the output (reads say their path).
        Err(error) if error.is::<std::io::Error>() => {
            say!("error: cannot write the output: {error:#}");
            ExitCode::from(EXIT_ERROR)
        }
        Err(error) => {
            say!("error: {error:#}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}

/// Runs one subcommand.
fn run(cli: cli::Cli) -> anyhow::Result<Verdict> {
    let stdout = std::io::stdout();
    // Buffered: a report of 100,000 findings is written in large blocks, not a line at a time.
    let mut out = Guard::new(std::io::BufWriter::new(stdout.lock()));
    let verdict = command(cli, &mut out)?;
    // What is still buffered must reach standard output, or the run did not do its job.
    std::io::Write::flush(&mut out)?;
    Ok(verdict)
}

/// Runs one subcommand, its output to `out`.
fn command(cli: cli::Cli, out: &mut terminal::Out<'_>) -> anyhow::Result<Verdict> {
    match cli.command {
        cli::Command::Check(args) => commands::check::run(&args, None, out),
        cli::Command::Action => {
            let (args, sarif) = actions::action_args()?;
            commands::check::run(&args, sarif.as_deref(), out)
        }
        cli::Command::Hook { command } => commands::hook::run(command, out),
        cli::Command::Pin(args) => commands::pin::run(&args, out),
        cli::Command::Init { path, with_ci } => commands::init::run(&path, with_ci, out),
        cli::Command::Link(args) => commands::link::run(&args, out),
        cli::Command::Resolve(args) => commands::resolve::run(&args, out),
        cli::Command::Ls(args) => commands::ls::run(&args, out),
        cli::Command::Diff(args) => commands::diff::run(&args, out),
        cli::Command::Log(args) => commands::diff::log(&args, out),
        cli::Command::Schema { name } => {
            use std::io::Write;
            writeln!(out, "{}", name.text().trim_end())?;
            Ok(Verdict::Clean)
        }
    }
}
