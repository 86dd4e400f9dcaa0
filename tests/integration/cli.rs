//! The binary's interface: output formats (snapshots), exit codes, `--explain`, `schema`, and
//! bad input end to end.

use crate::common;

use std::path::Path;

use common::{MODEL, Repo, bin, check_json, link, rules};

fn example() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/registry"))
}

/// The example registry as a repository of its own, so output does not depend on where the
/// project is checked out.
fn example_repo() -> Repo {
    let repo = Repo::new();
    repo.replace_with(example());
    repo.commit("example registry");
    repo
}

#[test]
fn human_output_snapshot() {
    let repo = example_repo();
    let (code, out) = common::check(repo.path(), &["--offline"]);
    assert_eq!(code, 1);
    insta::assert_snapshot!(out);
}

#[test]
fn json_output_snapshot() {
    let repo = example_repo();
    let (code, json) = check_json(repo.path(), &["--offline"]);
    assert_eq!(code, 1);
    insta::assert_json_snapshot!(json);
}

#[test]
fn no_help_advises_pointing_at_a_link_mlem_cannot_load_by_name() {
    let repo = example_repo();
    let (_, json) = check_json(repo.path(), &["--offline"]);
    let findings = json["findings"].as_array().unwrap();
    let unreachable: Vec<&str> = findings
        .iter()
        .filter(|f| {
            f["rule"] == "link/name-collision"
                && f["message"]
                    .as_str()
                    .unwrap()
                    .contains("which MLEM loads instead of this link")
        })
        .map(|f| f["file"].as_str().unwrap())
        .collect();
    assert!(!unreachable.is_empty(), "the example has a shadowed link");
    for finding in findings {
        let help = finding["help"].as_str().unwrap_or("");
        for file in &unreachable {
            assert!(
                !help.contains(&format!("point at `{file}`")),
                "{} on {} advises pointing at {file}, which {} says MLEM cannot load: {help}",
                finding["rule"],
                finding["file"],
                "link/name-collision"
            );
        }
    }
}

#[test]
fn the_readme_command_runs_on_the_bundled_example() {
    let (code, json) = check_json(example(), &["--offline"]);
    assert_eq!(code, 1);
    let found: Vec<String> = rules(&json).into_iter().map(|(rule, _, _)| rule).collect();
    for rule in [
        "yaml/syntax",
        "yaml/duplicate-key",
        "schema/invalid",
        "schema/unknown-field",
        "link/path-not-found",
        "link/type-mismatch",
        "link/not-mlem-object",
        "link/cycle",
        "link/path-escapes-repo",
        "link/unverified",
        "link/host-not-allowed",
        "link/duplicate-target",
        "link/name-collision",
    ] {
        assert!(
            found.iter().any(|r| r == rule),
            "{rule} missing from {found:?}"
        );
    }
    // What the README says of that run stays true.
    let mut distinct = found.clone();
    distinct.sort();
    distinct.dedup();
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let said = format!(
        "{} of the {}\nrules below fire there",
        distinct.len(),
        mlem_registry::rules::ALL.len()
    );
    assert!(readme.contains(&said), "README.md should say: {said}");
    assert!(
        readme.contains("cargo run --release -- check --offline examples/registry"),
        "the README's first command"
    );
    let unverified = found.iter().filter(|r| *r == "link/unverified").count();
    assert_eq!(unverified, 2, "README.md says: its two links to GitHub");
}

#[test]
fn fail_on_sets_the_threshold() {
    let repo = Repo::new();
    repo.write("models/rf.mlem", MODEL).write(
        "rf.mlem",
        format!("{}revision: v1\n", link("model", "models/rf")),
    );
    repo.commit("warning only");
    assert_eq!(check_json(repo.path(), &[]).0, 0);
    assert_eq!(check_json(repo.path(), &["--fail-on", "warning"]).0, 1);
    assert_eq!(check_json(repo.path(), &["--fail-on", "note"]).0, 1);
}

#[test]
fn offline_remote_links_are_notes_not_failures() {
    let repo = Repo::new();
    repo.write(
        "prod.mlem",
        "link_type: model\nobject_type: link\npath: models/rf.mlem\nrepo: https://github.com/iterative/example-mlem-get-started/\nrev: main\n",
    );
    repo.commit("remote");
    let (code, json) = check_json(repo.path(), &["--offline"]);
    assert_eq!(code, 0);
    assert_eq!(json["findings"][0]["severity"], "note");
    assert_eq!(json["summary"]["unverified"], 1);
}

