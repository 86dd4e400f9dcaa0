//! Links to other repositories, walked hop by hop over facts (does the repository
//! exist, what commit is this rev, what file is at this path); the walks run in rounds, and each
//! round's questions are deduplicated and handed to the resolvers together, so every fact is
//! asked once and a whole round fits in a few batched requests.

use std::ops::ControlFlow;

use super::artifact::{self, Checks, Fact, Known};
use super::chain::Chain;
use super::local::{FileTarget, candidates};
use super::question::{
    Answer, BlobAnswer, Memo, Question, RepoAnswer, RevAnswer, RevKind, SizeAnswer,
};
use super::target::{AllowList, GitHubHosts, RepoId, Target, folder, parse};
use super::{Advisory, ChainProblem, Outcome, Resolved};
use crate::mlem::{Artifacts, Link, ObjectType};
use crate::registry::Content;

/// What a walk needs next.
#[derive(Debug)]
pub enum Step {
    /// These facts; step again once they are known.
    Ask(Vec<Question>),
    /// The link is resolved.
    Done(Resolved),
}

/// Where one hop of a walk looks.
#[derive(Debug, Clone)]
struct Hop {
    repo: RepoId,
    /// The repo value as written, for messages.
    shown: String,
    rev: Option<String>,
    root: String,
    tree: Vec<String>,
    link_type: ObjectType,
    candidates: Vec<String>,
    next_candidate: usize,
}

/// One link to another repository, followed hop by hop across repositories.
#[derive(Debug)]
pub struct Walk {
    hop: Hop,
    /// The link's own `rev`, which wins over a rev in a `tree/` URL.
    rev_override: Option<String>,
    first_path: Option<String>,
    /// The type the link gets when loaded, as for relative links: the first target's, or its
    /// next link's `link_type`.
    first_type: Option<ObjectType>,
    /// The commit the link's own rev resolved to.
    first_commit: Option<String>,
    /// The last object reached, so far.
    landing: Option<Box<super::Landing>>,
    /// The files passed (`REPO@COMMIT:PATH`); the registry's link counts as the first.
    chain: Chain,
    advisories: Vec<Advisory>,
    hosts: GitHubHosts,
    /// Where the chain may lead: a hop elsewhere ends the walk without a question.
    allow: AllowList,
    /// The object the walk landed on, while its artifacts are checked.
    checking: Option<Box<Checking>>,
    /// Its artifacts, checked.
    artifacts: Option<std::sync::Arc<Checks>>,
    /// The DVC records read for artifacts, shared by the walks of one pass.
    records: std::sync::Arc<artifact::Records>,
    /// Keep the landed object's text (a review compares it).
    keep_text: bool,
}

/// An object landed on whose artifacts are being checked, at the commit it was read at.
#[derive(Debug)]
struct Checking {
    object_type: ObjectType,
    path: String,
    commit: String,
    artifacts: Box<Artifacts>,
}

impl Walk {
    /// The repository of the hop the walk is at, as its link wrote it.
    pub fn shown_repository(&self) -> &str {
        &self.hop.shown
    }

    /// Starts a walk for `link`, a link to another repository; `hosts` are the GitHub hosts,
    /// `allow` where further hops of a chain may lead.
    pub fn new(link: &Link, hosts: &GitHubHosts, allow: &AllowList) -> Result<Walk, Outcome> {
        let shown = link.project.as_ref().map_or("", |(_, value)| value);
        let target = parse(shown, hosts).map_err(|error| Outcome::RepoNotFound {
            repo: shown.to_owned(),
            hint: Some(error.why),
        })?;
        Ok(Walk {
            rev_override: link.rev.clone(),
            hop: hop_for(link, target, shown.to_owned())?,
            first_path: None,
            first_type: None,
            first_commit: None,
            landing: None,
            chain: Chain::from_link(),
            advisories: Vec::new(),
            hosts: hosts.clone(),
            allow: allow.clone(),
            checking: None,
            artifacts: None,
            records: std::sync::Arc::default(),
            keep_text: false,
        })
    }

