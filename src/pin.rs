//! `pin`: makes links immutable. Each link whose `rev` is a branch (or absent) gets the commit
//! that branch points at now, through the same edit `link/unpinned-rev` findings carry.

use std::path::{Path, PathBuf};

use crate::error::PathError;
use crate::registry::path::relative_to;
use crate::report::Report;
use crate::rules;

/// Why `pin` cannot go on.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A path given to `pin` cannot be read.
    #[error(transparent)]
    Io(#[from] PathError),
    /// A path given to `pin` is outside the registry it checks.
    #[error("{path} is not inside the registry at {root}")]
    Outside {
        /// The path as given.
        path: String,
        /// The registry's folder.
        root: String,
    },
    /// A file changed between the check and the write: writing would lose that change.
    #[error("{file} changed while it was being checked: run pin again")]
    Changed {
        /// The file, relative to the registry.
        file: String,
    },
}

/// The I/O error at `path`, for `map_err`.
fn io(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    let at = PathError::at(path);
    move |error| Error::Io(at(error))
}

/// The folder whose registry `pin PATHS` checks: the first path's, its folder for a file, `.`
/// when none is given.
pub fn registry_folder(paths: &[PathBuf]) -> &Path {
    let first = paths.first().map_or(Path::new("."), |p| p);
    match first.parent() {
        Some(parent) if first.is_file() && !parent.as_os_str().is_empty() => parent,
        Some(_) if first.is_file() => Path::new("."),
        _ => first,
    }
}

/// The paths given to `pin`, relative to the registry at `root` with `/` separators: the scopes
/// [`plan`] pins within. A path outside the registry is an error.
pub fn scopes(root: &Path, paths: &[PathBuf]) -> Result<Vec<String>, Error> {
    let root = std::fs::canonicalize(root).map_err(io(root))?;
    let mut scopes = Vec::new();
    for path in paths {
        let full = std::fs::canonicalize(path).map_err(io(path))?;
        let relative = relative_to(&full, &root).ok_or_else(|| Error::Outside {
            path: path.display().to_string(),
            root: root.display().to_string(),
        })?;
        scopes.push(relative);
    }
    Ok(scopes)
}

/// Writes one change into the registry at `root`, unless the file changed since it was read.
pub fn write(root: &Path, change: &Change) -> Result<(), Error> {
    let path = root.join(&change.file);
    let now = std::fs::read_to_string(&path).map_err(io(&path))?;
    if now != change.before {
        return Err(Error::Changed {
            file: change.file.clone(),
        });
    }
    std::fs::write(&path, &change.after).map_err(io(&path))
}

/// One file's change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The file, relative to the report's root.
    pub file: String,
    /// Its text now.
    pub before: String,
    /// Its text with every link pinned.
    pub after: String,
    /// What was pinned: the line and the fix's description, per link.
    pub pins: Vec<(usize, String)>,
}

/// Whether `file` is at or below one of `within` (empty: everywhere).
fn in_scope(file: &str, within: &[String]) -> bool {
    within.is_empty()
        || within
            .iter()
            .any(|scope| crate::registry::path::is_at_or_under(file, scope))
}

/// The findings in `within` that keep a link from being pinned: errors (a rev, repository or
/// path that is not there, a file that is no link) and links that could not be verified. `pin`
/// leaves those files as they are and says why, file by file.
pub fn left_alone<'r>(report: &'r Report, within: &[String]) -> Vec<&'r crate::finding::Finding> {
    report
        .findings
        .iter()
        .filter(|f| in_scope(&f.file, within))
        // An unpinned rev is what `pin` fixes, an error though it is in production files.
        .filter(|f| f.rule != rules::link_unpinned_rev::RULE.id)
        .filter(|f| crate::policy::verdict::stops_a_write(f))
        .collect()
}

