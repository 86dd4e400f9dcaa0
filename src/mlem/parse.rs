//! Bytes to a YAML document: every way a `.mlem` file can fail to be YAML becomes a [`Problem`].

use super::json_value::{DUPLICATE_KEY, JsonValue};
use serde_json::Value;

/// Why a file's bytes are not a YAML document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// The file has this many bytes, over the limit; it was not read whole.
    TooLarge {
        /// Size of the file in bytes.
        size: u64,
    },
    /// The bytes are not UTF-8 from this offset on.
    Encoding {
        /// Length of the valid UTF-8 prefix.
        valid_up_to: usize,
        /// The first invalid byte.
        byte: u8,
    },
    /// No YAML content at all: empty, blank or only comments.
    Empty,
    /// The YAML parser refused the text.
    Syntax {
        /// The parser's message, without its position.
        message: String,
        /// Byte offset of the error, when the parser knows it.
        offset: Option<usize>,
    },
    /// A mapping names a key twice.
    DuplicateKey {
        /// The repeated key.
        key: String,
        /// Byte offset where the parser noticed it, when known.
        offset: Option<usize>,
    },
}

impl Problem {
    /// A short reason, for messages about links that point at this file.
    pub fn reason(&self) -> String {
        match self {
            Problem::TooLarge { size } => format!("it is {size} bytes, too large for metadata"),
            Problem::Encoding { .. } => "it is not UTF-8 text".into(),
            Problem::Empty => "the file is empty".into(),
            Problem::Syntax { message, .. } => format!("invalid YAML: {message}"),
            Problem::DuplicateKey { key, .. } => format!("duplicate key `{key}`"),
        }
    }
}

/// A `.mlem` file parsed as YAML: its text, and its value in JSON's data model or the problem.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed {
    /// The file's text; invalid UTF-8 sequences replaced by U+FFFD so it can still be shown.
    pub text: String,
    /// The YAML value, as JSON Schema sees it, or why there is none.
    pub value: Result<Value, Problem>,
}

/// Parses `bytes` as one YAML document.
pub fn parse(bytes: Vec<u8>) -> Parsed {
    match String::from_utf8(bytes) {
        Ok(text) => {
            let value = parse_text(&text);
            Parsed { text, value }
        }
        Err(error) => {
            let valid_up_to = error.utf8_error().valid_up_to();
            let byte = error.as_bytes()[valid_up_to];
            Parsed {
                text: String::from_utf8_lossy(error.as_bytes()).into_owned(),
                value: Err(Problem::Encoding { valid_up_to, byte }),
            }
        }
    }
}

/// Parses `text` as one YAML document into JSON's data model.
pub fn parse_text(text: &str) -> Result<Value, Problem> {
    if text.trim_start_matches('\u{feff}').trim().is_empty() {
        return Err(Problem::Empty);
    }
    // Most link files are flat mappings of one-line strings, read without the full parser.
    match super::flat::read(text) {
        Some(value) => Ok(value),
        None => parse_full(text),
    }
}

/// [`parse_text`] by the full YAML parser alone, for text that is not blank: what the fast
/// reader ([`super::flat`]) must agree with.
pub fn parse_full(text: &str) -> Result<Value, Problem> {
    if let Some(offset) = too_deep(text) {
        return Err(Problem::Syntax {
            message: format!("nesting deeper than {MAX_FLOW_DEPTH} levels"),
            offset: Some(offset),
        });
    }
    // serde_yaml reads a leading byte-order mark as a second document; offsets keep counting it.
    let bom = if text.starts_with('\u{feff}') {
        '\u{feff}'.len_utf8()
    } else {
        0
    };
    let value = serde_yaml::from_str::<JsonValue>(&text[bom..]).map_err(|error| {
        let mut problem = syntax_problem(&error);
        if let Problem::Syntax {
            offset: Some(at), ..
        }
        | Problem::DuplicateKey {
            offset: Some(at), ..
        } = &mut problem
        {
            *at += bom;
        }
        problem
    })?;
    if value.0.is_null() && only_comments(text) {
        return Err(Problem::Empty);
    }
    Ok(value.0)
}

