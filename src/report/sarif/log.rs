//! The part of the SARIF 2.1.0 object model the log uses, as serde types: each struct is one
//! SARIF object, each field one of its properties (named by `rename_all = "camelCase"`).
//!
//! Fields are declared in alphabetical order of their SARIF names: serde writes them in
//! declaration order, and alphabetical is the order the log has always had (it was once built
//! from `serde_json` maps, which sort their keys), so the bytes stay the same.

use std::borrow::Cow;

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

/// The `sarifLog`: the whole document, with its single run.
#[derive(Serialize)]
pub(super) struct Log<'a, R> {
    /// The JSON schema the log declares.
    #[serde(rename = "$schema")]
    pub schema: &'static str,
    /// The one run of the check.
    pub runs: [Run<'a, R>; 1],
    /// The SARIF version, `2.1.0`.
    pub version: &'static str,
}

/// A `run`: one invocation of the tool and everything it found. `R` writes the results, so
/// they can be streamed rather than held.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Run<'a, R> {
    /// Names the code scanning category.
    pub automation_details: AutomationDetails,
    /// Says how columns are counted.
    pub column_kind: &'static str,
    /// The one invocation, with the run's notices.
    pub invocations: [Invocation<'a>; 1],
    /// Describes the base every artifact URI is relative to.
    pub original_uri_base_ids: OneEntry<ArtifactLocation<'a>>,
    /// The run's counts.
    pub properties: RunProperties,
    /// A sequence of [`SarifResult`]s, one per finding.
    pub results: R,
    /// The tool and its rules.
    pub tool: Tool,
}

/// A `runAutomationDetails`: what GitHub reads the code scanning category from.
#[derive(Serialize)]
pub(super) struct AutomationDetails {
    /// `CATEGORY/`, the category and an empty run id.
    pub id: String,
}

/// An `invocation`: how the run went.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Invocation<'a> {
    /// Always true: a run that fails writes no log.
    pub execution_successful: bool,
    /// The report's notices.
    pub tool_execution_notifications: Vec<Notification<'a>>,
}

/// A `notification`: a remark about the run, not about a file.
#[derive(Serialize)]
pub(super) struct Notification<'a> {
    /// How much it matters.
    pub level: &'static str,
    /// The remark.
    pub message: Message<'a>,
}

/// The run's property bag, for what SARIF has no property of its own for.
#[derive(Serialize)]
pub(super) struct RunProperties {
    /// The report's counts.
    pub summary: Counts,
}

/// The report's counts (`report::Summary`), in the log's key order.
#[derive(Serialize)]
pub(super) struct Counts {
    /// Findings of severity error.
    pub errors: usize,
    /// `*.mlem` files checked.
    pub files: usize,
    /// Links found in them.
    pub links: usize,
    /// Findings of severity note.
    pub notes: usize,
    /// HTTP requests sent to GitHub's API.
    pub requests: usize,
    /// Links that were not verified.
    pub unverified: usize,
    /// Findings of severity warning.
    pub warnings: usize,
}

/// A `tool`: what wrote the log.
#[derive(Serialize)]
pub(super) struct Tool {
    /// The tool's component that ran: mlem-registry itself.
    pub driver: Driver,
}

/// A `toolComponent`: mlem-registry, its version and its rules.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Driver {
    /// The project's home.
    pub information_uri: &'static str,
    /// The tool's name.
    pub name: &'static str,
    /// Every rule, in `rules::ALL`'s order, which `ruleIndex` counts in.
    pub rules: Vec<ReportingDescriptor>,
    /// The version, as semver.
    pub semantic_version: &'static str,
    /// The version.
    pub version: &'static str,
}

/// A `reportingDescriptor`: one rule and its documentation.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ReportingDescriptor {
    /// The rule's severity.
    pub default_configuration: ReportingConfiguration,
    /// The first paragraph of the rule's explanation.
    pub full_description: Message<'static>,
    /// The whole explanation, as text and as Markdown.
    pub help: Message<'static>,
    /// The rule's section of `docs/rules.md`.
    pub help_uri: String,
    /// The rule's id, e.g. `link/path-not-found`.
    pub id: &'static str,
    /// The id in CamelCase, e.g. `LinkPathNotFound`.
    pub name: String,
    /// Tags and GitHub's severity.
    pub properties: RuleProperties,
    /// The rule's one-line summary.
    pub short_description: Message<'static>,
}

