//! Walk: which `*.mlem` files a registry has, and read access to its files at one revision.
//!
//! A [`Snapshot`] is the registry as of one revision (the working tree, a commit, or files in
//! memory for tests). Every read goes through [`Reader::lookup`], which confines paths to the
//! repository: `..`, absolute paths and symbolic links that leave it are refused, not followed.

pub mod changed;
pub mod commit;
pub mod link_index;
pub mod memory;
pub mod nested;
pub mod path;
pub mod pushed;
pub mod single;
pub mod staged;
pub mod worktree;

/// Test helpers shared by the modules that build real git repositories in their tests.
#[cfg(test)]
pub(crate) mod testing {
    /// Runs `git ARGS` in `dir` as a throwaway identity, with no signing; fails the test if git does.
    pub fn git(dir: &std::path::Path, args: &[&str]) {
        let ok = std::process::Command::new("git")
            .args(["-c", "user.name=T", "-c", "user.email=t@example.invalid"])
            .args(["-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false"])
            .args(args)
            .current_dir(dir)
            .status()
            .unwrap()
            .success();
        assert!(ok, "git {args:?}");
    }
}

/// What a path in the snapshot holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    /// A regular file (symbolic links inside the repository followed), read up to the size limit.
    File(Content),
    /// Nothing at that path.
    Missing,
    /// Something that is not a file: a directory, a submodule.
    NotAFile,
    /// The path leaves the repository; says how.
    Escapes(String),
    /// A special file (a FIFO, a socket, a device), named by its kind: never opened, since
    /// opening one may block forever or act on a device.
    Special(&'static str),
}

/// Folders nested deeper than this are not walked: no registry nests this deep, and a tree can
/// be made deep enough to exhaust any walk (git's own `core.maxTreeDepth` is 4096).
pub const MAX_DEPTH: usize = 256;

/// Files larger than this are reported (`file/too-large`), not read whole: MLEM metadata is a
/// few kilobytes.
pub const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// The file a registry keeps its policy in (`config` reads it); the walk watches it.
pub const CONFIG_FILE: &str = ".mlem-registry.toml";

/// Paths longer than this (Linux's `PATH_MAX`) are not walked either.
pub const MAX_PATH_BYTES: usize = 4096;

/// Whether repository-relative `path` is past the walks' limits ([`MAX_DEPTH`] folders,
/// [`MAX_PATH_BYTES`] bytes).
pub fn too_deep(path: &[u8]) -> bool {
    path.len() > MAX_PATH_BYTES || path.iter().filter(|&&b| b == b'/').count() >= MAX_DEPTH
}

/// A file's bytes, or its size when it is too large to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Content {
    /// The whole file.
    Bytes(Vec<u8>),
    /// The file has this many bytes, more than [`MAX_FILE_BYTES`]; it was not read whole.
    TooLarge(u64),
}

impl Content {
    /// Content for a file of `size` bytes, calling `read` only when it is small enough.
    pub fn read_limited<E>(
        size: u64,
        read: impl FnOnce() -> Result<Vec<u8>, E>,
    ) -> Result<Content, E> {
        if size > MAX_FILE_BYTES {
            Ok(Content::TooLarge(size))
        } else {
            read().map(Content::Bytes)
        }
    }
}

/// Errors reading a registry: repositories that cannot be opened, revisions that do not exist.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The path to check does not exist or cannot be read.
    #[error("cannot read {path}: {error}")]
    Io {
        /// The path.
        path: String,
        /// What the OS said (part of the message, not a separate cause: said once).
        error: std::io::Error,
    },
    /// A `*.mlem` file's name is not UTF-8: it can be neither checked nor named in a finding,
    /// and a run must not pass it unchecked.
    #[error("the file name `{0}` is not valid UTF-8: rename it so that it can be checked")]
    NameNotUtf8(String),
    /// A revision given to the run names nothing in the repository.
    #[error(
        "`{rev}` names no commit, branch or tag of this repository{}",
        if *empty { ": it has no commits yet" } else { "" }
    )]
    UnknownRevision {
        /// The revision, as given.
        rev: String,
        /// The repository has no commits at all.
        empty: bool,
    },
    /// A git operation failed.
    #[error("{context}: {message}")]
    Git {
        /// What was being done.
        context: String,
        /// gix's error, rendered.
        message: String,
    },
}

