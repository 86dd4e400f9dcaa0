//! `check` (and `action`, and the hooks): runs the library's check and writes every output
//! asked for.

use std::io::Write;
use std::path::Path;

use mlem_registry::config::{PolicyChange, PolicySource};
use mlem_registry::policy::verdict::Verdict;
use mlem_registry::registry::{self, Selection};
use mlem_registry::report::Format;
use mlem_registry::{check, review, rules};

use super::{load_config, online};
use crate::terminal::{self, Out};
use crate::{actions, cli};

/// `--explain RULE`: what the rule means; with no RULE, every rule on a line; a RULE that is no
/// rule's id names the ones it may mean.
fn explain(id: &str, out: &mut Out<'_>) -> anyhow::Result<Verdict> {
    if id.is_empty() {
        let width = rules::ALL.iter().map(|r| r.id.len()).max().unwrap_or(0);
        for rule in rules::ALL {
            writeln!(
                out,
                "{:width$}  {:7}  {}",
                rule.id,
                rule.severity.to_string(),
                rule.summary
            )?;
        }
        return Ok(Verdict::Clean);
    }
    let Some(rule) = rules::find(id) else {
        let near: Vec<String> = rules::near(id)
            .iter()
            .map(|r| format!("`{}`", r.id))
            .collect();
        match near.as_slice() {
            [] => anyhow::bail!("no rule `{id}`; `--explain` with no rule lists them"),
            [one] => anyhow::bail!("no rule `{id}`; did you mean {one}?"),
            many => anyhow::bail!("no rule `{id}`; did you mean one of {}?", many.join(", ")),
        }
    };
    writeln!(
        out,
        "{} ({}): {}\n\n{}",
        rule.id, rule.severity, rule.summary, rule.explain
    )?;
    Ok(Verdict::Clean)
}

