//! A GitHub API test server: REST and GraphQL answers computed from real git repositories, with
//! GitHub's statuses, headers and error shapes, plus injectable latency and faults.
//!
//! Self-contained so that a bench can include it with
//! `#[path = "../tests/integration/common/github.rs"] #[allow(dead_code)] mod github;`.

use std::collections::{HashMap, VecDeque};
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use apollo_compiler::resolvers::{Execution, FieldError, ObjectValue, ResolveInfo, ResolvedValue};
use apollo_compiler::response::{GraphQLError, JsonMap};
use apollo_compiler::validation::Valid;
use apollo_compiler::{ExecutableDocument, Schema};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use gix::ObjectId;
use gix::object::Kind;
use gix::object::tree::{EntryKind, EntryMode};
use serde_json::{Value, json};

/// A running GitHub API server on 127.0.0.1; dropping it stops it.
pub struct GitHub {
    state: Arc<State>,
    stopping: Arc<AtomicBool>,
    port: u16,
    accept: Option<JoinHandle<()>>,
}

/// A failure the server answers with instead of (or, for `Stall`, before) the real answer.
#[derive(Clone, Debug, PartialEq)]
pub enum Fault {
    /// That 5xx status with a GitHub-like body.
    ServerError(u16),
    /// 403 with `retry-after` and GitHub's secondary rate limit message.
    SecondaryLimit { retry_after_secs: u64 },
    /// 403 with `x-ratelimit-remaining: 0` and a reset this many seconds from now.
    PrimaryExhausted { reset_in_secs: u64 },
    /// Sleeps this long, then answers normally.
    Stall(Duration),
    /// GraphQL only: 200 with a `RATE_LIMITED` error; REST requests neither see nor consume it.
    GraphqlRateLimited,
}

/// One request as the server saw it, with the status it answered.
#[derive(Clone, Debug)]
pub struct Recorded {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The path and query, as sent: `/repos/o/r/contents/a.mlem?ref=main`.
    pub path: String,
    /// The `Host` header.
    pub host: Option<String>,
    /// The `Authorization` header, e.g. `Bearer X` or `token X`.
    pub authorization: Option<String>,
    /// The body, lossily decoded as UTF-8.
    pub body: String,
    /// The status the server answered.
    pub status: u16,
}

struct State {
    url: String,
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    repos: HashMap<u64, Repo>,
    /// Lowercase `owner/name` to id, for current names and for names renamed away.
    names: HashMap<String, u64>,
    moved: HashMap<String, u64>,
    latency: Duration,
    faults: VecDeque<(Fault, usize)>,
    graphql_disabled: bool,
    requests: Vec<Recorded>,
    invalid: Vec<String>,
    limit: u64,
    /// Points used so far for `core` (REST) and `graphql`.
    used: [u64; 2],
    reset: u64,
    check_runs: Vec<CheckRun>,
    /// Check runs cannot be created (a fork's read-only token): 403.
    checks_denied: bool,
}

/// A check run as the Checks API holds it.
#[derive(Clone, Debug, Default)]
pub struct CheckRun {
    pub id: u64,
    pub repo: String,
    pub name: String,
    pub head_sha: String,
    pub status: String,
    pub conclusion: Option<String>,
    pub title: Option<String>,
    pub summary: Option<String>,
    /// Every annotation received, in order.
    pub annotations: Vec<Value>,
    /// How many annotations each request carried (create and updates).
    pub batches: Vec<usize>,
}

#[derive(Clone)]
struct Repo {
    id: u64,
    full_name: String,
    token: Option<String>,
    /// Archived: read-only, `archived` in REST and `isArchived` in GraphQL.
    archived: bool,
    git: gix::ThreadSafeRepository,
}

enum Lookup {
    Found(Repo),
    Moved(Repo),
    Missing,
}

impl Inner {
    fn visible(&self, id: u64, token: Option<&str>) -> Option<Repo> {
        let repo = self.repos.get(&id)?;
        (repo.token.is_none() || repo.token.as_deref() == token).then(|| repo.clone())
    }

    fn lookup(&self, full_name: &str, token: Option<&str>) -> Lookup {
        let key = full_name.to_ascii_lowercase();
        let found = match (self.names.get(&key), self.moved.get(&key)) {
            (Some(&id), _) => self.visible(id, token).map(Lookup::Found),
            (None, Some(&id)) => self.visible(id, token).map(Lookup::Moved),
            (None, None) => None,
        };
        found.unwrap_or(Lookup::Missing)
    }
}

