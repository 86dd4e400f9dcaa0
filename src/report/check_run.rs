//! `--check-run NAME`: what the check run shows (its title, its summary cut to GitHub's limit,
//! one annotation per finding). `github::check_run` publishes it.

use serde_json::{Value, json};

use super::{Report, Reporter};
use crate::finding::{Finding, Severity};

/// GitHub's limit on a check run's summary.
const MAX_SUMMARY_BYTES: usize = 65_535;

/// The check run's title: the report's one-line summary.
pub fn title(report: &Report) -> String {
    report.summary.line()
}

/// Every finding as an annotation.
pub fn annotations(report: &Report) -> Vec<Value> {
    report.findings.iter().map(annotation).collect()
}

/// The summary, cut to what the Checks API takes.
pub fn markdown(report: &Report) -> String {
    let mut out = Vec::new();
    let _ = super::summary::Markdown.write(report, &mut out);
    let mut text = String::from_utf8_lossy(&out).into_owned();
    if text.len() > MAX_SUMMARY_BYTES {
        let mut cut = MAX_SUMMARY_BYTES - 64;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
        text.push_str("\n\n… (cut: see the job log for the rest)\n");
    }
    text
}

/// One finding as a Checks API annotation (columns only on a one-line span, as the API wants).
pub fn annotation(finding: &Finding) -> Value {
    let (start, end) = (finding.span.start, finding.span.end);
    let mut annotation = json!({
        "path": finding.file,
        "start_line": start.line,
        "end_line": end.line.max(start.line),
        "annotation_level": match finding.severity {
            Severity::Error => "failure",
            Severity::Warning => "warning",
            Severity::Note => "notice",
        },
        "title": finding.rule,
        "message": finding.message,
    });
    if start.line == end.line {
        annotation["start_column"] = json!(start.column);
        annotation["end_column"] = json!(super::github::last_column(finding));
    }
    if let Some(help) = &finding.help {
        annotation["raw_details"] = json!(help);
    }
    annotation
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_summary_is_cut_within_the_limit() {
        let report = Report {
            notices: vec!["é".repeat(40_000)],
            ..Report::default()
        };
        let text = markdown(&report);
        assert!(text.len() <= MAX_SUMMARY_BYTES, "{}", text.len());
    }
}
