//! Resolve: where each link lands. Relative links are looked up inside the registry itself
//! ([`local`]). A link to another repository names a [`target`]; it is walked hop by hop
//! ([`walk`]) in [`rounds`] of deduplicated [`question`]s answered by [`github`] (GraphQL batches,
//! REST fallback) and [`git`] (local repositories in full, other remotes by their refs), through
//! the [`cache`]; an answer that could not be had is [`unverified`]; [`online`] sets all of that
//! up for one run. Every walker keeps its [`chain`] the same way.

pub mod artifact;
pub mod cache;
pub mod chain;
pub mod git;
pub mod github;
pub mod local;
pub mod online;
pub mod question;
pub mod rounds;
pub mod target;
pub mod unverified;
pub mod walk;

use crate::mlem::ObjectType;

/// What one link resolved to, as the policy rules need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The target exists and is a MLEM object.
    Found {
        /// The target's path in its repository.
        path: String,
        /// The type the link gets when loaded: the object's, or the next link's `link_type`.
        object_type: ObjectType,
        /// A problem further down a chain of links, if any.
        chain: Option<ChainProblem>,
    },
    /// No file at any of the places the target may be.
    NotFound {
        /// Every path that was tried, in order.
        tried: Vec<String>,
        /// Where they were tried, for a link to another repository: "`REPO` at `REV`".
        within: Option<String>,
    },
    /// The path leaves the repository; nothing was read there.
    Escapes {
        /// How it leaves.
        why: String,
    },
    /// A file is there, but not a MLEM object.
    NotMlemObject {
        /// The file's path.
        path: String,
        /// Why it is not an object.
        reason: String,
    },
    /// The repository does not exist, or the token cannot read it.
    RepoNotFound {
        /// The repository, as the link names it.
        repo: String,
        /// Why it may be there after all (e.g. private and no token given).
        hint: Option<String>,
    },
    /// The repository has no branch, tag or commit by this name.
    RevNotFound {
        /// The repository, as the link names it.
        repo: String,
        /// The revision, as the link names it; `None`: no `rev`, and no default branch.
        rev: Option<String>,
    },
    /// The target is in another repository and was not checked.
    Unverified {
        /// The repository, as the link names it.
        target: String,
        /// Why it was not checked.
        why: String,
    },
}

/// A problem found while following a chain of links past its first hop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainProblem {
    /// The chain comes back to a link already visited; the paths visited, ending with the repeat.
    Cycle(Vec<String>),
    /// The chain is longer than the limit; the paths visited until it was cut.
    TooLong(Vec<String>),
    /// A link further down the chain (in another repository) is broken.
    Broken {
        /// The links visited, ending with the broken one.
        chain: Vec<String>,
        /// What is wrong with it.
        why: String,
    },
}

/// Where a link resolved, with what else was learned on the way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// Where the link landed, or why it did not.
    pub outcome: Outcome,
    /// Facts worth a warning even when the link resolves.
    pub advisories: Vec<Advisory>,
    /// The commit the link's rev resolved to, for a link to another repository.
    pub commit: Option<String>,
    /// Where a link to another repository finally landed, past any chain of links.
    pub landing: Option<Box<Landing>>,
    /// The artifacts of the object the link landed on, checked; `None` when it lists none or
    /// the link did not land. Shared by every link that lands on the object.
    pub artifacts: Option<std::sync::Arc<artifact::Checks>>,
    /// For a relative link that landed: the object's path in the registry, past any chain of
    /// links (a link to another repository lands in [`Resolved::landing`]).
    pub landed_here: Option<String>,
    /// For a relative link whose chain leaves the registry: the registry's link file that
    /// leads to another repository (it lands where that file lands).
    pub leaves_from: Option<String>,
}

/// The object a link lands on at the end of its chain: what `resolve` prints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Landing {
    /// The repository, as the last link names it.
    pub repo: String,
    /// The rev it was asked at (`None`: the default branch).
    pub rev: Option<String>,
    /// The commit that rev resolved to.
    pub commit: String,
    /// The object's file in that repository.
    pub path: String,
    /// The object's own `object_type`.
    pub object_type: crate::mlem::ObjectType,
    /// Every file read on the way, the object's last, as [`meta_location`] names them.
    pub loaded: Vec<String>,
    /// The object's file as read, when the run keeps it ([`online::Online::keep_objects`]): what
    /// a review compares, field by field.
    pub text: Option<String>,
}

/// What is missing when a rev names nothing in `repo`: the rev, or (no `rev`) the default
/// branch, which an empty repository lacks.
pub fn missing_rev(repo: &str, rev: Option<&str>) -> String {
    match rev {
        Some(rev) => format!("revision `{rev}` not found in `{repo}`"),
        None => format!(
            "`{repo}` has no default branch (an empty repository has none), and the link names no `rev`"
        ),
    }
}

/// A file in another repository as MLEM names it when loading it: `REPO/PATH@REV`.
pub fn meta_location(repo: &str, path: &str, rev: Option<&str>) -> String {
    let rev = rev.map_or(String::new(), |rev| format!("@{rev}"));
    format!("{}/{path}{rev}", repo.strip_suffix('/').unwrap_or(repo))
}

impl Resolved {
    /// `link` (to another repository) was not checked, for the reason `why`.
    pub fn unverified(link: &crate::mlem::Link, why: &str) -> Resolved {
        Resolved::from(Outcome::Unverified {
            target: link.project.as_ref().map_or("", |(_, v)| v).to_owned(),
            why: why.to_owned(),
        })
    }
}

/// A link not resolved at all: the value a run fills in when a walk never finished.
impl Default for Resolved {
    fn default() -> Resolved {
        Resolved::from(Outcome::Unverified {
            target: String::new(),
            why: "not resolved".into(),
        })
    }
}

impl From<Outcome> for Resolved {
    fn from(outcome: Outcome) -> Resolved {
        Resolved {
            outcome,
            advisories: Vec::new(),
            commit: None,
            landing: None,
            artifacts: None,
            landed_here: None,
            leaves_from: None,
        }
    }
}

/// Something true of a link's target that a reviewer should know before it reaches production.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Advisory {
    /// The repository was renamed or moved: GitHub redirects the old name, for now.
    Renamed {
        /// The name the link uses.
        from: String,
        /// The name GitHub knows it by now.
        to: String,
    },
    /// The repository is archived: read-only on its host, so its models get no fixes.
    Archived {
        /// The repository as the link names it (`owner/name` on GitHub).
        repo: String,
    },
    /// The revision is a branch (or absent: the default branch), so the target can change
    /// without the registry changing.
    Unpinned {
        /// The rev as written; `None` when the link has none.
        rev: Option<String>,
        /// The branch it follows.
        branch: String,
        /// The commit the branch points at now.
        commit: String,
    },
}
