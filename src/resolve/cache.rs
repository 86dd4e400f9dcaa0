//! `--cache DIR`: what was learned about immutable targets — a full commit id and the files at
//! it — kept across runs, so pinned links cost no requests the second time. Answers about moving
//! names (branches, tags, the default branch) are never cached, nor is any negative answer (a
//! commit or file not found may be a repository not readable with this run's token). That a
//! repository exists (its name, whether it is archived) is kept for a day, so a deleted, renamed
//! or archived one is noticed.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::github::graphql::is_full_sha;
use super::question::{Answer, BlobAnswer, Question, RepoAnswer, RevAnswer, SizeAnswer};
use super::target::RepoId;

/// The cache file's name inside the cache directory; the version changes with its format.
const FILE: &str = "mlem-registry-cache-v1.json";

/// Answers kept across runs, for one API (`scope`): GitHub.com and an Enterprise server can hold
/// repositories of the same name.
#[derive(Debug)]
pub struct Cache {
    path: PathBuf,
    scope: String,
    file: CacheFile,
    dirty: bool,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct CacheFile {
    /// By scope, then by question key.
    scopes: HashMap<String, HashMap<String, Entry>>,
}

/// One answer and when it was learned (seconds since the epoch).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Entry {
    answer: Answer,
    at: u64,
}

/// How long "this repository exists" is trusted.
const REPO_TTL_SECS: u64 = 24 * 60 * 60;

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl Cache {
    /// Opens the cache in `dir` for `scope`; an unreadable or foreign file starts empty.
    pub fn open(dir: &Path, scope: &str) -> Cache {
        let path = dir.join(FILE);
        let file = std::fs::read(&path)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default();
        Cache {
            path,
            scope: scope.to_owned(),
            file,
            dirty: false,
        }
    }

    /// The cached answer to `question`, if it is about something that cannot change.
    pub fn get(&self, question: &Question) -> Option<Answer> {
        let key = key(question)?;
        let entry = self.file.scopes.get(&self.scope)?.get(&key)?;
        let fresh = match question {
            Question::Repo(_) => now().saturating_sub(entry.at) < REPO_TTL_SECS,
            _ => true,
        };
        fresh.then(|| entry.answer.clone())
    }

    /// Keeps `answer` if `question` is about something that cannot change and it was verified.
    pub fn put(&mut self, question: &Question, answer: &Answer) {
        let cacheable = match answer {
            Answer::Repo(found) => matches!(found, RepoAnswer::Found { .. }),
            Answer::Rev(found) => matches!(found, RevAnswer::Commit { .. }),
            Answer::Blob(found) => !matches!(found, BlobAnswer::Missing),
            Answer::Size(found) => !matches!(found, SizeAnswer::Missing),
            Answer::Unverified(_) => false,
        };
        if let (true, Some(key)) = (cacheable, key(question)) {
            let scope = self.file.scopes.entry(self.scope.clone()).or_default();
            let known = scope.get(&key).is_some_and(|e| e.answer == *answer);
            if !known {
                let at = now();
                scope.insert(
                    key,
                    Entry {
                        answer: answer.clone(),
                        at,
                    },
                );
                self.dirty = true;
            }
        }
    }

    /// Writes the cache back if anything was added: to a temporary file, then renamed, so a
    /// concurrent run never reads half a file.
    pub fn save(&self) -> std::io::Result<()> {
        if !self.dirty {
            return Ok(());
        }
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let temp = self
            .path
            .with_extension(format!("tmp{}", std::process::id()));
        std::fs::write(&temp, serde_json::to_vec(&self.file)?)?;
        std::fs::rename(&temp, &self.path)
    }
}

/// The cache key of a question about an immutable thing (or a repository); `None` otherwise.
fn key(question: &Question) -> Option<String> {
    let repo = |repo: &RepoId| match repo {
        RepoId::Local(_) => None,
        other => Some(other.to_string()),
    };
    match question {
        Question::Repo(r) => Some(format!("repo {}", repo(r)?)),
        Question::Rev(r, Some(sha)) if is_full_sha(sha) => Some(format!("rev {} {sha}", repo(r)?)),
        Question::Blob(r, Some(sha), path) if is_full_sha(sha) => {
            Some(format!("blob {} {sha} {path}", repo(r)?))
        }
        Question::Size(r, Some(sha), path) if is_full_sha(sha) => {
            Some(format!("size {} {sha} {path}", repo(r)?))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resolve::question::RevKind;

    fn repo() -> RepoId {
        RepoId::GitHub {
            host: "github.com".into(),
            owner: "org".into(),
            name: "m".into(),
        }
    }

    #[test]
    fn keeps_pinned_answers_across_runs_and_forgets_moving_ones() {
        let dir = tempfile::tempdir().unwrap();
        let sha = "0123456789abcdef0123456789abcdef01234567".to_owned();
        let pinned = Question::Blob(repo(), Some(sha.clone()), "rf.mlem".into());
        let moving = Question::Rev(repo(), Some("main".into()));
        let text = Answer::Blob(BlobAnswer::Text("object_type: model\n".into()));
        let commit = Answer::Rev(RevAnswer::Commit {
            sha: sha.clone(),
            kind: RevKind::Branch,
        });
        let mut cache = Cache::open(dir.path(), "https://api.github.com");
        cache.put(&pinned, &text);
        cache.put(&moving, &commit);
        cache.put(
            &Question::Rev(repo(), Some(sha.clone())),
            &Answer::Unverified(crate::resolve::unverified::Unverified::Unanswered(
                "503".into(),
            )),
        );
        let gone = Question::Blob(repo(), Some(sha.clone()), "gone.mlem".into());
        cache.put(&gone, &Answer::Blob(BlobAnswer::Missing));
        cache.save().unwrap();

        let cache = Cache::open(dir.path(), "https://api.github.com");
        assert_eq!(cache.get(&pinned), Some(text));
        assert_eq!(cache.get(&moving), None);
        assert_eq!(cache.get(&gone), None, "negative answers are asked again");
        assert_eq!(cache.get(&Question::Rev(repo(), Some(sha))), None);
        assert_eq!(
            Cache::open(dir.path(), "https://ghe.example/api/v3").get(&pinned),
            None
        );
    }

    #[test]
    fn repository_answers_keep_archived_and_older_entries_read_as_not_archived() {
        let dir = tempfile::tempdir().unwrap();
        let archived = Answer::Repo(RepoAnswer::Found {
            name: "org/m".into(),
            archived: true,
        });
        let mut cache = Cache::open(dir.path(), "x");
        cache.put(&Question::Repo(repo()), &archived);
        cache.save().unwrap();
        let cache = Cache::open(dir.path(), "x");
        assert_eq!(cache.get(&Question::Repo(repo())), Some(archived));

        let at = now();
        let older = format!(
            r#"{{"scopes":{{"x":{{"repo org/m":{{"answer":{{"Repo":{{"Found":{{"name":"org/m"}}}}}},"at":{at}}}}}}}}}"#
        );
        std::fs::write(dir.path().join(FILE), older).unwrap();
        let cache = Cache::open(dir.path(), "x");
        let found = RepoAnswer::Found {
            name: "org/m".into(),
            archived: false,
        };
        assert_eq!(
            cache.get(&Question::Repo(repo())),
            Some(Answer::Repo(found))
        );
    }

    #[test]
    fn a_corrupt_file_is_an_empty_cache() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(FILE), "{not json").unwrap();
        let cache = Cache::open(dir.path(), "x");
        assert_eq!(cache.get(&Question::Repo(repo())), None);
    }
}
