//! The one place that talks HTTP to GitHub: octocrab as the transport, the token attached only to
//! the configured API, and every retry, backoff and rate-limit wait decided here.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::HeaderMap;
use octocrab::Octocrab;
use tokio::sync::Semaphore;

use super::error::{Error, Transient};
use super::{MAX_BODY_BYTES, Token};

/// Where GitHub's API is and how hard to try.
#[derive(Debug, Clone)]
pub struct Config {
    /// REST base, e.g. `https://api.github.com` or `https://HOST/api/v3`.
    pub api_url: String,
    /// GraphQL endpoint, e.g. `https://api.github.com/graphql` or `https://HOST/api/graphql`.
    pub graphql_url: String,
    /// The token, if any.
    pub token: Option<Token>,
    /// How long one request may take.
    pub timeout: Duration,
    /// Retries after a transient failure (timeout, 5xx, secondary rate limit).
    pub retries: u32,
    /// The first retry's delay; each further one doubles it, plus jitter.
    pub backoff: Duration,
    /// The longest wait for a rate limit to reset; longer, and the rest is left unverified.
    pub max_wait: Duration,
    /// Requests in flight at once.
    pub concurrency: usize,
    /// Fields (aliases) per GraphQL query.
    pub batch_fields: usize,
}

impl Config {
    /// github.com's API with the defaults.
    pub fn github_com(token: Option<Token>) -> Config {
        Config {
            api_url: "https://api.github.com".into(),
            graphql_url: "https://api.github.com/graphql".into(),
            token,
            timeout: Duration::from_secs(30),
            retries: 3,
            backoff: Duration::from_millis(500),
            max_wait: Duration::from_secs(60),
            concurrency: 8,
            batch_fields: 150,
        }
    }
}

/// An answer from GitHub that is not a transient failure.
#[derive(Debug)]
pub struct Reply {
    /// The HTTP status.
    pub status: u16,
    /// The response headers.
    pub headers: HeaderMap,
    /// The body, as text.
    pub body: String,
}

/// A GitHub API client for the resolvers.
pub struct Client {
    rest: Octocrab,
    graphql: Octocrab,
    graphql_path: String,
    config: Config,
    in_flight: Semaphore,
    requests: AtomicUsize,
    /// Set once the primary rate limit is spent for longer than we wait: nothing more is asked.
    exhausted: Mutex<Option<Error>>,
}

