//! `link`: resolves the target as `check` would, then writes the link as MLEM writes it.

use std::io::Write;

use mlem_registry::config::PolicyAt;
use mlem_registry::policy::verdict::Verdict;
use mlem_registry::report::guard::one_line;
use mlem_registry::{project, registry, rules};

use super::{load_config, online};
use crate::cli;

/// Runs `link`.
pub fn run(args: &cli::LinkArgs, out: &mut dyn Write) -> anyhow::Result<Verdict> {
    let dir = &args.target_project;
    // The link's file stays inside the project, whatever NAME says.
    let file = registry::path::normalize(&project::file_of(&args.name))
        .map_err(|why| anyhow::anyhow!("NAME `{}`: {why}", args.name))?;
    let config = load_config(None, dir, &PolicyAt::Worktree, &args.github)?;
    // Also for a link inside the project: its target may be a link to another repository.
    let online = online(&args.github, &config)?;
    // `--sp` naming this very project is a link inside it, as MLEM writes it.
    let source = args.source_project.as_deref().filter(|source| {
        args.rev.is_some()
            || project::project_url(source) != project::project_url(&dir.display().to_string())
    });
    let probe = project::probe(
        dir,
        &args.path,
        source,
        args.rev.as_deref(),
        args.legacy_repo_key,
        Some(&online),
        &crate::terminal::progress_bar(args.github.timeout),
    )?;
    if !args.quiet {
        // Paths another repository's link names: shown, never obeyed by the terminal.
        for file in &probe.loaded {
            writeln!(out, "Loading meta from {}", one_line(file))?;
        }
    }
    if let Some((message, help, unverified)) = probe.refusal(&file)? {
        say!("error: not writing {file}: {message}");
        if let Some(help) = help {
            say!("  help: {help}");
        }
        return Ok(if unverified {
            Verdict::Unverified
        } else {
            Verdict::Findings
        });
    }
    let mut new = probe.link.clone();
    if let Some(wanted) = &args.object_type
        && new.link_type.as_str() != wanted
    {
        say!(
            "error: not writing {file}: {} is a `{}` object, not `{wanted}`",
            probe.loaded.last().unwrap_or(&new.path),
            new.link_type
        );
        return Ok(Verdict::Findings);
    }
    if new.project.is_none() && new.path == file {
        anyhow::bail!("{file} is the target itself: a link there would replace it");
    }
    if args.pin {
        match (&probe.commit, &new.project) {
            (Some(commit), Some(_)) => new.rev = Some(commit.clone()),
            (_, None) => anyhow::bail!("--pin: a link inside this project has no rev to pin"),
            (None, Some(_)) => anyhow::bail!("--pin: the target's commit is not known"),
        }
    } else if !args.quiet {
        for finding in probe
            .findings(&file)?
            .iter()
            .filter(|f| f.rule == rules::link_unpinned_rev::RULE.id)
        {
            say!("warning: {} ({})", finding.message, finding.rule);
        }
    }
    project::write_link(dir, &file, &new.text()?, args.force)?;
    if !args.quiet {
        writeln!(out, "Saving link to {file}")?;
    }
    Ok(Verdict::Clean)
}