    /// The walk, sharing `records` (the DVC records read for artifacts) with the other walks of
    /// its pass: each record is parsed once, within one budget.
    pub fn sharing(mut self, records: std::sync::Arc<artifact::Records>) -> Walk {
        self.records = records;
        self
    }

    /// The walk, keeping the text of the object it lands on when `keep` (a review compares it;
    /// a check needs only its type and artifacts).
    pub fn keeping_text(mut self, keep: bool) -> Walk {
        self.keep_text = keep;
        self
    }

    /// Advances as far as `memo` allows: each hop asks about its repository, its rev, then its
    /// file, and arrives (or moves on to the next candidate path, or the next hop).
    pub fn step(&mut self, memo: &Memo) -> Step {
        loop {
            if self.checking.is_some() {
                return self.check_artifacts(memo);
            }
            if let ControlFlow::Break(stop) = self.repository(memo) {
                return stop;
            }
            if !self.hop.tree.is_empty() {
                match self.split_tree(memo) {
                    Ok(true) => continue,
                    Ok(false) => return Step::Ask(self.wanted(memo)),
                    Err(outcome) => return self.done(outcome),
                }
            }
            let sha = match self.revision(memo) {
                ControlFlow::Continue(sha) => sha,
                ControlFlow::Break(stop) => return stop,
            };
            let (path, text) = match self.file(memo) {
                ControlFlow::Continue(Some(found)) => found,
                ControlFlow::Continue(None) => continue,
                ControlFlow::Break(stop) => return stop,
            };
            if let ControlFlow::Break(stop) = self.arrive(sha, path, text) {
                return stop;
            }
        }
    }

    /// The hop's repository: there (with the first hop's advisories: archived, renamed), or
    /// the step that ends the walk.
    fn repository(&mut self, memo: &Memo) -> ControlFlow<Step> {
        let hop = &self.hop;
        match memo.get(&Question::Repo(hop.repo.clone())) {
            None => ControlFlow::Break(Step::Ask(self.wanted(memo))),
            Some(Answer::Repo(RepoAnswer::Found { name, archived })) => {
                if self.chain.files().is_empty() {
                    let repo = hop.repo.clone();
                    self.first_repository_advisories(&repo, name, *archived);
                }
                ControlFlow::Continue(())
            }
            Some(Answer::Repo(RepoAnswer::NotFound { hint })) => {
                let outcome = Outcome::RepoNotFound {
                    repo: hop.shown.clone(),
                    hint: hint.clone(),
                };
                ControlFlow::Break(self.done(outcome))
            }
            Some(other) => ControlFlow::Break(self.unverified(other)),
        }
    }

    /// `link/repo-archived` and `link/repo-renamed` for the link's own repository, once each.
    fn first_repository_advisories(&mut self, repo: &RepoId, name: &str, archived: bool) {
        let has = |advisories: &[Advisory], renamed: bool| {
            advisories.iter().any(|a| match a {
                Advisory::Renamed { .. } => renamed,
                Advisory::Archived { .. } => !renamed,
                _ => false,
            })
        };
        if archived && !has(&self.advisories, false) {
            self.advisories.push(Advisory::Archived {
                repo: repo.to_string(),
            });
        }
        if let RepoId::GitHub {
            owner, name: old, ..
        } = repo
            && !name.eq_ignore_ascii_case(&format!("{owner}/{old}"))
            && !has(&self.advisories, true)
        {
            self.advisories.push(Advisory::Renamed {
                from: format!("{owner}/{old}"),
                to: name.to_owned(),
            });
        }
    }

