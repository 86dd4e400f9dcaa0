//! Running under GitHub Actions: paths relative to the workspace, the job summary and step
//! outputs, the check run with its fallback, and the `action` entry point's inputs.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use mlem_registry::github::check_run::{self, Published};
use mlem_registry::github::event::Event;
use mlem_registry::policy::verdict::Verdict;
use mlem_registry::report::{self, Format, Report, Reporter, summary};
use mlem_registry::resolve::online::Online;

use crate::cli;

/// The Actions environment, when `GITHUB_ACTIONS=true`.
pub struct Actions {
    workspace: Option<PathBuf>,
    step_summary: Option<PathBuf>,
    output: Option<PathBuf>,
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

impl Actions {
    /// The environment, if this runs inside a GitHub Actions job.
    pub fn detect() -> Option<Actions> {
        (var("GITHUB_ACTIONS").as_deref() == Some("true")).then(|| Actions {
            workspace: var("GITHUB_WORKSPACE").map(PathBuf::from),
            step_summary: var("GITHUB_STEP_SUMMARY").map(PathBuf::from),
            output: var("GITHUB_OUTPUT").map(PathBuf::from),
        })
    }

    /// Makes paths relative to the workspace, which annotations need when the registry is
    /// checked out in a subfolder of it.
    pub fn rebase(&self, report: &mut Report) {
        let (Some(workspace), Some(root)) = (&self.workspace, &report.root) else {
            return;
        };
        let canonical = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_owned());
        let (workspace, root) = (canonical(workspace), canonical(root));
        if let Ok(inner) = root.strip_prefix(&workspace) {
            let folder = inner.to_string_lossy().replace('\\', "/");
            if !folder.is_empty() {
                report.rebase(&format!("{folder}/"));
            }
        }
    }

    /// Appends the Markdown summary to the job summary.
    pub fn write_summary(&self, report: &Report) -> anyhow::Result<()> {
        if let Some(path) = &self.step_summary {
            let mut file = append("GITHUB_STEP_SUMMARY", path)?;
            summary::Markdown.write(report, &mut file)?;
        }
        Ok(())
    }

    /// Writes the step outputs: counts, and where the SARIF went.
    pub fn write_outputs(&self, report: &Report, sarif: Option<&Path>) -> anyhow::Result<()> {
        let Some(path) = &self.output else {
            return Ok(());
        };
        let s = &report.summary;
        let mut file = append("GITHUB_OUTPUT", path)?;
        for (name, value) in [
            ("errors", s.errors),
            ("warnings", s.warnings),
            ("notes", s.notes),
            ("unverified", s.unverified),
            ("links", s.links),
            ("files", s.files),
        ] {
            writeln!(file, "{name}={value}")?;
        }
        if let Some(sarif) = sarif {
            writeln!(file, "sarif-file={}", sarif.display())?;
        }
        Ok(())
    }
}

/// Opens the file the Actions variable `name` names, to append to it.
fn append(name: &str, path: &Path) -> anyhow::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    // Non-blocking: a FIFO with no reader is an error here, not a wait without end.
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .map_err(|e| anyhow::anyhow!("{name}={}: cannot write to it: {e}", path.display()))
}

/// Publishes the check run; `false` when it could not be: under Actions (`in_actions`) the
/// annotations then go to the log as workflow commands, elsewhere the findings are in the
/// output already, once.
pub fn check_run(
    name: &str,
    report: &Report,
    online: Option<&Online>,
    verdict: Verdict,
    in_actions: bool,
) -> bool {
    let instead = match in_actions {
        true => "annotations go to the log",
        false => "the findings are below",
    };
    let Some(online) = online else {
        say!("warning: --check-run needs the network; --offline is set: {instead}");
        return false;
    };
    let target = match check_run_target(name) {
        Ok(target) => target,
        Err(why) => {
            say!("warning: no check run: {why}; {instead}");
            return false;
        }
    };
    let output = check_run::Output {
        title: report::check_run::title(report),
        summary: report::check_run::markdown(report),
        annotations: report::check_run::annotations(report),
    };
    match check_run::publish(&online.github, &target, &output, conclusion(verdict)) {
        Ok(Published::Done { url }) => {
            say!("check run `{name}` published: {url}");
            true
        }
        Ok(Published::NotPermitted(why)) => {
            say!("warning: {why}; {instead}");
            false
        }
        Err(why) => {
            say!("warning: the check run was not published: {why}; {instead}");
            false
        }
    }
}

