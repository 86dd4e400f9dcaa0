//! MLEM's registry workflow end to end: `init`, `link` (refusing missing targets, byte for byte
//! what MLEM writes), `check`, `resolve` and `ls`, against the GitHub test server serving the
//! example's rebuilt history and against `file://` repositories.

use crate::common;

use std::path::Path;

use common::github::GitHub;
use common::{MODEL, Repo, bin, example_repo};
use serde_json::Value;

const EXAMPLE: &str = "https://github.com/iterative/example-mlem-get-started";

fn serve_example() -> (GitHub, Repo) {
    let server = GitHub::start();
    let example = example_repo();
    server.add_repo("iterative/example-mlem-get-started", example.path());
    (server, example)
}

/// Runs the binary in `dir` against `server` with a token; (exit code, stdout, stderr).
fn run(server: &GitHub, dir: &Path, args: &[&str]) -> (i32, String, String) {
    let output = bin()
        .current_dir(dir)
        .args(args)
        .env("GITHUB_API_URL", server.url())
        .env("GITHUB_TOKEN", "ghp_workflow_token")
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// A new registry made by `init`, committed so `check` sees a repository.
fn new_registry(server: &GitHub) -> Repo {
    let registry = Repo::new();
    let (code, out, err) = run(server, registry.path(), &["init"]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        std::fs::read(registry.path().join(".mlem.yaml")).unwrap(),
        b""
    );
    registry
}

/// A repository with a model at `models/rf.mlem`, committed on `main`.
fn models_repo() -> Repo {
    let models = Repo::new();
    models.write("models/rf.mlem", MODEL);
    models.commit("models");
    models
}

/// A new registry whose config allows links to repositories of this machine.
fn registry_allowing_files(server: &GitHub) -> Repo {
    let registry = new_registry(server);
    registry.write(".mlem-registry.toml", "allowed_hosts = [\"file\"]\n");
    registry
}

#[test]
fn the_seeds_example_link_byte_for_byte_then_check_and_resolve() {
    let (server, example) = serve_example();
    let registry = new_registry(&server);
    let (code, out, err) = run(
        &server,
        registry.path(),
        &["link", "--sp", EXAMPLE, "--rev", "main", "models/rf", "rf"],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        out,
        format!("Loading meta from {EXAMPLE}/models/rf.mlem@main\nSaving link to rf.mlem\n")
    );
    assert_eq!(
        std::fs::read_to_string(registry.path().join("rf.mlem")).unwrap(),
        format!(
            "link_type: model\nobject_type: link\npath: models/rf.mlem\nproject: {EXAMPLE}\nrev: main\n"
        )
    );
    assert!(
        err.contains("link/unpinned-rev"),
        "a branch is worth a warning: {err}"
    );
    registry.commit("a link");
    let (code, out, _) = run(&server, registry.path(), &["check", "--format", "json"]);
    let json: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(code, 0, "{json:#}");
    assert_eq!(json["summary"]["errors"], 0);
    let (code, out, err) = run(
        &server,
        registry.path(),
        &["resolve", "rf", "--format", "json"],
    );
    assert_eq!(code, 0, "{err}");
    let json: Value = serde_json::from_str(&out).unwrap();
    let main = example.git(&["rev-parse", "main"]).trim().to_owned();
    assert_eq!(json["target"]["repository"], EXAMPLE);
    assert_eq!(json["target"]["rev"], "main");
    assert_eq!(json["target"]["commit"], main.as_str());
    assert_eq!(json["target"]["path"], "models/rf.mlem");
    assert_eq!(json["target"]["object_type"], "model");
}

#[test]
fn a_rev_without_the_model_is_refused_with_the_reason() {
    let (server, _example) = serve_example();
    let registry = new_registry(&server);
    let (code, out, err) = run(
        &server,
        registry.path(),
        &[
            "link",
            "--sp",
            EXAMPLE,
            "--rev",
            "5-deploy-meta",
            "models/rf",
            "rf",
        ],
    );
    assert_eq!(code, 1, "{out}{err}");
    assert!(err.contains("not writing rf.mlem"), "{err}");
    assert!(
        err.contains("models/rf.mlem") && err.contains("5-deploy-meta"),
        "{err}"
    );
    assert!(!registry.path().join("rf.mlem").exists());
    let (code, _, err) = run(
        &server,
        registry.path(),
        &[
            "link",
            "--sp",
            "https://github.com/iterative/gone",
            "models/rf",
            "rf",
        ],
    );
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("not found"), "{err}");
}

