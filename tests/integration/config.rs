//! The registry's config file, `.mlem-registry.toml`: errors that name the key, file and line;
//! production folders, ignored files and severities; allow-lists whose refused links are never
//! contacted, as the GitHub test server's request log proves.

use crate::common;

use common::github::GitHub;
use common::{MODEL, Repo, bin, check_json, example_repo, link, rules};
use serde_json::Value;

/// A link to `path` on branch `rev` of the local repository `target`.
fn file_link(target: &Repo, path: &str, rev: &str) -> String {
    format!(
        "link_type: model\nobject_type: link\npath: {path}\nrepo: file://{}\nrev: {rev}\n",
        target.path().display()
    )
}

/// A repository with a model at `models/rf.mlem` on `main`.
fn model_repo() -> Repo {
    let repo = Repo::new();
    repo.write("models/rf.mlem", MODEL);
    repo.commit("model");
    repo.git(&["branch", "dev"]);
    repo
}

/// `check --format json` of `registry` against `server`, with `env` (the token among it).
fn check_online(server: &GitHub, registry: &Repo, args: &[&str], env: &[(&str, &str)]) -> Value {
    let mut command = bin();
    command
        .arg("check")
        .arg(registry.path())
        .args(["--format", "json"])
        .args(args)
        .env("GITHUB_API_URL", server.url());
    for (name, value) in env {
        command.env(name, value);
    }
    let output = command.output().unwrap();
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}",
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

fn found(json: &Value) -> Vec<(String, String, String)> {
    json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let text = |k: &str| f[k].as_str().unwrap().to_owned();
            (text("rule"), text("file"), text("severity"))
        })
        .collect()
}

#[test]
fn an_unknown_key_exits_2_naming_the_key_file_and_line() {
    let registry = Repo::new();
    registry.write("a.mlem", MODEL);
    registry.write(
        ".mlem-registry.toml",
        "production = [\"prod/**\"]\nallowed_host = [\"github.com\"]\n",
    );
    let output = bin()
        .args(["check", "--offline"])
        .arg(registry.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(".mlem-registry.toml:2:1: unknown key `allowed_host`"),
        "{stderr}"
    );
    assert!(stderr.contains("allowed_hosts"), "{stderr}");
}

#[test]
fn a_bad_value_exits_2_naming_the_key() {
    let registry = Repo::new();
    registry.write("a.mlem", MODEL);
    let config = registry.path().join("elsewhere.toml");
    std::fs::write(&config, "[severity]\n\"link/cycle\" = \"loud\"\n").unwrap();
    let output = bin()
        .args(["check", "--offline", "--config"])
        .arg(&config)
        .arg(registry.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("elsewhere.toml:2:"), "{stderr}");
    assert!(stderr.contains("loud"), "{stderr}");
    let missing = bin()
        .args(["check", "--offline", "--config", "/no/such/config.toml"])
        .arg(registry.path())
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("/no/such/config.toml"));
}

#[test]
fn production_ignore_and_severity_shape_the_findings() {
    let target = model_repo();
    let registry = Repo::new();
    registry.write("prod/rf.mlem", file_link(&target, "models/rf", "main"));
    registry.write("dev/rf.mlem", file_link(&target, "models/rf", "dev"));
    registry.write("scratch/broken.mlem", link("model", "nowhere"));
    registry.write(
        "dev/typo.mlem",
        format!("{}colour: red\n", link("model", "dev/rf")),
    );
    registry.write(
        ".mlem-registry.toml",
        "allowed_hosts = [\"file\"]\nproduction = [\"prod/**\"]\nignore = [\"scratch/**\"]\n\n[severity]\n\"link/unpinned-rev\" = \"note\"\n\"schema/unknown-field\" = \"off\"\n",
    );
    registry.commit("registry");
    let (code, json) = check_json(registry.path(), &[]);
    assert_eq!(
        found(&json),
        [
            (
                "link/unpinned-rev".into(),
                "dev/rf.mlem".into(),
                "note".into()
            ),
            (
                "link/unpinned-rev".into(),
                "prod/rf.mlem".into(),
                "error".into()
            ),
        ],
        "{json:#}"
    );
    assert_eq!(code, 1);
    assert_eq!(
        json["summary"]["files"], 3,
        "the ignored file is not checked"
    );
    // The same registry without its config: defaults.
    let (code, json) = check_json(registry.path(), &["--config", "/dev/null"]);
    assert_eq!(code, 1, "the broken link in scratch/ is an error");
    let rules = rules(&json);
    assert!(
        rules
            .iter()
            .any(|(r, f, _)| r == "link/path-not-found" && f == "scratch/broken.mlem")
    );
    assert!(rules.iter().any(|(r, _, _)| r == "schema/unknown-field"));
}