    /// The commit the hop's rev names (with the first hop's commit and `link/unpinned-rev`
    /// advisory), or the step that ends the walk.
    fn revision(&mut self, memo: &Memo) -> ControlFlow<Step, String> {
        let hop = &self.hop;
        match memo.get(&Question::Rev(hop.repo.clone(), hop.rev.clone())) {
            None => ControlFlow::Break(Step::Ask(self.wanted(memo))),
            Some(Answer::Rev(RevAnswer::Commit { sha, kind })) => {
                if self.chain.files().is_empty() {
                    self.first_commit = Some(sha.clone());
                    if !self.advisories.iter().any(is_unpinned) {
                        let branch = match kind {
                            RevKind::Branch => hop.rev.clone(),
                            RevKind::DefaultBranch(name) => Some(name.clone()),
                            RevKind::Tag | RevKind::Commit => None,
                        };
                        if let Some(branch) = branch {
                            self.advisories.push(Advisory::Unpinned {
                                rev: hop.rev.clone(),
                                branch,
                                commit: sha.clone(),
                            });
                        }
                    }
                }
                ControlFlow::Continue(sha.clone())
            }
            Some(Answer::Rev(RevAnswer::NotFound)) => {
                let outcome = Outcome::RevNotFound {
                    repo: hop.shown.clone(),
                    rev: hop.rev.clone(),
                };
                ControlFlow::Break(self.done(outcome))
            }
            Some(other) => ControlFlow::Break(self.unverified(other)),
        }
    }

    /// The hop's file at its current candidate path: its path and text; `None` when that
    /// candidate is missing and the next one is to be tried; or the step that ends the walk.
    fn file(&mut self, memo: &Memo) -> ControlFlow<Step, Option<(String, String)>> {
        let hop = &self.hop;
        let path = hop.candidates[hop.next_candidate].clone();
        let blob = Question::Blob(hop.repo.clone(), hop.rev.clone(), path.clone());
        match memo.get(&blob) {
            None => ControlFlow::Break(Step::Ask(self.wanted(memo))),
            Some(Answer::Blob(BlobAnswer::Missing | BlobAnswer::NotAFile)) => {
                self.hop.next_candidate += 1;
                if self.hop.next_candidate < self.hop.candidates.len() {
                    return ControlFlow::Continue(None);
                }
                let tried = self.hop.candidates.iter().map(|c| self.shown(c)).collect();
                let rev = self.hop.rev.as_deref().unwrap_or("its default branch");
                let within = Some(format!("`{}` at `{rev}`", self.hop.shown));
                ControlFlow::Break(self.done(Outcome::NotFound { tried, within }))
            }
            Some(Answer::Blob(BlobAnswer::Unreadable(reason))) => {
                let outcome = Outcome::NotMlemObject {
                    path: self.shown(&path),
                    reason: reason.clone(),
                };
                ControlFlow::Break(self.done(outcome))
            }
            Some(Answer::Blob(BlobAnswer::Text(text))) => {
                ControlFlow::Continue(Some((path, text.clone())))
            }
            Some(other) => ControlFlow::Break(self.unverified(other)),
        }
    }

