//! Files a change touches: `*.mlem` files added, modified or deleted between a revision and the
//! working tree (commits since, staged and unstaged edits, and untracked files alike).

use std::collections::BTreeMap;

use gix::bstr::{BStr, BString};
use gix::status::index_worktree::Item as IndexWorktree;
use gix::status::plumbing::index_as_worktree::{Change, EntryStatus};

use super::{Error, is_watched};

/// The `*.mlem` files a change touches.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes {
    /// Files that exist in the working tree and are new or different since the revision.
    pub changed: Vec<String>,
    /// Files the revision had and the working tree no longer has.
    pub deleted: Vec<String>,
}

/// How a path differs between the revision's tree and the index.
#[derive(Debug, Clone, Copy)]
enum TreeToIndex {
    Added,
    Deleted(gix::ObjectId),
    Modified(gix::ObjectId),
}

/// How a path differs between the index and the working tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum IndexToWorktree {
    Removed,
    Modified,
    Untracked,
}

/// The `*.mlem` files below `prefix` changed between `rev` and the working tree of `repo`, as
/// paths relative to `prefix`.
pub fn since(repo: &gix::Repository, rev: &str, prefix: &str) -> Result<Changes, Error> {
    let status_error = |e| Error::git("cannot compute the status", e);
    let tree_id = super::revision(repo, rev)?
        .object()
        .map_err(|e| Error::git(format!("cannot read `{rev}`"), e))?
        .peel_to_tree()
        .map_err(|e| Error::git(format!("`{rev}` has no tree"), e))?
        .id;
    let index = repo
        .index_or_empty()
        .map_err(|e| Error::git("cannot read the git index", e))?;
    // When the index's cache tree says it still holds exactly the revision's tree (the usual case
    // for a hook: REV is HEAD and nothing is staged), the tree-to-index half is skipped.
    let index_is_revision = index
        .tree()
        .is_some_and(|root| root.num_entries.is_some() && root.id == tree_id);
    let untracked = repo
        .dirwalk_options()
        .map_err(|e| Error::git("cannot configure the directory walk", e))?
        .emit_untracked(gix::dir::walk::EmissionMode::Matching);
    let status = repo
        .status(gix::progress::Discard)
        .map_err(status_error)?
        .index(index.into())
        // Set explicitly: `status.showUntrackedFiles=no` in a user's config must not hide new links.
        .index_worktree_options_mut(|options| {
            options.dirwalk_options = Some(untracked);
            options.rewrites = None;
        })
        .tree_index_track_renames(gix::status::tree_index::TrackRenames::Disabled)
        .index_worktree_submodules(None);
    // `:/` anchors the pattern at the top of the worktree, whatever the current directory.
    let patterns = [
        BString::from(":/*.mlem"),
        BString::from(":/*.mlem.yaml"),
        BString::from(":/*.mlem-registry.toml"),
    ];
    let mut tree_side: BTreeMap<BString, TreeToIndex> = BTreeMap::new();
    let mut disk_side: BTreeMap<BString, IndexToWorktree> = BTreeMap::new();
    if index_is_revision {
        for item in status
            .into_index_worktree_iter(patterns)
            .map_err(status_error)?
        {
            record_worktree(item.map_err(status_error)?, &mut disk_side);
        }
    } else {
        for item in status
            .head_tree(tree_id)
            .into_iter(patterns)
            .map_err(status_error)?
        {
            match item.map_err(status_error)? {
                gix::status::Item::TreeIndex(change) => record_tree(change, &mut tree_side),
                gix::status::Item::IndexWorktree(item) => record_worktree(item, &mut disk_side),
            }
        }
    }
    let workdir = repo
        .workdir()
        .map(std::path::Path::to_path_buf)
        .unwrap_or_default();
    let mut changes = Changes::default();
    let mut paths: Vec<&BString> = tree_side.keys().chain(disk_side.keys()).collect();
    paths.sort();
    paths.dedup();
    for path in paths {
        let Some(relative) = super::utf8_name(path.as_ref())?
            .filter(|p| is_watched(p))
            .and_then(|p| super::strip_prefix(p, prefix))
        else {
            continue;
        };
        let unchanged_since = |id| same_blob(repo, &workdir, path.as_ref(), id);
        let change = match (tree_side.get(path).copied(), disk_side.get(path).copied()) {
            (Some(TreeToIndex::Added), Some(IndexToWorktree::Removed)) => None,
            (Some(TreeToIndex::Added), _) => Some(true),
            // Removed from the index but still on disk: changed only if its content differs.
            (Some(TreeToIndex::Deleted(id)), Some(IndexToWorktree::Untracked)) => {
                (!unchanged_since(id)).then_some(true)
            }
            (Some(TreeToIndex::Deleted(_)), _) => Some(false),
            (Some(TreeToIndex::Modified(_)), Some(IndexToWorktree::Removed)) => Some(false),
            // Staged, then edited again: the edit may have restored the revision's content.
            (Some(TreeToIndex::Modified(id)), Some(_)) => (!unchanged_since(id)).then_some(true),
            (Some(TreeToIndex::Modified(_)), None) => Some(true),
            (None, Some(IndexToWorktree::Removed)) => Some(false),
            (None, Some(_)) => Some(true),
            (None, None) => None,
        };
        match change {
            Some(true) => changes.changed.push(relative.to_owned()),
            Some(false) => changes.deleted.push(relative.to_owned()),
            None => {}
        }
    }
    Ok(changes)
}

