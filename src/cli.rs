//! Command-line flags: every flag's documentation sits next to its definition.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use mlem_registry::finding::Severity;
use mlem_registry::report::Format;
use mlem_registry::schema;

/// Help headings, by what a user is doing.
const CHECK: &str = "What to check";
/// Help heading.
const POLICY: &str = "Policy";
/// Help heading.
const REPORT: &str = "How to report";
/// Help heading.
const GITHUB: &str = "GitHub";
/// Help heading.
const NETWORK: &str = "Network";

/// The exit codes, one table for every subcommand: what `--help` ends with.
pub const EXIT_CODES: &str = "\
Exit codes:
  0    clean: nothing at or above --fail-on, and every link verified or let through
       (check --offline lists unverified links as notes; --pass-unverified; the git hooks)
  1    findings at or above --fail-on; link, resolve or pin refused a link
  2    usage error, or a file or repository could not be read or written
  3    nothing failed, but some link could not be verified (network, rate limit, --timeout;
       resolve --offline too)
  130  interrupted (Ctrl-C)";

/// The command line with [`EXIT_CODES`] at the end of every subcommand's help.
pub fn command() -> clap::Command {
    fn with_exit_codes(command: clap::Command) -> clap::Command {
        command
            .after_help(EXIT_CODES)
            .mut_subcommands(with_exit_codes)
    }
    with_exit_codes(<Cli as clap::CommandFactory>::command())
}

/// Guards a Git-hosted MLEM model registry: checks every link file before it reaches production.
#[derive(Debug, Parser)]
#[command(name = "mlem-registry", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check the registry's `*.mlem` files: YAML, schema, and where every link lands.
    Check(Box<CheckArgs>),
    /// Run as the GitHub Action: reads the action's inputs (`INPUT_*`) and the Actions
    /// environment, then checks with annotations, a check run, a job summary and step outputs.
    Action,
    /// Make PATH a MLEM project, as `mlem init` does (the `.mlem.yaml` marker).
    Init {
        /// The folder (created if missing).
        #[arg(default_value = ".")]
        path: PathBuf,
        /// Also add the pull-request workflow and the config file.
        #[arg(long)]
        with_ci: bool,
    },
    /// Write NAME.mlem, a link to the object at PATH, as `mlem link` does: the target is
    /// resolved first, and a missing or mistyped one is refused.
    Link(Box<LinkArgs>),
    /// Follow the link NAME (and chains of links, across repositories) to the object it lands on.
    Resolve(Box<ResolveArgs>),
    /// List the project's objects and links by name, with their types and where links point;
    /// with --resolve, every link with where it lands now (`--format json`: the lock file).
    Ls(Box<LsArgs>),
    /// What a change promotes: every link it adds, removes or edits, and every link whose chain
    /// now lands elsewhere, with where it landed before and after and what changed in the object
    /// it lands on.
    Diff(Box<DiffArgs>),
    /// The history of one link: every commit of the registry that changed where it lands, with
    /// where it landed before and after (as `diff` shows it).
    Log(Box<LogArgs>),
    /// Pin links: rewrite each branch `rev` (or missing `rev`) of the links under PATH… to the
    /// commit it points at now, keeping each file's formatting, comments and key order.
    Pin(Box<PinArgs>),
    /// Install or remove the git hooks, or run one (git runs `hook pre-push` and `hook pre-commit`).
    Hook {
        #[command(subcommand)]
        command: HookCommand,
    },
    /// Print a JSON Schema shipped with the tool (for editors such as yaml-language-server).
    Schema {
        /// Which schema.
        #[arg(value_enum)]
        name: SchemaName,
    },
}

#[derive(Debug, Clone, Args)]
pub struct CheckArgs {
    /// A folder inside the registry: the MLEM project around it is checked (the nearest folder
    /// at or above it with `.mlem.yaml` or `.mlem/`), or the whole git repository when there is
    /// none. A `*.mlem` file: that file, with every link file whose links reach it.
    #[arg(default_value = ".")]
    pub path: PathBuf,