/// Runs `check` with `args`; `sarif` is where the Action's SARIF goes.
pub fn run(
    args: &cli::CheckArgs,
    sarif: Option<&Path>,
    out: &mut Out<'_>,
) -> anyhow::Result<Verdict> {
    if let Some(id) = &args.explain {
        return explain(id, out);
    }
    // Standard output holds one document: `--format`'s report, or the one `--output F=-` names.
    let to_stdout: Vec<Format> = args
        .output
        .iter()
        .filter(|(_, path)| path == Path::new("-"))
        .map(|(format, _)| *format)
        .collect();
    match (to_stdout.as_slice(), args.format) {
        ([], _) | ([_], None) => {}
        ([_], Some(_)) => anyhow::bail!(
            "--format and --output FORMAT=- would both write to standard output: drop one"
        ),
        _ => anyhow::bail!("only one --output FORMAT=- can write to standard output"),
    }
    let one_file = one_file(args)?;
    let args = one_file.as_ref().unwrap_or(args);
    let selection = match (&args.selection, &args.rev, &args.changed_since) {
        (Some(selection), _, _) => selection.clone(),
        (_, Some(rev), _) => Selection::Revision(rev.clone()),
        (_, _, Some(rev)) => Selection::ChangedSince(rev.clone()),
        _ => Selection::Worktree,
    };
    let actions = actions::Actions::detect();
    let summary_wanted = args.format == Some(Format::Summary)
        || args.output.iter().any(|(f, _)| *f == Format::Summary);
    let explicit = args.config.file.as_deref();
    let policy = PolicySource::of(&args.path, &selection, args.policy_from.as_deref());
    // The starting folder's policy decides the run's own matters: the check run's API, and
    // whether unverified links pass. Each project's files get their own (see `options_for`).
    let config = load_config(explicit, &args.path, &policy.at, &args.github)?;
    let pass_unverified = args.pass_unverified || config.pass_unverified;
    let main_online = (!args.offline)
        .then(|| online(&args.github, &config))
        .transpose()?;
    let record_links = actions.is_some() || args.check_run.is_some() || summary_wanted;
    let options_for = |dir: &Path| -> anyhow::Result<check::Options> {
        let policy_change = match &policy.trusted_base {
            Some(base) => PolicyChange::between(explicit, dir, base, &policy.change)?,
            None => None,
        };
        let (config, online) = if same_folder(dir, &args.path) {
            (config.clone(), main_online.clone())
        } else {
            let config = load_config(explicit, dir, &policy.at, &args.github)?;
            let online = (!args.offline)
                .then(|| online(&args.github, &config))
                .transpose()?;
            (config, online)
        };
        Ok(check::Options {
            online,
            config,
            record_links,
            policy_change,
        })
    };
    let progress = terminal::progress_bar(args.github.timeout);
    let mut report = check::run(
        &args.path,
        &selection,
        policy.revision(),
        options_for,
        &progress,
    )?;
    if let Some(actions) = &actions {
        actions.rebase(&mut report);
    }
    // A change whose summary is written opens it with what the change promotes.
    if record_links && let Some(base) = &policy.trusted_base {
        let head = match &selection {
            Selection::Revision(rev) | Selection::Pushed { tip: rev, .. } => Some(rev.as_str()),
            _ => None,
        };
        let mut options_for = options_for;
        match review::diff::diff(&args.path, base, head, &mut options_for, &progress) {
            Ok(diff) => {
                let mut section = Vec::new();
                review::markdown::write(&diff, &mut section)?;
                report.preface = Some(String::from_utf8_lossy(&section).into_owned());
            }
            Err(error) => report.notices.push(format!(
                "what this change promotes could not be worked out: {error}"
            )),
        }
    }
    let unverified_fails = main_online.is_some() && !pass_unverified;
    let verdict = Verdict::of(&report, args.fail_on.severity(), unverified_fails);
    let default = match actions {
        Some(_) => Format::Github,
        None => Format::Human,
    };
    let color = terminal::color(args.color);
    let mut format = args.format.unwrap_or(default);
    if let Some(name) = &args.check_run {
        let in_actions = actions.is_some();
        let published =
            actions::check_run(name, &report, main_online.as_ref(), verdict, in_actions);
        if published && args.format.is_none() {
            // The check run carries the annotations: the log gets the readable form.
            format = Format::Human;
        } else if !published && in_actions && format != Format::Github {
            // Under Actions, annotations reach the pull request from the log.
            Format::Github
                .reporter(false)
                .write(&report, out.trusted()?)?;
        }
    }
    match format {
        // `--output F=-` has standard output.
        _ if !to_stdout.is_empty() => {}
        // The one format that writes commands, each escaped as the runner unescapes it.
        Format::Github => format.reporter(color).write(&report, out.trusted()?)?,
        _ => format.reporter(color).write(&report, out)?,
    }
    out.flush()?;
    for (format, path) in &args.output {
        actions::write_output(*format, path, &report)?;
    }
    if let Some(actions) = &actions {
        actions.write_summary(&report)?;
        actions.write_outputs(&report, sarif)?;
    }
    Ok(verdict)
}

/// `check FILE`: that one file of its repository's working tree, as the arguments of a check of
/// its folder with exactly that file selected. `None` when PATH is a folder.
fn one_file(args: &cli::CheckArgs) -> anyhow::Result<Option<cli::CheckArgs>> {
    if args.selection.is_some() {
        return Ok(None);
    }
    let Some((folder, selection)) = registry::single::single_file(&args.path)? else {
        return Ok(None);
    };
    if args.rev.is_some() || args.changed_since.is_some() {
        anyhow::bail!(
            "{} is a file: --rev and --changed-since check a repository; give its folder",
            args.path.display()
        );
    }
    Ok(Some(cli::CheckArgs {
        path: folder,
        selection: Some(selection),
        ..args.clone()
    }))
}

/// Whether two paths name one folder.
fn same_folder(a: &Path, b: &Path) -> bool {
    a == b
        || matches!(
            (std::fs::canonicalize(a), std::fs::canonicalize(b)),
            (Ok(a), Ok(b)) if a == b
        )
}
