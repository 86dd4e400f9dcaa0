//! Benchmark: resolving links to other repositories through the GitHub test server.
//!
//! 10,000 links over 500 repositories (20 model files each with one committed artifact, links
//! pinned to a full commit id),
//! the server adding 50 ms of latency to every request. Reports wall time and requests for a
//! first run, and for a second run with `--cache` (which should make no request at all); then
//! `diff` of a change that moves 100 of the links.
//!
//!   cargo bench --bench remote [-- LINKS REPOS LATENCY_MS]

#[path = "../tests/integration/common/github.rs"]
#[allow(dead_code)]
mod github;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

fn git(dir: &Path, args: &[&str]) -> String {
    let output = Command::new("git")
        .args([
            "-c",
            "user.name=bench",
            "-c",
            "user.email=bench@example.invalid",
        ])
        .args(["-c", "commit.gpgsign=false"])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git runs");
    assert!(output.status.success(), "git {args:?}");
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

/// More `check` flags from `BENCH_FLAGS` (e.g. `--concurrency 16`), to compare settings.
fn extra_flags() -> Vec<String> {
    std::env::var("BENCH_FLAGS")
        .map(|f| f.split_whitespace().map(str::to_owned).collect())
        .unwrap_or_default()
}

/// CPU seconds (user + system) used by finished child processes: the tool's own cost, apart
/// from the test server's, which runs in this process.
fn children_cpu() -> f64 {
    // SAFETY: getrusage writes into the zeroed struct we own.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage);
        usage
    };
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    secs(usage.ru_utime) + secs(usage.ru_stime)
}

/// The tool, talking to `server` with the benchmark's token.
fn tool(server: &github::GitHub) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_mlem-registry"));
    command
        .env("GITHUB_API_URL", server.url())
        .env("GITHUB_TOKEN", "bench-token")
        .env_remove("GH_TOKEN");
    command
}

/// A link file to model `j` of repository `r`, pinned to `sha`.
fn link_file(r: usize, j: usize, sha: &str) -> String {
    format!(
        "link_type: model\nobject_type: link\npath: models/m{j}\nproject: https://github.com/org/repo-{r:03}\nrev: {sha}\n"
    )
}

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let links = args.first().copied().unwrap_or(10_000);
    let repos = args.get(1).copied().unwrap_or(500);
    let latency = args.get(2).copied().unwrap_or(50);
    let per_repo = links.div_ceil(repos);

    let work = tempfile::tempdir().unwrap();
    let source = work.path().join("source");
    std::fs::create_dir_all(source.join("models")).unwrap();
    // Each model with one artifact, committed beside it at its recorded size.
    for j in 0..per_repo {
        let size = 100 + j;
        let text = format!(
            "object_type: model\nartifacts:\n  data:\n    hash: {j:032x}\n    size: {size}\n    uri: m{j}\n"
        );
        std::fs::write(source.join(format!("models/m{j}.mlem")), text).unwrap();
        std::fs::write(source.join(format!("models/m{j}")), vec![b'w'; size]).unwrap();
    }
    git(&source, &["init", "-q", "-b", "main"]);
    git(&source, &["add", "-A"]);
    git(&source, &["commit", "-q", "-m", "models"]);
    let sha = git(&source, &["rev-parse", "HEAD"]);

    let server = github::GitHub::start();
    for r in 0..repos {
        server.add_repo(&format!("org/repo-{r:03}"), &source);
    }

    let registry = work.path().join("registry");
    for i in 0..links {
        let (r, j) = (i / per_repo, i % per_repo);
        let dir = registry.join(format!("links/repo-{r:03}"));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("m{j}.mlem")), link_file(r, j, &sha)).unwrap();
    }
    git(&registry, &["init", "-q", "-b", "main"]);
    git(&registry, &["add", "-A"]);
    git(&registry, &["commit", "-q", "-m", "registry"]);

    server.set_latency(Duration::from_millis(latency as u64));
    let cache = work.path().join("cache");
    println!("{links} links over {repos} repositories, {latency} ms latency per request");
    for run in ["first run", "second run (--cache)"] {
        let before = server.requests().len();
        let cpu_before = children_cpu();
        let start = Instant::now();
        let output = tool(&server)
            .arg("check")
            .arg(&registry)
            .args(extra_flags())
            .args(["--format", "json", "--cache"])
            .arg(&cache)
            .output()
            .unwrap();
        let wall = start.elapsed();
        let cpu = children_cpu() - cpu_before;
        let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        let requests = server.requests().len() - before;
        let summary = &report["summary"];
        println!(
            "{run:<22} {:>7.0} ms wall  {:>6.0} ms CPU (tool)  {requests:>4} requests  {:.4} requests/link  exit {}  findings {}  unverified {}",
            wall.as_secs_f64() * 1000.0,
            cpu * 1000.0,
            requests as f64 / links as f64,
            output.status.code().unwrap_or(-1),
            report["findings"].as_array().map_or(0, Vec::len),
            summary["unverified"],
        );
        assert!(server.invalid_queries().is_empty());
    }

    // A change touching 100 links (each moved to the next model of its repository): what
    // `diff` takes to show what it promotes, both sides resolved, no cache.
    let touched = links.min(100);
    for i in 0..touched {
        let (r, j) = (i / per_repo, i % per_repo);
        let file = registry.join(format!("links/repo-{r:03}/m{j}.mlem"));
        std::fs::write(file, link_file(r, (j + 1) % per_repo, &sha)).unwrap();
    }
    let before = server.requests().len();
    let start = Instant::now();
    let output = tool(&server)
        .args(["diff", "HEAD", "--format", "json", "--path"])
        .arg(&registry)
        .output()
        .unwrap();
    let wall = start.elapsed();
    let diff: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!("{e}: {}", String::from_utf8_lossy(&output.stderr));
    });
    println!(
        "diff of {touched} changed links {:>7.0} ms wall  {:>4} requests  entries {}  exit {}",
        wall.as_secs_f64() * 1000.0,
        server.requests().len() - before,
        diff["entries"].as_array().map_or(0, Vec::len),
        output.status.code().unwrap_or(-1),
    );
    assert!(server.invalid_queries().is_empty());
}
