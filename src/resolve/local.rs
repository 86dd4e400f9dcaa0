//! Relative links: targets inside the registry repository, at the revision being checked,
//! looked up as MLEM does and memoized so each target file is read and parsed once.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use super::artifact::{self, Checks, Fact, Known};
use super::chain::Chain;
use super::{ChainProblem, Outcome, Resolved};
use crate::mlem::{Link, MlemObject, NotObject, ObjectType};
use crate::registry::{Content, Lookup, Reader, path};

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
    /// A MLEM object.
    Object {
        /// Its `object_type`.
        object_type: ObjectType,
        /// The link it is, when it is one (shared with the parsed file's).
        link: Option<std::sync::Arc<Link>>,
        /// The files it loads, when it lists any.
        artifacts: Option<Box<crate::mlem::Artifacts>>,
    },
    /// A file that is not a MLEM object, and why.
    NotObject(String),
}

impl FileTarget {
    /// The target for a parsed file: `Ok` object or `Err` reason.
    pub fn from_parsed(parsed: Result<&MlemObject, &NotObject>) -> FileTarget {
        match parsed {
            Ok(object) => FileTarget::Object {
                object_type: object.object_type,
                link: object.links.iter().find(|l| l.route.is_empty()).cloned(),
                artifacts: object.artifacts.clone(),
            },
            Err(reason) => FileTarget::NotObject(reason.to_string()),
        }
    }
}

/// Where a chain of relative links ends in the registry.
enum Followed {
    /// On this object.
    Lands(String, Arc<FileTarget>),
    /// At this link file, whose link leads to another repository.
    Leaves(String),
    /// Nowhere: a hop further down is broken (that file's own finding).
    Nowhere,
}

/// Resolves relative links against one snapshot, remembering every target it has read and the
/// artifacts of every object links land on.
#[derive(Default)]
pub struct LocalResolver {
    targets: RwLock<HashMap<String, Cached>>,
    artifacts: RwLock<HashMap<String, Arc<Checks>>>,
    /// DVC records read for those checks.
    records: artifact::Records,
}

impl LocalResolver {
    /// Records what a file already parsed by the walk holds, so it is not read again.
    pub fn seed(&self, path: String, target: FileTarget) {
        self.write().insert(path, Cached::File(Arc::new(target)));
    }

    /// Where `link`, found in file `origin`, lands: its first hop, then the rest of its chain,
    /// and the artifacts of the object it lands on.
    pub fn resolve(&self, reader: &dyn Reader, origin: &str, link: &Link) -> Resolved {
        let (path, target) = match self.hop(reader, link) {
            Ok(found) => found,
            Err(outcome) => return outcome.into(),
        };
        let (object_type, next) = match &*target {
            FileTarget::Object {
                object_type, link, ..
            } => (*object_type, link),
            FileTarget::NotObject(reason) => {
                let reason = reason.clone();
                return Outcome::NotMlemObject { path, reason }.into();
            }
        };
        let object_type = match next {
            Some(next) if link.link_type != ObjectType::Link => next.link_type,
            _ => object_type,
        };
        let first = Followed::Lands(path.clone(), target.clone());
        let (chain, followed) = match next {
            Some(_) => match self.follow(reader, origin, link) {
                // A link to a link object (`link_type: link`) lands on that link.
                Ok(_) if link.link_type == ObjectType::Link => (None, first),
                Ok(followed) => (None, followed),
                Err(problem) => (Some(problem), Followed::Nowhere),
            },
            None => (None, first),
        };
        let mut resolved = Resolved::from(Outcome::Found {
            path,
            object_type,
            chain,
        });
        match followed {
            Followed::Lands(path, target) => {
                resolved.artifacts = self.artifacts_of(reader, &path, &target);
                resolved.landed_here = Some(path);
            }
            Followed::Leaves(path) => resolved.leaves_from = Some(path),
            Followed::Nowhere => {}
        }
        resolved
    }

    /// Follows the chain from `origin` through `link` to where it ends in the registry, or the
    /// cycle or overlong chain that cuts it.
    fn follow(
        &self,
        reader: &dyn Reader,
        origin: &str,
        link: &Link,
    ) -> Result<Followed, ChainProblem> {
        let mut chain = Chain::from_link_file(origin.to_owned());
        let mut current = link.clone();
        let mut last = None;
        loop {
            if current.project.is_some() {
                return Ok(last.map_or(Followed::Nowhere, Followed::Leaves));
            }
            let Ok((path, target)) = self.hop(reader, &current) else {
                return Ok(Followed::Nowhere);
            };
            let next = match &*target {
                FileTarget::Object {
                    link: Some(next), ..
                } => Some(Link::clone(next)),
                _ => None,
            };
            chain.arrive(path.clone(), next.is_some())?;
            match next {
                Some(next) => current = next,
                None => return Ok(Followed::Lands(path, target)),
            }
            last = Some(path);
        }
    }

    /// The artifacts of the object at `path`, checked in the registry once for all links that
    /// land there; `None` when it lists none.
    fn artifacts_of(
        &self,
        reader: &dyn Reader,
        path: &str,
        target: &FileTarget,
    ) -> Option<Arc<Checks>> {
        let FileTarget::Object {
            artifacts: Some(artifacts),
            ..
        } = target
        else {
            return None;
        };
        if let Some(known) = read_lock(&self.artifacts).get(path) {
            return Some(known.clone());
        }
        let known = |fact: &Fact| Some(registry_fact(reader, fact));
        // Every fact is answered at once: the check finishes in one pass.
        let checks = artifact::check(path, path, artifacts, &known, &self.records, "").ok()?;
        let checks = Arc::new(checks);
        write_lock(&self.artifacts).insert(path.to_owned(), checks.clone());
        Some(checks)
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
        read_lock(&self.targets)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, HashMap<String, Cached>> {
        write_lock(&self.targets)
    }
}

fn read_lock<T>(lock: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn write_lock<T>(lock: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    lock.write()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// What the registry's own files say of `fact`: a file's size, or a small file's text.
fn registry_fact(reader: &dyn Reader, fact: &Fact) -> Known<'static> {
    let (Fact::Size(path) | Fact::Text(path)) = fact;
    match (fact, reader.lookup(path)) {
        (Fact::Size(_), Ok(Lookup::File(Content::Bytes(bytes)))) => Known::File(bytes.len() as u64),
        (Fact::Size(_), Ok(Lookup::File(Content::TooLarge(size)))) => Known::File(size),
        (Fact::Text(_), Ok(Lookup::File(Content::Bytes(bytes)))) => {
            String::from_utf8(bytes).map_or(Known::Unreadable, |text| Known::Text(text.into()))
        }
        (Fact::Text(_), Ok(Lookup::File(Content::TooLarge(_)))) => Known::Unreadable,
        (_, Ok(Lookup::Missing | Lookup::NotAFile | Lookup::Special(_) | Lookup::Escapes(_))) => {
            Known::Absent
        }
        (_, Err(error)) => Known::Unverified(format!("`{path}` cannot be read: {error}")),
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