#[test]
fn refused_links_are_never_contacted() {
    let server = GitHub::start();
    let example = example_repo();
    server.add_repo("iterative/example-mlem-get-started", example.path());
    server.add_repo("elsewhere/models", example.path());
    let registry = Repo::new();
    let github = |owner_repo: &str| {
        format!(
            "link_type: model\nobject_type: link\npath: models/rf\nrepo: https://github.com/{owner_repo}\nrev: 2-train\n"
        )
    };
    registry.write("ok.mlem", github("iterative/example-mlem-get-started"));
    registry.write("owner.mlem", github("elsewhere/models"));
    // The test server's own host: a git remote that, if asked, would show in its request log.
    let host = format!(
        "link_type: model\nobject_type: link\npath: models/rf\nrepo: {}/other/repo.git\nrev: main\n",
        server.url()
    );
    registry.write("host.mlem", host);
    registry.write(
        ".mlem-registry.toml",
        "allowed_hosts = [\"github.com\"]\nallowed_owners = [\"github.com/iterative\"]\n",
    );
    registry.commit("registry");
    let run = |args: &[&str]| {
        check_online(
            &server,
            &registry,
            args,
            &[("GITHUB_TOKEN", "ghp_allow_list_token")],
        )
    };
    // With a config that allows them, both links are asked about: the log can show a contact.
    let open = tempfile::tempdir().unwrap();
    let open = open.path().join("open.toml");
    std::fs::write(&open, "allowed_hosts = [\"github.com\", \"127.0.0.1\"]\n").unwrap();
    run(&["--config", open.to_str().unwrap()]);
    let contacted = server.requests();
    assert!(
        contacted.iter().any(|r| r.path.contains("other/repo")),
        "{contacted:?}"
    );
    assert!(
        contacted.iter().any(|r| r.body.contains("elsewhere")),
        "{contacted:?}"
    );
    let before = contacted.len();
    let json = run(&[]);
    assert_eq!(
        found(&json),
        [
            (
                "link/host-not-allowed".into(),
                "host.mlem".into(),
                "error".into()
            ),
            (
                "link/host-not-allowed".into(),
                "owner.mlem".into(),
                "error".into()
            ),
        ],
        "{json:#}"
    );
    let messages: Vec<&str> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert!(messages[0].contains("host `127.0.0.1`"), "{messages:?}");
    assert!(messages[1].contains("owner `elsewhere`"), "{messages:?}");
    let requests = server.requests().split_off(before);
    assert!(!requests.is_empty(), "the allowed link was looked up");
    for request in &requests {
        assert!(
            !request.path.contains("elsewhere") && !request.path.contains("other/repo"),
            "a refused link was contacted: {request:?}"
        );
        assert!(
            !request.body.contains("elsewhere"),
            "asked about a refused link: {}",
            request.body
        );
    }
}

