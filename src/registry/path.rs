//! Repository-relative paths: normalizing link paths and keeping them inside the repository.

/// How a path leaves the repository.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Escape {
    /// `/x`, `C:/x`.
    #[error("it is an absolute path")]
    Absolute,
    /// More `..` than folders above it.
    #[error("`..` climbs above the repository root")]
    AboveRoot,
}

/// Normalizes `path` relative to the repository root: `/` separators, no `.` or empty parts,
/// `..` applied. `Err` says how the path leaves the repository.
pub fn normalize(path: &str) -> Result<String, Escape> {
    normalize_from("", path)
}

/// Normalizes `path` relative to directory `base` (itself normalized, `""` for the root).
pub fn normalize_from(base: &str, path: &str) -> Result<String, Escape> {
    let unified = path.replace('\\', "/");
    if unified.starts_with('/') || has_drive(&unified) {
        return Err(Escape::Absolute);
    }
    let mut parts: Vec<&str> = base.split('/').filter(|p| !p.is_empty()).collect();
    for part in unified.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    return Err(Escape::AboveRoot);
                }
            }
            name => parts.push(name),
        }
    }
    Ok(parts.join("/"))
}

fn has_drive(path: &str) -> bool {
    let bytes = path.as_bytes();
    bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':'
}

/// Whether the repository-relative `path` is `scope` or below it (`""`: everything): `team` holds
/// `team/rf.mlem`, never `teams/rf.mlem`.
pub fn is_at_or_under(path: &str, scope: &str) -> bool {
    let scope = scope.trim_end_matches('/');
    scope.is_empty()
        || path
            .strip_prefix(scope)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// The directory part of a normalized path (`""` for a file at the root).
pub fn parent(path: &str) -> &str {
    path.rfind('/').map_or("", |i| &path[..i])
}

/// One path of a git-like tree, as [`follow_symlinks`] sees it.
pub enum TreeEntry<C> {
    /// A file and its content.
    File(C),
    /// A symbolic link and its target, as written.
    Symlink(String),
    /// A directory.
    Dir,
    /// Nothing.
    Missing,
}

/// How many symbolic links one lookup may pass through, as in Linux's `MAXSYMLINKS` spirit.
const MAX_SYMLINK_HOPS: usize = 40;

/// Looks up normalized `wanted` in a tree whose entries `entry` returns, following symbolic links
/// in any component while they stay inside the tree.
pub fn follow_symlinks<C: Into<super::Content>>(
    wanted: &str,
    mut entry: impl FnMut(&str) -> TreeEntry<C>,
) -> super::Lookup {
    use super::Lookup;
    // Past the walks' limits nothing is there: and each step below costs the path's length.
    if super::too_deep(wanted.as_bytes()) {
        return Lookup::Missing;
    }
    let mut pending: Vec<String> = wanted.split('/').rev().map(str::to_owned).collect();
    let mut resolved = String::new();
    let mut hops = 0;
    while let Some(part) = pending.pop() {
        if part.is_empty() {
            continue;
        }
        let candidate = if resolved.is_empty() {
            part
        } else {
            format!("{resolved}/{part}")
        };
        match entry(&candidate) {
            TreeEntry::Dir => resolved = candidate,
            TreeEntry::Missing => return Lookup::Missing,
            TreeEntry::File(content) => {
                return if pending.iter().all(String::is_empty) {
                    Lookup::File(content.into())
                } else {
                    Lookup::Missing
                };
            }
            TreeEntry::Symlink(target) => {
                hops += 1;
                if hops > MAX_SYMLINK_HOPS {
                    return Lookup::Missing;
                }
                let joined = match normalize_from(&resolved, &target) {
                    Ok(joined) => joined,
                    Err(why) => {
                        return Lookup::Escapes(format!(
                            "`{candidate}` is a symbolic link to `{target}`, and {why}"
                        ));
                    }
                };
                if super::too_deep(joined.as_bytes()) {
                    return Lookup::Missing;
                }
                resolved.clear();
                pending.extend(joined.split('/').rev().map(str::to_owned));
            }
        }
    }
    Lookup::NotAFile
}

/// `path` relative to `root` (both as the OS has them), with `/` separators (`""` for `root`
/// itself; a name that is not UTF-8 is shown lossily); `None` when `path` is not below `root`.
pub fn relative_to(path: &std::path::Path, root: &std::path::Path) -> Option<String> {
    let parts: Vec<String> = path
        .strip_prefix(root)
        .ok()?
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    Some(parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_is_a_folder_or_a_file_never_a_prefix_of_a_name() {
        assert!(is_at_or_under("team/rf.mlem", ""));
        assert!(is_at_or_under("team/rf.mlem", "team"));
        assert!(is_at_or_under("team/rf.mlem", "team/"));
        assert!(is_at_or_under("team/rf.mlem", "team/rf.mlem"));
        assert!(!is_at_or_under("teams/rf.mlem", "team"));
        assert!(!is_at_or_under("rf.mlem", "team"));
    }

    #[test]
    fn paths_relative_to_a_root_use_slashes() {
        let root = std::path::Path::new("/r");
        assert_eq!(
            relative_to(&root.join("a").join("b.mlem"), root).as_deref(),
            Some("a/b.mlem")
        );
        assert_eq!(relative_to(root, root).as_deref(), Some(""));
        assert_eq!(relative_to(std::path::Path::new("/x"), root), None);
    }

    #[test]
    fn normalizes_inside_paths() {
        assert_eq!(normalize("./a//b/../c.mlem").unwrap(), "a/c.mlem");
        assert_eq!(normalize("a\\b").unwrap(), "a/b");
        assert_eq!(normalize_from("x/y", "../z").unwrap(), "x/z");
    }

    #[test]
    fn refuses_paths_that_leave() {
        assert_eq!(normalize("../a"), Err(Escape::AboveRoot));
        assert_eq!(normalize("a/../../b"), Err(Escape::AboveRoot));
        assert_eq!(normalize("/etc/passwd"), Err(Escape::Absolute));
        assert_eq!(normalize("C:/x"), Err(Escape::Absolute));
        assert!(normalize_from("a", "../../b").is_err());
    }

    #[test]
    fn parents() {
        assert_eq!(parent("a/b/c"), "a/b");
        assert_eq!(parent("c"), "");
    }
}
