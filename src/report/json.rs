//! `--format json`: a versioned document for tools; its fields are described in
//! `docs/json-output.md` and only ever added to within a version.

use std::io::Write;

use serde::Serialize;

use super::{Report, Reporter, Summary};
use crate::finding::Severity;

/// The version of the JSON document; bumped only when a field changes meaning or goes away.
pub const VERSION: u32 = 1;

/// Writes `value` as pretty JSON that no runner takes for a workflow command, so that the
/// log's guard ([`super::guard`]) has nothing to rewrite and the JSON stays valid: JSON never
/// starts a line with `::`, and a `[` after `##` inside a string is written `\u005b`, the same
/// string to every JSON reader.
pub fn write_pretty(out: &mut dyn Write, value: &impl Serialize) -> std::io::Result<()> {
    let mut serializer = serde_json::Serializer::with_formatter(
        &mut *out,
        NoCommands(serde_json::ser::PrettyFormatter::new()),
    );
    value
        .serialize(&mut serializer)
        .map_err(std::io::Error::other)
}

/// serde_json's pretty formatter, with `##[` inside strings written `##\u005b`.
struct NoCommands<'a>(serde_json::ser::PrettyFormatter<'a>);

impl serde_json::ser::Formatter for NoCommands<'_> {
    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        let mut rest = fragment;
        while let Some(at) = rest.find("##[") {
            writer.write_all(&rest.as_bytes()[..at + 2])?;
            writer.write_all(b"\\u005b")?;
            rest = &rest[at + 3..];
        }
        writer.write_all(rest.as_bytes())
    }

    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_array(w)
    }
    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_array(w)
    }
    fn begin_array_value<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.0.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_array_value(w)
    }
    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_object(w)
    }
    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object(w)
    }
    fn begin_object_key<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.0.begin_object_key(w, first)
    }
    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_object_value(w)
    }
    fn end_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object_value(w)
    }
}

/// Writes the report as one JSON document.
pub struct Json;

#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    findings: Findings<'a>,
    summary: Summary,
    notices: &'a [String],
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    rule: &'a str,
    severity: Severity,
    file: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    message: &'a str,
    help: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    fix: Option<JsonFix<'a>>,
}

/// A fix: its description and its edits, positioned like findings (end exclusive).
#[derive(Serialize)]
struct JsonFix<'a> {
    description: &'a str,
    edits: Vec<JsonEdit<'a>>,
}

#[derive(Serialize)]
struct JsonEdit<'a> {
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    text: &'a str,
}

/// The findings, each turned into its JSON shape as it is written: nothing is built whole.
struct Findings<'a>(&'a [crate::finding::Finding]);

impl Serialize for Findings<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(JsonFinding::from))
    }
}

impl<'a> From<&'a crate::finding::Finding> for JsonFinding<'a> {
    fn from(f: &'a crate::finding::Finding) -> JsonFinding<'a> {
        JsonFinding {
            rule: f.rule,
            severity: f.severity,
            file: &f.file,
            line: f.span.start.line,
            column: f.span.start.column,
            end_line: f.span.end.line,
            end_column: f.span.end.column,
            message: &f.message,
            help: f.help.as_deref(),
            fix: f.fix.as_ref().map(|fix| JsonFix {
                description: &fix.description,
                edits: fix
                    .edits
                    .iter()
                    .map(|e| JsonEdit {
                        line: e.span.start.line,
                        column: e.span.start.column,
                        end_line: e.span.end.line,
                        end_column: e.span.end.column,
                        text: &e.text,
                    })
                    .collect(),
            }),
        }
    }
}

impl Reporter for Json {
    fn write(&self, report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
        let document = Document {
            version: VERSION,
            findings: Findings(&report.findings),
            summary: report.summary,
            notices: &report.notices,
        };
        write_pretty(out, &document)?;
        writeln!(out)
    }
}

#[cfg(test)]
mod write_pretty_tests {
    #[test]
    fn a_legacy_command_in_a_string_is_escaped_and_reads_back_the_same() {
        let value = serde_json::json!({"file": "a##[b##[c.mlem", "list": ["##[", "x"]});
        let mut out = Vec::new();
        super::write_pretty(&mut out, &value).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(!text.contains("##["), "{text}");
        assert!(
            text.lines()
                .all(|line| !crate::report::guard::is_command(line)),
            "{text}"
        );
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, value);
        // Pretty, as before.
        assert!(text.starts_with("{\n  \"file\""), "{text}");
    }
}
