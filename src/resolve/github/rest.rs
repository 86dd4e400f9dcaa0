//! The REST fallback, for when GraphQL cannot be used (no token, or a GitHub Enterprise server
//! without it): one request per fact, repository metadata fetched once per repository.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use base64::Engine;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::Value;
use tokio::sync::OnceCell;

use super::graphql::is_full_sha;
use super::{answer_for_blob, not_found_hint};
use crate::github::{Client, Error, Reply};
use crate::resolve::question::{
    Answer, BlobAnswer, Question, RepoAnswer, RevAnswer, RevKind, SizeAnswer,
};
use crate::resolve::target::RepoId;

/// What GitHub said about a repository: its API path (after any rename), default branch and
/// whether it is archived.
#[derive(Debug, Clone)]
enum Meta {
    Found {
        path: String,
        full_name: String,
        default_branch: String,
        archived: bool,
    },
    NotFound,
    Unverified(Error),
}

/// Answers questions one REST request at a time, remembering each repository's metadata.
#[derive(Default)]
pub struct Rest {
    repos: Mutex<HashMap<RepoId, Arc<OnceCell<Meta>>>>,
    /// Folder listings by request, for artifact sizes.
    folders: Mutex<HashMap<String, Listed>>,
}

impl Rest {
    /// Answers one question.
    pub async fn answer(&self, client: &Client, api_url: &str, question: &Question) -> Answer {
        let meta = self.meta(client, api_url, question.repo()).await;
        let (path, full_name, default_branch, archived) = match &meta {
            Meta::Found {
                path,
                full_name,
                default_branch,
                archived,
            } => (path.as_str(), full_name, default_branch.as_str(), *archived),
            Meta::NotFound => {
                let hint = Some(not_found_hint(client.authenticated()));
                return Answer::nothing_for(question, RepoAnswer::NotFound { hint });
            }
            Meta::Unverified(why) => return Answer::Unverified(why.clone().into()),
        };
        let result = match question {
            Question::Repo(_) => Ok(Answer::Repo(RepoAnswer::Found {
                name: full_name.clone(),
                archived,
            })),
            // The default branch is known to be a branch: one request for its commit.
            Question::Rev(_, None) => {
                let kind = RevKind::DefaultBranch(default_branch.to_owned());
                commit_of(client, path, default_branch, kind)
                    .await
                    .map(Answer::Rev)
            }
            Question::Rev(_, Some(name)) => rev(client, path, name).await.map(Answer::Rev),
            Question::Blob(_, rev, file) => {
                let rev = rev.as_deref().unwrap_or(default_branch);
                blob(client, path, rev, file).await.map(Answer::Blob)
            }
            Question::Size(_, rev, file) => {
                let rev = rev.as_deref().unwrap_or(default_branch);
                self.size(client, path, rev, file).await.map(Answer::Size)
            }
        };
        result.unwrap_or_else(|why| Answer::Unverified(why.into()))
    }

    async fn meta(&self, client: &Client, api_url: &str, repo: &RepoId) -> Meta {
        let cell = {
            let mut repos = self.repos.lock().unwrap_or_else(|p| p.into_inner());
            repos.entry(repo.clone()).or_default().clone()
        };
        cell.get_or_init(|| fetch_meta(client, api_url, repo))
            .await
            .clone()
    }
}

async fn fetch_meta(client: &Client, api_url: &str, repo: &RepoId) -> Meta {
    let RepoId::GitHub { owner, name, .. } = repo else {
        return Meta::Unverified(Error::BadAnswer("not a GitHub repository".into()));
    };
    let mut path = format!("/repos/{}/{}", encode(owner), encode(name));
    // One redirect at most: GitHub answers a renamed repository with 301 to `/repositories/ID`.
    for _ in 0..2 {
        let reply = match client.get(&path).await {
            Ok(reply) => reply,
            Err(why) => return Meta::Unverified(why),
        };
        match reply.status {
            200 => {
                let body: Value = serde_json::from_str(&reply.body).unwrap_or_default();
                let (Some(full_name), Some(default_branch)) =
                    (body["full_name"].as_str(), body["default_branch"].as_str())
                else {
                    return Meta::Unverified(Error::BadAnswer(
                        "GitHub's repository answer lacks its name".into(),
                    ));
                };
                return Meta::Found {
                    path: format!("/repos/{full_name}"),
                    full_name: full_name.to_owned(),
                    default_branch: default_branch.to_owned(),
                    archived: body["archived"] == true,
                };
            }
            301 | 302 | 307 | 308 => match same_api(api_url, &reply) {
                Some(next) => path = next,
                None => {
                    return Meta::Unverified(Error::BadAnswer(
                        "GitHub redirected the repository to another host; not followed".into(),
                    ));
                }
            },
            404 => return Meta::NotFound,
            _ => return Meta::Unverified(unexpected(&reply)),
        }
    }
    Meta::Unverified(Error::BadAnswer(
        "GitHub redirected the repository more than once".into(),
    ))
}

