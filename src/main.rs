//! The `mlem-registry` binary: parses arguments, runs the library, writes output, sets the exit
//! code. Everything else lives in the library.

mod cli;

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use clap::Parser;
use mlem_registry::{check, policy, registry, rules};

/// Exit codes a required status check can gate on.
mod exit {
    /// No finding at or above `--fail-on`.
    pub const CLEAN: u8 = 0;
    /// A finding at or above `--fail-on`.
    pub const FINDINGS: u8 = 1;
    /// Bad usage, or the registry could not be read.
    pub const ERROR: u8 = 2;
}

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(exit::ERROR)
        }
    }
}

fn run(cli: cli::Cli) -> anyhow::Result<u8> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match cli.command {
        cli::Command::Check(args) => {
            if let Some(id) = &args.explain {
                let rule = rules::find(id).ok_or_else(|| {
                    let ids: Vec<_> = rules::ALL.iter().map(|r| r.id).collect();
                    anyhow::anyhow!("no rule `{id}`; rules are: {}", ids.join(", "))
                })?;
                writeln!(
                    out,
                    "{} ({}): {}\n\n{}",
                    rule.id, rule.severity, rule.summary, rule.explain
                )?;
                return Ok(exit::CLEAN);
            }
            let selection = match (&args.rev, &args.changed_since) {
                (Some(rev), _) => registry::Selection::Revision(rev.clone()),
                (_, Some(rev)) => registry::Selection::ChangedSince(rev.clone()),
                _ => registry::Selection::Worktree,
            };
            let options = check::Options {
                remote: if args.offline {
                    policy::Remote::Offline
                } else {
                    policy::Remote::Unreachable
                },
            };
            let report = check::run(&args.path, &selection, &options)?;
            let color = match args.color {
                cli::Color::Always => true,
                cli::Color::Never => false,
                cli::Color::Auto => {
                    std::io::stdout().is_terminal()
                        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                }
            };
            args.format.reporter(color).write(&report, &mut out)?;
            out.flush()?;
            let failed = report
                .worst()
                .is_some_and(|worst| worst >= args.fail_on.severity());
            Ok(if failed { exit::FINDINGS } else { exit::CLEAN })
        }
        cli::Command::Schema { name } => {
            writeln!(out, "{}", name.text().trim_end())?;
            Ok(exit::CLEAN)
        }
    }
}
