//! The registry's policy file, `.mlem-registry.toml`: which hosts and owners links may name,
//! which files are production, which are ignored, how severe each rule is, and where GitHub
//! Enterprise hosts keep their API. Its schema is `schemas/config.schema.json`.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

mod globs;
mod source;

pub use source::PolicySource;

use globset::{Glob, GlobBuilder};
use serde::Deserialize;
use toml::Spanned;

use crate::finding::{Finding, Severity};
use crate::github::endpoint::{self, Endpoint};
use crate::resolve::target::{AllowList, OwnerPattern};
use crate::rules;
use globs::Globs;

/// The file a registry keeps its policy in, at its root.
pub const FILE_NAME: &str = crate::registry::CONFIG_FILE;

/// The JSON Schema of the config file, for editors (taplo, Even Better TOML).
pub const SCHEMA: &str = include_str!("../schemas/config.schema.json");

/// Why a config file cannot be used: always names the file, and the line and column when the
/// problem is in its text.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The file exists (or was named) but cannot be read.
    #[error("cannot read {file}: {source}")]
    Read {
        /// The file.
        file: String,
        /// What the OS said.
        source: std::io::Error,
    },
    /// The revision the policy is read from cannot be read.
    #[error("cannot read the policy as of `{rev}`: {message}")]
    Revision {
        /// The revision.
        rev: String,
        /// What git said.
        message: String,
    },
    /// A key or value is wrong.
    #[error("{file}:{line}:{column}: {message}")]
    Invalid {
        /// The file.
        file: String,
        /// 1-based line of the offending key or value.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong, naming the key.
        message: String,
    },
}

/// What a rule's findings become, from the `[severity]` table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Findings are errors.
    Error,
    /// Findings are warnings.
    Warning,
    /// Findings are notes.
    Note,
    /// The rule is switched off: its findings are dropped.
    Off,
}

impl Level {
    /// The severity findings get; `None`: they are dropped.
    pub fn severity(self) -> Option<Severity> {
        match self {
            Level::Error => Some(Severity::Error),
            Level::Warning => Some(Severity::Warning),
            Level::Note => Some(Severity::Note),
            Level::Off => None,
        }
    }
}

/// A GitHub Enterprise host from a `[hosts."HOST"]` table: links to it go through its API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostApi {
    /// The web host, lower-cased (`ghe.example.com`).
    pub host: String,
    /// Its REST and GraphQL APIs, on that host.
    pub endpoint: Endpoint,
    /// The environment variable holding this host's token; without it, the host gets none.
    pub token_env: Option<String>,
}

/// The policy a registry states once, with defaults that change nothing.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// The file it was read from, if any.
    pub source: Option<PathBuf>,
    /// The config file's folder relative to the repository root (`""` or `dir/`): its globs
    /// match paths relative to that folder.
    pub base: String,
    /// Where links may point (`allowed_hosts`, `allowed_owners`).
    pub allow: AllowList,
    production: Option<Globs>,
    ignore: Option<Globs>,
    severity: HashMap<&'static str, Level>,
    /// GitHub Enterprise hosts and their APIs.
    pub hosts: Vec<HostApi>,
    /// A run whose only problem is links it could not verify passes (`pass_unverified`).
    pub pass_unverified: bool,
}

/// The file as written; every field is optional and unknown keys are refused.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    allowed_hosts: Option<Vec<Spanned<String>>>,
    allowed_owners: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    production: Vec<Spanned<String>>,
    #[serde(default)]
    ignore: Vec<Spanned<String>>,
    #[serde(default)]
    severity: BTreeMap<Spanned<String>, Level>,
    #[serde(default)]
    hosts: BTreeMap<Spanned<String>, RawHost>,
    #[serde(default)]
    pass_unverified: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHost {
    api_url: Spanned<String>,
    graphql_url: Option<Spanned<String>>,
    token_env: Option<Spanned<String>>,
}

/// The prefix every `token_env` must have: a config can name only variables set for it, never
/// a runner's own (`GITHUB_TOKEN`, `ACTIONS_RUNTIME_TOKEN`, `ACTIONS_ID_TOKEN_REQUEST_TOKEN`, a
/// job's other secrets), so a change to the config cannot send any of those to a host it names.
pub const TOKEN_ENV_PREFIX: &str = "MLEM_REGISTRY_TOKEN_";

/// The largest config file read: a policy is a few lines.
const MAX_CONFIG_BYTES: u64 = 1 << 20;

/// Where the policy is read from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum PolicyAt {
    /// The files on disk: a run over the working tree that judges no change.
    #[default]
    Worktree,
    /// The files of this revision: the base a change is judged against (its policy is trusted,
    /// the change's is not), or the revision `--rev` checks.
    Revision(String),
}

