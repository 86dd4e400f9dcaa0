//! The GitHub Action's packaging: `action.yml`, the workflows in `.github/workflows/` and every
//! workflow example in `docs/github-action.md` (each ```yaml block there is a whole workflow) are
//! valid by SchemaStore's schemas, read from `tests/fixtures/schemastore/`; `action.yml` (a
//! composite action) declares the inputs and outputs `mlem-registry action` reads and writes, and
//! its last step hands every input to `mlem-registry action` and every output back; the examples
//! use only those inputs. `tests/integration/action_install.rs` runs the action's steps.
//!
//! The two schemas have no `$ref` to another document (only `#/definitions/...`), so no retriever
//! is needed. Should a later copy gain one, the retriever below refuses it by name: add that
//! schema beside the others and serve it from the file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use jsonschema::{Retrieve, Uri, Validator};
use serde_json::{Value, json};

/// The inputs `mlem-registry action` reads, with their defaults in `action.yml`.
const INPUTS: &[(&str, &str)] = &[
    ("path", "."),
    ("token", "${{ github.token }}"),
    ("fail-on", "error"),
    ("changed-only", "true"),
    ("config", ""),
    ("check-run", "mlem-registry"),
    ("sarif-file", ""),
    ("args", ""),
];

/// The outputs `mlem-registry action` writes to `$GITHUB_OUTPUT`.
const OUTPUTS: &[&str] = &[
    "errors",
    "warnings",
    "notes",
    "unverified",
    "links",
    "files",
    "sarif-file",
];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

fn yaml(text: &str, origin: &str) -> Value {
    serde_yaml::from_str(text).unwrap_or_else(|e| panic!("{origin} is not YAML: {e}"))
}

fn action() -> Value {
    yaml(&read(&root().join("action.yml")), "action.yml")
}

/// Refuses every remote schema, naming it (the crate is built without remote retrieval anyway).
struct NoRemote;

impl Retrieve for NoRemote {
    fn retrieve(
        &self,
        uri: &Uri<String>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        Err(format!("{uri} is referenced but not stored in tests/fixtures/schemastore/").into())
    }
}

fn schemastore(name: &str) -> Validator {
    let path = root().join("tests/fixtures/schemastore").join(name);
    let schema: Value = serde_json::from_str(&read(&path))
        .unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()));
    jsonschema::options()
        .with_retriever(NoRemote)
        .build(&schema)
        .unwrap_or_else(|e| panic!("{} does not compile: {e}", path.display()))
}

/// Every violation of `validator` in `value`, one line each, prefixed with `origin`.
fn violations(validator: &Validator, value: &Value, origin: &str) -> Vec<String> {
    validator
        .iter_errors(value)
        .map(|error| format!("{origin}: at `{}`: {error}", error.instance_path()))
        .collect()
}

fn workflow_files() -> Vec<PathBuf> {
    let dir = root().join(".github/workflows");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| {
            path.extension()
                .is_some_and(|ext| ext == "yml" || ext == "yaml")
        })
        .collect();
    files.sort();
    files
}

/// The ```yaml blocks of a Markdown file, each with the line its first line of YAML is on.
fn yaml_blocks(markdown: &str) -> Vec<(usize, String)> {
    let mut blocks = Vec::new();
    let mut open: Option<(usize, String)> = None;
    for (index, line) in markdown.lines().enumerate() {
        let fence = line.trim_start();
        match &mut open {
            None if fence.starts_with("```") && fence[3..].trim() == "yaml" => {
                open = Some((index + 2, String::new()));
            }
            Some(_) if fence.starts_with("```") => blocks.push(open.take().unwrap()),
            Some((_, text)) => {
                text.push_str(line);
                text.push('\n');
            }
            None => {}
        }
    }
    assert!(open.is_none(), "a ```yaml block is never closed");
    blocks
}

/// Every workflow this project ships or documents, parsed, with where it comes from.
fn workflows() -> Vec<(String, Value)> {
    let mut all = Vec::new();
    for path in workflow_files() {
        let origin = path.strip_prefix(root()).unwrap().display().to_string();
        all.push((origin.clone(), yaml(&read(&path), &origin)));
    }
    // The workflow `init --with-ci` writes into a new registry, as a release and as a
    // development build write it.
    let release = mlem_registry::build_info::Release {
        repository: "mlem-registry/mlem-registry",
        commit: "5b7a72d46890b50882170470bd2b798a80607854",
        version: "1.2.3",
    };
    for (origin, release, folder) in [
        ("release", Some(&release), ""),
        ("development", None, ""),
        ("release in a subfolder", Some(&release), "teams/reg"),
    ] {
        let origin = format!("mlem_registry::project::ci_workflow({origin})");
        let text = mlem_registry::project::ci_workflow(release, folder);
        all.push((origin.clone(), yaml(&text, &origin)));
    }
    let docs = read(&root().join("docs/github-action.md"));
    for (line, text) in yaml_blocks(&docs) {
        let origin = format!("docs/github-action.md:{line}");
        all.push((origin.clone(), yaml(&text, &origin)));
    }
    all
}

