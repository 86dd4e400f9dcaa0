//! `file/too-deep`: part of the registry is nested past the walk's limits and was not checked.

use super::{Rule, Trigger};
use crate::finding::{Finding, Span};
use crate::registry::{MAX_DEPTH, MAX_PATH_BYTES};

/// The rule.
pub static RULE: Rule = Rule {
    id: "file/too-deep",
    severity: crate::finding::Severity::Error,
    summary: "folders nested past the walk's limits were not checked",
    explain: "\
The registry has a path nested more than 256 folders deep, or longer than 4096 bytes. Nothing
below that point was read: a tree can be made deep enough to exhaust any walk, so the walk
stops there, and since files may be hiding below it, the run fails rather than pass what it did
not see.

No real registry nests this deep; such a tree is a mistake (a folder copied into itself) or an
attempt to slip files past the check.

Fix: flatten the folders, or remove them.",
    trigger: Trigger::Elsewhere("crate::check::report_too_deep"),
};

/// The finding for `path`, the first path past the limits; it is named by its top folder and
/// its first characters, since the whole path is too long to show.
pub fn finding(path: &str) -> Finding {
    let top = path.split('/').next().unwrap_or(path);
    let mut shown: String = path.chars().take(120).collect();
    if shown.len() < path.len() {
        shown.push('…');
    }
    RULE.finding(
        top,
        Span::file_start(),
        format!(
            "`{shown}` is nested past the limits of {MAX_DEPTH} folders or {MAX_PATH_BYTES} bytes: nothing below it was checked"
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_paths_are_named_by_their_top_folder_and_a_prefix() {
        let path = "a/".repeat(300) + "x.mlem";
        let found = finding(&path);
        assert_eq!(found.file, "a");
        assert!(found.message.starts_with("`a/a/"), "{}", found.message);
        assert!(found.message.contains("…` is nested"), "{}", found.message);
        assert_eq!(found.severity, crate::finding::Severity::Error);
    }
}
