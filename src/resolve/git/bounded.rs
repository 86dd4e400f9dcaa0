//! Transports for listing a remote's refs whose every read is bounded: by a deadline and by
//! [`MAX_LISTING_BYTES`]. gix's own transports have neither (a `git://` server that accepts and
//! stays silent, or one that streams refs forever, would hold a run without end), so the
//! connection is made here and gix speaks the protocol over it.

use std::io::{BufRead, Read};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use gix::protocol::transport::Protocol;
use gix::protocol::transport::client::blocking_io::Transport;
use gix::protocol::transport::client::blocking_io::http::{
    self as http, GetResponse, Http, PostBodyDataKind, PostResponse,
};
use gix::protocol::transport::client::git::ConnectMode;
use gix::protocol::transport::client::git::blocking_io::Connection;

use super::{MAX_LISTING_BYTES, MAX_LISTINGS_BYTES};

/// What every listing of a run may read together, shared by their readers: each remote's refs
/// are kept for the run, so many remotes of 16 MiB each must not add up without end.
#[derive(Clone)]
pub struct Budget(Arc<AtomicU64>);

impl Default for Budget {
    fn default() -> Budget {
        Budget(Arc::new(AtomicU64::new(MAX_LISTINGS_BYTES)))
    }
}

/// What bounds one listing: its deadline, and the run's budget.
#[derive(Clone)]
pub struct Limits {
    /// When the listing gives up.
    pub deadline: Instant,
    /// The bytes all listings of the run may still read.
    pub budget: Budget,
}

/// Why no transport to a remote could be made.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// Not a URL git understands.
    #[error("`{url}` is not a git URL: {why}")]
    NotGitUrl {
        /// The URL.
        url: String,
        /// gix's reason.
        why: String,
    },
    /// A scheme git can list refs over, but not this tool.
    #[error("`{url}`: the {scheme} scheme is not supported")]
    Unsupported {
        /// The URL.
        url: String,
        /// Its scheme.
        scheme: String,
    },
    /// No host in a URL that needs one.
    #[error("the URL has no host")]
    NoHost,
    /// The host name does not resolve (DNS).
    #[error("cannot resolve {host}: {error}")]
    Resolve {
        /// The host.
        host: String,
        /// What the resolver said.
        error: std::io::Error,
    },
    /// The host name resolves to nothing.
    #[error("{0} has no address")]
    NoAddress(String),
    /// No connection.
    #[error("cannot connect to {host}:{port}: {error}")]
    Connect {
        /// The host.
        host: String,
        /// The port.
        port: u16,
        /// What the OS said.
        error: std::io::Error,
    },
    /// The socket cannot be set up (timeouts, a second handle).
    #[error("{0}")]
    Socket(std::io::Error),
    /// A host ssh would read as an option.
    #[error("`{0}` is not a host name ssh can be given")]
    SshHost(String),
    /// ssh cannot be started.
    #[error("cannot run ssh: {0}")]
    SshSpawn(std::io::Error),
    /// ssh started without its pipes.
    #[error("cannot talk to ssh")]
    SshPipes,
    /// gix's own transport (a local path, `file://`) failed.
    #[error("{0}")]
    Local(String),
}

/// A transport to `url` (https, http, git, ssh; a local path or `file://` through gix's own)
/// whose reads fail past the deadline, past [`MAX_LISTING_BYTES`] or past the run's budget.
pub fn transport(url: &str, limits: &Limits) -> Result<Box<dyn Transport + Send>, ConnectError> {
    let parsed =
        gix::url::parse(gix::bstr::BStr::new(url)).map_err(|e| ConnectError::NotGitUrl {
            url: url.to_owned(),
            why: e.to_string(),
        })?;
    match parsed.scheme {
        gix::url::Scheme::Http | gix::url::Scheme::Https => {
            Ok(Box::new(http::Transport::new_http(
                BoundedHttp {
                    inner: http::reqwest::Remote::default(),
                    limits: limits.clone(),
                },
                parsed,
                Protocol::V2,
                false,
            )))
        }
        gix::url::Scheme::Git => daemon(&parsed, limits),
        gix::url::Scheme::Ssh => ssh(&parsed, limits),
        gix::url::Scheme::File => gix::protocol::transport::client::blocking_io::connect::connect(
            parsed,
            gix::protocol::transport::client::blocking_io::connect::Options::default(),
        )
        .map_err(|e| ConnectError::Local(e.to_string())),
        other => Err(ConnectError::Unsupported {
            url: url.to_owned(),
            scheme: format!("{other:?}"),
        }),
    }
}

