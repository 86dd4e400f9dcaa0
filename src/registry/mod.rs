//! Walk: which `*.mlem` files a registry has, and read access to its files at one revision.
//!
//! A [`Snapshot`] is the registry as of one revision (the working tree, a commit, or files in
//! memory for tests). Every read goes through [`Reader::lookup`], which confines paths to the
//! repository: `..`, absolute paths and symbolic links that leave it are refused, not followed.

pub mod commit;
pub mod memory;
pub mod path;
pub mod worktree;

use crate::rules::file_too_large::MAX_FILE_BYTES;

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
    pub fn read_limited<E>(size: u64, read: impl FnOnce() -> Result<Vec<u8>, E>) -> Result<Content, E> {
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
    #[error("cannot read {path}: {source}")]
    Io {
        /// The path.
        path: String,
        /// What the OS said.
        source: std::io::Error,
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

/// The registry as of one revision.
pub trait Snapshot: Sync {
    /// Every `*.mlem` file, as paths relative to the repository root with `/`, sorted.
    fn mlem_files(&self) -> Result<Vec<String>, Error>;

    /// A reader for the current thread (git object access is per thread).
    fn reader(&self) -> Box<dyn Reader + '_>;
}

/// Reads files of a snapshot by repository-relative path.
pub trait Reader {
    /// What is at `path` (already normalized by [`path::normalize`]).
    fn lookup(&self, path: &str) -> Result<Lookup, Error>;
}

/// True for the files the registry checks.
pub fn is_mlem_file(path: &str) -> bool {
    path.ends_with(".mlem")
}
