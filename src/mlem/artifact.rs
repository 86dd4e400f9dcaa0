//! The files a MLEM object loads its weights or data from (`artifacts`), and where each one is:
//! a link can resolve to a model whose artifact was never committed, and `mlem load` then fails.

use serde_json::Value;

use crate::registry::path;
use crate::words::clip;

/// An object lists at most this many artifacts for checking; a hostile target could list a
/// million, each a question to its host. MLEM writes one per model or data set.
pub const MAX_ARTIFACTS: usize = 32;

/// One entry of an object's `artifacts`, as MLEM recorded it when saving the object.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Artifact {
    /// Its key in `artifacts` (`data` for a model's weights).
    pub name: String,
    /// Where MLEM loads it from: relative to the object's file, or a remote URL.
    pub uri: String,
    /// The md5 of its content, as MLEM recorded it (DVC records the same).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hash: Option<String>,
    /// Its size in bytes, as MLEM recorded it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
}

/// Where an artifact's `uri` leads, seen from the object's repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// A file of the object's repository: its normalized path.
    InRepository(String),
    /// Remote storage (`s3://`, `gs://`, `https://`, …): never contacted; the scheme.
    Remote(String),
    /// A path that no checkout of the repository has (absolute, above its root): why.
    Outside(String),
}

/// The artifacts `object` (a parsed MLEM object) lists, in its order, at most
/// [`MAX_ARTIFACTS`], and how many more it lists. Entries without a string `uri` are the schema's
/// business, not a file to look for.
pub fn read(object: &serde_json::Map<String, Value>) -> (Box<[Artifact]>, usize) {
    let entries: Vec<(String, &serde_json::Map<String, Value>)> = match object.get("artifacts") {
        Some(Value::Object(map)) => map
            .iter()
            .filter_map(|(name, value)| Some((name.clone(), value.as_object()?)))
            .collect(),
        // Older writers kept a list.
        Some(Value::Array(list)) => list
            .iter()
            .enumerate()
            .filter_map(|(index, value)| Some((index.to_string(), value.as_object()?)))
            .collect(),
        _ => return (Box::default(), 0),
    };
    let mut artifacts: Vec<Artifact> = entries
        .into_iter()
        .filter_map(|(name, entry)| {
            Some(Artifact {
                name,
                uri: entry.get("uri")?.as_str()?.to_owned(),
                hash: entry.get("hash").and_then(Value::as_str).map(str::to_owned),
                size: entry.get("size").and_then(Value::as_u64),
            })
        })
        .collect();
    let more = artifacts.len().saturating_sub(MAX_ARTIFACTS);
    artifacts.truncate(MAX_ARTIFACTS);
    (artifacts.into_boxed_slice(), more)
}

impl Artifact {
    /// Where the artifact is for the object whose file is `object_path` (normalized, in its
    /// repository): MLEM resolves a relative `uri` against the object file's folder.
    pub fn place(&self, object_path: &str) -> Place {
        let uri = self.uri.trim();
        if let Some((scheme, _)) = uri.split_once("://")
            && is_scheme(scheme)
        {
            return match scheme.eq_ignore_ascii_case("file") {
                true => Place::Outside(format!(
                    "`{}` is a file on the machine that saved the model, in no checkout of the repository",
                    clip(uri)
                )),
                false => Place::Remote(clip(&scheme.to_ascii_lowercase()).into_owned()),
            };
        }
        match path::normalize_from(path::parent(object_path), uri) {
            Ok(found) if !found.is_empty() => Place::InRepository(found),
            Ok(_) => Place::Outside(format!(
                "`{}` names the repository's root folder",
                clip(uri)
            )),
            Err(escape) => Place::Outside(format!("`{}`: {escape}", clip(uri))),
        }
    }
}

/// A URL scheme as RFC 3986 spells it (`s3`, `gs`, `https`, `git+ssh`); a drive letter is not one.
fn is_scheme(text: &str) -> bool {
    let mut chars = text.chars();
    text.len() > 1
        && chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn artifacts(value: Value) -> (Vec<Artifact>, usize) {
        let (list, more) = read(value.as_object().unwrap());
        (list.into_vec(), more)
    }

    #[test]
    fn reads_what_mlem_writes() {
        let (list, more) = artifacts(json!({
            "object_type": "model",
            "artifacts": {"data": {"hash": "96f5441d1cfa935583836702a3edd3d1", "size": 163671, "uri": "rf"}},
        }));
        assert_eq!(more, 0);
        assert_eq!(
            list,
            [Artifact {
                name: "data".into(),
                uri: "rf".into(),
                hash: Some("96f5441d1cfa935583836702a3edd3d1".into()),
                size: Some(163_671),
            }]
        );
    }

    #[test]
    fn a_list_of_artifacts_is_read_too_and_entries_without_a_uri_are_not() {
        let (list, _) = artifacts(json!({"artifacts": [{"uri": "a"}, {"size": 1}, "b"]}));
        assert_eq!(list.len(), 1);
        assert_eq!((list[0].name.as_str(), list[0].uri.as_str()), ("0", "a"));
        assert!(artifacts(json!({"artifacts": "rf"})).0.is_empty());
        assert!(artifacts(json!({"object_type": "link"})).0.is_empty());
    }

    #[test]
    fn a_long_list_is_cut_and_counted() {
        let many: serde_json::Map<String, Value> = (0..MAX_ARTIFACTS + 5)
            .map(|i| (format!("a{i:03}"), json!({"uri": format!("f{i}")})))
            .collect();
        let (list, more) = artifacts(json!({ "artifacts": many }));
        assert_eq!((list.len(), more), (MAX_ARTIFACTS, 5));
    }

    #[test]
    fn a_relative_uri_is_next_to_the_object_file() {
        let artifact = |uri: &str| Artifact {
            name: "data".into(),
            uri: uri.into(),
            hash: None,
            size: None,
        };
        let place = |uri: &str, object: &str| artifact(uri).place(object);
        assert_eq!(
            place("rf", "models/rf.mlem"),
            Place::InRepository("models/rf".into())
        );
        assert_eq!(
            place("rf", ".mlem/model/rf.mlem"),
            Place::InRepository(".mlem/model/rf".into())
        );
        assert_eq!(
            place("../data/x.csv", "models/rf.mlem"),
            Place::InRepository("data/x.csv".into())
        );
        assert_eq!(place("rf", "rf.mlem"), Place::InRepository("rf".into()));
        assert_eq!(
            place("s3://bucket/rf", "models/rf.mlem"),
            Place::Remote("s3".into())
        );
        assert_eq!(
            place("HTTPS://host/rf", "rf.mlem"),
            Place::Remote("https".into())
        );
        assert!(matches!(
            place("../../rf", "models/rf.mlem"),
            Place::Outside(_)
        ));
        assert!(matches!(place("/home/me/rf", "rf.mlem"), Place::Outside(_)));
        assert!(matches!(
            place("file:///home/me/rf", "rf.mlem"),
            Place::Outside(_)
        ));
        assert!(matches!(place(".", "models/rf.mlem"), Place::InRepository(p) if p == "models"));
        assert!(matches!(place(".", "rf.mlem"), Place::Outside(_)));
        // `C:/x` is a drive, not a scheme: outside any checkout.
        assert!(matches!(
            place("C://models/rf", "rf.mlem"),
            Place::Outside(_)
        ));
    }
}