impl Error {
    /// A git error with what was being done.
    pub fn git(context: impl Into<String>, error: impl std::fmt::Display) -> Error {
        Error::Git {
            context: context.into(),
            message: error.to_string(),
        }
    }
}

/// How many of `paths` are `*.mlem` files, for a notice: a change's selection also holds the
/// config files it touches.
fn mlem_count(paths: &[String]) -> usize {
    paths.iter().filter(|path| is_mlem_file(path)).count()
}

/// The object the revision `rev` (a commit, branch, tag, or any rev-spec) names in `repo`.
pub fn revision<'r>(repo: &'r gix::Repository, rev: &str) -> Result<gix::Id<'r>, Error> {
    repo.rev_parse_single(rev)
        .map_err(|_| Error::UnknownRevision {
            rev: rev.to_owned(),
            empty: repo.head().is_ok_and(|head| head.is_unborn()),
        })
}

/// The registry as of one revision.
pub trait Snapshot: Sync {
    /// Every `*.mlem` file, as paths relative to the repository root with `/`, sorted.
    fn mlem_files(&self) -> Result<Vec<String>, Error>;

    /// A reader for the current thread (git object access is per thread).
    fn reader(&self) -> Box<dyn Reader + '_>;

    /// The git blob id of the regular file at `path`, when the snapshot knows it without reading
    /// the file (a commit's tree, the index): what [`link_index::LinkIndex`] is keyed by.
    fn blob_id(&self, _path: &str) -> Option<gix::ObjectId> {
        None
    }

    /// Whether the snapshot holds a symbolic link anywhere (`None`: not known). Through one, a
    /// link may reach a file whose path it does not name, or a link file may change with a file
    /// that is not a `*.mlem` file.
    fn has_symlinks(&self) -> Option<bool> {
        None
    }

    /// The first path a walk left out for being past [`MAX_DEPTH`] or [`MAX_PATH_BYTES`]:
    /// what is below it was not checked, so the run must not pass.
    fn too_deep(&self) -> Option<String> {
        None
    }
}

/// Reads files of a snapshot by repository-relative path.
pub trait Reader {
    /// What is at `path` (already normalized by [`path::normalize`]).
    fn lookup(&self, path: &str) -> Result<Lookup, Error>;
}

/// Which files of a repository to check.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Selection {
    /// The working tree as git sees it: tracked plus untracked, not ignored.
    #[default]
    Worktree,
    /// The files of a commit, branch or tag, read from the object database.
    Revision(String),
    /// Only the files added or modified between this revision and the working tree.
    ChangedSince(String),
    /// Only the files the commits of a push touch, as they are in the pushed commit `tip`;
    /// `hidden` are commits the remote already has.
    Pushed {
        /// The commit being pushed.
        tip: String,
        /// What the remote ref points at now, when it exists: files that differ between it and
        /// `tip` are checked too (a force push or a rewind brings back old files unchanged).
        remote: Option<String>,
        /// Commits (ids or revisions) the remote has; ones this repository lacks are skipped.
        hidden: Vec<String>,
    },
    /// Only the staged files that differ from `HEAD`, as the index holds them (a pre-commit hook).
    Staged,
    /// Exactly these files (repository-relative, below the project), as the index has them:
    /// what the pre-commit framework passes a hook.
    Files(Vec<String>),
    /// One file of the working tree (repository-relative), with every link file whose links
    /// reach it: `check FILE`.
    File(String),
}

/// A registry opened for checking: its snapshot, the files to check, and what to tell the user.
pub struct Opened {
    /// Read access to the registry at the revision being checked.
    pub snapshot: Box<dyn Snapshot>,
    /// The files to check.
    pub files: Vec<String>,
    /// Files the change deletes.
    pub deleted: Vec<String>,
    /// Only a change's files were selected: links elsewhere that reach them must be added.
    pub partial: bool,
    /// Remarks about how the registry was read.
    pub notices: Vec<String>,
    /// Where the MLEM project sits in its repository (`""` at the root, else `dir/`): reported
    /// paths are the project's paths with this prefix, so they are relative to the repository.
    pub prefix: String,
    /// The directory reported paths are relative to: the repository's working tree (or the
    /// plain directory checked).
    pub root: std::path::PathBuf,
    /// The repository's git directory, where [`link_index::LinkIndex`] is kept.
    pub git_dir: Option<std::path::PathBuf>,
}

