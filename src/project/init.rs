//! `init`: makes a MLEM project (its marker, the registry's config) and, with `--with-ci`, the
//! GitHub workflow that checks it, at the root of its git repository where GitHub reads it.

use std::path::{Path, PathBuf};

use super::{Error, MARKER, io};

/// Where `init --with-ci` writes the pull-request workflow, relative to the repository's root.
pub const WORKFLOW_FILE: &str = ".github/workflows/mlem-registry.yml";

/// The action's `uses:` a development build writes, which cannot know the release to pin: it
/// fails on GitHub until filled in (`OWNER` is no repository, `COMMIT-SHA` no commit).
pub const ACTION_PLACEHOLDER: &str = "OWNER/mlem-registry@COMMIT-SHA # vX.Y.Z";

/// `actions/checkout`, pinned to the commit of its tag (the tag in the comment).
const CHECKOUT: &str = "actions/checkout@d23441a48e516b6c34aea4fa41551a30e30af803 # v6.1.0";

/// The pull-request workflow `init --with-ci` adds, its action pinned to `release` (the commit
/// the binary was built from, [`crate::build_info::RELEASE`]); `None`, a development build: the
/// [`ACTION_PLACEHOLDER`], with a comment saying what to fill in. `folder` is the project's
/// folder in its repository (`""`: the root), the action's `path` input.
pub fn ci_workflow(release: Option<&crate::build_info::Release>, folder: &str) -> String {
    let mut action = match release {
        Some(release) => format!(
            "      - uses: {}@{} # {}\n",
            release.repository,
            release.commit,
            release.tag()
        ),
        None => [
            "# Written by a development build of mlem-registry, which cannot know its release:",
            "# replace OWNER/mlem-registry with the action's repository, COMMIT-SHA with the full",
            "# commit sha of the release to use and vX.Y.Z with its tag. Until then this step fails.",
            &format!("- uses: {ACTION_PLACEHOLDER}"),
        ]
        .iter()
        .map(|line| format!("      {line}\n"))
        .collect(),
    };
    if !folder.is_empty() {
        action.push_str(&format!(
            "        with:\n          # The MLEM project's folder in this repository.\n          path: {}\n",
            yaml_scalar(folder)
        ));
    }
    format!(
        "\
# Checks the registry's link files on every pull request (mlem-registry, docs/github-action.md).
name: mlem-registry
on:
  pull_request:
  push:
    branches: [main]
permissions: {{}}
jobs:
  check:
    runs-on: ubuntu-latest
    permissions:
      contents: read
      # The check run with the findings as annotations.
      checks: write
    steps:
      - uses: {CHECKOUT}
        with:
          # The base's policy judges a pull request: the base commit must be in the clone.
          fetch-depth: 0
          persist-credentials: false
{action}"
    )
}

/// The config file `init --with-ci` adds: the policy a registry usually starts with.
pub const CI_CONFIG: &str = "\
# The registry's policy: see docs/config.md of mlem-registry.
# Hosts links may name; \"file\" allows file:// URLs and absolute paths (repositories of the
# machine that runs the check).
allowed_hosts = [\"github.com\"]
# Links in these files must name a commit sha or a tag (`mlem-registry pin` makes them so).
production = [\"production/**\"]
";

/// A folder name as a YAML double-quoted scalar that every YAML reader reads back as the same
/// string: `"`, `\` and every character YAML does not print as it is (controls, DEL, C1, the
/// line and paragraph separators, a byte order mark) escaped. Never plain: `true`, `null` or
/// `010` would read back as something else.
fn yaml_scalar(text: &str) -> String {
    let mut quoted = String::with_capacity(text.len() + 2);
    quoted.push('"');
    for c in text.chars() {
        match c {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            c if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}') => {
                quoted.push_str(&format!("\\u{:04x}", c as u32));
            }
            c => quoted.push(c),
        }
    }
    quoted.push('"');
    quoted
}

/// What `init` did, file by file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Initialized {
    /// Files written, as the folder given to `init` names them (the workflow from its
    /// repository's root).
    pub written: Vec<PathBuf>,
    /// Files that were there already and were left alone.
    pub kept: Vec<PathBuf>,
    /// Where the workflow is, when `--with-ci` asked for one.
    pub workflow: Option<Workflow>,
}

/// Where `init --with-ci` put the workflow: GitHub reads workflows only at the root of a
/// repository, so a project in a subfolder gets it there, with its folder as `path`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workflow {
    /// The workflow file.
    pub file: PathBuf,
    /// The project's folder in the repository (`""`: the root).
    pub folder: String,
    /// Whether the project is in a git repository; if not, the workflow is in the project's
    /// folder, which GitHub reads only if it becomes a repository's root.
    pub in_repository: bool,
}

