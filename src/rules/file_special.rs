//! `file/special`: a `*.mlem` name (or a link's target) is a FIFO, a socket or a device.

use super::{Rule, Trigger};
use crate::finding::{Finding, Span};

/// The rule.
pub static RULE: Rule = Rule {
    id: "file/special",
    severity: crate::finding::Severity::Error,
    summary: "the file is a FIFO, a socket or a device",
    explain: "\
The `.mlem` file is not a regular file but a special one: a named pipe (FIFO), a socket or a
device. Git cannot store these, so it exists only on this machine, and it is never opened:
reading a FIFO waits for a writer that may never come, and opening a device can act on it.

Fix: replace it with a regular file, or remove it.",
    trigger: Trigger::Elsewhere("crate::check::read::read_and_validate"),
};

/// The finding for `file`, a special file of `kind` ("a FIFO").
pub fn finding(file: &str, kind: &str) -> Finding {
    RULE.finding(
        file,
        Span::file_start(),
        format!("`{file}` is {kind}, not a regular file: it was not opened"),
    )
}
