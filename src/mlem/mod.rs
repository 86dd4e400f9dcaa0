//! The MLEM object model: object types, links and where they point, read from parsed YAML.

pub mod artifact;
pub mod file;
pub mod flat;
pub mod json_value;
pub mod locate;
pub mod parse;

use serde_json::Value;

/// The kinds of MLEM object, as `object_type` and `link_type` name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ObjectType {
    /// A trained model with its methods and requirements.
    Model,
    /// A data set.
    Data,
    /// A pointer to another object.
    Link,
    /// Packs a model into a package, image or app.
    Builder,
    /// A deployment target environment.
    Env,
    /// A model deployed to an environment.
    Deployment,
}

impl ObjectType {
    /// Every object type, in MLEM's documentation order.
    pub const ALL: [ObjectType; 6] = [
        ObjectType::Model,
        ObjectType::Data,
        ObjectType::Link,
        ObjectType::Builder,
        ObjectType::Env,
        ObjectType::Deployment,
    ];

    /// The name MLEM writes in `object_type` and `link_type`.
    pub fn as_str(self) -> &'static str {
        match self {
            ObjectType::Model => "model",
            ObjectType::Data => "data",
            ObjectType::Link => "link",
            ObjectType::Builder => "builder",
            ObjectType::Env => "env",
            ObjectType::Deployment => "deployment",
        }
    }

    /// The object type with this name, if MLEM has one.
    pub fn from_name(name: &str) -> Option<ObjectType> {
        ObjectType::ALL.into_iter().find(|t| t.as_str() == name)
    }
}

impl std::fmt::Display for ObjectType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One step of a route from a document's root to a value: a mapping key or a sequence index.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Segment {
    /// A key of a mapping.
    Key(String),
    /// An index into a sequence.
    Index(usize),
}

/// The key a link used to name its repository: MLEM renamed `repo` to `project` in 0.2.1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProjectKey {
    /// `repo:`, MLEM up to 0.2.0 and its documentation.
    Repo,
    /// `project:`, MLEM 0.2.1 and later.
    Project,
}

impl ProjectKey {
    /// The key as written in the file.
    pub fn as_str(self) -> &'static str {
        match self {
            ProjectKey::Repo => "repo",
            ProjectKey::Project => "project",
        }
    }
}

/// A link, at the top of a file or embedded in another object (a deployment's `model_link`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// Route from the document root to the link's mapping: empty for a link file.
    pub route: Vec<Segment>,
    /// The type of object the link claims to point at.
    pub link_type: ObjectType,
    /// The target's path, with or without the `.mlem` suffix.
    pub path: String,
    /// The repository holding the target and the key that named it; `None` for a relative link.
    pub project: Option<(ProjectKey, String)>,
    /// The revision of the target repository, if pinned.
    pub rev: Option<String>,
}

impl Link {
    /// `PATH [in PROJECT[@REV]]`: where the link points, on one line (`quoted`: the path in
    /// backticks, for a sentence).
    pub fn points_to(&self, quoted: bool) -> String {
        let path = if quoted {
            format!("`{}`", self.path)
        } else {
            self.path.clone()
        };
        let project = self.project.as_ref().map(|(_, project)| project.as_str());
        // A relative link's rev means nothing to MLEM: not shown.
        let rev = self.rev.as_deref().filter(|_| project.is_some());
        points_to(&path, project, rev)
    }

    /// Route to one of this link's fields, for locating it in the file.
    pub fn field_route(&self, field: &str) -> Vec<Segment> {
        let mut route = self.route.clone();
        route.push(Segment::Key(field.to_owned()));
        route
    }

    /// Reads a link from a schema-valid mapping; `None` if a required field is missing.
    fn from_mapping(route: Vec<Segment>, map: &serde_json::Map<String, Value>) -> Option<Link> {
        let text = |key: &str| map.get(key).and_then(Value::as_str).map(str::to_owned);
        let project = match (text("project"), text("repo")) {
            (Some(project), _) => Some((ProjectKey::Project, project)),
            (None, Some(repo)) => Some((ProjectKey::Repo, repo)),
            (None, None) => None,
        };
        Some(Link {
            route,
            link_type: ObjectType::from_name(map.get("link_type")?.as_str()?)?,
            path: text("path")?,
            project,
            rev: text("rev"),
        })
    }
}

/// `PATH[ in PROJECT][@REV]`: where a link with these fields points, on one line.
pub fn points_to(path: &str, project: Option<&str>, rev: Option<&str>) -> String {
    let mut shown = path.to_owned();
    if let Some(project) = project {
        shown.push_str(&format!(" in {project}"));
    }
    if let Some(rev) = rev {
        shown.push_str(&format!("@{rev}"));
    }
    shown
}

/// What a MLEM file holds, as far as the registry cares: its type and its links.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MlemObject {
    /// The file's `object_type`.
    pub object_type: ObjectType,
    /// The file itself when it is a link, and every link embedded in it.
    /// Shared: the relative resolver keeps a link file's link as its target without a copy.
    pub links: Vec<std::sync::Arc<Link>>,
    /// The files it loads (a model's weights, a data set's file), when it lists any: boxed,
    /// since a registry's link files list none.
    pub artifacts: Option<Box<Artifacts>>,
}