/// The steps of every job of a workflow, each with its job's id.
fn steps(workflow: &Value) -> Vec<(String, &Value)> {
    let mut all = Vec::new();
    for (job, definition) in workflow["jobs"].as_object().into_iter().flatten() {
        for step in definition["steps"].as_array().into_iter().flatten() {
            all.push((job.clone(), step));
        }
    }
    all
}

/// The environment variable a Docker action reads an input from: `INPUT_`, the name upper-cased,
/// spaces replaced by `_`, hyphens kept.
fn input_variable(name: &str) -> String {
    format!("INPUT_{}", name.replace(' ', "_").to_uppercase())
}

/// The variable `action.yml`'s check step sets for an input: hyphens become `_`, since a shell
/// cannot export `INPUT_FAIL-ON` (`mlem-registry action` reads both spellings).
fn composite_input_variable(name: &str) -> String {
    input_variable(name).replace('-', "_")
}

/// The steps of `action.yml`'s `runs`.
fn action_steps(action: &Value) -> &Vec<Value> {
    action["runs"]["steps"].as_array().expect("runs.steps")
}

#[test]
fn action_yml_is_valid_by_schemastore() {
    let validator = schemastore("github-actions.json");
    let errors = violations(&validator, &action(), "action.yml");
    assert!(errors.is_empty(), "action.yml:\n{}", errors.join("\n"));
}

#[test]
fn workflows_and_documented_examples_are_valid_by_schemastore() {
    let validator = schemastore("github-workflows.json");
    let workflows = workflows();
    let names: Vec<&str> = workflows
        .iter()
        .map(|(origin, _)| origin.as_str())
        .collect();
    for expected in [".github/workflows/ci.yml", ".github/workflows/release.yml"] {
        assert!(
            names.contains(&expected),
            "{expected} is missing: {names:?}"
        );
    }
    let documented = names
        .iter()
        .filter(|name| name.starts_with("docs/"))
        .count();
    assert!(
        documented >= 5,
        "docs/github-action.md has {documented} workflows"
    );
    let errors: Vec<String> = workflows
        .iter()
        .flat_map(|(origin, workflow)| violations(&validator, workflow, origin))
        .collect();
    assert!(
        errors.is_empty(),
        "{} schema violations:\n{}",
        errors.len(),
        errors.join("\n")
    );
}

#[test]
fn the_validator_reports_what_is_wrong() {
    let validator = schemastore("github-workflows.json");
    let workflow = json!({"on": "push", "jobs": {"a": {"runs-on": "ubuntu-latest", "stepz": []}}});
    assert!(!violations(&validator, &workflow, "bad").is_empty());
    let validator = schemastore("github-actions.json");
    let mut action = action();
    action["outputs"]["errors"]
        .as_object_mut()
        .unwrap()
        .remove("value");
    assert!(
        !violations(&validator, &action, "bad").is_empty(),
        "a composite action's output needs a `value`"
    );
    let mut action = self::action();
    action["runs"]["steps"][0]
        .as_object_mut()
        .unwrap()
        .remove("shell");
    assert!(
        !violations(&validator, &action, "bad").is_empty(),
        "a composite action's `run` step needs a `shell`"
    );
}

#[test]
fn action_yml_declares_the_inputs_and_outputs_of_mlem_registry_action() {
    let action = action();
    let inputs: BTreeMap<&str, &str> = action["inputs"]
        .as_object()
        .expect("inputs")
        .iter()
        .map(|(name, input)| {
            let default = input["default"]
                .as_str()
                .unwrap_or_else(|| panic!("input {name} has no string default"));
            (name.as_str(), default)
        })
        .collect();
    assert_eq!(inputs, INPUTS.iter().copied().collect::<BTreeMap<_, _>>());
    for (name, input) in action["inputs"].as_object().unwrap() {
        assert_ne!(input["required"], json!(true), "input {name} is required");
    }

    let outputs = action["outputs"].as_object().expect("outputs");
    let names: Vec<&str> = outputs.keys().map(String::as_str).collect();
    for name in ["errors", "warnings", "unverified"] {
        assert!(names.contains(&name), "output {name} is missing");
    }
    assert_eq!(
        names
            .iter()
            .copied()
            .collect::<std::collections::BTreeSet<_>>(),
        OUTPUTS.iter().copied().collect()
    );
    for (name, output) in outputs {
        assert!(output["description"].is_string(), "output {name}");
        assert_eq!(
            output["value"],
            json!(format!("${{{{ steps.check.outputs.{name} }}}}")),
            "output {name} is not the check step's"
        );
    }

    assert_eq!(action["runs"]["using"], json!("composite"));
    let steps = action_steps(&action);
    let check = steps.last().expect("a step");
    assert_eq!(check["id"], json!("check"));
    assert_eq!(check["run"], json!("mlem-registry action"));
    let expected: BTreeMap<String, Value> = INPUTS
        .iter()
        .map(|(name, _)| {
            let value = json!(format!("${{{{ inputs.{name} }}}}"));
            (composite_input_variable(name), value)
        })
        .collect();
    let env: BTreeMap<String, Value> = check["env"]
        .as_object()
        .expect("the check step's env")
        .clone()
        .into_iter()
        .collect();
    assert_eq!(env, expected);
    assert_eq!(composite_input_variable("fail-on"), "INPUT_FAIL_ON");
    assert_eq!(input_variable("fail-on"), "INPUT_FAIL-ON");
}