/// The path of a redirect's `Location` if it stays on the configured API (the token goes nowhere
/// else): the same origin, below the API's base path.
fn same_api(api_url: &str, reply: &Reply) -> Option<String> {
    let location = reply.headers.get("location")?.to_str().ok()?;
    let api = url::Url::parse(api_url).ok()?;
    let target = api.join(location).ok()?;
    if target.origin() != api.origin() {
        return None;
    }
    let rest = target
        .path()
        .strip_prefix(api.path().trim_end_matches('/'))?;
    let query = target.query().map(|q| format!("?{q}")).unwrap_or_default();
    rest.starts_with('/').then(|| format!("{rest}{query}"))
}

/// What commit `name` is: a tag, else a branch, else a commit id (git's order).
async fn rev(client: &Client, repo: &str, name: &str) -> Result<RevAnswer, Error> {
    if !is_full_sha(name) {
        let tag = client
            .get(&format!("{repo}/git/ref/tags/{}", encode_path(name)))
            .await?;
        if tag.status == 200 {
            let body: Value = serde_json::from_str(&tag.body).unwrap_or_default();
            if body["object"]["type"] == "commit"
                && let Some(sha) = body["object"]["sha"].as_str()
            {
                return Ok(commit(sha, RevKind::Tag));
            }
            return commit_of(client, repo, name, RevKind::Tag).await;
        }
        let branch = client
            .get(&format!("{repo}/git/ref/heads/{}", encode_path(name)))
            .await?;
        if branch.status == 200 {
            let body: Value = serde_json::from_str(&branch.body).unwrap_or_default();
            if let Some(sha) = body["object"]["sha"].as_str() {
                return Ok(commit(sha, RevKind::Branch));
            }
        }
    }
    commit_of(client, repo, name, RevKind::Commit).await
}

/// The commit `name` peels to, through `GET …/commits/{ref}`.
async fn commit_of(
    client: &Client,
    repo: &str,
    name: &str,
    kind: RevKind,
) -> Result<RevAnswer, Error> {
    let reply = client
        .get(&format!("{repo}/commits/{}", encode_path(name)))
        .await?;
    match reply.status {
        200 => {
            let body: Value = serde_json::from_str(&reply.body).unwrap_or_default();
            match body["sha"].as_str() {
                Some(sha) => Ok(commit(sha, kind)),
                None => Err(Error::BadAnswer(
                    "GitHub's commit answer lacks its sha".into(),
                )),
            }
        }
        404 | 422 => Ok(RevAnswer::NotFound),
        _ => Err(unexpected(&reply)),
    }
}

fn commit(sha: &str, kind: RevKind) -> RevAnswer {
    RevAnswer::Commit {
        sha: sha.to_owned(),
        kind,
    }
}

