//! The binary as GitHub Actions runs it: `GITHUB_ACTIONS=true`, a workspace holding the registry
//! in a subfolder, a `pull_request` event payload, `GITHUB_STEP_SUMMARY` and `GITHUB_OUTPUT`
//! files, and the GitHub test server as the API (for the check run).

use crate::common;

use std::path::{Path, PathBuf};

use common::github::{Fault, GitHub};
use common::{MODEL, Repo, bin, link};
use serde_json::json;

/// A workspace with the registry in `registry/`, and the files Actions provides.
struct Job {
    workspace: tempfile::TempDir,
    registry: Repo,
    base: String,
}

impl Job {
    /// A registry with one good link, then a commit adding `broken` broken links (the PR).
    fn new(broken: usize) -> Job {
        Job::with_change(|registry| {
            for i in 0..broken {
                registry.write(
                    &format!("links/broken-{i:03}.mlem"),
                    link("model", &format!("models/gone-{i:03}")),
                );
            }
        })
    }

    /// A registry with one good link, then a commit of what `change` writes (the PR).
    fn with_change(change: impl FnOnce(&Repo)) -> Job {
        let workspace = tempfile::tempdir().unwrap();
        let registry = Repo::new();
        registry.write("models/rf.mlem", MODEL);
        registry.write("good.mlem", link("model", "models/rf"));
        let base = registry.commit("base");
        change(&registry);
        registry.commit("pull request");
        let inside = workspace.path().join("registry");
        std::fs::rename(registry.path(), &inside).unwrap();
        std::os::unix::fs::symlink(&inside, registry.path()).unwrap();
        let head = registry.git(&["rev-parse", "HEAD"]);
        // A pull_request event as GitHub sends it, trimmed to the fields that matter here.
        let event = json!({
            "action": "synchronize",
            "number": 7,
            "pull_request": {
                "number": 7,
                "head": {"ref": "update-models", "sha": head, "repo": {"full_name": "org/registry"}},
                "base": {"ref": "main", "sha": base, "repo": {"full_name": "org/registry"}},
            },
            "repository": {"full_name": "org/registry", "name": "registry", "owner": {"login": "org"}},
        });
        std::fs::write(workspace.path().join("event.json"), event.to_string()).unwrap();
        Job {
            workspace,
            registry,
            base,
        }
    }

    fn file(&self, name: &str) -> PathBuf {
        self.workspace.path().join(name)
    }

    fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.file(name)).unwrap_or_default()
    }

    /// The test server, serving the registry as `org/registry`.
    fn serve(&self) -> GitHub {
        let server = GitHub::start();
        server.add_repo("org/registry", &self.workspace.path().join("registry"));
        server
    }

    /// `mlem-registry action` as the Docker action runs it, with its path and token inputs.
    fn action(&self, server: &GitHub) -> assert_cmd::Command {
        let mut cmd = self.command(Some(server));
        cmd.env_remove("GITHUB_TOKEN")
            .arg("action")
            .env("INPUT_PATH", "registry")
            .env("INPUT_TOKEN", "ghs_input_token");
        cmd
    }

    /// The command with the Actions environment, the API at `server` if given.
    fn command(&self, server: Option<&GitHub>) -> assert_cmd::Command {
        let mut cmd = bin();
        cmd.current_dir(self.workspace.path())
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_WORKSPACE", self.workspace.path())
            .env("GITHUB_EVENT_NAME", "pull_request")
            .env("GITHUB_EVENT_PATH", self.file("event.json"))
            .env("GITHUB_REPOSITORY", "org/registry")
            .env("GITHUB_SHA", "0000000000000000000000000000000000000000")
            .env("GITHUB_STEP_SUMMARY", self.file("summary.md"))
            .env("GITHUB_OUTPUT", self.file("output.txt"));
        if let Some(server) = server {
            cmd.env("GITHUB_API_URL", server.url())
                .env("GITHUB_TOKEN", "ghs_job_token");
        }
        cmd
    }
}

fn registry_dir(job: &Job) -> &Path {
    let _ = &job.registry;
    Path::new("registry")
}

