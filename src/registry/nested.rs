//! MLEM projects nested in the checked folder: a `*.mlem` file belongs to the nearest folder above
//! it that holds `.mlem.yaml` or MLEM 0.2's `.mlem/`, and its relative links resolve from there,
//! whatever folder the run started in; the policy that applies to it is the nearest
//! `.mlem-registry.toml` above it. One run may span several projects and policies.

use std::collections::HashMap;

use super::{Error, Lookup, Reader, Snapshot};

/// The folder above `folder` (`a/b/` → `a/` → ``); `` stays ``.
pub fn parent_folder(folder: &str) -> &str {
    let trimmed = folder.strip_suffix('/').unwrap_or(folder);
    trimmed.rfind('/').map_or("", |i| &trimmed[..=i])
}

/// Tells which project a file belongs to, looking for markers through a snapshot's reader.
pub struct Projects<'a> {
    reader: Box<dyn Reader + 'a>,
    /// The trusted revision's files, whose config folders count too.
    policy: Option<Box<dyn Reader + 'a>>,
    /// Folder (`""` or `dir/`) → the project folder it belongs to.
    owners: HashMap<String, String>,
    /// Folder → the nearest folder at or above it holding a config file, if any.
    configs: HashMap<String, Option<String>>,
}

impl<'a> Projects<'a> {
    /// Looks through `snapshot`.
    pub fn new(snapshot: &'a dyn Snapshot) -> Projects<'a> {
        Projects::with_policy(snapshot, None)
    }

    /// Looks through `snapshot`, and for config folders through `policy` too: the revision whose
    /// policy judges a change, so that a change cannot take its files out of a folder's policy
    /// by deleting that folder's config.
    pub fn with_policy(
        snapshot: &'a dyn Snapshot,
        policy: Option<&'a dyn Snapshot>,
    ) -> Projects<'a> {
        Projects {
            policy: policy.map(|p| p.reader()),
            reader: snapshot.reader(),
            owners: HashMap::new(),
            configs: HashMap::new(),
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
            self.owner(parent_folder(folder))
        };
        self.owners.insert(folder.to_owned(), owner.clone());
        owner
    }

    /// Every project whose folder holds `file`: its own, then the ones around it, up to the
    /// snapshot's (`""`). A link in an outer project may point into an inner one's files.
    pub fn around(&mut self, file: &str) -> Vec<String> {
        let mut found = vec![self.of(file)];
        while let Some(inner) = found.last().filter(|p| !p.is_empty()) {
            let outer = self.owner(parent_folder(inner));
            found.push(outer);
        }
        found
    }

    /// The nearest folder at or above `file`'s that holds a `.mlem-registry.toml` in the
    /// snapshot; `None`: none does (one above the snapshot's folder may).
    pub fn config_of(&mut self, file: &str) -> Option<String> {
        let folder = file.rfind('/').map_or("", |i| &file[..=i]);
        self.config_folder(folder)
    }

