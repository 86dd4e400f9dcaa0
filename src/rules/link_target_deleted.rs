//! `link/target-deleted`: a change deletes a file that links still point at.

use super::Rule;
use crate::finding::{Finding, Span};

/// The rule.
pub static RULE: Rule = Rule {
    id: "link/target-deleted",
    severity: crate::finding::Severity::Note,
    summary: "the change deletes a file this link points at",
    explain: "\
With `--changed-since REV`, only the files the change adds or modifies are checked. When the
change deletes a `.mlem` file, the links that still point at it are not part of the change, so
they are reported here, on the link, for the reviewer to see what the deletion breaks.

Fix: update or remove the links that point at the deleted file, or keep the file.",
};

/// The finding for a link (its `path` value at `span`) whose target `target` the change deletes.
pub fn finding(file: &str, span: Span, target: &str) -> Finding {
    RULE.finding(
        file,
        span,
        format!("points at `{target}`, which this change deletes"),
    )
}

#[cfg(test)]
mod tests {
    use crate::check::{Options, check_files};
    use crate::registry::memory::MemoryTree;

    #[test]
    fn links_outside_the_change_to_a_deleted_file_get_a_note() {
        let tree = MemoryTree::new([
            ("changed.mlem", b"object_type: model\n".to_vec()),
            (
                "uses-gbt.mlem",
                b"link_type: model\nobject_type: link\npath: models/gbt\n".to_vec(),
            ),
            (
                "uses-rf.mlem",
                b"link_type: model\nobject_type: link\npath: models/rf\n".to_vec(),
            ),
            ("models/rf.mlem", b"object_type: model\n".to_vec()),
        ]);
        let report = check_files(
            &tree,
            &["changed.mlem".into()],
            &["models/gbt.mlem".into()],
            &Options::default(),
            &|_| {},
        );
        let notes: Vec<_> = report
            .findings
            .iter()
            .map(|f| (f.rule, f.file.as_str(), f.span.start.line))
            .collect();
        assert_eq!(notes, [("link/target-deleted", "uses-gbt.mlem", 3)]);
        assert!(report.sources.contains_key("uses-gbt.mlem"));
    }
}