impl Opened {
    /// Every `*.mlem` file of `snapshot` selected for checking.
    fn whole(
        snapshot: Box<dyn Snapshot>,
        notices: Vec<String>,
        prefix: String,
        root: std::path::PathBuf,
    ) -> Result<Opened, Error> {
        Ok(Opened {
            files: snapshot.mlem_files()?,
            snapshot,
            deleted: Vec::new(),
            partial: false,
            notices,
            prefix,
            root,
            git_dir: None,
        })
    }
}

/// The files of revision `rev` of the git repository around `path`, below `prefix`: the tree
/// whose config folders count when a change is judged by that revision's policy.
pub fn tree_at(
    path: &std::path::Path,
    rev: &str,
    prefix: &str,
) -> Result<Box<dyn Snapshot>, Error> {
    let repo = gix::discover(path).map_err(|e| {
        Error::git(
            format!("cannot open a git repository at {}", path.display()),
            e,
        )
    })?;
    Ok(Box::new(commit::CommitTree::open_with_index(
        &repo, rev, prefix,
    )?))
}

/// The commit a review of the repository around `path` compares with when told nothing: the
/// merge-base of `HEAD` and the remote's default branch (`origin/HEAD`, else `origin/main`, else
/// `origin/master`). `None` says why there is none.
pub fn default_base(path: &std::path::Path) -> Result<String, String> {
    let repo = gix::discover(path).map_err(|e| format!("cannot open a git repository: {e}"))?;
    let commit = |spec: &str| {
        repo.rev_parse_single(spec)
            .ok()?
            .object()
            .ok()?
            .peel_to_commit()
            .ok()
            .map(|c| c.id)
    };
    let remote = ["origin/HEAD", "origin/main", "origin/master"]
        .into_iter()
        .find_map(|spec| commit(spec).map(|id| (spec, id)))
        .ok_or("the repository has no remote default branch (origin/HEAD, origin/main or origin/master) to compare with")?;
    let head = commit("HEAD").ok_or("the repository has no commit yet")?;
    match repo.merge_base(head, remote.1) {
        Ok(Some(base)) => Ok(base.to_string()),
        _ => Err(format!("HEAD and {} have no common ancestor", remote.0)),
    }
}

/// Whether the git repository around `path` has the commit (or ref) `rev`: a shallow checkout
/// may not have a pull request's base.
pub fn has_revision(path: &std::path::Path, rev: &str) -> bool {
    gix::discover(path).is_ok_and(|repo| repo.rev_parse_single(rev).is_ok())
}

