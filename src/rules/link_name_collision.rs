//! `link/name-collision`: a link file and another object answer to the same name.

use super::{Rule, Trigger};
use crate::finding::{Finding, Span};

/// The rule.
pub static RULE: Rule = Rule {
    id: "link/name-collision",
    severity: crate::finding::Severity::Warning,
    summary: "a link has the same name as another object, and one of them cannot be loaded by it",
    explain: "\
MLEM loads an object by name: `NAME` is `NAME.mlem`, or else MLEM 0.2's `.mlem/TYPE/NAME.mlem`.
When a link file and another object both answer to one name, MLEM always loads the first and
the other can no longer be reached by its name: `mlem apply rf` may not run the model the
registry's reviewers think it runs.

Fix: rename one of them, or delete the one that is left over from the old layout.",
    trigger: Trigger::Elsewhere("crate::policy::registry::name_collisions"),
};

/// The finding for the link `file` (at `span`) whose name `name` `other` has too; `shadows` says
/// which of the two MLEM loads.
pub fn finding(file: &str, span: Span, name: &str, other: &str, shadows: bool) -> Finding {
    let (message, help) = if shadows {
        (
            format!(
                "the name `{name}` is also `{other}`'s; MLEM loads this link and never reaches it"
            ),
            format!("rename this link or `{other}`"),
        )
    } else {
        (
            format!("the name `{name}` is also `{other}`'s, which MLEM loads instead of this link"),
            format!("rename this link: by its name it loads `{other}`"),
        )
    };
    RULE.finding(file, span, message).with_help(help)
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::findings_of;

    const LINK: &str = "object_type: link\nlink_type: model\npath: models/rf\n";

    #[test]
    fn a_link_shadowing_or_shadowed_by_the_old_layout() {
        let found = findings_of(
            "link/name-collision",
            &[
                ("rf.mlem", LINK),
                (".mlem/model/rf.mlem", "object_type: model\n"),
                (".mlem/link/gbt.mlem", LINK),
                ("gbt.mlem", "object_type: model\n"),
                ("models/rf.mlem", "object_type: model\n"),
                ("alone.mlem", LINK),
            ],
        );
        let got: Vec<(&str, bool)> = found
            .iter()
            .map(|f| (f.file.as_str(), f.message.contains("never reaches")))
            .collect();
        assert_eq!(got, [(".mlem/link/gbt.mlem", false), ("rf.mlem", true)]);
        assert!(
            found[1].message.contains("`.mlem/model/rf.mlem`"),
            "{}",
            found[1].message
        );
    }

    #[test]
    fn a_large_registry_finds_the_same_from_its_listing() {
        let names: Vec<String> = (0..300).map(|i| format!("alias-{i}.mlem")).collect();
        let mut files: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), LINK)).collect();
        files.extend([
            ("models/rf.mlem", "object_type: model\n"),
            (".mlem/model/alias-7.mlem", "object_type: model\n"),
            (".mlem/link/alias-9.mlem", LINK),
        ]);
        let found = findings_of("link/name-collision", &files);
        let got: Vec<&str> = found.iter().map(|f| f.file.as_str()).collect();
        assert_eq!(got, [".mlem/link/alias-9.mlem", "alias-7.mlem"]);
    }

    #[test]
    fn two_link_files_are_warned_about_once() {
        let found = findings_of(
            "link/name-collision",
            &[
                ("x.mlem", LINK),
                (".mlem/link/x.mlem", LINK),
                ("models/rf.mlem", "object_type: model\n"),
            ],
        );
        let files: Vec<&str> = found.iter().map(|f| f.file.as_str()).collect();
        assert_eq!(files, [".mlem/link/x.mlem"]);
    }
}
