//! `link/type-mismatch`: the link's `link_type` differs from the target's `object_type`.

use super::{LinkFacts, Rule, Trigger};
use crate::finding::{Finding, Span};
use crate::resolve::Outcome;

/// The rule.
pub static RULE: Rule = Rule {
    id: "link/type-mismatch",
    severity: crate::finding::Severity::Error,
    summary: "the target's object_type is not the link's link_type",
    explain: "\
The link says it points at one kind of object (`link_type: model`) but the file it points at is
another kind (`object_type: data`). MLEM refuses to load such a link as the type it claims, and
a deployment that expects a model would be handed something else.

When the target is itself a link, its `link_type` is compared: a chain of links must agree on
the type all the way to the object at its end.

Fix: point `path` at the object you meant, or correct `link_type`.",
    trigger: Trigger::Link(judge),
};

/// The finding for a link (its `link_type` value at `span`) whose target `target` is a `found`.
pub fn finding(file: &str, span: Span, link_type: &str, target: &str, found: &str) -> Finding {
    RULE.finding(
        file,
        span,
        format!("link_type is `{link_type}`, but `{target}` is a `{found}` object"),
    )
    .with_help(format!(
        "set `link_type: {found}` or point `path` at a {link_type}"
    ))
}

/// Fires when the link lands on an object of another type than its `link_type`.
fn judge(facts: &LinkFacts<'_, '_>) -> Option<Finding> {
    let Outcome::Found {
        path, object_type, ..
    } = &facts.resolved.outcome
    else {
        return None;
    };
    let claimed = facts.link.link_type;
    (*object_type != claimed).then(|| {
        let span = facts.field_span("link_type");
        finding(
            facts.file,
            span,
            claimed.as_str(),
            path,
            object_type.as_str(),
        )
    })
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::findings_of;

    #[test]
    fn points_at_link_type() {
        let found = findings_of(
            "link/type-mismatch",
            &[
                ("data/iris.csv.mlem", "object_type: data\n"),
                (
                    "a.mlem",
                    "object_type: link\nlink_type: model\npath: data/iris.csv\n",
                ),
            ],
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].span.start.line, 2);
        assert!(found[0].message.contains("`data`"), "{found:?}");
    }

    #[test]
    fn a_chain_compares_the_next_links_type() {
        let found = findings_of(
            "link/type-mismatch",
            &[
                ("m.mlem", "object_type: model\n"),
                ("b.mlem", "object_type: link\nlink_type: model\npath: m\n"),
                ("a.mlem", "object_type: link\nlink_type: data\npath: b\n"),
                ("ok.mlem", "object_type: link\nlink_type: model\npath: b\n"),
            ],
        );
        let files: Vec<_> = found.iter().map(|f| f.file.as_str()).collect();
        assert_eq!(files, ["a.mlem"], "{found:?}");
    }
}