/// Opens the registry containing `path`: the git repository around it, or, outside any
/// repository, the directory itself (only for [`Selection::Worktree`]).
pub fn open(path: &std::path::Path, selection: &Selection) -> Result<Opened, Error> {
    if let Err(source) = std::fs::metadata(path) {
        return Err(Error::Io {
            path: path.display().to_string(),
            error: source,
        });
    }
    let repo = match gix::discover(path) {
        Ok(repo) => repo,
        Err(error) if is_not_a_repository(&error) && *selection == Selection::Worktree => {
            let notice = format!(
                "{} is not inside a git repository: checked it as a plain directory",
                path.display()
            );
            let tree = worktree::Worktree::plain(path)?;
            let root = path.to_path_buf();
            return Opened::whole(Box::new(tree), vec![notice], String::new(), root);
        }
        Err(error) => {
            return Err(Error::git(
                format!("cannot open a git repository at {}", path.display()),
                error,
            ));
        }
    };
    let workdir = repo
        .workdir()
        .map(std::path::Path::to_path_buf)
        .unwrap_or_default();
    let prefix = match selection {
        Selection::Revision(rev) | Selection::Pushed { tip: rev, .. } => {
            let tree = repo
                .rev_parse_single(rev.as_str())
                .and_then(|id| id.object()?.peel_to_tree())
                .ok();
            project_prefix(&repo, path, |dir| {
                tree.as_ref().is_some_and(|tree| tree_has_marker(tree, dir))
            })?
        }
        _ => project_prefix(&repo, path, |dir| worktree_has_marker(&workdir, dir))?,
    };
    let mut notices = Vec::new();
    if !prefix.is_empty() {
        notices.push(format!(
            "MLEM project in {prefix} (it has a .mlem.yaml or .mlem/): its links resolve from there"
        ));
    }
    let opened = match selection {
        Selection::Worktree => {
            let tree = worktree::Worktree::from_git(&repo, &prefix)?;
            Opened::whole(Box::new(tree), notices, prefix, workdir)
        }
        Selection::Revision(rev) => {
            let tree = commit::CommitTree::open(&repo, rev, &prefix)?;
            notices.push(format!("checked revision {rev} (commit {})", tree.commit));
            Opened::whole(Box::new(tree), notices, prefix, workdir)
        }
        Selection::Pushed {
            tip,
            remote,
            hidden,
        } => {
            let mut tree = commit::CommitTree::open(&repo, tip, &prefix)?;
            // Ids this repository has, peeled to commits (a tag names its commit).
            let commit_of = |rev: &String| {
                let id = repo.rev_parse_single(rev.as_str()).ok()?;
                Some(id.object().ok()?.peel_to_commit().ok()?.id)
            };
            let hidden: Vec<gix::ObjectId> = hidden.iter().filter_map(commit_of).collect();
            let remote = remote.as_ref().and_then(commit_of);
            let pushed = pushed::changes(&repo, tree.commit, remote, &hidden, &prefix)?;
            tree.set_too_deep(pushed.too_deep.clone());
            notices.push(format!(
                "checked {} changed by {} (up to {})",
                crate::words::count(mlem_count(&pushed.changed), "*.mlem file"),
                crate::words::count(pushed.commits, "pushed commit"),
                tree.commit.to_hex_with_len(12)
            ));
            Ok(Opened {
                snapshot: Box::new(tree),
                files: pushed.changed,
                deleted: pushed.deleted,
                partial: true,
                notices,
                prefix,
                root: workdir,
                git_dir: None,
            })
        }
        Selection::Staged => {
            let staged = staged::Staged::open(&repo, &prefix)?;
            let changes = staged.changes()?;
            notices.push(format!(
                "checked {}",
                crate::words::count(mlem_count(&changes.changed), "staged *.mlem file")
            ));
            Ok(Opened {
                snapshot: Box::new(staged),
                files: changes.changed,
                deleted: changes.deleted,
                partial: true,
                notices,
                prefix,
                root: workdir,
                git_dir: None,
            })
        }
        Selection::Files(files) => staged::given(&repo, files, notices, prefix, workdir),
        Selection::File(file) => {
            let tree = worktree::Worktree::from_git(&repo, &prefix)?;
            let files = strip_prefix(file, &prefix)
                .map(|file| vec![file.to_owned()])
                .unwrap_or_default();
            notices.push(format!("checked {file}"));
            Ok(Opened {
                snapshot: Box::new(tree),
                files,
                deleted: Vec::new(),
                partial: true,
                notices,
                prefix,
                root: workdir,
                git_dir: None,
            })
        }
        Selection::ChangedSince(rev) => {
            let mut changes = changed::since(&repo, rev, &prefix)?;
            let mut tree = worktree::Worktree::from_git(&repo, &prefix)?;
            let deep = changes
                .changed
                .iter()
                .chain(&changes.deleted)
                .find(|path| too_deep(path.as_bytes()))
                .cloned();
            changes.changed.retain(|path| !too_deep(path.as_bytes()));
            changes.deleted.retain(|path| !too_deep(path.as_bytes()));
            tree.set_too_deep(deep);
            notices.push(format!(
                "checked {} changed since {rev}{}",
                crate::words::count(mlem_count(&changes.changed), "*.mlem file"),
                match changes.deleted.len() {
                    0 => String::new(),
                    n => format!(" ({n} deleted)"),
                }
            ));
            Ok(Opened {
                snapshot: Box::new(tree),
                files: changes.changed,
                deleted: changes.deleted,
                partial: true,
                notices,
                prefix,
                root: workdir,
                git_dir: None,
            })
        }
    };
    opened.map(|opened| Opened {
        git_dir: Some(repo.git_dir().to_path_buf()),
        ..opened
    })
}