impl Workflow {
    /// Where the workflow goes for a project in `dir` (which exists).
    fn place(dir: &Path) -> Workflow {
        let root = gix::discover(dir)
            .ok()
            .and_then(|repo| std::fs::canonicalize(repo.workdir()?).ok());
        let folder = std::fs::canonicalize(dir)
            .ok()
            .zip(root.as_deref())
            .and_then(|(dir, root)| crate::registry::path::relative_to(&dir, root));
        let Some(folder) = folder else {
            return Workflow {
                file: dir.join(WORKFLOW_FILE),
                folder: String::new(),
                in_repository: false,
            };
        };
        Workflow {
            file: shown_root(dir, &folder, root.as_deref()).join(WORKFLOW_FILE),
            folder,
            in_repository: true,
        }
    }
}

/// The repository's root as the user named `dir`: `dir` without its last components when they
/// spell `folder` (`reg` in `reg`: `""`), else the canonical `root`.
fn shown_root(dir: &Path, folder: &str, root: Option<&Path>) -> PathBuf {
    let depth = folder.split('/').filter(|c| !c.is_empty()).count();
    let mut shown = dir.to_path_buf();
    let mut tail = Vec::new();
    for _ in 0..depth {
        match (shown.file_name(), shown.parent()) {
            (Some(name), Some(parent)) => {
                tail.push(name.to_string_lossy().into_owned());
                shown = parent.to_path_buf();
            }
            _ => break,
        }
    }
    tail.reverse();
    match tail.join("/") == folder {
        true => shown,
        false => root.map_or_else(|| dir.to_path_buf(), Path::to_path_buf),
    }
}

