//! A registry as of one commit, read straight from the object database (no checkout).

use std::collections::HashMap;
use std::sync::OnceLock;

use gix::ObjectId;

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

/// The files of one commit. Its tree is listed whole only when every file is wanted
/// ([`Snapshot::mlem_files`]); a check of a few files (a push) looks paths up one by one.
pub struct CommitTree {
    repo: gix::ThreadSafeRepository,
    /// The commit's root tree.
    root: ObjectId,
    /// `""` or `dir/`: the MLEM project's folder inside the repository.
    prefix: String,
    /// The listing, made once; a failure is kept to be told to every caller.
    listing: OnceLock<Result<Listing, std::sync::Arc<Error>>>,
    /// A path past the walks' limits that another walk of this commit (a push's diff) met.
    cut: Option<String>,
    /// The commit the snapshot reads.
    pub commit: ObjectId,
    /// The git index, when it holds exactly this commit's tree: blob ids and whether there are
    /// symbolic links are read from it, without listing the tree.
    index: Option<gix::index::File>,
}

/// Every entry of the tree, by project-relative path.
struct Listing {
    entries: HashMap<String, (ObjectId, Kind)>,
    mlem_files: Vec<String>,
    /// The first path past [`super::MAX_DEPTH`] or [`super::MAX_PATH_BYTES`]; not walked.
    too_deep: Option<String>,
    /// How many tree objects the listing read: one per folder, whatever the tree's shape.
    #[cfg_attr(not(test), allow(dead_code))]
    trees_read: usize,
}

impl Kind {
    fn of(mode: gix::object::tree::EntryMode) -> Kind {
        if mode.is_tree() {
            Kind::Tree
        } else if mode.is_link() {
            Kind::Symlink
        } else if mode.is_commit() {
            Kind::Submodule
        } else {
            Kind::Blob
        }
    }
}

impl CommitTree {
    /// The tree of `rev` (a branch, tag, or full or abbreviated commit) in `repo`, below `prefix`
    /// (`""` or `dir/`).
    pub fn open(repo: &gix::Repository, rev: &str, prefix: &str) -> Result<CommitTree, Error> {
        let id = super::revision(repo, rev)?;
        let commit = id
            .object()
            .map_err(|e| Error::git(format!("cannot read `{rev}`"), e))?
            .peel_to_commit()
            .map_err(|e| Error::git(format!("`{rev}` is not a commit"), e))?;
        let root = commit
            .tree_id()
            .map_err(|e| Error::git(format!("cannot read the tree of `{rev}`"), e))?
            .detach();
        Ok(CommitTree {
            repo: repo.clone().into_sync(),
            root,
            prefix: prefix.to_owned(),
            listing: OnceLock::new(),
            cut: None,
            commit: commit.id,
            index: None,
        })
    }

    /// [`CommitTree::open`], answering [`Snapshot::blob_id`] and [`Snapshot::has_symlinks`]
    /// from the git index when the index holds exactly the revision's tree (its cache tree says
    /// so: nothing staged, no conflict, not sparse), as it usually does for `--changed-since
    /// HEAD`: a binary search in a file already read, where the tree is one object per folder.
    pub fn open_with_index(
        repo: &gix::Repository,
        rev: &str,
        prefix: &str,
    ) -> Result<CommitTree, Error> {
        let mut tree = CommitTree::open(repo, rev, prefix)?;
        // Only for HEAD's commit, the one an index may hold unchanged: any other revision (a
        // push's remote ref, a pull request's base) is not worth reading the index for. Read
        // afresh, not through the repository's cache, which would keep it for the run.
        let is_head = repo
            .head_id()
            .is_ok_and(|head| head.detach() == tree.commit);
        if !is_head || !repo.index_path().is_file() {
            return Ok(tree);
        }
        let Ok(index) = repo.open_index() else {
            return Ok(tree);
        };
        let same_tree = index
            .tree()
            .is_some_and(|root| root.num_entries.is_some() && root.id == tree.root);
        let unconflicted = || {
            index
                .entries()
                .iter()
                .all(|e| e.stage() == gix::index::entry::Stage::Unconflicted)
        };
        if same_tree && !index.is_sparse() && unconflicted() {
            tree.index = Some(index);
        }
        Ok(tree)
    }

    fn listing(&self) -> Result<&Listing, Error> {
        self.listing
            .get_or_init(|| self.list().map_err(std::sync::Arc::new))
            .as_ref()
            .map_err(|error| {
                let context = format!("cannot walk the tree of commit {}", self.commit);
                Error::git(context, error)
            })
    }

    /// Records that a walk of this commit met `path`, past the limits, and did not go below it.
    pub fn set_too_deep(&mut self, path: Option<String>) {
        self.cut = path;
    }

