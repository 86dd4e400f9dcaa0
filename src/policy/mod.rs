//! Policy: turns what was learned about a file and its links into findings, rule by rule.

pub mod grade;
pub mod registry;
pub mod verdict;

use std::collections::HashMap;

use crate::finding::{Finding, Severity};
use crate::mlem::Link;
use crate::mlem::locate::{Locator, Part};
use crate::mlem::parse::Problem;
use crate::resolve::{Advisory, ChainProblem, Outcome, Resolved};
use crate::rules;
use crate::schema::{Issue, IssueKind};

/// The finding for a file that is not a YAML document.
pub fn problem_finding(file: &str, text: &str, problem: &Problem) -> Finding {
    match problem {
        Problem::TooLarge { size } => rules::file_too_large::finding(file, *size),
        Problem::Encoding { valid_up_to, byte } => {
            rules::yaml_encoding::finding(file, text, *valid_up_to, *byte)
        }
        Problem::Empty => rules::file_empty::finding(file, text),
        Problem::Syntax { message, offset } => {
            rules::yaml_syntax::finding(file, text, message, *offset)
        }
        Problem::DuplicateKey { key, offset } => {
            rules::yaml_duplicate_key::finding(file, text, key, *offset)
        }
    }
}

/// Schema findings listed per file and rule; past it, one finding says how many more there are.
/// A hostile file can hold 100,000 unknown keys; nobody reads 100,000 warnings, and the log and
/// the annotations stay readable.
pub const SCHEMA_FINDINGS_PER_FILE: usize = 100;

/// The findings for a file's schema violations, in the file's order: the first
/// [`SCHEMA_FINDINGS_PER_FILE`] of each rule, then one finding per rule that counts the rest.
pub fn schema_findings(file: &str, locator: &Locator<'_>, issues: &[Issue]) -> Vec<Finding> {
    let mut all: Vec<Finding> = issues
        .iter()
        .map(|issue| schema_finding(file, locator, issue))
        .collect();
    all.sort_by_key(|finding| finding.span.start_byte);
    let mut findings = Vec::new();
    // Per rule: how many are listed; then the first unlisted one and how many it stands for.
    let mut listed: HashMap<&str, usize> = HashMap::new();
    let mut unlisted: Vec<(Finding, usize)> = Vec::new();
    for finding in all {
        let count = listed.entry(finding.rule).or_default();
        if *count < SCHEMA_FINDINGS_PER_FILE {
            *count += 1;
            findings.push(finding);
        } else if let Some((_, more)) = unlisted.iter_mut().find(|(f, _)| f.rule == finding.rule) {
            *more += 1;
        } else {
            unlisted.push((finding, 1));
        }
    }
    for (mut next, more) in unlisted {
        next.message = format!(
            "{more} more like this in this file are not listed (the first {SCHEMA_FINDINGS_PER_FILE} are); the next: {}",
            next.message
        );
        findings.push(next);
    }
    findings
}

/// The finding for one schema violation.
pub fn schema_finding(file: &str, locator: &Locator<'_>, issue: &Issue) -> Finding {
    let span = locator.span(&issue.route, issue.part);
    match &issue.kind {
        IssueKind::Invalid(message) => rules::schema_invalid::finding(file, span, message.clone()),
        IssueKind::UnknownField(name) => rules::schema_unknown_field::finding(file, span, name),
    }
}

/// Whether links to other repositories were looked up: decides what "unverified" weighs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Remote {
    /// `--offline`: listed as unverified notes, by the user's choice.
    #[default]
    Offline,
    /// Looked up on the network: what could not be verified is a warning.
    Online,
}

