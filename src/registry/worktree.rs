//! A registry's files on disk: the working tree as git sees it (tracked files plus untracked
//! ones that are not ignored), or, outside any repository, a plain directory.

use std::cell::RefCell;
use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use super::{Content, Error, Lookup, Reader, Snapshot, is_mlem_file};

/// Files on disk under one root. The listing is made on first use: a check of a few changed
/// files reads only those, and never walks the whole tree unless it must.
pub struct Worktree {
    root: PathBuf,
    source: Source,
    /// The listing, made once; a failure is kept to be told to every caller.
    listing: OnceLock<Result<Listing, std::sync::Arc<Error>>>,
    /// A path past the walks' limits that a change named (`--changed-since`).
    cut: Option<String>,
}

/// The `*.mlem` files of the tree, sorted.
#[derive(Clone, Default)]
struct Listing {
    files: Vec<String>,
    /// Those of `files` that are special files (FIFOs, sockets, devices), sorted: never opened.
    special: Vec<String>,
    /// The first folder past the walks' limits; not walked.
    too_deep: Option<String>,
}

/// Where the listing comes from.
enum Source {
    /// The git working tree below this prefix (`""` or `dir/`).
    Git(Box<gix::ThreadSafeRepository>, String),
    /// A plain directory.
    Plain,
}

impl Worktree {
    /// The working tree of `repo` below `prefix` (`""` or `dir/`), listed as git sees it.
    pub fn from_git(repo: &gix::Repository, prefix: &str) -> Result<Worktree, Error> {
        let workdir = repo.workdir().ok_or_else(|| {
            Error::git("cannot check a bare repository's working tree", "use --rev")
        })?;
        let root = canonical(&workdir.join(prefix))?;
        Ok(Worktree {
            root,
            source: Source::Git(Box::new(repo.clone().into_sync()), prefix.to_owned()),
            listing: OnceLock::new(),
            cut: None,
        })
    }

    /// Every `*.mlem` file below `dir`, for registries that are not git repositories.
    pub fn plain(dir: &Path) -> Result<Worktree, Error> {
        let root = canonical(dir)?;
        Ok(Worktree {
            root,
            source: Source::Plain,
            listing: OnceLock::new(),
            cut: None,
        })
    }

    fn list(&self) -> Result<Listing, Error> {
        let mut listing = match &self.source {
            Source::Git(repo, prefix) => {
                let mut found = git_mlem_files(&repo.to_thread_local())?;
                let strip = |files: Vec<String>| -> Vec<String> {
                    files
                        .into_iter()
                        .filter_map(|p| super::strip_prefix(&p, prefix).map(str::to_owned))
                        .collect()
                };
                found.files = strip(found.files);
                found.special = strip(found.special);
                found
            }
            Source::Plain => {
                let mut listing = Listing::default();
                walk_plain(&self.root, "", &mut listing)?;
                listing
            }
        };
        listing.files.sort();
        listing.files.dedup();
        listing.files.shrink_to_fit();
        listing.special.sort();
        Ok(listing)
    }

    fn listing(&self) -> Result<&Listing, Error> {
        self.listing
            .get_or_init(|| self.list().map_err(std::sync::Arc::new))
            .as_ref()
            .map_err(|error| Error::git("cannot list the working tree", error))
    }

    /// Records that a change names `path`, past the walks' limits: it is not read, and the run
    /// fails with `file/too-deep`.
    pub fn set_too_deep(&mut self, path: Option<String>) {
        self.cut = path;
    }

    /// The root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }
}

fn canonical(path: &Path) -> Result<PathBuf, Error> {
    std::fs::canonicalize(path).map_err(|source| Error::Io {
        path: path.display().to_string(),
        error: source,
    })
}

