//! `check` on real git repositories: what it walks, at which revision, and what a change touches.

use crate::common;

use common::{MODEL, Repo, check_json, example_repo, link, rules};

#[test]
fn worktree_is_what_git_sees_tracked_untracked_not_ignored() {
    let repo = Repo::new();
    repo.write(".gitignore", "ignored/\n")
        .write("models/rf.mlem", MODEL)
        .write("tracked.mlem", link("model", "models/rf"))
        .write("gone.mlem", link("model", "nowhere"));
    repo.commit("registry");
    repo.remove("gone.mlem");
    repo.write("untracked.mlem", link("model", "missing-one"))
        .write("ignored/skip.mlem", link("model", "missing-two"));

    let (code, json) = check_json(repo.path(), &["--offline"]);
    assert_eq!(code, 1);
    assert_eq!(
        rules(&json),
        [("link/path-not-found".into(), "untracked.mlem".into(), 3)]
    );
    assert_eq!(json["summary"]["files"], 3, "{json}");
}

#[test]
fn a_clean_registry_exits_zero() {
    let repo = Repo::new();
    repo.write("models/rf.mlem", MODEL)
        .write("rf.mlem", link("model", "models/rf.mlem"));
    repo.commit("ok");
    let (code, json) = check_json(repo.path(), &[]);
    assert_eq!(
        (code, json["findings"].as_array().unwrap().len()),
        (0, 0),
        "{json}"
    );
}

#[test]
fn rev_reads_branches_annotated_tags_and_short_shas_without_checkout() {
    let repo = example_repo();
    let main = repo.git(&["rev-parse", "main"]);
    for rev in [
        "main",
        "5-deploy-meta",
        "9-dvc-save-models",
        "dvc",
        &main[..7],
        "HEAD~2",
    ] {
        let (code, json) = check_json(repo.path(), &["--rev", rev]);
        assert_eq!(code, 0, "{rev}: {json}");
        assert!(
            json["summary"]["files"].as_u64().unwrap() > 0,
            "{rev}: {json}"
        );
    }
    // The 0.2 layout's embedded links resolve through .mlem/<type>/ at that tag only.
    let (_, json) = check_json(repo.path(), &["--rev", "5-deploy-meta"]);
    assert_eq!(json["summary"]["links"], 2, "{json}");
}

#[test]
fn rev_sees_the_commit_not_the_worktree() {
    let repo = Repo::new();
    repo.write("models/rf.mlem", MODEL)
        .write("rf.mlem", link("model", "models/rf"));
    let first = repo.commit("good");
    repo.remove("models/rf.mlem");
    repo.commit("target removed");
    let (code, json) = check_json(repo.path(), &["--rev", "HEAD"]);
    assert_eq!(
        (code, rules(&json)),
        (1, vec![("link/path-not-found".into(), "rf.mlem".into(), 3)])
    );
    let (code, _) = check_json(repo.path(), &["--rev", &first]);
    assert_eq!(code, 0);
}

#[test]
fn an_unknown_rev_is_a_usage_error() {
    let repo = Repo::new();
    repo.write("a.mlem", MODEL);
    repo.commit("one");
    let (code, out) = common::check(repo.path(), &["--rev", "7-deploy-meta"]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("7-deploy-meta"), "{out}");
}

#[test]
fn changed_since_checks_only_added_and_modified_files() {
    let repo = Repo::new();
    repo.write("models/rf.mlem", MODEL)
        .write("models/gbt.mlem", MODEL)
        .write("old-broken.mlem", link("model", "nowhere"))
        .write("stays.mlem", link("model", "models/rf"))
        .write("to-edit.mlem", link("model", "models/rf"))
        .write("uses-gbt.mlem", link("model", "models/gbt"));
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-q", "-m", "base"]);
    repo.git(&["tag", "-a", "base", "-m", "base"]);
    // Committed, staged, unstaged and untracked changes all count.
    repo.write("committed.mlem", link("model", "committed-missing"));
    repo.commit("one more");
    repo.write("to-edit.mlem", link("data", "models/rf"));
    repo.write("new.mlem", link("model", "new-missing"));
    repo.remove("models/gbt.mlem");

    let (code, json) = check_json(repo.path(), &["--changed-since", "base"]);
    assert_eq!(code, 1, "{json}");
    assert_eq!(
        rules(&json),
        [
            ("link/path-not-found".into(), "committed.mlem".into(), 3),
            ("link/path-not-found".into(), "new.mlem".into(), 3),
            ("link/type-mismatch".into(), "to-edit.mlem".into(), 1),
            ("link/target-deleted".into(), "uses-gbt.mlem".into(), 3),
        ]
    );
    // The three changed files, and uses-gbt.mlem, whose target the change deletes.
    assert_eq!(json["summary"]["files"], 4, "{json}");
}

