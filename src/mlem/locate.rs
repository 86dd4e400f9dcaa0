//! Route to span: finds where a key or value sits in a file's text, so findings point at it.
//!
//! Any number of findings in one file costs time linear in the file: a one-pass index of the
//! file's lines and block-style keys answers most lookups; the tree-sitter parse behind the rest
//! (yamlpath) is built lazily, once per file, only for files with findings, and asked at most
//! [`PARSER_LOOKUPS`] times per file (each query walks the document).

use std::cell::{Cell, OnceCell};
use std::collections::HashMap;

use super::Segment;
use crate::finding::{Lines, Span};

/// How many lookups one file may send to the parser; later ones use the text index alone. Each
/// lookup walks the document, so an unbounded number would be quadratic in a hostile file.
pub const PARSER_LOOKUPS: usize = 256;

/// Files larger than this are never given to the parser (its tree of a 1 MiB flow sequence takes
/// seconds and hundreds of MB); their spans come from the text index. MLEM files are a few KiB.
pub const PARSER_MAX_BYTES: usize = 64 * 1024;

/// Which part of a `key: value` pair to point at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Part {
    /// The key alone.
    Key,
    /// The value alone (the key when the value is absent).
    Value,
}

/// Finds spans in one file's text.
pub struct Locator<'a> {
    text: &'a str,
    index: OnceCell<Index<'a>>,
    document: OnceCell<Option<yamlpath::Document>>,
    parser_lookups: Cell<usize>,
}

/// What one pass over a file's text knows: its line starts and its block-style keys.
struct Index<'a> {
    lines: Lines,
    /// Whether the document is a block mapping as far as its first line shows (not flow style,
    /// a sequence, a directive, a tag, an anchor or a quoted scalar).
    block: bool,
    /// Each key written at the start of a line (after indentation and list markers): its first
    /// line at any indentation, its first line at the top level, and how many top-level lines.
    keys: HashMap<&'a str, Keyed>,
}

#[derive(Default)]
struct Keyed {
    first: Option<KeyLine>,
    top: Option<KeyLine>,
    top_count: usize,
}

impl<'a> Index<'a> {
    fn new(text: &'a str) -> Index<'a> {
        let first = text
            .lines()
            .map(str::trim_start)
            .find(|l| !l.is_empty() && !l.starts_with('#'));
        // Lines here are split at `\n`: a lone `\r` (a line break to YAML) or a Unicode line
        // separator would put keys on lines the index does not see, and a character YAML does
        // not allow (a NUL, a control) makes the parser's reading differ: the parser decides.
        let odd = text.chars().any(|c| !yaml_printable(c))
            || text.contains(['\u{85}', '\u{2028}', '\u{2029}'])
            || text
                .match_indices('\r')
                .any(|(i, _)| !text[i + 1..].starts_with('\n'));
        let block = !odd
            && first.is_some_and(|first| {
                !first.starts_with(['{', '[', '-', '%', '&', '!', '?', '|', '>', '"', '\''])
            });
        let mut keys: HashMap<&str, Keyed> = HashMap::new();
        let mut offset = 0;
        // The index speaks only for a mapping whose first line is a key, and whose quoted values
        // close on their own line: a quoted scalar over several lines may hold `key:` lines.
        let mut block = block && first.is_some_and(|l| key_line(0, l).is_some());
        for line in text.split_inclusive('\n') {
            if let Some((key, found)) = key_line(offset, line) {
                block &= !unclosed_quote(&text[found.value.0..found.value.1]);
                let keyed = keys.entry(key).or_default();
                keyed.first.get_or_insert(found);
                if found.indent == 0 {
                    keyed.top.get_or_insert(found);
                    keyed.top_count += 1;
                }
            }
            offset += line.len();
        }
        Index {
            lines: Lines::new(text),
            block,
            keys,
        }
    }
}

impl<'a> Locator<'a> {
    /// A locator over `text`; nothing is parsed until a span is asked for.
    pub fn new(text: &'a str) -> Locator<'a> {
        Locator {
            text,
            index: OnceCell::new(),
            document: OnceCell::new(),
            parser_lookups: Cell::new(0),
        }
    }

    /// The text it locates in.
    pub fn text(&self) -> &'a str {
        self.text
    }

    /// The span of the byte range `start..end` of the text.
    pub fn span_of(&self, start: usize, end: usize) -> Span {
        self.index().lines.span(self.text, start, end)
    }