/// What is left until `deadline`, at least a millisecond (a zero timeout means "none" to std).
fn remaining(deadline: Instant) -> Duration {
    deadline
        .saturating_duration_since(Instant::now())
        .max(Duration::from_millis(1))
}

/// A `git://` daemon, over a socket whose connect, reads and writes time out at the deadline.
fn daemon(url: &gix::Url, limits: &Limits) -> Result<Box<dyn Transport + Send>, ConnectError> {
    use std::net::{TcpStream, ToSocketAddrs};
    let deadline = limits.deadline;
    let host = url.host().ok_or(ConnectError::NoHost)?;
    let port = url.port.unwrap_or(9418);
    let address = (host, port)
        .to_socket_addrs()
        .map_err(|error| ConnectError::Resolve {
            host: host.to_owned(),
            error,
        })?
        .next()
        .ok_or_else(|| ConnectError::NoAddress(host.to_owned()))?;
    let stream = TcpStream::connect_timeout(&address, remaining(deadline)).map_err(|error| {
        ConnectError::Connect {
            host: host.to_owned(),
            port,
            error,
        }
    })?;
    let read = stream.try_clone().map_err(ConnectError::Socket)?;
    read.set_read_timeout(Some(remaining(deadline)))
        .map_err(ConnectError::Socket)?;
    stream
        .set_write_timeout(Some(remaining(deadline)))
        .map_err(ConnectError::Socket)?;
    Ok(Box::new(Connection::new(
        Bounded::new(read, limits),
        stream,
        Protocol::V2,
        url.path.clone(),
        Some((host.to_owned(), url.port)),
        ConnectMode::Daemon,
        false,
    )))
}

/// An ssh remote: `ssh` (or `$GIT_SSH`) in batch mode runs `git-upload-pack` there; the process
/// is killed when the listing ends, whether it finished or failed, and at the deadline by a
/// watchdog (a read from a silent ssh blocks: nothing else would end it).
fn ssh(url: &gix::Url, limits: &Limits) -> Result<Box<dyn Transport + Send>, ConnectError> {
    use std::process::{Command, Stdio};
    let deadline = limits.deadline;
    let host = url.host().ok_or(ConnectError::NoHost)?;
    if host.starts_with('-') || url.user().is_some_and(|u| u.starts_with('-')) {
        return Err(ConnectError::SshHost(host.to_owned()));
    }
    let destination = match url.user() {
        Some(user) => format!("{user}@{host}"),
        None => host.to_owned(),
    };
    let path = String::from_utf8_lossy(&url.path).into_owned();
    let program = std::env::var_os("GIT_SSH").unwrap_or_else(|| "ssh".into());
    let mut command = Command::new(program);
    command.args(["-o", "BatchMode=yes", "-o"]).arg(format!(
        "ConnectTimeout={}",
        remaining(deadline).as_secs().max(1)
    ));
    if let Some(port) = url.port {
        command.arg("-p").arg(port.to_string());
    }
    command
        .arg("--")
        .arg(destination)
        .arg(format!("git-upload-pack {}", shell_quote(&path)))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    // The child starts with no signal blocked, whatever this process blocks (the binary waits
    // for Ctrl-C on a thread of its own): std passes the mask on, and an ssh that ignored a
    // cancelled job's signals would outlive it.
    // SAFETY: sigemptyset and pthread_sigmask are async-signal-safe, as pre_exec requires.
    unsafe {
        std::os::unix::process::CommandExt::pre_exec(&mut command, || {
            let mut none: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut none);
            libc::pthread_sigmask(libc::SIG_SETMASK, &none, std::ptr::null_mut());
            Ok(())
        });
    }
    let mut child = command.spawn().map_err(ConnectError::SshSpawn)?;
    let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
        let _ = child.kill();
        let _ = child.wait();
        return Err(ConnectError::SshPipes);
    };
    let done = Arc::new(AtomicBool::new(false));
    let (finished, pid) = (done.clone(), child.id());
    children().push((pid, done.clone()));
    std::thread::spawn(move || {
        std::thread::sleep(remaining(deadline));
        // Not yet reaped (the reader sets `done` before it waits): the pid is still ssh's.
        if !finished.load(Ordering::SeqCst)
            && let Ok(pid) = libc::pid_t::try_from(pid)
        {
            // SAFETY: a signal to our own child, which has not been waited for.
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
    });
    Ok(Box::new(Connection::new(
        Bounded::new(
            KillOnDrop {
                child,
                stdout,
                done,
            },
            limits,
        ),
        stdin,
        Protocol::V1,
        url.path.clone(),
        None::<(String, Option<u16>)>,
        ConnectMode::Process,
        false,
    )))
}

