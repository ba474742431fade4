//! Browser tests of the fetch-based range source, in headless Chromium, against the real
//! test server on another port (so every request here is cross-origin). `scripts/test`
//! starts the server and passes its URL in `GZV_TEST_SERVER` at build time.

#![cfg(target_arch = "wasm32")]

use gz_viewer::decode::{self, RowRequest};
use gz_viewer::io::{ByteSource, IoError, LimitedSource, Limiter, read_many};
use gz_viewer::web::http::{HttpSource, NetStats, fetch_text};
use gz_viewer::{imaging, table};
use std::sync::Arc;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const SHARD: &str = "/data/train-00000-of-00002.parquet";

fn server() -> &'static str {
    option_env!("GZV_TEST_SERVER")
        .expect("set GZV_TEST_SERVER to a running gzv-server serving sample/ (scripts/test does)")
}

/// Replace the server's fault switches and empty its log.
async fn faults(query: &str) {
    fetch_text(&format!("{}/__gzv/faults?{query}", server()))
        .await
        .expect("set faults");
    fetch_text(&format!("{}/__gzv/log?clear=1", server()))
        .await
        .expect("clear log");
}

/// The server's request log since the last [`faults`] call.
async fn log() -> Vec<serde_json::Value> {
    let text = fetch_text(&format!("{}/__gzv/log", server()))
        .await
        .expect("log");
    serde_json::from_str(&text).expect("log json")
}

fn source(len: Option<u64>) -> HttpSource {
    HttpSource::new(format!("{}{SHARD}", server()), len, NetStats::default())
}

async fn shard_len() -> u64 {
    let text = fetch_text(&format!("{}/index.json", server()))
        .await
        .expect("manifest");
    let v: serde_json::Value = serde_json::from_str(&text).expect("json");
    v["files"][0]["size"].as_u64().expect("size")
}

#[wasm_bindgen_test]
async fn cross_origin_footer_uses_only_safelisted_ranges() {
    faults("").await;
    let meta = decode::read_metadata(&source(None)).await.expect("footer");
    assert_eq!(meta.file_metadata().num_rows(), 1000);
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
    assert_eq!(log.len(), 2, "probe + footer: {log:?}");
}

#[wasm_bindgen_test]
async fn known_length_reads_footer_in_one_request() {
    let len = shard_len().await;
    faults("").await;
    let src = source(Some(len));
    decode::read_metadata(&src).await.expect("footer");
    assert_eq!(log().await.len(), 1);
}

#[wasm_bindgen_test]
async fn reads_and_decodes_the_first_image() {
    faults("").await;
    let src = source(Some(shard_len().await));
    let meta = Arc::new(decode::read_metadata(&src).await.expect("footer"));
    let roles = table::recognise(&table::arrow_schema(&meta).expect("schema"));
    let req = RowRequest {
        columns: table::leaf_paths(&roles),
        row_group: 0,
        offset: 0,
        count: 1,
    };
    let batches = decode::read_rows(&src, meta, &req).await.expect("rows");
    let values = table::row_values(&batches[0], &roles, 0);
    let img = imaging::decode(&values.image.expect("image bytes")).expect("jpeg");
    assert_eq!((img.width, img.height), (424, 424));
    assert!(values.id.is_some_and(|id| id.contains('_')));
}

#[wasm_bindgen_test]
async fn faults_become_named_errors() {
    let len = shard_len().await;
    let url = format!("{}{SHARD}", server());

    faults("").await;
    let missing = HttpSource::new(
        format!("{}/data/nope.parquet", server()),
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
        matches!(&e, Err(IoError::RangeIgnored { url: u, .. }) if *u == url),
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
        &fetch_text(&format!("{}/__gzv/stats", server()))
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
    let limited = LimitedSource::new(source(Some(len)), Limiter::new(3));
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
    faults("latency_ms=400").await;
    let limited = LimitedSource::new(source(Some(len)), Limiter::new(2));
    let ranges = scattered();
    let reads = read_many(&limited, &ranges, 0, &|_, _| {}).fuse();
    let timeout = gz_viewer::web::sleep_ms(100).fuse();
    futures::pin_mut!(reads, timeout);
    futures::select! {
        _ = reads => panic!("reads finished before the UI moved on"),
        _ = timeout => {}
    }
    // the UI no longer needs them: dropping the future aborts what runs, cancels what waits
    drop(reads);
    gz_viewer::web::sleep_ms(1200).await;
    assert_eq!(
        log().await.len(),
        2,
        "queued reads never reached the server"
    );
    assert_eq!(
        stats().await["in_flight"],
        0,
        "aborted requests are not left running"
    );
}