    /// The span of `part` of the value at `route`, or of the nearest ancestor that can be found,
    /// or of the first line: always some span, never a panic.
    pub fn span(&self, route: &[Segment], part: Part) -> Span {
        if let [Segment::Key(key)] = route
            && let Some(span) = self.top_level_plain(key, part)
        {
            return span;
        }
        if let Some(document) = self.document_within_budget() {
            for depth in (1..=route.len()).rev() {
                let prefix = &route[..depth];
                let part = if depth == route.len() {
                    part
                } else {
                    Part::Key
                };
                if let Some((start, end)) = query(document, prefix, part) {
                    return self.span_of(start, end);
                }
            }
        } else if let Some(Segment::Key(key)) = route.last()
            && let Some(span) = self.scan_for_key(key, part)
        {
            return span;
        }
        self.first_line()
    }

    /// The parser's answer alone, with no text index and no budget: what the index must agree
    /// with wherever it answers (for tests and the fuzz target).
    #[doc(hidden)]
    pub fn span_by_parser(&self, route: &[Segment], part: Part) -> Option<Span> {
        let (start, end) = query(self.document()?, route, part)?;
        Some(self.span_of(start, end))
    }

    /// The text index's answer for a top-level key, when it gives one.
    #[doc(hidden)]
    pub fn span_by_index(&self, key: &str, part: Part) -> Option<Span> {
        self.top_level_plain(key, part)
    }

    /// The first line, where whole-file findings point.
    fn first_line(&self) -> Span {
        let end = self.text.find('\n').unwrap_or(self.text.len());
        let end = end - usize::from(self.text[..end].ends_with('\r'));
        self.span_of(0, end)
    }

    fn index(&self) -> &Index<'a> {
        self.index.get_or_init(|| Index::new(self.text))
    }

    /// The parsed document, while this file's parser lookups last.
    fn document_within_budget(&self) -> Option<&yamlpath::Document> {
        let used = self.parser_lookups.get();
        if used >= PARSER_LOOKUPS || self.text.len() > PARSER_MAX_BYTES {
            return None;
        }
        self.parser_lookups.set(used + 1);
        self.document()
    }

    fn document(&self) -> Option<&yamlpath::Document> {
        self.document
            .get_or_init(|| yamlpath::Document::new(self.text).ok())
            .as_ref()
    }

    /// The fast path for the commonest case, a top-level `key: plain value` of a block mapping
    /// (most link files): exact here, and no parse. `None` whenever the layout leaves any doubt
    /// (flow style, quotes, a value on later lines, the key written twice).
    fn top_level_plain(&self, key: &str, part: Part) -> Option<Span> {
        let text = self.text;
        let index = self.index();
        let keyed = index
            .keys
            .get(key)
            .filter(|k| index.block && k.top_count == 1)?;
        let line = keyed.top?;
        if part == Part::Key {
            // Where the key is written does not depend on what its value looks like.
            return Some(self.span_of(line.key.0, line.key.1));
        }
        let value = &text[line.value.0..line.value.1];
        let plain = !value.is_empty()
            && !value.starts_with(['"', '\'', '[', '{', '&', '*', '!', '|', '>', '#'])
            && !value.contains(['#', '\t']);
        // A plain scalar may go on over indented lines: then only the parser knows its end.
        let rest = &text[line.value.1..];
        let next = rest.split_inclusive('\n').nth(1).unwrap_or("");
        let continues = next.starts_with([' ', '\t']) && !next.trim().is_empty();
        if !plain || continues || !rest.lines().next().unwrap_or("").trim().is_empty() {
            return None;
        }
        let (start, end) = match part {
            Part::Key => line.key,
            Part::Value => line.value,
        };
        Some(self.span_of(start, end))
    }

    /// Fallback for text the parser cannot read (or once its lookups are spent): the first
    /// block-style `key:` line.
    fn scan_for_key(&self, key: &str, part: Part) -> Option<Span> {
        let line = self.index().keys.get(key)?.first?;
        let (start, end) = match part {
            Part::Key => line.key,
            Part::Value => line.value,
        };
        Some(self.span_of(start, end))
    }
}

/// Whether a value opens a quoted scalar it does not close on its line.
fn unclosed_quote(value: &str) -> bool {
    match value.chars().next() {
        Some(quote @ ('"' | '\'')) => value.len() < 2 || !value.ends_with(quote),
        _ => false,
    }
}

/// YAML's printable characters (its `c-printable`), the only ones a stream may hold.
fn yaml_printable(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | ' '..='~' | '\u{85}' | '\u{A0}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}')
        || c >= '\u{10000}'
}

