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
    // The policy (production globs, allow-lists) is the base's, folder by folder: the change
    // does not judge itself.
    let mut known = std::collections::HashMap::new();
    let mut options_for = |dir: &std::path::Path| -> anyhow::Result<check::Options> {
        let at = PolicyAt::Revision(base.clone());
        remembered(
            &mut known,
            dir,
            |dir| load_config(None, dir, &at, &args.github),
            (args.offline, &args.github),
        )
    };
    let progress = crate::terminal::progress_bar(args.github.timeout);
    let head = args.head.as_deref();
    let diff = review::diff::diff(&args.path, &base, head, &mut options_for, &progress)?;
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
    // Each commit is judged by the policy of the registry as it is now, folder by folder:
    // production globs name files by their current meaning.
    let mut known = std::collections::HashMap::new();
    let mut options_for = |dir: &std::path::Path| -> anyhow::Result<check::Options> {
        let at = PolicyAt::Worktree;
        let load = |dir: &std::path::Path| load_config(None, dir, &at, &args.github);
        remembered(&mut known, dir, load, (args.offline, &args.github))
    };
    let progress = crate::terminal::progress_bar(args.github.timeout);
    let log = review::log::log(&args.path, &args.name, &mut options_for, &progress)?;
    match args.format {
        cli::ListFormat::Json => {
            mlem_registry::report::json::write_pretty(out, &log)?;
            writeln!(out)?;
        }
        cli::ListFormat::Human => review::human::write_log(&log, out)?,
    }
    Ok(Verdict::Clean)
}

/// The options a review resolves with for the folder `dir` (its config from `load`; online
/// unless offline), made once per folder: a log resolves many commits with them, and each
/// setup would repeat its warnings.
fn remembered(
    known: &mut std::collections::HashMap<std::path::PathBuf, check::Options>,
    dir: &std::path::Path,
    load: impl FnOnce(&std::path::Path) -> anyhow::Result<mlem_registry::config::Config>,
    (offline, github): (bool, &cli::GitHubArgs),
) -> anyhow::Result<check::Options> {
    if let Some(options) = known.get(dir) {
        return Ok(options.clone());
    }
    let config = load(dir)?;
    let options = check::Options {
        online: (!offline).then(|| online(github, &config)).transpose()?,
        config,
        record_links: true,
        policy_change: None,
    };
    known.insert(dir.to_owned(), options.clone());
    Ok(options)
}
