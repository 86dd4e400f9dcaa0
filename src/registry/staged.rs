//! The registry as the next commit will have it, for a pre-commit hook: the git index (staging
//! area) and which `*.mlem` files it changes from `HEAD`, or the files the pre-commit framework
//! passes, read from the index too.

use std::collections::HashMap;

use gix::ObjectId;
use gix::bstr::{BStr, ByteSlice};

use super::path::{TreeEntry, follow_symlinks};
use super::{Content, Error, Lookup, Opened, Reader, Snapshot, is_mlem_file};

/// The files of the index, below a project prefix.
pub struct Staged {
    repo: gix::ThreadSafeRepository,
    index: gix::worktree::Index,
    prefix: String,
}

/// The staged `*.mlem` files that differ from `HEAD`, project-relative.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StagedChanges {
    /// Added or modified in the index.
    pub changed: Vec<String>,
    /// In `HEAD`, removed from the index.
    pub deleted: Vec<String>,
}

impl Staged {
    /// The index of `repo`, below `prefix` (`""` or `dir/`).
    pub fn open(repo: &gix::Repository, prefix: &str) -> Result<Staged, Error> {
        let index = repo
            .index_or_empty()
            .map_err(|e| Error::git("cannot read the git index", e))?;
        Ok(Staged {
            repo: repo.clone().into_sync(),
            index,
            prefix: prefix.to_owned(),
        })
    }

    /// The `*.mlem` files the index changes from `HEAD` (all of them before the first commit).
    pub fn changes(&self) -> Result<StagedChanges, Error> {
        let repo = self.repo.to_thread_local();
        let head_tree = match repo.head_tree_id_or_empty() {
            Ok(id) => id.detach(),
            Err(error) => return Err(Error::git("cannot read HEAD", error)),
        };
        // The index's cache tree still names HEAD's tree: nothing is staged.
        if self
            .index
            .tree()
            .is_some_and(|root| root.num_entries.is_some() && root.id == head_tree)
        {
            return Ok(StagedChanges::default());
        }
        let head = repo
            .index_from_tree(&head_tree)
            .map_err(|e| Error::git("cannot read HEAD's tree", e))?;
        let before: HashMap<&BStr, ObjectId> = head
            .entries()
            .iter()
            .map(|e| (e.path(&head), e.id))
            .filter(|(path, _)| is_mlem_file_bytes(path))
            .collect();
        let mut changes = StagedChanges::default();
        let mut seen = std::collections::HashSet::new();
        for entry in self.index.entries() {
            let path = entry.path(&self.index);
            super::utf8_name(path)?;
            if !is_mlem_file_bytes(path) || !seen.insert(path) {
                continue;
            }
            if before.get(path) != Some(&entry.id)
                && let Some(relative) = self.relative(path)
            {
                changes.changed.push(relative.to_owned());
            }
        }
        for path in before.keys() {
            if !seen.contains(path)
                && let Some(relative) = self.relative(path)
            {
                changes.deleted.push(relative.to_owned());
            }
        }
        changes.changed.sort();
        changes.deleted.sort();
        Ok(changes)
    }

    fn relative<'a>(&self, path: &'a BStr) -> Option<&'a str> {
        path.to_str()
            .ok()
            .and_then(|p| super::strip_prefix(p, &self.prefix))
    }

    fn entry(&self, path: &str) -> IndexEntry {
        let full = format!("{}{path}", self.prefix);
        if let Some(entry) = self.index.entry_by_path(full.as_str().into()) {
            let mode = entry.mode.to_tree_entry_mode();
            return match mode {
                Some(mode) if mode.is_link() => IndexEntry::Symlink(entry.id),
                Some(mode) if mode.is_blob() => IndexEntry::File(entry.id),
                _ => IndexEntry::Dir,
            };
        }
        let dir = format!("{full}/");
        if path.is_empty()
            || self
                .index
                .prefixed_entries_range(dir.as_str().into())
                .is_some()
        {
            IndexEntry::Dir
        } else {
            IndexEntry::Missing
        }
    }
}

