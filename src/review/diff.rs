//! `diff`: what a change to the registry promotes. For every link file the change adds,
//! removes or edits, and every link whose chain now lands elsewhere, where it landed before and
//! where it lands after (repository, rev, commit, path, object type), and what differs in the
//! object it lands on, compared as a MLEM object ([`super::compare`]).

use serde::Serialize;

use super::compare::{Change, compare};
use crate::check::{self, Options};
use crate::registry::link_index::LinkIndex;
use crate::registry::{self, Content, Lookup, Selection, Snapshot, nested};
use crate::report::{Lands, LinkRecord};
use crate::resolve::rounds::Progress;
use crate::resolve::target::{GitHubHosts, RepoId};

/// The version of the diff's JSON document; bumped only when a field changes meaning or goes
/// away.
pub const VERSION: u32 = 1;

/// What a change promotes: one entry per link that lands differently.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diff {
    /// [`VERSION`].
    pub version: u32,
    /// The revision compared from.
    pub base: String,
    /// The revision compared to; `None`: the working tree.
    pub head: Option<String>,
    /// The entries, production links first, then by file.
    pub entries: Vec<Entry>,
}

/// How a link changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// The change adds the link.
    Added,
    /// The change removes it.
    Removed,
    /// The change edits it.
    Changed,
    /// The change leaves it alone, but its chain goes through a file the change touches, and it
    /// lands elsewhere now.
    LandsElsewhere,
}

/// One link that lands differently after the change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    /// The name MLEM loads it by: its file without `.mlem`.
    pub name: String,
    /// Its file, relative to the project.
    pub file: String,
    /// The key of a link embedded in another object; absent for a link file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// It is under the config's `production` globs.
    pub production: bool,
    /// How it changed.
    pub kind: Kind,
    /// Where it landed before (absent when added).
    pub before: Option<Side>,
    /// Where it lands after (absent when removed).
    pub after: Option<Side>,
    /// GitHub's page comparing the two commits, when both are in one GitHub repository.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compare_url: Option<String>,
    /// What differs in the object it lands on, when it lands on both sides.
    pub changes: Vec<Change>,
}

/// A link on one side of the change, and where it lands there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Side {
    /// The repository as the link names it (`null`: a relative link).
    pub repository: Option<String>,
    /// Its `rev`.
    pub rev: Option<String>,
    /// Its `path`.
    pub path: String,
    /// The type it claims.
    pub link_type: &'static str,
    /// `ok`, `broken` or `unverified`, as in the lock file.
    pub status: &'static str,
    /// Its worst finding's message, when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finding: Option<String>,
    /// The object it lands on, when it lands.
    pub lands: Option<Landed>,
}

/// The object a link lands on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Landed {
    /// Its repository (`null`: the registry itself).
    pub repository: Option<String>,
    /// The commit it was read at (`null`: the registry's own file).
    pub commit: Option<String>,
    /// Its file there.
    pub path: String,
    /// Its `object_type`.
    pub object_type: &'static str,
}

/// A full commit id shortened as git shows it (12 digits); any other revision as it is.
pub fn short(rev: &str) -> String {
    match rev.len() == 40 && rev.bytes().all(|b| b.is_ascii_hexdigit()) {
        true => rev[..12].to_owned(),
        false => rev.to_owned(),
    }
}

/// Why a diff could not be made.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The registry could not be read.
    #[error(transparent)]
    Registry(#[from] registry::Error),
}

