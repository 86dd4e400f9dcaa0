//! `ls`: the project's objects and links under PATH, as a table or JSON.

use std::io::Write;
use std::path::Path;

use mlem_registry::config::PolicyAt;
use mlem_registry::policy::verdict::Verdict;
use mlem_registry::project::lock::{Lock, LockedObject};
use mlem_registry::report::guard::one_line;
use mlem_registry::{check, project, registry};

use super::{load_config, online};
use crate::cli;

/// Runs `ls PATH`: PATH is a folder or a `*.mlem` file of the project.
pub fn run(args: &cli::LsArgs, out: &mut dyn Write) -> anyhow::Result<Verdict> {
    let format = args.format;
    // A name as MLEM takes it: `models/rf` is `models/rf.mlem`.
    let with_suffix = args.path.with_added_extension("mlem");
    let path = match !args.path.exists() && with_suffix.is_file() {
        true => with_suffix.as_path(),
        false => args.path.as_path(),
    };
    let folder = match path.is_file() {
        true => match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        },
        false => path,
    };
    let opened = registry::open(folder, &registry::Selection::Worktree)?;
    let project = opened.root.join(&opened.prefix);
    let scope = std::fs::canonicalize(path)
        .ok()
        .zip(std::fs::canonicalize(&project).ok())
        .and_then(|(path, project)| registry::path::relative_to(&path, &project))
        .unwrap_or_default();
    if args.resolve {
        drop(opened);
        return resolved(args, &project, &scope, out);
    }
    let entries = project::list(&*opened.snapshot, &scope)?;
    if entries.is_empty() {
        say!("note: no *.mlem files in {}", path.display());
    }
    match format {
        cli::ListFormat::Json => {
            mlem_registry::report::json::write_pretty(out, &entries)?;
            writeln!(out)?;
        }
        cli::ListFormat::Human => table(&entries, out)?,
    }
    Ok(Verdict::Clean)
}

/// NAME, TYPE (a link's type for a link) and where a link points.
fn table(entries: &[project::Entry], out: &mut dyn Write) -> std::io::Result<()> {
    let width = |column: &dyn Fn(&project::Entry) -> usize, title: &str| {
        entries
            .iter()
            .map(column)
            .max()
            .unwrap_or(0)
            .max(title.len())
    };
    let name_width = width(&|e| one_line(&shown_name(e)).len(), "NAME");
    let type_width = width(&|e| e.shown_type().len(), "TYPE");
    let line = |name: &str, kind: &str, target: &str| {
        format!("{name:name_width$}  {kind:type_width$}  {target}")
            .trim_end()
            .to_owned()
    };
    writeln!(out, "{}", line("NAME", "TYPE", "LINK TO"))?;
    for entry in entries {
        let target = match (&entry.target, &entry.problem) {
            (Some(target), _) => {
                let (project, rev) = (target.project.as_deref(), target.rev.as_deref());
                mlem_registry::mlem::points_to(&target.path, project, rev)
            }
            (None, Some(problem)) if entry.object_type.is_some() => format!("({problem})"),
            (None, Some(problem)) => format!("(not a MLEM object: {problem})"),
            (None, None) => String::new(),
        };
        // Names and targets come from the tree and its files: one line each, no control codes.
        let name = shown_name(entry);
        let (name, target) = (one_line(&name), one_line(&target));
        writeln!(out, "{}", line(&name, entry.shown_type(), &target))?;
    }
    Ok(())
}

/// An entry's name, with its file when that is not `NAME.mlem` (MLEM 0.2's `.mlem/TYPE/`): two
/// entries of one name are told apart.
fn shown_name(entry: &project::Entry) -> String {
    match entry.path == format!("{}.mlem", entry.name) {
        true => entry.name.clone(),
        false => format!("{} ({})", entry.name, entry.path),
    }
}

