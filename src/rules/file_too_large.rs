//! `file/too-large`: a `.mlem` file too big to be metadata; it is not read whole.

use super::{Rule, Trigger};
use crate::finding::{Finding, Span};
use crate::mlem::parse::Problem;

pub use crate::registry::MAX_FILE_BYTES;

/// The rule.
pub static RULE: Rule = Rule {
    id: "file/too-large",
    severity: crate::finding::Severity::Error,
    summary: "the file is over 1 MiB",
    explain: "\
The file is larger than 1 MiB. MLEM metadata files are a few kilobytes at most; a file this
large is usually a model or a data set saved under a `.mlem` name, or generated YAML that no
reviewer can read. It is not read whole and not checked.

Fix: keep artifacts next to their metadata (`models/rf` beside `models/rf.mlem`), not inside it.",
    trigger: Trigger::Problem(judge),
};

/// The finding for `file`, which has `size` bytes.
pub fn finding(file: &str, size: u64) -> Finding {
    RULE.finding(
        file,
        Span::file_start(),
        format!("file is {size} bytes, over the {MAX_FILE_BYTES}-byte limit for MLEM metadata; not checked"),
    )
}

/// Fires for a file that is not a YAML document for this rule's reason.
fn judge(file: &str, _text: &str, problem: &Problem) -> Option<Finding> {
    match problem {
        Problem::TooLarge { size } => Some(finding(file, *size)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::findings_of;

    #[test]
    fn large_files_are_reported_not_parsed() {
        let big = format!("object_type: data\npad: \"{}\"\n", "x".repeat(1024 * 1024));
        let found = findings_of("file/too-large", &[("big.mlem", &big)]);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].span.start.line, 1);
    }
}
