//! Shared test helpers: real git repositories in temp dirs, and the binary under test.
#![allow(dead_code)]

pub mod github;
pub mod hostile;

use std::path::{Path, PathBuf};
use std::process::Command;

/// A git repository in a temporary directory, driven with the git CLI (the tool itself uses gix).
pub struct Repo {
    dir: tempfile::TempDir,
}

impl Repo {
    /// An empty repository on branch `main`.
    pub fn new() -> Repo {
        let repo = Repo {
            dir: tempfile::tempdir().expect("temp dir"),
        };
        repo.git(&["init", "-q", "-b", "main"]);
        repo.git(&["config", "user.name", "Test"]);
        repo.git(&["config", "user.email", "test@example.invalid"]);
        repo.git(&["config", "commit.gpgsign", "false"]);
        repo.git(&["config", "tag.gpgsign", "false"]);
        repo
    }

    /// The working tree.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes `contents` to `path`, creating folders.
    pub fn write(&self, path: &str, contents: impl AsRef<[u8]>) -> &Repo {
        let full = self.path().join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, contents).unwrap();
        self
    }

    /// Deletes `path` from the working tree.
    pub fn remove(&self, path: &str) -> &Repo {
        std::fs::remove_file(self.path().join(path)).unwrap();
        self
    }

    /// Runs git in the repository and returns its trimmed stdout; panics on failure.
    pub fn git(&self, args: &[&str]) -> String {
        let output = Command::new("git")
            .args(args)
            .current_dir(self.path())
            .env("GIT_COMMITTER_DATE", "2022-12-13T04:06:01Z")
            .env("GIT_AUTHOR_DATE", "2022-12-13T04:06:01Z")
            .output()
            .expect("git runs");
        assert!(
            output.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).trim().to_owned()
    }

    /// Stages everything and commits; returns the commit id.
    pub fn commit(&self, message: &str) -> String {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "--allow-empty", "-m", message]);
        self.git(&["rev-parse", "HEAD"])
    }

    /// Replaces the whole working tree (but `.git`) with the files below `dir`.
    pub fn replace_with(&self, dir: &Path) -> &Repo {
        for entry in std::fs::read_dir(self.path()).unwrap() {
            let path = entry.unwrap().path();
            if path.file_name().unwrap() == ".git" {
                continue;
            }
            if path.is_dir() {
                std::fs::remove_dir_all(path).unwrap();
            } else {
                std::fs::remove_file(path).unwrap();
            }
        }
        copy_dir(dir, self.path());
        self
    }
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// `tests/fixtures/example-mlem-get-started`: the real files of MLEM's example repository.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/example-mlem-get-started")
}

/// The example repository's history rebuilt from the fixtures: one commit per distinct commit
/// of `refs.tsv`, in date order, with its branches and annotated tags.
pub fn example_repo() -> Repo {
    let repo = Repo::new();
    let refs = std::fs::read_to_string(fixtures().join("refs.tsv")).unwrap();
    let mut refs: Vec<Vec<&str>> = refs.lines().map(|l| l.split('\t').collect()).collect();
    refs.sort_by_key(|r| (r[3].to_owned(), r[1].to_owned()));
    let mut made: Vec<(String, String)> = Vec::new();
    for r in &refs {
        let (kind, name, sha) = (r[0], r[1], r[2]);
        let commit = match made.iter().find(|(s, _)| s == sha) {
            Some((_, ours)) => ours.clone(),
            None => {
                // A ref without a folder (0-git-init) had no MLEM files: an empty tree.
                let empty = tempfile::tempdir().unwrap();
                let folder = fixtures().join(name);
                repo.replace_with(if folder.is_dir() {
                    &folder
                } else {
                    empty.path()
                });
                write_artifacts(repo.path(), repo.path());
                let ours = repo.commit(name);
                made.push((sha.to_owned(), ours.clone()));
                ours
            }
        };
        match kind {
            "tags" => repo.git(&["tag", "-a", name, "-m", name, &commit]),
            _ if name == "main" => repo.git(&["branch", "-f", "keep-main", &commit]),
            _ => repo.git(&["branch", "-f", name, &commit]),
        };
    }
    repo.git(&["checkout", "-q", "-B", "main", "keep-main"]);
    repo.git(&["branch", "-D", "keep-main"]);
    repo
}

/// Writes the artifacts the MLEM objects below `dir` (in the repository at `root`) record, as
/// the example repository had them: the fixtures keep only MLEM files, so each artifact is a
/// file of its recorded size (the weights, the data set), or for `type: dvc` the `<uri>.dvc`
/// file DVC keeps in git in its place, with MLEM's md5 and size.
pub fn write_artifacts(root: &Path, dir: &Path) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.file_name().unwrap() == ".git" {
            continue;
        }
        if path.is_dir() {
            write_artifacts(root, &path);
            continue;
        }
        if path.extension().is_none_or(|e| e != "mlem") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let Ok(object) = serde_yaml::from_str::<serde_json::Value>(&text) else {
            continue;
        };
        let Some(artifacts) = object["artifacts"].as_object() else {
            continue;
        };
        for artifact in artifacts.values() {
            let (Some(uri), Some(size)) = (artifact["uri"].as_str(), artifact["size"].as_u64())
            else {
                continue;
            };
            let file = path.parent().unwrap().join(uri);
            assert!(file.starts_with(root), "{uri} leaves the repository");
            if artifact["type"] == "dvc" {
                let md5 = artifact["hash"].as_str().unwrap_or_default();
                let record =
                    format!("outs:\n- md5: {md5}\n  size: {size}\n  hash: md5\n  path: {uri}\n");
                std::fs::write(file.with_added_extension("dvc"), record).unwrap();
            } else {
                std::fs::write(file, vec![b'w'; size as usize]).unwrap();
            }
        }
    }
}

