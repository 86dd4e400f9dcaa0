//! What a change reaches: the link files outside the change whose links land on a changed or
//! deleted file (each judged again), and `link/target-deleted` for links to deleted files.

use rayon::prelude::*;

use super::FileResult;
use crate::mlem::file::parse_content;
use crate::mlem::locate::Locator;
use crate::registry::link_index::LinkIndex;
use crate::registry::{Content, Lookup, Snapshot, nested};
use crate::rules;

/// What else a check of some files must judge.
pub(super) struct Reaching {
    /// The files, sorted.
    pub(super) files: Vec<String>,
    /// Every other `*.mlem` file, since the tree may hold symbolic links (through which any link
    /// may reach a file it does not name) and it is not known which.
    pub(super) every_file: bool,
}

/// The files (in `snapshot`) of links outside `files` that reach one of `files` or `deleted`
/// (split by project), each project searched from its own folder.
pub(super) fn reaching_in_projects(
    snapshot: &dyn Snapshot,
    files: &[String],
    deleted: &[nested::Group],
    ids: &dyn Snapshot,
    index: &mut LinkIndex,
) -> Reaching {
    // Through a symbolic link a link may reach a file it does not name, and a link file may change
    // with a file that is no `*.mlem` file: with one in the registry (or not knowing), every link
    // file is judged, whatever the change touches.
    if ids.has_symlinks() != Some(false) {
        let mut all = ids.mlem_files().unwrap_or_default();
        all.retain(|f| files.binary_search(f).is_err());
        return Reaching {
            files: all,
            every_file: true,
        };
    }
    // Full paths in the snapshot of every file the change touches.
    let touched_files: Vec<String> = files
        .iter()
        .cloned()
        .chain(
            deleted
                .iter()
                .flat_map(|g| g.files.iter().map(|f| format!("{}{f}", g.project))),
        )
        .collect();
    let mut projects = nested::Projects::new(snapshot);
    let mut by_project: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for file in &touched_files {
        // Its own project and every one around it: an outer project's links reach it too.
        for project in projects.around(file) {
            by_project
                .entry(project.clone())
                .or_default()
                .push(file[project.len()..].to_owned());
        }
    }
    let mut reaching = Vec::new();
    for (project, mut touched) in by_project {
        touched.sort();
        touched.dedup();
        let view = nested::Nested::new(snapshot, &project);
        let checked: Vec<String> = files
            .iter()
            .filter_map(|f| f.strip_prefix(project.as_str()).map(str::to_owned))
            .collect();
        reaching.extend(
            links_reaching(
                &view,
                &checked,
                &touched,
                &nested::Nested::new(ids, &project),
                index,
            )
            .into_iter()
            .map(|file| format!("{project}{file}")),
        );
    }
    reaching.sort();
    reaching.dedup();
    Reaching {
        files: reaching,
        every_file: false,
    }
}

