//! The registry-wide rules of a run: link files compared with each other
//! (`link/duplicate-target`) and with the registry's other objects (`link/name-collision`).

use super::FileResult;
use crate::config::Config;
use crate::policy;
use crate::registry::{Lookup, Snapshot};
use crate::resolve::target::GitHubHosts;
use crate::rules;

/// Adds the registry-wide rules' findings: link files compared with each other, and with the
/// registry's other objects.
pub(super) fn registry_wide(snapshot: &dyn Snapshot, results: &mut [FileResult], config: &Config) {
    let link_files: Vec<policy::registry::LinkFile<'_>> = results
        .iter()
        .filter_map(|result| {
            let object = result.object.as_ref().ok()?;
            let link = object.links.first().filter(|l| l.route.is_empty())?;
            Some(policy::registry::LinkFile {
                path: &result.path,
                text: &result.text,
                link,
            })
        })
        .collect();
    if link_files.is_empty() {
        return;
    }
    let mut found = Vec::new();
    let reader = snapshot.reader();
    let is_file = |path: &str| matches!(reader.lookup(path), Ok(Lookup::File(_)));
    if !config.is_off(rules::link_duplicate_target::RULE.id) {
        // MLEM loads `NAME.mlem` before `.mlem/TYPE/NAME.mlem`.
        let unreachable = |path: &str| {
            path.strip_prefix(".mlem/")
                .and_then(|rest| rest.split_once('/'))
                .is_some_and(|(_, name)| is_file(name))
        };
        found.extend(policy::registry::duplicate_targets(
            &link_files,
            &GitHubHosts::new(config.allow.github.clone()),
            &unreachable,
        ));
    }
    if !config.is_off(rules::link_name_collision::RULE.id) {
        // Collisions need MLEM 0.2's `.mlem/` folder. With many link files, its entries come
        // from one listing; with a few, a lookup each is cheaper.
        let legacy: Option<std::collections::HashSet<String>> = (link_files.len() > 256)
            .then(|| snapshot.mlem_files().ok())
            .flatten()
            .map(|files| {
                files
                    .into_iter()
                    .filter(|f| f.starts_with(".mlem/"))
                    .collect()
            });
        let has_legacy_layout = match &legacy {
            Some(legacy) => !legacy.is_empty(),
            None => matches!(reader.lookup(".mlem"), Ok(Lookup::NotAFile)),
        };
        if has_legacy_layout {
            // `.mlem/TYPE/NAME.mlem` → `NAME`: one lookup per link file instead of one per type.
            let names: Option<std::collections::HashSet<&str>> = legacy.as_ref().map(|legacy| {
                legacy
                    .iter()
                    .filter_map(|p| p.strip_prefix(".mlem/")?.split_once('/'))
                    .map(|(_, rest)| rest.strip_suffix(".mlem").unwrap_or(rest))
                    .collect()
            });
            let in_legacy_layout =
                |name: &str| names.as_ref().is_none_or(|names| names.contains(name));
            let exists = |path: &str| match &legacy {
                Some(legacy) if path.starts_with(".mlem/") => legacy.contains(path),
                _ => is_file(path),
            };
            found.extend(policy::registry::name_collisions(
                &link_files,
                &in_legacy_layout,
                &exists,
            ));
        }
    }
    drop(link_files);
    if found.is_empty() {
        return;
    }
    // Each finding to its file's result, found by path without copying every path.
    let placed: Vec<(usize, crate::finding::Finding)> = {
        let at: std::collections::HashMap<&str, usize> = results
            .iter()
            .enumerate()
            .map(|(index, result)| (&*result.path, index))
            .collect();
        found
            .into_iter()
            .filter_map(|finding| Some((*at.get(finding.file.as_str())?, finding)))
            .collect()
    };
    for (index, finding) in placed {
        super::Outputs::of(&mut results[index].out)
            .findings
            .push(finding);
    }
}