/// The changes that pin every unpinned link of `report` in files at or below one of `within`
/// (repository-relative files or folders; empty: everywhere).
pub fn plan(report: &Report, within: &[String]) -> Vec<Change> {
    let selected = |file: &str| in_scope(file, within);
    let mut changes: Vec<Change> = Vec::new();
    for finding in &report.findings {
        let Some(fix) = &finding.fix else { continue };
        if finding.rule != rules::link_unpinned_rev::RULE.id || !selected(&finding.file) {
            continue;
        }
        let Some(text) = report.sources.get(&finding.file) else {
            continue;
        };
        let index = match changes.iter().position(|c| c.file == finding.file) {
            Some(index) => index,
            None => {
                changes.push(Change {
                    file: finding.file.clone(),
                    before: text.clone(),
                    after: String::new(),
                    pins: Vec::new(),
                });
                changes.len() - 1
            }
        };
        changes[index]
            .pins
            .push((finding.span.start.line, fix.description.clone()));
    }
    for change in &mut changes {
        let edits = report
            .findings
            .iter()
            .filter(|f| f.file == change.file && f.rule == rules::link_unpinned_rev::RULE.id)
            .filter_map(|f| f.fix.as_ref())
            .flat_map(|fix| &fix.edits);
        change.after = crate::fix::apply(&change.before, edits);
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Span;

    #[test]
    fn writes_a_change_only_over_the_text_it_was_planned_on() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.mlem"), "rev: main\n").unwrap();
        let change = Change {
            file: "a.mlem".into(),
            before: "rev: main\n".into(),
            after: "rev: 111\n".into(),
            pins: Vec::new(),
        };
        write(dir.path(), &change).unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.path().join("a.mlem")).unwrap(),
            "rev: 111\n"
        );
        // Now the file is not what the change was planned on: it is left as it is.
        let again = write(dir.path(), &change).unwrap_err();
        assert!(matches!(again, Error::Changed { .. }), "{again}");
        assert_eq!(
            std::fs::read_to_string(dir.path().join("a.mlem")).unwrap(),
            "rev: 111\n"
        );
    }

    #[test]
    fn scopes_are_registry_relative_and_stay_inside_it() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("links/prod")).unwrap();
        let scopes = scopes(
            dir.path(),
            &[dir.path().join("links/prod"), dir.path().to_path_buf()],
        );
        assert_eq!(scopes.unwrap(), ["links/prod", ""]);
        let outside = tempfile::tempdir().unwrap();
        let refused = super::scopes(dir.path(), &[outside.path().to_path_buf()]).unwrap_err();
        assert!(matches!(refused, Error::Outside { .. }), "{refused}");
    }
    use crate::finding::{Edit, Fix};

    fn unpinned(file: &str, text: &str, at: &str, sha: &str) -> crate::finding::Finding {
        let start = text.find(at).unwrap();
        let span = Span::from_bytes(text, start, start + at.len());
        rules::link_unpinned_rev::RULE
            .finding(file, span, "moves")
            .with_fix(Some(Fix {
                description: format!("pin to {sha}"),
                edits: vec![Edit {
                    span,
                    text: sha.into(),
                }],
            }))
    }

    #[test]
    fn pins_every_link_of_a_file_in_one_change_within_the_scope() {
        let text = "a:\n  rev: main\nb:\n  rev: dev\n";
        let mut report = Report::default();
        report.sources.insert("x/a.mlem".into(), text.into());
        report
            .sources
            .insert("y/b.mlem".into(), "rev: main\n".into());
        report.findings = vec![
            unpinned("x/a.mlem", text, "main", "111"),
            unpinned("x/a.mlem", text, "dev", "222"),
            unpinned("y/b.mlem", "rev: main\n", "main", "333"),
        ];
        let changes = plan(&report, &["x".into()]);
        assert_eq!(changes.len(), 1);
        assert_eq!(changes[0].after, "a:\n  rev: 111\nb:\n  rev: 222\n");
        assert_eq!(changes[0].pins.len(), 2);
        assert_eq!(plan(&report, &[]).len(), 2);
        assert!(
            plan(&report, &["x/a".into()]).is_empty(),
            "a prefix is not a folder"
        );
    }
}
