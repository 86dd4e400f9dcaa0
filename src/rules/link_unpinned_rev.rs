//! `link/unpinned-rev`: the link follows a branch, so what production loads can change under it.

use super::{LinkFacts, Rule, Trigger};
use crate::finding::{Finding, Span};
use crate::resolve::Advisory;

/// The rule.
pub static RULE: Rule = Rule {
    id: "link/unpinned-rev",
    severity: crate::finding::Severity::Warning,
    summary: "the link's rev is a branch (or absent), so its target can move",
    explain: "\
The registry's pull request is the release decision, but a link whose `rev` is a branch (or
that has no `rev`, and so follows the default branch) lets anyone who can push to that branch
change what production loads, with no change to the registry and no review.

The message names the commit the branch points at now.

Fix: pin `rev` to that commit id, or to a tag.",
    trigger: Trigger::Link(judge),
};

/// The finding for a link whose rev (`None`: absent; at `span`) follows `branch`, now at `commit`.
pub fn finding(file: &str, span: Span, rev: Option<&str>, branch: &str, commit: &str) -> Finding {
    let message = match rev {
        Some(_) => format!("rev `{branch}` is a branch, now at {commit}"),
        None => format!("no rev: the link follows the default branch `{branch}`, now at {commit}"),
    };
    RULE.finding(file, span, message)
        .with_help(format!("pin it: `rev: {commit}`"))
}

/// Fires when the link's rev is a branch (or absent): what it loads moves. Its fix pins the
/// commit the branch points at now.
fn judge(facts: &LinkFacts<'_, '_>) -> Option<Finding> {
    let (rev, branch, commit) =
        facts
            .resolved
            .advisories
            .iter()
            .find_map(|advisory| match advisory {
                Advisory::Unpinned {
                    rev,
                    branch,
                    commit,
                } => Some((rev, branch, commit)),
                _ => None,
            })?;
    let fix = crate::fix::pin(facts.locator, facts.link, commit).map(|edit| crate::finding::Fix {
        description: format!("pin `rev` to {commit}, the commit branch `{branch}` points at now"),
        edits: vec![edit],
    });
    Some(finding(facts.file, facts.rev_span(), rev.as_deref(), branch, commit).with_fix(fix))
}

#[cfg(test)]
mod tests {
    use crate::resolve::{Advisory, Resolved};
    use crate::rules::testing::{found_with, remote_findings};

    fn resolved(rev: Option<&str>) -> Resolved {
        found_with(vec![Advisory::Unpinned {
            rev: rev.map(str::to_owned),
            branch: "main".into(),
            commit: "0123456789abcdef0123456789abcdef01234567".into(),
        }])
    }

    #[test]
    fn points_at_the_branch_and_names_the_commit() {
        let found = remote_findings(
            "project: https://github.com/org/m\nrev: main\n",
            resolved(Some("main")),
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].rule, "link/unpinned-rev");
        assert_eq!(found[0].span.start.line, 5);
        assert!(
            found[0]
                .help
                .as_deref()
                .unwrap()
                .contains("0123456789abcdef")
        );
    }

    #[test]
    fn carries_the_edit_that_pins_it() {
        let found = remote_findings(
            "project: https://github.com/org/m\nrev: main\n",
            resolved(Some("main")),
        );
        let fix = found[0].fix.as_ref().expect("a fix");
        assert_eq!(fix.edits.len(), 1);
        assert_eq!(
            fix.edits[0].text,
            "0123456789abcdef0123456789abcdef01234567"
        );
        assert_eq!(
            fix.edits[0].span, found[0].span,
            "the rev's value is replaced"
        );
    }

    #[test]
    fn a_missing_rev_points_at_the_repository() {
        let found = remote_findings("project: https://github.com/org/m\n", resolved(None));
        assert_eq!(found[0].span.start.line, 4);
        assert!(found[0].message.contains("default branch `main`"));
    }
}