    /// Arrives at the file `path` (with `text`) at commit `sha`: lands there, or sets up the
    /// hop its link names (`Ok`), or the step that ends the walk.
    fn arrive(&mut self, sha: String, path: String, text: String) -> ControlFlow<Step> {
        let location = self.shown(&path);
        let parsed = crate::mlem::file::parse_content(Content::Bytes(text.into_bytes()));
        let (object_type, next, artifacts) = match FileTarget::from_parsed(parsed.object()) {
            FileTarget::NotObject(reason) => {
                return ControlFlow::Break(self.done(Outcome::NotMlemObject {
                    path: location,
                    reason,
                }));
            }
            FileTarget::Object {
                object_type,
                link,
                artifacts,
            } => (object_type, link, artifacts),
        };
        let mut loaded = self.landing.take().map(|l| l.loaded).unwrap_or_default();
        loaded.push(super::meta_location(
            &self.hop.shown,
            &path,
            self.hop.rev.as_deref(),
        ));
        self.landing = Some(Box::new(super::Landing {
            repo: self.hop.shown.clone(),
            rev: self.hop.rev.clone(),
            commit: sha.clone(),
            path: path.clone(),
            object_type,
            loaded,
            text: self.keep_text.then_some(parsed.text),
        }));
        let key = format!("{}@{sha}:{path}", self.hop.repo);
        let follows = next.is_some() && self.hop.link_type != ObjectType::Link;
        let arrived = self.chain.arrive(key, follows);
        self.first_path.get_or_insert(location);
        if self.first_type.is_none() {
            self.first_type = Some(match &next {
                Some(next) if self.hop.link_type != ObjectType::Link => next.link_type,
                _ => object_type,
            });
        }
        if let Err(problem) = arrived {
            // A cut chain lands nowhere: the link keeps the type it claims.
            let claimed = self.first_type.unwrap_or(object_type);
            return ControlFlow::Break(self.found(claimed, Some(problem)));
        }
        let Some(next) = next.filter(|_| follows) else {
            // Landed: the object's artifacts are checked before the walk is done.
            if let Some(artifacts) = artifacts {
                self.checking = Some(Box::new(Checking {
                    object_type,
                    path,
                    commit: sha,
                    artifacts,
                }));
                return ControlFlow::Continue(());
            }
            return ControlFlow::Break(self.found(object_type, None));
        };
        let target = match &next.project {
            None => Target {
                repo: self.hop.repo.clone(),
                rev: Some(sha),
                root: self.hop.root.clone(),
                tree: Vec::new(),
            },
            Some((_, value)) => match parse(value, &self.hosts) {
                Ok(_) if let Err(broken) = self.chain.may_enter(&self.allow, value) => {
                    let claimed = self.first_type.unwrap_or(next.link_type);
                    return ControlFlow::Break(self.found(claimed, Some(broken)));
                }
                Ok(target) => target,
                Err(error) => {
                    return ControlFlow::Break(self.done(Outcome::NotMlemObject {
                        path: self.first_path.clone().unwrap_or_default(),
                        reason: format!("the link there is broken: {error}"),
                    }));
                }
            },
        };
        let shown = next
            .project
            .as_ref()
            .map_or(self.hop.shown.clone(), |(_, v)| v.clone());
        self.rev_override = next.rev.clone();
        match hop_for(&next, target, shown) {
            Ok(hop) => self.hop = hop,
            Err(outcome) => return ControlFlow::Break(self.done(outcome)),
        }
        ControlFlow::Continue(())
    }

    /// Decides where the revision ends in a `tree/REV/SUBDIR` URL: the longest prefix that is a
    /// branch or tag, else the first segment (a commit id). `Ok(false)`: refs still unknown.
    fn split_tree(&mut self, memo: &Memo) -> Result<bool, Outcome> {
        let hop = &self.hop;
        let mut chosen = None;
        for take in (1..=hop.tree.len()).rev() {
            let rev = hop.tree[..take].join("/");
            match memo.get(&Question::Rev(hop.repo.clone(), Some(rev))) {
                None => return Ok(false),
                Some(Answer::Rev(RevAnswer::Commit { kind, .. }))
                    if take == 1 || matches!(kind, RevKind::Branch | RevKind::Tag) =>
                {
                    chosen.get_or_insert(take);
                }
                Some(Answer::Rev(_)) => {}
                Some(Answer::Unverified(why)) => {
                    return Err(Outcome::Unverified {
                        target: hop.shown.clone(),
                        why: why.to_string(),
                    });
                }
                Some(_) => {}
            }
        }
        let take = chosen.unwrap_or(1);
        let hop = &mut self.hop;
        let url_rev = hop.tree[..take].join("/");
        hop.root = folder(&hop.tree[take..].join("/"));
        hop.rev = Some(self.rev_override.clone().unwrap_or(url_rev));
        hop.tree.clear();
        let stems = std::mem::take(&mut hop.candidates);
        hop.candidates = stems
            .into_iter()
            .map(|c| format!("{}{c}", hop.root))
            .collect();
        Ok(true)
    }