/// The registry for a check of exactly `files` (repository-relative; those outside the project
/// at `prefix` are left out) as the index has them, links resolved in the index as a pre-commit
/// check resolves them: what the commit will hold, not what else lies in the working tree (an
/// untracked or ignored target would pass there and be missing from the commit). The pre-commit
/// framework passes the staged files (every tracked one with `--all-files`); a file given that
/// the index does not hold is named in a notice and not checked.
pub fn given(
    repo: &gix::Repository,
    files: &[String],
    mut notices: Vec<String>,
    prefix: String,
    root: std::path::PathBuf,
) -> Result<Opened, Error> {
    let staged = Staged::open(repo, &prefix)?;
    let mut checked = Vec::new();
    let mut not_staged = Vec::new();
    {
        let reader = staged.reader();
        for file in files {
            let Some(file) = super::strip_prefix(file, &prefix) else {
                continue;
            };
            if !is_mlem_file(file) {
                continue;
            }
            match reader.lookup(file)? {
                Lookup::Missing => not_staged.push(file.to_owned()),
                _ => checked.push(file.to_owned()),
            }
        }
    }
    if !not_staged.is_empty() {
        notices.push(format!(
            "not checked, not in the index (git add them): {}",
            not_staged.join(", ").escape_debug()
        ));
    }
    notices.push(format!(
        "checked {} given, as the index has them",
        crate::words::count(checked.len(), "file")
    ));
    Ok(Opened {
        snapshot: Box::new(staged),
        files: checked,
        deleted: Vec::new(),
        partial: true,
        notices,
        prefix,
        root,
        git_dir: None,
    })
}

/// What the index holds at a path: a directory is implied by the entries below it.
enum IndexEntry {
    File(ObjectId),
    Symlink(ObjectId),
    Dir,
    Missing,
}

fn is_mlem_file_bytes(path: &BStr) -> bool {
    path.to_str().is_ok_and(super::is_watched)
}

impl Snapshot for Staged {
    fn has_symlinks(&self) -> Option<bool> {
        Some(
            self.index
                .entries()
                .iter()
                .any(|e| e.mode == gix::index::entry::Mode::SYMLINK),
        )
    }

    fn blob_id(&self, path: &str) -> Option<ObjectId> {
        let full = format!("{}{path}", self.prefix);
        let entry = self.index.entry_by_path(full.as_str().into())?;
        (entry.mode == gix::index::entry::Mode::FILE
            || entry.mode == gix::index::entry::Mode::FILE_EXECUTABLE)
            .then_some(entry.id)
    }

    fn mlem_files(&self) -> Result<Vec<String>, Error> {
        let mut files: Vec<String> = self
            .index
            .entries()
            .iter()
            .filter_map(|e| self.relative(e.path(&self.index)))
            .filter(|p| is_mlem_file(p))
            .map(str::to_owned)
            .collect();
        files.dedup();
        Ok(files)
    }

    fn reader(&self) -> Box<dyn Reader + '_> {
        Box::new(StagedReader {
            staged: self,
            repo: self.repo.to_thread_local(),
        })
    }
}

struct StagedReader<'a> {
    staged: &'a Staged,
    repo: gix::Repository,
}

impl StagedReader<'_> {
    fn blob(&self, id: ObjectId) -> Result<Vec<u8>, Error> {
        Ok(self
            .repo
            .find_blob(id)
            .map_err(|e| Error::git(format!("cannot read staged blob {id}"), e))?
            .detach()
            .data)
    }
}

impl Reader for StagedReader<'_> {
    fn lookup(&self, wanted: &str) -> Result<Lookup, Error> {
        let mut failure = None;
        let lookup = follow_symlinks(wanted, |path| match self.staged.entry(path) {
            IndexEntry::File(id) => {
                let content = self
                    .repo
                    .find_header(id)
                    .map_err(|e| Error::git(format!("cannot read staged blob {id}"), e))
                    .and_then(|header| Content::read_limited(header.size(), || self.blob(id)));
                match content {
                    Ok(content) => TreeEntry::File(content),
                    Err(error) => {
                        failure = Some(error);
                        TreeEntry::Missing
                    }
                }
            }
            IndexEntry::Symlink(id) => match self.blob(id) {
                Ok(target) => TreeEntry::Symlink(String::from_utf8_lossy(&target).into_owned()),
                Err(error) => {
                    failure = Some(error);
                    TreeEntry::Missing
                }
            },
            IndexEntry::Dir => TreeEntry::Dir,
            IndexEntry::Missing => TreeEntry::Missing,
        });
        match failure {
            Some(error) => Err(error),
            None => Ok(lookup),
        }
    }
}