#[test]
fn a_project_in_a_subfolder_resolves_from_its_marker() {
    let repo = Repo::new();
    repo.write("registry/.mlem.yaml", "")
        .write("registry/models/rf.mlem", MODEL)
        .write("registry/rf.mlem", link("model", "models/rf"))
        .write("registry/bad.mlem", link("model", "models/gone"));
    repo.commit("sub");
    let (code, json) = check_json(&repo.path().join("registry"), &[]);
    assert_eq!(code, 1);
    assert_eq!(
        rules(&json),
        [("link/path-not-found".into(), "registry/bad.mlem".into(), 3)]
    );
}

#[cfg(unix)]
#[test]
fn symlinks_out_of_the_repository_are_not_followed() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.mlem"), MODEL).unwrap();
    let repo = Repo::new();
    repo.write("models/rf.mlem", MODEL);
    std::os::unix::fs::symlink(outside.path(), repo.path().join("out")).unwrap();
    std::os::unix::fs::symlink("models/rf.mlem", repo.path().join("alias.mlem")).unwrap();
    repo.write("via-dir.mlem", link("model", "out/secret"))
        .write("via-alias.mlem", link("model", "alias"));
    repo.commit("links");
    let (_, json) = check_json(repo.path(), &[]);
    assert_eq!(
        rules(&json),
        [("link/path-escapes-repo".into(), "via-dir.mlem".into(), 3)]
    );
    // The same, read from the commit: git stores the symlinks themselves.
    let (_, json) = check_json(repo.path(), &["--rev", "HEAD"]);
    assert_eq!(
        rules(&json),
        [("link/path-escapes-repo".into(), "via-dir.mlem".into(), 3)]
    );
}

#[test]
fn a_plain_directory_is_walked_with_a_note() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join(".mlem/model")).unwrap();
    std::fs::write(dir.path().join(".mlem/model/rf.mlem"), MODEL).unwrap();
    std::fs::write(dir.path().join("prod.mlem"), link("model", "rf")).unwrap();
    let (code, json) = check_json(dir.path(), &[]);
    assert_eq!(code, 0, "{json}");
    assert_eq!(json["summary"]["files"], 2);
    assert!(
        json["notices"][0]
            .as_str()
            .unwrap()
            .contains("not inside a git repository")
    );
}

#[test]
fn changed_since_sees_renames_and_ignores_user_status_config() {
    let repo = Repo::new();
    repo.write("models/rf.mlem", MODEL)
        .write("old-name.mlem", link("model", "models/rf"))
        .write("uses-old.mlem", link("model", "old-name"));
    repo.commit("base");
    // A user who hides untracked files from `git status` must still have new links checked.
    repo.git(&["config", "status.showUntrackedFiles", "no"]);
    repo.git(&["mv", "old-name.mlem", "new-name.mlem"]);
    repo.write("untracked.mlem", link("model", "gone"));
    let (_, json) = check_json(repo.path(), &["--changed-since", "HEAD"]);
    assert_eq!(
        rules(&json),
        [
            ("link/path-not-found".into(), "untracked.mlem".into(), 3),
            ("link/target-deleted".into(), "uses-old.mlem".into(), 3),
        ]
    );
    assert_eq!(json["summary"]["files"], 3, "{json}");
}