/// `text` in single quotes for the remote shell.
fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}

/// A child's output; the child is killed and reaped when the reader goes.
struct KillOnDrop {
    child: std::process::Child,
    stdout: std::process::ChildStdout,
    /// Set before the child is reaped, so that the watchdog never signals a reused pid.
    done: Arc<AtomicBool>,
}

impl Read for KillOnDrop {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.stdout.read(buf)
    }
}

/// The ssh processes of listings still running, with the flag their reader sets once it reaps
/// them.
type Children = std::sync::Mutex<Vec<(u32, Arc<AtomicBool>)>>;

fn children() -> std::sync::MutexGuard<'static, Vec<(u32, Arc<AtomicBool>)>> {
    static CHILDREN: Children = std::sync::Mutex::new(Vec::new());
    CHILDREN.lock().unwrap_or_else(|p| p.into_inner())
}

/// Kills the ssh process of every listing still running: when a run's lookups end, a listing
/// left behind at its deadline must not outlive the run.
pub fn stop_listings() {
    for (pid, done) in children().drain(..) {
        if !done.load(Ordering::SeqCst)
            && let Ok(pid) = libc::pid_t::try_from(pid)
        {
            // SAFETY: a signal to our own child, which has not been reaped.
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
    }
}

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        self.done.store(true, Ordering::SeqCst);
        let pid = self.child.id();
        children().retain(|(p, _)| *p != pid);
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A reader that fails once its deadline passed, once it has given [`MAX_LISTING_BYTES`], or
/// once the run's listings together have read [`MAX_LISTINGS_BYTES`].
pub struct Bounded<R> {
    inner: R,
    deadline: Instant,
    left: u64,
    budget: Budget,
}

impl<R> Bounded<R> {
    fn new(inner: R, limits: &Limits) -> Bounded<R> {
        Bounded {
            inner,
            deadline: limits.deadline,
            left: MAX_LISTING_BYTES,
            budget: limits.budget.clone(),
        }
    }

    /// Counts `read` bytes against this listing and the run.
    fn charge(&mut self, read: usize) {
        let read = read as u64;
        self.left = self.left.saturating_sub(read);
        let _ = self
            .budget
            .0
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |v| {
                Some(v.saturating_sub(read))
            });
    }

    fn check(&self) -> std::io::Result<()> {
        if Instant::now() >= self.deadline {
            return Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "the remote did not finish listing its refs in time",
            ));
        }
        if self.left == 0 {
            return Err(std::io::Error::other(format!(
                "the remote's ref listing is larger than {} MiB",
                MAX_LISTING_BYTES >> 20
            )));
        }
        if self.budget.0.load(Ordering::Relaxed) == 0 {
            return Err(std::io::Error::other(format!(
                "the run's ref listings together are larger than {} MiB",
                MAX_LISTINGS_BYTES >> 20
            )));
        }
        Ok(())
    }
}

impl<R: Read> Read for Bounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.check()?;
        let most = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let read = self.inner.read(&mut buf[..most])?;
        self.charge(read);
        Ok(read)
    }
}