    fn config_folder(&mut self, folder: &str) -> Option<String> {
        if let Some(found) = self.configs.get(folder) {
            return found.clone();
        }
        let file = format!("{folder}{}", super::CONFIG_FILE);
        let readers = std::iter::once(&self.reader).chain(&self.policy);
        let here = readers
            .into_iter()
            .any(|reader| matches!(reader.lookup(&file), Ok(Lookup::File(_))));
        let found = match (here, folder.is_empty()) {
            (true, _) => Some(folder.to_owned()),
            (false, true) => None,
            (false, false) => self.config_folder(parent_folder(folder)),
        };
        self.configs.insert(folder.to_owned(), found.clone());
        found
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

/// Files that share a project and a policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// The project's folder in the snapshot (`""` or `dir/`).
    pub project: String,
    /// The folder whose `.mlem-registry.toml` applies, when it is inside the project; `None`:
    /// the nearest one at or above the project's folder.
    pub config: Option<String>,
    /// The files, relative to the project.
    pub files: Vec<String>,
}

impl Group {
    /// The folder (in the snapshot) whose policy applies: the config's, or the project's.
    pub fn policy_folder(&self) -> &str {
        self.config.as_deref().unwrap_or(&self.project)
    }
}

/// The files of `files` by project folder and by the config that applies to them, in folder
/// order.
pub fn split(
    snapshot: &dyn Snapshot,
    policy: Option<&dyn Snapshot>,
    files: Vec<String>,
) -> Vec<Group> {
    let mut projects = Projects::with_policy(snapshot, policy);
    let mut groups: Vec<Group> = Vec::new();
    // Files come sorted, so neighbours share a folder: its group is looked up once.
    let mut last: Option<(String, usize)> = None;
    for file in files {
        let folder = file.rfind('/').map_or("", |i| &file[..=i]);
        let at = match &last {
            Some((seen, at)) if seen == folder => *at,
            _ => {
                let owner = projects.of(&file);
                // A config above the project is found from the project's folder; one inside it
                // splits it.
                let config = projects
                    .config_of(&file)
                    .filter(|folder| folder.len() > owner.len());
                let at = match groups
                    .iter()
                    .position(|g| g.project == owner && g.config == config)
                {
                    Some(at) => at,
                    None => {
                        groups.push(Group {
                            project: owner,
                            config,
                            files: Vec::new(),
                        });
                        groups.len() - 1
                    }
                };
                last = Some((folder.to_owned(), at));
                at
            }
        };
        let group = &mut groups[at];
        let file = match group.project.len() {
            0 => file,
            len => file[len..].to_owned(),
        };
        group.files.push(file);
    }
    groups.sort_by(|a, b| (&a.project, &a.config).cmp(&(&b.project, &b.config)));
    groups
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
        let mut last: Option<(String, bool)> = None;
        let mut own = |file: &str| {
            let folder = file.rfind('/').map_or("", |i| &file[..=i]);
            match &last {
                Some((seen, owned)) if seen == folder => *owned,
                _ => {
                    let owned = projects.of(file) == self.prefix;
                    last = Some((folder.to_owned(), owned));
                    owned
                }
            }
        };
        if self.prefix.is_empty() {
            let mut all = all;
            all.retain(|file| own(file));
            return Ok(all);
        }
        Ok(all
            .into_iter()
            .filter(|file| file.starts_with(&self.prefix) && own(file))
            .map(|file| file[self.prefix.len()..].to_owned())
            .collect())
    }

    fn has_symlinks(&self) -> Option<bool> {
        self.inner.has_symlinks()
    }

    fn blob_id(&self, path: &str) -> Option<gix::ObjectId> {
        self.inner.blob_id(&format!("{}{path}", self.prefix))
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
                ("reg/deep/.mlem-registry.toml", ""),
                ("reg/.mlem-registry.toml", ""),
                ("reg/inner/.mlem.yaml", ""),
                ("reg/inner/d.mlem", "x"),
                ("old/.mlem/link/e.mlem", "x"),
                ("old/f.mlem", "x"),
            ]
            .map(|(p, c)| (p, c.as_bytes().to_vec())),
        )
    }

    #[test]
    fn each_file_belongs_to_the_nearest_marker_and_config_above_it() {
        let tree = tree();
        let files = tree.mlem_files().unwrap();
        let split = split(&tree, None, files);
        let shown: Vec<(&str, Option<&str>, Vec<&str>)> = split
            .iter()
            .map(|g| {
                let files = g.files.iter().map(String::as_str).collect();
                (g.project.as_str(), g.config.as_deref(), files)
            })
            .collect();
        assert_eq!(
            shown,
            [
                ("", None, vec!["a.mlem"]),
                ("old/", None, vec![".mlem/link/e.mlem", "f.mlem"]),
                ("reg/", None, vec!["b.mlem"]),
                ("reg/", Some("reg/deep/"), vec!["deep/c.mlem"]),
                ("reg/inner/", None, vec!["d.mlem"]),
            ]
        );
        assert_eq!(split[3].policy_folder(), "reg/deep/");
        assert_eq!(split[4].policy_folder(), "reg/inner/");
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
