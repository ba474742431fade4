//! [`ByteSource`] over the browser's `fetch` with `Range` headers.
//!
//! - `cache: 'no-store'`: Chromium's HTTP cache lets one request per URL proceed at a
//!   time, which silently serialises parallel range reads; bytes are cached by the app.
//! - Cross-origin, only `bytes=N-M` ranges are sent (CORS-safelisted, no preflight); a
//!   suffix range `bytes=-N` is used same-origin, where it reads the footer and learns the
//!   length in one request.
//! - A `200` answer to a range request means the host ignores `Range`: small files are
//!   used whole, anything larger is aborted at once with a message saying so.
//! - Dropping a read's future aborts its request.
//!
//! Browser-only: on other targets this crate is empty.

#![cfg(target_arch = "wasm32")]

use bytes::Bytes;
use gzv_io::{ByteSource, IoError, LocalBoxFuture, WebUrl, format_bytes};
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::ops::Range;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, Headers, RequestCache, RequestInit, Response};

/// Attempts per read: 5xx, 429, network errors and truncated bodies are retried.
pub const MAX_ATTEMPTS: u32 = 3;
/// First retry delay; each further retry waits 4x longer (250 ms, 1 s).
pub const RETRY_BASE_MS: i32 = 250;

/// Whether trying again may help.
pub fn retryable(e: &IoError) -> bool {
    match e {
        IoError::Network { .. } | IoError::Truncated { .. } => true,
        IoError::Status { status, .. } => *status >= 500 || *status == 429,
        _ => false,
    }
}

/// Run `attempt` until it succeeds, fails for good, or [`MAX_ATTEMPTS`] are used, waiting
/// 250 ms, then 1 s between attempts.
async fn with_retries<T, F: std::future::Future<Output = Result<T, IoError>>>(
    mut attempt: impl FnMut() -> F,
) -> Result<T, IoError> {
    let mut n = 1;
    loop {
        match attempt().await {
            Err(e) if retryable(&e) && n < MAX_ATTEMPTS => {
                sleep_ms(RETRY_BASE_MS * 4i32.pow(n - 1)).await;
                n += 1;
            }
            result => return result,
        }
    }
}

/// A file no larger than this may be used whole when its host ignores `Range`.
pub const WHOLE_FILE_FALLBACK_BYTES: u64 = 4 << 20;

pub use gzv_io::NetCounters;

/// Shared, cheaply cloned handle to [`NetCounters`].
#[derive(Clone, Default)]
pub struct NetStats(Rc<Cell<NetCounters>>);

impl NetStats {
    pub fn get(&self) -> NetCounters {
        self.0.get()
    }
    fn update(&self, f: impl FnOnce(&mut NetCounters)) {
        let mut c = self.0.get();
        f(&mut c);
        self.0.set(c);
    }
}

/// A request under way: counted in flight until dropped, and aborted when dropped before
/// its body was read (cancelled reads stop downloading, whatever await they were at).
struct InFlight {
    controller: Option<AbortController>,
    stats: NetStats,
}

impl InFlight {
    fn start(controller: AbortController, stats: &NetStats) -> Self {
        stats.update(|c| {
            c.requests += 1;
            c.in_flight += 1;
        });
        InFlight {
            controller: Some(controller),
            stats: stats.clone(),
        }
    }

    /// The body has been read whole: nothing left to abort.
    fn finished(mut self, bytes: u64) {
        self.controller = None;
        self.stats.update(|c| c.bytes += bytes);
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.stats
            .update(|c| c.in_flight = c.in_flight.saturating_sub(1));
        if let Some(c) = self.controller.take() {
            c.abort();
        }
    }
}

