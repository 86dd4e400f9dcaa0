//! `--format human`: rustc-style diagnostics, the offending key or value underlined in its line.

use std::io::Write;

use annotate_snippets::{AnnotationKind, Group, Level, Origin, Renderer, Snippet};

use super::guard::one_line;
use super::{Report, Reporter};
use crate::finding::{Finding, Severity};

/// Renders findings for a person at a terminal.
pub struct Human {
    /// Use ANSI colours.
    pub color: bool,
}

impl Reporter for Human {
    fn write(&self, report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
        let renderer = if self.color {
            Renderer::styled()
        } else {
            Renderer::plain()
        };
        for notice in &report.notices {
            let group = Group::with_title(Level::NOTE.primary_title(one_line(notice)));
            writeln!(out, "{}\n", renderer.render(&[group]))?;
        }
        for finding in &report.findings {
            let text = report.sources.get(&finding.file).map_or("", String::as_str);
            writeln!(out, "{}\n", renderer.render(&[group(finding, text)]))?;
        }
        writeln!(out, "{}", report.summary.line())
    }
}

fn level(severity: Severity) -> Level<'static> {
    match severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
        Severity::Note => Level::NOTE,
    }
}

/// One finding as a snippet of the lines it spans, so large files render as fast as small ones.
fn group<'a>(finding: &'a Finding, text: &'a str) -> Group<'a> {
    // File names and the YAML values in messages may hold newlines: each stays on its line.
    let file = one_line(&finding.file);
    let title = level(finding.severity)
        .primary_title(one_line(&finding.message))
        .id(finding.rule);
    let span = finding.span;
    let mut group = if text.is_empty() || span.end_byte > text.len() {
        title.element(
            Origin::path(file)
                .line(span.start.line)
                .char_column(span.start.column),
        )
    } else {
        let first = text[..span.start_byte].rfind('\n').map_or(0, |i| i + 1);
        let last = text[span.end_byte..]
            .find('\n')
            .map_or(text.len(), |i| span.end_byte + i);
        title.element(
            Snippet::source(&text[first..last])
                .line_start(span.start.line)
                .path(file)
                .annotation(
                    AnnotationKind::Primary.span(span.start_byte - first..span.end_byte - first),
                ),
        )
    };
    if let Some(help) = &finding.help {
        group = group.element(Level::HELP.message(one_line(help)));
    }
    group
}