    /// Checks the artifacts of the object landed on, at the commit it was read at: asks what is
    /// not known yet, or is done.
    fn check_artifacts(&mut self, memo: &Memo) -> Step {
        let Some(checking) = self.checking.take() else {
            return self.done(Outcome::Unverified {
                target: self.hop.shown.clone(),
                why: "the walk lost the object it landed on".into(),
            });
        };
        let (repo, commit) = (&self.hop.repo, &checking.commit);
        let question = |fact: &Fact| match fact {
            Fact::Size(path) => Question::Size(repo.clone(), Some(commit.clone()), path.clone()),
            Fact::Text(path) => Question::Blob(repo.clone(), Some(commit.clone()), path.clone()),
        };
        let known = |fact: &Fact| memo.get(&question(fact)).map(known_from);
        let shown = super::meta_location(&self.hop.shown, &checking.path, self.hop.rev.as_deref());
        let scope = format!("{repo}@{commit}:");
        let (artifacts, records) = (&checking.artifacts, &*self.records);
        match artifact::check(&checking.path, &shown, artifacts, &known, records, &scope) {
            Ok(checks) => {
                self.artifacts = Some(std::sync::Arc::new(checks));
                self.found(checking.object_type, None)
            }
            Err(facts) => {
                let questions = facts.iter().map(question).collect();
                self.checking = Some(checking);
                Step::Ask(questions)
            }
        }
    }

    /// Every fact the current hop may need that is not yet known, asked at once.
    fn wanted(&self, memo: &Memo) -> Vec<Question> {
        let hop = &self.hop;
        let mut wanted = vec![Question::Repo(hop.repo.clone())];
        if hop.tree.is_empty() {
            wanted.push(Question::Rev(hop.repo.clone(), hop.rev.clone()));
            wanted.push(Question::Blob(
                hop.repo.clone(),
                hop.rev.clone(),
                hop.candidates[hop.next_candidate].clone(),
            ));
        } else {
            for take in 1..=hop.tree.len() {
                let rev = hop.tree[..take].join("/");
                wanted.push(Question::Rev(hop.repo.clone(), Some(rev)));
            }
        }
        wanted.retain(|q| !memo.contains_key(q));
        wanted
    }

    fn shown(&self, path: &str) -> String {
        if self.chain.files().is_empty() {
            path.to_owned()
        } else {
            let rev = self.hop.rev.as_deref().unwrap_or("HEAD");
            format!("{}@{rev}:{path}", self.hop.shown)
        }
    }

    fn found(&mut self, object_type: ObjectType, chain: Option<ChainProblem>) -> Step {
        let path = self.first_path.clone().unwrap_or_default();
        self.done(Outcome::Found {
            path,
            object_type,
            chain,
        })
    }

    fn unverified(&mut self, answer: &Answer) -> Step {
        let why = match answer {
            Answer::Unverified(why) => why.to_string(),
            other => format!("the resolver gave an unexpected answer: {other:?}"),
        };
        let target = self.hop.shown.clone();
        self.done(Outcome::Unverified { target, why })
    }

    fn done(&mut self, outcome: Outcome) -> Step {
        // Past the first hop, a failure is the chain's, not the registry link's own target's.
        let outcome = match outcome {
            Outcome::Found { .. } | Outcome::Unverified { .. } => outcome,
            broken if !self.chain.files().is_empty() => Outcome::Found {
                path: self.first_path.clone().unwrap_or_default(),
                object_type: self.first_type.unwrap_or(self.hop.link_type),
                chain: Some(ChainProblem::Broken {
                    chain: self.chain.files().to_vec(),
                    why: what_broke(&broken),
                }),
            },
            first_hop => first_hop,
        };
        // Only a walk that reached an object landed somewhere.
        let landing = match &outcome {
            Outcome::Found { chain: None, .. } => self.landing.take(),
            _ => None,
        };
        let artifacts = landing.as_ref().and(self.artifacts.take());
        Step::Done(Resolved {
            outcome,
            advisories: std::mem::take(&mut self.advisories),
            commit: self.first_commit.take(),
            landing,
            artifacts,
            landed_here: None,
            leaves_from: None,
        })
    }
}