/// `fetch` of the global scope: a page's window or a worker's global.
fn global_fetch(url: &str, init: &RequestInit) -> Result<js_sys::Promise, wasm_bindgen::JsValue> {
    let global = js_sys::global();
    // which kind of global this is, learnt once: in a worker, `instanceof Window` throws
    // (no such name there), and thousands of reads paid for that exception each
    let kind = GLOBAL_KIND.with(|k| {
        *k.get_or_init(|| {
            if global.dyn_ref::<web_sys::WorkerGlobalScope>().is_some() {
                GlobalKind::Worker
            } else if global.dyn_ref::<web_sys::Window>().is_some() {
                GlobalKind::Window
            } else {
                GlobalKind::Neither
            }
        })
    });
    match kind {
        GlobalKind::Window => Ok(global
            .unchecked_ref::<web_sys::Window>()
            .fetch_with_str_and_init(url, init)),
        GlobalKind::Worker => Ok(global
            .unchecked_ref::<web_sys::WorkerGlobalScope>()
            .fetch_with_str_and_init(url, init)),
        GlobalKind::Neither => Err("no fetch in this global scope".into()),
    }
}

/// The kind of global scope this code runs in.
#[derive(Clone, Copy)]
enum GlobalKind {
    Window,
    Worker,
    Neither,
}

thread_local! {
    static GLOBAL_KIND: std::cell::OnceCell<GlobalKind> = const { std::cell::OnceCell::new() };
    /// Each URL's origin, as the browser's URL parser says it (asked once per URL: a
    /// file's reads all share one).
    static ORIGINS: RefCell<HashMap<String, Option<String>>> = RefCell::new(HashMap::new());
}

/// The origin of the page (or worker) this code runs in.
fn page_origin() -> Option<String> {
    let location = js_sys::Reflect::get(&js_sys::global(), &"location".into()).ok()?;
    js_sys::Reflect::get(&location, &"origin".into())
        .ok()?
        .as_string()
}

thread_local! {
    /// Where a file's URL led (a redirect to a CDN, e.g. HuggingFace's `/resolve/` URLs
    /// to a signed URL): later reads go there directly, saving the redirect's round trip.
    static RESOLVED: RefCell<HashMap<String, String>> = RefCell::new(HashMap::new());
}

/// Remember that `url` redirected to `resolved` (the early requests of the worker's
/// bootstrap say so too).
pub fn remember_resolved(url: &str, resolved: &str) {
    if !resolved.is_empty() && resolved != url {
        RESOLVED.with(|r| r.borrow_mut().insert(url.to_string(), resolved.to_string()));
    }
}

/// Where `url` led last time, if it redirected.
pub fn resolved(url: &str) -> Option<String> {
    RESOLVED.with(|r| r.borrow().get(url).filter(|to| !to.is_empty()).cloned())
}

/// Whether a redirect led from an https address to a plain http one.
pub fn downgraded(from: &str, to: &str) -> bool {
    from.starts_with("https:") && to.starts_with("http:")
}

fn host_of(url: &str) -> String {
    web_sys::Url::new(url).map(|u| u.host()).unwrap_or_default()
}

/// Forget where `url` led (its address expired), remembering that it redirects.
fn forget_resolved(url: &str) {
    RESOLVED.with(|r| {
        if let Some(to) = r.borrow_mut().get_mut(url) {
            to.clear();
        }
    });
}

/// Whether `url` has redirected before (its address may have been forgotten since).
fn redirects(url: &str) -> bool {
    RESOLVED.with(|r| r.borrow().contains_key(url))
}

thread_local! {
    /// Files whose URL one read is resolving again (its address expired), with the reads
    /// waiting for it: one redirect per file per expiry, not one per read.
    static RESOLVING: RefCell<HashMap<String, Vec<futures_channel::oneshot::Sender<()>>>> =
        RefCell::new(HashMap::new());
}

/// The read resolving a file's URL again; when it is done (or dropped), the reads
/// waiting for it go on.
struct Resolving(String);

impl Resolving {
    fn lead(url: &str) -> Resolving {
        RESOLVING.with(|r| r.borrow_mut().insert(url.to_string(), Vec::new()));
        Resolving(url.to_string())
    }