/// One request, sent as often as its retries allow.
enum Call<'a> {
    Get(&'a str),
    Post(&'a str, &'a serde_json::Value),
    Patch(&'a str, &'a serde_json::Value),
    GraphQl(&'a serde_json::Value),
}

/// What to do about one attempt's result.
enum Verdict {
    Done(Reply),
    Retry {
        wait: Option<Duration>,
        why: Transient,
    },
    Exhausted {
        reset: Option<u64>,
        graphql: bool,
    },
}

impl Client {
    /// A client for `config`'s API; must be called inside a tokio runtime.
    pub fn new(config: Config) -> Result<Client, Error> {
        let (graphql_base, graphql_path) = split_url(&config.graphql_url)?;
        let rest = build(&config, &config.api_url)?;
        let graphql = build(&config, &graphql_base)?;
        Ok(Client {
            rest,
            graphql,
            graphql_path,
            in_flight: Semaphore::new(config.concurrency.max(1)),
            config,
            requests: AtomicUsize::new(0),
            exhausted: Mutex::new(None),
        })
    }

    /// Whether a token is sent (GraphQL needs one).
    pub fn authenticated(&self) -> bool {
        self.config.token.is_some()
    }

    /// Requests sent so far, retries included.
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::Relaxed)
    }

    /// `GET` a REST path (`/repos/…`), relative to the API URL.
    pub async fn get(&self, path: &str) -> Result<Reply, Error> {
        self.send(Call::Get(path)).await
    }

    /// `POST` a JSON body to a REST path.
    pub async fn post(&self, path: &str, body: &serde_json::Value) -> Result<Reply, Error> {
        self.send(Call::Post(path, body)).await
    }

    /// `PATCH` a JSON body to a REST path.
    pub async fn patch(&self, path: &str, body: &serde_json::Value) -> Result<Reply, Error> {
        self.send(Call::Patch(path, body)).await
    }

    /// `POST` a GraphQL document.
    pub async fn graphql(&self, query: &str) -> Result<Reply, Error> {
        let body = serde_json::json!({ "query": query });
        self.send(Call::GraphQl(&body)).await
    }

    async fn send(&self, call: Call<'_>) -> Result<Reply, Error> {
        let graphql = matches!(call, Call::GraphQl(_));
        let mut tries = 0;
        loop {
            if let Some(why) = self.exhausted_reason() {
                return Err(why);
            }
            let verdict = {
                let _permit = self.in_flight.acquire().await.map_err(|_| Error::Stopped)?;
                self.requests.fetch_add(1, Ordering::Relaxed);
                match tokio::time::timeout(self.config.timeout, self.attempt(&call)).await {
                    Err(_) => Verdict::Retry {
                        wait: None,
                        why: Transient::Timeout(self.config.timeout),
                    },
                    Ok(Err(Failure::Http(error))) => Verdict::Retry {
                        wait: None,
                        why: Transient::Unreachable(short(&error)),
                    },
                    // Not a passing failure: the same question gets the same answer.
                    Ok(Err(Failure::TooLarge)) => return Err(Error::TooLarge),
                    Ok(Ok(reply)) => judge(reply, graphql),
                }
            };
            match verdict {
                Verdict::Done(reply) => return Ok(reply),
                Verdict::Retry { wait, why } => {
                    if tries >= self.config.retries {
                        return Err(Error::GaveUp { cause: why, tries });
                    }
                    let wait = wait.unwrap_or_else(|| backoff(self.config.backoff, tries));
                    if wait > self.config.max_wait {
                        return Err(Error::WaitTooLong { cause: why, wait });
                    }
                    tries += 1;
                    tokio::time::sleep(wait).await;
                }
                Verdict::Exhausted { reset, graphql } => {
                    let wait = reset.map(|r| Duration::from_secs(r.saturating_sub(now())));
                    match wait {
                        Some(wait)
                            if wait <= self.config.max_wait && tries < self.config.retries =>
                        {
                            tries += 1;
                            tokio::time::sleep(wait + Duration::from_millis(250)).await;
                        }
                        _ => {
                            let why = match wait {
                                Some(wait) if wait > self.config.max_wait => {
                                    Error::RateLimitResetsLate {
                                        graphql,
                                        in_secs: wait.as_secs(),
                                        max_wait: self.config.max_wait.as_secs(),
                                    }
                                }
                                Some(_) => Error::RateLimitStill {
                                    graphql,
                                    waits: tries,
                                    retries: self.config.retries,
                                },
                                None => Error::RateLimitNoReset { graphql },
                            };
                            *self.exhausted.lock().unwrap_or_else(|p| p.into_inner()) =
                                Some(why.clone());
                            return Err(why);
                        }
                    }
                }
            }
        }
    }

    async fn attempt(&self, call: &Call<'_>) -> Result<Reply, Failure> {
        let response = match call {
            Call::Get(path) => self.rest._get(*path).await?,
            Call::Post(path, body) => self.rest._post(*path, Some(*body)).await?,
            Call::Patch(path, body) => self.rest._patch(*path, Some(*body)).await?,
            Call::GraphQl(body) => {
                let path = self.graphql_path.as_str();
                self.graphql._post(path, Some(*body)).await?
            }
        };
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = read_capped(response.into_body()).await?;
        Ok(Reply {
            status,
            headers,
            body,
        })
    }

    fn exhausted_reason(&self) -> Option<Error> {
        self.exhausted
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

/// Why one attempt gave no reply.
enum Failure {
    /// The request failed (connect, TLS, a dropped connection).
    Http(octocrab::Error),
    /// The answer is larger than [`MAX_BODY_BYTES`].
    TooLarge,
}

impl From<octocrab::Error> for Failure {
    fn from(error: octocrab::Error) -> Failure {
        Failure::Http(error)
    }
}

/// Reads a response body up to [`MAX_BODY_BYTES`], as text.
async fn read_capped<B>(mut body: B) -> Result<String, Failure>
where
    B: http_body::Body<Data = bytes::Bytes, Error = octocrab::Error> + Unpin,
{
    use http_body_util::BodyExt;
    let mut bytes = Vec::new();
    while let Some(frame) = body.frame().await {
        if let Ok(data) = frame?.into_data() {
            if bytes.len() + data.len() > MAX_BODY_BYTES {
                return Err(Failure::TooLarge);
            }
            bytes.extend_from_slice(&data);
        }
    }
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Sorts a reply into done, retry (5xx, secondary limits) or exhausted (primary limit).
fn judge(reply: Reply, graphql: bool) -> Verdict {
    let header = |name: &str| {
        reply
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    let status = reply.status;
    if status >= 500 {
        return Verdict::Retry {
            wait: None,
            why: Transient::Server(status),
        };
    }
    let reset = header("x-ratelimit-reset").and_then(|v| v.parse::<u64>().ok());
    if status == 403 || status == 429 {
        if let Some(after) = header("retry-after").and_then(|v| v.parse::<u64>().ok()) {
            return Verdict::Retry {
                wait: Some(Duration::from_secs(after)),
                why: Transient::SecondaryRateLimit,
            };
        }
        if header("x-ratelimit-remaining") == Some("0") {
            return Verdict::Exhausted {
                reset,
                graphql: false,
            };
        }
        if reply.body.contains("secondary rate limit") || status == 429 {
            return Verdict::Retry {
                wait: Some(Duration::from_secs(60)),
                why: Transient::SecondaryRateLimit,
            };
        }
    }
    if graphql && status == 200 && rate_limited(&reply.body) {
        return Verdict::Exhausted {
            reset,
            graphql: true,
        };
    }
    Verdict::Done(reply)
}

/// Whether a GraphQL answer carries GitHub's `RATE_LIMITED` error (checked on the parsed JSON: a
/// file's text may contain the word).
fn rate_limited(body: &str) -> bool {
    if !body.contains("RATE_LIMITED") {
        return false;
    }
    let parsed: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
    parsed["errors"]
        .as_array()
        .is_some_and(|errors| errors.iter().any(|e| e["type"] == "RATE_LIMITED"))
}

/// Exponential backoff from `base` with up to 50% jitter, so retries from many runs spread out.
fn backoff(base: Duration, tries: u32) -> Duration {
    let exp = base.saturating_mul(1 << tries.min(6));
    let jitter = (exp.as_millis() as u64 / 2).max(1);
    exp + Duration::from_millis(fastrand::u64(..jitter))
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// An error's message with its causes, on one line.
fn short(error: &octocrab::Error) -> String {
    let text = crate::error::describe(error);
    text.lines().next().unwrap_or("error").to_owned()
}

/// Splits `https://host/api/graphql` into the base octocrab joins onto and the path it posts to.
fn split_url(url: &str) -> Result<(String, String), Error> {
    let not_graphql = || Error::Setup(format!("`{url}` is not a GraphQL endpoint URL"));
    let mut base = url::Url::parse(url.trim_end_matches('/')).map_err(|_| not_graphql())?;
    let last = base
        .path_segments()
        .and_then(|mut segments| segments.next_back().map(str::to_owned))
        .filter(|last| !last.is_empty())
        .ok_or_else(not_graphql)?;
    base.path_segments_mut().map_err(|()| not_graphql())?.pop();
    Ok((
        base.as_str().trim_end_matches('/').to_owned(),
        format!("/{last}"),
    ))
}

/// An octocrab instance whose base is `base`: relative paths get the token, nothing else does.
fn build(config: &Config, base: &str) -> Result<Octocrab, Error> {
    crate::tls::install_provider();
    let mut builder = Octocrab::builder()
        .base_uri(base)
        .map_err(|e| Error::Setup(format!("`{base}` is not a URL: {e}")))?
        .add_header(
            http::header::USER_AGENT,
            concat!("mlem-registry/", env!("CARGO_PKG_VERSION")).to_owned(),
        )
        .set_connect_timeout(Some(config.timeout))
        .set_read_timeout(Some(config.timeout));
    if let Some(token) = &config.token {
        builder = builder.personal_token(token.expose().to_owned());
    }
    builder.build().map_err(|e| Error::Setup(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graphql_urls_split_into_base_and_path() {
        assert_eq!(
            split_url("https://api.github.com/graphql").unwrap(),
            ("https://api.github.com".into(), "/graphql".into())
        );
        assert_eq!(
            split_url("https://ghe.example.com/api/graphql").unwrap(),
            ("https://ghe.example.com/api".into(), "/graphql".into())
        );
        assert!(split_url("https://api.github.com").is_err());
    }

    #[test]
    fn backoff_grows_and_stays_bounded() {
        let base = Duration::from_millis(100);
        assert!(backoff(base, 0) < Duration::from_millis(151));
        assert!(backoff(base, 3) >= Duration::from_millis(800));
        assert!(backoff(base, 30) <= Duration::from_millis(9600));
    }

    fn reply(status: u16, headers: &[(&'static str, &str)], body: &str) -> Reply {
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            map.insert(*name, value.parse().unwrap());
        }
        Reply {
            status,
            headers: map,
            body: body.into(),
        }
    }

    #[test]
    fn replies_are_judged_as_github_documents_them() {
        assert!(matches!(
            judge(reply(502, &[], ""), false),
            Verdict::Retry { wait: None, .. }
        ));
        assert!(matches!(
            judge(reply(403, &[("retry-after", "3")], ""), false),
            Verdict::Retry { wait: Some(w), .. } if w == Duration::from_secs(3)
        ));
        assert!(matches!(
            judge(
                reply(
                    403,
                    &[("x-ratelimit-remaining", "0"), ("x-ratelimit-reset", "99")],
                    ""
                ),
                false
            ),
            Verdict::Exhausted {
                reset: Some(99),
                ..
            }
        ));
        assert!(matches!(
            judge(reply(404, &[], ""), false),
            Verdict::Done(_)
        ));
        assert!(matches!(
            judge(
                reply(200, &[], r#"{"errors":[{"type":"RATE_LIMITED"}]}"#),
                true
            ),
            Verdict::Exhausted { .. }
        ));
    }
}
