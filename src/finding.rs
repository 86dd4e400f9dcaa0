//! Findings: what the checker says about a file, as plain values every reporter consumes.

use serde::Serialize;

/// How serious a finding is; ordered so that `Note < Warning < Error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing, never fails a run by default.
    Note,
    /// Probably wrong, or could not be verified.
    Warning,
    /// The registry is broken here.
    Error,
}

impl Severity {
    /// The lowercase name used on the command line and in every output format.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A 1-based line and column; columns count characters, not bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Position {
    /// 1-based line number.
    pub line: usize,
    /// 1-based column, in Unicode scalar values.
    pub column: usize,
}

/// Where a finding points: a byte range of the file and the positions of its ends.
///
/// `end` is exclusive: it is the position just after the last character, as in SARIF.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Span {
    /// Byte offset of the first character.
    pub start_byte: usize,
    /// Byte offset just past the last character.
    pub end_byte: usize,
    /// Position of the first character.
    pub start: Position,
    /// Position just past the last character.
    pub end: Position,
}

impl Span {
    /// The span of the byte range `start..end` of `text`, with its line and column positions.
    ///
    /// Offsets past the end of `text` or inside a UTF-8 sequence are clamped, never a panic.
    pub fn from_bytes(text: &str, start: usize, end: usize) -> Span {
        let start = floor_char_boundary(text, start.min(text.len()));
        let end = floor_char_boundary(text, end.clamp(start, text.len()));
        Span {
            start_byte: start,
            end_byte: end,
            start: position_at(text, start),
            end: position_at(text, end),
        }
    }

    /// A span for the first line of `text`: where whole-file findings point.
    pub fn first_line(text: &str) -> Span {
        let end = text.find('\n').unwrap_or(text.len());
        let end = if end > 0 && text.as_bytes()[end - 1] == b'\r' {
            end - 1
        } else {
            end
        };
        Span::from_bytes(text, 0, end)
    }

    /// The empty span at the start of a file, for files with no readable text.
    pub fn file_start() -> Span {
        let start = Position { line: 1, column: 1 };
        Span {
            start_byte: 0,
            end_byte: 0,
            start,
            end: start,
        }
    }
}

fn floor_char_boundary(text: &str, mut index: usize) -> usize {
    while index > 0 && !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}

/// Where each line of a text starts, so that many spans in one file cost a binary search each
/// rather than a scan from the top.
#[derive(Debug, Clone)]
pub struct Lines {
    /// Byte offset of each line's first character.
    starts: Vec<usize>,
}

impl Lines {
    /// The line starts of `text`, in one pass.
    pub fn new(text: &str) -> Lines {
        let mut starts = vec![0];
        starts.extend(memchr_newlines(text).map(|i| i + 1));
        Lines { starts }
    }

    /// The span of the byte range `start..end` of `text` (the text these lines were built from):
    /// what [`Span::from_bytes`] gives, in time proportional to the lines it touches.
    pub fn span(&self, text: &str, start: usize, end: usize) -> Span {
        let start = floor_char_boundary(text, start.min(text.len()));
        let end = floor_char_boundary(text, end.clamp(start, text.len()));
        Span {
            start_byte: start,
            end_byte: end,
            start: self.position(text, start),
            end: self.position(text, end),
        }
    }

    /// Line `number` (1-based) of `text`, with its `\r` if it has one, without its `\n`.
    pub fn line<'t>(&self, text: &'t str, number: usize) -> Option<&'t str> {
        let start = *self.starts.get(number.checked_sub(1)?)?;
        let end = self.starts.get(number).map_or(text.len(), |&next| next - 1);
        text.get(start..end)
    }

    fn position(&self, text: &str, offset: usize) -> Position {
        let line = self.starts.partition_point(|&s| s <= offset).max(1);
        let line_start = self.starts[line - 1];
        Position {
            line,
            column: text[line_start..offset].chars().count() + 1,
        }
    }
}

fn memchr_newlines(text: &str) -> impl Iterator<Item = usize> + '_ {
    text.bytes()
        .enumerate()
        .filter_map(|(i, b)| (b == b'\n').then_some(i))
}

/// The 1-based line and character column of byte `offset` in `text`.
pub fn position_at(text: &str, offset: usize) -> Position {
    let before = &text[..offset];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    Position {
        line: before.bytes().filter(|&b| b == b'\n').count() + 1,
        column: before[line_start..].chars().count() + 1,
    }
}

/// One problem found in one registry file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The stable rule id, e.g. `link/path-not-found`.
    pub rule: &'static str,
    /// How serious it is.
    pub severity: Severity,
    /// Path of the file, relative to the repository root, with `/` separators.
    pub file: String,
    /// The offending key or value.
    pub span: Span,
    /// What is wrong, in one sentence.
    pub message: String,
    /// How to fix it, when there is something to say.
    pub help: Option<String>,
    /// An exact edit that fixes it, when one is known (`pin` applies it, SARIF offers it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<Fix>,
}

impl Finding {
    /// The same finding with a help line saying how to fix it.
    pub fn with_help(mut self, help: impl Into<String>) -> Finding {
        self.help = Some(help.into());
        self
    }

    /// The same finding with an edit that fixes it.
    pub fn with_fix(mut self, fix: Option<Fix>) -> Finding {
        self.fix = fix;
        self
    }

    /// The same finding at another severity.
    pub fn with_severity(mut self, severity: Severity) -> Finding {
        self.severity = severity;
        self
    }
}

/// An exact text edit, the data of a fix (`fix` makes and applies them): replace the bytes of
/// `span` with `text` (an empty span inserts).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Edit {
    /// What is replaced.
    pub span: Span,
    /// What takes its place.
    pub text: String,
}

/// A change that resolves a finding: what it does, and its edits to the finding's file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fix {
    /// One line, e.g. "pin `rev` to 1a2b… (branch main today)".
    pub description: String,
    /// Edits to the file, in order, not overlapping.
    pub edits: Vec<Edit>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_lines_and_characters() {
        let text = "a: 1\nbé: x\n";
        assert_eq!(position_at(text, 0), Position { line: 1, column: 1 });
        let x = text.find('x').unwrap();
        assert_eq!(position_at(text, x), Position { line: 2, column: 5 });
    }

    #[test]
    fn indexed_lines_give_the_same_spans_as_a_scan() {
        for text in ["", "a", "a: 1\nbé: x\n", "\n\n", "x\r\nyé\n\nz", "é"] {
            let lines = Lines::new(text);
            for start in 0..=text.len() + 1 {
                for end in [start, start + 1, text.len(), 99] {
                    let number = start + 1;
                    assert_eq!(
                        lines.line(text, number),
                        text.split('\n').nth(start),
                        "{text:?} line {number}"
                    );
                    assert_eq!(
                        lines.span(text, start, end),
                        Span::from_bytes(text, start, end),
                        "{text:?} {start}..{end}"
                    );
                }
            }
        }
    }

    #[test]
    fn spans_clamp_bad_offsets_instead_of_panicking() {
        let text = "é";
        let span = Span::from_bytes(text, 1, 99);
        assert_eq!(span.start_byte, 0);
        assert_eq!(span.end_byte, 2);
    }

    #[test]
    fn first_line_stops_before_crlf() {
        let span = Span::first_line("abc\r\ndef");
        assert_eq!(span.end_byte, 3);
        assert_eq!(span.end, Position { line: 1, column: 4 });
    }

    #[test]
    fn severities_order_from_note_to_error() {
        assert!(Severity::Note < Severity::Warning && Severity::Warning < Severity::Error);
    }
}