impl GitHub {
    /// Starts a server on a random loopback port.
    pub fn start() -> GitHub {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let port = listener.local_addr().expect("a local address").port();
        let stopping = Arc::new(AtomicBool::new(false));
        let mut inner = Inner::default();
        (inner.limit, inner.reset) = (5000, now() + 3600);
        let (url, inner) = (format!("http://127.0.0.1:{port}"), Mutex::new(inner));
        let state = Arc::new(State { url, inner });
        let (stopping_, state_) = (stopping.clone(), state.clone());
        // One thread per connection, kept alive as GitHub does: no pool to queue behind.
        let accept = std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stopping_.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let state = state_.clone();
                std::thread::spawn(move || serve_connection(&state, stream));
            }
        });
        let accept = Some(accept);
        GitHub {
            state,
            stopping,
            port,
            accept,
        }
    }

    /// The REST base URL, `http://127.0.0.1:PORT`; GraphQL is at `{url}/graphql`.
    pub fn url(&self) -> String {
        self.state.url.clone()
    }

    /// Serves the repository at `git_dir` (a git dir or a work tree) as public `owner/name`.
    pub fn add_repo(&self, full_name: &str, git_dir: &Path) {
        self.add(full_name, git_dir, None);
    }

    /// Serves `owner/name` to requests carrying `token` only; to anyone else it does not exist.
    pub fn add_private_repo(&self, full_name: &str, git_dir: &Path, token: &str) {
        self.add(full_name, git_dir, Some(token.to_owned()));
    }

    fn add(&self, full_name: &str, git_dir: &Path, token: Option<String>) {
        let valid = full_name.split('/').count() == 2;
        assert!(valid, "{full_name}: not owner/name");
        let git = gix::ThreadSafeRepository::open(git_dir);
        let git = git.unwrap_or_else(|e| panic!("{}: {e}", git_dir.display()));
        let mut inner = self.state.lock();
        let id = 1000 + inner.repos.len() as u64;
        let key = full_name.to_ascii_lowercase();
        inner.moved.remove(&key);
        inner.names.insert(key, id);
        let full_name = full_name.to_owned();
        inner.repos.insert(
            id,
            Repo {
                id,
                full_name,
                token,
                archived: false,
                git,
            },
        );
    }

    /// Renames (or transfers) a repository: the old name answers 301 in REST, GraphQL follows it.
    pub fn rename(&self, old_full_name: &str, new_full_name: &str) {
        let mut inner = self.state.lock();
        let old = old_full_name.to_ascii_lowercase();
        let new = new_full_name.to_ascii_lowercase();
        let id = inner.names.remove(&old);
        let id = id.unwrap_or_else(|| panic!("no repository {old_full_name}"));
        inner.moved.remove(&new);
        inner.moved.insert(old, id);
        inner.names.insert(new, id);
        let repo = inner.repos.get_mut(&id).expect("a named repository");
        repo.full_name = new_full_name.to_owned();
    }

    /// Archives a repository: REST's `archived` and GraphQL's `isArchived` then say so.
    pub fn archive(&self, full_name: &str) {
        let mut inner = self.state.lock();
        let id = inner.names.get(&full_name.to_ascii_lowercase()).copied();
        let id = id.unwrap_or_else(|| panic!("no repository {full_name}"));
        let repo = inner.repos.get_mut(&id).expect("a named repository");
        repo.archived = true;
    }

    /// Delays every response by `latency`.
    pub fn set_latency(&self, latency: Duration) {
        self.state.lock().latency = latency;
    }

    /// The next `times` requests (GraphQL ones only, for `GraphqlRateLimited`) get `fault`;
    /// faults injected one after the other apply one after the other.
    pub fn inject(&self, fault: Fault, times: usize) {
        if times > 0 {
            self.state.lock().faults.push_back((fault, times));
        }
    }

    /// Makes `POST /graphql` answer 404, like a GitHub Enterprise Server without GraphQL.
    pub fn disable_graphql(&self) {
        self.state.lock().graphql_disabled = true;
    }

    /// Refuses to create check runs, as GitHub does for a pull request from a fork (403).
    pub fn deny_checks(&self) {
        self.state.lock().checks_denied = true;
    }

    /// The check runs created so far.
    pub fn check_runs(&self) -> Vec<CheckRun> {
        self.state.lock().check_runs.clone()
    }

    /// Sets the hourly budget in `x-ratelimit-limit` (default 5,000; a workflow token has 1,000).
    pub fn set_rate_limit(&self, limit: u64) {
        self.state.lock().limit = limit;
    }

    /// Every request seen so far, in arrival order.
    pub fn requests(&self) -> Vec<Recorded> {
        self.state.lock().requests.clone()
    }

    /// GraphQL documents that failed validation, or used fields this server does not implement
    /// (those end with a `# ...` comment naming the fields).
    pub fn invalid_queries(&self) -> Vec<String> {
        self.state.lock().invalid.clone()
    }
}

impl Drop for GitHub {
    fn drop(&mut self) {
        self.stopping.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(accept) = self.accept.take() {
            let _ = accept.join();
        }
    }
}

impl State {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        let inner = self.inner.lock();
        inner.unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// GitHub's public GraphQL schema, parsed once per process (not validated: GitHub publishes
/// it with duplicate field definitions).
pub fn schema() -> &'static Valid<Schema> {
    static SCHEMA: OnceLock<Valid<Schema>> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let path = env!("CARGO_MANIFEST_DIR").to_owned() + "/tests/fixtures/github/schema.graphql";
        let sdl = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let schema = Schema::parse(sdl, path).unwrap_or_else(|e| e.partial);
        Valid::assume_valid(schema)
    })
}

// HTTP -----------------------------------------------------------------------------------------

/// An answer before the rate-limit headers are added.
struct Reply {
    status: u16,
    content_type: &'static str,
    headers: Vec<(&'static str, String)>,
    body: Vec<u8>,
    /// Set by rate-limit faults: no points left until then.
    exhausted_until: Option<u64>,
}

fn reply(status: u16, body: Value) -> Reply {
    Reply {
        status,
        content_type: "application/json; charset=utf-8",
        headers: Vec::new(),
        body: serde_json::to_vec(&body).expect("JSON serializes"),
        exhausted_until: None,
    }
}

const DOCS: &str = "https://docs.github.com/rest";

/// GitHub's error body: `message`, `documentation_url` and the status as a string.
fn error(status: u16, message: &str) -> Reply {
    let status_text = status.to_string();
    let body = json!({"message": message, "documentation_url": DOCS, "status": status_text});
    reply(status, body)
}

/// One HTTP/1.1 request as read off the wire.
struct HttpRequest {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    /// The body could be read whole.
    readable: bool,
}

impl HttpRequest {
    fn header(&self, name: &str) -> Option<String> {
        let found = self
            .headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name));
        found.map(|(_, v)| v.clone())
    }
}

/// Answers requests on one connection until the client closes it (or asks to).
fn serve_connection(state: &State, stream: TcpStream) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(120)));
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    while let Some(request) = read_request(&mut reader) {
        let close = request
            .header("connection")
            .is_some_and(|v| v.eq_ignore_ascii_case("close"));
        let (status, headers, body) = handle(state, request);
        let mut head = format!("HTTP/1.1 {status} {}\r\n", reason(status));
        for (name, value) in &headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str(&format!("content-length: {}\r\n\r\n", body.len()));
        if writer.write_all(head.as_bytes()).is_err() || writer.write_all(&body).is_err() {
            return;
        }
        if close {
            return;
        }
    }
}

/// Reads a request: request line, headers, and a `content-length` or chunked body.
fn read_request(reader: &mut impl BufRead) -> Option<HttpRequest> {
    let mut line = String::new();
    reader.read_line(&mut line).ok().filter(|&n| n > 0)?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_ascii_uppercase();
    let target = parts.next()?.to_owned();
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).ok().filter(|&n| n > 0)?;
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':')?;
        headers.push((name.trim().to_owned(), value.trim().to_owned()));
    }
    let mut request = HttpRequest {
        method,
        target,
        headers,
        body: Vec::new(),
        readable: true,
    };
    let chunked = request
        .header("transfer-encoding")
        .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
    if chunked {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size).ok()?;
            let size = usize::from_str_radix(size.trim().split(';').next()?, 16).ok()?;
            let mut chunk = vec![0; size + 2];
            reader.read_exact(&mut chunk).ok()?;
            if size == 0 {
                break;
            }
            request.body.extend_from_slice(&chunk[..size]);
        }
    } else if let Some(length) = request.header("content-length") {
        let length: usize = length.parse().ok()?;
        request.body = vec![0; length];
        request.readable = reader.read_exact(&mut request.body).is_ok();
    }
    Some(request)
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        301 => "Moved Permanently",
        307 => "Temporary Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

