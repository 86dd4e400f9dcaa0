//! `link/artifact-mismatch`: an artifact of the object the link lands on is there, but not the
//! one MLEM saved: its size or md5 differs from what the object records.

use super::{LinkFacts, Rule, Trigger};
use crate::finding::Finding;
use crate::resolve::artifact::State;
use crate::words::{clip, listed};

/// The rule.
pub static RULE: Rule = Rule {
    id: "link/artifact-mismatch",
    severity: crate::finding::Severity::Warning,
    summary: "an artifact of the object the link lands on differs from what MLEM recorded",
    explain: "\
The link resolves to a MLEM object whose artifact is there at the target's commit, but its size
(git's blob size, the size an LFS pointer records, or DVC's record) or its md5 (DVC's record)
differs from the `size` and `hash` MLEM recorded when it saved the object. The weights were
replaced without saving the object again, or the object was saved again without committing its
new weights: production would load something other than what was evaluated.

Git blobs are compared by size only (git does not keep an md5); DVC records are compared by md5
and size. DVC 2 computed the md5 of text files with Windows line endings converted, so a text
artifact saved on Windows may differ by md5 alone.

Fix: save the object again with `mlem save` from the artifact that is committed, or commit the
artifact it was saved with, and point the link at that commit.",
    trigger: Trigger::Link(judge),
};

/// Fires when an artifact of the object the link lands on is there but differs: one finding
/// listing each such artifact.
fn judge(facts: &LinkFacts<'_, '_>) -> Option<Finding> {
    let checks = facts.resolved.artifacts.as_deref()?;
    let differing: Vec<String> = checks
        .with(|state| matches!(state, State::Mismatch { .. }))
        .filter_map(|checked| match &checked.state {
            State::Mismatch {
                path,
                storage,
                differences,
            } => Some(format!(
                "artifact `{}` (`{}`, {}) has {}",
                clip(&checked.artifact.name),
                clip(path),
                clip(&storage.to_string()),
                differences.join(", ")
            )),
            _ => None,
        })
        .collect();
    if differing.is_empty() {
        return None;
    }
    let message = format!(
        "`{}` may not load what was saved: {}",
        clip(&checks.object),
        listed(&differing)
    );
    Some(
        RULE.finding(facts.file, facts.path_span(), message)
            .with_help("save the object again from the committed artifact, or commit the artifact it was saved with"),
    )
}

#[cfg(test)]
mod tests {
    use crate::resolve::artifact::{State, Storage};
    use crate::rules::testing::{pinned_link_findings, with_artifacts};

    #[test]
    fn says_what_differs_and_how_the_artifact_is_stored() {
        let resolved = with_artifacts(vec![State::Mismatch {
            path: "models/rf".into(),
            storage: Storage::Git { size: 12 },
            differences: vec!["size 12 where MLEM recorded 163671".into()],
        }]);
        let found = pinned_link_findings("link/artifact-mismatch", resolved);
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].message,
            "`org/m/models/rf.mlem@v1` may not load what was saved: artifact `a0` (`models/rf`, committed to git) has size 12 where MLEM recorded 163671"
        );
    }
}
