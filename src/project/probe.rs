//! What `link` would write, resolved before it is written: where the new link lands, through
//! the same resolvers and chain rule `check` uses, and why it must not be written if it must not.

use std::path::Path;

use super::follow::follow;
use super::{Error, NewLink, file_of, project_url};
use crate::mlem::ObjectType;
use crate::policy::verdict::stops_a_write;
use crate::registry;
use crate::resolve::target::AllowList;

/// Where a link to `path` would land, found before the link is written: in the project at
/// `project_dir` (a relative link), or in `source` at `rev` through the online resolvers.
#[derive(Debug, Clone)]
pub struct Probe {
    /// The link that would be written (its `link_type` the target's type), `rev` as asked.
    pub link: NewLink,
    /// How the link that would be written resolves.
    pub resolved: crate::resolve::Resolved,
    /// Every file MLEM would load on the way to the target, in order: the project's by their
    /// paths, other repositories' as `REPO/PATH@REV`.
    pub loaded: Vec<String>,
    /// The commit of the object the link lands on, for `--pin`.
    pub commit: Option<String>,
    /// Why the link must not be written although its first target resolved: the chain behind
    /// it is broken, or leads where the config does not allow.
    pub problem: Option<String>,
}

/// Resolves a new link to `path` (in `source` at `rev`, or in the project at `project_dir`).
pub fn probe(
    project_dir: &Path,
    path: &str,
    source: Option<&str>,
    rev: Option<&str>,
    legacy_repo_key: bool,
    online: Option<&crate::resolve::online::Online>,
    progress: &(dyn Fn(crate::resolve::rounds::Progress) + Sync),
) -> Result<Probe, registry::Error> {
    // Any type but `link`: a link target is followed to the type it finally has.
    let asked = NewLink {
        link_type: ObjectType::Model,
        path: path.to_owned(),
        project: source.map(project_url),
        legacy_repo_key,
        rev: rev.map(str::to_owned),
    };
    let link = asked.link();
    if let (Some(project), Some(online)) = (&asked.project, online)
        && let Some(why) = online.allow.refuses(project)
    {
        let resolved = crate::resolve::Resolved::unverified(&link, &why);
        let problem = Some(format!("`{project}` is not allowed: {why}"));
        return Ok(Probe {
            loaded: Vec::new(),
            link: asked.clone(),
            resolved,
            commit: None,
            problem,
        });
    }
    let resolved = match &asked.project {
        None => {
            let opened = registry::open(project_dir, &registry::Selection::Worktree)?;
            let reader = opened.snapshot.reader();
            crate::resolve::local::LocalResolver::default().resolve(&*reader, "", &link)
        }
        Some(_) => crate::resolve::online::resolve_one(&link, online, progress),
    };
    let (found_path, link_type) = match &resolved.outcome {
        crate::resolve::Outcome::Found {
            path, object_type, ..
        } => {
            let landed = resolved.landing.as_ref().map(|l| l.object_type);
            (Some(path.clone()), landed.unwrap_or(*object_type))
        }
        _ => (None, ObjectType::Model),
    };
    let mut written = NewLink {
        link_type,
        path: found_path.clone().unwrap_or_else(|| file_of(path)),
        ..asked.clone()
    };
    // A target that is itself a link: MLEM (following links) links the object it lands on.
    let mut commit = resolved.commit.clone();
    let mut problem = None;
    let mut loaded = match (&asked.project, &resolved.landing) {
        (Some(_), Some(landing)) => landing.loaded.clone(),
        (Some(project), None) => vec![crate::resolve::meta_location(project, &written.path, rev)],
        (None, _) => vec![written.path.clone()],
    };
    if let Some(found) = &found_path {
        match land_on_final_object(
            &mut written,
            project_dir,
            found,
            &resolved,
            online,
            progress,
        )? {
            ChainEnd::At {
                commit: landed,
                chain,
            } => {
                commit = landed.or(commit);
                if let Some(chain) = chain {
                    loaded = chain;
                }
            }
            ChainEnd::Broken(why) => problem = Some(why),
        }
    }
    // Landed elsewhere through a chain: what `check` will say is about the link written, so
    // that is the one resolved (its rev may be a tag where the one asked for was a branch).
    let resolved = match &written.project {
        Some(_) if problem.is_none() && written.link() != link => {
            crate::resolve::online::resolve_one(&written.link(), online, progress)
        }
        _ => resolved,
    };
    Ok(Probe {
        link: written,
        resolved,
        loaded,
        commit,
        problem,
    })
}

