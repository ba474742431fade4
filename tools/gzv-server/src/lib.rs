//! A static file server for tests and benchmarks, bound to 127.0.0.1 only.
//!
//! It answers single and suffix byte ranges with 206 and a correct `Content-Range`, sends
//! CORS headers that expose `Content-Range`, keeps a request log tests can read, and has
//! switches that inject the faults real static hosts show: latency, a bandwidth cap, 5xx
//! answers, truncated bodies, dropped connections, refused HEAD, ignored `Range`, no CORS.
//!
//! In-process use: [`Server::start`], then [`Server::set_faults`] and [`Server::log`].
//! Out-of-process use (browser tests): `GET /__gzv/log[?clear=1]` returns the log as JSON,
//! `GET /__gzv/faults?latency_ms=50&fail_5xx=2...` replaces the fault switches, and
//! `GET /__gzv/stats` returns `{"in_flight": n, "max_in_flight": m}` (reset by `clear=1`),
//! `GET /__gzv/hf?cdn=…&ttl_ms=…&signed=1` makes it a HuggingFace-like host or CDN ([`HfMode`]).

mod faults;
mod hf;
mod range;
mod serve;

pub use faults::Faults;
pub use hf::{HfMode, resolve_target};
pub use range::{ByteRange, RangeError, parse_range};

use serde::Serialize;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// One request as the server saw it.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct LogEntry {
    /// The HTTP version (`HTTP/1.1`, `HTTP/2.0`).
    pub version: String,
    pub method: String,
    pub path: String,
    /// The `Range` header as sent, if any.
    pub range: Option<String>,
    pub status: u16,
    /// Body bytes the server sent (after any truncation).
    pub bytes: u64,
    /// The `Origin` header, to tell cross-origin requests apart.
    pub origin: Option<String>,
    /// When the request arrived, in milliseconds since the Unix epoch (comparable with a
    /// browser's `performance.timeOrigin + mark.startTime` on the same machine).
    pub at_ms: f64,
}

/// Shared state of a running server.
pub(crate) struct State {
    pub root: PathBuf,
    pub faults: Mutex<Faults>,
    pub log: Mutex<Vec<LogEntry>>,
    /// Requests being answered now (until their body is sent or dropped), and the most
    /// ever at once since the last reset: how tests check a client's concurrency bound.
    pub in_flight: Mutex<(u64, u64)>,
    /// In-memory files served before the disk (stand-ins for other services in tests).
    pub overrides: Mutex<std::collections::HashMap<String, (String, bytes::Bytes)>>,
    /// When the shared link (`Faults::link_bps`) is next free to send.
    pub link_free: Mutex<Option<tokio::time::Instant>>,
    /// Whether this server plays HuggingFace's host or its CDN.
    pub hf: Mutex<HfMode>,
    /// Bumped by each `clear_log`: a body still streaming from before adds its bytes to
    /// nothing rather than to an entry of the new log.
    pub log_generation: std::sync::atomic::AtomicU64,
}

/// Counts a request in flight until dropped.
pub(crate) struct InFlight(pub std::sync::Arc<State>);

impl InFlight {
    pub(crate) fn new(state: std::sync::Arc<State>) -> Self {
        if let Ok(mut g) = state.in_flight.lock() {
            g.0 += 1;
            g.1 = g.1.max(g.0);
        }
        InFlight(state)
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        if let Ok(mut g) = self.0.in_flight.lock() {
            g.0 = g.0.saturating_sub(1);
        }
    }
}

impl State {
    pub(crate) fn faults(&self) -> Faults {
        self.faults.lock().map(|f| f.clone()).unwrap_or_default()
    }
    pub(crate) fn hf(&self) -> HfMode {
        self.hf.lock().map(|m| m.clone()).unwrap_or_default()
    }
    pub(crate) fn record(&self, entry: LogEntry) {
        if let Ok(mut log) = self.log.lock() {
            log.push(entry);
        }
    }

    /// Record an answer whose body is still to stream: its log generation and index,
    /// taken under the log's lock (another answer recorded meanwhile cannot take them).
    pub(crate) fn record_streaming(&self, entry: LogEntry) -> (u64, usize) {
        match self.log.lock() {
            Ok(mut log) => {
                log.push(entry);
                (
                    self.log_generation
                        .load(std::sync::atomic::Ordering::SeqCst),
                    log.len() - 1,
                )
            }
            Err(_) => (u64::MAX, usize::MAX),
        }
    }
}

