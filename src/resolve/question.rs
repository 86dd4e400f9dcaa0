//! The questions a chain's walk asks about another repository (does it exist, what commit does
//! a rev name, what is this file), their answers, and who answers them: GitHub's API, git
//! remotes, this machine's repositories, the cache.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::target::RepoId;
use super::unverified::Unverified;

/// One fact a walk needs.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Question {
    /// Does the repository exist, and under which name?
    Repo(RepoId),
    /// Which commit does this rev name (`None`: the default branch)?
    Rev(RepoId, Option<String>),
    /// What is at this path at this rev (`None`: the default branch)?
    Blob(RepoId, Option<String>, String),
    /// Is a file at this path at this rev, and how large? Never its content: an artifact's size.
    Size(RepoId, Option<String>, String),
}

impl Question {
    /// The repository the question is about.
    pub fn repo(&self) -> &RepoId {
        match self {
            Question::Repo(repo)
            | Question::Rev(repo, _)
            | Question::Blob(repo, _, _)
            | Question::Size(repo, _, _) => repo,
        }
    }
}

/// The answer to a [`Question`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Answer {
    /// About a repository.
    Repo(RepoAnswer),
    /// About a rev.
    Rev(RevAnswer),
    /// About a path.
    Blob(BlobAnswer),
    /// About a file's size.
    Size(SizeAnswer),
    /// The question could not be answered (network, rate limit); says why. Never cached.
    #[serde(skip)]
    Unverified(Unverified),
}

/// What is known of a repository.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum RepoAnswer {
    /// It exists and is readable; `name` is its current name (differs after a rename).
    Found {
        /// `owner/name` as the host knows it now.
        name: String,
        /// It is archived (read-only); absent in caches written before this was asked.
        #[serde(default)]
        archived: bool,
    },
    /// It does not exist, or cannot be read with the credentials given.
    NotFound {
        /// Why it may exist after all.
        hint: Option<String>,
    },
}

/// What is known of a rev.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum RevAnswer {
    /// It names this commit.
    Commit {
        /// The full commit id.
        sha: String,
        /// What kind of name it is.
        kind: RevKind,
    },
    /// Nothing by that name.
    NotFound,
}

/// What kind of name a rev is: only commits and tags stay put.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum RevKind {
    /// A branch: it moves.
    Branch,
    /// The default branch, for a link without a rev; its name.
    DefaultBranch(String),
    /// A tag (annotated tags are peeled to their commit).
    Tag,
    /// A commit id, full or abbreviated.
    Commit,
}

/// What is at a path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum BlobAnswer {
    /// A text file.
    Text(String),
    /// A file, but not one to parse: binary or too large; says which.
    Unreadable(String),
    /// A directory or a submodule.
    NotAFile,
    /// Nothing.
    Missing,
}

/// What is at a path, by size.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SizeAnswer {
    /// A file of this many bytes.
    File(u64),
    /// A directory or a submodule.
    NotAFile,
    /// Nothing.
    Missing,
}

impl Answer {
    /// The answer that there is nothing for `question` to find: what a missing repository
    /// implies for every question about it.
    pub fn nothing_for(question: &Question, repo: RepoAnswer) -> Answer {
        match question {
            Question::Repo(_) => Answer::Repo(repo),
            Question::Rev(..) => Answer::Rev(RevAnswer::NotFound),
            Question::Blob(..) => Answer::Blob(BlobAnswer::Missing),
            Question::Size(..) => Answer::Size(SizeAnswer::Missing),
        }
    }
}

/// Answers known so far, by question.
pub type Memo = HashMap<Question, Answer>;

/// Answers a round of questions; every question asked must get an answer.
pub trait Answerer {
    /// Answers `questions` (deduplicated, none already known); may add answers not asked for.
    fn answer(&self, questions: Vec<Question>) -> impl Future<Output = Vec<(Question, Answer)>>;
}