fn record_tree(change: gix::diff::index::Change, out: &mut BTreeMap<BString, TreeToIndex>) {
    use gix::diff::index::ChangeRef;
    let (location, side) = match change {
        ChangeRef::Addition { location, .. } => (location, TreeToIndex::Added),
        ChangeRef::Deletion { location, id, .. } => {
            (location, TreeToIndex::Deleted(id.into_owned()))
        }
        ChangeRef::Modification {
            location,
            previous_id,
            ..
        } => (location, TreeToIndex::Modified(previous_id.into_owned())),
        // Renames are switched off above; should one come anyway, its source is not known here.
        ChangeRef::Rewrite { location, .. } => (location, TreeToIndex::Added),
    };
    out.insert(location.into_owned(), side);
}

fn record_worktree(item: IndexWorktree, out: &mut BTreeMap<BString, IndexToWorktree>) {
    use gix::dir::entry::{Kind, Status};
    match item {
        IndexWorktree::Modification {
            rela_path, status, ..
        } => match status {
            EntryStatus::Change(Change::Removed) => {
                out.insert(rela_path, IndexToWorktree::Removed);
            }
            EntryStatus::Change(Change::Modification { .. } | Change::Type { .. })
            | EntryStatus::Conflict { .. }
            | EntryStatus::IntentToAdd => {
                out.insert(rela_path, IndexToWorktree::Modified);
            }
            EntryStatus::Change(Change::SubmoduleModification(_)) | EntryStatus::NeedsUpdate(_) => {
            }
        },
        IndexWorktree::DirectoryContents { entry, .. } => {
            if entry.status == Status::Untracked
                && matches!(entry.disk_kind, Some(Kind::File | Kind::Symlink))
            {
                out.insert(entry.rela_path, IndexToWorktree::Untracked);
            }
        }
        IndexWorktree::Rewrite { dirwalk_entry, .. } => {
            out.insert(dirwalk_entry.rela_path, IndexToWorktree::Untracked);
        }
    }
}

/// Whether the file at `path` in the working tree holds exactly blob `id`.
fn same_blob(
    repo: &gix::Repository,
    workdir: &std::path::Path,
    path: &BStr,
    id: gix::ObjectId,
) -> bool {
    let Ok(relative) = gix::path::from_bstr(path) else {
        return false;
    };
    let full = workdir.join(relative);
    let data = match std::fs::symlink_metadata(&full) {
        Ok(meta) if meta.file_type().is_symlink() => {
            std::fs::read_link(&full).ok().and_then(|target| {
                gix::path::into_bstr(target)
                    .ok()
                    .map(|b| b.into_owned().into())
            })
        }
        Ok(_) => std::fs::read(&full).ok(),
        Err(_) => None,
    };
    data.and_then(|bytes| {
        gix::objs::compute_hash(repo.object_hash(), gix::objs::Kind::Blob, &bytes).ok()
    })
    .is_some_and(|hash| hash == id)
}
