//! `resolve`: follows a name through the project's links (and, online, other repositories') to
//! the object it lands on, as `check` follows a chain.

use std::path::Path;

use serde::Serialize;

use super::file_of;
use super::list::own_link;
use crate::mlem::ObjectType;
use crate::mlem::file::parse_content;
use crate::policy::verdict::stops_a_write;
use crate::registry::{self, Content, Lookup};
use crate::resolve::ChainProblem;
use crate::resolve::chain::{Chain, MAX_LINKS};
use crate::resolve::target::AllowList;

/// Where a link finally lands: what `resolve` prints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Resolution {
    /// The file asked about, relative to the project.
    pub file: String,
    /// The files passed on the way, the asked file first: the project's by their paths, then
    /// other repositories' as `REPO/PATH@REV`; the last is where it landed.
    pub chain: Vec<String>,
    /// Where it landed, if it did.
    pub target: Option<ReachedObject>,
    /// Why it did not land, if it did not.
    pub problem: Option<String>,
    /// The problem is only that a repository could not be asked (offline, the network, rate
    /// limits): the link may be fine.
    pub unverified: bool,
    /// The asked file's own link, when it is one.
    pub link: Option<LinkFields>,
}

/// A link's fields, as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LinkFields {
    /// `link_type`.
    pub link_type: String,
    /// `path`.
    pub path: String,
    /// `project` (or `repo`), if any.
    pub project: Option<String>,
    /// `rev`, if any.
    pub rev: Option<String>,
}

/// The object a link lands on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReachedObject {
    /// The repository; `None`: this project, as its working tree holds it.
    pub repository: Option<String>,
    /// The rev asked for, if any.
    pub rev: Option<String>,
    /// The commit it resolved to.
    pub commit: Option<String>,
    /// The object's file.
    pub path: String,
    /// Its `object_type`.
    pub object_type: String,
}