#[test]
fn the_whole_repository_is_checked_from_any_working_directory() {
    let repo = Repo::new();
    repo.write("models/rf.mlem", MODEL)
        .write("a/deep/broken.mlem", link("model", "nowhere"))
        .write("b/other.mlem", link("model", "nowhere"));
    repo.commit("base");
    repo.write("b/new.mlem", link("model", "nowhere-new"));
    for args in [&["--offline"][..], &["--changed-since", "HEAD"][..]] {
        let out = common::bin()
            .current_dir(repo.path().join("a"))
            .args(["check", "--format", "json"])
            .args(args)
            .arg(".")
            .output()
            .unwrap();
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let files: Vec<String> = rules(&json).into_iter().map(|(_, f, _)| f).collect();
        assert!(files.contains(&"b/new.mlem".to_owned()), "{args:?}: {json}");
    }
}

#[test]
fn rev_finds_the_project_marker_in_the_commit() {
    let repo = Repo::new();
    repo.write("registry/.mlem.yaml", "")
        .write("registry/models/rf.mlem", MODEL)
        .write("registry/rf.mlem", link("model", "models/rf"));
    repo.commit("sub");
    // The working tree no longer has the marker; the commit does.
    repo.remove("registry/.mlem.yaml");
    let (code, json) = check_json(&repo.path().join("registry"), &["--rev", "HEAD"]);
    assert_eq!(code, 0, "{json}");
    let (code, json) = check_json(&repo.path().join("registry"), &[]);
    assert_eq!(code, 1, "{json}");
}

/// The user's own git config (`~/.gitconfig`) never reaches a host a link names: an
/// `http.extraHeader` there is often a credential. The host here is a listener on 127.0.0.1
/// that records what it is sent and answers 404.
#[test]
fn the_users_git_config_is_not_sent_to_a_linked_host() {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let log = std::sync::Arc::clone(&seen);
    std::thread::spawn(move || {
        for stream in listener.incoming().take(8) {
            let Ok(mut stream) = stream else { break };
            stream
                .set_read_timeout(Some(std::time::Duration::from_secs(5)))
                .unwrap();
            let mut request = Vec::new();
            let mut buf = [0u8; 4096];
            while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                match stream.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => request.extend_from_slice(&buf[..n]),
                }
            }
            log.lock()
                .unwrap()
                .push_str(&String::from_utf8_lossy(&request));
            let _ = stream.write_all(
                b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            );
        }
    });
    let home = tempfile::tempdir().unwrap();
    std::fs::write(
        home.path().join(".gitconfig"),
        "[http]\n\textraHeader = X-Leaked: from-the-users-gitconfig\n",
    )
    .unwrap();
    let registry = Repo::new();
    registry.write(
        "remote.mlem",
        format!(
            "link_type: model\nobject_type: link\npath: models/rf.mlem\nrepo: http://127.0.0.1:{port}/org/models.git\nrev: main\n"
        ),
    );
    registry.write(".mlem-registry.toml", "allowed_hosts = [\"127.0.0.1\"]\n");
    registry.commit("a link to a plain git host");
    let output = common::bin()
        .current_dir(registry.path())
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path())
        .env_remove("GIT_CONFIG_GLOBAL")
        .args(["check", "--format", "json", "."])
        .output()
        .unwrap();
    let seen = seen.lock().unwrap().clone();
    assert!(
        seen.contains("GET /org/models.git/info/refs"),
        "{seen}\n{output:?}"
    );
    assert!(!seen.contains("X-Leaked"), "{seen}");
}

/// What a change to a link's target does, as `--changed-since` and the pre-push hook judge it.
/// Findings as `rules` lists them: rule, file, line.
type Found = Vec<(String, String, u64)>;