impl Config {
    /// The config for the registry containing `path`, read from the working tree.
    pub fn load(explicit: Option<&Path>, path: &Path) -> Result<Config, Error> {
        Config::load_at(explicit, path, &PolicyAt::Worktree)
    }

    /// The config for the registry containing `path`, as `at` has it: `explicit` (`--config`)
    /// when given, else the nearest `.mlem-registry.toml` in `path`'s folder or above it, up to
    /// the root of its git repository (a registry in a subfolder may keep its own), else the
    /// defaults. A `--config` file outside the repository is not part of any revision: it is
    /// read from disk.
    pub fn load_at(explicit: Option<&Path>, path: &Path, at: &PolicyAt) -> Result<Config, Error> {
        let Some(found) = Located::find(explicit, path, at)? else {
            let mut config = Config::default();
            // Messages about the defaults say which revision had no policy.
            config.allow.source = match at {
                PolicyAt::Revision(rev) => format!("{FILE_NAME} (none as of {rev})"),
                PolicyAt::Worktree => FILE_NAME.to_owned(),
            };
            return Ok(config);
        };
        let mut config = Config::parse(&found.text, &found.shown)?;
        // Messages name a discovered file by its path in the repository, wherever it is checked out.
        config.allow.source = found.shown.clone();
        config.source = Some(found.file);
        config.base = found.base;
        Ok(config)
    }

    /// Parses the text of a config file; `file` names it in errors.
    pub fn parse(text: &str, file: &str) -> Result<Config, Error> {
        let at = |offset: usize, message: String| {
            let position = crate::finding::position_at(text, offset.min(text.len()));
            Error::Invalid {
                file: file.to_owned(),
                line: position.line,
                column: position.column,
                message,
            }
        };
        let raw: Raw = toml::from_str(text).map_err(|error| {
            let offset = error.span().map_or(0, |span| span.start);
            at(offset, explain_toml_error(error.message()))
        })?;
        let hosts = |key: &str, entries: Option<Vec<Spanned<String>>>| {
            entries
                .map(|entries| {
                    entries
                        .into_iter()
                        .map(|entry| {
                            let span = entry.span();
                            let value = entry.into_inner();
                            check_host(&value)
                                .map_err(|why| at(span.start, format!("{key}: {why}")))
                        })
                        .collect::<Result<Vec<String>, Error>>()
                })
                .transpose()
        };
        let allowed_hosts = hosts("allowed_hosts", raw.allowed_hosts)?;
        let allowed_owners = raw
            .allowed_owners
            .map(|entries| {
                entries
                    .into_iter()
                    .map(|entry| {
                        let span = entry.span();
                        parse_owner(entry.get_ref())
                            .map_err(|why| at(span.start, format!("allowed_owners: {why}")))
                    })
                    .collect::<Result<Vec<_>, Error>>()
            })
            .transpose()?;
        let globs = |key: &str, patterns: Vec<Spanned<String>>| {
            if patterns.is_empty() {
                return Ok(None);
            }
            let mut set = Vec::with_capacity(patterns.len());
            for pattern in patterns {
                set.push(glob(pattern.get_ref()).map_err(|why| {
                    at(
                        pattern.span().start,
                        format!("{key}: `{}`: {why}", pattern.get_ref()),
                    )
                })?);
            }
            Globs::new(set)
                .map(Some)
                .map_err(|why| at(0, format!("{key}: {why}")))
        };
        let production = globs("production", raw.production)?;
        let ignore = globs("ignore", raw.ignore)?;
        let mut severity = HashMap::new();
        for (id, level) in raw.severity {
            let rule = rules::find(id.get_ref()).ok_or_else(|| {
                at(
                    id.span().start,
                    format!(
                        "severity: no rule `{}`; `mlem-registry check --explain` lists them",
                        id.get_ref()
                    ),
                )
            })?;
            severity.insert(rule.id, level);
        }
        let mut apis = Vec::new();
        for (host, api) in raw.hosts {
            let name = check_host(host.get_ref())
                .map_err(|why| at(host.span().start, format!("hosts: {why}")))?;
            if apis.iter().any(|a: &HostApi| a.host == name) {
                return Err(at(
                    host.span().start,
                    format!("hosts: `{name}` is given twice"),
                ));
            }
            let url = |key: &str, value: &Spanned<String>| {
                endpoint::on_host(&name, value.get_ref())
                    .map_err(|why| at(value.span().start, format!("hosts.\"{name}\".{key}: {why}")))
            };
            let token_env = match api.token_env {
                None => None,
                Some(variable) => {
                    let suffix = variable.get_ref().strip_prefix(TOKEN_ENV_PREFIX);
                    let name_ok = suffix.is_some_and(|suffix| {
                        !suffix.is_empty()
                            && suffix
                                .chars()
                                .all(|c| c.is_ascii_alphanumeric() || c == '_')
                    });
                    if !name_ok {
                        return Err(at(
                            variable.span().start,
                            format!(
                                "hosts.\"{name}\".token_env: `{}` cannot be used: name a variable that starts with {TOKEN_ENV_PREFIX} and holds this host's own token (e.g. {TOKEN_ENV_PREFIX}GHE); a config never hands a runner's variables to a host",
                                variable.get_ref(),
                            ),
                        ));
                    }
                    Some(variable.into_inner())
                }
            };
            let api_url = url("api_url", &api.api_url)?;
            let graphql_url = api
                .graphql_url
                .as_ref()
                .map(|value| url("graphql_url", value))
                .transpose()?;
            let endpoint = Endpoint::new(&api_url, graphql_url.as_deref()).map_err(|why| {
                let span = api.graphql_url.as_ref().unwrap_or(&api.api_url).span();
                at(span.start, format!("hosts.\"{name}\": {why}"))
            })?;
            apis.push(HostApi {
                endpoint,
                token_env,
                host: name,
            });
        }
        Ok(Config {
            source: None,
            base: String::new(),
            allow: AllowList {
                hosts: allowed_hosts,
                owners: allowed_owners,
                source: FILE_NAME.to_owned(),
                github: Vec::new(),
            },
            production,
            ignore,
            severity,
            hosts: apis,
            pass_unverified: raw.pass_unverified,
        })
    }

