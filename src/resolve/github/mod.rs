//! GitHub targets, through GitHub's API: batched GraphQL when a token allows it, REST otherwise.
//! The token is sent to the configured API host and nowhere else.

pub mod graphql;
pub mod rest;

use std::sync::atomic::{AtomicBool, Ordering};

use futures::future::join_all;

use super::question::{Answer, BlobAnswer, Question};
use crate::github::{Client, Config, Error};
use crate::registry::MAX_FILE_BYTES;

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
    pub fn new(config: Config) -> Result<GitHub, Error> {
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
                            .map(|q| (q.clone(), Answer::Unverified(why.clone().into()))),
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
