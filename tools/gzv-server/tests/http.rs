//! The test server over real HTTP on 127.0.0.1: ranges, CORS, log and every fault switch.

use bytes::Bytes;
use gzv_server::{Faults, Server};
use http_body_util::{BodyExt, Empty};
use hyper::{Method, Request, StatusCode};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use std::path::PathBuf;
use std::time::{Duration, Instant};

const FILE_LEN: usize = 400_000;

fn content() -> Vec<u8> {
    (0..FILE_LEN).map(|i| (i * 7 % 251) as u8).collect()
}

async fn start() -> (Server, PathBuf) {
    let dir = std::env::temp_dir().join(format!(
        "gzv-server-test-{}-{}",
        std::process::id(),
        rand_suffix()
    ));
    std::fs::create_dir_all(dir.join("data")).unwrap();
    std::fs::write(dir.join("data/f.bin"), content()).unwrap();
    std::fs::write(dir.join("index.html"), "<p>hi</p>").unwrap();
    (Server::start(&dir, 0).await.unwrap(), dir)
}

fn rand_suffix() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos()
}

struct Answer {
    status: StatusCode,
    headers: hyper::HeaderMap,
    body: Result<Bytes, String>,
}

async fn send(
    server: &Server,
    method: Method,
    path: &str,
    headers: &[(&str, &str)],
) -> Result<Answer, String> {
    let client = Client::builder(TokioExecutor::new()).build_http::<Empty<Bytes>>();
    let mut req = Request::builder()
        .method(method)
        .uri(format!("{}{path}", server.url()));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let resp = client
        .request(req.body(Empty::new()).unwrap())
        .await
        .map_err(|e| e.to_string())?;
    let (parts, body) = resp.into_parts();
    let body = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .map_err(|e| e.to_string());
    Ok(Answer {
        status: parts.status,
        headers: parts.headers,
        body,
    })
}

async fn get(server: &Server, path: &str, range: Option<&str>) -> Answer {
    let h: Vec<(&str, &str)> = range.map(|r| vec![("Range", r)]).unwrap_or_default();
    send(server, Method::GET, path, &h).await.expect("request")
}

fn header(a: &Answer, name: &str) -> Option<String> {
    a.headers.get(name).map(|v| v.to_str().unwrap().to_string())
}

