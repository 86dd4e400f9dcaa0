//! `link/not-mlem-object`: the link's target exists but is not a loadable MLEM object.

use super::{LinkFacts, Rule, Trigger};
use crate::finding::{Finding, Span};
use crate::resolve::Outcome;

/// The rule.
pub static RULE: Rule = Rule {
    id: "link/not-mlem-object",
    severity: crate::finding::Severity::Error,
    summary: "the link's target is not a MLEM object",
    explain: "\
The link's target file exists, but it is not a MLEM object: it is not YAML, not a mapping, has
no valid `object_type`, or is a binary artifact (a link to `models/rf` when only the pickled model
sits there). MLEM fails to load it.

Fix: point `path` at the object's metadata file (the `.mlem` file beside the artifact), or fix
the target file (its own findings say what is wrong with it).",
    trigger: Trigger::Link(judge),
};

/// The finding for a link (its `path` value at `span`) whose target `target` is not an object.
pub fn finding(file: &str, span: Span, target: &str, reason: &str) -> Finding {
    RULE.finding(
        file,
        span,
        format!("link target `{target}` is not a MLEM object: {reason}"),
    )
}

/// Fires when the target is a file but not a MLEM object.
fn judge(facts: &LinkFacts<'_, '_>) -> Option<Finding> {
    let Outcome::NotMlemObject { path, reason } = &facts.resolved.outcome else {
        return None;
    };
    Some(finding(facts.file, facts.path_span(), path, reason))
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::findings_of;

    #[test]
    fn broken_and_typeless_targets() {
        let found = findings_of(
            "link/not-mlem-object",
            &[
                ("broken.mlem", "object_type: [\n"),
                ("plain.mlem", "hello: world\n"),
                (
                    "a.mlem",
                    "object_type: link\nlink_type: model\npath: broken.mlem\n",
                ),
                (
                    "b.mlem",
                    "object_type: link\nlink_type: model\npath: plain\n",
                ),
            ],
        );
        let files: Vec<_> = found.iter().map(|f| f.file.as_str()).collect();
        assert_eq!(files, ["a.mlem", "b.mlem"], "{found:?}");
        assert!(found[0].message.contains("invalid YAML"), "{found:?}");
    }
}
