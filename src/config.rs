//! The registry's policy file, `.mlem-registry.toml`: which hosts and owners links may name,
//! which files are production, which are ignored, how severe each rule is, and where GitHub
//! Enterprise hosts keep their API. Its schema is `schemas/config.schema.json`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

mod change;
mod globs;
mod locate;
mod parse;
mod source;

pub use change::PolicyChange;
use locate::Located;
pub use source::PolicySource;

use serde::Deserialize;

use crate::finding::Severity;
use crate::github::endpoint::Endpoint;
use crate::resolve::target::AllowList;
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
    #[error("cannot read {file}: {error}")]
    Read {
        /// The file.
        file: String,
        /// What the OS said (part of the message, not a separate cause: said once).
        error: std::io::Error,
    },
    /// The revision the policy is read from names nothing, or its repository cannot be read.
    #[error(transparent)]
    Registry(#[from] crate::registry::Error),
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

/// The prefix every `token_env` must have: a config can name only variables set for it, never
/// a runner's own (`GITHUB_TOKEN`, `ACTIONS_RUNTIME_TOKEN`, `ACTIONS_ID_TOKEN_REQUEST_TOKEN`, a
/// job's other secrets), so a change to the config cannot send any of those to a host it names.
pub const TOKEN_ENV_PREFIX: &str = "MLEM_REGISTRY_TOKEN_";

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules;

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