/// An object's `artifacts`, as far as they are checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Artifacts {
    /// The first [`artifact::MAX_ARTIFACTS`], in the file's order.
    pub list: Box<[artifact::Artifact]>,
    /// How many more the object lists: not checked.
    pub more: usize,
}

/// Why a file holds no MLEM object.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotObject {
    /// An empty document.
    #[error("the file is empty")]
    Empty,
    /// A document that is not a mapping (its kind).
    #[error("it is a {0}, not a mapping")]
    NotMapping(&'static str),
    /// A mapping without `object_type`.
    #[error("it has no `object_type`")]
    NoObjectType,
    /// An `object_type` MLEM does not have.
    #[error("`object_type: {0}` is not a MLEM object type")]
    UnknownType(String),
    /// An `object_type` that is not a string (its kind).
    #[error("its `object_type` is a {0}")]
    TypeNotString(&'static str),
    /// Not a YAML document.
    #[error("{}", .0.reason())]
    Unparsable(parse::Problem),
    /// Not read: its path leaves the repository (how).
    #[error("it leaves the repository: {0}")]
    Escapes(String),
    /// Not read: not a regular file (what it is).
    #[error("it is {0}")]
    Special(&'static str),
    /// Not read: too large.
    #[error("{0} bytes: too large to read")]
    TooLarge(u64),
    /// Not read: the read failed (what the registry said).
    #[error("{0}")]
    Unreadable(String),
}

impl MlemObject {
    /// Reads the object from a parsed document; `Err` says why it is not a MLEM object.
    pub fn from_value(value: &Value) -> Result<MlemObject, NotObject> {
        let map = match value {
            Value::Object(map) => map,
            Value::Null => return Err(NotObject::Empty),
            other => return Err(NotObject::NotMapping(json_kind(other))),
        };
        let object_type = match map.get("object_type") {
            None => return Err(NotObject::NoObjectType),
            Some(Value::String(name)) => {
                ObjectType::from_name(name).ok_or_else(|| NotObject::UnknownType(name.clone()))?
            }
            Some(other) => return Err(NotObject::TypeNotString(json_kind(other))),
        };
        let mut links = Vec::new();
        if object_type == ObjectType::Link {
            links.extend(Link::from_mapping(Vec::new(), map).map(std::sync::Arc::new));
        }
        for (key, value) in map {
            if let (true, Value::Object(embedded)) = (key.ends_with("_link"), value) {
                let route = vec![Segment::Key(key.clone())];
                links.extend(Link::from_mapping(route, embedded).map(std::sync::Arc::new));
            }
        }
        // Most files have no link or one; a registry holds 100,000 of these.
        links.shrink_to_fit();
        let (list, more) = artifact::read(map);
        let artifacts = (!list.is_empty() || more > 0).then(|| Box::new(Artifacts { list, more }));
        Ok(MlemObject {
            object_type,
            links,
            artifacts,
        })
    }
}

/// How JSON Schema names the type of a value, for messages.
pub fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "list",
        Value::Object(_) => "mapping",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_both_repository_keys() {
        let old = json!({"object_type": "link", "link_type": "model", "path": "m", "repo": "r"});
        let new = json!({"object_type": "link", "link_type": "model", "path": "m", "project": "p", "rev": "v1"});
        let old = MlemObject::from_value(&old).unwrap();
        let new = MlemObject::from_value(&new).unwrap();
        assert_eq!(old.links[0].project, Some((ProjectKey::Repo, "r".into())));
        assert_eq!(
            new.links[0].project,
            Some((ProjectKey::Project, "p".into()))
        );
        assert_eq!(new.links[0].rev.as_deref(), Some("v1"));
    }

    #[test]
    fn finds_links_embedded_in_a_deployment() {
        let value = json!({
            "object_type": "deployment",
            "model_link": {"object_type": "link", "link_type": "model", "path": "rf"},
            "env_link": {"object_type": "link", "link_type": "env", "path": "staging"},
        });
        let object = MlemObject::from_value(&value).unwrap();
        let mut routes: Vec<_> = object.links.iter().map(|l| l.route.clone()).collect();
        routes.sort_by_key(|r| format!("{r:?}"));
        assert_eq!(routes.len(), 2);
        assert_eq!(routes[0], vec![Segment::Key("env_link".into())]);
    }

    #[test]
    fn says_why_a_value_is_not_an_object() {
        let why = |value| MlemObject::from_value(&value).unwrap_err();
        assert_eq!(why(json!([1])), NotObject::NotMapping("list"));
        assert_eq!(why(json!(null)), NotObject::Empty);
        assert_eq!(why(json!({"a": 1})), NotObject::NoObjectType);
        assert_eq!(
            why(json!({"object_type": "modle"})).to_string(),
            "`object_type: modle` is not a MLEM object type"
        );
        assert_eq!(
            why(json!({"object_type": 1})),
            NotObject::TypeNotString("number")
        );
    }
}
