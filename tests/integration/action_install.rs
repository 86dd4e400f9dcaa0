//! The composite action's install script, `action/install.sh`, run as the runner runs it: bash
//! with the runner's variables (RUNNER_OS, RUNNER_ARCH, RUNNER_TEMP, GITHUB_PATH, GITHUB_OUTPUT,
//! GITHUB_ACTION_PATH = this repository, GITHUB_SERVER_URL) and a clean PATH, against a release
//! server on 127.0.0.1 that serves what the release workflow publishes: archives holding the
//! binary cargo built for these tests, the commit file and the checksums file. Then `action.yml`
//! itself, step by step, with its expressions evaluated for the inputs set here.
#![cfg(unix)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use serde_json::Value;

const REPOSITORY: &str = "owner/mlem-registry";
const VERSION: &str = env!("CARGO_PKG_VERSION");
/// The commit the served release says it was built from.
const RELEASE_COMMIT: &str = "0123456789abcdef0123456789abcdef01234567";
const RUNNERS: &[(&str, &str, &str)] = &[
    ("Linux", "X64", "x86_64-unknown-linux-musl"),
    ("Linux", "ARM64", "aarch64-unknown-linux-musl"),
    ("macOS", "ARM64", "aarch64-apple-darwin"),
    ("macOS", "X64", "x86_64-apple-darwin"),
];
/// A clean PATH: the system's tools, nothing from this machine's user or toolchains.
const SYSTEM_PATH: &str = "/usr/bin:/bin";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn script() -> PathBuf {
    root().join("action/install.sh")
}

fn tag() -> String {
    format!("v{VERSION}")
}

fn download_path(asset: &str) -> String {
    format!("/{REPOSITORY}/releases/download/{}/{asset}", tag())
}

fn sums_name() -> String {
    format!("mlem-registry-{}-sha256sums.txt", tag())
}

fn commit_name() -> String {
    format!("mlem-registry-{}-commit.txt", tag())
}

fn archive_name(target: &str) -> String {
    format!("mlem-registry-{}-{target}.tar.gz", tag())
}

fn sha256(bytes: &[u8]) -> String {
    let mut child = Command::new("sha256sum")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("sha256sum");
    child.stdin.take().unwrap().write_all(bytes).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success());
    String::from_utf8(output.stdout).unwrap()[..64].to_owned()
}

/// The binary cargo built for these tests, read once (the shared target folder may be relinked
/// under a long test run) and stripped of its debug information (binutils' `strip`, there beside
/// the linker cargo uses): the release build has none, and 300 MB of it would slow the archives
/// down and come near the script's 100 MiB cap.
fn built_binary() -> &'static [u8] {
    static BINARY: OnceLock<Vec<u8>> = OnceLock::new();
    BINARY.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let copy = dir.path().join("mlem-registry");
        std::fs::copy(env!("CARGO_BIN_EXE_mlem-registry"), &copy).unwrap();
        let stripped = Command::new("strip").arg(&copy).status();
        assert!(
            stripped.as_ref().is_ok_and(|status| status.success()),
            "strip (binutils) failed: {stripped:?}"
        );
        std::fs::read(&copy).unwrap()
    })
}

fn write_executable(path: &Path, bytes: &[u8]) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, bytes).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// `mlem-registry-vX.Y.Z-TARGET.tar.gz` as the release workflow packs it, holding the binary
/// built for these tests; made once per target.
fn archive(target: &str) -> Arc<Vec<u8>> {
    static ARCHIVES: OnceLock<Mutex<BTreeMap<String, Arc<Vec<u8>>>>> = OnceLock::new();
    let mut archives = ARCHIVES.get_or_init(Mutex::default).lock().unwrap();
    let made = archives.entry(target.to_owned()).or_insert_with(|| {
        let dir = tempfile::tempdir().unwrap();
        let stem = format!("mlem-registry-{}-{target}", tag());
        std::fs::create_dir(dir.path().join(&stem)).unwrap();
        write_executable(
            &dir.path().join(&stem).join("mlem-registry"),
            built_binary(),
        );
        std::fs::copy(
            root().join("README.md"),
            dir.path().join(&stem).join("README.md"),
        )
        .unwrap();
        let out = dir.path().join("archive.tar.gz");
        let status = Command::new("tar")
            .arg("-C")
            .arg(dir.path())
            .args(["-I", "gzip -1", "-cf"])
            .arg(&out)
            .arg(&stem)
            .status()
            .unwrap();
        assert!(status.success(), "tar");
        Arc::new(std::fs::read(out).unwrap())
    });
    Arc::clone(made)
}

