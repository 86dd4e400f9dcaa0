//! `config/changed`: the change edits the registry's policy, which it cannot apply to itself.

use super::{Rule, Trigger};
use crate::finding::{Finding, Span};

/// The rule.
pub static RULE: Rule = Rule {
    id: "config/changed",
    severity: crate::finding::Severity::Warning,
    summary: "the change edits .mlem-registry.toml; the check used the base revision's policy",
    explain: "\
When mlem-registry judges a change (a pull request in the Action, `--changed-since`, the git
hooks), the policy that decides (`allowed_hosts`, `allowed_owners`, `[hosts]` and their tokens,
`production`, `ignore`, `[severity]`) is read from the base revision, the way GitHub reads
CODEOWNERS from the base branch. A change could otherwise allow its own links, send a token to a
host it names, or switch off the rule that would have caught it.

So a change to `.mlem-registry.toml` (added, edited, deleted, or a new one in a subfolder) does
not apply to the change that makes it. This finding names the keys that would change, so the
reviewers see that the pull request also changes the policy.

Fix: nothing, if the policy change is intended: it takes effect once merged. To check links that
need the new policy, merge the policy change first, on its own.",
    trigger: Trigger::Elsewhere("crate::config::change::PolicyChange::finding"),
};

/// The finding for the config file `file` that the change adds, edits or deletes; `what` says
/// how and which keys.
pub fn finding(file: &str, span: Span, what: &str) -> Finding {
    RULE.finding(
        file,
        span,
        format!("this change {what}: the check used the base revision's policy"),
    )
    .with_help("the new policy applies once the change lands; for links that need it, land the policy change on its own first (its own commit, push or pull request)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn says_what_changes_and_which_policy_was_used() {
        let f = finding(
            ".mlem-registry.toml",
            Span::file_start(),
            "edits `allowed_hosts` in .mlem-registry.toml",
        );
        assert_eq!(f.rule, "config/changed");
        assert!(f.message.contains("`allowed_hosts`"), "{}", f.message);
        assert!(f.message.contains("base revision"), "{}", f.message);
    }
}
