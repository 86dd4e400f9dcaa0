//! Everything that speaks to GitHub's API: where it is (and so where a token may go), the token,
//! the HTTP client with its retries and rate-limit waits, and check runs. The resolvers ask
//! their questions through [`Client`]; nothing else in the library sends a request to GitHub.

pub mod check_run;
pub mod client;
pub mod endpoint;
pub mod error;
pub mod event;
pub mod token;

pub use client::{Client, Config, Reply};
pub use error::{Error, ErrorKind, Transient};
pub use token::{Token, TokenError};

/// The largest answer read from GitHub: a batch of link targets is a few hundred KiB; anything
/// larger leaves its links unverified rather than be read whole.
pub const MAX_BODY_BYTES: usize = 8 << 20;

/// The run's one async runtime, started on first use: GitHub's requests, check runs and git
/// listings all run on it.
pub fn runtime() -> Result<&'static tokio::runtime::Runtime, Error> {
    static RUNTIME: std::sync::OnceLock<std::io::Result<tokio::runtime::Runtime>> =
        std::sync::OnceLock::new();
    RUNTIME
        .get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
        })
        .as_ref()
        .map_err(|why| Error::Runtime(why.to_string()))
}
