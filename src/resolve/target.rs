//! Targets: what a link's `repo`/`project` value names — a GitHub repository (with perhaps a
//! `tree/REV/SUBDIR` suffix), another git remote, or a repository on this machine.

use std::fmt;
use std::path::PathBuf;

/// A repository as the resolvers address it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RepoId {
    /// A repository on a GitHub host (github.com or an Enterprise host), asked through its API.
    GitHub {
        /// The web host, lower-cased, as [`GitHubHosts`] names it.
        host: String,
        /// The owning user or organization.
        owner: String,
        /// The repository's name, without `.git`.
        name: String,
    },
    /// A repository on this machine (`file://` or an absolute path), read in full with gix.
    Local(PathBuf),
    /// Any other git remote, asked over the git protocol.
    Remote(String),
}

impl RepoId {
    /// The host a question about this repository goes to, for saying what a run waits for:
    /// `this machine` for a local repository.
    pub fn host(&self) -> String {
        match self {
            RepoId::GitHub { host, .. } => host.clone(),
            RepoId::Local(_) => "this machine".to_owned(),
            RepoId::Remote(url) => {
                host_and_owner(url).map_or_else(|| "a git remote".to_owned(), |(host, _)| host)
            }
        }
    }
}

impl fmt::Display for RepoId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RepoId::GitHub { host, owner, name } if host == "github.com" => {
                write!(f, "{owner}/{name}")
            }
            RepoId::GitHub { host, owner, name } => write!(f, "{host}/{owner}/{name}"),
            RepoId::Local(path) => write!(f, "{}", path.display()),
            RepoId::Remote(url) => f.write_str(url),
        }
    }
}

/// A parsed `repo`/`project` value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Target {
    /// The repository.
    pub repo: RepoId,
    /// A revision the URL itself names (`github://owner:repo@REV`).
    pub rev: Option<String>,
    /// The folder of the MLEM project inside the repository, `""` or ending in `/`.
    pub root: String,
    /// The `REV/SUBDIR` segments after `/tree/` in a GitHub URL: where the revision ends and the
    /// folder starts is decided against the repository's refs, as MLEM does.
    pub tree: Vec<String>,
}

/// The GitHub web hosts links may name, e.g. `github.com` or a GitHub Enterprise host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitHubHosts(Vec<String>);

impl GitHubHosts {
    /// The hosts (a port is ignored), lower-cased; `github.com` when none is given.
    pub fn new(hosts: impl IntoIterator<Item = String>) -> GitHubHosts {
        let mut hosts: Vec<String> = hosts
            .into_iter()
            .map(|h| h.split(':').next().unwrap_or_default().to_lowercase())
            .filter(|h| !h.is_empty())
            .collect();
        if hosts.is_empty() {
            hosts.push("github.com".into());
        }
        GitHubHosts(hosts)
    }

    /// The host as listed, if `host` (any case, perhaps with a port or `www.`) is one of them.
    fn find(&self, host: &str) -> Option<&str> {
        let host = host.to_lowercase();
        let host = host.split(':').next().unwrap_or_default();
        let host = host.strip_prefix("www.").unwrap_or(host);
        self.0.iter().find(|h| *h == host).map(String::as_str)
    }

    /// The first host: `--github-server-url`'s, whose API is the main one.
    pub fn primary(&self) -> &str {
        self.0.first().map_or("github.com", String::as_str)
    }
}

impl Default for GitHubHosts {
    fn default() -> GitHubHosts {
        GitHubHosts::new([])
    }
}

/// Why a `repo`/`project` value names no repository.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{value}` is not a repository address: {why}")]
pub struct ParseError {
    /// The value as written.
    pub value: String,
    /// What is wrong with it.
    pub why: String,
}

