//! MLEM's own registry workflow, for users of an archived MLEM: make a project (`init`), write a
//! link file exactly as MLEM writes it (`link`), list what a project holds (`ls`). Where a link
//! lands (`resolve`) comes from the same resolvers `check` uses.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::mlem::file::parse_content;
use crate::mlem::{Link, MlemObject, NotObject, ObjectType};
use crate::registry::{self, Content, Lookup, Reader};
use crate::resolve::ChainProblem;
use crate::resolve::chain::{Chain, MAX_LINKS};
use crate::resolve::target::AllowList;

mod write;

pub use write::write_link;

/// The file that makes a folder a MLEM project; `mlem init` writes it empty.
pub const MARKER: &str = ".mlem.yaml";

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

/// Why a project could not be made or a link written.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Reading or writing failed.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder.
        path: String,
        /// What the OS said.
        source: std::io::Error,
    },
    /// The file is there already.
    #[error("{path} exists already; --force replaces it")]
    Exists {
        /// The file.
        path: String,
    },
    /// The file is a symbolic link: writing would write wherever it points.
    #[error("{path} is a symbolic link: not writing through it")]
    SymbolicLink {
        /// The file.
        path: String,
    },
    /// A link's text could not be written as YAML.
    #[error("cannot write the link as YAML: {0}")]
    Yaml(#[from] serde_yaml::Error),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.display().to_string(),
        source,
    }
}

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

/// A link as MLEM writes it: keys sorted (`link_type`, `object_type`, `path`, `project` or
/// `repo`, `rev`), `path` with its `.mlem`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLink {
    /// The type of the object it points at.
    pub link_type: ObjectType,
    /// The target's path, with `.mlem`.
    pub path: String,
    /// The target's project (repository URL), `None` for a link inside the same project.
    pub project: Option<String>,
    /// Write `repo:` (MLEM up to 0.2.0) instead of `project:`.
    pub legacy_repo_key: bool,
    /// The target's revision.
    pub rev: Option<String>,
}

#[derive(Serialize)]
struct Written<'a> {
    link_type: &'a str,
    object_type: &'a str,
    path: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    project: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    repo: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rev: Option<&'a str>,
}

impl NewLink {
    /// The file's text.
    pub fn text(&self) -> Result<String, Error> {
        let (project, repo) = match (&self.project, self.legacy_repo_key) {
            (Some(p), false) => (Some(p.as_str()), None),
            (Some(p), true) => (None, Some(p.as_str())),
            (None, _) => (None, None),
        };
        let written = Written {
            link_type: self.link_type.as_str(),
            object_type: ObjectType::Link.as_str(),
            path: &self.path,
            project,
            repo,
            rev: self.rev.as_deref(),
        };
        Ok(serde_yaml::to_string(&written)?)
    }

    /// The link as the checker reads it.
    pub fn link(&self) -> Link {
        let key = if self.legacy_repo_key {
            crate::mlem::ProjectKey::Repo
        } else {
            crate::mlem::ProjectKey::Project
        };
        Link {
            route: Vec::new(),
            link_type: self.link_type,
            path: self.path.clone(),
            project: self.project.clone().map(|p| (key, p)),
            rev: self.rev.clone(),
        }
    }
}

/// The file a link or object named `name` lives in: `name` with `.mlem` added when missing.
pub fn file_of(name: &str) -> String {
    if name.ends_with(".mlem") {
        name.to_owned()
    } else {
        format!("{name}.mlem")
    }
}

/// A `--sp` value as MLEM writes it into `project:`: a local folder becomes a `file://` URL
/// ending in `/`, a URL stays as written.
pub fn project_url(value: &str) -> String {
    if value.contains("://") || value.contains('@') && value.contains(':') {
        return value.to_owned();
    }
    let path = std::fs::canonicalize(value).unwrap_or_else(|_| PathBuf::from(value));
    let path = path.display().to_string();
    format!("file://{}/", path.trim_end_matches('/'))
}

/// One entry of `ls`: an object or a link of the project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    /// The name MLEM loads it by (its path without `.mlem`, MLEM 0.2's `.mlem/TYPE/` dropped).
    pub name: String,
    /// Its file, relative to the project.
    pub path: String,
    /// Its `object_type`, when it is a MLEM object.
    pub object_type: Option<String>,
    /// For a link: where it points, `PATH in PROJECT@REV`.
    pub target: Option<String>,
    /// Why it is not a MLEM object, when it is not.
    pub problem: Option<String>,
}

