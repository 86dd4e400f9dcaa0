//! Two MLEM objects compared as MLEM objects, not as text: the object type, the model's type,
//! its methods and their signatures, its requirements with versions, its artifacts' hashes and
//! sizes, and any other field that differs. What a reviewer approving a model needs to see.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

/// One difference between the object before and after.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// What differs: `object_type`, `model type`, `method predict`, `requirement numpy`,
    /// `artifact data`, or `field NAME`.
    pub what: String,
    /// Its value before; `None`: it was not there.
    pub before: Option<String>,
    /// Its value after; `None`: it is gone.
    pub after: Option<String>,
}

/// What differs between the objects `before` and `after` (parsed MLEM files), in a fixed order:
/// object type, model type, methods, requirements, artifacts, then other fields by name.
pub fn compare(before: &Value, after: &Value) -> Vec<Change> {
    let mut changes = Vec::new();
    let mut push = |what: String, before: Option<String>, after: Option<String>| {
        if before != after {
            changes.push(Change {
                what,
                before,
                after,
            });
        }
    };
    let text = |value: &Value, key: &str| value.get(key).map(scalar);
    push(
        "object_type".into(),
        text(before, "object_type"),
        text(after, "object_type"),
    );
    push("model type".into(), model_type(before), model_type(after));
    let (short_before, full_before) = methods(before);
    let (short_after, full_after) = methods(after);
    for (name, (a, b)) in paired(short_before, short_after) {
        // The short form names types only: the same short form with another full description
        // changed in its details (shapes, column order, index).
        let detail = a == b && full_before.get(&name) != full_after.get(&name);
        match (detail, a, b) {
            (true, Some(a), Some(b)) => push(
                format!("method {name}"),
                Some(a),
                Some(format!("{b} (details of its types changed)")),
            ),
            (_, a, b) => push(format!("method {name}"), a, b),
        }
    }
    for (name, (a, b)) in paired(requirements(before), requirements(after)) {
        push(format!("requirement {name}"), a, b);
    }
    for (name, (a, b)) in paired(artifacts(before), artifacts(after)) {
        push(format!("artifact {name}"), a, b);
    }
    let compared = [
        "object_type",
        "model_type",
        "processors",
        "requirements",
        "artifacts",
        // How methods are chained follows from the methods themselves.
        "call_orders",
    ];
    let others = |value: &Value| -> BTreeMap<String, String> {
        value
            .as_object()
            .into_iter()
            .flatten()
            .filter(|(key, _)| !compared.contains(&key.as_str()))
            .map(|(key, value)| (key.clone(), compact(value)))
            .collect()
    };
    for (name, (a, b)) in paired(others(before), others(after)) {
        push(format!("field {name}"), a, b);
    }
    changes
}

/// Both sides of every key either side has.
fn paired(
    before: BTreeMap<String, String>,
    mut after: BTreeMap<String, String>,
) -> BTreeMap<String, (Option<String>, Option<String>)> {
    let mut all: BTreeMap<String, (Option<String>, Option<String>)> = BTreeMap::new();
    for (key, value) in before {
        let other = after.remove(&key);
        all.insert(key, (Some(value), other));
    }
    for (key, value) in after {
        all.insert(key, (None, Some(value)));
    }
    all
}

/// The model's type (`sklearn`, `torch`, …): MLEM 0.4 keeps it in `processors.model.type`,
/// MLEM 0.2 in `model_type.type`.
fn model_type(object: &Value) -> Option<String> {
    let from = |holder: &Value| holder.get("type").map(scalar);
    object
        .pointer("/processors/model")
        .and_then(from)
        .or_else(|| object.get("model_type").and_then(from))
}

/// Each method's signature by name, short and in full, from every processor (MLEM 0.4) or
/// `model_type` (0.2).
fn methods(object: &Value) -> (BTreeMap<String, String>, BTreeMap<String, String>) {
    let (mut short, mut full) = (BTreeMap::new(), BTreeMap::new());
    let holders = object
        .get("processors")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|processors| processors.values())
        .chain(object.get("model_type"));
    for holder in holders {
        let Some(methods) = holder.get("methods").and_then(Value::as_object) else {
            continue;
        };
        for (name, method) in methods {
            short.insert(name.clone(), signature(name, method));
            full.insert(name.clone(), compact(method));
        }
    }
    (short, full)
}

/// `predict(X: dataframe[a: float64]) -> ndarray[int64]`: a method's arguments and what it
/// returns.
fn signature(name: &str, method: &Value) -> String {
    let args: Vec<String> = method
        .get("args")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|arg| {
            let arg_name = arg.get("name").map_or_else(|| "?".into(), scalar);
            format!("{arg_name}: {}", data_type(arg.get("type_")))
        })
        .collect();
    let returns = data_type(method.get("returns"));
    format!("{name}({}) -> {returns}", args.join(", "))
}

