//! Targets that are not on GitHub, resolved with gix: a repository on this machine (`file://` or
//! a path) is read in full — refs, commits, trees, blobs — without a checkout.

use std::path::Path;

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
                Question::Repo(_) => Answer::Repo(RepoAnswer::Found {
                    name: path.display().to_string(),
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