/// The assets of a release: every archive, the commit file and the checksums file over them.
fn release_assets() -> BTreeMap<String, Arc<Vec<u8>>> {
    let mut assets: BTreeMap<String, Arc<Vec<u8>>> = RUNNERS
        .iter()
        .map(|(_, _, target)| (archive_name(target), archive(target)))
        .collect();
    assets.insert(
        commit_name(),
        Arc::new(format!("{RELEASE_COMMIT}\n").into_bytes()),
    );
    let sums: String = assets
        .iter()
        .map(|(name, bytes)| format!("{}  {name}\n", sha256(bytes)))
        .collect();
    assets.insert(sums_name(), Arc::new(sums.into_bytes()));
    assets
}

/// A release server on 127.0.0.1: serves `assets` under `/OWNER/NAME/releases/download/TAG/`,
/// 404 for anything else, and logs every path requested.
struct Server {
    url: String,
    requests: Arc<Mutex<Vec<String>>>,
}

impl Server {
    fn start(assets: BTreeMap<String, Arc<Vec<u8>>>) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let requests: Arc<Mutex<Vec<String>>> = Arc::default();
        let log = Arc::clone(&requests);
        let files: BTreeMap<String, Arc<Vec<u8>>> = assets
            .into_iter()
            .map(|(name, bytes)| (download_path(&name), bytes))
            .collect();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                serve(stream, &files, &log);
            }
        });
        Server { url, requests }
    }

    fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

fn serve(mut stream: TcpStream, files: &BTreeMap<String, Arc<Vec<u8>>>, log: &Mutex<Vec<String>>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut request = String::new();
    if reader.read_line(&mut request).is_err() {
        return;
    }
    let mut header = String::new();
    while reader.read_line(&mut header).is_ok_and(|n| n > 2) {
        header.clear();
    }
    let path = request.split_whitespace().nth(1).unwrap_or_default();
    log.lock().unwrap().push(path.to_owned());
    let (status, body): (&str, &[u8]) = match files.get(path) {
        Some(bytes) => ("200 OK", bytes),
        None => ("404 Not Found", b"Not Found"),
    };
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Length: {}\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(body);
}

/// One job on a fake runner: its RUNNER_TEMP, its GITHUB_PATH and GITHUB_OUTPUT files, and a
/// folder first on PATH holding a `cargo` stand-in that records its arguments.
struct Job {
    dir: tempfile::TempDir,
}

impl Job {
    fn new() -> Job {
        let job = Job {
            dir: tempfile::tempdir().unwrap(),
        };
        for folder in ["temp", "stand-ins", "home"] {
            std::fs::create_dir(job.dir.path().join(folder)).unwrap();
        }
        job
    }

    /// Puts the `cargo` stand-in first on PATH: it records its arguments and installs the binary
    /// built for these tests where `--root` says.
    fn with_cargo_stand_in(self) -> Job {
        let built = self.dir.path().join("built-mlem-registry");
        write_executable(&built, built_binary());
        let script = format!(
            "#!/bin/bash\nprintf '%s\\n' \"$@\" > '{record}'\npwd -P > '{cwd}'\n\
             while [ $# -gt 0 ]; do [ \"$1\" = --root ] && root=$2; shift; done\n\
             mkdir -p \"$root/bin\" && cp '{built}' \"$root/bin/mlem-registry\"\n",
            record = self.cargo_record().display(),
            cwd = self.cargo_cwd().display(),
            built = built.display(),
        );
        write_executable(&self.stand_ins().join("cargo"), script.as_bytes());
        self
    }

    fn temp(&self) -> PathBuf {
        self.dir.path().join("temp")
    }

    fn stand_ins(&self) -> PathBuf {
        self.dir.path().join("stand-ins")
    }

    fn cargo_record(&self) -> PathBuf {
        self.dir.path().join("cargo-arguments")
    }

    /// The folder the `cargo` stand-in ran in.
    fn cargo_cwd(&self) -> PathBuf {
        self.dir.path().join("cargo-cwd")
    }