/// One line on what is wrong at a hop further down a chain.
fn what_broke(outcome: &Outcome) -> String {
    match outcome {
        Outcome::RepoNotFound { repo, .. } => format!("repository `{repo}` not found"),
        Outcome::RevNotFound { repo, rev } => super::missing_rev(repo, rev.as_deref()),
        Outcome::NotFound { tried, within } => format!(
            "no MLEM file{} (tried {})",
            within
                .as_ref()
                .map_or(String::new(), |w| format!(" in {w}")),
            tried.join(", ")
        ),
        Outcome::NotMlemObject { path, reason } => {
            format!("`{path}` is not a MLEM object: {reason}")
        }
        Outcome::Escapes { why } => format!("its path leaves the repository: {why}"),
        Outcome::Found { .. } | Outcome::Unverified { .. } => String::new(),
    }
}

/// What an answer says of an artifact's fact.
fn known_from(answer: &Answer) -> Known<'_> {
    match answer {
        Answer::Size(SizeAnswer::File(size)) => Known::File(*size),
        Answer::Blob(BlobAnswer::Text(text)) => Known::Text(text.as_str().into()),
        Answer::Blob(BlobAnswer::Unreadable(_)) => Known::Unreadable,
        Answer::Size(SizeAnswer::Missing | SizeAnswer::NotAFile)
        | Answer::Blob(BlobAnswer::Missing | BlobAnswer::NotAFile) => Known::Absent,
        Answer::Unverified(why) => Known::Unverified(why.to_string()),
        other => Known::Unverified(format!("the resolver gave an unexpected answer: {other:?}")),
    }
}

fn is_unpinned(advisory: &Advisory) -> bool {
    matches!(advisory, Advisory::Unpinned { .. })
}