#[test]
fn annotations_are_workflow_commands_relative_to_the_workspace() {
    let job = Job::new(2);
    let output = job
        .command(None)
        .args(["check", "--offline"])
        .arg(registry_dir(&job))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&output.stdout);
    insta::assert_snapshot!(stdout);
    assert!(stdout.contains("::error file=registry/links/broken-000.mlem,line=3,"));
}

#[test]
fn the_job_summary_and_step_outputs_are_written() {
    let job = Job::new(2);
    let output = job
        .command(None)
        .args(["check", "--offline"])
        .arg(registry_dir(&job))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let summary = job.read("summary.md");
    assert!(
        summary.starts_with("## mlem-registry: ❌ 2 errors"),
        "{summary}"
    );
    assert!(
        summary
            .contains("| `registry/good.mlem`:3 | `models/rf` (this registry) | — | — | ✅ ok |"),
        "{summary}"
    );
    let outputs = job.read("output.txt");
    for line in [
        "errors=2",
        "warnings=0",
        "unverified=0",
        "links=3",
        "files=4",
    ] {
        assert!(outputs.lines().any(|l| l == line), "{line} in {outputs}");
    }
}

#[test]
fn several_outputs_from_one_run() {
    let job = Job::new(1);
    let json_path = job.file("report.json");
    let md_path = job.file("report.md");
    let output = job
        .command(None)
        .args(["check", "--offline", "--format", "human"])
        .arg("--output")
        .arg(format!("json={}", json_path.display()))
        .arg("--output")
        .arg(format!("summary={}", md_path.display()))
        .arg(registry_dir(&job))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_str(&job.read("report.json")).unwrap();
    assert_eq!(json["summary"]["errors"], 1);
    assert!(job.read("report.md").contains("### Links"));
    assert!(String::from_utf8_lossy(&output.stdout).contains("error[link/path-not-found]"));
}

#[test]
fn a_check_run_gets_every_finding_in_batches_of_fifty() {
    let job = Job::new(120);
    let server = job.serve();
    let output = job
        .command(Some(&server))
        .args(["check", "--check-run", "mlem-registry"])
        .arg(registry_dir(&job))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    let runs = server.check_runs();
    assert_eq!(runs.len(), 1, "{stderr}");
    let run = &runs[0];
    assert_eq!(run.name, "mlem-registry");
    assert_eq!(run.head_sha, job.registry.git(&["rev-parse", "HEAD"]));
    assert_eq!(run.batches, [0, 50, 50, 20, 0]);
    assert_eq!(run.annotations.len(), 120);
    assert_eq!(run.annotations[0]["path"], "registry/links/broken-000.mlem");
    assert_eq!(run.annotations[0]["annotation_level"], "failure");
    assert_eq!(run.status, "completed");
    assert_eq!(run.conclusion.as_deref(), Some("failure"));
    assert!(run.summary.as_deref().unwrap().contains("### Findings"));
    // The annotations are on the check run: the log gets the readable form, not commands.
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(!stdout.contains("::error"), "{stdout}");
    assert!(stderr.contains("check run `mlem-registry` published"));
}

/// Nothing broken, but a link GitHub would not answer for (rate limited): exit 3, and a check
/// run branch protection counts as failing (`action_required`, not `neutral`), whose summary says
/// a re-run may pass.
#[test]
fn an_unverified_link_never_passes_the_check_run() {
    let job = Job::new(0);
    job.registry.write(
        "remote.mlem",
        "link_type: model\nobject_type: link\npath: models/rf.mlem\nrepo: https://github.com/org/models\nrev: main\n",
    );
    job.registry.commit("a link to another repository");
    let server = job.serve();
    server.inject(Fault::GraphqlRateLimited, 1000);
    let check = || {
        job.command(Some(&server))
            .args(["check", "--check-run", "mlem-registry"])
            .args(["--max-rate-limit-wait", "0"])
            .arg(registry_dir(&job))
            .output()
            .unwrap()
    };
    let output = check();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    let runs = server.check_runs();
    assert_eq!(runs.len(), 1, "{stderr}");
    assert_eq!(runs[0].conclusion.as_deref(), Some("action_required"));
    let summary = runs[0].summary.as_deref().unwrap();
    assert!(
        summary.contains("nothing found broken, but 1 link could not be verified")
            && summary.contains("a re-run may pass"),
        "{summary}"
    );
    // The registry's policy may opt into passing what could not be verified.
    job.registry
        .write(".mlem-registry.toml", "pass_unverified = true\n");
    job.registry.commit("unverified links pass");
    let output = check();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let runs = server.check_runs();
    assert_eq!(runs[1].conclusion.as_deref(), Some("success"));
}