/// Answers one request: status, headers and body.
fn handle(state: &State, request: HttpRequest) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let header = |name: &str| request.header(name);
    let (host, authorization) = (header("Host"), header("Authorization"));
    let accept = header("Accept").unwrap_or_default();
    let method = request.method.clone();
    let path = request.target.clone();
    let readable = request.readable;
    let body = String::from_utf8_lossy(&request.body).into_owned();
    let seen = Recorded {
        method,
        path,
        host,
        authorization,
        body,
        status: 0,
    };
    let graphql = seen.path.split('?').next() == Some("/graphql");

    let (index, fault, latency) = {
        let mut inner = state.lock();
        inner.requests.push(seen.clone());
        let fault = take_fault(&mut inner.faults, graphql);
        (inner.requests.len() - 1, fault, inner.latency)
    };
    let request_id = format!("{:04X}:{index:05X}", std::process::id() & 0xFFFF);
    let token = seen.authorization.as_deref().and_then(token_of);
    let mut reply = match &fault {
        Some(Fault::Stall(_)) | None if !readable => error(400, "Problems reading the body"),
        Some(Fault::Stall(_)) | None if graphql && seen.method == "POST" => {
            graphql_http(state, &seen, token)
        }
        Some(Fault::Stall(_)) | None => rest(state, &seen, token, &accept),
        Some(fault) => fault_reply(fault, token, &request_id),
    };

    let resource = usize::from(graphql);
    let mut headers = std::mem::take(&mut reply.headers);
    {
        let mut inner = state.lock();
        inner.used[resource] += 1;
        let (limit, mut used, mut reset) = (inner.limit, inner.used[resource], inner.reset);
        if let Some(until) = reply.exhausted_until {
            (used, reset) = (limit, until);
        }
        let (remaining, resource) = (limit.saturating_sub(used), ["core", "graphql"][resource]);
        headers.extend([
            ("content-type", reply.content_type.to_owned()),
            ("x-ratelimit-limit", limit.to_string()),
            ("x-ratelimit-remaining", remaining.to_string()),
            ("x-ratelimit-reset", reset.to_string()),
            ("x-ratelimit-used", used.to_string()),
            ("x-ratelimit-resource", resource.to_owned()),
            ("x-github-request-id", request_id),
        ]);
        inner.requests[index].status = reply.status;
    }
    if let Some(Fault::Stall(stall)) = fault {
        std::thread::sleep(stall);
    }
    std::thread::sleep(latency);

    let headers = headers
        .into_iter()
        .map(|(n, v)| (n.to_owned(), v))
        .collect();
    (reply.status, headers, reply.body)
}

/// The token of an `Authorization: Bearer X` or `token X` header.
fn token_of(authorization: &str) -> Option<&str> {
    let (scheme, token) = authorization.trim().split_once(' ')?;
    let known = scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("token");
    known.then(|| token.trim())
}

/// Takes one use of the first queued fault, if it applies to this request.
fn take_fault(faults: &mut VecDeque<(Fault, usize)>, graphql: bool) -> Option<Fault> {
    let (fault, times) = faults.front_mut()?;
    if *fault == Fault::GraphqlRateLimited && !graphql {
        return None;
    }
    let fault = fault.clone();
    *times -= 1;
    if *times == 0 {
        faults.pop_front();
    }
    Some(fault)
}

fn fault_reply(fault: &Fault, token: Option<&str>, request_id: &str) -> Reply {
    let who = token.map_or("127.0.0.1", |_| "user ID 1");
    let support = "If you reach out to GitHub Support for help, please include the request ID";
    let limited = |message: &str, anchor: &str| {
        let message = format!("{message} {support} {request_id}.");
        let docs = format!("{DOCS}/using-the-rest-api/rate-limits-for-the-rest-api#{anchor}");
        let body = json!({"message": message, "documentation_url": docs, "status": "403"});
        reply(403, body)
    };
    match *fault {
        Fault::ServerError(503) => reply(503, json!({"message": "Service Unavailable"})),
        Fault::ServerError(status) => reply(status, json!({"message": "Server Error"})),
        Fault::SecondaryLimit { retry_after_secs } => {
            let message = "You have exceeded a secondary rate limit. Please wait a few minutes \
                           before you try again.";
            let mut reply = limited(message, "about-secondary-rate-limits");
            let retry_after = retry_after_secs.to_string();
            reply.headers.push(("retry-after", retry_after));
            reply
        }
        Fault::PrimaryExhausted { reset_in_secs } => {
            let message = format!("API rate limit exceeded for {who}.");
            let mut reply = limited(&message, "about-the-primary-rate-limit");
            reply.exhausted_until = Some(now() + reset_in_secs);
            reply
        }
        Fault::GraphqlRateLimited => {
            let message = format!("API rate limit exceeded for {who}.");
            let errors = json!([{"type": "RATE_LIMITED", "message": message}]);
            let mut reply = reply(200, json!({ "errors": errors }));
            reply.exhausted_until = Some(now() + 3600);
            reply
        }
        Fault::Stall(_) => unreachable!("a stall answers normally"),
    }
}

fn now() -> u64 {
    let since_epoch = SystemTime::now().duration_since(UNIX_EPOCH);
    since_epoch.map_or(0, |d| d.as_secs())
}

/// `secs` since the epoch as `2022-12-13T04:06:01Z`.
fn iso8601(secs: u64) -> String {
    // Days to a proleptic Gregorian date, with years starting in March (so leap days come last).
    let (days, rem) = (secs / 86_400 + 719_468, secs % 86_400);
    let (era, day_of_era) = (days / 146_097, days % 146_097);
    let leap_days = day_of_era / 1460 - day_of_era / 36_524 + day_of_era / 146_096;
    let year_of_era = (day_of_era - leap_days) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = (month_index + 2) % 12 + 1;
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    let (h, m, s) = (rem / 3600, rem / 60 % 60, rem % 60);
    format!("{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}Z")
}

/// Percent-decodes `s` (and `+` as a space in query strings); `None` when malformed.
fn decode(s: &str, plus_is_space: bool) -> Option<String> {
    let (bytes, mut out, mut i) = (s.as_bytes(), Vec::with_capacity(s.len()), 0);
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
                let valid = hex.bytes().all(|b| b.is_ascii_hexdigit());
                out.push(u8::from_str_radix(hex, 16).ok().filter(|_| valid)?);
                i += 2;
            }
            b'+' if plus_is_space => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// A GitHub-style (legacy) global node id.
