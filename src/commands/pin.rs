//! `pin`: resolves the registry's links and writes the commit each moving `rev` points at now.

use std::io::Write;
use std::path::Path;

use mlem_registry::config::PolicyAt;
use mlem_registry::policy::verdict::Verdict;
use mlem_registry::words::count;
use mlem_registry::{check, pin, registry};

use super::{load_config, online};
use crate::{cli, terminal};

/// Runs `pin PATHS`.
pub fn run(args: &cli::PinArgs, out: &mut dyn Write) -> anyhow::Result<Verdict> {
    let folder = pin::registry_folder(&args.paths);
    let config = load_config(
        args.config.file.as_deref(),
        folder,
        &PolicyAt::Worktree,
        &args.github,
    )?;
    let options = check::Options {
        online: Some(online(&args.github, &config)?),
        config,
        record_links: false,
        policy_change: None,
    };
    let report = check::run(
        folder,
        &registry::Selection::Worktree,
        None,
        |_: &Path| anyhow::Ok(options.clone()),
        &terminal::progress_bar(args.github.timeout),
    )?;
    let root = report
        .root
        .clone()
        .ok_or_else(|| anyhow::anyhow!("the registry has no folder on disk to pin in"))?;
    let scopes = pin::scopes(&root, &args.paths)?;
    let changes = pin::plan(&report, &scopes);
    let mut pinned = 0;
    for change in &changes {
        if args.dry_run {
            let diff = mlem_registry::fix::diff(&change.file, &change.before, &change.after);
            write!(out, "{diff}")?;
        } else {
            pin::write(&root, change)?;
        }
        for (line, description) in &change.pins {
            writeln!(out, "{}:{line}: {description}", change.file)?;
            pinned += 1;
        }
    }
    let verb = if args.dry_run { "would pin" } else { "pinned" };
    writeln!(
        out,
        "{verb} {} in {}",
        count(pinned, "link"),
        count(changes.len(), "file")
    )?;
    // What could not be pinned, file by file, as `check` would say it.
    let mut verdict = Verdict::Clean;
    for finding in pin::left_alone(&report, &scopes) {
        let unverified = finding.rule == mlem_registry::rules::link_unverified::RULE.id;
        let (level, this) = match unverified {
            true => ("warning", Verdict::Unverified),
            false => ("error", Verdict::Findings),
        };
        say!(
            "{level}: {}:{}: not pinned: {} ({})",
            finding.file,
            finding.span.start.line,
            finding.message,
            finding.rule
        );
        verdict = verdict.worse(this);
    }
    Ok(verdict)
}