#[test]
fn enterprise_hosts_go_through_their_own_api_with_their_own_token() {
    let example = example_repo();
    let public = GitHub::start();
    public.add_repo("iterative/example-mlem-get-started", example.path());
    let enterprise = GitHub::start();
    enterprise.add_repo("ml-team/models", example.path());
    let registry = Repo::new();
    let link_to = |repo: &str, rev: &str| {
        format!("link_type: model\nobject_type: link\npath: models/rf\nrepo: {repo}\nrev: {rev}\n")
    };
    registry.write(
        "public.mlem",
        link_to(
            "https://github.com/iterative/example-mlem-get-started",
            "2-train",
        ),
    );
    registry.write(
        "ghe.mlem",
        link_to("https://GHE.example.com/ml-team/models", "2-train"),
    );
    registry.write(
        "ghe-missing.mlem",
        link_to("https://ghe.example.com/ml-team/models", "nope"),
    );
    registry.write(
        ".mlem-registry.toml",
        format!(
            "[hosts.\"ghe.example.com\"]\napi_url = \"{}\"\ntoken_env = \"MLEM_REGISTRY_TOKEN_GHE\"\n",
            enterprise.url()
        ),
    );
    registry.commit("registry");
    let tokens = [
        ("GITHUB_TOKEN", "ghp_public_token"),
        ("MLEM_REGISTRY_TOKEN_GHE", "ghp_enterprise_token"),
    ];
    let json = check_online(&public, &registry, &[], &tokens);
    assert_eq!(
        found(&json),
        [(
            "link/rev-not-found".into(),
            "ghe-missing.mlem".into(),
            "error".into()
        )],
        "{json:#}"
    );
    let asked = |server: &GitHub| server.requests();
    assert!(!asked(&enterprise).is_empty() && !asked(&public).is_empty());
    for request in asked(&enterprise) {
        let auth = request.authorization.unwrap_or_default();
        assert!(auth.contains("ghp_enterprise_token"), "{auth}");
        assert!(!request.body.contains("iterative"), "{}", request.body);
    }
    for request in asked(&public) {
        let auth = request.authorization.unwrap_or_default();
        assert!(auth.contains("ghp_public_token"), "{auth}");
        assert!(!request.body.contains("ml-team"), "{}", request.body);
    }
    assert!(enterprise.invalid_queries().is_empty() && public.invalid_queries().is_empty());
}

#[test]
fn a_chain_stops_where_it_would_leave_the_allow_list() {
    let server = GitHub::start();
    let example = example_repo();
    server.add_repo("elsewhere/models", example.path());
    let hub = Repo::new();
    hub.write(
        "rf.mlem",
        "link_type: model\nobject_type: link\npath: models/rf\nrepo: https://github.com/elsewhere/models\nrev: 2-train\n",
    );
    let hub_commit = hub.commit("a link onwards");
    server.add_repo("iterative/hub", hub.path());
    let registry = Repo::new();
    registry.write(
        "rf.mlem",
        format!(
            "link_type: model\nobject_type: link\npath: rf\nrepo: https://github.com/iterative/hub\nrev: {hub_commit}\n"
        ),
    );
    registry.write(".mlem-registry.toml", "allowed_owners = [\"iterative\"]\n");
    registry.commit("registry");
    let json = check_online(
        &server,
        &registry,
        &[],
        &[("GITHUB_TOKEN", "ghp_chain_token")],
    );
    assert_eq!(
        found(&json),
        [("link/chain-broken".into(), "rf.mlem".into(), "error".into())],
        "{json:#}"
    );
    let message = json["findings"][0]["message"].as_str().unwrap();
    assert!(message.contains("not allowed"), "{message}");
    let requests = server.requests();
    assert!(
        requests.iter().any(|r| r.body.contains("hub")),
        "the hub was asked"
    );
    for request in requests {
        assert!(
            !request.path.contains("elsewhere") && !request.body.contains("elsewhere"),
            "{request:?}"
        );
    }
}

#[test]
fn a_registry_in_a_subfolder_keeps_its_own_config() {
    let repo = Repo::new();
    repo.write("registry/.mlem.yaml", "");
    repo.write("registry/scratch/broken.mlem", link("model", "nowhere"));
    repo.write("registry/ok.mlem", MODEL);
    repo.write(
        "registry/.mlem-registry.toml",
        "ignore = [\"scratch/**\"]\n",
    );
    repo.commit("registry in a folder");
    let (code, json) = check_json(&repo.path().join("registry"), &[]);
    assert_eq!(code, 0, "{json:#}");
    assert_eq!(json["summary"]["files"], 1);
}

#[test]
fn a_github_host_without_an_api_is_never_asked_through_another() {
    let server = GitHub::start();
    let example = example_repo();
    server.add_repo("iterative/example-mlem-get-started", example.path());
    let registry = Repo::new();
    // fsspec's github:// always means github.com, which this run has no API for.
    registry.write(
        "fsspec.mlem",
        "link_type: model\nobject_type: link\npath: models/rf\nrepo: github://iterative:example-mlem-get-started@2-train\n",
    );
    registry.commit("registry");
    let json = check_online(
        &server,
        &registry,
        &["--github-server-url", "https://ghe.example.com"],
        &[("GITHUB_TOKEN", "ghp_enterprise_only")],
    );
    // With no allow-list, the GitHub host is ghe.example.com's alone: github.com is refused.
    assert_eq!(
        found(&json),
        [(
            "link/host-not-allowed".into(),
            "fsspec.mlem".into(),
            "error".into()
        )],
        "{json:#}"
    );
    assert!(server.requests().is_empty(), "{:?}", server.requests());
}