#[test]
fn pin_legacy_key_type_and_quiet() {
    let (server, example) = serve_example();
    let registry = new_registry(&server);
    let main = example.git(&["rev-parse", "main"]).trim().to_owned();
    let (code, out, err) = run(
        &server,
        registry.path(),
        &[
            "link",
            "-q",
            "--pin",
            "--legacy-repo-key",
            "--sp",
            EXAMPLE,
            "models/rf",
            "prod/rf",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "", "quiet");
    assert_eq!(
        std::fs::read_to_string(registry.path().join("prod/rf.mlem")).unwrap(),
        format!(
            "link_type: model\nobject_type: link\npath: models/rf.mlem\nrepo: {EXAMPLE}\nrev: {main}\n"
        )
    );
    let (code, _, err) = run(
        &server,
        registry.path(),
        &[
            "link",
            "--type",
            "data",
            "--sp",
            EXAMPLE,
            "--rev",
            "main",
            "models/rf",
            "x",
        ],
    );
    assert_eq!(code, 1);
    assert!(err.contains("is a `model` object, not `data`"), "{err}");
    let (code, _, err) = run(
        &server,
        registry.path(),
        &[
            "link",
            "--sp",
            EXAMPLE,
            "--rev",
            "main",
            "models/rf",
            "prod/rf",
        ],
    );
    assert_eq!(code, 2, "no overwrite without --force: {err}");
}

#[test]
fn relative_and_file_links_round_trip() {
    let server = GitHub::start();
    let models = Repo::new();
    models.write("models/rf.mlem", MODEL);
    models.write("data/iris.mlem", "object_type: data\n");
    models.commit("models");
    let registry = new_registry(&server);
    // Links to repositories of this machine are refused unless the config allows them.
    registry.write(
        ".mlem-registry.toml",
        "allowed_hosts = [\"github.com\", \"file\"]\n",
    );
    registry.write("local/gbt.mlem", MODEL);
    let source = models.path().to_str().unwrap();
    let (code, _, err) = run(
        &server,
        registry.path(),
        &["link", "--sp", source, "models/rf", "rf"],
    );
    assert_eq!(code, 0, "{err}");
    let canonical = std::fs::canonicalize(models.path()).unwrap();
    assert_eq!(
        std::fs::read_to_string(registry.path().join("rf.mlem")).unwrap(),
        format!(
            "link_type: model\nobject_type: link\npath: models/rf.mlem\nproject: file://{}/\n",
            canonical.display()
        )
    );
    // An alias inside the registry, and an alias of that alias.
    let (code, _, err) = run(&server, registry.path(), &["link", "local/gbt", "gbt"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        std::fs::read_to_string(registry.path().join("gbt.mlem")).unwrap(),
        "link_type: model\nobject_type: link\npath: local/gbt.mlem\n"
    );
    // A link to a link is a link to the object it lands on, as MLEM writes it.
    let (code, _, err) = run(&server, registry.path(), &["link", "rf", "rf-direct"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        std::fs::read_to_string(registry.path().join("rf-direct.mlem")).unwrap(),
        std::fs::read_to_string(registry.path().join("rf.mlem")).unwrap()
    );
    std::fs::remove_file(registry.path().join("rf-direct.mlem")).unwrap();
    // A chain written by hand, for resolve.
    registry.write(
        "rf-alias.mlem",
        "link_type: model\nobject_type: link\npath: rf.mlem\n",
    );
    let (code, _, err) = run(&server, registry.path(), &["link", "nowhere", "broken"]);
    assert_eq!(code, 1, "{err}");
    assert!(!registry.path().join("broken.mlem").exists());
    registry.commit("links");
    let (code, out, _) = run(&server, registry.path(), &["check", "--format", "json"]);
    let json: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["summary"]["errors"], 0, "{json:#}");
    assert_eq!(code, 0);
    let (code, out, err) = run(&server, registry.path(), &["resolve", "rf-alias"]);
    assert_eq!(code, 0, "{err}");
    // The last hop is in another repository (a `file://` URL): named as MLEM names it.
    assert!(
        out.starts_with(&format!(
            "rf-alias.mlem -> rf.mlem -> file://{}/models/rf.mlem\n",
            canonical.display()
        )),
        "{out}"
    );
    assert!(
        out.contains(&format!("repository:  file://{}/", canonical.display())),
        "{out}"
    );
    assert!(out.contains("object type: model"), "{out}");
    let (code, out, _) = run(
        &server,
        registry.path(),
        &["resolve", "rf-alias", "--no-follow"],
    );
    assert_eq!(code, 0);
    assert!(
        out.contains("path:        rf.mlem") && out.contains("this project"),
        "{out}"
    );
    let (code, out, _) = run(&server, registry.path(), &["ls", "--format", "json"]);
    assert_eq!(code, 0);
    let entries: Value = serde_json::from_str(&out).unwrap();
    let rows: Vec<(String, String, String)> = entries
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["name"].as_str().unwrap().to_owned(),
                e["object_type"].as_str().unwrap_or("?").to_owned(),
                e["link_type"].as_str().unwrap_or("-").to_owned(),
            )
        })
        .collect();
    let expect = |name: &str, kind: &str, link_type: &str| {
        (name.to_owned(), kind.to_owned(), link_type.to_owned())
    };
    // By name, as MLEM loads them: `rf` before `rf-alias`.
    assert_eq!(
        rows,
        [
            expect("gbt", "link", "model"),
            expect("local/gbt", "model", "-"),
            expect("rf", "link", "model"),
            expect("rf-alias", "link", "model"),
        ]
    );
    // The target field by field, as the file has it.
    assert_eq!(
        entries[3]["target"],
        serde_json::json!({"path": "rf.mlem", "project": null, "rev": null})
    );
    let (_, table, _) = run(&server, registry.path(), &["ls"]);
    assert!(table.contains("\nrf-alias   model  rf.mlem\n"), "{table}");
    // PATH limits the listing: a folder, or one file.
    let (code, table, err) = run(&server, registry.path(), &["ls", "local"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(table, "NAME       TYPE   LINK TO\nlocal/gbt  model\n");
    let (code, table, err) = run(&server, registry.path(), &["ls", "rf.mlem"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(table.lines().count(), 2, "{table}");
    assert!(table.contains("\nrf "), "{table}");
}

#[test]
fn init_with_ci_adds_the_workflow_and_config_and_keeps_what_is_there() {
    let server = GitHub::start();
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("new-registry");
    let (code, out, err) = run(&server, dir.path(), &["init", "new-registry", "--with-ci"]);
    assert_eq!(code, 0, "{out}");
    let workflow =
        std::fs::read_to_string(target.join(".github/workflows/mlem-registry.yml")).unwrap();
    let release = mlem_registry::build_info::RELEASE;
    assert_eq!(
        workflow,
        mlem_registry::project::ci_workflow(release.as_ref(), "")
    );
    match release {
        // A development build cannot know the release: the placeholder, and a warning naming
        // the file and everything to fill in.
        None => {
            assert!(
                workflow.contains("- uses: OWNER/mlem-registry@COMMIT-SHA # vX.Y.Z\n"),
                "{workflow}"
            );
            let file = Path::new("new-registry").join(".github/workflows/mlem-registry.yml");
            assert!(
                err.ends_with(&format!(
                    "warning: this development build of mlem-registry cannot know which release to pin: in {}, replace OWNER/mlem-registry with the repository of the mlem-registry action, COMMIT-SHA with the full commit sha of the release to use and vX.Y.Z with its tag; the workflow fails until then\n",
                    file.display()
                )),
                "{err}"
            );
        }
        Some(release) => {
            let uses = format!(
                "- uses: {}@{} # v{}\n",
                release.repository, release.commit, release.version
            );
            assert!(workflow.contains(&uses), "{workflow}");
            assert!(!err.contains("warning"), "{err}");
        }
    }
    // Not in a git repository: said, since GitHub reads the workflow only at a repository's
    // root; and the config's host list, which refuses `file://` links, is said too.
    assert!(
        err.contains("note: new-registry is in no git repository"),
        "{err}"
    );
    assert!(
        err.contains("add \"file\" to its allowed_hosts for file:// links"),
        "{err}"
    );
    assert!(
        out.contains("wrote new-registry/.github/workflows/mlem-registry.yml"),
        "{out}"
    );
    let config = std::fs::read_to_string(target.join(".mlem-registry.toml")).unwrap();
    assert!(mlem_registry::config::Config::parse(&config, "c").is_ok());
    let (code, out, _) = run(&server, dir.path(), &["init", "new-registry"]);
    assert_eq!(code, 0);
    assert!(out.contains("a MLEM project already"), "{out}");
}

#[test]
fn init_with_ci_in_a_subfolder_of_a_repository_writes_the_workflow_at_its_root() {
    let server = GitHub::start();
    let repo = Repo::new();
    let (code, out, err) = run(&server, repo.path(), &["init", "teams/reg", "--with-ci"]);
    assert_eq!(code, 0, "{err}");
    let workflow = ".github/workflows/mlem-registry.yml";
    assert!(out.contains(&format!("wrote {workflow}\n")), "{out}");
    assert!(!repo.path().join("teams/reg/.github").exists());
    assert!(
        err.contains(&format!(
            "GitHub reads workflows only at a repository's root, so the workflow is {workflow}, checking `path: teams/reg`"
        )),
        "{err}"
    );
    let text = std::fs::read_to_string(repo.path().join(workflow)).unwrap();
    assert!(text.contains("        with:\n"), "{text}");
    assert!(text.contains("          path: \"teams/reg\"\n"), "{text}");
    // A second project in the same repository keeps the workflow and says what to add.
    let (code, out, err) = run(&server, repo.path(), &["init", "other", "--with-ci"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains(&format!("kept {workflow} (it exists)")),
        "{out}"
    );
    assert!(
        err.contains("give the mlem-registry step `path: other`"),
        "{err}"
    );
}

#[test]
fn links_that_would_break_or_escape_are_refused() {
    let server = GitHub::start();
    let models = models_repo();
    let registry = registry_allowing_files(&server);
    registry.write("local/rf.mlem", MODEL);
    let file_link = |path: &str| {
        format!(
            "link_type: model\nobject_type: link\npath: {path}\nproject: file://{}/\n",
            models.path().display()
        )
    };
    // An alias whose own target, in another repository, is missing.
    registry.write("via.mlem", file_link("models/gone.mlem"));
    let (code, _, err) = run(&server, registry.path(), &["link", "via", "v2"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("not writing v2.mlem"), "{err}");
    assert!(!registry.path().join("v2.mlem").exists());
    // NAME outside the project, or the target itself.
    let (code, _, err) = run(
        &server,
        registry.path(),
        &["link", "local/rf", "../escaped"],
    );
    assert_eq!(code, 2, "{err}");
    assert!(!registry.path().join("../escaped.mlem").exists());
    let (code, _, err) = run(
        &server,
        registry.path(),
        &["link", "--force", "local/rf", "local/rf"],
    );
    assert_eq!(code, 2, "{err}");
    assert_eq!(
        std::fs::read_to_string(registry.path().join("local/rf.mlem")).unwrap(),
        MODEL
    );
    // `--sp` naming this project makes a link inside it, as MLEM writes it.
    let here = registry.path().to_str().unwrap().to_owned();
    let (code, _, err) = run(
        &server,
        registry.path(),
        &["link", "--sp", &here, "local/rf", "same"],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        std::fs::read_to_string(registry.path().join("same.mlem")).unwrap(),
        "link_type: model\nobject_type: link\npath: local/rf.mlem\n"
    );
    // The config's allow-list holds for `link` too: nothing is looked up, nothing written.
    registry.write(".mlem-registry.toml", "allowed_hosts = [\"github.com\"]\n");
    let source = models.path().to_str().unwrap();
    let (code, _, err) = run(
        &server,
        registry.path(),
        &["link", "--sp", source, "models/rf", "x"],
    );
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("not allowed"), "{err}");
    assert!(!registry.path().join("x.mlem").exists());
}

/// A link file at `path` in `project` (a `file://` URL) at `rev`.
fn file_link(project: &Path, path: &str, rev: &str) -> String {
    format!(
        "link_type: model\nobject_type: link\npath: {path}\nproject: file://{}/\nrev: {rev}\n",
        project.canonicalize().unwrap().display()
    )
}

#[test]
fn link_through_a_chain_says_each_file_it_loads_and_warns_about_what_it_writes() {
    let server = GitHub::start();
    let models = models_repo();
    models.git(&["tag", "v1.0"]);
    let hops = Repo::new();
    hops.write(
        "pinned.mlem",
        file_link(models.path(), "models/rf.mlem", "v1.0"),
    );
    hops.write(
        "moving.mlem",
        file_link(models.path(), "models/rf.mlem", "main"),
    );
    hops.commit("hops");
    let registry = registry_allowing_files(&server);
    let hops_url = format!("file://{}/", hops.path().canonicalize().unwrap().display());
    let models_url = format!(
        "file://{}/",
        models.path().canonicalize().unwrap().display()
    );
    let args = |name: &str, to: &str| {
        let hops = hops.path().to_str().unwrap().to_owned();
        vec!["link", "--sp", &hops, "--rev", "main", name, to]
            .into_iter()
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    let run_link = |name: &str, to: &str| {
        let args = args(name, to);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        run(&server, registry.path(), &args)
    };
    // Through `pinned` (a link to v1.0 in `models`): both files loaded are named as they are,
    // and `main` (asked of `hops`, not written) is not warned about.
    let (code, out, err) = run_link("pinned", "chain");
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        format!(
            "Loading meta from {hops_url}pinned.mlem@main\nLoading meta from {models_url}models/rf.mlem@v1.0\nSaving link to chain.mlem\n"
        )
    );
    assert_eq!(err, "");
    let written = std::fs::read_to_string(registry.path().join("chain.mlem")).unwrap();
    assert!(
        written.ends_with(&format!("project: {models_url}\nrev: v1.0\n")),
        "{written}"
    );
    // Through `moving` (a link to `main` of `models`): the written `main` is warned about.
    let (code, _, err) = run_link("moving", "moving");
    assert_eq!(code, 0, "{err}");
    assert!(
        err.starts_with("warning: rev `main` is a branch, now at "),
        "{err}"
    );
    // A link in this project to `chain` names the project's file, then the one it reaches.
    let (code, out, err) = run(&server, registry.path(), &["link", "chain", "local"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with(&format!(
            "Loading meta from chain.mlem\nLoading meta from {models_url}models/rf.mlem@v1.0\n"
        )),
        "{out}"
    );
}

#[test]
fn resolve_exits_like_check_and_follows_as_check_does() {
    let server = GitHub::start();
    let registry = new_registry(&server);
    registry.write("models/rf.mlem", MODEL);
    registry.write("data.mlem", "object_type: data\nreader:\n  type: pandas\n");
    registry.write("rf.mlem", common::link("model", "models/rf"));
    registry.write("alias.mlem", common::link("model", "rf"));
    registry.write("wrong.mlem", common::link("model", "data"));
    registry.write(
        "typo.mlem",
        "link_type: model\nobject_type: link\npaht: rf\n",
    );
    registry.write(
        "remote.mlem",
        "link_type: model\nobject_type: link\npath: models/rf.mlem\nproject: https://github.com/o/r\nrev: v1\n",
    );
    // A chain names each file once, ending on the object's.
    let (code, out, err) = run(&server, registry.path(), &["resolve", "alias"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with("alias.mlem -> rf.mlem -> models/rf.mlem\n"),
        "{out}"
    );
    // A link that could not be verified: 3, as `check`, `link` and `pin` exit.
    let (code, _, err) = run(
        &server,
        registry.path(),
        &["resolve", "remote", "--offline"],
    );
    assert_eq!(code, 3, "{err}");
    assert!(
        err.starts_with("warning: remote.mlem could not be verified: "),
        "{err}"
    );
    // A link to an object of another type, and a link file whose link is not valid, do not
    // land: `check` reports both as errors.
    let (code, _, err) = run(&server, registry.path(), &["resolve", "wrong"]);
    assert_eq!(code, 1);
    assert_eq!(
        err,
        "error: wrong.mlem does not resolve: wrong.mlem links to a `model`, but data.mlem is a `data`\n"
    );
    let (code, _, err) = run(&server, registry.path(), &["resolve", "typo"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("typo.mlem is a link file whose link is not valid"),
        "{err}"
    );
}

#[test]
fn a_file_url_with_or_without_its_slash_is_one_repository() {
    let server = GitHub::start();
    let models = models_repo();
    let registry = registry_allowing_files(&server);
    let canonical = models.path().canonicalize().unwrap();
    let bare = format!("file://{}", canonical.display());
    let slashed = format!("{bare}/");
    // `link` writes one spelling, MLEM's, however --sp was spelled.
    for (name, sp) in [("a", &bare), ("b", &slashed)] {
        let (code, _, err) = run(
            &server,
            registry.path(),
            &["link", "--sp", sp, "--rev", "main", "models/rf", name],
        );
        assert_eq!(code, 0, "{err}");
        let text = std::fs::read_to_string(registry.path().join(format!("{name}.mlem"))).unwrap();
        assert!(text.contains(&format!("project: {slashed}\n")), "{text}");
    }
    // Written by hand both ways, they are one target for link/duplicate-target.
    registry.remove("b.mlem");
    registry.write(
        "b.mlem",
        format!("link_type: model\nobject_type: link\npath: models/rf.mlem\nproject: {bare}\nrev: main\n"),
    );
    registry.commit("links");
    let (_, out, _) = run(&server, registry.path(), &["check", "--format", "json"]);
    let json: Value = serde_json::from_str(&out).unwrap();
    let duplicates = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "link/duplicate-target")
        .count();
    assert_eq!(duplicates, 1, "{json:#}");
}
