//! Differential fuzzing of the fast reader for flat link files against the full YAML parser:
//! wherever `mlem::flat::read` answers, `parse_full` must give the same value. Each input is
//! tried as it is (arbitrary bytes, or the fixtures' MLEM files mutated when they seed the
//! corpus) and as a document assembled from its bytes out of lines and scalars at the edges of
//! what YAML reads as a string.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mlem_registry::mlem::{flat, parse};

/// Pieces a generated line is made of: keys, separators and scalars YAML reads in many ways.
const PIECES: &[&str] = &[
    "link_type", "path", "rev", "a", "1", "y", "_", "k-k", "a.b", ":", ": ", " ", "'", "''", "\"",
    "\\", "#", " #", "-", "- ", "?", "~", "!", "&", "*", "|", ">", "[", "]", "{", "}", ",", "%",
    "@", "`", "=", "+", ".", "0", "1e3", "0x", "0o", "0b", "inf", "nan", "true", "null", "yes",
    "off", "main", "4-pack", "/", "//", "http://h/x", "\t", "\r", "\u{feff}", "é", "---", "...",
    "\n", "\n ", "\n  ",
];

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        agree(text);
    }
    let generated: String = data
        .iter()
        .map(|&b| PIECES[usize::from(b) % PIECES.len()])
        .collect();
    agree(&generated);
});

fn agree(text: &str) {
    if let Some(fast) = flat::read(text) {
        assert_eq!(Ok(fast), parse::parse_full(text), "{text:?}");
    }
}
