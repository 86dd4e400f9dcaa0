//! `resolve`: where a link lands, followed as `check` follows it.

use std::io::Write;

use mlem_registry::config::PolicyAt;
use mlem_registry::policy::verdict::Verdict;
use mlem_registry::project;
use mlem_registry::report::guard::one_line;

use super::{load_config, online};
use crate::cli;

/// Runs `resolve NAME`.
pub fn run(args: &cli::ResolveArgs, out: &mut dyn Write) -> anyhow::Result<Verdict> {
    let config = load_config(None, &args.project, &PolicyAt::Worktree, &args.github)?;
    let online = (!args.offline)
        .then(|| online(&args.github, &config))
        .transpose()?;
    let found = project::follow(
        &args.project,
        &args.name,
        !args.no_follow,
        &config.allow,
        online.as_ref(),
        &crate::terminal::progress_bar(args.github.timeout),
    )?;
    match args.format {
        cli::ListFormat::Json => {
            mlem_registry::report::json::write_pretty(out, &found)?;
            writeln!(out)?;
        }
        cli::ListFormat::Human => write_human(args, &found, out)?,
    }
    Ok(match (&found.target, found.unverified) {
        (Some(_), _) => Verdict::Clean,
        (None, true) => Verdict::Unverified,
        (None, false) => Verdict::Findings,
    })
}

/// The resolution as lines for a person.
fn write_human(
    args: &cli::ResolveArgs,
    found: &project::Resolution,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    // Every value may come from a link file or another repository: one line, no control codes.
    let v = |text: &str| one_line(text).into_owned();
    match (&found.target, &found.problem) {
        (Some(_), _) if args.no_follow && found.link.is_some() => {
            let link = found.link.as_ref().expect("checked above");
            writeln!(out, "{}: a link to a {}", v(&found.file), link.link_type)?;
            writeln!(out, "  path:        {}", v(&link.path))?;
            let project = link.project.as_deref().unwrap_or("this project");
            writeln!(out, "  project:     {}", v(project))?;
            if let Some(rev) = &link.rev {
                writeln!(out, "  rev:         {}", v(rev))?;
            }
        }
        (Some(target), _) if found.link.is_none() => {
            writeln!(
                out,
                "{} is a {} object, not a link",
                v(&found.file),
                target.object_type
            )?;
        }
        (Some(target), _) => {
            // The chain ends on the object's own file.
            let chain: Vec<_> = found.chain.iter().map(|hop| v(hop)).collect();
            writeln!(out, "{}", chain.join(" -> "))?;
            let repository = target
                .repository
                .as_deref()
                .unwrap_or("this project (working tree)");
            writeln!(out, "  repository:  {}", v(repository))?;
            if let Some(rev) = &target.rev {
                writeln!(out, "  rev:         {}", v(rev))?;
            }
            if let Some(commit) = &target.commit {
                writeln!(out, "  commit:      {}", v(commit))?;
            }
            writeln!(out, "  path:        {}", v(&target.path))?;
            writeln!(out, "  object type: {}", target.object_type)?;
        }
        (None, problem) if found.unverified => {
            say!(
                "warning: {} could not be verified: {}",
                found.file,
                problem.as_deref().unwrap_or("unknown")
            );
        }
        (None, problem) => {
            say!(
                "error: {} does not resolve: {}",
                found.file,
                problem.as_deref().unwrap_or("unknown")
            );
        }
    }
    Ok(())
}
