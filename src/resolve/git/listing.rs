//! Other git remotes (GitLab, Bitbucket, self-hosted; https, ssh, git): each one's refs listed
//! once, over transports bounded in time and bytes ([`super::bounded`]), several remotes at once,
//! answering for the repository and its revs (files need a fetch, which is never made).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::bounded;
use crate::github::ErrorKind;
use crate::resolve::question::{Answer, Question, RepoAnswer, RevAnswer, RevKind};
use crate::resolve::target::RepoId;
use crate::resolve::unverified::Unverified;

/// The most one remote's ref listing may send: a larger one is left unverified, not read whole.
pub const MAX_LISTING_BYTES: u64 = 16 << 20;

/// The most all listings of a run may read together (their refs are kept for the run).
pub const MAX_LISTINGS_BYTES: u64 = 48 << 20;

/// How many remotes are asked at once.
const REMOTES_AT_ONCE: usize = 8;

/// Answers questions about other git remotes from the refs they advertise. Each remote is listed
/// once, on a thread of its own, several at once, each within its deadline and byte cap.
pub struct RemoteRepos {
    /// Each remote's refs (full name → commit), listed once per run.
    refs: Mutex<HashMap<String, Result<Refs, Listing>>>,
    /// A scratch repository: gix connects to remotes on behalf of one.
    scratch: Mutex<Option<Result<Scratch, Unverified>>>,
    in_flight: tokio::sync::Semaphore,
    /// How long one listing may take.
    timeout: Duration,
    /// What all listings may still read.
    budget: bounded::Budget,
}

impl Drop for RemoteRepos {
    fn drop(&mut self) {
        bounded::stop_listings();
    }
}

impl Default for RemoteRepos {
    fn default() -> RemoteRepos {
        RemoteRepos::new(Duration::from_secs(30))
    }
}

/// A remote's refs: (full name, commit id), tags peeled.
type Refs = Vec<(String, String)>;

/// Why a remote's refs could not be listed.
#[derive(Debug, Clone)]
enum Listing {
    /// The remote says there is no such repository (or hides it without credentials).
    NotFound(String),
    /// Anything else: network, protocol, timeout, too large.
    Failed(Unverified),
}

/// A bare repository in a fresh temporary directory ([`crate::scratch::Dir`]), removed when the
/// run ends.
struct Scratch {
    repo: gix::ThreadSafeRepository,
    _dir: crate::scratch::Dir,
}

impl RemoteRepos {
    /// Resolvers whose listings each take at most `timeout`.
    pub fn new(timeout: Duration) -> RemoteRepos {
        RemoteRepos {
            refs: Mutex::default(),
            scratch: Mutex::default(),
            in_flight: tokio::sync::Semaphore::new(REMOTES_AT_ONCE),
            timeout,
            budget: bounded::Budget::default(),
        }
    }

    /// Answers `questions`, all about other git remotes, by `deadline` at the latest: a remote
    /// that has not answered by then leaves its links unverified.
    pub async fn answer(
        &self,
        questions: Vec<Question>,
        deadline: Instant,
    ) -> Vec<(Question, Answer)> {
        let mut urls: Vec<&str> = questions
            .iter()
            .filter_map(|question| match question.repo() {
                RepoId::Remote(url) => Some(url.as_str()),
                _ => None,
            })
            .filter(|url| !self.lock_refs().contains_key(*url))
            .collect();
        urls.sort_unstable();
        urls.dedup();
        let listed =
            futures::future::join_all(urls.iter().map(|url| self.list(url, deadline))).await;
        self.lock_refs()
            .extend(urls.iter().map(|url| url.to_string()).zip(listed));
        let refs = self.lock_refs();
        questions
            .into_iter()
            .map(|question| {
                let RepoId::Remote(url) = question.repo() else {
                    let why = Unverified::Unanswered("not a git remote".into());
                    return (question, Answer::Unverified(why));
                };
                let answer = match refs.get(url) {
                    None => {
                        Answer::Unverified(Unverified::Unanswered(format!("`{url}` was not asked")))
                    }
                    Some(Err(Listing::Failed(why))) => Answer::Unverified(why.clone()),
                    Some(Err(Listing::NotFound(why))) => Answer::nothing_for(
                        &question,
                        RepoAnswer::NotFound {
                            hint: Some(why.clone()),
                        },
                    ),
                    Some(Ok(refs)) => answer_from_refs(&question, url, refs),
                };
                (question, answer)
            })
            .collect()
    }

