//! Git hooks: installing the pre-push and pre-commit hooks that run the check before changes
//! leave the machine, and reading what git tells a pre-push hook about the push.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::registry::{Selection, is_mlem_file};

/// The line that marks a hook as written by this tool: only such hooks are replaced or removed
/// without `--force`.
pub const MARKER: &str = "# mlem-registry hook: checks *.mlem link files";

/// Which hook.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Runs on `git push`: checks the link files the pushed commits change.
    PrePush,
    /// Runs on `git commit`: checks the staged link files.
    PreCommit,
}

impl Kind {
    /// The hook's file name, which is also the `hook` subcommand that runs it.
    pub fn name(self) -> &'static str {
        match self {
            Kind::PrePush => "pre-push",
            Kind::PreCommit => "pre-commit",
        }
    }
}

/// Why a hook could not be installed or removed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No git repository around the path.
    #[error("{path} is not inside a git repository: {message}")]
    NotARepository {
        /// The path.
        path: String,
        /// gix's error.
        message: String,
    },
    /// Another tool's hook is in the way.
    #[error(
        "{path} exists and was not written by mlem-registry; `--force` replaces it (keeping a copy as {backup})"
    )]
    Foreign {
        /// The hook file.
        path: String,
        /// Where `--force` keeps the old hook.
        backup: String,
    },
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// What the OS said.
        source: std::io::Error,
    },
    /// A line on a pre-push hook's standard input is not what git writes.
    #[error(
        "pre-push input line {line}: expected `<local ref> <local sha> <remote ref> <remote sha>`, got `{text}`"
    )]
    PushLine {
        /// 1-based line number.
        line: usize,
        /// The line.
        text: String,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.display().to_string(),
        source,
    }
}

/// The folder git runs hooks from for the repository around `path`: `core.hooksPath` when set
/// (relative to the working tree, `~/` expanded), else `hooks/` in the common git directory.
pub fn hooks_dir(path: &Path) -> Result<PathBuf, Error> {
    let repo = gix::discover(path).map_err(|e| Error::NotARepository {
        path: path.display().to_string(),
        message: e.to_string(),
    })?;
    let configured = repo
        .config_snapshot()
        .string("core.hooksPath")
        .map(|value| value.to_string());
    Ok(match configured {
        Some(value) if !value.is_empty() => {
            let home = std::env::var_os("HOME").map(PathBuf::from);
            match (value.strip_prefix("~/"), home) {
                (Some(rest), Some(home)) => home.join(rest),
                _ => {
                    let base = repo.workdir().unwrap_or_else(|| repo.git_dir());
                    base.join(value)
                }
            }
        }
        _ => repo.common_dir().join("hooks"),
    })
}

/// The script of a hook that runs `binary hook KIND` with `extra` arguments.
pub fn script(kind: Kind, binary: &Path, extra: &[String]) -> String {
    let mut args = String::new();
    for arg in extra {
        args.push(' ');
        args.push_str(&shell_quote(arg));
    }
    format!(
        "#!/bin/sh\n{MARKER}\n# Remove with `mlem-registry hook uninstall`.\nbin={}\ncommand -v \"$bin\" >/dev/null 2>&1 || bin=mlem-registry\nexec \"$bin\" hook {}{args} \"$@\"\n",
        shell_quote(&binary.display().to_string()),
        kind.name()
    )
}

fn shell_quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', r"'\''"))
}

/// What installing did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Installed {
    /// The hook file written.
    pub path: PathBuf,
    /// Where a foreign hook was kept, when `--force` replaced one.
    pub backup: Option<PathBuf>,
}

/// Writes the `kind` hook into the hooks folder of the repository around `path`. A hook this
/// tool did not write is replaced only with `force`, and then kept as `<hook>.mlem-registry-backup`.
pub fn install(
    path: &Path,
    kind: Kind,
    binary: &Path,
    extra: &[String],
    force: bool,
) -> Result<Installed, Error> {
    let dir = hooks_dir(path)?;
    std::fs::create_dir_all(&dir).map_err(io(&dir))?;
    let hook = dir.join(kind.name());
    let backup_path = backup_of(&hook);
    let mut backup = None;
    if let Ok(existing) = std::fs::read_to_string(&hook).or_else(|e| match e.kind() {
        std::io::ErrorKind::InvalidData => Ok(String::new()),
        _ => Err(e),
    }) && !existing.contains(MARKER)
    {
        if !force {
            return Err(Error::Foreign {
                path: hook.display().to_string(),
                backup: backup_path.display().to_string(),
            });
        }
        std::fs::rename(&hook, &backup_path).map_err(io(&hook))?;
        backup = Some(backup_path);
    }
    std::fs::write(&hook, script(kind, binary, extra)).map_err(io(&hook))?;
    make_executable(&hook)?;
    Ok(Installed { path: hook, backup })
}