#[test]
fn a_token_that_may_not_write_checks_falls_back_to_workflow_commands() {
    let job = Job::new(0);
    let server = job.serve();
    server.deny_checks();
    let output = job
        .command(Some(&server))
        .args(["check", "--check-run", "mlem-registry", "--format", "human"])
        .arg(registry_dir(&job))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        output.status.code(),
        Some(0),
        "the job must not fail for that: {stderr}"
    );
    assert_eq!(
        stderr.matches("may not create check runs").count(),
        1,
        "{stderr}"
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("checked 2 files"), "{stdout}");
}

#[test]
fn the_action_entry_point_reads_its_inputs_and_checks_only_the_change() {
    let job = Job::new(3);
    let server = job.serve();
    let output = job
        .action(&server)
        .env("INPUT_FAIL-ON", "error")
        .env("INPUT_CHANGED-ONLY", "true")
        .env("INPUT_CHECK-RUN", "registry links")
        .env("INPUT_SARIF-FILE", "")
        .env("INPUT_ARGS", "--offline")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    // --offline: no check run, so workflow commands carry the annotations.
    assert!(
        stdout.contains("::error file=registry/links/broken-002.mlem"),
        "{stdout}"
    );
    let notice = format!(
        "::notice::checked 3 *.mlem files changed since {}",
        job.base
    );
    assert!(stdout.contains(&notice), "{stdout}");
    assert!(job.read("output.txt").contains("errors=3"));
    assert!(server.requests().is_empty());
}

#[test]
fn the_action_publishes_its_check_run_with_the_input_token() {
    let job = Job::new(1);
    let server = job.serve();
    let output = job
        .action(&server)
        .env("INPUT_CHECK-RUN", "registry links")
        .env("INPUT_CHANGED-ONLY", "false")
        .env("INPUT_SARIF-FILE", "results.sarif")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    let runs = server.check_runs();
    assert_eq!(runs.len(), 1, "{stderr}");
    assert_eq!(runs[0].name, "registry links");
    let sarif: serde_json::Value = serde_json::from_str(&job.read("results.sarif")).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let result = &sarif["runs"][0]["results"][0];
    assert_eq!(result["ruleId"], "link/path-not-found");
    let uri = &result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"];
    assert_eq!(uri, "registry/links/broken-000.mlem");
    assert!(
        job.read("output.txt")
            .lines()
            .any(|l| l == "sarif-file=results.sarif")
    );
    assert!(server.requests().iter().all(|r| {
        r.authorization
            .as_deref()
            .is_some_and(|a| a.ends_with("ghs_input_token"))
    }));
}

