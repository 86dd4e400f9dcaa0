//! Targets that are not on GitHub, resolved with gix: a repository on this machine (`file://` or
//! a path) is read in full — refs, commits, trees, blobs — without a checkout; any other git
//! remote (GitLab, Bitbucket, self-hosted; https, ssh, git) has its refs listed over the git
//! protocol, which verifies the repository and the rev but cannot read files without a fetch.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use super::github::answer_for_blob;
use super::remote::{Answer, BlobAnswer, Question, RepoAnswer, RevAnswer, RevKind};
use super::target::RepoId;

/// Answers questions about repositories on this machine.
#[derive(Debug, Default)]
pub struct LocalRepos;

impl LocalRepos {
    /// Answers `questions`, all about repositories on this machine.
    pub fn answer(&self, questions: Vec<Question>) -> Vec<(Question, Answer)> {
        let mut answers = Vec::with_capacity(questions.len());
        let mut open: Option<(RepoId, Result<gix::Repository, String>)> = None;
        for question in questions {
            let RepoId::Local(path) = question.repo() else {
                let why = "not a repository on this machine".to_owned();
                answers.push((question, Answer::Unverified(why)));
                continue;
            };
            if open.as_ref().is_none_or(|(id, _)| id != question.repo()) {
                open = Some((question.repo().clone(), open_repo(path)));
            }
            let repo = match &open {
                Some((_, Ok(repo))) => repo,
                _ => {
                    let answer = match question {
                        Question::Repo(_) => Answer::Repo(RepoAnswer::NotFound { hint: None }),
                        Question::Rev(..) => Answer::Rev(RevAnswer::NotFound),
                        Question::Blob(..) => Answer::Blob(BlobAnswer::Missing),
                    };
                    answers.push((question, answer));
                    continue;
                }
            };
            let answer = match &question {
                // Git itself has no notion of an archived repository.
                Question::Repo(_) => Answer::Repo(RepoAnswer::Found {
                    name: path.display().to_string(),
                    archived: false,
                }),
                Question::Rev(_, rev) => Answer::Rev(rev_of(repo, rev.as_deref())),
                Question::Blob(_, rev, file) => Answer::Blob(blob_of(repo, rev.as_deref(), file)),
            };
            answers.push((question, answer));
        }
        answers
    }
}

fn open_repo(path: &Path) -> Result<gix::Repository, String> {
    gix::open(path).map_err(|e| e.to_string())
}

/// The commit `rev` names (`None`: `HEAD`), and whether it is a branch, tag or commit id.
fn rev_of(repo: &gix::Repository, rev: Option<&str>) -> RevAnswer {
    let spec = rev.unwrap_or("HEAD");
    let Some(sha) = commit_id(repo, spec) else {
        return RevAnswer::NotFound;
    };
    let exists = |name: String| {
        repo.try_find_reference(name.as_str())
            .ok()
            .flatten()
            .is_some()
    };
    let kind = match rev {
        None => {
            let branch = repo
                .head_name()
                .ok()
                .flatten()
                .map(|name| name.shorten().to_string())
                .unwrap_or_else(|| "HEAD".into());
            RevKind::DefaultBranch(branch)
        }
        Some(rev) if exists(format!("refs/tags/{rev}")) => RevKind::Tag,
        Some(rev) if exists(format!("refs/heads/{rev}")) => RevKind::Branch,
        Some(_) => RevKind::Commit,
    };
    RevAnswer::Commit { sha, kind }
}

fn commit_id(repo: &gix::Repository, spec: &str) -> Option<String> {
    let id = repo.rev_parse_single(spec).ok()?;
    let commit = id.object().ok()?.peel_to_commit().ok()?;
    Some(commit.id.to_string())
}

/// What is at `file` in the commit `rev` names.
fn blob_of(repo: &gix::Repository, rev: Option<&str>, file: &str) -> BlobAnswer {
    let Some(sha) = commit_id(repo, rev.unwrap_or("HEAD")) else {
        return BlobAnswer::Missing;
    };
    let Ok(object) = repo.rev_parse_single(format!("{sha}:{file}").as_str()) else {
        return BlobAnswer::Missing;
    };
    let Ok(header) = repo.find_header(object.detach()) else {
        return BlobAnswer::Missing;
    };
    if header.kind() != gix::object::Kind::Blob {
        return BlobAnswer::NotAFile;
    }
    let size = header.size();
    if size > crate::rules::file_too_large::MAX_FILE_BYTES {
        return answer_for_blob(size, None);
    }
    match repo.find_object(object.detach()) {
        Ok(blob) => answer_for_blob(size, String::from_utf8(blob.data.clone()).ok()),
        Err(_) => BlobAnswer::Missing,
    }
}

