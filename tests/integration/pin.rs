//! `pin` against the GitHub test server: moving revs become the commit they point at now, byte
//! for byte where expected, comments, quoting, key order and line ends kept; `--dry-run` writes
//! nothing; a tag or a sha is left alone.

use crate::common;

use common::github::{Fault, GitHub};
use common::{Repo, bin, example_repo};

const EXAMPLE: &str = "https://github.com/iterative/example-mlem-get-started";

/// The files before pinning, and what each must be after; `MAIN` stands for main's commit.
fn cases() -> Vec<(&'static str, String, String)> {
    let body = |rev: &str| {
        format!(
            "# Production random forest: reviewed by the ML platform team.\nrev: {rev}   # was a branch\nproject: {EXAMPLE}\npath: models/rf   # the model\nobject_type: link\nlink_type: model\n"
        )
    };
    vec![
        ("comments.mlem", body("main"), body("MAIN")),
        (
            "quoted.mlem",
            format!(
                "link_type: model\nobject_type: link\npath: models/rf\nrepo: '{EXAMPLE}'\nrev: \"main\"\n"
            ),
            format!(
                "link_type: model\nobject_type: link\npath: models/rf\nrepo: '{EXAMPLE}'\nrev: \"MAIN\"\n"
            ),
        ),
        (
            "default-branch.mlem",
            format!(
                "link_type: model\r\nobject_type: link\r\nrepo: {EXAMPLE}\r\npath: models/rf\r\n"
            ),
            format!(
                "link_type: model\r\nobject_type: link\r\nrepo: {EXAMPLE}\r\nrev: MAIN\r\npath: models/rf\r\n"
            ),
        ),
        (
            "flow.mlem",
            format!(
                "{{link_type: model, object_type: link, project: \"{EXAMPLE}\", path: models/rf}}\n"
            ),
            format!(
                "{{link_type: model, object_type: link, project: \"{EXAMPLE}\", rev: MAIN, path: models/rf}}\n"
            ),
        ),
        (
            "deploy/service.mlem",
            format!(
                "object_type: deployment\nmodel_link:\n  # the served model\n  project: {EXAMPLE}\n  path: models/rf\n  link_type: model\n  object_type: link\n"
            ),
            format!(
                "object_type: deployment\nmodel_link:\n  # the served model\n  project: {EXAMPLE}\n  rev: MAIN\n  path: models/rf\n  link_type: model\n  object_type: link\n"
            ),
        ),
        (
            "tagged.mlem",
            format!(
                "link_type: model\nobject_type: link\npath: models/rf\nrepo: {EXAMPLE}\nrev: 2-train\n"
            ),
            format!(
                "link_type: model\nobject_type: link\npath: models/rf\nrepo: {EXAMPLE}\nrev: 2-train\n"
            ),
        ),
    ]
}

fn setup() -> (GitHub, Repo, Repo, String) {
    let server = GitHub::start();
    let example = example_repo();
    server.add_repo("iterative/example-mlem-get-started", example.path());
    let main = example.git(&["rev-parse", "main"]).trim().to_owned();
    let registry = Repo::new();
    for (path, before, _) in cases() {
        registry.write(path, before);
    }
    registry.commit("registry");
    (server, example, registry, main)
}

fn pin(server: &GitHub, registry: &Repo, args: &[&str]) -> (i32, String) {
    let output = bin()
        .current_dir(registry.path())
        .arg("pin")
        .args(args)
        .env("GITHUB_API_URL", server.url())
        .env("GITHUB_TOKEN", "ghp_pin_token")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    (output.status.code().unwrap_or(-1), text)
}

