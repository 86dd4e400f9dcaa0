//! The `mlem-registry` binary: parses arguments, runs the library, writes output, sets the exit
//! code. Everything else lives in the library.

/// Writes one message to standard error, every line of it [`guard::neutralise`]d: a file name or
/// YAML value in it cannot start a workflow command.
macro_rules! say {
    ($($arg:tt)*) => {
        $crate::say_line(&format!($($arg)*))
    };
}

mod actions;
mod cli;

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use clap::Parser;
use mlem_registry::config::{Config, PolicyAt, PolicyChange};
use mlem_registry::report::Format;
use mlem_registry::report::check_run::Conclusion;
use mlem_registry::report::guard::{self, Guard};
use mlem_registry::resolve::github::{self, Token};
use mlem_registry::resolve::online::Online;
use mlem_registry::resolve::remote::Progress;
use mlem_registry::resolve::target::GitHubHosts;
use mlem_registry::{check, project, registry, rules};

/// Exit codes a required status check can gate on.
mod exit {
    /// No finding at or above `--fail-on`.
    pub const CLEAN: u8 = 0;
    /// A finding at or above `--fail-on`.
    pub const FINDINGS: u8 = 1;
    /// Bad usage, or the registry could not be read.
    pub const ERROR: u8 = 2;
    /// Nothing failed, but some link could not be verified (network, rate limit).
    pub const UNVERIFIED: u8 = 3;

    /// The code of two runs together: findings over unverified links over clean.
    pub fn worse(a: u8, b: u8) -> u8 {
        let rank = |code| match code {
            FINDINGS => 2,
            UNVERIFIED => 1,
            _ => 0,
        };
        if rank(b) > rank(a) { b } else { a }
    }
}

fn main() -> ExitCode {
    let cli = cli::Cli::parse_from(cli::files_as_files(
        std::env::args_os().collect(),
        std::path::Path::new("."),
    ));
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        // A reader that stopped early (`| head`) is not an error worth a message.
        Err(error)
            if error
                .downcast_ref::<std::io::Error>()
                .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe) =>
        {
            ExitCode::from(exit::CLEAN)
        }
        Err(error) => {
            say!("error: {error:#}");
            ExitCode::from(exit::ERROR)
        }
    }
}

/// Standard output, guarded: only the `github` format's own commands pass as they are.
type Out<'a> = Guard<std::io::BufWriter<std::io::StdoutLock<'a>>>;

/// See [`say!`].
fn say_line(message: &str) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{}", guard::neutralise(message));
}

fn run(cli: cli::Cli) -> anyhow::Result<u8> {
    let stdout = std::io::stdout();
    // Buffered: a report of 100,000 findings is written in large blocks, not a line at a time.
    let mut out = Guard::new(std::io::BufWriter::new(stdout.lock()));
    match cli.command {
        cli::Command::Check(args) => check(&args, None, &mut out),
        cli::Command::Action => {
            let (args, sarif) = actions::action_args()?;
            check(&args, sarif.as_deref(), &mut out)
        }
        cli::Command::Hook { command } => hook(command, &mut out),
        cli::Command::Pin(args) => pin(&args, &mut out),
        cli::Command::Init { path, with_ci } => init(&path, with_ci, &mut out),
        cli::Command::Link(args) => link(&args, &mut out),
        cli::Command::Resolve(args) => resolve(&args, &mut out),
        cli::Command::Ls { path, format } => ls(&path, format, &mut out),
        cli::Command::Schema { name } => {
            writeln!(out, "{}", name.text().trim_end())?;
            Ok(exit::CLEAN)
        }
    }
}

