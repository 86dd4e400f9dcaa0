//! `file/empty`: a `.mlem` file with no content, which MLEM cannot load as an object.

use super::{Rule, Trigger};
use crate::finding::{Finding, Span};
use crate::mlem::parse::Problem;

/// The rule.
pub static RULE: Rule = Rule {
    id: "file/empty",
    severity: crate::finding::Severity::Error,
    summary: "the file is empty",
    explain: "\
The file has no YAML content (it is empty, or holds only blank lines and comments). Every
`*.mlem` file is loaded by MLEM as an object, and an empty one fails to load, so any link to it
is broken too.

Fix: write the object (for a link: `object_type: link`, `link_type`, `path`, and `project` and
`rev` for another repository), or delete the file.",
    trigger: Trigger::Problem(judge),
};

/// The finding for the empty file `file` with contents `text`.
pub fn finding(file: &str, text: &str) -> Finding {
    RULE.finding(
        file,
        Span::first_line(text),
        "empty file: a MLEM file must be a mapping with an `object_type`",
    )
}

/// Fires for a file that is not a YAML document for this rule's reason.
fn judge(file: &str, text: &str, problem: &Problem) -> Option<Finding> {
    match problem {
        Problem::Empty => Some(finding(file, text)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::findings_of;

    #[test]
    fn empty_and_comment_only_files_are_empty() {
        let found = findings_of(
            "file/empty",
            &[
                ("a.mlem", ""),
                ("b.mlem", "# nothing\n\n"),
                ("c.mlem", "object_type: env\n"),
            ],
        );
        let files: Vec<_> = found.iter().map(|f| f.file.as_str()).collect();
        assert_eq!(files, ["a.mlem", "b.mlem"]);
    }
}
