//! Temporary directories a run creates, known by path so that a run ended by a signal can
//! still remove them (a `Drop` never runs then).

use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The directories now alive, removed by [`remove_all`] when the run is interrupted.
static ALIVE: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// A fresh temporary directory (from `tempfile`: a new name, never an existing path nor a
/// symbolic link), removed when dropped or by [`remove_all`].
#[derive(Debug)]
pub struct Dir {
    dir: tempfile::TempDir,
}

impl Dir {
    /// Creates one under the system's temporary folder, its name starting with `prefix`.
    pub fn new(prefix: &str) -> std::io::Result<Dir> {
        let mut alive = lock();
        let dir = tempfile::Builder::new().prefix(prefix).tempdir()?;
        alive.push(dir.path().to_owned());
        Ok(Dir { dir })
    }

    /// Where it is.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        lock().retain(|alive| alive != self.dir.path());
    }
}

/// Removes every directory still alive: what a run interrupted by a signal calls before it
/// ends. Later [`Dir`]s are still removed when dropped.
pub fn remove_all() {
    for dir in lock().drain(..) {
        // Best effort: the run is ending, and nothing is left to report to.
        let _ = std::fs::remove_dir_all(dir);
    }
}

fn lock() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    ALIVE.lock().unwrap_or_else(|p| p.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dir_is_removed_when_dropped_or_by_remove_all() {
        let dropped = Dir::new("mlem-registry-test-").unwrap();
        let path = dropped.path().to_owned();
        assert!(path.is_dir());
        drop(dropped);
        assert!(!path.exists());

        let interrupted = Dir::new("mlem-registry-test-").unwrap();
        let path = interrupted.path().to_owned();
        remove_all();
        assert!(!path.exists());
        // Its drop afterwards finds nothing to remove, and says nothing.
        drop(interrupted);
    }
}