    /// Check the files of this commit, branch or tag, read from git without a checkout.
    #[arg(help_heading = CHECK, long, value_name = "REV", conflicts_with = "changed_since")]
    pub rev: Option<String>,

    /// Check the `*.mlem` files added or modified between REV and the working tree, and every
    /// link that reaches a changed or deleted file, judged by REV's policy.
    #[arg(help_heading = CHECK, long, value_name = "REV")]
    pub changed_since: Option<String>,

    /// Judge the change by the policy (`.mlem-registry.toml`, or `--config`'s file) of REV, its
    /// trusted base; a change to the policy is reported as `config/changed` [default: with
    /// `--changed-since`, its REV; with `--rev`, that revision's own; the hooks: HEAD, or what
    /// the remote has].
    #[arg(help_heading = POLICY, long, value_name = "REV")]
    pub policy_from: Option<String>,

    #[command(flatten)]
    pub config: ConfigArg,

    /// Use no network: links to other repositories are listed as not verified.
    #[arg(help_heading = CHECK, long)]
    pub offline: bool,

    /// Pass (exit 0, check run `success`) when nothing is broken but some links could not be
    /// verified; by default such a run exits 3 and its check run needs action (the config's
    /// `pass_unverified = true` does the same).
    #[arg(help_heading = POLICY, long)]
    pub pass_unverified: bool,

    /// Output format [default: github under GitHub Actions (GITHUB_ACTIONS=true), else human].
    #[arg(help_heading = REPORT, long, value_enum)]
    pub format: Option<Format>,

    /// Also write FORMAT to PATH, e.g. `--output sarif=results.sarif`; repeat it to feed several
    /// consumers from one run. `-` is standard output, instead of --format's report.
    #[arg(help_heading = REPORT, long, value_name = "FORMAT=PATH", value_parser = parse_output)]
    pub output: Vec<(Format, PathBuf)>,

    /// Publish the findings as a GitHub check run of this name on the head commit (needs
    /// `checks: write`; without it, annotations go to the log as workflow commands).
    #[arg(help_heading = GITHUB, long, value_name = "NAME")]
    pub check_run: Option<String>,

    /// Exit with 1 when a finding has this severity or a higher one.
    #[arg(help_heading = POLICY, long, value_enum, default_value = "error")]
    pub fail_on: FailOn,

    /// When to colour human output (auto: on a terminal, unless NO_COLOR is set).
    #[arg(help_heading = REPORT, long, value_enum, default_value = "auto")]
    pub color: Color,

    /// Print what a rule means and how to fix it, then exit; without RULE, list every rule.
    #[arg(help_heading = REPORT, long, value_name = "RULE", num_args = 0..=1,
          default_missing_value = "")]
    pub explain: Option<String>,

    #[command(flatten)]
    pub github: GitHubArgs,

    /// Which files to check when a hook decides it (a push's, the staged ones), not the flags.
    #[arg(skip)]
    pub selection: Option<mlem_registry::registry::Selection>,
}

