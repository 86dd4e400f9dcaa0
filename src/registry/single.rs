//! `check FILE`: one link file of a repository's working tree, checked as part of its registry
//! (so links that reach it from HEAD are followed too).

use std::path::{Path, PathBuf};

use super::{Selection, is_mlem_file};
use crate::error::PathError;

/// Why a path cannot be checked as one file.
#[derive(Debug, thiserror::Error)]
pub enum SingleFileError {
    /// Not a `*.mlem` file.
    #[error("{0} is not a *.mlem file: give a link file, or a folder to check the whole registry")]
    NotMlem(String),
    /// Not inside a git repository.
    #[error(
        "{path} is a file outside any git repository: give its folder to check it as a plain directory ({why})"
    )]
    NoRepository {
        /// The path as given.
        path: String,
        /// What git discovery said.
        why: String,
    },
    /// In a repository without a working tree.
    #[error("{0} is in a bare repository")]
    Bare(String),
    /// Its folder cannot be resolved.
    #[error(transparent)]
    Io(#[from] PathError),
    /// Not below the repository's working tree (a symbolic link folder out of it).
    #[error("{0} is not inside its repository's working tree")]
    Outside(String),
    /// A name that is not UTF-8 cannot be selected.
    #[error("{0}: the name is not valid UTF-8")]
    NotUtf8(String),
}

/// The folder to check and the selection of exactly `path` in it, when `path` is not a folder
/// (a FIFO too: it gets its finding, never opened); `None` for a folder or nothing at all.
pub fn single_file(path: &Path) -> Result<Option<(PathBuf, Selection)>, SingleFileError> {
    let shown = || path.display().to_string();
    let is_folder = std::fs::metadata(path).is_ok_and(|m| m.is_dir());
    if is_folder || !path.exists() && !path.is_symlink() {
        return Ok(None);
    }
    if !is_mlem_file(&path.to_string_lossy()) {
        return Err(SingleFileError::NotMlem(shown()));
    }
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let repo = gix::discover(&folder).map_err(|e| SingleFileError::NoRepository {
        path: shown(),
        why: e.to_string(),
    })?;
    let workdir = repo
        .workdir()
        .ok_or_else(|| SingleFileError::Bare(shown()))?;
    let real = |path: &Path| {
        std::fs::canonicalize(path).map_err(|error| SingleFileError::Io(PathError::at(path)(error)))
    };
    // The folder resolved, the file's own name kept: a symbolic link is checked as one.
    let name = path
        .file_name()
        .ok_or_else(|| SingleFileError::NotMlem(shown()))?;
    let file = real(&folder)?.join(name);
    let relative = file
        .strip_prefix(real(workdir)?)
        .map_err(|_| SingleFileError::Outside(shown()))?;
    let relative = relative
        .to_str()
        .ok_or_else(|| SingleFileError::NotUtf8(shown()))?
        .replace(std::path::MAIN_SEPARATOR, "/");
    Ok(Some((folder, Selection::File(relative))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_or_nothing_is_not_one_file() {
        let dir = tempfile::tempdir().unwrap();
        assert!(single_file(dir.path()).unwrap().is_none());
        assert!(
            single_file(&dir.path().join("nothing.mlem"))
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn only_link_files_outside_no_repository() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.txt"), "").unwrap();
        std::fs::write(dir.path().join("a.mlem"), "").unwrap();
        let not_mlem = single_file(&dir.path().join("a.txt")).unwrap_err();
        assert!(
            matches!(not_mlem, SingleFileError::NotMlem(_)),
            "{not_mlem}"
        );
        // A temporary folder may sit inside some repository; only judge a clear answer.
        if gix::discover(dir.path()).is_err() {
            let outside = single_file(&dir.path().join("a.mlem")).unwrap_err();
            assert!(
                matches!(outside, SingleFileError::NoRepository { .. }),
                "{outside}"
            );
        }
    }
}