/// The check run's conclusion for a run's verdict.
fn conclusion(verdict: Verdict) -> check_run::Conclusion {
    match verdict {
        Verdict::Clean => check_run::Conclusion::Success,
        Verdict::Findings => check_run::Conclusion::Failure,
        Verdict::Unverified => check_run::Conclusion::Unverified,
    }
}

/// Where the check run goes: the repository from `GITHUB_REPOSITORY`, the commit from the
/// event's pull request head (the merge commit in `GITHUB_SHA` is not what reviewers see), else
/// `GITHUB_SHA`.
fn check_run_target(name: &str) -> Result<check_run::Destination, &'static str> {
    let repo = var("GITHUB_REPOSITORY").ok_or("GITHUB_REPOSITORY is not set")?;
    let head_sha = event()
        .pull_request_head
        .clone()
        .or_else(|| var("GITHUB_SHA"))
        .ok_or("neither the event's pull_request.head.sha nor GITHUB_SHA is set")?;
    Ok(check_run::Destination {
        repo,
        head_sha,
        name: name.to_owned(),
    })
}

/// The job's event, read once.
fn event() -> &'static Event {
    static EVENT: OnceLock<Event> = OnceLock::new();
    EVENT.get_or_init(|| Event::read(&var))
}

/// Writes `format` to `path` (`-`: standard output).
pub fn write_output(format: Format, path: &Path, report: &Report) -> anyhow::Result<()> {
    let reporter = format.reporter(false);
    if path == Path::new("-") {
        let stdout = std::io::stdout();
        let mut out = mlem_registry::report::guard::Guard::new(stdout.lock());
        match format {
            Format::Github => reporter.write(report, out.trusted()?)?,
            _ => reporter.write(report, &mut out)?,
        }
        return Ok(out.flush()?);
    }
    let mut file = {
        use std::os::unix::fs::OpenOptionsExt;
        std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(path)
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?
    };
    reporter.write(report, &mut file)?;
    Ok(())
}

/// The `check` arguments the action's inputs stand for (`INPUT_PATH`, `INPUT_FAIL-ON`, …, as
/// GitHub passes a Docker action's inputs), and where SARIF goes.
pub fn action_args() -> anyhow::Result<(cli::CheckArgs, Option<PathBuf>)> {
    // GitHub keeps the hyphens (`INPUT_FAIL-ON`); shells cannot export such names, so a step
    // that runs the binary itself may use underscores.
    let input = |name: &str| {
        let name = name.to_uppercase();
        var(&format!("INPUT_{name}")).or_else(|| var(&format!("INPUT_{}", name.replace('-', "_"))))
    };
    let path = input("path").unwrap_or_else(|| ".".into());
    // Values are given as `--flag=VALUE` and the path after `--`: an input that starts with
    // `-` is a value, never another flag.
    let mut argv: Vec<String> = vec!["mlem-registry".into(), "check".into()];
    if let Some(level) = input("fail-on") {
        argv.push(format!("--fail-on={level}"));
    }
    if input("token").is_some() {
        argv.extend(["--token-env".into(), "INPUT_TOKEN".into()]);
    }
    // A change (a pull request, a merge queue group) is judged by its base's policy (as GitHub
    // reads CODEOWNERS): without the base commit there is no policy the change did not write, so
    // there is no verdict.
    if let Some(base) = event().change_base().map(str::to_owned) {
        if !mlem_registry::registry::has_revision(Path::new(&path), &base) {
            anyhow::bail!(
                "the base commit {base} of the change is not in the checkout, so the policy that judges the change (the base's .mlem-registry.toml) cannot be read: check out with `fetch-depth: 0`"
            );
        }
        argv.push(format!("--policy-from={base}"));
        if input("changed-only").as_deref() == Some("true") {
            argv.push(format!("--changed-since={base}"));
        }
    }
    if let Some(config) = input("config") {
        argv.push(format!("--config={config}"));
    }
    if let Some(name) = input("check-run") {
        argv.push(format!("--check-run={name}"));
    }
    let sarif = input("sarif-file").map(PathBuf::from);
    if let Some(sarif) = &sarif {
        argv.push(format!("--output=sarif={}", sarif.display()));
    }
    if let Some(extra) = input("args") {
        argv.extend(extra.split_whitespace().map(str::to_owned));
    }
    argv.extend(["--".into(), path]);
    let parsed = <cli::Cli as clap::Parser>::try_parse_from(&argv).map_err(|e| {
        let why = e.to_string();
        let why = why.trim_start_matches("error: ").trim_end();
        anyhow::anyhow!("the action's inputs make no valid command: {why}")
    })?;
    match parsed.command {
        cli::Command::Check(args) => Ok((*args, sarif)),
        _ => anyhow::bail!("the action's inputs make no `check` command"),
    }
}