    fn lock_refs(&self) -> std::sync::MutexGuard<'_, HashMap<String, Result<Refs, Listing>>> {
        self.refs.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Lists `url`'s refs on a thread of its own. At the deadline the thread is left behind (it
    /// stops itself at its own deadline: every read it makes is bounded) and the listing fails.
    async fn list(&self, url: &str, run_deadline: Instant) -> Result<Refs, Listing> {
        let Ok(_permit) = self.in_flight.acquire().await else {
            return Err(failed("the lookup was stopped".into(), ErrorKind::Other));
        };
        let deadline = run_deadline.min(Instant::now() + self.timeout);
        let repo = self.scratch()?;
        let (send, receive) = tokio::sync::oneshot::channel();
        let owned = url.to_owned();
        let limits = bounded::Limits {
            deadline,
            budget: self.budget.clone(),
        };
        let spawned = std::thread::Builder::new()
            .name("ls-remote".into())
            .spawn(move || {
                let repo = repo.to_thread_local();
                let _ = send.send(list_refs(&repo, &owned, &limits));
            });
        if let Err(error) = spawned {
            let why = format!("cannot start a thread: {error}");
            return Err(failed(why, ErrorKind::Other));
        }
        match tokio::time::timeout_at(deadline.into(), receive).await {
            Ok(Ok(listed)) => listed,
            Ok(Err(_)) => Err(failed(
                format!("listing the refs of `{url}` failed"),
                ErrorKind::Other,
            )),
            Err(_) if deadline < run_deadline => Err(failed(
                format!(
                    "`{url}` did not list its refs within {}s (--request-timeout)",
                    self.timeout.as_secs().max(1)
                ),
                ErrorKind::Timeout,
            )),
            Err(_) => Err(failed(
                format!("the run's time limit (--timeout) was up before `{url}` listed its refs"),
                ErrorKind::Timeout,
            )),
        }
    }

    fn scratch(&self) -> Result<gix::ThreadSafeRepository, Listing> {
        let mut scratch = self.scratch.lock().unwrap_or_else(|p| p.into_inner());
        match scratch.get_or_insert_with(Scratch::new) {
            Ok(scratch) => Ok(scratch.repo.clone()),
            Err(why) => Err(Listing::Failed(why.clone())),
        }
    }
}

impl Scratch {
    fn new() -> Result<Scratch, Unverified> {
        crate::tls::install_provider();
        let (dir, repo) = crate::scratch::Dir::new("mlem-registry-", Scratch::fill)
            .map_err(|e| failed_why(format!("cannot set up git: {e}")))?;
        Ok(Scratch {
            repo: repo.into_sync(),
            _dir: dir,
        })
    }

    /// Makes a bare repository at `dir` whose config is its own and bounds every transport.
    fn fill(dir: &std::path::Path) -> Result<gix::Repository, Box<dyn std::error::Error>> {
        gix::init_bare(dir)?;
        // Nothing may prompt or hang: ssh in batch mode, time limits on HTTP (the listing's own
        // deadline and byte cap bound every transport besides).
        // No redirects: a link names its host, and the allow-list judged that host only.
        let settings = "[http]\n\tlowSpeedLimit = 1024\n\tlowSpeedTime = 10\n\tfollowRedirects = false\n\
                        [gitoxide \"http\"]\n\tconnectTimeout = 10000\n";
        let config = dir.join("config");
        let mut text = std::fs::read_to_string(&config).unwrap_or_default();
        text.push_str(settings);
        std::fs::write(&config, text)?;
        // Only the scratch repository's own config: never the user's or the system's (an
        // `http.extraHeader` or credential helper there would go to whatever host a link names),
        // nor GIT_CONFIG_* from the environment.
        let permissions = gix::open::Permissions {
            config: gix::open::permissions::Config::isolated(),
            ..gix::open::Permissions::default()
        };
        let options = gix::open::Options::default().permissions(permissions);
        Ok(gix::open_opts(dir, options)?)
    }
}

/// Lists `url`'s branches and tags (commits peeled), with no credentials (nothing may prompt),
/// over a transport whose every read is bounded by `deadline` and [`MAX_LISTING_BYTES`].
fn list_refs(repo: &gix::Repository, url: &str, limits: &bounded::Limits) -> Result<Refs, Listing> {
    let failed = |e: &dyn std::error::Error| classify(url, &crate::error::describe(e));
    let remote = repo
        .remote_at(url)
        .map_err(|e| failed(&e))?
        .with_refspecs(
            ["+refs/heads/*:refs/remotes/r/*", "+refs/tags/*:refs/tags/*"],
            gix::remote::Direction::Fetch,
        )
        .map_err(|e| failed(&e))?;
    let transport =
        bounded::transport(url, limits).map_err(|why| classify(url, &why.to_string()))?;
    let connection = remote
        .to_connection_with_transport(transport)
        .with_credentials(|_| Ok(None));
    let options = gix::remote::ref_map::Options {
        prefix_from_spec_as_filter_on_remote: false,
        ..Default::default()
    };
    let (map, _) = connection
        .ref_map(gix::progress::Discard, options)
        .map_err(|e| failed(&e))?;
    Ok(map
        .remote_refs
        .iter()
        .filter_map(|r| {
            let (name, target, peeled) = r.unpack();
            Some((name.to_string(), peeled.or(target)?.to_string()))
        })
        .collect())
}