#[derive(Debug, Subcommand)]
pub enum HookCommand {
    /// Write git hooks into the repository (respecting core.hooksPath): pre-push by default.
    Install {
        /// Install the pre-push hook: checks the link files the pushed commits change.
        #[arg(long)]
        pre_push: bool,
        /// Install the pre-commit hook: checks the staged link files.
        #[arg(long)]
        pre_commit: bool,
        /// Replace a hook another tool wrote (it is kept as HOOK.mlem-registry-backup).
        #[arg(long)]
        force: bool,
        /// A path inside the repository.
        #[arg(long, default_value = ".")]
        path: PathBuf,
        /// Arguments the hook passes to every run, after `--` (e.g. `-- --offline`).
        #[arg(last = true)]
        args: Vec<String>,
    },
    /// Remove the hooks this tool installed (and put back any hook they replaced).
    Uninstall {
        /// A path inside the repository.
        #[arg(long, default_value = ".")]
        path: PathBuf,
    },
    /// Run as git's pre-push hook: reads the pushed refs on standard input (or the pre-commit
    /// framework's PRE_COMMIT_* variables) and checks the link files the pushed commits change,
    /// as they are in those commits; every link file of the pushed commit when the remote has
    /// none of its history (a new repository).
    PrePush {
        /// The remote's name, as git passes it.
        remote: Option<String>,
        /// The remote's URL, as git passes it.
        url: Option<String>,
        #[command(flatten)]
        run: Box<HookRunArgs>,
    },
    /// Run as git's pre-commit hook: checks the staged link files that differ from HEAD, as the
    /// index holds them. Given FILEs (the pre-commit framework passes them), checks exactly
    /// those `*.mlem` files as the index has them, each link resolved from its project.
    PreCommit {
        /// The files to check (`--all-files` in the pre-commit framework: every one); other
        /// names are skipped. None: the staged files.
        #[arg(value_name = "FILE")]
        files: Vec<PathBuf>,
        #[command(flatten)]
        run: Box<HookRunArgs>,
    },
}

/// `human` (a table) or `json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Human,
    Json,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The revision to compare with [default: the merge-base of HEAD and the remote's default
    /// branch, origin/HEAD].
    pub base: Option<String>,
    /// The revision to compare [default: the working tree].
    pub head: Option<String>,
    #[command(flatten)]
    pub review: ReviewArgs,
}

#[derive(Debug, Args)]
pub struct LogArgs {
    /// The link, as MLEM names it: its path in the project, `.mlem` optional.
    pub name: String,
    #[command(flatten)]
    pub review: ReviewArgs,
}

/// What `diff` and `log` share: the registry, the output and the network.
#[derive(Debug, Args)]
pub struct ReviewArgs {
    /// The registry (a folder inside it).
    #[arg(long, default_value = ".")]
    pub path: PathBuf,
    /// Output format: `json` is documented in docs/diff-output.md.
    #[arg(long, value_enum, default_value = "human")]
    pub format: ListFormat,
    /// Use no network: links to other repositories are unverified.
    #[arg(long)]
    pub offline: bool,
    #[command(flatten)]
    pub github: GitHubArgs,
}

#[derive(Debug, Args)]
pub struct LsArgs {
    /// A folder or a `*.mlem` file of the project: only what is at or under it is listed.
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: ListFormat,
    /// Resolve every link: where it lands now (repository, commit, path, object type, artifacts),
    /// as `check` resolves it. With `--format json` this is the registry's lock file
    /// (docs/lock-file.md).
    #[arg(long)]
    pub resolve: bool,
    /// With --resolve: use no network; links to other repositories are unverified.
    #[arg(long, requires = "resolve")]
    pub offline: bool,
    #[command(flatten)]
    pub github: GitHubArgs,
}

#[derive(Debug, Args)]
pub struct LinkArgs {
    /// The target's path in its project (`.mlem` optional).
    pub path: String,
    /// The link's name: it is saved as NAME.mlem in the project.
    pub name: String,
    /// The project (repository URL or folder) the target is in [default: this project].
    #[arg(long = "source-project", visible_alias = "sp", value_name = "REPO")]
    pub source_project: Option<String>,
    /// The target's revision (branch, tag or commit).
    #[arg(long, value_name = "REV")]
    pub rev: Option<String>,
    /// Write the commit the target resolves to now instead of the branch.
    #[arg(long)]
    pub pin: bool,
    /// Write `repo:` (MLEM up to 0.2.0) instead of `project:`.
    #[arg(long)]
    pub legacy_repo_key: bool,
    /// Refuse unless the target is an object of this type.
    #[arg(long = "type", value_name = "TYPE", value_parser = object_types())]
    pub object_type: Option<String>,
    /// The project the link is saved in.
    #[arg(long = "target-project", visible_alias = "tp", default_value = ".")]
    pub target_project: PathBuf,
    /// Replace NAME.mlem if it exists.
    #[arg(long)]
    pub force: bool,
    /// Print nothing but errors.
    #[arg(short, long)]
    pub quiet: bool,
    #[command(flatten)]
    pub github: GitHubArgs,
}