/// The first hop of `link` into `target`.
fn hop_for(link: &Link, target: Target, shown: String) -> Result<Hop, Outcome> {
    let stems = candidates(link).map_err(|why| Outcome::Escapes {
        why: why.to_string(),
    })?;
    let candidates = if target.tree.is_empty() {
        stems
            .into_iter()
            .map(|c| format!("{}{c}", target.root))
            .collect()
    } else {
        stems
    };
    Ok(Hop {
        rev: link.rev.clone().or(target.rev),
        repo: target.repo,
        shown,
        root: target.root,
        tree: target.tree,
        link_type: link.link_type,
        candidates,
        next_candidate: 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resolve::chain::MAX_LINKS;
    use crate::resolve::question::Answerer;
    use crate::resolve::rounds::run;

    fn gh(name: &str) -> RepoId {
        let (owner, name) = name.split_once('/').unwrap();
        RepoId::GitHub {
            host: "github.com".into(),
            owner: owner.into(),
            name: name.into(),
        }
    }

    fn link(repo: &str, rev: Option<&str>, path: &str) -> Link {
        Link {
            route: Vec::new(),
            link_type: ObjectType::Model,
            path: path.into(),
            project: Some((crate::mlem::ProjectKey::Repo, repo.into())),
            rev: rev.map(str::to_owned),
        }
    }

    fn walks(links: &[Link]) -> Vec<Walk> {
        links
            .iter()
            .map(|l| Walk::new(l, &GitHubHosts::default(), &AllowList::default()).unwrap())
            .collect()
    }

    /// A fake host: a fixed table of facts.
    struct Table(Memo);

    impl Answerer for Table {
        async fn answer(&self, questions: Vec<Question>) -> Vec<(Question, Answer)> {
            questions
                .into_iter()
                .map(|q| {
                    let nothing = Answer::nothing_for(&q, RepoAnswer::NotFound { hint: None });
                    let a = self.0.get(&q).cloned().unwrap_or(nothing);
                    (q, a)
                })
                .collect()
        }
    }

    fn resolve(table: &Table, links: &[Link]) -> Vec<Resolved> {
        let walks = walks(links);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        runtime.block_on(run(walks, &mut Memo::new(), table, &|_| {}))
    }

    fn model_table() -> Table {
        let repo = gh("org/models");
        let sha = "a".repeat(40);
        let commit = |kind| {
            Answer::Rev(RevAnswer::Commit {
                sha: sha.clone(),
                kind,
            })
        };
        let text = |t: &str| Answer::Blob(BlobAnswer::Text(t.into()));
        Table(Memo::from([
            (
                Question::Repo(repo.clone()),
                Answer::Repo(RepoAnswer::Found {
                    name: "org/models".into(),
                    archived: false,
                }),
            ),
            (
                Question::Rev(repo.clone(), Some("v1".into())),
                commit(RevKind::Tag),
            ),
            (
                Question::Rev(repo.clone(), Some("main".into())),
                commit(RevKind::Branch),
            ),
            (
                Question::Rev(repo.clone(), Some("feature/x".into())),
                commit(RevKind::Branch),
            ),
            (
                Question::Blob(repo.clone(), Some("v1".into()), "rf.mlem".into()),
                text("object_type: model\n"),
            ),
            (
                Question::Blob(repo.clone(), Some("feature/x".into()), "sub/rf.mlem".into()),
                text("object_type: model\n"),
            ),
            (
                Question::Blob(
                    repo.clone(),
                    Some("v1".into()),
                    ".mlem/model/old.mlem".into(),
                ),
                text("object_type: data\n"),
            ),
        ]))
    }

    #[test]
    fn a_pinned_link_resolves_in_one_round() {
        let table = model_table();
        let got = resolve(
            &table,
            &[link("https://github.com/org/models", Some("v1"), "rf")],
        );
        assert!(
            matches!(&got[0].outcome, Outcome::Found { path, object_type: ObjectType::Model, .. } if path == "rf.mlem")
        );
        assert!(got[0].advisories.is_empty());
    }

    #[test]
    fn an_archived_repository_is_an_advisory_naming_it() {
        let mut table = model_table();
        table.0.insert(
            Question::Repo(gh("org/models")),
            Answer::Repo(RepoAnswer::Found {
                name: "org/models".into(),
                archived: true,
            }),
        );
        let got = resolve(
            &table,
            &[link("https://github.com/org/models", Some("v1"), "rf")],
        );
        assert!(matches!(got[0].outcome, Outcome::Found { .. }));
        assert!(
            matches!(&got[0].advisories[..], [Advisory::Archived { repo }] if repo == "org/models"),
            "{got:?}"
        );
    }

    #[test]
    fn falls_back_to_the_mlem_folder_and_reports_the_type() {
        let got = resolve(
            &model_table(),
            &[link("https://github.com/org/models", Some("v1"), "old")],
        );
        assert!(matches!(
            &got[0].outcome,
            Outcome::Found {
                object_type: ObjectType::Data,
                ..
            }
        ));
    }

    #[test]
    fn missing_repo_rev_and_path_are_told_apart() {
        let table = model_table();
        let got = resolve(
            &table,
            &[
                link("https://github.com/org/gone", Some("v1"), "rf"),
                link("https://github.com/org/models", Some("v9"), "rf"),
                link("https://github.com/org/models", Some("v1"), "nope"),
            ],
        );
        assert!(matches!(got[0].outcome, Outcome::RepoNotFound { .. }));
        assert!(matches!(got[1].outcome, Outcome::RevNotFound { .. }));
        assert!(matches!(&got[2].outcome, Outcome::NotFound { tried, .. } if tried.len() == 2));
    }

    #[test]
    fn branches_are_unpinned_and_tree_urls_split_on_refs() {
        let got = resolve(
            &model_table(),
            &[link(
                "https://github.com/org/models/tree/feature/x/sub",
                None,
                "rf",
            )],
        );
        assert!(
            matches!(&got[0].outcome, Outcome::Found { path, .. } if path == "sub/rf.mlem"),
            "{got:?}"
        );
        assert!(
            matches!(&got[0].advisories[..], [Advisory::Unpinned { branch, .. }] if branch == "feature/x")
        );
    }

    #[test]
    fn chains_are_followed_across_repositories_until_they_cycle() {
        let mut facts = Memo::new();
        let link_to = |repo: &str, path: &str| {
            format!(
                "object_type: link\nlink_type: model\npath: {path}\nproject: https://github.com/{repo}\nrev: v1\n"
            )
        };
        tagged_file(&mut facts, "org/a", "a.mlem", link_to("org/b", "b"));
        tagged_file(&mut facts, "org/b", "b.mlem", link_to("org/a", "a"));
        let got = resolve(
            &Table(facts),
            &[link("https://github.com/org/a", Some("v1"), "a")],
        );
        match &got[0].outcome {
            Outcome::Found {
                chain: Some(ChainProblem::Cycle(visited)),
                object_type,
                ..
            } => {
                assert_eq!(visited.len(), 3, "{visited:?}");
                assert_eq!(visited[0], visited[2]);
                // A cut chain keeps the type its link claims: no `link/type-mismatch` besides.
                assert_eq!(*object_type, ObjectType::Model);
            }
            other => panic!("{other:?}"),
        }
    }

    /// Facts for a chain of `links` link files across repositories `org/r1`, `org/r2`, …: the
    /// registry's link to `org/r1` is the first, each repository's `x.mlem` links to the next,
    /// and the last repository holds the model.
    fn chain_facts(links: usize) -> Memo {
        let mut facts = Memo::new();
        for i in 1..=links {
            let text = if i == links {
                "object_type: model\n".to_owned()
            } else {
                format!(
                    "object_type: link\nlink_type: model\npath: x\nproject: https://github.com/org/r{}\nrev: v1\n",
                    i + 1
                )
            };
            tagged_file(&mut facts, &format!("org/r{i}"), "x.mlem", text);
        }
        facts
    }

    /// Records that GitHub repository `name` exists, has tag `v1`, and holds `file` with `text`
    /// there.
    fn tagged_file(facts: &mut Memo, name: &str, file: &str, text: String) {
        let repo = gh(name);
        let found = RepoAnswer::Found {
            name: name.into(),
            archived: false,
        };
        facts.insert(Question::Repo(repo.clone()), Answer::Repo(found));
        let commit = RevAnswer::Commit {
            sha: "c".repeat(40),
            kind: RevKind::Tag,
        };
        facts.insert(
            Question::Rev(repo.clone(), Some("v1".into())),
            Answer::Rev(commit),
        );
        let blob = Question::Blob(repo, Some("v1".into()), file.into());
        facts.insert(blob, Answer::Blob(BlobAnswer::Text(text)));
    }

    #[test]
    fn chains_across_repositories_are_cut_past_sixteen_links_like_relative_ones() {
        let first = link("https://github.com/org/r1", Some("v1"), "x");
        // The registry's link and 15 in other repositories: 16 links, then the model.
        let got = resolve(&Table(chain_facts(MAX_LINKS)), std::slice::from_ref(&first));
        assert!(
            matches!(&got[0].outcome, Outcome::Found { chain: None, .. }),
            "{:?}",
            got[0].outcome
        );
        let got = resolve(&Table(chain_facts(MAX_LINKS + 1)), &[first]);
        match &got[0].outcome {
            Outcome::Found {
                chain: Some(ChainProblem::TooLong(files)),
                ..
            } => assert_eq!(files.len(), MAX_LINKS, "{files:?}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn unanswered_questions_are_unverified_never_broken() {
        struct Down;
        impl Answerer for Down {
            async fn answer(&self, questions: Vec<Question>) -> Vec<(Question, Answer)> {
                let why = || {
                    let cause = crate::github::Transient::Server(503);
                    Answer::Unverified(crate::github::Error::GaveUp { cause, tries: 0 }.into())
                };
                questions.into_iter().map(|q| (q, why())).collect()
            }
        }
        let walks = walks(&[link("https://github.com/org/models", Some("v1"), "rf")]);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let got = runtime.block_on(run(walks, &mut Memo::new(), &Down, &|_| {}));
        assert!(matches!(got[0].outcome, Outcome::Unverified { .. }));
    }
}