/// A running server; dropped or [`Server::stop`]ped, it stops accepting connections.
pub struct Server {
    addr: SocketAddr,
    scheme: &'static str,
    state: Arc<State>,
    stop: Option<oneshot::Sender<()>>,
}

impl Server {
    /// Serve `root` on 127.0.0.1:`port` (0 picks a free port). Needs a tokio runtime.
    pub async fn start(root: impl Into<PathBuf>, port: u16) -> std::io::Result<Server> {
        Server::start_with(root.into(), port, None).await
    }

    /// Serve `root` over HTTPS (HTTP/2, or HTTP/1.1 for clients that ask for it) with a
    /// self-signed certificate made now: browsers must be told to accept it (Chromium:
    /// `--ignore-certificate-errors`, tests only).
    pub async fn start_tls(root: impl Into<PathBuf>, port: u16) -> std::io::Result<Server> {
        let tls = Arc::new(serve::tls_config()?);
        Server::start_with(root.into(), port, Some(tls)).await
    }

    async fn start_with(
        root: PathBuf,
        port: u16,
        tls: Option<Arc<rustls::ServerConfig>>,
    ) -> std::io::Result<Server> {
        let listener = TcpListener::bind(("127.0.0.1", port)).await?;
        let addr = listener.local_addr()?;
        let state = Arc::new(State {
            root,
            faults: Mutex::default(),
            log: Mutex::default(),
            in_flight: Mutex::default(),
            overrides: Mutex::default(),
            link_free: Mutex::default(),
            hf: Mutex::default(),
            log_generation: Default::default(),
        });
        let (stop, stopped) = oneshot::channel();
        let scheme = if tls.is_some() { "https" } else { "http" };
        tokio::spawn(serve::accept_loop(listener, state.clone(), stopped, tls));
        Ok(Server {
            addr,
            scheme,
            state,
            stop: Some(stop),
        })
    }

    /// Base URL, e.g. `http://127.0.0.1:41234`.
    pub fn url(&self) -> String {
        format!("{}://{}", self.scheme, self.addr)
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Serve `body` (with `content_type`) at `path`, whatever the query string, ahead of
    /// the files on disk: a stand-in for another service in tests.
    pub fn put(&self, path: &str, content_type: &str, body: impl Into<bytes::Bytes>) {
        if let Ok(mut o) = self.state.overrides.lock() {
            o.insert(path.to_string(), (content_type.to_string(), body.into()));
        }
    }

    /// Stop serving what [`Server::put`] put at `path` (the file on disk, if any, again).
    pub fn unput(&self, path: &str) {
        if let Ok(mut o) = self.state.overrides.lock() {
            o.remove(path);
        }
    }

    /// Replace the fault switches.
    pub fn set_faults(&self, faults: Faults) {
        if let Ok(mut f) = self.state.faults.lock() {
            *f = faults;
        }
    }

    /// Play HuggingFace's host (redirect resolve URLs to a CDN) or its CDN (signed URLs
    /// only): see [`HfMode`].
    pub fn set_hf(&self, mode: HfMode) {
        if let Ok(mut m) = self.state.hf.lock() {
            *m = mode;
        }
    }

    /// A copy of the request log (control requests under `/__gzv/` are not logged).
    pub fn log(&self) -> Vec<LogEntry> {
        self.state.log.lock().map(|l| l.clone()).unwrap_or_default()
    }

    /// Empty the request log and reset the in-flight maximum.
    pub fn clear_log(&self) {
        if let Ok(mut l) = self.state.log.lock() {
            l.clear();
            self.state
                .log_generation
                .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
        if let Ok(mut g) = self.state.in_flight.lock() {
            g.1 = g.0;
        }
    }

    /// The most requests this server has been answering at once since the last clear.
    pub fn max_in_flight(&self) -> u64 {
        self.state.in_flight.lock().map(|g| g.1).unwrap_or(0)
    }

    /// The requests this server is answering now.
    pub fn in_flight(&self) -> u64 {
        self.state.in_flight.lock().map(|g| g.0).unwrap_or(0)
    }

    /// Stop accepting connections.
    pub fn stop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}
