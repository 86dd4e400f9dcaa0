//! Resolve: where each link lands. Relative links are looked up inside the registry itself
//! ([`local`]); links to other repositories are handed to the remote resolvers.

pub mod local;

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
}
