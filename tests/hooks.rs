//! Git hooks, run by git itself: `git push` to a bare remote runs the installed pre-push hook,
//! `git commit` the pre-commit hook; both are refused for a broken link and let through once it
//! is fixed. Also: foreign hooks, `core.hooksPath`, and `.pre-commit-hooks.yaml`.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::{MODEL, Repo, bin, link};

/// A registry with one good link, its bare `origin`, pushed; hooks installed with `kinds`.
fn pushed_registry(kinds: &[&str]) -> (Repo, tempfile::TempDir) {
    let registry = Repo::new();
    registry.write("models/rf.mlem", MODEL);
    registry.write("rf.mlem", link("model", "models/rf"));
    registry.commit("good registry");
    let origin = push_to_new_origin(&registry);
    install(registry.path(), kinds);
    (registry, origin)
}

/// A bare repository as `registry`'s `origin`, with `main` pushed to it (no hook yet).
fn push_to_new_origin(registry: &Repo) -> tempfile::TempDir {
    let origin = tempfile::tempdir().unwrap();
    git(origin.path(), &["init", "-q", "--bare", "-b", "main"]);
    registry.git(&["remote", "add", "origin", origin.path().to_str().unwrap()]);
    registry.git(&["push", "-q", "origin", "main"]);
    origin
}

fn install(repo: &Path, kinds: &[&str]) {
    let output = bin()
        .current_dir(repo)
        .args(["hook", "install"])
        .args(kinds)
        .args(["--", "--offline"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output));
}

fn git(dir: &Path, args: &[&str]) -> Output {
    Command::new("git")
        .current_dir(dir)
        .args(args)
        .env_remove("GITHUB_TOKEN")
        .output()
        .unwrap()
}

fn text(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned() + &String::from_utf8_lossy(&output.stderr)
}

fn remote_head(origin: &Path, branch: &str) -> String {
    String::from_utf8_lossy(&git(origin, &["rev-parse", branch]).stdout)
        .trim()
        .to_owned()
}

#[test]
fn git_push_is_refused_for_a_broken_link_and_allowed_after_the_fix() {
    let (registry, origin) = pushed_registry(&["--pre-push"]);
    let before = remote_head(origin.path(), "main");
    registry.write("typo.mlem", link("model", "models/rff"));
    registry.commit("a broken link");
    // Fixed in the working tree only: the push sends the commit, so it is still refused.
    registry.write("typo.mlem", link("model", "models/rf"));
    let push = git(registry.path(), &["push", "origin", "main"]);
    let said = text(&push);
    assert!(!push.status.success(), "{said}");
    assert!(said.contains("link/path-not-found"), "{said}");
    assert!(said.contains("typo.mlem"), "{said}");
    assert!(
        !said.contains("rf.mlem:"),
        "only the changed file is checked: {said}"
    );
    assert_eq!(
        remote_head(origin.path(), "main"),
        before,
        "nothing reached the remote"
    );
    registry.commit("fix the link");
    let push = git(registry.path(), &["push", "origin", "main"]);
    assert!(push.status.success(), "{}", text(&push));
    assert_eq!(
        remote_head(origin.path(), "main"),
        registry.git(&["rev-parse", "HEAD"]).trim()
    );
}

#[test]
fn only_the_pushed_changes_are_checked() {
    let registry = Repo::new();
    registry.write("models/rf.mlem", MODEL);
    registry.write("old-broken.mlem", link("model", "nowhere"));
    registry.commit("an old broken link, already on the remote");
    let _origin = push_to_new_origin(&registry);
    install(registry.path(), &[]);
    registry.write("new.mlem", link("model", "models/rf"));
    registry.commit("a good link");
    let push = git(registry.path(), &["push", "origin", "main"]);
    assert!(push.status.success(), "{}", text(&push));
    assert!(
        text(&push).contains("checked 1 files changed by 1 pushed commits"),
        "{}",
        text(&push)
    );
}

#[test]
fn new_branches_are_checked_and_deletions_allowed() {
    let (registry, _origin) = pushed_registry(&[]);
    registry.git(&["checkout", "-q", "-b", "feature"]);
    registry.write("deploy/service.mlem", link("model", "../models/gone"));
    registry.commit("a second commit");
    registry.write("other.mlem", link("model", "models/rf"));
    registry.commit("a third commit");
    let push = git(registry.path(), &["push", "origin", "feature"]);
    let said = text(&push);
    assert!(!push.status.success(), "{said}");
    assert!(said.contains("deploy/service.mlem"), "{said}");
    assert!(said.contains("2 pushed commits"), "{said}");
    // Pushed without the hook, then deleted with it: a deletion has nothing to check.
    assert!(
        git(
            registry.path(),
            &["push", "--no-verify", "-q", "origin", "feature"]
        )
        .status
        .success()
    );
    let delete = git(registry.path(), &["push", "origin", ":feature"]);
    assert!(delete.status.success(), "{}", text(&delete));
}

#[test]
fn git_commit_is_refused_for_a_staged_broken_link() {
    let (registry, _origin) = pushed_registry(&["--pre-commit"]);
    registry.write("typo.mlem", link("model", "models/rff"));
    registry.git(&["add", "typo.mlem"]);
    let commit = git(registry.path(), &["commit", "-q", "-m", "broken"]);
    let said = text(&commit);
    assert!(!commit.status.success(), "{said}");
    assert!(
        said.contains("link/path-not-found") && said.contains("typo.mlem"),
        "{said}"
    );
    // What is staged decides, not the working tree.
    registry.write("typo.mlem", link("model", "models/rf"));
    registry.git(&["add", "typo.mlem"]);
    registry.write("typo.mlem", "not: [valid");
    let commit = git(registry.path(), &["commit", "-q", "-m", "fixed"]);
    assert!(commit.status.success(), "{}", text(&commit));
}