/// Points `link` at the object a chain of links starting at `found` ends on, as MLEM's `link`
/// does: the same project keeps the rev asked for, another one gets the rev its link names.
/// Says the commit landed on (when known), or why the chain does not land.
fn land_on_final_object(
    link: &mut NewLink,
    project_dir: &Path,
    found: &str,
    resolved: &crate::resolve::Resolved,
    online: Option<&crate::resolve::online::Online>,
    progress: &(dyn Fn(crate::resolve::rounds::Progress) + Sync),
) -> Result<ChainEnd, registry::Error> {
    match &link.project {
        Some(project) => {
            let Some(landing) = &resolved.landing else {
                return Ok(ChainEnd::At {
                    commit: None,
                    chain: None,
                });
            };
            if landing.repo != *project {
                link.project = Some(landing.repo.clone());
                link.rev = landing.rev.clone();
            }
            link.path = landing.path.clone();
            Ok(ChainEnd::At {
                commit: Some(landing.commit.clone()),
                chain: None,
            })
        }
        None => {
            let allow = online.map(|online| &online.allow);
            let allow = allow.unwrap_or(&NO_LIST);
            let followed = follow(project_dir, found, true, allow, online, progress)?;
            let Some(target) = followed.target else {
                return Ok(ChainEnd::Broken(followed.problem.unwrap_or_default()));
            };
            link.path = target.path;
            if target.repository.is_some() {
                link.project = target.repository;
                link.rev = target.rev;
            }
            Ok(ChainEnd::At {
                commit: target.commit,
                chain: Some(followed.chain),
            })
        }
    }
}

/// No allow-list beyond the GitHub hosts' default (a probe with no network has no config).
static NO_LIST: AllowList = AllowList {
    hosts: None,
    owners: None,
    source: String::new(),
    github: Vec::new(),
};

/// Where a new link's chain ends.
enum ChainEnd {
    /// On an object, at this commit when known; `chain`: the files passed, when the project's
    /// own chain was followed.
    At {
        /// The commit of the object, when known.
        commit: Option<String>,
        /// The files passed on the way.
        chain: Option<Vec<String>>,
    },
    /// Nowhere: why.
    Broken(String),
}

impl Probe {
    /// Why the link must not be written, with help and whether it is only unverified: an error
    /// finding, an unverified target, or a broken chain behind it (`None`: write it).
    pub fn refusal(&self, file: &str) -> Result<Option<(String, Option<String>, bool)>, Error> {
        if let Some(problem) = &self.problem {
            return Ok(Some((problem.clone(), None, false)));
        }
        // A target reached through another repository's link may carry a path no link file
        // may hold: what `check` would reject is not written.
        let value: serde_json::Value = serde_yaml::from_str(&self.link.text()?)?;
        let invalid = crate::schema::validate(&value)
            .into_iter()
            .find_map(|issue| match issue.kind {
                crate::schema::IssueKind::Invalid(why) => Some(why),
                crate::schema::IssueKind::UnknownField(_) => None,
            });
        if let Some(why) = invalid {
            let why = format!("the link would not be valid: {why} (schema/invalid)");
            return Ok(Some((why, None, false)));
        }
        Ok(self
            .findings(file)?
            .into_iter()
            .find(stops_a_write)
            .map(|f| {
                let unverified = f.rule == crate::rules::link_unverified::RULE.id;
                (f.message, f.help, unverified)
            }))
    }

    /// What `check` would say about the link once written: its findings, errors first.
    pub fn findings(&self, file: &str) -> Result<Vec<crate::finding::Finding>, Error> {
        let text = self.link.text()?;
        let locator = crate::mlem::locate::Locator::new(&text);
        let mut found = crate::policy::link_findings(
            file,
            &locator,
            &self.link.link(),
            &self.resolved,
            crate::rules::Remote::Online,
        );
        found.sort_by_key(|f| std::cmp::Reverse(f.severity));
        Ok(found)
    }
}
