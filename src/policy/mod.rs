//! Policy: turns what was learned about a file and its links into findings, rule by rule.

pub mod grade;
pub mod registry;
pub mod verdict;

use std::collections::HashMap;

use crate::finding::Finding;
use crate::mlem::Link;
use crate::mlem::locate::{Locator, Part};
use crate::mlem::parse::Problem;
use crate::resolve::Resolved;
use crate::rules::{self, LinkFacts, Remote};
use crate::schema::Issue;

/// The finding for a file that is not a YAML document (each problem has its rule).
pub fn problem_finding(file: &str, text: &str, problem: &Problem) -> Finding {
    rules::judge_problem(file, text, problem).unwrap_or_else(|| {
        let span = crate::finding::Span::first_line(text);
        rules::yaml_syntax::RULE.finding(file, span, problem.reason())
    })
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

/// The finding for one schema violation (each kind has its rule).
pub fn schema_finding(file: &str, locator: &Locator<'_>, issue: &Issue) -> Finding {
    rules::judge_schema(file, locator, issue).unwrap_or_else(|| {
        let span = locator.span(&issue.route, issue.part);
        rules::schema_invalid::RULE.finding(file, span, format!("{:?}", issue.kind))
    })
}

/// The findings for one link in `file`, given where it resolved: every link rule's judgement.
pub fn link_findings(
    file: &str,
    locator: &Locator<'_>,
    link: &Link,
    resolved: &Resolved,
    remote: Remote,
) -> Vec<Finding> {
    rules::judge_link(&LinkFacts {
        file,
        locator,
        link,
        resolved,
        remote,
    })
}

/// The finding for a link the config's allow-lists refuse (`why`): it was not looked up.
pub fn refused_finding(file: &str, locator: &Locator<'_>, link: &Link, why: &str) -> Finding {
    let repo = link.project.as_ref().map_or("", |(_, repo)| repo.as_str());
    let facts_span = locator.span(
        &link.field_route(
            link.project
                .as_ref()
                .map_or("path", |(key, _)| key.as_str()),
        ),
        Part::Value,
    );
    rules::link_host_not_allowed::finding(file, facts_span, repo, why)
}