/// Every `run:` step says its shell (a composite action requires it) and holds no `${{ }}`: values
/// reach the scripts through `env:` only, so none can be read as shell code.
#[test]
fn the_actions_run_steps_take_values_from_env_only() {
    let action = action();
    let mut runs = 0;
    for step in action_steps(&action) {
        let Some(run) = step["run"].as_str() else {
            let uses = step["uses"].as_str().expect("a step runs or uses");
            let (_, pin) = uses.split_once('@').expect("uses ACTION@SHA");
            assert!(
                pin.len() == 40 && pin.bytes().all(|b| b.is_ascii_hexdigit()),
                "{uses} is not pinned to a commit"
            );
            continue;
        };
        runs += 1;
        assert_eq!(step["shell"], json!("bash"), "{run}");
        assert!(!run.contains("${{"), "an expression inside `run:`: {run}");
    }
    assert!(runs >= 3, "{runs} run steps");
    let install = &action_steps(&action)[0];
    assert_eq!(
        install["env"]["MLEM_REGISTRY_ACTION_REF"],
        json!("${{ github.action_ref }}")
    );
    assert_eq!(
        install["env"]["MLEM_REGISTRY_ACTION_REPOSITORY"],
        json!("${{ github.action_repository }}")
    );
}

#[test]
fn the_examples_use_only_the_actions_inputs() {
    let inputs: Vec<&str> = INPUTS.iter().map(|(name, _)| *name).collect();
    let variables: Vec<String> = inputs.iter().map(|name| input_variable(name)).collect();
    let mut problems = Vec::new();
    for (origin, workflow) in workflows() {
        for (job, step) in steps(&workflow) {
            let at = format!("{origin}: job {job}");
            let uses = step["uses"].as_str().unwrap_or_default();
            let with = step["with"].as_object();
            if uses.contains("/mlem-registry@") || uses.contains("/mlem-registry:") {
                for key in with.into_iter().flatten().map(|(key, _)| key) {
                    if !inputs.contains(&key.as_str()) {
                        problems.push(format!("{at}: `with: {key}` is no input of action.yml"));
                    }
                }
            }
            if uses.starts_with("docker://") && uses.contains("/mlem-registry:") {
                // No action.yml, so no defaults; and `args` would replace the image's command.
                let with = with.cloned().unwrap_or_default();
                for name in &inputs {
                    match (*name, with.contains_key(*name)) {
                        ("args", true) => problems.push(format!(
                            "{at}: a docker:// step must not set `args` (it replaces `action`)"
                        )),
                        ("args", false) | (_, true) => {}
                        (name, false) => {
                            problems.push(format!("{at}: a docker:// step must set `{name}`"))
                        }
                    }
                }
            }
            let run = step["run"].as_str().unwrap_or_default();
            if run.contains("mlem-registry action") {
                let env = step["env"].as_object().cloned().unwrap_or_default();
                for variable in &variables {
                    if !env.contains_key(variable) {
                        problems.push(format!("{at}: `mlem-registry action` without {variable}"));
                    }
                }
                for key in env.keys().filter(|key| key.starts_with("INPUT_")) {
                    if !variables.contains(key) {
                        problems.push(format!("{at}: {key} is no input's variable"));
                    }
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// GitHub runs a Docker action as the image's default user and requires root (the files behind
/// `$GITHUB_OUTPUT` and `$GITHUB_STEP_SUMMARY` are writable by no one else): the Dockerfile's
/// last stage, the image `uses: docker://…` steps run, must end as root.
#[test]
fn the_action_image_runs_as_root() {
    let dockerfile = read(&root().join("Dockerfile"));
    let last_stage = dockerfile
        .rsplit_once("\nFROM ")
        .map(|(_, stage)| stage)
        .expect("a FROM line");
    let user = last_stage
        .lines()
        .filter_map(|line| line.trim().strip_prefix("USER "))
        .next_back()
        .expect("the last stage sets USER (it starts from the non-root standalone stage)");
    assert!(
        ["0", "0:0", "root", "root:root"].contains(&user.trim()),
        "the action stage runs as {user}"
    );
    assert!(last_stage.contains("CMD [\"action\"]"));
}
