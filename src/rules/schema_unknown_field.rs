//! `schema/unknown-field`: a link has a top-level key MLEM does not know; likely a typo.

use super::{Rule, Trigger};
use crate::finding::{Finding, Span};
use crate::mlem::locate::Locator;
use crate::schema::{Issue, IssueKind};

/// The rule.
pub static RULE: Rule = Rule {
    id: "schema/unknown-field",
    severity: crate::finding::Severity::Warning,
    summary: "a link has a field MLEM does not know",
    explain: "\
A link has a key that is not one of MLEM's link fields (`object_type`, `link_type`, `path`,
`project` or `repo`, `rev`, `params`). MLEM ignores unknown fields, so the link may still load,
but the key is most often a typo (`revision:` for `rev:`, `projet:` for `project:`) and the
value the author meant has no effect: the link then points at the default branch, or at a file
in the registry itself.

Fix: rename the key to the field you meant, or remove it.

A file with more than 100 unknown fields has the first 100 listed, in the file's order, and one
more finding that counts the rest.",
    trigger: Trigger::Schema(judge),
};

/// The finding for the unknown `field`, whose key is at `span`.
pub fn finding(file: &str, span: Span, field: &str) -> Finding {
    RULE.finding(file, span, format!("unknown field `{field}` in a link"))
        .with_help(
            "link fields are object_type, link_type, path, project (or repo), rev and params",
        )
}

/// Fires for each schema issue of this rule's kind.
fn judge(file: &str, locator: &Locator<'_>, issue: &Issue) -> Option<Finding> {
    match &issue.kind {
        IssueKind::UnknownField(name) => {
            Some(finding(file, locator.span(&issue.route, issue.part), name))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::findings_of;

    #[test]
    fn a_typo_is_a_warning_on_its_key() {
        let found = findings_of(
            "schema/unknown-field",
            &[(
                "a.mlem",
                "object_type: link\nlink_type: model\npath: m.mlem\nrevision: v1\n",
            )],
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].severity, crate::finding::Severity::Warning);
        assert_eq!(found[0].span.start.line, 4);
        assert_eq!(found[0].span.end.column, 9);
    }

    #[test]
    fn a_flood_of_unknown_fields_is_listed_in_file_order_then_counted() {
        use crate::policy::SCHEMA_FINDINGS_PER_FILE as LISTED;
        let mut text = String::from("object_type: link\nlink_type: model\npath: m.mlem\n");
        for i in 0..5_000 {
            text.push_str(&format!("k{i}: v\n"));
        }
        let found = findings_of("schema/unknown-field", &[("a.mlem", &text)]);
        assert_eq!(found.len(), LISTED + 1, "{:?}", found.last());
        for (i, finding) in found[..LISTED].iter().enumerate() {
            assert_eq!(finding.span.start.line, i + 4, "{finding:?}");
        }
        let more = &found[LISTED];
        let unlisted = 5_000 - LISTED;
        assert!(
            more.message
                .starts_with(&format!("{unlisted} more like this")),
            "{}",
            more.message
        );
        assert_eq!(more.span.start.line, LISTED + 4);
    }

    #[test]
    fn other_objects_may_have_any_fields() {
        let found = findings_of(
            "schema/unknown-field",
            &[("m.mlem", "object_type: model\nanything: goes\n")],
        );
        assert!(found.is_empty(), "{found:?}");
    }
}
