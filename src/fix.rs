//! Fixes: exact text edits that repair a finding, for `pin` to apply and SARIF to offer. An edit
//! touches only the bytes it must, so formatting, comments and key order survive.

use crate::finding::{Edit, Span};
use crate::mlem::Link;
use crate::mlem::locate::{Locator, Part};

/// The edit that pins `link` (in `text`, located by `locator`) to `commit`: its `rev` value
/// replaced in the same quoting style, or, without a `rev`, a `rev:` line added after the
/// `project`/`repo` key at its indentation (`, rev: …` in a flow mapping). `None` when the text
/// is not laid out as expected: then nothing is touched.
pub fn pin(locator: &Locator<'_>, link: &Link, commit: &str) -> Option<Edit> {
    let edit = pin_edit(locator, link, commit)?;
    pins_exactly(locator.text(), &edit, link, commit).then_some(edit)
}

/// Whether applying `edit` to `text` changes the link's mapping in exactly one way: its `rev`
/// becomes `commit`. The safety net under the text edit: a layout it misread refuses the edit.
fn pins_exactly(text: &str, edit: &Edit, link: &Link, commit: &str) -> bool {
    let read = |text: &str| {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        serde_yaml::from_str::<serde_json::Value>(text).ok()
    };
    let (Some(mut before), Some(after)) = (read(text), read(&apply(text, [edit]))) else {
        return false;
    };
    let mut mapping = &mut before;
    for segment in &link.route {
        let next = match segment {
            crate::mlem::Segment::Key(key) => mapping.get_mut(key.as_str()),
            crate::mlem::Segment::Index(index) => mapping.get_mut(*index),
        };
        let Some(next) = next else { return false };
        mapping = next;
    }
    let Some(fields) = mapping.as_object_mut() else {
        return false;
    };
    fields.insert("rev".into(), commit.into());
    before == after
}

fn pin_edit(locator: &Locator<'_>, link: &Link, commit: &str) -> Option<Edit> {
    let text = locator.text();
    match &link.rev {
        Some(rev) => {
            let span = locator.span(&link.field_route("rev"), Part::Value);
            let written = text.get(span.start_byte..span.end_byte)?;
            let quote = match written {
                w if w == rev => None,
                w if w.len() == rev.len() + 2
                    && (w.starts_with('\'') || w.starts_with('"'))
                    && w.ends_with(&w[..1])
                    && &w[1..w.len() - 1] == rev =>
                {
                    Some(&w[..1])
                }
                _ => return None,
            };
            let value = match quote {
                Some(q) => format!("{q}{commit}{q}"),
                None => plain_or_quoted(commit),
            };
            Some(Edit { span, text: value })
        }
        None => {
            // A `rev` that is there but not a string (`rev: 2`) is the user's to fix.
            let rev_key = locator.span(&link.field_route("rev"), Part::Key);
            if unquote(text.get(rev_key.start_byte..rev_key.end_byte)?) == "rev" {
                return None;
            }
            let (key, _) = link.project.as_ref()?;
            let key_span = locator.span(&link.field_route(key.as_str()), Part::Key);
            if unquote(text.get(key_span.start_byte..key_span.end_byte)?) != key.as_str() {
                return None;
            }
            let value_span = locator.span(&link.field_route(key.as_str()), Part::Value);
            let before_key = text[..key_span.start_byte].trim_end();
            let flow = before_key.ends_with('{') || before_key.ends_with(',');
            let value = plain_or_quoted(commit);
            if flow {
                let at = value_span.end_byte;
                return Some(Edit {
                    span: Span::from_bytes(text, at, at),
                    text: format!(", rev: {value}"),
                });
            }
            let line_start = text[..key_span.start_byte].rfind('\n').map_or(0, |i| i + 1);
            // The key's column, as spaces (a `- ` list marker counts; a BOM does not).
            let lead = text[line_start..key_span.start_byte].trim_start_matches('\u{feff}');
            if !lead.chars().all(|c| c == ' ' || c == '-') {
                return None;
            }
            let indent = " ".repeat(lead.chars().count());
            let line_end = text[value_span.end_byte..]
                .find('\n')
                .map_or(text.len(), |i| value_span.end_byte + i);
            let line_end = if text[..line_end].ends_with('\r') {
                line_end - 1
            } else {
                line_end
            };
            let newline = if text[line_end..].starts_with("\r\n") {
                "\r\n"
            } else {
                "\n"
            };
            Some(Edit {
                span: Span::from_bytes(text, line_end, line_end),
                text: format!("{newline}{indent}rev: {value}"),
            })
        }
    }
}

fn unquote(written: &str) -> &str {
    written.trim_matches(['\'', '"'])
}

/// `value` as a YAML scalar that reads back as the same string: plain when it can be, else
/// single-quoted (a sha of digits and one `e` would read as a number).
fn plain_or_quoted(value: &str) -> String {
    let reads_back =
        serde_yaml::from_str::<serde_yaml::Value>(value).is_ok_and(|v| v.as_str() == Some(value));
    if reads_back {
        value.to_owned()
    } else {
        format!("'{}'", value.replace('\'', "''"))
    }
}

