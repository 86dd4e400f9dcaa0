//! Reading a config file's text: every key checked, every error with its line and column.

use std::collections::{BTreeMap, HashMap};

use globset::{Glob, GlobBuilder};
use serde::Deserialize;
use toml::Spanned;

use super::globs::Globs;
use super::{Config, Error, FILE_NAME, HostApi, Level, TOKEN_ENV_PREFIX};
use crate::github::endpoint::{self, Endpoint};
use crate::resolve::target::{AllowList, OwnerPattern};
use crate::rules;

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

impl Config {
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
