//! `--only hf`: the whole gz_desi as HuggingFace serves it. 35 shards of the real geometry
//! (the benchmark's 11,400-row legacy shard, named 35 times by symbolic links: 28 train,
//! 7 test), no catalog, listed by a stand-in datasets server and opened by
//! `?dataset=`; each file's URL is a `/resolve/` URL on a HuggingFace-like host that
//! redirects to a signed URL on the data server (the CDN), as huggingface.co does.
//! Printed per added latency: first image, every footer read, every point drawn (ms from
//! navigation), requests to the CDN, redirects, MB read, and the peak wasm memory of the
//! engine (its worker) and of the page. Over HTTP/1.1 (6 reads in flight per host), then
//! over HTTPS with HTTP/2 (a certificate made at start; the benchmark's browser accepts it).

use gzv_browser::Browser;
use gzv_server::{Faults, HfMode, Server};
use std::path::Path;
use std::time::{Duration, Instant};

const TRAIN: usize = 28;
const TEST: usize = 7;

/// `hf-{rows}/data/{split}-NNNNN-of-MMMMM.parquet`, links to the one generated shard:
/// returns (split, path under the data root, size) of each.
fn ensure_data(base: &Path, rows: usize) -> Result<Vec<(String, String, u64)>, String> {
    let shard = format!("legacy-{rows}/data/train-00000-of-00001.parquet");
    let size = std::fs::metadata(base.join(&shard))
        .map_err(|e| format!("{shard}: {e}"))?
        .len();
    let dir = base.join(format!("hf-{rows}/data"));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let mut files = Vec::new();
    for (split, n) in [("train", TRAIN), ("test", TEST)] {
        for i in 0..n {
            let name = format!("{split}-{i:05}-of-{n:05}.parquet");
            let link = dir.join(&name);
            if !link.exists() {
                std::os::unix::fs::symlink(
                    format!("../../legacy-{rows}/data/train-00000-of-00001.parquet"),
                    &link,
                )
                .map_err(|e| format!("{}: {e}", link.display()))?;
            }
            files.push((split.to_string(), format!("hf-{rows}/data/{name}"), size));
        }
    }
    Ok(files)
}