    /// Lists the tree depth first, one tree object read per folder: time and memory linear in
    /// the tree, whatever its shape, and nothing past [`super::MAX_DEPTH`] folders or
    /// [`super::MAX_PATH_BYTES`] bytes.
    fn list(&self) -> Result<Listing, Error> {
        let repo = self.repo.to_thread_local();
        let mut entries = HashMap::new();
        let mut mlem_files = Vec::new();
        let mut too_deep = None;
        let mut trees_read = 0;
        // Folders still to read: their tree and repository-relative path (`""`: the root), as
        // bytes: a folder whose name is not UTF-8 is still walked (a `*.mlem` file below it is
        // an error, not a file skipped).
        let mut pending: Vec<(ObjectId, Vec<u8>)> = vec![(self.root, Vec::new())];
        while let Some((id, folder)) = pending.pop() {
            trees_read += 1;
            let tree = repo.find_tree(id).map_err(|e| {
                let folder = String::from_utf8_lossy(&folder);
                Error::git(format!("cannot read the tree of `{folder}`"), e)
            })?;
            for entry in tree.iter() {
                let entry = entry.map_err(|e| Error::git("cannot read a tree entry", e))?;
                let name = entry.filename();
                let mut full = Vec::with_capacity(folder.len() + 1 + name.len());
                if !folder.is_empty() {
                    full.extend_from_slice(&folder);
                    full.push(b'/');
                }
                full.extend_from_slice(name);
                if super::too_deep(&full) {
                    too_deep.get_or_insert_with(|| String::from_utf8_lossy(&full).into_owned());
                    continue;
                }
                let kind = Kind::of(entry.mode());
                if kind == Kind::Tree {
                    pending.push((entry.oid().to_owned(), full.clone()));
                }
                let Some(path) = super::utf8_name(&full)? else {
                    continue;
                };
                let Some(relative) = super::strip_prefix(path, &self.prefix) else {
                    continue;
                };
                if kind != Kind::Tree && is_mlem_file(relative) {
                    mlem_files.push(relative.to_owned());
                }
                entries.insert(relative.to_owned(), (entry.oid().to_owned(), kind));
            }
        }
        mlem_files.sort();
        Ok(Listing {
            entries,
            mlem_files,
            too_deep,
            trees_read,
        })
    }
}

impl Snapshot for CommitTree {
    fn mlem_files(&self) -> Result<Vec<String>, Error> {
        let Some(index) = &self.index else {
            return Ok(self.listing()?.mlem_files.clone());
        };
        // As the listing has them: every entry (a symbolic link too) named *.mlem below the
        // prefix and within the limits; the index holds them sorted.
        let mut files = Vec::new();
        for entry in index.entries() {
            let full: &[u8] = entry.path(index);
            if super::too_deep(full) {
                continue;
            }
            let Some(path) = super::utf8_name(full)? else {
                continue;
            };
            if let Some(relative) = super::strip_prefix(path, &self.prefix)
                && is_mlem_file(relative)
            {
                files.push(relative.to_owned());
            }
        }
        Ok(files)
    }

    fn has_symlinks(&self) -> Option<bool> {
        if let Some(index) = &self.index {
            let prefix = self.prefix.as_bytes();
            return Some(index.entries().iter().any(|entry| {
                entry.mode == gix::index::entry::Mode::SYMLINK
                    && entry.path(index).starts_with(prefix)
            }));
        }
        let listing = self.listing().ok()?;
        Some(
            listing
                .entries
                .values()
                .any(|(_, kind)| *kind == Kind::Symlink),
        )
    }

    fn too_deep(&self) -> Option<String> {
        let listed = self.listing.get().and_then(|l| l.as_ref().ok());
        listed
            .and_then(|listing| listing.too_deep.clone())
            .or_else(|| self.cut.clone())
    }

    fn blob_id(&self, path: &str) -> Option<ObjectId> {
        if let Some(index) = &self.index {
            use gix::index::entry::Mode;
            // One lookup per file of a check: no copy of the path at the repository's root.
            let full = match self.prefix.as_str() {
                "" => std::borrow::Cow::Borrowed(path),
                prefix => std::borrow::Cow::Owned(format!("{prefix}{path}")),
            };
            let entry = index.entry_by_path(full.as_ref().into())?;
            return matches!(entry.mode, Mode::FILE | Mode::FILE_EXECUTABLE).then_some(entry.id);
        }
        match self.listing().ok()?.entries.get(path)? {
            (id, Kind::Blob) => Some(*id),
            _ => None,
        }
    }

    fn reader(&self) -> Box<dyn Reader + '_> {
        Box::new(CommitReader {
            tree: self,
            repo: self.repo.to_thread_local(),
            last_folder: std::cell::RefCell::new(None),
        })
    }
}