    /// Whether a read is resolving `url` again.
    fn active(url: &str) -> bool {
        RESOLVING.with(|r| r.borrow().contains_key(url))
    }

    /// Wait for the read resolving `url`, if there is one.
    fn join(url: &str) -> Option<futures_channel::oneshot::Receiver<()>> {
        RESOLVING.with(|r| {
            let mut r = r.borrow_mut();
            let waiting = r.get_mut(url)?;
            let (tx, rx) = futures_channel::oneshot::channel();
            waiting.push(tx);
            Some(rx)
        })
    }
}

impl Drop for Resolving {
    fn drop(&mut self) {
        // dropping the senders wakes every waiting read
        RESOLVING.with(|r| r.borrow_mut().remove(&self.0));
    }
}

/// What is known of an origin's protocol: decided, or how many answers said nothing.
#[derive(Clone, Copy)]
enum Protocol {
    Multiplexed,
    Single,
    Unknown(u8),
}

/// Answers looked at per origin before giving up (an answer says nothing cross-origin
/// without `Timing-Allow-Origin`).
const PROTOCOL_LOOKS: u8 = 8;

thread_local! {
    static PROTOCOLS: RefCell<HashMap<String, Protocol>> = RefCell::new(HashMap::new());
}

fn origin_of(url: &str) -> Option<String> {
    if let Some(known) = ORIGINS.with(|o| o.borrow().get(url).cloned()) {
        return known;
    }
    let origin = web_sys::Url::new(url).ok().map(|u| u.origin());
    ORIGINS.with(|o| {
        let mut o = o.borrow_mut();
        if o.len() >= 4096 {
            o.clear();
        }
        o.insert(url.to_string(), origin.clone());
    });
    origin
}

/// After an answer from `url`: what Resource Timing says of its protocol
/// (`nextHopProtocol`), until the origin's protocol is known.
fn learn_protocol(url: &str) {
    let Some(origin) = origin_of(url) else { return };
    let seen = PROTOCOLS.with(|p| p.borrow().get(&origin).copied());
    let looks = match seen {
        Some(Protocol::Multiplexed | Protocol::Single) => return,
        Some(Protocol::Unknown(n)) if n >= PROTOCOL_LOOKS => return,
        Some(Protocol::Unknown(n)) => n,
        None => 0,
    };
    // no entry yet (a redirected answer is recorded under the URL first asked for, and
    // a full timing buffer records nothing): not a look, the next answer may tell
    let Some(said) = performance()
        .map(|p| p.get_entries_by_name_with_entry_type(url, "resource"))
        .and_then(|list| list.iter().last())
        .and_then(|e| js_sys::Reflect::get(&e, &"nextHopProtocol".into()).ok())
        .and_then(|v| v.as_string())
    else {
        return;
    };
    let now = match said.as_str() {
        "h2" | "h3" | "h2c" => Protocol::Multiplexed,
        "" => Protocol::Unknown(looks + 1),
        _ => Protocol::Single,
    };
    PROTOCOLS.with(|p| p.borrow_mut().insert(origin, now));
}

fn performance() -> Option<web_sys::Performance> {
    js_sys::Reflect::get(&js_sys::global(), &"performance".into())
        .ok()?
        .dyn_into()
        .ok()
}

/// Whether `url`'s origin is known to answer over HTTP/2 or HTTP/3.
pub fn multiplexed(url: &str) -> bool {
    origin_of(url).is_some_and(|o| {
        PROTOCOLS.with(|p| matches!(p.borrow().get(&o), Some(Protocol::Multiplexed)))
    })
}

/// A remote file read with range requests.
pub struct HttpSource {
    url: String,
    len: Cell<Option<u64>>,
    same_origin: bool,
    stats: NetStats,
    /// The file's `ETag` (else `Last-Modified`) from the latest answer.
    validator: std::cell::RefCell<Option<String>>,
}