fn node_id(kind: &str, key: &str) -> String {
    BASE64.encode(format!("{:02}:{kind}{key}", kind.len()))
}

// REST -----------------------------------------------------------------------------------------

/// The Checks API: create (`POST check-runs`), update (`PATCH check-runs/ID`), read (`GET`).
/// At most 50 annotations a request, as GitHub enforces.
fn check_runs(state: &State, repo: &Repo, seen: &Recorded, rest: &[&str]) -> Reply {
    let body: Value = match seen.method.as_str() {
        "POST" | "PATCH" => match serde_json::from_str(&seen.body) {
            Ok(body) => body,
            Err(_) => return error(400, "Problems parsing JSON"),
        },
        _ => Value::Null,
    };
    let annotations = body["output"]["annotations"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    if annotations.len() > 50 {
        return error(422, "Validation Failed: at most 50 annotations a request");
    }
    let mut inner = state.lock();
    let index = match (seen.method.as_str(), rest) {
        ("POST", []) => {
            if inner.checks_denied {
                return error(403, "Resource not accessible by integration");
            }
            let (Some(name), Some(head_sha)) = (body["name"].as_str(), body["head_sha"].as_str())
            else {
                return error(422, "Validation Failed: name and head_sha are required");
            };
            let run = CheckRun {
                id: inner.check_runs.len() as u64 + 1,
                repo: repo.full_name.clone(),
                name: name.to_owned(),
                head_sha: head_sha.to_owned(),
                status: "queued".into(),
                ..CheckRun::default()
            };
            inner.check_runs.push(run);
            inner.check_runs.len() - 1
        }
        ("PATCH" | "GET", [id]) => {
            let found = inner.check_runs.iter().position(|r| {
                r.repo == repo.full_name && id.parse::<u64>().is_ok_and(|id| id == r.id)
            });
            match found {
                Some(index) => index,
                None => return error(404, "Not Found"),
            }
        }
        _ => return error(404, "Not Found"),
    };
    let run = &mut inner.check_runs[index];
    if seen.method != "GET" {
        if let Some(status) = body["status"].as_str() {
            run.status = status.to_owned();
        }
        if let Some(conclusion) = body["conclusion"].as_str() {
            run.conclusion = Some(conclusion.to_owned());
            run.status = "completed".into();
        }
        if let Some(title) = body["output"]["title"].as_str() {
            run.title = Some(title.to_owned());
        }
        if let Some(summary) = body["output"]["summary"].as_str() {
            run.summary = Some(summary.to_owned());
        }
        run.batches.push(annotations.len());
        run.annotations.extend(annotations);
    }
    let status = if seen.method == "POST" { 201 } else { 200 };
    let url = format!("{}/repos/{}/check-runs/{}", state.url, run.repo, run.id);
    reply(
        status,
        json!({
            "id": run.id, "name": run.name, "head_sha": run.head_sha, "status": run.status,
            "conclusion": run.conclusion, "url": url,
            "html_url": format!("https://github.com/{}/runs/{}", run.repo, run.id),
            "output": {"title": run.title, "summary": run.summary, "annotations_count": run.annotations.len()},
        }),
    )
}

fn rest(state: &State, seen: &Recorded, token: Option<&str>, accept: &str) -> Reply {
    let (path, query) = seen.path.split_once('?').unwrap_or((&seen.path, ""));
    let segments: Option<Vec<String>> = path.split('/').map(|s| decode(s, false)).collect();
    let Some(segments) = segments else {
        return error(400, "Malformed percent-encoding");
    };
    let segments: Vec<&str> = segments.iter().skip(1).map(String::as_str).collect();
    let (lookup, skip) = match segments.as_slice() {
        ["repos", owner, name, ..] => {
            let full_name = format!("{owner}/{name}");
            (state.lock().lookup(&full_name, token), 3)
        }
        ["repositories", id, ..] => {
            let repo = state.lock().visible(id.parse().unwrap_or(0), token);
            (repo.map_or(Lookup::Missing, Lookup::Found), 2)
        }
        _ => return error(404, "Not Found"),
    };
    match lookup {
        Lookup::Missing => error(404, "Not Found"),
        Lookup::Moved(repo) => {
            // The rest of the path and the query stay as they were.
            let rest = path.splitn(5, '/').nth(4).map(|rest| format!("/{rest}"));
            let query = Some(query).filter(|q| !q.is_empty());
            let (rest, query) = (rest.unwrap_or_default(), query.map(|q| format!("?{q}")));
            let id = repo.id;
            let location = format!("{}/repositories/{id}{rest}", state.url);
            let location = location + &query.unwrap_or_default();
            let get = matches!(seen.method.as_str(), "GET" | "HEAD");
            let docs = "https://docs.github.com/v3/#http-redirects";
            let message = "Moved Permanently";
            let body = json!({"message": message, "url": location, "documentation_url": docs});
            let mut reply = reply(if get { 301 } else { 307 }, body);
            reply.headers.push(("location", location));
            reply
        }
        Lookup::Found(repo) if segments.get(skip) == Some(&"check-runs") => {
            check_runs(state, &repo, seen, &segments[skip + 1..])
        }
        Lookup::Found(_) if seen.method != "GET" => error(404, "Not Found"),
        Lookup::Found(repo) => Api::new(state, &repo).serve(&segments[skip..], query, accept),
    }
}

/// A repository's URL templates, `key:suffix` after its API URL, as GitHub lists them.
const REPO_URLS: &str = "forks:/forks keys:/keys{/key_id} \
    collaborators:/collaborators{/collaborator} teams:/teams hooks:/hooks \
    issue_events:/issues/events{/number} events:/events assignees:/assignees{/user} \
    branches:/branches{/branch} tags:/tags blobs:/git/blobs{/sha} git_tags:/git/tags{/sha} \
    git_refs:/git/refs{/sha} trees:/git/trees{/sha} statuses:/statuses/{sha} \
    languages:/languages stargazers:/stargazers contributors:/contributors \
    subscribers:/subscribers subscription:/subscription commits:/commits{/sha} \
    git_commits:/git/commits{/sha} comments:/comments{/number} \
    issue_comment:/issues/comments{/number} contents:/contents/{+path} \
    compare:/compare/{base}...{head} merges:/merges archive:/{archive_format}{/ref} \
    downloads:/downloads issues:/issues{/number} pulls:/pulls{/number} \
    milestones:/milestones{/number} notifications:/notifications{?since,all,participating} \
    labels:/labels{/name} releases:/releases{/id} deployments:/deployments";

/// An owner's URL templates, `key:suffix` after its API URL.
const OWNER_URLS: &str = "followers:/followers following:/following{/other_user} \
    gists:/gists{/gist_id} starred:/starred{/owner}{/repo} subscriptions:/subscriptions \
    organizations:/orgs repos:/repos events:/events{/privacy} received_events:/received_events";

/// The repository fields this server has nothing to say about, `key=JSON`.
const REPO_FIXED: &str = "description=null fork=false homepage=null language=null \
    mirror_url=null license=null size=0 stargazers_count=0 watchers_count=0 forks_count=0 \
    open_issues_count=0 forks=0 open_issues=0 watchers=0 network_count=0 subscribers_count=0 \
    has_issues=true has_projects=true has_downloads=true has_wiki=true has_pages=false \
    disabled=false allow_forking=true is_template=false \
    web_commit_signoff_required=false topics=[] temp_clone_token=\"\" \
    created_at=\"2022-12-13T04:06:01Z\" updated_at=\"2022-12-13T04:06:01Z\" \
    pushed_at=\"2022-12-13T04:06:01Z\" allow_squash_merge=true allow_merge_commit=true \
    allow_rebase_merge=true allow_auto_merge=false delete_branch_on_merge=false \
    allow_update_branch=false use_squash_pr_title_as_default=false \
    permissions={\"admin\":false,\"maintain\":false,\"push\":false,\"triage\":false,\"pull\":true}";

/// Adds `{key}_url: {base}{suffix}` to `object` for each `key:suffix` of `templates`.
fn add_urls(object: &mut Value, base: &str, templates: &str) {
    for template in templates.split_whitespace() {
        let (key, suffix) = template.split_once(':').expect("key:suffix");
        object[format!("{key}_url")] = json!(format!("{base}{suffix}"));
    }
}

/// One repository's REST resources.
struct Api<'a> {
    /// `{server}/repos/{owner}/{name}`.
    api: String,
    url: &'a str,
    repo: &'a Repo,
    git: gix::Repository,
}

