//! `link/target-deleted`: a change deletes a file that links still point at.

use super::{Rule, Trigger};
use crate::finding::{Finding, Span};

/// The rule.
pub static RULE: Rule = Rule {
    id: "link/target-deleted",
    severity: crate::finding::Severity::Error,
    summary: "the change deletes a file this link points at",
    explain: "\
In the modes that check a change (`--changed-since REV`, the Action on a pull request, the git
hooks), every link that reaches a file the change touches is judged as a full check would judge
it, whether or not the link file itself is part of the change: the link, and every link in a
chain that leads to it. When the change deletes (or moves) the file a link points at, that link
is broken once the change lands; this finding says so on the link, naming the deleted file.

Fix: update or remove the links that point at the deleted file, or keep the file.",
    trigger: Trigger::Elsewhere("crate::check::reaching::name_deleted_targets"),
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
    use crate::check::{Options, check_files, links_reaching};
    use crate::registry::memory::MemoryTree;

    #[test]
    fn links_reaching_a_deleted_file_are_checked_and_say_why_they_break() {
        let tree = MemoryTree::new([
            ("changed.mlem", b"object_type: model\n".to_vec()),
            (
                "uses-gbt.mlem",
                b"link_type: model\nobject_type: link\npath: models/gbt\n".to_vec(),
            ),
            (
                // The stem spelled with a YAML escape: not in the bytes, still a link to it.
                "escaped.mlem",
                b"link_type: model\nobject_type: link\npath: \"models/g\\x62t\"\n".to_vec(),
            ),
            (
                "via-uses-gbt.mlem",
                b"link_type: model\nobject_type: link\npath: uses-gbt\n".to_vec(),
            ),
            (
                "uses-rf.mlem",
                b"link_type: model\nobject_type: link\npath: models/rf\n".to_vec(),
            ),
            ("models/rf.mlem", b"object_type: model\n".to_vec()),
        ]);
        let checked = vec!["changed.mlem".to_owned()];
        let deleted = vec!["models/gbt.mlem".to_owned()];
        let touched = [checked.clone(), deleted.clone()].concat();
        let mut index = crate::registry::link_index::LinkIndex::default();
        let reaching = links_reaching(&tree, &checked, &touched, &tree, &mut index);
        assert_eq!(
            reaching,
            ["escaped.mlem", "uses-gbt.mlem", "via-uses-gbt.mlem"]
        );
        let files = [checked, reaching].concat();
        let report = check_files(&tree, files, &deleted, &Options::default(), &|_| {});
        let found: Vec<_> = report
            .findings
            .iter()
            .filter(|f| f.rule != "link/duplicate-target")
            .map(|f| (f.rule, f.file.as_str(), f.span.start.line))
            .collect();
        // As a full check: the chain through `uses-gbt` is reported where it breaks.
        assert_eq!(
            found,
            [
                ("link/target-deleted", "escaped.mlem", 3),
                ("link/target-deleted", "uses-gbt.mlem", 3)
            ]
        );
        assert!(report.sources.contains_key("uses-gbt.mlem"));
    }
}
