//! `link/repo-archived`: the link's repository is archived on GitHub.

use super::{LinkFacts, Rule, Trigger};
use crate::finding::{Finding, Span};
use crate::resolve::Advisory;

/// The rule.
pub static RULE: Rule = Rule {
    id: "link/repo-archived",
    severity: crate::finding::Severity::Warning,
    summary: "the link's repository is archived",
    explain: "\
The repository the link points into is archived on GitHub: it is read-only, so the link still
resolves, but its models get no fixes, no retraining and no security updates, and its owners
have said they no longer maintain it.

Fix: point the link at a maintained repository (a fork or the project's successor), or, if the
archived model is wanted as it is, pin `rev` to a tag or commit and accept the warning.",
    trigger: Trigger::Link(judge),
};

/// The finding for a link (its repository at `span`) into `repo`, which is archived.
pub fn finding(file: &str, span: Span, repo: &str) -> Finding {
    RULE.finding(file, span, format!("repository `{repo}` is archived"))
        .with_help("it is read-only and its models get no fixes: link to a maintained repository")
}

/// Fires when the link's repository is archived.
fn judge(facts: &LinkFacts<'_, '_>) -> Option<Finding> {
    facts
        .resolved
        .advisories
        .iter()
        .find_map(|advisory| match advisory {
            Advisory::Archived { repo } => Some(finding(facts.file, facts.repo_span(), repo)),
            _ => None,
        })
}

#[cfg(test)]
mod tests {
    use crate::resolve::Advisory;
    use crate::rules::testing::{found_with, remote_findings};

    #[test]
    fn names_the_archived_repository() {
        let resolved = found_with(vec![Advisory::Archived {
            repo: "org/old".into(),
        }]);
        let found = remote_findings("project: https://github.com/org/old\nrev: v1\n", resolved);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].rule, "link/repo-archived");
        assert!(found[0].message.contains("`org/old`"));
        assert_eq!(found[0].span.start.line, 4);
    }
}