/// What the change from `base` to `head` (`None`: the working tree) of the registry at `path`
/// promotes. Links resolve as `options_for` says for the folder whose policy applies to them
/// (`record_links` is set here), as `check` resolves them.
pub fn diff<E: From<Error>>(
    path: &std::path::Path,
    base: &str,
    head: Option<&str>,
    options_for: &mut dyn FnMut(&std::path::Path) -> Result<Options, E>,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Diff, E> {
    let selection = match head {
        None => Selection::ChangedSince(base.to_owned()),
        Some(head) => Selection::Pushed {
            tip: head.to_owned(),
            remote: Some(base.to_owned()),
            hidden: vec![base.to_owned()],
        },
    };
    let opened = registry::open(path, &selection).map_err(Error::from)?;
    let before = registry::tree_at(path, base, &opened.prefix).map_err(Error::from)?;
    let after = &*opened.snapshot;
    let mut touched: Vec<String> = opened
        .files
        .iter()
        .chain(&opened.deleted)
        .cloned()
        .collect();
    touched.sort();
    touched.dedup();
    // The files the change leaves alone are the base's: its tree lists them with their ids, and
    // the link index kept in the repository knows what each one's links reach (unread).
    let mut index = match &opened.git_dir {
        Some(git_dir) => LinkIndex::load(git_dir),
        None => LinkIndex::default(),
    };
    let reaching_after = check::links_reaching(after, &[], &touched, &*before, &mut index);
    let reaching_before = check::links_reaching(&*before, &[], &touched, &*before, &mut index);
    index.save();
    let hosts = GitHubHosts::new(options_for(path)?.config.allow.github.clone());
    let mut production = std::collections::HashSet::new();
    let mut judge = Judge {
        prefix: &opened.prefix,
        root: &opened.root,
        policy: &*before,
        options_for,
        progress,
        production: &mut production,
    };
    let both = |reaching: Vec<String>| {
        let mut files: Vec<String> = touched.iter().cloned().chain(reaching).collect();
        files.sort();
        files.dedup();
        files
    };
    let old = judge.records(&*before, both(reaching_before))?;
    let new = judge.records(after, both(reaching_after))?;
    let is_production = |file: &str| production.contains(file);
    let mut entries = pair(old, new)
        .into_iter()
        .filter_map(|(old, new)| {
            let touched = touched.binary_search(&record_file(&old, &new)).is_ok();
            entry(old, new, touched, &*before, after, &hosts, &is_production)
        })
        .collect::<Vec<Entry>>();
    entries.sort_by(|a, b| {
        (!a.production, &a.file, &a.field).cmp(&(!b.production, &b.file, &b.field))
    });
    Ok(Diff {
        version: VERSION,
        base: base.to_owned(),
        head: head.map(str::to_owned),
        entries,
    })
}

/// The link file `file` (project-relative) as revision `rev` of the registry at `path` adds it,
/// when it is there: the entry of a repository's first commit.
pub fn added<E: From<Error>>(
    path: &std::path::Path,
    rev: &str,
    file: &str,
    options_for: &mut dyn FnMut(&std::path::Path) -> Result<Options, E>,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Option<Entry>, E> {
    let opened = registry::open(path, &Selection::Revision(rev.to_owned())).map_err(Error::from)?;
    let snapshot = &*opened.snapshot;
    let hosts = GitHubHosts::new(options_for(path)?.config.allow.github.clone());
    let mut production = std::collections::HashSet::new();
    let mut judge = Judge {
        prefix: &opened.prefix,
        root: &opened.root,
        policy: snapshot,
        options_for,
        progress,
        production: &mut production,
    };
    let links = judge.records(snapshot, vec![file.to_owned()])?;
    let Some(found) = links.into_iter().find(|r| r.field.is_none()) else {
        return Ok(None);
    };
    let is_production = |file: &str| production.contains(file);
    Ok(entry(
        None,
        Some(found),
        true,
        snapshot,
        snapshot,
        &hosts,
        &is_production,
    ))
}

/// Judges files as `check` does, each by the policy of its folder (a change cannot reach a host
/// its folder's config refuses by being reviewed), recording every link.
struct Judge<'a, E> {
    /// The project's folder in its repository (`""` or `dir/`).
    prefix: &'a str,
    /// The repository's working tree, where policy folders are.
    root: &'a std::path::Path,
    /// The revision whose config folders count (the base's).
    policy: &'a dyn Snapshot,
    options_for: &'a mut dyn FnMut(&std::path::Path) -> Result<Options, E>,
    progress: &'a (dyn Fn(Progress) + Sync),
    /// The files (project-relative) under a `production` glob of their policy.
    production: &'a mut std::collections::HashSet<String>,
}

impl<E> Judge<'_, E> {
    /// Every link of `files` (sorted) in `snapshot`, with paths relative to the project.
    fn records(
        &mut self,
        snapshot: &dyn Snapshot,
        files: Vec<String>,
    ) -> Result<Vec<LinkRecord>, E> {
        let mut all = Vec::new();
        for group in nested::split(snapshot, Some(self.policy), files) {
            let folder = format!("{}{}", self.prefix, group.policy_folder());
            let options = reviewing(&(self.options_for)(&self.root.join(folder))?);
            let project = format!("{}{}", self.prefix, group.project);
            let mut files = group.files;
            files.retain(|file| !options.config.is_ignored(&format!("{project}{file}")));
            let view = nested::Nested::new(snapshot, &group.project);
            let mut links = check::check_files(&view, files, &[], &options, self.progress).links;
            follow_into_other_repositories(&view, &mut links, &options, self.progress);
            for record in &mut links {
                if options
                    .config
                    .is_production(&format!("{project}{}", record.file))
                {
                    self.production
                        .insert(format!("{}{}", group.project, record.file));
                }
                record.file = format!("{}{}", group.project, record.file);
                if let Some(lands) = record.lands.as_mut().filter(|l| l.repository.is_none()) {
                    lands.path = format!("{}{}", group.project, lands.path);
                }
            }
            all.extend(links);
        }
        Ok(all)
    }
}

