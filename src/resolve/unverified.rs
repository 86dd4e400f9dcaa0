//! Why a question about another repository got no answer: the link stays unverified
//! (`link/unverified`), never broken, and the reason says which kind of failure it was.

use crate::github::{self, ErrorKind};

/// Why a question was not answered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unverified {
    /// GitHub's API failed, refused or answered something unusable.
    #[error(transparent)]
    GitHub(#[from] github::Error),
    /// A git remote's refs could not be listed.
    #[error("{text}")]
    Git {
        /// What happened, for the user.
        text: String,
        /// Which kind of failure.
        kind: ErrorKind,
    },
    /// Only fetching the repository could settle it (a commit no ref points at, a file).
    #[error("{0}")]
    NeedsFetch(String),
    /// The run's `--timeout` ran out first.
    #[error("the run's time limit (--timeout {0}s) was up before an answer came")]
    OutOfTime(u64),
    /// No API is configured for the link's GitHub host, and another host's (and token) is
    /// never used for it.
    #[error(
        "no GitHub API is configured for its host (--github-server-url, or [hosts] in the config)"
    )]
    NoApi,
    /// A question no resolver answered (a bug: said rather than hidden).
    #[error("{0}")]
    Unanswered(String),
}

impl Unverified {
    /// Which kind of failure this is.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Unverified::GitHub(error) => error.kind(),
            Unverified::Git { kind, .. } => *kind,
            Unverified::OutOfTime(_) => ErrorKind::Timeout,
            Unverified::NeedsFetch(_) | Unverified::NoApi | Unverified::Unanswered(_) => {
                ErrorKind::Other
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::github::{Error, Transient};

    #[test]
    fn the_kind_tells_a_rate_limit_from_a_refused_token_from_a_timeout() {
        let limit = Unverified::from(Error::RateLimitNoReset { graphql: false });
        assert_eq!(limit.kind(), ErrorKind::RateLimit);
        let refused = Unverified::from(Error::status(401, r#"{"message": "Bad credentials"}"#));
        assert_eq!(refused.kind(), ErrorKind::Auth);
        assert_eq!(refused.to_string(), "GitHub answered 401: Bad credentials");
        let dns = Unverified::from(Error::GaveUp {
            cause: Transient::Unreachable("dns error".into()),
            tries: 3,
        });
        assert_eq!(dns.kind(), ErrorKind::Transport);
        assert_eq!(Unverified::OutOfTime(300).kind(), ErrorKind::Timeout);
        let listing = Unverified::Git {
            text: "`git://h/r` did not list its refs within 2s (--request-timeout)".into(),
            kind: ErrorKind::Timeout,
        };
        assert_eq!(listing.kind(), ErrorKind::Timeout);
    }
}