#[test]
fn explain_prints_every_rule() {
    for rule in mlem_registry::rules::ALL {
        let out = bin()
            .args(["check", "--explain", rule.id])
            .output()
            .unwrap();
        assert!(out.status.success());
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(
            text.starts_with(rule.id) && text.contains(rule.explain),
            "{text}"
        );
    }
    let out = bin()
        .args(["check", "--explain", "link/nope"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("`--explain` with no rule lists them"));
    // With no rule: every rule on a line, with its severity and summary.
    let out = bin().args(["check", "--explain"]).output().unwrap();
    assert!(out.status.success());
    let list = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        list.lines().count(),
        mlem_registry::rules::ALL.len(),
        "{list}"
    );
    for rule in mlem_registry::rules::ALL {
        assert!(
            list.lines()
                .any(|line| line.starts_with(rule.id) && line.ends_with(rule.summary)),
            "{list}"
        );
    }
}

#[test]
fn schema_prints_the_link_schema() {
    let out = bin().args(["schema", "link"]).output().unwrap();
    assert!(out.status.success());
    let schema: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(schema["title"], "MLEM link");
}

#[test]
fn usage_and_io_errors_exit_two() {
    let out = bin()
        .args(["check", "/definitely/not/here"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/definitely/not/here"));
    let out = bin().args(["check", "--format", "xml"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn bad_input_is_a_finding_never_a_crash() {
    let repo = Repo::new();
    let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x]\n");
    for (prev, name) in ["a", "b", "c", "d", "e", "f", "g", "h"]
        .iter()
        .zip(["b", "c", "d", "e", "f", "g", "h", "i"])
    {
        bomb.push_str(&format!("{name}: &{name} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"));
    }
    repo.write("empty.mlem", "")
        .write("list.mlem", "- a\n- b\n")
        .write("latin1.mlem", b"object_type: model\ndescription: caf\xe9\n")
        .write(
            "large.mlem",
            format!("object_type: data\nx: \"{}\"\n", "y".repeat(1_100_000)),
        )
        .write("bomb.mlem", bomb)
        .write("deep.mlem", format!("a: {}", "[".repeat(50_000)))
        .write("dup.mlem", "object_type: model\nobject_type: data\n")
        .write("tabs.mlem", "object_type:\tmodel\n\tx: 1\n");
    repo.commit("bad");
    let (code, json) = check_json(repo.path(), &[]);
    assert_eq!(code, 1);
    let found: Vec<(String, String)> = rules(&json).into_iter().map(|(r, f, _)| (f, r)).collect();
    let expected = [
        ("bomb.mlem", "yaml/syntax"),
        ("deep.mlem", "yaml/syntax"),
        ("dup.mlem", "yaml/duplicate-key"),
        ("empty.mlem", "file/empty"),
        ("large.mlem", "file/too-large"),
        ("latin1.mlem", "yaml/encoding"),
        ("list.mlem", "schema/invalid"),
        ("tabs.mlem", "yaml/syntax"),
    ];
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(f, r)| (f.to_string(), r.to_string()))
        .collect();
    assert_eq!(found, expected, "{json}");
}

#[test]
fn the_token_goes_over_plain_http_only_to_this_machine() {
    let repo = Repo::new();
    repo.write("a.mlem", MODEL);
    repo.commit("one model");
    for (url, why) in [
        (
            "http://localhost:1@evil.example/api/v3",
            "has no plain host",
        ),
        (
            "http://127.0.0.1\\@evil.example/api/v3",
            "has no plain host",
        ),
        ("http://evil.example/api/v3", "only over https"),
    ] {
        let output = bin()
            .args(["check", "--github-api-url", url])
            .arg(repo.path())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{url}: {stderr}");
        assert!(stderr.contains(why), "{url}: {stderr}");
        assert_eq!(stderr.matches(why).count(), 1, "said once: {stderr}");
    }
}

#[test]
fn an_os_error_is_said_once() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nowhere");
    let config = dir.path().join("nowhere.toml");
    for args in [
        vec!["check".into(), missing.display().to_string()],
        vec![
            "check".into(),
            "--config".into(),
            config.display().to_string(),
            dir.path().display().to_string(),
        ],
    ] {
        let output = bin().args(&args).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert_eq!(stderr.matches("os error").count(), 1, "{args:?}: {stderr}");
    }
}

#[test]
fn resolve_names_each_file_of_a_chain_once() {
    let output = bin()
        .args(["resolve", "rf-alias", "--project"])
        .arg(example())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.starts_with("rf-alias.mlem -> models/rf.mlem\n"),
        "{stdout}"
    );
}

/// Every subcommand's `--help`, as users read it: a change to a flag's text or its group shows
/// in review.
#[test]
fn help_snapshots() {
    let commands: &[&[&str]] = &[
        &[],
        &["check"],
        &["action"],
        &["init"],
        &["link"],
        &["resolve"],
        &["ls"],
        &["diff"],
        &["log"],
        &["pin"],
        &["schema"],
        &["hook"],
        &["hook", "install"],
        &["hook", "uninstall"],
        &["hook", "pre-push"],
        &["hook", "pre-commit"],
    ];
    for command in commands {
        let out = bin().args(*command).arg("--help").output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{command:?}");
        let help = String::from_utf8(out.stdout).unwrap();
        // Every subcommand's help ends with the one table of exit codes.
        assert!(
            help.trim_end().ends_with("130  interrupted (Ctrl-C)"),
            "{command:?}: {help}"
        );
        let name = match command.join("-") {
            name if name.is_empty() => "help".to_owned(),
            name => format!("help-{name}"),
        };
        insta::assert_snapshot!(name, help);
    }
}

#[test]
fn the_readme_has_the_exit_codes_help_prints() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let out = bin().arg("--help").output().unwrap();
    let help = String::from_utf8(out.stdout).unwrap();
    let table = &help[help.find("Exit codes:").expect("the table")..];
    assert!(
        readme.contains(&format!("```text\n{}\n```", table.trim_end())),
        "README.md lacks:\n{table}"
    );
}