/// `check FILE`: that one file of its repository's working tree, as the arguments of a check of
/// its folder with exactly that file selected. `None` when PATH is a folder.
fn one_file(args: &cli::CheckArgs) -> anyhow::Result<Option<cli::CheckArgs>> {
    // Anything but a folder (a FIFO too: it gets its finding, never opened).
    let is_folder = std::fs::metadata(&args.path).is_ok_and(|m| m.is_dir());
    if is_folder || !args.path.exists() && !args.path.is_symlink() || args.selection.is_some() {
        return Ok(None);
    }
    if !mlem_registry::registry::is_mlem_file(&args.path.to_string_lossy()) {
        anyhow::bail!(
            "{} is not a *.mlem file: give a link file, or a folder to check the whole registry",
            args.path.display()
        );
    }
    if args.rev.is_some() || args.changed_since.is_some() {
        anyhow::bail!(
            "{} is a file: --rev and --changed-since check a repository; give its folder",
            args.path.display()
        );
    }
    let folder = match args.path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let repo = gix::discover(&folder).map_err(|e| {
        anyhow::anyhow!(
            "{} is a file outside any git repository: give its folder to check it as a plain directory ({e})",
            args.path.display()
        )
    })?;
    let workdir = repo
        .workdir()
        .ok_or_else(|| anyhow::anyhow!("{} is in a bare repository", args.path.display()))?;
    let real = |path: &std::path::Path| {
        std::fs::canonicalize(path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
    };
    // The folder resolved, the file's own name kept: a symbolic link is checked as one.
    let name = args
        .path
        .file_name()
        .ok_or_else(|| anyhow::anyhow!("{} names no file", args.path.display()))?;
    let file = real(&folder)?.join(name);
    let relative = file.strip_prefix(real(workdir)?).map_err(|_| {
        anyhow::anyhow!(
            "{} is not inside its repository's working tree",
            args.path.display()
        )
    })?;
    let relative = relative
        .to_str()
        .ok_or_else(|| anyhow::anyhow!("{}: the name is not valid UTF-8", args.path.display()))?
        .replace(std::path::MAIN_SEPARATOR, "/");
    Ok(Some(cli::CheckArgs {
        path: folder,
        selection: Some(registry::Selection::File(relative)),
        ..args.clone()
    }))
}

/// `check`: runs the library, writes every output asked for, and picks the exit code.
fn check(
    args: &cli::CheckArgs,
    sarif: Option<&std::path::Path>,
    out: &mut Out<'_>,
) -> anyhow::Result<u8> {
    if let Some(id) = &args.explain {
        let rule = rules::find(id).ok_or_else(|| {
            let ids: Vec<_> = rules::ALL.iter().map(|r| r.id).collect();
            anyhow::anyhow!("no rule `{id}`; rules are: {}", ids.join(", "))
        })?;
        writeln!(
            out,
            "{} ({}): {}\n\n{}",
            rule.id, rule.severity, rule.summary, rule.explain
        )?;
        return Ok(exit::CLEAN);
    }
    let one_file = one_file(args)?;
    let args = one_file.as_ref().unwrap_or(args);
    let selection = match (&args.selection, &args.rev, &args.changed_since) {
        (Some(selection), _, _) => selection.clone(),
        (_, Some(rev), _) => registry::Selection::Revision(rev.clone()),
        (_, _, Some(rev)) => registry::Selection::ChangedSince(rev.clone()),
        _ => registry::Selection::Worktree,
    };
    let actions = actions::Actions::detect();
    let summary_wanted = args.format == Some(Format::Summary)
        || args.output.iter().any(|(f, _)| *f == Format::Summary);
    let explicit = args.config.file.as_deref();
    let policy = Policy::of(args, &selection);
    // The starting folder's policy decides the run's own matters: the check run's API, and
    // whether unverified links pass. Each project's files get their own (see `options_for`).
    let config = load_config(explicit, &args.path, &policy.at, &args.github)?;
    let pass_unverified = args.pass_unverified || config.pass_unverified;
    let main_online = (!args.offline)
        .then(|| online(&args.github, &config))
        .transpose()?;
    let record_links = actions.is_some() || args.check_run.is_some() || summary_wanted;
    let options_for = |dir: &std::path::Path| -> anyhow::Result<check::Options> {
        let policy_change = match &policy.trusted_base {
            Some(base) => PolicyChange::between(explicit, dir, base, &policy.change)?,
            None => None,
        };
        let same = |a: &std::path::Path, b: &std::path::Path| {
            a == b
                || matches!(
                    (std::fs::canonicalize(a), std::fs::canonicalize(b)),
                    (Ok(a), Ok(b)) if a == b
                )
        };
        let (config, online) = if same(dir, &args.path) {
            (config.clone(), main_online.clone())
        } else {
            let config = load_config(explicit, dir, &policy.at, &args.github)?;
            let online = (!args.offline)
                .then(|| online(&args.github, &config))
                .transpose()?;
            (config, online)
        };
        Ok(check::Options {
            online,
            config,
            record_links,
            policy_change,
        })
    };
    let progress = progress_bar();
    let policy_rev = match &policy.at {
        PolicyAt::Revision(rev) => Some(rev.as_str()),
        PolicyAt::Worktree => None,
    };
    let mut report = check::run(&args.path, &selection, policy_rev, options_for, &progress)?;
    if let Some(actions) = &actions {
        actions.rebase(&mut report);
    }
    let color = match args.color {
        cli::Color::Always => true,
        cli::Color::Never => false,
        cli::Color::Auto => {
            std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    };
    let failed = report
        .worst()
        .is_some_and(|worst| worst >= args.fail_on.severity());
    let unverified = main_online.is_some() && report.summary.unverified > 0 && !pass_unverified;
    let (code, conclusion) = match (failed, unverified) {
        (true, _) => (exit::FINDINGS, Conclusion::Failure),
        (false, true) => (exit::UNVERIFIED, Conclusion::Unverified),
        (false, false) => (exit::CLEAN, Conclusion::Success),
    };
    let default = match actions {
        Some(_) => Format::Github,
        None => Format::Human,
    };
    let mut format = args.format.unwrap_or(default);
    if let Some(name) = &args.check_run {
        let published = actions::check_run(name, &report, main_online.as_ref(), conclusion);
        if published && args.format.is_none() {
            // The check run carries the annotations: the log gets the readable form.
            format = Format::Human;
        } else if !published && format != Format::Github {
            Format::Github
                .reporter(false)
                .write(&report, out.trusted()?)?;
        }
    }
    match format {
        // The one format that writes commands, each escaped as the runner unescapes it.
        Format::Github => format.reporter(color).write(&report, out.trusted()?)?,
        _ => format.reporter(color).write(&report, out)?,
    }
    out.flush()?;
    for (format, path) in &args.output {
        actions::write_output(*format, path, &report)?;
    }
    if let Some(actions) = &actions {
        actions.write_summary(&report)?;
        actions.write_outputs(&report, sarif)?;
    }
    Ok(code)
}

/// Which revision's policy judges a run, and whether it judges a change.
struct Policy {
    /// Where the policy is read from.
    at: PolicyAt,
    /// The trusted base of the change being judged: its policy decides, the change's own is
    /// only reported.
    trusted_base: Option<String>,
    /// Where the change's side is read, to report what it does to the policy.
    change: PolicyAt,
}

impl Policy {
    /// The policy for `check` over `selection`: a change is judged by its base's (`--policy-from`,
    /// `--changed-since`'s REV, the remote's commit for a push, HEAD for a commit), a revision by
    /// its own, the working tree by the files on disk.
    fn of(args: &cli::CheckArgs, selection: &registry::Selection) -> Policy {
        use registry::Selection;
        let change = match selection {
            Selection::Revision(rev) | Selection::Pushed { tip: rev, .. } => {
                PolicyAt::Revision(rev.clone())
            }
            _ => PolicyAt::Worktree,
        };
        let base = match (&args.policy_from, selection) {
            (Some(rev), _) => Some(rev.clone()),
            (None, Selection::ChangedSince(rev)) => Some(rev.clone()),
            (None, Selection::Pushed { remote, .. }) => remote.clone(),
            (None, Selection::Staged | Selection::Files(_))
                if registry::has_revision(&args.path, "HEAD") =>
            {
                Some("HEAD".to_owned())
            }
            _ => None,
        };
        Policy {
            // With no base (a first commit, a new branch's first push), the change is all there is.
            at: base
                .clone()
                .map_or_else(|| change.clone(), PolicyAt::Revision),
            trusted_base: base,
            change,
        }
    }
}

/// `init`: makes a MLEM project.
fn init(path: &std::path::Path, with_ci: bool, out: &mut dyn Write) -> anyhow::Result<u8> {
    let done = project::init(path, with_ci)?;
    for file in &done.written {
        writeln!(out, "wrote {}", path.join(file).display())?;
    }
    for file in &done.kept {
        writeln!(out, "kept {} (it exists)", path.join(file).display())?;
    }
    if done.written.is_empty() {
        writeln!(out, "{} is a MLEM project already", path.display())?;
    }
    let workflow_written = done.written.iter().any(|f| f == project::WORKFLOW_FILE);
    if workflow_written && mlem_registry::build_info::RELEASE.is_none() {
        say!(
            "warning: this development build of mlem-registry cannot know which release to pin: in {}, replace OWNER/mlem-registry with the repository of the mlem-registry action, COMMIT-SHA with the full commit sha of the release to use and vX.Y.Z with its tag; the workflow fails until then",
            path.join(project::WORKFLOW_FILE).display()
        );
    }
    Ok(exit::CLEAN)
}

/// `link`: resolves the target as `check` would, then writes the link as MLEM writes it.
fn link(args: &cli::LinkArgs, out: &mut dyn Write) -> anyhow::Result<u8> {
    let dir = &args.target_project;
    // The link's file stays inside the project, whatever NAME says.
    let file = registry::path::normalize(&project::file_of(&args.name))
        .map_err(|why| anyhow::anyhow!("NAME `{}`: {why}", args.name))?;
    let config = load_config(None, dir, &PolicyAt::Worktree, &args.github)?;
    // Also for a link inside the project: its target may be a link to another repository.
    let online = online(&args.github, &config)?;
    // `--sp` naming this very project is a link inside it, as MLEM writes it.
    let source = args.source_project.as_deref().filter(|source| {
        args.rev.is_some()
            || project::project_url(source) != project::project_url(&dir.display().to_string())
    });
    let probe = project::probe(
        dir,
        &args.path,
        source,
        args.rev.as_deref(),
        args.legacy_repo_key,
        Some(&online),
    )?;
    if !args.quiet {
        writeln!(out, "Loading meta from {}", probe.shown)?;
    }
    if let Some((message, help, unverified)) = probe.refusal(&file) {
        say!("error: not writing {file}: {message}");
        if let Some(help) = help {
            say!("  help: {help}");
        }
        return Ok(if unverified {
            exit::UNVERIFIED
        } else {
            exit::FINDINGS
        });
    }
    let mut new = probe.link.clone();
    if let Some(wanted) = &args.object_type
        && new.link_type.as_str() != wanted
    {
        say!(
            "error: not writing {file}: {} is a `{}` object, not `{wanted}`",
            probe.shown,
            new.link_type
        );
        return Ok(exit::FINDINGS);
    }
    if new.project.is_none() && new.path == file {
        anyhow::bail!("{file} is the target itself: a link there would replace it");
    }
    if args.pin {
        match (&probe.commit, &new.project) {
            (Some(commit), Some(_)) => new.rev = Some(commit.clone()),
            (_, None) => anyhow::bail!("--pin: a link inside this project has no rev to pin"),
            (None, Some(_)) => anyhow::bail!("--pin: the target's commit is not known"),
        }
    } else if !args.quiet {
        for finding in probe
            .findings(&file)
            .iter()
            .filter(|f| f.rule == rules::link_unpinned_rev::RULE.id)
        {
            say!("warning: {} ({})", finding.message, finding.rule);
        }
    }
    let path = dir.join(&file);
    let there = std::fs::symlink_metadata(&path);
    if there
        .as_ref()
        .is_ok_and(|meta| meta.file_type().is_symlink())
    {
        anyhow::bail!(
            "{} is a symbolic link: not writing through it",
            path.display()
        );
    }
    if there.is_ok() && !args.force {
        anyhow::bail!("{} exists already; --force replaces it", path.display());
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(&path, new.text())?;
    if !args.quiet {
        writeln!(out, "Saving link to {file}")?;
    }
    Ok(exit::CLEAN)
}

/// `resolve`: where a link lands.
fn resolve(args: &cli::ResolveArgs, out: &mut dyn Write) -> anyhow::Result<u8> {
    let config = load_config(None, &args.project, &PolicyAt::Worktree, &args.github)?;
    let online = (!args.offline)
        .then(|| online(&args.github, &config))
        .transpose()?;
    let found = project::follow(&args.project, &args.name, !args.no_follow, online.as_ref())?;
    match args.format {
        cli::ListFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, &found)?;
            writeln!(out)?;
        }
        cli::ListFormat::Human => match (&found.target, &found.problem) {
            (Some(_), _) if args.no_follow && found.link.is_some() => {
                let link = found.link.as_ref().expect("checked above");
                writeln!(out, "{}: a link to a {}", found.file, link.link_type)?;
                writeln!(out, "  path:        {}", link.path)?;
                let project = link.project.as_deref().unwrap_or("this project");
                writeln!(out, "  project:     {project}")?;
                if let Some(rev) = &link.rev {
                    writeln!(out, "  rev:         {rev}")?;
                }
            }
            (Some(target), _) if found.link.is_none() => {
                writeln!(
                    out,
                    "{} is a {} object, not a link",
                    found.file, target.object_type
                )?;
            }
            (Some(target), _) => {
                writeln!(out, "{} -> {}", found.chain.join(" -> "), target.path)?;
                let repository = target
                    .repository
                    .as_deref()
                    .unwrap_or("this project (working tree)");
                writeln!(out, "  repository:  {repository}")?;
                if let Some(rev) = &target.rev {
                    writeln!(out, "  rev:         {rev}")?;
                }
                if let Some(commit) = &target.commit {
                    writeln!(out, "  commit:      {commit}")?;
                }
                writeln!(out, "  path:        {}", target.path)?;
                writeln!(out, "  object type: {}", target.object_type)?;
            }
            (None, problem) => {
                say!(
                    "error: {} does not resolve: {}",
                    found.file,
                    problem.as_deref().unwrap_or("unknown")
                );
            }
        },
    }
    Ok(if found.target.is_some() {
        exit::CLEAN
    } else {
        exit::FINDINGS
    })
}

/// `ls`: the project's objects and links.
fn ls(path: &std::path::Path, format: cli::ListFormat, out: &mut dyn Write) -> anyhow::Result<u8> {
    let opened = registry::open(path, &registry::Selection::Worktree)?;
    let entries = project::list(&*opened.snapshot)?;
    match format {
        cli::ListFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, &entries)?;
            writeln!(out)?;
        }
        cli::ListFormat::Human => {
            let width = entries
                .iter()
                .map(|e| e.name.len())
                .max()
                .unwrap_or(4)
                .max(4);
            writeln!(out, "{:width$}  {:10}  TARGET", "NAME", "TYPE")?;
            for entry in &entries {
                let kind = entry.object_type.as_deref().unwrap_or("?");
                let target = match (&entry.target, &entry.problem) {
                    (Some(target), _) => target.clone(),
                    (None, Some(problem)) => format!("({problem})"),
                    (None, None) => String::new(),
                };
                writeln!(out, "{:width$}  {kind:10}  {target}", entry.name)?;
            }
        }
    }
    Ok(exit::CLEAN)
}