/// Every `*.mlem` file of `snapshot`, as `ls` shows it.
pub fn list(snapshot: &dyn registry::Snapshot) -> Result<Vec<Entry>, registry::Error> {
    let reader = snapshot.reader();
    let mut entries = Vec::new();
    for path in snapshot.mlem_files()? {
        entries.push(entry(&*reader, &path)?);
    }
    Ok(entries)
}

fn entry(reader: &dyn Reader, path: &str) -> Result<Entry, registry::Error> {
    let name = path
        .strip_prefix(".mlem/")
        .and_then(|rest| rest.split_once('/').map(|(_, name)| name))
        .unwrap_or(path);
    let name = name.strip_suffix(".mlem").unwrap_or(name).to_owned();
    let object = match reader.lookup(path)? {
        Lookup::File(content @ Content::Bytes(_)) => parse_content(content).object,
        Lookup::File(Content::TooLarge(size)) => Err(NotObject::TooLarge(size)),
        _ => Err(NotObject::Unreadable("not a readable file".to_owned())),
    };
    Ok(match object {
        Ok(object) => Entry {
            name,
            path: path.to_owned(),
            object_type: Some(object.object_type.as_str().to_owned()),
            target: own_link(&object).map(describe),
            problem: None,
        },
        Err(problem) => Entry {
            name,
            path: path.to_owned(),
            object_type: None,
            target: None,
            problem: Some(problem.to_string()),
        },
    })
}

/// A link file's own link.
pub fn own_link(object: &MlemObject) -> Option<&Link> {
    object.links.first().filter(|l| l.route.is_empty())
}

/// `PATH [in PROJECT[@REV]]`: where a link points, on one line.
pub fn describe(link: &Link) -> String {
    let rev = link.rev.as_ref().map_or(String::new(), |r| format!("@{r}"));
    match &link.project {
        Some((_, project)) => format!("{} in {project}{rev}", link.path),
        None => link.path.clone(),
    }
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
        let workflow = ci_workflow(Some(&release));
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
        let workflow = ci_workflow(None);
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
        assert!(done.written.contains(&WORKFLOW_FILE.to_owned()));
        let written = std::fs::read_to_string(dir.path().join(WORKFLOW_FILE)).unwrap();
        assert_eq!(written, ci_workflow(crate::build_info::RELEASE.as_ref()));
    }

    #[test]
    fn links_are_written_as_mlem_writes_them() {
        let link = NewLink {
            link_type: ObjectType::Model,
            path: "models/rf.mlem".into(),
            project: Some("https://github.com/iterative/example-mlem-get-started".into()),
            legacy_repo_key: false,
            rev: Some("main".into()),
        };
        assert_eq!(
            link.text().unwrap(),
            "link_type: model\nobject_type: link\npath: models/rf.mlem\nproject: https://github.com/iterative/example-mlem-get-started\nrev: main\n"
        );
        let legacy = NewLink {
            legacy_repo_key: true,
            rev: None,
            ..link.clone()
        };
        assert!(legacy.text().unwrap().ends_with(
            "path: models/rf.mlem\nrepo: https://github.com/iterative/example-mlem-get-started\n"
        ));
        let relative = NewLink {
            project: None,
            rev: None,
            ..link
        };
        assert_eq!(
            relative.text().unwrap(),
            "link_type: model\nobject_type: link\npath: models/rf.mlem\n"
        );
    }

    #[test]
    fn a_numeric_sha_is_quoted_so_it_reads_back_as_text() {
        let link = NewLink {
            link_type: ObjectType::Model,
            path: "rf.mlem".into(),
            project: Some("https://github.com/o/r".into()),
            legacy_repo_key: false,
            rev: Some("1234567890123456789012345678901234567890".into()),
        };
        let value: serde_json::Value = serde_yaml::from_str(&link.text().unwrap()).unwrap();
        assert_eq!(value["rev"], "1234567890123456789012345678901234567890");
    }

    #[test]
    fn names_and_project_urls() {
        assert_eq!(file_of("rf"), "rf.mlem");
        assert_eq!(file_of("team/rf.mlem"), "team/rf.mlem");
        assert_eq!(
            project_url("https://github.com/o/r"),
            "https://github.com/o/r"
        );
        assert_eq!(
            project_url("git@github.com:o/r.git"),
            "git@github.com:o/r.git"
        );
        assert_eq!(project_url("/nonexistent/dir/"), "file:///nonexistent/dir/");
    }
}

