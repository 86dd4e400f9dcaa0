//! `--format sarif`: one SARIF 2.1.0 log for GitHub code scanning and other SARIF viewers; what
//! it holds is described in `docs/sarif-output.md`.
//!
//! The log is built from the serde types in [`log`], one per SARIF object, and written as it is
//! built: the results are made one at a time while they are written ([`Results`]), so a report
//! with 100,000 findings never holds 100,000 of them.
//!
//! Columns are UTF-16 code units, SARIF's default (`run.columnKind` says so explicitly): findings
//! count characters, so each column is converted using the file's text in [`Report::sources`].
//! Every result carries a `partialFingerprints` entry under [`FINGERPRINT_KEY`] that does not
//! depend on line numbers, so alerts keep their identity when lines are added above them.
//!
//! Each rule's `helpUri` is its section of `docs/rules.md` at this version's tag ([`help_uri`]);
//! the run's `automationDetails.id` names the code scanning category ([`automation_id`]).

mod log;

use std::borrow::Cow;
use std::collections::HashMap;
use std::io::Write;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Serialize;

use self::log::{
    ArtifactChange, ArtifactContent, ArtifactLocation, AutomationDetails, Counts, Driver, Fix,
    Invocation, Location, Message, Notification, OneEntry, PhysicalLocation, Region, Replacement,
    ReportingConfiguration, ReportingDescriptor, RuleProperties, Run, RunProperties, SarifResult,
    Tool,
};
use super::{Report, Reporter, Summary};
use crate::finding::{Finding, Lines, Position, Severity};
use crate::rules::{self, Rule};

/// The `$schema` the log declares.
pub const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// The `partialFingerprints` key; its version goes up if the hashed fields ever change.
pub const FINGERPRINT_KEY: &str = "mlemRegistry/v1";

/// The project's home, `repository` in Cargo.toml: the driver's `informationUri` and the base of
/// every rule's `helpUri`.
pub const REPOSITORY: &str = env!("CARGO_PKG_REPOSITORY");

/// The environment variable that sets the code scanning category (`automationDetails.id`).
pub const CATEGORY_VARIABLE: &str = "MLEM_REGISTRY_SARIF_CATEGORY";

/// The category when [`CATEGORY_VARIABLE`] is unset or empty: the one docs/github-action.md's
/// workflow gave upload-sarif before the log carried its own.
pub const DEFAULT_CATEGORY: &str = "mlem-registry";

/// The base every `artifactLocation.uri` is relative to: the repository root.
const SRCROOT: &str = "%SRCROOT%";
/// What `%SRCROOT%` stands for, as the log describes it.
const SRCROOT_DESCRIPTION: &str =
    "The directory file paths are relative to: the repository's root (or a workspace above it).";

/// Writes the report as one SARIF 2.1.0 log with a single run.
pub struct Sarif;

impl Reporter for Sarif {
    fn write(&self, report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
        let category = match std::env::var(CATEGORY_VARIABLE) {
            Ok(category) => Some(category),
            Err(std::env::VarError::NotPresent) => None,
            Err(std::env::VarError::NotUnicode(_)) => {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    format!("{CATEGORY_VARIABLE} is not valid UTF-8"),
                ));
            }
        };
        write_log(report, category.as_deref(), out)
    }
}

/// Writes the log of `report` in the code scanning `category`, pretty-printed, with a newline.
fn write_log(report: &Report, category: Option<&str>, out: &mut dyn Write) -> std::io::Result<()> {
    super::json::write_pretty(out, &sarif_log(report, category))?;
    writeln!(out)
}

/// The run's results, one `result` per finding in the report's order, each built as it is
/// written.
struct Results<'a>(&'a Report);

impl Serialize for Results<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let report = self.0;
        let mut seq = serializer.serialize_seq(Some(report.findings.len()))?;
        for_each_result(report, |result| seq.serialize_element(&result))?;
        seq.end()
    }
}

/// `automationDetails.id` for a code scanning `category` (`None` or blank: [`DEFAULT_CATEGORY`]).
/// GitHub reads the id as `CATEGORY/RUN-ID`, the category being everything before the last `/`;
/// the id ends in `/` (no run id), as upload-sarif's own `category` input would make it.
pub fn automation_id(category: Option<&str>) -> String {
    let category = category
        .map(str::trim)
        .filter(|category| !category.is_empty())
        .unwrap_or(DEFAULT_CATEGORY);
    if category.ends_with('/') {
        category.to_owned()
    } else {
        format!("{category}/")
    }
}