/// What `GET …/contents/{path}?ref=` says is at `file`.
async fn blob(client: &Client, repo: &str, rev: &str, file: &str) -> Result<BlobAnswer, Error> {
    let reply = client
        .get(&format!(
            "{repo}/contents/{}?ref={}",
            encode_path(file),
            encode(rev)
        ))
        .await?;
    match reply.status {
        200 => {}
        404 => return Ok(BlobAnswer::Missing),
        _ => return Err(unexpected(&reply)),
    }
    let body: Value = serde_json::from_str(&reply.body)
        .map_err(|e| Error::BadAnswer(format!("GitHub's contents answer is not JSON: {e}")))?;
    if body.is_array() {
        return Ok(BlobAnswer::NotAFile);
    }
    match body["type"].as_str() {
        Some("file") => {}
        Some(_) => return Ok(BlobAnswer::NotAFile),
        None => {
            return Err(Error::BadAnswer(
                "GitHub's contents answer has no `type`".into(),
            ));
        }
    }
    let size = body["size"].as_u64().unwrap_or(0);
    let content: String = body["content"]
        .as_str()
        .unwrap_or_default()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    if body["encoding"] != "base64" {
        // GitHub sends files over 1 MB without content (`encoding: none`).
        return Ok(BlobAnswer::Unreadable(format!(
            "it is {size} bytes, too large to be MLEM metadata"
        )));
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(content)
        .map_err(|e| Error::BadAnswer(format!("GitHub sent undecodable file content: {e}")))?;
    Ok(answer_for_blob(size, String::from_utf8(bytes).ok()))
}

/// GitHub's contents API lists at most this many entries of a folder.
const MAX_LISTED_ENTRIES: usize = 1000;

/// One folder's entries as GitHub lists them: name, type and size (`None`: the folder is not
/// there, or is a file).
type Folder = Option<Vec<(String, Option<String>, Option<u64>)>>;

/// A folder's listing, made once by whoever asks first.
type Listed = Arc<OnceCell<Result<Folder, Error>>>;

impl Rest {
    /// How large `file` is, from the listing of its folder (`GET …/contents/{folder}?ref=`), which
    /// gives each entry's size without its content: an artifact is never downloaded. Each folder
    /// is listed once per run, however many artifacts it holds.
    async fn size(
        &self,
        client: &Client,
        repo: &str,
        rev: &str,
        file: &str,
    ) -> Result<SizeAnswer, Error> {
        let (folder, name) = file.rsplit_once('/').unwrap_or(("", file));
        let folder_path = match folder {
            "" => String::new(),
            folder => format!("/{}", encode_path(folder)),
        };
        let url = format!("{repo}/contents{folder_path}?ref={}", encode(rev));
        let cell = {
            let mut folders = self.folders.lock().unwrap_or_else(|p| p.into_inner());
            folders.entry(url.clone()).or_default().clone()
        };
        let listed = cell
            .get_or_init(|| list_folder(client, url))
            .await
            .clone()?;
        let Some(entries) = listed else {
            return Ok(SizeAnswer::Missing);
        };
        let entry = entries.iter().find(|(entry, _, _)| entry == name);
        match entry.map(|(_, kind, size)| (kind.as_deref(), *size)) {
            Some((Some("file"), Some(size))) => Ok(SizeAnswer::File(size)),
            Some((Some("file"), None)) => Err(Error::BadAnswer(
                "GitHub's contents answer lacks the file's size".into(),
            )),
            Some(_) => Ok(SizeAnswer::NotAFile),
            None if entries.len() >= MAX_LISTED_ENTRIES => Err(Error::BadAnswer(format!(
                "the folder `{}` has {MAX_LISTED_ENTRIES} entries or more, and GitHub's contents API lists only that many",
                crate::words::clip(folder)
            ))),
            None => Ok(SizeAnswer::Missing),
        }
    }
}

/// The entries of the folder at `url` (a contents request).
async fn list_folder(client: &Client, url: String) -> Result<Folder, Error> {
    let reply = client.get(&url).await?;
    match reply.status {
        200 => {}
        404 => return Ok(None),
        _ => return Err(unexpected(&reply)),
    }
    let body: Value = serde_json::from_str(&reply.body)
        .map_err(|e| Error::BadAnswer(format!("GitHub's contents answer is not JSON: {e}")))?;
    // A file where the folder should be: nothing can be below it.
    let Some(entries) = body.as_array() else {
        return Ok(None);
    };
    let entry = |e: &Value| {
        let name = e["name"].as_str()?.to_owned();
        Some((
            name,
            e["type"].as_str().map(str::to_owned),
            e["size"].as_u64(),
        ))
    };
    Ok(Some(entries.iter().filter_map(entry).collect()))
}

/// The message for a status the resolver did not expect.
fn unexpected(reply: &Reply) -> Error {
    Error::status(reply.status, &reply.body)
}

/// What a path segment keeps as it is: RFC 3986's unreserved characters; everything else,
/// `/` included, is percent-encoded.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Percent-encodes one path segment; `.` and `..` too, so no server normalizes them into
/// another endpoint.
fn encode(segment: &str) -> String {
    if segment.bytes().all(|b| b == b'.') {
        return segment.replace('.', "%2E");
    }
    utf8_percent_encode(segment, SEGMENT).to_string()
}

/// Percent-encodes a path, keeping its slashes.
fn encode_path(path: &str) -> String {
    path.split('/').map(encode).collect::<Vec<_>>().join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_encoded_segment_by_segment() {
        assert_eq!(
            encode_path("models/my model#1.mlem"),
            "models/my%20model%231.mlem"
        );
        assert_eq!(encode("feature/x"), "feature%2Fx");
        assert_eq!(encode_path("a/../b"), "a/%2E%2E/b");
    }

    #[test]
    fn redirects_are_followed_only_on_the_api_host() {
        let reply = |location: &str| Reply {
            status: 301,
            headers: [(http::header::LOCATION, location.parse().unwrap())]
                .into_iter()
                .collect(),
            body: String::new(),
        };
        let api = "https://api.github.com";
        assert_eq!(
            same_api(api, &reply("https://api.github.com/repositories/42")).as_deref(),
            Some("/repositories/42")
        );
        assert_eq!(
            same_api(api, &reply("https://evil.example/repositories/42")),
            None
        );
        assert_eq!(
            same_api(api, &reply("https://api.github.com.evil.example/x")),
            None
        );
        assert_eq!(same_api(api, &reply("http://api.github.com/x")), None);
        assert_eq!(
            same_api(api, &reply("https://user@api.github.com:444/x")),
            None
        );
        let ghes = "https://ghe.example.com/api/v3";
        assert_eq!(
            same_api(ghes, &reply("/api/v3/repositories/42")).as_deref(),
            Some("/repositories/42")
        );
        assert_eq!(same_api(ghes, &reply("/api/v3/../x")), None);
        assert_eq!(same_api(ghes, &reply("/api/v3x/y")), None);
    }
}
