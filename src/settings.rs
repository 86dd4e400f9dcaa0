//! The run's settings made ready for the library, as ripgrep's `HiArgs` are: the network flags,
//! the environment's tokens and the registry's config become one [`Online`]. Which token goes
//! to which API is decided here (the main token to the main API only; a `[hosts]` table's API
//! only its own `token_env`'s); where an API may be is [`endpoint`]'s.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::config::{self, Config, PolicyAt};
use crate::github::endpoint::{self, Endpoint, EndpointError};
use crate::github::{self, Token};
use crate::resolve::online::Online;
use crate::resolve::target::GitHubHosts;

/// The variables a token is read from when no `--token-env` names one, in this order.
pub const DEFAULT_TOKEN_VARIABLES: [&str; 2] = ["GITHUB_TOKEN", "GH_TOKEN"];

/// How to reach GitHub and other hosts, as the command line (or the Action's inputs) says.
#[derive(Debug, Clone)]
pub struct Network {
    /// The variable holding the main host's token (`--token-env`); `None`:
    /// [`DEFAULT_TOKEN_VARIABLES`].
    pub token_env: Option<String>,
    /// The main GitHub web host's URL (`--github-server-url`): its links go through `api_url`.
    pub server_url: String,
    /// The main REST API (`--github-api-url`).
    pub api_url: String,
    /// The main GraphQL API, when not where GitHub puts it (`--github-graphql-url`).
    pub graphql_url: Option<String>,
    /// Where answers about pinned targets are kept across runs (`--cache`).
    pub cache: Option<PathBuf>,
    /// Seconds all lookups of a run may take; 0: no limit (`--timeout`).
    pub timeout: u64,
    /// Seconds one request or one listing may take (`--request-timeout`).
    pub request_timeout: u64,
    /// Retries after a transient failure (`--retries`).
    pub retries: u32,
    /// The first retry's delay in milliseconds (`--retry-delay`).
    pub retry_delay: u64,
    /// The longest wait for a rate limit to reset, in seconds (`--max-rate-limit-wait`).
    pub max_rate_limit_wait: u64,
    /// Requests in flight at once (`--concurrency`).
    pub concurrency: usize,
}

/// Where tokens are read from: the process's environment, or a test's.
pub trait Environment {
    /// The value of variable `name`, if set.
    fn var_os(&self, name: &str) -> Option<OsString>;
}

/// The process's own environment.
pub struct ProcessEnvironment;

impl Environment for ProcessEnvironment {
    fn var_os(&self, name: &str) -> Option<OsString> {
        std::env::var_os(name)
    }
}

impl<F: Fn(&str) -> Option<OsString>> Environment for F {
    fn var_os(&self, name: &str) -> Option<OsString> {
        self(name)
    }
}