#[derive(Debug, Args)]
pub struct ResolveArgs {
    /// The link (its path in the project, `.mlem` optional).
    pub name: String,
    /// Show the link itself, not where it leads (MLEM's follow_links=False).
    #[arg(long)]
    pub no_follow: bool,
    /// The project the link is in.
    #[arg(long, default_value = ".")]
    pub project: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: ListFormat,
    /// Use no network: links to other repositories are not followed.
    #[arg(long)]
    pub offline: bool,
    #[command(flatten)]
    pub github: GitHubArgs,
}

#[derive(Debug, Args)]
pub struct PinArgs {
    /// Files or folders inside the registry whose links to pin (`.`: the whole registry).
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,

    /// Show what would change, as a diff, and write nothing.
    #[arg(long)]
    pub dry_run: bool,

    #[command(flatten)]
    pub config: ConfigArg,

    #[command(flatten)]
    pub github: GitHubArgs,
}

/// `--config`, shared by every command that applies the registry's policy.
#[derive(Debug, Clone, Args)]
pub struct ConfigArg {
    /// The registry's config file, for every file [default: for each file, the nearest
    /// .mlem-registry.toml at or above it, within its git repository].
    #[arg(help_heading = POLICY, long = "config", value_name = "FILE")]
    pub file: Option<PathBuf>,
}

/// What a hook run takes from `check`'s flags.
#[derive(Debug, Clone, Args)]
pub struct HookRunArgs {
    /// Use no network: links to other repositories are listed as not verified.
    #[arg(help_heading = CHECK, long)]
    pub offline: bool,

    #[command(flatten)]
    pub config: ConfigArg,

    /// Refuse the push or commit on a finding of this severity or a higher one.
    #[arg(help_heading = POLICY, long, value_enum, default_value = "error")]
    pub fail_on: FailOn,

    /// Output format.
    #[arg(help_heading = REPORT, long, value_enum, default_value = "human")]
    pub format: Format,

    #[command(flatten)]
    pub github: GitHubArgs,
}

impl HookRunArgs {
    /// The `check` a hook run amounts to, over `selection` in the current directory.
    pub fn check_args(&self, selection: mlem_registry::registry::Selection) -> CheckArgs {
        CheckArgs {
            path: PathBuf::from("."),
            rev: None,
            changed_since: None,
            policy_from: None,
            config: self.config.clone(),
            offline: self.offline,
            pass_unverified: false,
            github: self.github.clone(),
            format: Some(self.format),
            output: Vec::new(),
            check_run: None,
            fail_on: self.fail_on,
            color: Color::Auto,
            explain: None,
            selection: Some(selection),
        }
    }
}

/// Why an `--output` value is refused (clap prints it after the flag).
#[derive(Debug, thiserror::Error)]
enum OutputArgError {
    /// No `=`.
    #[error("expected FORMAT=PATH, got `{0}`")]
    NoFormat(String),
    /// A format this tool does not write.
    #[error("unknown format `{format}`; formats are: {known}")]
    UnknownFormat {
        /// The format as given.
        format: String,
        /// The formats there are, comma-separated.
        known: String,
    },
    /// `FORMAT=` with nothing after it.
    #[error("`{0}` names no path")]
    NoPath(String),
}

/// MLEM's object types, for `link --type`.
fn object_types() -> clap::builder::PossibleValuesParser {
    clap::builder::PossibleValuesParser::new(
        mlem_registry::mlem::ObjectType::ALL
            .iter()
            .map(|kind| clap::builder::PossibleValue::new(kind.as_str())),
    )
}