struct CommitReader<'a> {
    tree: &'a CommitTree,
    repo: gix::Repository,
    /// The last folder looked up (its project-relative path and tree): a lookup goes down one
    /// component at a time, so each step reads one tree rather than every tree from the root.
    last_folder: std::cell::RefCell<Option<(String, ObjectId)>>,
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

impl CommitReader<'_> {
    /// The entry at project-relative `path`: from the listing when the tree was listed whole,
    /// else looked up through the trees on its way.
    fn entry(
        &self,
        listing: Option<&Listing>,
        path: &str,
    ) -> Result<Option<(ObjectId, Kind)>, Error> {
        if let Some(listing) = listing {
            return Ok(listing.entries.get(path).copied());
        }
        if path.is_empty() {
            return Ok(None);
        }
        let (folder, name) = match path.rfind('/') {
            Some(slash) => (&path[..slash], &path[slash + 1..]),
            None => ("", path),
        };
        let known = self
            .last_folder
            .borrow()
            .as_ref()
            .and_then(|(known, id)| (known == folder).then_some(*id));
        let found = match known {
            Some(id) => {
                let tree = self
                    .repo
                    .find_tree(id)
                    .map_err(|e| Error::git(format!("cannot read the tree of {folder}"), e))?;
                tree.find_entry(name)
                    .map(|e| (e.object_id(), Kind::of(e.mode())))
            }
            None => {
                let tree = self
                    .repo
                    .find_tree(self.tree.root)
                    .map_err(|e| Error::git("cannot read the tree", e))?;
                let full = format!("{}{path}", self.tree.prefix);
                tree.lookup_entry_by_path(full.as_str())
                    .map_err(|e| Error::git(format!("cannot look up {full}"), e))?
                    .map(|e| (e.object_id(), Kind::of(e.mode())))
            }
        };
        if let Some((id, Kind::Tree)) = found {
            *self.last_folder.borrow_mut() = Some((path.to_owned(), id));
        }
        Ok(found)
    }
}