    /// The pull request's checkout the install steps run in (the runner's default working
    /// directory): hostile, with a `rust-toolchain.toml` naming a "toolchain" of its own, which
    /// rustup would run in place of cargo were the build started from here.
    fn hostile_workspace(&self) -> PathBuf {
        let workspace = self.dir.path().join("workspace");
        std::fs::create_dir_all(workspace.join("evil-toolchain/bin")).unwrap();
        std::fs::write(
            workspace.join("rust-toolchain.toml"),
            format!(
                "[toolchain]\npath = \"{}\"\n",
                workspace.join("evil-toolchain").display()
            ),
        )
        .unwrap();
        workspace
    }

    fn github_path(&self) -> PathBuf {
        self.dir.path().join("github-path")
    }

    fn github_output(&self) -> PathBuf {
        self.dir.path().join("github-output")
    }

    fn clean_path(&self) -> String {
        format!("{}:{SYSTEM_PATH}", self.stand_ins().display())
    }

    /// The runner's environment for a step of the action on RUNNER_OS/RUNNER_ARCH, fetching
    /// releases from `server`; GITHUB_PATH and GITHUB_OUTPUT are the files given.
    fn runner_env(
        &self,
        command: &mut Command,
        os: &str,
        arch: &str,
        server: &Server,
        files: (&Path, &Path),
    ) {
        command
            .env_clear()
            .current_dir(root())
            .env("PATH", self.clean_path())
            .env("HOME", self.dir.path().join("home"))
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_WORKSPACE", root())
            .env("RUNNER_OS", os)
            .env("RUNNER_ARCH", arch)
            .env("RUNNER_TEMP", self.temp())
            .env("GITHUB_PATH", files.0)
            .env("GITHUB_OUTPUT", files.1)
            .env("GITHUB_ACTION_PATH", root())
            .env("GITHUB_SERVER_URL", &server.url);
    }

    /// `install.sh STAGE` with the action's ref and repository as the runner gives them to an
    /// action (GITHUB_ACTION_REF, GITHUB_ACTION_REPOSITORY).
    fn install(&self, stage: &str, os: &str, arch: &str, action_ref: &str, server: &Server) -> Run {
        let mut command = Command::new("bash");
        command.arg(script()).arg(stage);
        self.runner_env(
            &mut command,
            os,
            arch,
            server,
            (&self.github_path(), &self.github_output()),
        );
        let workspace = self.hostile_workspace();
        command
            .current_dir(&workspace)
            .env("GITHUB_WORKSPACE", &workspace)
            .env("GITHUB_ACTION_REF", action_ref)
            .env("GITHUB_ACTION_REPOSITORY", REPOSITORY);
        Run::of(command.output().unwrap())
    }

    /// The folders the script added to GITHUB_PATH.
    fn added_to_path(&self) -> Vec<String> {
        lines(&self.github_path())
    }

    fn outputs(&self) -> BTreeMap<String, String> {
        outputs(&self.github_output())
    }
}

fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect()
}

/// The `name=value` lines of a GITHUB_OUTPUT file.
fn outputs(path: &Path) -> BTreeMap<String, String> {
    lines(path)
        .iter()
        .filter_map(|line| line.split_once('='))
        .map(|(name, value)| (name.to_owned(), value.to_owned()))
        .collect()
}

struct Run {
    code: Option<i32>,
    log: String,
}

