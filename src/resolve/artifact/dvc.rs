//! DVC's records of the files it tracks: a `<file>.dvc` beside the file, or an output of a
//! pipeline stage in a `dvc.lock`. Either records the file's md5 (the hash MLEM records too) and
//! size, so an artifact kept out of git by DVC can be checked without its content.

use serde_json::Value;

use crate::registry::path;

/// What DVC records of the output that holds an artifact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    /// Its md5 (`None`: not recorded, or the output is a folder holding the artifact).
    pub md5: Option<String>,
    /// Its size in bytes (`None`: not recorded, or a folder).
    pub size: Option<u64>,
    /// The tracked folder the artifact is in, when DVC tracks a folder rather than the file.
    pub folder: Option<String>,
}

/// The outputs recorded in `text`, the `.dvc` file or `dvc.lock` at repository path `file`, by
/// their normalized repository path (output paths are relative to the recording file's folder);
/// `None` when `text` is no YAML mapping DVC would write.
pub fn outputs(file: &str, text: &str) -> Option<Recorded> {
    let value = crate::mlem::parse::parse_text(text).ok()?;
    let base = path::parent(file);
    let mut recorded = Recorded::default();
    for out in outputs_in(&value) {
        let Some(at) = out
            .get("path")
            .and_then(Value::as_str)
            .and_then(|p| path::normalize_from(base, p).ok())
            .filter(|at| !at.is_empty())
        else {
            continue;
        };
        // An md5 of digits alone reads as a number in YAML.
        let md5 = match out.get("md5") {
            Some(Value::String(md5)) => Some(md5.clone()),
            Some(Value::Number(md5)) => Some(md5.to_string()),
            _ => None,
        };
        // A tracked folder's md5 (`….dir`) and size are the whole folder's.
        let output = match md5.as_ref().is_some_and(|md5| md5.ends_with(".dir")) {
            true => Output {
                md5: None,
                size: None,
                folder: Some(at.clone()),
            },
            false => Output {
                md5,
                size: out.get("size").and_then(Value::as_u64),
                folder: None,
            },
        };
        recorded.by_path.entry(at).or_insert(output);
    }
    Some(recorded)
}

/// The outputs one `.dvc` file or `dvc.lock` records, by repository path.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Recorded {
    by_path: std::collections::HashMap<String, Output>,
}

impl Recorded {
    /// The output that is `wanted` (a normalized repository path), or a tracked folder holding
    /// it.
    pub fn find(&self, wanted: &str) -> Option<Output> {
        if let Some(output) = self.by_path.get(wanted) {
            return Some(output.clone());
        }
        let mut folder = path::parent(wanted);
        while !folder.is_empty() {
            if self.by_path.contains_key(folder) {
                return Some(Output {
                    md5: None,
                    size: None,
                    folder: Some(folder.to_owned()),
                });
            }
            folder = path::parent(folder);
        }
        None
    }
}

/// The output recorded in `text` (the file at `file`) that is `wanted` or a folder holding it.
pub fn find(file: &str, text: &str, wanted: &str) -> Option<Output> {
    outputs(file, text)?.find(wanted)
}

/// Every output a `.dvc` file (`outs:`) or a `dvc.lock` (`stages: NAME: outs:`, or stages at
/// the top in DVC 1's format) records.
fn outputs_in(value: &Value) -> Vec<&serde_json::Map<String, Value>> {
    fn outs(holder: &Value) -> Vec<&serde_json::Map<String, Value>> {
        match holder.get("outs") {
            Some(Value::Array(list)) => list.iter().filter_map(Value::as_object).collect(),
            _ => Vec::new(),
        }
    }
    if value.get("outs").is_some() {
        return outs(value);
    }
    let stages = match value.get("stages") {
        Some(Value::Object(stages)) => stages,
        _ => match value {
            Value::Object(top) => top,
            _ => return Vec::new(),
        },
    };
    stages.values().flat_map(outs).collect()
}

/// The `dvc.lock` files that may record the output at `wanted`: one in each folder from its own
/// up to the repository root, nearest first.
pub fn lock_files(wanted: &str) -> Vec<String> {
    let mut files = Vec::new();
    let mut folder = path::parent(wanted);
    loop {
        files.push(match folder {
            "" => "dvc.lock".to_owned(),
            folder => format!("{folder}/dvc.lock"),
        });
        if folder.is_empty() || files.len() >= MAX_LOCK_FOLDERS {
            return files;
        }
        folder = path::parent(folder);
    }
}

/// How many folders up a `dvc.lock` is looked for: pipelines live near their outputs, and each
/// folder is a question to the repository's host.
const MAX_LOCK_FOLDERS: usize = 8;

#[cfg(test)]
mod tests {
    use super::*;

    const DOT_DVC: &str =
        "outs:\n- md5: 96f5441d1cfa935583836702a3edd3d1\n  size: 163671\n  hash: md5\n  path: rf\n";

    #[test]
    fn a_dvc_file_records_the_file_beside_it() {
        assert_eq!(
            find("models/rf.dvc", DOT_DVC, "models/rf"),
            Some(Output {
                md5: Some("96f5441d1cfa935583836702a3edd3d1".into()),
                size: Some(163_671),
                folder: None,
            })
        );
        assert_eq!(find("models/rf.dvc", DOT_DVC, "rf"), None);
        assert_eq!(find("models/rf.dvc", "outs: [", "models/rf"), None);
    }

    #[test]
    fn a_lock_file_records_stage_outputs_relative_to_its_folder() {
        let lock = "schema: '2.0'\nstages:\n  train:\n    cmd: python train.py\n    deps:\n    - path: data/iris.csv\n      md5: 00\n    outs:\n    - path: models/rf\n      md5: 96f5441d1cfa935583836702a3edd3d1\n      size: 163671\n";
        let found = find("dvc.lock", lock, "models/rf").unwrap();
        assert_eq!(found.size, Some(163_671));
        // A dependency is not an output.
        assert_eq!(find("dvc.lock", lock, "data/iris.csv"), None);
        assert!(find("sub/dvc.lock", lock, "sub/models/rf").is_some());
        // DVC 1 kept stages at the top.
        let old = "train:\n  cmd: x\n  outs:\n  - path: models/rf\n    md5: 11\n";
        assert_eq!(
            find("dvc.lock", old, "models/rf").unwrap().md5.as_deref(),
            Some("11")
        );
    }

    #[test]
    fn a_tracked_folder_holds_the_artifact() {
        let lock = "outs:\n- md5: 3a7c.dir\n  size: 900\n  nfiles: 2\n  path: models\n";
        let found = find("models.dvc", lock, "models/rf").unwrap();
        assert_eq!(found.folder.as_deref(), Some("models"));
        assert_eq!((found.md5, found.size), (None, None));
    }

    #[test]
    fn lock_files_are_looked_for_from_the_artifact_up() {
        assert_eq!(
            lock_files("a/b/rf"),
            ["a/b/dvc.lock", "a/dvc.lock", "dvc.lock"]
        );
        assert_eq!(lock_files("rf"), ["dvc.lock"]);
        let deep = "a/".repeat(20) + "rf";
        assert_eq!(lock_files(&deep).len(), MAX_LOCK_FOLDERS);
    }
}
