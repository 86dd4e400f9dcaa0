//! Registry-wide rules: what only shows when link files are compared with each other and with
//! the rest of the registry (`link/duplicate-target`, `link/name-collision`).

use crate::finding::Finding;
use crate::mlem::locate::{Locator, Part};
use crate::mlem::{Link, ObjectType};
use crate::registry::path;
use crate::resolve::target::{self, GitHubHosts, RepoId};
use crate::rules;

/// A link file: its path, its text, and its link.
pub struct LinkFile<'a> {
    /// Path relative to the project root.
    pub path: &'a str,
    /// Its text, for spans.
    pub text: &'a str,
    /// The file's own link (not one embedded in another object).
    pub link: &'a Link,
}

/// What the link names, normalized so that spellings of one target compare equal: the
/// repository (`""` for a relative link; a repository on one of `hosts`, the GitHub hosts of the
/// run, by owner and name whatever the URL form) with its folder, the rev as written, the path
/// without `.mlem`, and the type it expects there.
pub fn target_key(link: &Link, hosts: &GitHubHosts) -> Option<String> {
    let normalized = path::normalize(&link.path).ok()?;
    let stem = normalized.strip_suffix(".mlem").unwrap_or(&normalized);
    let repo = match &link.project {
        None => String::new(),
        Some((_, value)) => match target::parse(value, hosts) {
            Ok(parsed) => {
                let repo = match &parsed.repo {
                    RepoId::GitHub { .. } => parsed.repo.to_string().to_lowercase(),
                    other => other.to_string(),
                };
                let tree = parsed.tree.join("/");
                let rev = parsed.rev.unwrap_or_default();
                format!("{repo}@{rev}/{tree}/{}", parsed.root)
            }
            Err(_) => value.trim().to_owned(),
        },
    };
    let rev = link.rev.as_deref().unwrap_or("");
    Some(format!(
        "{repo}\u{0}{rev}\u{0}{stem}\u{0}{}",
        link.link_type
    ))
}

/// The groups of two or more link files naming one target. The keys are hashed, not kept (a
/// registry of 100,000 link files would hold 100,000 strings): (hash, file) pairs sorted by hash
/// bring candidates together, and files with equal hashes are split by their full keys, so a
/// collision never joins two targets.
fn groups<'f, 'a>(files: &'f [LinkFile<'a>], hosts: &GitHubHosts) -> Vec<Vec<&'f LinkFile<'a>>> {
    use std::hash::{Hash, Hasher};
    let hash = |key: &str| {
        let mut hasher = std::hash::DefaultHasher::new();
        key.hash(&mut hasher);
        hasher.finish()
    };
    let mut hashed: Vec<(u64, usize)> = files
        .iter()
        .enumerate()
        .filter_map(|(i, file)| Some((hash(&target_key(file.link, hosts)?), i)))
        .collect();
    hashed.sort_unstable();
    let mut groups = Vec::new();
    for run in hashed
        .chunk_by(|a, b| a.0 == b.0)
        .filter(|run| run.len() > 1)
    {
        let mut keyed: Vec<(String, usize)> = run
            .iter()
            .filter_map(|&(_, i)| Some((target_key(files[i].link, hosts)?, i)))
            .collect();
        keyed.sort_unstable();
        for same in keyed
            .chunk_by(|a, b| a.0 == b.0)
            .filter(|same| same.len() > 1)
        {
            groups.push(same.iter().map(|&(_, i)| &files[i]).collect());
        }
    }
    groups
}

