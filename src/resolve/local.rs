//! Relative links: targets inside the registry repository, at the revision being checked,
//! looked up as MLEM does and memoized so each target file is read and parsed once.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use super::chain::Chain;
use super::{ChainProblem, Outcome};
use crate::mlem::{Link, MlemObject, NotObject, ObjectType};
use crate::registry::{Lookup, Reader, path};

/// What a repository path holds, as far as links care.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Cached {
    /// Nothing (or a directory): try the next candidate.
    Absent,
    /// The path leaves the repository.
    Escapes(String),
    /// A file.
    File(Arc<FileTarget>),
}

/// A file a link may land on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileTarget {
    /// A MLEM object, and the link it is when it is one (shared with the parsed file's).
    Object(ObjectType, Option<std::sync::Arc<Link>>),
    /// A file that is not a MLEM object, and why.
    NotObject(String),
}

impl FileTarget {
    /// The target for a parsed file: `Ok` object or `Err` reason.
    pub fn from_parsed(parsed: Result<&MlemObject, &NotObject>) -> FileTarget {
        match parsed {
            Ok(object) => {
                let link = object.links.iter().find(|l| l.route.is_empty()).cloned();
                FileTarget::Object(object.object_type, link)
            }
            Err(reason) => FileTarget::NotObject(reason.to_string()),
        }
    }
}

/// Resolves relative links against one snapshot, remembering every target it has read.
#[derive(Default)]
pub struct LocalResolver {
    targets: RwLock<HashMap<String, Cached>>,
}

impl LocalResolver {
    /// Records what a file already parsed by the walk holds, so it is not read again.
    pub fn seed(&self, path: String, target: FileTarget) {
        self.write().insert(path, Cached::File(Arc::new(target)));
    }

    /// Where `link`, found in file `origin`, lands: its first hop, then the rest of its chain.
    pub fn resolve(&self, reader: &dyn Reader, origin: &str, link: &Link) -> Outcome {
        let (path, target) = match self.hop(reader, link) {
            Ok(found) => found,
            Err(outcome) => return outcome,
        };
        match &*target {
            FileTarget::Object(object_type, next) => {
                let object_type = match next {
                    Some(next) if link.link_type != ObjectType::Link => next.link_type,
                    _ => *object_type,
                };
                let chain = next
                    .as_ref()
                    .and_then(|_| self.chain_problem(reader, origin, link));
                Outcome::Found {
                    path,
                    object_type,
                    chain,
                }
            }
            FileTarget::NotObject(reason) => Outcome::NotMlemObject {
                path,
                reason: reason.clone(),
            },
        }
    }

    /// Follows the chain from `origin` through `link`; a cycle or an overlong chain, if any.
    /// A broken hop further down is that file's own finding, not this link's.
    fn chain_problem(
        &self,
        reader: &dyn Reader,
        origin: &str,
        link: &Link,
    ) -> Option<ChainProblem> {
        let mut chain = Chain::from_link_file(origin.to_owned());
        let mut current = link.clone();
        loop {
            if current.project.is_some() {
                return None;
            }
            let (path, target) = self.hop(reader, &current).ok()?;
            let next = match &*target {
                FileTarget::Object(_, Some(next)) => Some(Link::clone(next)),
                _ => None,
            };
            if let Err(problem) = chain.arrive(path, next.is_some()) {
                return Some(problem);
            }
            current = next?;
        }
    }

    /// The first candidate path of `link` that holds a file, or the outcome saying why none does.
    fn hop(&self, reader: &dyn Reader, link: &Link) -> Result<(String, Arc<FileTarget>), Outcome> {
        let tried = candidates(link).map_err(|why| Outcome::Escapes {
            why: why.to_string(),
        })?;
        for candidate in &tried {
            match self.target(reader, candidate) {
                Cached::Absent => continue,
                Cached::Escapes(why) => return Err(Outcome::Escapes { why }),
                Cached::File(file) => return Ok((candidate.clone(), file)),
            }
        }
        Err(Outcome::NotFound {
            tried,
            within: None,
        })
    }

    fn target(&self, reader: &dyn Reader, path: &str) -> Cached {
        if let Some(known) = self.read().get(path) {
            return known.clone();
        }
        let target = read_target(reader, path);
        self.write().insert(path.to_owned(), target.clone());
        target
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, HashMap<String, Cached>> {
        self.targets
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, HashMap<String, Cached>> {
        self.targets
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Reads and parses the file at `path`, if any.
fn read_target(reader: &dyn Reader, path: &str) -> Cached {
    match reader.lookup(path) {
        Ok(Lookup::File(content)) => {
            let parsed = crate::mlem::file::parse_content(content);
            Cached::File(Arc::new(FileTarget::from_parsed(parsed.object())))
        }
        Ok(Lookup::Missing | Lookup::NotAFile | Lookup::Special(_)) => Cached::Absent,
        Ok(Lookup::Escapes(why)) => Cached::Escapes(why),
        Err(error) => Cached::File(Arc::new(FileTarget::NotObject(format!(
            "it cannot be read: {error}"
        )))),
    }
}

/// Where MLEM looks for a link's target, in order: the path as written when it names a `.mlem`
/// file, else with `.mlem` appended; then MLEM 0.2's `.mlem/<link_type>/<path>.mlem`.
pub fn candidates(link: &Link) -> Result<Vec<String>, path::Escape> {
    let normalized = path::normalize(&link.path)?;
    let stem = normalized.strip_suffix(".mlem").unwrap_or(&normalized);
    Ok(vec![
        format!("{stem}.mlem"),
        format!(".mlem/{}/{stem}.mlem", link.link_type),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(path: &str) -> Link {
        Link {
            route: Vec::new(),
            link_type: ObjectType::Model,
            path: path.into(),
            project: None,
            rev: None,
        }
    }

    #[test]
    fn candidates_follow_mlem() {
        assert_eq!(
            candidates(&link("models/rf")).unwrap(),
            ["models/rf.mlem", ".mlem/model/models/rf.mlem"]
        );
        assert_eq!(
            candidates(&link("./models/rf.mlem")).unwrap(),
            ["models/rf.mlem", ".mlem/model/models/rf.mlem"]
        );
        assert!(candidates(&link("../x")).is_err());
    }
}
