//! MLEM's own registry workflow, for users of an archived MLEM: make a project (`init`), write a
//! link file exactly as MLEM writes it (`link`), list what a project holds (`ls`). Where a link
//! lands (`resolve`) comes from the same resolvers `check` uses.
//!
//! One file per command: [`init`], [`new_link`] (the text `link` writes) with [`write`] (where it
//! goes), [`list`] (`ls`), [`probe`] (what `link` would write, resolved first) and [`follow`]
//! (`resolve`).

use std::path::{Path, PathBuf};

use crate::error::PathError;

mod follow;
mod init;
mod list;
pub mod lock;
mod new_link;
mod probe;
mod write;

pub use follow::{LinkFields, ReachedObject, Resolution, follow};
pub use init::{ACTION_PLACEHOLDER, CI_CONFIG, Initialized, WORKFLOW_FILE, ci_workflow, init};
pub use list::{Entry, Target, list, own_link};
pub use new_link::NewLink;
pub use probe::{Probe, probe};
pub use write::write_link;

/// The file that makes a folder a MLEM project; `mlem init` writes it empty.
pub const MARKER: &str = ".mlem.yaml";

/// Why a project could not be made or a link written.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Reading or writing failed.
    #[error(transparent)]
    Io(#[from] PathError),
    /// The file is there already.
    #[error("{path} exists already; --force replaces it")]
    Exists {
        /// The file.
        path: String,
    },
    /// `init` was given a file: a project is a folder.
    #[error("{path} is a file: a MLEM project is a folder")]
    NotAFolder {
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

/// The I/O error at `path`, for `map_err`.
fn io(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    let at = PathError::at(path);
    move |error| Error::Io(at(error))
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
    if let Some(path) = value
        .strip_prefix("file://")
        .filter(|path| !path.is_empty())
    {
        // One spelling, as MLEM writes it: `file:///x` and `file:///x/` are one repository.
        return format!("file://{}/", path.trim_end_matches('/'));
    }
    if value.contains("://") || value.contains('@') && value.contains(':') {
        return value.to_owned();
    }
    let path = std::fs::canonicalize(value).unwrap_or_else(|_| PathBuf::from(value));
    let path = path.display().to_string();
    format!("file://{}/", path.trim_end_matches('/'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mlem::ObjectType;

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
        assert_eq!(project_url("file:///x"), "file:///x/");
        assert_eq!(project_url("file:///x//"), "file:///x/");
        // No path: left for the resolver to refuse, not taken for the root.
        assert_eq!(project_url("file://"), "file://");
    }
}