fn judged_change(change: impl Fn(&Repo)) -> Vec<(Found, &'static str)> {
    let repo = Repo::new();
    repo.write("models/rf.mlem", MODEL)
        .write("rf-link.mlem", link("model", "models/rf.mlem"))
        .write("alias.mlem", link("model", "rf-link"))
        .write("unrelated.mlem", link("model", "models/rf"));
    let base = repo.commit("base");
    let remote = tempfile::tempdir().unwrap();
    repo.git(&["init", "--bare", "-q", remote.path().to_str().unwrap()]);
    repo.git(&["remote", "add", "origin", remote.path().to_str().unwrap()]);
    repo.git(&["push", "-q", "origin", "HEAD:refs/heads/main"]);
    repo.git(&["fetch", "-q", "origin"]);
    change(&repo);
    let (_, changed_since) = check_json(repo.path(), &["--changed-since", &base]);
    repo.commit("the change");
    let head = repo.git(&["rev-parse", "HEAD"]);
    let pushed = common::pre_push(
        repo.path(),
        &["--format", "json"],
        "refs/heads/main",
        &head,
        &base,
    );
    let pushed: serde_json::Value = serde_json::from_slice(&pushed.stdout).unwrap();
    let (_, full) = check_json(repo.path(), &[]);
    let errors = |json: &serde_json::Value| {
        let mut found = rules(json);
        found.retain(|(rule, _, _)| rule != "link/duplicate-target");
        found
    };
    vec![
        (errors(&changed_since), "--changed-since"),
        (errors(&pushed), "pre-push"),
        (errors(&full), "full check"),
    ]
}

#[test]
fn a_change_to_a_target_is_judged_on_every_link_that_reaches_it() {
    let retyped = judged_change(|repo| {
        repo.write("models/rf.mlem", "object_type: data\n");
    });
    for (found, mode) in &retyped {
        // As a full check: the links landing on the data object, the alias's chain included.
        assert_eq!(
            found,
            &[
                ("link/type-mismatch".into(), "rf-link.mlem".into(), 1),
                ("link/type-mismatch".into(), "unrelated.mlem".into(), 1),
            ],
            "{mode}"
        );
    }
    let deleted = judged_change(|repo| {
        repo.remove("models/rf.mlem");
    });
    let moved = judged_change(|repo| {
        repo.remove("models/rf.mlem");
        repo.write("models/rf-v2.mlem", MODEL);
    });
    for (found, mode) in deleted.iter().chain(&moved) {
        let expected: Found = ["rf-link.mlem", "unrelated.mlem"]
            .iter()
            .map(|file| {
                let rule = match *mode {
                    "full check" => "link/path-not-found",
                    _ => "link/target-deleted",
                };
                (rule.into(), (*file).into(), 3)
            })
            .collect();
        assert_eq!(found, &expected, "{mode}");
    }
}

#[test]
fn each_file_is_judged_in_its_own_project_from_any_starting_folder() {
    let repo = Repo::new();
    // reg's policy makes a missing target a warning; its deep/ folder's switches it off.
    repo.write("top.mlem", MODEL)
        .write(
            "reg/.mlem-registry.toml",
            "[severity]\n\"link/path-not-found\" = \"warning\"\n",
        )
        .write(
            "reg/deep/.mlem-registry.toml",
            "[severity]\n\"link/path-not-found\" = \"off\"\n",
        );
    let base = repo.commit("base");
    repo.write("reg/.mlem.yaml", "")
        .write("reg/models/rf.mlem", MODEL)
        .write("reg/alias.mlem", link("model", "models/rf"))
        .write("reg/broken.mlem", link("model", "models/gone"))
        .write("reg/deep/broken-too.mlem", link("model", "models/gone"))
        .write("other/.mlem.yaml", "")
        .write("other/models/rf.mlem", MODEL)
        .write("other/alias.mlem", link("model", "models/rf"));
    let expected: Found = vec![("link/path-not-found".into(), "reg/broken.mlem".into(), 3)];
    // The whole repository from its root, and from the project's folder: the same findings,
    // each project's links resolved from its folder, reg's config applied to reg's files.
    let (code, json) = check_json(repo.path(), &["--offline"]);
    assert_eq!((code, rules(&json)), (0, expected.clone()), "{json:#}");
    assert_eq!(json["findings"][0]["severity"], "warning");
    let (_, from_reg) = check_json(&repo.path().join("reg"), &["--offline"]);
    assert_eq!(rules(&from_reg), expected);
    let (_, changed) = check_json(repo.path(), &["--offline", "--changed-since", &base]);
    assert_eq!(rules(&changed), expected, "{changed:#}");
    // The hooks, run from the root as git runs them.
    repo.git(&["add", "-A"]);
    let staged = common::bin()
        .current_dir(repo.path())
        .args(["hook", "pre-commit", "--offline"])
        .output()
        .unwrap();
    assert_eq!(staged.status.code(), Some(0), "{staged:?}");
    let head = repo.commit("two projects");
    let pushed = common::pre_push(repo.path(), &["--offline"], "refs/heads/main", &head, &base);
    assert_eq!(pushed.status.code(), Some(0), "{pushed:?}");
}