    /// Tells the allow-list which hosts are GitHub's for this run: `main` (`github.com` or the
    /// `--github-server-url` host) and the `[hosts]` tables. With no `allowed_hosts`, links may
    /// name only these.
    pub fn set_github_host(&mut self, main: &str) {
        let hosts =
            std::iter::once(main.to_owned()).chain(self.hosts.iter().map(|h| h.host.clone()));
        self.allow.github = hosts.collect();
    }

    /// Whether `[severity]` switches the rule `id` off: its work can be skipped.
    pub fn is_off(&self, id: &str) -> bool {
        self.severity.get(id) == Some(&Level::Off)
    }

    /// Whether `path` (relative to the repository root) is listed in `ignore`.
    pub fn is_ignored(&self, path: &str) -> bool {
        self.matches(self.ignore.as_ref(), path)
    }

    /// Whether `path` (relative to the repository root) is a production file.
    pub fn is_production(&self, path: &str) -> bool {
        self.matches(self.production.as_ref(), path)
    }

    fn matches(&self, globs: Option<&Globs>, path: &str) -> bool {
        let Some(globs) = globs else { return false };
        path.strip_prefix(self.base.as_str())
            .is_some_and(|relative| globs.is_match(relative))
    }

    /// What `[severity]` makes of rule `id`'s findings, when it names the rule.
    pub fn level(&self, id: &str) -> Option<Level> {
        self.severity.get(id).copied()
    }

    /// Whether the config re-grades anything (`[severity]`, `production`).
    pub fn grades(&self) -> bool {
        !self.severity.is_empty() || self.production.is_some()
    }
}

/// A config file found for a run: its text and where it is.
#[derive(Debug)]
struct Located {
    /// The file's text.
    text: String,
    /// How messages name it: its repository-relative path, with the revision it was read at.
    shown: String,
    /// The file on disk (where the working tree has it).
    file: PathBuf,
    /// Its folder relative to the repository root (`""` or `dir/`).
    base: String,
    /// Its path relative to the repository root; `None` outside any repository.
    relative: Option<String>,
}

impl Located {
    /// The config that applies to `path`, as `at` has it; `None`: there is none.
    fn find(explicit: Option<&Path>, path: &Path, at: &PolicyAt) -> Result<Option<Located>, Error> {
        // A folder only a revision has (a project `--rev` checks) starts from its nearest
        // folder on disk, the rest of its path kept.
        let (start, missing) = existing_start(path);
        let root = start.as_deref().and_then(repository_root);
        let files = match (&root, at) {
            (Some(root), PolicyAt::Revision(rev)) => Files::at_revision(root, rev)?,
            _ => Files::Disk,
        };
        if let Some(file) = explicit {
            let canonical = std::fs::canonicalize(file).ok();
            let inside = canonical
                .as_deref()
                .zip(root.as_deref())
                .and_then(|(file, root)| {
                    let relative = folder_in(file.parent()?, root)?;
                    Some(format!("{relative}{}", file.file_name()?.to_string_lossy()))
                });
            let Some(relative) = inside else {
                // Outside the repository: not part of any revision or change.
                let text = read_named(file)?;
                return Ok(Some(Located {
                    text,
                    shown: file.display().to_string(),
                    file: file.to_path_buf(),
                    base: String::new(),
                    relative: None,
                }));
            };
            let root = root.expect("inside a repository");
            return match files.read(&root, &relative)? {
                Some(text) => Ok(Some(files.located(text, &root, relative))),
                None if matches!(files, Files::Disk) => Err(Error::Read {
                    file: file.display().to_string(),
                    source: std::io::ErrorKind::NotFound.into(),
                }),
                None => Ok(None),
            };
        }
        let Some(start) = start else { return Ok(None) };
        let Some(root) = root else {
            let file = start.join(FILE_NAME);
            return Ok(read_disk(&file)?.map(|text| Located {
                text,
                shown: FILE_NAME.to_owned(),
                file,
                base: String::new(),
                relative: None,
            }));
        };
        let Some(folder) = folder_in(&start, &root) else {
            return Ok(None);
        };
        let folder = format!("{folder}{missing}");
        let mut folder = folder.as_str();
        loop {
            let relative = format!("{folder}{FILE_NAME}");
            if let Some(text) = files.read(&root, &relative)? {
                return Ok(Some(files.located(text, &root, relative)));
            }
            if folder.is_empty() {
                return Ok(None);
            }
            folder = crate::registry::nested::parent_folder(folder);
        }
    }
}