/// Runs `ls --resolve PATH`: every link of the `project` folder at or under `scope` (relative
/// to it) resolved as `check` resolves it, and where it lands; in JSON, the registry's lock
/// file.
fn resolved(
    args: &cli::LsArgs,
    project: &Path,
    scope: &str,
    out: &mut dyn Write,
) -> anyhow::Result<Verdict> {
    let options_for = |dir: &Path| -> anyhow::Result<check::Options> {
        let config = load_config(None, dir, &PolicyAt::Worktree, &args.github)?;
        let online = (!args.offline)
            .then(|| online(&args.github, &config))
            .transpose()?;
        Ok(check::Options {
            online,
            config,
            record_links: true,
            policy_change: None,
        })
    };
    let progress = crate::terminal::progress_bar(args.github.timeout);
    let report = check::run(
        project,
        &registry::Selection::Worktree,
        None,
        options_for,
        &progress,
    )?;
    // Names as MLEM gives them: relative to the project's folder.
    let prefix = report
        .root
        .as_deref()
        .zip(std::fs::canonicalize(project).ok())
        .and_then(|(root, project)| registry::path::relative_to(&project, root))
        .unwrap_or_default();
    let mut lock = Lock::of(&report.links, &prefix);
    lock.links
        .retain(|link| registry::path::is_at_or_under(&link.file, scope));
    match args.format {
        cli::ListFormat::Json => {
            mlem_registry::report::json::write_pretty(out, &lock)?;
            writeln!(out)?;
        }
        cli::ListFormat::Human => lock_table(&lock, out)?,
    }
    // As `check`: with --offline, links left unverified by choice do not fail the run.
    let statuses = || lock.links.iter().map(|link| link.status);
    Ok(match () {
        _ if statuses().any(|s| s == "broken") => Verdict::Findings,
        _ if !args.offline && statuses().any(|s| s == "unverified") => Verdict::Unverified,
        _ => Verdict::Clean,
    })
}

/// NAME, TYPE, status, and where each link lands (or why it does not).
fn lock_table(lock: &Lock, out: &mut dyn Write) -> std::io::Result<()> {
    let rows: Vec<[String; 4]> = lock
        .links
        .iter()
        .map(|link| {
            let name = match &link.field {
                Some(field) => format!("{} ({field})", link.name),
                None => link.name.clone(),
            };
            let lands = match (&link.lands, &link.finding) {
                (Some(object), Some(finding)) if link.status == "broken" => {
                    format!("{} ({})", at(object), finding.message)
                }
                (Some(object), _) => landed(object),
                (None, Some(finding)) => format!("({})", finding.message),
                (None, None) => String::new(),
            };
            // Every value comes from a link file or another repository: one line each.
            [
                name,
                link.link_type.to_owned(),
                link.status.to_owned(),
                lands,
            ]
            .map(|cell| one_line(&cell).into_owned())
        })
        .collect();
    let titles = ["NAME", "TYPE", "STATUS", "LANDS ON"];
    let width = |column: usize| {
        rows.iter()
            .map(|row| row[column].chars().count())
            .chain([titles[column].len()])
            .max()
            .unwrap_or(0)
    };
    let (name, kind, status) = (width(0), width(1), width(2));
    let line = |row: [&str; 4]| {
        format!(
            "{:name$}  {:kind$}  {:status$}  {}",
            row[0], row[1], row[2], row[3]
        )
        .trim_end()
        .to_owned()
    };
    writeln!(out, "{}", line(titles))?;
    for row in &rows {
        writeln!(out, "{}", line([&row[0], &row[1], &row[2], &row[3]]))?;
    }
    Ok(())
}

/// `PATH` (the registry's own) or `REPOSITORY@COMMIT:PATH`.
fn at(object: &LockedObject) -> String {
    match (&object.repository, &object.commit) {
        (Some(repository), Some(commit)) => {
            format!(
                "{repository}@{}:{}",
                &commit[..commit.len().min(12)],
                object.path
            )
        }
        (Some(repository), None) => format!("{repository}:{}", object.path),
        _ => object.path.clone(),
    }
}

/// Where an object is ([`at`]), with its artifacts' states when any is not present.
fn landed(object: &LockedObject) -> String {
    let mut shown = at(object);
    let not_present: Vec<String> = object
        .artifacts
        .iter()
        .filter(|a| a.state != "present")
        .map(|a| format!("artifact {} {}", a.name, a.state))
        .collect();
    if !not_present.is_empty() {
        shown.push_str(&format!(" ({})", not_present.join(", ")));
    }
    shown
}
