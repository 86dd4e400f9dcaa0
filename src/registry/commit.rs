//! A registry as of one commit, read straight from the object database (no checkout).

use std::collections::HashMap;

use gix::ObjectId;
use gix::bstr::ByteSlice;

use super::path::{TreeEntry, follow_symlinks};
use super::{Content, Error, Lookup, Reader, Snapshot, is_mlem_file};

/// What an entry of the commit's tree is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Blob,
    Symlink,
    Tree,
    Submodule,
}

/// The files of one commit.
pub struct CommitTree {
    repo: gix::ThreadSafeRepository,
    entries: HashMap<String, (ObjectId, Kind)>,
    mlem_files: Vec<String>,
    /// The commit the snapshot reads.
    pub commit: ObjectId,
}

impl CommitTree {
    /// The tree of `rev` (a branch, tag, or full or abbreviated commit) in `repo`, below `prefix`
    /// (`""` or `dir/`).
    pub fn open(repo: &gix::Repository, rev: &str, prefix: &str) -> Result<CommitTree, Error> {
        let id = repo
            .rev_parse_single(rev)
            .map_err(|e| Error::git(format!("cannot resolve revision `{rev}`"), e))?;
        let commit = id
            .object()
            .map_err(|e| Error::git(format!("cannot read `{rev}`"), e))?
            .peel_to_commit()
            .map_err(|e| Error::git(format!("`{rev}` is not a commit"), e))?;
        let tree = commit
            .tree()
            .map_err(|e| Error::git(format!("cannot read the tree of `{rev}`"), e))?;
        let mut recorder = gix::traverse::tree::Recorder::default();
        tree.traverse()
            .breadthfirst(&mut recorder)
            .map_err(|e| Error::git(format!("cannot walk the tree of `{rev}`"), e))?;
        let mut entries = HashMap::with_capacity(recorder.records.len());
        let mut mlem_files = Vec::new();
        for record in recorder.records {
            let Some(path) = record
                .filepath
                .to_str()
                .ok()
                .and_then(|p| super::strip_prefix(p, prefix))
            else {
                continue;
            };
            let kind = if record.mode.is_tree() {
                Kind::Tree
            } else if record.mode.is_link() {
                Kind::Symlink
            } else if record.mode.is_commit() {
                Kind::Submodule
            } else {
                Kind::Blob
            };
            if kind != Kind::Tree && is_mlem_file(path) {
                mlem_files.push(path.to_owned());
            }
            entries.insert(path.to_owned(), (record.oid, kind));
        }
        mlem_files.sort();
        Ok(CommitTree {
            repo: repo.clone().into_sync(),
            entries,
            mlem_files,
            commit: commit.id,
        })
    }
}

impl Snapshot for CommitTree {
    fn mlem_files(&self) -> Result<Vec<String>, Error> {
        Ok(self.mlem_files.clone())
    }

    fn reader(&self) -> Box<dyn Reader + '_> {
        Box::new(CommitReader {
            tree: self,
            repo: self.repo.to_thread_local(),
        })
    }
}

struct CommitReader<'a> {
    tree: &'a CommitTree,
    repo: gix::Repository,
}

impl CommitReader<'_> {
    fn blob(&self, id: ObjectId) -> Result<Vec<u8>, Error> {
        let blob = self
            .repo
            .find_blob(id)
            .map_err(|e| Error::git(format!("cannot read blob {id}"), e))?;
        Ok(blob.detach().data)
    }

    fn content(&self, id: ObjectId) -> Result<Content, Error> {
        let size = self
            .repo
            .find_header(id)
            .map_err(|e| Error::git(format!("cannot read blob {id}"), e))?
            .size();
        Content::read_limited(size, || self.blob(id))
    }
}

impl Reader for CommitReader<'_> {
    fn lookup(&self, wanted: &str) -> Result<Lookup, Error> {
        let mut failure = None;
        let lookup = follow_symlinks(wanted, |path| match self.tree.entries.get(path) {
            None if path.is_empty() => TreeEntry::Dir,
            None => TreeEntry::Missing,
            Some((_, Kind::Tree)) => TreeEntry::Dir,
            Some((_, Kind::Submodule)) => TreeEntry::Dir,
            Some((id, Kind::Symlink)) => match self.blob(*id) {
                Ok(target) => TreeEntry::Symlink(String::from_utf8_lossy(&target).into_owned()),
                Err(error) => {
                    failure = Some(error);
                    TreeEntry::Missing
                }
            },
            Some((id, Kind::Blob)) => match self.content(*id) {
                Ok(content) => TreeEntry::File(content),
                Err(error) => {
                    failure = Some(error);
                    TreeEntry::Missing
                }
            },
        });
        match failure {
            Some(error) => Err(error),
            None => Ok(lookup),
        }
    }
}