#[test]
fn check_run_outside_actions_reports_each_finding_once() {
    let repo = Repo::new();
    repo.write("broken.mlem", link("model", "nowhere"));
    repo.commit("a broken link");
    let out = bin()
        .current_dir(repo.path())
        .args(["check", "--check-run", "mlem-registry", "--offline"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    // No workflow commands outside Actions: the finding is said once, in the human format.
    assert!(!stdout.contains("::error"), "{stdout}");
    assert_eq!(stdout.matches("link/path-not-found").count(), 1, "{stdout}");
    assert!(
        stderr.contains("--check-run needs the network; --offline is set: the findings are below"),
        "{stderr}"
    );
}

#[test]
fn output_to_standard_output_is_the_one_document_there() {
    let repo = example_repo();
    let out = bin()
        .current_dir(repo.path())
        .args(["check", "--offline", "--output", "json=-"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["version"], 1);
    let both = bin()
        .current_dir(repo.path())
        .args([
            "check",
            "--offline",
            "--output",
            "json=-",
            "--format",
            "human",
        ])
        .output()
        .unwrap();
    assert_eq!(both.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&both.stderr).contains("both write to standard output"));
}

#[test]
fn a_failed_write_of_the_output_is_an_error() {
    let full = std::fs::OpenOptions::new().write(true).open("/dev/full");
    let Ok(full) = full else { return };
    let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("mlem-registry"))
        .args(["schema", "link"])
        .stdout(full)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).starts_with("error: cannot write the output: "),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn ls_tells_entries_apart_and_takes_names_as_mlem_does() {
    let repo = example_repo();
    let ls = |args: &[&str]| {
        let out = bin()
            .current_dir(repo.path())
            .arg("ls")
            .args(args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0));
        (
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    };
    let (table, _) = ls(&[]);
    // Two entries answer to `rf-alias`: the one in MLEM 0.2's layout shows its file.
    assert!(
        table.contains("\nrf-alias (.mlem/link/rf-alias.mlem)  model "),
        "{table}"
    );
    assert!(
        table.contains("\nrf-alias                             model "),
        "{table}"
    );
    // A link file whose link is not valid says so.
    let typo = table
        .lines()
        .find(|l| l.starts_with("links/broken/typo "))
        .unwrap();
    assert!(
        typo.ends_with("(not a valid link: `mlem-registry check` says why)"),
        "{typo}"
    );
    // A name without `.mlem`, as MLEM takes it.
    let (table, _) = ls(&["models/rf"]);
    assert_eq!(table.lines().count(), 2, "{table}");
    assert!(table.contains("\nmodels/rf "), "{table}");
    // Nothing there: said.
    let (table, said) = ls(&["README.md"]);
    assert_eq!(table.lines().count(), 1, "{table}");
    assert_eq!(said, "note: no *.mlem files in README.md\n");
}