impl<'a> Api<'a> {
    fn new(state: &'a State, repo: &'a Repo) -> Self {
        Api {
            api: format!("{}/repos/{}", state.url, repo.full_name),
            url: &state.url,
            repo,
            git: repo.git.to_thread_local(),
        }
    }

    fn serve(&self, rest: &[&str], query: &str, accept: &str) -> Reply {
        let mut spec = None;
        for pair in query.split('&').filter(|pair| !pair.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let (Some(key), Some(value)) = (decode(key, true), decode(value, true)) else {
                return error(400, "Malformed query string");
            };
            if key == "ref" && !value.is_empty() {
                spec = Some(value);
            }
        }
        let joined = |parts: &[&str]| parts.join("/").trim_matches('/').to_owned();
        match rest {
            [] => reply(200, self.repository()),
            ["commits", spec @ ..] if !spec.is_empty() => self.commit(&spec.join("/")),
            ["contents", path @ ..] => self.contents(&joined(path), spec, accept),
            ["git", "ref", ns @ ("heads" | "tags"), name @ ..] if !name.is_empty() => {
                let full = format!("refs/{ns}/{}", name.join("/"));
                match self.refs(|name| name == full).pop() {
                    Some(found) => reply(200, found),
                    None => error(404, "Not Found"),
                }
            }
            ["git", "matching-refs", prefix @ ..] => {
                let prefix = format!("refs/{}", joined(prefix));
                reply(200, json!(self.refs(|name| name.starts_with(&prefix))))
            }
            ["git", "refs", rest @ ..] if joined(rest).is_empty() => {
                reply(200, json!(self.refs(|_| true)))
            }
            _ => error(404, "Not Found"),
        }
    }

    fn default_branch(&self) -> String {
        let head = self.git.head_name().ok().flatten();
        head.map_or_else(|| "main".to_owned(), |name| name.shorten().to_string())
    }

    fn repository(&self) -> Value {
        let (full, id, api) = (&self.repo.full_name, self.repo.id, &self.api);
        let (login, name) = full.split_once('/').expect("owner/name");
        let owner_id = 1 + login.bytes().map(u64::from).sum::<u64>();
        let user_api = format!("{}/users/{login}", self.url);
        let mut owner = json!({
            "login": login, "id": owner_id, "node_id": node_id("Organization", login),
            "avatar_url": format!("https://avatars.githubusercontent.com/u/{owner_id}?v=4"),
            "gravatar_id": "", "url": user_api, "html_url": format!("https://github.com/{login}"),
            "type": "Organization", "site_admin": false,
        });
        add_urls(&mut owner, &user_api, OWNER_URLS);
        let html = format!("https://github.com/{full}");
        let private = self.repo.token.is_some();
        let mut repo = json!({
            "id": id, "node_id": node_id("Repository", &id.to_string()), "name": name,
            "full_name": full, "private": private, "owner": owner, "organization": owner,
            "html_url": html, "url": api, "git_url": format!("git://github.com/{full}.git"),
            "ssh_url": format!("git@github.com:{full}.git"), "clone_url": format!("{html}.git"),
            "svn_url": html, "default_branch": self.default_branch(),
            "visibility": if private { "private" } else { "public" },
            "archived": self.repo.archived,
        });
        add_urls(&mut repo, api, REPO_URLS);
        for field in REPO_FIXED.split_whitespace() {
            let (key, value) = field.split_once('=').expect("key=JSON");
            repo[key] = serde_json::from_str(value).expect("REPO_FIXED holds JSON");
        }
        repo
    }

