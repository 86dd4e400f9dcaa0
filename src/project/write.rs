//! Writing a link file into a project: inside it, never through a symbolic link, and over an
//! existing file only when asked.

use std::path::{Path, PathBuf};

use super::{Error, io};

/// Writes `text` to `file` (a normalized path inside the project at `dir`), making its
/// folders. A symbolic link there is refused, whatever `force` says: writing through it would
/// write wherever it points. An existing file is replaced only with `force`.
pub fn write_link(dir: &Path, file: &str, text: &str, force: bool) -> Result<PathBuf, Error> {
    let path = dir.join(file);
    let there = std::fs::symlink_metadata(&path);
    if there
        .as_ref()
        .is_ok_and(|meta| meta.file_type().is_symlink())
    {
        return Err(Error::SymbolicLink {
            path: path.display().to_string(),
        });
    }
    if there.is_ok() && !force {
        return Err(Error::Exists {
            path: path.display().to_string(),
        });
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(io(parent))?;
    }
    std::fs::write(&path, text).map_err(io(&path))?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_the_file_and_its_folders() {
        let dir = tempfile::tempdir().unwrap();
        let path = write_link(dir.path(), "a/b/rf.mlem", "x: 1\n", false).unwrap();
        assert_eq!(std::fs::read_to_string(path).unwrap(), "x: 1\n");
    }

    #[test]
    fn replaces_a_file_only_when_forced() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("rf.mlem"), "old").unwrap();
        let refused = write_link(dir.path(), "rf.mlem", "new", false).unwrap_err();
        assert!(matches!(refused, Error::Exists { .. }), "{refused}");
        assert_eq!(
            std::fs::read_to_string(dir.path().join("rf.mlem")).unwrap(),
            "old"
        );
        write_link(dir.path(), "rf.mlem", "new", true).unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.path().join("rf.mlem")).unwrap(),
            "new"
        );
    }

    #[cfg(unix)]
    #[test]
    fn never_writes_through_a_symbolic_link() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let victim = outside.path().join("victim");
        std::fs::write(&victim, "keep").unwrap();
        std::os::unix::fs::symlink(&victim, dir.path().join("rf.mlem")).unwrap();
        for force in [false, true] {
            let refused = write_link(dir.path(), "rf.mlem", "new", force).unwrap_err();
            assert!(matches!(refused, Error::SymbolicLink { .. }), "{refused}");
        }
        assert_eq!(std::fs::read_to_string(victim).unwrap(), "keep");
    }
}
