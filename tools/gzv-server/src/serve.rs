//! Connection handling and the request handler.

use crate::range::{RangeError, parse_range};
use crate::{Faults, InFlight, LogEntry, State};
use bytes::Bytes;
use http_body_util::{BodyExt, Empty, Full, StreamBody, combinators::BoxBody};
use hyper::body::{Frame, Incoming};
use hyper::header::{self, HeaderValue};
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use std::io;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncSeekExt};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

type Body = BoxBody<Bytes, io::Error>;
/// Bytes read from disk and sent per body frame.
const CHUNK_BYTES: u64 = 64 * 1024;

/// Accept connections until stopped: plain HTTP/1.1, or with `tls` HTTPS where the
/// client's ALPN picks HTTP/2 or HTTP/1.1.
pub(crate) async fn accept_loop(
    listener: TcpListener,
    state: Arc<State>,
    mut stopped: oneshot::Receiver<()>,
    tls: Option<Arc<rustls::ServerConfig>>,
) {
    let acceptor = tls.map(tokio_rustls::TlsAcceptor::from);
    loop {
        tokio::select! {
            _ = &mut stopped => break,
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                // as real servers do: without it, Nagle's algorithm and the client's delayed
                // ACK add ~40 ms to small responses and swamp any injected latency
                let _ = stream.set_nodelay(true);
                let state = state.clone();
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |req| handle(state.clone(), req));
                    match acceptor {
                        None => {
                            let _ = hyper::server::conn::http1::Builder::new()
                                .serve_connection(TokioIo::new(stream), service)
                                .await;
                        }
                        Some(acceptor) => {
                            let Ok(stream) = acceptor.accept(stream).await else { return };
                            let _ = hyper_util::server::conn::auto::Builder::new(
                                hyper_util::rt::TokioExecutor::new(),
                            )
                            .serve_connection(TokioIo::new(stream), service)
                            .await;
                        }
                    }
                });
            }
        }
    }
}

/// A TLS configuration with a certificate made now (tests trust it by ignoring
/// certificate errors), offering `h2` then `http/1.1`.
pub(crate) fn tls_config() -> io::Result<rustls::ServerConfig> {
    let bad = |e: String| io::Error::other(e);
    let made = rcgen::generate_simple_self_signed(vec!["127.0.0.1".into(), "localhost".into()])
        .map_err(|e| bad(e.to_string()))?;
    let cert = made.cert.der().clone();
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(rustls::pki_types::PrivatePkcs8KeyDer::from(
        made.key_pair.serialize_der(),
    ));
    let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| bad(e.to_string()))?
    .with_no_client_auth()
    .with_single_cert(vec![cert], key)
    .map_err(|e| bad(e.to_string()))?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

fn full(body: impl Into<Bytes>) -> Body {
    Full::new(body.into())
        .map_err(|never| match never {})
        .boxed()
}

fn empty() -> Body {
    Empty::new().map_err(|never| match never {}).boxed()
}

fn cors(resp: &mut Response<Body>, faults: &Faults, active: bool) {
    if active && faults.no_cors {
        return;
    }
    let h = resp.headers_mut();
    h.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    h.insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static("Content-Range, Content-Length, Accept-Ranges, ETag"),
    );
    // lets a cross-origin page's Resource Timing say which protocol answered
    h.insert(
        header::HeaderName::from_static("timing-allow-origin"),
        HeaderValue::from_static("*"),
    );
}

fn text(status: StatusCode, msg: &str) -> Response<Body> {
    let mut r = Response::new(full(msg.to_string()));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" => "text/javascript",
        "wasm" => "application/wasm",
        "css" => "text/css",
        "json" => "application/json",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "svg" => "image/svg+xml",
        _ => "application/octet-stream",
    }
}

/// Map a URL path to a file under `root`, refusing anything that climbs out of it.
fn resolve(root: &Path, url_path: &str) -> Option<PathBuf> {
    let rel = Path::new(url_path.trim_start_matches('/'));
    if rel.components().any(|c| !matches!(c, Component::Normal(_))) {
        return None;
    }
    let mut p = root.join(rel);
    if p.is_dir() {
        p = p.join("index.html");
    }
    p.is_file().then_some(p)
}