fn status_hint(status: u16) -> &'static str {
    match status {
        401 | 403 => "access denied: the file may be private or gated, or a signed URL has expired",
        404 | 410 => "not found: check the URL",
        416 => "range not satisfiable: the file may have changed size",
        429 => "rate limited: wait a moment and reload",
        500..=599 => "server error: try again later",
        _ => "unexpected answer",
    }
}

/// Parse `bytes START-END/TOTAL` (TOTAL may be `*`).
pub fn parse_content_range(v: &str) -> Option<(u64, u64, Option<u64>)> {
    let rest = v.trim().strip_prefix("bytes ")?;
    let (span, total) = rest.split_once('/')?;
    let (a, b) = span.split_once('-')?;
    let total = if total.trim() == "*" {
        None
    } else {
        Some(total.trim().parse().ok()?)
    };
    Some((a.trim().parse().ok()?, b.trim().parse().ok()?, total))
}

impl HttpSource {
    /// A source for `url` (absolute), with its size if a manifest or listing gave it.
    /// Only a [`WebUrl`] (an `http:` or `https:` address that passed the gate) can be a
    /// fetch target.
    pub fn new(url: &WebUrl, len: Option<u64>, stats: NetStats) -> Self {
        let url = url.as_str().to_string();
        let same_origin = page_origin()
            .zip(web_sys::Url::new(&url).ok().map(|u| u.origin()))
            .is_some_and(|(page, file)| page == file);
        HttpSource {
            url,
            len: Cell::new(len),
            same_origin,
            stats,
            validator: Default::default(),
        }
    }

    fn network_error(&self, e: wasm_bindgen::JsValue) -> IoError {
        let detail = e
            .dyn_ref::<js_sys::Error>()
            .map(|e| String::from(e.message()))
            .or_else(|| e.as_string())
            .unwrap_or_else(|| "network error".into());
        if detail.contains("abort") {
            return IoError::Aborted {
                url: self.url.clone(),
            };
        }
        IoError::Network {
            url: self.url.clone(),
            detail,
        }
    }

    /// Send a GET with `Range: {range}`; the guard aborts it if the caller goes away.
    /// A file whose URL redirected before is read where it led; when that address has
    /// expired (`401`/`403`, or it no longer answers), the file's own URL is asked again.
    async fn get(&self, range: &str) -> Result<(Response, InFlight), IoError> {
        // at most a few turns: the address a redirect gave, then (expired) the file's own URL
        for turn in 0..4 {
            let Some(to) = resolved(&self.url) else {
                // a read is resolving the file's URL again: its answer will do
                if turn < 3
                    && let Some(wait) = Resolving::join(&self.url)
                {
                    let _ = wait.await;
                    continue;
                }
                // never redirected, or its address expired and nobody is asking again
                // (the read that was has been cancelled, or failed): this one does, and
                // the reads that find it expired meanwhile wait for this one
                let _leader = (redirects(&self.url) && !Resolving::active(&self.url))
                    .then(|| Resolving::lead(&self.url));
                return self.get_original(range).await;
            };
            match self.get_at(&to, range).await {
                Ok((resp, _)) if matches!(resp.status(), 401 | 403) => {}
                Err(IoError::Network { .. }) => {}
                done => return done,
            }
            // expired: one read asks the file's URL again; reads that find the same
            // address expired meanwhile wait for it and use the new one
            if Resolving::active(&self.url) {
                continue;
            }
            if resolved(&self.url).is_some_and(|now| now != to) {
                continue; // another read has resolved it again already
            }
            forget_resolved(&self.url);
            let _leader = Resolving::lead(&self.url);
            return self.get_original(range).await;
        }
        self.get_original(range).await
    }

