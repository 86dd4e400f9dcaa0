//! Fuzzes parse + validate + span lookup + relative resolution on one arbitrary `.mlem` file
//! sitting next to a few real targets: nothing may panic, and every span must lie in the file.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mlem_registry::check::{Options, check_snapshot};
use mlem_registry::registry::memory::MemoryTree;

fuzz_target!(|data: &[u8]| {
    let tree = MemoryTree::new([
        ("fuzz.mlem", data.to_vec()),
        ("models/rf.mlem", b"object_type: model\n".to_vec()),
        ("link.mlem", b"link_type: model\nobject_type: link\npath: fuzz\n".to_vec()),
    ])
    .with_symlink("alias.mlem", "fuzz.mlem");
    let report = check_snapshot(&tree, &Options::default()).expect("memory trees list");
    for finding in &report.findings {
        let text = report.sources.get(&finding.file).map_or("", String::as_str);
        let span = finding.span;
        assert!(span.start_byte <= span.end_byte, "{finding:?}");
        assert!(span.end_byte <= text.len(), "{finding:?}");
        assert!(span.start.line >= 1 && span.start.column >= 1, "{finding:?}");
        assert!((span.start.line, span.start.column) <= (span.end.line, span.end.column), "{finding:?}");
    }
});