async fn handle(state: Arc<State>, req: Request<Incoming>) -> Result<Response<Body>, io::Error> {
    let path = req.uri().path().to_string();
    if let Some(control) = path.strip_prefix("/__gzv/") {
        return Ok(control_request(
            &state,
            control,
            req.uri().query().unwrap_or(""),
        ));
    }
    let header = |name: header::HeaderName| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let mut entry = LogEntry {
        version: format!("{:?}", req.version()),
        method: req.method().to_string(),
        path: path.clone(),
        range: header(header::RANGE),
        status: 0,
        bytes: 0,
        origin: header(header::ORIGIN),
        at_ms: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs_f64() * 1000.0)
            .unwrap_or(0.0),
    };
    let faults = state.faults();
    let active = faults.applies_to(&path);
    let in_flight = InFlight::new(state.clone());
    if active && faults.latency_ms > 0 {
        tokio::time::sleep(faults.latency()).await;
    }
    if active && faults.drop_connection > 0 {
        take_one(&state, |f| &mut f.drop_connection);
        state.record(entry);
        return Err(io::Error::new(
            io::ErrorKind::ConnectionAborted,
            "fault: drop connection",
        ));
    }
    if active && faults.fail_5xx > 0 {
        take_one(&state, |f| &mut f.fail_5xx);
        entry.status = 503;
        state.record(entry);
        let mut r = text(
            StatusCode::SERVICE_UNAVAILABLE,
            "fault: service unavailable",
        );
        cors(&mut r, &faults, active);
        return Ok(r);
    }
    let hf = state.hf();
    if let Some(file) = crate::hf::resolve_target(&path)
        && let Some(to) = crate::hf::location(&hf, &path, file)
    {
        // as huggingface.co: a redirect with CORS headers, to a signed URL elsewhere
        let mut r = Response::new(empty());
        *r.status_mut() = StatusCode::FOUND;
        if let Ok(v) = HeaderValue::from_str(&to) {
            r.headers_mut().insert(header::LOCATION, v);
        }
        entry.status = 302;
        state.record(entry);
        cors(&mut r, &faults, active);
        return Ok(r);
    }
    let query = req.uri().query().unwrap_or("");
    let is_read = matches!(*req.method(), Method::GET | Method::HEAD);
    if hf.signed
        && is_read
        && let Some(why) = crate::hf::refusal(&path, query)
    {
        entry.status = 403;
        state.record(entry);
        let mut r = text(StatusCode::FORBIDDEN, why);
        cors(&mut r, &faults, active);
        return Ok(r);
    }
    let mut resp = respond(&state, &req, &path, &faults, active, &mut entry, in_flight).await;
    cors(&mut resp, &faults, active);
    Ok(resp)
}

/// Count down a "next N requests" switch (u32::MAX means forever).
fn take_one(state: &State, field: impl Fn(&mut Faults) -> &mut u32) {
    if let Ok(mut f) = state.faults.lock() {
        let n = field(&mut f);
        if *n != u32::MAX && *n > 0 {
            *n -= 1;
        }
    }
}