impl Run {
    fn of(output: Output) -> Run {
        Run {
            code: output.status.code(),
            log: format!(
                "{}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            ),
        }
    }

    fn succeeded(&self) -> &Run {
        assert_eq!(self.code, Some(0), "the script failed:\n{}", self.log);
        self
    }

    fn failed_with(&self, error: &str) -> &Run {
        assert_eq!(self.code, Some(1), "the script did not fail:\n{}", self.log);
        let line = self
            .log
            .lines()
            .find(|line| line.starts_with("::error "))
            .unwrap_or_else(|| panic!("no ::error:: line:\n{}", self.log));
        assert!(line.contains(error), "{line}\n\nnot: {error}");
        self
    }
}

/// The release for each runner, installed: the archive for its target is the one asked for,
/// after the checksums, and the folder it is unpacked to goes on GITHUB_PATH.
#[test]
fn each_runner_gets_the_archive_for_its_target() {
    let server = Server::start(release_assets());
    let major = format!("v{}", VERSION.split('.').next().unwrap());
    for (index, (os, arch, target)) in RUNNERS.iter().enumerate() {
        // The exact release tag and the moving major tag both name this release.
        let action_ref = if index % 2 == 0 { tag() } else { major.clone() };
        let job = Job::new().with_cargo_stand_in();
        let before = server.requests().len();
        let run = job.install("release", os, arch, &action_ref, &server);
        run.succeeded();
        assert_eq!(
            server.requests()[before..],
            [
                download_path(&sums_name()),
                download_path(&archive_name(target))
            ],
            "{os} {arch}"
        );
        let added = job.added_to_path();
        assert_eq!(added.len(), 1, "{added:?}");
        let folder = Path::new(&added[0]);
        assert!(folder.starts_with(job.temp()), "{added:?}");
        assert!(folder.ends_with(format!("mlem-registry-{}-{target}", tag())));
        assert!(folder.join("mlem-registry").is_file());
        assert_eq!(job.outputs()["source"], "false");
        assert!(
            run.log
                .contains(&format!("SHA-256 of {} verified", archive_name(target)))
        );
        assert!(!job.cargo_record().exists(), "cargo ran:\n{}", run.log);
    }
}

#[test]
fn a_checksum_that_does_not_match_is_refused() {
    let mut assets = release_assets();
    let target = "x86_64-unknown-linux-musl";
    let sums = String::from_utf8(assets[&sums_name()].to_vec()).unwrap();
    let right = sha256(&archive(target));
    let wrong = format!("{}{}", &right[1..], &right[..1]);
    assets.insert(
        sums_name(),
        Arc::new(sums.replace(&right, &wrong).into_bytes()),
    );
    let server = Server::start(assets);
    let job = Job::new();
    job.install("release", "Linux", "X64", &tag(), &server)
        .failed_with(&format!(
            "SHA-256 mismatch for {}: the release's checksums file says {wrong}, the download is {right}",
            archive_name(target)
        ));
    assert_eq!(job.added_to_path(), Vec::<String>::new());
    assert!(!job.outputs().contains_key("source"));
}

/// An archive whose binary is a symbolic link (into the runner, say) is refused, even with the
/// right checksum: the checksum covers the archive, not where a link in it leads.
#[test]
fn a_binary_that_is_a_symbolic_link_is_refused() {
    let target = "x86_64-unknown-linux-musl";
    let dir = tempfile::tempdir().unwrap();
    let stem = format!("mlem-registry-{}-{target}", tag());
    std::fs::create_dir(dir.path().join(&stem)).unwrap();
    std::os::unix::fs::symlink("/bin/true", dir.path().join(&stem).join("mlem-registry")).unwrap();
    let out = dir.path().join("linked.tar.gz");
    let status = Command::new("tar")
        .arg("-C")
        .arg(dir.path())
        .args(["-czf"])
        .arg(&out)
        .arg(&stem)
        .status()
        .unwrap();
    assert!(status.success(), "tar");
    let linked = std::fs::read(out).unwrap();
    let mut assets = release_assets();
    let sums = String::from_utf8(assets[&sums_name()].to_vec()).unwrap();
    let sums = sums.replace(&sha256(&archive(target)), &sha256(&linked));
    assets.insert(archive_name(target), Arc::new(linked));
    assets.insert(sums_name(), Arc::new(sums.into_bytes()));
    let server = Server::start(assets);
    let job = Job::new();
    job.install("release", "Linux", "X64", &tag(), &server)
        .failed_with(&format!(
            "{} holds no executable {stem}/mlem-registry (a regular file)",
            archive_name(target)
        ));
    assert_eq!(job.added_to_path(), Vec::<String>::new());
}

#[test]
fn an_archive_missing_from_the_checksums_is_refused() {
    let mut assets = release_assets();
    let target = "aarch64-apple-darwin";
    let sums = String::from_utf8(assets[&sums_name()].to_vec()).unwrap();
    let kept: String = sums
        .lines()
        .filter(|line| !line.ends_with(&archive_name(target)))
        .map(|line| format!("{line}\n"))
        .collect();
    assert_ne!(kept, sums);
    assets.insert(sums_name(), Arc::new(kept.into_bytes()));
    let server = Server::start(assets);
    let job = Job::new();
    job.install("release", "macOS", "ARM64", &tag(), &server)
        .failed_with(&format!(
            "the release's checksums file has no single SHA-256 entry for {}",
            archive_name(target)
        ));
    assert_eq!(job.added_to_path(), Vec::<String>::new());
}

/// A release tag whose assets cannot be had is an error, never a quiet source build.
#[test]
fn a_release_tag_without_its_release_is_an_error() {
    let server = Server::start(BTreeMap::new());
    let job = Job::new().with_cargo_stand_in();
    job.install("release", "Linux", "X64", &tag(), &server)
        .failed_with(&format!(
            "cannot download {} of release {} from {}/{REPOSITORY} (HTTP 404)",
            sums_name(),
            tag(),
            server.url
        ));
    assert_eq!(job.added_to_path(), Vec::<String>::new());
    assert!(!job.cargo_record().exists());
}

/// A branch is no release: the script says so, hands over to the source build, and that build
/// is `cargo install --locked` of the action's own folder.
#[test]
fn a_branch_builds_from_source() {
    let server = Server::start(release_assets());
    let job = Job::new().with_cargo_stand_in();
    let run = job.install("release", "Linux", "X64", "main", &server);
    run.succeeded();
    assert!(
        run.log.lines().any(|line| line.starts_with(
            "::notice title=mlem-registry builds from source::this action's ref \"main\" is not a release (a branch or another ref), so mlem-registry is built from source with cargo (this takes minutes)."
        )),
        "{}",
        run.log
    );
    assert_eq!(server.requests(), Vec::<String>::new());
    assert_eq!(job.added_to_path(), Vec::<String>::new());
    let outputs = job.outputs();
    assert_eq!(outputs["source"], "true");
    let build_dir = job.temp().join("mlem-registry-build");
    assert_eq!(outputs["build-dir"], build_dir.display().to_string());
    let restore_key = &outputs["cache-restore-key"];
    assert!(restore_key.starts_with("mlem-registry-source-Linux-X64-"));
    assert_eq!(outputs["cache-key"], format!("{restore_key}main"));

    let run = job.install("source", "Linux", "X64", "main", &server);
    run.succeeded();
    let install_root = job.temp().join("mlem-registry-source");
    assert_eq!(
        lines(&job.cargo_record()),
        [
            "install".to_owned(),
            "--locked".into(),
            "--path".into(),
            root().display().to_string(),
            "--root".into(),
            install_root.display().to_string(),
            "--target-dir".into(),
            build_dir.display().to_string(),
        ]
    );
    // Started in the action's own folder, never in the pull request's checkout: no toolchain
    // file or cargo config of the change picks what builds the binary.
    assert_eq!(
        std::fs::read_to_string(job.cargo_cwd()).unwrap().trim_end(),
        root().canonicalize().unwrap().display().to_string()
    );
    assert!(run.log.contains("building mlem-registry from source"));
    assert_eq!(
        job.added_to_path(),
        [install_root.join("bin").display().to_string()]
    );
}

#[test]
fn a_runner_without_a_release_binary_builds_from_source() {
    let server = Server::start(release_assets());
    let job = Job::new();
    let run = job.install("release", "Windows", "X64", &tag(), &server);
    run.succeeded();
    assert!(
        run.log.contains(
            "there is no release binary for this runner (RUNNER_OS=Windows, RUNNER_ARCH=X64), so mlem-registry is built from source"
        ),
        "{}",
        run.log
    );
    assert_eq!(job.outputs()["source"], "true");
    assert_eq!(server.requests(), Vec::<String>::new());
}

/// A version tag of another version (a fork's tag, a tag on the wrong commit) is not this
/// release.
#[test]
fn a_version_tag_of_another_version_builds_from_source() {
    let server = Server::start(release_assets());
    let job = Job::new();
    let run = job.install("release", "Linux", "X64", "v999", &server);
    run.succeeded();
    assert!(
        run.log.contains(&format!(
            "this action's ref v999 is not a release of version {VERSION}"
        )),
        "{}",
        run.log
    );
    assert_eq!(job.outputs()["source"], "true");
    assert_eq!(server.requests(), Vec::<String>::new());
}

/// A commit ref is the release when the release's commit file, itself covered by the
/// checksums, names that commit.
#[test]
fn the_releases_commit_downloads_the_release() {
    let server = Server::start(release_assets());
    let job = Job::new();
    job.install("release", "Linux", "ARM64", RELEASE_COMMIT, &server)
        .succeeded();
    assert_eq!(
        server.requests(),
        [
            download_path(&sums_name()),
            download_path(&commit_name()),
            download_path(&archive_name("aarch64-unknown-linux-musl")),
        ]
    );
    assert_eq!(job.added_to_path().len(), 1);
    assert_eq!(job.outputs()["source"], "false");
}

#[test]
fn another_commit_builds_from_source() {
    let server = Server::start(release_assets());
    let job = Job::new();
    let other = "89abcdef0123456789abcdef0123456789abcdef";
    let run = job.install("release", "Linux", "X64", other, &server);
    run.succeeded();
    assert!(
        run.log.contains(&format!(
            "this action's ref {other} is not a release: release {} was built from {RELEASE_COMMIT}, so mlem-registry is built from source",
            tag()
        )),
        "{}",
        run.log
    );
    assert_eq!(
        server.requests(),
        [download_path(&sums_name()), download_path(&commit_name())]
    );
    assert_eq!(job.added_to_path(), Vec::<String>::new());
    assert_eq!(job.outputs()["source"], "true");

    // No release of this version at all: a development commit.
    let server = Server::start(BTreeMap::new());
    let job = Job::new();
    let run = job.install("release", "Linux", "X64", other, &server);
    run.succeeded();
    assert!(
        run.log
            .contains(&format!("version {VERSION} has no release {}", tag())),
        "{}",
        run.log
    );
    assert_eq!(job.outputs()["source"], "true");
}

/// A commit file that is not the one the checksums cover is refused, not trusted.
#[test]
fn a_tampered_commit_file_is_refused() {
    let mut assets = release_assets();
    let other = "89abcdef0123456789abcdef0123456789abcdef";
    assets.insert(commit_name(), Arc::new(format!("{other}\n").into_bytes()));
    let server = Server::start(assets);
    let job = Job::new();
    job.install("release", "Linux", "X64", other, &server)
        .failed_with(&format!("SHA-256 mismatch for {}", commit_name()));
    assert_eq!(job.added_to_path(), Vec::<String>::new());
}

/// The installed binary is the action's entry point: `mlem-registry action` reads the inputs
/// and writes the outputs.
#[test]
fn the_installed_binary_runs_the_check() {
    let server = Server::start(release_assets());
    let job = Job::new();
    job.install("release", "Linux", "X64", &tag(), &server)
        .succeeded();
    let folder = job.added_to_path().remove(0);
    let check_output = job.dir.path().join("check-output");
    let mut command = Command::new("bash");
    command.args(["-c", "mlem-registry action"]);
    job.runner_env(
        &mut command,
        "Linux",
        "X64",
        &server,
        (&job.dir.path().join("unused"), &check_output),
    );
    command
        .env("PATH", format!("{folder}:{SYSTEM_PATH}"))
        .env("INPUT_PATH", "examples/registry")
        .env("INPUT_ARGS", "--offline");
    let run = Run::of(command.output().unwrap());
    assert_eq!(run.code, Some(1), "{}", run.log);
    let outputs = outputs(&check_output);
    assert!(
        outputs.get("errors").is_some_and(|n| n != "0"),
        "{outputs:?}\n{}",
        run.log
    );
}

// --- action.yml, step by step --------------------------------------------------------------

/// Evaluates the few expressions `action.yml` uses: `inputs.X`, `github.X`, `steps.X.outputs.Y`,
/// and `==` / `!=` against a quoted string joined by `&&`. Anything else fails the test.
struct Expressions<'a> {
    inputs: &'a BTreeMap<String, String>,
    github: &'a BTreeMap<&'static str, String>,
    steps: &'a BTreeMap<String, BTreeMap<String, String>>,
}