/// A link file to `path` in `repo` at `rev`.
pub fn remote(link_type: &str, repo: &str, rev: Option<&str>, path: &str) -> String {
    let rev = rev.map_or(String::new(), |r| format!("rev: {r}\n"));
    format!("link_type: {link_type}\nobject_type: link\npath: {path}\nrepo: {repo}\n{rev}")
}

/// A registry (committed) holding `files`.
pub fn registry(files: &[(&str, String)]) -> Repo {
    let repo = Repo::new();
    for (path, text) in files {
        repo.write(path, text);
    }
    repo.commit("registry");
    repo
}

/// The binary under test.
pub fn bin() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("mlem-registry").unwrap();
    cmd.env_remove("NO_COLOR").env("CLICOLOR", "0");
    // The runner's own GitHub settings must not leak into a test (nor its token anywhere).
    for name in [
        "GITHUB_TOKEN",
        "GH_TOKEN",
        "GITHUB_API_URL",
        "GITHUB_GRAPHQL_URL",
        "GITHUB_SERVER_URL",
    ] {
        cmd.env_remove(name);
    }
    cmd
}

/// Runs `check` with `args` in `repo` and returns (exit code, stdout).
/// `hook pre-push origin ARGS` in `repo`, as git runs it for a push of `tip` to `ref`
/// (`refs/heads/...`) whose remote side is `remote` (40 zeros: a new branch).
pub fn pre_push(
    repo: &Path,
    args: &[&str],
    reference: &str,
    tip: &str,
    remote: &str,
) -> std::process::Output {
    bin()
        .current_dir(repo)
        .args(["hook", "pre-push"])
        .args(args)
        .arg("origin")
        .write_stdin(format!("{reference} {tip} {reference} {remote}\n"))
        .output()
        .unwrap()
}

pub fn check(dir: &Path, args: &[&str]) -> (i32, String) {
    let output = bin()
        .arg("check")
        .args(args)
        .arg(dir)
        .arg("--color=never")
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned()
            + &String::from_utf8_lossy(&output.stderr),
    )
}

/// Runs `check --format json` and returns (exit code, the document).
pub fn check_json(dir: &Path, args: &[&str]) -> (i32, serde_json::Value) {
    let output = bin()
        .arg("check")
        .args(args)
        .args(["--format", "json"])
        .arg(dir)
        .output()
        .unwrap();
    let json = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    });
    (output.status.code().unwrap_or(-1), json)
}

/// The (rule, file, line) of every finding in a JSON document.
pub fn rules(json: &serde_json::Value) -> Vec<(String, String, u64)> {
    json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_owned(),
                f["file"].as_str().unwrap().to_owned(),
                f["line"].as_u64().unwrap(),
            )
        })
        .collect()
}

pub const MODEL: &str = "object_type: model\n";

/// A relative link file to `path` of type `link_type`.
pub fn link(link_type: &str, path: &str) -> String {
    format!("link_type: {link_type}\nobject_type: link\npath: {path}\n")
}

/// Runs `check --format json` on `registry` against `server`, with `token` in GITHUB_TOKEN.
pub fn check_against(
    server: &github::GitHub,
    registry: &Repo,
    token: Option<&str>,
    args: &[&str],
) -> (i32, serde_json::Value, String) {
    let mut cmd = bin();
    cmd.arg("check")
        .arg(registry.path())
        .args(["--format", "json", "--retry-delay", "20"])
        .args(args)
        .env("GITHUB_API_URL", server.url());
    if let Some(token) = token {
        cmd.env("GITHUB_TOKEN", token);
    }
    let output = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let json = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {stderr}"));
    assert!(
        server.invalid_queries().is_empty(),
        "queries GitHub would reject: {:?}",
        server.invalid_queries()
    );
    (output.status.code().unwrap_or(-1), json, stderr)
}

/// The human output of `check` on `registry` against `server` with `token`, the registry's path
/// shown as `[registry]`.
pub fn human_against(server: &github::GitHub, registry: &Repo, token: &str) -> String {
    let output = bin()
        .arg("check")
        .arg(registry.path())
        .args(["--color", "never"])
        .env("GITHUB_API_URL", server.url())
        .env("GITHUB_TOKEN", token)
        .output()
        .unwrap();
    String::from_utf8_lossy(&output.stdout)
        .replace(&*registry.path().to_string_lossy(), "[registry]")
}

/// Replaces commit ids, full (40 hex digits) and as tables shorten them (12): they depend on
/// when the test repository was built.
pub fn redact_shas(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut run = String::new();
    for c in text.chars().chain(std::iter::once(' ')) {
        if c.is_ascii_hexdigit() {
            run.push(c);
            continue;
        }
        out.push_str(match run.len() {
            40 => "[sha]",
            12 => "[short sha]",
            _ => &run,
        });
        run.clear();
        out.push(c);
    }
    out.pop();
    out
}