/// Removes this tool's `kind` hook (a foreign one is left alone) and puts back the hook it
/// replaced, if any. Returns the removed file, `None` when there was none of ours.
pub fn uninstall(path: &Path, kind: Kind) -> Result<Option<PathBuf>, Error> {
    let hook = hooks_dir(path)?.join(kind.name());
    match std::fs::read_to_string(&hook) {
        Ok(text) if text.contains(MARKER) => {}
        _ => return Ok(None),
    }
    std::fs::remove_file(&hook).map_err(io(&hook))?;
    let backup = backup_of(&hook);
    if backup.exists() {
        std::fs::rename(&backup, &hook).map_err(io(&backup))?;
    }
    Ok(Some(hook))
}

fn backup_of(hook: &Path) -> PathBuf {
    let mut name = hook.as_os_str().to_owned();
    name.push(".mlem-registry-backup");
    PathBuf::from(name)
}

#[cfg(unix)]
fn make_executable(path: &Path) -> Result<(), Error> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).map_err(io(path))
}

#[cfg(not(unix))]
fn make_executable(_: &Path) -> Result<(), Error> {
    Ok(())
}

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

/// One line git writes to a pre-push hook: a ref being pushed (or deleted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushedRef {
    /// The local ref pushed (`refs/heads/main`), `(delete)` for a deletion.
    pub local_ref: String,
    /// The commit pushed (or a revision naming it); all zeros for a deletion.
    pub local_sha: String,
    /// The ref it updates on the remote.
    pub remote_ref: String,
    /// What the remote ref points at now; all zeros for a new ref.
    pub remote_sha: String,
}

impl PushedRef {
    /// True when the push deletes the remote ref: nothing to check.
    pub fn is_deletion(&self) -> bool {
        is_zero(&self.local_sha)
    }

    /// Which files to check for this ref: those touched by the commits the remote lacks, hiding
    /// what the remote ref has and every remote-tracking ref of `remote` (for a new branch).
    pub fn selection(&self, remote_tracking: &[String]) -> Selection {
        let remote = (!is_zero(&self.remote_sha)).then(|| self.remote_sha.clone());
        let mut hidden: Vec<String> = remote_tracking.to_vec();
        hidden.extend(remote.clone());
        Selection::Pushed {
            tip: self.local_sha.clone(),
            remote,
            hidden,
        }
    }
}

/// Where a new branch forks from the remote's default branch (`refs/remotes/REMOTE/HEAD`, as a
/// clone sets it): the base its pull request will be judged against, whose policy judges its push
/// too. `None` when the remote's default branch is not known here.
pub fn fork_point(path: &Path, tip: &str, remote: &str) -> Option<String> {
    let repo = gix::discover(path).ok()?;
    let default = repo
        .find_reference(format!("refs/remotes/{remote}/HEAD").as_str())
        .ok()?
        .into_fully_peeled_id()
        .ok()?
        .detach();
    let tip = repo.rev_parse_single(tip).ok()?.detach();
    let base = repo.merge_base(tip, default).ok()??;
    Some(base.to_string())
}

impl PushedRef {
    /// Whether the remote has no such ref yet: a new branch or tag.
    pub fn is_new(&self) -> bool {
        is_zero(&self.remote_sha)
    }
}

fn is_zero(sha: &str) -> bool {
    sha.bytes().all(|b| b == b'0')
}

/// Parses git's pre-push input: one `<local ref> <local sha> <remote ref> <remote sha>` per line.
pub fn parse_push_lines(input: &str) -> Result<Vec<PushedRef>, Error> {
    let mut refs = Vec::new();
    for (number, line) in input.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split_whitespace().collect();
        let is_sha = |s: &str| s.len() >= 40 && s.bytes().all(|b| b.is_ascii_hexdigit());
        match fields[..] {
            [local_ref, local_sha, remote_ref, remote_sha]
                if is_sha(local_sha) && is_sha(remote_sha) =>
            {
                refs.push(PushedRef {
                    local_ref: local_ref.to_owned(),
                    local_sha: local_sha.to_owned(),
                    remote_ref: remote_ref.to_owned(),
                    remote_sha: remote_sha.to_owned(),
                });
            }
            _ => {
                return Err(Error::PushLine {
                    line: number + 1,
                    text: line.to_owned(),
                });
            }
        }
    }
    Ok(refs)
}

