//! The links into other repositories of a run, resolved together (lookups shared and
//! batched), after the allow-lists refused what they refuse; and each link's record for the job
//! summary.

use super::{FileResult, Options};
use crate::finding::Finding;
use crate::mlem::Link;
use crate::mlem::locate::Locator;
use crate::policy;
use crate::report::{Lands, LinkRecord, LinkStatus};
use crate::resolve::Resolved;
use crate::resolve::online;
use crate::resolve::rounds::Progress;
use crate::rules;

/// Resolves every link to another repository in `results` at once (so lookups are shared and
/// batched) and adds their findings; returns the requests it took.
pub(super) fn resolve_remote(
    results: &mut [FileResult],
    options: &Options,
    progress: &(dyn Fn(Progress) + Sync),
) -> usize {
    let refused = refuse_disallowed(results, options);
    let mut at = Vec::new();
    let mut links: Vec<&Link> = Vec::new();
    for (file, result) in results.iter().enumerate() {
        if let Ok(object) = &result.object {
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
        let Ok(object) = &result.object else {
            continue;
        };
        let locator = Locator::new(&result.text);
        for (index, resolved) in resolved {
            let link = &object.links[index];
            let found = policy::link_findings(&result.path, &locator, link, &resolved, remote);
            if options.record_links {
                let record = record(&result.path, locator.text(), link, &resolved, &found);
                super::Outputs::of(&mut result.out).links.push(record);
            }
            super::Outputs::add(&mut result.out, found);
        }
    }
    requests
}

/// Adds a `link/host-not-allowed` finding for each link the config's allow-lists refuse, and
/// returns where those links are (file, link index): they are never looked up.
fn refuse_disallowed(
    results: &mut [FileResult],
    options: &Options,
) -> std::collections::HashSet<(usize, usize)> {
    let mut refused = std::collections::HashSet::new();
    for (file, result) in results.iter_mut().enumerate() {
        let Ok(object) = &result.object else {
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
            let locator = Locator::new(&result.text);
            let found = vec![policy::refused_finding(&result.path, &locator, link, &why)];
            if options.record_links {
                let resolved = Resolved::unverified(link, &why);
                let record = record(&result.path, locator.text(), link, &resolved, &found);
                super::Outputs::of(&mut result.out).links.push(record);
            }
            super::Outputs::add(&mut result.out, found);
        }
    }
    refused
}

/// The summary's line for one link, from the findings it got.
pub(super) fn record(
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
        link_type: link.link_type,
        field: match link.route.first() {
            Some(crate::mlem::Segment::Key(key)) => Some(key.clone()),
            _ => None,
        },
        worst: worst.map(|f| Box::new((f.rule, f.severity, f.message.clone()))),
        lands: lands(resolved).map(Box::new),
        via: resolved.leaves_from.clone(),
    }
}

/// Gives each relative link of `links` whose chain leads into another repository the landing of
/// the link file it leads through, when that file is one of `links` or `through`; when that one
/// lands nowhere, its status too (an alias of an unverified link is unverified, not fine).
pub fn inherit_landings(links: &mut [LinkRecord], through: &[LinkRecord]) {
    type Outcome = (
        Option<Box<Lands>>,
        LinkStatus,
        Option<Box<(&'static str, crate::finding::Severity, String)>>,
    );
    let outcomes: std::collections::HashMap<String, Outcome> = links
        .iter()
        .chain(through)
        .filter(|r| r.field.is_none() && r.via.is_none())
        .map(|r| {
            (
                r.file.clone(),
                (r.lands.clone(), r.status.clone(), r.worst.clone()),
            )
        })
        .collect();
    for record in links.iter_mut().filter(|r| r.lands.is_none()) {
        let Some((lands, status, worst)) = record.via.as_ref().and_then(|v| outcomes.get(v)) else {
            continue;
        };
        record.lands = lands.clone();
        if lands.is_none() && record.status == LinkStatus::Ok {
            record.status = status.clone();
            record.worst = worst.clone();
        }
    }
}

/// Where a resolved link landed, if it did.
fn lands(resolved: &Resolved) -> Option<Lands> {
    let crate::resolve::Outcome::Found {
        object_type,
        chain: None,
        ..
    } = &resolved.outcome
    else {
        return None;
    };
    let artifacts = resolved
        .artifacts
        .as_ref()
        .map_or_else(Vec::new, |checks| checks.list.clone());
    match (&resolved.landing, &resolved.landed_here) {
        (Some(landing), _) => Some(Lands {
            repository: Some(landing.repo.clone()),
            rev: landing.rev.clone(),
            commit: Some(landing.commit.clone()),
            path: landing.path.clone(),
            object_type: landing.object_type,
            artifacts,
            text: landing.text.clone(),
        }),
        (None, Some(path)) => Some(Lands {
            repository: None,
            rev: None,
            commit: None,
            path: path.clone(),
            object_type: *object_type,
            artifacts,
            text: None,
        }),
        (None, None) => None,
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