/// The `*.mlem` files of the working tree as git sees it, in one `.gitignore`-aware walk: tracked
/// files present on disk (even inside an ignored folder) and untracked files not ignored.
fn git_mlem_files(repo: &gix::Repository) -> Result<Listing, Error> {
    // Read afresh rather than through the repository's cache: the index (11 MB for 100,000
    // files) serves this walk only, and the cache would hold it for the whole run.
    let index = if repo.index_path().is_file() {
        repo.open_index()
            .map_err(|e| Error::git("cannot read the git index", e))?
    } else {
        let empty = gix::index::State::new(repo.object_hash());
        gix::index::File::from_state(empty, repo.index_path())
    };
    let options = repo
        .dirwalk_options()
        .map_err(|e| Error::git("cannot configure the directory walk", e))?
        .emit_tracked(true)
        .emit_untracked(gix::dir::walk::EmissionMode::Matching)
        .emit_ignored(None)
        .emit_pruned(false)
        .emit_empty_directories(false)
        .recurse_repositories(false);
    let mut found = MlemFiles::default();
    let interrupt = std::sync::atomic::AtomicBool::new(false);
    // `:/` anchors the pattern at the top of the worktree, whatever the current directory.
    repo.dirwalk(&index, [":/*.mlem"], &interrupt, options, &mut found)
        .map_err(|e| Error::git("cannot walk the working tree", e))?;
    if let Some(error) = found.bad_name {
        return Err(error);
    }
    Ok(found.listing)
}

/// Collects the `*.mlem` files gix's directory walk emits.
#[derive(Default)]
struct MlemFiles {
    listing: Listing,
    /// A `*.mlem` file whose name is not UTF-8.
    bad_name: Option<Error>,
}

impl gix::dir::walk::Delegate for MlemFiles {
    /// Folders past the walks' limits are not entered; the first is kept for `file/too-deep`.
    fn can_recurse(
        &mut self,
        entry: gix::dir::EntryRef<'_>,
        for_deletion: Option<gix::dir::walk::ForDeletionMode>,
        worktree_root_is_repository: bool,
    ) -> bool {
        if super::too_deep(entry.rela_path.as_ref()) {
            let path = String::from_utf8_lossy(entry.rela_path.as_ref()).into_owned();
            self.listing.too_deep.get_or_insert(path);
            return false;
        }
        entry.status.can_recurse(
            entry.disk_kind,
            entry.pathspec_match,
            for_deletion,
            worktree_root_is_repository,
        )
    }

    fn emit(
        &mut self,
        entry: gix::dir::EntryRef<'_>,
        _collapsed_directory_status: Option<gix::dir::entry::Status>,
    ) -> gix::dir::walk::Action {
        use gix::dir::entry::{Kind, Status};
        if super::too_deep(entry.rela_path.as_ref()) {
            let path = String::from_utf8_lossy(entry.rela_path.as_ref()).into_owned();
            self.listing.too_deep.get_or_insert(path);
            return std::ops::ControlFlow::Continue(());
        }
        let special = entry.disk_kind == Some(Kind::Untrackable);
        if matches!(entry.status, Status::Tracked | Status::Untracked)
            && (special || matches!(entry.disk_kind, Some(Kind::File | Kind::Symlink)))
        {
            match super::utf8_name(entry.rela_path.as_ref()) {
                Ok(Some(path)) if is_mlem_file(path) => {
                    self.listing.files.push(path.to_owned());
                    if special {
                        self.listing.special.push(path.to_owned());
                    }
                }
                Ok(_) => {}
                Err(error) => {
                    self.bad_name = Some(error);
                    return std::ops::ControlFlow::Break(());
                }
            }
        }
        std::ops::ControlFlow::Continue(())
    }
}

