//! Hostile servers on 127.0.0.1: each accepts connections and then misbehaves in one way a
//! server a pull request names could (stay silent, trickle, stream without end). They speak just
//! enough HTTP or git protocol to get a client past connecting.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How a hostile server behaves once a client connects.
#[derive(Clone, Copy, Debug)]
pub enum Behaviour {
    /// Accepts, reads the request, never answers.
    Silent,
    /// Answers a git ref advertisement over HTTP one byte at a time, one byte every 400 ms.
    Trickle,
    /// Answers a git ref advertisement over HTTP that never ends, as fast as it can.
    EndlessRefs,
    /// Answers any HTTP request with `200` and a JSON body that never ends.
    EndlessBody,
}

/// One hostile server; it stops when dropped.
pub struct Hostile {
    port: u16,
    stop: Arc<AtomicBool>,
    accepted: Arc<Mutex<Vec<Instant>>>,
}

impl Hostile {
    /// Starts a server that behaves as `behaviour` on every connection.
    pub fn start(behaviour: Behaviour) -> Hostile {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let port = listener.local_addr().unwrap().port();
        listener.set_nonblocking(true).unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let accepted = Arc::new(Mutex::new(Vec::new()));
        let (stopping, log) = (stop.clone(), accepted.clone());
        std::thread::spawn(move || {
            while !stopping.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        log.lock().unwrap().push(Instant::now());
                        let stopping = stopping.clone();
                        std::thread::spawn(move || serve(stream, behaviour, &stopping));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(10)),
                }
            }
        });
        Hostile {
            port,
            stop,
            accepted,
        }
    }

    /// `127.0.0.1:PORT`.
    pub fn address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// When each connection was accepted.
    pub fn accepted(&self) -> Vec<Instant> {
        self.accepted.lock().unwrap().clone()
    }
}

impl Drop for Hostile {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

fn serve(mut stream: TcpStream, behaviour: Behaviour, stop: &AtomicBool) {
    stream.set_nonblocking(false).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    // The request (or its start): enough for the client to be waiting for an answer.
    let mut request = [0u8; 4096];
    let _ = stream.read(&mut request);
    let idle = |stop: &AtomicBool| {
        while !stop.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(50));
        }
    };
    match behaviour {
        Behaviour::Silent => idle(stop),
        Behaviour::Trickle => {
            let _ = stream.write_all(ADVERTISEMENT_HEADERS.as_bytes());
            for byte in refs().take(1_000_000) {
                if stop.load(Ordering::Relaxed) || stream.write_all(&[byte]).is_err() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(400));
            }
        }
        Behaviour::EndlessRefs => {
            let _ = stream.write_all(ADVERTISEMENT_HEADERS.as_bytes());
            let mut chunk = Vec::with_capacity(64 * 1024);
            let mut refs = refs();
            while !stop.load(Ordering::Relaxed) {
                chunk.clear();
                chunk.extend(refs.by_ref().take(64 * 1024));
                if stream.write_all(&chunk).is_err() {
                    return;
                }
            }
        }
        Behaviour::EndlessBody => {
            let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json; charset=utf-8\r\n\
                        x-ratelimit-remaining: 4999\r\nconnection: close\r\n\r\n{\"data\":\"";
            let _ = stream.write_all(head.as_bytes());
            let chunk = vec![b'x'; 64 * 1024];
            while !stop.load(Ordering::Relaxed) {
                if stream.write_all(&chunk).is_err() {
                    return;
                }
            }
        }
    }
}

const ADVERTISEMENT_HEADERS: &str = "HTTP/1.1 200 OK\r\n\
    content-type: application/x-git-upload-pack-advertisement\r\n\
    cache-control: no-cache\r\nconnection: close\r\n\r\n";

/// A smart-HTTP ref advertisement (protocol v0) that never ends: the service line, then one
/// branch after another.
fn refs() -> impl Iterator<Item = u8> {
    let first = pkt("# service=git-upload-pack\n") + "0000";
    let head = pkt(&format!(
        "{} HEAD\0multi_ack side-band-64k\n",
        "1".repeat(40)
    ));
    let branches =
        (0u64..).flat_map(|n| pkt(&format!("{:040x} refs/heads/b{n}\n", n)).into_bytes());
    first
        .into_bytes()
        .into_iter()
        .chain(head.into_bytes())
        .chain(branches)
}

fn pkt(line: &str) -> String {
    format!("{:04x}{line}", line.len() + 4)
}
