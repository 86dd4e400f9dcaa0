//! Which revision's policy judges a run: a change is judged by its trusted base, never by the
//! config it brings itself.

use std::path::Path;

use super::PolicyAt;
use crate::registry::{self, Selection};

/// Where a run's policy is read from, and whether it judges a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicySource {
    /// Where the policy is read from.
    pub at: PolicyAt,
    /// The trusted base of the change being judged: its policy decides, the change's own is
    /// only reported.
    pub trusted_base: Option<String>,
    /// Where the change's side is read, to report what it does to the policy.
    pub change: PolicyAt,
}

impl PolicySource {
    /// The policy for a check of `selection` in the repository at `path`: a change is judged by
    /// its base's (`policy_from`, `--changed-since`'s REV, the remote's commit for a push, HEAD
    /// for a commit), a revision by its own, the working tree by the files on disk.
    pub fn of(path: &Path, selection: &Selection, policy_from: Option<&str>) -> PolicySource {
        let change = match selection {
            Selection::Revision(rev) | Selection::Pushed { tip: rev, .. } => {
                PolicyAt::Revision(rev.clone())
            }
            _ => PolicyAt::Worktree,
        };
        let base = match (policy_from, selection) {
            (Some(rev), _) => Some(rev.to_owned()),
            (None, Selection::ChangedSince(rev)) => Some(rev.clone()),
            (None, Selection::Pushed { remote, .. }) => remote.clone(),
            (None, Selection::Staged | Selection::Files(_))
                if registry::has_revision(path, "HEAD") =>
            {
                Some("HEAD".to_owned())
            }
            _ => None,
        };
        PolicySource {
            // With no base (a first commit, a new branch's first push), the change is all there
            // is.
            at: base
                .clone()
                .map_or_else(|| change.clone(), PolicyAt::Revision),
            trusted_base: base,
            change,
        }
    }

    /// The revision the policy is read at, `None` for the working tree.
    pub fn revision(&self) -> Option<&str> {
        match &self.at {
            PolicyAt::Revision(rev) => Some(rev),
            PolicyAt::Worktree => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_is_judged_by_its_base() {
        let here = Path::new(".");
        let since = PolicySource::of(here, &Selection::ChangedSince("main".into()), None);
        assert_eq!(since.at, PolicyAt::Revision("main".into()));
        assert_eq!(since.trusted_base.as_deref(), Some("main"));
        assert_eq!(since.change, PolicyAt::Worktree);
        let from = PolicySource::of(here, &Selection::ChangedSince("main".into()), Some("v1"));
        assert_eq!(from.revision(), Some("v1"));
    }

    #[test]
    fn a_push_is_judged_by_the_remote_and_a_first_push_by_itself() {
        let pushed = |remote: Option<&str>| Selection::Pushed {
            tip: "abc".into(),
            remote: remote.map(str::to_owned),
            hidden: Vec::new(),
        };
        let onto = PolicySource::of(Path::new("."), &pushed(Some("def")), None);
        assert_eq!(onto.at, PolicyAt::Revision("def".into()));
        assert_eq!(onto.change, PolicyAt::Revision("abc".into()));
        let first = PolicySource::of(Path::new("."), &pushed(None), None);
        assert_eq!(first.at, PolicyAt::Revision("abc".into()));
        assert_eq!(first.trusted_base, None);
    }

    #[test]
    fn a_revision_or_the_working_tree_is_judged_by_its_own() {
        let rev = PolicySource::of(Path::new("."), &Selection::Revision("v2".into()), None);
        assert_eq!(rev.at, PolicyAt::Revision("v2".into()));
        assert_eq!(rev.trusted_base, None);
        let tree = PolicySource::of(Path::new("."), &Selection::Worktree, None);
        assert_eq!(tree.revision(), None);
    }
}