impl Expressions<'_> {
    fn value(&self, name: &str) -> String {
        let name = name.trim();
        let parts: Vec<&str> = name.split('.').collect();
        match parts.as_slice() {
            ["inputs", input] => self.inputs[*input].clone(),
            ["github", key] => self
                .github
                .get(key)
                .unwrap_or_else(|| panic!("github.{key} is not set in this test"))
                .clone(),
            ["steps", id, "outputs", output] => self
                .steps
                .get(*id)
                .and_then(|outputs| outputs.get(*output))
                .cloned()
                .unwrap_or_default(),
            _ => panic!("unsupported expression `{name}`"),
        }
    }

    fn condition(&self, text: &str) -> bool {
        text.split("&&").all(|clause| {
            let (name, equal, literal) = if let Some((a, b)) = clause.split_once("!=") {
                (a, false, b)
            } else if let Some((a, b)) = clause.split_once("==") {
                (a, true, b)
            } else {
                panic!("unsupported condition `{clause}`")
            };
            let literal = literal.trim().trim_matches('\'');
            (self.value(name) == literal) == equal
        })
    }

    /// A string with `${{ … }}` in it, each replaced by its value.
    fn substitute(&self, text: &str) -> String {
        let mut out = String::new();
        let mut rest = text;
        while let Some(start) = rest.find("${{") {
            out.push_str(&rest[..start]);
            let end = rest[start..].find("}}").expect("an unclosed ${{") + start;
            out.push_str(&self.value(&rest[start + 3..end]));
            rest = &rest[end + 2..];
        }
        out.push_str(rest);
        out
    }
}