#[test]
fn a_link_from_an_outer_project_into_an_inner_one_is_judged_when_its_target_changes() {
    let repo = Repo::new();
    repo.write("sub/.mlem.yaml", "")
        .write("sub/models/rf.mlem", MODEL)
        .write("alias.mlem", link("model", "sub/models/rf"));
    let base = repo.commit("base");
    repo.remove("sub/models/rf.mlem");
    let (code, json) = check_json(repo.path(), &["--offline", "--changed-since", &base]);
    assert_eq!(code, 1, "{json:#}");
    assert_eq!(
        rules(&json),
        [("link/target-deleted".into(), "alias.mlem".into(), 3)]
    );
}

#[test]
fn a_project_marker_the_change_adds_judges_every_link_below_it() {
    let repo = Repo::new();
    repo.write("models/rf.mlem", MODEL)
        .write("sub/prod.mlem", link("model", "models/rf"));
    let base = repo.commit("base: sub/prod.mlem resolves from the root");
    repo.write("sub/.mlem.yaml", "");
    let (code, json) = check_json(repo.path(), &["--offline", "--changed-since", &base]);
    assert_eq!(code, 1, "{json:#}");
    assert_eq!(
        rules(&json),
        [("link/path-not-found".into(), "sub/prod.mlem".into(), 3)]
    );
    repo.commit("the marker");
    let head = repo.git(&["rev-parse", "HEAD"]);
    let pushed = common::pre_push(repo.path(), &["--offline"], "refs/heads/main", &head, &base);
    assert_eq!(pushed.status.code(), Some(1), "{pushed:?}");
}

