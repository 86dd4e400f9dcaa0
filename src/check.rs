//! Runs the pipeline (walk → parse → validate → resolve → policy) over a registry snapshot.

use rayon::prelude::*;

use crate::config::Config;
use crate::finding::Finding;
use crate::mlem::file::{ParsedFile, parse_content};
use crate::mlem::locate::Locator;
use crate::mlem::{Link, NotObject};
use crate::policy::{self, Remote};
use crate::registry::link_index::LinkIndex;
use crate::registry::{self, Content, Lookup, Snapshot, nested};
use crate::report::{LinkRecord, LinkStatus, Report};
use crate::resolve::Resolved;
use crate::resolve::local::{FileTarget, LocalResolver};
use crate::resolve::online::{self, Online};
use crate::resolve::target::GitHubHosts;
use crate::resolve::walk::Progress;
use crate::rules;

/// How to check.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// How links to other repositories are looked up: `None` is `--offline`.
    pub online: Option<Online>,
    /// Keep a record of every link in [`Report::links`] (for the job summary); off, a
    /// 100,000-link registry needs no table it will not print.
    pub record_links: bool,
    /// The registry's policy: allow-lists, production files, ignored files, severities.
    pub config: Config,
    /// What the change being judged does to the policy, reported as `config/changed`.
    pub policy_change: Option<crate::config::PolicyChange>,
}

impl Options {
    fn remote(&self) -> Remote {
        match self.online {
            Some(_) => Remote::Online,
            None => Remote::Offline,
        }
    }
}

/// Checks every `*.mlem` file of `snapshot`.
pub fn check_snapshot(
    snapshot: &dyn Snapshot,
    options: &Options,
) -> Result<Report, registry::Error> {
    let mut files = snapshot.mlem_files()?;
    files.retain(|file| !options.config.is_ignored(file));
    let mut report = check_files(snapshot, &files, &[], options, &|_| {});
    policy::grade::apply(&options.config, &mut report);
    if let Some(path) = snapshot.too_deep() {
        report.add(rules::file_too_deep::finding(&path), None);
    }
    Ok(report)
}