/// Answers questions about other git remotes from the refs they advertise.
#[derive(Default)]
pub struct RemoteRepos {
    /// Each remote's refs (full name → commit), listed once per run.
    refs: Mutex<HashMap<String, Result<Refs, Listing>>>,
    /// A scratch repository: gix connects to remotes on behalf of one.
    scratch: Mutex<Option<Scratch>>,
}

/// A remote's refs: (full name, commit id), tags peeled.
type Refs = Vec<(String, String)>;

/// Why a remote's refs could not be listed.
#[derive(Debug, Clone)]
enum Listing {
    /// The remote says there is no such repository (or hides it without credentials).
    NotFound(String),
    /// Anything else: network, protocol, timeout.
    Failed(String),
}

/// A bare repository in the temp dir, removed when the run ends.
struct Scratch {
    dir: PathBuf,
    repo: gix::Repository,
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl RemoteRepos {
    /// Answers `questions`, all about other git remotes. Blocks on the network.
    pub fn answer(&self, questions: Vec<Question>) -> Vec<(Question, Answer)> {
        questions
            .into_iter()
            .map(|question| {
                let RepoId::Remote(url) = question.repo() else {
                    let why = "not a git remote".to_owned();
                    return (question, Answer::Unverified(why));
                };
                let answer = match self.list(url) {
                    Err(Listing::Failed(why)) => Answer::Unverified(why),
                    Err(Listing::NotFound(why)) => match &question {
                        Question::Repo(_) => Answer::Repo(RepoAnswer::NotFound { hint: Some(why) }),
                        Question::Rev(..) => Answer::Rev(RevAnswer::NotFound),
                        Question::Blob(..) => Answer::Blob(BlobAnswer::Missing),
                    },
                    Ok(refs) => answer_from_refs(&question, url, &refs),
                };
                (question, answer)
            })
            .collect()
    }

    fn list(&self, url: &str) -> Result<Refs, Listing> {
        if let Some(known) = self.refs.lock().unwrap_or_else(|p| p.into_inner()).get(url) {
            return known.clone();
        }
        let listed = self.list_uncached(url);
        self.refs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(url.to_owned(), listed.clone());
        listed
    }

    fn list_uncached(&self, url: &str) -> Result<Refs, Listing> {
        let mut scratch = self.scratch.lock().unwrap_or_else(|p| p.into_inner());
        if scratch.is_none() {
            *scratch = Some(Scratch::new().map_err(Listing::Failed)?);
        }
        let repo = &scratch.as_ref().expect("set above").repo;
        list_refs(repo, url)
    }
}

impl Scratch {
    fn new() -> Result<Scratch, String> {
        static RUN: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = RUN.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("mlem-registry-{}-{n}", std::process::id()));
        gix::init_bare(&dir).map_err(|e| format!("cannot set up git: {e}"))?;
        // Nothing may prompt or hang: ssh in batch mode, and time limits on HTTP.
        let settings = "[core]\n\tsshCommand = ssh -o BatchMode=yes -o ConnectTimeout=20\n\
                        [http]\n\tlowSpeedLimit = 1\n\tlowSpeedTime = 30\n\
                        [gitoxide \"http\"]\n\tconnectTimeout = 20000\n";
        let config = dir.join("config");
        let mut text = std::fs::read_to_string(&config).unwrap_or_default();
        text.push_str(settings);
        std::fs::write(&config, text).map_err(|e| format!("cannot set up git: {e}"))?;
        // Only the scratch repository's own config: never the user's or the system's (an
        // `http.extraHeader` or credential helper there would go to whatever host a link names),
        // nor GIT_CONFIG_* from the environment.
        let permissions = gix::open::Permissions {
            config: gix::open::permissions::Config::isolated(),
            ..gix::open::Permissions::default()
        };
        let repo = gix::open_opts(&dir, gix::open::Options::default().permissions(permissions))
            .map_err(|e| format!("cannot set up git: {e}"))?;
        Ok(Scratch { dir, repo })
    }
}

