//! Targets that are not on GitHub, resolved with gix: a repository on this machine (`file://` or
//! a path) is read in full — refs, commits, trees, blobs — without a checkout; any other git
//! remote (GitLab, Bitbucket, self-hosted; https, ssh, git) has its refs listed over the git
//! protocol, which verifies the repository and the rev but cannot read files without a fetch.

mod bounded;
mod listing;

pub use bounded::stop_listings;
pub use listing::{MAX_LISTING_BYTES, MAX_LISTINGS_BYTES, RemoteRepos};

use super::github::answer_for_blob;
use super::question::{Answer, BlobAnswer, Question, RepoAnswer, RevAnswer, RevKind, SizeAnswer};
use super::target::RepoId;
use super::unverified::Unverified;

/// Answers questions about repositories on this machine.
#[derive(Debug, Default)]
pub struct LocalRepos;

impl LocalRepos {
    /// Answers `questions`, all about repositories on this machine.
    pub fn answer(&self, questions: Vec<Question>) -> Vec<(Question, Answer)> {
        let mut answers = Vec::with_capacity(questions.len());
        let mut open: Option<(RepoId, Option<gix::Repository>)> = None;
        for question in questions {
            let RepoId::Local(path) = question.repo() else {
                let why = Unverified::Unanswered("not a repository on this machine".into());
                answers.push((question, Answer::Unverified(why)));
                continue;
            };
            if open.as_ref().is_none_or(|(id, _)| id != question.repo()) {
                // Any failure to open it means there is no repository to read there.
                open = Some((question.repo().clone(), gix::open(path).ok()));
            }
            let repo = match &open {
                Some((_, Some(repo))) => repo,
                _ => {
                    let answer =
                        Answer::nothing_for(&question, RepoAnswer::NotFound { hint: None });
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
                Question::Size(_, rev, file) => Answer::Size(size_of(repo, rev.as_deref(), file)),
            };
            answers.push((question, answer));
        }
        answers
    }
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

/// The object at `file` in the commit `rev` names, and its header; `None`: nothing there.
fn entry_of(
    repo: &gix::Repository,
    rev: Option<&str>,
    file: &str,
) -> Option<(gix::ObjectId, gix::odb::find::Header)> {
    let sha = commit_id(repo, rev.unwrap_or("HEAD"))?;
    let object = repo
        .rev_parse_single(format!("{sha}:{file}").as_str())
        .ok()?;
    let header = repo.find_header(object.detach()).ok()?;
    Some((object.detach(), header))
}

/// How large the file at `file` in the commit `rev` names is, read from its header alone.
fn size_of(repo: &gix::Repository, rev: Option<&str>, file: &str) -> SizeAnswer {
    match entry_of(repo, rev, file) {
        None => SizeAnswer::Missing,
        Some((_, header)) if header.kind() != gix::object::Kind::Blob => SizeAnswer::NotAFile,
        Some((_, header)) => SizeAnswer::File(header.size()),
    }
}

/// What is at `file` in the commit `rev` names.
fn blob_of(repo: &gix::Repository, rev: Option<&str>, file: &str) -> BlobAnswer {
    let Some((object, header)) = entry_of(repo, rev, file) else {
        return BlobAnswer::Missing;
    };
    if header.kind() != gix::object::Kind::Blob {
        return BlobAnswer::NotAFile;
    }
    let size = header.size();
    if size > crate::registry::MAX_FILE_BYTES {
        return answer_for_blob(size, None);
    }
    match repo.find_object(object) {
        Ok(blob) => answer_for_blob(size, String::from_utf8(blob.data.clone()).ok()),
        Err(_) => BlobAnswer::Missing,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    use crate::registry::testing::git;

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

    fn ask_remotes(questions: Vec<Question>) -> Vec<(Question, Answer)> {
        let deadline = Instant::now() + Duration::from_secs(60);
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(RemoteRepos::default().answer(questions, deadline))
    }

    #[test]
    fn a_remote_is_known_by_its_refs_over_the_git_protocol() {
        let dir = repo();
        let url = format!("file://{}", dir.path().display());
        let id = RepoId::Remote(url.clone());
        let answers = ask_remotes(vec![
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
        let missing = ask_remotes(vec![Question::Repo(RepoId::Remote(
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
