//! MLEM projects nested in the checked folder: a `*.mlem` file belongs to the nearest folder above
//! it that holds `.mlem.yaml` or MLEM 0.2's `.mlem/`, and its relative links resolve from there,
//! whatever folder the run started in. One run may span several projects.

use std::collections::HashMap;

use super::{Error, Lookup, Reader, Snapshot};

/// Tells which project a file belongs to, looking for markers through a snapshot's reader.
pub struct Projects<'a> {
    reader: Box<dyn Reader + 'a>,
    /// Folder (`""` or `dir/`) → the project folder it belongs to.
    owners: HashMap<String, String>,
}

impl<'a> Projects<'a> {
    /// Looks through `snapshot`.
    pub fn new(snapshot: &'a dyn Snapshot) -> Projects<'a> {
        Projects {
            reader: snapshot.reader(),
            owners: HashMap::new(),
        }
    }

    /// The project folder of `file` (a path in the snapshot): `""` for the snapshot's own, else
    /// `dir/`.
    pub fn of(&mut self, file: &str) -> String {
        let folder = file.rfind('/').map_or("", |i| &file[..=i]);
        self.owner(folder)
    }

    fn owner(&mut self, folder: &str) -> String {
        if folder.is_empty() {
            return String::new();
        }
        if let Some(owner) = self.owners.get(folder) {
            return owner.clone();
        }
        let owner = if self.has_marker(folder) {
            folder.to_owned()
        } else {
            let trimmed = &folder[..folder.len() - 1];
            let parent = trimmed.rfind('/').map_or("", |i| &trimmed[..=i]);
            self.owner(parent)
        };
        self.owners.insert(folder.to_owned(), owner.clone());
        owner
    }

    /// Whether `folder` (`dir/`) holds a MLEM project marker. A `.mlem/` folder is MLEM 0.2's
    /// store inside a project, not a project of its own.
    fn has_marker(&self, folder: &str) -> bool {
        if folder.ends_with("/.mlem/") || folder == ".mlem/" {
            return false;
        }
        matches!(
            self.reader.lookup(&format!("{folder}.mlem.yaml")),
            Ok(Lookup::File(_))
        ) || matches!(
            self.reader.lookup(&format!("{folder}.mlem")),
            Ok(Lookup::NotAFile)
        )
    }
}

/// The files of `files` by project folder, each relative to its project, in folder order.
pub fn split(snapshot: &dyn Snapshot, files: &[String]) -> Vec<(String, Vec<String>)> {
    let mut projects = Projects::new(snapshot);
    let mut by_project: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for file in files {
        let owner = projects.of(file);
        let relative = file[owner.len()..].to_owned();
        by_project.entry(owner).or_default().push(relative);
    }
    by_project.into_iter().collect()
}

/// A project nested in a snapshot's folder `prefix`, seen from its own folder: its files are
/// those it owns (not a deeper project's), and every read is relative to it.
pub struct Nested<'a> {
    inner: &'a dyn Snapshot,
    prefix: String,
}

impl<'a> Nested<'a> {
    /// The project at `prefix` (`""` or `dir/`) of `inner`.
    pub fn new(inner: &'a dyn Snapshot, prefix: &str) -> Nested<'a> {
        Nested {
            inner,
            prefix: prefix.to_owned(),
        }
    }
}

impl Snapshot for Nested<'_> {
    fn mlem_files(&self) -> Result<Vec<String>, Error> {
        let all = self.inner.mlem_files()?;
        let mut projects = Projects::new(self.inner);
        Ok(all
            .into_iter()
            .filter(|file| file.starts_with(&self.prefix) && projects.of(file) == self.prefix)
            .map(|file| file[self.prefix.len()..].to_owned())
            .collect())
    }

    fn reader(&self) -> Box<dyn Reader + '_> {
        let inner = self.inner.reader();
        if self.prefix.is_empty() {
            return inner;
        }
        Box::new(NestedReader {
            inner,
            prefix: &self.prefix,
        })
    }
}

struct NestedReader<'a> {
    inner: Box<dyn Reader + 'a>,
    prefix: &'a str,
}

impl Reader for NestedReader<'_> {
    fn lookup(&self, path: &str) -> Result<Lookup, Error> {
        self.inner.lookup(&format!("{}{path}", self.prefix))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::memory::MemoryTree;

    fn tree() -> MemoryTree {
        MemoryTree::new(
            [
                ("a.mlem", "x"),
                ("reg/.mlem.yaml", ""),
                ("reg/b.mlem", "x"),
                ("reg/deep/c.mlem", "x"),
                ("reg/inner/.mlem.yaml", ""),
                ("reg/inner/d.mlem", "x"),
                ("old/.mlem/link/e.mlem", "x"),
                ("old/f.mlem", "x"),
            ]
            .map(|(p, c)| (p, c.as_bytes().to_vec())),
        )
    }

    #[test]
    fn each_file_belongs_to_the_nearest_marker_above_it() {
        let tree = tree();
        let files = tree.mlem_files().unwrap();
        let split = split(&tree, &files);
        let shown: Vec<(&str, Vec<&str>)> = split
            .iter()
            .map(|(p, f)| (p.as_str(), f.iter().map(String::as_str).collect()))
            .collect();
        assert_eq!(
            shown,
            [
                ("", vec!["a.mlem"]),
                ("old/", vec![".mlem/link/e.mlem", "f.mlem"]),
                ("reg/", vec!["b.mlem", "deep/c.mlem"]),
                ("reg/inner/", vec!["d.mlem"]),
            ]
        );
    }

    #[test]
    fn a_nested_project_sees_only_its_own_files_from_its_folder() {
        let tree = tree();
        let reg = Nested::new(&tree, "reg/");
        assert_eq!(reg.mlem_files().unwrap(), ["b.mlem", "deep/c.mlem"]);
        assert!(matches!(
            reg.reader().lookup("inner/d.mlem"),
            Ok(Lookup::File(_))
        ));
        assert_eq!(reg.reader().lookup("a.mlem").unwrap(), Lookup::Missing);
    }
}
