//! `link/path-not-found`: a link points at a path where no MLEM file exists.

use super::{LinkFacts, Rule, Trigger};
use crate::finding::{Finding, Span};
use crate::resolve::Outcome;

/// The rule.
pub static RULE: Rule = Rule {
    id: "link/path-not-found",
    severity: crate::finding::Severity::Error,
    summary: "the link's target path does not exist",
    explain: "\
No MLEM file exists where the link points. MLEM looks for the target as it is written (when it
ends in `.mlem`), then with `.mlem` appended, then in MLEM 0.2's layout
`.mlem/<link_type>/<path>.mlem`; the message lists every place that was tried.

A relative link (no `project`/`repo`) is looked up inside the registry repository, at the same
revision being checked, relative to the repository root. A link to another repository is looked
up in that repository at its `rev` (below the folder of a `tree/REV/SUBDIR` URL); the message
names both. Loading the link in production fails.

Fix: correct `path`, restore the target, or, if the target moved to another repository, add
`project` and `rev` so the link points there.",
    trigger: Trigger::Link(judge),
};

/// The finding for a link whose `path` (at `span`) was looked for at each of `tried`, `within`
/// another repository ("`REPO` at `REV`") or in the registry.
pub fn finding(
    file: &str,
    span: Span,
    path: &str,
    tried: &[String],
    within: Option<&str>,
) -> Finding {
    let within = within.map_or(String::new(), |w| format!(" in {w}"));
    RULE.finding(
        file,
        span,
        format!(
            "link target `{path}` not found{within} (tried {})",
            tried.join(", ")
        ),
    )
}

/// Fires when no file is at any place the target may be.
fn judge(facts: &LinkFacts<'_, '_>) -> Option<Finding> {
    let Outcome::NotFound { tried, within } = &facts.resolved.outcome else {
        return None;
    };
    let path = &facts.link.path;
    Some(finding(
        facts.file,
        facts.path_span(),
        path,
        tried,
        within.as_deref(),
    ))
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::findings_of;

    const MODEL: &str = "object_type: model\n";

    #[test]
    fn finds_targets_with_and_without_the_suffix() {
        let found = findings_of(
            "link/path-not-found",
            &[
                ("models/rf.mlem", MODEL),
                (
                    "a.mlem",
                    "object_type: link\nlink_type: model\npath: models/rf\n",
                ),
                (
                    "b.mlem",
                    "object_type: link\nlink_type: model\npath: models/rf.mlem\n",
                ),
                (
                    "c.mlem",
                    "object_type: link\nlink_type: model\npath: models/gone\n",
                ),
            ],
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].file, "c.mlem");
        assert_eq!(found[0].span.start.line, 3);
        assert_eq!(found[0].span.start.column, 7);
        assert!(found[0].message.contains("models/gone.mlem"), "{found:?}");
        assert!(
            found[0].message.contains(".mlem/model/models/gone.mlem"),
            "{found:?}"
        );
    }

    #[test]
    fn mlem_0_2_layout_is_found() {
        let found = findings_of(
            "link/path-not-found",
            &[
                (".mlem/model/rf.mlem", MODEL),
                (".mlem/env/staging.mlem", "object_type: env\n"),
                (
                    ".mlem/deployment/svc.mlem",
                    "object_type: deployment\nenv_link:\n  link_type: env\n  object_type: link\n  path: staging\nmodel_link:\n  link_type: model\n  object_type: link\n  path: rf\n",
                ),
            ],
        );
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn a_directory_is_not_a_target() {
        let found = findings_of(
            "link/path-not-found",
            &[
                ("models/rf/x.mlem", MODEL),
                (
                    "a.mlem",
                    "object_type: link\nlink_type: model\npath: models/rf\n",
                ),
            ],
        );
        assert_eq!(found.len(), 1, "{found:?}");
    }
}