#[test]
fn a_change_is_judged_by_its_bases_policy_and_its_own_is_reported() {
    let target = model_repo();
    let registry = Repo::new();
    registry.write("models/rf.mlem", MODEL);
    registry.write(".mlem-registry.toml", "allowed_hosts = [\"github.com\"]\n");
    let base = registry.commit("base: links to github.com only");
    // The change drops the allow-list and links to a repository of this machine.
    registry.write(
        ".mlem-registry.toml",
        "production = []\n[severity]\n\"link/host-not-allowed\" = \"off\"\n",
    );
    registry.write("local.mlem", file_link(&target, "models/rf", "main"));
    let expect = |json: &Value, what: &str| {
        let got = rules(json);
        assert_eq!(
            got,
            [
                ("config/changed".into(), ".mlem-registry.toml".into(), 1),
                ("link/host-not-allowed".into(), "local.mlem".into(), 4),
            ],
            "{what}: {json:#}"
        );
        let message = json["findings"][0]["message"].as_str().unwrap();
        assert!(
            message
                .contains("edits `allowed_hosts`, `production`, `severity` in .mlem-registry.toml"),
            "{message}"
        );
    };
    let (code, json) = check_json(registry.path(), &["--offline", "--changed-since", &base]);
    assert_eq!(code, 1);
    expect(&json, "--changed-since");
    // The pre-commit hook judges the staged change by HEAD's policy.
    registry.git(&["add", "-A"]);
    let output = bin()
        .current_dir(registry.path())
        .args(["hook", "pre-commit", "--offline", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    expect(
        &serde_json::from_slice(&output.stdout).unwrap(),
        "pre-commit",
    );
    // Once merged, the new policy is the base's: the same link passes the allow-list.
    registry.commit("merged");
    registry.write("later.mlem", link("model", "models/rf"));
    let (_, json) = check_json(registry.path(), &["--offline", "--changed-since", "HEAD"]);
    assert_eq!(json["summary"]["files"], 1, "{json:#}");
    let (_, json) = check_json(registry.path(), &["--offline"]);
    assert!(
        rules(&json)
            .iter()
            .all(|(rule, _, _)| rule != "link/host-not-allowed"),
        "{json:#}"
    );
    // A pre-push of the change is judged by the commit the remote has.
    let remote = tempfile::tempdir().unwrap();
    registry.git(&["init", "--bare", "-q", remote.path().to_str().unwrap()]);
    registry.git(&["remote", "add", "origin", remote.path().to_str().unwrap()]);
    registry.git(&["push", "-q", "origin", &format!("{base}:refs/heads/main")]);
    let head = registry.git(&["rev-parse", "HEAD"]);
    let output = common::pre_push(
        registry.path(),
        &["--offline", "--format", "json"],
        "refs/heads/main",
        &head,
        &base,
    );
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("link/host-not-allowed") && stdout.contains("config/changed"),
        "{stdout}"
    );
    // A new branch is judged by the policy where it forks from the remote's default branch.
    registry.git(&["fetch", "-q", "origin"]);
    registry.git(&["remote", "set-head", "origin", "main"]);
    let zero = "0".repeat(40);
    let output = common::pre_push(
        registry.path(),
        &["--offline", "--format", "json"],
        "refs/heads/feature",
        &head,
        &zero,
    );
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("link/host-not-allowed") && stdout.contains("config/changed"),
        "{stdout}"
    );
}

