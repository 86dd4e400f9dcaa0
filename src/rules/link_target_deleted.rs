//! `link/target-deleted`: a change deletes a file that links still point at.

use super::Rule;
use crate::finding::{Finding, Span};

/// The rule.
pub static RULE: Rule = Rule {
    id: "link/target-deleted",
    severity: crate::finding::Severity::Note,
    summary: "the change deletes a file this link points at",
    explain: "\
With `--changed-since REV`, only the files the change adds or modifies are checked. When the
change deletes a `.mlem` file, the links that still point at it are not part of the change, so
they are reported here, on the link, for the reviewer to see what the deletion breaks.

Fix: update or remove the links that point at the deleted file, or keep the file.",
};

/// The finding for a link (its `path` value at `span`) whose target `target` the change deletes.
pub fn finding(file: &str, span: Span, target: &str) -> Finding {
    RULE.finding(
        file,
        span,
        format!("points at `{target}`, which this change deletes"),
    )
}