/// Gives relative links whose chain leads into another repository the landing of the link file
/// they lead through, checking those files (outside the change, unchanged) in turn.
fn follow_into_other_repositories(
    snapshot: &dyn Snapshot,
    links: &mut [LinkRecord],
    options: &Options,
    progress: &(dyn Fn(Progress) + Sync),
) {
    let mut through: Vec<LinkRecord> = Vec::new();
    for _ in 0..crate::resolve::chain::MAX_LINKS {
        let known: std::collections::HashSet<&str> = links
            .iter()
            .chain(&through)
            .map(|r| r.file.as_str())
            .collect();
        let mut wanted: Vec<String> = links
            .iter()
            .chain(&through)
            .filter(|r| r.lands.is_none())
            .filter_map(|r| r.via.clone())
            .filter(|via| !known.contains(via.as_str()))
            .collect();
        wanted.sort();
        wanted.dedup();
        if wanted.is_empty() {
            break;
        }
        through.extend(check::check_files(snapshot, wanted, &[], options, progress).links);
        check::inherit_landings(&mut through, &[]);
    }
    check::inherit_landings(links, &through);
}

/// `options` for a review: every link recorded, with the text of each object it lands on.
fn reviewing(options: &Options) -> Options {
    let mut options = options.clone();
    options.record_links = true;
    if let Some(online) = &mut options.online {
        online.keep_objects = true;
    }
    options
}

fn record_file(old: &Option<LinkRecord>, new: &Option<LinkRecord>) -> String {
    old.as_ref()
        .or(new.as_ref())
        .map(|r| r.file.clone())
        .unwrap_or_default()
}

/// Each link of either side with its counterpart on the other (by file and field).
fn pair(
    old: Vec<LinkRecord>,
    new: Vec<LinkRecord>,
) -> Vec<(Option<LinkRecord>, Option<LinkRecord>)> {
    let key = |r: &LinkRecord| (r.file.clone(), r.field.clone());
    let mut new: std::collections::BTreeMap<_, LinkRecord> =
        new.into_iter().map(|r| (key(&r), r)).collect();
    let mut pairs: Vec<(Option<LinkRecord>, Option<LinkRecord>)> = old
        .into_iter()
        .map(|r| {
            let other = new.remove(&key(&r));
            (Some(r), other)
        })
        .collect();
    pairs.extend(new.into_values().map(|r| (None, Some(r))));
    pairs
}

