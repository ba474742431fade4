//! Browser tests of the fetch-based range source, in headless Chromium, against the real
//! test server on another port (so every request here is cross-origin). `scripts/test`
//! starts the server and passes its URL in `GZV_TEST_SERVER` at build time. Decoding what
//! these bytes hold (footer, rows, the image) is tested natively in the app crate and end
//! to end, cross-origin too, in `tests/e2e.rs`.

#![cfg(target_arch = "wasm32")]

use gzv_fetch::{HttpSource, NetStats, fetch_text, sleep_ms};
use gzv_io::{ByteSource, IoError, LimitedSource, Limiter, WebUrl, read_many};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const SHARD: &str = "/data/train-00000-of-00002.parquet";

fn server() -> &'static str {
    match option_env!("GZV_TEST_SERVER") {
        Some(url) => url,
        None => panic!(
            "set GZV_TEST_SERVER to a running gzv-server serving sample/ (scripts/test does)"
        ),
    }
}

/// A test URL through the gate, as the app's URLs are.
fn url(raw: &str) -> WebUrl {
    WebUrl::parse(raw).expect("an http URL")
}

/// Replace the server's fault switches and empty its log.
async fn faults(query: &str) {
    fetch_text(&url(&format!("{}/__gzv/faults?{query}", server())))
        .await
        .expect("set faults");
    fetch_text(&url(&format!("{}/__gzv/log?clear=1", server())))
        .await
        .expect("clear log");
}

/// The server's request log since the last [`faults`] call.
async fn log() -> Vec<serde_json::Value> {
    let text = fetch_text(&url(&format!("{}/__gzv/log", server())))
        .await
        .expect("log");
    serde_json::from_str(&text).expect("log json")
}

fn source(len: Option<u64>) -> HttpSource {
    HttpSource::new(
        &url(&format!("{}{SHARD}", server())),
        len,
        NetStats::default(),
    )
}

async fn shard_len() -> u64 {
    let text = fetch_text(&url(&format!("{}/index.json", server())))
        .await
        .expect("manifest");
    let v: serde_json::Value = serde_json::from_str(&text).expect("json");
    v["files"][0]["size"].as_u64().expect("size")
}

/// What a parquet reader asks for first: the file's last 64 KiB.
const FOOTER_TAIL: u64 = 64 * 1024;

/// The tail of a parquet file: it ends in `PAR1` after a footer length that fits.
fn assert_parquet_tail(len: u64, tail: &[u8]) {
    assert_eq!(tail.len() as u64, FOOTER_TAIL.min(len));
    assert_eq!(&tail[tail.len() - 4..], b"PAR1", "the file's last bytes");
    let n = tail.len();
    let footer = u32::from_le_bytes(tail[n - 8..n - 4].try_into().expect("4 bytes")) as u64;
    assert!(
        footer > 0 && footer + 8 < len,
        "footer length {footer} of a {len}-byte file"
    );
}

#[wasm_bindgen_test]
async fn cross_origin_tail_uses_only_safelisted_ranges() {
    let len = shard_len().await;
    faults("").await;
    let (got_len, tail) = source(None).tail(FOOTER_TAIL).await.expect("tail");
    assert_eq!(got_len, len, "length learnt from Content-Range");
    assert_parquet_tail(len, &tail);
    let log = log().await;
    assert!(
        log.iter().all(|e| e["method"] == "GET"),
        "no HEAD, no preflight: {log:?}"
    );
    assert_eq!(log[0]["range"], "bytes=0-0", "length probe without HEAD");
    for e in &log {
        let r = e["range"].as_str().unwrap();
        assert!(
            !r.starts_with("bytes=-"),
            "suffix ranges need a preflight cross-origin: {r}"
        );
        assert!(e["origin"].is_string(), "the request was cross-origin");
    }
    assert_eq!(log.len(), 2, "probe + tail: {log:?}");
    assert_eq!(
        log[1]["range"],
        format!("bytes={}-{}", len - FOOTER_TAIL, len - 1)
    );
}

#[wasm_bindgen_test]
async fn known_length_reads_the_tail_in_one_request() {
    let len = shard_len().await;
    faults("").await;
    let src = source(Some(len));
    let (_, tail) = src.tail(FOOTER_TAIL).await.expect("tail");
    assert_parquet_tail(len, &tail);
    assert_eq!(log().await.len(), 1);
}

#[wasm_bindgen_test]
async fn ranges_come_back_exactly_as_asked() {
    let len = shard_len().await;
    faults("").await;
    let src = source(Some(len));
    assert_eq!(src.read(0..4).await.expect("head").as_ref(), b"PAR1");
    // a range in the middle, and the same bytes through a merged multi-range read
    let mid = src.read(1000..1100).await.expect("middle");
    assert_eq!(mid.len(), 100);
    let many = read_many(&src, &[1000..1100, 1050..1060, 0..4], 4096, &|_, _| {})
        .await
        .expect("merged");
    assert_eq!(many[0], mid);
    assert_eq!(many[1], mid.slice(50..60));
    assert_eq!(many[2].as_ref(), b"PAR1");
    let log = log().await;
    assert_eq!(log.len(), 3, "two reads, then one merged request: {log:?}");
    assert_eq!(log[2]["range"], "bytes=0-1099");
    // beyond the end of the file: a named error, not a panic
    assert!(matches!(
        src.read(len - 2..len + 10).await,
        Err(IoError::Status { status: 416, .. }) | Err(IoError::BadContentRange { .. })
    ));
}

