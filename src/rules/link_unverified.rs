//! `link/unverified`: a link whose target could not be checked, so nothing is claimed about it.

use super::{LinkFacts, Remote, Rule, Trigger};
use crate::finding::{Finding, Span};
use crate::resolve::Outcome;

/// The rule.
pub static RULE: Rule = Rule {
    id: "link/unverified",
    severity: crate::finding::Severity::Warning,
    summary: "the link's target could not be checked",
    explain: "\
The link points at another repository and its target was not checked, so the link is neither
passed nor failed. With `--offline` no network is used and every link to another repository is
listed this way (as a note); otherwise it means the target could not be reached in time (network
errors, GitHub rate limits) after retries, the run's `--timeout` (300 s) was up first, a request or
a git remote's ref listing took longer than `--request-timeout` (30 s), or an answer was too large
to read (over 8 MiB from GitHub, 16 MiB of refs from a git remote).

An unverified link is never reported as broken.

Fix: run again without `--offline`, or later when the network or the rate limit allows, or with
a longer `--timeout` / `--request-timeout` when a slow host is expected.",
    trigger: Trigger::Link(judge),
};

/// The finding for a link to `target` (its `project`/`repo` value at `span`) left unchecked.
pub fn finding(file: &str, span: Span, target: &str, why: &str) -> Finding {
    RULE.finding(
        file,
        span,
        format!("link to `{target}` not verified: {why}"),
    )
}

/// Fires when the target could not be looked up: a note when the run was `--offline` by choice,
/// a warning when the network failed it.
fn judge(facts: &LinkFacts<'_, '_>) -> Option<Finding> {
    let Outcome::Unverified { target, why } = &facts.resolved.outcome else {
        return None;
    };
    let finding = finding(facts.file, facts.repo_span(), target, why);
    Some(match facts.remote {
        Remote::Offline => finding.with_severity(crate::finding::Severity::Note),
        Remote::Online => finding,
    })
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::findings_of;

    #[test]
    fn remote_links_are_listed_offline() {
        let found = findings_of(
            "link/unverified",
            &[(
                "rf.mlem",
                "link_type: model\nobject_type: link\npath: models/rf.mlem\nrepo: https://github.com/iterative/example-mlem-get-started/\nrev: main\n",
            )],
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].span.start.line, 4);
        assert_eq!(found[0].span.start.column, 7);
    }
}