/// The link files outside `checked` whose link, or chain of links, lands on one of `touched`
/// (files a change adds, modifies or deletes): a change to a target must be judged on every link
/// that reaches it, as a full check would. A round per hop of the longest chain. `ids` holds the
/// files the change leaves alone, with their blob ids when it knows them (a tree, the index): a
/// file with an id is looked up in `index` and read only when the index has not seen it (its
/// targets are then recorded); any other file is read and parsed.
pub fn links_reaching(
    snapshot: &dyn Snapshot,
    checked: &[String],
    touched: &[String],
    ids: &dyn Snapshot,
    index: &mut LinkIndex,
) -> Vec<String> {
    // Listed from `ids`: every file the change leaves alone is there as it is in `snapshot` (a
    // tree lists faster than a working tree is walked).
    let Ok(all) = ids.mlem_files() else {
        return Vec::new();
    };
    let changed: std::collections::HashSet<&str> = touched.iter().map(String::as_str).collect();
    let mut others: Vec<&String> = all
        .iter()
        .filter(|p| checked.binary_search(p).is_err() && !changed.contains(p.as_str()))
        .collect();
    if ids.has_symlinks() != Some(false) {
        // See `reaching_in_projects`: every link file is judged.
        return others.into_iter().cloned().collect();
    }
    let mut reaching = Vec::new();
    let mut frontier: Vec<String> = touched.to_vec();
    while !frontier.is_empty() && !others.is_empty() {
        let wanted: std::collections::HashSet<&str> = frontier.iter().map(String::as_str).collect();
        let known = &*index;
        let found: Vec<(bool, Option<Learnt>)> = others
            .par_iter()
            .map_init(
                || snapshot.reader(),
                |reader, path| {
                    let id = ids.blob_id(path);
                    if let Some(targets) = id.as_ref().and_then(|id| known.get(id)) {
                        return (targets.iter().any(|t| wanted.contains(t.as_str())), None);
                    }
                    let Ok(Lookup::File(Content::Bytes(bytes))) = reader.lookup(path) else {
                        return (false, None);
                    };
                    // Learnt only when the bytes are the blob the id names (a skip-worktree file's
                    // may not be).
                    let id = id.filter(|id| is_blob(id, &bytes));
                    let targets = local_targets(bytes);
                    let reaches = targets.iter().any(|t| wanted.contains(t.as_str()));
                    (reaches, id.map(|id| (id, targets)))
                },
            )
            .collect();
        frontier = Vec::new();
        let mut rest = Vec::with_capacity(others.len());
        for (path, (reaches, learnt)) in others.into_iter().zip(found) {
            if let Some((id, targets)) = learnt {
                index.insert(id, targets);
            }
            if reaches {
                frontier.push(path.clone());
                reaching.push(path.clone());
            } else {
                rest.push(path);
            }
        }
        others = rest;
    }
    reaching.sort();
    reaching
}

/// A blob read for the first time, and the paths its links could land on.
type Learnt = (gix::ObjectId, Vec<String>);

/// Every path a file's relative links could land on (see [`crate::resolve::local::candidates`]).
fn local_targets(bytes: Vec<u8>) -> Vec<String> {
    let parsed = parse_content(Content::Bytes(bytes));
    let Ok(object) = parsed.object.as_ref() else {
        return Vec::new();
    };
    object
        .links
        .iter()
        .filter(|l| l.project.is_none())
        .filter_map(|link| crate::resolve::local::candidates(link).ok())
        .flatten()
        .collect()
}

/// Links whose target the change deletes get `link/target-deleted` in place of
/// `link/path-not-found`: the same error, saying why.
pub(super) fn name_deleted_targets(results: &mut [FileResult], deleted: &[String]) {
    let not_found = rules::link_path_not_found::RULE.id;
    for result in results.iter_mut() {
        if !result.findings().iter().any(|f| f.rule == not_found) {
            continue;
        }
        let Ok(object) = &result.object else {
            continue;
        };
        let locator = Locator::new(&result.text);
        for link in object.links.iter().filter(|l| l.project.is_none()) {
            let Ok(candidates) = crate::resolve::local::candidates(link) else {
                continue;
            };
            let Some(target) = candidates.iter().find(|c| deleted.contains(c)) else {
                continue;
            };
            let span = locator.span(&link.field_route("path"), crate::mlem::locate::Part::Value);
            for finding in super::Outputs::of(&mut result.out).findings.iter_mut() {
                if finding.rule == not_found && finding.span == span {
                    *finding = rules::link_target_deleted::finding(&result.path, span, target);
                }
            }
        }
    }
}

/// Whether `bytes` are the content of git blob `id`.
fn is_blob(id: &gix::ObjectId, bytes: &[u8]) -> bool {
    gix::objs::compute_hash(id.kind(), gix::objs::Kind::Blob, bytes).is_ok_and(|hash| hash == *id)
}
