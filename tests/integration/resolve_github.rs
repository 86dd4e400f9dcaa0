//! Links to other repositories, resolved by the real binary against the GitHub test server on
//! 127.0.0.1, which serves real git repositories: the example project's rebuilt history above all.

use crate::common;

use std::time::Duration;

use common::check_against as run;
use common::github::{Fault, GitHub};
use common::{Repo, bin, example_repo, registry, remote, rules};
use serde_json::{Value, json};

const EXAMPLE: &str = "https://github.com/iterative/example-mlem-get-started";
const TOKEN: &str = "ghp_test_token_0123456789";

/// The example repository served as `iterative/example-mlem-get-started`, and the server.
fn serve_example() -> (GitHub, Repo) {
    let server = GitHub::start();
    let example = example_repo();
    server.add_repo("iterative/example-mlem-get-started", example.path());
    (server, example)
}

fn ids(json: &Value) -> Vec<(String, String)> {
    rules(json)
        .into_iter()
        .map(|(rule, file, _)| (rule, file))
        .collect()
}

fn has(json: &Value, rule: &str, file: &str) -> bool {
    ids(json).contains(&(rule.to_owned(), file.to_owned()))
}

/// Links that are good, at a missing rev, at a rev without the path, at the wrong type, and to a
/// missing repository: as GraphQL (token) and as REST (no token) resolve them.
fn the_example_links() -> Vec<(&'static str, String)> {
    vec![
        (
            "good-tag.mlem",
            remote("model", EXAMPLE, Some("2-train"), "models/rf"),
        ),
        (
            "good-main.mlem",
            remote("model", EXAMPLE, Some("main"), "models/rf.mlem"),
        ),
        (
            "missing-rev.mlem",
            remote("model", EXAMPLE, Some("no-such-rev"), "models/rf"),
        ),
        (
            "missing-path.mlem",
            remote("model", EXAMPLE, Some("1-mlem-init"), "models/rf"),
        ),
        (
            "wrong-type.mlem",
            remote("data", EXAMPLE, Some("2-train"), "models/rf"),
        ),
        (
            "not-mlem.mlem",
            remote("model", EXAMPLE, Some("main"), ".mlem.yaml"),
        ),
        (
            "gone.mlem",
            remote(
                "model",
                "https://github.com/iterative/gone",
                Some("main"),
                "models/rf",
            ),
        ),
    ]
}

fn assert_example_findings(json: &Value) {
    let expected = [
        ("link/unpinned-rev", "good-main.mlem"),
        ("link/rev-not-found", "missing-rev.mlem"),
        ("link/path-not-found", "missing-path.mlem"),
        ("link/type-mismatch", "wrong-type.mlem"),
        ("link/repo-not-found", "gone.mlem"),
    ];
    for (rule, file) in expected {
        assert!(
            has(json, rule, file),
            "{rule} on {file}: {:#}",
            json["findings"]
        );
    }
    let found = ids(json);
    assert!(
        !found.iter().any(|(_, f)| f == "good-tag.mlem"),
        "{found:?}"
    );
    assert!(
        !found.iter().any(|(r, _)| r == "link/unverified"),
        "{found:?}"
    );
}

#[test]
fn graphql_resolves_the_example_history() {
    let (server, _example) = serve_example();
    let registry = registry(&the_example_links());
    let (code, json, _) = run(&server, &registry, Some(TOKEN), &[]);
    assert_eq!(code, 1, "{json:#}");
    assert_example_findings(&json);
    // `.mlem.yaml` at main is not a MLEM object: `.mlem.yaml.mlem` is tried first, then the name
    // as written is not a `.mlem` file, so the path is simply not found.
    assert!(
        has(&json, "link/path-not-found", "not-mlem.mlem"),
        "{json:#}"
    );
    let requests = server.requests();
    assert!(
        requests.iter().all(|r| r.path == "/graphql"),
        "{requests:?}"
    );
    assert!(
        requests.len() <= 2,
        "one batch expected: {}",
        requests.len()
    );
    assert_eq!(json["summary"]["requests"], requests.len());
}