/// The key a line starts with (after indentation and list markers), plain or quoted, and where
/// its parts are; `offset` is where the line starts in the file.
fn key_line(offset: usize, line: &str) -> Option<(&str, KeyLine)> {
    let body = line.trim_start_matches([' ', '\t', '-']);
    let indent = line.len() - body.len();
    let (key, written) = match body.chars().next()? {
        quote @ ('"' | '\'') => {
            let close = body[1..].find(quote)?;
            (&body[1..=close], close + 2)
        }
        // An indicator cannot start a plain key (`*a` is an alias, `&a` an anchor, `!a` a tag).
        first if "?:,[]{}#&*!|>%@`".contains(first) => return None,
        _ => {
            // A plain key ends at the first `:` followed by a space or the line's end.
            let colon = body.match_indices(':').map(|(i, _)| i).find(|&i| {
                body[i + 1..].starts_with([' ', '\t', '\r', '\n']) || i + 1 == body.len()
            })?;
            let key = body[..colon].trim_end_matches([' ', '\t']);
            (key, key.len())
        }
    };
    if key.is_empty() && written == 0 {
        return None;
    }
    let after_key = body[written..].trim_start_matches([' ', '\t']);
    let after_colon = after_key.strip_prefix(':')?;
    let value = after_colon.split(" #").next().unwrap_or_default().trim();
    let value_start = offset + line.len() - after_colon.len()
        + (after_colon.len() - after_colon.trim_start().len());
    let key_start = offset + indent;
    Some((
        key,
        KeyLine {
            indent,
            key: (key_start, key_start + written),
            value: (value_start, value_start + value.len()),
        },
    ))
}

/// One block-style `key: value` line found by [`block_key_lines`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyLine {
    /// Width of the indentation, `- ` list markers included.
    pub indent: usize,
    /// Byte range of the key as written (quotes included).
    pub key: (usize, usize),
    /// Byte range of the value on the same line (empty when it is on the next lines).
    pub value: (usize, usize),
}

/// Every line of `text` that starts (after indentation and list markers) with `key:`, the key
/// plain or quoted. A text scan, for positions the parsers do not give.
pub fn block_key_lines<'a>(text: &'a str, key: &'a str) -> impl Iterator<Item = KeyLine> + 'a {
    let mut offset = 0;
    text.split_inclusive('\n').filter_map(move |line| {
        let line_start = offset;
        offset += line.len();
        let body = line.trim_start_matches([' ', '\t', '-']);
        let indent = line.len() - body.len();
        let written = [key.len(), key.len() + 2].into_iter().find(|&len| {
            let quoted = len != key.len();
            let head = body.get(..len).unwrap_or_default();
            let matches = if quoted {
                (head.starts_with('"') && head.ends_with('"')
                    || head.starts_with('\'') && head.ends_with('\''))
                    && &head[1..len - 1] == key
            } else {
                head == key
            };
            matches && body[len..].trim_start().starts_with(':')
        })?;
        let key_start = line_start + indent;
        let after_colon = &body[written..].trim_start()[1..];
        let value = after_colon.split(" #").next().unwrap_or_default().trim();
        let value_start = line_start + line.len() - after_colon.len()
            + (after_colon.len() - after_colon.trim_start().len());
        Some(KeyLine {
            indent,
            key: (key_start, key_start + written),
            value: (value_start, value_start + value.len()),
        })
    })
}