/// `pin`: resolves the registry's links and writes the commit each moving `rev` points at now.
fn pin(args: &cli::PinArgs, out: &mut dyn Write) -> anyhow::Result<u8> {
    let first = args.paths.first().map_or(std::path::Path::new("."), |p| p);
    // A file names its folder's registry.
    let first = match first.parent() {
        Some(parent) if first.is_file() && !parent.as_os_str().is_empty() => parent,
        Some(_) if first.is_file() => std::path::Path::new("."),
        _ => first,
    };
    let config = load_config(
        args.config.file.as_deref(),
        first,
        &PolicyAt::Worktree,
        &args.github,
    )?;
    let options = check::Options {
        online: Some(online(&args.github, &config)?),
        config,
        record_links: false,
        policy_change: None,
    };
    let report = check::run(
        first,
        &registry::Selection::Worktree,
        None,
        |_: &std::path::Path| anyhow::Ok(options.clone()),
        &progress_bar(),
    )?;
    let root = report
        .root
        .clone()
        .ok_or_else(|| anyhow::anyhow!("the registry has no folder on disk to pin in"))?;
    let root = std::fs::canonicalize(&root)?;
    let mut scopes = Vec::new();
    for path in &args.paths {
        let full =
            std::fs::canonicalize(path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        let relative = full.strip_prefix(&root).map_err(|_| {
            anyhow::anyhow!(
                "{} is not inside the registry at {}",
                path.display(),
                root.display()
            )
        })?;
        let parts: Vec<_> = relative
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        scopes.push(parts.join("/"));
    }
    let changes = mlem_registry::pin::plan(&report, &scopes);
    let mut pinned = 0;
    for change in &changes {
        if args.dry_run {
            write!(
                out,
                "{}",
                mlem_registry::fix::diff(&change.file, &change.before, &change.after)
            )?;
        } else {
            let path = root.join(&change.file);
            let now = std::fs::read_to_string(&path)?;
            if now != change.before {
                anyhow::bail!(
                    "{} changed while it was being checked: run pin again",
                    change.file
                );
            }
            std::fs::write(&path, &change.after)?;
        }
        for (line, description) in &change.pins {
            writeln!(out, "{}:{line}: {description}", change.file)?;
            pinned += 1;
        }
    }
    let verb = if args.dry_run { "would pin" } else { "pinned" };
    writeln!(out, "{verb} {pinned} links in {} files", changes.len())?;
    let unverified = report.summary.unverified;
    if unverified > 0 {
        say!(
            "warning: {unverified} links could not be resolved (network, rate limit) and were left as they are"
        );
        return Ok(exit::UNVERIFIED);
    }
    Ok(exit::CLEAN)
}

/// `hook`: installs or removes the git hooks, or runs one.
fn hook(command: cli::HookCommand, out: &mut Out<'_>) -> anyhow::Result<u8> {
    use mlem_registry::hook::{self, Kind};
    match command {
        cli::HookCommand::Install {
            pre_push,
            pre_commit,
            force,
            path,
            args,
        } => {
            let binary = std::env::current_exe()?;
            let kinds = match (pre_push, pre_commit) {
                (false, false) => vec![Kind::PrePush],
                _ => [(pre_push, Kind::PrePush), (pre_commit, Kind::PreCommit)]
                    .into_iter()
                    .filter_map(|(wanted, kind)| wanted.then_some(kind))
                    .collect(),
            };
            for kind in kinds {
                let installed = hook::install(&path, kind, &binary, &args, force)?;
                if let Some(backup) = &installed.backup {
                    writeln!(out, "kept the previous hook as {}", backup.display())?;
                }
                writeln!(out, "installed {}", installed.path.display())?;
            }
            Ok(exit::CLEAN)
        }
        cli::HookCommand::Uninstall { path } => {
            for kind in [Kind::PrePush, Kind::PreCommit] {
                if let Some(removed) = hook::uninstall(&path, kind)? {
                    writeln!(out, "removed {}", removed.display())?;
                }
            }
            Ok(exit::CLEAN)
        }
        cli::HookCommand::PreCommit { files, run } if files.is_empty() => {
            let code = check(&run.check_args(registry::Selection::Staged), None, out)?;
            Ok(hook_code(code))
        }
        cli::HookCommand::PreCommit { files, run } => {
            let given = hook::given_files(std::path::Path::new("."), &files)?;
            say_what_was_skipped(&given, files.len());
            let mut code = exit::CLEAN;
            for (project, files) in given.projects {
                let mut args = run.check_args(registry::Selection::Files(files));
                args.path = project;
                code = exit::worse(code, check(&args, None, out)?);
            }
            Ok(hook_code(code))
        }
        cli::HookCommand::PrePush {
            remote,
            url: _,
            run,
        } => {
            let mut input = String::new();
            std::io::Read::read_to_string(&mut std::io::stdin(), &mut input)?;
            let mut refs = hook::parse_push_lines(&input)?;
            if refs.is_empty() {
                // The pre-commit framework passes the push in its environment instead.
                refs.extend(pre_commit_framework_push());
            }
            if refs.is_empty() {
                if std::env::var_os("PRE_COMMIT").is_some() {
                    // `pre-commit run --hook-stage pre-push` by hand: no push, so all of HEAD.
                    say!(
                        "mlem-registry: no push to read (run by hand?): checking every link file of HEAD"
                    );
                    let head = registry::Selection::Revision("HEAD".into());
                    return Ok(hook_code(check(&run.check_args(head), None, out)?));
                }
                say!("mlem-registry: nothing pushed, nothing to check");
                return Ok(exit::CLEAN);
            }
            let remote = remote
                .or_else(|| std::env::var("PRE_COMMIT_REMOTE_NAME").ok())
                .unwrap_or_default();
            let tracking = hook::remote_tracking(std::path::Path::new("."), &remote);
            let mut code = exit::CLEAN;
            for pushed in refs.iter().filter(|r| !r.is_deletion()) {
                say!("mlem-registry: checking the push of {}", pushed.local_ref);
                let mut args = run.check_args(pushed.selection(&tracking));
                if pushed.is_new() {
                    // A new branch is judged by the policy of where it forks from the remote's
                    // default branch, as its pull request will be.
                    args.policy_from =
                        hook::fork_point(std::path::Path::new("."), &pushed.local_sha, &remote);
                    if args.policy_from.is_none() {
                        say!(
                            "mlem-registry: {remote}'s default branch is not known here (`git remote set-head {remote} --auto` sets it): the new branch is judged by its own policy"
                        );
                    }
                }
                let found = check(&args, None, out)?;
                code = exit::worse(code, found);
            }
            Ok(hook_code(code))
        }
    }
}

/// What git hears from a hook: any code but 0 refuses the push or commit, and a link that could
/// not be verified (no network, a rate limit) must not block work.
fn hook_code(code: u8) -> u8 {
    if code == exit::UNVERIFIED {
        say!(
            "mlem-registry: some links could not be verified (network, rate limit); not refusing for that"
        );
        return exit::CLEAN;
    }
    code
}

/// The push the pre-commit framework describes in `PRE_COMMIT_FROM_REF` / `PRE_COMMIT_TO_REF`.
/// For a push of a whole history, root commit included (a new repository), it sets neither,
/// only `PRE_COMMIT_LOCAL_BRANCH`: that branch is the pushed commit, and the remote has nothing.
fn pre_commit_framework_push() -> Option<mlem_registry::hook::PushedRef> {
    let local_branch = std::env::var("PRE_COMMIT_LOCAL_BRANCH").ok();
    let remote_ref = std::env::var("PRE_COMMIT_REMOTE_BRANCH").unwrap_or_default();
    let zero = "0".repeat(40);
    let Ok(to) = std::env::var("PRE_COMMIT_TO_REF") else {
        let local = local_branch?;
        return Some(mlem_registry::hook::PushedRef {
            local_ref: local.clone(),
            local_sha: local,
            remote_ref,
            remote_sha: zero,
        });
    };
    let from = std::env::var("PRE_COMMIT_FROM_REF").unwrap_or_default();
    Some(mlem_registry::hook::PushedRef {
        local_ref: local_branch.unwrap_or_else(|| to.clone()),
        local_sha: to,
        remote_ref,
        remote_sha: if from.is_empty() { zero } else { from },
    })
}

/// Tells, on standard error, which files given to `hook pre-commit` are not checked, and when
/// none is: a run that checks nothing must not look like a clean one.
fn say_what_was_skipped(given: &mlem_registry::hook::Given, count: usize) {
    use mlem_registry::hook::Skipped;
    let mut not_mlem = 0;
    for (file, why) in &given.skipped {
        match why {
            Skipped::NotMlem => not_mlem += 1,
            // Escaped: a file name with a newline must not start a line of its own (under
            // Actions, a workflow command).
            _ => say!("mlem-registry: not checked: {}: {why}", file.escape_debug()),
        }
    }
    if given.is_empty() {
        say!(
            "mlem-registry: none of the {count} files given is a *.mlem file in the working tree: nothing checked"
        );
    } else if not_mlem > 0 {
        say!(
            "mlem-registry: {not_mlem} of the {count} files given are not *.mlem files: not checked"
        );
    }
}

/// How to reach other repositories, from the GitHub flags, the config's `[hosts]` and the
/// environment.
fn online(args: &cli::GitHubArgs, config: &Config) -> anyhow::Result<Online> {
    let token = match &args.token_env {
        Some(name) => Some(token_from(name, "--token-env")?),
        None => {
            let mut found = None;
            for name in ["GITHUB_TOKEN", "GH_TOKEN"] {
                if let Some(token) = token_in(name)? {
                    found = Some(token);
                    break;
                }
            }
            found
        }
    };
    let host = github_host(args)?;
    let github = api_config(
        &args.github_api_url,
        args.github_graphql_url.as_deref(),
        token,
        args,
    )?;
    let mut enterprise = Vec::new();
    for api in &config.hosts {
        let at = format!("[hosts.\"{}\"] in {}", api.host, config_name(config));
        if api.host == host {
            anyhow::bail!(
                "{at}: {host} is the --github-server-url host; set its API with --github-api-url"
            );
        }
        // A host gets only the token named for it: the main token never leaves for another host.
        if api.token_env.is_some() && api.token_env == args.token_env {
            anyhow::bail!("{at}: token_env names the --token-env variable, the main host's token");
        }
        let token = match &api.token_env {
            Some(name) => match token_from(name, "") {
                Ok(token) => Some(token),
                Err(_) => {
                    // Not every contributor has every host's token: that host's links go unverified.
                    say!(
                        "warning: {at}: token_env {name} is not set: {} is asked without a token",
                        api.host
                    );
                    None
                }
            },
            None => None,
        };
        let config = api_config(&api.api_url, api.graphql_url.as_deref(), token, args)
            .map_err(|e| anyhow::anyhow!("{at}: {e}"))?;
        enterprise.push((api.host.clone(), config));
    }
    let hosts = std::iter::once(host).chain(enterprise.iter().map(|(h, _)| h.clone()));
    Ok(Online {
        github,
        hosts: GitHubHosts::new(hosts.collect::<Vec<_>>()),
        enterprise,
        allow: config.allow.clone(),
        cache: args.cache.clone(),
        timeout: (args.timeout > 0).then(|| std::time::Duration::from_secs(args.timeout)),
        git_timeout: std::time::Duration::from_secs(args.request_timeout.max(1)),
    })
}

/// The `--github-server-url` host, lower-cased: the host whose links go through the main API.
fn github_host(args: &cli::GitHubArgs) -> anyhow::Result<String> {
    let server = args.github_server_url.trim_end_matches('/');
    let host = server
        .split_once("://")
        .map_or(server, |(_, rest)| rest)
        .split('/')
        .next()
        .unwrap_or_default()
        .to_lowercase();
    if host.is_empty() {
        anyhow::bail!("--github-server-url {server}: expected a URL such as https://github.com");
    }
    Ok(host)
}

/// The config for `path` as `at` has it, told which host is GitHub's.
fn load_config(
    explicit: Option<&std::path::Path>,
    path: &std::path::Path,
    at: &PolicyAt,
    github: &cli::GitHubArgs,
) -> anyhow::Result<Config> {
    let mut config = Config::load_at(explicit, path, at)?;
    config.set_github_host(&github_host(github)?);
    Ok(config)
}

/// The token in environment variable `name`, which `what` asked for.
fn token_from(name: &str, what: &str) -> anyhow::Result<Token> {
    token_in(name)?
        .ok_or_else(|| anyhow::anyhow!("{what} {name}: the environment variable {name} is not set"))
}

/// The token in environment variable `name`, if it is set; an error for one that is set but
/// cannot be a token (the error never shows it).
fn token_in(name: &str) -> anyhow::Result<Option<Token>> {
    match std::env::var(name) {
        Ok(value) => Token::new(value).map_err(|why| anyhow::anyhow!("{name}: {why}")),
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(_)) => {
            anyhow::bail!("{name}: the token is not valid UTF-8: a token is visible ASCII")
        }
    }
}

