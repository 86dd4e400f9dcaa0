//! `schema/invalid`: the file breaks the JSON Schema of MLEM objects or links in `schemas/`.

use super::{Rule, Trigger};
use crate::finding::{Finding, Span};
use crate::mlem::locate::Locator;
use crate::schema::{Issue, IssueKind};

/// The rule.
pub static RULE: Rule = Rule {
    id: "schema/invalid",
    severity: crate::finding::Severity::Error,
    summary: "the object does not match its JSON Schema",
    explain: "\
The file is YAML but not a valid MLEM object: it breaks `schemas/object.schema.json` (every
MLEM file: a mapping with a known `object_type`) or `schemas/link.schema.json` (links, including
links embedded in other objects such as a deployment's `model_link`).

Typical causes: a missing `path` or `link_type`, a `link_type` that is not a MLEM object type,
a number where a string belongs, both `repo` and `project` in one link, a `rev` without a
repository, a file that is a list or a scalar instead of a mapping.

Fix: correct the value at the reported position. `mlem-registry schema link` prints the link
schema; point yaml-language-server at it to see these errors in your editor.

A file with more than 100 of these has the first 100 listed, in the file's order, and one more
finding that counts the rest.",
    trigger: Trigger::Schema(judge),
};

/// The finding for a schema violation at `span`.
pub fn finding(file: &str, span: Span, message: String) -> Finding {
    RULE.finding(file, span, message)
}

/// Fires for each schema issue of this rule's kind.
fn judge(file: &str, locator: &Locator<'_>, issue: &Issue) -> Option<Finding> {
    match &issue.kind {
        IssueKind::Invalid(message) => Some(finding(
            file,
            locator.span(&issue.route, issue.part),
            message.clone(),
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::findings_of;

    #[test]
    fn a_missing_path_points_at_the_link() {
        let found = findings_of(
            "schema/invalid",
            &[("a.mlem", "object_type: link\nlink_type: model\n")],
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].message.contains("path"), "{found:?}");
    }

    #[test]
    fn a_bad_value_points_at_its_key() {
        let found = findings_of(
            "schema/invalid",
            &[(
                "a.mlem",
                "object_type: link\nlink_type: modle\npath: m.mlem\n",
            )],
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].span.start.line, 2);
        assert!(found[0].message.contains("link_type"), "{found:?}");
    }

    #[test]
    fn a_list_is_not_a_mlem_object() {
        let found = findings_of("schema/invalid", &[("a.mlem", "- object_type: link\n")]);
        assert_eq!(found.len(), 1, "{found:?}");
    }

    #[test]
    fn embedded_links_are_checked_too() {
        let found = findings_of(
            "schema/invalid",
            &[(
                "d.mlem",
                "object_type: deployment\nmodel_link:\n  object_type: link\n  path: rf\n",
            )],
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].message.contains("link_type"), "{found:?}");
        assert_eq!(found[0].span.start.line, 2);
    }

    #[test]
    fn repo_and_project_together_are_invalid() {
        let found = findings_of(
            "schema/invalid",
            &[(
                "a.mlem",
                "object_type: link\nlink_type: model\npath: m\nrepo: https://github.com/a/b\nproject: https://github.com/a/b\n",
            )],
        );
        assert_eq!(found.len(), 1, "{found:?}");
    }
}