#[test]
fn rest_without_a_token_finds_the_same() {
    let (server, _example) = serve_example();
    let registry = registry(&the_example_links());
    let (code, json, _) = run(&server, &registry, None, &[]);
    assert_eq!(code, 1, "{json:#}");
    assert_example_findings(&json);
    let requests = server.requests();
    assert!(
        requests.iter().all(|r| r.path.starts_with("/repos/")),
        "{requests:?}"
    );
    assert!(requests.iter().all(|r| r.authorization.is_none()));
    let gone = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "link/repo-not-found")
        .unwrap();
    assert!(
        gone["help"].as_str().unwrap().contains("GITHUB_TOKEN"),
        "{gone}"
    );
}

#[test]
fn graphql_unavailable_falls_back_to_rest() {
    let (server, _example) = serve_example();
    server.disable_graphql();
    let registry = registry(&the_example_links());
    let (code, json, _) = run(&server, &registry, Some(TOKEN), &[]);
    assert_eq!(code, 1);
    assert_example_findings(&json);
}

#[test]
fn annotated_tags_short_commits_and_tree_urls() {
    let (server, example) = serve_example();
    let sha = example.git(&["rev-parse", "2-train^{commit}"]);
    let short = &sha[..8];
    example.git(&["branch", "feature/x", "2-train"]);
    let registry = registry(&[
        (
            "full-sha.mlem",
            remote("model", EXAMPLE, Some(&sha), "models/rf"),
        ),
        (
            "short-sha.mlem",
            remote("model", EXAMPLE, Some(short), "models/rf"),
        ),
        (
            "tree.mlem",
            remote(
                "model",
                &format!("{EXAMPLE}/tree/feature/x/models"),
                None,
                "rf",
            ),
        ),
        (
            "fsspec.mlem",
            remote(
                "model",
                "github://iterative:example-mlem-get-started@2-train",
                None,
                "models/rf",
            ),
        ),
    ]);
    for token in [Some(TOKEN), None] {
        let (code, json, _) = run(&server, &registry, token, &[]);
        let found = ids(&json);
        assert_eq!(
            found,
            [("link/unpinned-rev".to_owned(), "tree.mlem".to_owned())],
            "{token:?}: {json:#}"
        );
        assert_eq!(code, 0);
    }
}

#[test]
fn a_renamed_repository_is_a_warning_naming_the_new_name() {
    let (server, _example) = serve_example();
    server.rename(
        "iterative/example-mlem-get-started",
        "iterative/mlem-example",
    );
    let registry = registry(&[(
        "old.mlem",
        remote("model", EXAMPLE, Some("2-train"), "models/rf"),
    )]);
    for token in [Some(TOKEN), None] {
        let (code, json, _) = run(&server, &registry, token, &[]);
        assert_eq!(
            ids(&json),
            [("link/repo-renamed".to_owned(), "old.mlem".to_owned())],
            "{json:#}"
        );
        assert!(
            json["findings"][0]["message"]
                .as_str()
                .unwrap()
                .contains("iterative/mlem-example")
        );
        assert_eq!(code, 0);
    }
}

#[test]
fn an_archived_repository_is_a_warning_naming_it_through_graphql_and_rest() {
    let (server, example) = serve_example();
    server.add_repo("iterative/archived-models", example.path());
    server.archive("iterative/archived-models");
    let registry = registry(&[
        (
            "archived.mlem",
            remote(
                "model",
                "https://github.com/iterative/archived-models",
                Some("2-train"),
                "models/rf",
            ),
        ),
        (
            "maintained.mlem",
            remote("model", EXAMPLE, Some("2-train"), "models/rf"),
        ),
    ]);
    for token in [Some(TOKEN), None] {
        let asked_before = server.requests().len();
        let (code, json, _) = run(&server, &registry, token, &[]);
        assert_eq!(
            ids(&json),
            [("link/repo-archived".to_owned(), "archived.mlem".to_owned())],
            "{token:?}: {json:#}"
        );
        let finding = &json["findings"][0];
        assert_eq!(finding["severity"], "warning", "{finding}");
        // On the `repo:` value, as `link/repo-renamed` is.
        assert_eq!(
            (&finding["line"], &finding["column"]),
            (&json!(4), &json!(7))
        );
        assert!(
            finding["message"]
                .as_str()
                .unwrap()
                .contains("iterative/archived-models"),
            "{finding}"
        );
        let requests = server.requests();
        let graphql = requests[asked_before..]
            .iter()
            .all(|r| r.path == "/graphql");
        assert_eq!(graphql, token.is_some(), "{requests:?}");
        assert_eq!(code, 0);
    }
}