/// Flow collections (`[`, `{`) nested deeper than this are refused before parsing: the YAML
/// parser takes time quadratic in their depth, and no MLEM file nests more than a few levels.
pub const MAX_FLOW_DEPTH: usize = 64;

/// Offset of the bracket that nests flow collections too deep, if any. Quoted scalars and
/// comments are skipped; anything else is left to the parser.
fn too_deep(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let (mut depth, mut i) = (0usize, 0);
    while i < bytes.len() {
        match bytes[i] {
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_FLOW_DEPTH {
                    return Some(i);
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            b'#' => i = memchr_newline(bytes, i),
            quote @ (b'"' | b'\'') if i == 0 || b" \t\n[{,:-?".contains(&bytes[i - 1]) => {
                i += 1;
                while i < bytes.len() && bytes[i] != quote {
                    i += if bytes[i] == b'\\' && quote == b'"' {
                        2
                    } else {
                        1
                    };
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

fn memchr_newline(bytes: &[u8], from: usize) -> usize {
    bytes[from..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(bytes.len(), |p| from + p)
}

fn only_comments(text: &str) -> bool {
    text.lines()
        .map(str::trim)
        .all(|line| line.is_empty() || line.starts_with('#'))
}

fn syntax_problem(error: &serde_yaml::Error) -> Problem {
    let offset = error.location().map(|at| at.index());
    let message = error.to_string();
    // serde_yaml appends " at line L column C"; positions are reported separately.
    let message = match message.find(" at line ") {
        Some(cut) => message[..cut].to_owned(),
        None => message,
    };
    match duplicate_key(&message) {
        Some(key) => Problem::DuplicateKey { key, offset },
        None => Problem::Syntax { message, offset },
    }
}

/// The key named by serde_yaml's "duplicate entry with key ..." message.
fn duplicate_key(message: &str) -> Option<String> {
    let rest = message.split(DUPLICATE_KEY).nth(1)?;
    Some(rest.trim_matches('"').to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_real_mlem_file() {
        let value = parse_text(include_str!(
            "../../tests/fixtures/example-mlem-get-started/main/data/iris.csv.mlem"
        ))
        .unwrap();
        assert_eq!(value["object_type"], "data");
        assert_eq!(value["artifacts"]["data"]["size"], 2470);
    }

    #[test]
    fn blank_files_are_empty() {
        assert_eq!(parse_text(""), Err(Problem::Empty));
        assert_eq!(parse_text("\n  \n# c\n"), Err(Problem::Empty));
        assert_eq!(parse_text("~\n"), Ok(Value::Null));
    }

    #[test]
    fn duplicate_keys_name_the_key() {
        match parse_text("a: 1\nb: 2\na: 3\n") {
            Err(Problem::DuplicateKey { key, offset }) => {
                assert_eq!(key, "a");
                assert!(offset.is_some());
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn odd_scalars_survive_conversion() {
        let value = parse_text("1: .nan\n? [a]\n: !tag x\n").unwrap();
        assert_eq!(value["1"], ".nan");
        assert_eq!(value["[\"a\"]"], "x");
    }

    #[test]
    fn deep_flow_nesting_is_refused_before_parsing() {
        let deep = format!("a: {}{}", "[".repeat(65), "]".repeat(65));
        assert!(matches!(
            parse_text(&deep),
            Err(Problem::Syntax {
                offset: Some(67),
                ..
            })
        ));
        let fine = format!("a: {}{}", "[".repeat(64), "]".repeat(64));
        assert!(parse_text(&fine).is_ok());
        assert!(parse_text("a: \"[[[[\" # {{{{\nb: '{{'\n").is_ok());
    }

    #[test]
    fn a_byte_order_mark_is_not_a_second_document() {
        let value = parse_text("\u{feff}object_type: model\nx: 1\n").unwrap();
        assert_eq!(value["object_type"], "model");
    }

    #[test]
    fn invalid_utf8_says_where() {
        let parsed = parse(b"ab\xffc".to_vec());
        assert_eq!(
            parsed.value,
            Err(Problem::Encoding {
                valid_up_to: 2,
                byte: 0xff
            })
        );
        assert_eq!(parsed.text, "ab\u{fffd}c");
    }
}