/// `FORMAT=PATH` for `--output`.
fn parse_output(value: &str) -> Result<(Format, PathBuf), OutputArgError> {
    let (format, path) = value
        .split_once('=')
        .ok_or_else(|| OutputArgError::NoFormat(value.to_owned()))?;
    let format = Format::from_str(format, true).map_err(|_| {
        let names: Vec<String> = Format::value_variants()
            .iter()
            .filter_map(|f| f.to_possible_value().map(|v| v.get_name().to_owned()))
            .collect();
        OutputArgError::UnknownFormat {
            format: format.to_owned(),
            known: names.join(", "),
        }
    })?;
    if path.is_empty() {
        return Err(OutputArgError::NoPath(value.to_owned()));
    }
    Ok((format, PathBuf::from(path)))
}

/// Where GitHub is and how to talk to it. The token is read from the environment only, so it
/// never shows in a process list or a shell history.
#[derive(Debug, Clone, Args)]
pub struct GitHubArgs {
    /// Read the GitHub token from this environment variable [default: GITHUB_TOKEN, then
    /// GH_TOKEN]. It is sent only to the GitHub API URL below, never to another host.
    #[arg(help_heading = GITHUB, long, value_name = "NAME")]
    pub token_env: Option<String>,

    /// GitHub's REST API (GitHub Enterprise: https://HOST/api/v3).
    #[arg(help_heading = GITHUB,
        long,
        env = "GITHUB_API_URL",
        value_name = "URL",
        default_value = "https://api.github.com"
    )]
    pub github_api_url: String,

    /// GitHub's GraphQL API [default: derived from --github-api-url].
    #[arg(help_heading = GITHUB, long, env = "GITHUB_GRAPHQL_URL", value_name = "URL")]
    pub github_graphql_url: Option<String>,

    /// The web address whose repository URLs are GitHub's (GitHub Enterprise: https://HOST).
    #[arg(help_heading = GITHUB,
        long,
        env = "GITHUB_SERVER_URL",
        value_name = "URL",
        default_value = "https://github.com"
    )]
    pub github_server_url: String,

    /// Keep what was learned about pinned targets (full commit ids) in DIR across runs.
    #[arg(help_heading = NETWORK, long, value_name = "DIR")]
    pub cache: Option<PathBuf>,

    /// Seconds all lookups of links to other repositories may take in all; past them, whatever
    /// is still open is reported unverified and the run ends normally (0: no limit).
    #[arg(help_heading = NETWORK, long, value_name = "SECS", default_value_t = 300)]
    pub timeout: u64,

    /// Seconds one request (or one listing of a git remote's refs) may take before it is
    /// retried or given up.
    #[arg(help_heading = NETWORK, long, value_name = "SECS", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub request_timeout: u64,

    /// Retries after a timeout, a 5xx or a secondary rate limit.
    #[arg(help_heading = NETWORK, long, value_name = "N", default_value_t = 3)]
    pub retries: u32,

    /// Milliseconds before the first retry; each further retry waits twice as long, plus jitter.
    #[arg(help_heading = NETWORK, long, value_name = "MS", default_value_t = 500)]
    pub retry_delay: u64,

    /// The longest wait, in seconds, for GitHub's rate limit; beyond it, links are left unverified.
    #[arg(help_heading = NETWORK, long, value_name = "SECS", default_value_t = 60)]
    pub max_rate_limit_wait: u64,

    /// Requests to GitHub in flight at once.
    #[arg(help_heading = NETWORK, long, value_name = "N", default_value_t = 8,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    pub concurrency: usize,
}

impl GitHubArgs {
    /// The library's network settings these flags stand for.
    pub fn network(&self) -> mlem_registry::settings::Network {
        mlem_registry::settings::Network {
            token_env: self.token_env.clone(),
            server_url: self.github_server_url.clone(),
            api_url: self.github_api_url.clone(),
            graphql_url: self.github_graphql_url.clone(),
            cache: self.cache.clone(),
            timeout: self.timeout,
            request_timeout: self.request_timeout,
            retries: self.retries,
            retry_delay: self.retry_delay,
            max_rate_limit_wait: self.max_rate_limit_wait,
            concurrency: self.concurrency,
        }
    }
}

