//! Generates a large registry for the benchmark: `cargo run --release --example gen_registry -- DIR N`.
//!
//! Files go 100 to a folder. Of every 100: 10 models (each with its artifact beside it), 2 data
//! sets, 3 builders, 80 valid relative links (to models, some through MLEM 0.2's `.mlem/model/`
//! layout), 5 broken ones.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = args.next().expect("usage: gen_registry DIR N");
    let count: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(100_000);
    let root = Path::new(&dir);
    let mut written = 0;
    let mut folder = 0;
    while written < count {
        let sub = root.join(format!("team{:03}/batch{folder:04}", folder % 100));
        std::fs::create_dir_all(&sub).unwrap();
        for i in 0..100.min(count - written) {
            let (name, body) = file(folder, i);
            std::fs::write(sub.join(name), body).unwrap();
            // Each model's artifact, of the size its file records: the models are complete.
            if i < 10 {
                std::fs::write(sub.join(format!("m{i}")), vec![b'w'; i]).unwrap();
            }
        }
        written += 100.min(count - written);
        folder += 1;
    }
    std::fs::create_dir_all(root.join(".mlem/model")).unwrap();
    std::fs::write(root.join(".mlem/model/legacy.mlem"), "object_type: model\n").unwrap();
    eprintln!("wrote {written} files in {folder} folders under {dir}");
}

fn file(folder: usize, i: usize) -> (String, String) {
    let batch = format!("team{:03}/batch{folder:04}", folder % 100);
    let mut body = String::new();
    let name = match i {
        0..=9 => {
            writeln!(body, "object_type: model\nartifacts:\n  data:\n    hash: {folder:032x}\n    size: {i}\n    uri: m{i}").unwrap();
            format!("m{i}.mlem")
        }
        10..=11 => {
            body.push_str("object_type: data\nreader:\n  format: csv\n  type: pandas\n");
            format!("d{i}.mlem")
        }
        12..=14 => {
            body.push_str("object_type: builder\ntype: pip\ntarget: build/\n");
            format!("b{i}.mlem")
        }
        15..=94 => {
            let target = if i.is_multiple_of(40) {
                "legacy".to_owned()
            } else {
                format!("{batch}/m{}", i % 10)
            };
            writeln!(body, "link_type: model\nobject_type: link\npath: {target}").unwrap();
            format!("l{i}.mlem")
        }
        _ => {
            writeln!(
                body,
                "link_type: model\nobject_type: link\npath: {batch}/missing{i}"
            )
            .unwrap();
            format!("broken{i}.mlem")
        }
    };
    (name, body)
}
