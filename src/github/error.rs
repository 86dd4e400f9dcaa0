//! What went wrong talking to GitHub, as a value: a rate limit, a refused token, a missing
//! repository, a transport failure or an answer too large are told apart by [`Error::kind`],
//! and each reads as the message a finding or a warning shows.

use std::time::Duration;

use super::MAX_BODY_BYTES;

/// A failure that may pass: retried, and reported once the retries are spent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Transient {
    /// No answer within the request's time.
    #[error("GitHub did not answer within {0:?}")]
    Timeout(Duration),
    /// No connection (DNS, connect, TLS, a dropped connection).
    #[error("cannot reach GitHub: {0}")]
    Unreachable(String),
    /// A 5xx answer.
    #[error("GitHub answered {0}")]
    Server(u16),
    /// GitHub's secondary rate limit (abuse detection): wait and retry.
    #[error("GitHub's secondary rate limit")]
    SecondaryRateLimit,
}

/// Why GitHub gave no usable answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The client cannot be built for the configured API.
    #[error("cannot set up the GitHub client: {0}")]
    Setup(String),
    /// A passing failure that did not pass within the retries.
    #[error("{cause} (after {})", attempts(*.tries))]
    GaveUp {
        /// The last attempt's failure.
        cause: Transient,
        /// Retries made.
        tries: u32,
    },
    /// GitHub asked to wait longer than this run waits.
    #[error("{cause}; GitHub asks to wait {}s", .wait.as_secs())]
    WaitTooLong {
        /// The failure.
        cause: Transient,
        /// The wait GitHub asked for.
        wait: Duration,
    },
    /// The primary rate limit is spent until later than this run waits.
    #[error("{}; it resets in {in_secs}s, longer than the {max_wait}s this run waits (--max-rate-limit-wait)", limit(*.graphql))]
    RateLimitResetsLate {
        /// The GraphQL limit (not the REST one).
        graphql: bool,
        /// Seconds until it resets.
        in_secs: u64,
        /// Seconds this run waits at most.
        max_wait: u64,
    },
    /// The primary rate limit stayed spent through every wait.
    #[error("{}, and still was after {waits} waits for its reset (--retries {retries})", limit(*.graphql))]
    RateLimitStill {
        /// The GraphQL limit (not the REST one).
        graphql: bool,
        /// Waits made.
        waits: u32,
        /// The retries allowed.
        retries: u32,
    },
    /// The primary rate limit is spent and GitHub did not say until when.
    #[error("{}, and GitHub did not say when it resets", limit(*.graphql))]
    RateLimitNoReset {
        /// The GraphQL limit (not the REST one).
        graphql: bool,
    },
    /// The answer is larger than anything this tool reads.
    #[error("GitHub's answer is larger than {} MiB: it was not read", MAX_BODY_BYTES >> 20)]
    TooLarge,
    /// The async runtime cannot start.
    #[error("cannot start: {0}")]
    Runtime(String),
    /// The run stopped before the request was sent.
    #[error("the request was stopped")]
    Stopped,
    /// An answer that is not what GitHub documents (a field missing, a redirect elsewhere).
    #[error("{0}")]
    BadAnswer(String),
    /// GitHub's GraphQL answer is not JSON (its status).
    #[error("GitHub's GraphQL answer ({0}) is not JSON")]
    GraphqlNotJson(u16),
    /// GitHub's GraphQL API ran none of the query.
    #[error("GitHub's GraphQL API refused the query: {0}")]
    GraphqlRefused(String),
    /// An error GitHub's GraphQL API reported for a field or for the whole query.
    #[error("GitHub's GraphQL API: {message}")]
    Graphql {
        /// Its `type` (`FORBIDDEN`, `RATE_LIMITED`, …), when given.
        error_type: Option<String>,
        /// Its `message`.
        message: String,
    },
    /// An error GitHub's GraphQL API reported for a repository, as GitHub words it.
    #[error("{message}")]
    GraphqlRepository {
        /// Its `type`, when given.
        error_type: Option<String>,
        /// Its `message`.
        message: String,
    },
    /// An answer other than the ones expected (401, 403, 404 where a resource must exist, 422…).
    #[error("GitHub answered {status}: {message}")]
    Status {
        /// The HTTP status.
        status: u16,
        /// GitHub's `message`.
        message: String,
    },
}

