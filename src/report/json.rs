//! `--format json`: a versioned document for tools; its fields are described in
//! `docs/json-output.md` and only ever added to within a version.

use std::io::Write;

use serde::Serialize;

use super::{Report, Reporter, Summary};
use crate::finding::Severity;

/// The version of the JSON document; bumped only when a field changes meaning or goes away.
pub const VERSION: u32 = 1;

/// Writes the report as one JSON document.
pub struct Json;

#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    findings: Vec<JsonFinding<'a>>,
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

impl Reporter for Json {
    fn write(&self, report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
        let document = Document {
            version: VERSION,
            findings: report
                .findings
                .iter()
                .map(|f| JsonFinding {
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
                })
                .collect(),
            summary: report.summary,
            notices: &report.notices,
        };
        serde_json::to_writer_pretty(&mut *out, &document)?;
        writeln!(out)
    }
}