/// Where a link to `path` would land, found before the link is written: in the project at
/// `project_dir` (a relative link), or in `source` at `rev` through the online resolvers.
#[derive(Debug, Clone)]
pub struct Probe {
    /// The link that would be written (its `link_type` the target's type), `rev` as asked.
    pub link: NewLink,
    /// How it resolved.
    pub resolved: crate::resolve::Resolved,
    /// Where MLEM would load the target from, for the user.
    pub shown: String,
    /// The commit of the object the link lands on, for `--pin`.
    pub commit: Option<String>,
    /// Why the link must not be written although its first target resolved: the chain behind
    /// it is broken, or leads where the config does not allow.
    pub problem: Option<String>,
}

/// Resolves a new link to `path` (in `source` at `rev`, or in the project at `project_dir`).
pub fn probe(
    project_dir: &Path,
    path: &str,
    source: Option<&str>,
    rev: Option<&str>,
    legacy_repo_key: bool,
    online: Option<&crate::resolve::online::Online>,
) -> Result<Probe, registry::Error> {
    // Any type but `link`: a link target is followed to the type it finally has.
    let asked = NewLink {
        link_type: ObjectType::Model,
        path: path.to_owned(),
        project: source.map(project_url),
        legacy_repo_key,
        rev: rev.map(str::to_owned),
    };
    let link = asked.link();
    if let (Some(project), Some(online)) = (&asked.project, online)
        && let Some(why) = online.allow.refuses(project)
    {
        let resolved = crate::resolve::Resolved::unverified(&link, &why);
        let problem = Some(format!("`{project}` is not allowed: {why}"));
        return Ok(Probe {
            shown: project.clone(),
            link: asked.clone(),
            resolved,
            commit: None,
            problem,
        });
    }
    let resolved = match (&asked.project, online) {
        (None, _) => {
            let opened = registry::open(project_dir, &registry::Selection::Worktree)?;
            let reader = opened.snapshot.reader();
            crate::resolve::local::LocalResolver::default()
                .resolve(&*reader, "", &link)
                .into()
        }
        (Some(_), Some(online)) => crate::resolve::online::resolve(&[&link], online, &|_| {})
            .0
            .pop()
            .unwrap_or_default(),
        (Some(_), None) => crate::resolve::Resolved::unverified(&link, "--offline"),
    };
    let (found_path, link_type) = match &resolved.outcome {
        crate::resolve::Outcome::Found {
            path, object_type, ..
        } => {
            let landed = resolved.landing.as_ref().map(|l| l.object_type);
            (Some(path.clone()), landed.unwrap_or(*object_type))
        }
        _ => (None, ObjectType::Model),
    };
    let mut written = NewLink {
        link_type,
        path: found_path.clone().unwrap_or_else(|| file_of(path)),
        ..asked.clone()
    };
    // A target that is itself a link: MLEM (following links) links the object it lands on.
    let mut commit = resolved.commit.clone();
    let mut problem = None;
    if let Some(found) = &found_path {
        match land_on_final_object(&mut written, project_dir, found, &resolved, online)? {
            ChainEnd::At(landed) => commit = landed.or(commit),
            ChainEnd::Broken(why) => problem = Some(why),
        }
    }
    let written_path = written.path.clone();
    let shown = match &asked.project {
        Some(project) => {
            format!(
                "{}{}{}",
                project,
                if project.ends_with('/') { "" } else { "/" },
                written_path
            ) + &rev.map_or(String::new(), |r| format!("@{r}"))
        }
        None => written_path.clone(),
    };
    Ok(Probe {
        link: written,
        resolved,
        shown,
        commit,
        problem,
    })
}

