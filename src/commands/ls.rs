//! `ls`: the project's objects and links under PATH, as a table or JSON.

use std::io::Write;
use std::path::Path;

use mlem_registry::policy::verdict::Verdict;
use mlem_registry::report::guard::one_line;
use mlem_registry::{project, registry};

use crate::cli;

/// Runs `ls PATH`: PATH is a folder or a `*.mlem` file of the project.
pub fn run(path: &Path, format: cli::ListFormat, out: &mut dyn Write) -> anyhow::Result<Verdict> {
    // A name as MLEM takes it: `models/rf` is `models/rf.mlem`.
    let with_suffix = path.with_added_extension("mlem");
    let path = match !path.exists() && with_suffix.is_file() {
        true => with_suffix.as_path(),
        false => path,
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
                let mut shown = target.path.clone();
                if let Some(project) = &target.project {
                    shown.push_str(&format!(" in {project}"));
                }
                if let Some(rev) = &target.rev {
                    shown.push_str(&format!("@{rev}"));
                }
                shown
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
