//! Validate: the JSON Schemas in `schemas/`, embedded at build time and compiled once, applied
//! to every parsed file; each violation comes back with the route to the value it concerns.

use std::sync::OnceLock;

use jsonschema::error::ValidationErrorKind;
use jsonschema::{Retrieve, Uri, ValidationError, Validator};
use serde_json::Value;

use crate::mlem::locate::Part;
use crate::mlem::{Segment, json_kind};

/// The link schema, as shipped in `schemas/link.schema.json`.
pub const LINK_SCHEMA: &str = include_str!("../../schemas/link.schema.json");
/// The schema every MLEM file meets, as shipped in `schemas/object.schema.json`.
pub const OBJECT_SCHEMA: &str = include_str!("../../schemas/object.schema.json");

/// The schemas `mlem-registry schema NAME` can print, by name.
pub const NAMED: &[(&str, &str)] = &[("link", LINK_SCHEMA), ("object", OBJECT_SCHEMA)];

/// One schema violation, located by route.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Issue {
    /// Route to the value (or, for unknown fields, the key) it concerns.
    pub route: Vec<Segment>,
    /// Whether the key or the value is the offending part.
    pub part: Part,
    /// What kind of violation.
    pub kind: IssueKind,
}

/// The two kinds of violation the rules tell apart.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum IssueKind {
    /// The value breaks the schema; the message says how.
    Invalid(String),
    /// A link has a key MLEM does not know (the schema forbids it, the checker only warns).
    UnknownField(String),
}

/// Validates `value`, a whole MLEM file, against the object schema (and links against the link
/// schema). Returns every violation, in document order of the schema's checks.
pub fn validate(value: &Value) -> Vec<Issue> {
    let validator = object_validator();
    if validator.is_valid(value) {
        return Vec::new();
    }
    // Each issue once, in order, in time linear in their number (a file may have 100,000).
    let mut seen = std::collections::HashSet::new();
    let mut issues: Vec<Issue> = Vec::new();
    for error in validator.iter_errors(value) {
        for issue in to_issues(&error) {
            if seen.insert(issue.clone()) {
                issues.push(issue);
            }
        }
    }
    issues
}

fn object_validator() -> &'static Validator {
    static VALIDATOR: OnceLock<Validator> = OnceLock::new();
    VALIDATOR.get_or_init(|| {
        let schema: Value = serde_json::from_str(OBJECT_SCHEMA)
            .expect("schemas/object.schema.json is JSON (checked by tests)");
        jsonschema::options()
            .with_retriever(Embedded)
            .build(&schema)
            .expect("schemas/object.schema.json compiles (checked by tests)")
    })
}

/// Serves the link schema to `$ref`s from the object schema, without any network or file access.
struct Embedded;

impl Retrieve for Embedded {
    fn retrieve(
        &self,
        uri: &Uri<String>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        if uri.as_str().ends_with("/link.schema.json") {
            Ok(serde_json::from_str(LINK_SCHEMA)?)
        } else {
            Err(format!("no embedded schema at {uri}").into())
        }
    }
}

fn route_of(error: &ValidationError<'_>) -> Vec<Segment> {
    error
        .instance_path()
        .iter()
        .map(|segment| match segment {
            jsonschema::paths::LocationSegment::Property(key) => Segment::Key(key.into_owned()),
            jsonschema::paths::LocationSegment::Index(index) => Segment::Index(index),
        })
        .collect()
}

fn to_issues(error: &ValidationError<'_>) -> Vec<Issue> {
    let route = route_of(error);
    let field = match route.last() {
        Some(Segment::Key(key)) => format!("`{key}`"),
        Some(Segment::Index(index)) => format!("item {index}"),
        None => "a MLEM file".to_owned(),
    };
    let invalid = |route: Vec<Segment>, part: Part, message: String| Issue {
        route,
        part,
        kind: IssueKind::Invalid(message),
    };
    let at_object_type = |route: &[Segment]| {
        let mut route = route.to_vec();
        route.push(Segment::Key("object_type".into()));
        route
    };
    let instance = error.instance();
    match error.kind() {
        ValidationErrorKind::AdditionalProperties { unexpected } => unexpected
            .iter()
            .map(|name| {
                let mut key = route.clone();
                key.push(Segment::Key(name.clone()));
                Issue {
                    route: key,
                    part: Part::Key,
                    kind: IssueKind::UnknownField(name.clone()),
                }
            })
            .collect(),
        ValidationErrorKind::Required { property } => {
            let name = property.as_str().unwrap_or_default();
            // Point at the mapping's key; a whole file has none, so at its object_type.
            let (what, at) = if route.is_empty() {
                ("the file", at_object_type(&route))
            } else {
                (field.as_str(), route.clone())
            };
            vec![invalid(
                at,
                Part::Key,
                format!("{what} is missing the required field `{name}`"),
            )]
        }
        ValidationErrorKind::Enum { options } => {
            let allowed: Vec<String> = options
                .as_array()
                .map(|o| {
                    o.iter()
                        .map(|v| v.as_str().unwrap_or_default().to_owned())
                        .collect()
                })
                .unwrap_or_default();
            vec![invalid(
                route,
                Part::Value,
                format!(
                    "{field} is {}, expected one of: {}",
                    show(instance),
                    allowed.join(", ")
                ),
            )]
        }
        ValidationErrorKind::Constant { expected_value } => vec![invalid(
            route,
            Part::Value,
            format!(
                "{field} is {}, expected {}",
                show(instance),
                show(expected_value)
            ),
        )],
        ValidationErrorKind::Type { .. } => {
            let expected = error.to_string();
            let expected = expected
                .rsplit(" is not of type ")
                .next()
                .unwrap_or_default();
            let what = if route.is_empty() {
                format!(
                    "a MLEM file must be a mapping, but this one is a {}",
                    json_kind(instance)
                )
            } else {
                format!(
                    "{field} must be of type {expected}, found a {}",
                    json_kind(instance)
                )
            };
            vec![invalid(route, Part::Value, what)]
        }
        ValidationErrorKind::MinLength { .. } => {
            vec![invalid(
                route,
                Part::Value,
                format!("{field} must not be empty"),
            )]
        }
        ValidationErrorKind::Pattern { .. } => {
            let why = match route.last() {
                Some(Segment::Key(key)) if key == "rev" => "is not a valid git revision name",
                Some(Segment::Key(key)) if key == "path" => {
                    "must not start or end with spaces or span several lines"
                }
                _ => "must not contain spaces",
            };
            vec![invalid(
                route,
                Part::Value,
                format!("{field} {} {why}", show(instance)),
            )]
        }
        ValidationErrorKind::Not { .. } => vec![invalid(
            with_key(&route, "repo"),
            Part::Key,
            "a link names its repository once: `repo` or `project`, not both".into(),
        )],
        ValidationErrorKind::AnyOf { .. }
            if error
                .evaluation_path()
                .as_str()
                .contains("dependentSchemas") =>
        {
            vec![invalid(
                with_key(&route, "rev"),
                Part::Key,
                "`rev` selects a revision of another repository, so the link needs `project` (or `repo`)".into(),
            )]
        }
        // `if`/`then` and `$ref` wrappers report nothing themselves; their inner errors do.
        _ => vec![invalid(route, Part::Value, error.to_string())],
    }
}

