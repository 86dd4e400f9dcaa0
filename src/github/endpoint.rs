//! Where a GitHub API may be, so that its token goes to that API's host and nowhere else: https
//! (or a loopback address), a plain host, one origin for REST and GraphQL, a `[hosts]` API on
//! its own host. The rules are on parsed URLs, with a test each. Which token goes to which API
//! is `settings`'; a redirect is followed only on the API's origin (`resolve::github::rest`).

use url::{Host, Url};

/// Why an API address is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EndpointError {
    /// Not an absolute URL.
    #[error("`{0}` is not a URL")]
    NotAUrl(String),
    /// No host, or a user name or password before it (`https://github.com@evil.example`).
    #[error("`{0}` has no plain host")]
    NoPlainHost(String),
    /// A query or a fragment: part of no API's base, and a way to hide a host in plain sight.
    #[error("`{0}` has a query or fragment: an API URL is a scheme, a host and a path")]
    QueryOrFragment(String),
    /// Neither https nor a loopback address.
    #[error("`{0}`: the token is sent only over https (or to a loopback address)")]
    NotHttps(String),
    /// A `[hosts]` API that is not on its host.
    #[error("`{url}` is not on `{host}` (or `api.{host}`): a host's token goes to that host only")]
    OtherHost {
        /// The URL as given.
        url: String,
        /// The GitHub host it is for.
        host: String,
    },
    /// A GraphQL endpoint on another origin than its REST API.
    #[error(
        "the GraphQL URL {graphql} is not on the API's host {origin}: the token goes to that host only"
    )]
    GraphqlElsewhere {
        /// The GraphQL URL as given.
        graphql: String,
        /// The REST API's origin.
        origin: String,
    },
}

/// One GitHub API: its REST base and its GraphQL endpoint, on one origin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// The REST base, without a trailing `/` (`https://api.github.com`, `https://HOST/api/v3`).
    pub api: String,
    /// The GraphQL endpoint (`https://api.github.com/graphql`, `https://HOST/api/graphql`).
    pub graphql: String,
}

impl Endpoint {
    /// The API at `api_url`, with its GraphQL endpoint at `graphql_url` or where GitHub puts it
    /// (`/api/v3` → `/api/graphql`, otherwise `/graphql` under the base). Both are https (http
    /// only on a loopback address) with a plain host, and on one origin.
    pub fn new(api_url: &str, graphql_url: Option<&str>) -> Result<Endpoint, EndpointError> {
        let api = token_url(api_url)?;
        let api_text = canonical(&api);
        let graphql = match graphql_url {
            Some(given) => token_url(given)?,
            None => {
                let derived = match api_text.strip_suffix("/api/v3") {
                    Some(host) => format!("{host}/api/graphql"),
                    None => format!("{api_text}/graphql"),
                };
                token_url(&derived)?
            }
        };
        if origin(&graphql) != origin(&api) {
            return Err(EndpointError::GraphqlElsewhere {
                graphql: graphql_url.unwrap_or_default().to_owned(),
                origin: origin(&api),
            });
        }
        Ok(Endpoint {
            api: api_text,
            graphql: canonical(&graphql),
        })
    }
}

/// A URL of GitHub host `host`'s API (a `[hosts]` table), as it is sent: a URL a token may go
/// to (see [`Endpoint::new`]), on that host or on `api.HOST` (GitHub Enterprise Cloud), unless on
/// a loopback address (a test server).
pub fn on_host(host: &str, url: &str) -> Result<String, EndpointError> {
    let parsed = token_url(url)?;
    let on_host = match parsed.host() {
        Some(Host::Domain(name)) => name == host || name.strip_prefix("api.") == Some(host),
        _ => false,
    };
    if !on_host && !is_loopback(&parsed) {
        return Err(EndpointError::OtherHost {
            url: url.to_owned(),
            host: host.to_owned(),
        });
    }
    Ok(canonical(&parsed))
}

/// `scheme://host:port` of a URL: two URLs on one origin reach one server.
pub fn origin(url: &Url) -> String {
    url.origin().ascii_serialization()
}

/// Whether a URL is on this machine's loopback interface (a local test server).
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(name)) => name == "localhost",
        Some(Host::Ipv4(address)) => address.is_loopback(),
        Some(Host::Ipv6(address)) => address.is_loopback(),
        None => false,
    }
}

/// The host of a GitHub server URL (`--github-server-url`), lower-cased: links to it go through
/// the main API. A bare host (`github.example.com`) is taken as https.
pub fn server_host(server_url: &str) -> Result<String, EndpointError> {
    let trimmed = server_url.trim();
    let with_scheme = if trimmed.contains("://") {
        trimmed.to_owned()
    } else {
        format!("https://{trimmed}")
    };
    let url = Url::parse(&with_scheme).map_err(|_| EndpointError::NotAUrl(server_url.into()))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(EndpointError::NoPlainHost(server_url.into()));
    }
    let host = url
        .host_str()
        .ok_or_else(|| EndpointError::NoPlainHost(server_url.into()))?;
    Ok(match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    })
}

