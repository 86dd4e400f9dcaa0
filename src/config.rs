//! The registry's policy file, `.mlem-registry.toml`: which hosts and owners links may name,
//! which files are production, which are ignored, how severe each rule is, and where GitHub
//! Enterprise hosts keep their API. Its schema is `schemas/config.schema.json`.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use globset::{Glob, GlobBuilder, GlobSet, GlobSetBuilder};
use serde::Deserialize;
use toml::Spanned;

use crate::finding::{Finding, Severity};
use crate::report::Report;
use crate::resolve::target::{AllowList, OwnerPattern};
use crate::rules;

/// The file a registry keeps its policy in, at its root.
pub const FILE_NAME: &str = ".mlem-registry.toml";

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
    fn severity(self) -> Option<Severity> {
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
    /// Its REST API (`https://ghe.example.com/api/v3`).
    pub api_url: String,
    /// Its GraphQL API, when not derived from `api_url`.
    pub graphql_url: Option<String>,
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
    production: Option<GlobSet>,
    ignore: Option<GlobSet>,
    severity: HashMap<&'static str, Level>,
    /// GitHub Enterprise hosts and their APIs.
    pub hosts: Vec<HostApi>,
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
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHost {
    api_url: Spanned<String>,
    graphql_url: Option<Spanned<String>>,
    token_env: Option<Spanned<String>>,
}

/// Variables that hold the main GitHub token: a `[hosts]` table may not hand them to its host
/// (a pull request could otherwise send the Action's token anywhere).
pub const MAIN_TOKEN_VARIABLES: &[&str] = &["GITHUB_TOKEN", "GH_TOKEN", "INPUT_TOKEN"];

impl Config {
    /// The config for the registry containing `path`: `explicit` (`--config`) when given, else
    /// the nearest `.mlem-registry.toml` in `path`'s folder or above it, up to the root of its
    /// git repository (a registry in a subfolder may keep its own), else the defaults.
    pub fn load(explicit: Option<&Path>, path: &Path) -> Result<Config, Error> {
        let (file, base) = match explicit {
            // Its globs too are relative to its folder, when that is inside the repository.
            Some(file) => {
                let folder = std::fs::canonicalize(file)
                    .ok()
                    .and_then(|f| f.parent().map(Path::to_path_buf));
                let base = folder
                    .zip(repository_root(path))
                    .and_then(|(folder, root)| folder_in(&folder, &root))
                    .unwrap_or_default();
                (file.to_path_buf(), base)
            }
            None => match discover(path) {
                Some(found) => found,
                None => return Ok(Config::default()),
            },
        };
        let text = std::fs::read_to_string(&file).map_err(|source| Error::Read {
            file: file.display().to_string(),
            source,
        })?;
        let mut config = Config::parse(&text, &file.display().to_string())?;
        // Messages name a discovered file by its path in the repository, wherever it is checked out.
        config.allow.source = match explicit {
            Some(_) => file.display().to_string(),
            None => format!("{base}{FILE_NAME}"),
        };
        config.source = Some(file);
        config.base = base;
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
            let mut set = GlobSetBuilder::new();
            for pattern in patterns {
                set.add(glob(pattern.get_ref()).map_err(|why| {
                    at(
                        pattern.span().start,
                        format!("{key}: `{}`: {why}", pattern.get_ref()),
                    )
                })?);
            }
            set.build()
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
                check_url(value.get_ref(), &name)
                    .map_err(|why| at(value.span().start, format!("hosts.\"{name}\".{key}: {why}")))
            };
            let token_env = match api.token_env {
                None => None,
                Some(variable) => {
                    let name_ok = !variable.get_ref().is_empty()
                        && !MAIN_TOKEN_VARIABLES.contains(&variable.get_ref().as_str());
                    if !name_ok {
                        return Err(at(
                            variable.span().start,
                            format!(
                                "hosts.\"{name}\".token_env: `{}` cannot be used: name a variable that holds this host's own token (not {})",
                                variable.get_ref(),
                                MAIN_TOKEN_VARIABLES.join(", ")
                            ),
                        ));
                    }
                    Some(variable.into_inner())
                }
            };
            apis.push(HostApi {
                api_url: url("api_url", &api.api_url)?,
                graphql_url: api
                    .graphql_url
                    .as_ref()
                    .map(|value| url("graphql_url", value))
                    .transpose()?,
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
            },
            production,
            ignore,
            severity,
            hosts: apis,
        })
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

    fn matches(&self, globs: Option<&GlobSet>, path: &str) -> bool {
        let Some(globs) = globs else { return false };
        path.strip_prefix(self.base.as_str())
            .is_some_and(|relative| globs.is_match(relative))
    }

    /// Applies the policy to a finished report whose paths are relative to the repository root:
    /// production files make `link/unpinned-rev` an error, `[severity]` re-grades or drops
    /// findings; the counts are redone.
    pub fn apply(&self, report: &mut Report) {
        if self.severity.is_empty() && self.production.is_none() {
            return;
        }
        let unpinned = rules::link_unpinned_rev::RULE.id;
        report.findings.retain_mut(|finding| {
            if finding.rule == unpinned && self.is_production(&finding.file) {
                finding.severity = Severity::Error;
                finding.help = Some(production_help(finding));
                return true;
            }
            match self.severity.get(finding.rule) {
                None => true,
                Some(level) => match level.severity() {
                    Some(severity) => {
                        finding.severity = severity;
                        true
                    }
                    None => false,
                },
            }
        });
        let files: std::collections::BTreeSet<&str> =
            report.findings.iter().map(|f| f.file.as_str()).collect();
        report
            .sources
            .retain(|file, _| files.contains(file.as_str()));
        report.summary.unverified = report
            .findings
            .iter()
            .filter(|f| f.rule == rules::link_unverified::RULE.id)
            .count();
        report.finish();
    }
}

