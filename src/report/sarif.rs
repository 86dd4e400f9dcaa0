//! `--format sarif`: one SARIF 2.1.0 log for GitHub code scanning and other SARIF viewers; what
//! it holds is described in `docs/sarif-output.md`.
//!
//! Columns are UTF-16 code units, SARIF's default (`run.columnKind` says so explicitly): findings
//! count characters, so each column is converted using the file's text in [`Report::sources`].
//! Every result carries a `partialFingerprints` entry under [`FINGERPRINT_KEY`] that does not
//! depend on line numbers, so alerts keep their identity when lines are added above them.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::Write;

use serde_json::{Map, Value, json};

use super::{Report, Reporter};
use crate::finding::{Finding, Position, Severity};
use crate::rules::{self, Rule};

/// The `$schema` the log declares.
pub const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// The `partialFingerprints` key; its version goes up if the hashed fields ever change.
pub const FINGERPRINT_KEY: &str = "mlemRegistry/v1";

/// The base every `artifactLocation.uri` is relative to: the repository root.
const SRCROOT: &str = "%SRCROOT%";

/// Writes the report as one SARIF 2.1.0 log with a single run.
pub struct Sarif;

impl Reporter for Sarif {
    fn write(&self, report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
        serde_json::to_writer_pretty(&mut *out, &log(report))?;
        writeln!(out)
    }
}

/// The whole SARIF log for `report`.
fn log(report: &Report) -> Value {
    let notifications: Vec<Value> = report
        .notices
        .iter()
        .map(|notice| json!({ "level": "note", "message": { "text": notice } }))
        .collect();
    json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "mlem-registry",
                    "informationUri": "https://github.com/mlem-registry/mlem-registry",
                    "version": env!("CARGO_PKG_VERSION"),
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "rules": rules::ALL.iter().map(|rule| descriptor(rule)).collect::<Vec<_>>(),
                }
            },
            "invocations": [{
                "executionSuccessful": true,
                "toolExecutionNotifications": notifications,
            }],
            "originalUriBaseIds": {
                SRCROOT: {
                    "description": {
                        "text": "The root of the registry's git repository: file paths are relative to it."
                    }
                }
            },
            "columnKind": "utf16CodeUnits",
            "results": results(report),
            "properties": { "summary": report.summary },
        }],
    })
}

/// The `reportingDescriptor` of one rule.
fn descriptor(rule: &Rule) -> Value {
    let area = rule.id.split('/').next().unwrap_or(rule.id);
    let paragraphs: Vec<String> = rule
        .explain
        .split("\n\n")
        .map(|paragraph| paragraph.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    let markdown = format!(
        "**{}**\n\n{}\n\n`mlem-registry check --explain {}` prints this text.",
        rule.summary,
        paragraphs.join("\n\n"),
        rule.id
    );
    json!({
        "id": rule.id,
        "name": camel_case(rule.id),
        "shortDescription": { "text": rule.summary },
        "fullDescription": { "text": paragraphs[0] },
        "help": { "text": rule.explain, "markdown": markdown },
        "defaultConfiguration": { "level": level(rule.severity) },
        "properties": {
            "tags": ["mlem", area],
            "problem.severity": problem_severity(rule.severity),
        },
    })
}

/// One `result` per finding, in the report's order.
fn results(report: &Report) -> Vec<Value> {
    let mut occurrences: HashMap<(&str, &str, &str), usize> = HashMap::new();
    report
        .findings
        .iter()
        .map(|finding| {
            let text = report.sources.get(&finding.file).map(String::as_str);
            let line = text
                .and_then(|text| line_of(text, finding.span.start.line))
                .unwrap_or("")
                .trim();
            let seen = occurrences
                .entry((finding.rule, &finding.file, line))
                .or_default();
            let hash = fingerprint(finding.rule, &finding.file, line, *seen);
            *seen += 1;
            result(finding, text, &hash)
        })
        .collect()
}

/// The `result` for `finding` in a file whose text is `text` (when known).
fn result(finding: &Finding, text: Option<&str>, fingerprint: &str) -> Value {
    let message = match &finding.help {
        Some(help) => format!("{}\n\nhelp: {help}", finding.message),
        None => finding.message.clone(),
    };
    let span = finding.span;
    let mut result = Map::new();
    result.insert("ruleId".into(), finding.rule.into());
    if let Some(index) = rules::ALL.iter().position(|rule| rule.id == finding.rule) {
        result.insert("ruleIndex".into(), index.into());
    }
    result.insert("level".into(), level(finding.severity).into());
    result.insert("message".into(), json!({ "text": message }));
    result.insert(
        "locations".into(),
        json!([{
            "physicalLocation": {
                "artifactLocation": { "uri": uri_reference(&finding.file), "uriBaseId": SRCROOT },
                "region": {
                    "startLine": span.start.line,
                    "startColumn": utf16_column(text, span.start),
                    "endLine": span.end.line,
                    "endColumn": utf16_column(text, span.end),
                },
            },
        }]),
    );
    result.insert(
        "partialFingerprints".into(),
        json!({ FINGERPRINT_KEY: fingerprint }),
    );
    Value::Object(result)
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
fn line_of(text: &str, number: usize) -> Option<&str> {
    text.split('\n').nth(number.checked_sub(1)?)
}

/// The 1-based UTF-16 column of `position`, whose column counts characters. Without the text
/// (or past its end) each character counts as one unit, which is exact for the whole BMP.
fn utf16_column(text: Option<&str>, position: Position) -> usize {
    let mut chars = text
        .and_then(|text| line_of(text, position.line))
        .unwrap_or("")
        .chars();
    1 + (1..position.column)
        .map(|_| chars.next().map_or(1, char::len_utf16))
        .sum::<usize>()
}

/// `path` as an RFC 3986 relative reference: every byte outside the unreserved characters,
/// `/` and the sub-delimiters (and `@`) is percent-encoded, `:` too so that no first segment
/// can read as a scheme.
fn uri_reference(path: &str) -> String {
    let mut uri = String::with_capacity(path.len());
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=@".contains(&byte) {
            uri.push(char::from(byte));
        } else {
            write!(uri, "%{byte:02X}").expect("writing to a String cannot fail");
        }
    }
    uri
}

/// The fingerprint of a finding: FNV-1a 64 over its rule, file, the trimmed text of its first
/// line and how many findings with those same three came before it, as 16 hex digits.
fn fingerprint(rule: &str, file: &str, line: &str, occurrence: usize) -> String {
    let occurrence = occurrence.to_string();
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for field in [rule, file, line, &occurrence] {
        // A 0xff byte never occurs in UTF-8, so it separates the fields unambiguously.
        for &byte in field.as_bytes().iter().chain(&[0xff]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    format!("{hash:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::memory::MemoryTree;

    /// A registry with a syntax error, a link to nothing, a file with a space in its name and a
    /// finding after an astral character (two UTF-16 units) on its line.
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

    fn render(files: &[(&str, &str)]) -> Value {
        let tree = MemoryTree::new(files.iter().map(|(p, c)| (*p, c.as_bytes().to_vec())));
        let report = crate::check::check_snapshot(&tree, &crate::check::Options::default())
            .expect("an in-memory registry can always be listed");
        let mut out = Vec::new();
        Sarif.write(&report, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.ends_with("}\n"));
        serde_json::from_str(&text).unwrap()
    }

    fn results(log: &Value) -> &Vec<Value> {
        log["runs"][0]["results"].as_array().unwrap()
    }

    #[test]
    fn debug_print() {
        let log = render(FILES);
        println!("{}", serde_json::to_string_pretty(&log["runs"][0]["results"]).unwrap());
    }
}
