//! Walks run together in rounds: each round gathers every walk's open questions, asks them once
//! (deduplicated, so the resolvers batch them), and lets every walk go as far as the answers
//! allow. A pinned link needs one round; each further hop of a chain adds about one.

use std::collections::HashSet;

use super::chain::MAX_LINKS;
use super::question::{Answer, Answerer, Memo, Question};
use super::unverified::Unverified;
use super::walk::{Step, Walk};
use super::{Outcome, Resolved};

/// How far the walks are, for a progress bar.
#[derive(Debug, Clone, Default)]
pub struct Progress {
    /// Links resolved so far.
    pub done: usize,
    /// Links to resolve in all.
    pub total: usize,
    /// The hosts this round asks (`this machine` for local repositories), sorted: what the run
    /// is waiting for. Empty when nothing is left to ask.
    pub asking: Vec<String>,
}

/// The most rounds a run takes: a chain of `MAX_LINKS` hops, each up to three rounds, then two
/// for the artifacts of the object landed on (their sizes, then DVC's records or LFS pointers).
const MAX_ROUNDS: usize = 3 * (MAX_LINKS + 2) + 2;

/// Runs `walks` to completion over `answerer`, starting from what `memo` already knows.
pub async fn run(
    mut walks: Vec<Walk>,
    memo: &mut Memo,
    answerer: &impl Answerer,
    progress: &(dyn Fn(Progress) + Sync),
) -> Vec<Resolved> {
    let total = walks.len();
    let mut results: Vec<Option<Resolved>> = vec![None; total];
    let mut active: Vec<usize> = (0..total).collect();
    let mut done = 0;
    for _ in 0..MAX_ROUNDS {
        let mut asked = HashSet::new();
        active.retain(|&i| match walks[i].step(memo) {
            Step::Ask(questions) => {
                asked.extend(questions);
                true
            }
            Step::Done(resolved) => {
                results[i] = Some(resolved);
                done += 1;
                false
            }
        });
        let mut questions: Vec<Question> = asked.into_iter().collect();
        questions.sort();
        let mut asking: Vec<String> = questions.iter().map(|q| q.repo().host()).collect();
        asking.sort();
        asking.dedup();
        progress(Progress {
            done,
            total,
            asking,
        });
        if questions.is_empty() {
            break;
        }
        let answers = answerer.answer(questions.clone()).await;
        memo.extend(answers);
        for question in questions {
            memo.entry(question).or_insert_with(|| {
                Answer::Unverified(Unverified::Unanswered("the resolver gave no answer".into()))
            });
        }
    }
    for i in active {
        results[i] = Some(Resolved::from(Outcome::Unverified {
            target: walks[i].shown_repository().to_owned(),
            why: "the chain of links needs too many lookups".into(),
        }));
    }
    results.into_iter().map(Option::unwrap_or_default).collect()
}
