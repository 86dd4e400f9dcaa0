//! `init`: makes a MLEM project (its marker, the registry's config) and, with `--with-ci`, the
//! GitHub workflow that checks it.

use std::path::Path;

use super::{Error, MARKER, io};

/// Where `init --with-ci` writes the pull-request workflow, relative to the project.
pub const WORKFLOW_FILE: &str = ".github/workflows/mlem-registry.yml";

/// The action's `uses:` a development build writes, which cannot know the release to pin: it
/// fails on GitHub until filled in (`OWNER` is no repository, `COMMIT-SHA` no commit).
pub const ACTION_PLACEHOLDER: &str = "OWNER/mlem-registry@COMMIT-SHA # vX.Y.Z";

/// `actions/checkout`, pinned to the commit of its tag (the tag in the comment).
const CHECKOUT: &str = "actions/checkout@d23441a48e516b6c34aea4fa41551a30e30af803 # v6.1.0";

/// The pull-request workflow `init --with-ci` adds, its action pinned to `release` (the commit
/// the binary was built from, [`crate::build_info::RELEASE`]); `None`, a development build: the
/// [`ACTION_PLACEHOLDER`], with a comment saying what to fill in.
pub fn ci_workflow(release: Option<&crate::build_info::Release>) -> String {
    let action = match release {
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
allowed_hosts = [\"github.com\"]
# Links in these files must name a commit sha or a tag (`mlem-registry pin` makes them so).
production = [\"production/**\"]
";

/// What `init` did, file by file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Initialized {
    /// Files written, relative to the project.
    pub written: Vec<String>,
    /// Files that were there already and were left alone.
    pub kept: Vec<String>,
}

/// Makes `dir` (created if needed) a MLEM project as `mlem init` does, with the empty
/// `.mlem.yaml`; `with_ci` adds the pull-request workflow and the config file. Files already
/// there are kept.
pub fn init(dir: &Path, with_ci: bool) -> Result<Initialized, Error> {
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let mut files = vec![(MARKER, String::new())];
    if with_ci {
        files.push((
            WORKFLOW_FILE,
            ci_workflow(crate::build_info::RELEASE.as_ref()),
        ));
        files.push((crate::config::FILE_NAME, CI_CONFIG.to_owned()));
    }
    let mut done = Initialized {
        written: Vec::new(),
        kept: Vec::new(),
    };
    for (name, text) in files {
        let path = dir.join(name);
        if path.exists() {
            done.kept.push(name.to_owned());
            continue;
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(io(parent))?;
        }
        std::fs::write(&path, text).map_err(io(&path))?;
        done.written.push(name.to_owned());
    }
    Ok(done)
}