/// A `reportingConfiguration`: how a rule reports by default.
#[derive(Serialize)]
pub(super) struct ReportingConfiguration {
    /// The rule's severity as a SARIF level.
    pub level: &'static str,
}

/// A rule's property bag: what GitHub reads besides the SARIF properties.
#[derive(Serialize)]
pub(super) struct RuleProperties {
    /// The severity GitHub shows on alerts that are not security ones.
    #[serde(rename = "problem.severity")]
    pub problem_severity: &'static str,
    /// `mlem` and the rule's area (the part of its id before `/`).
    pub tags: [&'static str; 2],
}

/// A `result`: one finding.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct SarifResult<'a> {
    /// The edit that fixes it, when one is known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fixes: Option<[Fix<'a>; 1]>,
    /// Its severity as a SARIF level.
    pub level: &'static str,
    /// Where it is.
    pub locations: [Location; 1],
    /// What is wrong, and the help when there is some.
    pub message: Message<'a>,
    /// Its identity across runs, independent of line numbers.
    pub partial_fingerprints: OneEntry<String>,
    /// The rule that found it.
    pub rule_id: &'static str,
    /// The rule's index in the driver's rules, when it is one of them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule_index: Option<usize>,
}

/// A `location`: where a result is.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Location {
    /// The file and the region in it.
    pub physical_location: PhysicalLocation,
}

/// A `physicalLocation`: a region of a file.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct PhysicalLocation {
    /// The file.
    pub artifact_location: ArtifactLocation<'static>,
    /// The region in it.
    pub region: Region,
}

/// An `artifactLocation`: a file relative to a base (`uri`, `uriBaseId`), or the description of
/// such a base in `originalUriBaseIds`.
#[derive(Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ArtifactLocation<'a> {
    /// What the base stands for, for an entry of `originalUriBaseIds`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<Message<'a>>,
    /// The file, as a relative reference.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    /// The base the file is relative to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uri_base_id: Option<&'static str>,
}

/// A `region`: 1-based lines, 1-based columns in UTF-16 code units, the end exclusive.
#[derive(Clone, Copy, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Region {
    /// The column just past the end.
    pub end_column: usize,
    /// The line of the end.
    pub end_line: usize,
    /// The first column.
    pub start_column: usize,
    /// The first line.
    pub start_line: usize,
}

/// A `fix`: edits that resolve a result.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Fix<'a> {
    /// The edits, all to the result's file.
    pub artifact_changes: [ArtifactChange<'a>; 1],
    /// What the fix does.
    pub description: Message<'a>,
}

/// An `artifactChange`: the edits to one file.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ArtifactChange<'a> {
    /// The file.
    pub artifact_location: ArtifactLocation<'static>,
    /// The edits, in order, not overlapping.
    pub replacements: Vec<Replacement<'a>>,
}

/// A `replacement`: one edit.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Replacement<'a> {
    /// What is replaced.
    pub deleted_region: Region,
    /// What takes its place.
    pub inserted_content: ArtifactContent<'a>,
}

/// An `artifactContent`: text inserted by an edit.
#[derive(Serialize)]
pub(super) struct ArtifactContent<'a> {
    /// The text.
    pub text: &'a str,
}

/// A `message` or `multiformatMessageString`: plain text, and Markdown where there is some.
#[derive(Clone, Serialize)]
pub(super) struct Message<'a> {
    /// The text as Markdown, which GitHub shows in place of `text`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub markdown: Option<String>,
    /// The plain text.
    pub text: Cow<'a, str>,
}

impl<'a> Message<'a> {
    /// A message with plain text only.
    pub fn text(text: impl Into<Cow<'a, str>>) -> Self {
        Message {
            markdown: None,
            text: text.into(),
        }
    }
}

/// An object with one property whose name is a constant ([`SRCROOT`](super::SRCROOT),
/// [`FINGERPRINT_KEY`](super::FINGERPRINT_KEY)): SARIF keys these objects by name, and the
/// name is defined once, where it is documented.
pub(super) struct OneEntry<V> {
    /// The property's name.
    pub key: &'static str,
    /// Its value.
    pub value: V,
}

impl<V: Serialize> Serialize for OneEntry<V> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(1))?;
        map.serialize_entry(self.key, &self.value)?;
        map.end()
    }
}
