//! Links to other repositories, looked up on the network: sets up the GitHub and git resolvers,
//! the cache and an async runtime, then runs every link's walk to completion.

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::Resolved;
use super::cache::Cache;
use super::git::{LocalRepos, RemoteRepos};
use super::github::GitHub;
use super::question::{Answer, Answerer, Memo, Question};
use super::rounds::{self, Progress};
use super::target::{GitHubHosts, RepoId};
use super::unverified::Unverified;
use super::walk::Walk;
use crate::github;
use crate::mlem::Link;

/// How to reach other repositories.
#[derive(Debug, Clone)]
pub struct Online {
    /// GitHub's API, for the first of `hosts`.
    pub github: github::Config,
    /// Other GitHub hosts (Enterprise, from the config's `[hosts]`), each with its own API and
    /// token: a token goes to its own host only.
    pub enterprise: Vec<(String, github::Config)>,
    /// Web hosts whose URLs are GitHub repositories: the primary one first, then `enterprise`'s.
    pub hosts: GitHubHosts,
    /// Where chains of links may lead (the config's allow-lists).
    pub allow: super::target::AllowList,
    /// Where answers about pinned targets are kept across runs.
    pub cache: Option<PathBuf>,
    /// How long looking links up may take in all (`None`: no limit): past it, what is still
    /// open is unverified and the run reports normally.
    pub timeout: Option<Duration>,
    /// When the run began looking links up ([`run_start`]): `timeout` counts from there for every
    /// pass of the run (a check, then the two sides of its summary's diff; each commit of a log).
    pub started: Instant,
    /// Keep the text of each object a link lands on, for a review to compare (`diff`, `log`):
    /// a check keeps only what its rules need.
    pub keep_objects: bool,
    /// How long one listing of a git remote's refs may take.
    pub git_timeout: Duration,
}

/// What a run cost.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// HTTP requests sent to GitHub, retries included.
    pub requests: usize,
}

/// When this process first set up looking links up: one run's `--timeout` bounds all of its
/// lookups together, however many passes it makes.
pub fn run_start() -> Instant {
    static START: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    *START.get_or_init(Instant::now)
}

/// Resolves one link to another repository through `online`; `None` (no network): the link is
/// unverified, for `--offline`.
pub fn resolve_one(
    link: &Link,
    online: Option<&Online>,
    progress: &(dyn Fn(Progress) + Sync),
) -> Resolved {
    match online {
        Some(online) => resolve(&[link], online, progress)
            .0
            .pop()
            .unwrap_or_default(),
        None => Resolved::unverified(link, "--offline"),
    }
}

/// Resolves `links` (each names another repository), in order.
pub fn resolve(
    links: &[&Link],
    online: &Online,
    progress: &(dyn Fn(Progress) + Sync),
) -> (Vec<Resolved>, Stats) {
    if links.is_empty() {
        return (Vec::new(), Stats::default());
    }
    let runtime = match crate::github::runtime() {
        Ok(runtime) => runtime,
        Err(error) => return all_unverified(links, &error.to_string()),
    };
    runtime.block_on(async {
        let primary = online.hosts.primary().to_owned();
        let mut github = Vec::new();
        for (host, config) in std::iter::once((&primary, &online.github)).chain(
            online
                .enterprise
                .iter()
                .map(|(host, config)| (host, config)),
        ) {
            match GitHub::new(config.clone()) {
                Ok(api) => github.push((host.clone(), api)),
                Err(why) => return all_unverified(links, &why.to_string()),
            }
        }
        let cache = online
            .cache
            .as_deref()
            .map(|dir| Cache::open(dir, online.github.api_url.trim_end_matches('/')));
        // Far enough away to mean "no limit", near enough not to overflow.
        let unlimited = Duration::from_secs(100 * 365 * 24 * 3600);
        let hosts = Hosts {
            github,
            local: LocalRepos,
            remotes: RemoteRepos::new(online.git_timeout),
            cache: Mutex::new(cache),
            deadline: online.started + online.timeout.unwrap_or(unlimited),
            timeout: online.timeout,
        };
        let mut results: Vec<Option<Resolved>> = vec![None; links.len()];
        let mut walks = Vec::new();
        let mut walked = Vec::new();
        let records = std::sync::Arc::<crate::resolve::artifact::Records>::default();
        for (index, link) in links.iter().enumerate() {
            match Walk::new(link, &online.hosts, &online.allow) {
                Ok(walk) => {
                    walks.push(
                        walk.sharing(records.clone())
                            .keeping_text(online.keep_objects),
                    );
                    walked.push(index);
                }
                Err(outcome) => results[index] = Some(outcome.into()),
            }
        }
        let resolved = rounds::run(walks, &mut Memo::new(), &hosts, progress).await;
        for (index, resolved) in walked.into_iter().zip(resolved) {
            results[index] = Some(resolved);
        }
        if let Some(cache) = hosts
            .cache
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
        {
            // A cache that cannot be written costs the next run time, not this run's result.
            let _ = cache.save();
        }
        let stats = Stats {
            requests: hosts.github.iter().map(|(_, api)| api.requests()).sum(),
        };
        (
            results.into_iter().map(Option::unwrap_or_default).collect(),
            stats,
        )
    })
}