#[tokio::test]
async fn single_and_suffix_ranges_get_206_with_content_range() {
    let (server, _dir) = start().await;
    let data = content();
    let a = get(&server, "/data/f.bin", Some("bytes=100-199")).await;
    assert_eq!(a.status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(
        header(&a, "content-range").as_deref(),
        Some("bytes 100-199/400000")
    );
    assert_eq!(a.body.unwrap().as_ref(), &data[100..200]);
    let a = get(&server, "/data/f.bin", Some("bytes=-1000")).await;
    assert_eq!(
        header(&a, "content-range").as_deref(),
        Some("bytes 399000-399999/400000")
    );
    assert_eq!(a.body.unwrap().as_ref(), &data[FILE_LEN - 1000..]);
    let a = get(&server, "/data/f.bin", Some("bytes=399990-")).await;
    assert_eq!(a.body.unwrap().len(), 10);
    let a = get(&server, "/data/f.bin", None).await;
    assert_eq!(
        (a.status, a.body.unwrap().len()),
        (StatusCode::OK, FILE_LEN)
    );
    assert_eq!(
        get(&server, "/data/f.bin", Some("bytes=400000-"))
            .await
            .status,
        StatusCode::RANGE_NOT_SATISFIABLE
    );
    assert_eq!(
        get(&server, "/data/f.bin", Some("bytes=0-1,5-6"))
            .await
            .status,
        StatusCode::RANGE_NOT_SATISFIABLE
    );
    assert_eq!(
        get(&server, "/nope", None).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get(&server, "/../Cargo.toml", None).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get(&server, "/", None).await.body.unwrap().as_ref(),
        b"<p>hi</p>"
    );
}

#[tokio::test]
async fn cors_exposes_content_range_and_answers_preflight() {
    let (server, _dir) = start().await;
    let a = get(&server, "/data/f.bin", Some("bytes=0-0")).await;
    assert_eq!(
        header(&a, "access-control-allow-origin").as_deref(),
        Some("*")
    );
    assert!(
        header(&a, "access-control-expose-headers")
            .unwrap()
            .contains("Content-Range")
    );
    // a version a browser may read cross-origin, the same for every range, another once
    // the file is rewritten
    let tag = header(&a, "etag").expect("an ETag");
    assert!(
        header(&a, "access-control-expose-headers")
            .unwrap()
            .contains("ETag")
    );
    let b = get(&server, "/data/f.bin", Some("bytes=5-9")).await;
    assert_eq!(header(&b, "etag").as_deref(), Some(tag.as_str()));
    std::fs::write(_dir.join("data/f.bin"), vec![1u8; 33]).unwrap();
    let c = get(&server, "/data/f.bin", Some("bytes=0-0")).await;
    assert_ne!(header(&c, "etag").as_deref(), Some(tag.as_str()));
    let p = send(
        &server,
        Method::OPTIONS,
        "/data/f.bin",
        &[
            ("Origin", "http://x"),
            ("Access-Control-Request-Headers", "range"),
        ],
    )
    .await
    .unwrap();
    assert_eq!(p.status, StatusCode::NO_CONTENT);
    assert!(
        header(&p, "access-control-allow-headers")
            .unwrap()
            .contains("Range")
    );
    server.set_faults(Faults {
        no_cors: true,
        ..Faults::default()
    });
    assert_eq!(
        header(
            &get(&server, "/data/f.bin", Some("bytes=0-0")).await,
            "access-control-allow-origin"
        ),
        None
    );
}

#[tokio::test]
async fn log_records_method_range_status_and_bytes() {
    let (server, _dir) = start().await;
    get(&server, "/data/f.bin", Some("bytes=10-19")).await;
    send(
        &server,
        Method::HEAD,
        "/data/f.bin",
        &[("Origin", "http://o")],
    )
    .await
    .unwrap();
    get(&server, "/__gzv/log", None).await; // control requests are not logged
    let log = server.log();
    assert_eq!(log.len(), 2);
    assert_eq!(
        (
            log[0].method.as_str(),
            log[0].range.as_deref(),
            log[0].status,
            log[0].bytes
        ),
        ("GET", Some("bytes=10-19"), 206, 10)
    );
    assert_eq!(
        (
            log[1].method.as_str(),
            log[1].status,
            log[1].bytes,
            log[1].origin.as_deref()
        ),
        ("HEAD", 200, 0, Some("http://o"))
    );
    let json = get(&server, "/__gzv/log?clear=1", None).await.body.unwrap();
    assert!(String::from_utf8_lossy(&json).contains("bytes=10-19"));
    assert!(server.log().is_empty());
}

#[tokio::test]
async fn latency_and_bandwidth_slow_answers_down() {
    let (server, _dir) = start().await;
    server.set_faults(Faults {
        latency_ms: 150,
        ..Faults::default()
    });
    let t = Instant::now();
    get(&server, "/data/f.bin", Some("bytes=0-0")).await;
    assert!(t.elapsed() >= Duration::from_millis(150));
    server.set_faults(Faults {
        bandwidth_bps: 1_000_000,
        ..Faults::default()
    });
    let t = Instant::now();
    let a = get(&server, "/data/f.bin", Some("bytes=0-199999")).await;
    assert_eq!(a.body.unwrap().len(), 200_000);
    assert!(
        t.elapsed() >= Duration::from_millis(190),
        "200 kB at 1 MB/s: {:?}",
        t.elapsed()
    );
    // a shared link: two answers at once share its speed (a per-request cap would let
    // each go at full speed)
    server.set_faults(Faults {
        link_bps: 1_000_000,
        ..Faults::default()
    });
    let t = Instant::now();
    let (a, b) = tokio::join!(
        get(&server, "/data/f.bin", Some("bytes=0-199999")),
        get(&server, "/data/f.bin", Some("bytes=200000-399999"))
    );
    assert_eq!(a.body.unwrap().len() + b.body.unwrap().len(), 400_000);
    assert!(
        t.elapsed() >= Duration::from_millis(390),
        "400 kB through one 1 MB/s link: {:?}",
        t.elapsed()
    );
}

#[tokio::test]
async fn errors_truncation_drops_head_and_ignored_ranges() {
    let (server, _dir) = start().await;
    server.set_faults(Faults {
        fail_5xx: 2,
        ..Faults::default()
    });
    assert_eq!(
        get(&server, "/data/f.bin", None).await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert_eq!(
        get(&server, "/data/f.bin", None).await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert_eq!(
        get(&server, "/data/f.bin", None).await.status,
        StatusCode::OK,
        "recovers after N"
    );

    server.set_faults(Faults {
        truncate: true,
        ..Faults::default()
    });
    let a = get(&server, "/data/f.bin", Some("bytes=0-9999")).await;
    assert_eq!(
        header(&a, "content-range").as_deref(),
        Some("bytes 0-9999/400000")
    );
    assert_eq!(a.body.unwrap().len(), 5000, "half the promised bytes");

    server.set_faults(Faults {
        drop_connection: 1,
        ..Faults::default()
    });
    assert!(
        send(&server, Method::GET, "/data/f.bin", &[])
            .await
            .is_err(),
        "no answer at all"
    );

    server.set_faults(Faults {
        refuse_head: true,
        ..Faults::default()
    });
    assert_eq!(
        send(&server, Method::HEAD, "/data/f.bin", &[])
            .await
            .unwrap()
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        get(&server, "/data/f.bin", Some("bytes=0-0")).await.status,
        StatusCode::PARTIAL_CONTENT
    );

    server.set_faults(Faults {
        ignore_range: true,
        path_prefix: "/data/".into(),
        ..Faults::default()
    });
    let a = get(&server, "/data/f.bin", Some("bytes=0-9")).await;
    assert_eq!(
        (a.status, a.body.unwrap().len()),
        (StatusCode::OK, FILE_LEN)
    );
    assert_eq!(
        get(&server, "/index.html", Some("bytes=0-1")).await.status,
        StatusCode::PARTIAL_CONTENT,
        "prefix scopes faults"
    );

    assert_eq!(
        get(&server, "/__gzv/faults?latency_ms=nope", None)
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
    get(&server, "/__gzv/faults?fail_5xx=1", None).await;
    assert_eq!(
        get(&server, "/data/f.bin", None).await.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "set over HTTP"
    );
}

#[tokio::test]
async fn counts_requests_in_flight() {
    let (server, _dir) = start().await;
    server.set_faults(Faults {
        latency_ms: 200,
        ..Faults::default()
    });
    let reqs = (0..5).map(|i| {
        let url = format!("bytes={}-{}", i * 10, i * 10 + 9);
        let server = &server;
        async move { get(server, "/data/f.bin", Some(&url)).await }
    });
    futures_util::future::join_all(reqs).await;
    assert_eq!(server.max_in_flight(), 5);
    server.clear_log();
    assert_eq!(server.max_in_flight(), 0, "reset to what is in flight now");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn each_answer_counts_its_own_bytes_when_many_arrive_at_once() {
    let (server, _dir) = start().await;
    // slow bodies, so that answers are recorded while others still stream
    server.set_faults(Faults {
        bandwidth_bps: 200_000,
        ..Faults::default()
    });
    let gets = (0..24u64).map(|i| {
        let server = &server;
        async move {
            let (start, len) = (i * 37, 1 + i * 3_000);
            get(
                server,
                "/data/f.bin",
                Some(&format!("bytes={start}-{}", start + len - 1)),
            )
            .await
        }
    });
    futures_util::future::join_all(gets).await;
    let log = server.log();
    assert_eq!(log.len(), 24);
    for e in &log {
        let r = e.range.as_deref().unwrap();
        let (a, b) = r["bytes=".len()..].split_once('-').unwrap();
        let want = b.parse::<u64>().unwrap() - a.parse::<u64>().unwrap() + 1;
        assert_eq!(e.bytes, want, "{r}: {log:#?}");
    }
    // a body still streaming when the log is cleared counts into nothing (not into the
    // new log's entry at its index)
    server.clear_log();
    let slow = get(&server, "/data/f.bin", Some("bytes=0-99999"));
    let clear = async {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        server.clear_log();
        get(&server, "/data/f.bin", Some("bytes=0-0")).await;
    };
    tokio::join!(slow, clear);
    let log = server.log();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].bytes, 1, "{log:#?}");
}
