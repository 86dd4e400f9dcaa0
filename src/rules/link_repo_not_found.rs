//! `link/repo-not-found`: the repository a link names does not exist, or cannot be read.

use super::{LinkFacts, Rule, Trigger};
use crate::finding::{Finding, Span};
use crate::resolve::Outcome;

/// The rule.
pub static RULE: Rule = Rule {
    id: "link/repo-not-found",
    severity: crate::finding::Severity::Error,
    summary: "the link's repository does not exist or cannot be read",
    explain: "\
The repository in the link's `project` (or `repo`) was not found. GitHub answers \"not found\"
both for a repository that does not exist and for a private one the token cannot read, so the
message says which token, if any, was used. A value that is not a repository address at all
(neither a GitHub URL, a git URL, nor a path) is reported here too.

Loading the link in production fails the same way.

Fix: correct the URL; for a private repository, run with GITHUB_TOKEN (or GH_TOKEN, or
--token-env NAME) set to a token that can read it.",
    trigger: Trigger::Link(judge),
};

/// The finding for a link whose repository `repo` (at `span`) was not found.
pub fn finding(file: &str, span: Span, repo: &str, hint: Option<&str>) -> Finding {
    let finding = RULE.finding(file, span, format!("repository `{repo}` not found"));
    match hint {
        Some(hint) => finding.with_help(hint),
        None => finding,
    }
}

/// Fires when the link's repository does not exist, or the token cannot read it.
fn judge(facts: &LinkFacts<'_, '_>) -> Option<Finding> {
    let Outcome::RepoNotFound { repo, hint } = &facts.resolved.outcome else {
        return None;
    };
    Some(finding(
        facts.file,
        facts.repo_span(),
        repo,
        hint.as_deref(),
    ))
}

#[cfg(test)]
mod tests {
    use crate::resolve::Outcome;
    use crate::rules::testing::remote_findings;

    #[test]
    fn points_at_the_repository_value_with_the_hint() {
        let outcome = Outcome::RepoNotFound {
            repo: "https://github.com/org/gone".into(),
            hint: Some("if it is private, set GITHUB_TOKEN".into()),
        };
        let found = remote_findings("project: https://github.com/org/gone\n", outcome.into());
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].rule, "link/repo-not-found");
        assert_eq!(
            (found[0].span.start.line, found[0].span.start.column),
            (4, 10)
        );
        assert!(found[0].help.as_deref().unwrap().contains("GITHUB_TOKEN"));
    }
}
