//! Git hooks: installing the pre-push and pre-commit hooks that run the check before changes
//! leave the machine ([`install`]), sorting the files a pre-commit run is given by project
//! ([`given`]), and reading what git tells a pre-push hook about the push ([`push`]; the
//! pre-commit framework's own `PRE_COMMIT_*` variables are read by the binary).

use std::path::{Path, PathBuf};

use crate::error::PathError;

mod given;
mod install;
mod push;

pub use given::{Given, Skipped, given_files};
pub use install::{Installed, Uninstalled, install, script, uninstall};
pub use push::{PushedRef, fork_point, parse_push_lines, remote_tracking};

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
    #[error(transparent)]
    Io(#[from] PathError),
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

/// The I/O error at `path`, for `map_err`.
fn io(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    let at = PathError::at(path);
    move |error| Error::Io(at(error))
}

/// The folder git runs hooks from for the repository around `path`: `core.hooksPath` when set
/// (relative to the working tree, `~/` expanded), else `hooks/` in the common git directory.
pub fn hooks_dir(path: &Path) -> Result<PathBuf, Error> {
    // A path that is not there is said as such, and a file stands for its folder.
    let meta = std::fs::metadata(path).map_err(io(path))?;
    let folder = match meta.is_file() {
        true => path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new(".")),
        false => path,
    };
    let repo = gix::discover(folder).map_err(|e| Error::NotARepository {
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

#[cfg(test)]
mod tests {
    use super::push::pattern_matches;
    use super::*;
    use crate::registry::Selection;

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