    /// `spec` as GitHub's REST API resolves a ref: a branch, tag, `HEAD`, `heads/x`, `tags/x` or
    /// (abbreviated) commit id, peeled to a commit.
    fn resolve(&self, spec: &str) -> Option<gix::Commit<'_>> {
        let hex = (4..=40).contains(&spec.len()) && spec.bytes().all(|b| b.is_ascii_hexdigit());
        let id = match self.git.try_find_reference(spec) {
            Ok(Some(mut reference)) => reference.peel_to_id().ok()?,
            _ if hex => self.git.rev_parse_single(spec).ok()?,
            _ => return None,
        };
        id.object().ok()?.peel_to_commit().ok()
    }

    fn commit(&self, spec: &str) -> Reply {
        let commit = self.resolve(spec);
        let Some((id, c)) = commit.as_ref().and_then(|c| Some((c.id, c.decode().ok()?))) else {
            return error(422, &format!("No commit found for SHA: {spec}"));
        };
        let (api, html) = (
            &self.api,
            format!("https://github.com/{}", self.repo.full_name),
        );
        let person = |s: gix::actor::SignatureRef<'_>| {
            let (name, email, date) = (s.name.to_string(), s.email.to_string(), s.seconds());
            json!({"name": name, "email": email, "date": iso8601(date.max(0) as u64)})
        };
        let parent = |p: ObjectId| {
            let (url, html_url) = (format!("{api}/commits/{p}"), format!("{html}/commit/{p}"));
            json!({"sha": p.to_string(), "url": url, "html_url": html_url})
        };
        let parents: Vec<Value> = c.parents().map(parent).collect();
        let (author, committer) = (c.author().ok().map(person), c.committer().ok().map(person));
        let (tree, message) = (c.tree(), c.message.to_string());
        let unsigned = json!({"verified": false, "reason": "unsigned", "signature": null});
        reply(
            200,
            json!({
                "sha": id.to_string(), "node_id": node_id("Commit", &id.to_string()),
                "commit": {
                    "author": author, "committer": committer, "message": message,
                    "tree": {"sha": tree.to_string(), "url": format!("{api}/git/trees/{tree}")},
                    "url": format!("{api}/git/commits/{id}"), "comment_count": 0,
                    "verification": unsigned,
                },
                "url": format!("{api}/commits/{id}"), "html_url": format!("{html}/commit/{id}"),
                "comments_url": format!("{api}/commits/{id}/comments"), "author": null,
                "committer": null, "parents": parents,
            }),
        )
    }

    fn contents(&self, path: &str, spec: Option<String>, accept: &str) -> Reply {
        let spec = spec.unwrap_or_else(|| self.default_branch());
        let Some(tree) = self.resolve(&spec).and_then(|commit| commit.tree().ok()) else {
            return error(404, &format!("No commit found for the ref {spec}"));
        };
        let entry = match path {
            "" => Some((EntryMode::from(EntryKind::Tree), tree.id)),
            _ => {
                let entry = tree.lookup_entry_by_path(path).ok().flatten();
                entry.map(|e| (e.mode(), e.object_id()))
            }
        };
        let found = entry.and_then(|(mode, id)| Some((mode, self.git.find_object(id).ok()?)));
        let Some((mode, object)) = found else {
            return error(404, "Not Found");
        };
        if mode.is_tree() {
            let tree = object.into_tree();
            let Ok(tree) = tree.decode() else {
                return error(404, "Not Found");
            };
            let items = tree.entries.iter().map(|e| {
                let path = format!("{path}/{}", e.filename);
                let path = path.trim_start_matches('/');
                let header = self.git.find_header(e.oid).ok();
                let header = header.filter(|_| e.mode.is_blob_or_symlink());
                let size = header.map_or(0, |h| h.size());
                self.item(path, e.mode, e.oid.into(), size, &spec)
            });
            return reply(200, Value::Array(items.collect()));
        }
        let data = &object.data;
        if accept.contains(".raw") {
            let mut reply = reply(200, Value::Null);
            reply.body = data.clone();
            reply.content_type = match accept.contains(".v3.raw") {
                true => "application/vnd.github.v3.raw; charset=utf-8",
                false => "application/vnd.github.raw; charset=utf-8",
            };
            return reply;
        }
        let mut item = self.item(path, mode, object.id, data.len() as u64, &spec);
        // Like GitHub: base64 in lines of 60 characters, and no content above 1 MB.
        let base64 = BASE64.encode(data).into_bytes();
        let lines = base64.chunks(60).map(String::from_utf8_lossy);
        let (content, encoding) = match data.len() > 1 << 20 {
            true => (String::new(), "none"),
            false => (lines.map(|line| line + "\n").collect(), "base64"),
        };
        item["content"] = json!(content);
        item["encoding"] = json!(encoding);
        if mode.is_link() {
            item["target"] = json!(String::from_utf8_lossy(data));
        }
        reply(200, item)
    }

    /// One entry of a contents answer, without its content.
    fn item(&self, path: &str, mode: EntryMode, sha: ObjectId, size: u64, spec: &str) -> Value {
        let kind = match () {
            _ if mode.is_tree() => "dir",
            _ if mode.is_link() => "symlink",
            _ if mode.is_commit() => "submodule",
            _ => "file",
        };
        let (api, full) = (&self.api, &self.repo.full_name);
        let (git, html) = if mode.is_tree() {
            ("trees", "tree")
        } else {
            ("blobs", "blob")
        };
        let url = format!("{api}/contents/{path}?ref={spec}");
        let git_url = format!("{api}/git/{git}/{sha}");
        let html_url = format!("https://github.com/{full}/{html}/{spec}/{path}");
        let download = format!("https://raw.githubusercontent.com/{full}/{spec}/{path}");
        json!({
            "name": path.rsplit('/').next(), "path": path, "sha": sha.to_string(), "size": size,
            "url": url, "html_url": html_url, "git_url": git_url, "type": kind,
            "download_url": (kind == "file").then_some(download),
            "_links": {"self": url, "git": git_url, "html": html_url},
        })
    }

    /// The branches and tags whose full names pass `wanted`, as GitHub's ref objects, sorted.
    fn refs(&self, wanted: impl Fn(&str) -> bool) -> Vec<Value> {
        let platform = self.git.references().ok();
        let all = platform.as_ref().and_then(|p| p.all().ok());
        let mut refs: Vec<Value> = all
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|r| {
                let name = r.name().as_bstr().to_string();
                let ours = name.starts_with("refs/heads/") || name.starts_with("refs/tags/");
                let id = r.target().try_id()?.to_owned();
                let kind = self.git.find_header(id).ok()?.kind();
                let (api, sha, kind) = (&self.api, id.to_string(), kind.to_string());
                let object =
                    json!({"sha": sha, "type": kind, "url": format!("{api}/git/{kind}s/{id}")});
                let (url, node_id) = (format!("{api}/git/{name}"), node_id("Ref", &name));
                let value = json!({"ref": name, "node_id": node_id, "url": url, "object": object});
                (ours && wanted(&name)).then_some(value)
            })
            .collect();
        refs.sort_by(|a, b| a["ref"].as_str().cmp(&b["ref"].as_str()));
        refs
    }
}

// GraphQL --------------------------------------------------------------------------------------