/// The commit the ref `name` points at.
fn sha_of(refs: &[(String, String)], name: &str) -> Option<String> {
    refs.iter()
        .find(|(n, _)| n == name)
        .map(|(_, sha)| sha.clone())
}

/// What `rev` names among `refs`: a full ref name, a tag, a branch, or a commit id a ref points
/// at. Only a plain name that no ref has is "not found"; anything else git could accept (an id no
/// ref points at, `main~1`) cannot be settled without fetching.
fn rev_from_refs(url: &str, refs: &[(String, String)], rev: &str) -> Answer {
    let find = |name: &str| sha_of(refs, name);
    let commit = |sha: String, kind| Answer::Rev(RevAnswer::Commit { sha, kind });
    if rev == "HEAD" || rev.starts_with("refs/") {
        return match find(rev) {
            Some(sha) if rev.starts_with("refs/tags/") => commit(sha, RevKind::Tag),
            Some(sha) => commit(sha, RevKind::Branch),
            None => Answer::Rev(RevAnswer::NotFound),
        };
    }
    if let Some(sha) = find(&format!("refs/tags/{rev}")) {
        return commit(sha, RevKind::Tag);
    }
    if let Some(sha) = find(&format!("refs/heads/{rev}")) {
        return commit(sha, RevKind::Branch);
    }
    let hex = rev.len() >= 4 && rev.bytes().all(|b| b.is_ascii_hexdigit());
    if hex {
        let prefix = rev.to_ascii_lowercase();
        if let Some((_, sha)) = refs.iter().find(|(_, sha)| sha.starts_with(&prefix)) {
            return commit(sha.clone(), RevKind::Commit);
        }
    }
    if hex || rev.contains(['~', '^', '@', ':']) {
        return Answer::Unverified(Unverified::NeedsFetch(format!(
            "`{url}` is not on GitHub: `{rev}` cannot be checked without fetching (only branches, tags and the commits they point at are listed)"
        )));
    }
    Answer::Rev(RevAnswer::NotFound)
}

/// Sorts a failed listing: the server saying the repository is not there (HTTP 404, 401, git's
/// "not found"/"not exported") is a finding; anything else (timeouts, 403/429 limits, ssh keys,
/// DNS) leaves the link unverified. The URL is left out of the match: it may contain "404".
fn classify(url: &str, text: &str) -> Listing {
    let lower = text.replace(url, "").to_lowercase();
    let missing = [
        "status 404",
        "status code 404",
        "404 not found",
        "status 401",
        "status code 401",
        "repository not found",
        "does not appear to be a git repository",
        "not exported",
        "does not exist",
    ];
    if missing.iter().any(|k| lower.contains(k)) {
        Listing::NotFound(format!(
            "the remote does not know it, or wants credentials ({text})"
        ))
    } else {
        let kind = if lower.contains("within") || lower.contains("timed out") {
            ErrorKind::Timeout
        } else if lower.contains("larger than") {
            ErrorKind::TooLarge
        } else {
            ErrorKind::Transport
        };
        failed(format!("cannot list the refs of `{url}`: {text}"), kind)
    }
}

/// A listing that failed for `text`, of `kind`.
fn failed(text: String, kind: ErrorKind) -> Listing {
    Listing::Failed(Unverified::Git { text, kind })
}

/// Why git cannot be used at all (its setup failed).
fn failed_why(text: String) -> Unverified {
    Unverified::Git {
        text,
        kind: ErrorKind::Other,
    }
}

/// What `refs` say about `question`: branches and tags are known, files are not.
fn answer_from_refs(question: &Question, url: &str, refs: &[(String, String)]) -> Answer {
    match question {
        Question::Repo(_) => Answer::Repo(RepoAnswer::Found {
            name: url.to_owned(),
            archived: false,
        }),
        Question::Rev(_, None) => match sha_of(refs, "HEAD") {
            Some(sha) => {
                let branch = refs
                    .iter()
                    .find(|(n, s)| n.starts_with("refs/heads/") && *s == sha)
                    .map_or("HEAD".into(), |(n, _)| n["refs/heads/".len()..].to_owned());
                Answer::Rev(RevAnswer::Commit {
                    sha,
                    kind: RevKind::DefaultBranch(branch),
                })
            }
            None => Answer::Rev(RevAnswer::NotFound),
        },
        Question::Rev(_, Some(rev)) => rev_from_refs(url, refs, rev),
        Question::Blob(..) | Question::Size(..) => {
            Answer::Unverified(Unverified::NeedsFetch(format!(
                "`{url}` is not on GitHub: its repository and rev were checked over the git protocol, but files cannot be read without fetching"
            )))
        }
    }
}
