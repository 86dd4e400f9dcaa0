//! `--format github`: one GitHub Actions workflow command per finding (`::error file=…::…`), which
//! GitHub shows as an annotation on that line of the pull request.

use std::io::Write;

use super::{Report, Reporter};
use crate::finding::{Finding, Severity};

/// Writes workflow commands.
pub struct Github;

impl Reporter for Github {
    fn write(&self, report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
        for notice in &report.notices {
            writeln!(out, "::notice::{}", escape_data(notice))?;
        }
        for finding in &report.findings {
            writeln!(out, "{}", command(finding))?;
        }
        writeln!(out, "{}", report.summary.line())
    }
}

/// The workflow command name GitHub uses for a severity.
pub fn command_name(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "notice",
    }
}

/// The workflow command for one finding.
pub fn command(finding: &Finding) -> String {
    let (start, end) = (finding.span.start, finding.span.end);
    let mut message = finding.message.clone();
    if let Some(help) = &finding.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    format!(
        "::{} file={},line={},endLine={},col={},endColumn={},title={}::{}",
        command_name(finding.severity),
        escape_property(&finding.file),
        start.line,
        end.line,
        start.column,
        last_column(finding),
        escape_property(finding.rule),
        escape_data(&message)
    )
}

/// The column of the span's last character: GitHub's end columns are inclusive, spans' are not.
pub fn last_column(finding: &Finding) -> usize {
    let (start, end) = (finding.span.start, finding.span.end);
    if start.line == end.line {
        end.column.saturating_sub(1).max(start.column)
    } else {
        end.column
    }
}

/// GitHub's escaping of a command's message: `%`, CR and LF.
pub fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// GitHub's escaping of a command property: the message's, plus `:` and `,`.
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Position, Span};

    #[test]
    fn escapes_as_the_runner_unescapes() {
        assert_eq!(escape_data("50% done\r\nnext"), "50%25 done%0D%0Anext");
        assert_eq!(escape_property("a:b,c%"), "a%3Ab%2Cc%25");
    }

    #[test]
    fn one_command_per_finding_with_its_span() {
        let finding = Finding {
            rule: "link/path-not-found",
            severity: Severity::Error,
            file: "links/a, b.mlem".into(),
            span: Span {
                start_byte: 10,
                end_byte: 20,
                start: Position { line: 3, column: 7 },
                end: Position {
                    line: 3,
                    column: 17,
                },
            },
            message: "link target `m` not found".into(),
            help: Some("fix it: now".into()),
            fix: None,
        };
        assert_eq!(
            command(&finding),
            "::error file=links/a%2C b.mlem,line=3,endLine=3,col=7,endColumn=16,title=link/path-not-found::link target `m` not found%0Ahelp: fix it: now"
        );
    }
}