/// Where `rule` is documented: its section of `docs/rules.md` in the repository, at the tag of
/// this version, so the text matches the binary that links to it and the URL never moves.
pub fn help_uri(rule: &Rule) -> String {
    format!(
        "{REPOSITORY}/blob/v{}/docs/rules.md#{}",
        env!("CARGO_PKG_VERSION"),
        rule.anchor()
    )
}

/// The SARIF log for `report`, its run in the code scanning `category`; its results are written
/// from the findings as the log is serialized.
fn sarif_log<'a>(report: &'a Report, category: Option<&str>) -> log::Log<'a, Results<'a>> {
    let notifications = report
        .notices
        .iter()
        .map(|notice| Notification {
            level: "note",
            message: Message::text(notice.as_str()),
        })
        .collect();
    let run = Run {
        automation_details: AutomationDetails {
            id: automation_id(category),
        },
        column_kind: "utf16CodeUnits",
        invocations: [Invocation {
            execution_successful: true,
            tool_execution_notifications: notifications,
        }],
        original_uri_base_ids: OneEntry {
            key: SRCROOT,
            value: ArtifactLocation {
                description: Some(Message::text(SRCROOT_DESCRIPTION)),
                uri: None,
                uri_base_id: None,
            },
        },
        properties: RunProperties {
            summary: counts(&report.summary),
        },
        results: Results(report),
        tool: Tool {
            driver: Driver {
                information_uri: REPOSITORY,
                name: "mlem-registry",
                rules: rules::ALL.iter().map(|rule| descriptor(rule)).collect(),
                semantic_version: env!("CARGO_PKG_VERSION"),
                version: env!("CARGO_PKG_VERSION"),
            },
        },
    };
    log::Log {
        schema: SCHEMA,
        runs: [run],
        version: "2.1.0",
    }
}

/// The run's counts as the log writes them. Every field is named, so a new count in
/// [`Summary`] does not compile until it has its place here too.
fn counts(summary: &Summary) -> Counts {
    let Summary {
        files,
        links,
        unverified,
        errors,
        warnings,
        notes,
        requests,
    } = *summary;
    Counts {
        errors,
        files,
        links,
        notes,
        requests,
        unverified,
        warnings,
    }
}