#[test]
fn private_repositories_need_the_token_and_get_a_hint_without_it() {
    let server = GitHub::start();
    let example = example_repo();
    server.add_private_repo("team/private-models", example.path(), TOKEN);
    let link = remote(
        "model",
        "https://github.com/team/private-models",
        Some("2-train"),
        "models/rf",
    );
    let registry = registry(&[("private.mlem", link)]);
    let (code, json, _) = run(&server, &registry, Some(TOKEN), &[]);
    assert_eq!((code, ids(&json)), (0, vec![]), "{json:#}");
    let (code, json, _) = run(&server, &registry, None, &[]);
    assert_eq!(code, 1);
    assert!(has(&json, "link/repo-not-found", "private.mlem"));
}

#[test]
fn the_token_goes_to_the_api_and_nowhere_else() {
    let (server, example) = serve_example();
    // Another host: a second server that is not the configured API.
    let stranger = GitHub::start();
    stranger.add_repo("other/models", example.path());
    let elsewhere = format!("{}/other/models.git", stranger.url());
    let registry = registry(&[
        (
            "github.mlem",
            remote("model", EXAMPLE, Some("2-train"), "models/rf"),
        ),
        (
            "elsewhere.mlem",
            remote("model", &elsewhere, Some("2-train"), "models/rf"),
        ),
        // Allowed, so that it is asked: the token still must not go there.
        (
            ".mlem-registry.toml",
            "allowed_hosts = [\"github.com\", \"127.0.0.1\"]\n".into(),
        ),
    ]);
    let (_, json, stderr) = run(&server, &registry, Some(TOKEN), &[]);
    assert!(server.requests().iter().all(|r| {
        r.authorization
            .as_deref()
            .is_some_and(|a| a.ends_with(TOKEN))
    }));
    assert!(
        stranger
            .requests()
            .iter()
            .all(|r| r.authorization.is_none()),
        "{:?}",
        stranger.requests()
    );
    let everything = format!("{json}{stderr}");
    assert!(!everything.contains(TOKEN), "the token was printed");
    // The stranger is no git server: asked over git's HTTP protocol, it answers 404.
    assert!(!stranger.requests().is_empty());
    assert!(
        has(&json, "link/repo-not-found", "elsewhere.mlem"),
        "{json:#}"
    );
}

#[test]
fn server_errors_are_retried_and_never_make_a_link_broken() {
    let (server, _example) = serve_example();
    let registry = registry(&the_example_links());
    server.inject(Fault::ServerError(502), 2);
    let (code, json, _) = run(&server, &registry, Some(TOKEN), &[]);
    assert_eq!(code, 1);
    assert_example_findings(&json);

    server.inject(Fault::ServerError(503), 1000);
    for token in [Some(TOKEN), None] {
        let (code, json, _) = run(&server, &registry, token, &["--retries", "2"]);
        assert_eq!(code, 3, "{json:#}");
        let found = ids(&json);
        assert!(
            found.iter().all(|(r, _)| r == "link/unverified"),
            "{found:?}"
        );
        assert_eq!(json["summary"]["unverified"], the_example_links().len());
    }
}

