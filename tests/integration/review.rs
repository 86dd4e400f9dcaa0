//! `diff`: what a registry change promotes. A developer repository with two versions of a model
//! (new requirements, a new signature, new weights), and a registry history that moves a
//! production link from one to the other, removes a link, adds one, and leaves an alias whose
//! chain now lands elsewhere.

use crate::common;

use common::github::GitHub;
use common::{Repo, bin, link, remote};
use serde_json::Value;

const MODELS: &str = "https://github.com/org/models";
const TOKEN: &str = "ghp_test_token_0123456789";

/// A model with scikit-learn `sklearn`, `predict` returning `returns`, and `weights` as its
/// committed artifact.
fn model(sklearn: &str, returns: &str, weights: &str) -> String {
    format!(
        "object_type: model\nartifacts:\n  data:\n    hash: {:032x}\n    size: {}\n    uri: rf\nprocessors:\n  model:\n    methods:\n      predict:\n        args:\n        - name: X\n          type_:\n            columns: [sepal length (cm)]\n            dtypes: [float64]\n            type: dataframe\n        name: predict\n        returns:\n          dtype: {returns}\n          type: ndarray\n    type: sklearn\nrequirements:\n- module: sklearn\n  package_name: scikit-learn\n  version: {sklearn}\n",
        weights.len(),
        weights.len()
    )
}

/// `org/models`: `v1` (scikit-learn 1.1.1, int64 predictions) and `v2` (1.2.0, float64, new
/// weights).
fn models() -> Repo {
    let repo = Repo::new();
    repo.write("models/rf.mlem", model("1.1.1", "int64", "weights-1"))
        .write("models/rf", "weights-1");
    repo.commit("v1");
    repo.git(&["tag", "-a", "v1", "-m", "v1"]);
    repo.write("models/rf.mlem", model("1.2.0", "float64", "weights-two"))
        .write("models/rf", "weights-two");
    repo.commit("v2");
    repo.git(&["tag", "-a", "v2", "-m", "v2"]);
    repo
}

/// The registry at its base: production and staging at `v1`, an alias of production, an old
/// link; `production/**` is production.
fn registry() -> (Repo, String) {
    let repo = Repo::new();
    repo.write(".mlem-registry.toml", "production = [\"production/**\"]\n")
        .write(
            "production/rf.mlem",
            remote("model", MODELS, Some("v1"), "models/rf"),
        )
        .write(
            "staging/rf.mlem",
            remote("model", MODELS, Some("v1"), "models/rf"),
        )
        .write("alias.mlem", link("model", "production/rf"))
        .write("old.mlem", remote("model", MODELS, Some("v1"), "models/rf"));
    let base = repo.commit("base");
    (repo, base)
}

/// The change: production moves to `v2`, `old` goes, `new` comes.
fn change(repo: &Repo) {
    repo.write(
        "production/rf.mlem",
        remote("model", MODELS, Some("v2"), "models/rf"),
    )
    .remove("old.mlem")
    .write("new.mlem", remote("model", MODELS, Some("v2"), "models/rf"));
}

fn diff(server: &GitHub, registry: &Repo, args: &[&str]) -> (i32, String) {
    let output = bin()
        .current_dir(registry.path())
        .arg("diff")
        .args(args)
        .env("GITHUB_API_URL", server.url())
        .env("GITHUB_TOKEN", TOKEN)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        server.invalid_queries().is_empty(),
        "{:?}",
        server.invalid_queries()
    );
    (
        output.status.code().unwrap_or(-1),
        common::redact_shas(&format!("{text}{stderr}")),
    )
}

fn serve() -> (GitHub, Repo) {
    let server = GitHub::start();
    let models = models();
    server.add_repo("org/models", models.path());
    (server, models)
}

#[test]
fn a_production_link_moved_to_a_new_model_version_shows_what_it_promotes() {
    let (server, models) = serve();
    let (registry, base) = registry();
    change(&registry);
    let (code, text) = diff(&server, &registry, &[&base, "--format", "json"]);
    assert_eq!(code, 0, "{text}");
    let json: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
    assert_eq!(json["version"], 1);
    let entries = json["entries"].as_array().unwrap();
    let names: Vec<(&str, &str)> = entries
        .iter()
        .map(|e| (e["name"].as_str().unwrap(), e["kind"].as_str().unwrap()))
        .collect();
    assert_eq!(
        names,
        [
            ("production/rf", "changed"),
            ("alias", "lands_elsewhere"),
            ("new", "added"),
            ("old", "removed"),
        ],
        "production first, then by file; staging is untouched"
    );
    let production = &entries[0];
    assert_eq!(production["production"], true);
    let (v1, v2) = (
        models.git(&["rev-parse", "v1^{commit}"]),
        models.git(&["rev-parse", "v2^{commit}"]),
    );
    assert_eq!(
        production["compare_url"],
        "https://github.com/org/models/compare/[sha]...[sha]"
    );
    assert_ne!(v1, v2);
    assert_eq!(production["before"]["rev"], "v1");
    assert_eq!(production["after"]["rev"], "v2");
    let changes: Vec<&str> = production["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["what"].as_str().unwrap())
        .collect();
    assert_eq!(
        changes,
        [
            "method predict",
            "requirement scikit-learn",
            "artifact data"
        ]
    );
    assert_eq!(production["changes"][1]["before"], "1.1.1");
    assert_eq!(production["changes"][1]["after"], "1.2.0");
    // The alias did not change, but it now loads v2 through production/rf.
    assert_eq!(entries[1]["changes"], production["changes"]);
    insta::assert_snapshot!("diff_json", text);
}

#[test]
fn the_human_diff_of_a_committed_change() {
    let (server, _models) = serve();
    let (registry, base) = registry();
    change(&registry);
    let head = registry.commit("promote v2");
    let (code, text) = diff(&server, &registry, &[&base, &head]);
    assert_eq!(code, 0, "{text}");
    insta::assert_snapshot!("diff_human", text);
}

#[test]
fn without_a_base_it_compares_with_the_merge_base_of_the_remote_default_branch() {
    let (server, _models) = serve();
    let (registry, base) = registry();
    registry.git(&["update-ref", "refs/remotes/origin/main", &base]);
    change(&registry);
    registry.commit("promote v2");
    let (code, text) = diff(&server, &registry, &["--format", "json"]);
    assert_eq!(code, 0, "{text}");
    let json: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(json["base"], "[sha]");
    assert_eq!(json["entries"].as_array().unwrap().len(), 4);

    let lonely = Repo::new();
    lonely
        .write("a.mlem", link("model", "b"))
        .commit("no remote");
    let (code, text) = diff(&server, &lonely, &[]);
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("no remote default branch"), "{text}");
    assert!(text.contains("mlem-registry diff BASE"), "{text}");
}

