//! The registry as a lock file: `ls --resolve` lists every link with where it lands now, across
//! GitHub, relative links and chains, with the artifacts of each object.

use crate::artifacts::{MODELS, TOKEN, links_into, registry_of, serve_models};
use crate::common;

use common::bin;
use serde_json::Value;

/// The models' links, a relative alias to a model kept in the registry, and an alias of an
/// alias.
fn lock_registry() -> common::Repo {
    let mut files = links_into(MODELS);
    files.extend([
        ("own/rf.mlem".to_owned(), "object_type: model\nartifacts:\n  data:\n    hash: 96f5441d1cfa935583836702a3edd3d1\n    size: 3\n    uri: rf\n".to_owned()),
        ("own/rf".to_owned(), "abc".to_owned()),
        ("aliases/rf.mlem".to_owned(), common::link("model", "own/rf")),
        ("aliases/of-alias.mlem".to_owned(), common::link("model", "aliases/rf")),
        ("aliases/of-remote.mlem".to_owned(), common::link("model", "committed")),
    ]);
    registry_of(&files)
}

fn ls(server: &common::github::GitHub, registry: &common::Repo, args: &[&str]) -> (i32, String) {
    let output = bin()
        .current_dir(registry.path())
        .args(["ls", "--resolve"])
        .args(args)
        .env("GITHUB_API_URL", server.url())
        .env("GITHUB_TOKEN", TOKEN)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    (
        output.status.code().unwrap_or(-1),
        common::redact_shas(&text),
    )
}

#[test]
fn every_link_with_the_commit_path_type_and_artifacts_it_lands_on() {
    let (server, models) = serve_models();
    let registry = lock_registry();
    let (code, text) = ls(&server, &registry, &["--format", "json"]);
    assert_eq!(code, 1, "one link is broken (uncommitted weights): {text}");
    let lock: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(lock["version"], 1);
    let entry = |name: &str| -> &Value {
        lock["links"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["name"] == name)
            .unwrap_or_else(|| panic!("no {name} in {lock:#}"))
    };
    let committed = entry("committed");
    assert_eq!(committed["status"], "ok");
    assert_eq!(committed["lands"]["repository"], MODELS);
    assert_eq!(committed["lands"]["path"], "models/committed.mlem");
    assert_eq!(committed["lands"]["object_type"], "model");
    assert_eq!(committed["lands"]["artifacts"][0]["storage"], "git");
    assert_eq!(committed["lands"]["artifacts"][0]["state"], "present");
    // The real commit, unredacted in the parsed document.
    let output = bin()
        .current_dir(registry.path())
        .args(["ls", "--resolve", "--format", "json", "committed.mlem"])
        .env("GITHUB_API_URL", server.url())
        .env("GITHUB_TOKEN", TOKEN)
        .output()
        .unwrap();
    let one: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(one["links"].as_array().unwrap().len(), 1);
    assert_eq!(
        one["links"][0]["lands"]["commit"],
        models.git(&["rev-parse", "v1^{commit}"])
    );
    let broken = entry("uncommitted");
    assert_eq!(broken["status"], "broken");
    assert_eq!(broken["finding"]["rule"], "link/artifact-missing");
    assert_eq!(broken["lands"]["artifacts"][0]["state"], "missing");
    assert_eq!(entry("dvc-file")["lands"]["artifacts"][0]["storage"], "dvc");
    assert_eq!(entry("lfs")["lands"]["artifacts"][0]["storage"], "lfs");
    assert_eq!(entry("remote")["lands"]["artifacts"][0]["state"], "remote");
    // A chain of relative aliases lands on the object at its end, in the registry.
    // An alias of a link into another repository lands where that link does.
    assert_eq!(
        entry("aliases/of-remote")["lands"]["path"],
        "models/committed.mlem"
    );
    let alias = entry("aliases/of-alias");
    assert_eq!(alias["lands"]["repository"], Value::Null);
    assert_eq!(alias["lands"]["path"], "own/rf.mlem");
    assert_eq!(alias["lands"]["artifacts"][0]["state"], "present");
    insta::assert_snapshot!("lock_json", text);
}

#[test]
fn the_table_names_each_link_its_status_and_where_it_lands() {
    let (server, _models) = serve_models();
    let registry = lock_registry();
    let (code, text) = ls(&server, &registry, &[]);
    assert_eq!(code, 1);
    insta::assert_snapshot!("lock_table", text);
}

#[test]
fn offline_links_to_other_repositories_are_unverified_and_say_so() {
    let (server, _models) = serve_models();
    let registry = lock_registry();
    let (code, text) = ls(&server, &registry, &["--offline", "--format", "json"]);
    assert_eq!(
        code, 0,
        "unverified by choice, as `check --offline` says it: {text}"
    );
    let lock: Value = serde_json::from_str(&text).unwrap();
    let committed = &lock["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["name"] == "committed")
        .unwrap();
    assert_eq!(committed["status"], "unverified");
    assert_eq!(committed["lands"], Value::Null);
    assert_eq!(committed["finding"]["rule"], "link/unverified");
    // An alias of an unverified link is unverified, not fine.
    let alias = &lock["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["name"] == "aliases/of-remote")
        .unwrap();
    assert_eq!(alias["status"], "unverified", "{alias:#}");
    assert!(server.requests().is_empty());
}
