//! What git tells a pre-push hook: the refs pushed, what the remote has, and where a new branch
//! forks from the remote's default branch.

use std::path::Path;

use super::Error;
use crate::registry::Selection;

/// One line git writes to a pre-push hook: a ref being pushed (or deleted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushedRef {
    /// The local ref pushed (`refs/heads/main`), `(delete)` for a deletion.
    pub local_ref: String,
    /// The commit pushed (or a revision naming it); all zeros for a deletion.
    pub local_sha: String,
    /// The ref it updates on the remote.
    pub remote_ref: String,
    /// What the remote ref points at now; all zeros for a new ref.
    pub remote_sha: String,
}

impl PushedRef {
    /// True when the push deletes the remote ref: nothing to check.
    pub fn is_deletion(&self) -> bool {
        is_zero(&self.local_sha)
    }

    /// Which files to check for this ref: those touched by the commits the remote lacks, hiding
    /// what the remote ref has and every remote-tracking ref of `remote` (for a new branch).
    pub fn selection(&self, remote_tracking: &[String]) -> Selection {
        let remote = (!is_zero(&self.remote_sha)).then(|| self.remote_sha.clone());
        let mut hidden: Vec<String> = remote_tracking.to_vec();
        hidden.extend(remote.clone());
        Selection::Pushed {
            tip: self.local_sha.clone(),
            remote,
            hidden,
        }
    }
}

/// Where a new branch forks from the remote's default branch (`refs/remotes/REMOTE/HEAD`, as a
/// clone sets it): the base its pull request will be judged against, whose policy judges its push
/// too. `None` when the remote's default branch is not known here.
pub fn fork_point(path: &Path, tip: &str, remote: &str) -> Option<String> {
    let repo = gix::discover(path).ok()?;
    let default = repo
        .find_reference(format!("refs/remotes/{remote}/HEAD").as_str())
        .ok()?
        .into_fully_peeled_id()
        .ok()?
        .detach();
    let tip = repo.rev_parse_single(tip).ok()?.detach();
    let base = repo.merge_base(tip, default).ok()??;
    Some(base.to_string())
}

impl PushedRef {
    /// Whether the remote has no such ref yet: a new branch or tag.
    pub fn is_new(&self) -> bool {
        is_zero(&self.remote_sha)
    }
}

fn is_zero(sha: &str) -> bool {
    sha.bytes().all(|b| b == b'0')
}

/// Parses git's pre-push input: one `<local ref> <local sha> <remote ref> <remote sha>` per line.
pub fn parse_push_lines(input: &str) -> Result<Vec<PushedRef>, Error> {
    let mut refs = Vec::new();
    for (number, line) in input.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split_whitespace().collect();
        let is_sha = |s: &str| s.len() >= 40 && s.bytes().all(|b| b.is_ascii_hexdigit());
        match fields[..] {
            [local_ref, local_sha, remote_ref, remote_sha]
                if is_sha(local_sha) && is_sha(remote_sha) =>
            {
                refs.push(PushedRef {
                    local_ref: local_ref.to_owned(),
                    local_sha: local_sha.to_owned(),
                    remote_ref: remote_ref.to_owned(),
                    remote_sha: remote_sha.to_owned(),
                });
            }
            _ => {
                return Err(Error::PushLine {
                    line: number + 1,
                    text: line.to_owned(),
                });
            }
        }
    }
    Ok(refs)
}

/// The commits the remote is known to have on its branches and tags: the remote-tracking refs
/// that mirror them. A ref counts only when every fetch refspec of every remote that could have
/// written it is one of `remote`'s, mapping its branches (`refs/heads/…`) or tags: a fetched
/// pull request (`+refs/pull/*/head:refs/remotes/origin/pr/*`) is no branch of the remote, and
/// a remote named `origin/x` writes below `refs/remotes/origin/` too. Empty when `remote` is a
/// URL or has no tracking refs.
pub fn remote_tracking(path: &Path, remote: &str) -> Vec<String> {
    let Ok(repo) = gix::discover(path) else {
        return Vec::new();
    };
    // (remote, source, destination) of every fetch refspec of every remote.
    let mut refspecs = Vec::new();
    for name in repo.remote_names() {
        let Ok(found) = repo.find_remote(&name) else {
            continue;
        };
        for spec in found.refspecs(gix::remote::Direction::Fetch) {
            let spec = spec.to_ref();
            if let (Some(source), Some(destination)) = (spec.source(), spec.destination()) {
                refspecs.push((
                    name.to_string(),
                    source.to_string(),
                    destination.to_string(),
                ));
            }
        }
    }
    let trusted = |reference: &str| {
        let mut writers = refspecs
            .iter()
            .filter(|(_, _, destination)| pattern_matches(destination, reference))
            .peekable();
        writers.peek().is_some()
            && writers.all(|(name, source, _)| {
                name == remote
                    && (source.starts_with("refs/heads/") || source.starts_with("refs/tags/"))
            })
    };
    let Ok(references) = repo.references() else {
        return Vec::new();
    };
    let Ok(all) = references.prefixed("refs/remotes/") else {
        return Vec::new();
    };
    all.filter_map(Result::ok)
        .filter(|r| trusted(&r.name().as_bstr().to_string()))
        .filter_map(|mut r| r.peel_to_id().ok().map(|id| id.to_string()))
        .collect()
}

/// Whether a refspec side (`refs/remotes/origin/*`, or a full name without `*`) names
/// `reference`; git's `*` stands for any run of characters, slashes included.
pub(super) fn pattern_matches(pattern: &str, reference: &str) -> bool {
    match pattern.split_once('*') {
        Some((prefix, suffix)) => {
            reference.len() >= prefix.len() + suffix.len()
                && reference.starts_with(prefix)
                && reference.ends_with(suffix)
        }
        None => pattern == reference,
    }
}