/// The nearest config file at or above `path`, within its git repository (or in `path` itself
/// outside git), with its folder relative to the repository root.
fn discover(path: &Path) -> Option<(PathBuf, String)> {
    let start = std::fs::canonicalize(path).ok()?;
    let start = if start.is_dir() {
        start
    } else {
        start.parent()?.to_path_buf()
    };
    let Some(root) = repository_root(&start) else {
        let file = start.join(FILE_NAME);
        return file.is_file().then(|| (file, String::new()));
    };
    let mut dir = start.as_path();
    loop {
        let file = dir.join(FILE_NAME);
        if file.is_file() {
            return Some((file, folder_in(dir, &root)?));
        }
        if dir == root {
            return None;
        }
        dir = dir.parent().filter(|parent| parent.starts_with(&root))?;
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

fn production_help(finding: &Finding) -> String {
    let was = finding.help.as_deref().unwrap_or_default();
    let production = "this is a production file (`production` in the config): its links must name a full commit sha or a tag";
    if was.is_empty() {
        production.to_owned()
    } else {
        format!("{production}; {was}")
    }
}

/// A glob over repository-relative paths: `*` stays within a folder, `**` crosses folders.
fn glob(pattern: &str) -> Result<Glob, String> {
    GlobBuilder::new(pattern)
        .literal_separator(true)
        .build()
        .map_err(|error| error.kind().to_string())
}

/// A host name as allow-lists and `[hosts]` compare it: lower-case, no scheme, path or port.
fn check_host(value: &str) -> Result<String, String> {
    let host = value.trim().to_lowercase();
    let valid = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-'));
    if valid {
        Ok(host)
    } else {
        Err(format!(
            "`{value}` is not a host name (write `github.com`, not a URL)"
        ))
    }
}

fn parse_owner(value: &str) -> Result<OwnerPattern, String> {
    let bad = || format!("`{value}` is not `OWNER` or `HOST/OWNER`");
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

/// An API URL for GitHub host `host`: https on that host or on `api.HOST` (GitHub Enterprise
/// Cloud); only a loopback address (a local test server) may differ, and may use http.
fn check_url(value: &str, host: &str) -> Result<String, String> {
    let (scheme, rest) = value
        .split_once("://")
        .ok_or_else(|| format!("`{value}` is not a URL"))?;
    let authority = rest
        .split(['/', '?', '#'])
        .next()
        .unwrap_or_default()
        .to_lowercase();
    if authority.contains(['@', '\\']) || authority.is_empty() {
        return Err(format!("`{value}` has no plain host"));
    }
    let url_host = authority
        .rsplit_once(':')
        .map_or(authority.as_str(), |(h, _)| h);
    let loopback = matches!(url_host, "127.0.0.1" | "localhost" | "[::1]");
    if !loopback && (url_host != host && url_host != format!("api.{host}")) {
        return Err(format!(
            "`{value}` is not on `{host}` (or `api.{host}`): a host's token goes to that host only"
        ));
    }
    if scheme != "https" && !(loopback && scheme == "http") {
        return Err(format!("`{value}`: the token is sent only over https"));
    }
    Ok(value.trim_end_matches('/').to_owned())
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
    use crate::finding::Span;

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
    fn an_empty_file_changes_nothing() {
        let config = Config::parse("", "c.toml").unwrap();
        assert!(
            config
                .allow
                .refuses("https://anywhere.example/x/y")
                .is_none()
        );
        assert!(!config.is_production("a.mlem") && !config.is_ignored("a.mlem"));
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

    fn finding(rule: &'static rules::Rule, file: &str) -> Finding {
        rule.finding(file, Span::file_start(), "m")
    }

    #[test]
    fn severity_and_production_regrade_findings() {
        let config = Config::parse(
            "production = [\"prod/**\"]\n[severity]\n\"link/unpinned-rev\" = \"note\"\n\"schema/unknown-field\" = \"off\"\n\"link/unverified\" = \"error\"\n",
            "c.toml",
        )
        .unwrap();
        let mut report = Report {
            findings: vec![
                finding(&rules::link_unpinned_rev::RULE, "prod/a.mlem"),
                finding(&rules::link_unpinned_rev::RULE, "dev/a.mlem"),
                finding(&rules::schema_unknown_field::RULE, "dev/a.mlem"),
                finding(&rules::link_unverified::RULE, "dev/b.mlem"),
            ],
            ..Report::default()
        };
        config.apply(&mut report);
        let got: Vec<_> = report
            .findings
            .iter()
            .map(|f| (f.file.as_str(), f.rule, f.severity))
            .collect();
        assert_eq!(
            got,
            [
                ("dev/a.mlem", "link/unpinned-rev", Severity::Note),
                ("dev/b.mlem", "link/unverified", Severity::Error),
                ("prod/a.mlem", "link/unpinned-rev", Severity::Error),
            ]
        );
        assert_eq!((report.summary.errors, report.summary.notes), (2, 1));
        assert_eq!(report.summary.unverified, 1);
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