#[test]
fn nothing_changed_says_so() {
    let (server, _models) = serve();
    let (registry, base) = registry();
    let (code, text) = diff(&server, &registry, &[&base]);
    assert_eq!(code, 0);
    assert_eq!(
        text.trim(),
        "no link lands differently: [short sha] -> the working tree"
    );
}

#[test]
fn the_log_of_a_production_link_lists_each_commit_that_moved_it() {
    let (server, _models) = serve();
    let (registry, base) = registry();
    registry.write(
        "staging/rf.mlem",
        remote("model", MODELS, Some("v2"), "models/rf"),
    );
    registry.commit("staging tries v2");
    change(&registry);
    let promoted = registry.commit("promote v2 to production");
    let output = bin()
        .current_dir(registry.path())
        .args(["log", "production/rf", "--format", "json"])
        .env("GITHUB_API_URL", server.url())
        .env("GITHUB_TOKEN", TOKEN)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let log: Value = serde_json::from_slice(&output.stdout).unwrap();
    let commits: Vec<(&str, &str)> = log["commits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["commit"].as_str().unwrap(),
                c["entry"]["kind"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        commits,
        [(promoted.as_str(), "changed"), (base.as_str(), "added")],
        "the staging commit did not move production: {log:#}"
    );
    assert_eq!(log["commits"][0]["subject"], "promote v2 to production");
    assert_eq!(log["commits"][0]["entry"]["after"]["rev"], "v2");
    // The alias follows production/rf, so production's commits are its own.
    let output = bin()
        .current_dir(registry.path())
        .args(["log", "alias.mlem"])
        .env("GITHUB_API_URL", server.url())
        .env("GITHUB_TOKEN", TOKEN)
        .output()
        .unwrap();
    let text = common::redact_shas(&String::from_utf8_lossy(&output.stdout));
    insta::assert_snapshot!("log_human", text);
}

#[test]
fn an_added_alias_of_an_unchanged_link_to_another_repository_lands_where_that_link_does() {
    let (server, _models) = serve();
    let (registry, base) = registry();
    registry.write("serving.mlem", link("model", "staging/rf"));
    let (code, text) = diff(&server, &registry, &[&base, "--format", "json"]);
    assert_eq!(code, 0, "{text}");
    let json: Value = serde_json::from_str(&text).unwrap();
    let entry = &json["entries"][0];
    assert_eq!(entry["name"], "serving");
    assert_eq!(entry["kind"], "added");
    assert_eq!(entry["after"]["lands"]["repository"], MODELS);
    assert_eq!(entry["after"]["lands"]["path"], "models/rf.mlem");
}

#[test]
fn the_log_of_a_name_no_commit_holds_is_an_error_that_says_what_a_name_is() {
    let (server, _models) = serve();
    let (registry, _base) = registry();
    let output = bin()
        .current_dir(registry.path())
        .args(["log", "prod/rf"])
        .env("GITHUB_API_URL", server.url())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("no commit of HEAD's history holds `prod/rf.mlem`"),
        "{stderr}"
    );
}

#[test]
fn each_file_is_judged_by_its_folders_policy_so_a_review_reaches_no_host_it_refuses() {
    let models = models();
    let url = format!("file://{}", models.path().display());
    let registry = Repo::new();
    registry
        .write(".mlem-registry.toml", "allowed_hosts = [\"file\"]\n")
        .write(
            "sub/.mlem-registry.toml",
            "allowed_hosts = [\"github.com\"]\n",
        )
        .write("ok.mlem", remote("model", &url, Some("v1"), "models/rf"));
    let base = registry.commit("base");
    registry
        .write("ok.mlem", remote("model", &url, Some("v2"), "models/rf"))
        .write("sub/x.mlem", remote("model", &url, Some("v1"), "models/rf"));
    let output = bin()
        .current_dir(registry.path())
        .args(["diff", &base, "--format", "json"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    let entry = |name: &str| {
        json["entries"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["name"] == name)
            .unwrap_or_else(|| panic!("{name} in {json:#}"))
            .clone()
    };
    assert_eq!(entry("ok")["after"]["lands"]["path"], "models/rf.mlem");
    let refused = entry("sub/x");
    assert_eq!(refused["after"]["status"], "broken", "{refused:#}");
    assert_eq!(refused["after"]["lands"], Value::Null);
    assert!(
        refused["after"]["finding"]
            .as_str()
            .unwrap()
            .contains("sub/.mlem-registry.toml"),
        "{refused:#}"
    );
}
