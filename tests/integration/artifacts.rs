//! Artifacts behind a link: a developer repository with models whose weights are committed,
//! missing, tracked by DVC (a `.dvc` file, a `dvc.lock` stage), kept in Git LFS, of the wrong
//! size, and in remote storage; the same links resolved through GitHub's GraphQL API, its REST
//! API, a repository on this machine, and inside the registry itself.

use crate::common;

use common::check_against as run;
use common::github::GitHub;
use common::{Repo, bin, registry, remote};
use serde_json::Value;

pub const MODELS: &str = "https://github.com/org/models";
pub const TOKEN: &str = "ghp_test_token_0123456789";
const MD5: &str = "96f5441d1cfa935583836702a3edd3d1";
const OTHER_MD5: &str = "45109f850511f9474665f2c26f4c79f3";

/// A model file whose one artifact `data` is `uri` of `size` bytes (`hash`: MLEM's md5).
fn model(uri: &str, size: u64, hash: &str) -> String {
    format!(
        "object_type: model\nartifacts:\n  data:\n    hash: {hash}\n    size: {size}\n    uri: {uri}\nmodel_type:\n  type: sklearn\n"
    )
}

/// The models, each with its artifact stored one way, under `models/` of `repo`.
fn write_models(repo: &Repo) {
    let pointer = "version https://git-lfs.github.com/spec/v1\noid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 52133\n";
    repo.write("models/committed.mlem", model("committed", 6, MD5))
        .write("models/committed", "weight")
        .write("models/uncommitted.mlem", model("uncommitted", 6, MD5))
        .write("models/dvc-file.mlem", model("dvc-file", 163_671, MD5))
        .write(
            "models/dvc-file.dvc",
            format!("outs:\n- md5: {MD5}\n  size: 163671\n  hash: md5\n  path: dvc-file\n"),
        )
        .write("models/pipeline.mlem", model("pipeline", 2470, MD5))
        .write(
            "dvc.lock",
            format!(
                "schema: '2.0'\nstages:\n  train:\n    cmd: python train.py\n    deps:\n    - path: data/iris.csv\n      md5: {OTHER_MD5}\n      size: 2470\n    outs:\n    - path: models/pipeline\n      md5: {MD5}\n      size: 2470\n"
            ),
        )
        .write("models/lfs.mlem", model("lfs", 52_133, MD5))
        .write("models/lfs", pointer)
        .write("models/resized.mlem", model("resized", 100, MD5))
        .write("models/resized", "weight")
        .write("models/stale.mlem", model("stale", 163_671, MD5))
        .write(
            "models/stale.dvc",
            format!("outs:\n- md5: {OTHER_MD5}\n  size: 163671\n  path: stale\n"),
        )
        .write("models/remote.mlem", model("s3://bucket/models/rf", 10, MD5));
}

const NAMES: [&str; 8] = [
    "committed",
    "uncommitted",
    "dvc-file",
    "pipeline",
    "lfs",
    "resized",
    "stale",
    "remote",
];

/// What each link file gets: the artifact rules' findings, by file.
const EXPECTED: [(&str, &str); 4] = [
    ("link/artifact-missing", "uncommitted.mlem"),
    ("link/artifact-mismatch", "resized.mlem"),
    ("link/artifact-mismatch", "stale.mlem"),
    ("link/artifact-unverified", "remote.mlem"),
];

/// The developer repository, its models at tag `v1`.
pub fn models_repo() -> Repo {
    let repo = Repo::new();
    write_models(&repo);
    repo.commit("models");
    repo.git(&["tag", "-a", "v1", "-m", "v1"]);
    repo
}

/// One link file per model, into `repo` at `v1`.
pub fn links_into(repo: &str) -> Vec<(String, String)> {
    NAMES
        .iter()
        .map(|name| {
            let path = format!("models/{name}");
            (
                format!("{name}.mlem"),
                remote("model", repo, Some("v1"), &path),
            )
        })
        .collect()
}

pub fn registry_of(files: &[(String, String)]) -> Repo {
    let files: Vec<(&str, String)> = files.iter().map(|(p, t)| (p.as_str(), t.clone())).collect();
    registry(&files)
}

/// The artifact rules' findings in `json`, as (rule, file), sorted.
fn artifact_findings(json: &Value) -> Vec<(String, String)> {
    let mut found: Vec<(String, String)> = common::rules(json)
        .into_iter()
        .filter(|(rule, _, _)| rule.starts_with("link/artifact-"))
        .map(|(rule, file, _)| (rule, file))
        .collect();
    found.sort();
    found
}

fn expected() -> Vec<(String, String)> {
    let mut expected: Vec<(String, String)> = EXPECTED
        .iter()
        .map(|(rule, file)| ((*rule).to_owned(), (*file).to_owned()))
        .collect();
    expected.sort();
    expected
}