/// Reads the repository's files from disk or from one revision's tree.
enum Files {
    /// The working tree.
    Disk,
    /// One revision's tree.
    Tree {
        /// The repository.
        repo: Box<gix::Repository>,
        /// The revision's tree.
        tree: gix::ObjectId,
        /// The revision as given, for messages.
        rev: String,
    },
}

impl Files {
    /// The tree of revision `rev` of the repository at `root`.
    fn at_revision(root: &Path, rev: &str) -> Result<Files, Error> {
        let fail = |message: String| Error::Revision {
            rev: rev.to_owned(),
            message,
        };
        let repo = gix::open(root).map_err(|e| fail(e.to_string()))?;
        let tree = repo
            .rev_parse_single(rev)
            .map_err(|e| fail(e.to_string()))?
            .object()
            .map_err(|e| fail(e.to_string()))?
            .peel_to_tree()
            .map_err(|e| fail(e.to_string()))?
            .id;
        Ok(Files::Tree {
            repo: Box::new(repo),
            tree,
            rev: rev.to_owned(),
        })
    }

    /// The text of the file at `relative` (to the repository root); `None` when there is no
    /// such file.
    fn read(&self, root: &Path, relative: &str) -> Result<Option<String>, Error> {
        match self {
            Files::Disk => {
                let file = root.join(relative);
                // Not through a symbolically linked folder that leaves the repository either.
                let folder = file.parent().and_then(|f| std::fs::canonicalize(f).ok());
                if folder.is_some_and(|folder| !folder.starts_with(root)) {
                    return Ok(None);
                }
                read_disk(&file)
            }
            Files::Tree { repo, tree, rev } => {
                let fail = |message: String| Error::Revision {
                    rev: rev.clone(),
                    message: format!("{relative}: {message}"),
                };
                let tree = repo.find_tree(*tree).map_err(|e| fail(e.to_string()))?;
                let Some(entry) = tree
                    .lookup_entry_by_path(relative)
                    .map_err(|e| fail(e.to_string()))?
                else {
                    return Ok(None);
                };
                if !entry.mode().is_blob() {
                    return Ok(None);
                }
                let header = repo
                    .find_header(entry.object_id())
                    .map_err(|e| fail(e.to_string()))?;
                if header.size() > MAX_CONFIG_BYTES {
                    return Err(too_large(&format!("{relative} at {rev}"), header.size()));
                }
                let blob = entry.object().map_err(|e| fail(e.to_string()))?;
                Ok(Some(String::from_utf8_lossy(&blob.data).into_owned()))
            }
        }
    }

    /// A file this reader found at `relative` in the repository at `root`.
    fn located(&self, text: String, root: &Path, relative: String) -> Located {
        let base = relative
            .rfind('/')
            .map_or(String::new(), |i| relative[..=i].to_owned());
        Located {
            text,
            shown: match self {
                Files::Disk => relative.clone(),
                Files::Tree { rev, .. } => format!("{relative} (as of {rev})"),
            },
            file: root.join(&relative),
            base,
            relative: Some(relative),
        }
    }
}

/// The text of a config file on disk; `None` when there is no file there.
fn read_disk(file: &Path) -> Result<Option<String>, Error> {
    let error = |source| Error::Read {
        file: file.display().to_string(),
        source,
    };
    // Never through a symbolic link: a change could point it at any file of the machine and
    // have its text shown as the config's.
    let meta = match std::fs::symlink_metadata(file) {
        Ok(meta) if meta.file_type().is_symlink() => {
            return Err(Error::Invalid {
                file: file.display().to_string(),
                line: 1,
                column: 1,
                message: "is a symbolic link; a config is read only from a regular file".into(),
            });
        }
        Ok(meta) if meta.is_file() => meta,
        Ok(_) => return Ok(None),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(error(e)),
    };
    if meta.len() > MAX_CONFIG_BYTES {
        return Err(too_large(&file.display().to_string(), meta.len()));
    }
    std::fs::read_to_string(file).map(Some).map_err(error)
}

