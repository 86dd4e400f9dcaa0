//! `resolve`: where a link lands, followed as `check` follows it.

use std::io::Write;

use mlem_registry::config::PolicyAt;
use mlem_registry::policy::verdict::Verdict;
use mlem_registry::project;

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
    )?;
    match args.format {
        cli::ListFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, &found)?;
            writeln!(out)?;
        }
        cli::ListFormat::Human => write_human(args, &found, out)?,
    }
    Ok(if found.target.is_some() {
        Verdict::Clean
    } else {
        Verdict::Findings
    })
}

/// The resolution as lines for a person.
fn write_human(
    args: &cli::ResolveArgs,
    found: &project::Resolution,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    match (&found.target, &found.problem) {
        (Some(_), _) if args.no_follow && found.link.is_some() => {
            let link = found.link.as_ref().expect("checked above");
            writeln!(out, "{}: a link to a {}", found.file, link.link_type)?;
            writeln!(out, "  path:        {}", link.path)?;
            let project = link.project.as_deref().unwrap_or("this project");
            writeln!(out, "  project:     {project}")?;
            if let Some(rev) = &link.rev {
                writeln!(out, "  rev:         {rev}")?;
            }
        }
        (Some(target), _) if found.link.is_none() => {
            writeln!(
                out,
                "{} is a {} object, not a link",
                found.file, target.object_type
            )?;
        }
        (Some(target), _) => {
            // A chain within the project ends on the object's own file: named once.
            let mut hops: Vec<&str> = found.chain.iter().map(String::as_str).collect();
            if target.repository.is_some() || hops.last() != Some(&target.path.as_str()) {
                hops.push(&target.path);
            }
            writeln!(out, "{}", hops.join(" -> "))?;
            let repository = target
                .repository
                .as_deref()
                .unwrap_or("this project (working tree)");
            writeln!(out, "  repository:  {repository}")?;
            if let Some(rev) = &target.rev {
                writeln!(out, "  rev:         {rev}")?;
            }
            if let Some(commit) = &target.commit {
                writeln!(out, "  commit:      {commit}")?;
            }
            writeln!(out, "  path:        {}", target.path)?;
            writeln!(out, "  object type: {}", target.object_type)?;
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
