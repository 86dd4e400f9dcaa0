//! Report: the result of a check, and one [`Reporter`] per output format.

pub mod human;
pub mod json;

use std::collections::BTreeMap;
use std::io::Write;

use serde::Serialize;

use crate::finding::{Finding, Severity};

/// Everything a check found, ready for any output format.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Every finding, sorted by file, position and rule.
    pub findings: Vec<Finding>,
    /// Text of each file that has findings, for snippets.
    pub sources: BTreeMap<String, String>,
    /// Counts over the whole run.
    pub summary: Summary,
    /// Remarks about the run itself (not about a file), e.g. "not a git repository".
    pub notices: Vec<String>,
}

/// Counts over a whole run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// `*.mlem` files checked.
    pub files: usize,
    /// Links found in them (link files and embedded links).
    pub links: usize,
    /// Links that were not verified (other repositories, offline or unreachable).
    pub unverified: usize,
    /// Findings of severity error.
    pub errors: usize,
    /// Findings of severity warning.
    pub warnings: usize,
    /// Findings of severity note.
    pub notes: usize,
    /// HTTP requests sent to GitHub's API, retries included.
    pub requests: usize,
}

impl Report {
    /// Sorts findings and recounts severities: call once all findings are in.
    pub fn finish(&mut self) {
        self.findings.sort_by(|a, b| {
            (&a.file, a.span.start, a.rule, &a.message).cmp(&(
                &b.file,
                b.span.start,
                b.rule,
                &b.message,
            ))
        });
        let count = |severity| {
            self.findings
                .iter()
                .filter(|f| f.severity == severity)
                .count()
        };
        self.summary.errors = count(Severity::Error);
        self.summary.warnings = count(Severity::Warning);
        self.summary.notes = count(Severity::Note);
    }

    /// The most severe finding's severity, if there is any finding.
    pub fn worst(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).max()
    }
}

/// One output format.
pub trait Reporter {
    /// Writes `report` to `out`.
    fn write(&self, report: &Report, out: &mut dyn Write) -> std::io::Result<()>;
}

/// The output formats, by the names `--format` takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// rustc-style diagnostics with source snippets.
    Human,
    /// A versioned JSON document (see docs/json-output.md).
    Json,
}

impl Format {
    /// The reporter for this format; `color` applies to terminal formats.
    pub fn reporter(self, color: bool) -> Box<dyn Reporter> {
        match self {
            Format::Human => Box::new(human::Human { color }),
            Format::Json => Box::new(json::Json),
        }
    }
}
