//! Finding a run's config file: `--config`, else the nearest `.mlem-registry.toml` at or above
//! the checked folder within its repository, read from the working tree or from one revision.

use std::path::{Path, PathBuf};

use super::{Error, FILE_NAME, PolicyAt};

/// The largest config file read: a policy is a few lines.
const MAX_CONFIG_BYTES: u64 = 1 << 20;

/// A config file found for a run: its text and where it is.
#[derive(Debug)]
pub(super) struct Located {
    /// The file's text.
    pub(super) text: String,
    /// How messages name it: its repository-relative path, with the revision it was read at.
    pub(super) shown: String,
    /// The file on disk (where the working tree has it).
    pub(super) file: PathBuf,
    /// Its folder relative to the repository root (`""` or `dir/`).
    pub(super) base: String,
    /// Its path relative to the repository root; `None` outside any repository.
    pub(super) relative: Option<String>,
}

impl Located {
    /// The config that applies to `path`, as `at` has it; `None`: there is none.
    pub(super) fn find(
        explicit: Option<&Path>,
        path: &Path,
        at: &PolicyAt,
    ) -> Result<Option<Located>, Error> {
        // A folder only a revision has (a project `--rev` checks) starts from its nearest
        // folder on disk, the rest of its path kept.
        let (start, missing) = existing_start(path);
        let root = start.as_deref().and_then(repository_root);
        let files = match (&root, at) {
            (Some(root), PolicyAt::Revision(rev)) => Files::at_revision(root, rev)?,
            _ => Files::Disk,
        };
        if let Some(file) = explicit {
            let canonical = std::fs::canonicalize(file).ok();
            let inside = canonical
                .as_deref()
                .zip(root.as_deref())
                .and_then(|(file, root)| {
                    let relative = folder_in(file.parent()?, root)?;
                    Some(format!("{relative}{}", file.file_name()?.to_string_lossy()))
                });
            let Some(relative) = inside else {
                // Outside the repository: not part of any revision or change.
                let text = read_named(file)?;
                return Ok(Some(Located {
                    text,
                    shown: file.display().to_string(),
                    file: file.to_path_buf(),
                    base: String::new(),
                    relative: None,
                }));
            };
            let root = root.expect("inside a repository");
            return match files.read(&root, &relative)? {
                Some(text) => Ok(Some(files.located(text, &root, relative))),
                None if matches!(files, Files::Disk) => Err(Error::Read {
                    file: file.display().to_string(),
                    error: std::io::ErrorKind::NotFound.into(),
                }),
                None => Ok(None),
            };
        }
        let Some(start) = start else { return Ok(None) };
        let Some(root) = root else {
            let file = start.join(FILE_NAME);
            return Ok(read_disk(&file)?.map(|text| Located {
                text,
                shown: FILE_NAME.to_owned(),
                file,
                base: String::new(),
                relative: None,
            }));
        };
        let Some(folder) = folder_in(&start, &root) else {
            return Ok(None);
        };
        let folder = format!("{folder}{missing}");
        let mut folder = folder.as_str();
        loop {
            let relative = format!("{folder}{FILE_NAME}");
            if let Some(text) = files.read(&root, &relative)? {
                return Ok(Some(files.located(text, &root, relative)));
            }
            if folder.is_empty() {
                return Ok(None);
            }
            folder = crate::registry::nested::parent_folder(folder);
        }
    }
}

/// Reads the repository's files from disk or from one revision's tree.
enum Files {
    /// The working tree.
    Disk,
    /// One revision's tree.
    Tree {
        /// The repository.
        repo: Box<gix::Repository>,
        /// The revision's tree.
        tree: gix::ObjectId,
        /// The revision as given, for messages.
        rev: String,
    },
}

impl Files {
    /// The tree of revision `rev` of the repository at `root`.
    fn at_revision(root: &Path, rev: &str) -> Result<Files, Error> {
        let fail = |message: String| Error::Revision {
            rev: rev.to_owned(),
            message,
        };
        let repo = gix::open(root).map_err(|e| fail(e.to_string()))?;
        let tree = crate::registry::revision(&repo, rev)?
            .object()
            .map_err(|e| fail(e.to_string()))?
            .peel_to_tree()
            .map_err(|e| fail(e.to_string()))?
            .id;
        Ok(Files::Tree {
            repo: Box::new(repo),
            tree,
            rev: rev.to_owned(),
        })
    }

