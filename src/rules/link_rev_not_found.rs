//! `link/rev-not-found`: the link's `rev` is no branch, tag or commit of its repository.

use super::{LinkFacts, Rule, Trigger};
use crate::finding::{Finding, Span};
use crate::resolve::Outcome;

/// The rule.
pub static RULE: Rule = Rule {
    id: "link/rev-not-found",
    severity: crate::finding::Severity::Error,
    summary: "the link's rev does not exist in its repository",
    explain: "\
The repository exists, but has no branch, tag or commit named by the link's `rev` (a full or
abbreviated commit id counts; annotated tags are followed to their commit). A link without `rev`
follows the default branch; an empty repository has none, which is reported here too.

Loading the link in production fails.

Fix: correct `rev`, or push the branch or tag it names.",
    trigger: Trigger::Link(judge),
};

/// The finding for a link whose `rev` (at `span`; `None`: no `rev`, the default branch) is not
/// in `repo`.
pub fn finding(file: &str, span: Span, repo: &str, rev: Option<&str>) -> Finding {
    RULE.finding(file, span, crate::resolve::missing_rev(repo, rev))
}

/// Fires when the repository has no such rev.
fn judge(facts: &LinkFacts<'_, '_>) -> Option<Finding> {
    let Outcome::RevNotFound { repo, rev } = &facts.resolved.outcome else {
        return None;
    };
    Some(finding(facts.file, facts.rev_span(), repo, rev.as_deref()))
}

#[cfg(test)]
mod tests {
    use crate::resolve::Outcome;
    use crate::rules::testing::remote_findings;

    #[test]
    fn points_at_the_rev() {
        let outcome = Outcome::RevNotFound {
            repo: "https://github.com/org/models".into(),
            rev: Some("v9".into()),
        };
        let found = remote_findings(
            "project: https://github.com/org/models\nrev: v9\n",
            outcome.into(),
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].rule, "link/rev-not-found");
        assert_eq!(
            (found[0].span.start.line, found[0].span.start.column),
            (5, 6)
        );
    }
}