impl<R: BufRead> BufRead for Bounded<R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        self.check()?;
        let left = usize::try_from(self.left).unwrap_or(usize::MAX);
        let buffered = self.inner.fill_buf()?;
        Ok(&buffered[..buffered.len().min(left)])
    }

    fn consume(&mut self, amount: usize) {
        self.charge(amount);
        self.inner.consume(amount);
    }
}

/// gix's HTTP backend (reqwest) with every response's headers and body bounded.
struct BoundedHttp {
    inner: http::reqwest::Remote,
    limits: Limits,
}

type Inner = http::reqwest::Remote;

impl Http for BoundedHttp {
    type Headers = Bounded<<Inner as Http>::Headers>;
    type ResponseBody = Bounded<<Inner as Http>::ResponseBody>;
    type PostBody = <Inner as Http>::PostBody;

    fn get(
        &mut self,
        url: &str,
        base_url: &str,
        headers: impl IntoIterator<Item = impl AsRef<str>>,
    ) -> gix::Result<GetResponse<Self::Headers, Self::ResponseBody>> {
        let response = self.inner.get(url, base_url, headers)?;
        Ok(GetResponse {
            headers: Bounded::new(response.headers, &self.limits),
            body: Bounded::new(response.body, &self.limits),
        })
    }

    fn post(
        &mut self,
        url: &str,
        base_url: &str,
        headers: impl IntoIterator<Item = impl AsRef<str>>,
        body: PostBodyDataKind,
    ) -> gix::Result<PostResponse<Self::Headers, Self::ResponseBody, Self::PostBody>> {
        let response = self.inner.post(url, base_url, headers, body)?;
        Ok(PostResponse {
            post_body: response.post_body,
            headers: Bounded::new(response.headers, &self.limits),
            body: Bounded::new(response.body, &self.limits),
        })
    }

    fn configure(&mut self, config: &dyn std::any::Any) -> gix::Result {
        self.inner.configure(config)
    }

    fn redirected_base_url(&self) -> Option<String> {
        self.inner.redirected_base_url()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(seconds: u64) -> Limits {
        Limits {
            deadline: Instant::now() + Duration::from_secs(seconds),
            budget: Budget::default(),
        }
    }

    #[test]
    fn the_runs_listings_share_one_budget() {
        let shared = limits(60);
        let mut total = 0;
        for _ in 0..(MAX_LISTINGS_BYTES / MAX_LISTING_BYTES) + 1 {
            let mut one = Bounded::new(std::io::repeat(b'z'), &shared);
            let error = std::io::copy(&mut one, &mut std::io::sink()).unwrap_err();
            total += MAX_LISTING_BYTES - one.left;
            if error.to_string().contains("together") {
                break;
            }
        }
        assert_eq!(total, MAX_LISTINGS_BYTES);
    }

    #[test]
    fn reads_stop_at_the_byte_cap_and_the_deadline() {
        let endless = std::io::repeat(b'x');
        let mut capped = Bounded::new(endless, &limits(60));
        let mut sink = Vec::new();
        let error = std::io::copy(&mut capped, &mut sink).unwrap_err();
        assert_eq!(sink.len() as u64, MAX_LISTING_BYTES);
        assert!(error.to_string().contains("larger than 16 MiB"), "{error}");
        let mut late = Bounded::new(std::io::repeat(b'x'), &limits(0));
        let error = late.read(&mut [0; 8]).unwrap_err();
        assert_eq!(error.kind(), std::io::ErrorKind::TimedOut);
    }

    #[test]
    fn buffered_reads_are_capped_too() {
        let endless = std::io::BufReader::new(std::io::repeat(b'y'));
        let mut capped = Bounded::new(endless, &limits(60));
        let mut total = 0u64;
        while let Ok(chunk) = capped.fill_buf() {
            let n = chunk.len();
            total += n as u64;
            capped.consume(n);
        }
        assert_eq!(total, MAX_LISTING_BYTES);
    }

    #[test]
    fn paths_are_quoted_for_the_remote_shell() {
        assert_eq!(shell_quote("/srv/a b.git"), "'/srv/a b.git'");
        assert_eq!(shell_quote("it's"), "'it'\\''s'");
    }
}
