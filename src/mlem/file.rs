//! One file's bytes turned into a MLEM object, as far as they go: the one place every stage
//! (check, the resolvers, `link`, `resolve`, `ls`) reads a `*.mlem` file.

use serde_json::Value;

use super::parse::{self, Problem};
use super::{MlemObject, NotObject};
use crate::registry::Content;

/// One file read and parsed.
#[derive(Debug, Clone)]
pub struct ParsedFile {
    /// Its text (lossily decoded when it is not UTF-8; empty when too large to read).
    pub text: String,
    /// Why it is not YAML, if it is not.
    pub problem: Option<Problem>,
    /// Its value, when it is YAML.
    pub value: Option<Value>,
    /// The MLEM object it holds, or why it holds none.
    pub object: Result<MlemObject, NotObject>,
}

impl ParsedFile {
    /// The object, or why there is none, borrowed.
    pub fn object(&self) -> Result<&MlemObject, &NotObject> {
        self.object.as_ref()
    }
}

/// Parses a file's content as far as it goes.
pub fn parse_content(content: Content) -> ParsedFile {
    let parsed = match content {
        Content::TooLarge(size) => parse::Parsed {
            text: String::new(),
            value: Err(Problem::TooLarge { size }),
        },
        Content::Bytes(bytes) => parse::parse(bytes),
    };
    match parsed.value {
        Ok(value) => ParsedFile {
            object: MlemObject::from_value(&value),
            text: parsed.text,
            problem: None,
            value: Some(value),
        },
        Err(problem) => ParsedFile {
            object: Err(NotObject::Unparsable(problem.clone())),
            text: parsed.text,
            problem: Some(problem),
            value: None,
        },
    }
}