    /// A GET of the file's own URL, remembering where it led.
    async fn get_original(&self, range: &str) -> Result<(Response, InFlight), IoError> {
        let got = self.get_at(&self.url, range).await;
        match &got {
            Ok((resp, _)) if resp.redirected() && downgraded(&self.url, &resp.url()) => {
                return Err(IoError::Downgrade {
                    url: self.url.clone(),
                    host: host_of(&self.url),
                    to: host_of(&resp.url()),
                });
            }
            Ok((resp, _)) if resp.redirected() => remember_resolved(&self.url, &resp.url()),
            Err(IoError::Network { .. }) => {
                if let Some(e) = self.refused_redirect(range).await {
                    return Err(e);
                }
            }
            _ => {}
        }
        got
    }

    async fn get_at(&self, url: &str, range: &str) -> Result<(Response, InFlight), IoError> {
        let js = |e| self.network_error(e);
        let controller = AbortController::new().map_err(js)?;
        let headers = Headers::new().map_err(js)?;
        headers.set("Range", range).map_err(js)?;
        let init = RequestInit::new();
        init.set_method("GET");
        init.set_headers(&headers);
        init.set_cache(RequestCache::NoStore);
        init.set_signal(Some(&controller.signal()));
        let promise = global_fetch(url, &init).map_err(js)?;
        let guard = InFlight::start(controller, &self.stats);
        let resp = JsFuture::from(promise).await.map_err(js)?;
        let resp: Response = resp.dyn_into().map_err(js)?;
        Ok((resp, guard))
    }

    /// After a network error: whether the file's host answered with a redirect the
    /// browser refused to follow (asked once more without following it).
    async fn refused_redirect(&self, range: &str) -> Option<IoError> {
        let headers = Headers::new().ok()?;
        headers.set("Range", range).ok()?;
        let init = RequestInit::new();
        init.set_headers(&headers);
        init.set_cache(RequestCache::NoStore);
        init.set_redirect(web_sys::RequestRedirect::Manual);
        let resp = JsFuture::from(global_fetch(&self.url, &init).ok()?)
            .await
            .ok()?;
        let resp: Response = resp.dyn_into().ok()?;
        (resp.type_() == web_sys::ResponseType::Opaqueredirect).then(|| IoError::Redirect {
            url: self.url.clone(),
            host: host_of(&self.url),
        })
    }

    async fn body(&self, resp: &Response, guard: InFlight) -> Result<Bytes, IoError> {
        let js = |e| self.network_error(e);
        let buf = JsFuture::from(resp.array_buffer().map_err(js)?)
            .await
            .map_err(js)?;
        let bytes = js_sys::Uint8Array::new(&buf).to_vec();
        guard.finished(bytes.len() as u64);
        learn_protocol(&resp.url());
        Ok(Bytes::from(bytes))
    }

    /// Check a response to a range request; returns the bytes of `want`.
    async fn ranged(
        &self,
        resp: Response,
        guard: InFlight,
        want: Option<Range<u64>>,
    ) -> Result<(u64, Range<u64>, Bytes), IoError> {
        let status = resp.status();
        let header = |name: &str| resp.headers().get(name).ok().flatten();
        if matches!(status, 200 | 206)
            && let Some(v) = header("ETag").or_else(|| header("Last-Modified"))
        {
            self.validator.replace(Some(v));
        }
        if status == 200 {
            let size = header("Content-Length").and_then(|v| v.parse::<u64>().ok());
            let small = size.is_some_and(|s| s <= WHOLE_FILE_FALLBACK_BYTES);
            if !small {
                drop(guard); // aborts the download
                let size = size
                    .map(format_bytes)
                    .unwrap_or_else(|| "unknown-size".into());
                return Err(IoError::RangeIgnored {
                    url: self.url.clone(),
                    size,
                });
            }
            let all = self.body(&resp, guard).await?;
            let len = all.len() as u64;
            self.len.set(Some(len));
            return Ok((len, 0..len, all));
        }
        if status != 206 {
            return Err(IoError::Status {
                url: self.url.clone(),
                status,
                hint: status_hint(status),
            });
        }
        let cr = header("Content-Range").unwrap_or_default();
        let Some((start, last, total)) = parse_content_range(&cr) else {
            let detail = if cr.is_empty() {
                "missing, or not exposed by CORS".to_string()
            } else {
                format!("got {cr:?}")
            };
            return Err(IoError::BadContentRange {
                url: self.url.clone(),
                detail,
            });
        };
        let body = self.body(&resp, guard).await?;
        let got = start..last + 1;
        if let Some(w) = &want
            && (w.start != got.start || got.end < w.end)
        {
            return Err(IoError::BadContentRange {
                url: self.url.clone(),
                detail: format!("asked for {w:?}, got {cr:?}"),
            });
        }
        if body.len() as u64 != got.end - got.start {
            return Err(IoError::Truncated {
                url: self.url.clone(),
                start: got.start,
                end: got.end,
                got: body.len() as u64,
            });
        }
        let len = total.or(self.len.get()).unwrap_or(got.end);
        if total.is_some() {
            self.len.set(total);
        }
        Ok((len, got, body))
    }

