//! `hook`: installs or removes the git hooks, or runs one (a check of what is committed or
//! pushed).

use mlem_registry::words::{count as count_of, is_are};
use std::io::Write;
use std::path::Path;

use mlem_registry::hook::{self, Given, Kind, PushedRef, Skipped};
use mlem_registry::policy::verdict::Verdict;
use mlem_registry::registry::Selection;

use crate::cli;
use crate::terminal::Out;

/// Runs `hook COMMAND`.
pub fn run(command: cli::HookCommand, out: &mut Out<'_>) -> anyhow::Result<Verdict> {
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
            Ok(Verdict::Clean)
        }
        cli::HookCommand::Uninstall { path } => {
            let mut absent = Vec::new();
            for kind in [Kind::PrePush, Kind::PreCommit] {
                match hook::uninstall(&path, kind)? {
                    hook::Uninstalled::Removed(hook) => {
                        writeln!(out, "removed {}", hook.display())?;
                    }
                    hook::Uninstalled::Restored { hook, backup } => writeln!(
                        out,
                        "removed mlem-registry's {} and put back the hook it replaced (from {})",
                        hook.display(),
                        backup.display()
                    )?,
                    hook::Uninstalled::Foreign(hook) => writeln!(
                        out,
                        "left {} alone: mlem-registry did not write it",
                        hook.display()
                    )?,
                    hook::Uninstalled::Absent(hook) => absent.push(hook),
                }
            }
            if let [pre_push, pre_commit] = absent.as_slice() {
                writeln!(
                    out,
                    "nothing to remove: no {} or {}",
                    pre_push.display(),
                    pre_commit.display()
                )?;
            }
            Ok(Verdict::Clean)
        }
        cli::HookCommand::PreCommit { files, run } if files.is_empty() => {
            let verdict = super::check::run(&run.check_args(Selection::Staged), None, out)?;
            Ok(for_git(verdict))
        }
        cli::HookCommand::PreCommit { files, run } => {
            let given = hook::given_files(Path::new("."), &files)?;
            say_what_was_skipped(&given, files.len());
            let mut verdict = Verdict::Clean;
            for (project, files) in given.projects {
                let mut args = run.check_args(Selection::Files(files));
                args.path = project;
                verdict = verdict.worse(super::check::run(&args, None, out)?);
            }
            Ok(for_git(verdict))
        }
        cli::HookCommand::PrePush {
            remote,
            url: _,
            run,
        } => pre_push(remote, &run, out),
    }
}

/// `hook pre-push`: checks what each pushed ref brings, judged by the remote's policy.
fn pre_push(
    remote: Option<String>,
    run: &cli::HookRunArgs,
    out: &mut Out<'_>,
) -> anyhow::Result<Verdict> {
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
            say!("mlem-registry: no push to read (run by hand?): checking every link file of HEAD");
            let head = Selection::Revision("HEAD".into());
            return Ok(for_git(super::check::run(
                &run.check_args(head),
                None,
                out,
            )?));
        }
        say!("mlem-registry: nothing pushed, nothing to check");
        return Ok(Verdict::Clean);
    }
    let remote = remote
        .or_else(|| std::env::var("PRE_COMMIT_REMOTE_NAME").ok())
        .unwrap_or_default();
    let tracking = hook::remote_tracking(Path::new("."), &remote);
    let mut verdict = Verdict::Clean;
    for pushed in refs.iter().filter(|r| !r.is_deletion()) {
        say!("mlem-registry: checking the push of {}", pushed.local_ref);
        let mut args = run.check_args(pushed.selection(&tracking));
        if pushed.is_new() {
            // A new branch is judged by the policy of where it forks from the remote's default
            // branch, as its pull request will be.
            args.policy_from = hook::fork_point(Path::new("."), &pushed.local_sha, &remote);
            if args.policy_from.is_none() {
                say!(
                    "mlem-registry: {remote}'s default branch is not known here (`git remote set-head {remote} --auto` sets it): the new branch is judged by its own policy"
                );
            }
        }
        verdict = verdict.worse(super::check::run(&args, None, out)?);
    }
    Ok(for_git(verdict))
}

/// What git hears from a hook: only findings refuse the push or commit; unverified links are
/// said, not blocking.
fn for_git(verdict: Verdict) -> Verdict {
    if verdict == Verdict::Unverified {
        say!(
            "mlem-registry: some links could not be verified (network, rate limit); not refusing for that"
        );
    }
    verdict.for_hook()
}

/// The push the pre-commit framework describes in `PRE_COMMIT_FROM_REF` / `PRE_COMMIT_TO_REF`.
/// For a push of a whole history, root commit included (a new repository), it sets neither,
/// only `PRE_COMMIT_LOCAL_BRANCH`: that branch is the pushed commit, and the remote has nothing.
fn pre_commit_framework_push() -> Option<PushedRef> {
    let local_branch = std::env::var("PRE_COMMIT_LOCAL_BRANCH").ok();
    let remote_ref = std::env::var("PRE_COMMIT_REMOTE_BRANCH").unwrap_or_default();
    let zero = "0".repeat(40);
    let Ok(to) = std::env::var("PRE_COMMIT_TO_REF") else {
        let local = local_branch?;
        return Some(PushedRef {
            local_ref: local.clone(),
            local_sha: local,
            remote_ref,
            remote_sha: zero,
        });
    };
    let from = std::env::var("PRE_COMMIT_FROM_REF").unwrap_or_default();
    Some(PushedRef {
        local_ref: local_branch.unwrap_or_else(|| to.clone()),
        local_sha: to,
        remote_ref,
        remote_sha: if from.is_empty() { zero } else { from },
    })
}

/// Tells, on standard error, which files given to `hook pre-commit` are not checked, and when
/// none is: a run that checks nothing must not look like a clean one.
fn say_what_was_skipped(given: &Given, count: usize) {
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
            "mlem-registry: none of the {} given is a *.mlem file in the working tree: nothing checked",
            count_of(count, "file")
        );
    } else if not_mlem > 0 {
        say!(
            "mlem-registry: {not_mlem} of the {} given {} not *.mlem: not checked",
            count_of(count, "file"),
            is_are(not_mlem)
        );
    }
}