#[test]
fn foreign_hooks_are_kept_unless_forced_and_restored_on_uninstall() {
    let registry = Repo::new();
    let hooks = registry.path().join(".git/hooks");
    std::fs::create_dir_all(&hooks).unwrap();
    std::fs::write(hooks.join("pre-push"), "#!/bin/sh\necho theirs\n").unwrap();
    let refused = bin()
        .current_dir(registry.path())
        .args(["hook", "install"])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    assert!(text(&refused).contains("--force"), "{}", text(&refused));
    let forced = bin()
        .current_dir(registry.path())
        .args(["hook", "install", "--pre-push", "--force"])
        .output()
        .unwrap();
    assert!(forced.status.success(), "{}", text(&forced));
    let ours = std::fs::read_to_string(hooks.join("pre-push")).unwrap();
    assert!(ours.contains("mlem-registry hook"), "{ours}");
    let uninstall = bin()
        .current_dir(registry.path())
        .args(["hook", "uninstall"])
        .output()
        .unwrap();
    assert!(uninstall.status.success());
    assert_eq!(
        std::fs::read_to_string(hooks.join("pre-push")).unwrap(),
        "#!/bin/sh\necho theirs\n"
    );
}

#[test]
fn core_hooks_path_is_respected() {
    let registry = Repo::new();
    registry.git(&["config", "core.hooksPath", "githooks"]);
    let output = bin()
        .current_dir(registry.path())
        .args(["hook", "install", "--pre-commit"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output));
    assert!(registry.path().join("githooks/pre-commit").is_file());
    assert!(!registry.path().join(".git/hooks/pre-commit").exists());
}

#[test]
fn the_pre_commit_framework_manifest_runs_this_tool() {
    let manifest = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join(".pre-commit-hooks.yaml"),
    )
    .unwrap();
    let hooks: serde_yaml::Value = serde_yaml::from_str(&manifest).unwrap();
    let hooks = hooks.as_sequence().expect("a list of hooks");
    assert!(!hooks.is_empty());
    // The keys pre-commit requires and the types it checks (pre-commit's clientlib MANIFEST_HOOK_DICT).
    for hook in hooks {
        for key in ["id", "name", "entry", "language"] {
            assert!(
                hook[key].as_str().is_some_and(|v| !v.is_empty()),
                "{key}: {hook:?}"
            );
        }
        assert_eq!(hook["language"], "rust");
        assert_eq!(hook["files"], r"\.mlem$");
        let entry = hook["entry"].as_str().unwrap();
        let mut words = entry.split_whitespace();
        assert_eq!(words.next(), Some("mlem-registry"), "{entry}");
        // The entry parses as this binary's command line.
        let args: Vec<&str> = words.collect();
        let help = bin().args(&args).arg("--help").output().unwrap();
        assert!(help.status.success(), "{entry}: {}", text(&help));
    }
}

#[test]
fn a_force_push_back_to_a_broken_commit_is_refused() {
    let (registry, origin) = pushed_registry(&[]);
    registry.write("typo.mlem", link("model", "models/rff"));
    registry.commit("a broken link");
    registry.write("typo.mlem", link("model", "models/rf"));
    registry.commit("fixed");
    let push = git(registry.path(), &["push", "origin", "main"]);
    assert!(push.status.success(), "{}", text(&push));
    // Back to the broken commit: no new commit, but the remote would serve the broken file.
    registry.git(&["reset", "-q", "--hard", "HEAD~1"]);
    let push = git(registry.path(), &["push", "--force", "origin", "main"]);
    let said = text(&push);
    assert!(!push.status.success(), "{said}");
    assert!(
        said.contains("typo.mlem") && said.contains("link/path-not-found"),
        "{said}"
    );
    assert_ne!(
        remote_head(origin.path(), "main"),
        registry.git(&["rev-parse", "HEAD"]).trim()
    );
}

#[test]
fn links_that_cannot_be_verified_do_not_block_a_push() {
    let registry = Repo::new();
    registry.write("models/rf.mlem", MODEL);
    registry.commit("base");
    let _origin = push_to_new_origin(&registry);
    // Online, against a port nothing listens on: the remote link cannot be verified.
    let output = bin()
        .current_dir(registry.path())
        .args(["hook", "install", "--", "--retries", "0", "--timeout", "2"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output));
    registry.write(
        "remote.mlem",
        "link_type: model\nobject_type: link\npath: models/rf\nrepo: https://github.com/o/r\nrev: v1\n",
    );
    registry.commit("a link to another repository");
    let push = Command::new("git")
        .current_dir(registry.path())
        .args(["push", "origin", "main"])
        .env("GITHUB_API_URL", "http://127.0.0.1:9")
        .env_remove("GITHUB_TOKEN")
        .output()
        .unwrap();
    let said = text(&push);
    assert!(push.status.success(), "{said}");
    assert!(said.contains("link/unverified"), "{said}");
    assert!(said.contains("not refusing"), "{said}");
}