/// A URL a token may be sent to: absolute, a plain host (no user name, no password), https or
/// a loopback address.
fn token_url(value: &str) -> Result<Url, EndpointError> {
    let url = Url::parse(value.trim()).map_err(|_| EndpointError::NotAUrl(value.into()))?;
    // A backslash reads as `/` to a URL parser and as part of the host to some other readers:
    // no address is left for two readings.
    let ambiguous = value.contains('\\');
    if ambiguous || url.host().is_none() || !url.username().is_empty() || url.password().is_some() {
        return Err(EndpointError::NoPlainHost(value.into()));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(EndpointError::QueryOrFragment(value.into()));
    }
    let secure = url.scheme() == "https" || url.scheme() == "http" && is_loopback(&url);
    if !secure {
        return Err(EndpointError::NotHttps(value.into()));
    }
    Ok(url)
}

/// A URL as it is sent: the parsed form (so the address used is the address checked), without
/// a trailing `/`.
fn canonical(url: &Url) -> String {
    url.as_str().trim_end_matches('/').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graphql_is_where_github_puts_it() {
        let com = Endpoint::new("https://api.github.com/", None).unwrap();
        assert_eq!(com.api, "https://api.github.com");
        assert_eq!(com.graphql, "https://api.github.com/graphql");
        let ghes = Endpoint::new("https://ghe.example.com/api/v3", None).unwrap();
        assert_eq!(ghes.graphql, "https://ghe.example.com/api/graphql");
    }

    #[test]
    fn the_token_goes_over_https_or_to_loopback_only() {
        for refused in ["http://api.github.com", "ftp://api.github.com"] {
            let error = Endpoint::new(refused, None).unwrap_err();
            assert_eq!(error, EndpointError::NotHttps(refused.into()));
        }
        for local in [
            "http://127.0.0.1:8080",
            "http://localhost:1",
            "http://[::1]:9",
            "http://127.1.2.3",
        ] {
            assert!(Endpoint::new(local, None).is_ok(), "{local}");
        }
    }

    #[test]
    fn a_user_name_before_the_host_is_no_loopback() {
        // The host of `http://localhost:1@evil.example` is evil.example.
        for tricky in [
            "http://localhost:1@evil.example",
            "https://api.github.com@evil.example/",
        ] {
            assert_eq!(
                Endpoint::new(tricky, None).unwrap_err(),
                EndpointError::NoPlainHost(tricky.into()),
            );
        }
        // A backslash is a slash to a URL parser, part of the host to other readers: refused.
        let tricky = "http://127.0.0.1:9\\@evil.example";
        assert_eq!(
            Endpoint::new(tricky, None).unwrap_err(),
            EndpointError::NoPlainHost(tricky.into()),
        );
    }

    #[test]
    fn a_query_or_fragment_is_refused() {
        for tricky in [
            "http://127.0.0.1:1/x?@127.0.0.2:2/",
            "https://api.github.com/#@evil.example/",
            "https://api.github.com?",
        ] {
            assert_eq!(
                Endpoint::new(tricky, None).unwrap_err(),
                EndpointError::QueryOrFragment(tricky.into()),
            );
        }
        assert!(on_host("ghe.example.com", "https://ghe.example.com?@evil.example/").is_err());
        assert!(
            Endpoint::new(
                "https://api.github.com",
                Some("https://api.github.com/x#@y/graphql")
            )
            .is_err()
        );
    }

    #[test]
    fn graphql_on_another_origin_is_refused() {
        for elsewhere in [
            "https://evil.example/graphql",
            "https://api.github.com:444/graphql",
            "http://api.github.com/graphql",
        ] {
            assert!(
                Endpoint::new("https://api.github.com", Some(elsewhere)).is_err(),
                "{elsewhere}"
            );
        }
        let error = Endpoint::new(
            "https://api.github.com",
            Some("https://evil.example/graphql"),
        );
        assert!(matches!(error, Err(EndpointError::GraphqlElsewhere { .. })));
    }

    #[test]
    fn a_hosts_api_is_on_its_host() {
        let host = "ghe.example.com";
        assert_eq!(
            on_host(host, "https://GHE.example.com/api/v3/").unwrap(),
            "https://ghe.example.com/api/v3"
        );
        assert!(on_host(host, "https://api.ghe.example.com").is_ok());
        assert!(on_host(host, "http://127.0.0.1:1/api/v3").is_ok());
        assert!(on_host(host, "http://ghe.example.com/api/v3").is_err());
        for elsewhere in [
            "https://evil.example/api/v3",
            "https://ghe.example.com.evil.example/api/v3",
            "https://api.evil.example",
        ] {
            assert!(
                matches!(
                    on_host(host, elsewhere),
                    Err(EndpointError::OtherHost { .. })
                ),
                "{elsewhere}"
            );
        }
    }

    #[test]
    fn origins_compare_scheme_host_and_port() {
        let url = |s: &str| Url::parse(s).unwrap();
        assert_eq!(
            origin(&url("https://API.github.com/x?y#z")),
            "https://api.github.com"
        );
        assert_eq!(
            origin(&url("https://api.github.com:443/")),
            "https://api.github.com"
        );
        assert_ne!(
            origin(&url("https://a.example")),
            origin(&url("http://a.example"))
        );
    }

    #[test]
    fn the_server_host_is_its_lower_cased_host() {
        assert_eq!(server_host("https://GitHub.com/").unwrap(), "github.com");
        assert_eq!(
            server_host("github.example.com").unwrap(),
            "github.example.com"
        );
        assert_eq!(
            server_host("http://127.0.0.1:8080").unwrap(),
            "127.0.0.1:8080"
        );
        assert!(server_host("https://").is_err());
        assert!(server_host("https://x@github.com").is_err());
    }
}
