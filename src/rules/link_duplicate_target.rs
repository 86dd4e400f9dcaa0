//! `link/duplicate-target`: two link files point at the same target.

use super::{Rule, Trigger};
use crate::finding::{Finding, Span};

/// The rule.
pub static RULE: Rule = Rule {
    id: "link/duplicate-target",
    severity: crate::finding::Severity::Note,
    summary: "other link files point at the same target",
    explain: "\
Several link files name the same repository, rev and path. Often that is meant: staging and
production pointing at the same model until the next release, or an alias kept for old callers;
then `[severity] \"link/duplicate-target\" = \"off\"` in the config says so once. But as often one of
them is a leftover: when the model moves, only one gets updated and the other silently keeps
serving the old one.

One note per group, on its first file in path order (a file MLEM can load by its name before one
it cannot), listing the others (the first 10, then how many more).

Compared: the repository as normalized (`https://github.com/O/R`, `git@github.com:O/R.git` and
`github://O:R` are one), the `rev` as written, the path without `.mlem` and the `link_type`. A full check
compares every link file; a check of changed files compares them with each other.

Fix: delete the extra links, or point them at the first (a link to a link) so there is one
place to update. The note is never on a `.mlem/TYPE/NAME.mlem` that `NAME.mlem` hides
(`link/name-collision`) when the group has a link MLEM can load by its name.",
    trigger: Trigger::Elsewhere("crate::policy::registry::duplicate_targets"),
};

/// The most other files a note names; the rest are counted.
const MAX_LISTED: usize = 10;

/// The finding for the link at `span` in `file`, whose target `target` the link files `others`
/// name too.
pub fn finding(file: &str, span: Span, others: &[&str], target: &str) -> Finding {
    let mut listed: Vec<String> = others
        .iter()
        .take(MAX_LISTED)
        .map(|other| format!("`{other}`"))
        .collect();
    if others.len() > MAX_LISTED {
        listed.push(format!("{} more", others.len() - MAX_LISTED));
    }
    let message = format!(
        "{} {} at {target} too: {}",
        crate::words::count(others.len(), "other link file"),
        if others.len() == 1 { "points" } else { "point" },
        listed.join(", ")
    );
    RULE.finding(file, span, message).with_help(format!(
        "if one place should decide, keep this link and delete the others, or make them link to `{file}`"
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
        // One note for the group, on its first file, naming the others.
        let files: Vec<&str> = found.iter().map(|f| f.file.as_str()).collect();
        assert_eq!(files, ["a.mlem"]);
        assert!(
            found[0]
                .message
                .starts_with("2 other link files point at `models/rf` in https://github.com/o/r@v1 too: `b.mlem`, `d.mlem`"),
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
        assert_eq!(files, ["a.mlem"]);
        assert!(found[0].message.starts_with("1 other link file points at"));
    }

    #[test]
    fn a_large_group_lists_ten_and_counts_the_rest() {
        let files: Vec<(String, String)> = (0..25)
            .map(|i| {
                (
                    format!("l{i:02}.mlem"),
                    "object_type: link\nlink_type: model\npath: models/rf\n".to_owned(),
                )
            })
            .chain([(
                "models/rf.mlem".to_owned(),
                "object_type: model\n".to_owned(),
            )])
            .collect();
        let files: Vec<(&str, &str)> = files
            .iter()
            .map(|(p, t)| (p.as_str(), t.as_str()))
            .collect();
        let found = findings_of("link/duplicate-target", &files);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].file, "l00.mlem");
        assert!(
            found[0].message.starts_with("24 other link files"),
            "{}",
            found[0].message
        );
        assert!(
            found[0].message.ends_with("`l10.mlem`, 14 more"),
            "{}",
            found[0].message
        );
    }
}