#[test]
fn a_pull_request_cannot_rewrite_the_policy_that_judges_it() {
    // The pull request's own "GitHub Enterprise" API, on a host it names.
    let attacker = GitHub::start();
    let job = Job::with_change(|registry| {
        registry.write(
            ".mlem-registry.toml",
            format!(
                "[hosts.\"localhost\"]\napi_url = \"{}\"\ntoken_env = \"MLEM_REGISTRY_TOKEN_STOLEN\"\n\n[severity]\n\"link/host-not-allowed\" = \"off\"\n",
                attacker.url()
            ),
        );
        registry.write(
            "pwn.mlem",
            "link_type: model\nobject_type: link\npath: models/rf.mlem\nrepo: https://localhost/acme/x\nrev: main\n",
        );
    });
    let server = job.serve();
    for changed_only in ["true", "false"] {
        let output = job
            .action(&server)
            .env("INPUT_CHANGED-ONLY", changed_only)
            .env("INPUT_CHECK-RUN", "")
            .env("MLEM_REGISTRY_TOKEN_STOLEN", "secret-for-another-host")
            .env("ACTIONS_RUNTIME_TOKEN", "runtime-secret")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{stdout}{stderr}");
        // The base's policy judged: no [hosts] table, so localhost is no GitHub host and the
        // link is refused unasked, whatever the pull request's [severity] says.
        assert!(
            stdout.contains("::error file=registry/pwn.mlem,line=4,")
                && stdout.contains("link/host-not-allowed"),
            "{stdout}"
        );
        // The policy change is shown to the reviewers.
        assert!(
            stdout.contains("::warning file=registry/.mlem-registry.toml,line=1,")
                && stdout.contains("adds .mlem-registry.toml (`hosts`, `severity`)"),
            "{stdout}"
        );
        assert!(attacker.requests().is_empty(), "{:?}", attacker.requests());
        assert!(!stdout.contains("secret") && !stderr.contains("secret"));
    }
    // The same change in a merge queue: judged by the policy of what the group goes into.
    let head = job.registry.git(&["rev-parse", "HEAD"]);
    let queued = json!({
        "action": "checks_requested",
        "merge_group": {"head_sha": head, "base_sha": job.base, "base_ref": "refs/heads/main"},
    });
    std::fs::write(job.file("event.json"), queued.to_string()).unwrap();
    let output = job
        .action(&server)
        .env("GITHUB_EVENT_NAME", "merge_group")
        .env("INPUT_CHECK-RUN", "")
        .env("MLEM_REGISTRY_TOKEN_STOLEN", "secret-for-another-host")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("link/host-not-allowed"), "{stdout}");
    assert!(attacker.requests().is_empty(), "{:?}", attacker.requests());
}

#[test]
fn without_the_base_commit_the_action_gives_no_verdict() {
    let job = Job::new(0);
    let server = job.serve();
    let event = job.read("event.json").replace(&job.base, &"1".repeat(40));
    std::fs::write(job.file("event.json"), event).unwrap();
    let output = job.action(&server).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("fetch-depth: 0"), "{stderr}");
}

/// Lines of `output` (split as the runner splits them) that the runner would take for a command
/// the attacker wrote.
fn forged(output: &std::process::Output) -> Vec<String> {
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    text.split(['\n', '\r'])
        .map(str::trim_start)
        .filter(|line| {
            let at_start = ["::error file=forged", "::error::FORGED", "::stop-commands"]
                .iter()
                .any(|command| line.starts_with(command));
            // The runner finds the legacy form anywhere in a line that is not a `::` command.
            let legacy = !line.starts_with("::") && line.contains("##[error]FORGED");
            at_start || legacy
        })
        .map(str::to_owned)
        .collect()
}

#[test]
fn no_output_can_forge_a_workflow_command() {
    let job = Job::with_change(|registry| {
        registry.write(
            "a\n::error file=forged.mlem,line=1::FORGED-NAME\n.mlem",
            link("model", "models/gone"),
        );
        registry.write(
            "b\r::stop-commands::TOKEN\r.mlem",
            link("model", "models/gone"),
        );
        registry.write("z ##[error]FORGED-MID.mlem", link("model", "models/gone"));
        registry.write(
            "values.mlem",
            "link_type: model\nobject_type: link\npath: \"models/\\n::error::FORGED-PATH\"\nrepo: \"https://github.com/o/r\\n  ::error::FORGED-REPO\"\nrev: \"main\\n##[error]FORGED-REV\"\n",
        );
    });
    let server = job.serve();
    for format in ["human", "json", "sarif", "github", "summary"] {
        let output = job
            .command(None)
            .args(["check", "--offline", "--format", format])
            .arg(registry_dir(&job))
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(1), "{format}: {output:?}");
        assert_eq!(forged(&output), Vec::<String>::new(), "{format}");
    }
    // The action with its check run published: the log gets the human format.
    let output = job
        .action(&server)
        .env("INPUT_CHANGED-ONLY", "false")
        .env("INPUT_CHECK-RUN", "mlem-registry")
        .output()
        .unwrap();
    assert_eq!(server.check_runs().len(), 1, "{output:?}");
    assert!(String::from_utf8_lossy(&output.stdout).contains("FORGED-NAME"));
    assert_eq!(forged(&output), Vec::<String>::new());
    // The hooks: names the pre-commit framework passes, and the error path of a hostile config.
    let output = job
        .command(None)
        .current_dir(job.workspace.path().join("registry"))
        .args([
            "hook",
            "pre-commit",
            "--offline",
            "--",
            "c\n::error::FORGED-ARG.txt",
        ])
        .arg("d\n::error::FORGED-MISSING.mlem")
        .output()
        .unwrap();
    assert_eq!(forged(&output), Vec::<String>::new(), "{output:?}");
    job.registry.write(
        ".mlem-registry.toml",
        "\"x\\n::error::FORGED-KEY\" = 1\n[severity]\n\"link/\\n::error::FORGED-RULE\" = \"off\"\n",
    );
    let output = job
        .command(None)
        .args(["check", "--offline", "--format", "github"])
        .arg(registry_dir(&job))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert_eq!(forged(&output), Vec::<String>::new(), "{output:?}");
}