#[test]
fn secondary_limits_are_waited_out() {
    let (server, _example) = serve_example();
    let registry = registry(&the_example_links());
    server.inject(
        Fault::SecondaryLimit {
            retry_after_secs: 1,
        },
        1,
    );
    let (code, json, _) = run(&server, &registry, Some(TOKEN), &[]);
    assert_eq!(code, 1);
    assert_example_findings(&json);
    let statuses: Vec<u16> = server.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses[0], 403);
}

#[test]
fn an_exhausted_rate_limit_is_waited_for_when_short_and_stops_asking_when_long() {
    let (server, _example) = serve_example();
    let registry = registry(&the_example_links());
    server.inject(Fault::PrimaryExhausted { reset_in_secs: 1 }, 1);
    let (code, json, _) = run(&server, &registry, Some(TOKEN), &[]);
    assert_eq!(code, 1);
    assert_example_findings(&json);

    let (server, _example) = serve_example();
    server.inject(
        Fault::PrimaryExhausted {
            reset_in_secs: 3600,
        },
        1000,
    );
    let (code, json, _) = run(&server, &registry, None, &[]);
    assert_eq!(code, 3, "{json:#}");
    assert!(ids(&json).iter().all(|(r, _)| r == "link/unverified"));
    // Once the limit is known to be spent, nothing more is asked.
    assert!(server.requests().len() <= 8, "{}", server.requests().len());
    let message = json["findings"][0]["message"].as_str().unwrap();
    assert!(message.contains("rate limit"), "{message}");
}

#[test]
fn graphql_rate_limited_errors_are_not_broken_links() {
    let (server, _example) = serve_example();
    let registry = registry(&the_example_links());
    server.inject(Fault::GraphqlRateLimited, 1000);
    let (code, json, _) = run(
        &server,
        &registry,
        Some(TOKEN),
        &["--max-rate-limit-wait", "0"],
    );
    assert_eq!(code, 3, "{json:#}");
    assert!(ids(&json).iter().all(|(r, _)| r == "link/unverified"));
}

#[test]
fn a_stalled_api_times_out_into_unverified() {
    let (server, _example) = serve_example();
    let registry = registry(&[(
        "tag.mlem",
        remote("model", EXAMPLE, Some("2-train"), "models/rf"),
    )]);
    server.inject(Fault::Stall(Duration::from_secs(3)), 1000);
    let (code, json, _) = run(
        &server,
        &registry,
        Some(TOKEN),
        &["--request-timeout", "1", "--retries", "1"],
    );
    assert_eq!(code, 3, "{json:#}");
    assert_eq!(
        ids(&json),
        [("link/unverified".to_owned(), "tag.mlem".to_owned())]
    );
}

#[test]
fn the_cache_makes_pinned_links_free_and_moving_ones_asked_again() {
    let (server, example) = serve_example();
    let sha = example.git(&["rev-parse", "2-train^{commit}"]);
    let registry = registry(&[
        (
            "pinned.mlem",
            remote("model", EXAMPLE, Some(&sha), "models/rf"),
        ),
        (
            "pinned-mistyped.mlem",
            remote("data", EXAMPLE, Some(&sha), "models/rf"),
        ),
    ]);
    let cache = tempfile::tempdir().unwrap();
    let cache_arg = cache.path().to_str().unwrap();
    let (code, first, _) = run(&server, &registry, Some(TOKEN), &["--cache", cache_arg]);
    assert!(!server.requests().is_empty());
    let asked = server.requests().len();
    let (second_code, second, _) = run(&server, &registry, Some(TOKEN), &["--cache", cache_arg]);
    assert_eq!(
        server.requests().len(),
        asked,
        "the second run asked GitHub"
    );
    assert_eq!((code, ids(&first)), (second_code, ids(&second)));
    assert_eq!(second["summary"]["requests"], 0);

    registry.write(
        "moving.mlem",
        remote("model", EXAMPLE, Some("main"), "models/rf"),
    );
    let (_, third, _) = run(&server, &registry, Some(TOKEN), &["--cache", cache_arg]);
    assert!(server.requests().len() > asked);
    assert!(has(&third, "link/unpinned-rev", "moving.mlem"));
}