/// The entry for a link before (`old`) and after (`new`); `None` when it lands as it did.
fn entry(
    old: Option<LinkRecord>,
    new: Option<LinkRecord>,
    touched: bool,
    before: &dyn Snapshot,
    after: &dyn Snapshot,
    hosts: &GitHubHosts,
    production: &dyn Fn(&str) -> bool,
) -> Option<Entry> {
    let old_side = old.as_ref().map(side);
    let new_side = new.as_ref().map(side);
    let kind = match (&old_side, &new_side) {
        (None, Some(_)) => Kind::Added,
        (Some(_), None) => Kind::Removed,
        (Some(a), Some(b)) if a == b => return None,
        _ if touched => Kind::Changed,
        _ => Kind::LandsElsewhere,
    };
    let record = new.as_ref().or(old.as_ref())?;
    let old_lands = old.as_ref().and_then(|r| r.lands.as_deref());
    let new_lands = new.as_ref().and_then(|r| r.lands.as_deref());
    let changes = match (old_lands, new_lands) {
        (Some(a), Some(b)) => match (object(a, before), object(b, after)) {
            (Some(a), Some(b)) => compare(&a, &b),
            _ => Vec::new(),
        },
        _ => Vec::new(),
    };
    Some(Entry {
        name: record
            .file
            .strip_suffix(".mlem")
            .unwrap_or(&record.file)
            .to_owned(),
        file: record.file.clone(),
        field: record.field.clone(),
        production: production(&record.file),
        kind,
        compare_url: old_lands
            .zip(new_lands)
            .and_then(|(a, b)| compare_url(a, b, hosts)),
        before: old_side,
        after: new_side,
        changes,
    })
}

fn side(record: &LinkRecord) -> Side {
    Side {
        repository: record.repo.clone(),
        rev: record.rev.clone(),
        path: record.path.clone(),
        link_type: record.link_type.as_str(),
        status: record.status.verdict(),
        finding: record
            .worst
            .as_deref()
            .map(|(_, _, message)| message.clone()),
        lands: record.lands.as_deref().map(|lands| Landed {
            repository: lands.repository.clone(),
            commit: lands.commit.clone(),
            path: lands.path.clone(),
            object_type: lands.object_type.as_str(),
        }),
    }
}

/// The object `lands` names, parsed: read with the link for another repository, from
/// `snapshot` for the registry's own.
fn object(lands: &Lands, snapshot: &dyn Snapshot) -> Option<serde_json::Value> {
    let bytes = match &lands.text {
        Some(text) => text.clone().into_bytes(),
        None => match snapshot.reader().lookup(&lands.path) {
            Ok(Lookup::File(Content::Bytes(bytes))) => bytes,
            _ => return None,
        },
    };
    crate::mlem::parse::parse(bytes).value.ok()
}

/// `https://HOST/OWNER/NAME/compare/A...B` when both objects are in one GitHub repository at
/// different commits.
fn compare_url(a: &Lands, b: &Lands, hosts: &GitHubHosts) -> Option<String> {
    let repo = |lands: &Lands| {
        let parsed = crate::resolve::target::parse(lands.repository.as_deref()?, hosts).ok()?;
        match parsed.repo {
            RepoId::GitHub { host, owner, name } => Some((host, owner, name)),
            _ => None,
        }
    };
    let (one, other) = (repo(a)?, repo(b)?);
    let same = one.0 == other.0
        && one.1.eq_ignore_ascii_case(&other.1)
        && one.2.eq_ignore_ascii_case(&other.2);
    let (from, to) = (a.commit.as_deref()?, b.commit.as_deref()?);
    (same && from != to).then(|| {
        let (host, owner, name) = other;
        format!("https://{host}/{owner}/{name}/compare/{from}...{to}")
    })
}
