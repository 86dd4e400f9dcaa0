//! `link/duplicate-target`: two link files point at the same target.

use super::{Rule, Trigger};
use crate::finding::{Finding, Span};

/// The rule.
pub static RULE: Rule = Rule {
    id: "link/duplicate-target",
    severity: crate::finding::Severity::Note,
    summary: "another link file points at the same target",
    explain: "\
Two link files name the same repository, rev and path. Sometimes that is meant (an alias kept
for old callers), but often one of them is a leftover: when the model moves, only one gets
updated and the other silently keeps serving the old one.

Compared: the repository as normalized (`https://github.com/O/R`, `git@github.com:O/R.git` and
`github://O:R` are one), the `rev` as written, the path without `.mlem` and the `link_type`. A full check
compares every link file; a check of changed files compares them with each other.

Fix: delete one of the links, or point the alias at the other link (a link to a link) so
there is one place to update. The note names a link MLEM can load by its name when the group
has one: never a `.mlem/TYPE/NAME.mlem` that `NAME.mlem` hides (`link/name-collision`).",
    trigger: Trigger::Elsewhere("crate::policy::registry::duplicate_targets"),
};

/// The finding for the link at `span` in `file`, whose target `target` `first` names too.
pub fn finding(file: &str, span: Span, first: &str, target: &str) -> Finding {
    RULE.finding(file, span, format!("`{first}` already points at {target}"))
        .with_help(format!(
            "keep one link, or make this one point at `{first}`"
        ))
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::findings_of;

    #[test]
    fn a_second_link_to_the_same_target_is_noted_once() {
        let link = |repo: &str, path: &str| {
            format!("object_type: link\nlink_type: model\npath: {path}\nrepo: {repo}\nrev: v1\n")
        };
        let found = findings_of(
            "link/duplicate-target",
            &[
                ("a.mlem", &link("https://github.com/o/r", "models/rf")),
                ("b.mlem", &link("git@github.com:o/r.git", "models/rf.mlem")),
                ("c.mlem", &link("https://github.com/o/r", "models/other")),
                ("d.mlem", &link("https://github.com/O/R/", "./models/rf")),
                ("models/rf.mlem", "object_type: model\n"),
            ],
        );
        let files: Vec<&str> = found.iter().map(|f| f.file.as_str()).collect();
        assert_eq!(files, ["b.mlem", "d.mlem"]);
        assert!(
            found[0].message.contains("`a.mlem`"),
            "{}",
            found[0].message
        );
        assert_eq!(found[0].span.start.line, 3, "points at the path");
    }

    #[test]
    fn relative_links_and_different_revs_are_told_apart() {
        let found = findings_of(
            "link/duplicate-target",
            &[
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
                    "object_type: link\nlink_type: model\npath: rf\nrepo: https://github.com/o/r\nrev: v1\n",
                ),
                (
                    "d.mlem",
                    "object_type: link\nlink_type: model\npath: rf\nrepo: https://github.com/o/r\nrev: v2\n",
                ),
                ("models/rf.mlem", "object_type: model\n"),
            ],
        );
        let files: Vec<&str> = found.iter().map(|f| f.file.as_str()).collect();
        assert_eq!(files, ["b.mlem"]);
    }
}
