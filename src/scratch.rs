//! Temporary directories a run creates, known by path so that a run ended by a signal can
//! still remove them (a `Drop` never runs then).

use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The run's directories now alive.
static ALIVE: Alive = Alive(Mutex::new(Some(Vec::new())));

/// Directories alive, removed by [`remove_all`] when the run is interrupted; `None` once they
/// have been, so no new one is made.
#[derive(Debug)]
struct Alive(Mutex<Option<Vec<PathBuf>>>);

/// A fresh temporary directory (from `tempfile`: a new name, never an existing path nor a
/// symbolic link), removed when dropped or by [`remove_all`].
#[derive(Debug)]
pub struct Dir {
    /// `None` only while it is being removed.
    dir: Option<tempfile::TempDir>,
    alive: &'static Alive,
}

impl Dir {
    /// Creates one under the system's temporary folder, its name starting with `prefix`, and
    /// lets `fill` write into it; an interrupted run waits until it is done, so nothing is
    /// written into the directory after it was removed.
    pub fn new<T, E: From<std::io::Error>>(
        prefix: &str,
        fill: impl FnOnce(&Path) -> Result<T, E>,
    ) -> Result<(Dir, T), E> {
        ALIVE.make(prefix, fill)
    }

    /// Where it is.
    pub fn path(&self) -> &Path {
        self.dir.as_ref().expect("alive until dropped").path()
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        // Removed under the lock an interrupted run takes: it never finds one half removed.
        let mut alive = self.alive.lock();
        if let Some(dir) = self.dir.take() {
            if let Some(alive) = alive.as_mut() {
                alive.retain(|alive| alive != dir.path());
            }
            // Best effort, as `TempDir`'s own drop is.
            let _ = dir.close();
        }
    }
}

/// Removes every directory of the run still alive: what a run interrupted by a signal calls
/// before it ends. No [`Dir`] is made after it, and until the returned guard is dropped, a thread
/// that makes or drops one waits: the run cannot finish on its own before the caller ends it.
#[must_use = "the guard keeps the run from finishing while it is ended"]
pub fn remove_all() -> Ending {
    Ending(ALIVE.remove_all())
}

/// Held by the thread that ends an interrupted run; see [`remove_all`].
pub struct Ending(#[allow(dead_code)] std::sync::MutexGuard<'static, Option<Vec<PathBuf>>>);

impl Alive {
    fn make<T, E: From<std::io::Error>>(
        &'static self,
        prefix: &str,
        fill: impl FnOnce(&Path) -> Result<T, E>,
    ) -> Result<(Dir, T), E> {
        let mut alive = self.lock();
        let Some(alive) = alive.as_mut() else {
            return Err(std::io::Error::other("the run is ending").into());
        };
        let dir = tempfile::Builder::new().prefix(prefix).tempdir()?;
        let filled = fill(dir.path())?;
        alive.push(dir.path().to_owned());
        Ok((
            Dir {
                dir: Some(dir),
                alive: self,
            },
            filled,
        ))
    }

    fn remove_all(&self) -> std::sync::MutexGuard<'_, Option<Vec<PathBuf>>> {
        let mut alive = self.lock();
        for dir in alive.take().unwrap_or_default() {
            // Best effort: the run is ending, and nothing is left to report to.
            let _ = std::fs::remove_dir_all(dir);
        }
        alive
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Vec<PathBuf>>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filled(path: &Path) -> std::io::Result<PathBuf> {
        std::fs::write(path.join("config"), "")?;
        Ok(path.to_owned())
    }

    #[test]
    fn a_dir_is_removed_when_dropped_or_by_remove_all_and_none_is_made_after() {
        // A set of its own: the run's is shared by every test of this process.
        let alive: &'static Alive = Box::leak(Box::new(Alive(Mutex::new(Some(Vec::new())))));
        let (dropped, path) = alive.make("mlem-registry-test-", filled).unwrap();
        assert!(path.join("config").is_file());
        drop(dropped);
        assert!(!path.exists());

        let (interrupted, path) = alive.make("mlem-registry-test-", filled).unwrap();
        drop(alive.remove_all());
        assert!(!path.exists());
        // Its drop afterwards finds nothing to remove, and says nothing.
        drop(interrupted);
        let refused = alive.make("mlem-registry-test-", filled).unwrap_err();
        assert_eq!(refused.to_string(), "the run is ending");
    }
}
