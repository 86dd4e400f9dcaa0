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
    /// Its `object_type`, when it is a MLEM object.
    pub object_type: Option<String>,
    /// For a link: where it points, `PATH in PROJECT@REV`.
    pub target: Option<String>,
    /// Why it is not a MLEM object, when it is not.
    pub problem: Option<String>,
}

/// Every `*.mlem` file of `snapshot`, as `ls` shows it.
pub fn list(snapshot: &dyn registry::Snapshot) -> Result<Vec<Entry>, registry::Error> {
    let reader = snapshot.reader();
    let mut entries = Vec::new();
    for path in snapshot.mlem_files()? {
        entries.push(entry(&*reader, &path)?);
    }
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
        Ok(object) => Entry {
            name,
            path: path.to_owned(),
            object_type: Some(object.object_type.as_str().to_owned()),
            target: own_link(&object).map(|link| link.points_to(false)),
            problem: None,
        },
        Err(problem) => Entry {
            name,
            path: path.to_owned(),
            object_type: None,
            target: None,
            problem: Some(problem.to_string()),
        },
    })
}

/// A link file's own link.
pub fn own_link(object: &MlemObject) -> Option<&Link> {
    object.links.first().filter(|l| l.route.is_empty())
}