#[test]
fn the_action_judges_the_links_a_changed_target_breaks() {
    // The pull request changes no link file: it retypes the model good.mlem points at.
    let job = Job::with_change(|registry| {
        registry.write("models/rf.mlem", "object_type: data\n");
    });
    let server = job.serve();
    let output = job
        .action(&server)
        .env("INPUT_CHANGED-ONLY", "true")
        .env("INPUT_ARGS", "--offline")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("::error file=registry/good.mlem,line=1,")
            && stdout.contains("title=link/type-mismatch"),
        "{stdout}"
    );
}

#[test]
fn an_input_that_starts_with_a_dash_is_a_value_never_a_flag() {
    let job = Job::new(1);
    let server = job.serve();
    // A registry whose folder name reads like a flag, with two broken links.
    let dashed = Repo::new();
    dashed.write("one.mlem", link("model", "nowhere"));
    dashed.write("two.mlem", link("model", "nowhere"));
    dashed.commit("two broken links");
    std::os::unix::fs::symlink(
        dashed.path(),
        job.workspace.path().join("--pass-unverified"),
    )
    .unwrap();
    std::fs::write(job.file("push.json"), "{}").unwrap();
    let output = job
        .action(&server)
        .env("GITHUB_EVENT_NAME", "push")
        .env("GITHUB_EVENT_PATH", job.file("push.json"))
        .env("INPUT_PATH", "--pass-unverified")
        .env("INPUT_ARGS", "--offline")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    // That folder is checked, not the workspace with `--pass-unverified` set.
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert_eq!(stdout.matches("::error ").count(), 2, "{stdout}");
    assert!(
        stdout.contains("one.mlem") && stdout.contains("two.mlem"),
        "{stdout}"
    );
}

#[test]
fn a_pull_request_summary_and_check_run_open_with_what_the_change_promotes() {
    let job = Job::with_change(|registry| {
        registry.write(
            "models/rf2.mlem",
            "object_type: model\nrequirements:\n- module: sklearn\n  version: 1.2.0\n",
        );
        registry.write("good.mlem", link("model", "models/rf2"));
        registry.write("links/broken.mlem", link("model", "models/gone"));
    });
    let server = job.serve();
    let output = job
        .action(&server)
        .env("INPUT_CHECK-RUN", "registry links")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    let summary = job.read("summary.md");
    let promotes = summary
        .find("### What this change promotes")
        .unwrap_or_else(|| panic!("{summary}"));
    let findings = summary.find("### Findings").unwrap();
    assert!(promotes < findings, "{summary}");
    assert!(summary.contains("- `good`: changed"), "{summary}");
    assert!(
        summary.contains("  - `requirement sklearn`: (none) → `1.2.0`"),
        "{summary}"
    );
    assert!(summary.contains("- `links/broken`: added"), "{summary}");
    insta::assert_snapshot!(
        "pull_request_promotes",
        common::redact_shas(&summary[promotes..findings])
    );
    let runs = server.check_runs();
    assert_eq!(runs.len(), 1, "one check run per run: {stderr}");
    let run_summary = runs[0].summary.as_deref().unwrap_or_default();
    assert!(
        run_summary.contains("### What this change promotes"),
        "{run_summary}"
    );
}