/// The text of the file `--config` names outside the repository (`/dev/null` too), capped.
fn read_named(file: &Path) -> Result<String, Error> {
    use std::io::Read;
    let error = |source| Error::Read {
        file: file.display().to_string(),
        source,
    };
    let mut bytes = Vec::new();
    std::fs::File::open(file)
        .map_err(error)?
        .take(MAX_CONFIG_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(error)?;
    if bytes.len() as u64 > MAX_CONFIG_BYTES {
        return Err(too_large(&file.display().to_string(), bytes.len() as u64));
    }
    String::from_utf8(bytes).map_err(|_| error(std::io::ErrorKind::InvalidData.into()))
}

fn too_large(file: &str, size: u64) -> Error {
    Error::Invalid {
        file: file.to_owned(),
        line: 1,
        column: 1,
        message: format!("the file has {size} bytes; a config is at most {MAX_CONFIG_BYTES}"),
    }
}

/// What a change does to the policy that judges it: adds, edits or deletes a config file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyChange {
    /// The config file, relative to the repository root.
    pub file: String,
    /// Its text in the change; `None` when the change deletes it.
    pub text: Option<String>,
    /// Where in that text the change starts (1-based line).
    pub line: usize,
    /// What the change does, e.g. "edits `allowed_hosts` in .mlem-registry.toml".
    pub what: String,
}

impl PolicyChange {
    /// How the config a change brings for `path` differs from the trusted one at `base`; the
    /// change's side is read as `change` has it. `None`: the change leaves the policy alone.
    pub fn between(
        explicit: Option<&Path>,
        path: &Path,
        base: &str,
        change: &PolicyAt,
    ) -> Result<Option<PolicyChange>, Error> {
        let trusted = Located::find(explicit, path, &PolicyAt::Revision(base.to_owned()))?;
        let changed = match Located::find(explicit, path, change) {
            Ok(changed) => changed,
            // The change's own config cannot stop the run: it is only reported.
            Err(error) => {
                let file = trusted
                    .as_ref()
                    .and_then(|t| t.relative.clone())
                    .unwrap_or_else(|| FILE_NAME.to_owned());
                return Ok(Some(PolicyChange {
                    what: format!(
                        "changes {file} into something that is not a usable config ({error})"
                    ),
                    file,
                    text: None,
                    line: 1,
                }));
            }
        };
        let relative = |l: &Located| l.relative.clone();
        Ok(match (trusted, changed) {
            (None, None) => None,
            (Some(old), None) => relative(&old).map(|file| PolicyChange {
                what: format!("deletes {file}"),
                file,
                text: None,
                line: 1,
            }),
            (None, Some(new)) => relative(&new).map(|file| PolicyChange {
                what: format!("adds {file}{}", keys_of(&new.text, "")),
                file,
                text: Some(new.text),
                line: 1,
            }),
            (Some(old), Some(new)) => {
                let (Some(old_file), Some(file)) = (relative(&old), relative(&new)) else {
                    return Ok(None);
                };
                if old_file != file && old.base.len() > new.base.len() {
                    // The nearer one is gone: its files would fall under an outer one.
                    Some(PolicyChange {
                        what: format!("deletes {old_file} (its files would fall under {file})"),
                        file: old_file,
                        text: None,
                        line: 1,
                    })
                } else if old_file != file {
                    Some(PolicyChange {
                        what: format!(
                            "adds {file}{}, which would replace {old_file} for these files",
                            keys_of(&new.text, "")
                        ),
                        file,
                        text: Some(new.text),
                        line: 1,
                    })
                } else if old.text == new.text {
                    None
                } else {
                    let line = old
                        .text
                        .lines()
                        .zip(new.text.lines())
                        .position(|(a, b)| a != b)
                        .unwrap_or_else(|| old.text.lines().count().min(new.text.lines().count()))
                        + 1;
                    let what = match Config::parse(&new.text, &file) {
                        Err(Error::Invalid { message, .. }) => {
                            format!(
                                "edits {file}, and its new text is not a valid config ({message})"
                            )
                        }
                        _ => format!("edits {}in {file}", keys_of(&new.text, &old.text)),
                    };
                    Some(PolicyChange {
                        file,
                        line: line.min(new_lines(&new.text)),
                        text: Some(new.text),
                        what,
                    })
                }
            }
        })
    }

