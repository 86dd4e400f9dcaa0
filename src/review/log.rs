//! `log NAME`: the history of one link, as GTO shows a stage's: every commit of the registry
//! (along the first parents of `HEAD`, newest first) that changed where NAME lands, each with its
//! before and after as `diff` shows them.
//!
//! A commit is a candidate when the files NAME's relative chain passes through (NAME's own file,
//! then each link file it leads to in the registry) differ from its parent's, by path or by blob
//! id: read from the trees, without resolving anything. Only candidates are resolved, each as a
//! `diff` of the commit against its parent.

use serde::Serialize;

use super::diff::{Entry, diff};
use crate::check::Options;
use crate::mlem::Link;
use crate::registry::{self, Selection};
use crate::resolve::chain::MAX_LINKS;
use crate::resolve::rounds::Progress;

/// The version of the log's JSON document; bumped only when a field changes meaning or goes
/// away.
pub const VERSION: u32 = 1;

/// Commits walked at most: a registry's history is long, a review's question is recent.
pub const MAX_COMMITS: usize = 10_000;

/// The history of one link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Log {
    /// [`VERSION`].
    pub version: u32,
    /// The link's name.
    pub name: String,
    /// The commits that changed where it lands, newest first.
    pub commits: Vec<Commit>,
    /// The walk stopped at [`MAX_COMMITS`] before the first commit.
    pub truncated: bool,
}

/// One commit that changed where the link lands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Commit {
    /// Its full id.
    pub commit: String,
    /// Its first parent (`null` for the first commit).
    pub parent: Option<String>,
    /// When it was committed, in seconds since the Unix epoch.
    pub time: i64,
    /// Its message's first line.
    pub subject: String,
    /// The link before and after it, as `diff` shows it.
    pub entry: Entry,
}

/// Why a log could not be made.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The repository or a commit could not be read.
    #[error(transparent)]
    Registry(#[from] registry::Error),
    /// A commit of the history could not be read.
    #[error("cannot read the history: {0}")]
    History(String),
    /// No commit of the history read holds the link's file.
    #[error(
        "no commit of HEAD's history holds `{0}`: NAME is the link's path in the project (`.mlem` optional), e.g. `production/rf`"
    )]
    NoSuchLink(String),
}

/// The history of the link `name` (as MLEM names it: its path in the project, `.mlem`
/// optional) in the registry at `path`.
pub fn log<E: From<Error> + From<super::diff::Error>>(
    path: &std::path::Path,
    name: &str,
    options_for: &mut dyn FnMut(&std::path::Path) -> Result<Options, E>,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Log, E> {
    let name = name.strip_suffix(".mlem").unwrap_or(name).to_owned();
    let prefix = registry::open(path, &Selection::Revision("HEAD".into()))
        .map_err(Error::from)?
        .prefix;
    let repo = gix::discover(path).map_err(|e| Error::History(e.to_string()))?;
    let history = |e: &dyn std::fmt::Display| Error::History(e.to_string());
    let head = repo
        .rev_parse_single("HEAD")
        .map_err(|e| history(&e))?
        .detach();
    let walk = repo
        .rev_walk([head])
        .first_parent_only()
        .all()
        .map_err(|e| history(&e))?;
    let file = format!("{prefix}{name}.mlem");
    let mut commits = Vec::new();
    let mut walked = 0;
    let mut seen = false;
    for info in walk {
        let info = info.map_err(|e| history(&e))?;
        walked += 1;
        if walked > MAX_COMMITS {
            return Ok(Log {
                version: VERSION,
                name,
                commits,
                truncated: true,
            });
        }
        let parent = info.parent_ids().next().map(gix::Id::detach);
        let chain_at = |id: Option<gix::ObjectId>| id.map(|id| chain(&repo, id, &prefix, &file));
        let here = chain_at(Some(info.id));
        seen |= here
            .as_ref()
            .is_some_and(|passed| passed.first().is_some_and(|(_, id)| id.is_some()));
        if here == chain_at(parent) {
            continue;
        }
        let commit = info.id.to_string();
        let entry = match parent {
            Some(parent) => {
                let found = diff(
                    path,
                    &parent.to_string(),
                    Some(&commit),
                    options_for,
                    progress,
                )?;
                found
                    .entries
                    .into_iter()
                    .find(|e| e.name == name && e.field.is_none())
            }
            // The first commit adds the link, if it holds it.
            None => {
                let file = format!("{name}.mlem");
                super::diff::added(path, &commit, &file, options_for, progress)?
            }
        };
        let Some(entry) = entry else {
            continue;
        };
        let object = info.object().map_err(|e| history(&e))?;
        let subject = object
            .message()
            .map(|m| m.summary().to_string())
            .unwrap_or_default();
        let time = object.time().map_or(0, |t| t.seconds);
        commits.push(Commit {
            commit,
            parent: parent.map(|p| p.to_string()),
            time,
            subject,
            entry,
        });
    }
    if !seen {
        return Err(Error::NoSuchLink(file).into());
    }
    Ok(Log {
        version: VERSION,
        name,
        commits,
        truncated: false,
    })
}

/// The files the link at `file` passes through in commit `id` (its own, then each relative link
/// file it leads to, at most [`MAX_LINKS`]), each with its blob id (`None`: not there).
fn chain(
    repo: &gix::Repository,
    id: gix::ObjectId,
    prefix: &str,
    file: &str,
) -> Vec<(String, Option<gix::ObjectId>)> {
    let Some(tree) = repo
        .find_commit(id)
        .ok()
        .and_then(|commit| commit.tree().ok())
    else {
        return Vec::new();
    };
    let blob = |path: &str| {
        let entry = tree.lookup_entry_by_path(path).ok()??;
        entry.mode().is_blob().then(|| entry.object_id())
    };
    let mut passed = Vec::new();
    let mut at = file.to_owned();
    while passed.len() < MAX_LINKS {
        let id = blob(&at);
        passed.push((at.clone(), id));
        let Some(link) = id.and_then(|id| relative_link(repo, id)) else {
            break;
        };
        let Ok(candidates) = crate::resolve::local::candidates(&link) else {
            break;
        };
        // The first candidate there, else the first: its absence is the change to see.
        let next = candidates
            .iter()
            .find(|c| blob(&format!("{prefix}{c}")).is_some())
            .unwrap_or(&candidates[0]);
        at = format!("{prefix}{next}");
        if passed.iter().any(|(p, _)| *p == at) {
            break;
        }
    }
    passed
}

/// The relative link the blob `id` holds, if it is a link file with one.
fn relative_link(repo: &gix::Repository, id: gix::ObjectId) -> Option<Link> {
    let header = repo.find_header(id).ok()?;
    if header.size() > registry::MAX_FILE_BYTES {
        return None;
    }
    let blob = repo.find_object(id).ok()?;
    let parsed = crate::mlem::file::parse_content(registry::Content::Bytes(blob.data.clone()));
    let object = parsed.object.ok()?;
    let link = object.links.iter().find(|l| l.route.is_empty())?;
    link.project.is_none().then(|| Link::clone(link))
}
