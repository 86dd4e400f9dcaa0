//! `ls`: what a project holds, object by object, and where each link points.

use serde::Serialize;

use crate::mlem::file::parse_content;
use crate::mlem::{Link, MlemObject, NotObject};
use crate::registry::{self, Content, Lookup, Reader};

/// One entry of `ls`: an object or a link of the project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    /// The name MLEM loads it by (its path without `.mlem`, MLEM 0.2's `.mlem/TYPE/` dropped).
    pub name: String,
    /// Its file, relative to the project.
    pub path: String,
    /// Its `object_type`, when it is a MLEM object (`link` for a link).
    pub object_type: Option<String>,
    /// For a link: the type of object it claims to point at.
    pub link_type: Option<String>,
    /// For a link: where it points, as the file says it.
    pub target: Option<Target>,
    /// Why it is not a MLEM object, when it is not.
    pub problem: Option<String>,
}

impl Entry {
    /// The type a reader looks for: the link's type for a link, else the object's.
    pub fn shown_type(&self) -> &str {
        self.link_type
            .as_deref()
            .or(self.object_type.as_deref())
            .unwrap_or("?")
    }
}

/// Where a link points, field by field as its file has them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Target {
    /// The target's path, as written.
    pub path: String,
    /// Its repository (`project:` or `repo:`); `None`: this project.
    pub project: Option<String>,
    /// Its revision; `None`: the repository's default branch (or this project's).
    pub rev: Option<String>,
}

/// The `*.mlem` files of `snapshot` at or under `scope` (a path relative to the project: a
/// folder, a file, or `""` for all), as `ls` shows them, sorted by name.
pub fn list(snapshot: &dyn registry::Snapshot, scope: &str) -> Result<Vec<Entry>, registry::Error> {
    let reader = snapshot.reader();
    let mut entries = Vec::new();
    for path in snapshot.mlem_files()? {
        if registry::path::is_at_or_under(&path, scope) {
            entries.push(entry(&*reader, &path)?);
        }
    }
    entries.sort_by(|a, b| (&a.name, &a.path).cmp(&(&b.name, &b.path)));
    Ok(entries)
}

fn entry(reader: &dyn Reader, path: &str) -> Result<Entry, registry::Error> {
    let name = path
        .strip_prefix(".mlem/")
        .and_then(|rest| rest.split_once('/').map(|(_, name)| name))
        .unwrap_or(path);
    let name = name.strip_suffix(".mlem").unwrap_or(name).to_owned();
    let object = match reader.lookup(path)? {
        Lookup::File(content @ Content::Bytes(_)) => parse_content(content).object,
        Lookup::File(Content::TooLarge(size)) => Err(NotObject::TooLarge(size)),
        _ => Err(NotObject::Unreadable("not a readable file".to_owned())),
    };
    Ok(match object {
        Ok(object) => {
            let link = own_link(&object);
            // A link file whose link does not validate (`link_type: modle`): say so.
            let problem = (object.object_type == crate::mlem::ObjectType::Link && link.is_none())
                .then(|| "not a valid link: `mlem-registry check` says why".to_owned());
            Entry {
                name,
                path: path.to_owned(),
                object_type: Some(object.object_type.as_str().to_owned()),
                link_type: link.map(|link| link.link_type.as_str().to_owned()),
                target: link.map(|link| Target {
                    path: link.path.clone(),
                    project: link.project.as_ref().map(|(_, project)| project.clone()),
                    rev: link.rev.clone(),
                }),
                problem,
            }
        }
        Err(problem) => Entry {
            name,
            path: path.to_owned(),
            object_type: None,
            link_type: None,
            target: None,
            problem: Some(problem.to_string()),
        },
    })
}

/// A link file's own link.
pub fn own_link(object: &MlemObject) -> Option<&Link> {
    object
        .links
        .first()
        .filter(|l| l.route.is_empty())
        .map(|l| &**l)
}
