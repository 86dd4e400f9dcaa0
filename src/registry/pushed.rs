//! Files a push changes: the `*.mlem` files touched by the commits a `git push` sends (reachable
//! from the pushed commit, not from what the remote already has), as they are in that commit.

use std::collections::BTreeSet;

use gix::ObjectId;

use super::{Error, is_watched};

/// The `*.mlem` files the pushed commits touch, project-relative.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pushed {
    /// Files that exist in the pushed commit.
    pub changed: Vec<String>,
    /// Files a pushed commit touched that the pushed commit no longer has.
    pub deleted: Vec<String>,
    /// How many commits the push sends.
    pub commits: usize,
    /// A path past the walks' limits that a pushed commit has: nothing below it was compared.
    pub too_deep: Option<String>,
}

/// The files below `prefix` touched by the commits reachable from `tip` and not from `hidden`
/// (commits the remote has, peeled to commits and present here), plus those that differ
/// between `remote` (what the remote ref points at now) and `tip`: a force push or a rewind
/// makes no new commit but still changes what the remote serves. With neither (the first push
/// to a new repository, a root commit), the remote gets the whole tree: every `*.mlem` file of
/// `tip` is changed, found in one listing of its tree rather than a diff per commit.
pub fn changes(
    repo: &gix::Repository,
    tip: ObjectId,
    remote: Option<ObjectId>,
    hidden: &[ObjectId],
    prefix: &str,
) -> Result<Pushed, Error> {
    let walk_error = |e| Error::git(format!("cannot walk the commits of {tip}"), e);
    let hidden_is_empty = hidden.is_empty();
    let hidden = hidden.to_vec();
    let walk = repo
        .rev_walk([tip])
        .with_hidden(hidden)
        .all()
        .map_err(walk_error)?;
    let mut touched = BTreeSet::new();
    let mut cut = None;
    let mut commits = 0;
    let everything = remote.is_none() && hidden_is_empty;
    for info in walk {
        let info = info.map_err(walk_error)?;
        commits += 1;
        if everything {
            continue;
        }
        let tree = tree_of(repo, info.id)?;
        let parents: Vec<ObjectId> = info.parent_ids().map(gix::Id::detach).collect();
        if parents.is_empty() {
            touched.extend(diff(repo, None, &tree, &mut cut)?);
            continue;
        }
        // A merge introduces only what differs from every parent: the rest came with a parent.
        let mut common: Option<BTreeSet<String>> = None;
        for parent in parents {
            let before = tree_of(repo, parent)?;
            let paths = diff(repo, Some(&before), &tree, &mut cut)?;
            common = Some(match common {
                None => paths,
                Some(common) => common.intersection(&paths).cloned().collect(),
            });
        }
        touched.extend(common.unwrap_or_default());
    }
    let tip_tree = tree_of(repo, tip)?;
    if everything {
        touched = diff(repo, None, &tip_tree, &mut cut)?;
    }
    if let Some(remote) = remote {
        touched.extend(diff(
            repo,
            Some(&tree_of(repo, remote)?),
            &tip_tree,
            &mut cut,
        )?);
    }
    let mut pushed = Pushed {
        commits,
        too_deep: cut,
        ..Pushed::default()
    };
    for path in touched {
        let Some(relative) = super::strip_prefix(&path, prefix) else {
            continue;
        };
        let exists = tip_tree
            .lookup_entry_by_path(path.as_str())
            .map_err(|e| Error::git(format!("cannot look up {path}"), e))?
            .is_some();
        let list = if exists {
            &mut pushed.changed
        } else {
            &mut pushed.deleted
        };
        list.push(relative.to_owned());
    }
    Ok(pushed)
}

fn tree_of(repo: &gix::Repository, commit: ObjectId) -> Result<gix::Tree<'_>, Error> {
    repo.find_commit(commit)
        .map_err(|e| Error::git(format!("cannot read commit {commit}"), e))?
        .tree()
        .map_err(|e| Error::git(format!("cannot read the tree of {commit}"), e))
}

/// The `*.mlem` files (and symbolic links) that differ between `before` (none: the empty tree)
/// and `after`, repository-relative. Identical subtrees are skipped without being read. A path
/// past the walks' limits stops the diff and is kept in `cut`.
fn diff(
    repo: &gix::Repository,
    before: Option<&gix::Tree<'_>>,
    after: &gix::Tree<'_>,
    cut: &mut Option<String>,
) -> Result<BTreeSet<String>, Error> {
    let empty: &[u8] = &[];
    let before = before.map_or(empty, |tree| tree.data.as_slice());
    let mut touched = Touched::default();
    let compared = gix::diff::tree(
        gix::objs::TreeRefIter::from_bytes(before, repo.object_hash()),
        gix::objs::TreeRefIter::from_bytes(&after.data, repo.object_hash()),
        gix::diff::tree::State::default(),
        &repo.objects,
        &mut touched,
    );
    if let Some(error) = touched.error {
        return Err(error);
    }
    if let Some(path) = touched.too_deep {
        // What was found before the cut is kept; the cut itself fails the run.
        cut.get_or_insert(path);
        return Ok(touched.files);
    }
    compared.map_err(|e| Error::git("cannot compare trees", e))?;
    Ok(touched.files)
}

/// Collects the watched files a tree diff reports, keeping only the current path (not one per
/// change, nor one per level), and stops at a path past the walks' limits.
#[derive(Default)]
struct Touched {
    path: gix::bstr::BString,
    queued: std::collections::VecDeque<gix::bstr::BString>,
    files: BTreeSet<String>,
    too_deep: Option<String>,
    error: Option<Error>,
}

impl Touched {
    fn push(&mut self, component: &gix::bstr::BStr) {
        if !self.path.is_empty() {
            self.path.push(b'/');
        }
        self.path.extend_from_slice(component);
    }
}

impl gix::diff::tree::Visit for Touched {
    fn pop_front_tracked_path_and_set_current(&mut self) {
        self.path = self.queued.pop_front().unwrap_or_default();
    }

    fn push_back_tracked_path_component(&mut self, component: &gix::bstr::BStr) {
        self.push(component);
        self.queued.push_back(self.path.clone());
    }

    fn push_path_component(&mut self, component: &gix::bstr::BStr) {
        self.push(component);
    }

    fn pop_path_component(&mut self) {
        let end = self.path.iter().rposition(|&b| b == b'/').unwrap_or(0);
        self.path.truncate(end);
    }

    fn visit(&mut self, change: gix::diff::tree::visit::Change) -> gix::diff::tree::visit::Action {
        use std::ops::ControlFlow::{Break, Continue};
        if super::too_deep(&self.path) {
            self.too_deep = Some(String::from_utf8_lossy(&self.path).into_owned());
            return Break(());
        }
        if change.entry_mode().is_tree() {
            return Continue(());
        }
        match super::utf8_name(&self.path) {
            Ok(Some(path)) if is_watched(path) => {
                self.files.insert(path.to_owned());
            }
            Ok(_) => {}
            Err(error) => {
                self.error = Some(error);
                return Break(());
            }
        }
        Continue(())
    }
}