fn with_key(route: &[Segment], key: &str) -> Vec<Segment> {
    let mut route = route.to_vec();
    route.push(Segment::Key(key.into()));
    route
}

/// A value as a reader would write it in YAML, for messages.
fn show(value: &Value) -> String {
    match value {
        Value::String(s) => format!("`{s}`"),
        other => format!("`{other}`"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn messages(value: Value) -> Vec<String> {
        validate(&value)
            .into_iter()
            .map(|issue| match issue.kind {
                IssueKind::Invalid(m) => m,
                IssueKind::UnknownField(f) => format!("unknown {f}"),
            })
            .collect()
    }

    #[test]
    fn schemas_are_valid_json_schemas_and_compile() {
        for (_, text) in NAMED {
            let schema: Value = serde_json::from_str(text).unwrap();
            assert!(jsonschema::meta::is_valid(&schema));
        }
        let _ = object_validator();
    }

    #[test]
    fn every_fixture_is_valid() {
        let root = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/example-mlem-get-started"
        );
        let mut seen = 0;
        for entry in walk(std::path::Path::new(root)) {
            if entry.extension().is_some_and(|e| e == "mlem") {
                let text = std::fs::read_to_string(&entry).unwrap();
                let value = crate::mlem::parse::parse_text(&text).unwrap();
                assert_eq!(messages(value), Vec::<String>::new(), "{}", entry.display());
                seen += 1;
            }
        }
        assert!(seen > 30, "{seen}");
    }

    fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
        let mut out = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                out.extend(walk(&path));
            } else {
                out.push(path);
            }
        }
        out
    }

    #[test]
    fn good_links_pass() {
        assert!(
            messages(
                json!({"object_type": "link", "link_type": "model", "path": "models/rf.mlem",
            "repo": "https://github.com/iterative/example-mlem-get-started/", "rev": "main"})
            )
            .is_empty()
        );
        assert!(
            messages(
                json!({"object_type": "link", "link_type": "data", "path": "d",
            "project": "https://github.com/a/b", "params": {"x": 1}})
            )
            .is_empty()
        );
    }

    #[test]
    fn violations_read_well() {
        assert_eq!(
            messages(json!({"object_type": "link", "link_type": "model"})),
            ["the file is missing the required field `path`"]
        );
        assert_eq!(
            messages(json!({"object_type": "link", "link_type": "model", "path": 3})),
            ["`path` must be of type \"string\", found a number"]
        );
        assert_eq!(
            messages(
                json!({"object_type": "link", "link_type": "model", "path": "a", "rev": "v 1", "project": "p"})
            ),
            ["`rev` `v 1` is not a valid git revision name"]
        );
        assert_eq!(
            messages(
                json!({"object_type": "link", "link_type": "model", "path": "a", "rev": "v1"})
            ),
            [
                "`rev` selects a revision of another repository, so the link needs `project` (or `repo`)"
            ]
        );
        assert_eq!(
            messages(json!("text")),
            ["a MLEM file must be a mapping, but this one is a string"]
        );
        assert_eq!(
            messages(json!({"object_type": "modle"})),
            [
                "`object_type` is `modle`, expected one of: model, data, link, builder, env, deployment"
            ]
        );
    }

    #[test]
    fn unknown_link_fields_are_their_own_kind() {
        let issues = validate(
            &json!({"object_type": "link", "link_type": "model", "path": "a", "revision": "v1"}),
        );
        assert_eq!(issues.len(), 1);
        assert_eq!(issues[0].kind, IssueKind::UnknownField("revision".into()));
        assert_eq!(issues[0].route, [Segment::Key("revision".into())]);
    }
}