/// Walk of a plain directory; symbolic links to directories are not followed, and folders past
/// the walks' limits are not entered (the recursion is as deep as [`super::MAX_DEPTH`] at most).
fn walk_plain(root: &Path, dir: &str, out: &mut Listing) -> Result<(), Error> {
    let full = if dir.is_empty() {
        root.to_path_buf()
    } else {
        root.join(dir)
    };
    let io = |source| Error::Io {
        path: full.display().to_string(),
        error: source,
    };
    for entry in std::fs::read_dir(&full).map_err(io)? {
        let entry = entry.map_err(io)?;
        let name = entry.file_name();
        let Some(name) = super::utf8_name(name.as_encoded_bytes())?.map(str::to_owned) else {
            continue;
        };
        let path = if dir.is_empty() {
            name
        } else {
            format!("{dir}/{name}")
        };
        let kind = entry.file_type().map_err(io)?;
        if super::too_deep(path.as_bytes()) {
            out.too_deep.get_or_insert(path);
        } else if kind.is_dir() {
            walk_plain(root, &path, out)?;
        } else if is_mlem_file(&path) {
            if special_kind(kind).is_some() {
                out.special.push(path.clone());
            }
            out.files.push(path);
        }
    }
    Ok(())
}

/// What a special file is ("a FIFO"), or `None` for regular files, folders and links.
fn special_kind(kind: std::fs::FileType) -> Option<&'static str> {
    use std::os::unix::fs::FileTypeExt;
    if kind.is_fifo() {
        Some("a FIFO")
    } else if kind.is_socket() {
        Some("a socket")
    } else if kind.is_block_device() || kind.is_char_device() {
        Some("a device")
    } else {
        None
    }
}

/// The kind of the special file at `path`, read without following a link and without opening
/// it; `Ok(None)` for anything else (missing included: the open that follows says so).
fn special_at(path: &Path) -> std::io::Result<Option<&'static str>> {
    match std::fs::symlink_metadata(path) {
        Ok(meta) => Ok(special_kind(meta.file_type())),
        Err(e) if is_missing(&e) => Ok(None),
        Err(e) => Err(e),
    }
}

impl Snapshot for Worktree {
    fn mlem_files(&self) -> Result<Vec<String>, Error> {
        Ok(self.listing()?.files.clone())
    }

    fn too_deep(&self) -> Option<String> {
        let listed = self.listing.get().and_then(|l| l.as_ref().ok());
        listed
            .and_then(|listing| listing.too_deep.clone())
            .or_else(|| self.cut.clone())
    }

    fn reader(&self) -> Box<dyn Reader + '_> {
        Box::new(DiskReader {
            root: &self.root,
            listing: self.listing.get().and_then(|l| l.as_ref().ok()),
            safe_dirs: RefCell::new(HashMap::new()),
        })
    }
}

/// Reads files below the root; never opens a file whose real path is outside it, nor a special
/// file (a FIFO, a socket, a device).
struct DiskReader<'a> {
    root: &'a Path,
    /// The listing, when the tree was listed: its files are known to be regular files or
    /// links, or known to be special, without another system call.
    listing: Option<&'a Listing>,
    /// Directories already checked: `true` when their real path is inside the root.
    safe_dirs: RefCell<HashMap<String, Option<bool>>>,
}

impl DiskReader<'_> {
    fn dir_is_inside(&self, dir: &str) -> Result<Option<bool>, Error> {
        if dir.is_empty() {
            return Ok(Some(true));
        }
        if let Some(&inside) = self.safe_dirs.borrow().get(dir) {
            return Ok(inside);
        }
        let inside = match std::fs::canonicalize(self.root.join(dir)) {
            Ok(real) => is_inside(&real, self.root),
            // Missing is remembered too: every broken link of a folder asks for the same
            // `.mlem/TYPE/` candidates, and each canonicalisation costs a syscall per folder.
            Err(e) if is_missing(&e) => {
                self.safe_dirs.borrow_mut().insert(dir.to_owned(), None);
                return Ok(None);
            }
            Err(source) => {
                return Err(Error::Io {
                    path: dir.to_owned(),
                    error: source,
                });
            }
        };
        self.safe_dirs
            .borrow_mut()
            .insert(dir.to_owned(), Some(inside));
        Ok(Some(inside))
    }
}