/// What one run of the composite action did.
struct Composite {
    code: Option<i32>,
    log: String,
    /// The `uses:` steps that ran (not run here: they are the cache's).
    used: Vec<String>,
    outputs: BTreeMap<String, String>,
    /// From the start of the first step to the first line the check step printed.
    to_first_check_line: Option<Duration>,
}

/// Runs action.yml's steps as the runner does: each `if:` evaluated, each `run:` in
/// `bash --noprofile --norc -eo pipefail` with its `env:` evaluated, a GITHUB_OUTPUT and a
/// GITHUB_PATH file of its own per step (what a step adds to PATH is there for the next ones),
/// the first failing step ending the run; then the action's outputs evaluated. The runner sets
/// GITHUB_ACTION_REF and GITHUB_ACTION_REPOSITORY empty in a composite action's steps: so here.
fn run_composite(job: &Job, server: &Server, action_ref: &str, with: &[(&str, &str)]) -> Composite {
    let action: Value =
        serde_yaml::from_str(&std::fs::read_to_string(root().join("action.yml")).unwrap()).unwrap();
    let github: BTreeMap<&'static str, String> = [
        ("action_ref", action_ref.to_owned()),
        ("action_repository", REPOSITORY.to_owned()),
        ("token", String::new()),
    ]
    .into();
    let mut inputs = BTreeMap::new();
    for (name, input) in action["inputs"].as_object().unwrap() {
        let given = with.iter().find(|(key, _)| key == name).map(|(_, v)| *v);
        let default = input["default"].as_str().unwrap_or_default();
        let no_steps = BTreeMap::new();
        let defaults = Expressions {
            inputs: &BTreeMap::new(),
            github: &github,
            steps: &no_steps,
        };
        inputs.insert(
            name.clone(),
            given.map_or_else(|| defaults.substitute(default), str::to_owned),
        );
    }
    let mut steps: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let mut path = job.clean_path();
    let mut log = String::new();
    let mut used = Vec::new();
    let mut code = Some(0);
    let mut to_first_check_line = None;
    let start = Instant::now();
    for (index, step) in action["runs"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
    {
        let expressions = Expressions {
            inputs: &inputs,
            github: &github,
            steps: &steps,
        };
        if let Some(condition) = step["if"].as_str()
            && !expressions.condition(condition)
        {
            continue;
        }
        if let Some(uses) = step["uses"].as_str() {
            used.push(uses.to_owned());
            continue;
        }
        assert_eq!(step["shell"], "bash");
        let run = step["run"].as_str().expect("run");
        let script = job.dir.path().join(format!("step-{index}.sh"));
        std::fs::write(&script, run).unwrap();
        let github_path = job.dir.path().join(format!("step-{index}-path"));
        let github_output = job.dir.path().join(format!("step-{index}-output"));
        let mut command = Command::new("bash");
        command.args(["--noprofile", "--norc", "-eo", "pipefail"]);
        command.arg(&script);
        job.runner_env(
            &mut command,
            "Linux",
            "X64",
            server,
            (&github_path, &github_output),
        );
        command
            .env("PATH", &path)
            .env("GITHUB_ACTION_REF", "")
            .env("GITHUB_ACTION_REPOSITORY", "")
            .env(
                "GITHUB_STEP_SUMMARY",
                job.dir.path().join("step-summary.md"),
            );
        for (name, value) in step["env"].as_object().into_iter().flatten() {
            command.env(name, expressions.substitute(value.as_str().unwrap()));
        }
        let is_check = step["id"] == "check";
        let (status, text, first_line) = run_watching_first_line(command);
        if is_check {
            to_first_check_line = first_line.map(|at| at - start);
        }
        log.push_str(&text);
        if let Some(id) = step["id"].as_str() {
            steps.insert(id.to_owned(), outputs(&github_output));
        }
        for folder in lines(&github_path).into_iter().rev() {
            path = format!("{folder}:{path}");
        }
        if status != Some(0) {
            code = status;
            break;
        }
    }
    let expressions = Expressions {
        inputs: &inputs,
        github: &github,
        steps: &steps,
    };
    let outputs = action["outputs"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(name, output)| {
            let value = expressions.substitute(output["value"].as_str().unwrap());
            (name.clone(), value)
        })
        .collect();
    Composite {
        code,
        log,
        used,
        outputs,
        to_first_check_line,
    }
}