/// Checks `registry` against `server` and asserts the artifact rules found [`EXPECTED`]; the
/// report.
fn check_finds_expected(
    server: &GitHub,
    registry: &Repo,
    token: Option<&str>,
    args: &[&str],
) -> Value {
    let (code, json, stderr) = run(server, registry, token, args);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(
        artifact_findings(&json),
        expected(),
        "{:#}",
        json["findings"]
    );
    json
}

pub fn serve_models() -> (GitHub, Repo) {
    let server = GitHub::start();
    let models = models_repo();
    server.add_repo("org/models", models.path());
    (server, models)
}

/// The request bodies and paths the server saw, as one text to search.
fn seen(server: &GitHub) -> String {
    server
        .requests()
        .iter()
        .map(|r| format!("{} {}\n", r.path, r.body))
        .collect()
}

#[test]
fn graphql_asks_sizes_and_dvc_records_never_a_committed_artifact() {
    let (server, _models) = serve_models();
    let registry = registry_of(&links_into(MODELS));
    let json = check_finds_expected(&server, &registry, Some(TOKEN), &[]);
    let seen = seen(&server);
    assert!(seen.contains("byteSize"), "{seen}");
    // A committed artifact of the recorded size is asked for by size alone, and one tracked by
    // DVC is not in git: neither's text is read. (A blob of pointer size whose size differs
    // is read: it may be an LFS pointer.)
    for artifact in ["models/committed", "models/dvc-file", "models/pipeline"] {
        let text = format!(":{artifact}\\\") {{ __typename ... on Blob {{ text");
        assert!(!seen.contains(&text), "{artifact} was read: {seen}");
    }
    assert!(seen.contains(":models/dvc-file.dvc"), "{seen}");
    let mentioned = |rule: &str, file: &str| -> String {
        json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["rule"] == rule && f["file"] == file)
            .map(|f| f["message"].as_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    assert_eq!(
        mentioned("link/artifact-missing", "uncommitted.mlem"),
        format!(
            "`{MODELS}/models/uncommitted.mlem@v1` cannot be loaded: its artifact `data` is missing: no file at `models/uncommitted`, and neither `models/uncommitted.dvc` nor a `dvc.lock` in its folder or the one above it records it"
        )
    );
    assert!(
        mentioned("link/artifact-mismatch", "stale.mlem").contains(&format!(
            "tracked by DVC in `models/stale.dvc`) has md5 {OTHER_MD5} where MLEM recorded {MD5}"
        )),
        "{:#}",
        json["findings"]
    );
}

#[test]
fn rest_reads_sizes_from_folder_listings_and_finds_the_same() {
    let (server, _models) = serve_models();
    server.disable_graphql();
    let registry = registry_of(&links_into(MODELS));
    check_finds_expected(&server, &registry, Some(TOKEN), &[]);
    let seen = seen(&server);
    // One listing of the folder answers every artifact in it.
    assert_eq!(seen.matches("/contents/models?ref=").count(), 1, "{seen}");
    assert!(!seen.contains("/contents/models/committed?"), "{seen}");
}

#[test]
fn a_repository_on_this_machine_and_the_registry_itself_find_the_same() {
    let models = models_repo();
    let url = format!("file://{}", models.path().display());
    let mut files = links_into(&url);
    files.push((
        ".mlem-registry.toml".into(),
        "allowed_hosts = [\"file\"]\n".into(),
    ));
    let registry = registry_of(&files);
    let server = GitHub::start();
    check_finds_expected(&server, &registry, None, &[]);

    // The same models inside the registry, reached by relative links.
    let inside = Repo::new();
    write_models(&inside);
    for name in NAMES {
        let link = format!("link_type: model\nobject_type: link\npath: models/{name}\n");
        inside.write(&format!("{name}.mlem"), link);
    }
    inside.commit("registry with its models");
    check_finds_expected(&server, &inside, None, &["--offline"]);
}

#[test]
fn a_run_without_the_network_never_contacts_remote_storage_and_never_calls_it_missing() {
    let models = Repo::new();
    models
        .write("models/rf.mlem", model("s3://bucket/rf", 10, MD5))
        .write(
            "rf.mlem",
            "link_type: model\nobject_type: link\npath: models/rf\n",
        );
    models.commit("a model in s3");
    let output = bin()
        .arg("check")
        .arg(models.path())
        .args(["--offline", "--color", "never"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert!(
        text.contains("note[link/artifact-unverified]: `models/rf.mlem`: not verified: artifact `data` is in remote storage (`s3://`), which is never contacted"),
        "{text}"
    );
}

#[test]
fn human_output_for_artifact_findings_snapshot() {
    let (server, _models) = serve_models();
    let registry = registry_of(&links_into(MODELS));
    insta::assert_snapshot!(common::human_against(&server, &registry, TOKEN));
}