/// The `reportingDescriptor` of one rule.
fn descriptor(rule: &Rule) -> ReportingDescriptor {
    let area = rule.id.split('/').next().unwrap_or(rule.id);
    let paragraphs: Vec<String> = rule
        .explain
        .split("\n\n")
        .map(|paragraph| paragraph.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    let help_uri = help_uri(rule);
    let markdown = format!(
        "**{}**\n\n{}\n\n`mlem-registry check --explain {}` prints this text; \
         [docs/rules.md]({help_uri}) has it too.",
        rule.summary,
        paragraphs.join("\n\n"),
        rule.id
    );
    ReportingDescriptor {
        default_configuration: ReportingConfiguration {
            level: level(rule.severity),
        },
        full_description: Message::text(paragraphs.first().cloned().unwrap_or_default()),
        help: Message {
            markdown: Some(markdown),
            text: Cow::Borrowed(rule.explain),
        },
        help_uri,
        id: rule.id,
        name: camel_case(rule.id),
        properties: RuleProperties {
            problem_severity: problem_severity(rule.severity),
            tags: ["mlem", area],
        },
        short_description: Message::text(rule.summary),
    }
}

/// Calls `each` with the `result` of every finding, in the report's order.
fn for_each_result<E>(
    report: &Report,
    mut each: impl FnMut(SarifResult<'_>) -> Result<(), E>,
) -> Result<(), E> {
    let mut occurrences: HashMap<(&str, &str, &str), usize> = HashMap::new();
    // Each file's lines are indexed once: a file may have 100,000 findings.
    let mut indexed: HashMap<&str, Lines> = HashMap::new();
    for finding in &report.findings {
        if let Some(text) = report.sources.get(&finding.file) {
            indexed
                .entry(finding.file.as_str())
                .or_insert_with(|| Lines::new(text));
        }
    }
    report.findings.iter().try_for_each(|finding| {
        let text = report
            .sources
            .get(&finding.file)
            .zip(indexed.get(finding.file.as_str()))
            .map(|(text, lines)| (text.as_str(), lines));
        let line = text
            .and_then(|text| line_of(text, finding.span.start.line))
            .unwrap_or("")
            .trim();
        let seen = occurrences
            .entry((finding.rule, &finding.file, line))
            .or_default();
        let hash = fingerprint(finding.rule, &finding.file, line, *seen);
        *seen += 1;
        each(result(finding, text, hash))
    })
}

/// A file's text and its line index, when the report has the text.
type Text<'a> = Option<(&'a str, &'a Lines)>;

/// The `result` for `finding` in a file whose text is `text` (when known).
fn result<'a>(finding: &'a Finding, text: Text<'_>, fingerprint: String) -> SarifResult<'a> {
    let message = match &finding.help {
        Some(help) => Cow::Owned(format!("{}\n\nhelp: {help}", finding.message)),
        None => Cow::Borrowed(finding.message.as_str()),
    };
    let file = ArtifactLocation {
        description: None,
        uri: Some(uri_reference(&finding.file)),
        uri_base_id: Some(SRCROOT),
    };
    let fixes = finding.fix.as_ref().map(|fix| {
        [Fix {
            artifact_changes: [ArtifactChange {
                artifact_location: file.clone(),
                replacements: fix
                    .edits
                    .iter()
                    .map(|edit| Replacement {
                        deleted_region: region(text, edit.span),
                        inserted_content: ArtifactContent { text: &edit.text },
                    })
                    .collect(),
            }],
            description: Message::text(fix.description.as_str()),
        }]
    });
    SarifResult {
        fixes,
        level: level(finding.severity),
        locations: [Location {
            physical_location: PhysicalLocation {
                artifact_location: file,
                region: region(text, finding.span),
            },
        }],
        message: Message {
            markdown: None,
            text: message,
        },
        partial_fingerprints: OneEntry {
            key: FINGERPRINT_KEY,
            value: fingerprint,
        },
        rule_id: finding.rule,
        rule_index: rules::ALL.iter().position(|rule| rule.id == finding.rule),
    }
}

/// A region in SARIF's terms: 1-based lines, UTF-16 columns, end exclusive.
fn region(text: Text<'_>, span: crate::finding::Span) -> Region {
    Region {
        end_column: utf16_column(text, span.end),
        end_line: span.end.line,
        start_column: utf16_column(text, span.start),
        start_line: span.start.line,
    }
}

/// SARIF's `level` for a severity: the names are the same.
fn level(severity: Severity) -> &'static str {
    severity.as_str()
}

/// GitHub's `problem.severity` rule property, which shows on alerts that are not security ones.
fn problem_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "recommendation",
    }
}

/// `link/path-not-found` → `LinkPathNotFound`: the rule's `name`.
fn camel_case(id: &str) -> String {
    id.split(|c: char| !c.is_ascii_alphanumeric())
        .flat_map(|word| {
            let mut chars = word.chars();
            chars
                .next()
                .map(|first| first.to_ascii_uppercase())
                .into_iter()
                .chain(chars)
        })
        .collect()
}

/// Line `number` (1-based) of `text`, with its `\r` if it has one.
fn line_of<'a>((text, lines): (&'a str, &Lines), number: usize) -> Option<&'a str> {
    lines.line(text, number)
}

/// The 1-based UTF-16 column of `position`, whose column counts characters. Without the text
/// (or past its end) each character counts as one unit, which is exact for the whole BMP.
fn utf16_column(text: Text<'_>, position: Position) -> usize {
    let mut chars = text
        .and_then(|text| line_of(text, position.line))
        .unwrap_or("")
        .chars();
    1 + (1..position.column)
        .map(|_| chars.next().map_or(1, char::len_utf16))
        .sum::<usize>()
}

/// What a relative reference keeps as it is: the unreserved characters, `/` and the
/// sub-delimiters (and `@`); `:` is not kept, so that no first segment can read as a scheme.
const URI_KEPT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'/')
    .remove(b'!')
    .remove(b'$')
    .remove(b'&')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')')
    .remove(b'*')
    .remove(b'+')
    .remove(b',')
    .remove(b';')
    .remove(b'=')
    .remove(b'@');

/// `path` as an RFC 3986 relative reference: every byte outside [`URI_KEPT`] percent-encoded.
fn uri_reference(path: &str) -> String {
    utf8_percent_encode(path, URI_KEPT).to_string()
}

