//! What users read when something is off: one snapshot of the messages of the usual mistakes
//! (a missing path, a revision that names nothing, a repository with no commits, a refused
//! `file://` link, a mistyped rule, hooks with nothing to remove, counts of one), so a change
//! to any of them shows in review.

use std::path::Path;

use crate::common::{MODEL, Repo, bin, link};

/// One command's transcript: what was run, its output with temporary paths replaced, its code.
struct Transcript {
    text: String,
    /// Temporary paths and what they read as in the snapshot.
    names: Vec<(String, &'static str)>,
}

impl Transcript {
    fn new() -> Transcript {
        Transcript {
            text: String::new(),
            names: Vec::new(),
        }
    }

    /// `path` reads as `name` in the snapshot.
    fn name(&mut self, path: &Path, name: &'static str) {
        let canonical = path.canonicalize().unwrap();
        self.names.push((canonical.display().to_string(), name));
        self.names.push((path.display().to_string(), name));
    }

    /// Runs `mlem-registry args` in `dir` and records it.
    fn run(&mut self, dir: &Path, args: &[&str]) {
        let out = bin().current_dir(dir).args(args).output().unwrap();
        let mut said = String::from_utf8_lossy(&out.stdout).into_owned();
        said.push_str(&String::from_utf8_lossy(&out.stderr));
        let mut line = args.join(" ");
        for (path, name) in &self.names {
            said = said.replace(path.as_str(), name);
            line = line.replace(path.as_str(), name);
        }
        self.text.push_str(&format!(
            "$ mlem-registry {line}\n{said}[exit {}]\n\n",
            out.status.code().unwrap_or(-1)
        ));
    }
}

#[test]
fn messages_snapshot() {
    let mut said = Transcript::new();
    let empty = Repo::new();
    said.name(empty.path(), "[EMPTY]");
    let models = Repo::new();
    models.write("models/rf.mlem", MODEL);
    let commit = models.commit("a model");
    said.name(models.path(), "[MODELS]");
    said.names.push((commit, "[COMMIT]"));
    let registry = Repo::new();
    said.name(registry.path(), "[REGISTRY]");
    registry.write(".mlem.yaml", "");
    registry.write("models/rf.mlem", MODEL);
    registry.write("rf.mlem", link("model", "models/rf"));
    registry.write("gone.mlem", link("model", "models/gone"));
    let url = format!(
        "file://{}/",
        models.path().canonicalize().unwrap().display()
    );
    let local = format!(
        "link_type: model\nobject_type: link\npath: models/rf.mlem\nproject: {url}\nrev: main\n"
    );
    registry.write("local.mlem", &local);
    registry.write(".mlem-registry.toml", "allowed_hosts = [\"github.com\"]\n");
    registry.commit("registry");

    said.run(registry.path(), &["check", "/definitely/not/here"]);
    said.run(registry.path(), &["check", "--rev", "nosuch"]);
    said.run(empty.path(), &["check", "--rev", "HEAD"]);
    said.run(empty.path(), &["check", "--offline"]);
    said.run(
        registry.path(),
        &["check", "--github-server-url", "https://"],
    );
    said.run(registry.path(), &["check", "--explain", "cycle"]);
    said.run(registry.path(), &["resolve", "gone"]);
    said.run(
        registry.path(),
        &["link", "--type", "bogus", "models/rf", "x"],
    );
    said.run(registry.path(), &["check", "--explain", "nothing-like-it"]);
    // A `file://` link under a host list without "file"; counts of one.
    said.run(registry.path(), &["check", "local.mlem", "--offline"]);
    registry.write(".mlem-registry.toml", "allowed_hosts = [\"file\"]\n");
    said.run(registry.path(), &["pin", "local.mlem", "--dry-run"]);
    // A link to a repository with no commits.
    let empty_dir = empty.path().to_str().unwrap().to_owned();
    said.run(
        registry.path(),
        &["link", "--sp", &empty_dir, "models/rf", "y"],
    );
    said.run(registry.path(), &["hook", "uninstall"]);
    said.run(
        registry.path(),
        &["hook", "install", "--path", "/definitely/not/here"],
    );
    said.run(registry.path(), &["init", "rf.mlem"]);
    std::fs::write(registry.path().join(".git/hooks/pre-push"), "#!/bin/sh\n").unwrap();
    said.run(registry.path(), &["hook", "uninstall"]);
    said.run(registry.path(), &["hook", "install", "--force"]);
    said.run(registry.path(), &["hook", "uninstall"]);
    insta::assert_snapshot!(said.text);
}