    /// The text of the file at `relative` (to the repository root); `None` when there is no
    /// such file.
    fn read(&self, root: &Path, relative: &str) -> Result<Option<String>, Error> {
        match self {
            Files::Disk => {
                let file = root.join(relative);
                // Not through a symbolically linked folder that leaves the repository either.
                let folder = file.parent().and_then(|f| std::fs::canonicalize(f).ok());
                if folder.is_some_and(|folder| !folder.starts_with(root)) {
                    return Ok(None);
                }
                read_disk(&file)
            }
            Files::Tree { repo, tree, rev } => {
                let fail = |message: String| Error::Revision {
                    rev: rev.clone(),
                    message: format!("{relative}: {message}"),
                };
                let tree = repo.find_tree(*tree).map_err(|e| fail(e.to_string()))?;
                let Some(entry) = tree
                    .lookup_entry_by_path(relative)
                    .map_err(|e| fail(e.to_string()))?
                else {
                    return Ok(None);
                };
                if !entry.mode().is_blob() {
                    return Ok(None);
                }
                let header = repo
                    .find_header(entry.object_id())
                    .map_err(|e| fail(e.to_string()))?;
                if header.size() > MAX_CONFIG_BYTES {
                    return Err(too_large(&format!("{relative} at {rev}"), header.size()));
                }
                let blob = entry.object().map_err(|e| fail(e.to_string()))?;
                Ok(Some(String::from_utf8_lossy(&blob.data).into_owned()))
            }
        }
    }

    /// A file this reader found at `relative` in the repository at `root`.
    fn located(&self, text: String, root: &Path, relative: String) -> Located {
        let base = relative
            .rfind('/')
            .map_or(String::new(), |i| relative[..=i].to_owned());
        Located {
            text,
            shown: match self {
                Files::Disk => relative.clone(),
                Files::Tree { rev, .. } => format!("{relative} (as of {rev})"),
            },
            file: root.join(&relative),
            base,
            relative: Some(relative),
        }
    }
}

/// The text of a config file on disk; `None` when there is no file there.
fn read_disk(file: &Path) -> Result<Option<String>, Error> {
    let error = |source| Error::Read {
        file: file.display().to_string(),
        error: source,
    };
    // Never through a symbolic link: a change could point it at any file of the machine and
    // have its text shown as the config's.
    let meta = match std::fs::symlink_metadata(file) {
        Ok(meta) if meta.file_type().is_symlink() => {
            return Err(Error::Invalid {
                file: file.display().to_string(),
                line: 1,
                column: 1,
                message: "is a symbolic link; a config is read only from a regular file".into(),
            });
        }
        Ok(meta) if meta.is_file() => meta,
        Ok(_) => return Ok(None),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(error(e)),
    };
    if meta.len() > MAX_CONFIG_BYTES {
        return Err(too_large(&file.display().to_string(), meta.len()));
    }
    std::fs::read_to_string(file).map(Some).map_err(error)
}

/// The text of the file `--config` names outside the repository (`/dev/null` too), capped.
fn read_named(file: &Path) -> Result<String, Error> {
    use std::io::Read;
    let error = |source| Error::Read {
        file: file.display().to_string(),
        error: source,
    };
    let mut bytes = Vec::new();
    std::fs::File::open(file)
        .map_err(error)?
        .take(MAX_CONFIG_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(error)?;
    if bytes.len() as u64 > MAX_CONFIG_BYTES {
        return Err(too_large(&file.display().to_string(), bytes.len() as u64));
    }
    String::from_utf8(bytes).map_err(|_| error(std::io::ErrorKind::InvalidData.into()))
}

fn too_large(file: &str, size: u64) -> Error {
    Error::Invalid {
        file: file.to_owned(),
        line: 1,
        column: 1,
        message: format!("the file has {size} bytes; a config is at most {MAX_CONFIG_BYTES}"),
    }
}

/// The nearest existing folder at or above `path`, canonical, and the folders below it that
/// `path` names but the disk does not have (`"a/b/"`).
fn existing_start(path: &Path) -> (Option<PathBuf>, String) {
    let mut missing: Vec<String> = Vec::new();
    let mut at = path.to_path_buf();
    loop {
        if let Ok(real) = std::fs::canonicalize(&at) {
            let real = match real.is_dir() {
                true => real,
                false => real.parent().map(Path::to_path_buf).unwrap_or(real),
            };
            missing.reverse();
            let tail: String = missing.iter().map(|m| format!("{m}/")).collect();
            return (Some(real), tail);
        }
        match (at.file_name(), at.parent()) {
            (Some(name), Some(parent)) => {
                missing.push(name.to_string_lossy().into_owned());
                at = match parent.as_os_str().is_empty() {
                    true => PathBuf::from("."),
                    false => parent.to_path_buf(),
                };
            }
            _ => return (None, String::new()),
        }
    }
}

/// The working tree of the git repository around `path`, canonical.
fn repository_root(path: &Path) -> Option<PathBuf> {
    let repo = gix::discover(path).ok()?;
    std::fs::canonicalize(repo.workdir()?).ok()
}

/// `dir` (canonical) as a folder prefix relative to `root`: `""` or `a/b/`; `None` outside it.
fn folder_in(dir: &Path, root: &Path) -> Option<String> {
    Some(match crate::registry::path::relative_to(dir, root)? {
        folder if folder.is_empty() => folder,
        folder => format!("{folder}/"),
    })
}