/// The findings for one link in `file`, given where it resolved.
pub fn link_findings(
    file: &str,
    locator: &Locator<'_>,
    link: &Link,
    resolved: &Resolved,
    remote: Remote,
) -> Vec<Finding> {
    let mut found = outcome_findings(file, locator, link, &resolved.outcome, remote);
    let repo_span = || repo_span(locator, link);
    for advisory in &resolved.advisories {
        found.push(match advisory {
            Advisory::Renamed { from, to } => {
                rules::link_repo_renamed::finding(file, repo_span(), from, to)
            }
            Advisory::Archived { repo } => {
                rules::link_repo_archived::finding(file, repo_span(), repo)
            }
            Advisory::Unpinned {
                rev,
                branch,
                commit,
            } => {
                let span = match rev {
                    Some(_) => locator.span(&link.field_route("rev"), Part::Value),
                    None => repo_span(),
                };
                let fix = crate::fix::pin(locator, link, commit).map(|edit| crate::finding::Fix {
                    description: format!(
                        "pin `rev` to {commit}, the commit branch `{branch}` points at now"
                    ),
                    edits: vec![edit],
                });
                rules::link_unpinned_rev::finding(file, span, rev.as_deref(), branch, commit)
                    .with_fix(fix)
            }
        });
    }
    found
}

/// The findings for where a link landed.
fn outcome_findings(
    file: &str,
    locator: &Locator<'_>,
    link: &Link,
    outcome: &Outcome,
    remote: Remote,
) -> Vec<Finding> {
    let path_span = || locator.span(&link.field_route("path"), Part::Value);
    let repo_span = || repo_span(locator, link);
    match outcome {
        Outcome::RepoNotFound { repo, hint } => {
            vec![rules::link_repo_not_found::finding(
                file,
                repo_span(),
                repo,
                hint.as_deref(),
            )]
        }
        Outcome::RevNotFound { repo, rev } => {
            let span = match &link.rev {
                Some(_) => locator.span(&link.field_route("rev"), Part::Value),
                None => repo_span(),
            };
            vec![rules::link_rev_not_found::finding(file, span, repo, rev)]
        }
        Outcome::Found {
            path,
            object_type,
            chain,
        } => {
            let mut found = Vec::new();
            if *object_type != link.link_type {
                let span = locator.span(&link.field_route("link_type"), Part::Value);
                found.push(rules::link_type_mismatch::finding(
                    file,
                    span,
                    link.link_type.as_str(),
                    path,
                    object_type.as_str(),
                ));
            }
            match chain {
                Some(ChainProblem::Cycle(chain)) => {
                    found.push(rules::link_cycle::finding(file, path_span(), chain));
                }
                Some(ChainProblem::Broken { chain, why }) => {
                    found.push(rules::link_chain_broken::finding(
                        file,
                        path_span(),
                        chain,
                        why,
                    ));
                }
                Some(ChainProblem::TooLong(chain)) => {
                    found.push(rules::link_chain_too_long::finding(
                        file,
                        path_span(),
                        chain,
                    ));
                }
                None => {}
            }
            found
        }
        Outcome::NotFound { tried, within } => {
            vec![rules::link_path_not_found::finding(
                file,
                path_span(),
                &link.path,
                tried,
                within.as_deref(),
            )]
        }
        Outcome::Escapes { why } => {
            vec![rules::link_path_escapes_repo::finding(
                file,
                path_span(),
                &link.path,
                why,
            )]
        }
        Outcome::NotMlemObject { path, reason } => {
            vec![rules::link_not_mlem_object::finding(
                file,
                path_span(),
                path,
                reason,
            )]
        }
        Outcome::Unverified { target, why } => {
            let finding = rules::link_unverified::finding(file, repo_span(), target, why);
            vec![match remote {
                Remote::Offline => finding.with_severity(Severity::Note),
                Remote::Online => finding,
            }]
        }
    }
}

/// The finding for a link the config's allow-lists refuse (`why`): it was not looked up.
pub fn refused_finding(file: &str, locator: &Locator<'_>, link: &Link, why: &str) -> Finding {
    let repo = link.project.as_ref().map_or("", |(_, repo)| repo.as_str());
    rules::link_host_not_allowed::finding(file, repo_span(locator, link), repo, why)
}

/// Where a link names its repository (its `path` for a relative link).
fn repo_span(locator: &Locator<'_>, link: &Link) -> crate::finding::Span {
    let key = link
        .project
        .as_ref()
        .map_or("path", |(key, _)| key.as_str());
    locator.span(&link.field_route(key), Part::Value)
}