fn graphql_http(state: &State, seen: &Recorded, token: Option<&str>) -> Reply {
    if state.lock().graphql_disabled {
        return error(404, "Not Found");
    }
    if seen.authorization.is_none() {
        let docs = "https://docs.github.com/graphql/guides/forming-calls-with-graphql\
                    #authenticating-with-graphql";
        let message = "This endpoint requires you to be authenticated.";
        return reply(401, json!({"message": message, "documentation_url": docs}));
    }
    let Ok(Value::Object(request)) = serde_json::from_str::<Value>(&seen.body) else {
        return error(400, "Problems parsing JSON");
    };
    let Some(query) = request.get("query").and_then(Value::as_str) else {
        let message = "A query attribute must be specified and must be a string.";
        return error(400, message);
    };
    let variables: JsonMap = match request.get("variables") {
        None | Some(Value::Null) => JsonMap::new(),
        Some(Value::Object(map)) => {
            let entries = map.iter().map(|(k, v)| (k.as_str(), v.clone()));
            entries.map(|(k, v)| (k.into(), v.into())).collect()
        }
        Some(_) => return error(400, "Variables must be a JSON object."),
    };
    let invalid = |note: String, errors: Vec<Value>| {
        state.lock().invalid.push(format!("{query}{note}"));
        reply(200, json!({ "errors": errors }))
    };
    let schema = schema();
    let document = match ExecutableDocument::parse_and_validate(schema, query, "query.graphql") {
        Ok(document) => document,
        Err(e) => {
            let errors = e.errors.iter().map(|d| error_json(d.to_json()));
            return invalid(String::new(), errors.collect());
        }
    };
    let cx = Ctx { state, token };
    let execution = Execution::new(schema, &document).raw_variable_values(&variables);
    let operation = request.get("operationName").and_then(Value::as_str);
    let execution = execution.operation_name(operation);
    let response = match execution.and_then(|e| e.execute_sync(&Node::Query(&cx))) {
        Ok(response) => response,
        Err(e) => {
            let error = error_json(e.to_graphql_error(&document.sources));
            return invalid(format!("\n# {}", e.message()), vec![error]);
        }
    };
    let mut unimplemented = Vec::new();
    let mut errors = Vec::new();
    for mut e in response.errors {
        // As GitHub words and places them: no prefix, at the field's alias if any.
        if let Some(message) = e.message.strip_prefix("resolver error: ") {
            e.message = message.to_owned();
        }
        for at in &mut e.locations {
            at.column = alias_column(query, at.line, at.column);
        }
        if e.message.ends_with(UNIMPLEMENTED) {
            unimplemented.push(e.message.clone());
        }
        errors.push(error_json(e));
    }
    if !unimplemented.is_empty() {
        let note = format!("\n# {}", unimplemented.join("; "));
        state.lock().invalid.push(format!("{query}{note}"));
    }
    let mut body = json!({"data": response.data});
    if !errors.is_empty() {
        body["errors"] = Value::Array(errors);
    }
    reply(200, body)
}

/// The column of the alias of the field at `line`:`column`, if it has one (GitHub reports a
/// field there, apollo-compiler at its name).
fn alias_column(query: &str, line: usize, column: usize) -> usize {
    let text = query.lines().nth(line.wrapping_sub(1)).unwrap_or_default();
    let before: String = text.chars().take(column.saturating_sub(1)).collect();
    let Some(rest) = before.trim_end().strip_suffix(':').map(str::trim_end) else {
        return column;
    };
    let alias = rest
        .chars()
        .rev()
        .take_while(|c| c.is_alphanumeric() || *c == '_');
    match alias.count() {
        0 => column,
        alias => rest.chars().count() - alias + 1,
    }
}

/// A GraphQL error as GitHub shapes it: `type` (when known), `path`, `locations`, `message`.
fn error_json(e: GraphQLError) -> Value {
    let kind = match e.message.as_str() {
        m if m.starts_with(NOT_FOUND) => "NOT_FOUND",
        m if m.ends_with(UNIMPLEMENTED) => "TEST_SERVER_UNIMPLEMENTED",
        _ => return serde_json::to_value(&e).expect("JSON serializes"),
    };
    let mut error = serde_json::to_value(&e).expect("JSON serializes");
    error["type"] = json!(kind);
    error
}

/// The start of GitHub's message for a missing repository.
const NOT_FOUND: &str = "Could not resolve to a Repository with the name";
/// The end of the message for a field this server does not implement.
const UNIMPLEMENTED: &str = "is not implemented by the test server";

/// One execution's context: who asks.
struct Ctx<'a> {
    state: &'a State,
    token: Option<&'a str>,
}

fn git_error(e: impl std::fmt::Display) -> FieldError {
    let message = format!("git: {e}");
    FieldError { message }
}

/// A resolved field, or `None` for a field this server does not implement.
type Field<'a> = Result<Option<ResolvedValue<'a>>, FieldError>;

fn leaf<'a>(value: Value) -> Field<'a> {
    Ok(Some(ResolvedValue::leaf(value)))
}

fn object<'a>(node: Option<Node<'a>>) -> Field<'a> {
    Ok(Some(ResolvedValue::nullable_object(node)))
}

/// The string argument `name` of the field being resolved.
fn arg<'a>(info: &'a ResolveInfo<'a>, name: &str) -> Option<&'a str> {
    info.arguments().get(name)?.as_str()
}

/// A GraphQL object this server resolves.
enum Node<'a> {
    Query(&'a Ctx<'a>),
    RateLimit(&'a Ctx<'a>),
    Repository(Box<RepoNode>),
    Ref(&'a RepoNode, String),
    Object(&'a RepoNode, ObjectId, Kind),
}

struct RepoNode {
    repo: Repo,
    git: gix::Repository,
}

type Resolved<'a> = Result<ResolvedValue<'a>, FieldError>;

impl ObjectValue for Node<'_> {
    fn type_name(&self) -> &str {
        match self {
            Node::Query(_) => "Query",
            Node::RateLimit(_) => "RateLimit",
            Node::Repository(_) => "Repository",
            Node::Ref(..) => "Ref",
            Node::Object(_, _, Kind::Commit) => "Commit",
            Node::Object(_, _, Kind::Tree) => "Tree",
            Node::Object(_, _, Kind::Blob) => "Blob",
            Node::Object(_, _, Kind::Tag) => "Tag",
        }
    }

    fn resolve_field<'a>(&'a self, info: &'a ResolveInfo<'a>) -> Resolved<'a> {
        let field = info.field_name();
        let resolved = match self {
            Node::Query(cx) => query_field(cx, info),
            Node::RateLimit(cx) => rate_limit_field(cx, field),
            Node::Repository(repo) => repo.field(info),
            Node::Ref(repo, name) => repo.ref_field(name, field),
            Node::Object(repo, id, kind) => repo.object_field(*id, *kind, field),
        };
        let message = format!("{}.{field} {UNIMPLEMENTED}", self.type_name());
        resolved?.ok_or(FieldError { message })
    }
}

