//! A fast reader for the files MLEM writes: a flat block mapping of one-line keys and scalars.
//!
//! It answers only where its answer is the YAML parser's: printable ASCII, one `key: value` per
//! line at the left margin, keys and plain values that can only be strings, quoted values with no
//! escapes, comment and blank lines. Anything else (flow style or any bracket, anchors, tags,
//! nesting, multi-line or empty values, numbers, booleans, duplicate keys, a BOM, CR, tabs,
//! non-ASCII) is `None`, and
//! [`super::parse::parse_text`] gives it to the full parser. The fuzz target `flat` compares the
//! two.

use serde_json::{Map, Value};

/// The mapping in `text`, when `text` is a flat block mapping this reader knows to be exactly
/// what the YAML parser reads; `None` for everything else.
pub fn read(text: &str) -> Option<Value> {
    // Brackets too are left to the parser, even inside quotes: the full path refuses flow
    // nesting past its limit before parsing, and must be the one to say so.
    if !text
        .bytes()
        .all(|b| b == b'\n' || ((b' '..=b'~').contains(&b) && !b"[]{}".contains(&b)))
    {
        return None;
    }
    let mut mapping = Map::new();
    for line in text.split('\n') {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (key, value) = line.split_once(':')?;
        if !is_key(key) || mapping.contains_key(key) {
            return None;
        }
        let value = value.strip_prefix(' ')?;
        mapping.insert(key.to_owned(), Value::String(scalar(value)?));
    }
    (!mapping.is_empty()).then_some(Value::Object(mapping))
}

/// The longest key read here: YAML allows an implicit key of at most 1024 characters, and a key
/// near that limit is no key MLEM writes, so it is left to the parser with room to spare.
const MAX_KEY: usize = 1000;

/// Whether `key` is a plain scalar made of word characters that YAML reads as that string.
fn is_key(key: &str) -> bool {
    key.len() <= MAX_KEY
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.')
        && is_plain_string(key)
}

/// The string a one-line value stands for: single-quoted (`''` is one quote), double-quoted with
/// no escapes, or plain; `None` when it might be anything else.
fn scalar(value: &str) -> Option<String> {
    if let Some(inner) = value.strip_prefix('\'') {
        let inner = inner.strip_suffix('\'')?;
        // Each quote inside comes doubled; a lone one would end the scalar early.
        return (!inner.replace("''", "").contains('\'')).then(|| inner.replace("''", "'"));
    }
    if let Some(inner) = value.strip_prefix('"') {
        let inner = inner.strip_suffix('"')?;
        return (!inner.contains(['"', '\\'])).then(|| inner.to_owned());
    }
    let plain = value
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"_-./:@+~%=".contains(&b));
    (plain && !value.ends_with(':') && is_plain_string(value)).then(|| value.to_owned())
}

