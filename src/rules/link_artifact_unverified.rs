//! `link/artifact-unverified`: an artifact of the object the link lands on was not checked: it
//! is in remote storage (never contacted), or its facts could not be learned.

use super::{LinkFacts, Remote, Rule, Trigger};
use crate::finding::{Finding, Severity};
use crate::mlem::artifact::MAX_ARTIFACTS;
use crate::resolve::artifact::State;
use crate::words::{clip, listed};

/// The rule.
pub static RULE: Rule = Rule {
    id: "link/artifact-unverified",
    severity: Severity::Note,
    summary: "an artifact of the object the link lands on was not checked",
    explain: "\
The link resolves to a MLEM object whose artifacts are checked where they can be: in the
object's repository at the target's commit. This one was not checked, so nothing is claimed
about it:

- its `uri` is remote storage (`s3://`, `gs://`, `azure://`, `https://`, …): the checker never
  contacts a host a link file or a target object names, so whether it exists is not known
  (a note);
- the object lists more than 32 artifacts: the rest are not checked (a note);
- what was needed could not be learned in time (network errors, rate limits, `--timeout`), or
  the repository's files cannot be read (a git remote not on GitHub is only listed): a warning,
  like `link/unverified`. An unverified artifact is never reported as missing.

Fix: nothing, for remote storage (check it in the pipeline that writes it); otherwise run again
when the network or the rate limit allows.",
    trigger: Trigger::Link(judge),
};

/// Fires for artifacts that were not checked: a note for remote storage and artifacts past the
/// limit, a warning (online) when what was needed could not be learned.
fn judge(facts: &LinkFacts<'_, '_>) -> Option<Finding> {
    let checks = facts.resolved.artifacts.as_deref()?;
    let mut parts = Vec::new();
    let mut failed = false;
    for checked in &checks.list {
        match &checked.state {
            State::Remote { scheme } => parts.push(format!(
                "artifact `{}` is in remote storage (`{scheme}://`), which is never contacted",
                clip(&checked.artifact.name)
            )),
            State::Unverified { why } => {
                failed = true;
                parts.push(format!(
                    "artifact `{}`: {why}",
                    clip(&checked.artifact.name)
                ));
            }
            _ => {}
        }
    }
    if checks.unchecked > 0 {
        parts.push(format!(
            "{} more artifacts are listed than the {MAX_ARTIFACTS} checked",
            checks.unchecked
        ));
    }
    if parts.is_empty() {
        return None;
    }
    let message = format!(
        "`{}`: not verified: {}",
        clip(&checks.object),
        listed(&parts)
    );
    let finding = RULE.finding(facts.file, facts.path_span(), message);
    Some(match (failed, facts.remote) {
        (true, Remote::Online) => finding.with_severity(Severity::Warning),
        _ => finding,
    })
}

#[cfg(test)]
mod tests {
    use crate::finding::Severity;
    use crate::resolve::artifact::State;
    use crate::rules::testing::{pinned_link_findings, with_artifacts};

    fn unverified(states: Vec<State>) -> Vec<crate::finding::Finding> {
        pinned_link_findings("link/artifact-unverified", with_artifacts(states))
    }

    #[test]
    fn remote_storage_is_a_note_and_names_only_the_scheme() {
        let found = unverified(vec![State::Remote {
            scheme: "s3".into(),
        }]);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].severity, Severity::Note);
        assert!(
            found[0].message.contains("(`s3://`)"),
            "{}",
            found[0].message
        );
    }

    #[test]
    fn a_fact_not_learned_is_a_warning_online_never_missing() {
        let found = unverified(vec![State::Unverified {
            why: "GitHub timed out".into(),
        }]);
        assert_eq!(found[0].severity, Severity::Warning);
        assert!(
            found[0]
                .message
                .ends_with("artifact `a0`: GitHub timed out")
        );
    }
}
