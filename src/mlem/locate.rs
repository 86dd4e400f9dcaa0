//! Route to span: finds where a key or value sits in a file's text, so findings point at it.
//!
//! The tree-sitter parse behind it (yamlpath) is built lazily, once per file, and only for files
//! that have findings: the clean path never pays for it.

use std::cell::OnceCell;

use super::Segment;
use crate::finding::Span;

/// Which part of a `key: value` pair to point at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// The key alone.
    Key,
    /// The value alone (the key when the value is absent).
    Value,
}

/// Finds spans in one file's text.
pub struct Locator<'a> {
    text: &'a str,
    document: OnceCell<Option<yamlpath::Document>>,
}

impl<'a> Locator<'a> {
    /// A locator over `text`; nothing is parsed until a span is asked for.
    pub fn new(text: &'a str) -> Locator<'a> {
        Locator {
            text,
            document: OnceCell::new(),
        }
    }

    /// The text it locates in.
    pub fn text(&self) -> &'a str {
        self.text
    }

    /// The span of `part` of the value at `route`, or of the nearest ancestor that can be found,
    /// or of the first line: always some span, never a panic.
    pub fn span(&self, route: &[Segment], part: Part) -> Span {
        if let [Segment::Key(key)] = route
            && let Some(span) = self.top_level_plain(key, part)
        {
            return span;
        }
        if let Some(document) = self.document() {
            for depth in (1..=route.len()).rev() {
                let prefix = &route[..depth];
                let part = if depth == route.len() {
                    part
                } else {
                    Part::Key
                };
                if let Some((start, end)) = query(document, prefix, part) {
                    return Span::from_bytes(self.text, start, end);
                }
            }
        } else if let Some(Segment::Key(key)) = route.last()
            && let Some(span) = self.scan_for_key(key, part)
        {
            return span;
        }
        Span::first_line(self.text)
    }

    fn document(&self) -> Option<&yamlpath::Document> {
        self.document
            .get_or_init(|| yamlpath::Document::new(self.text).ok())
            .as_ref()
    }

    /// The fast path for the commonest case, a top-level `key: plain value` of a block mapping
    /// (most link files): a text scan, exact here, instead of a tree-sitter parse. `None`
    /// whenever the layout leaves any doubt (flow style, quotes, a value on later lines).
    fn top_level_plain(&self, key: &str, part: Part) -> Option<Span> {
        let text = self.text;
        let first = text
            .lines()
            .map(str::trim_start)
            .find(|l| !l.is_empty() && !l.starts_with('#'))?;
        if first.starts_with(['{', '[', '-', '%', '&', '!', '?', '|', '>', '"', '\'']) {
            return None;
        }
        let mut found = block_key_lines(text, key).filter(|line| line.indent == 0);
        let line = found.next()?;
        if found.next().is_some() {
            return None;
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
        Some(Span::from_bytes(text, start, end))
    }

    /// Fallback for text tree-sitter cannot parse: the first block-style `key:` line.
    fn scan_for_key(&self, key: &str, part: Part) -> Option<Span> {
        let line = block_key_lines(self.text, key).next()?;
        let (start, end) = match part {
            Part::Key => line.key,
            Part::Value => line.value,
        };
        Some(Span::from_bytes(self.text, start, end))
    }
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
        ];
        for text in texts {
            let locator = Locator::new(text);
            for part in [Part::Key, Part::Value] {
                let fast = locator.top_level_plain("path", part);
                let document = locator.document().unwrap();
                let parsed = query(document, &[key("path")], part)
                    .map(|(start, end)| Span::from_bytes(text, start, end));
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