/// Parses a link's `repo`/`project` value.
pub fn parse(value: &str, github: &GitHubHosts) -> Result<Target, ParseError> {
    let error = |why: &str| ParseError {
        value: value.to_owned(),
        why: why.to_owned(),
    };
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(error("it is empty"));
    }
    if let Some(rest) = trimmed.strip_prefix("github://") {
        // fsspec's `github://` always means github.com.
        return parse_fsspec(rest, "github.com")
            .ok_or_else(|| error("expected github://OWNER:REPO@REV/PATH"));
    }
    if let Some(path) = trimmed.strip_prefix("file://") {
        let path = path.strip_prefix("localhost").unwrap_or(path);
        if !path.starts_with('/') {
            return Err(error("a file:// URL needs an absolute path"));
        }
        return Ok(plain(RepoId::Local(local_path(path))));
    }
    if trimmed.starts_with('/') {
        return Ok(plain(RepoId::Local(local_path(trimmed))));
    }
    if let Some((host, path)) = scp_like(trimmed) {
        if climbs(path) {
            return Err(error(CLIMBS));
        }
        return if let Some(host) = github.find(host) {
            github_path(host, path, false)
                .ok_or_else(|| error("expected OWNER/REPO after the host"))
        } else {
            Ok(plain(RepoId::Remote(
                without_trailing_slash(trimmed).to_owned(),
            )))
        };
    }
    let Some((scheme, rest)) = trimmed.split_once("://") else {
        return Err(error(
            "expected a URL such as https://github.com/OWNER/REPO",
        ));
    };
    let scheme = scheme.to_lowercase();
    if !matches!(
        scheme.as_str(),
        "https" | "http" | "ssh" | "git" | "git+ssh"
    ) {
        return Err(error(&format!("`{scheme}://` is not a git transport")));
    }
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    let host = host_of(authority).ok_or_else(|| error("the URL has no plain host"))?;
    if climbs(path) {
        return Err(error(CLIMBS));
    }
    if let Some(host) = github.find(host) {
        let web = matches!(scheme.as_str(), "https" | "http");
        return github_path(host, path, web)
            .ok_or_else(|| error("expected OWNER/REPO after the host"));
    }
    Ok(plain(RepoId::Remote(
        without_trailing_slash(trimmed).to_owned(),
    )))
}

/// Why a repository URL with a `.` or `..` segment is refused.
const CLIMBS: &str = "a repository URL may not have `.` or `..` segments (plain or %-encoded) nor a `\\`: the server would resolve them to another owner than the one the allow-list was asked about";

/// Whether a URL's path has a segment a server would resolve away (`.`, `..`, also
/// %-encoded) or a backslash some servers read as `/`: the owner the allow-list judged (the
/// first segment) would not be the one asked.
fn climbs(path: &str) -> bool {
    let path = path.split(['?', '#']).next().unwrap_or_default();
    path.contains('\\')
        || path.split('/').any(|segment| {
            let decoded = percent_encoding::percent_decode_str(segment).decode_utf8_lossy();
            decoded == "." || decoded == ".." || decoded.contains(['/', '\\'])
        })
}

/// A local repository's folder, one spelling for `/x` and `/x/`.
fn local_path(path: &str) -> PathBuf {
    PathBuf::from(without_trailing_slash(path))
}

/// `value` without trailing `/`s (`/` itself kept): `/x/` and `/x` name one folder, and
/// `https://host/o/r/` and `https://host/o/r` one repository.
fn without_trailing_slash(value: &str) -> &str {
    match value.trim_end_matches('/') {
        "" => &value[..1.min(value.len())],
        trimmed => trimmed,
    }
}

/// Where links may point, from the config's `allowed_hosts` and `allowed_owners`: a link
/// elsewhere is refused before anything is asked about it, at any hop of a chain.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowList {
    /// Hosts, lower-cased; `None`: only the GitHub hosts in `github`.
    pub hosts: Option<Vec<String>>,
    /// Owners; `None`: any owner.
    pub owners: Option<Vec<OwnerPattern>>,
    /// The file the lists come from, for messages.
    pub source: String,
    /// The GitHub hosts this run asks through an API (`github.com` or `--github-server-url`'s,
    /// and the config's `[hosts]`): with no `allowed_hosts`, the only hosts links may name.
    /// Empty: `github.com`.
    pub github: Vec<String>,
}

/// One `allowed_owners` entry: `owner` on any host, or on `host` only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnerPattern {
    /// The host it applies to, lower-cased; `None`: any host.
    pub host: Option<String>,
    /// The user or organization.
    pub owner: String,
}

