//! `--format summary`: Markdown for a GitHub job summary (or a pull-request comment): the counts,
//! what the change promotes (for a change), every finding, and a table of every link with where
//! it resolved.

use std::io::Write;

use super::{LinkStatus, Report, Reporter};
use crate::finding::Severity;

/// Writes the Markdown summary (the job summary, the check run's summary).
pub struct Markdown;

/// Rows of the link table at most: GitHub cuts a job summary at 1 MiB.
const MAX_LINK_ROWS: usize = 1000;
/// Rows of the findings table at most, for the same reason.
const MAX_FINDING_ROWS: usize = 1000;

impl Reporter for Markdown {
    fn write(&self, report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
        use crate::words::count;
        let s = &report.summary;
        let verdict = match (s.errors, s.warnings, s.unverified) {
            (0, 0, 0) => "✅ all links resolve".to_owned(),
            (0, _, 0) => format!("⚠️ {}", count(s.warnings, "warning")),
            (0, _, unverified) => format!(
                "⏸️ nothing found broken, but {} could not be verified (network, rate limit): a re-run may pass",
                count(unverified, "link")
            ),
            (errors, _, _) => format!(
                "❌ {}, {}",
                count(errors, "error"),
                count(s.warnings, "warning")
            ),
        };
        writeln!(out, "## mlem-registry: {verdict}\n")?;
        writeln!(out, "{}\n", report.summary.line())?;
        for notice in &report.notices {
            writeln!(out, "> {}\n", cell(notice))?;
        }
        // A reviewer first sees what the change promotes, then what is wrong with it.
        if let Some(preface) = &report.preface {
            out.write_all(preface.as_bytes())?;
        }
        if !report.findings.is_empty() {
            writeln!(out, "### Findings\n")?;
            writeln!(out, "| | file | line | rule | message |")?;
            writeln!(out, "|---|---|---|---|---|")?;
            for f in report.findings.iter().take(MAX_FINDING_ROWS) {
                writeln!(
                    out,
                    "| {} | {} | {} | `{}` | {} |",
                    icon(f.severity),
                    code(&f.file),
                    f.span.start.line,
                    f.rule,
                    cell(&f.message)
                )?;
            }
            more(out, report.findings.len(), MAX_FINDING_ROWS, "findings")?;
            writeln!(out)?;
        }
        if !report.links.is_empty() {
            writeln!(out, "### Links\n")?;
            writeln!(out, "| file | target | rev | resolved | status |")?;
            writeln!(out, "|---|---|---|---|---|")?;
            for link in report.links.iter().take(MAX_LINK_ROWS) {
                let target = match &link.repo {
                    Some(repo) => format!("{} {}", cell(repo), code(&link.path)),
                    None => format!("{} (this registry)", code(&link.path)),
                };
                let rev = link.rev.as_deref().map_or("—".into(), code);
                let resolved = link
                    .commit
                    .as_deref()
                    .map_or("—".into(), |c| format!("`{}`", &c[..c.len().min(12)]));
                let status = match &link.status {
                    LinkStatus::Ok => "✅ ok".to_owned(),
                    LinkStatus::Unverified => "❔ not verified".to_owned(),
                    LinkStatus::Finding(rule, severity) => format!("{} `{rule}`", icon(*severity)),
                };
                writeln!(
                    out,
                    "| {}:{} | {target} | {rev} | {resolved} | {status} |",
                    code(&link.file),
                    link.line
                )?;
            }
            more(out, report.links.len(), MAX_LINK_ROWS, "links")?;
        }
        Ok(())
    }
}

fn more(out: &mut dyn Write, total: usize, shown: usize, what: &str) -> std::io::Result<()> {
    if total > shown {
        writeln!(out, "\n… and {} more {what} (see the log).", total - shown)?;
    }
    Ok(())
}

fn icon(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "❌",
        Severity::Warning => "⚠️",
        Severity::Note => "ℹ️",
    }
}

/// Text safe inside a Markdown table cell: no pipes, no line breaks.
///
/// A file name or YAML value in it is hostile text: it must not close a code span and add a
/// link, an image or HTML to the summary. Between pairs of backticks it stays code (literal);
/// everywhere else the characters that make emphasis, links, images, HTML, entities and
/// autolinks are backslash-escaped.
pub(crate) fn cell(text: &str) -> String {
    let mut text = text.replace(['\n', '\r'], " ");
    // A run of backticks is one delimiter in Markdown: only single ones may pair up.
    while text.contains("``") {
        text = text.replace("``", "''");
    }
    let ticks = text.matches('`').count();
    let text = if ticks % 2 == 1 {
        text.replace('`', "'")
    } else {
        text
    };
    let mut out = String::with_capacity(text.len() + 8);
    for (i, part) in text.split('`').enumerate() {
        if i % 2 == 1 {
            // Code: literal, but a table still splits it at `|`.
            out.push('`');
            out.push_str(&part.replace('|', "\\|"));
            out.push('`');
        } else {
            for c in part.chars() {
                if matches!(
                    c,
                    '\\' | '*' | '_' | '[' | ']' | '<' | '>' | '!' | '&' | '~' | '#' | '|' | ':'
                ) {
                    out.push('\\');
                }
                out.push(c);
            }
        }
    }
    out
}

/// `text` as code inside a table cell.
pub(crate) fn code(text: &str) -> String {
    let text = text.replace(['\n', '\r'], " ").replace('`', "'");
    format!("`{}`", text.replace('|', "\\|"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::memory::MemoryTree;

    #[test]
    fn hostile_text_cannot_add_markup() {
        let shown = cell("`models/x` </td></table><h2>ok</h2> ![i](http://e/p.png) `y");
        // An odd count of backticks: no code span at all, every opener escaped.
        assert!(!shown.contains('`'), "{shown}");
        for markup in ["<", "![", "](", ":/"] {
            let unescaped = shown
                .match_indices(markup)
                .any(|(i, _)| !shown[..i].ends_with('\\') && !markup.starts_with(['(', ':']));
            assert!(!unescaped, "{markup} in {shown}");
        }
        assert_eq!(cell("a `b|c` d_e"), "a `b\\|c` d\\_e");
        // A longer run of backticks would open a span that single ones never close.
        let shown = cell("link target `` ``<h1>x</h1>` not found");
        assert!(!shown.contains("``") && !shown.contains("<h1>"), "{shown}");
        assert_eq!(code("x`y|z"), "`x'y\\|z`");
    }

    #[test]
    fn lists_findings_and_every_link() {
        let tree = MemoryTree::new([
            ("models/rf.mlem", b"object_type: model\n".to_vec()),
            ("good.mlem", b"object_type: link\nlink_type: model\npath: models/rf\n".to_vec()),
            ("bad|name.mlem", b"object_type: link\nlink_type: model\npath: models/gone\n".to_vec()),
            (
                "remote.mlem",
                b"object_type: link\nlink_type: model\npath: m\nproject: https://github.com/o/r\nrev: v1\n".to_vec(),
            ),
        ]);
        let options = crate::check::Options {
            record_links: true,
            ..crate::check::Options::default()
        };
        let report = crate::check::check_snapshot(&tree, &options).unwrap();
        let mut out = Vec::new();
        Markdown.write(&report, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        insta::assert_snapshot!(text);
    }
}