#[test]
fn offline_asks_nothing() {
    let (server, _example) = serve_example();
    let registry = registry(&the_example_links());
    let (code, json, _) = run(&server, &registry, Some(TOKEN), &["--offline"]);
    assert_eq!(code, 0);
    assert!(server.requests().is_empty());
    assert!(ids(&json).iter().all(|(r, _)| r == "link/unverified"));
}

#[test]
fn local_repositories_are_resolved_in_full() {
    let example = example_repo();
    let url = format!("file://{}", example.path().display());
    let registry = registry(&[
        (
            "good.mlem",
            remote("model", &url, Some("2-train"), "models/rf"),
        ),
        (
            "missing-path.mlem",
            remote("model", &url, Some("1-mlem-init"), "models/rf"),
        ),
        (
            "missing-rev.mlem",
            remote("model", &url, Some("nope"), "models/rf"),
        ),
        (
            "wrong-type.mlem",
            remote("data", &url, Some("2-train"), "models/rf"),
        ),
        (".mlem-registry.toml", "allowed_hosts = [\"file\"]\n".into()),
    ]);
    let server = GitHub::start();
    let (code, json, _) = run(&server, &registry, None, &[]);
    assert_eq!(code, 1);
    let mut found = ids(&json);
    found.sort();
    assert_eq!(
        found,
        [
            (
                "link/path-not-found".to_owned(),
                "missing-path.mlem".to_owned()
            ),
            (
                "link/rev-not-found".to_owned(),
                "missing-rev.mlem".to_owned()
            ),
            (
                "link/type-mismatch".to_owned(),
                "wrong-type.mlem".to_owned()
            ),
        ]
    );
    assert!(server.requests().is_empty());
}

#[test]
fn chains_are_followed_across_repositories() {
    let (server, _example) = serve_example();
    let hop = Repo::new();
    hop.write(
        "models/alias.mlem",
        remote("model", EXAMPLE, Some("2-train"), "models/rf"),
    );
    hop.write(
        "models/to-data.mlem",
        remote("model", EXAMPLE, Some("2-train"), "models/nothing"),
    );
    hop.commit("hop");
    hop.git(&["tag", "v1"]);
    server.add_repo("team/aliases", hop.path());
    let registry = registry(&[
        (
            "via-alias.mlem",
            remote(
                "model",
                "https://github.com/team/aliases",
                Some("v1"),
                "models/alias",
            ),
        ),
        (
            "via-broken.mlem",
            remote(
                "model",
                "https://github.com/team/aliases",
                Some("v1"),
                "models/to-data",
            ),
        ),
    ]);
    let (code, json, _) = run(&server, &registry, Some(TOKEN), &[]);
    assert_eq!(code, 1);
    assert_eq!(
        ids(&json),
        [("link/chain-broken".to_owned(), "via-broken.mlem".to_owned())],
        "{json:#}"
    );
}

#[test]
fn human_output_for_remote_findings_snapshot() {
    let (server, _example) = serve_example();
    let registry = registry(&the_example_links());
    let text = common::human_against(&server, &registry, TOKEN);
    insta::assert_snapshot!(common::redact_shas(&text));
}

#[test]
fn the_token_is_never_sent_to_a_graphql_url_off_the_api_host_or_in_clear_text() {
    let registry = registry(&[(
        "tag.mlem",
        remote("model", EXAMPLE, Some("2-train"), "models/rf"),
    )]);
    for env in [
        [
            ("GITHUB_API_URL", "https://api.github.com"),
            ("GITHUB_GRAPHQL_URL", "https://evil.example/graphql"),
        ],
        [
            ("GITHUB_API_URL", "http://ghe.example.com/api/v3"),
            ("GITHUB_GRAPHQL_URL", "http://ghe.example.com/api/graphql"),
        ],
    ] {
        let output = bin()
            .arg("check")
            .arg(registry.path())
            .envs(env)
            .env("GITHUB_TOKEN", TOKEN)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains("token"), "{stderr}");
        assert!(!stderr.contains(TOKEN));
    }
}