/// The fingerprint of a finding: FNV-1a 64 over its rule, file, the trimmed text of its first
/// line and how many findings with those same three came before it, as 16 hex digits.
fn fingerprint(rule: &str, file: &str, line: &str, occurrence: usize) -> String {
    let occurrence = occurrence.to_string();
    // A 0xff byte never occurs in UTF-8, so it separates the fields unambiguously.
    let bytes = [rule, file, line, &occurrence]
        .into_iter()
        .flat_map(|field| field.bytes().chain([0xff]));
    format!("{:016x}", fnv1a(bytes))
}

/// The 64-bit FNV-1a hash: tiny, and unlike std's `DefaultHasher` the same on every release.
fn fnv1a(bytes: impl IntoIterator<Item = u8>) -> u64 {
    bytes.into_iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Span;
    use crate::registry::memory::MemoryTree;
    use serde_json::{Value, json};

    /// A registry with a syntax error, a link to nothing, a file with a space in its name and
    /// findings after an astral character (two UTF-16 units) on their line.
    const FILES: &[(&str, &str)] = &[
        ("broken.mlem", "object_type: link\npath: [unclosed\n"),
        (
            "links/rf.mlem",
            "object_type: link\nlink_type: model\npath: models/gbt\n",
        ),
        (
            "my links/gbt v2.mlem",
            "object_type: link\nlink_type: model\npath: models/gone\n",
        ),
        (
            "emoji.mlem",
            "{object_type: link, note: \"é😀\", link_type: model, path: models/x}\n",
        ),
    ];

    fn render_report(report: &Report) -> Value {
        let mut out = Vec::new();
        // Not `Sarif.write`: the category must not depend on the environment the tests run in.
        write_log(report, None, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.ends_with("}\n"),
            "pretty-printed with a trailing newline"
        );
        serde_json::from_str(&text).unwrap()
    }

    fn render(files: &[(&str, &str)]) -> Value {
        let tree = MemoryTree::new(files.iter().map(|(p, c)| (*p, c.as_bytes().to_vec())));
        let report = crate::check::check_snapshot(&tree, &crate::check::Options::default())
            .expect("an in-memory registry can always be listed");
        render_report(&report)
    }

    fn results(log: &Value) -> &[Value] {
        log["runs"][0]["results"].as_array().unwrap()
    }

    fn find<'a>(log: &'a Value, rule: &str, uri: &str) -> &'a Value {
        fn location(r: &Value) -> &Value {
            &r["locations"][0]["physicalLocation"]["artifactLocation"]
        }
        results(log)
            .iter()
            .find(|r| r["ruleId"] == rule && location(r)["uri"] == uri)
            .unwrap_or_else(|| panic!("no {rule} result in {uri}"))
    }

    /// Errors from the SARIF schema, read as the draft-04 it declares and again as draft-07,
    /// whose `uri-reference` format (unknown to draft 4) checks every `artifactLocation.uri`.
    fn region(result: &Value) -> &Value {
        &result["locations"][0]["physicalLocation"]["region"]
    }

    fn schema_errors(log: &Value) -> Vec<String> {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/schemastore/sarif-schema-2.1.0.json"
        );
        let schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let mut errors = Vec::new();
        for draft in [jsonschema::Draft::Draft4, jsonschema::Draft::Draft7] {
            let validator = jsonschema::options()
                .with_draft(draft)
                .should_validate_formats(true)
                .build(&schema)
                .expect("the SARIF schema compiles without network access");
            errors.extend(
                validator
                    .iter_errors(log)
                    .map(|error| format!("{draft:?} {}: {error}", error.instance_path())),
            );
        }
        errors
    }

    #[test]
    fn the_log_is_valid_sarif() {
        let log = render(FILES);
        assert_eq!(results(&log).len(), 5);
        let errors = schema_errors(&log);
        assert!(errors.is_empty(), "{}", errors.join("\n"));
        // The check has teeth: an unencoded space is not a URI reference.
        let mut bad = log.clone();
        let location = &mut bad["runs"][0]["results"][0]["locations"][0]["physicalLocation"];
        location["artifactLocation"]["uri"] = "my links/x.mlem".into();
        assert!(!schema_errors(&bad).is_empty());
    }

    #[test]
    fn fixes_replace_the_exact_region() {
        let text =
            "object_type: link\nlink_type: model\npath: rf\nproject: https://github.com/org/m\n";
        let resolved =
            crate::rules::testing::found_with(vec![crate::resolve::Advisory::Unpinned {
                rev: None,
                branch: "main".into(),
                commit: "0123456789abcdef0123456789abcdef01234567".into(),
            }]);
        let findings =
            crate::rules::testing::remote_findings("project: https://github.com/org/m\n", resolved);
        let mut report = Report {
            findings,
            ..Report::default()
        };
        report.sources.insert("a.mlem".into(), text.into());
        let log = render_report(&report);
        let errors = schema_errors(&log);
        assert!(errors.is_empty(), "{}", errors.join("\n"));
        let change = &results(&log)[0]["fixes"][0]["artifactChanges"][0];
        assert_eq!(change["artifactLocation"]["uri"], "a.mlem");
        let replacement = &change["replacements"][0];
        assert_eq!(
            replacement["deletedRegion"],
            json!({"startLine": 4, "startColumn": 34, "endLine": 4, "endColumn": 34})
        );
        assert_eq!(
            replacement["insertedContent"]["text"],
            "\nrev: 0123456789abcdef0123456789abcdef01234567"
        );
    }

    #[test]
    fn snapshot() {
        // The version is redacted, in the driver and in every rule's documentation URL.
        let text = render(FILES).to_string().replace(
            &format!("/blob/v{}/", env!("CARGO_PKG_VERSION")),
            "/blob/v[version]/",
        );
        let mut log: Value = serde_json::from_str(&text).unwrap();
        let driver = &mut log["runs"][0]["tool"]["driver"];
        driver["version"] = "[version]".into();
        driver["semanticVersion"] = "[version]".into();
        // Rule texts live in src/rules; keep one in full, the others' long texts redacted.
        for rule in driver["rules"].as_array_mut().unwrap().iter_mut().skip(1) {
            rule["fullDescription"]["text"] = "[first paragraph of rule.explain]".into();
            rule["help"] = json!({ "text": "[rule.explain]", "markdown": "[rule.explain]" });
        }
        insta::assert_json_snapshot!(log);
    }

    #[test]
    fn every_rule_is_described_and_results_point_at_theirs() {
        let log = render(FILES);
        let described = log["runs"][0]["tool"]["driver"]["rules"]
            .as_array()
            .unwrap();
        let ids: Vec<&str> = described
            .iter()
            .map(|r| r["id"].as_str().unwrap())
            .collect();
        let all: Vec<&str> = rules::ALL.iter().map(|r| r.id).collect();
        assert_eq!(ids, all);
        assert_eq!(described[9]["name"], "LinkPathNotFound");
        assert_eq!(described[9]["defaultConfiguration"]["level"], "error");
        for result in results(&log) {
            let index = result["ruleIndex"].as_u64().unwrap() as usize;
            assert_eq!(described[index]["id"], result["ruleId"]);
        }
    }

    /// docs/rules.md, whose sections the rules' `helpUri`s point at.
    fn rules_doc() -> String {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/rules.md");
        std::fs::read_to_string(path).unwrap()
    }

    #[test]
    fn every_rule_links_to_its_section_of_the_docs_at_this_version() {
        let log = render(FILES);
        let driver = &log["runs"][0]["tool"]["driver"];
        assert_eq!(driver["informationUri"], REPOSITORY);
        let doc = rules_doc();
        for (rule, described) in rules::ALL.iter().zip(driver["rules"].as_array().unwrap()) {
            let uri = described["helpUri"].as_str().unwrap();
            let (base, anchor) = uri.split_once('#').unwrap();
            assert_eq!(
                base,
                format!(
                    "https://github.com/mlem-registry/mlem-registry/blob/v{}/docs/rules.md",
                    env!("CARGO_PKG_VERSION")
                )
            );
            assert_eq!(anchor, rule.anchor());
            // The section: its explicit anchor, then a heading that is the rule's id.
            let section = format!("<a id=\"{anchor}\"></a>\n\n## `{}`\n", rule.id);
            assert!(doc.contains(&section), "docs/rules.md lacks {section:?}");
            // GitHub shows `help.markdown` (not `helpUri`), so the link is there too.
            let markdown = described["help"]["markdown"].as_str().unwrap();
            assert!(markdown.ends_with(&format!("[docs/rules.md]({uri}) has it too.")));
        }
    }

    #[test]
    fn the_run_names_its_code_scanning_category() {
        let log = render(FILES);
        assert_eq!(
            log["runs"][0]["automationDetails"],
            json!({ "id": "mlem-registry/" })
        );
        assert_eq!(automation_id(None), "mlem-registry/");
        assert_eq!(automation_id(Some(" ")), "mlem-registry/");
        assert_eq!(automation_id(Some("registry/prod")), "registry/prod/");
        assert_eq!(automation_id(Some("registry/prod/")), "registry/prod/");
        let mut out = Vec::new();
        write_log(&Report::default(), Some("staging"), &mut out).unwrap();
        let log: Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(log["runs"][0]["automationDetails"]["id"], "staging/");
        assert!(schema_errors(&log).is_empty());
    }

    #[test]
    fn columns_count_utf16_units_and_uris_are_encoded() {
        let log = render(FILES);
        // `models/x` starts at character 57, after "é😀": the emoji is two UTF-16 units.
        let emoji = region(find(&log, "link/path-not-found", "emoji.mlem"));
        assert_eq!(
            (emoji["startColumn"].as_u64(), emoji["endColumn"].as_u64()),
            (Some(58), Some(66))
        );
        let plain = region(find(&log, "link/path-not-found", "links/rf.mlem"));
        assert_eq!(plain["startColumn"], 7);
        let spaced = find(&log, "link/path-not-found", "my%20links/gbt%20v2.mlem");
        assert_eq!(spaced["level"], "error");
        assert_eq!(uri_reference("a:b/ü #%.mlem"), "a%3Ab/%C3%BC%20%23%25.mlem");
    }

    #[test]
    fn messages_carry_their_help() {
        let log = render(FILES);
        let text = find(&log, "schema/unknown-field", "emoji.mlem")["message"]["text"]
            .as_str()
            .unwrap();
        assert!(text.starts_with("unknown field `note`"), "{text}");
        assert!(text.contains("\n\nhelp: link fields are"), "{text}");
    }

    fn fingerprint_of(result: &Value) -> &str {
        result["partialFingerprints"][FINGERPRINT_KEY]
            .as_str()
            .unwrap()
    }

    #[test]
    fn fingerprints_survive_lines_inserted_above() {
        let before = render(FILES);
        let shifted: Vec<(&str, String)> = FILES
            .iter()
            .map(|(path, text)| (*path, format!("# moved down a line\n{text}")))
            .collect();
        let shifted: Vec<(&str, &str)> = shifted.iter().map(|(p, t)| (*p, t.as_str())).collect();
        let after = render(&shifted);
        let line = |r: &Value| region(r)["startLine"].as_u64();
        assert_eq!(results(&before).len(), results(&after).len());
        for (old, new) in results(&before).iter().zip(results(&after)) {
            assert_eq!(old["ruleId"], new["ruleId"]);
            assert_eq!(line(new), line(old).map(|l| l + 1));
            assert_eq!(fingerprint_of(old), fingerprint_of(new));
        }
    }

    #[test]
    fn fingerprints_tell_findings_apart() {
        let log = render(FILES);
        let mut prints: Vec<&str> = results(&log).iter().map(fingerprint_of).collect();
        prints.sort();
        prints.dedup();
        assert_eq!(prints.len(), results(&log).len());
        // The same rule on two identical lines of one file: told apart by their order.
        let text = "a: 1\na: 1\n";
        let rule = rules::find("schema/invalid").unwrap();
        let report = Report {
            findings: vec![
                rule.finding("x.mlem", Span::from_bytes(text, 0, 1), "one"),
                rule.finding("x.mlem", Span::from_bytes(text, 5, 6), "two"),
            ],
            sources: [("x.mlem".to_owned(), text.to_owned())].into(),
            ..Report::default()
        };
        let log = render_report(&report);
        let [first, second] = results(&log) else {
            panic!("two results")
        };
        assert_ne!(fingerprint_of(first), fingerprint_of(second));
    }

    #[test]
    fn helpers() {
        assert_eq!(camel_case("yaml/duplicate-key"), "YamlDuplicateKey");
        assert_eq!(fnv1a(*b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(*b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a(*b"foobar"), 0x8594_4171_f739_67e8);
        // Without the file's text, each character counts as one unit.
        assert_eq!(utf16_column(None, Position { line: 2, column: 5 }), 5);
        assert_eq!(
            utf16_column(
                Some(("😀x", &Lines::new("😀x"))),
                Position { line: 1, column: 2 }
            ),
            3
        );
    }
}
