//! The registry as a lock file (`ls --resolve --format json`): every link with where it lands
//! now (repository, commit, path, object type, artifacts), which a deployment system reads so
//! that it "doesn't need to know of every developer repository". Its fields are described in
//! `docs/lock-file.md` and only ever added to within a version.

use serde::Serialize;

use crate::report::{Lands, LinkRecord};
use crate::resolve::artifact::{Checked, State, Storage};

/// The version of the lock document; bumped only when a field changes meaning or goes away.
pub const VERSION: u32 = 1;

/// Every link of a registry and where it lands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Lock {
    /// [`VERSION`].
    pub version: u32,
    /// One entry per link, in file order.
    pub links: Vec<LockedLink>,
}

/// One link and where it lands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LockedLink {
    /// The name MLEM loads it by: its file without `.mlem`.
    pub name: String,
    /// Its file in the registry.
    pub file: String,
    /// The key of a link embedded in another object (`model_link`); absent for a link file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The type of object it claims to point at.
    pub link_type: &'static str,
    /// Where it points, as written.
    pub points_to: PointsTo,
    /// `ok` (it lands, perhaps with warnings), `broken` (an error finding) or `unverified`.
    pub status: &'static str,
    /// Its worst finding's rule and message, when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finding: Option<LockFinding>,
    /// The object it lands on now, past any chain of links; absent when it does not land.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lands: Option<LockedObject>,
}

/// A link's fields as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PointsTo {
    /// `repo`/`project`; `null` for a relative link.
    pub repository: Option<String>,
    /// `rev`; `null` when absent.
    pub rev: Option<String>,
    /// `path`.
    pub path: String,
}

/// A link's worst finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LockFinding {
    /// The rule's id.
    pub rule: &'static str,
    /// `error`, `warning` or `note`.
    pub severity: &'static str,
    /// What it says.
    pub message: String,
}

/// The object a link lands on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LockedObject {
    /// Its repository as the last link of the chain names it; `null`: the registry itself.
    pub repository: Option<String>,
    /// The rev that link names; `null`: none (the default branch), or the registry itself.
    pub rev: Option<String>,
    /// The full commit id it was read at; `null` for the registry's own files.
    pub commit: Option<String>,
    /// Its file in that repository.
    pub path: String,
    /// Its `object_type`.
    pub object_type: &'static str,
    /// The artifacts it lists, each as MLEM recorded it and as found.
    pub artifacts: Vec<LockedArtifact>,
}

/// One artifact of a landed object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LockedArtifact {
    /// Its key in the object's `artifacts`.
    pub name: String,
    /// Its `uri`, as recorded.
    pub uri: String,
    /// The md5 MLEM recorded.
    pub hash: Option<String>,
    /// The size MLEM recorded.
    pub size: Option<u64>,
    /// `present`, `mismatch`, `missing`, `remote` (not contacted) or `unverified`.
    pub state: &'static str,
    /// How it is stored when found: `git`, `lfs` or `dvc`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub storage: Option<&'static str>,
    /// Its path in the repository, when its `uri` names one there.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

impl Lock {
    /// The lock of the links a check recorded, their files named relative to the project
    /// folder `project` (repository-relative, `""` for the root) as MLEM names them.
    pub fn of(records: &[LinkRecord], project: &str) -> Lock {
        Lock {
            version: VERSION,
            links: records.iter().map(|r| locked(r, project)).collect(),
        }
    }
}

fn locked(record: &LinkRecord, project: &str) -> LockedLink {
    let file = match project.trim_end_matches('/') {
        "" => record.file.as_str(),
        project => record
            .file
            .strip_prefix(project)
            .and_then(|rest| rest.strip_prefix('/'))
            .unwrap_or(&record.file),
    };
    let status = record.status.verdict();
    let finding = record
        .worst
        .as_deref()
        .map(|(rule, severity, message)| LockFinding {
            rule,
            severity: severity.as_str(),
            message: message.clone(),
        });
    LockedLink {
        name: file.strip_suffix(".mlem").unwrap_or(file).to_owned(),
        file: file.to_owned(),
        field: record.field.clone(),
        link_type: record.link_type.as_str(),
        points_to: PointsTo {
            repository: record.repo.clone(),
            rev: record.rev.clone(),
            path: record.path.clone(),
        },
        status,
        finding,
        lands: record.lands.as_deref().map(object),
    }
}

fn object(lands: &Lands) -> LockedObject {
    LockedObject {
        repository: lands.repository.clone(),
        rev: lands.rev.clone(),
        commit: lands.commit.clone(),
        path: lands.path.clone(),
        object_type: lands.object_type.as_str(),
        artifacts: lands.artifacts.iter().map(artifact).collect(),
    }
}

fn artifact(checked: &Checked) -> LockedArtifact {
    let storage_name = |storage: &Storage| match storage {
        Storage::Git { .. } => "git",
        Storage::Lfs { .. } => "lfs",
        Storage::Dvc { .. } => "dvc",
    };
    let (state, storage, path) = match &checked.state {
        State::Present { path, storage } => ("present", Some(storage_name(storage)), Some(path)),
        State::Mismatch { path, storage, .. } => {
            ("mismatch", Some(storage_name(storage)), Some(path))
        }
        State::Missing { path, .. } => ("missing", None, path.as_ref()),
        State::Remote { .. } => ("remote", None, None),
        State::Unverified { .. } => ("unverified", None, None),
    };
    LockedArtifact {
        name: checked.artifact.name.clone(),
        uri: checked.artifact.uri.clone(),
        hash: checked.artifact.hash.clone(),
        size: checked.artifact.size,
        state,
        storage,
        path: path.cloned(),
    }
}