/// The MLEM project containing `path`: the nearest directory at or above it, inside the
/// repository, that has MLEM's `.mlem.yaml` marker (or MLEM 0.2's `.mlem/` folder), as `has_marker`
/// says for a repository-relative directory. Returned as a prefix relative to the repository root,
/// `""` when that is the repository root itself or when no directory has a marker.
fn project_prefix(
    repo: &gix::Repository,
    path: &std::path::Path,
    has_marker: impl Fn(&str) -> bool,
) -> Result<String, Error> {
    let Some(workdir) = repo.workdir() else {
        return Ok(String::new());
    };
    let io = |source| Error::Io {
        path: path.display().to_string(),
        error: source,
    };
    let workdir = std::fs::canonicalize(workdir).map_err(io)?;
    let mut dir = std::fs::canonicalize(path).map_err(io)?;
    if !dir.is_dir() {
        dir.pop();
    }
    while dir.starts_with(&workdir) && dir != workdir {
        let relative: Vec<_> = dir
            .strip_prefix(&workdir)
            .unwrap_or(&dir)
            .components()
            .filter_map(|c| c.as_os_str().to_str())
            .collect();
        let relative = relative.join("/");
        if has_marker(&relative) {
            return Ok(format!("{relative}/"));
        }
        dir.pop();
    }
    Ok(String::new())
}

/// Whether the working tree has a MLEM project marker in `dir` (repository-relative).
fn worktree_has_marker(workdir: &std::path::Path, dir: &str) -> bool {
    let dir = workdir.join(dir);
    dir.join(".mlem.yaml").is_file() || dir.join(".mlem").is_dir()
}

/// Whether a commit's `tree` has a MLEM project marker in `dir` (repository-relative).
fn tree_has_marker(tree: &gix::Tree<'_>, dir: &str) -> bool {
    [".mlem.yaml", ".mlem"].iter().any(|marker| {
        matches!(
            tree.lookup_entry_by_path(format!("{dir}/{marker}")),
            Ok(Some(_))
        )
    })
}

/// True when discovery failed because no repository contains the path (not for a broken one).
fn is_not_a_repository(error: &gix::Error) -> bool {
    use gix::discover::upwards::Error as NotFound;
    matches!(
        error.downcast_any_ref::<NotFound>(),
        Some(
            NotFound::NoGitRepository { .. }
                | NotFound::NoGitRepositoryWithinCeiling { .. }
                | NotFound::NoGitRepositoryWithinFs { .. }
        )
    )
}

/// `path` relative to the project at `prefix`, if it is inside it.
pub fn strip_prefix<'a>(path: &'a str, prefix: &str) -> Option<&'a str> {
    path.strip_prefix(prefix)
}

/// True for the files whose change the changed-only modes watch: `*.mlem` files, and MLEM
/// project markers (`.mlem.yaml`), whose addition or removal moves where links resolve.
pub fn is_watched(path: &str) -> bool {
    is_mlem_file(path) || is_marker(path) || is_config(path)
}

/// True for a policy file, `.mlem-registry.toml`: a change to one is reported wherever it is.
pub fn is_config(path: &str) -> bool {
    path == CONFIG_FILE
        || path
            .strip_suffix(CONFIG_FILE)
            .is_some_and(|folder| folder.ends_with('/'))
}

/// The folder (`""` or `dir/`) that a changed file makes or unmakes a MLEM project, if it does:
/// a `.mlem.yaml`, or a file in MLEM 0.2's `.mlem/` folder (which may be the folder's first).
pub fn marker_folder(path: &str) -> Option<&str> {
    if let Some(folder) = path.strip_suffix(".mlem.yaml") {
        return (folder.is_empty() || folder.ends_with('/')).then_some(folder);
    }
    if path.starts_with(".mlem/") {
        return Some("");
    }
    path.find("/.mlem/").map(|i| &path[..=i])
}

/// The path (bytes, as git and the file system give it) as UTF-8; `Ok(None)` for another file
/// whose name is not UTF-8, an error for a `*.mlem` one (see [`Error::NameNotUtf8`]).
pub fn utf8_name(path: &[u8]) -> Result<Option<&str>, Error> {
    match std::str::from_utf8(path) {
        Ok(path) => Ok(Some(path)),
        Err(_) if path.ends_with(b".mlem") || path.ends_with(b".mlem.yaml") => {
            let shown = String::from_utf8_lossy(path);
            Err(Error::NameNotUtf8(shown.escape_debug().to_string()))
        }
        Err(_) => Ok(None),
    }
}

/// True for a MLEM project marker, `.mlem.yaml`.
pub fn is_marker(path: &str) -> bool {
    path == ".mlem.yaml" || path.ends_with("/.mlem.yaml")
}

/// True for the files the registry checks.
pub fn is_mlem_file(path: &str) -> bool {
    path.ends_with(".mlem")
}
