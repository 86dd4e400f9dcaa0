//! `pin`: makes links immutable. Each link whose `rev` is a branch (or absent) gets the commit
//! that branch points at now, through the same edit `link/unpinned-rev` findings carry.

use crate::report::Report;
use crate::rules;

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

/// The changes that pin every unpinned link of `report` in files at or below one of `within`
/// (repository-relative files or folders; empty: everywhere).
pub fn plan(report: &Report, within: &[String]) -> Vec<Change> {
    let selected = |file: &str| {
        within.is_empty()
            || within.iter().any(|scope| {
                scope.is_empty()
                    || file == scope
                    || file.starts_with(&format!("{}/", scope.trim_end_matches('/')))
            })
    };
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
    use crate::fix::{Edit, Fix};

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