#[test]
fn a_link_file_whose_name_is_not_utf8_stops_the_run() {
    use std::os::unix::ffi::OsStrExt;
    let repo = Repo::new();
    repo.write("models/rf.mlem", MODEL);
    let base = repo.commit("base");
    let name = std::ffi::OsStr::from_bytes(b"ev\xffil.mlem");
    std::fs::write(repo.path().join(name), link("model", "nowhere")).unwrap();
    for args in [
        vec!["--offline"],
        vec!["--offline", "--changed-since", base.as_str()],
    ] {
        let output = common::bin()
            .current_dir(repo.path())
            .arg("check")
            .args(&args)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains("not valid UTF-8"), "{stderr}");
    }
    repo.commit("the bad name");
    let output = common::bin()
        .current_dir(repo.path())
        .args(["check", "--offline", "--rev", "HEAD"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{output:?}");
}

#[test]
fn changed_only_runs_agree_with_a_full_check_where_names_are_not_literal() {
    // Each case: what the base holds, what the change does, and the file a full check flags.
    type Step = fn(&Repo);
    let cases: [(&str, Step, Step, &str); 4] = [
        (
            "a target named through YAML quoting, not literally",
            |repo| {
                repo.write("models/it's.mlem", MODEL)
                    .write("quoted.mlem", link("model", "'models/it''s'"));
            },
            |repo| {
                repo.remove("models/it's.mlem");
            },
            "quoted.mlem",
        ),
        (
            "a link file that is a symbolic link to a file that is no *.mlem file",
            |repo| {
                repo.write("models/rf.mlem", MODEL)
                    .write("data/link.yaml", link("model", "models/rf"));
                std::os::unix::fs::symlink("data/link.yaml", repo.path().join("sym.mlem")).unwrap();
            },
            |repo| {
                repo.write("data/link.yaml", link("model", "models/gone"));
            },
            "sym.mlem",
        ),
        (
            "a target reached through a symbolically linked folder",
            |repo| {
                repo.write("models/rf.mlem", MODEL)
                    .write("via.mlem", link("model", "m/rf"));
                std::os::unix::fs::symlink("models", repo.path().join("m")).unwrap();
            },
            |repo| {
                repo.write("models/rf.mlem", "object_type: data\n");
            },
            "via.mlem",
        ),
        (
            "a MLEM 0.2 .mlem/ folder that makes a project",
            |repo| {
                repo.write("models/rf.mlem", MODEL)
                    .write("sub/u.mlem", link("model", "models/rf"));
            },
            |repo| {
                repo.write("sub/.mlem/model/zz.mlem", MODEL);
            },
            "sub/u.mlem",
        ),
    ];
    for (what, setup, change, flagged) in cases {
        let repo = Repo::new();
        setup(&repo);
        let base = repo.commit("base");
        change(&repo);
        let (_, full) = check_json(repo.path(), &["--offline"]);
        let flags = |json: &serde_json::Value| {
            rules(json)
                .iter()
                .any(|(rule, file, _)| file == flagged && rule != "link/duplicate-target")
        };
        assert!(flags(&full), "{what}: the full check: {full:#}");
        let (_, changed) = check_json(repo.path(), &["--offline", "--changed-since", &base]);
        assert!(flags(&changed), "{what}: --changed-since: {changed:#}");
        let tip = repo.commit("the change");
        let pushed = common::pre_push(
            repo.path(),
            &["--offline", "--format", "json"],
            "refs/heads/main",
            &tip,
            &base,
        );
        let pushed: serde_json::Value = serde_json::from_slice(&pushed.stdout).unwrap();
        assert!(flags(&pushed), "{what}: pre-push: {pushed:#}");
    }
}

#[test]
fn the_link_index_learns_only_what_a_blob_holds() {
    let repo = Repo::new();
    repo.write("models/b.mlem", MODEL)
        .write("u.mlem", link("model", "models/b"));
    repo.commit("base");
    // A file git is told not to look at: its working-tree text is not the committed blob's.
    repo.git(&["update-index", "--skip-worktree", "u.mlem"]);
    repo.write("u.mlem", link("model", "models/zzzz"));
    repo.write("other.mlem", MODEL);
    check_json(repo.path(), &["--offline", "--changed-since", "HEAD"]);
    repo.git(&["update-index", "--no-skip-worktree", "u.mlem"]);
    repo.git(&["checkout", "--", "u.mlem"]);
    let base = repo.commit("another");
    repo.remove("models/b.mlem");
    let tip = repo.commit("the target goes");
    let pushed = common::pre_push(
        repo.path(),
        &["--offline", "--format", "json"],
        "refs/heads/main",
        &tip,
        &base,
    );
    let pushed: serde_json::Value = serde_json::from_slice(&pushed.stdout).unwrap();
    assert_eq!(
        rules(&pushed),
        [("link/target-deleted".into(), "u.mlem".into(), 3)],
        "{pushed:#}"
    );
}

#[test]
fn a_file_is_checked_with_the_links_that_reach_it_and_nothing_else() {
    let repo = Repo::new();
    repo.write("models/rf.mlem", MODEL)
        .write("rf.mlem", link("model", "models/rf"))
        .write("other.mlem", link("model", "nowhere"))
        .write("notes.md", "# notes\n");
    repo.commit("registry");
    // The working tree's version of the file is the one checked.
    repo.write("models/rf.mlem", "object_type: data\n");
    let (code, json) = check_json(&repo.path().join("models/rf.mlem"), &["--offline"]);
    assert_eq!(code, 1, "{json}");
    assert_eq!(
        rules(&json),
        [("link/type-mismatch".into(), "rf.mlem".into(), 1)],
        "other.mlem's broken link is not this file's business"
    );
    let (code, json) = check_json(&repo.path().join("other.mlem"), &["--offline"]);
    assert_eq!(code, 1);
    assert_eq!(json["summary"]["files"], 1, "{json}");
    let output = common::bin()
        .args(["check", "--offline"])
        .arg(repo.path().join("notes.md"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let text = String::from_utf8_lossy(&output.stderr);
    assert!(text.contains("is not a *.mlem file"), "{text}");
}