fn query_field<'a>(cx: &'a Ctx<'a>, info: &'a ResolveInfo<'a>) -> Field<'a> {
    match info.field_name() {
        "repository" => {
            let (owner, name) = (arg(info, "owner"), arg(info, "name"));
            let full_name = format!("{}/{}", owner.unwrap_or(""), name.unwrap_or(""));
            let follow = info
                .arguments()
                .get("followRenames")
                .and_then(|f| f.as_bool());
            let repo = match cx.state.lock().lookup(&full_name, cx.token) {
                Lookup::Found(repo) => repo,
                Lookup::Moved(repo) if follow != Some(false) => repo,
                _ => {
                    let message = format!("{NOT_FOUND} '{full_name}'.");
                    return Err(FieldError { message });
                }
            };
            let git = repo.git.to_thread_local();
            object(Some(Node::Repository(Box::new(RepoNode { repo, git }))))
        }
        "rateLimit" => object(Some(Node::RateLimit(cx))),
        _ => Ok(None),
    }
}

fn rate_limit_field<'a>(cx: &Ctx<'_>, field: &str) -> Field<'a> {
    let inner = cx.state.lock();
    // This query's point is counted when it is answered; GitHub reports it as spent.
    let (limit, used) = (inner.limit, inner.used[1] + 1);
    match field {
        "cost" | "nodeCount" => leaf(json!(1)),
        "limit" => leaf(json!(limit)),
        "remaining" => leaf(json!(limit.saturating_sub(used))),
        "used" => leaf(json!(used)),
        "resetAt" => leaf(json!(iso8601(inner.reset))),
        _ => Ok(None),
    }
}

impl RepoNode {
    fn field<'a>(&'a self, info: &'a ResolveInfo<'a>) -> Field<'a> {
        let (full_name, private) = (&self.repo.full_name, self.repo.token.is_some());
        match info.field_name() {
            "id" => leaf(json!(node_id("Repository", &self.repo.id.to_string()))),
            "databaseId" => leaf(json!(self.repo.id)),
            "name" => leaf(json!(full_name.split('/').nth(1))),
            "nameWithOwner" => leaf(json!(full_name)),
            "isPrivate" => leaf(json!(private)),
            "isArchived" => leaf(json!(self.repo.archived)),
            "visibility" => leaf(json!(if private { "PRIVATE" } else { "PUBLIC" })),
            "url" => leaf(json!(format!("https://github.com/{full_name}"))),
            "defaultBranchRef" => {
                let head = self.git.head_name().ok().flatten();
                object(head.and_then(|name| self.reference(&name.as_bstr().to_string())))
            }
            "ref" => object(arg(info, "qualifiedName").and_then(|name| self.reference(name))),
            "object" => {
                let expression = arg(info, "expression").unwrap_or_default();
                match self.git.rev_parse_single(expression) {
                    Ok(id) => self.object(id.detach()),
                    Err(_) => object(None),
                }
            }
            _ => Ok(None),
        }
    }

    fn reference<'a>(&'a self, name: &str) -> Option<Node<'a>> {
        let reference = self.git.try_find_reference(name).ok()??;
        Some(Node::Ref(self, reference.name().as_bstr().to_string()))
    }

    fn object<'a>(&'a self, id: ObjectId) -> Field<'a> {
        let kind = self.git.find_header(id).map_err(git_error)?.kind();
        object(Some(Node::Object(self, id, kind)))
    }

    fn ref_field<'a>(&'a self, name: &str, field: &str) -> Field<'a> {
        // `refs/heads/feature/x` is prefix `refs/heads/` and name `feature/x`.
        let split = name.match_indices('/').nth(1).map_or(0, |(i, _)| i + 1);
        match field {
            "id" => leaf(json!(node_id("Ref", name))),
            "name" => leaf(json!(name[split..])),
            "prefix" => leaf(json!(name[..split])),
            "target" => {
                let reference = self.git.try_find_reference(name).map_err(git_error)?;
                let id = reference.and_then(|r| r.target().try_id().map(ToOwned::to_owned));
                id.map_or_else(|| object(None), |id| self.object(id))
            }
            _ => Ok(None),
        }
    }

    fn object_field<'a>(&'a self, id: ObjectId, kind: Kind, field: &str) -> Field<'a> {
        let object = || self.git.find_object(id).map_err(git_error);
        let data = || Ok::<_, FieldError>(object()?.detach().data);
        // Like git: a NUL byte early on (or, as `text` must be a string, invalid UTF-8) is binary.
        let binary = |data: &[u8]| {
            data.iter().take(8000).any(|&b| b == 0) || std::str::from_utf8(data).is_err()
        };
        let tag = || {
            let tag = object()?.try_into_tag().map_err(git_error)?;
            let tag = tag.decode().map_err(git_error)?;
            Ok::<_, FieldError>((tag.name.to_string(), tag.message.to_string(), tag.target()))
        };
        let commit = || object()?.try_into_commit().map_err(git_error);
        match (kind, field) {
            (_, "oid") => leaf(json!(id.to_string())),
            (_, "abbreviatedOid") => leaf(json!(id.to_hex_with_len(7).to_string())),
            (_, "id") => leaf(json!(node_id(&kind.to_string(), &id.to_string()))),
            (Kind::Commit, "message") => {
                let message = commit()?.message_raw().map_err(git_error)?.to_string();
                leaf(json!(message))
            }
            (Kind::Commit, "tree") => {
                let tree = commit()?.tree_id().map_err(git_error)?;
                self.object(tree.detach())
            }
            (Kind::Tag, "name") => leaf(json!(tag()?.0)),
            (Kind::Tag, "message") => leaf(json!(tag()?.1)),
            (Kind::Tag, "target") => self.object(tag()?.2),
            (Kind::Blob, "text") => {
                let text = String::from_utf8(data()?).ok();
                leaf(json!(text.filter(|text| !binary(text.as_bytes()))))
            }
            (Kind::Blob, "byteSize") => leaf(json!(data()?.len())),
            (Kind::Blob, "isBinary") => leaf(json!(binary(&data()?))),
            (Kind::Blob, "isTruncated") => leaf(json!(false)),
            _ => Ok(None),
        }
    }
}