/// Whether a plain scalar of word characters and `_-./:@+~%=` is a string to YAML's core schema
/// (not null, a boolean, an integer or a float), judged conservatively: it starts with a letter,
/// `_` or `/` and is no null, boolean or float word (YAML 1.1's included), or it starts with a digit
/// and holds a letter no number can hold.
fn is_plain_string(plain: &str) -> bool {
    let Some(first) = plain.bytes().next() else {
        return false;
    };
    if first.is_ascii_digit() {
        return plain
            .bytes()
            .any(|b| b.is_ascii_alphabetic() && !b.is_ascii_hexdigit() && !b"xXoO".contains(&b));
    }
    if !(first.is_ascii_alphabetic() || first == b'_' || first == b'/') {
        return false;
    }
    const WORDS: [&str; 11] = [
        "null", "true", "false", "yes", "no", "on", "off", "y", "n", "inf", "nan",
    ];
    !WORDS.iter().any(|word| plain.eq_ignore_ascii_case(word)) && plain.parse::<f64>().is_err()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full(text: &str) -> Value {
        super::super::parse::parse_full(text).unwrap()
    }

    /// Asserts that where the fast reader answers, the full parser gives the same value.
    fn agrees(text: &str) -> bool {
        let fast = read(text);
        if let Some(fast) = &fast {
            assert_eq!(
                Ok(fast),
                super::super::parse::parse_full(text).as_ref(),
                "{text:?}"
            );
        }
        fast.is_some()
    }

    /// Scalars at the edges of what YAML reads as a string.
    const VALUES: &[&str] = &[
        "main",
        "4-pack",
        "v1.0",
        "a.b",
        "_",
        "_1",
        "/abs",
        "e1",
        "x1",
        "5e3",
        "5e3d",
        "1e",
        "0x1f",
        "0x",
        "0o7",
        "0b1",
        "0b2",
        "08",
        "0777",
        "1_000",
        "1_",
        "1.5",
        "0.",
        ".5",
        "-1",
        "+1",
        "1g",
        "12:30:00",
        "1:2",
        "2001-12-14",
        ".inf",
        "-.inf",
        "inf",
        "Inf",
        "nan",
        "NaN",
        "Infinity",
        "infinity",
        "true",
        "True",
        "TRUE",
        "tRUE",
        "false",
        "y",
        "Y",
        "n",
        "yes",
        "Yes",
        "no",
        "on",
        "off",
        "null",
        "Null",
        "NULL",
        "~",
        "~x",
        "x~",
        "",
        " ",
        "a b",
        "a:b",
        "a: b",
        "a:",
        "a::b",
        "http://x/y",
        "a#b",
        "a #b",
        "#",
        "'x'",
        "'x''y'",
        "'x'y'",
        "''",
        ", '",
        "\"x\"",
        "\"x\\ty\"",
        "\"\"",
        "\"x'y\"",
        "'x\"y'",
        "@x",
        "%x",
        "`x",
        "!x",
        "&x",
        "*x",
        "|",
        ">",
        "[a]",
        "{a: b}",
        "-",
        "- a",
        "-a",
        "?",
        "? a",
        ",",
        "a,b",
        "=",
        "a=b",
        "+",
        "%",
        "a%b",
        "a@b",
        "a+b",
        "<<",
        "\\",
        "x\\",
        "a'",
        "a\"",
    ];

    #[test]
    fn agrees_with_the_parser_on_every_edge_scalar_as_key_and_value() {
        let mut read_fast = 0;
        for scalar in VALUES {
            for text in [
                format!("k: {scalar}\n"),
                format!("k: {scalar}"),
                format!("{scalar}: v\n"),
                format!("a: b\n{scalar}: v\n"),
                format!("# c\nk: {scalar}\n\nz: {scalar}\n"),
            ] {
                read_fast += usize::from(agrees(&text));
            }
        }
        // The reader is not empty-handed: the plain words and the quoted strings are its.
        assert!(read_fast > 80, "{read_fast}");
    }

    #[test]
    fn agrees_with_the_parser_on_the_fixtures_and_their_line_mutations() {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
        let mut stack = vec![std::path::PathBuf::from(root)];
        let mut files = 0;
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                if path.extension().is_none_or(|ext| ext != "mlem") {
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap();
                files += 1;
                agrees(&text);
                let lines: Vec<&str> = text.lines().collect();
                for i in 0..lines.len() {
                    // Each line dropped, repeated, indented, and moved to the end.
                    let mut variants = vec![lines.clone(); 4];
                    variants[0].remove(i);
                    variants[1].insert(i, lines[i]);
                    let indented = format!(" {}", lines[i]);
                    variants[2][i] = &indented;
                    let moved = variants[3].remove(i);
                    variants[3].push(moved);
                    for variant in variants {
                        agrees(&variant.join("\n"));
                    }
                }
            }
        }
        assert!(files > 10, "{files} MLEM files");
    }

    #[test]
    fn reads_what_mlem_writes_as_the_parser_does() {
        for text in [
            "link_type: model\nobject_type: link\npath: models/rf.mlem\nrepo: https://github.com/iterative/example-mlem-get-started/\nrev: main\n",
            "link_type: model\nobject_type: link\npath: rf\nrev: 4-pack",
            "# a registry link\n\nlink_type: model\nobject_type: link\npath: 'it''s here'\nrev: \"v1.0\"\n",
            "path: _x\nrepo: /abs/path\nrev: 7af3-g\n",
        ] {
            assert_eq!(read(text), Some(full(text)), "{text:?}");
        }
    }

    #[test]
    fn leaves_everything_else_to_the_parser() {
        for text in [
            "",
            "# only a comment\n",
            "a: 1\n",
            "a: 1.5\n",
            "a: 1e3\n",
            "a: 0x1f\n",
            "rev: 5e3d\n",
            "a: true\n",
            "a: Null\n",
            "a: ~\n",
            "a: .inf\n",
            "a: nan\n",
            "a: yes\n",
            "a:\n",
            "a: \n",
            "a: b \n",
            "a: b c\n",
            "a: b:\n",
            "a: b # c\n",
            "a: 'b\n",
            "a: 'b'c'\n",
            "a: \"b\\n\"\n",
            "a: [b]\n",
            "a: {b: c}\n",
            "a: &x b\n",
            "a: *x\n",
            "a: !t b\n",
            "a: |\n  b\n",
            "a:\n  b: c\n",
            " a: b\n",
            "- a\n",
            "---\na: b\n",
            "a: b\n...\n",
            "%YAML 1.2\n---\na: b\n",
            "a: b\na: c\n",
            "a: b\r\n",
            "a:\tb\n",
            "\u{feff}a: b\n",
            "a: é\n",
            "1: b\n",
            "true: b\n",
            "a b: c\n",
            "\"a\": b\n",
            format!("{}: b\n", "k".repeat(1025)).as_str(),
            // Found by the fuzz target: the full path refuses deep flow nesting before parsing.
            format!("a: '''{}'\n", "{".repeat(65)).as_str(),
            "a: '{'\n",
        ] {
            assert_eq!(read(text), None, "{text:?}");
        }
    }
}
