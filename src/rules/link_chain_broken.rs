//! `link/chain-broken`: the link's target is itself a link, in another repository, and a link
//! further down that chain is broken.

use super::{LinkFacts, Rule, Trigger};
use crate::finding::{Finding, Span};
use crate::resolve::ChainProblem;

/// The rule.
pub static RULE: Rule = Rule {
    id: "link/chain-broken",
    severity: crate::finding::Severity::Error,
    summary: "a link further down the chain is broken",
    explain: "\
The link's own target exists, but it is a link too, in a repository the registry does not
check, and following the chain reaches a link that is broken: its repository, rev or path is
missing, or what it points at is not a MLEM object. Loading the registry's link in production
follows the same chain and fails there.

The message shows the chain, ending at the broken link, and what is wrong with it.

Fix: point the registry's link past the chain at the object itself, or have the chain fixed.",
    trigger: Trigger::Link(judge),
};

/// The finding for a link (its `path` value at `span`) whose chain breaks at its last element.
pub fn finding(file: &str, span: Span, chain: &[String], why: &str) -> Finding {
    RULE.finding(
        file,
        span,
        format!("the chain of links breaks: {}: {why}", chain.join(" -> ")),
    )
}

/// Fires when a hop past the first breaks (missing, unreadable, or not allowed).
fn judge(facts: &LinkFacts<'_, '_>) -> Option<Finding> {
    let Some(ChainProblem::Broken { chain, why }) = facts.chain_problem() else {
        return None;
    };
    Some(finding(facts.file, facts.path_span(), chain, why))
}

#[cfg(test)]
mod tests {
    use crate::mlem::ObjectType;
    use crate::resolve::{ChainProblem, Outcome};
    use crate::rules::testing::remote_findings;

    #[test]
    fn names_the_chain_and_the_break() {
        let outcome = Outcome::Found {
            path: "alias.mlem".into(),
            object_type: ObjectType::Model,
            chain: Some(ChainProblem::Broken {
                chain: vec!["org/a@v1:alias.mlem".into()],
                why: "repository `org/gone` not found".into(),
            }),
        };
        let found = remote_findings(
            "project: https://github.com/org/a\nrev: v1\n",
            outcome.into(),
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].rule, "link/chain-broken");
        assert!(
            found[0].message.contains("org/gone"),
            "{}",
            found[0].message
        );
        assert_eq!(found[0].span.start.line, 3);
    }
}