    /// Learn the length without HEAD (often forbidden on signed CDN URLs): `bytes=0-0`.
    async fn probe_len(&self) -> Result<u64, IoError> {
        let (resp, guard) = self.get("bytes=0-0").await?;
        let (len, _, _) = self.ranged(resp, guard, Some(0..1)).await?;
        Ok(len)
    }
}

impl ByteSource for HttpSource {
    fn name(&self) -> &str {
        &self.url
    }

    fn known_len(&self) -> Option<u64> {
        self.len.get()
    }

    fn read(&self, range: Range<u64>) -> LocalBoxFuture<'_, Result<Bytes, IoError>> {
        Box::pin(with_retries(move || self.read_once(range.clone())))
    }

    fn tail(&self, n: u64) -> LocalBoxFuture<'_, Result<(u64, Bytes), IoError>> {
        Box::pin(with_retries(move || self.tail_once(n)))
    }

    fn multiplexed(&self) -> bool {
        multiplexed(&resolved(&self.url).unwrap_or_else(|| self.url.clone()))
    }

    fn validator(&self) -> Option<String> {
        self.validator.borrow().clone()
    }
}

impl HttpSource {
    async fn read_once(&self, range: Range<u64>) -> Result<Bytes, IoError> {
        if range.start >= range.end {
            return Ok(Bytes::new());
        }
        let (resp, guard) = self
            .get(&format!("bytes={}-{}", range.start, range.end - 1))
            .await?;
        let (len, got, body) = self.ranged(resp, guard, Some(range.clone())).await?;
        // a whole small file answered a range request: it must still hold the range
        if got.start > range.start || got.end < range.end {
            return Err(IoError::OutOfBounds {
                url: self.url.clone(),
                start: range.start,
                end: range.end,
                len,
            });
        }
        let from = (range.start - got.start) as usize;
        Ok(body.slice(from..from + (range.end - range.start) as usize))
    }

    async fn tail_once(&self, n: u64) -> Result<(u64, Bytes), IoError> {
        {
            if self.len.get().is_none() && self.same_origin {
                let (resp, guard) = self.get(&format!("bytes=-{n}")).await?;
                let (len, got, body) = self.ranged(resp, guard, None).await?;
                if got.end != len {
                    return Err(IoError::BadContentRange {
                        url: self.url.clone(),
                        detail: "suffix range did not end at the file end".into(),
                    });
                }
                return Ok((len, body));
            }
            let len = match self.len.get() {
                Some(l) => l,
                None => self.probe_len().await?,
            };
            let bytes = self.read_once(len.saturating_sub(n)..len).await?;
            Ok((len, bytes))
        }
    }
}

