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
    let given = &args.review;
    let base = match &args.base {
        Some(base) => base.clone(),
        None => mlem_registry::registry::default_base(&given.path).map_err(|why| {
            anyhow::anyhow!("{why}: name the revision to compare with, `mlem-registry diff BASE`")
        })?,
    };
    // The policy (production globs, allow-lists) is the base's, folder by folder: the change
    // does not judge itself.
    let mut options_for = options_for(PolicyAt::Revision(base.clone()), given);
    let progress = crate::terminal::progress_bar(given.github.timeout);
    let head = args.head.as_deref();
    let diff = review::diff::diff(&given.path, &base, head, &mut options_for, &progress)?;
    match given.format {
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
    let given = &args.review;
    // Each commit is judged by the policy of the registry as it is now, folder by folder:
    // production globs name files by their current meaning.
    let mut options_for = options_for(PolicyAt::Worktree, given);
    let progress = crate::terminal::progress_bar(given.github.timeout);
    let log = review::log::log(&given.path, &args.name, &mut options_for, &progress)?;
    match given.format {
        cli::ListFormat::Json => {
            mlem_registry::report::json::write_pretty(out, &log)?;
            writeln!(out)?;
        }
        cli::ListFormat::Human => review::human::write_log(&log, out)?,
    }
    Ok(Verdict::Clean)
}

/// The options a review resolves with for a folder: its config as `at` has it, online unless
/// `--offline`. Each folder's are made once: a log resolves many commits with them, and each
/// setup would repeat its warnings.
fn options_for(
    at: PolicyAt,
    given: &cli::ReviewArgs,
) -> impl FnMut(&std::path::Path) -> anyhow::Result<check::Options> + '_ {
    let mut known: std::collections::HashMap<std::path::PathBuf, check::Options> =
        std::collections::HashMap::new();
    move |dir| {
        if let Some(options) = known.get(dir) {
            return Ok(options.clone());
        }
        let config = load_config(None, dir, &at, &given.github)?;
        let options = check::Options {
            online: (!given.offline)
                .then(|| online(&given.github, &config))
                .transpose()?,
            config,
            record_links: true,
            policy_change: None,
        };
        known.insert(dir.to_owned(), options.clone());
        Ok(options)
    }
}
