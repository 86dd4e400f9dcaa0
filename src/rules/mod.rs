//! Every rule the checker knows: one file per rule with its stable id, default severity, the
//! text `check --explain RULE` prints, and when it fires (its [`Trigger`]). Adding a rule is one
//! new file and one line in [`ALL`].

use crate::finding::{Finding, Severity, Span};
use crate::mlem::Link;
use crate::mlem::locate::{Locator, Part};
use crate::mlem::parse::Problem;
use crate::resolve::{ChainProblem, Outcome, Resolved};
use crate::schema::Issue;

pub mod config_changed;
pub mod file_empty;
pub mod file_special;
pub mod file_too_deep;
pub mod file_too_large;
pub mod link_artifact_mismatch;
pub mod link_artifact_missing;
pub mod link_artifact_unverified;
pub mod link_chain_broken;
pub mod link_chain_too_long;
pub mod link_cycle;
pub mod link_duplicate_target;
pub mod link_host_not_allowed;
pub mod link_name_collision;
pub mod link_not_mlem_object;
pub mod link_path_escapes_repo;
pub mod link_path_not_found;
pub mod link_repo_archived;
pub mod link_repo_not_found;
pub mod link_repo_renamed;
pub mod link_rev_not_found;
pub mod link_target_deleted;
pub mod link_type_mismatch;
pub mod link_unpinned_rev;
pub mod link_unverified;
pub mod schema_invalid;
pub mod schema_unknown_field;
pub mod yaml_duplicate_key;
pub mod yaml_encoding;
pub mod yaml_syntax;

/// A rule: a stable id that findings, configuration and `--explain` refer to.
#[derive(Debug)]
pub struct Rule {
    /// Stable id, `area/what`, e.g. `link/path-not-found`.
    pub id: &'static str,
    /// The severity a finding of this rule gets unless told otherwise.
    pub severity: Severity,
    /// One line: what the rule finds.
    pub summary: &'static str,
    /// What it means, why it matters and how to fix it: printed by `--explain`.
    pub explain: &'static str,
    /// When it fires.
    pub trigger: Trigger,
}