    /// The finding that shows reviewers the change to the policy.
    pub fn finding(&self) -> Finding {
        let span = match &self.text {
            Some(text) => {
                let start: usize = text
                    .split_inclusive('\n')
                    .take(self.line.saturating_sub(1))
                    .map(str::len)
                    .sum();
                let end = text[start..].find('\n').map_or(text.len(), |i| start + i);
                crate::finding::Span::from_bytes(text, start, end)
            }
            None => crate::finding::Span::file_start(),
        };
        rules::config_changed::finding(&self.file, span, &self.what)
    }
}

/// The number of lines of `text`, at least 1.
fn new_lines(text: &str) -> usize {
    text.lines().count().max(1)
}

/// The top-level keys whose values differ between two config texts, as "`a`, `b` " (or, with
/// an empty `old`, as " (`a`, `b`)" for a new file); empty when they cannot be told.
fn keys_of(new: &str, old: &str) -> String {
    let table = |text: &str| toml::from_str::<toml::Table>(text).ok();
    let Some(new_table) = table(new) else {
        return String::new();
    };
    let old_table = table(old).unwrap_or_default();
    let mut keys: Vec<&String> = new_table
        .keys()
        .chain(old_table.keys())
        .filter(|key| new_table.get(*key) != old_table.get(*key))
        .collect();
    keys.sort();
    keys.dedup();
    let list = keys
        .iter()
        .map(|k| format!("`{k}`"))
        .collect::<Vec<_>>()
        .join(", ");
    match (list.is_empty(), old.is_empty()) {
        (true, _) => String::new(),
        (false, true) => format!(" ({list})"),
        (false, false) => format!("{list} "),
    }
}

/// The nearest existing folder at or above `path`, canonical, and the folders below it that
/// `path` names but the disk does not have (`"a/b/"`).
fn existing_start(path: &Path) -> (Option<PathBuf>, String) {
    let mut missing: Vec<String> = Vec::new();
    let mut at = path.to_path_buf();
    loop {
        if let Ok(real) = std::fs::canonicalize(&at) {
            let real = match real.is_dir() {
                true => real,
                false => real.parent().map(Path::to_path_buf).unwrap_or(real),
            };
            missing.reverse();
            let tail: String = missing.iter().map(|m| format!("{m}/")).collect();
            return (Some(real), tail);
        }
        match (at.file_name(), at.parent()) {
            (Some(name), Some(parent)) => {
                missing.push(name.to_string_lossy().into_owned());
                at = match parent.as_os_str().is_empty() {
                    true => PathBuf::from("."),
                    false => parent.to_path_buf(),
                };
            }
            _ => return (None, String::new()),
        }
    }
}

/// The working tree of the git repository around `path`, canonical.
fn repository_root(path: &Path) -> Option<PathBuf> {
    let repo = gix::discover(path).ok()?;
    std::fs::canonicalize(repo.workdir()?).ok()
}

/// `dir` (canonical) as a folder prefix relative to `root`: `""` or `a/b/`; `None` outside it.
fn folder_in(dir: &Path, root: &Path) -> Option<String> {
    let parts: Vec<String> = dir
        .strip_prefix(root)
        .ok()?
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    Some(match parts.join("/") {
        folder if folder.is_empty() => folder,
        folder => format!("{folder}/"),
    })
}

/// Why a value of the config is refused; the message is prefixed with its key and place.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
enum Invalid {
    /// A glob globset refuses.
    #[error("{0}")]
    Glob(globset::ErrorKind),
    /// Not a bare host name.
    #[error("`{0}` is not a host name (write `github.com`, not a URL)")]
    Host(String),
    /// Not `OWNER` or `HOST/OWNER`.
    #[error("`{0}` is not `OWNER` or `HOST/OWNER`")]
    Owner(String),
}

/// A glob over repository-relative paths: `*` stays within a folder, `**` crosses folders.
fn glob(pattern: &str) -> Result<Glob, Invalid> {
    GlobBuilder::new(pattern)
        .literal_separator(true)
        .build()
        .map_err(|error| Invalid::Glob(error.kind().clone()))
}

/// A host name as allow-lists and `[hosts]` compare it: lower-case, no scheme, path or port.
fn check_host(value: &str) -> Result<String, Invalid> {
    let host = value.trim().to_lowercase();
    let valid = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-'));
    if valid {
        Ok(host)
    } else {
        Err(Invalid::Host(value.to_owned()))
    }
}

/// One `allowed_owners` entry: `OWNER`, or `HOST/OWNER`.
fn parse_owner(value: &str) -> Result<OwnerPattern, Invalid> {
    let bad = || Invalid::Owner(value.to_owned());
    let valid_owner = |owner: &str| {
        !owner.is_empty()
            && owner
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    };
    match value.split_once('/') {
        None if valid_owner(value) => Ok(OwnerPattern {
            host: None,
            owner: value.to_owned(),
        }),
        Some((host, owner)) if valid_owner(owner) => Ok(OwnerPattern {
            host: Some(check_host(host).map_err(|_| bad())?),
            owner: owner.to_owned(),
        }),
        _ => Err(bad()),
    }
}