async fn respond(
    state: &Arc<State>,
    req: &Request<Incoming>,
    path: &str,
    faults: &Faults,
    active: bool,
    entry: &mut LogEntry,
    in_flight: InFlight,
) -> Response<Body> {
    let finish = |entry: &mut LogEntry, r: Response<Body>| {
        entry.status = r.status().as_u16();
        state.record(entry.clone());
        r
    };
    if req.method() == Method::OPTIONS {
        let mut r = Response::new(empty());
        *r.status_mut() = StatusCode::NO_CONTENT;
        if !(active && faults.no_cors) {
            let h = r.headers_mut();
            h.insert(
                header::ACCESS_CONTROL_ALLOW_METHODS,
                HeaderValue::from_static("GET, HEAD, OPTIONS"),
            );
            h.insert(
                header::ACCESS_CONTROL_ALLOW_HEADERS,
                HeaderValue::from_static("Range, If-None-Match"),
            );
            h.insert(
                header::ACCESS_CONTROL_MAX_AGE,
                HeaderValue::from_static("600"),
            );
        }
        return finish(entry, r);
    }
    let head = req.method() == Method::HEAD;
    let stand_in = state
        .overrides
        .lock()
        .ok()
        .and_then(|o| o.get(path).cloned());
    if let Some((content_type, body)) = stand_in {
        // a stand-in answers ranges as a static host does; its version is its content
        let len = body.len() as u64;
        let etag = {
            use std::hash::{Hash, Hasher};
            let mut hasher = std::collections::hash_map::DefaultHasher::new();
            body.hash(&mut hasher);
            format!("\"{len:x}-{:x}\"", hasher.finish())
        };
        let range = match (&entry.range, active && faults.ignore_range) {
            (Some(h), false) => parse_range(h, len).ok(),
            _ => None,
        };
        let part = match &range {
            Some(rg) => body.slice(rg.start as usize..rg.end as usize),
            None => body,
        };
        entry.bytes = if head { 0 } else { part.len() as u64 };
        let part_len = part.len() as u64;
        let mut r = Response::new(if head { empty() } else { full(part) });
        let h = r.headers_mut();
        h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
        h.insert(header::CONTENT_LENGTH, HeaderValue::from(part_len));
        if let Ok(v) = HeaderValue::from_str(&etag) {
            h.insert(header::ETAG, v);
        }
        if let Ok(v) = HeaderValue::from_str(&content_type) {
            h.insert(header::CONTENT_TYPE, v);
        }
        if let Some(rg) = range {
            *r.status_mut() = StatusCode::PARTIAL_CONTENT;
            if let Ok(v) =
                HeaderValue::from_str(&format!("bytes {}-{}/{len}", rg.start, rg.end - 1))
            {
                r.headers_mut().insert(header::CONTENT_RANGE, v);
            }
        }
        return finish(entry, r);
    }
    if !head && req.method() != Method::GET {
        return finish(
            entry,
            text(StatusCode::METHOD_NOT_ALLOWED, "only GET and HEAD"),
        );
    }
    if head && active && faults.refuse_head {
        return finish(
            entry,
            text(
                StatusCode::FORBIDDEN,
                "fault: HEAD is not allowed on this URL",
            ),
        );
    }
    let Some(file) = resolve(&state.root, path) else {
        return finish(entry, text(StatusCode::NOT_FOUND, "not found"));
    };
    let (len, etag) = match tokio::fs::metadata(&file).await {
        Ok(m) => (m.len(), etag_of(&m)),
        Err(_) => return finish(entry, text(StatusCode::NOT_FOUND, "not found")),
    };
    let range = match (&entry.range, active && faults.ignore_range) {
        (Some(h), false) => match parse_range(h, len) {
            Ok(r) => Some(r),
            Err(RangeError::Malformed) => None,
            Err(_) => {
                let mut r = text(StatusCode::RANGE_NOT_SATISFIABLE, "range not satisfiable");
                if let Ok(v) = HeaderValue::from_str(&format!("bytes */{len}")) {
                    r.headers_mut().insert(header::CONTENT_RANGE, v);
                }
                return finish(entry, r);
            }
        },
        _ => None,
    };
    let (start, end) = range.map(|r| (r.start, r.end)).unwrap_or((0, len));
    let planned = end - start;
    let sent = if active && faults.truncate {
        planned / 2
    } else {
        planned
    };
    // recorded now, its bytes counted as the body streams (so aborted downloads show what
    // really went out)
    entry.status = if range.is_some() { 206 } else { 200 };
    let at = state.record_streaming(entry.clone());
    let body = if head || sent == 0 {
        empty()
    } else {
        file_body(
            file.clone(),
            start,
            sent,
            faults.bandwidth_bps * u64::from(active),
            faults.link_bps * u64::from(active),
            state.clone(),
            at,
            in_flight,
        )
    };
    let mut r = Response::new(body);
    let h = r.headers_mut();
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(content_type(&file)),
    );
    if sent == planned {
        h.insert(header::CONTENT_LENGTH, HeaderValue::from(planned));
    }
    if let Some(rg) = range {
        *r.status_mut() = StatusCode::PARTIAL_CONTENT;
        if let Ok(v) = HeaderValue::from_str(&format!("bytes {}-{}/{len}", rg.start, rg.end - 1)) {
            r.headers_mut().insert(header::CONTENT_RANGE, v);
        }
    }
    r
}