/// Lists `url`'s branches and tags (commits peeled), with no credentials: nothing may prompt.
fn list_refs(repo: &gix::Repository, url: &str) -> Result<Refs, Listing> {
    let failed = |e: &dyn std::error::Error| classify(url, &super::describe(e));
    let remote = repo
        .remote_at(url)
        .map_err(|e| failed(&e))?
        .with_refspecs(
            ["+refs/heads/*:refs/remotes/r/*", "+refs/tags/*:refs/tags/*"],
            gix::remote::Direction::Fetch,
        )
        .map_err(|e| failed(&e))?;
    let connection = remote
        .connect(gix::remote::Direction::Fetch)
        .map_err(|e| failed(&e))?
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
        return Answer::Unverified(format!(
            "`{url}` is not on GitHub: `{rev}` cannot be checked without fetching (only branches, tags and the commits they point at are listed)"
        ));
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
        Listing::Failed(format!("cannot list the refs of `{url}`: {text}"))
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
        Question::Blob(..) => Answer::Unverified(format!(
            "`{url}` is not on GitHub: its repository and rev were checked over the git protocol, but files cannot be read without fetching"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    fn git(dir: &Path, args: &[&str]) {
        let ok = Command::new("git")
            .args(["-c", "user.name=T", "-c", "user.email=t@example.invalid"])
            .args(["-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false"])
            .args(args)
            .current_dir(dir)
            .status()
            .unwrap()
            .success();
        assert!(ok, "git {args:?}");
    }

    /// A repository with branch `main`, annotated tag `v1` and `models/rf.mlem`.
    fn repo() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        git(dir.path(), &["init", "-q", "-b", "main"]);
        std::fs::create_dir(dir.path().join("models")).unwrap();
        std::fs::write(dir.path().join("models/rf.mlem"), "object_type: model\n").unwrap();
        git(dir.path(), &["add", "."]);
        git(dir.path(), &["commit", "-qm", "one"]);
        git(dir.path(), &["tag", "-a", "v1", "-m", "v1"]);
        dir
    }

    #[test]
    fn a_local_repository_is_read_in_full() {
        let dir = repo();
        let id = RepoId::Local(dir.path().to_owned());
        let answers = LocalRepos.answer(vec![
            Question::Rev(id.clone(), Some("v1".into())),
            Question::Rev(id.clone(), None),
            Question::Blob(id.clone(), Some("v1".into()), "models/rf.mlem".into()),
            Question::Blob(id.clone(), Some("v1".into()), "models".into()),
            Question::Rev(id.clone(), Some("nope".into())),
        ]);
        assert!(matches!(
            &answers[0].1,
            Answer::Rev(RevAnswer::Commit {
                kind: RevKind::Tag,
                ..
            })
        ));
        assert!(
            matches!(&answers[1].1, Answer::Rev(RevAnswer::Commit { kind: RevKind::DefaultBranch(b), .. }) if b == "main")
        );
        assert_eq!(
            answers[2].1,
            Answer::Blob(BlobAnswer::Text("object_type: model\n".into()))
        );
        assert_eq!(answers[3].1, Answer::Blob(BlobAnswer::NotAFile));
        assert_eq!(answers[4].1, Answer::Rev(RevAnswer::NotFound));
    }

    #[test]
    fn a_remote_is_known_by_its_refs_over_the_git_protocol() {
        let dir = repo();
        let url = format!("file://{}", dir.path().display());
        let id = RepoId::Remote(url.clone());
        let answers = RemoteRepos::default().answer(vec![
            Question::Repo(id.clone()),
            Question::Rev(id.clone(), Some("v1".into())),
            Question::Rev(id.clone(), Some("main".into())),
            Question::Rev(id.clone(), Some("nope".into())),
            Question::Blob(id.clone(), Some("v1".into()), "models/rf.mlem".into()),
        ]);
        assert!(
            matches!(&answers[0].1, Answer::Repo(RepoAnswer::Found { .. })),
            "{answers:?}"
        );
        assert!(matches!(
            &answers[1].1,
            Answer::Rev(RevAnswer::Commit {
                kind: RevKind::Tag,
                ..
            })
        ));
        assert!(matches!(
            &answers[2].1,
            Answer::Rev(RevAnswer::Commit {
                kind: RevKind::Branch,
                ..
            })
        ));
        assert_eq!(answers[3].1, Answer::Rev(RevAnswer::NotFound));
        assert!(matches!(&answers[4].1, Answer::Unverified(_)));
        let missing = RemoteRepos::default().answer(vec![Question::Repo(RepoId::Remote(
            "file:///nonexistent/repo".into(),
        ))]);
        assert!(
            matches!(
                &missing[0].1,
                Answer::Repo(RepoAnswer::NotFound { .. }) | Answer::Unverified(_)
            ),
            "{missing:?}"
        );
    }
}
