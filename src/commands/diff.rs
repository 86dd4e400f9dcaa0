//! `diff`: what a change to the registry promotes, for its reviewer; `log`: the same for every
//! commit that changed where one link lands.

use std::io::Write;

use mlem_registry::check;
use mlem_registry::config::PolicyAt;
use mlem_registry::policy::verdict::Verdict;
use mlem_registry::review;

use super::{load_config, online};
use crate::cli;

/// Runs `diff [BASE] [HEAD]`.
pub fn run(args: &cli::DiffArgs, out: &mut dyn Write) -> anyhow::Result<Verdict> {
    let base = match &args.base {
        Some(base) => base.clone(),
        None => mlem_registry::registry::default_base(&args.path).map_err(|why| {
            anyhow::anyhow!("{why}: name the revision to compare with, `mlem-registry diff BASE`")
        })?,
    };
    // The policy (production globs, allow-lists) is the base's: the change does not judge itself.
    let config = load_config(
        None,
        &args.path,
        &PolicyAt::Revision(base.clone()),
        &args.github,
    )?;
    let online = (!args.offline)
        .then(|| online(&args.github, &config))
        .transpose()?;
    let options = check::Options {
        online,
        config,
        record_links: true,
        policy_change: None,
    };
    let progress = crate::terminal::progress_bar(args.github.timeout);
    let diff = review::diff::diff(&args.path, &base, args.head.as_deref(), &options, &progress)?;
    match args.format {
        cli::ListFormat::Json => {
            mlem_registry::report::json::write_pretty(out, &diff)?;
            writeln!(out)?;
        }
        cli::ListFormat::Human => review::human::write(&diff, out)?,
    }
    Ok(Verdict::Clean)
}

/// Runs `log NAME`.
pub fn log(args: &cli::LogArgs, out: &mut dyn Write) -> anyhow::Result<Verdict> {
    // Each commit is judged by the policy of the registry as it is now: production globs name
    // files by their current meaning.
    let config = load_config(None, &args.path, &PolicyAt::Worktree, &args.github)?;
    let online = (!args.offline)
        .then(|| online(&args.github, &config))
        .transpose()?;
    let options = check::Options {
        online,
        config,
        record_links: true,
        policy_change: None,
    };
    let progress = crate::terminal::progress_bar(args.github.timeout);
    let log = review::log::log(&args.path, &args.name, &options, &progress)?;
    match args.format {
        cli::ListFormat::Json => {
            mlem_registry::report::json::write_pretty(out, &log)?;
            writeln!(out)?;
        }
        cli::ListFormat::Human => review::human::write_log(&log, out)?,
    }
    Ok(Verdict::Clean)
}