/// GET a small text resource (a manifest), with the same error messages as range reads.
pub async fn fetch_text(url: &WebUrl) -> Result<String, IoError> {
    let url = url.as_str();
    let net = |detail: String| IoError::Network {
        url: url.to_string(),
        detail,
    };
    let init = RequestInit::new();
    init.set_cache(RequestCache::NoCache);
    let promise =
        global_fetch(url, &init).map_err(|_| net("fetch is not available here".into()))?;
    let resp = JsFuture::from(promise).await.map_err(|e| {
        net(e
            .dyn_ref::<js_sys::Error>()
            .map(|e| String::from(e.message()))
            .unwrap_or_else(|| "network error".into()))
    })?;
    let resp: Response = resp.dyn_into().map_err(|_| net("not a response".into()))?;
    if !resp.ok() {
        return Err(IoError::Status {
            url: url.to_string(),
            status: resp.status(),
            hint: status_hint(resp.status()),
        });
    }
    let text = JsFuture::from(resp.text().map_err(|_| net("unreadable body".into()))?)
        .await
        .map_err(|_| net("unreadable body".into()))?;
    Ok(text.as_string().unwrap_or_default())
}

/// Resolve after `ms` milliseconds (a zero delay still lets the browser paint). Works in
/// a page and in a worker (both have `setTimeout` on the global object).
pub async fn sleep_ms(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let global = js_sys::global();
        if let Ok(set_timeout) = js_sys::Reflect::get(&global, &"setTimeout".into())
            .and_then(|f| f.dyn_into::<js_sys::Function>())
        {
            let _ = set_timeout.call2(&global, &resolve, &ms.into());
        }
    });
    let _ = JsFuture::from(promise).await;
}

/// The browser's Cache Storage as a [`gzv_io::Store`]: one named cache, each blob under a
/// made-up `https://gzv.invalid/` address (never fetched). Works in a page and in a
/// worker; where the browser refuses storage (an opaque origin, some private modes) every
/// operation fails with the browser's reason.
pub struct CacheStore {
    name: String,
    cache: RefCell<Option<web_sys::Cache>>,
}

impl CacheStore {
    pub fn new(name: &str) -> Self {
        CacheStore {
            name: name.to_string(),
            cache: RefCell::default(),
        }
    }

    async fn open(&self) -> Result<web_sys::Cache, String> {
        if let Some(c) = self.cache.borrow().clone() {
            return Ok(c);
        }
        let global = js_sys::global();
        let storage = if let Some(w) = global.dyn_ref::<web_sys::WorkerGlobalScope>() {
            w.caches()
        } else if let Some(w) = global.dyn_ref::<web_sys::Window>() {
            w.caches()
        } else {
            return Err("this context has no Cache Storage".into());
        }
        .map_err(js_text)?;
        let cache: web_sys::Cache = JsFuture::from(storage.open(&self.name))
            .await
            .map_err(js_text)?
            .dyn_into()
            .map_err(js_text)?;
        self.cache.replace(Some(cache.clone()));
        Ok(cache)
    }

    fn address(key: &str) -> String {
        format!(
            "https://gzv.invalid/{}",
            String::from(js_sys::encode_uri_component(key))
        )
    }
}

/// A JS exception's message (a `DOMException`'s name and message, e.g. a quota error).
fn js_text(e: wasm_bindgen::JsValue) -> String {
    if let Some(d) = e.dyn_ref::<js_sys::Error>() {
        return format!("{}: {}", String::from(d.name()), String::from(d.message()));
    }
    e.as_string().unwrap_or_else(|| format!("{e:?}"))
}