/// Points `link` at the object a chain of links starting at `found` ends on, as MLEM's `link`
/// does: the same project keeps the rev asked for, another one gets the rev its link names.
/// Says the commit landed on (when known), or why the chain does not land.
fn land_on_final_object(
    link: &mut NewLink,
    project_dir: &Path,
    found: &str,
    resolved: &crate::resolve::Resolved,
    online: Option<&crate::resolve::online::Online>,
) -> Result<ChainEnd, registry::Error> {
    match &link.project {
        Some(project) => {
            let Some(landing) = &resolved.landing else {
                return Ok(ChainEnd::At(None));
            };
            if landing.repo != *project {
                link.project = Some(landing.repo.clone());
                link.rev = landing.rev.clone();
            }
            link.path = landing.path.clone();
            Ok(ChainEnd::At(Some(landing.commit.clone())))
        }
        None => {
            let allow = online.map(|online| &online.allow);
            let followed = follow(project_dir, found, true, allow.unwrap_or(&NO_LIST), online)?;
            let Some(target) = followed.target else {
                return Ok(ChainEnd::Broken(followed.problem.unwrap_or_default()));
            };
            link.path = target.path;
            if target.repository.is_some() {
                link.project = target.repository;
                link.rev = target.rev;
            }
            Ok(ChainEnd::At(target.commit))
        }
    }
}

/// No allow-list beyond the GitHub hosts' default (a probe with no network has no config).
static NO_LIST: AllowList = AllowList {
    hosts: None,
    owners: None,
    source: String::new(),
    github: Vec::new(),
};

/// Where a new link's chain ends.
enum ChainEnd {
    /// On an object, at this commit when known.
    At(Option<String>),
    /// Nowhere: why.
    Broken(String),
}

impl Probe {
    /// Why the link must not be written, with help and whether it is only unverified: an error
    /// finding, an unverified target, or a broken chain behind it (`None`: write it).
    pub fn refusal(&self, file: &str) -> Result<Option<(String, Option<String>, bool)>, Error> {
        if let Some(problem) = &self.problem {
            return Ok(Some((problem.clone(), None, false)));
        }
        Ok(self.findings(file)?.into_iter().find(is_blocking).map(|f| {
            let unverified = f.rule == crate::rules::link_unverified::RULE.id;
            (f.message, f.help, unverified)
        }))
    }

    /// What `check` would say about the link once written: its findings, errors first.
    pub fn findings(&self, file: &str) -> Result<Vec<crate::finding::Finding>, Error> {
        let text = self.link.text()?;
        let locator = crate::mlem::locate::Locator::new(&text);
        let mut found = crate::policy::link_findings(
            file,
            &locator,
            &self.link.link(),
            &self.resolved,
            crate::policy::Remote::Online,
        );
        found.sort_by_key(|f| std::cmp::Reverse(f.severity));
        Ok(found)
    }
}

/// A finding that stops `link` and `resolve`: an error, or a target that could not be verified.
fn is_blocking(finding: &crate::finding::Finding) -> bool {
    finding.severity == crate::finding::Severity::Error
        || finding.rule == crate::rules::link_unverified::RULE.id
}

/// Where a link finally lands: what `resolve` prints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Resolution {
    /// The file asked about, relative to the project.
    pub file: String,
    /// The files passed on the way, the asked file first.
    pub chain: Vec<String>,
    /// Where it landed, if it did.
    pub target: Option<Landed>,
    /// Why it did not land, if it did not.
    pub problem: Option<String>,
    /// The asked file's own link, when it is one.
    pub link: Option<LinkFields>,
}

/// A link's fields, as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LinkFields {
    /// `link_type`.
    pub link_type: String,
    /// `path`.
    pub path: String,
    /// `project` (or `repo`), if any.
    pub project: Option<String>,
    /// `rev`, if any.
    pub rev: Option<String>,
}

/// The object a link lands on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Landed {
    /// The repository; `None`: this project, as its working tree holds it.
    pub repository: Option<String>,
    /// The rev asked for, if any.
    pub rev: Option<String>,
    /// The commit it resolved to.
    pub commit: Option<String>,
    /// The object's file.
    pub path: String,
    /// Its `object_type`.
    pub object_type: String,
}

