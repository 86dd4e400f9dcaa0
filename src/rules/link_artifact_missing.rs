//! `link/artifact-missing`: the link lands on a model or data set whose artifact is not there,
//! so `mlem load` fails in production although the link itself resolves.

use super::{LinkFacts, Rule, Trigger};
use crate::finding::Finding;
use crate::resolve::artifact::{Checked, State};
use crate::words::{clip, listed};

/// The rule.
pub static RULE: Rule = Rule {
    id: "link/artifact-missing",
    severity: crate::finding::Severity::Error,
    summary: "an artifact of the object the link lands on is missing",
    explain: "\
The link resolves to a MLEM object (a model or a data set) that lists its artifacts: the files
holding its weights or its data, each with a `uri` relative to the object's file and the size
and md5 MLEM recorded when it saved them. One of them is not where MLEM would load it from at
the target's commit, so `mlem load` (and every deployment of this link) fails although the link
itself is fine.

An artifact counts as there when, at that commit, it is committed to git, or is a Git LFS
pointer, or is tracked by DVC: a `<uri>.dvc` file beside it, or an output of a stage in a
`dvc.lock` in its folder or a folder above. Only sizes and these small records are read, never
an artifact's content. The message says where it was looked for.

Typical causes: the model was saved but its weights were never committed (or are ignored by
`.gitignore`); DVC tracks the file but its `.dvc` file or `dvc.lock` was never committed; the
`uri` is an absolute path on the machine that saved the model.

For a model in the registry itself, a check of the working tree reads the files on disk,
ignored ones too: weights that `.gitignore` keeps out of git pass there and fail in CI's clean
checkout (and with `--rev`).

Fix: commit the artifact (or its `.dvc` file / `dvc.lock`) in the target repository and point
the link at that commit; or point the link at a revision where the model is complete.",
    trigger: Trigger::Link(judge),
};

/// Fires when any artifact of the object the link lands on is missing: one finding listing
/// them all.
fn judge(facts: &LinkFacts<'_, '_>) -> Option<Finding> {
    let checks = facts.resolved.artifacts.as_deref()?;
    let missing: Vec<&Checked> = checks
        .with(|state| matches!(state, State::Missing { .. }))
        .collect();
    let first = missing.first()?;
    let why = |checked: &Checked| match &checked.state {
        State::Missing { why, .. } => why.clone(),
        _ => String::new(),
    };
    // Names and paths come from the target's object file: each is cut to a length, and at most
    // a few artifacts are spelled out.
    let parts: Vec<String> = missing
        .iter()
        .map(|c| format!("`{}`: {}", clip(&c.artifact.name), why(c)))
        .collect();
    let message = match missing.as_slice() {
        [one] => format!(
            "`{}` cannot be loaded: its artifact `{}` is missing: {}",
            clip(&checks.object),
            clip(&one.artifact.name),
            why(one)
        ),
        many => format!(
            "`{}` cannot be loaded: {} of its artifacts are missing: {}",
            clip(&checks.object),
            many.len(),
            listed(&parts),
        ),
    };
    let help = match &first.state {
        State::Missing { path: Some(_), .. } => {
            "commit the artifact (or the `.dvc` file or `dvc.lock` that tracks it) in the target repository, or link a revision where the model is complete"
        }
        _ => {
            "save the object again with a `uri` inside its repository, and commit the artifact there"
        }
    };
    Some(
        RULE.finding(facts.file, facts.path_span(), message)
            .with_help(help),
    )
}

#[cfg(test)]
mod tests {
    use crate::resolve::artifact::{State, Storage};
    use crate::rules::testing::{pinned_link_findings, remote_findings, with_artifacts};

    #[test]
    fn names_the_object_the_artifact_and_where_it_was_looked_for() {
        let resolved = with_artifacts(vec![
            State::Present {
                path: "models/a".into(),
                storage: Storage::Git { size: 1 },
            },
            State::Missing {
                path: Some("models/rf".into()),
                why: "no file at `models/rf`".into(),
            },
        ]);
        let found = pinned_link_findings("link/artifact-missing", resolved);
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].message,
            "`org/m/models/rf.mlem@v1` cannot be loaded: its artifact `a1` is missing: no file at `models/rf`"
        );
        assert_eq!(found[0].span.start.line, 3, "on the link's path");
    }

    #[test]
    fn present_artifacts_are_no_finding() {
        let resolved = with_artifacts(vec![State::Present {
            path: "models/rf".into(),
            storage: Storage::Lfs { size: 5 },
        }]);
        let found = remote_findings("project: https://github.com/org/m\nrev: v1\n", resolved);
        assert!(found.iter().all(|f| !f.rule.starts_with("link/artifact")));
    }
}
