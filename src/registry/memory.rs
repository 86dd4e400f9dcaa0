//! An in-memory registry: files and symbolic links in a map, for tests and the fuzz target.

use std::collections::BTreeMap;

use super::path::{self, TreeEntry};
use super::{Content, Error, Lookup, Reader, Snapshot, is_mlem_file};

/// One entry of a [`MemoryTree`].
#[derive(Debug, Clone)]
enum Entry {
    File(Vec<u8>),
    Symlink(String),
}

/// A registry held in memory. Directories exist implicitly, as in git trees.
#[derive(Debug, Clone, Default)]
pub struct MemoryTree {
    entries: BTreeMap<String, Entry>,
}

impl MemoryTree {
    /// A tree of files at the given normalized paths.
    pub fn new<'a>(files: impl IntoIterator<Item = (&'a str, Vec<u8>)>) -> MemoryTree {
        MemoryTree {
            entries: files
                .into_iter()
                .map(|(p, bytes)| (p.to_owned(), Entry::File(bytes)))
                .collect(),
        }
    }

    /// The same tree with a symbolic link at `path` whose target is `target` (as `ln -s` writes).
    pub fn with_symlink(mut self, path: &str, target: &str) -> MemoryTree {
        self.entries
            .insert(path.to_owned(), Entry::Symlink(target.to_owned()));
        self
    }

    fn is_dir(&self, path: &str) -> bool {
        let prefix = format!("{path}/");
        self.entries
            .range(prefix.clone()..)
            .next()
            .is_some_and(|(p, _)| p.starts_with(&prefix))
    }
}

impl Snapshot for MemoryTree {
    fn has_symlinks(&self) -> Option<bool> {
        Some(
            self.entries
                .values()
                .any(|e| matches!(e, Entry::Symlink(_))),
        )
    }

    fn mlem_files(&self) -> Result<Vec<String>, Error> {
        Ok(self
            .entries
            .keys()
            .filter(|p| is_mlem_file(p))
            .cloned()
            .collect())
    }

    fn reader(&self) -> Box<dyn Reader + '_> {
        Box::new(self)
    }
}

impl Reader for &MemoryTree {
    fn lookup(&self, wanted: &str) -> Result<Lookup, Error> {
        Ok(path::follow_symlinks(wanted, |p| {
            match self.entries.get(p) {
                Some(Entry::File(bytes)) => TreeEntry::File(bytes.clone()),
                Some(Entry::Symlink(target)) => TreeEntry::Symlink(target.clone()),
                None if p.is_empty() || self.is_dir(p) => TreeEntry::Dir,
                None => TreeEntry::Missing,
            }
        }))
    }
}

impl From<Vec<u8>> for Content {
    fn from(bytes: Vec<u8>) -> Content {
        Content::read_limited::<std::convert::Infallible>(bytes.len() as u64, || Ok(bytes))
            .unwrap_or_else(|never| match never {})
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree() -> MemoryTree {
        MemoryTree::new([("models/rf.mlem", b"object_type: model\n".to_vec())])
            .with_symlink("alias.mlem", "models/rf.mlem")
            .with_symlink("sub/up.mlem", "../models/rf.mlem")
            .with_symlink("out.mlem", "../../etc/passwd")
            .with_symlink("abs.mlem", "/etc/passwd")
            .with_symlink("dirlink", "models")
            .with_symlink("loop.mlem", "loop.mlem")
    }

    #[test]
    fn follows_symlinks_that_stay_inside() {
        let tree = tree();
        let reader = tree.reader();
        for path in [
            "alias.mlem",
            "sub/up.mlem",
            "dirlink/rf.mlem",
            "models/rf.mlem",
        ] {
            assert!(
                matches!(reader.lookup(path).unwrap(), Lookup::File(_)),
                "{path}"
            );
        }
        assert_eq!(reader.lookup("models").unwrap(), Lookup::NotAFile);
        assert_eq!(reader.lookup("nope.mlem").unwrap(), Lookup::Missing);
    }

    #[test]
    fn refuses_symlinks_that_leave() {
        let tree = tree();
        let reader = tree.reader();
        for path in ["out.mlem", "abs.mlem"] {
            assert!(
                matches!(reader.lookup(path).unwrap(), Lookup::Escapes(_)),
                "{path}"
            );
        }
        assert!(matches!(
            reader.lookup("loop.mlem").unwrap(),
            Lookup::Escapes(_) | Lookup::Missing
        ));
    }

    #[test]
    fn lists_only_mlem_files() {
        let tree = MemoryTree::new([("a.mlem", vec![]), ("b.txt", vec![])]);
        assert_eq!(tree.mlem_files().unwrap(), ["a.mlem"]);
    }
}