#[test]
fn a_change_cannot_show_another_files_text_through_a_symbolic_link() {
    let secrets = tempfile::tempdir().unwrap();
    let secret = secrets.path().join("credentials");
    std::fs::write(&secret, "https://x-access-token:ghs_SECRET@github.com\n").unwrap();
    let registry = Repo::new();
    registry.write("models/rf.mlem", MODEL);
    registry.write(".mlem-registry.toml", "allowed_hosts = [\"github.com\"]\n");
    let base = registry.commit("base");
    // actions/checkout keeps the token in .git/config unless told not to.
    registry.git(&[
        "config",
        "http.https://github.com/.extraheader",
        "AUTHORIZATION: basic c2VjcmV0LWluLWdpdC1jb25maWc=",
    ]);
    std::fs::remove_file(registry.path().join(".mlem-registry.toml")).unwrap();
    std::os::unix::fs::symlink(&secret, registry.path().join(".mlem-registry.toml")).unwrap();
    std::os::unix::fs::symlink(".git/config", registry.path().join("config.mlem")).unwrap();
    for format in ["human", "json"] {
        let output = bin()
            .current_dir(registry.path())
            .args([
                "check",
                "--offline",
                "--format",
                format,
                "--changed-since",
                &base,
            ])
            .output()
            .unwrap();
        let all = format!("{output:?}");
        assert!(
            !all.contains("SECRET") && !all.contains("c2VjcmV0"),
            "{all}"
        );
        assert!(
            all.contains("config/changed") && all.contains("symbolic link"),
            "{all}"
        );
        assert!(all.contains("config.mlem"), "{all}");
    }
}

#[test]
fn a_change_cannot_escape_a_folders_policy_by_deleting_or_hiding_it() {
    let registry = Repo::new();
    registry.write("models/rf.mlem", MODEL);
    registry.write(
        ".mlem-registry.toml",
        "[severity]\n\"link/unverified\" = \"error\"\n",
    );
    registry.write(
        "prod/.mlem-registry.toml",
        "allowed_owners = [\"trusted\"]\n",
    );
    let base = registry.commit("base: prod/ links only to trusted owners");
    std::fs::remove_file(registry.path().join("prod/.mlem-registry.toml")).unwrap();
    let evil = "link_type: model\nobject_type: link\npath: models/rf\nrepo: https://github.com/evil/repo\nrev: main\n";
    registry.write("prod/x.mlem", evil);
    let (code, json) = check_json(registry.path(), &["--offline", "--changed-since", &base]);
    assert_eq!(code, 1, "{json:#}");
    assert_eq!(
        rules(&json),
        [
            (
                "config/changed".into(),
                "prod/.mlem-registry.toml".into(),
                1
            ),
            ("link/host-not-allowed".into(), "prod/x.mlem".into(), 4),
        ],
        "{json:#}"
    );
    // Checked as a revision that is not checked out, from a folder only it has, the policy is
    // still the base's.
    registry.write("new/.mlem.yaml", "");
    registry.write("new/x.mlem", evil);
    let pr = registry.commit("the pull request");
    registry.git(&["checkout", "-q", &base]);
    let (code, json) = check_json(
        &registry.path().join("."),
        &["--offline", "--rev", &pr, "--policy-from", &base],
    );
    assert_eq!(code, 1, "{json:#}");
    let found = rules(&json);
    assert!(
        found.contains(&("link/host-not-allowed".into(), "prod/x.mlem".into(), 4)),
        "{json:#}"
    );
    let unverified = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["file"] == "new/x.mlem" && f["rule"] == "link/unverified")
        .unwrap_or_else(|| panic!("{json:#}"));
    assert_eq!(unverified["severity"], "error", "{json:#}");
}

#[test]
fn a_change_to_a_config_alone_is_reported() {
    let registry = Repo::new();
    registry.write("models/rf.mlem", MODEL);
    registry.write("prod/rf.mlem", link("model", "models/rf"));
    registry.write(
        "prod/.mlem-registry.toml",
        "allowed_owners = [\"trusted\"]\n",
    );
    let base = registry.commit("base");
    std::fs::remove_file(registry.path().join("prod/.mlem-registry.toml")).unwrap();
    let (_, json) = check_json(registry.path(), &["--offline", "--changed-since", &base]);
    assert_eq!(
        rules(&json),
        [(
            "config/changed".into(),
            "prod/.mlem-registry.toml".into(),
            1
        )],
        "{json:#}"
    );
}

#[test]
fn files_the_config_ignores_are_counted_in_a_notice() {
    let repo = Repo::new();
    repo.write(".mlem-registry.toml", "ignore = [\"scratch/**\"]\n");
    repo.write("models/rf.mlem", MODEL);
    repo.write("scratch/a.mlem", "not: [yaml");
    repo.write("scratch/b.mlem", "not: [yaml");
    repo.commit("scratch");
    let (code, out) = common::check(repo.path(), &["--offline"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("not checked: 2 files the config's `ignore` matches"),
        "{out}"
    );
}
