//! Fuzzes the span locator with many lookups per file: for every top-level key the text index
//! answers in a file the parser reads, its span must be the parser's; every span, past the
//! parser's lookup budget too, must lie in the file.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mlem_registry::mlem::Segment;
use mlem_registry::mlem::locate::{Locator, PARSER_LOOKUPS, Part};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // Candidate keys: every word the text starts a line with, plus a few that are missing.
    let mut keys: Vec<&str> = text
        .lines()
        .filter_map(|line| line.trim_start_matches([' ', '-']).split(':').next())
        .map(|key| key.trim_matches(['"', '\'']))
        .collect();
    keys.extend(["path", "rev", "nowhere"]);
    let locator = Locator::new(text);
    let checker = Locator::new(text);
    // Where the parser cannot read the text at all, the index's answer is the only one.
    let parses = checker.span_by_parser(&[], Part::Key).is_some();
    for (i, key) in keys.iter().cycle().take(2 * PARSER_LOOKUPS + keys.len()).enumerate() {
        let part = if i % 2 == 0 { Part::Key } else { Part::Value };
        let route = [Segment::Key((*key).to_owned())];
        if let Some(fast) = checker.span_by_index(key, part).filter(|_| parses) {
            let parsed = checker.span_by_parser(&route, part);
            assert_eq!(Some(fast), parsed, "{key:?} {part:?} in {text:?}");
        }
        let span = locator.span(&route, part);
        assert!(span.start_byte <= span.end_byte && span.end_byte <= text.len());
        assert!(span.start.line >= 1 && span.start.column >= 1);
    }
});