/// Opens the registry containing `path` and checks the selected files, each in its own MLEM
/// project (the nearest folder above it with `.mlem.yaml` or `.mlem/`): `options_for` gives the
/// options for a project's folder on disk (its config is the nearest one above that folder).
/// `progress` hears how far the lookup of links to other repositories is.
pub fn run<E: From<registry::Error>>(
    path: &std::path::Path,
    selection: &registry::Selection,
    policy_rev: Option<&str>,
    mut options_for: impl FnMut(&std::path::Path) -> Result<Options, E>,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Report, E> {
    let mut opened = registry::open(path, selection)?;
    let files = std::mem::take(&mut opened.files);
    let snapshot = &*opened.snapshot;
    // The folders whose config judges a change are the trusted revision's as well as its own.
    let policy_tree = match (policy_rev, selection) {
        // `--rev REV` judged by REV's own policy: the snapshot is that tree already.
        (Some(rev), registry::Selection::Revision(checked)) if rev == checked => None,
        (Some(rev), _) => Some(registry::tree_at(path, rev, &opened.prefix)?),
        (None, _) => None,
    };
    let policy = policy_tree.as_deref();
    // Policy files the change touches are reported, each for its folder, wherever they are.
    let (configs, files): (Vec<String>, Vec<String>) =
        files.into_iter().partition(|f| registry::is_config(f));
    let (gone_configs, deleted_files): (Vec<String>, Vec<String>) = opened
        .deleted
        .iter()
        .cloned()
        .partition(|f| registry::is_config(f));
    // A project marker the change adds or removes (a `.mlem.yaml`, a file of a `.mlem/` folder)
    // moves where every link below it resolves: those files are part of the change.
    let (markers, mut selected): (Vec<String>, Vec<String>) =
        files.into_iter().partition(|f| registry::is_marker(f));
    let (gone_markers, deleted_files): (Vec<String>, Vec<String>) = deleted_files
        .into_iter()
        .partition(|f| registry::is_marker(f));
    let mut notices = opened.notices.clone();
    let mut folders: Vec<&str> = markers
        .iter()
        .chain(&gone_markers)
        .chain(&selected)
        .chain(&deleted_files)
        .filter_map(|f| registry::marker_folder(f))
        .collect();
    folders.sort();
    folders.dedup();
    if opened.partial && !folders.is_empty() {
        let moved: Vec<String> = snapshot
            .mlem_files()?
            .into_iter()
            .filter(|f| folders.iter().any(|folder| f.starts_with(folder)))
            .filter(|f| selected.binary_search(f).is_err())
            .collect();
        if !moved.is_empty() {
            notices.push(format!(
                "also checked {} files of projects whose marker (.mlem.yaml or .mlem/) the change touches",
                moved.len()
            ));
            selected.extend(moved);
            selected.sort();
            selected.dedup();
        }
    }
    let deleted = nested::split(snapshot, policy, deleted_files.clone());
    if opened.partial {
        // Blob ids for files the change leaves alone: the tree `--changed-since` compares with
        // (the working tree has none), else the snapshot's own.
        let since = match selection {
            // Usually the policy's tree, opened above already.
            registry::Selection::ChangedSince(rev) if policy_rev == Some(rev.as_str()) => None,
            registry::Selection::ChangedSince(rev) => {
                Some(registry::tree_at(path, rev, &opened.prefix)?)
            }
            // One file: the links that reach it, as HEAD has them (the working tree does not
            // say whether it holds symbolic links without a walk).
            registry::Selection::File(_) if registry::has_revision(path, "HEAD") => {
                Some(registry::tree_at(path, "HEAD", &opened.prefix)?)
            }
            _ => None,
        };
        let ids = match (selection, since.as_deref(), policy) {
            (_, Some(since), _) => since,
            (registry::Selection::ChangedSince(_), None, Some(policy)) => policy,
            _ => snapshot,
        };
        let mut index = match &opened.git_dir {
            Some(git_dir) => LinkIndex::load(git_dir),
            None => LinkIndex::default(),
        };
        let reaching = reaching_in_projects(snapshot, &selected, &deleted, ids, &mut index);
        index.save();
        if !reaching.is_empty() {
            notices.push(format!(
                "also checked {} link files whose links lead to {}",
                reaching.len(),
                match selection {
                    registry::Selection::File(file) => format!("`{file}`"),
                    _ => "a file the change touches".to_owned(),
                }
            ));
            selected.extend(reaching);
            selected.sort();
        }
    }
    let mut groups = nested::split(snapshot, policy, selected);
    for group in &deleted {
        let key = (&group.project, &group.config);
        if !groups.iter().any(|g| (&g.project, &g.config) == key) {
            groups.push(nested::Group {
                files: Vec::new(),
                ..group.clone()
            });
        }
    }
    let mut projects = nested::Projects::new(snapshot);
    for config in configs.iter().chain(&gone_configs) {
        let folder = &config[..config.len() - crate::config::FILE_NAME.len()];
        let project = projects.of(&format!("{folder}x"));
        let config = (folder.len() > project.len()).then(|| folder.to_owned());
        if !groups
            .iter()
            .any(|g| g.project == project && g.config == config)
        {
            groups.push(nested::Group {
                project,
                config,
                files: Vec::new(),
            });
        }
    }
    groups.sort_by(|a, b| (&a.project, &a.config).cmp(&(&b.project, &b.config)));
    if groups.is_empty() {
        // Nothing selected: the run still has its policy (a change to it is still reported).
        groups.push(nested::Group {
            project: String::new(),
            config: None,
            files: Vec::new(),
        });
    }
    let mut report = Report {
        notices,
        root: Some(opened.root.clone()),
        ..Report::default()
    };
    let mut policy_changes = std::collections::BTreeSet::new();
    let mut announced = std::collections::BTreeSet::new();
    for group in groups {
        let policy_folder = format!("{}{}", opened.prefix, group.policy_folder());
        let (project, mut files) = (&group.project, group.files);
        let folder = format!("{}{project}", opened.prefix);
        if !project.is_empty() && announced.insert(project.clone()) {
            report.notices.push(format!(
                "MLEM project in {folder} (it has a .mlem.yaml or .mlem/): its links resolve from there"
            ));
        }
        let options = options_for(&opened.root.join(policy_folder))?;
        // Every deletion in the project's folder, an inner project's too: a link here may
        // point there.
        let gone: Vec<String> = deleted_files
            .iter()
            .filter_map(|f| f.strip_prefix(project.as_str()).map(str::to_owned))
            .collect();
        let view = nested::Nested::new(snapshot, project);
        files.retain(|file| !options.config.is_ignored(&format!("{folder}{file}")));
        let mut part = check_files(&view, &files, &gone, &options, progress);
        part.rebase(&folder);
        if let Some(change) = &options.policy_change
            && policy_changes.insert(change.file.clone())
        {
            part.add(change.finding(), change.text.clone());
        }
        policy::grade::apply(&options.config, &mut part);
        report.merge(part);
    }
    if let Some(path) = snapshot.too_deep() {
        report.add(rules::file_too_deep::finding(&path), None);
    }
    report.finish();
    Ok(report)
}

/// What one file contributed: its findings, its links and its text.
struct FileResult {
    path: String,
    parsed: ParsedFile,
    findings: Vec<Finding>,
    links: Vec<LinkRecord>,
}

/// Checks `files` (paths in `snapshot`); links resolve against the whole snapshot. A link that
/// points at one of `deleted` gets `link/target-deleted`.
pub fn check_files(
    snapshot: &dyn Snapshot,
    files: &[String],
    deleted: &[String],
    options: &Options,
    progress: &(dyn Fn(Progress) + Sync),
) -> Report {
    let remote = options.remote();
    let resolver = LocalResolver::default();
    // Collected into an exactly sized vector: no growth, no intermediate lists.
    let mut read: Vec<Option<FileResult>> = Vec::with_capacity(files.len());
    files
        .par_iter()
        .map_init(
            || snapshot.reader(),
            |reader, path| read_and_validate(&**reader, path),
        )
        .collect_into_vec(&mut read);
    let mut results: Vec<FileResult> = read.into_iter().flatten().collect();
    for result in &results {
        resolver.seed(
            result.path.clone(),
            FileTarget::from_parsed(result.parsed.object()),
        );
    }
    results.par_iter_mut().for_each_init(
        || snapshot.reader(),
        |reader, result| {
            let Ok(object) = &result.parsed.object else {
                return;
            };
            if object.links.is_empty() {
                return;
            }
            let locator = Locator::new(&result.parsed.text);
            for link in object.links.iter().filter(|l| l.project.is_none()) {
                let resolved = resolver.resolve(&**reader, &result.path, link).into();
                let found = policy::link_findings(&result.path, &locator, link, &resolved, remote);
                if options.record_links {
                    let record = record(&result.path, locator.text(), link, &resolved, &found);
                    result.links.push(record);
                }
                result.findings.extend(found);
            }
        },
    );
    if !deleted.is_empty() {
        name_deleted_targets(&mut results, deleted);
    }
    let requests = resolve_remote(&mut results, options, progress);
    registry_wide(snapshot, &mut results, &options.config);
    let mut report = Report::default();
    report.summary.files = results.len();
    report.summary.requests = requests;
    for result in results {
        if let Ok(object) = &result.parsed.object {
            report.summary.links += object.links.len();
        }
        report.summary.unverified += result
            .findings
            .iter()
            .filter(|f| f.rule == rules::link_unverified::RULE.id)
            .count();
        if !result.findings.is_empty() {
            report
                .sources
                .insert(result.path.clone(), result.parsed.text);
        }
        report.findings.extend(result.findings);
        report.links.extend(result.links);
    }
    report.finish();
    report
}

/// Resolves every link to another repository in `results` at once (so lookups are shared and
/// batched) and adds their findings; returns the requests it took.
fn resolve_remote(
    results: &mut [FileResult],
    options: &Options,
    progress: &(dyn Fn(Progress) + Sync),
) -> usize {
    let refused = refuse_disallowed(results, options);
    let mut at = Vec::new();
    let mut links: Vec<&Link> = Vec::new();
    for (file, result) in results.iter().enumerate() {
        if let Ok(object) = &result.parsed.object {
            for (index, link) in object.links.iter().enumerate() {
                if link.project.is_some() && !refused.contains(&(file, index)) {
                    at.push((file, index));
                    links.push(link);
                }
            }
        }
    }
    if links.is_empty() {
        return 0;
    }
    let (resolved, requests) = match &options.online {
        Some(online) => {
            let (resolved, stats) = online::resolve(&links, online, progress);
            (resolved, stats.requests)
        }
        None => {
            let why = "--offline: links to other repositories are not looked up";
            let resolved = links
                .iter()
                .map(|link| Resolved::unverified(link, why))
                .collect::<Vec<Resolved>>();
            (resolved, 0)
        }
    };
    let remote = options.remote();
    let mut by_file: Vec<Vec<(usize, Resolved)>> = vec![Vec::new(); results.len()];
    for ((file, index), resolved) in at.into_iter().zip(resolved) {
        by_file[file].push((index, resolved));
    }
    for (result, resolved) in results.iter_mut().zip(by_file) {
        if resolved.is_empty() {
            continue;
        }
        let Ok(object) = &result.parsed.object else {
            continue;
        };
        let locator = Locator::new(&result.parsed.text);
        for (index, resolved) in resolved {
            let link = &object.links[index];
            let found = policy::link_findings(&result.path, &locator, link, &resolved, remote);
            if options.record_links {
                let record = record(&result.path, locator.text(), link, &resolved, &found);
                result.links.push(record);
            }
            result.findings.extend(found);
        }
    }
    requests
}

/// Adds the registry-wide rules' findings: link files compared with each other, and with the
/// registry's other objects.
fn registry_wide(snapshot: &dyn Snapshot, results: &mut [FileResult], config: &Config) {
    let link_files: Vec<policy::registry::LinkFile<'_>> = results
        .iter()
        .filter_map(|result| {
            let object = result.parsed.object.as_ref().ok()?;
            let link = object.links.first().filter(|l| l.route.is_empty())?;
            Some(policy::registry::LinkFile {
                path: &result.path,
                text: &result.parsed.text,
                link,
            })
        })
        .collect();
    if link_files.is_empty() {
        return;
    }
    let mut found = Vec::new();
    if !config.is_off(rules::link_duplicate_target::RULE.id) {
        found.extend(policy::registry::duplicate_targets(
            &link_files,
            &GitHubHosts::new(config.allow.github.clone()),
        ));
    }
    if !config.is_off(rules::link_name_collision::RULE.id) {
        let reader = snapshot.reader();
        let is_file = |path: &str| matches!(reader.lookup(path), Ok(Lookup::File(_)));
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
    let at: std::collections::HashMap<String, usize> = results
        .iter()
        .enumerate()
        .map(|(index, result)| (result.path.clone(), index))
        .collect();
    for finding in found {
        if let Some(&index) = at.get(&finding.file) {
            results[index].findings.push(finding);
        }
    }
}

/// Adds a `link/host-not-allowed` finding for each link the config's allow-lists refuse, and
/// returns where those links are (file, link index): they are never looked up.
fn refuse_disallowed(
    results: &mut [FileResult],
    options: &Options,
) -> std::collections::HashSet<(usize, usize)> {
    let mut refused = std::collections::HashSet::new();
    for (file, result) in results.iter_mut().enumerate() {
        let Ok(object) = &result.parsed.object else {
            continue;
        };
        for (index, link) in object.links.iter().enumerate() {
            let Some((_, repo)) = &link.project else {
                continue;
            };
            let Some(why) = options.config.allow.refuses(repo) else {
                continue;
            };
            refused.insert((file, index));
            let locator = Locator::new(&result.parsed.text);
            let found = vec![policy::refused_finding(&result.path, &locator, link, &why)];
            if options.record_links {
                let resolved = Resolved::unverified(link, &why);
                let record = record(&result.path, locator.text(), link, &resolved, &found);
                result.links.push(record);
            }
            result.findings.extend(found);
        }
    }
    refused
}

/// The summary's line for one link, from the findings it got.
fn record(
    file: &str,
    text: &str,
    link: &Link,
    resolved: &Resolved,
    found: &[Finding],
) -> LinkRecord {
    let worst = found.iter().max_by_key(|f| f.severity);
    let status = match worst {
        Some(f) if f.rule == rules::link_unverified::RULE.id => LinkStatus::Unverified,
        Some(f) => LinkStatus::Finding(f.rule, f.severity),
        None => LinkStatus::Ok,
    };
    LinkRecord {
        file: file.to_owned(),
        // A text scan, not a parse for positions: a registry has 100,000 links.
        line: key_line(text, link),
        repo: link.project.as_ref().map(|(_, repo)| repo.clone()),
        path: link.path.clone(),
        rev: link.rev.clone(),
        commit: resolved.commit.clone(),
        status,
    }
}

/// The line of a link: its `path` key for a link file, its own key for an embedded link.
fn key_line(text: &str, link: &Link) -> usize {
    let key = match link.route.first() {
        Some(crate::mlem::Segment::Key(key)) => key.as_str(),
        _ => "path",
    };
    crate::mlem::locate::block_key_lines(text, key)
        .next()
        .map_or(1, |found| text[..found.key.0].matches('\n').count() + 1)
}

/// Reads, parses and validates one listed file; `None` when it is gone from disk (a tracked file
/// deleted in the working tree is not part of the working tree git sees).
fn read_and_validate(reader: &dyn registry::Reader, path: &str) -> Option<FileResult> {
    let mut findings = Vec::new();
    let parsed = match reader.lookup(path) {
        Ok(Lookup::File(content)) => parse_content(content),
        Ok(Lookup::Escapes(why)) => {
            let span = crate::finding::Span::file_start();
            findings.push(rules::link_path_escapes_repo::finding(
                path, span, path, &why,
            ));
            unreadable(NotObject::Escapes(why))
        }
        Ok(Lookup::Missing | Lookup::NotAFile) => return None,
        Ok(Lookup::Special(kind)) => {
            findings.push(rules::file_special::finding(path, kind));
            unreadable(NotObject::Special(kind))
        }
        Err(error) => {
            findings.push(rules::yaml_syntax::RULE.finding(
                path,
                crate::finding::Span::file_start(),
                format!("cannot read the file: {error}"),
            ));
            unreadable(NotObject::Unreadable(error.to_string()))
        }
    };
    let mut parsed = parsed;
    if let Some(problem) = &parsed.problem {
        findings.push(policy::problem_finding(path, &parsed.text, problem));
    } else if let Some(value) = parsed.value.take() {
        // The value is needed for validation only: a 100,000-file registry must not keep them all.
        let issues = crate::schema::validate(&value);
        if !issues.is_empty() {
            let locator = Locator::new(&parsed.text);
            findings.extend(policy::schema_findings(path, &locator, &issues));
        }
    }
    // The text is kept for spans: findings have them now, links may get them after resolution.
    let has_links = parsed.object.as_ref().is_ok_and(|o| !o.links.is_empty());
    if findings.is_empty() && !has_links {
        parsed.text = String::new();
    }
    Some(FileResult {
        path: path.to_owned(),
        parsed,
        findings,
        links: Vec::new(),
    })
}

fn unreadable(reason: NotObject) -> ParsedFile {
    ParsedFile {
        text: String::new(),
        problem: None,
        value: None,
        object: Err(reason),
    }
}

/// The files (in `snapshot`) of links outside `files` that reach one of `files` or `deleted`
/// (split by project), each project searched from its own folder.
fn reaching_in_projects(
    snapshot: &dyn Snapshot,
    files: &[String],
    deleted: &[nested::Group],
    ids: &dyn Snapshot,
    index: &mut LinkIndex,
) -> Vec<String> {
    // Through a symbolic link a link may reach a file it does not name, and a link file may change
    // with a file that is no `*.mlem` file: with one in the registry (or not knowing), every link
    // file is judged, whatever the change touches.
    if ids.has_symlinks() != Some(false) {
        let mut all = ids.mlem_files().unwrap_or_default();
        all.retain(|f| files.binary_search(f).is_err());
        return all;
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
    reaching
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
fn name_deleted_targets(results: &mut [FileResult], deleted: &[String]) {
    let not_found = rules::link_path_not_found::RULE.id;
    for result in results.iter_mut() {
        if !result.findings.iter().any(|f| f.rule == not_found) {
            continue;
        }
        let Ok(object) = &result.parsed.object else {
            continue;
        };
        let locator = Locator::new(&result.parsed.text);
        for link in object.links.iter().filter(|l| l.project.is_none()) {
            let Ok(candidates) = crate::resolve::local::candidates(link) else {
                continue;
            };
            let Some(target) = candidates.iter().find(|c| deleted.contains(c)) else {
                continue;
            };
            let span = locator.span(&link.field_route("path"), crate::mlem::locate::Part::Value);
            for finding in result.findings.iter_mut() {
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
