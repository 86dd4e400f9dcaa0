//! Installing and removing the hooks: a script that runs this binary, never over a hook that is
//! not ours without `--force` (which keeps the old one as a backup).

use std::path::{Path, PathBuf};

use super::{Error, Kind, MARKER, hooks_dir, io};

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

/// What uninstalling one hook did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Uninstalled {
    /// There is no hook of this kind.
    Absent(PathBuf),
    /// The hook there is another tool's: left alone.
    Foreign(PathBuf),
    /// This tool's hook was removed.
    Removed(PathBuf),
    /// This tool's hook was removed and the hook it replaced (`--force`) put back from `backup`.
    Restored {
        /// The hook, now the other tool's again.
        hook: PathBuf,
        /// Where it had been kept.
        backup: PathBuf,
    },
}

/// Removes this tool's `kind` hook (a foreign one is left alone) and puts back the hook it
/// replaced, if any.
pub fn uninstall(path: &Path, kind: Kind) -> Result<Uninstalled, Error> {
    let hook = hooks_dir(path)?.join(kind.name());
    match std::fs::read_to_string(&hook) {
        Ok(text) if text.contains(MARKER) => {}
        Ok(_) => return Ok(Uninstalled::Foreign(hook)),
        Err(_) if std::fs::symlink_metadata(&hook).is_ok() => {
            return Ok(Uninstalled::Foreign(hook));
        }
        Err(_) => return Ok(Uninstalled::Absent(hook)),
    }
    std::fs::remove_file(&hook).map_err(io(&hook))?;
    let backup = backup_of(&hook);
    if backup.exists() {
        std::fs::rename(&backup, &hook).map_err(io(&backup))?;
        return Ok(Uninstalled::Restored { hook, backup });
    }
    Ok(Uninstalled::Removed(hook))
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
