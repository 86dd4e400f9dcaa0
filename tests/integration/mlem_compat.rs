//! Compatibility with real MLEM 0.4.14: MLEM's `load_meta` reads the links this tool writes,
//! with and without `follow_links`, and this tool checks the links MLEM's `mlem link` writes
//! (which are byte for byte the same). Needs a Python with `mlem` installed (`MLEM_PYTHON`, or
//! `target/ci/mlem-venv/bin/python` as `.ci/run` makes it), so it is ignored by a plain `cargo
//! test`, visibly, and run by name where MLEM is: `cargo test --test integration mlem_compat --
//! --ignored`, as `.ci/run` does. Run so without MLEM, it fails saying why.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{Repo, bin, fixtures};

/// The Python that has MLEM, or why there is none.
fn mlem_python() -> Result<PathBuf, String> {
    let python = std::env::var_os("MLEM_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("target/ci/mlem-venv/bin/python")
        });
    let works = Command::new(&python)
        .args(["-c", "import mlem"])
        .output()
        .is_ok_and(|o| o.status.success());
    if works {
        Ok(python)
    } else {
        Err(format!(
            "{} cannot import mlem (bash .ci/run installs mlem==0.4.14 there)",
            python.display()
        ))
    }
}

/// Runs MLEM's `program` (its Python or its CLI) in `dir`; its standard output.
fn run_mlem(program: &Path, dir: &Path, args: &[&str]) -> String {
    let output = Command::new(program)
        .current_dir(dir)
        .args(args)
        .env("MLEM_TESTS", "true")
        .env("MLEM_DEBUG", "false")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn tool(dir: &Path, args: &[&str]) {
    let output = bin().current_dir(dir).args(args).output().unwrap();
    assert!(
        output.status.success(),
        "{args:?}: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A project holding the example's real model file, as MLEM wrote it, committed.
fn source_project() -> Repo {
    let source = Repo::new();
    let model = std::fs::read(fixtures().join("2-train/models/rf.mlem")).unwrap();
    source.write(".mlem.yaml", "");
    source.write("models/rf.mlem", model);
    // With its weights, as MLEM saved them.
    common::write_artifacts(source.path(), source.path());
    source.commit("a model MLEM saved");
    source
}

#[test]
#[ignore = "needs MLEM 0.4.14: cargo test --test integration mlem_compat -- --ignored (MLEM_PYTHON, or .ci/run's venv)"]
fn mlem_reads_our_links_and_we_check_mlems() {
    let mlem = mlem_python().unwrap_or_else(|why| panic!("{why}"));
    let source = source_project();
    let registry = Repo::new();
    tool(registry.path(), &["init"]);
    // Links to repositories of this machine need the config's consent.
    registry.write(".mlem-registry.toml", "allowed_hosts = [\"file\"]\n");
    let model = std::fs::read(fixtures().join("2-train/models/rf.mlem")).unwrap();
    registry.write("local/rf.mlem", model);
    common::write_artifacts(registry.path(), registry.path());
    let source_dir = source.path().to_str().unwrap();
    tool(
        registry.path(),
        &["link", "-q", "--sp", source_dir, "models/rf", "ours-remote"],
    );
    tool(registry.path(), &["link", "-q", "local/rf", "ours-alias"]);
    tool(registry.path(), &["link", "-q", "ours-alias", "ours-chain"]);

    // Real MLEM reads them, as links and followed to the model.
    let script = r#"
import json
from mlem.api import load_meta
out = {}
for name in ["ours-remote", "ours-alias", "ours-chain"]:
    link = load_meta(name, project=".", follow_links=False)
    target = load_meta(name, project=".", follow_links=True, load_value=False)
    out[name] = {
        "class": type(link).__name__,
        "path": link.path,
        "project": link.project,
        "link_type": link.link_type,
        "followed": target.object_type,
    }
print(json.dumps(out))
"#;
    let read: serde_json::Value =
        serde_json::from_str(&run_mlem(&mlem, registry.path(), &["-c", script]))
            .expect("MLEM printed JSON");
    for name in ["ours-remote", "ours-alias", "ours-chain"] {
        assert_eq!(read[name]["class"], "MlemLink", "{read:#}");
        assert_eq!(read[name]["link_type"], "model", "{read:#}");
        assert_eq!(read[name]["followed"], "model", "{read:#}");
    }
    assert_eq!(read["ours-remote"]["path"], "models/rf.mlem");
    let canonical = std::fs::canonicalize(source.path()).unwrap();
    assert_eq!(
        read["ours-remote"]["project"],
        format!("file://{}/", canonical.display())
    );
    assert_eq!(read["ours-alias"]["path"], "local/rf.mlem");

    // Real MLEM writes the same links, byte for byte; this tool checks them clean.
    let mlem_cli = mlem.with_file_name("mlem");
    for (args, ours) in [
        (
            vec!["--sp", source_dir, "models/rf", "mlem-remote"],
            "ours-remote",
        ),
        (vec!["local/rf", "mlem-alias"], "ours-alias"),
        (vec!["ours-alias", "mlem-chain"], "ours-chain"),
    ] {
        let mut argv = vec!["link"];
        argv.extend(&args);
        run_mlem(&mlem_cli, registry.path(), &argv);
        let name = args.last().unwrap();
        let theirs = std::fs::read_to_string(registry.path().join(format!("{name}.mlem"))).unwrap();
        let mine = std::fs::read_to_string(registry.path().join(format!("{ours}.mlem"))).unwrap();
        assert_eq!(theirs, mine, "{name}");
    }
    registry.commit("links by both tools");
    let output = bin()
        .arg("check")
        .arg(registry.path())
        .args(["--format", "json"])
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["summary"]["errors"], 0, "{json:#}");
    assert_eq!(json["summary"]["links"], 6, "{json:#}");
}