/// `text` with `edits` applied; edits that overlap an earlier one are skipped.
pub fn apply<'a>(text: &str, edits: impl IntoIterator<Item = &'a Edit>) -> String {
    let mut edits: Vec<&Edit> = edits.into_iter().collect();
    edits.sort_by_key(|e| (e.span.start_byte, e.span.end_byte));
    let mut out = String::with_capacity(text.len() + 64);
    let mut at = 0;
    for edit in edits {
        if edit.span.start_byte < at || edit.span.end_byte > text.len() {
            continue;
        }
        out.push_str(&text[at..edit.span.start_byte]);
        out.push_str(&edit.text);
        at = edit.span.end_byte;
    }
    out.push_str(&text[at..]);
    out
}

/// A unified diff of `before` and `after` for `path`, as `pin --dry-run` shows it.
pub fn diff(path: &str, before: &str, after: &str) -> String {
    similar::TextDiff::from_lines(before, after)
        .unified_diff()
        .context_radius(2)
        .header(&format!("a/{path}"), &format!("b/{path}"))
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mlem::MlemObject;

    const SHA: &str = "0123456789abcdef0123456789abcdef01234567";

    fn pinned(text: &str) -> String {
        let value: serde_json::Value =
            serde_yaml::from_str(text.trim_start_matches('\u{feff}')).unwrap();
        let object = MlemObject::from_value(&value).unwrap();
        let locator = Locator::new(text);
        let edit = pin(&locator, &object.links[0], SHA).expect("an edit");
        apply(text, [&edit])
    }

    #[test]
    fn replaces_the_rev_in_its_own_quoting() {
        let text = "# production model\nlink_type: model\nobject_type: link\npath: models/rf\nrepo: https://github.com/o/r\nrev: main  # moves!\n";
        assert_eq!(
            pinned(text),
            text.replace("rev: main  #", &format!("rev: {SHA}  #"))
        );
        let quoted = "rev: \"main\"\npath: rf\nproject: https://github.com/o/r\nobject_type: link\nlink_type: model\n";
        assert_eq!(
            pinned(quoted),
            quoted.replace("\"main\"", &format!("\"{SHA}\""))
        );
    }

    #[test]
    fn adds_a_rev_after_the_repository_keeping_indentation_and_line_ends() {
        let text = "object_type: deployment\nmodel_link:\n    link_type: model\n    object_type: link\n    project: https://github.com/o/r\n    path: rf\n";
        assert_eq!(
            pinned(text),
            text.replace(
                "project: https://github.com/o/r\n",
                &format!("project: https://github.com/o/r\n    rev: {SHA}\n")
            )
        );
        let crlf =
            "link_type: model\r\nobject_type: link\r\npath: rf\r\nrepo: https://github.com/o/r\r\n";
        assert_eq!(pinned(crlf), format!("{crlf}rev: {SHA}\r\n"));
        let last = "link_type: model\nobject_type: link\npath: rf\nrepo: https://github.com/o/r";
        assert_eq!(pinned(last), format!("{last}\nrev: {SHA}"));
        let flow =
            "{link_type: model, object_type: link, repo: 'https://github.com/o/r', path: rf}\n";
        assert_eq!(
            pinned(flow),
            flow.replace("r', path", &format!("r', rev: {SHA}, path"))
        );
    }

    #[test]
    fn odd_layouts_are_pinned_correctly_or_not_at_all() {
        let multi_line_flow =
            "{link_type: model, object_type: link,\n  repo: https://github.com/o/r,\n  path: rf}\n";
        let got = pinned(multi_line_flow);
        let value: serde_json::Value = serde_yaml::from_str(&got).unwrap();
        assert_eq!(value["rev"], SHA, "{got}");
        let bom =
            "\u{feff}repo: https://github.com/o/r\nlink_type: model\nobject_type: link\npath: rf\n";
        assert_eq!(
            pinned(bom),
            bom.replace("o/r\n", &format!("o/r\nrev: {SHA}\n"))
        );
        let listed = "object_type: deployment\nmodel_link: {link_type: model, object_type: link, path: rf, repo: x}\n";
        let value: serde_json::Value = serde_yaml::from_str(&pinned(listed)).unwrap();
        assert_eq!(value["model_link"]["rev"], SHA);
    }

    #[test]
    fn quotes_a_sha_that_would_read_as_a_number() {
        assert_eq!(plain_or_quoted("1234567e12"), "'1234567e12'");
        assert_eq!(plain_or_quoted("12345"), "'12345'");
        assert_eq!(plain_or_quoted(SHA), SHA);
    }

    #[test]
    fn diffs_read_like_git() {
        let shown = diff("a.mlem", "rev: main\n", "rev: abc\n");
        assert!(shown.contains("--- a/a.mlem\n+++ b/a.mlem\n"), "{shown}");
        assert!(shown.contains("-rev: main\n+rev: abc\n"), "{shown}");
    }
}