/// When a rule fires: the facts it judges, and its judgement.
#[derive(Debug, Clone, Copy)]
pub enum Trigger {
    /// Judges each link once it resolved.
    Link(fn(&LinkFacts<'_, '_>) -> Option<Finding>),
    /// Judges a file that is not a YAML document, by why it is not (file, text, problem).
    Problem(fn(&str, &str, &Problem) -> Option<Finding>),
    /// Judges each way a file breaks the schema (file, its locator, the issue).
    Schema(fn(&str, &Locator<'_>, &Issue) -> Option<Finding>),
    /// Fired by the function named (its path in the crate), where the facts it needs are: the
    /// whole registry, the walk, the policy change.
    Elsewhere(&'static str),
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

/// What a link rule judges: one link of a file, and where it resolved.
pub struct LinkFacts<'a, 't> {
    /// The file holding the link.
    pub file: &'a str,
    /// The file's text, for spans.
    pub locator: &'a Locator<'t>,
    /// The link.
    pub link: &'a Link,
    /// Where it resolved, and what was learned on the way.
    pub resolved: &'a Resolved,
    /// Whether other repositories were asked.
    pub remote: Remote,
}

impl LinkFacts<'_, '_> {
    /// The span of the link's `field` value.
    pub fn field_span(&self, field: &str) -> Span {
        self.locator
            .span(&self.link.field_route(field), Part::Value)
    }

    /// Where the link names its target's path.
    pub fn path_span(&self) -> Span {
        self.field_span("path")
    }

    /// Where the link names its repository (its `path` for a relative link).
    pub fn repo_span(&self) -> Span {
        repo_span(self.locator, self.link)
    }

    /// What cut the chain behind a link that landed, if anything did.
    pub fn chain_problem(&self) -> Option<&ChainProblem> {
        match &self.resolved.outcome {
            Outcome::Found { chain, .. } => chain.as_ref(),
            _ => None,
        }
    }

    /// Where the link names its rev, or its repository when it names none.
    pub fn rev_span(&self) -> Span {
        match &self.link.rev {
            Some(_) => self.field_span("rev"),
            None => self.repo_span(),
        }
    }
}

impl Rule {
    /// A finding of this rule at its default severity.
    pub fn finding(&'static self, file: &str, span: Span, message: impl Into<String>) -> Finding {
        Finding {
            rule: self.id,
            severity: self.severity,
            file: file.to_owned(),
            span,
            message: message.into(),
            help: None,
            fix: None,
        }
    }

    /// The rule's anchor in `docs/rules.md`, e.g. `link-path-not-found`: its id with `/` as
    /// `-`. Links to a rule's section (the README, SARIF's `helpUri`) use it, so it never changes
    /// while the id does not.
    pub fn anchor(&self) -> String {
        self.id.replace('/', "-")
    }
}

/// Every rule, in the order `--explain` and `docs/rules.md` list them.
pub static ALL: &[&Rule] = &[
    &yaml_syntax::RULE,
    &yaml_duplicate_key::RULE,
    &yaml_encoding::RULE,
    &file_empty::RULE,
    &file_too_large::RULE,
    &schema_invalid::RULE,
    &schema_unknown_field::RULE,
    &link_repo_not_found::RULE,
    &link_rev_not_found::RULE,
    &link_path_not_found::RULE,
    &link_type_mismatch::RULE,
    &link_not_mlem_object::RULE,
    &link_cycle::RULE,
    &link_chain_too_long::RULE,
    &link_chain_broken::RULE,
    &link_path_escapes_repo::RULE,
    &link_host_not_allowed::RULE,
    &link_repo_renamed::RULE,
    &link_repo_archived::RULE,
    &link_unpinned_rev::RULE,
    &link_unverified::RULE,
    &link_artifact_missing::RULE,
    &link_artifact_mismatch::RULE,
    &link_artifact_unverified::RULE,
    &link_target_deleted::RULE,
    &link_duplicate_target::RULE,
    &link_name_collision::RULE,
    &config_changed::RULE,
    &file_too_deep::RULE,
    &file_special::RULE,
];

/// Where `link` (in the text `locator` reads) names its repository: its `project`/`repo` value,
/// or its `path` for a relative link.
pub fn repo_span(locator: &Locator<'_>, link: &Link) -> Span {
    let key = link
        .project
        .as_ref()
        .map_or("path", |(key, _)| key.as_str());
    locator.span(&link.field_route(key), Part::Value)
}

/// Every link rule's findings for one link, in the order of [`ALL`].
pub fn judge_link(facts: &LinkFacts<'_, '_>) -> Vec<Finding> {
    ALL.iter()
        .filter_map(|rule| match rule.trigger {
            Trigger::Link(judge) => judge(facts),
            _ => None,
        })
        .collect()
}

/// The finding for a file that is not a YAML document.
pub fn judge_problem(file: &str, text: &str, problem: &Problem) -> Option<Finding> {
    ALL.iter().find_map(|rule| match rule.trigger {
        Trigger::Problem(judge) => judge(file, text, problem),
        _ => None,
    })
}

/// The finding for one way a file breaks the schema.
pub fn judge_schema(file: &str, locator: &Locator<'_>, issue: &Issue) -> Option<Finding> {
    ALL.iter().find_map(|rule| match rule.trigger {
        Trigger::Schema(judge) => judge(file, locator, issue),
        _ => None,
    })
}

/// The rule with this id, if there is one.
pub fn find(id: &str) -> Option<&'static Rule> {
    ALL.iter().copied().find(|rule| rule.id == id)
}

/// The rules a partial or mistyped id may mean, for a suggestion: those whose id ends with it
/// after a `/` (`cycle`: `link/cycle`), else those containing it, case-insensitively.
pub fn near(id: &str) -> Vec<&'static Rule> {
    let id = id.trim().to_ascii_lowercase();
    if id.is_empty() {
        return Vec::new();
    }
    let ending: Vec<&'static Rule> = ALL
        .iter()
        .copied()
        .filter(|rule| rule.id.ends_with(&format!("/{id}")))
        .collect();
    if !ending.is_empty() {
        return ending;
    }
    ALL.iter()
        .copied()
        .filter(|rule| rule.id.contains(&id))
        .collect()
}

#[cfg(test)]
mod near_tests {
    #[test]
    fn a_short_name_suggests_the_rule_it_ends_or_the_ones_it_is_part_of() {
        let ids = |id: &str| -> Vec<&str> { super::near(id).iter().map(|r| r.id).collect() };
        assert_eq!(ids("cycle"), ["link/cycle"]);
        assert_eq!(ids("CYCLE"), ["link/cycle"]);
        assert!(ids("repo").contains(&"link/repo-not-found"));
        assert!(ids("nothing-like-it").is_empty());
        assert!(ids("").is_empty());
    }
}

/// Test helpers shared by the rules' own tests: check in-memory files, keep one rule's findings.
#[cfg(test)]
pub(crate) mod testing {
    use crate::finding::Finding;
    use crate::registry::memory::MemoryTree;

    /// Checks `files` (path, contents) as one registry and returns the findings of `rule`.
    pub fn findings_of(rule: &str, files: &[(&str, &str)]) -> Vec<Finding> {
        let tree = MemoryTree::new(files.iter().map(|(p, c)| (*p, c.as_bytes().to_vec())));
        crate::check::check_snapshot(&tree, &crate::check::Options::default())
            .expect("an in-memory registry can always be listed")
            .findings
            .into_iter()
            .filter(|f| f.rule == rule)
            .collect()
    }

    /// A link to another repository that found its model, with `advisories` about it.
    pub fn found_with(advisories: Vec<crate::resolve::Advisory>) -> crate::resolve::Resolved {
        crate::resolve::Resolved {
            outcome: crate::resolve::Outcome::Found {
                path: "rf.mlem".into(),
                object_type: crate::mlem::ObjectType::Model,
                chain: None,
            },
            advisories,
            commit: None,
            landing: None,
            artifacts: None,
            landed_here: None,
            leaves_from: None,
        }
    }

    /// A link to another repository that landed on `org/m`'s `models/rf.mlem` at `v1`, whose
    /// artifacts `a0`, `a1`, … are in `states`.
    pub fn with_artifacts(
        states: Vec<crate::resolve::artifact::State>,
    ) -> crate::resolve::Resolved {
        let list = states
            .into_iter()
            .enumerate()
            .map(|(i, state)| crate::resolve::artifact::Checked {
                artifact: crate::mlem::artifact::Artifact {
                    name: format!("a{i}"),
                    uri: "rf".into(),
                    hash: None,
                    size: None,
                },
                state,
            })
            .collect();
        let mut resolved = found_with(Vec::new());
        resolved.artifacts = Some(std::sync::Arc::new(crate::resolve::artifact::Checks {
            object: "org/m/models/rf.mlem@v1".into(),
            list,
            unchecked: 0,
        }));
        resolved
    }

    /// The findings of `rule` for a model link into `org/m` at `v1`, resolved as `resolved`.
    pub fn pinned_link_findings(rule: &str, resolved: crate::resolve::Resolved) -> Vec<Finding> {
        remote_findings("project: https://github.com/org/m\nrev: v1\n", resolved)
            .into_iter()
            .filter(|f| f.rule == rule)
            .collect()
    }

    /// The findings for a model link whose location lines are `location` (its `project`/`repo`
    /// on line 4, then perhaps `rev`), resolved as `resolved` by an online run.
    pub fn remote_findings(location: &str, resolved: crate::resolve::Resolved) -> Vec<Finding> {
        let text = format!("object_type: link\nlink_type: model\npath: rf\n{location}");
        let parsed = crate::mlem::file::parse_content(crate::registry::Content::Bytes(
            text.clone().into_bytes(),
        ));
        let object = parsed.object.expect("a link");
        let locator = crate::mlem::locate::Locator::new(&text);
        crate::policy::link_findings(
            "a.mlem",
            &locator,
            &object.links[0],
            &resolved,
            crate::rules::Remote::Online,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_parse_problem_and_schema_issue_has_exactly_one_rule() {
        let problems = [
            Problem::TooLarge { size: 1 },
            Problem::Encoding {
                valid_up_to: 0,
                byte: 0xff,
            },
            Problem::Empty,
            Problem::Syntax {
                message: "m".into(),
                offset: None,
            },
            Problem::DuplicateKey {
                key: "k".into(),
                offset: None,
            },
        ];
        for problem in &problems {
            let judged: Vec<_> = ALL
                .iter()
                .filter_map(|rule| match rule.trigger {
                    Trigger::Problem(judge) => judge("a.mlem", "x", problem).map(|_| rule.id),
                    _ => None,
                })
                .collect();
            assert_eq!(judged.len(), 1, "{problem:?}: {judged:?}");
        }
        let locator = Locator::new("a: 1\n");
        for kind in [
            crate::schema::IssueKind::Invalid("m".into()),
            crate::schema::IssueKind::UnknownField("f".into()),
        ] {
            let issue = Issue {
                route: Vec::new(),
                part: Part::Value,
                kind,
            };
            let judged: Vec<_> = ALL
                .iter()
                .filter_map(|rule| match rule.trigger {
                    Trigger::Schema(judge) => judge("a.mlem", &locator, &issue).map(|_| rule.id),
                    _ => None,
                })
                .collect();
            assert_eq!(judged.len(), 1, "{issue:?}: {judged:?}");
        }
    }

    #[test]
    fn a_rule_fired_elsewhere_names_a_function_that_exists() {
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        // A module's own file (`a/b.rs` or `a/b/mod.rs`).
        let module = |path: &[&str]| {
            let joined = path.join("/");
            [
                src.join(format!("{joined}.rs")),
                src.join(&joined).join("mod.rs"),
            ]
            .into_iter()
            .find_map(|file| std::fs::read_to_string(file).ok())
        };
        for rule in ALL {
            let Trigger::Elsewhere(path) = rule.trigger else {
                continue;
            };
            let segments: Vec<&str> = path.split("::").collect();
            assert_eq!(segments[0], "crate", "{}: {path}", rule.id);
            let (function, owner) = (
                segments[segments.len() - 1],
                &segments[1..segments.len() - 1],
            );
            // `crate::m::f`, or `crate::m::Type::f` for a method of a type of `m`.
            let (text, needs) = match module(owner) {
                Some(text) => (text, String::new()),
                None => {
                    let (ty, parent) = owner.split_last().expect("a module");
                    let text = module(parent).unwrap_or_default();
                    (text, format!("impl {ty} "))
                }
            };
            assert!(
                text.contains(&format!("fn {function}(")) && text.contains(&needs),
                "{}: {path} names no function",
                rule.id
            );
            let call = format!("{}::", rule.id.replace(['/', '-'], "_"));
            assert!(text.contains(&call), "{}: {path} does not fire it", rule.id);
        }
    }

    #[test]
    fn ids_are_unique_and_explained() {
        let mut ids: Vec<_> = ALL.iter().map(|r| r.id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), ALL.len());
        for rule in ALL {
            assert!(rule.id.contains('/'), "{}", rule.id);
            assert!(rule.explain.lines().count() >= 3, "{} needs docs", rule.id);
        }
    }

    #[test]
    fn anchors_are_unique_and_plain() {
        let mut anchors: Vec<String> = ALL.iter().map(|r| r.anchor()).collect();
        for anchor in &anchors {
            // Letters, digits and `-` only: the same in a URL fragment and an HTML id.
            assert!(
                anchor
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{anchor}"
            );
        }
        anchors.sort();
        anchors.dedup();
        assert_eq!(anchors.len(), ALL.len());
        assert_eq!(find("link/cycle").unwrap().anchor(), "link-cycle");
    }

    #[test]
    fn the_issue_promises_these_ids() {
        for id in [
            "yaml/syntax",
            "schema/invalid",
            "link/path-not-found",
            "link/type-mismatch",
            "link/not-mlem-object",
            "link/cycle",
            "link/path-escapes-repo",
        ] {
            assert!(find(id).is_some(), "{id}");
        }
    }
}