/// Whether the real path `real` is inside the working tree `root`, and not in git's own files
/// (`.git/config` may hold a credential that actions/checkout persisted): a symbolic link into
/// `.git` leaves the registry as surely as one out of the repository.
fn is_inside(real: &Path, root: &Path) -> bool {
    real.strip_prefix(root)
        .is_ok_and(|inner| !inner.components().any(|c| c.as_os_str() == ".git"))
}

/// Opens `path` for reading, failing with `ELOOP` when its last component is a symbolic link.
/// Non-blocking and never the controlling terminal, in case a file is swapped for a special
/// one after its type was read.
fn open_no_follow(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
}

/// Reads until `buffer` is full or the file ends; returns how much was read.
fn read_full(file: &mut std::fs::File, buffer: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buffer.len() {
        match file.read(&mut buffer[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

fn is_missing(error: &std::io::Error) -> bool {
    matches!(
        error.kind(),
        std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
    )
}

impl Reader for DiskReader<'_> {
    fn lookup(&self, path: &str) -> Result<Lookup, Error> {
        // Past the walks' limits nothing is read: each folder of the path costs a lookup.
        if super::too_deep(path.as_bytes()) {
            return Ok(Lookup::Missing);
        }
        let escapes = || {
            Lookup::Escapes(format!(
                "`{path}` resolves through a symbolic link to a place outside the repository"
            ))
        };
        let io = |source| Error::Io {
            path: path.to_owned(),
            error: source,
        };
        match self.dir_is_inside(super::path::parent(path))? {
            None => return Ok(Lookup::Missing),
            Some(false) => return Ok(escapes()),
            Some(true) => {}
        }
        let full = self.root.join(path);
        // A listed file's type is known from the walk; any other path's is read first (without
        // following a link, without opening it): a special file is never opened.
        let listed = self.listing.filter(|listing| {
            listing
                .files
                .binary_search_by(|f| f.as_str().cmp(path))
                .is_ok()
        });
        match listed {
            Some(listing) => {
                if listing
                    .special
                    .binary_search_by(|f| f.as_str().cmp(path))
                    .is_ok()
                {
                    return Ok(Lookup::Special(
                        special_at(&full).map_err(io)?.unwrap_or("a special file"),
                    ));
                }
            }
            None => {
                if let Some(kind) = special_at(&full).map_err(io)? {
                    return Ok(Lookup::Special(kind));
                }
            }
        }
        // One open, one fstat, one read: the hot path of a 100,000-file walk. The final component
        // is opened without following a symbolic link; a link is checked before it is followed.
        let mut file = match open_no_follow(&full) {
            Ok(file) => file,
            Err(e) if is_missing(&e) => return Ok(Lookup::Missing),
            Err(e) if e.raw_os_error() == Some(libc::ELOOP) => {
                let real = match std::fs::canonicalize(&full) {
                    Ok(real) if !is_inside(&real, self.root) => return Ok(escapes()),
                    Ok(real) => real,
                    Err(e) if is_missing(&e) => return Ok(Lookup::Missing),
                    Err(e) => return Err(io(e)),
                };
                if let Some(kind) = special_at(&real).map_err(io)? {
                    return Ok(Lookup::Special(kind));
                }
                match open_no_follow(&real) {
                    Ok(file) => file,
                    Err(e) if is_missing(&e) => return Ok(Lookup::Missing),
                    Err(e) => return Err(io(e)),
                }
            }
            Err(e) if e.raw_os_error() == Some(libc::EISDIR) => return Ok(Lookup::NotAFile),
            Err(e) => return Err(io(e)),
        };
        let meta = file.metadata().map_err(io)?;
        if !meta.is_file() {
            return Ok(Lookup::NotAFile);
        }
        Content::read_limited(meta.len(), || {
            let mut bytes = vec![0; meta.len() as usize];
            let read = read_full(&mut file, &mut bytes)?;
            bytes.truncate(read);
            Ok(bytes)
        })
        .map(Lookup::File)
        .map_err(io)
    }
}
