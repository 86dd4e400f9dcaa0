//! GitHub targets, through GitHub's API: batched GraphQL when a token allows it, REST otherwise.
//! The token is sent to the configured API host and nowhere else.

pub mod client;
pub mod graphql;
pub mod rest;

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use futures::future::join_all;

use self::client::Client;
use super::remote::{Answer, BlobAnswer, Question};
use crate::registry::MAX_FILE_BYTES;

/// A GitHub token: never printed, never logged (its `Debug` hides it).
#[derive(Clone)]
pub struct Token(String);

impl Token {
    /// Wraps a token; empty strings are no token. A token that cannot go in an HTTP header (a
    /// control character, a space, anything but visible ASCII) is refused: the error says why
    /// without showing it.
    pub fn new(token: String) -> Result<Option<Token>, String> {
        let token = token.trim();
        if let Some(bad) = token.chars().find(|c| !c.is_ascii_graphic()) {
            let what = match bad {
                '\n' | '\r' => "a line break".to_owned(),
                c if c.is_control() => "a control character".to_owned(),
                c if c.is_whitespace() => "a space".to_owned(),
                _ => "a character that is not ASCII".to_owned(),
            };
            return Err(format!(
                "the token contains {what}: a token is visible ASCII (it goes in an HTTP header); set the variable to the token alone"
            ));
        }
        Ok((!token.is_empty()).then(|| Token(token.to_owned())))
    }

    /// The secret itself, for the Authorization header only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(***)")
    }
}

/// Where GitHub's API is and how hard to try.
#[derive(Debug, Clone)]
pub struct Config {
    /// REST base, e.g. `https://api.github.com` or `https://HOST/api/v3`.
    pub api_url: String,
    /// GraphQL endpoint, e.g. `https://api.github.com/graphql` or `https://HOST/api/graphql`.
    pub graphql_url: String,
    /// The token, if any.
    pub token: Option<Token>,
    /// How long one request may take.
    pub timeout: Duration,
    /// Retries after a transient failure (timeout, 5xx, secondary rate limit).
    pub retries: u32,
    /// The first retry's delay; each further one doubles it, plus jitter.
    pub backoff: Duration,
    /// The longest wait for a rate limit to reset; longer, and the rest is left unverified.
    pub max_wait: Duration,
    /// Requests in flight at once.
    pub concurrency: usize,
    /// Fields (aliases) per GraphQL query.
    pub batch_fields: usize,
}

impl Config {
    /// github.com's API with the defaults.
    pub fn github_com(token: Option<Token>) -> Config {
        Config {
            api_url: "https://api.github.com".into(),
            graphql_url: "https://api.github.com/graphql".into(),
            token,
            timeout: Duration::from_secs(30),
            retries: 3,
            backoff: Duration::from_millis(500),
            max_wait: Duration::from_secs(60),
            concurrency: 8,
            batch_fields: 150,
        }
    }
}

/// Answers questions about GitHub repositories.
pub struct GitHub {
    client: Client,
    api_url: String,
    batch_fields: usize,
    /// GraphQL turned out unusable (401/404): everything goes through REST from now on.
    rest_only: AtomicBool,
    rest: rest::Rest,
}

impl GitHub {
    /// A resolver for `config`; must be called inside a tokio runtime.
    pub fn new(config: Config) -> Result<GitHub, String> {
        let api_url = config.api_url.trim_end_matches('/').to_owned();
        let batch_fields = config.batch_fields.max(4);
        let rest_only = AtomicBool::new(config.token.is_none());
        Ok(GitHub {
            client: Client::new(config)?,
            api_url,
            batch_fields,
            rest_only,
            rest: rest::Rest::default(),
        })
    }

    /// Requests sent so far.
    pub fn requests(&self) -> usize {
        self.client.requests()
    }

    /// Answers every question, batched into GraphQL queries when possible.
    pub async fn answer(&self, questions: Vec<Question>) -> Vec<(Question, Answer)> {
        let mut answers = Vec::new();
        let mut for_rest = Vec::new();
        if self.rest_only.load(Ordering::Relaxed) {
            for_rest = questions;
        } else {
            let batches = graphql::batches(questions, self.batch_fields);
            let replies = join_all(batches.iter().map(|b| self.client.graphql(&b.query))).await;
            for (batch, reply) in batches.iter().zip(replies) {
                match reply {
                    Err(why) => answers.extend(
                        batch
                            .questions()
                            .map(|q| (q.clone(), Answer::Unverified(why.clone()))),
                    ),
                    Ok(reply) => match graphql::read(batch, &reply) {
                        Ok(read) => answers.extend(read),
                        Err(graphql::Fallback) => {
                            self.rest_only.store(true, Ordering::Relaxed);
                            for_rest.extend(batch.questions().cloned());
                        }
                    },
                }
            }
        }
        let rest = join_all(
            for_rest
                .iter()
                .map(|q| self.rest.answer(&self.client, &self.api_url, q)),
        )
        .await;
        answers.extend(for_rest.into_iter().zip(rest));
        answers
    }
}

/// Why GitHub may hide a repository it says does not exist.
pub fn not_found_hint(authenticated: bool) -> String {
    if authenticated {
        "if it is private, the token may not have read access to it".into()
    } else {
        "if it is private, set GITHUB_TOKEN (or GH_TOKEN) to a token that can read it".into()
    }
}

/// A blob's answer from its size and its text (`None`: binary).
pub fn answer_for_blob(size: u64, text: Option<String>) -> BlobAnswer {
    if size > MAX_FILE_BYTES {
        return BlobAnswer::Unreadable(format!(
            "it is {size} bytes, over the {MAX_FILE_BYTES}-byte limit for MLEM metadata"
        ));
    }
    match text {
        Some(text) => BlobAnswer::Text(text),
        None => BlobAnswer::Unreadable("it is a binary file".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_that_cannot_be_a_header_are_refused_without_being_shown() {
        assert!(Token::new(" ghp_abc \n".into()).unwrap().is_some());
        assert!(Token::new("  ".into()).unwrap().is_none());
        for bad in ["ghp_a\nb", "ghp_a\rb", "ghp_a b", "ghp_\u{7f}", "ghp_é"] {
            let why = Token::new(bad.into()).unwrap_err();
            assert!(!why.contains("ghp_"), "{why}");
        }
    }

    #[test]
    fn tokens_never_show_in_debug_output() {
        let token = Token::new("ghp_secret".into()).unwrap().unwrap();
        let config = Config::github_com(Some(token));
        assert!(!format!("{config:?}").contains("ghp_secret"));
        assert!(Token::new("  ".into()).unwrap().is_none());
    }
}