/// Makes `dir` (created if needed) a MLEM project as `mlem init` does, with the empty
/// `.mlem.yaml`; `with_ci` adds the pull-request workflow and the config file. Files already
/// there are kept.
pub fn init(dir: &Path, with_ci: bool) -> Result<Initialized, Error> {
    if std::fs::metadata(dir).is_ok_and(|meta| !meta.is_dir()) {
        return Err(Error::NotAFolder {
            path: dir.display().to_string(),
        });
    }
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    // Each file with how many of its folders `init` may create (the workflow's `.github` and
    // `.github/workflows`), none of which may be a symbolic link.
    let mut files = vec![(dir.join(MARKER), String::new(), 0)];
    let mut workflow = None;
    if with_ci {
        let place = Workflow::place(dir);
        files.push((
            place.file.clone(),
            ci_workflow(crate::build_info::RELEASE.as_ref(), &place.folder),
            2,
        ));
        files.push((dir.join(crate::config::FILE_NAME), CI_CONFIG.to_owned(), 0));
        workflow = Some(place);
    }
    let mut done = Initialized {
        written: Vec::new(),
        kept: Vec::new(),
        workflow,
    };
    for (path, text, folders) in files {
        let mut on_the_way = path.ancestors().skip(1).take(folders).collect::<Vec<_>>();
        on_the_way.reverse();
        for at in on_the_way.iter().copied().chain([path.as_path()]) {
            if std::fs::symlink_metadata(at).is_ok_and(|meta| meta.file_type().is_symlink()) {
                return Err(Error::SymbolicLink {
                    path: at.display().to_string(),
                });
            }
        }
        if std::fs::symlink_metadata(&path).is_ok() {
            done.kept.push(path);
            continue;
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(io(parent))?;
        }
        // `create_new`: a file (or a link) that appeared since is never written through.
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(io(&path))?;
        std::io::Write::write_all(&mut file, text.as_bytes()).map_err(io(&path))?;
        done.written.push(path);
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The `uses:` of every step of a workflow.
    fn uses(workflow: &str) -> Vec<String> {
        let value: serde_yaml::Value =
            serde_yaml::from_str(workflow).expect("the workflow is YAML");
        value["jobs"]["check"]["steps"]
            .as_sequence()
            .expect("steps")
            .iter()
            .filter_map(|step| step["uses"].as_str().map(str::to_owned))
            .collect()
    }

    #[test]
    fn a_release_pins_the_action_to_its_commit_with_its_tag_in_a_comment() {
        let release = crate::build_info::Release {
            repository: "mlem-registry/mlem-registry",
            commit: "5b7a72d46890b50882170470bd2b798a80607854",
            version: "1.2.3",
        };
        let workflow = ci_workflow(Some(&release), "");
        assert!(
            workflow.contains(
                "\n      - uses: mlem-registry/mlem-registry@5b7a72d46890b50882170470bd2b798a80607854 # v1.2.3\n"
            ),
            "{workflow}"
        );
        assert!(!workflow.contains("OWNER") && !workflow.contains("COMMIT-SHA"));
        // Every action pinned to a full commit sha; no credentials left in the clone.
        for uses in uses(&workflow) {
            let (_, sha) = uses.split_once('@').expect("a ref");
            assert!(crate::build_info::is_commit(sha), "{uses}");
        }
        assert!(workflow.contains("persist-credentials: false"));
        assert!(workflow.contains("\npermissions: {}\n"), "{workflow}");
    }

    #[test]
    fn a_development_build_writes_a_placeholder_that_says_what_to_fill_in() {
        let workflow = ci_workflow(None, "");
        assert!(
            workflow.ends_with(&format!("      - uses: {ACTION_PLACEHOLDER}\n")),
            "{workflow}"
        );
        assert!(workflow.contains("replace OWNER/mlem-registry with the action's repository"));
        let uses = uses(&workflow);
        assert_eq!(uses.last().unwrap(), "OWNER/mlem-registry@COMMIT-SHA");
        assert!(crate::build_info::is_commit(
            uses[0].split_once('@').unwrap().1
        ));
    }

    #[test]
    fn init_writes_the_workflow_of_this_build() {
        let dir = tempfile::tempdir().unwrap();
        let done = init(dir.path(), true).unwrap();
        let file = dir.path().join(WORKFLOW_FILE);
        assert!(done.written.contains(&file));
        let written = std::fs::read_to_string(&file).unwrap();
        assert_eq!(
            written,
            ci_workflow(crate::build_info::RELEASE.as_ref(), "")
        );
        assert!(!done.workflow.unwrap().in_repository);
    }

    #[test]
    fn a_project_in_a_subfolder_gets_the_workflow_at_the_repository_root_with_its_path() {
        let dir = tempfile::tempdir().unwrap();
        gix::init(dir.path()).unwrap();
        let project = dir.path().join("teams/my reg");
        let done = init(&project, true).unwrap();
        let workflow = done.workflow.unwrap();
        assert_eq!(workflow.file, dir.path().join(WORKFLOW_FILE));
        assert_eq!(workflow.folder, "teams/my reg");
        assert!(workflow.in_repository);
        assert!(!project.join(".github").exists());
        let text = std::fs::read_to_string(&workflow.file).unwrap();
        let value: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
        let step = &value["jobs"]["check"]["steps"][1];
        assert_eq!(
            step["with"]["path"].as_str(),
            Some("teams/my reg"),
            "{text}"
        );
        assert!(
            done.written
                .contains(&project.join(crate::config::FILE_NAME))
        );
    }

    #[test]
    fn folder_names_read_back_as_written_by_any_yaml_reader() {
        for folder in [
            "reg",
            "true",
            "null",
            "010",
            "0x10",
            "a: b #c",
            "--x",
            "q\"\\",
            "a\u{7f}b\u{85}c\u{2028}",
        ] {
            let text = format!("path: {}\n", yaml_scalar(folder));
            let value: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
            assert_eq!(value["path"].as_str(), Some(folder), "{text}");
            assert!(
                !text.chars().any(|c| c.is_control() && c != '\n'),
                "{text:?}"
            );
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_symbolic_link_on_the_way_is_never_written_through() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        gix::init(dir.path()).unwrap();
        // `.github` leads elsewhere: refused, nothing written there.
        std::os::unix::fs::symlink(outside.path(), dir.path().join(".github")).unwrap();
        let refused = init(&dir.path().join("reg"), true).unwrap_err();
        assert!(matches!(refused, Error::SymbolicLink { .. }), "{refused}");
        assert_eq!(std::fs::read_dir(outside.path()).unwrap().count(), 0);
        // A dangling link where the marker goes: refused, its target not created.
        let project = tempfile::tempdir().unwrap();
        let target = outside.path().join("pwned");
        std::os::unix::fs::symlink(&target, project.path().join(MARKER)).unwrap();
        let refused = init(project.path(), false).unwrap_err();
        assert!(matches!(refused, Error::SymbolicLink { .. }), "{refused}");
        assert!(!target.exists());
    }

    #[test]
    fn the_root_is_shown_as_the_folder_was_named() {
        let root = Path::new("/abs/root");
        assert_eq!(
            shown_root(Path::new("reg"), "reg", Some(root)),
            Path::new("")
        );
        assert_eq!(
            shown_root(Path::new("./a/b"), "a/b", Some(root)),
            Path::new(".")
        );
        assert_eq!(shown_root(Path::new("."), "", Some(root)), Path::new("."));
        // `..` or a symlink in the way: the canonical root.
        assert_eq!(shown_root(Path::new("x/.."), "x", Some(root)), root);
    }
}