/// One `link/duplicate-target` note per group of link files that name one target, on the
/// group's first file (in path order, files MLEM can load by their name first: `unreachable`
/// says which it cannot, a `.mlem/TYPE/NAME.mlem` behind `NAME.mlem`), listing the others. A
/// registry's cost is its groups, not its files; the note never advises pointing at a link no one
/// can load.
pub fn duplicate_targets(
    files: &[LinkFile<'_>],
    hosts: &GitHubHosts,
    unreachable: &dyn Fn(&str) -> bool,
) -> Vec<Finding> {
    let mut found = Vec::new();
    for mut group in groups(files, hosts) {
        group.sort_by_cached_key(|f| (unreachable(f.path), f.path));
        let (first, others) = group.split_first().expect("two or more");
        let others: Vec<&str> = others.iter().map(|f| f.path).collect();
        let locator = Locator::new(first.text);
        let span = locator.span(&first.link.field_route("path"), Part::Value);
        found.push(rules::link_duplicate_target::finding(
            first.path,
            span,
            &others,
            &first.link.points_to(true),
        ));
    }
    found.sort_by(|a, b| a.file.cmp(&b.file));
    found
}

/// A `link/name-collision` warning on every link file that answers to the same name as another
/// object in MLEM's other layout (once per pair of link files: on the one MLEM cannot reach);
/// `exists` says whether the registry has a file; `in_legacy_layout` whether any
/// `.mlem/TYPE/NAME.mlem` may exist for a name (a cheap filter before `exists`).
pub fn name_collisions(
    files: &[LinkFile<'_>],
    in_legacy_layout: &dyn Fn(&str) -> bool,
    exists: &dyn Fn(&str) -> bool,
) -> Vec<Finding> {
    let links: std::collections::HashSet<&str> = files.iter().map(|f| f.path).collect();
    let mut found = Vec::new();
    for file in files {
        let (name, others, shadows): (&str, Vec<String>, bool) =
            match file.path.strip_prefix(".mlem/") {
                // `.mlem/link/NAME.mlem`: `NAME.mlem` is loaded first.
                Some(rest) => {
                    let Some((_, name)) = rest.split_once('/') else {
                        continue;
                    };
                    let name = name.strip_suffix(".mlem").unwrap_or(name);
                    (name, vec![format!("{name}.mlem")], false)
                }
                // `NAME.mlem` hides `.mlem/TYPE/NAME.mlem` of every type.
                None => {
                    let name = file.path.strip_suffix(".mlem").unwrap_or(file.path);
                    if !in_legacy_layout(name) {
                        continue;
                    }
                    let others = ObjectType::ALL
                        .iter()
                        .map(|t| format!(".mlem/{t}/{name}.mlem"))
                        .collect();
                    (name, others, true)
                }
            };
        // Two link files: the one MLEM cannot reach says so; the other needs no second warning.
        let reported_there = |other: &str| shadows && links.contains(other);
        for other in others
            .iter()
            .filter(|o| !reported_there(o.as_str()) && exists(o))
        {
            let span = crate::finding::Span::first_line(file.text);
            found.push(rules::link_name_collision::finding(
                file.path, span, name, other, shadows,
            ));
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mlem::ProjectKey;

    fn link(project: &str) -> Link {
        Link {
            route: Vec::new(),
            link_type: ObjectType::Model,
            path: "models/rf".into(),
            project: Some((ProjectKey::Project, project.into())),
            rev: Some("main".into()),
        }
    }

    fn com_hosts() -> GitHubHosts {
        GitHubHosts::default()
    }

    #[test]
    fn spellings_of_one_repository_on_a_github_host_are_one_target() {
        let ghe = GitHubHosts::new(["ghe.example.com".to_owned()]);
        let key = |project: &str, hosts: &GitHubHosts| target_key(&link(project), hosts);
        assert_eq!(
            key("https://ghe.example.com/Ml/R", &ghe),
            key("https://ghe.example.com/ml/r.git", &ghe)
        );
        assert_eq!(
            key("https://github.com/ml/r", &GitHubHosts::default()),
            key("https://github.com/ml/r.git/", &GitHubHosts::default())
        );
        // A folder with or without its trailing `/` is one repository.
        assert_eq!(
            key("file:///srv/m", &com_hosts()),
            key("file:///srv/m/", &com_hosts())
        );
        assert_eq!(
            key("/srv/m/", &com_hosts()),
            key("file:///srv/m", &com_hosts())
        );
        assert_eq!(
            key("https://gitlab.com/o/r/", &com_hosts()),
            key("https://gitlab.com/o/r", &com_hosts())
        );
        // Off the run's GitHub hosts, a URL is only itself.
        let com = GitHubHosts::default();
        assert_ne!(
            key("https://ghe.example.com/ml/r", &com),
            key("https://ghe.example.com/ml/r.git", &com)
        );
    }
}