fn config_name(config: &Config) -> String {
    config.source.as_ref().map_or_else(
        || mlem_registry::config::FILE_NAME.to_owned(),
        |p| p.display().to_string(),
    )
}

/// One GitHub API's settings: its URLs (checked so the token goes only to its host, over https)
/// and the shared timeouts, retries and concurrency.
fn api_config(
    api_url: &str,
    graphql_url: Option<&str>,
    token: Option<Token>,
    args: &cli::GitHubArgs,
) -> anyhow::Result<github::Config> {
    let api_url = api_url.trim_end_matches('/').to_owned();
    let graphql_url = match graphql_url {
        Some(url) => url.to_owned(),
        None => match api_url.strip_suffix("/api/v3") {
            Some(host) => format!("{host}/api/graphql"),
            None => format!("{api_url}/graphql"),
        },
    };
    if origin(&graphql_url) != origin(&api_url) {
        anyhow::bail!(
            "the GraphQL URL {graphql_url} is not on the API's host {}: the token goes to that host only",
            origin(&api_url)
        );
    }
    if !api_url.starts_with("https://") && !is_loopback(&api_url) {
        anyhow::bail!(
            "--github-api-url {api_url}: the token is sent only over https (or to 127.0.0.1)"
        );
    }
    let defaults = github::Config::github_com(None);
    Ok(github::Config {
        api_url,
        graphql_url,
        token,
        timeout: std::time::Duration::from_secs(args.request_timeout.max(1)),
        retries: args.retries,
        backoff: std::time::Duration::from_millis(args.retry_delay),
        max_wait: std::time::Duration::from_secs(args.max_rate_limit_wait),
        concurrency: args.concurrency.max(1),
        ..defaults
    })
}

/// `scheme://host:port` of a URL.
fn origin(url: &str) -> &str {
    let start = url.find("://").map_or(0, |i| i + 3);
    let end = url[start..].find('/').map_or(url.len(), |i| start + i);
    &url[..end]
}

/// A URL on this machine's loopback interface (the test server's).
fn is_loopback(url: &str) -> bool {
    let host = origin(url).split("://").nth(1).unwrap_or_default();
    // `http://localhost:1@evil.example` is evil.example's.
    if host.contains(['@', '\\']) {
        return false;
    }
    let host = host.rsplit_once(':').map_or(host, |(h, _)| h);
    matches!(host, "127.0.0.1" | "localhost" | "[::1]")
}

/// A one-line progress count on a terminal, for runs with many links to look up.
fn progress_bar() -> impl Fn(Progress) + Sync {
    let terminal = std::io::stderr().is_terminal();
    move |progress: Progress| {
        if !terminal || progress.total < 50 {
            return;
        }
        let mut err = std::io::stderr().lock();
        let _ = write!(
            err,
            "\rresolving links to other repositories: {}/{}",
            progress.done, progress.total
        );
        if progress.done == progress.total {
            let _ = writeln!(err);
        }
        let _ = err.flush();
    }
}
