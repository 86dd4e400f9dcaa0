//! `link/cycle`: following links comes back to a link already visited.

use super::{LinkFacts, Rule, Trigger};
use crate::finding::{Finding, Span};
use crate::resolve::ChainProblem;

/// The rule.
pub static RULE: Rule = Rule {
    id: "link/cycle",
    severity: crate::finding::Severity::Error,
    summary: "links point at each other in a circle",
    explain: "\
Following the link (to its target, and on through every target that is itself a link) comes
back to a link already visited, so it never reaches an object. MLEM would follow it until its
recursion limit and fail.

The message shows the whole cycle.

Fix: point one of the links in the cycle at the object itself.",
    trigger: Trigger::Link(judge),
};

/// The finding for a link (its `path` value at `span`) that starts the cycle `chain`.
pub fn finding(file: &str, span: Span, chain: &[String]) -> Finding {
    RULE.finding(file, span, format!("link cycle: {}", chain.join(" -> ")))
}

/// Fires when the chain behind the link comes back to a file it passed.
fn judge(facts: &LinkFacts<'_, '_>) -> Option<Finding> {
    let Some(ChainProblem::Cycle(chain)) = facts.chain_problem() else {
        return None;
    };
    Some(finding(facts.file, facts.path_span(), chain))
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::findings_of;

    #[test]
    fn both_ends_of_a_cycle_are_reported() {
        let found = findings_of(
            "link/cycle",
            &[
                ("a.mlem", "object_type: link\nlink_type: model\npath: b\n"),
                ("b.mlem", "object_type: link\nlink_type: model\npath: a\n"),
            ],
        );
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(found[0].message, "link cycle: a.mlem -> b.mlem -> a.mlem");
    }

    #[test]
    fn a_link_to_itself_is_a_cycle() {
        let found = findings_of(
            "link/cycle",
            &[(
                "a.mlem",
                "object_type: link\nlink_type: link\npath: a.mlem\n",
            )],
        );
        assert_eq!(found.len(), 1, "{found:?}");
    }
}