impl AllowList {
    /// Why a link to the repository `value` names may not be contacted, or `None` when the
    /// lists let it through (or it names no host: parsing will say what is wrong with it).
    pub fn refuses(&self, value: &str) -> Option<String> {
        let (host, owner) = host_and_owner(value)?;
        let list = |items: Vec<String>| {
            items
                .iter()
                .map(|i| format!("`{i}`"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        match &self.hosts {
            Some(hosts) if !hosts.contains(&host) => {
                return Some(match host.as_str() {
                    "file" => format!(
                        "a `file://` URL or an absolute path reads a repository of the machine that runs the check, and allowed_hosts ({}) of {} has no \"file\"; add it there to allow local repositories",
                        list(hosts.clone()),
                        self.source
                    ),
                    _ => format!(
                        "host `{host}` is not in allowed_hosts ({}) of {}",
                        list(hosts.clone()),
                        self.source
                    ),
                });
            }
            Some(_) => {}
            None => {
                let github = match self.github.as_slice() {
                    [] => vec!["github.com".to_owned()],
                    hosts => hosts.to_vec(),
                };
                if !github.contains(&host) {
                    let what = match host.as_str() {
                        "file" => "a `file://` URL or an absolute path reads repositories of the machine that runs the check".to_owned(),
                        _ => format!("host `{host}` is not a GitHub host"),
                    };
                    let mut allowed: Vec<String> =
                        github.iter().map(|h| format!("\"{h}\"")).collect();
                    allowed.push(format!("\"{host}\""));
                    let source = match self.source.as_str() {
                        "" => ".mlem-registry.toml",
                        source => source,
                    };
                    return Some(format!(
                        "{what}, and with no `allowed_hosts` in {source} links may name only {}; to allow it, add `allowed_hosts = [{}]` there",
                        list(github),
                        allowed.join(", ")
                    ));
                }
            }
        }
        let owners = self.owners.as_ref()?;
        let allowed = owner.as_deref().is_some_and(|owner| {
            owners.iter().any(|pattern| {
                pattern.owner.eq_ignore_ascii_case(owner)
                    && pattern.host.as_deref().is_none_or(|h| h == host)
            })
        });
        if allowed {
            return None;
        }
        let shown = owners
            .iter()
            .map(|p| match &p.host {
                Some(host) => format!("{host}/{}", p.owner),
                None => p.owner.clone(),
            })
            .collect();
        let who = owner.map_or_else(|| "no owner".to_owned(), |o| format!("owner `{o}`"));
        Some(format!(
            "{who} on `{host}` is not in allowed_owners ({}) of {}",
            list(shown),
            self.source
        ))
    }
}

/// The host and owner a `repo`/`project` value names, lower-cased host without port or `www.`,
/// for the config's allow-lists: `github://OWNER:REPO@…` is on `github.com`, `file://` URLs and
/// absolute paths are on host `file` with no owner. `None` when the value names no host.
pub fn host_and_owner(value: &str) -> Option<(String, Option<String>)> {
    let value = value.trim();
    if let Some(rest) = value.strip_prefix("github://") {
        let owner = rest.split_once(':').map(|(owner, _)| owner.to_owned());
        return Some(("github.com".to_owned(), owner));
    }
    if value.starts_with("file://") || value.starts_with('/') {
        return Some(("file".to_owned(), None));
    }
    let (host, path) = match scp_like(value) {
        Some(found) => found,
        None => {
            let (_, rest) = value.split_once("://")?;
            let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
            (host_of(authority)?, path)
        }
    };
    let host = host.to_lowercase();
    let host = host.strip_prefix("www.").map(str::to_owned).unwrap_or(host);
    let owner = path.split('/').find(|s| !s.is_empty()).map(str::to_owned);
    (!host.is_empty()).then_some((host, owner))
}

fn plain(repo: RepoId) -> Target {
    Target {
        repo,
        rev: None,
        root: String::new(),
        tree: Vec::new(),
    }
}

/// `git@host:path`, the scp-like syntax git accepts for ssh.
fn scp_like(value: &str) -> Option<(&str, &str)> {
    if value.contains("://") {
        return None;
    }
    let (user_host, path) = value.split_once(':')?;
    let host = host_of(user_host)?;
    (!host.contains('/') && !path.is_empty()).then_some((host, path))
}

/// The host of a URL's authority (`user@host:port`), port and user dropped; `None` when it is
/// empty or holds a character a URL parser would stop the host at (`?`, `#`, `\`, spaces):
/// then different parsers could see different hosts, and the allow-lists one that is not asked.
fn host_of(authority: &str) -> Option<&str> {
    if authority.contains(['?', '#', '\\']) || authority.contains(char::is_whitespace) {
        return None;
    }
    let host = authority.rsplit('@').next()?;
    let host = host.split(':').next()?;
    (!host.is_empty()).then_some(host)
}

/// `OWNER/REPO[.git][/][tree/REV/SUBDIR…]` after a GitHub host.
fn github_path(host: &str, path: &str, web: bool) -> Option<Target> {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let (owner, name) = match segments.as_slice() {
        [owner, name, ..] => (*owner, name.strip_suffix(".git").unwrap_or(name)),
        _ => return None,
    };
    if !valid_name(owner) || !valid_name(name) {
        return None;
    }
    let rest = &segments[2..];
    let tree = match rest {
        [] => Vec::new(),
        ["tree" | "blob", tail @ ..] if web && !tail.is_empty() => {
            if tail.iter().any(|s| is_dots(s)) {
                return None;
            }
            tail.iter().map(|s| (*s).to_owned()).collect()
        }
        _ => return None,
    };
    Some(Target {
        repo: RepoId::GitHub {
            host: host.to_owned(),
            owner: owner.to_owned(),
            name: name.to_owned(),
        },
        rev: None,
        root: String::new(),
        tree,
    })
}

/// fsspec's `OWNER:REPO@REV/PATH`, which MLEM accepts as `github://…`.
fn parse_fsspec(rest: &str, host: &str) -> Option<Target> {
    let (owner, rest) = rest.split_once(':')?;
    let (name, after) = match rest.split_once('@') {
        Some((name, after)) => (name, Some(after)),
        None => (rest.split('/').next()?, None),
    };
    if !valid_name(owner) || !valid_name(name) {
        return None;
    }
    let (rev, root) = match after {
        Some(after) => match after.split_once('/') {
            Some((rev, root)) => (Some(rev.to_owned()), root),
            None => (Some(after.to_owned()), ""),
        },
        None => (None, rest.split_once('/').map_or("", |(_, root)| root)),
    };
    if rev.as_deref() == Some("") || root.split('/').any(is_dots) {
        return None;
    }
    Some(Target {
        repo: RepoId::GitHub {
            host: host.to_owned(),
            owner: owner.to_owned(),
            name: name.to_owned(),
        },
        rev,
        root: folder(root),
        tree: Vec::new(),
    })
}

/// A folder path as a prefix: `""` or `a/b/`.
pub fn folder(path: &str) -> String {
    let parts: Vec<&str> = path
        .split('/')
        .filter(|s| !s.is_empty() && *s != ".")
        .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!("{}/", parts.join("/"))
    }
}

/// `.` or `..`: never part of a folder or rev a link may name.
fn is_dots(segment: &str) -> bool {
    segment == "." || segment == ".."
}

/// GitHub's rule for owner and repository names: letters, digits, `-`, `_` and `.`.
fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name != "."
        && name != ".."
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_and_owners_for_allow_lists() {
        let of = |v: &str| host_and_owner(v).map(|(h, o)| (h, o.unwrap_or_default()));
        let pair = |h: &str, o: &str| Some((h.to_owned(), o.to_owned()));
        assert_eq!(
            of("https://www.GitHub.com/iterative/x/"),
            pair("github.com", "iterative")
        );
        assert_eq!(of("git@gitlab.com:team/x.git"), pair("gitlab.com", "team"));
        assert_eq!(
            of("ssh://git@host.example:2222/o/r"),
            pair("host.example", "o")
        );
        assert_eq!(
            of("github://iterative:x@main/m"),
            pair("github.com", "iterative")
        );
        assert_eq!(of("file:///srv/x"), pair("file", ""));
        assert_eq!(of("not a url"), None);
        for sneaky in [
            "https://evil.example?x=@gitlab.com/o/r",
            "https://evil.example\\@gitlab.com/o/r",
            "https://evil.example#@gitlab.com/o/r",
        ] {
            assert_eq!(of(sneaky), None, "{sneaky}");
            assert!(parse(sneaky, &GitHubHosts::default()).is_err(), "{sneaky}");
        }
    }

    fn gh(owner: &str, name: &str) -> RepoId {
        RepoId::GitHub {
            host: "github.com".into(),
            owner: owner.into(),
            name: name.into(),
        }
    }

    fn ok(value: &str) -> Target {
        parse(value, &GitHubHosts::default()).unwrap()
    }

    #[test]
    fn a_url_that_climbs_past_its_owner_is_no_repository() {
        for value in [
            "http://127.0.0.1:1/good/../evil/repo",
            "https://gitlab.com/good/%2e%2e/evil/r",
            "https://gitlab.com/good/%2E./evil/r",
            "https://gitlab.com/good/./r",
            "https://gitlab.com/good%2f..%2fevil/r",
            "https://gitlab.com/good\\..\\evil/r",
            "git@gitlab.com:good/../evil/r.git",
            "https://github.com/good/../evil",
        ] {
            let parsed = parse(value, &GitHubHosts::default());
            assert!(parsed.is_err(), "{value}: {parsed:?}");
        }
        assert!(parse("https://gitlab.com/good/r.v2", &GitHubHosts::default()).is_ok());
    }

    #[test]
    fn a_trailing_slash_does_not_make_another_repository() {
        assert_eq!(
            ok("file:///srv/m/").repo.to_string(),
            ok("file:///srv/m").repo.to_string()
        );
        assert_eq!(
            ok("/srv/m//").repo.to_string(),
            ok("/srv/m").repo.to_string()
        );
        assert_eq!(ok("file:///").repo.to_string(), "/");
        assert_eq!(
            ok("https://gitlab.com/o/r/").repo.to_string(),
            ok("https://gitlab.com/o/r").repo.to_string()
        );
    }

    #[test]
    fn github_urls_in_every_spelling() {
        for value in [
            "https://github.com/iterative/example-mlem-get-started",
            "https://github.com/iterative/example-mlem-get-started/",
            "https://github.com/iterative/example-mlem-get-started.git",
            "http://www.github.com/iterative/example-mlem-get-started",
            "git@github.com:iterative/example-mlem-get-started.git",
            "ssh://git@github.com/iterative/example-mlem-get-started.git",
            "HTTPS://GitHub.com/iterative/example-mlem-get-started",
        ] {
            let target = ok(value);
            assert_eq!(
                target.repo,
                gh("iterative", "example-mlem-get-started"),
                "{value}"
            );
            assert!(target.tree.is_empty() && target.root.is_empty(), "{value}");
        }
    }

    #[test]
    fn tree_urls_keep_their_segments_for_the_ref_lookup() {
        let target = ok("https://github.com/org/repo/tree/feature/x/sub/dir");
        assert_eq!(target.repo, gh("org", "repo"));
        assert_eq!(target.tree, ["feature", "x", "sub", "dir"]);
    }

    #[test]
    fn fsspec_urls_carry_rev_and_folder() {
        let target = ok("github://org:repo@v1.0/projects/a");
        assert_eq!(target.repo, gh("org", "repo"));
        assert_eq!(target.rev.as_deref(), Some("v1.0"));
        assert_eq!(target.root, "projects/a/");
        assert_eq!(ok("github://org:repo").rev, None);
    }

    #[test]
    fn other_hosts_and_local_paths() {
        assert_eq!(
            ok("https://gitlab.com/org/repo.git").repo,
            RepoId::Remote("https://gitlab.com/org/repo.git".into())
        );
        assert_eq!(
            ok("git@bitbucket.org:org/repo.git").repo,
            RepoId::Remote("git@bitbucket.org:org/repo.git".into())
        );
        assert_eq!(
            ok("file:///srv/repo").repo,
            RepoId::Local("/srv/repo".into())
        );
        assert_eq!(ok("/srv/repo").repo, RepoId::Local("/srv/repo".into()));
    }

    #[test]
    fn enterprise_hosts_come_from_configuration() {
        let hosts = GitHubHosts::new(["ghe.example.com".to_owned()]);
        let target = parse("https://GHE.example.com/team/models", &hosts).unwrap();
        let expected = RepoId::GitHub {
            host: "ghe.example.com".into(),
            owner: "team".into(),
            name: "models".into(),
        };
        assert_eq!(target.repo, expected);
        assert_eq!(expected.to_string(), "ghe.example.com/team/models");
        let both = GitHubHosts::new(["github.com".to_owned(), "ghe.example.com".to_owned()]);
        let public = parse("https://github.com/team/models", &both).unwrap();
        assert_eq!(public.repo, gh("team", "models"));
        assert_eq!(public.repo.to_string(), "team/models");
        let other = parse("https://github.com/team/models", &hosts).unwrap();
        assert!(matches!(other.repo, RepoId::Remote(_)));
    }

    #[test]
    fn nonsense_is_an_error_not_a_guess() {
        for value in [
            "",
            "models",
            "ftp://github.com/a/b",
            "https://github.com/only-owner",
            "https://github.com/a/b/issues/1",
            "https://github.com/a/b c",
            "github://nocolon",
            "file://relative/path",
            "https://github.com/a/b/tree/main/../../x",
            "github://a:b@main/../..",
        ] {
            assert!(parse(value, &GitHubHosts::default()).is_err(), "{value}");
        }
    }
}
