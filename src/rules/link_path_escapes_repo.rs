//! `link/path-escapes-repo`: a relative link points outside the registry repository.

use super::{LinkFacts, Rule, Trigger};
use crate::finding::{Finding, Span};
use crate::resolve::Outcome;

/// The rule.
pub static RULE: Rule = Rule {
    id: "link/path-escapes-repo",
    severity: crate::finding::Severity::Error,
    summary: "a relative link leaves the repository",
    explain: "\
A link with no `project`/`repo` points inside the registry repository, but this `path` leaves it:
it is absolute, climbs out with `..`, or passes through a symbolic link that points outside.
What it loads then depends on the machine it runs on, not on what reviewers approved. Nothing
outside the repository is read to check it.

Fix: use a path relative to the repository root, or point at another repository with `project`
and `rev`.",
    trigger: Trigger::Link(judge),
};

/// The finding for a link whose `path` value (at `span`) leaves the repository, and why.
pub fn finding(file: &str, span: Span, path: &str, why: &str) -> Finding {
    RULE.finding(
        file,
        span,
        format!("link path `{path}` leaves the repository: {why}"),
    )
}

/// Fires when the target's path leaves its repository.
fn judge(facts: &LinkFacts<'_, '_>) -> Option<Finding> {
    let Outcome::Escapes { why } = &facts.resolved.outcome else {
        return None;
    };
    Some(finding(
        facts.file,
        facts.path_span(),
        &facts.link.path,
        why,
    ))
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::findings_of;

    #[test]
    fn dot_dot_and_absolute_paths_escape() {
        let found = findings_of(
            "link/path-escapes-repo",
            &[
                ("m.mlem", "object_type: model\n"),
                (
                    "a.mlem",
                    "object_type: link\nlink_type: model\npath: ../../etc/passwd\n",
                ),
                (
                    "b.mlem",
                    "object_type: link\nlink_type: model\npath: /etc/passwd\n",
                ),
                (
                    "c.mlem",
                    "object_type: link\nlink_type: model\npath: sub/../m\n",
                ),
            ],
        );
        let files: Vec<_> = found.iter().map(|f| f.file.as_str()).collect();
        assert_eq!(files, ["a.mlem", "b.mlem"], "{found:?}");
    }
}