#[test]
fn pins_moving_revs_byte_for_byte() {
    let (server, _example, registry, main) = setup();
    let (code, said) = pin(&server, &registry, &[]);
    assert_eq!(code, 0, "{said}");
    for (path, _, after) in cases() {
        let got = std::fs::read_to_string(registry.path().join(path)).unwrap();
        assert_eq!(got, after.replace("MAIN", &main), "{path}");
    }
    assert!(said.contains("pinned 5 links in 5 files"), "{said}");
    assert!(
        said.contains(&format!("comments.mlem:2: pin `rev` to {main}")),
        "{said}"
    );
    // Pinned, the registry has nothing left to pin and checks clean.
    let (code, said) = pin(&server, &registry, &[]);
    assert_eq!(code, 0);
    assert!(said.contains("pinned 0 links in 0 files"), "{said}");
    let check = bin()
        .current_dir(registry.path())
        .args(["check", "--format", "json"])
        .env("GITHUB_API_URL", server.url())
        .env("GITHUB_TOKEN", "ghp_pin_token")
        .output()
        .unwrap();
    assert_eq!(
        check.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );
}

#[test]
fn dry_run_shows_a_diff_and_writes_nothing() {
    let (server, _example, registry, main) = setup();
    let (code, said) = pin(
        &server,
        &registry,
        &["--dry-run", "comments.mlem", "deploy"],
    );
    assert_eq!(code, 0, "{said}");
    assert!(
        said.contains("--- a/comments.mlem\n+++ b/comments.mlem\n"),
        "{said}"
    );
    assert!(said.contains("-rev: main   # was a branch\n"), "{said}");
    assert!(
        said.contains(&format!("+rev: {main}   # was a branch\n")),
        "{said}"
    );
    assert!(said.contains(&format!("+  rev: {main}\n")), "{said}");
    assert!(
        !said.contains("quoted.mlem"),
        "only the paths named: {said}"
    );
    assert!(said.contains("would pin 2 links in 2 files"), "{said}");
    for (path, before, _) in cases() {
        let got = std::fs::read_to_string(registry.path().join(path)).unwrap();
        assert_eq!(got, before, "{path} was written");
    }
}

#[test]
fn unresolvable_links_are_left_alone_with_exit_3() {
    let (server, _example, registry, _main) = setup();
    server.inject(
        Fault::PrimaryExhausted {
            reset_in_secs: 3600,
        },
        1000,
    );
    let (code, said) = pin(&server, &registry, &[]);
    assert_eq!(code, 3, "{said}");
    assert!(
        said.contains(": not pinned: ") && said.contains("(link/unverified)"),
        "{said}"
    );
    for (path, before, _) in cases() {
        let got = std::fs::read_to_string(registry.path().join(path)).unwrap();
        assert_eq!(got, before, "{path}");
    }
}

#[test]
fn a_broken_link_is_not_pinned_and_said_with_exit_1() {
    let (server, _example, registry, _main) = setup();
    registry.write(
        "broken.mlem",
        "link_type: model\nobject_type: link\npath: models/rf.mlem\nproject: https://github.com/iterative/example-mlem-get-started\nrev: nope\n",
    );
    let (code, said) = pin(&server, &registry, &["broken.mlem"]);
    assert_eq!(code, 1, "{said}");
    assert!(
        said.contains("error: broken.mlem:5: not pinned: ")
            && said.contains("(link/rev-not-found)"),
        "{said}"
    );
    assert!(said.contains("pinned 0 links in 0 files"), "{said}");
}

#[test]
fn a_production_link_on_a_branch_is_pinned_without_an_error_and_missing_weights_do_not_stop_it() {
    let (server, example, registry, main) = setup();
    // The example's weights are not in the test repository at this commit: a model `check`
    // reports, but still the right link to pin.
    example.remove("models/rf");
    example.commit("weights gone");
    let main_now = example.git(&["rev-parse", "main"]);
    assert_ne!(main, main_now);
    registry
        .write(".mlem-registry.toml", "production = [\"comments.mlem\"]\n")
        .commit("comments.mlem is production");
    let (code, said) = pin(&server, &registry, &["comments.mlem"]);
    assert_eq!(code, 0, "{said}");
    assert!(!said.contains("not pinned"), "{said}");
    assert!(said.contains("pinned 1 link in 1 file"), "{said}");
    let pinned = std::fs::read_to_string(registry.path().join("comments.mlem")).unwrap();
    assert!(pinned.contains(&format!("rev: {main_now}")), "{pinned}");
}
