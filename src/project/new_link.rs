//! The text of a link file, as MLEM writes it.

use serde::Serialize;

use super::Error;
use crate::mlem::{Link, ObjectType};

/// A link as MLEM writes it: keys sorted (`link_type`, `object_type`, `path`, `project` or
/// `repo`, `rev`), `path` with its `.mlem`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLink {
    /// The type of the object it points at.
    pub link_type: ObjectType,
    /// The target's path, with `.mlem`.
    pub path: String,
    /// The target's project (repository URL), `None` for a link inside the same project.
    pub project: Option<String>,
    /// Write `repo:` (MLEM up to 0.2.0) instead of `project:`.
    pub legacy_repo_key: bool,
    /// The target's revision.
    pub rev: Option<String>,
}

#[derive(Serialize)]
struct Written<'a> {
    link_type: &'a str,
    object_type: &'a str,
    path: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    project: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    repo: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rev: Option<&'a str>,
}

impl NewLink {
    /// The file's text.
    pub fn text(&self) -> Result<String, Error> {
        let (project, repo) = match (&self.project, self.legacy_repo_key) {
            (Some(p), false) => (Some(p.as_str()), None),
            (Some(p), true) => (None, Some(p.as_str())),
            (None, _) => (None, None),
        };
        let written = Written {
            link_type: self.link_type.as_str(),
            object_type: ObjectType::Link.as_str(),
            path: &self.path,
            project,
            repo,
            rev: self.rev.as_deref(),
        };
        Ok(serde_yaml::to_string(&written)?)
    }

    /// The link as the checker reads it.
    pub fn link(&self) -> Link {
        let key = if self.legacy_repo_key {
            crate::mlem::ProjectKey::Repo
        } else {
            crate::mlem::ProjectKey::Project
        };
        Link {
            route: Vec::new(),
            link_type: self.link_type,
            path: self.path.clone(),
            project: self.project.clone().map(|p| (key, p)),
            rev: self.rev.clone(),
        }
    }
}