fn all_unverified(links: &[&Link], why: &str) -> (Vec<Resolved>, Stats) {
    let resolved = links
        .iter()
        .map(|link| Resolved::unverified(link, why))
        .collect();
    (resolved, Stats::default())
}

/// Sends each question to the resolver for its host, through the cache.
struct Hosts {
    /// Each GitHub host's API, the primary host first.
    github: Vec<(String, GitHub)>,
    local: LocalRepos,
    remotes: RemoteRepos,
    cache: Mutex<Option<Cache>>,
    /// When the run's time for lookups is up.
    deadline: Instant,
    /// The run's `--timeout`, for messages.
    timeout: Option<Duration>,
}

impl Hosts {
    fn cached(&self, question: &Question) -> Option<Answer> {
        let cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        cache.as_ref()?.get(question)
    }

    /// Why questions still open at the deadline are unverified.
    fn out_of_time(&self) -> Unverified {
        Unverified::OutOfTime(self.timeout.map_or(0, |t| t.as_secs()))
    }

    /// `questions`, each unverified for running out of time.
    fn timed_out(&self, questions: Vec<Question>) -> Vec<(Question, Answer)> {
        let why = self.out_of_time();
        questions
            .into_iter()
            .map(|question| (question, Answer::Unverified(why.clone())))
            .collect()
    }
}

impl Answerer for Hosts {
    async fn answer(&self, questions: Vec<Question>) -> Vec<(Question, Answer)> {
        let mut answers = Vec::with_capacity(questions.len());
        let mut github: Vec<Vec<Question>> = vec![Vec::new(); self.github.len()];
        let mut unserved = Vec::new();
        let (mut local, mut remote) = (Vec::new(), Vec::new());
        for question in questions {
            if let Some(answer) = self.cached(&question) {
                answers.push((question, answer));
                continue;
            }
            match question.repo() {
                RepoId::GitHub { host, .. } => {
                    match self.github.iter().position(|(h, _)| h == host) {
                        Some(api) => github[api].push(question),
                        // No API is configured for it: never another host's API (and token).
                        None => unserved.push(question),
                    }
                }
                RepoId::Local(_) => local.push(question),
                RepoId::Remote(_) => remote.push(question),
            }
        }
        let mut fresh = self.local.answer(local);
        fresh.extend(
            unserved
                .into_iter()
                .map(|question| (question, Answer::Unverified(Unverified::NoApi))),
        );
        if Instant::now() >= self.deadline {
            fresh.extend(self.timed_out(github.into_iter().flatten().chain(remote).collect()));
            answers.extend(fresh);
            return answers;
        }
        // GitHub's batches and the git remotes (each on a thread of its own) side by side, all
        // cut off at the run's deadline.
        let asked = self
            .github
            .iter()
            .zip(github)
            .filter(|(_, questions)| !questions.is_empty())
            .map(|((_, api), questions)| async move {
                let kept = questions.clone();
                match tokio::time::timeout_at(self.deadline.into(), api.answer(questions)).await {
                    Ok(answered) => answered,
                    Err(_) => self.timed_out(kept),
                }
            });
        let remotes = async {
            if remote.is_empty() {
                Vec::new()
            } else {
                self.remotes.answer(remote, self.deadline).await
            }
        };
        let (answered, remote_answers) = futures::join!(futures::future::join_all(asked), remotes);
        for answered in answered {
            fresh.extend(answered);
        }
        fresh.extend(remote_answers);
        if let Some(cache) = self
            .cache
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_mut()
        {
            for (question, answer) in &fresh {
                cache.put(question, answer);
            }
        }
        answers.extend(fresh);
        answers
    }
}
