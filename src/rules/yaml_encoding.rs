//! `yaml/encoding`: the file is not UTF-8, which YAML (and MLEM) require.

use super::{Rule, Trigger};
use crate::finding::{Finding, Span};
use crate::mlem::parse::Problem;

/// The rule.
pub static RULE: Rule = Rule {
    id: "yaml/encoding",
    severity: crate::finding::Severity::Error,
    summary: "the file is not valid UTF-8",
    explain: "\
The file contains bytes that are not valid UTF-8. MLEM reads metadata as UTF-8 text and fails
on such a file; often it is a binary (a pickled model, an archive) saved under a `.mlem` name,
or a file written in a legacy encoding such as Latin-1.

The position reported is the first invalid byte.

Fix: re-save the file as UTF-8, or rename it if it is not MLEM metadata at all.",
    trigger: Trigger::Problem(judge),
};

/// The finding for a file whose first `valid_up_to` bytes are UTF-8 and whose next `byte` is not;
/// `text` is the file decoded lossily, so the valid prefix is unchanged in it.
pub fn finding(file: &str, text: &str, valid_up_to: usize, byte: u8) -> Finding {
    let span = Span::from_bytes(
        text,
        valid_up_to,
        valid_up_to + char::REPLACEMENT_CHARACTER.len_utf8(),
    );
    RULE.finding(
        file,
        span,
        format!("not valid UTF-8: invalid byte 0x{byte:02x}"),
    )
}

/// Fires for a file that is not a YAML document for this rule's reason.
fn judge(file: &str, text: &str, problem: &Problem) -> Option<Finding> {
    match problem {
        Problem::Encoding { valid_up_to, byte } => Some(finding(file, text, *valid_up_to, *byte)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use crate::registry::memory::MemoryTree;

    #[test]
    fn points_at_the_first_bad_byte() {
        let tree = MemoryTree::new([("bin.mlem", b"object_type: model\nname: caf\xe9\n".to_vec())]);
        let report = crate::check::check_snapshot(&tree, &Default::default()).unwrap();
        let found: Vec<_> = report
            .findings
            .iter()
            .filter(|f| f.rule == "yaml/encoding")
            .collect();
        assert_eq!(found.len(), 1, "{:?}", report.findings);
        assert_eq!(found[0].span.start.line, 2);
        assert_eq!(found[0].span.start.column, 10);
        assert!(found[0].message.contains("0xe9"));
    }
}