/// Runs `command`, returning its exit code, what it printed (both streams) and when its first
/// line came.
fn run_watching_first_line(mut command: Command) -> (Option<i32>, String, Option<Instant>) {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let first: Arc<Mutex<Option<Instant>>> = Arc::default();
    let readers: Vec<_> = [
        Box::new(child.stdout.take().unwrap()) as Box<dyn Read + Send>,
        Box::new(child.stderr.take().unwrap()),
    ]
    .into_iter()
    .map(|stream| {
        let first = Arc::clone(&first);
        std::thread::spawn(move || {
            let mut text = String::new();
            for line in BufReader::new(stream).lines() {
                let line = line.unwrap_or_default();
                first.lock().unwrap().get_or_insert_with(Instant::now);
                text.push_str(&line);
                text.push('\n');
            }
            text
        })
    })
    .collect();
    let text: String = readers.into_iter().map(|r| r.join().unwrap()).collect();
    let status = child.wait().unwrap();
    let first = *first.lock().unwrap();
    (status.code(), text, first)
}

const WITH: &[(&str, &str)] = &[
    ("path", "examples/registry"),
    ("args", "--offline"),
    ("check-run", ""),
];

/// The whole action at a release tag: the release binary, no cache, no cargo; the check's
/// outputs become the action's. The time to the check's first line is printed (the job's
/// start-up cost with the release served locally).
#[test]
fn action_yml_at_a_release_tag_runs_the_release_binary() {
    let server = Server::start(release_assets());
    let job = Job::new().with_cargo_stand_in();
    let run = run_composite(&job, &server, &tag(), WITH);
    assert_eq!(run.code, Some(1), "{}", run.log);
    assert_eq!(run.used, Vec::<String>::new());
    assert!(!job.cargo_record().exists());
    assert!(
        server
            .requests()
            .contains(&download_path(&archive_name("x86_64-unknown-linux-musl")))
    );
    assert_ne!(run.outputs["errors"], "0", "{:?}", run.outputs);
    assert_ne!(run.outputs["links"], "", "{:?}", run.outputs);
    assert_eq!(run.outputs["sarif-file"], "");
    let elapsed = run.to_first_check_line.expect("the check printed nothing");
    eprintln!(
        "action.yml at {}: {:.2} s from the first step's start to the check's first line",
        tag(),
        elapsed.as_secs_f64()
    );
}

/// The whole action at a branch: the notice, the cache steps, the cargo stand-in, then the same
/// check.
#[test]
fn action_yml_at_a_branch_builds_from_source() {
    let server = Server::start(release_assets());
    let job = Job::new().with_cargo_stand_in();
    let run = run_composite(&job, &server, "main", WITH);
    assert_eq!(run.code, Some(1), "{}", run.log);
    assert!(run.log.contains("is not a release"), "{}", run.log);
    assert_eq!(run.used.len(), 2, "{:?}", run.used);
    assert!(run.used[0].starts_with("actions/cache/restore@"));
    assert!(run.used[1].starts_with("actions/cache/save@"));
    assert_eq!(lines(&job.cargo_record())[..2], ["install", "--locked"]);
    assert_eq!(server.requests(), Vec::<String>::new());
    assert_ne!(run.outputs["errors"], "0", "{:?}", run.outputs);
}