/// Severity thresholds for `--fail-on`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Note,
}

impl FailOn {
    /// The least severity that fails the run.
    pub fn severity(self) -> Severity {
        match self {
            FailOn::Error => Severity::Error,
            FailOn::Warning => Severity::Warning,
            FailOn::Note => Severity::Note,
        }
    }
}

/// Colour choices.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Color {
    Auto,
    Always,
    Never,
}

/// The schemas shipped in `schemas/`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum SchemaName {
    /// A MLEM link file.
    Link,
    /// Any MLEM object (the envelope every `*.mlem` file meets).
    Object,
    /// The config file, `.mlem-registry.toml` (for taplo / Even Better TOML).
    Config,
}

impl SchemaName {
    /// The schema's JSON text.
    pub fn text(self) -> &'static str {
        match self {
            SchemaName::Link => schema::LINK_SCHEMA,
            SchemaName::Object => schema::OBJECT_SCHEMA,
            SchemaName::Config => mlem_registry::config::SCHEMA,
        }
    }
}

/// The command line with every argument of `hook pre-commit` that names an existing file moved
/// behind a `--`: the pre-commit framework appends file names after the hook's own arguments
/// with no `--`, so a committed file named `--config=x.mlem` would otherwise be read as an
/// option, and the change being checked would choose how it is checked. Names are relative to
/// `cwd`.
pub fn files_as_files(
    args: Vec<std::ffi::OsString>,
    cwd: &std::path::Path,
) -> Vec<std::ffi::OsString> {
    let is_pre_commit_hook =
        args.get(1).is_some_and(|a| a == "hook") && args.get(2).is_some_and(|a| a == "pre-commit");
    if !is_pre_commit_hook {
        return args;
    }
    let mut kept = Vec::with_capacity(args.len() + 1);
    let mut files = Vec::new();
    let mut rest = args.into_iter();
    for arg in rest.by_ref() {
        if arg == "--" {
            break;
        }
        let looks_like_option = arg.as_encoded_bytes().starts_with(b"-");
        if looks_like_option && std::fs::symlink_metadata(cwd.join(&arg)).is_ok() {
            files.push(arg);
        } else {
            kept.push(arg);
        }
    }
    files.extend(rest);
    if !files.is_empty() {
        kept.push("--".into());
        kept.extend(files);
    }
    kept
}

#[cfg(test)]
mod tests {
    use std::ffi::OsString;

    use super::files_as_files;

    fn args(list: &[&str]) -> Vec<OsString> {
        list.iter().map(OsString::from).collect()
    }

    #[test]
    fn a_file_named_like_an_option_is_a_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("--config=p.mlem"), "").unwrap();
        let named = "--config=p.mlem";
        let given = args(&[
            "mlem-registry",
            "hook",
            "pre-commit",
            "--offline",
            named,
            "a.mlem",
        ]);
        assert_eq!(
            files_as_files(given, dir.path()),
            args(&[
                "mlem-registry",
                "hook",
                "pre-commit",
                "--offline",
                "a.mlem",
                "--",
                named
            ])
        );
    }

    #[test]
    fn options_that_name_no_file_and_other_commands_are_left_alone() {
        let given = args(&["mlem-registry", "hook", "pre-commit", "--offline", "a.mlem"]);
        let here = std::path::Path::new(".");
        assert_eq!(files_as_files(given.clone(), here), given);
        let check = args(&["mlem-registry", "check", "--offline", "."]);
        assert_eq!(files_as_files(check.clone(), here), check);
    }

    #[test]
    fn what_follows_a_double_dash_stays_a_file() {
        let given = args(&["mlem-registry", "hook", "pre-commit", "--", "-x.mlem"]);
        assert_eq!(
            files_as_files(given.clone(), std::path::Path::new(".")),
            given
        );
    }
}
