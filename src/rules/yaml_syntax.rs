//! `yaml/syntax`: the file is not valid YAML, so MLEM cannot load it.

use super::{Rule, Trigger};
use crate::finding::{Finding, Span};
use crate::mlem::parse::Problem;

/// The rule.
pub static RULE: Rule = Rule {
    id: "yaml/syntax",
    severity: crate::finding::Severity::Error,
    summary: "the file is not valid YAML",
    explain: "\
The file could not be parsed as YAML, so MLEM cannot load it and nothing in it was checked.

This also covers YAML that parses but cannot be a MLEM file: several documents in one file
(`---` separators), anchors and aliases that expand beyond a sane size (an \"alias bomb\"),
and nesting deeper than the parser's recursion limit.

Fix: correct the YAML at the reported position. MLEM writes plain block mappings; when in
doubt, compare with a file written by `mlem-registry link` or by MLEM itself.",
    trigger: Trigger::Problem(judge),
};

/// The finding for a YAML error at byte `offset` of `text` (`None`: position unknown).
pub fn finding(file: &str, text: &str, message: &str, offset: Option<usize>) -> Finding {
    let span = match offset {
        Some(at) => Span::from_bytes(text, at, next_char_end(text, at)),
        None => Span::first_line(text),
    };
    RULE.finding(file, span, format!("invalid YAML: {message}"))
}

fn next_char_end(text: &str, at: usize) -> usize {
    text.get(at..)
        .and_then(|rest| rest.chars().next())
        .map_or(at, |c| at + c.len_utf8())
}

/// Fires for a file that is not a YAML document for this rule's reason.
fn judge(file: &str, text: &str, problem: &Problem) -> Option<Finding> {
    match problem {
        Problem::Syntax { message, offset } => Some(finding(file, text, message, *offset)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::findings_of;

    #[test]
    fn points_at_the_broken_line() {
        let found = findings_of(
            "yaml/syntax",
            &[(
                "a.mlem",
                "object_type: link\npath: [unclosed\nlink_type: model\n",
            )],
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].span.start.line >= 2, "{found:?}");
        assert!(found[0].message.starts_with("invalid YAML"));
    }

    #[test]
    fn several_documents_in_one_file_are_an_error() {
        let found = findings_of(
            "yaml/syntax",
            &[("a.mlem", "object_type: env\n---\nobject_type: env\n")],
        );
        assert_eq!(found.len(), 1, "{found:?}");
    }

    #[test]
    fn an_alias_bomb_is_refused_quickly() {
        let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for (prev, name) in ["a", "b", "c", "d", "e", "f", "g", "h", "i"]
            .iter()
            .zip(["b", "c", "d", "e", "f", "g", "h", "i", "j"])
        {
            bomb.push_str(&format!(
                "{name}: &{name} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"
            ));
        }
        let found = findings_of("yaml/syntax", &[("bomb.mlem", &bomb)]);
        assert_eq!(found.len(), 1, "{found:?}");
    }

    #[test]
    fn deep_nesting_is_a_finding_not_a_stack_overflow() {
        let deep = format!(
            "object_type: {}{}",
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        let found = findings_of("yaml/syntax", &[("deep.mlem", &deep)]);
        assert_eq!(found.len(), 1, "{found:?}");
    }
}