/// Stream `count` bytes of `file` from `start`, at most `bps` bytes per second (0: no cap)
/// and through a link of `link_bps` shared with every other answer (0: no link cap),
/// adding what is sent to log entry `index` (of log generation `generation`).
#[allow(
    clippy::too_many_arguments,
    reason = "one body's file, span, two speed limits and its log bookkeeping"
)]
fn file_body(
    file: PathBuf,
    start: u64,
    count: u64,
    bps: u64,
    link_bps: u64,
    state: Arc<State>,
    (generation, index): (u64, usize),
    in_flight: InFlight,
) -> Body {
    struct S {
        file: Option<tokio::fs::File>,
        path: PathBuf,
        pos: u64,
        left: u64,
        // the request counts as in flight until its body is sent or dropped
        _in_flight: InFlight,
    }
    let init = S {
        file: None,
        path: file,
        pos: start,
        left: count,
        _in_flight: in_flight,
    };
    let stream = futures_util::stream::unfold(init, move |mut s| {
        let state = state.clone();
        async move {
            if s.left == 0 {
                return None;
            }
            if s.file.is_none() {
                let opened = async {
                    let mut f = tokio::fs::File::open(&s.path).await?;
                    f.seek(io::SeekFrom::Start(s.pos)).await?;
                    Ok::<_, io::Error>(f)
                };
                match opened.await {
                    Ok(f) => s.file = Some(f),
                    Err(e) => return Some((Err(e), S { left: 0, ..s })),
                }
            }
            let n = s.left.min(CHUNK_BYTES) as usize;
            let mut buf = vec![0u8; n];
            let read = match s.file.as_mut() {
                Some(f) => f.read_exact(&mut buf).await,
                None => return None,
            };
            if let Err(e) = read {
                return Some((Err(e), S { left: 0, ..s }));
            }
            if bps > 0 {
                tokio::time::sleep(Duration::from_secs_f64(n as f64 / bps as f64)).await;
            }
            if link_bps > 0 {
                // the chunk goes out when the link is free, then holds it for its length
                let until = state.link_free.lock().ok().map(|mut free| {
                    let now = tokio::time::Instant::now();
                    let start = free.map_or(now, |f| f.max(now));
                    let end = start + Duration::from_secs_f64(n as f64 / link_bps as f64);
                    *free = Some(end);
                    end
                });
                if let Some(until) = until {
                    tokio::time::sleep_until(until).await;
                }
            }
            if let Ok(mut log) = state.log.lock()
                && state
                    .log_generation
                    .load(std::sync::atomic::Ordering::SeqCst)
                    == generation
                && let Some(e) = log.get_mut(index)
            {
                e.bytes += n as u64;
            }
            s.pos += n as u64;
            s.left -= n as u64;
            Some((Ok(Frame::data(Bytes::from(buf))), s))
        }
    });
    BodyExt::boxed(StreamBody::new(stream))
}

fn control_request(state: &State, what: &str, query: &str) -> Response<Body> {
    let mut r = match what {
        "log" => {
            let log = state.log.lock().map(|mut l| {
                let copy = l.clone();
                if query.contains("clear=1") {
                    l.clear();
                }
                copy
            });
            if query.contains("clear=1")
                && let Ok(mut g) = state.in_flight.lock()
            {
                g.1 = g.0;
            }
            let json =
                serde_json::to_string(&log.unwrap_or_default()).unwrap_or_else(|_| "[]".into());
            Response::new(full(json))
        }
        "stats" => {
            let (now, max) = state.in_flight.lock().map(|g| *g).unwrap_or((0, 0));
            if query.contains("clear=1")
                && let Ok(mut g) = state.in_flight.lock()
            {
                g.1 = g.0;
            }
            // this control request itself is not counted
            Response::new(full(format!(
                r#"{{"in_flight": {}, "max_in_flight": {}}}"#,
                now, max
            )))
        }
        "hf" => match crate::HfMode::from_query(query) {
            Ok(m) => {
                let json = serde_json::to_string(&m).unwrap_or_default();
                if let Ok(mut cur) = state.hf.lock() {
                    *cur = m;
                }
                Response::new(full(json))
            }
            Err(e) => text(StatusCode::BAD_REQUEST, &e),
        },
        "faults" => match Faults::from_query(query) {
            Ok(f) => {
                let json = serde_json::to_string(&f).unwrap_or_default();
                if let Ok(mut cur) = state.faults.lock() {
                    *cur = f;
                }
                Response::new(full(json))
            }
            Err(e) => text(StatusCode::BAD_REQUEST, &e),
        },
        _ => text(StatusCode::NOT_FOUND, "unknown control request"),
    };
    let h = r.headers_mut();
    h.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// A file's `ETag`: its length and modification time (a rewritten file has another).
fn etag_of(m: &std::fs::Metadata) -> String {
    let nanos = m
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos());
    format!("\"{:x}-{nanos:x}\"", m.len())
}