/// Why the settings cannot be made ready. No message ever shows a token.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// `--github-server-url` names no host.
    #[error("--github-server-url `{url}` names no host: expected a URL such as https://github.com")]
    ServerUrl {
        /// The URL as given.
        url: String,
    },
    /// `--github-api-url` would send the token somewhere unsafe.
    #[error("--github-api-url")]
    Api(#[source] EndpointError),
    /// `--github-graphql-url` would send the token somewhere unsafe.
    #[error("--github-graphql-url")]
    Graphql(#[source] EndpointError),
    /// A variable named for a token is not set.
    #[error("{flag} {variable}: the environment variable {variable} is not set")]
    TokenNotSet {
        /// The flag that named it.
        flag: &'static str,
        /// The variable.
        variable: String,
    },
    /// A variable is set but cannot hold a token.
    #[error("{variable}: {why}")]
    BadToken {
        /// The variable.
        variable: String,
        /// Why, without the token.
        why: String,
    },
    /// A `[hosts]` table names the main host.
    #[error("{at}: {host} is the --github-server-url host; set its API with --github-api-url")]
    HostIsMain {
        /// `[hosts."HOST"] in FILE`.
        at: String,
        /// The host.
        host: String,
    },
    /// A `[hosts]` table would get the main host's token.
    #[error("{at}: token_env names the --token-env variable, the main host's token")]
    HostTakesMainToken {
        /// `[hosts."HOST"] in FILE`.
        at: String,
    },
    /// The config cannot be read.
    #[error(transparent)]
    Config(#[from] config::Error),
}

/// What the settings say to reach other repositories, and what the user should know about
/// them (a host's token that is not set, say).
#[derive(Debug)]
pub struct Ready {
    /// How to reach other repositories.
    pub online: Online,
    /// Warnings for the user, one line each.
    pub warnings: Vec<String>,
}

impl Network {
    /// The main GitHub web host, lower-cased: the host whose links go through the main API.
    pub fn github_host(&self) -> Result<String, SettingsError> {
        endpoint::server_host(&self.server_url).map_err(|_| SettingsError::ServerUrl {
            url: self.server_url.clone(),
        })
    }

    /// The config for `path` as `at` has it, told which host is GitHub's.
    pub fn load_config(
        &self,
        explicit: Option<&Path>,
        path: &Path,
        at: &PolicyAt,
    ) -> Result<Config, SettingsError> {
        let mut config = Config::load_at(explicit, path, at)?;
        config.set_github_host(&self.github_host()?);
        Ok(config)
    }

    /// How to reach other repositories under `config`, with tokens from `env`. The main token
    /// goes to the main API only; a `[hosts]` table's API gets the token of its own `token_env`
    /// only, never the main one.
    pub fn online(&self, config: &Config, env: &dyn Environment) -> Result<Ready, SettingsError> {
        let token = match &self.token_env {
            Some(name) => Some(token_from(env, name, "--token-env")?),
            None => {
                let mut found = None;
                for name in DEFAULT_TOKEN_VARIABLES {
                    if let Some(token) = token_in(env, name)? {
                        found = Some(token);
                        break;
                    }
                }
                found
            }
        };
        let host = self.github_host()?;
        // The REST URL judged alone first, so an error names the flag that holds the fault.
        Endpoint::new(&self.api_url, None).map_err(SettingsError::Api)?;
        let main = Endpoint::new(&self.api_url, self.graphql_url.as_deref())
            .map_err(SettingsError::Graphql)?;
        let mut warnings = Vec::new();
        let mut enterprise = Vec::new();
        for api in &config.hosts {
            let at = format!("[hosts.\"{}\"] in {}", api.host, config_name(config));
            if api.host == host {
                return Err(SettingsError::HostIsMain { at, host });
            }
            if api.token_env.is_some() && api.token_env == self.token_env {
                return Err(SettingsError::HostTakesMainToken { at });
            }
            let token = match &api.token_env {
                Some(name) => match token_from(env, name, "") {
                    Ok(token) => Some(token),
                    Err(_) => {
                        // Not every contributor has every host's token: that host's links go
                        // unverified.
                        warnings.push(format!(
                            "{at}: token_env {name} is not set: {} is asked without a token",
                            api.host
                        ));
                        None
                    }
                },
                None => None,
            };
            enterprise.push((api.host.clone(), self.api(&api.endpoint, token)));
        }
        let hosts = std::iter::once(host).chain(enterprise.iter().map(|(h, _)| h.clone()));
        Ok(Ready {
            online: Online {
                github: self.api(&main, token),
                hosts: GitHubHosts::new(hosts.collect::<Vec<_>>()),
                enterprise,
                allow: config.allow.clone(),
                cache: self.cache.clone(),
                timeout: (self.timeout > 0).then(|| Duration::from_secs(self.timeout)),
                started: crate::resolve::online::run_start(),
                keep_objects: false,
                git_timeout: Duration::from_secs(self.request_timeout.max(1)),
            },
            warnings,
        })
    }

    /// One API's client settings: its checked endpoint and token, and the shared timeouts,
    /// retries and concurrency.
    fn api(&self, endpoint: &Endpoint, token: Option<Token>) -> github::Config {
        github::Config {
            api_url: endpoint.api.clone(),
            graphql_url: endpoint.graphql.clone(),
            token,
            timeout: Duration::from_secs(self.request_timeout.max(1)),
            retries: self.retries,
            backoff: Duration::from_millis(self.retry_delay),
            max_wait: Duration::from_secs(self.max_rate_limit_wait),
            concurrency: self.concurrency.max(1),
            ..github::Config::github_com(None)
        }
    }
}

/// The token in variable `name`, which `flag` asked for: an error when it is not set.
fn token_from(
    env: &dyn Environment,
    name: &str,
    flag: &'static str,
) -> Result<Token, SettingsError> {
    token_in(env, name)?.ok_or_else(|| SettingsError::TokenNotSet {
        flag,
        variable: name.to_owned(),
    })
}

/// The token in variable `name`, if it is set (and not empty); an error for a value that cannot
/// be a token.
fn token_in(env: &dyn Environment, name: &str) -> Result<Option<Token>, SettingsError> {
    let bad = |why: String| SettingsError::BadToken {
        variable: name.to_owned(),
        why,
    };
    match env.var_os(name) {
        None => Ok(None),
        Some(value) => match value.into_string() {
            Ok(value) => Token::new(value).map_err(|why| bad(why.to_string())),
            Err(_) => Err(bad(
                "the token is not valid UTF-8: a token is visible ASCII".to_owned(),
            )),
        },
    }
}

/// The config's file as messages name it.
fn config_name(config: &Config) -> String {
    config.source.as_ref().map_or_else(
        || config::FILE_NAME.to_owned(),
        |path| path.display().to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn network() -> Network {
        Network {
            token_env: None,
            server_url: "https://github.com".into(),
            api_url: "https://api.github.com".into(),
            graphql_url: None,
            cache: None,
            timeout: 300,
            request_timeout: 30,
            retries: 3,
            retry_delay: 500,
            max_rate_limit_wait: 60,
            concurrency: 8,
        }
    }

    fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<OsString> {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name: &str| {
            vars.iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| OsString::from(v))
        }
    }

    fn config(text: &str) -> Config {
        let mut config = Config::parse(text, "mlem-registry.toml").unwrap();
        config.set_github_host("github.com");
        config
    }

    fn token_of(api: &github::Config) -> Option<&str> {
        api.token.as_ref().map(Token::expose)
    }

    #[test]
    fn the_main_token_is_github_token_then_gh_token() {
        let ready = network()
            .online(
                &Config::default(),
                &env(&[("GH_TOKEN", "b"), ("GITHUB_TOKEN", "a")]),
            )
            .unwrap();
        assert_eq!(token_of(&ready.online.github), Some("a"));
        let ready = network()
            .online(
                &Config::default(),
                &env(&[("GH_TOKEN", "b"), ("GITHUB_TOKEN", "")]),
            )
            .unwrap();
        assert_eq!(token_of(&ready.online.github), Some("b"));
        let ready = network().online(&Config::default(), &env(&[])).unwrap();
        assert_eq!(token_of(&ready.online.github), None);
    }

    #[test]
    fn token_env_must_be_set_and_replaces_the_defaults() {
        let named = Network {
            token_env: Some("MY_TOKEN".into()),
            ..network()
        };
        let error = named
            .online(&Config::default(), &env(&[("GITHUB_TOKEN", "a")]))
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "--token-env MY_TOKEN: the environment variable MY_TOKEN is not set"
        );
        let ready = named
            .online(
                &Config::default(),
                &env(&[("GITHUB_TOKEN", "a"), ("MY_TOKEN", "c")]),
            )
            .unwrap();
        assert_eq!(token_of(&ready.online.github), Some("c"));
    }

    #[test]
    fn a_token_that_cannot_be_a_header_is_refused_without_being_shown() {
        let error = network()
            .online(
                &Config::default(),
                &env(&[("GITHUB_TOKEN", "ghp_se\ncret")]),
            )
            .unwrap_err()
            .to_string();
        assert!(error.starts_with("GITHUB_TOKEN: "), "{error}");
        assert!(!error.contains("ghp_se"), "{error}");
    }

    #[test]
    fn the_main_api_must_be_safe_for_the_token() {
        let plain = Network {
            api_url: "http://api.example.com".into(),
            ..network()
        };
        assert!(matches!(
            plain.online(&Config::default(), &env(&[])),
            Err(SettingsError::Api(EndpointError::NotHttps(_)))
        ));
        let split = Network {
            graphql_url: Some("https://evil.example/graphql".into()),
            ..network()
        };
        let error = split.online(&Config::default(), &env(&[])).unwrap_err();
        assert!(
            matches!(
                error,
                SettingsError::Graphql(EndpointError::GraphqlElsewhere { .. })
            ),
            "{error:?}"
        );
        assert_eq!(error.to_string(), "--github-graphql-url");
    }

    #[test]
    fn a_host_gets_its_own_token_only() {
        let config = config(
            "[hosts.\"ghe.example.com\"]\napi_url = \"https://ghe.example.com/api/v3\"\ntoken_env = \"MLEM_REGISTRY_TOKEN_GHE\"\n",
        );
        let vars = [("GITHUB_TOKEN", "main"), ("MLEM_REGISTRY_TOKEN_GHE", "ghe")];
        let ready = network().online(&config, &env(&vars)).unwrap();
        assert_eq!(token_of(&ready.online.github), Some("main"));
        let (host, api) = &ready.online.enterprise[0];
        assert_eq!(host, "ghe.example.com");
        assert_eq!(api.api_url, "https://ghe.example.com/api/v3");
        assert_eq!(api.graphql_url, "https://ghe.example.com/api/graphql");
        assert_eq!(token_of(api), Some("ghe"));
        assert!(ready.warnings.is_empty());
    }

    #[test]
    fn a_host_without_its_token_is_asked_without_one() {
        let config = config(
            "[hosts.\"ghe.example.com\"]\napi_url = \"https://ghe.example.com/api/v3\"\ntoken_env = \"MLEM_REGISTRY_TOKEN_GHE\"\n",
        );
        let ready = network()
            .online(&config, &env(&[("GITHUB_TOKEN", "main")]))
            .unwrap();
        assert_eq!(token_of(&ready.online.enterprise[0].1), None);
        assert_eq!(ready.warnings.len(), 1);
        assert!(ready.warnings[0].contains("MLEM_REGISTRY_TOKEN_GHE is not set"));
    }

    #[test]
    fn a_host_never_takes_the_main_token() {
        let config = config(
            "[hosts.\"ghe.example.com\"]\napi_url = \"https://ghe.example.com/api/v3\"\ntoken_env = \"MLEM_REGISTRY_TOKEN_GHE\"\n",
        );
        let named = Network {
            token_env: Some("MLEM_REGISTRY_TOKEN_GHE".into()),
            ..network()
        };
        let vars = [("MLEM_REGISTRY_TOKEN_GHE", "x")];
        assert!(matches!(
            named.online(&config, &env(&vars)),
            Err(SettingsError::HostTakesMainToken { .. })
        ));
        let without_token = config_for_host("github.com");
        assert!(matches!(
            network().online(&without_token, &env(&[])),
            Err(SettingsError::HostIsMain { .. })
        ));
    }

    fn config_for_host(host: &str) -> Config {
        config(&format!(
            "[hosts.\"{host}\"]\napi_url = \"https://{host}/api/v3\"\n"
        ))
    }

    #[test]
    fn the_github_host_is_the_server_urls_host() {
        let ghes = Network {
            server_url: "https://GHE.example.com/".into(),
            ..network()
        };
        assert_eq!(ghes.github_host().unwrap(), "ghe.example.com");
        let empty = Network {
            server_url: "https://".into(),
            ..network()
        };
        assert!(matches!(
            empty.github_host(),
            Err(SettingsError::ServerUrl { .. })
        ));
    }
}
