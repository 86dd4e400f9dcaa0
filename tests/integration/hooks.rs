//! Git hooks, run by git itself: `git push` to a bare remote runs the installed pre-push hook,
//! `git commit` the pre-commit hook; both are refused for a broken link and let through once it
//! is fixed. Also: foreign hooks, `core.hooksPath`, the file names the pre-commit framework
//! passes, the first push of a new repository, and `.pre-commit-hooks.yaml` run as pre-commit
//! runs it.

use crate::common;

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
        text(&push).contains("checked 1 *.mlem file changed by 1 pushed commit"),
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
        .args([
            "hook",
            "install",
            "--",
            "--retries",
            "0",
            "--request-timeout",
            "2",
        ])
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

/// The hook binary as the pre-commit framework runs it: `PRE_COMMIT=1` and `vars`, no other
/// `PRE_COMMIT_*` variable from the environment running the tests.
fn under_pre_commit(dir: &Path, vars: &[(&str, &str)]) -> assert_cmd::Command {
    let mut cmd = bin();
    cmd.current_dir(dir);
    for (name, _) in std::env::vars() {
        if name.starts_with("PRE_COMMIT") {
            cmd.env_remove(name);
        }
    }
    cmd.env("PRE_COMMIT", "1");
    for (name, value) in vars {
        cmd.env(name, value);
    }
    cmd
}

/// A registry with a good alias and a committed broken link; nothing staged.
fn registry_with_a_committed_broken_link() -> Repo {
    let registry = Repo::new();
    registry.write("models/rf.mlem", MODEL);
    registry.write("rf.mlem", link("model", "models/rf"));
    registry.write("broken.mlem", link("model", "models/missing"));
    registry.write("README.md", "# registry\n");
    registry.commit("a broken link");
    registry
}

#[test]
fn files_given_are_checked_exactly_as_the_index_has_them() {
    let registry = registry_with_a_committed_broken_link();
    // Without file names: the staged files, and nothing is staged.
    let staged = bin()
        .current_dir(registry.path())
        .args(["hook", "pre-commit", "--offline"])
        .output()
        .unwrap();
    assert!(staged.status.success(), "{}", text(&staged));
    assert!(
        text(&staged).contains("checked 0 staged *.mlem files"),
        "{}",
        text(&staged)
    );
    // With them (pre-commit's --all-files): the committed broken link is found.
    let all = bin()
        .current_dir(registry.path())
        .args(["hook", "pre-commit", "--offline"])
        .args(["broken.mlem", "models/rf.mlem", "rf.mlem"])
        .output();
    let all = all.unwrap();
    let said = text(&all);
    assert_eq!(all.status.code(), Some(1), "{said}");
    assert!(said.contains("checked 3 files given"), "{said}");
    assert!(
        said.contains("broken.mlem:3:7") && said.contains("link/path-not-found"),
        "{said}"
    );
    // Exactly those: the broken link is not read when it is not given.
    let one = bin()
        .current_dir(registry.path())
        .args(["hook", "pre-commit", "--offline", "rf.mlem"])
        .output()
        .unwrap();
    assert!(one.status.success(), "{}", text(&one));
    assert!(!text(&one).contains("broken.mlem"), "{}", text(&one));
    // The index decides (what the commit will hold), not the working tree: a fix that is not
    // staged is no fix, a staged one is.
    registry.write("broken.mlem", link("model", "models/rf"));
    let unstaged = bin()
        .current_dir(registry.path())
        .args(["hook", "pre-commit", "--offline", "broken.mlem", "rf.mlem"])
        .output()
        .unwrap();
    assert_eq!(unstaged.status.code(), Some(1), "{}", text(&unstaged));
    registry.git(&["add", "broken.mlem"]);
    let fixed = bin()
        .current_dir(registry.path())
        .args(["hook", "pre-commit", "--offline", "broken.mlem", "rf.mlem"])
        .output()
        .unwrap();
    assert!(fixed.status.success(), "{}", text(&fixed));
    // A target only the working tree has (untracked) will not be in the commit: still broken.
    registry.write("models/new.mlem", MODEL);
    registry.write("new.mlem", link("model", "models/new"));
    registry.git(&["add", "new.mlem"]);
    let untracked_target = bin()
        .current_dir(registry.path())
        .args(["hook", "pre-commit", "--offline", "new.mlem"])
        .output()
        .unwrap();
    let said = text(&untracked_target);
    assert_eq!(untracked_target.status.code(), Some(1), "{said}");
    assert!(
        said.contains("new.mlem:3:7") && said.contains("link/path-not-found"),
        "{said}"
    );
    // A file given that the index does not hold is named, not checked.
    registry.write("loose.mlem", link("model", "models/missing"));
    let loose = bin()
        .current_dir(registry.path())
        .args(["hook", "pre-commit", "--offline", "loose.mlem", "rf.mlem"])
        .output()
        .unwrap();
    let said = text(&loose);
    assert!(loose.status.success(), "{said}");
    assert!(
        said.contains("not in the index (git add them): loose.mlem"),
        "{said}"
    );
    registry.git(&["add", "models/new.mlem"]);
    std::fs::remove_file(registry.path().join("loose.mlem")).unwrap();
    registry.write("broken.mlem", link("model", "models/missing"));
    registry.git(&["add", "broken.mlem"]);
    // From a subfolder, names are relative to it.
    registry.write("broken.mlem", link("model", "models/missing"));
    let below = bin()
        .current_dir(registry.path().join("models"))
        .args(["hook", "pre-commit", "--offline", "../broken.mlem"])
        .output()
        .unwrap();
    assert_eq!(below.status.code(), Some(1), "{}", text(&below));
    assert!(text(&below).contains("broken.mlem:3:7"), "{}", text(&below));
}

