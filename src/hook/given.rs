//! The files a pre-commit run was given, sorted by the MLEM project that holds each, and the
//! ones it skips (and why).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::{Error, io};
use crate::registry::is_mlem_file;

/// The files a hook run was given (the pre-commit framework passes the staged ones, or every
/// tracked one with `--all-files`), sorted by the MLEM project that holds each.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Given {
    /// Each MLEM project's folder (the nearest folder at or above the file with a `.mlem.yaml`
    /// or MLEM 0.2's `.mlem/`, else the repository's working tree) with the `*.mlem` files given
    /// in it, repository-relative with `/`, sorted.
    pub projects: BTreeMap<PathBuf, Vec<String>>,
    /// Files given that are not checked, with why.
    pub skipped: Vec<(String, Skipped)>,
}

impl Given {
    /// How many files will be checked.
    pub fn len(&self) -> usize {
        self.projects.values().map(Vec::len).sum()
    }

    /// True when none of the files given will be checked.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Why a file given to a hook run is not checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Skipped {
    /// Its name does not end in `.mlem`.
    NotMlem,
    /// Nothing at that path in the working tree.
    Missing,
    /// A directory, or another thing that is not a file.
    NotAFile,
    /// Outside the git repository's working tree (or not UTF-8).
    Outside,
}

impl std::fmt::Display for Skipped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Skipped::NotMlem => "not a *.mlem file",
            Skipped::Missing => "not in the working tree",
            Skipped::NotAFile => "not a file",
            Skipped::Outside => "outside the repository's working tree",
        })
    }
}

/// Sorts `files` (relative to `cwd`, or absolute) into the MLEM projects of the git repository
/// around `cwd`, keeping only `*.mlem` files the working tree has (a symbolic link counts: the
/// check decides where it leads). Links then resolve from each file's own project, as a check
/// of that project resolves them.
pub fn given_files(cwd: &Path, files: &[PathBuf]) -> Result<Given, Error> {
    let not_a_repository = |message: String| Error::NotARepository {
        path: cwd.display().to_string(),
        message,
    };
    let repo = gix::discover(cwd).map_err(|e| not_a_repository(e.to_string()))?;
    let workdir = repo
        .workdir()
        .ok_or_else(|| not_a_repository("a bare repository has no working tree".into()))?;
    let workdir = std::fs::canonicalize(workdir).map_err(io(workdir))?;
    let cwd = std::fs::canonicalize(cwd).map_err(io(cwd))?;
    let mut given = Given::default();
    for file in files {
        let shown = file.display().to_string();
        match locate(&cwd, &workdir, file) {
            Ok((dir, relative)) => given
                .projects
                .entry(project_of(&workdir, &dir))
                .or_default()
                .push(relative),
            Err(why) => given.skipped.push((shown, why)),
        }
    }
    for files in given.projects.values_mut() {
        files.sort();
        files.dedup();
    }
    Ok(given)
}

/// The real folder holding `file` and its repository-relative path, or why it is not checked.
fn locate(cwd: &Path, workdir: &Path, file: &Path) -> Result<(PathBuf, String), Skipped> {
    let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("");
    if !is_mlem_file(name) {
        return Err(Skipped::NotMlem);
    }
    // The folder is resolved; the file itself is not, so a symbolic link stays what it is.
    let full = cwd.join(file);
    let parent = full.parent().unwrap_or(cwd);
    let dir = std::fs::canonicalize(parent).map_err(|_| Skipped::Missing)?;
    match std::fs::symlink_metadata(dir.join(name)) {
        Err(_) => return Err(Skipped::Missing),
        Ok(meta) if meta.is_dir() => return Err(Skipped::NotAFile),
        Ok(_) => {}
    }
    let inside = dir.strip_prefix(workdir).map_err(|_| Skipped::Outside)?;
    let mut relative = String::new();
    for part in inside.components() {
        relative.push_str(part.as_os_str().to_str().ok_or(Skipped::Outside)?);
        relative.push('/');
    }
    relative.push_str(name);
    Ok((dir, relative))
}

/// The MLEM project folder holding `dir`: the nearest folder at or above it, inside `workdir`,
/// with MLEM's `.mlem.yaml` marker (or MLEM 0.2's `.mlem/` folder); else `workdir` itself.
fn project_of(workdir: &Path, dir: &Path) -> PathBuf {
    let mut dir = dir.to_path_buf();
    while dir.starts_with(workdir) && dir != workdir {
        if dir.join(".mlem.yaml").is_file() || dir.join(".mlem").is_dir() {
            return dir;
        }
        dir.pop();
    }
    workdir.to_path_buf()
}