#[wasm_bindgen_test]
async fn faults_become_named_errors() {
    let len = shard_len().await;
    let shard_url = format!("{}{SHARD}", server());

    faults("").await;
    let missing = HttpSource::new(
        &url(&format!("{}/data/nope.parquet", server())),
        Some(10),
        NetStats::default(),
    );
    assert!(matches!(
        missing.read(0..4).await,
        Err(IoError::Status { status: 404, .. })
    ));

    // one 503 is retried away; a server that keeps failing is reported after 3 attempts
    faults("fail_5xx=1").await;
    assert_eq!(
        source(Some(len))
            .read(0..4)
            .await
            .expect("retried")
            .as_ref(),
        b"PAR1"
    );
    assert_eq!(log().await.len(), 2);
    faults("fail_5xx=100").await;
    assert!(matches!(
        source(Some(len)).read(0..4).await,
        Err(IoError::Status { status: 503, .. })
    ));
    assert_eq!(log().await.len(), 3);

    faults("truncate=1").await;
    let e = source(Some(len)).read(0..1000).await;
    assert!(
        matches!(
            e,
            Err(IoError::Truncated { .. }) | Err(IoError::Network { .. })
        ),
        "{e:?}"
    );
    assert_eq!(
        log().await.len(),
        3,
        "truncated bodies are retried, then reported"
    );

    faults("ignore_range=1").await;
    let e = source(Some(len)).read(0..1000).await;
    assert!(
        matches!(&e, Err(IoError::RangeIgnored { url: u, .. }) if *u == shard_url),
        "{e:?}"
    );

    faults("no_cors=1").await;
    let e = source(Some(len)).read(0..4).await;
    assert!(
        matches!(&e, Err(IoError::Network { .. }))
            && e.as_ref().unwrap_err().to_string().contains("CORS"),
        "{e:?}"
    );

    // Chromium silently retries a request whose reused connection was closed, so one
    // dropped connection is invisible; a host that keeps dropping them is not.
    faults("drop_connection=100").await;
    assert!(matches!(
        source(Some(len)).read(0..4).await,
        Err(IoError::Network { .. })
    ));

    // and the server is fine again afterwards: nothing was lost
    faults("").await;
    assert_eq!(
        source(Some(len)).read(0..4).await.expect("read").as_ref(),
        b"PAR1"
    );
}

async fn stats() -> serde_json::Value {
    serde_json::from_str(
        &fetch_text(&url(&format!("{}/__gzv/stats", server())))
            .await
            .expect("stats"),
    )
    .expect("json")
}

/// Twelve ranges too far apart to merge.
fn scattered() -> Vec<std::ops::Range<u64>> {
    (0..12u64)
        .map(|i| i * 1_000_000..i * 1_000_000 + 1000)
        .collect()
}

#[wasm_bindgen_test]
async fn concurrency_bound_holds_over_http() {
    let len = shard_len().await;
    faults("latency_ms=150").await;
    let limited = LimitedSource::new(source(Some(len)), Limiter::with_reserve(3, 0));
    let got = read_many(&limited, &scattered(), 0, &|_, _| {})
        .await
        .expect("reads");
    assert_eq!(got.len(), 12);
    assert_eq!(log().await.len(), 12);
    assert_eq!(
        stats().await["max_in_flight"],
        3,
        "never more than the bound, and the bound used"
    );
}

#[wasm_bindgen_test]
async fn cancelled_reads_stop_requests() {
    use futures::FutureExt;
    let len = shard_len().await;
    faults("latency_ms=3000").await;
    let net = NetStats::default();
    let limited = LimitedSource::new(
        HttpSource::new(
            &url(&format!("{}{SHARD}", server())),
            Some(len),
            net.clone(),
        ),
        Limiter::with_reserve(2, 0),
    );
    let ranges = scattered();
    let mut reads = Box::pin(read_many(&limited, &ranges, 0, &|_, _| {}).fuse());
    let mut timeout = Box::pin(sleep_ms(300).fuse());
    futures::select! {
        _ = reads => panic!("reads finished before the UI moved on"),
        _ = timeout => {}
    }
    assert_eq!(net.get().in_flight, 2, "two reads under way, ten queued");
    assert_eq!(stats().await["in_flight"], 2, "the server holds both");
    // the UI no longer needs them: dropping the future aborts what runs, cancels what waits
    drop(reads);
    sleep_ms(600).await;
    assert_eq!(
        net.get().in_flight,
        0,
        "nothing counted as in flight any more"
    );
    assert_eq!(
        stats().await["in_flight"],
        0,
        "the aborted requests were closed long before the server would have answered"
    );
    assert!(
        log().await.len() <= 2,
        "queued reads never reached the server"
    );
}