#[test]
fn files_given_resolve_from_their_own_mlem_project() {
    let registry = Repo::new();
    registry.write("registry/.mlem.yaml", "");
    registry.write("registry/models/rf.mlem", MODEL);
    registry.write("registry/rf.mlem", link("model", "models/rf"));
    registry.write("registry/bad.mlem", link("model", "models/gone"));
    registry.write("other/rf.mlem", link("model", "registry/models/rf"));
    registry.commit("a project in a folder, and a link outside it");
    let output = bin()
        .current_dir(registry.path())
        .args(["hook", "pre-commit", "--offline"])
        .args(["registry/rf.mlem", "registry/bad.mlem", "other/rf.mlem"])
        .output()
        .unwrap();
    let said = text(&output);
    assert_eq!(output.status.code(), Some(1), "{said}");
    // registry/rf.mlem resolves from registry/ (its .mlem.yaml), other/rf.mlem from the root.
    assert!(said.contains("registry/bad.mlem:3:7"), "{said}");
    assert_eq!(said.matches("error[").count(), 1, "{said}");
}

#[test]
fn a_run_that_checks_no_file_says_so() {
    let registry = registry_with_a_committed_broken_link();
    let output = bin()
        .current_dir(registry.path())
        .args([
            "hook",
            "pre-commit",
            "--offline",
            "README.md",
            "gone.mlem",
            "models",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{}", text(&output));
    assert!(
        stderr.contains("gone.mlem: not in the working tree"),
        "{stderr}"
    );
    assert!(
        stderr.contains(
            "none of the 3 files given is a *.mlem file in the working tree: nothing checked"
        ),
        "{stderr}"
    );
    // Some checked: the others are counted, not hidden.
    let output = bin()
        .current_dir(registry.path())
        .args(["hook", "pre-commit", "--offline", "README.md", "rf.mlem"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{}", text(&output));
    assert!(
        stderr.contains("1 of the 2 files given is not *.mlem"),
        "{stderr}"
    );
    // A push that changes no link file is fine, and git runs the hook with nothing to push too.
    let nothing = bin()
        .current_dir(registry.path())
        .args(["hook", "pre-push", "origin", "/nowhere"])
        .write_stdin("")
        .output()
        .unwrap();
    assert!(nothing.status.success(), "{}", text(&nothing));
    assert!(
        text(&nothing).contains("nothing pushed"),
        "{}",
        text(&nothing)
    );
}

#[test]
fn the_first_push_of_a_new_repository_checks_every_link_file() {
    let registry = Repo::new();
    registry.write("models/rf.mlem", MODEL);
    registry.write("broken.mlem", link("model", "models/missing"));
    registry.commit("root commit");
    registry.write("rf.mlem", link("model", "models/rf"));
    registry.commit("a good link");
    install(registry.path(), &["--pre-push"]);
    let origin = tempfile::tempdir().unwrap();
    git(origin.path(), &["init", "-q", "--bare", "-b", "main"]);
    registry.git(&["remote", "add", "origin", origin.path().to_str().unwrap()]);
    let push = git(registry.path(), &["push", "origin", "main"]);
    let said = text(&push);
    assert!(!push.status.success(), "{said}");
    assert!(
        said.contains("checked 3 *.mlem files changed by 2 pushed commits"),
        "{said}"
    );
    assert!(
        said.contains("broken.mlem") && said.contains("link/path-not-found"),
        "{said}"
    );
    assert!(
        !git(
            origin.path(),
            &["rev-parse", "-q", "--verify", "refs/heads/main"]
        )
        .status
        .success(),
        "nothing reached the remote"
    );
    // The pre-commit framework describes such a push (its root commit included) with the
    // branches only, no PRE_COMMIT_FROM_REF / PRE_COMMIT_TO_REF.
    let url = origin.path().to_str().unwrap();
    let framework = under_pre_commit(
        registry.path(),
        &[
            ("PRE_COMMIT_LOCAL_BRANCH", "refs/heads/main"),
            ("PRE_COMMIT_REMOTE_BRANCH", "refs/heads/main"),
            ("PRE_COMMIT_REMOTE_NAME", "origin"),
            ("PRE_COMMIT_REMOTE_URL", url),
        ],
    )
    .args(["hook", "pre-push", "--offline"])
    .output()
    .unwrap();
    let said = text(&framework);
    assert_eq!(framework.status.code(), Some(1), "{said}");
    assert!(said.contains("broken.mlem:3:7"), "{said}");
    registry.write("broken.mlem", link("model", "models/rf"));
    registry.commit("fix the link");
    let push = git(registry.path(), &["push", "origin", "main"]);
    assert!(push.status.success(), "{}", text(&push));
}

/// `.pre-commit-hooks.yaml` (or the mirror's) as a list of hooks.
fn manifest(path: &str) -> Vec<serde_yaml::Value> {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap();
    let hooks: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
    hooks.as_sequence().expect("a list of hooks").clone()
}

/// Runs `hook` in `repo` as `pre-commit run --all-files [--hook-stage pre-push]` runs it: its
/// entry and args, then (with pass_filenames) every tracked file its `files` pattern matches.
fn run_as_pre_commit_does(hook: &serde_yaml::Value, repo: &Repo) -> Output {
    let entry = hook["entry"].as_str().unwrap();
    let mut words = entry.split_whitespace();
    assert_eq!(words.next(), Some("mlem-registry"), "{entry}");
    // The pattern is a regex; the only one we ship is checked here, and matched as it means.
    assert_eq!(hook["files"], r"\.mlem$");
    let mut command = under_pre_commit(repo.path(), &[]);
    command.args(words).arg("--offline");
    if let Some(args) = hook["args"].as_sequence() {
        command.args(args.iter().map(|a| a.as_str().unwrap()));
    }
    if hook["pass_filenames"].as_bool().unwrap_or(true) {
        let tracked = repo.git(&["ls-files"]);
        command.args(tracked.lines().filter(|f| f.ends_with(".mlem")));
    }
    command.output().unwrap()
}

#[test]
fn the_pre_commit_framework_manifest_cannot_pass_a_committed_broken_link() {
    let hooks = manifest(".pre-commit-hooks.yaml");
    let ids: Vec<&str> = hooks.iter().map(|h| h["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["mlem-registry", "mlem-registry-pre-push"]);
    for hook in &hooks {
        // The keys pre-commit requires (clientlib's MANIFEST_HOOK_DICT), and ours.
        for key in [
            "id",
            "name",
            "entry",
            "language",
            "minimum_pre_commit_version",
        ] {
            assert!(
                hook[key].as_str().is_some_and(|v| !v.is_empty()),
                "{key}: {hook:?}"
            );
        }
        // pip installs the repository, maturin builds it under Cargo.lock (pyproject.toml).
        assert_eq!(hook["language"], "python", "{hook:?}");
        assert_eq!(hook["require_serial"], true, "{hook:?}");
        let entry = hook["entry"].as_str().unwrap();
        let args: Vec<&str> = entry.split_whitespace().skip(1).collect();
        let help = bin().args(&args).arg("--help").output().unwrap();
        assert!(help.status.success(), "{entry}: {}", text(&help));
    }
    let pyproject: toml::Table =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("pyproject.toml"))
            .unwrap()
            .parse()
            .unwrap();
    assert_eq!(
        pyproject["build-system"]["build-backend"].as_str(),
        Some("maturin")
    );
    assert_eq!(pyproject["tool"]["maturin"]["locked"].as_bool(), Some(true));
    assert_eq!(
        pyproject["tool"]["maturin"]["bindings"].as_str(),
        Some("bin")
    );

    let registry = registry_with_a_committed_broken_link();
    for hook in &hooks {
        let id = hook["id"].as_str().unwrap();
        let output = run_as_pre_commit_does(hook, &registry);
        let said = text(&output);
        assert_eq!(output.status.code(), Some(1), "{id}: {said}");
        assert!(
            said.contains("broken.mlem") && said.contains("link/path-not-found"),
            "{id}: {said}"
        );
    }
    registry.write("broken.mlem", link("model", "models/rf"));
    registry.commit("fix the link");
    for hook in &hooks {
        let output = run_as_pre_commit_does(hook, &registry);
        assert!(
            output.status.success(),
            "{:?}: {}",
            hook["id"],
            text(&output)
        );
    }
}

#[test]
fn the_pre_commit_mirror_offers_the_same_hooks() {
    assert_eq!(
        manifest("packaging/pre-commit-mirror/template/.pre-commit-hooks.yaml"),
        manifest(".pre-commit-hooks.yaml")
    );
    let pyproject = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("packaging/pre-commit-mirror/template/pyproject.toml"),
    )
    .unwrap();
    assert!(
        pyproject.contains(r#"dependencies = ["mlem-registry==@VERSION@"]"#),
        "{pyproject}"
    );
}

/// The pre-commit framework appends file names with no `--`: a committed file named like an
/// option is a file to check, never an option that changes how the change is checked.
#[test]
fn a_file_named_like_an_option_is_checked_not_obeyed() {
    let registry = registry_with_a_committed_broken_link();
    registry.write(
        "p/c.mlem",
        "[severity]\n\"link/path-not-found\" = \"off\"\n",
    );
    registry.write("--config=p/c.mlem", "");
    registry.commit("a config in disguise");
    let output = bin()
        .current_dir(registry.path())
        .args(["hook", "pre-commit", "--offline"])
        .args(["--config=p/c.mlem", "broken.mlem", "rf.mlem"])
        .output()
        .unwrap();
    let said = text(&output);
    assert_eq!(output.status.code(), Some(1), "{said}");
    assert!(
        said.contains("broken.mlem:3:7") && said.contains("link/path-not-found"),
        "{said}"
    );
}

/// Commits the remote has only under a fetched pull request ref (`refs/remotes/origin/pr/*`) are
/// not on its branches: pushing them to a branch checks them. Only the remote-tracking refs that
/// mirror the remote's branches and tags count as what the remote has.
#[test]
fn a_fetched_pull_request_ref_does_not_vouch_for_its_commits() {
    let (registry, origin) = pushed_registry(&["--pre-push"]);
    registry.git(&["checkout", "-q", "-b", "contribution"]);
    registry.write("typo.mlem", link("model", "models/rff"));
    registry.commit("an unmerged contribution with a broken link");
    // The contribution reaches the remote as a pull request ref, not a branch.
    let sent = git(
        registry.path(),
        &[
            "push",
            "-q",
            "--no-verify",
            "origin",
            "HEAD:refs/pull/1/head",
        ],
    );
    assert!(sent.status.success(), "{}", text(&sent));
    registry.git(&[
        "config",
        "--add",
        "remote.origin.fetch",
        "+refs/pull/*/head:refs/remotes/origin/pr/*",
    ]);
    registry.git(&["fetch", "-q", "origin"]);
    assert!(
        !registry
            .git(&["rev-parse", "refs/remotes/origin/pr/1"])
            .is_empty()
    );
    let push = git(registry.path(), &["push", "origin", "contribution"]);
    let said = text(&push);
    assert!(!push.status.success(), "{said}");
    assert!(
        said.contains("typo.mlem") && said.contains("link/path-not-found"),
        "{said}"
    );
    let reached = git(
        origin.path(),
        &["show-ref", "--verify", "--quiet", "refs/heads/contribution"],
    );
    assert!(
        !reached.status.success(),
        "nothing reached the remote's branches"
    );
}