impl gzv_io::Store for CacheStore {
    fn get(&self, key: &str) -> LocalBoxFuture<'_, Result<Option<Bytes>, String>> {
        let at = Self::address(key);
        Box::pin(async move {
            let cache = self.open().await?;
            let found = JsFuture::from(cache.match_with_str(&at))
                .await
                .map_err(js_text)?;
            if found.is_undefined() || found.is_null() {
                return Ok(None);
            }
            let resp: Response = found.dyn_into().map_err(js_text)?;
            let buf = JsFuture::from(resp.array_buffer().map_err(js_text)?)
                .await
                .map_err(js_text)?;
            Ok(Some(Bytes::from(js_sys::Uint8Array::new(&buf).to_vec())))
        })
    }

    fn put(&self, key: &str, value: Bytes) -> LocalBoxFuture<'_, Result<(), String>> {
        let at = Self::address(key);
        Box::pin(async move {
            let cache = self.open().await?;
            let body = js_sys::Uint8Array::from(&value[..]);
            let resp = Response::new_with_opt_js_u8_array(Some(&body)).map_err(js_text)?;
            JsFuture::from(cache.put_with_str(&at, &resp))
                .await
                .map_err(js_text)?;
            Ok(())
        })
    }

    fn delete(&self, key: &str) -> LocalBoxFuture<'_, Result<(), String>> {
        let at = Self::address(key);
        Box::pin(async move {
            let cache = self.open().await?;
            JsFuture::from(cache.delete_with_str(&at))
                .await
                .map_err(js_text)?;
            Ok(())
        })
    }
}

/// A file on the visitor's disk (a `File` from a picker or a drop), read by `Blob.slice`:
/// never uploaded, never read whole, counted apart from the network (`stats`).
pub struct BlobSource {
    name: String,
    blob: web_sys::Blob,
    stats: NetStats,
}

impl BlobSource {
    pub fn new(name: &str, blob: web_sys::Blob, stats: NetStats) -> Self {
        BlobSource {
            name: name.to_string(),
            blob,
            stats,
        }
    }

    fn len(&self) -> u64 {
        self.blob.size() as u64
    }

    async fn slice(&self, range: Range<u64>) -> Result<Bytes, IoError> {
        let len = self.len();
        if range.start > range.end || range.end > len {
            return Err(IoError::OutOfBounds {
                url: self.name.clone(),
                start: range.start,
                end: range.end,
                len,
            });
        }
        let failed = |e: wasm_bindgen::JsValue| IoError::Local {
            name: self.name.clone(),
            detail: e
                .dyn_ref::<js_sys::Error>()
                .map(|e| String::from(e.message()))
                .or_else(|| e.as_string())
                .unwrap_or_else(|| "the browser gave no reason".into()),
        };
        self.stats.update(|c| {
            c.requests += 1;
            c.in_flight += 1;
        });
        let read = async {
            let part = self
                .blob
                .slice_with_f64_and_f64(range.start as f64, range.end as f64)
                .map_err(failed)?;
            let buf = JsFuture::from(part.array_buffer()).await.map_err(failed)?;
            Ok::<_, IoError>(js_sys::Uint8Array::new(&buf).to_vec())
        }
        .await;
        self.stats.update(|c| {
            c.in_flight -= 1;
            if let Ok(b) = &read {
                c.bytes += b.len() as u64;
            }
        });
        let bytes = read?;
        if bytes.len() as u64 != range.end - range.start {
            return Err(IoError::Truncated {
                url: self.name.clone(),
                start: range.start,
                end: range.end,
                got: bytes.len() as u64,
            });
        }
        Ok(Bytes::from(bytes))
    }
}

impl ByteSource for BlobSource {
    fn name(&self) -> &str {
        &self.name
    }
    fn known_len(&self) -> Option<u64> {
        Some(self.len())
    }
    fn read(&self, range: Range<u64>) -> LocalBoxFuture<'_, Result<Bytes, IoError>> {
        Box::pin(self.slice(range))
    }
    fn tail(&self, n: u64) -> LocalBoxFuture<'_, Result<(u64, Bytes), IoError>> {
        Box::pin(async move {
            let len = self.len();
            let bytes = self.slice(len.saturating_sub(n)..len).await?;
            Ok((len, bytes))
        })
    }
}