/// One visit in `browser`: [first image, footers, all drawn, CDN requests, redirects, MB,
/// engine memory MB, page memory MB], and its timeline (what bounds the map: requests
/// arriving at the CDN per second, and how many it was answering at once).
async fn visit(
    browser: &Browser,
    app: &Server,
    hub: &Server,
    data: &Server,
) -> Result<([f64; 8], String), String> {
    data.clear_log();
    hub.clear_log();
    browser
        .client
        .goto(&format!(
            "{}/?dataset=gzv/desi-bench&datasets_server={}/ds",
            app.url(),
            hub.url()
        ))
        .await
        .map_err(|e| e.to_string())?;
    let deadline = Instant::now()
        + Duration::from_secs(
            std::env::var("GZV_BENCH_DEADLINE_S")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(600),
        );
    let (mut engine_mem, mut page_mem) = (0f64, 0f64);
    let mut answering: Vec<u64> = Vec::new();
    let marks = loop {
        let v = browser
            .js("const m = n => (performance.getEntriesByName(n)[0] || {startTime: -1}).startTime;
                 return [m('gzv:first-image'), m('gzv:footers'), m('gzv:sky-complete'),
                         Number(document.getElementById('net')?.dataset.engineMemory || 0),
                         Number(document.getElementById('sky-canvas')?.dataset.wasmMemory || 0),
                         [...document.querySelectorAll('[role=alert]')].map(e => (e.id || e.className) + ': ' + e.textContent.trim()).join(' | ')]")
            .await;
        let at = |i: usize| v[i].as_f64().unwrap_or(-1.0);
        answering.push(data.in_flight());
        engine_mem = engine_mem.max(at(3));
        page_mem = page_mem.max(at(4));
        if at(0) >= 0.0 && at(1) >= 0.0 && at(2) >= 0.0 {
            break [at(0), at(1), at(2)];
        }
        let alert = v[5].as_str().unwrap_or("");
        if !alert.is_empty() || Instant::now() > deadline {
            // where it stopped: the marks reached and what the page says
            let state = browser
                    .js("return [performance.getEntriesByType('mark').map(m => m.name + '@' + m.startTime.toFixed(0)).join(' '),
                                 document.getElementById('sky-status')?.textContent, document.getElementById('net')?.textContent,
                                 document.querySelector('.status')?.textContent].join(' | ')")
                    .await;
            return Err(format!(
                "the dataset did not finish: {alert} (marks and page: {state})"
            ));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let log = data.log();
    let redirects = hub.log().iter().filter(|e| e.status == 302).count();
    let bytes: u64 = log.iter().map(|e| e.bytes).sum();
    let timeline = timeline(&log, &answering);
    Ok((
        [
            marks[0],
            marks[1],
            marks[2],
            log.len() as f64,
            redirects as f64,
            bytes as f64 / 1e6,
            engine_mem / 1e6,
            page_mem / 1e6,
        ],
        timeline,
    ))
}

/// Requests arriving at the CDN in each second from the first, and the mean and most it
/// was answering at once (sampled while the visit ran).
fn timeline(log: &[gzv_server::LogEntry], answering: &[u64]) -> String {
    let Some(first) = log.iter().map(|e| e.at_ms).reduce(f64::min) else {
        return String::new();
    };
    let mut per_second: Vec<usize> = Vec::new();
    for e in log {
        let s = ((e.at_ms - first) / 1000.0) as usize;
        if per_second.len() <= s {
            per_second.resize(s + 1, 0);
        }
        per_second[s] += 1;
    }
    let busy: Vec<u64> = answering.iter().copied().filter(|&n| n > 0).collect();
    let mean = busy.iter().sum::<u64>() as f64 / busy.len().max(1) as f64;
    format!(
        "requests arriving per second: {}; answering at once: mean {mean:.0} while busy, most {}",
        per_second
            .iter()
            .map(|n| n.to_string())
            .collect::<Vec<_>>()
            .join(" "),
        busy.iter().max().unwrap_or(&0)
    )
}

/// One cold visit, then (once the browser has kept every footer and the map) a second
/// visit in the same browser: both visits' figures, and the second visit's requests that
/// were more than a version check (4 bytes).
async fn run(
    app: &Server,
    hub: &Server,
    data: &Server,
    files: usize,
) -> Result<([f64; 8], [f64; 8], usize, usize), String> {
    let browser = Browser::start().await;
    let result = async {
        let (first, timeline) = visit(&browser, app, hub, data).await?;
        println!("    {timeline}");
        // the first visit's reads in flight at most (the second visit's log starts anew)
        let in_flight = data.max_in_flight() as usize;
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let kept = browser
                .js("return Number(document.getElementById('kept')?.dataset.keptItems || 0)")
                .await
                .as_f64()
                .unwrap_or(0.0);
            if kept as usize > files {
                break;
            }
            if Instant::now() > deadline {
                return Err(format!("only {kept} things kept after the first visit"));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let (second, _) = visit(&browser, app, hub, data).await?;
        let more = data
            .log()
            .iter()
            .filter(|e| e.range.as_deref() != Some("bytes=0-3"))
            .count();
        Ok((first, second, more, in_flight))
    }
    .await;
    browser.close().await;
    result
}

/// Run the section and print its table.
pub async fn bench(
    app: &Server,
    data: &Server,
    base: &Path,
    rows: usize,
    runs: usize,
    latencies: &[u64],
) -> Result<(), String> {
    let files = ensure_data(base, rows)?;
    println!(
        "gzv-bench hf: gz_desi's geometry as HuggingFace serves it: {} shards x {rows} rows, no catalog, ?dataset= through a host that redirects every file to a signed CDN URL; {runs} cold runs, each followed by a second visit in the same browser (\"again\": footers and map kept by the first), medians (peak memory: worst run)",
        files.len()
    );
    println!(
        "{:<14} {:>5} | {:>9} {:>9} {:>10} | {:>8} {:>9} {:>8} {:>9} | {:>10} {:>8}",
        "protocol",
        "lat",
        "1st image",
        "footers",
        "all drawn",
        "requests",
        "redirects",
        "MB",
        "in flight",
        "engine MB",
        "page MB"
    );
    let tls_cdn = Server::start_tls(base, 0)
        .await
        .map_err(|e| e.to_string())?;
    for (protocol, cdn) in [("HTTP/1.1", data), ("HTTP/2", &tls_cdn)] {
        let hub = if protocol == "HTTP/2" {
            Server::start_tls(base, 0).await
        } else {
            Server::start(base, 0).await
        }
        .map_err(|e| e.to_string())?;
        hub.set_hf(HfMode {
            cdn: Some(cdn.url()),
            ..HfMode::default()
        });
        cdn.set_hf(HfMode {
            signed: true,
            ..HfMode::default()
        });
        let listing = serde_json::json!({
            "parquet_files": files.iter().map(|(split, path, size)| serde_json::json!({
                "dataset": "gzv/desi-bench", "config": "default", "split": split,
                "url": format!("{}/datasets/gzv/desi-bench/resolve/main/{path}", hub.url()),
                "filename": path.rsplit('/').next().unwrap_or(path), "size": size,
            })).collect::<Vec<_>>(),
            "pending": [], "failed": [], "partial": false,
        });
        hub.put("/ds/parquet", "application/json", listing.to_string());
        for &latency in latencies {
            let faults = Faults {
                latency_ms: latency,
                ..Faults::default()
            };
            cdn.set_faults(faults.clone());
            hub.set_faults(faults);
            let (mut got, mut again): (Vec<[f64; 8]>, Vec<[f64; 8]>) = (Vec::new(), Vec::new());
            let (mut in_flight, mut more) = (0, 0);
            for _ in 0..runs {
                match run(app, &hub, cdn, files.len()).await {
                    Ok((first, second, beyond, most)) => {
                        got.push(first);
                        again.push(second);
                        more = more.max(beyond);
                        in_flight = in_flight.max(most);
                    }
                    Err(e) => eprintln!("gzv-bench hf: {protocol} at {latency} ms: {e}"),
                }
            }
            for (label, got) in [
                (protocol.to_string(), &got),
                (format!("{protocol} again"), &again),
            ] {
                let m = |i: usize| crate::median(got.iter().map(|r| r[i]).collect());
                let worst = |i: usize| got.iter().map(|r| r[i]).fold(f64::NAN, f64::max);
                println!(
                    "{:<14} {:>5} | {:>6.0} ms {:>6.0} ms {:>7.0} ms | {:>8.0} {:>9.0} {:>8.1} {:>9} | {:>10.0} {:>8.0}",
                    label,
                    latency,
                    m(0),
                    m(1),
                    m(2),
                    m(3),
                    m(4),
                    m(5),
                    in_flight,
                    worst(6),
                    worst(7)
                );
            }
            println!(
                "{:<14} {:>5} | second visit: at most {more} requests beyond the {} version checks (the galaxy's own reads; no footer, no position)",
                "",
                "",
                files.len()
            );
        }
        cdn.set_hf(HfMode::default());
        cdn.set_faults(Faults::default());
    }
    Ok(())
}
