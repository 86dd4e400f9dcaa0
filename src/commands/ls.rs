//! `ls`: the project's objects and links, as a table or JSON.

use std::io::Write;
use std::path::Path;

use mlem_registry::policy::verdict::Verdict;
use mlem_registry::{project, registry};

use crate::cli;

/// Runs `ls PATH`.
pub fn run(path: &Path, format: cli::ListFormat, out: &mut dyn Write) -> anyhow::Result<Verdict> {
    let opened = registry::open(path, &registry::Selection::Worktree)?;
    let entries = project::list(&*opened.snapshot)?;
    match format {
        cli::ListFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, &entries)?;
            writeln!(out)?;
        }
        cli::ListFormat::Human => {
            let width = entries
                .iter()
                .map(|e| e.name.len())
                .max()
                .unwrap_or(4)
                .max(4);
            writeln!(out, "{:width$}  {:10}  TARGET", "NAME", "TYPE")?;
            for entry in &entries {
                let kind = entry.object_type.as_deref().unwrap_or("?");
                let target = match (&entry.target, &entry.problem) {
                    (Some(target), _) => target.clone(),
                    (None, Some(problem)) => format!("({problem})"),
                    (None, None) => String::new(),
                };
                writeln!(out, "{:width$}  {kind:10}  {target}", entry.name)?;
            }
        }
    }
    Ok(Verdict::Clean)
}