/// Follows `name` (a file of the project at `project_dir`, `.mlem` optional) through links in
/// the project and, through `online`, in other repositories, to the object it lands on, as
/// `check` follows a chain ([`Chain`]: its length limit, cycles, and `allow` at every hop).
/// `follow: false` stops at the file itself (MLEM's `follow_links=False`).
pub fn follow(
    project_dir: &Path,
    name: &str,
    follow: bool,
    allow: &AllowList,
    online: Option<&crate::resolve::online::Online>,
) -> Result<Resolution, registry::Error> {
    let opened = registry::open(project_dir, &registry::Selection::Worktree)?;
    let reader = opened.snapshot.reader();
    let file = file_of(name);
    let mut resolution = Resolution {
        file: file.clone(),
        chain: Vec::new(),
        target: None,
        problem: None,
        link: None,
    };
    let mut chain = Chain::new();
    let mut current = file;
    loop {
        resolution.chain.push(current.clone());
        let text = match reader.lookup(&current)? {
            Lookup::File(Content::Bytes(bytes)) => bytes,
            Lookup::File(Content::TooLarge(size)) => {
                resolution.problem = Some(format!("{current} is too large to read ({size} bytes)"));
                return Ok(resolution);
            }
            Lookup::Escapes(why) => {
                resolution.problem = Some(format!("{current} leaves the project: {why}"));
                return Ok(resolution);
            }
            Lookup::Missing | Lookup::NotAFile | Lookup::Special(_) => {
                resolution.problem = Some(format!("no MLEM file {current}"));
                return Ok(resolution);
            }
        };
        let parsed = parse_content(Content::Bytes(text));
        let object = match parsed.object() {
            Ok(object) => object,
            Err(reason) => {
                resolution.problem = Some(format!("{current} is not a MLEM object: {reason}"));
                return Ok(resolution);
            }
        };
        let landed_here = |object_type: ObjectType| Landed {
            repository: None,
            rev: None,
            commit: None,
            path: current.clone(),
            object_type: object_type.as_str().to_owned(),
        };
        if resolution.chain.len() == 1 {
            resolution.link = own_link(object).map(|link| LinkFields {
                link_type: link.link_type.as_str().to_owned(),
                path: link.path.clone(),
                project: link.project.as_ref().map(|(_, p)| p.clone()),
                rev: link.rev.clone(),
            });
        }
        let link = match own_link(object) {
            Some(link) if follow => link,
            _ => {
                resolution.target = Some(landed_here(object.object_type));
                return Ok(resolution);
            }
        };
        let entered = chain
            .arrive(current.clone(), true)
            .and_then(|()| match &link.project {
                Some((_, project)) => chain.may_enter(allow, project),
                None => Ok(()),
            });
        if let Err(problem) = entered {
            resolution.problem = Some(match problem {
                ChainProblem::Cycle(files) => {
                    format!("the links form a cycle: {}", files.join(" -> "))
                }
                ChainProblem::TooLong(_) => {
                    format!("the chain of links is longer than {MAX_LINKS}")
                }
                ChainProblem::Broken { why, .. } => format!("{current}: {why}"),
            });
            return Ok(resolution);
        }
        if link.project.is_some() {
            let resolved = match online {
                Some(online) => crate::resolve::online::resolve(&[link], online, &|_| {})
                    .0
                    .pop()
                    .unwrap_or_default(),
                None => crate::resolve::Resolved::unverified(link, "--offline"),
            };
            let locator = crate::mlem::locate::Locator::new(&parsed.text);
            let problems: Vec<String> = crate::policy::link_findings(
                &current,
                &locator,
                link,
                &resolved,
                crate::policy::Remote::Online,
            )
            .into_iter()
            .filter(is_blocking)
            .map(|f| f.message)
            .collect();
            match (&resolved.landing, problems.is_empty()) {
                (Some(landing), true) => {
                    resolution.target = Some(Landed {
                        repository: Some(landing.repo.clone()),
                        rev: landing.rev.clone(),
                        commit: Some(landing.commit.clone()),
                        path: landing.path.clone(),
                        object_type: landing.object_type.as_str().to_owned(),
                    });
                }
                _ => resolution.problem = Some(problems.join("; ")),
            }
            return Ok(resolution);
        }
        let candidates = match crate::resolve::local::candidates(link) {
            Ok(candidates) => candidates,
            Err(why) => {
                resolution.problem = Some(format!("{current}: `{}` {why}", link.path));
                return Ok(resolution);
            }
        };
        let next = candidates
            .iter()
            .find(|c| matches!(reader.lookup(c), Ok(Lookup::File(_))));
        match next {
            Some(next) => current = next.clone(),
            None => {
                resolution.problem = Some(format!(
                    "{current}: link target `{}` not found (tried {})",
                    link.path,
                    candidates.join(", ")
                ));
                return Ok(resolution);
            }
        }
    }
}
