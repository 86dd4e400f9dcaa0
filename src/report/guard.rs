//! No output can forge a workflow command: the GitHub Actions runner reads any log line that
//! starts with `::` (after leading whitespace) as a command, and one that holds the older `##[`
//! anywhere in it; a file name, a YAML value or a config key can hold a newline. Values are shown
//! on one line ([`one_line`]), and every line written passes [`neutralise`], which starts a
//! would-be `::` command with `\` and writes `##[` as `##\[`; only the `github` format's own
//! commands, escaped as the runner unescapes them, are written as they are ([`Guard::trusted`]).

use std::borrow::Cow;
use std::io::Write;

/// `text` on one line: control characters (a newline, a carriage return, an escape) shown as
/// Rust escapes (`\n`, `\r`, `\u{1b}`), everything else as it is.
pub fn one_line(text: &str) -> Cow<'_, str> {
    escape(text, char::is_control)
}

/// `text` with every control character but a newline and a tab shown as a Rust escape: what a
/// message may carry from a file or a server (an escape sequence, a carriage return, a bell)
/// reaches a terminal as text, never as a command to it. Lines stay lines.
pub fn printable(text: &str) -> Cow<'_, str> {
    escape(text, |c| c.is_control() && c != '\n' && c != '\t')
}

/// `text` with every character `unsafe_char` picks shown as a Rust escape.
fn escape(text: &str, unsafe_char: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !text.chars().any(&unsafe_char) {
        return Cow::Borrowed(text);
    }
    let mut shown = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if unsafe_char(c) {
            shown.extend(c.escape_default());
        } else {
            shown.push(c);
        }
    }
    Cow::Owned(shown)
}

/// Whether the runner would take `line` for a workflow command: `::` after leading whitespace
/// (Unicode's, as .NET's `TrimStart` trims), or the legacy `##[` anywhere in the line.
pub fn is_command(line: &str) -> bool {
    line.trim_start().starts_with("::") || line.contains("##[")
}

/// `text` with every line the runner would take for a command defused: a leading `::` gets a `\`
/// before it, every `##[` becomes `##\[`. Lines end at `\n` or a lone `\r`, as the runner splits
/// them.
pub fn neutralise(text: &str) -> Cow<'_, str> {
    if !text.split(['\n', '\r']).any(is_command) {
        return Cow::Borrowed(text);
    }
    let mut safe = String::with_capacity(text.len() + 8);
    let mut rest = text;
    loop {
        let end = rest.find(['\n', '\r']).map_or(rest.len(), |i| i + 1);
        let (line, after) = rest.split_at(end);
        if line.trim_start().starts_with("::") {
            safe.push('\\');
        }
        safe.push_str(&line.replace("##[", "##\\["));
        if after.is_empty() {
            return Cow::Owned(safe);
        }
        rest = after;
    }
}

/// A writer whose lines are [`neutralise`]d: whole lines are passed on as they end, the last
/// partial one on [`Guard::flush`] or [`Guard::trusted`].
pub struct Guard<W: Write> {
    inner: W,
    pending: Vec<u8>,
}

impl<W: Write> Guard<W> {
    /// Guards `inner`.
    pub fn new(inner: W) -> Guard<W> {
        Guard {
            inner,
            pending: Vec::new(),
        }
    }

    /// The writer itself, for the `github` format's own commands: what was written before is
    /// passed on first, so the order holds.
    pub fn trusted(&mut self) -> std::io::Result<&mut W> {
        self.settle()?;
        Ok(&mut self.inner)
    }

    /// Passes on everything pending, a partial line too.
    fn settle(&mut self) -> std::io::Result<()> {
        if !self.pending.is_empty() {
            let text = String::from_utf8_lossy(&self.pending);
            self.inner.write_all(neutralise(&text).as_bytes())?;
            self.pending.clear();
        }
        Ok(())
    }
}

impl<W: Write> Write for Guard<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        // Formats write in small pieces: whole lines are passed on only once a piece ends one.
        let Some(last) = buf.iter().rposition(|b| matches!(b, b'\n' | b'\r')) else {
            self.pending.extend_from_slice(buf);
            return Ok(buf.len());
        };
        self.pending.extend_from_slice(&buf[..=last]);
        match std::str::from_utf8(&self.pending) {
            Ok(text) => self.inner.write_all(neutralise(text).as_bytes())?,
            Err(_) => {
                let text = String::from_utf8_lossy(&self.pending);
                self.inner.write_all(neutralise(&text).as_bytes())?;
            }
        }
        self.pending.clear();
        self.pending.extend_from_slice(&buf[last + 1..]);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.settle()?;
        self.inner.flush()
    }
}

impl<W: Write> Drop for Guard<W> {
    fn drop(&mut self) {
        let _ = self.flush();
    }
}

#[cfg(test)]
mod printable_tests {
    #[test]
    fn controls_but_newlines_and_tabs_are_escaped() {
        assert_eq!(super::printable("a\tb\nc"), "a\tb\nc");
        assert_eq!(
            super::printable("x\u{1b}[2J\r\u{7}y\u{85}"),
            "x\\u{1b}[2J\\r\\u{7}y\\u{85}"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_stay_on_their_line() {
        assert_eq!(one_line("rf.mlem"), "rf.mlem");
        assert_eq!(
            one_line("a\n::error file=x::FORGED\r\n\u{1b}[1m.mlem"),
            "a\\n::error file=x::FORGED\\r\\n\\u{1b}[1m.mlem"
        );
    }

    #[test]
    fn would_be_commands_are_defused_wherever_the_line_starts() {
        for command in [
            "::error file=forged.mlem,line=1::FORGED",
            "  ::stop-commands::TOKEN",
            "\t##[error]old style",
            "note: MLEM project in p ##[error]forged/",
            "\u{a0}::warning::after a no-break space",
        ] {
            assert!(is_command(command), "{command:?}");
            let safe = neutralise(command);
            assert!(!is_command(&safe), "{safe:?}");
        }
        assert_eq!(neutralise("a: b :: c"), "a: b :: c");
        assert_eq!(
            neutralise("x\n::error::a\r::error::b\r\n::error::c"),
            "x\n\\::error::a\r\\::error::b\r\n\\::error::c"
        );
    }

    #[test]
    fn the_guard_sees_lines_split_across_writes() {
        let mut out = Vec::new();
        {
            let mut guard = Guard::new(&mut out);
            write!(guard, "fine\n:").unwrap();
            write!(guard, ":error::split\n  ").unwrap();
            write!(guard, "::end").unwrap();
            guard.flush().unwrap();
            writeln!(guard.trusted().unwrap(), "::notice::ours").unwrap();
        }
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "fine\n\\::error::split\n\\  ::end::notice::ours\n"
        );
    }
}