impl Reader for CommitReader<'_> {
    fn lookup(&self, wanted: &str) -> Result<Lookup, Error> {
        let mut failure = None;
        let listing = self.tree.listing.get().and_then(|l| l.as_ref().ok());
        let lookup = follow_symlinks(wanted, |path| match self.entry(listing, path) {
            Err(error) => {
                failure = Some(error);
                TreeEntry::Missing
            }
            Ok(None) if path.is_empty() => TreeEntry::Dir,
            Ok(None) => TreeEntry::Missing,
            Ok(Some((_, Kind::Tree | Kind::Submodule))) => TreeEntry::Dir,
            Ok(Some((id, Kind::Symlink))) => match self.blob(id) {
                Ok(target) => TreeEntry::Symlink(String::from_utf8_lossy(&target).into_owned()),
                Err(error) => {
                    failure = Some(error);
                    TreeEntry::Missing
                }
            },
            Ok(Some((id, Kind::Blob))) => match self.content(id) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use gix::bstr::BString;
    use gix::objs::tree::{Entry, EntryKind};

    /// A tiny deterministic generator (xorshift64): random trees, reproducible from their seed.
    struct Random(u64);

    impl Random {
        fn below(&mut self, n: u64) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0 % n
        }
    }

    /// What a generated tree should list.
    #[derive(Default)]
    struct Expected {
        files: Vec<String>,
        /// Folders within the limits (each is read once), the root included.
        trees: usize,
        too_deep: bool,
    }

    /// Writes a random folder at `path` (`""`: the root) and returns its tree id. One in three
    /// folders starts a long chain of single folders, so trees run past the depth limit.
    fn folder(
        repo: &gix::Repository,
        random: &mut Random,
        path: &str,
        chain: u64,
        expected: &mut Expected,
    ) -> ObjectId {
        let within = |p: &str| !super::super::too_deep(p.as_bytes());
        if path.is_empty() || within(path) {
            expected.trees += 1;
        }
        let join = |name: &str| match path {
            "" => name.to_owned(),
            _ => format!("{path}/{name}"),
        };
        let mut entries = Vec::new();
        for f in 0..random.below(3) {
            let name = format!("f{f}.mlem");
            let full = join(&name);
            if within(&full) {
                expected.files.push(full);
            } else {
                expected.too_deep = true;
            }
            let blob = repo.write_blob(b"object_type: model\n").unwrap().detach();
            entries.push(Entry {
                mode: EntryKind::Blob.into(),
                filename: BString::from(name),
                oid: blob,
            });
        }
        let (folders, next_chain) = match chain {
            0 if random.below(3) == 0 => (1, 200 + random.below(200)),
            0 => (
                random.below(3) * u64::from(path.matches('/').count() < 6),
                0,
            ),
            n => (1, n - 1),
        };
        for d in 0..folders {
            let name = format!("d{d}");
            let full = join(&name);
            if !within(&full) {
                expected.too_deep = true;
            }
            let id = folder(repo, random, &full, next_chain, expected);
            entries.push(Entry {
                mode: EntryKind::Tree.into(),
                filename: BString::from(name),
                oid: id,
            });
        }
        entries.sort();
        repo.write_object(gix::objs::Tree { entries })
            .unwrap()
            .detach()
    }

    fn commit_of(repo: &gix::Repository, tree: ObjectId) -> ObjectId {
        let signature = gix::actor::Signature {
            name: "T".into(),
            email: "t@example.invalid".into(),
            time: gix::date::Time::new(0, 0),
        };
        let commit = gix::objs::Commit {
            tree,
            parents: Default::default(),
            author: signature.clone(),
            committer: signature,
            encoding: None,
            message: "random".into(),
            extra_headers: Vec::new(),
        };
        repo.write_object(commit).unwrap().detach()
    }

    #[test]
    fn random_trees_of_any_depth_are_listed_reading_each_folder_once() {
        let dir = tempfile::tempdir().unwrap();
        let repo = gix::init_bare(dir.path()).unwrap();
        for seed in 1..=8u64 {
            let mut random = Random(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15));
            let mut expected = Expected::default();
            let root = folder(&repo, &mut random, "", 0, &mut expected);
            let commit = commit_of(&repo, root);
            let tree = CommitTree::open(&repo, &commit.to_string(), "").unwrap();
            let listed = tree.listing().unwrap();
            expected.files.sort();
            assert_eq!(listed.mlem_files, expected.files, "seed {seed}");
            assert_eq!(listed.trees_read, expected.trees, "seed {seed}");
            assert_eq!(listed.too_deep.is_some(), expected.too_deep, "seed {seed}");
            // Without a listing, the deepest file is found going down one folder at a time.
            if let Some(file) = expected.files.iter().max_by_key(|f| f.len()) {
                let fresh = CommitTree::open(&repo, &commit.to_string(), "").unwrap();
                let reader = fresh.reader();
                assert!(matches!(
                    reader.lookup(file),
                    Ok(super::super::Lookup::File(_))
                ));
            }
        }
    }

    /// What the reaching search asks of a revision: its *.mlem files, their blob ids, and
    /// whether it holds a symbolic link.
    fn answers(tree: &CommitTree) -> (Vec<String>, Vec<Option<ObjectId>>, Option<bool>) {
        let files = tree.mlem_files().unwrap();
        let mut asked = files.clone();
        asked.extend([
            "x.txt".into(),
            "s".into(),
            "d".into(),
            "missing.mlem".into(),
        ]);
        let ids = asked.iter().map(|f| tree.blob_id(f)).collect();
        (files, ids, tree.has_symlinks())
    }

    #[test]
    fn an_index_holding_the_revision_answers_as_its_tree_does() {
        use crate::registry::testing::git;
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        git(root, &["init", "-q"]);
        for (path, text) in [
            ("a.mlem", "object_type: model\n"),
            ("p/b.mlem", "object_type: model\n"),
            ("p/d/e/c.mlem", "object_type: data\n"),
            ("p/x.txt", "x"),
            ("q/r.mlem", "object_type: model\n"),
        ] {
            std::fs::create_dir_all(root.join(path).parent().unwrap()).unwrap();
            std::fs::write(root.join(path), text).unwrap();
        }
        std::os::unix::fs::symlink("d", root.join("p/s")).unwrap();
        std::os::unix::fs::symlink("a.mlem", root.join("q/l.mlem")).unwrap();
        git(root, &["add", "-A"]);
        git(root, &["commit", "-q", "-m", "one"]);
        let repo = gix::open(root).unwrap();
        for prefix in ["", "p/", "q/", "p/d/"] {
            let by_index = CommitTree::open_with_index(&repo, "HEAD", prefix).unwrap();
            assert!(by_index.index.is_some(), "the index holds HEAD");
            let by_tree = CommitTree::open(&repo, "HEAD", prefix).unwrap();
            assert_eq!(answers(&by_index), answers(&by_tree), "prefix {prefix:?}");
            assert_eq!(by_index.has_symlinks(), Some(prefix != "p/d/"));
        }
        // Something staged: the index is not the revision, and the tree answers.
        std::fs::write(root.join("q/r.mlem"), "object_type: data\n").unwrap();
        git(root, &["add", "q/r.mlem"]);
        let repo = gix::open(root).unwrap();
        let staged = CommitTree::open_with_index(&repo, "HEAD", "").unwrap();
        assert!(staged.index.is_none());
    }
}
