//! The GitHub test server (`tests/integration/common/github.rs`) against GitHub's recorded answers
//! (`tests/fixtures/github/recorded`) and its documented behaviour.
use crate::common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use common::Repo;
use common::github::*;
use serde_json::{Value, json};

/// An HTTP answer as the test client saw it.
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        let found = self
            .headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name));
        found.map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        let body = String::from_utf8_lossy(&self.body);
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {body}"))
    }
}

/// One HTTP/1.1 request over a fresh connection.
fn http(gh: &GitHub, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> Answer {
    let addr = gh.url().trim_start_matches("http://").to_owned();
    let mut request = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (name, value) in headers {
        request += &format!("{name}: {value}\r\n");
    }
    request += &format!("Content-Length: {}\r\n\r\n{body}", body.len());
    let mut stream = TcpStream::connect(&addr).unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a header block");
    let head = String::from_utf8_lossy(&raw[..end]).into_owned();
    let mut lines = head.lines();
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines.filter_map(|l| l.split_once(':'));
    let headers = headers
        .map(|(n, v)| (n.to_owned(), v.trim().to_owned()))
        .collect();
    let body = raw[end + 4..].to_vec();
    Answer {
        status,
        headers,
        body,
    }
}

const TOKEN: &str = "token 0000000000000000000000000000000000000001";

fn get(gh: &GitHub, path: &str) -> Answer {
    http(gh, "GET", path, &[("Authorization", TOKEN)], "")
}

fn graphql(gh: &GitHub, authorization: &str, query: &str, variables: Value) -> Answer {
    let body = json!({"query": query, "variables": variables}).to_string();
    http(
        gh,
        "POST",
        "/graphql",
        &[("Authorization", authorization)],
        &body,
    )
}

/// A GraphQL query without variables, with a token, answered 200; its JSON.
fn query(gh: &GitHub, query: &str) -> Value {
    let answer = graphql(gh, "token t", query, Value::Null);
    assert_eq!(answer.status, 200);
    answer.json()
}

fn recorded(file: &str) -> Vec<Value> {
    let path = format!(
        "{}/tests/fixtures/github/recorded/{file}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// Every key of `recorded` is in `ours`, recursively, with the same JSON type unless one is null.
fn assert_shape(recorded: &Value, ours: &Value, at: &str) {
    match (recorded, ours) {
        (Value::Object(recorded), Value::Object(ours)) => {
            for (key, value) in recorded {
                let ours = ours
                    .get(key)
                    .unwrap_or_else(|| panic!("{at}.{key} missing"));
                assert_shape(value, ours, &format!("{at}.{key}"));
            }
        }
        (Value::Array(recorded), Value::Array(ours)) => {
            if let (Some(recorded), Some(ours)) = (recorded.first(), ours.first()) {
                assert_shape(recorded, ours, &format!("{at}[0]"));
            }
        }
        (Value::Null, _) | (_, Value::Null) => {}
        (recorded, ours) => {
            let same = std::mem::discriminant(recorded) == std::mem::discriminant(ours);
            assert!(same, "{at}: {recorded} vs {ours}");
        }
    }
}

/// The status and the headers a client reads are GitHub's.
fn assert_like(recorded: &Value, answer: &Answer) {
    assert_eq!(recorded["status"], answer.status, "{}", recorded["path"]);
    let headers = &recorded["headers"];
    let content_type = headers["content-type"].as_str();
    assert_eq!(answer.header("content-type"), content_type);
    for name in ["limit", "remaining", "reset", "used"] {
        let name = format!("x-ratelimit-{name}");
        let value = answer
            .header(&name)
            .unwrap_or_else(|| panic!("{name} missing"));
        assert!(value.parse::<u64>().is_ok(), "{name}: {value}");
    }
    let resource = headers["x-ratelimit-resource"].as_str();
    assert_eq!(answer.header("x-ratelimit-resource"), resource);
    assert!(answer.header("x-github-request-id").is_some());
}

/// A repository on `main` with a README, a model, a binary file, an annotated tag `v1.0`, a
/// lightweight tag `light` and a branch `feature/x` one commit ahead.
fn fixture() -> Repo {
    let repo = Repo::new();
    repo.write("README.md", "# hello-world")
        .write("models/rf.mlem", "object_type: model\n")
        .write("data/bin.dat", [0u8, 159, 146, 150])
        .write("long.txt", "mlem ".repeat(40));
    repo.commit("first");
    repo.git(&["tag", "-a", "v1.0", "-m", "release 1.0"]);
    repo.git(&["tag", "light"]);
    repo.git(&["checkout", "-q", "-b", "feature/x"]);
    repo.write("models/rf.mlem", "object_type: model\nrev: 2\n");
    repo.commit("second");
    repo.git(&["checkout", "-q", "main"]);
    repo
}

fn serve(full_name: &str) -> (GitHub, Repo) {
    let (gh, repo) = (GitHub::start(), fixture());
    gh.add_repo(full_name, repo.path());
    (gh, repo)
}

fn decoded(content: &Value) -> String {
    let base64 = content["content"].as_str().unwrap().replace('\n', "");
    String::from_utf8(BASE64.decode(base64).unwrap()).unwrap()
}

#[test]
fn get_repository_is_shaped_like_the_recording() {
    let recording = &recorded("get-repository.json")[0];
    let (gh, _repo) = serve("octokit-fixture-org/hello-world");
    let answer = get(&gh, recording["path"].as_str().unwrap());
    assert_like(recording, &answer);
    let ours = answer.json();
    assert_shape(&recording["response"], &ours, "repository");
    assert_eq!(ours["full_name"], "octokit-fixture-org/hello-world");
    assert_eq!(ours["default_branch"], "main");
    assert_eq!(ours["private"], false);
    let url = format!("{}/repos/octokit-fixture-org/hello-world", gh.url());
    assert_eq!(ours["url"], url);
    serde_json::from_value::<octocrab::models::Repository>(ours).unwrap();
    // Names are case-insensitive, as on GitHub.
    let answer = get(&gh, "/repos/Octokit-Fixture-Org/Hello-World");
    assert_eq!(
        answer.json()["full_name"],
        "octokit-fixture-org/hello-world"
    );
}

#[test]
fn get_content_is_shaped_like_the_recording() {
    let recording = recorded("get-content.json");
    let (gh, repo) = serve("octokit-fixture-org/hello-world");
    let base = "/repos/octokit-fixture-org/hello-world/contents";

    let listing = get(&gh, recording[0]["path"].as_str().unwrap());
    assert_like(&recording[0], &listing);
    let listing = listing.json();
    assert_shape(&recording[0]["response"], &listing, "contents");
    let entries = listing.as_array().unwrap().iter();
    let kinds: Vec<String> = entries
        .map(|e| format!("{} {}", e["type"], e["path"]))
        .collect();
    let expected = [
        r#""file" "README.md""#,
        r#""dir" "data""#,
        r#""file" "long.txt""#,
    ];
    assert_eq!(kinds, [&expected[..], &[r#""dir" "models""#]].concat());

    let raw_accept = ("Accept", "application/vnd.github.v3.raw");
    let path = recording[1]["path"].as_str().unwrap();
    let raw = http(
        &gh,
        "GET",
        path,
        &[raw_accept, ("Authorization", TOKEN)],
        "",
    );
    assert_like(&recording[1], &raw);
    assert_eq!(
        raw.body,
        recording[1]["response"].as_str().unwrap().as_bytes()
    );

    // A single file: the listing's fields plus base64 content in lines of 60 characters.
    let file = get(&gh, &format!("{base}/long.txt"));
    assert_eq!(file.status, 200);
    let file = file.json();
    assert_shape(&recording[0]["response"][0], &file, "file");
    assert_eq!(
        (&file["type"], &file["encoding"]),
        (&json!("file"), &json!("base64"))
    );
    assert_eq!(file["size"], 200);
    let content = file["content"].as_str().unwrap();
    assert!(content.lines().all(|l| l.len() <= 60), "{content}");
    assert!(content.ends_with('\n') && content.lines().next().unwrap().len() == 60);
    assert_eq!(decoded(&file), "mlem ".repeat(40));
    assert_eq!(file["sha"], repo.git(&["rev-parse", "main:long.txt"]));
    let content: octocrab::models::repos::Content = serde_json::from_value(file).unwrap();
    assert_eq!(content.decoded_content().unwrap(), "mlem ".repeat(40));

    // At a ref: branch with a slash (plain or encoded), tag, sha, abbreviated sha.
    let sha = repo.git(&["rev-parse", "main"]);
    let refs = [("feature/x", true), ("feature%2Fx", true), ("v1.0", false)];
    for (rev, ahead) in refs
        .into_iter()
        .chain([(&sha[..], false), (&sha[..7], false)])
    {
        let answer = get(&gh, &format!("{base}/models/rf.mlem?ref={rev}"));
        assert_eq!(answer.status, 200, "{rev}");
        assert_eq!(decoded(&answer.json()).contains("rev: 2"), ahead, "{rev}");
    }
    let dir = get(&gh, &format!("{base}/models?ref=main")).json();
    assert_eq!(dir[0]["path"], "models/rf.mlem");

    let missing = get(&gh, &format!("{base}/nope.mlem"));
    assert_eq!(
        (missing.status, &missing.json()["message"]),
        (404, &json!("Not Found"))
    );
    let no_ref = get(&gh, &format!("{base}/README.md?ref=nope"));
    assert_eq!(no_ref.status, 404);
    assert_eq!(no_ref.json()["message"], "No commit found for the ref nope");
}

#[test]
fn git_refs_are_shaped_like_the_recording() {
    let recording = &recorded("git-refs.json")[0];
    let (gh, repo) = serve("octokit-fixture-org/git-refs");
    let all = get(&gh, recording["path"].as_str().unwrap());
    assert_like(recording, &all);
    let all = all.json();
    assert_shape(&recording["response"], &all, "refs");
    let names: Vec<&Value> = all.as_array().unwrap().iter().map(|r| &r["ref"]).collect();
    let expected = [
        "refs/heads/feature/x",
        "refs/heads/main",
        "refs/tags/light",
        "refs/tags/v1.0",
    ];
    assert_eq!(names, expected);

    let base = "/repos/octokit-fixture-org/git-refs/git";
    let main = get(&gh, &format!("{base}/ref/heads/main")).json();
    assert_shape(&recording["response"][0], &main, "ref");
    assert_eq!(main["object"]["sha"], repo.git(&["rev-parse", "main"]));
    let tag = get(&gh, &format!("{base}/ref/tags/v1.0")).json();
    assert_eq!(tag["object"]["type"], "tag");
    assert_eq!(tag["object"]["sha"], repo.git(&["rev-parse", "v1.0"]));
    let light = get(&gh, &format!("{base}/ref/tags/light")).json();
    assert_eq!(light["object"]["type"], "commit");
    let feature = get(&gh, &format!("{base}/ref/heads/feature/x")).json();
    assert_eq!(feature["ref"], "refs/heads/feature/x");
    serde_json::from_value::<octocrab::models::repos::Ref>(tag).unwrap();
    assert_eq!(get(&gh, &format!("{base}/ref/heads/nope")).status, 404);
    assert_eq!(get(&gh, &format!("{base}/ref/heads/mai")).status, 404);

    let matching = get(&gh, &format!("{base}/matching-refs/heads/feat")).json();
    assert_eq!(matching.as_array().unwrap().len(), 1);
    let none = get(&gh, &format!("{base}/matching-refs/tags/zzz")).json();
    assert_eq!(none, json!([]));
}

#[test]
fn commits_resolve_branches_tags_and_shas() {
    let (gh, repo) = serve("o/r");
    let main = repo.git(&["rev-parse", "main"]);
    for spec in ["main", "v1.0", "light", "heads/main", &main, &main[..7]] {
        let answer = get(&gh, &format!("/repos/o/r/commits/{spec}"));
        assert_eq!(answer.status, 200, "{spec}");
        let commit = answer.json();
        assert_eq!(commit["sha"], main, "{spec}");
        let tree = repo.git(&["rev-parse", "main^{tree}"]);
        assert_eq!(commit["commit"]["tree"]["sha"], tree);
        assert_eq!(commit["commit"]["message"], "first\n");
        assert_eq!(commit["commit"]["author"]["date"], "2022-12-13T04:06:01Z");
        serde_json::from_value::<octocrab::models::repos::RepoCommit>(commit).unwrap();
    }
    let feature = get(&gh, "/repos/o/r/commits/feature/x").json();
    assert_eq!(feature["parents"][0]["sha"], main);
    let unknown = get(&gh, "/repos/o/r/commits/nope");
    assert_eq!(unknown.status, 422);
    assert_eq!(unknown.json()["message"], "No commit found for SHA: nope");
    let json = Some("application/json; charset=utf-8");
    assert_eq!(unknown.header("content-type"), json);
}

#[test]
fn renamed_repositories_redirect_like_the_recording() {
    let recording = recorded("rename-repository.json");
    let moved = recording.iter().find(|r| r["status"] == 301).unwrap();
    let target = recording
        .iter()
        .find(|r| r["method"] == "get" && r["status"] == 200);
    let (old, new) = ("rename-repository", "rename-repository-newname");
    let (gh, _repo) = serve(&format!("octokit-fixture-org/{old}"));
    gh.rename(
        &format!("octokit-fixture-org/{old}"),
        &format!("octokit-fixture-org/{new}"),
    );

    let answer = get(&gh, moved["path"].as_str().unwrap());
    assert_like(moved, &answer);
    let body = answer.json();
    assert_shape(&moved["response"], &body, "moved");
    assert_eq!(body["message"], "Moved Permanently");
    assert_eq!(
        body["documentation_url"],
        moved["response"]["documentation_url"]
    );
    let location = answer.header("location").unwrap().to_owned();
    assert_eq!(body["url"], location.as_str());
    let id = location
        .strip_prefix(&format!("{}/repositories/", gh.url()))
        .unwrap();
    assert!(id.parse::<u64>().is_ok(), "{location}");

    let followed = get(&gh, location.trim_start_matches(&gh.url()));
    assert_like(target.unwrap(), &followed);
    assert_shape(&target.unwrap()["response"], &followed.json(), "repository");
    assert_eq!(
        followed.json()["full_name"],
        format!("octokit-fixture-org/{new}")
    );

    // Sub-resources redirect too, keeping the rest of the path and the query.
    let answer = get(
        &gh,
        &format!("/repos/octokit-fixture-org/{old}/contents/a%20b?ref=main"),
    );
    assert_eq!(answer.status, 301);
    let location = answer.header("location").unwrap();
    let expected = format!("{}/repositories/{id}/contents/a%20b?ref=main", gh.url());
    assert_eq!(location, expected);
    let readme = location.replace("a%20b", "README.md");
    assert_eq!(
        get(&gh, readme.trim_start_matches(&gh.url())).json()["name"],
        "README.md"
    );
    let patch_path = format!("/repos/octokit-fixture-org/{old}");
    let patch = http(&gh, "PATCH", &patch_path, &[("Authorization", TOKEN)], "{}");
    assert_eq!(patch.status, 307);

    // GraphQL follows renames unless told not to.
    let query = r#"query($follow: Boolean!) {
        repository(owner: "octokit-fixture-org", name: "rename-repository",
                   followRenames: $follow) { nameWithOwner }
    }"#;
    let data = graphql(&gh, TOKEN, query, json!({"follow": true})).json();
    let name_with_owner = format!("octokit-fixture-org/{new}");
    let expected = json!({"data": {"repository": {"nameWithOwner": name_with_owner}}});
    assert_eq!(data, expected);
    let data = graphql(&gh, TOKEN, query, json!({"follow": false})).json();
    assert_eq!(data["errors"][0]["type"], "NOT_FOUND");
    assert!(
        gh.invalid_queries().is_empty(),
        "{:?}",
        gh.invalid_queries()
    );
}

#[test]
fn errors_are_shaped_like_githubs() {
    let recording = &recorded("errors.json")[0];
    let (gh, _repo) = serve("o/r");
    let missing = get(&gh, "/repos/o/nope");
    let unknown_commit = get(&gh, "/repos/o/r/commits/nope");
    let unknown_route = get(&gh, "/repos/o/r/pulls");
    for (answer, status) in [
        (&missing, 404),
        (&unknown_commit, 422),
        (&unknown_route, 404),
    ] {
        assert_eq!(answer.status, status);
        let content_type = recording["headers"]["content-type"].as_str();
        assert_eq!(answer.header("content-type"), content_type);
        let body = answer.json();
        // `errors` comes with validation failures only.
        let mut expected = recording["response"].clone();
        expected.as_object_mut().unwrap().remove("errors");
        assert_shape(&expected, &body, "error");
        assert_eq!(body["status"], status.to_string());
    }
    assert_eq!(missing.json()["message"], "Not Found");
    assert_eq!(gh.requests().last().unwrap().status, 404);

    // Malformed input is a 400, never a crash.
    assert_eq!(get(&gh, "/repos/o/r/contents/%zz").status, 400);
    assert_eq!(
        get(&gh, "/repos/o/r/contents/README.md?ref=%e2%28").status,
        400
    );
    let viewer = r#"{"query": "{ viewer { login } }", "variables": 1}"#;
    for body in ["", "{", "[]", r#"{"query": 1}"#, viewer] {
        let answer = http(&gh, "POST", "/graphql", &[("Authorization", TOKEN)], body);
        assert_eq!(answer.status, 400, "{body}");
    }
}

#[test]
fn graphql_needs_a_token_and_rejects_invalid_documents() {
    let (gh, _repo) = serve("o/r");
    let body = json!({"query": "{ viewer { login } }"}).to_string();
    let anonymous = http(&gh, "POST", "/graphql", &[], &body);
    assert_eq!(anonymous.status, 401);
    let message = "This endpoint requires you to be authenticated.";
    assert_eq!(anonymous.json()["message"], message);
    let docs = anonymous.json()["documentation_url"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(docs.ends_with("#authenticating-with-graphql"), "{docs}");

    let bad = "query {\n  repository(owner: \"o\", name: \"r\") { nope }\n}";
    let body = graphql(&gh, "Bearer x", bad, Value::Null).json();
    assert!(body.get("data").is_none(), "{body}");
    let errors = body["errors"].as_array().unwrap();
    let error = errors
        .iter()
        .find(|e| e["message"].as_str().unwrap().contains("`nope`"));
    assert_eq!(
        error.unwrap()["locations"][0],
        json!({"line": 2, "column": 39})
    );
    let syntax = "query { repository(owner: \"o\" ";
    assert!(query(&gh, syntax)["errors"][0]["message"].is_string());
    // A variable missing is a request error, recorded with its message.
    let missing = "query($n: String!) { repository(owner: \"o\", name: $n) { name } }";
    let body = graphql(&gh, "Bearer x", missing, json!({})).json();
    assert!(
        body["errors"][0]["message"].as_str().unwrap().contains("n"),
        "{body}"
    );
    assert_eq!(gh.invalid_queries()[..2], [bad, syntax]);
    assert!(gh.invalid_queries()[2].starts_with(missing));
    assert_eq!(gh.requests()[1].authorization.as_deref(), Some("Bearer x"));
}

const OBJECTS: &str = r#"
query($owner: String!, $name: String!, $path: String!, $short: String!) {
  rateLimit { cost limit remaining resetAt used nodeCount }
  repo: repository(owner: $owner, name: $name) {
    id name nameWithOwner isPrivate url
    defaultBranchRef { name prefix target { __typename oid } }
    main: object(expression: "main") { ...Obj ... on Commit { message tree { oid } } }
    tag: object(expression: "v1.0") { ...Obj ... on Tag { name message target { oid } } }
    file: object(expression: $path) { ...Obj ... on Blob { text byteSize isBinary isTruncated } }
    head: object(expression: "HEAD:README.md") { ... on Blob { text } }
    bin: object(expression: "main:data/bin.dat") { ... on Blob { text byteSize isBinary } }
    short: object(expression: $short) { oid }
    missing: object(expression: "main:nope.mlem") { oid }
    feature: ref(qualifiedName: "refs/heads/feature/x") { name prefix target { oid } }
    short_ref: ref(qualifiedName: "v1.0") { name prefix target { __typename } }
    no_ref: ref(qualifiedName: "nope") { name }
  }
}
fragment Obj on GitObject { __typename oid abbreviatedOid }"#;

#[test]
fn graphql_executes_over_the_git_repository() {
    let (gh, repo) = serve("o/r");
    let rev = |spec: &str| repo.git(&["rev-parse", spec]);
    let (main, tag, file) = (rev("main"), rev("v1.0"), rev("feature/x:models/rf.mlem"));
    let path = "feature/x:models/rf.mlem";
    let variables = json!({"owner": "o", "name": "r", "path": path, "short": &main[..8]});
    let answer = graphql(&gh, "token t", OBJECTS, variables);
    assert_eq!(answer.status, 200);
    assert_eq!(answer.header("x-ratelimit-resource"), Some("graphql"));
    let body = answer.json();
    assert!(body.get("errors").is_none(), "{body}");
    let limit = &body["data"]["rateLimit"];
    let numbers = [
        &limit["cost"],
        &limit["limit"],
        &limit["remaining"],
        &limit["used"],
    ];
    assert_eq!(numbers, [1, 5000, 4999, 1]);
    assert!(limit["resetAt"].as_str().unwrap().ends_with('Z'));
    let repo_json = &body["data"]["repo"];
    let expected = json!({
        "id": repo_json["id"], "name": "r", "nameWithOwner": "o/r", "isPrivate": false,
        "url": "https://github.com/o/r",
        "defaultBranchRef": {
            "name": "main", "prefix": "refs/heads/",
            "target": {"__typename": "Commit", "oid": main},
        },
        "main": {
            "__typename": "Commit", "oid": main, "abbreviatedOid": &main[..7],
            "message": "first\n", "tree": {"oid": rev("main^{tree}")},
        },
        "tag": {
            "__typename": "Tag", "oid": tag, "abbreviatedOid": &tag[..7], "name": "v1.0",
            "message": "release 1.0\n", "target": {"oid": main},
        },
        "file": {
            "__typename": "Blob", "oid": file, "abbreviatedOid": &file[..7],
            "text": "object_type: model\nrev: 2\n", "byteSize": 26, "isBinary": false,
            "isTruncated": false,
        },
        "head": {"text": "# hello-world"},
        "bin": {"text": null, "byteSize": 4, "isBinary": true},
        "short": {"oid": main},
        "missing": null,
        "feature": {
            "name": "feature/x", "prefix": "refs/heads/",
            "target": {"oid": rev("feature/x")},
        },
        "short_ref": {"name": "v1.0", "prefix": "refs/tags/", "target": {"__typename": "Tag"}},
        "no_ref": null,
    });
    assert_eq!(repo_json, &expected);
    assert!(
        gh.invalid_queries().is_empty(),
        "{:?}",
        gh.invalid_queries()
    );
}

#[test]
fn graphql_missing_repository_is_partial_data_with_not_found() {
    let (gh, _repo) = serve("o/r");
    let body = query(
        &gh,
        "{\n  a: repository(owner: \"x\", name: \"y\") { name }\n  \
         b: repository(owner: \"o\", name: \"r\") { name }\n}",
    );
    assert_eq!(body["data"], json!({"a": null, "b": {"name": "r"}}));
    let expected = json!([{
        "type": "NOT_FOUND", "path": ["a"], "locations": [{"line": 2, "column": 3}],
        "message": "Could not resolve to a Repository with the name 'x/y'.",
    }]);
    assert_eq!(body["errors"], expected);
    assert!(gh.invalid_queries().is_empty());
}

#[test]
fn unimplemented_fields_are_errors_and_recorded() {
    let (gh, _repo) = serve("o/r");
    let text = "{ repository(owner: \"o\", name: \"r\") { name stargazerCount } }";
    let body = query(&gh, text);
    assert_eq!(body["data"]["repository"], Value::Null);
    let message = body["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("Repository.stargazerCount"), "{body}");
    assert_eq!(gh.invalid_queries().len(), 1);
    assert!(gh.invalid_queries()[0].starts_with(text));
}

#[test]
fn private_repositories_exist_for_their_token_only() {
    let (gh, repo) = (GitHub::start(), fixture());
    gh.add_private_repo("o/secret", repo.path(), "s3cret");
    let as_ = |auth: &str| {
        http(
            &gh,
            "GET",
            "/repos/o/secret",
            &[("Authorization", auth)],
            "",
        )
    };
    let missing = get(&gh, "/repos/o/missing");
    for auth in ["", "token other", "Bearer other"] {
        let answer = as_(auth);
        assert_eq!(
            (answer.status, answer.json()),
            (404, missing.json()),
            "{auth}"
        );
    }
    assert_eq!(http(&gh, "GET", "/repos/o/secret", &[], "").status, 404);
    for auth in ["token s3cret", "Bearer s3cret"] {
        let answer = as_(auth);
        assert_eq!(answer.status, 200, "{auth}");
        let json = answer.json();
        assert_eq!(
            (&json["private"], &json["visibility"]),
            (&json!(true), &json!("private"))
        );
    }
    let other = [("Authorization", "token other")];
    let commit = http(&gh, "GET", "/repos/o/secret/commits/main", &other, "");
    assert_eq!(commit.status, 404);

    let text = "{ repository(owner: \"o\", name: \"secret\") { isPrivate } }";
    let hidden = graphql(&gh, "token other", text, Value::Null).json();
    assert_eq!(hidden["data"]["repository"], Value::Null);
    let message = "Could not resolve to a Repository with the name 'o/secret'.";
    assert_eq!(hidden["errors"][0]["message"], message);
    let seen = graphql(&gh, "bearer s3cret", text, Value::Null).json();
    assert_eq!(seen, json!({"data": {"repository": {"isPrivate": true}}}));
}

fn epoch() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[test]
fn faults_are_githubs_failures() {
    let (gh, _repo) = serve("o/r");
    let path = "/repos/o/r";
    let message = |answer: &Answer| answer.json()["message"].as_str().unwrap().to_owned();

    gh.inject(Fault::ServerError(502), 2);
    for _ in 0..2 {
        let answer = get(&gh, path);
        assert_eq!(
            (answer.status, message(&answer)),
            (502, "Server Error".into())
        );
    }
    assert_eq!(get(&gh, path).status, 200);

    gh.inject(
        Fault::SecondaryLimit {
            retry_after_secs: 7,
        },
        1,
    );
    let answer = get(&gh, path);
    assert_eq!(
        (answer.status, answer.header("retry-after")),
        (403, Some("7"))
    );
    assert!(message(&answer).starts_with("You have exceeded a secondary rate limit"));
    assert_ne!(answer.header("x-ratelimit-remaining"), Some("0"));

    gh.inject(Fault::PrimaryExhausted { reset_in_secs: 60 }, 2);
    for _ in 0..2 {
        let answer = get(&gh, path);
        assert_eq!(
            (answer.status, answer.header("x-ratelimit-remaining")),
            (403, Some("0"))
        );
        let reset: u64 = answer.header("x-ratelimit-reset").unwrap().parse().unwrap();
        assert!((epoch() + 55..=epoch() + 60).contains(&reset), "{reset}");
        assert!(message(&answer).starts_with("API rate limit exceeded for "));
    }
    let answer = get(&gh, path);
    assert_eq!(answer.status, 200);
    assert_ne!(answer.header("x-ratelimit-remaining"), Some("0"));

    gh.inject(Fault::Stall(Duration::from_millis(300)), 1);
    let start = Instant::now();
    assert_eq!(get(&gh, path).status, 200);
    assert!(start.elapsed() >= Duration::from_millis(300));

    // RATE_LIMITED is for GraphQL only: REST passes through without consuming it.
    gh.inject(Fault::GraphqlRateLimited, 1);
    assert_eq!(get(&gh, path).status, 200);
    let text = "{ repository(owner: \"o\", name: \"r\") { name } }";
    let message = "API rate limit exceeded for user ID 1.";
    let expected = json!({"errors": [{"type": "RATE_LIMITED", "message": message}]});
    assert_eq!(query(&gh, text), expected);
    assert_eq!(query(&gh, text)["data"]["repository"]["name"], "r");

    // Other faults hit GraphQL too.
    gh.inject(Fault::ServerError(500), 1);
    assert_eq!(graphql(&gh, "token t", text, Value::Null).status, 500);
    let statuses: Vec<u16> = gh.requests().iter().map(|r| r.status).collect();
    assert_eq!(
        statuses,
        [502, 502, 200, 403, 403, 403, 200, 200, 200, 200, 200, 500]
    );
}

#[test]
fn latency_applies_to_concurrent_requests_in_parallel() {
    let (gh, _repo) = serve("o/r");
    gh.set_latency(Duration::from_millis(300));
    let start = Instant::now();
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|_| s.spawn(|| get(&gh, "/repos/o/r").status))
            .collect();
        for handle in handles {
            assert_eq!(handle.join().unwrap(), 200);
        }
    });
    let elapsed = start.elapsed();
    let parallel = Duration::from_millis(300)..Duration::from_millis(1100);
    assert!(parallel.contains(&elapsed), "{elapsed:?}");
}

#[test]
fn rate_limit_headers_count_down_per_resource() {
    let (gh, _repo) = serve("o/r");
    gh.set_rate_limit(1000);
    let remaining = |a: &Answer| {
        a.header("x-ratelimit-remaining")
            .unwrap()
            .parse::<u64>()
            .unwrap()
    };
    let (first, second) = (get(&gh, "/repos/o/r"), get(&gh, "/repos/o/nope"));
    assert_eq!((remaining(&first), remaining(&second)), (999, 998));
    assert_eq!(second.header("x-ratelimit-used"), Some("2"));
    assert_eq!(first.header("x-ratelimit-limit"), Some("1000"));
    let reset: u64 = first.header("x-ratelimit-reset").unwrap().parse().unwrap();
    assert!(reset > epoch() && reset <= epoch() + 3600);
    let answer = graphql(&gh, "token t", "{ rateLimit { remaining } }", Value::Null);
    assert_eq!(remaining(&answer), 999);
    assert_eq!(answer.header("x-ratelimit-resource"), Some("graphql"));
    assert_eq!(answer.json()["data"]["rateLimit"]["remaining"], 999);
}

#[test]
fn requests_are_recorded_in_order() {
    let (gh, _repo) = serve("o/r");
    get(&gh, "/repos/o/r/contents/README.md?ref=main");
    let body = r#"{"query": "{ rateLimit { cost } }"}"#;
    http(
        &gh,
        "POST",
        "/graphql",
        &[("Authorization", "Bearer b")],
        body,
    );
    let requests = gh.requests();
    assert_eq!(requests.len(), 2);
    let (rest, graphql) = (&requests[0], &requests[1]);
    assert_eq!((rest.method.as_str(), rest.status), ("GET", 200));
    assert_eq!(rest.path, "/repos/o/r/contents/README.md?ref=main");
    assert_eq!(rest.authorization.as_deref(), Some(TOKEN));
    assert_eq!(
        rest.host.as_deref(),
        Some(gh.url().trim_start_matches("http://"))
    );
    assert_eq!(
        (graphql.method.as_str(), graphql.path.as_str()),
        ("POST", "/graphql")
    );
    assert_eq!((graphql.body.as_str(), graphql.status), (body, 200));
}

#[test]
fn disabled_graphql_is_not_found_and_dropping_stops_the_server() {
    let (gh, _repo) = serve("o/r");
    gh.disable_graphql();
    let answer = graphql(&gh, "token t", "{ rateLimit { cost } }", Value::Null);
    assert_eq!(
        (answer.status, &answer.json()["message"]),
        (404, &json!("Not Found"))
    );
    assert_eq!(get(&gh, "/repos/o/r").status, 200);
    let addr = gh.url().trim_start_matches("http://").to_owned();
    drop(gh);
    // tiny_http closes its listener from its own thread, a moment after the drop.
    let start = Instant::now();
    while TcpStream::connect(&addr).is_ok() {
        assert!(start.elapsed() < Duration::from_secs(2), "still listening");
        std::thread::sleep(Duration::from_millis(10));
    }
}