/// What kind of failure an [`Error`] is, for decisions and summaries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// A rate limit (primary or secondary).
    RateLimit,
    /// The token is refused or may not do this (401, 403).
    Auth,
    /// Not there, or hidden from this token (404).
    NotFound,
    /// No connection, or GitHub failing (5xx).
    Transport,
    /// No answer in time.
    Timeout,
    /// An answer too large to read.
    TooLarge,
    /// Anything else: the client's setup, an unexpected answer.
    Other,
}

impl Error {
    /// The answer GitHub gave with `status` and its JSON `body`'s `message`.
    pub fn status(status: u16, body: &str) -> Error {
        Error::Status {
            status,
            message: message(body),
        }
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> ErrorKind {
        let transient = |cause: &Transient| match cause {
            Transient::Timeout(_) => ErrorKind::Timeout,
            Transient::Unreachable(_) | Transient::Server(_) => ErrorKind::Transport,
            Transient::SecondaryRateLimit => ErrorKind::RateLimit,
        };
        match self {
            Error::GaveUp { cause, .. } | Error::WaitTooLong { cause, .. } => transient(cause),
            Error::RateLimitResetsLate { .. }
            | Error::RateLimitStill { .. }
            | Error::RateLimitNoReset { .. } => ErrorKind::RateLimit,
            Error::TooLarge => ErrorKind::TooLarge,
            Error::Status {
                status: 401 | 403, ..
            } => ErrorKind::Auth,
            Error::Status { status: 404, .. } => ErrorKind::NotFound,
            Error::Graphql { error_type, .. } | Error::GraphqlRepository { error_type, .. } => {
                match error_type.as_deref() {
                    Some("FORBIDDEN") => ErrorKind::Auth,
                    Some("NOT_FOUND") => ErrorKind::NotFound,
                    Some("RATE_LIMITED") => ErrorKind::RateLimit,
                    _ => ErrorKind::Other,
                }
            }
            Error::Setup(_)
            | Error::Runtime(_)
            | Error::Stopped
            | Error::BadAnswer(_)
            | Error::GraphqlNotJson(_)
            | Error::GraphqlRefused(_)
            | Error::Status { .. } => ErrorKind::Other,
        }
    }
}

/// The `message` of a GitHub error body, or `no message`.
pub fn message(body: &str) -> String {
    let body: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
    body["message"].as_str().unwrap_or("no message").to_owned()
}

fn attempts(tries: u32) -> String {
    match tries {
        0 => "1 attempt".to_owned(),
        n => format!("{} attempts", n + 1),
    }
}

fn limit(graphql: bool) -> &'static str {
    if graphql {
        "GitHub's GraphQL rate limit is used up"
    } else {
        "GitHub's API rate limit is used up"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_say_what_happened() {
        let gave_up = Error::GaveUp {
            cause: Transient::Server(502),
            tries: 3,
        };
        assert_eq!(
            gave_up.to_string(),
            "GitHub answered 502 (after 4 attempts)"
        );
        assert_eq!(gave_up.kind(), ErrorKind::Transport);
        let late = Error::RateLimitResetsLate {
            graphql: true,
            in_secs: 600,
            max_wait: 60,
        };
        assert_eq!(
            late.to_string(),
            "GitHub's GraphQL rate limit is used up; it resets in 600s, longer than the 60s this run waits (--max-rate-limit-wait)"
        );
        assert_eq!(late.kind(), ErrorKind::RateLimit);
    }

    #[test]
    fn statuses_are_kinds() {
        let kind = |status| Error::status(status, r#"{"message": "m"}"#).kind();
        assert_eq!(kind(401), ErrorKind::Auth);
        assert_eq!(kind(403), ErrorKind::Auth);
        assert_eq!(kind(404), ErrorKind::NotFound);
        assert_eq!(kind(422), ErrorKind::Other);
        assert_eq!(
            Error::status(422, "not json").to_string(),
            "GitHub answered 422: no message"
        );
        let timeout = Error::GaveUp {
            cause: Transient::Timeout(Duration::from_secs(2)),
            tries: 0,
        };
        assert_eq!(timeout.kind(), ErrorKind::Timeout);
        assert_eq!(
            timeout.to_string(),
            "GitHub did not answer within 2s (after 1 attempt)"
        );
    }
}
