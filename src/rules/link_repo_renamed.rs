//! `link/repo-renamed`: the link names a repository by an old name that GitHub redirects.

use super::{LinkFacts, Rule, Trigger};
use crate::finding::{Finding, Span};
use crate::resolve::Advisory;

/// The rule.
pub static RULE: Rule = Rule {
    id: "link/repo-renamed",
    severity: crate::finding::Severity::Warning,
    summary: "the link's repository was renamed or moved",
    explain: "\
GitHub redirects a renamed or transferred repository's old name to the new one, so the link
still resolves today. The redirect lasts only until someone creates a repository under the old
name, and then the link silently points somewhere else.

Fix: write the repository's current name, which the message gives.",
    trigger: Trigger::Link(judge),
};

/// The finding for a link naming `from` (at `span`), which GitHub now calls `to`.
pub fn finding(file: &str, span: Span, from: &str, to: &str) -> Finding {
    RULE.finding(
        file,
        span,
        format!("repository `{from}` was renamed to `{to}`"),
    )
    .with_help(format!(
        "write `{to}`: GitHub's redirect from the old name can be taken over"
    ))
}

/// Fires when the link's repository answers under another name.
fn judge(facts: &LinkFacts<'_, '_>) -> Option<Finding> {
    facts
        .resolved
        .advisories
        .iter()
        .find_map(|advisory| match advisory {
            Advisory::Renamed { from, to } => {
                Some(finding(facts.file, facts.repo_span(), from, to))
            }
            _ => None,
        })
}

#[cfg(test)]
mod tests {
    use crate::resolve::Advisory;
    use crate::rules::testing::{found_with, remote_findings};

    #[test]
    fn names_the_new_repository() {
        let resolved = found_with(vec![Advisory::Renamed {
            from: "org/old".into(),
            to: "org/new".into(),
        }]);
        let found = remote_findings("project: https://github.com/org/old\nrev: v1\n", resolved);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].rule, "link/repo-renamed");
        assert!(found[0].message.contains("`org/new`"));
        assert_eq!(found[0].span.start.line, 4);
    }
}
