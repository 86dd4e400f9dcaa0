//! Runs the pipeline (walk → parse → validate → resolve → policy) over a registry snapshot:
//! [`read`] reads and validates each file, [`links`] resolves the links into other
//! repositories, [`registry_wide`] compares link files with each other, and [`reaching`] finds
//! the links a change's files are reached by.

mod links;
mod reaching;
mod read;
mod registry_wide;

use rayon::prelude::*;

use crate::config::Config;
use crate::finding::Finding;
use crate::mlem::locate::Locator;
use crate::policy;
use crate::registry::link_index::LinkIndex;
use crate::registry::{self, Snapshot, nested};
use crate::report::{LinkRecord, Report};
use crate::resolve::local::{FileTarget, LocalResolver};
use crate::resolve::online::Online;
use crate::resolve::rounds::Progress;
use crate::rules;
use crate::rules::Remote;
pub use links::inherit_landings;
use links::{record, resolve_remote};
pub use reaching::links_reaching;
use reaching::{name_deleted_targets, reaching_in_projects};
use read::read_and_validate;
use registry_wide::registry_wide;

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
    let mut report = check_files(snapshot, files, &[], options, &|_| {});
    policy::grade::apply(&options.config, &mut report);
    report_too_deep(snapshot, &mut report);
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
                "also checked {} of projects whose marker (.mlem.yaml or .mlem/) the change touches",
                crate::words::count(moved.len(), "file")
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
        if !reaching.files.is_empty() {
            let target = match selection {
                registry::Selection::File(file) => format!("`{file}`"),
                _ => "a file the change touches".to_owned(),
            };
            let count = crate::words::count(reaching.files.len(), "other *.mlem file");
            notices.push(match reaching.every_file {
                true => format!(
                    "also checked the {count}: the tree may hold symbolic links, through which any link may lead to {target}"
                ),
                false => format!(
                    "also checked {} whose links lead to {target}",
                    crate::words::count(reaching.files.len(), "link file")
                ),
            });
            selected.extend(reaching.files);
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
        let selected = files.len();
        files.retain(|file| !options.config.is_ignored(&format!("{folder}{file}")));
        if files.len() < selected {
            report.notices.push(format!(
                "not checked: {} the config's `ignore` matches",
                crate::words::count(selected - files.len(), "file")
            ));
        }
        let mut part = check_files(&view, files, &gone, &options, progress);
        part.rebase(&folder);
        if let Some(change) = &options.policy_change
            && policy_changes.insert(change.file.clone())
        {
            part.add(change.finding(), change.text.clone());
        }
        policy::grade::apply(&options.config, &mut part);
        report.merge(part);
    }
    report_too_deep(snapshot, &mut report);
    report.finish();
    // A whole tree with nothing to check must not read like a clean registry.
    let whole = matches!(
        selection,
        registry::Selection::Worktree | registry::Selection::Revision(_)
    );
    if whole && report.summary.files == 0 {
        report
            .notices
            .push("found no *.mlem files: nothing was checked".to_owned());
    }
    Ok(report)
}

/// `file/too-deep` when the walk stopped at its limits: what lies below was never seen.
fn report_too_deep(snapshot: &dyn Snapshot, report: &mut Report) {
    if let Some(path) = snapshot.too_deep() {
        report.add(rules::file_too_deep::finding(&path), None);
    }
}

/// What one file contributed: its object (or why it holds none), its findings, its links, and
/// its text while spans may still be needed. Nothing else of the parse is kept: a registry of
/// 100,000 files holds 100,000 of these.
struct FileResult {
    path: Box<str>,
    /// The file's text; emptied once no finding can need a span in it.
    text: Box<str>,
    object: Result<crate::mlem::MlemObject, crate::mlem::NotObject>,
    /// Its findings and link records, boxed on first use: most files have neither.
    out: Option<Box<Outputs>>,
}

/// What a file adds to the report.
#[derive(Default)]
struct Outputs {
    findings: Vec<Finding>,
    links: Vec<LinkRecord>,
}

impl Outputs {
    /// A file's outputs, made on first use.
    fn of(out: &mut Option<Box<Outputs>>) -> &mut Outputs {
        out.get_or_insert_default()
    }

    /// Adds `found` to a file's findings (nothing is made for none).
    fn add(out: &mut Option<Box<Outputs>>, found: Vec<Finding>) {
        if !found.is_empty() {
            Outputs::of(out).findings.extend(found);
        }
    }
}

impl FileResult {
    fn findings(&self) -> &[Finding] {
        self.out.as_deref().map_or(&[], |out| &out.findings)
    }
}

/// Checks `files` (paths in `snapshot`); links resolve against the whole snapshot. A link that
/// points at one of `deleted` gets `link/target-deleted`.
pub fn check_files(
    snapshot: &dyn Snapshot,
    files: Vec<String>,
    deleted: &[String],
    options: &Options,
    progress: &(dyn Fn(Progress) + Sync),
) -> Report {
    let remote = options.remote();
    let resolver = LocalResolver::default();
    // Collected into an exactly sized vector: no growth, no intermediate lists.
    let mut read: Vec<Option<FileResult>> = Vec::with_capacity(files.len());
    // Each path moves into its file's result.
    files
        .into_par_iter()
        .map_init(
            || snapshot.reader(),
            |reader, path| read_and_validate(&**reader, path),
        )
        .collect_into_vec(&mut read);
    // Collected in place (an `Option` of a result is as large as the result): no second vector.
    #[expect(
        clippy::filter_map_identity,
        reason = "flatten would not collect in place"
    )]
    let mut results: Vec<FileResult> = read.into_iter().filter_map(|read| read).collect();
    for result in &results {
        resolver.seed(
            result.path.to_string(),
            FileTarget::from_parsed(result.object.as_ref()),
        );
    }
    results.par_iter_mut().for_each_init(
        || snapshot.reader(),
        |reader, result| {
            let Ok(object) = &result.object else {
                return;
            };
            if object.links.is_empty() {
                return;
            }
            let locator = Locator::new(&result.text);
            for link in object.links.iter().filter(|l| l.project.is_none()) {
                let resolved = resolver.resolve(&**reader, &result.path, link);
                let found = policy::link_findings(&result.path, &locator, link, &resolved, remote);
                if options.record_links {
                    let record = record(&result.path, locator.text(), link, &resolved, &found);
                    Outputs::of(&mut result.out).links.push(record);
                }
                Outputs::add(&mut result.out, found);
            }
        },
    );
    // Every relative link is resolved: what the resolver read need not outlive it.
    drop(resolver);
    if !deleted.is_empty() {
        name_deleted_targets(&mut results, deleted);
    }
    let requests = resolve_remote(&mut results, options, progress);
    registry_wide(snapshot, &mut results, &options.config);
    let mut report = Report::default();
    report.summary.files = results.len();
    report.summary.requests = requests;
    for result in results {
        if let Ok(object) = &result.object {
            report.summary.links += object.links.len();
        }
        report.summary.unverified += result
            .findings()
            .iter()
            .filter(|f| f.rule == rules::link_unverified::RULE.id)
            .count();
        if !result.findings().is_empty() {
            report
                .sources
                .insert(result.path.to_string(), result.text.into());
        }
        if let Some(out) = result.out {
            report.findings.extend(out.findings);
            report.links.extend(out.links);
        }
    }
    links::inherit_landings(&mut report.links, &[]);
    report.finish();
    report
}