/// Follows `name` (a file of the project at `project_dir`, `.mlem` optional) through links in
/// the project and, through `online`, in other repositories, to the object it lands on, as
/// `check` follows a chain ([`Chain`]: its length limit, cycles, and `allow` at every hop).
/// `follow: false` stops at the file itself (MLEM's `follow_links=False`). `progress` hears how
/// far a lookup in another repository is.
pub fn follow(
    project_dir: &Path,
    name: &str,
    follow: bool,
    allow: &AllowList,
    online: Option<&crate::resolve::online::Online>,
    progress: &(dyn Fn(crate::resolve::rounds::Progress) + Sync),
) -> Result<Resolution, registry::Error> {
    let opened = registry::open(project_dir, &registry::Selection::Worktree)?;
    let reader = opened.snapshot.reader();
    let file = file_of(name);
    let mut resolution = Resolution {
        file: file.clone(),
        chain: Vec::new(),
        target: None,
        problem: None,
        unverified: false,
        link: None,
    };
    let mut chain = Chain::new();
    let mut current = file;
    // The type the link that led here claims, checked on arrival as `check` checks it.
    let mut claimed: Option<(String, ObjectType)> = None;
    loop {
        resolution.chain.push(current.clone());
        let text = match reader.lookup(&current)? {
            Lookup::File(Content::Bytes(bytes)) => bytes,
            Lookup::File(Content::TooLarge(size)) => {
                resolution.problem = Some(format!("{current} is too large to read ({size} bytes)"));
                return Ok(resolution);
            }
            Lookup::Escapes(why) => {
                resolution.problem = Some(format!("{current} leaves the project: {why}"));
                return Ok(resolution);
            }
            Lookup::Missing | Lookup::NotAFile | Lookup::Special(_) => {
                resolution.problem = Some(format!("no MLEM file {current}"));
                return Ok(resolution);
            }
        };
        let parsed = parse_content(Content::Bytes(text));
        let object = match parsed.object() {
            Ok(object) => object,
            Err(reason) => {
                resolution.problem = Some(format!("{current} is not a MLEM object: {reason}"));
                return Ok(resolution);
            }
        };
        let own = own_link(object);
        if object.object_type == ObjectType::Link && own.is_none() {
            resolution.problem = Some(format!(
                "{current} is a link file whose link is not valid (`mlem-registry check {current}` says why)"
            ));
            return Ok(resolution);
        }
        if let Some((from, wanted)) = claimed.take() {
            let here = own.map_or(object.object_type, |link| link.link_type);
            if wanted != ObjectType::Link && here != wanted {
                resolution.problem = Some(format!(
                    "{from} links to a `{wanted}`, but {current} is a `{here}`",
                    wanted = wanted.as_str(),
                    here = here.as_str()
                ));
                return Ok(resolution);
            }
        }
        let landed_here = |object_type: ObjectType| ReachedObject {
            repository: None,
            rev: None,
            commit: None,
            path: current.clone(),
            object_type: object_type.as_str().to_owned(),
        };
        if resolution.chain.len() == 1 {
            resolution.link = own.map(|link| LinkFields {
                link_type: link.link_type.as_str().to_owned(),
                path: link.path.clone(),
                project: link.project.as_ref().map(|(_, p)| p.clone()),
                rev: link.rev.clone(),
            });
        }
        let link = match own {
            Some(link) if follow => link,
            _ => {
                resolution.target = Some(landed_here(object.object_type));
                return Ok(resolution);
            }
        };
        let entered = chain
            .arrive(current.clone(), true)
            .and_then(|()| match &link.project {
                Some((_, project)) => chain.may_enter(allow, project),
                None => Ok(()),
            });
        if let Err(problem) = entered {
            resolution.problem = Some(match problem {
                ChainProblem::Cycle(files) => {
                    format!("the links form a cycle: {}", files.join(" -> "))
                }
                ChainProblem::TooLong(_) => {
                    format!("the chain of links is longer than {MAX_LINKS}")
                }
                ChainProblem::Broken { why, .. } => format!("{current}: {why}"),
            });
            return Ok(resolution);
        }
        if link.project.is_some() {
            let resolved = crate::resolve::online::resolve_one(link, online, progress);
            let locator = crate::mlem::locate::Locator::new(&parsed.text);
            let blocking: Vec<crate::finding::Finding> = crate::policy::link_findings(
                &current,
                &locator,
                link,
                &resolved,
                crate::rules::Remote::Online,
            )
            .into_iter()
            .filter(stops_a_write)
            .collect();
            let unverified = crate::rules::link_unverified::RULE.id;
            resolution.unverified =
                !blocking.is_empty() && blocking.iter().all(|f| f.rule == unverified);
            let problems: Vec<String> = blocking.into_iter().map(|f| f.message).collect();
            match (&resolved.landing, problems.is_empty()) {
                (Some(landing), true) => {
                    resolution.chain.extend(landing.loaded.iter().cloned());
                    resolution.target = Some(ReachedObject {
                        repository: Some(landing.repo.clone()),
                        rev: landing.rev.clone(),
                        commit: Some(landing.commit.clone()),
                        path: landing.path.clone(),
                        object_type: landing.object_type.as_str().to_owned(),
                    });
                }
                _ => resolution.problem = Some(problems.join("; ")),
            }
            return Ok(resolution);
        }
        let candidates = match crate::resolve::local::candidates(link) {
            Ok(candidates) => candidates,
            Err(why) => {
                let at = hop_prefix(&current, &resolution.file);
                resolution.problem = Some(format!("{at}`{}` leaves the project: {why}", link.path));
                return Ok(resolution);
            }
        };
        let next = candidates
            .iter()
            .find(|c| matches!(reader.lookup(c), Ok(Lookup::File(_))));
        match next {
            Some(next) => {
                claimed = Some((current, link.link_type));
                current = next.clone();
            }
            None => {
                let at = hop_prefix(&current, &resolution.file);
                resolution.problem = Some(format!(
                    "{at}link target `{}` not found (tried {})",
                    link.path,
                    candidates.join(", ")
                ));
                return Ok(resolution);
            }
        }
    }
}

/// How a problem names the hop it is at: `""` at the file asked about (the message names it
/// already), else `FILE: `.
fn hop_prefix(current: &str, asked: &str) -> String {
    match current == asked {
        true => String::new(),
        false => format!("{current}: "),
    }
}