/// A MLEM data type in short: `dataframe[sepal length (cm): float64, …]`, `ndarray[int64]`.
fn data_type(value: Option<&Value>) -> String {
    let Some(value) = value else {
        return "?".into();
    };
    let kind = value.get("type").map_or_else(|| "?".into(), scalar);
    let dtype = value.get("dtype").map(scalar);
    let columns = value.get("columns").and_then(Value::as_array);
    match (columns, dtype) {
        (Some(columns), _) => {
            let dtypes = value.get("dtypes").and_then(Value::as_array);
            let shown: Vec<String> = columns
                .iter()
                .enumerate()
                .map(|(i, column)| {
                    let dtype = dtypes
                        .and_then(|d| d.get(i))
                        .map_or_else(String::new, |d| format!(": {}", scalar(d)));
                    format!("{}{dtype}", scalar(column))
                })
                .collect();
            format!("{kind}[{}]", shown.join(", "))
        }
        (None, Some(dtype)) => format!("{kind}[{dtype}]"),
        (None, None) => kind,
    }
}

/// Each requirement's version (`any` without one), by package.
fn requirements(object: &Value) -> BTreeMap<String, String> {
    object
        .get("requirements")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|requirement| {
            let name = requirement
                .get("package_name")
                .or_else(|| requirement.get("module"))
                .map(scalar)?;
            let version = requirement
                .get("version")
                .map_or_else(|| "any".into(), scalar);
            Some((name, version))
        })
        .collect()
}

/// Each artifact's recorded md5 and size, by name.
fn artifacts(object: &Value) -> BTreeMap<String, String> {
    let (list, _) = match object.as_object() {
        Some(map) => crate::mlem::artifact::read(map),
        None => return BTreeMap::new(),
    };
    list.iter()
        .map(|artifact| {
            let hash = artifact.hash.as_deref().unwrap_or("no hash");
            let size = artifact
                .size
                .map_or_else(|| "no size".into(), |size| format!("{size} bytes"));
            let shown = format!("{} ({hash}, {size})", artifact.uri);
            (artifact.name.clone(), shown)
        })
        .collect()
}

/// A scalar as written; anything else as compact JSON.
fn scalar(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Null => "null".into(),
        other => compact(other),
    }
}

fn compact(value: &Value) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn model(sklearn: &str, numpy: Option<&str>, hash: &str, returns: &str) -> Value {
        let mut requirements =
            vec![json!({"module": "sklearn", "package_name": "scikit-learn", "version": sklearn})];
        if let Some(numpy) = numpy {
            requirements.push(json!({"module": "numpy", "version": numpy}));
        }
        json!({
            "object_type": "model",
            "artifacts": {"data": {"hash": hash, "size": 163671, "uri": "rf"}},
            "processors": {"model": {"type": "sklearn", "methods": {
                "predict": {"name": "predict", "args": [{"name": "X", "type_": {"type": "dataframe", "columns": ["a"], "dtypes": ["float64"]}}],
                            "returns": {"type": "ndarray", "dtype": returns}},
            }}},
            "requirements": requirements,
            "call_orders": {"predict": [["model", "predict"]]},
        })
    }

    #[test]
    fn the_same_object_has_no_changes_whatever_the_order_of_its_requirements() {
        let a = model("1.2.0", Some("1.24.0"), "96f5", "int64");
        let mut b = a.clone();
        b["requirements"].as_array_mut().unwrap().reverse();
        assert!(compare(&a, &b).is_empty());
    }

    #[test]
    fn versions_artifacts_and_signatures_are_compared_field_by_field() {
        let before = model("1.1.1", Some("1.23.1"), "75ef", "int64");
        let after = model("1.2.0", None, "96f5", "float64");
        let changes = compare(&before, &after);
        let whats: Vec<&str> = changes.iter().map(|c| c.what.as_str()).collect();
        assert_eq!(
            whats,
            [
                "method predict",
                "requirement numpy",
                "requirement scikit-learn",
                "artifact data"
            ]
        );
        assert_eq!(changes[1].after, None, "numpy is no longer required");
        assert_eq!(changes[2].before.as_deref(), Some("1.1.1"));
        assert_eq!(changes[2].after.as_deref(), Some("1.2.0"));
        assert_eq!(
            changes[0].after.as_deref(),
            Some("predict(X: dataframe[a: float64]) -> ndarray[float64]")
        );
        assert_eq!(changes[3].after.as_deref(), Some("rf (96f5, 163671 bytes)"));
    }

    #[test]
    fn a_change_the_short_signature_hides_is_still_shown() {
        let before = model("1.2.0", None, "96f5", "int64");
        let mut after = before.clone();
        after["processors"]["model"]["methods"]["predict"]["returns"]["shape"] = json!([null, 3]);
        let changes = compare(&before, &after);
        assert_eq!(changes.len(), 1);
        assert!(
            changes[0]
                .after
                .as_deref()
                .unwrap()
                .ends_with("(details of its types changed)")
        );
    }

    #[test]
    fn mlem_0_2_keeps_methods_in_model_type_and_other_fields_are_named() {
        let before = json!({"object_type": "model", "model_type": {"type": "sklearn", "methods": {"predict": {"args": [], "returns": {"type": "ndarray"}}}}, "description": "v1"});
        let after = json!({"object_type": "data", "description": "v2"});
        let changes = compare(&before, &after);
        let whats: Vec<&str> = changes.iter().map(|c| c.what.as_str()).collect();
        assert_eq!(
            whats,
            [
                "object_type",
                "model type",
                "method predict",
                "field description"
            ]
        );
        assert_eq!(changes[3].before.as_deref(), Some("\"v1\""));
    }
}
