//! `yaml/duplicate-key`: a mapping names the same key twice, and readers disagree on which wins.

use super::{Rule, Trigger};
use crate::finding::{Finding, Span};
use crate::mlem::locate::block_key_lines;
use crate::mlem::parse::Problem;

/// The rule.
pub static RULE: Rule = Rule {
    id: "yaml/duplicate-key",
    severity: crate::finding::Severity::Error,
    summary: "a mapping has the same key twice",
    explain: "\
A YAML mapping in the file names the same key twice, for example two `rev:` lines in one link.

The YAML spec forbids this, and tools disagree on what such a file means: some keep the first
value, MLEM's loader keeps the last. A reviewer reading the first `rev:` may approve a link that
deploys the second.

Fix: keep exactly one of the keys, with the value you mean.",
    trigger: Trigger::Problem(judge),
};

/// The finding for a duplicate `key`, which the parser noticed near byte `offset` of `text`.
pub fn finding(file: &str, text: &str, key: &str, offset: Option<usize>) -> Finding {
    let span = match second_occurrence(text, key) {
        Some((start, end)) => Span::from_bytes(text, start, end),
        None => offset.map_or_else(
            || Span::first_line(text),
            |at| Span::from_bytes(text, at, at),
        ),
    };
    RULE.finding(file, span, format!("duplicate key `{key}`"))
        .with_help("keep one of the keys: readers disagree on which value wins")
}

/// Byte range of the key where it repeats: the second block-style `key:` line at an indentation
/// already seen. The parser only says which mapping holds the duplicate, not where.
fn second_occurrence(text: &str, key: &str) -> Option<(usize, usize)> {
    let mut indents_seen = Vec::new();
    block_key_lines(text, key)
        .find(|line| {
            let repeated = indents_seen.contains(&line.indent);
            indents_seen.push(line.indent);
            repeated
        })
        .map(|line| line.key)
}

/// Fires for a file that is not a YAML document for this rule's reason.
fn judge(file: &str, text: &str, problem: &Problem) -> Option<Finding> {
    match problem {
        Problem::DuplicateKey { key, offset } => Some(finding(file, text, key, *offset)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::findings_of;

    #[test]
    fn names_the_key_and_its_line() {
        let found = findings_of(
            "yaml/duplicate-key",
            &[(
                "a.mlem",
                "object_type: link\nlink_type: model\npath: m.mlem\nrev: v1\nrev: v2\n",
            )],
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].message.contains("`rev`"), "{found:?}");
        assert_eq!(found[0].span.start.line, 5, "{found:?}");
        assert_eq!(found[0].span.end.column, 4, "{found:?}");
    }

    #[test]
    fn nested_duplicates_count_too() {
        let found = findings_of(
            "yaml/duplicate-key",
            &[(
                "d.mlem",
                "object_type: deployment\nmodel_link:\n  path: a\n  path: b\n",
            )],
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].span.start.line, 4, "{found:?}");
    }
}