/// The commits the remote is known to have on its branches and tags: the remote-tracking refs
/// that mirror them. A ref counts only when every fetch refspec of every remote that could have
/// written it is one of `remote`'s, mapping its branches (`refs/heads/…`) or tags: a fetched
/// pull request (`+refs/pull/*/head:refs/remotes/origin/pr/*`) is no branch of the remote, and
/// a remote named `origin/x` writes below `refs/remotes/origin/` too. Empty when `remote` is a
/// URL or has no tracking refs.
pub fn remote_tracking(path: &Path, remote: &str) -> Vec<String> {
    let Ok(repo) = gix::discover(path) else {
        return Vec::new();
    };
    // (remote, source, destination) of every fetch refspec of every remote.
    let mut refspecs = Vec::new();
    for name in repo.remote_names() {
        let Ok(found) = repo.find_remote(&name) else {
            continue;
        };
        for spec in found.refspecs(gix::remote::Direction::Fetch) {
            let spec = spec.to_ref();
            if let (Some(source), Some(destination)) = (spec.source(), spec.destination()) {
                refspecs.push((
                    name.to_string(),
                    source.to_string(),
                    destination.to_string(),
                ));
            }
        }
    }
    let trusted = |reference: &str| {
        let mut writers = refspecs
            .iter()
            .filter(|(_, _, destination)| pattern_matches(destination, reference))
            .peekable();
        writers.peek().is_some()
            && writers.all(|(name, source, _)| {
                name == remote
                    && (source.starts_with("refs/heads/") || source.starts_with("refs/tags/"))
            })
    };
    let Ok(references) = repo.references() else {
        return Vec::new();
    };
    let Ok(all) = references.prefixed("refs/remotes/") else {
        return Vec::new();
    };
    all.filter_map(Result::ok)
        .filter(|r| trusted(&r.name().as_bstr().to_string()))
        .filter_map(|mut r| r.peel_to_id().ok().map(|id| id.to_string()))
        .collect()
}

/// Whether a refspec side (`refs/remotes/origin/*`, or a full name without `*`) names
/// `reference`; git's `*` stands for any run of characters, slashes included.
fn pattern_matches(pattern: &str, reference: &str) -> bool {
    match pattern.split_once('*') {
        Some((prefix, suffix)) => {
            reference.len() >= prefix.len() + suffix.len()
                && reference.starts_with(prefix)
                && reference.ends_with(suffix)
        }
        None => pattern == reference,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "1111111111111111111111111111111111111111";
    const ZERO: &str = "0000000000000000000000000000000000000000";

    #[test]
    fn refspec_patterns_match_as_git_matches_them() {
        assert!(pattern_matches(
            "refs/remotes/origin/*",
            "refs/remotes/origin/main"
        ));
        assert!(pattern_matches(
            "refs/remotes/origin/*",
            "refs/remotes/origin/pr/1"
        ));
        assert!(!pattern_matches(
            "refs/remotes/origin/*",
            "refs/remotes/originx/main"
        ));
        assert!(pattern_matches(
            "refs/remotes/o/main",
            "refs/remotes/o/main"
        ));
        assert!(!pattern_matches(
            "refs/remotes/o/main",
            "refs/remotes/o/mainx"
        ));
        assert!(pattern_matches("refs/x/*/head", "refs/x/1/head"));
        assert!(!pattern_matches("refs/x/*/head", "refs/x/head"));
    }

    #[test]
    fn reads_what_git_writes() {
        let input = format!(
            "refs/heads/main {A} refs/heads/main {ZERO}\n(delete) {ZERO} refs/heads/old {A}\n"
        );
        let refs = parse_push_lines(&input).unwrap();
        assert_eq!(refs.len(), 2);
        assert!(!refs[0].is_deletion() && refs[1].is_deletion());
        assert_eq!(
            refs[0].selection(&["origin-main".into()]),
            Selection::Pushed {
                tip: A.into(),
                remote: None,
                hidden: vec!["origin-main".into()]
            }
        );
        let update = PushedRef {
            remote_sha: A.into(),
            ..refs[0].clone()
        };
        assert!(matches!(update.selection(&[]), Selection::Pushed { hidden, .. } if hidden == [A]));
    }

    #[test]
    fn refuses_lines_git_does_not_write() {
        let error = parse_push_lines("refs/heads/main abc").unwrap_err();
        assert!(error.to_string().contains("line 1"), "{error}");
    }

    #[test]
    fn scripts_quote_the_binary_and_carry_the_marker() {
        let text = script(
            Kind::PrePush,
            Path::new("/opt/it's/mlem-registry"),
            &["--offline".into()],
        );
        assert!(text.starts_with("#!/bin/sh\n"));
        assert!(text.contains(MARKER));
        assert!(text.contains(r"bin='/opt/it'\''s/mlem-registry'"), "{text}");
        assert!(
            text.contains("exec \"$bin\" hook pre-push '--offline' \"$@\""),
            "{text}"
        );
    }
}