/// serde's message for an unknown key lists the expected ones; say it the config's way.
fn explain_toml_error(message: &str) -> String {
    let message = message.trim();
    match message.strip_prefix("unknown field ") {
        Some(rest) => {
            let (key, expected) = rest.split_once(", expected ").unwrap_or((rest, ""));
            let expected = expected.replace("one of ", "");
            format!("unknown key {key}; known keys here are {expected}")
        }
        None => message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn invalid(text: &str) -> (usize, usize, String) {
        match Config::parse(text, "c.toml") {
            Err(Error::Invalid {
                line,
                column,
                message,
                ..
            }) => (line, column, message),
            other => panic!("expected an error, got {other:?}"),
        }
    }

    #[test]
    fn an_empty_file_allows_only_github_hosts() {
        let mut config = Config::parse("", "c.toml").unwrap();
        assert!(config.allow.refuses("https://github.com/x/y").is_none());
        let why = config
            .allow
            .refuses("https://anywhere.example/x/y")
            .unwrap();
        assert!(
            why.contains("allowed_hosts = [\"github.com\", \"anywhere.example\"]"),
            "{why}"
        );
        let why = config.allow.refuses("file:///srv/models").unwrap();
        assert!(
            why.contains("file://") && why.contains("\"file\"]"),
            "{why}"
        );
        assert!(config.allow.refuses("/srv/models").is_some());
        config.hosts.push(HostApi {
            host: "ghe.example.com".into(),
            endpoint: Endpoint::new("https://ghe.example.com/api/v3", None).unwrap(),
            token_env: None,
        });
        config.set_github_host("github.example.org");
        assert!(
            config
                .allow
                .refuses("https://ghe.example.com/x/y")
                .is_none()
        );
        assert!(
            config
                .allow
                .refuses("https://github.example.org/x/y")
                .is_none()
        );
        assert!(config.allow.refuses("https://github.com/x/y").is_some());
        assert!(!config.is_production("a.mlem") && !config.is_ignored("a.mlem"));
    }

    #[test]
    fn token_env_names_only_variables_set_for_the_config() {
        let table = |variable: &str| {
            format!(
                "[hosts.\"ghe.example.com\"]\napi_url = \"https://ghe.example.com/api/v3\"\ntoken_env = \"{variable}\"\n"
            )
        };
        for runner in [
            "ACTIONS_RUNTIME_TOKEN",
            "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
            "GITHUB_TOKEN",
            "INPUT_TOKEN",
            "MLEM_REGISTRY_TOKEN_",
            "MLEM_REGISTRY_TOKEN_A-B",
        ] {
            let (line, _, message) = invalid(&table(runner));
            assert_eq!(line, 3, "{runner}");
            assert!(message.contains("MLEM_REGISTRY_TOKEN_"), "{message}");
        }
        let config = Config::parse(&table("MLEM_REGISTRY_TOKEN_GHE"), "c.toml").unwrap();
        assert_eq!(
            config.hosts[0].token_env.as_deref(),
            Some("MLEM_REGISTRY_TOKEN_GHE")
        );
    }

    #[test]
    fn unknown_keys_name_the_key_and_line() {
        let (line, column, message) = invalid("production = []\nallowed_host = [\"x\"]\n");
        assert_eq!((line, column), (2, 1));
        assert!(message.contains("unknown key `allowed_host`"), "{message}");
        assert!(message.contains("allowed_hosts"), "{message}");
        let (line, _, message) = invalid("[hosts.\"ghe.example.com\"]\napi = \"https://x\"\n");
        assert_eq!(line, 2);
        assert!(message.contains("`api`"), "{message}");
    }

    #[test]
    fn bad_values_name_the_key() {
        let (line, column, message) = invalid("[severity]\n\"link/nope\" = \"error\"\n");
        assert_eq!((line, column), (2, 1));
        assert!(message.contains("no rule `link/nope`"), "{message}");
        let (line, _, message) = invalid("[severity]\n\"link/cycle\" = \"fatal\"\n");
        assert_eq!(line, 2);
        assert!(message.contains("fatal"), "{message}");
        let (_, column, message) = invalid("production = [\"ok/**\", \"bad[\"]\n");
        assert_eq!(column, 24);
        assert!(message.starts_with("production: `bad[`"), "{message}");
        let (_, _, message) = invalid("allowed_hosts = [\"https://github.com\"]");
        assert!(message.contains("not a host name"), "{message}");
        let (_, _, message) = invalid("allowed_owners = [\"a/b/c\"]");
        assert!(message.contains("allowed_owners"), "{message}");
        let (_, _, message) = invalid("[hosts.\"ghe.example.com\"]\napi_url = \"ghe\"\n");
        assert!(message.contains("api_url"), "{message}");
        let (line, _, message) =
            invalid("[hosts.\"ghe.example.com\"]\napi_url = \"https://evil.example/api/v3\"\n");
        assert_eq!(line, 2);
        assert!(message.contains("not on `ghe.example.com`"), "{message}");
        let (_, _, message) = invalid(
            "[hosts.\"ghe.example.com\"]\napi_url = \"https://ghe.example.com@evil.example/\"\n",
        );
        assert!(message.contains("no plain host"), "{message}");
        let (_, _, message) =
            invalid("[hosts.\"ghe.example.com\"]\napi_url = \"http://ghe.example.com/api/v3\"\n");
        assert!(message.contains("https"), "{message}");
        let (line, _, message) = invalid(
            "[hosts.\"ghe.example.com\"]\napi_url = \"https://ghe.example.com/api/v3\"\ntoken_env = \"GITHUB_TOKEN\"\n",
        );
        assert_eq!(line, 3);
        assert!(message.contains("token_env"), "{message}");
        let (_, _, message) = invalid(
            "[hosts.\"GHE.example.com\"]\napi_url = \"https://api.ghe.example.com\"\n[hosts.\"ghe.example.com\"]\napi_url = \"https://api.ghe.example.com\"\n",
        );
        assert!(message.contains("twice"), "{message}");
        // Both on the host, but on two origins: the token would reach two servers.
        let (line, _, message) = invalid(
            "[hosts.\"ghe.example.com\"]\napi_url = \"https://ghe.example.com/api/v3\"\ngraphql_url = \"https://api.ghe.example.com/graphql\"\n",
        );
        assert_eq!(line, 3);
        assert!(message.contains("not on the API's host"), "{message}");
        let (_, _, message) = invalid("allowed_hosts = \"github.com\"");
        assert!(
            message.contains("sequence") || message.contains("array"),
            "{message}"
        );
    }

    #[test]
    fn allow_lists_match_hosts_and_owners() {
        let config = Config::parse(
            "allowed_hosts = [\"github.com\", \"GHE.example.com\"]\nallowed_owners = [\"iterative\", \"ghe.example.com/ml\"]",
            "c.toml",
        )
        .unwrap();
        assert!(
            config
                .allow
                .refuses("https://github.com/Iterative/r")
                .is_none()
        );
        assert!(
            config
                .allow
                .refuses("git@ghe.example.com:ml/r.git")
                .is_none()
        );
        assert!(
            config
                .allow
                .refuses("https://ghe.example.com/iterative/r")
                .is_none()
        );
        assert!(config.allow.refuses("file:///srv/models").is_some());
        let why = config.allow.refuses("https://github.com/ml/r").unwrap();
        assert!(why.contains("owner `ml`"), "{why}");
        let why = config
            .allow
            .refuses("https://gitlab.com/iterative/r")
            .unwrap();
        assert!(why.contains("host `gitlab.com`"), "{why}");
    }

    #[test]
    fn globs_keep_star_within_a_folder() {
        let config =
            Config::parse("production = [\"prod/**\", \"*-prod.mlem\"]", "c.toml").unwrap();
        assert!(config.is_production("prod/a/b.mlem"));
        assert!(config.is_production("rf-prod.mlem"));
        assert!(!config.is_production("x/rf-prod.mlem"));
        assert!(!config.is_production("staging/a.mlem"));
        let nested = Config {
            base: "registry/".into(),
            ..config
        };
        assert!(nested.is_production("registry/prod/a.mlem"));
        assert!(!nested.is_production("prod/a.mlem"));
    }

    #[test]
    fn the_schema_knows_every_key_the_parser_knows() {
        let schema: serde_json::Value = serde_json::from_str(SCHEMA).unwrap();
        let properties = schema["properties"].as_object().unwrap();
        let mut keys: Vec<&str> = properties.keys().map(String::as_str).collect();
        keys.sort();
        assert_eq!(
            keys,
            [
                "allowed_hosts",
                "allowed_owners",
                "hosts",
                "ignore",
                "pass_unverified",
                "production",
                "severity"
            ]
        );
        assert_eq!(schema["additionalProperties"], false);
        let severity = &properties["severity"]["propertyNames"]["enum"];
        let ids: Vec<&str> = rules::ALL.iter().map(|r| r.id).collect();
        assert_eq!(severity.as_array().unwrap().len(), ids.len());
        for id in ids {
            assert!(severity.as_array().unwrap().iter().any(|v| v == id), "{id}");
        }
    }
}