fn query(document: &yamlpath::Document, route: &[Segment], part: Part) -> Option<(usize, usize)> {
    let route = yamlpath::Route::from(
        route
            .iter()
            .map(|segment| match segment {
                Segment::Key(key) => yamlpath::Component::Key(key.as_str().into()),
                Segment::Index(index) => yamlpath::Component::Index(*index),
            })
            .collect::<Vec<_>>(),
    );
    let feature = match (part, route.is_empty()) {
        (_, true) => document.top_feature().ok()?,
        (Part::Key, false) => match document.query_key_only(&route) {
            Ok(feature) => feature,
            Err(_) => document.query_exact(&route).ok()??,
        },
        (Part::Value, false) => match document.query_exact(&route).ok()? {
            Some(feature) => feature,
            None => document.query_key_only(&route).ok()?,
        },
    };
    Some(feature.location.byte_span)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(k: &str) -> Segment {
        Segment::Key(k.into())
    }

    fn text_at(text: &str, span: Span) -> &str {
        &text[span.start_byte..span.end_byte]
    }

    const DEPLOYMENT: &str =
        "object_type: deployment\nmodel_link:\n  link_type: model\n  path: rf # the model\n";

    #[test]
    fn finds_keys_and_values() {
        let locator = Locator::new(DEPLOYMENT);
        let route = [key("model_link"), key("path")];
        let value = locator.span(&route, Part::Value);
        assert_eq!(text_at(DEPLOYMENT, value), "rf");
        assert_eq!((value.start.line, value.start.column), (4, 9));
        let key_span = locator.span(&route, Part::Key);
        assert_eq!(text_at(DEPLOYMENT, key_span), "path");
    }

    #[test]
    fn the_text_scan_agrees_with_the_parser() {
        let texts = [
            "link_type: model\nobject_type: link\npath: models/rf\n",
            "# comment\npath: models/rf   # trailing\nrev: main\r\n",
            "path: a\n  b\n",
            "path: 'a b'\n",
            "path: [a]\n",
            "{path: a}\n",
            "x: |\n  path: no\npath: yes\n",
            "path: a\npath: b\n",
            "path:\n  a\n",
            "path : a\n",
            "path:a\n",
            "a:b: c\npath: d\n",
            "\"path\": a\n",
            "'pa\\'th': a\npath: b\n",
            "path: a #c\n",
            "- path: a\n",
            "path: a\n  # note\n",
            "**:\n",
            "*path: a\n",
            "&a path: b\n",
        ];
        for text in texts {
            let locator = Locator::new(text);
            for part in [Part::Key, Part::Value] {
                let fast = locator.span_by_index("path", part);
                let parsed = locator.span_by_parser(&[key("path")], part);
                if let Some(fast) = fast {
                    assert_eq!(Some(fast), parsed, "{text:?} {part:?}");
                }
            }
        }
        assert!(
            Locator::new(texts[0])
                .top_level_plain("path", Part::Value)
                .is_some()
        );
        assert!(
            Locator::new(texts[2])
                .top_level_plain("path", Part::Value)
                .is_none()
        );
        // Found by the fuzz target: `**:` is an alias, not a key.
        assert!(
            Locator::new("**:\n")
                .span_by_index("**", Part::Key)
                .is_none()
        );
    }

    #[test]
    fn many_findings_in_one_file_are_each_exact() {
        let mut text = String::from("link_type: model\n");
        for i in 0..20_000 {
            text.push_str(&format!("key{i}: v{i}\n"));
        }
        let locator = Locator::new(&text);
        for i in (0..20_000).step_by(997) {
            let span = locator.span(&[key(&format!("key{i}"))], Part::Value);
            assert_eq!(text_at(&text, span), format!("v{i}"));
            assert_eq!((span.start.line, span.start.column), (i + 2, 6 + digits(i)));
        }
    }

    fn digits(n: usize) -> usize {
        n.to_string().len()
    }

    #[test]
    fn the_parser_is_asked_a_bounded_number_of_times_per_file() {
        let keys: Vec<String> = (0..2 * PARSER_LOOKUPS)
            .map(|i| format!("k{i}: {i}"))
            .collect();
        let text = format!("{{{}}}\n", keys.join(", "));
        let locator = Locator::new(&text);
        for i in 0..2 * PARSER_LOOKUPS {
            let span = locator.span(&[key(&format!("k{i}"))], Part::Value);
            if i < PARSER_LOOKUPS {
                assert_eq!(text_at(&text, span), i.to_string());
            } else {
                assert_eq!(
                    span.start.line, 1,
                    "later lookups still point into the file"
                );
            }
        }
        assert_eq!(locator.parser_lookups.get(), PARSER_LOOKUPS);
    }

    #[test]
    fn a_huge_value_is_never_parsed_for_its_key() {
        let items = vec!["0"; 100_000].join(",");
        let text = format!("link_type: model\nx: [{items}]\n");
        let locator = Locator::new(&text);
        let span = locator.span(&[key("x")], Part::Key);
        assert_eq!(text_at(&text, span), "x");
        // The value of a file past the parser's size limit points at the index's best guess.
        let value = locator.span(&[key("x")], Part::Value);
        assert_eq!(value.start.line, 2);
        assert!(locator.document.get().is_none(), "parsed");
    }

    #[test]
    fn a_missing_key_falls_back_to_its_parent() {
        let locator = Locator::new(DEPLOYMENT);
        let span = locator.span(&[key("model_link"), key("rev")], Part::Value);
        assert_eq!(text_at(DEPLOYMENT, span), "model_link");
    }

    #[test]
    fn flow_mappings_and_quoted_keys_work() {
        let text = "{\"object_type\": link, path: 'a b'}";
        let span = Locator::new(text).span(&[key("path")], Part::Value);
        assert_eq!(text_at(text, span), "'a b'");
    }

    #[test]
    fn block_key_lines_find_plain_quoted_and_listed_keys() {
        let text = "path: a # note\n- \"path\": b\n  'path':\nmypath: c\n";
        let found: Vec<_> = block_key_lines(text, "path")
            .map(|l| {
                (
                    l.indent,
                    &text[l.key.0..l.key.1],
                    &text[l.value.0..l.value.1],
                )
            })
            .collect();
        assert_eq!(
            found,
            [(0, "path", "a"), (2, "\"path\"", "b"), (2, "'path'", "")]
        );
    }

    #[test]
    fn unparseable_text_still_gets_a_line() {
        let text = "a: [\npath: x\n";
        let span = Locator::new(text).span(&[key("path")], Part::Value);
        assert_eq!(span.start.line, 2);
        let nothing = Locator::new("").span(&[key("x")], Part::Key);
        assert_eq!(nothing.start.line, 1);
    }
}
