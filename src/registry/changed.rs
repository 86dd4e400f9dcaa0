//! Files a change touches: `*.mlem` files added, modified or deleted between a revision and the
//! working tree (commits since, staged and unstaged edits, and untracked files alike).

use std::collections::{BTreeSet, HashMap};

use gix::bstr::ByteSlice;
use gix::status::{Item, UntrackedFiles};

use super::{Error, is_mlem_file};

/// The `*.mlem` files a change touches.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes {
    /// Files that exist in the working tree and are new or different since the revision.
    pub changed: Vec<String>,
    /// Files the revision had and the working tree no longer has.
    pub deleted: Vec<String>,
}

/// How the revision's tree relates to the index for one path.
#[derive(Clone, Copy, PartialEq, Eq)]
enum TreeSide {
    /// Only the index has it.
    Added,
    /// The revision has it.
    InRevision,
}

/// The `*.mlem` files below `prefix` changed between `rev` and the working tree of `repo`, as
/// paths relative to `prefix`.
pub fn since(repo: &gix::Repository, rev: &str, prefix: &str) -> Result<Changes, Error> {
    let tree = repo
        .rev_parse_single(rev)
        .map_err(|e| Error::git(format!("cannot resolve revision `{rev}`"), e))?
        .object()
        .map_err(|e| Error::git(format!("cannot read `{rev}`"), e))?
        .peel_to_tree()
        .map_err(|e| Error::git(format!("`{rev}` has no tree"), e))?;
    let items = repo
        .status(gix::progress::Discard)
        .map_err(|e| Error::git("cannot compute the status", e))?
        .head_tree(tree.id)
        .untracked_files(UntrackedFiles::Files)
        .index_worktree_rewrites(None)
        .into_iter(["*.mlem".into()])
        .map_err(|e| Error::git("cannot compute the status", e))?;
    let mut tree_side: HashMap<String, TreeSide> = HashMap::new();
    let mut touched = BTreeSet::new();
    for item in items {
        let item = item.map_err(|e| Error::git("cannot compute the status", e))?;
        match item {
            Item::TreeIndex(change) => {
                let Ok(path) = change.location().to_str() else {
                    continue;
                };
                let side = match change {
                    gix::diff::index::Change::Addition { .. } => TreeSide::Added,
                    _ => TreeSide::InRevision,
                };
                tree_side.insert(path.to_owned(), side);
                touched.insert(path.to_owned());
            }
            Item::IndexWorktree(item) => {
                if item.summary().is_none() {
                    continue;
                }
                if let Ok(path) = item.rela_path().to_str() {
                    if let gix::status::index_worktree::Item::DirectoryContents { .. } = item {
                        tree_side.insert(path.to_owned(), TreeSide::Added);
                    }
                    touched.insert(path.to_owned());
                }
            }
        }
    }
    let workdir = repo
        .workdir()
        .map(std::path::Path::to_path_buf)
        .unwrap_or_default();
    let mut changes = Changes::default();
    for path in touched.iter().filter(|p| is_mlem_file(p)) {
        let Some(relative) = super::strip_prefix(path, prefix) else {
            continue;
        };
        if std::fs::symlink_metadata(workdir.join(path)).is_ok() {
            changes.changed.push(relative.to_owned());
        } else if tree_side.get(path) != Some(&TreeSide::Added) {
            changes.deleted.push(relative.to_owned());
        }
    }
    Ok(changes)
}
