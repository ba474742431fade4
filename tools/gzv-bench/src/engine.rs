//! `--only engine`: the page's thread while a dataset loads, now that the engine runs in
//! a Web Worker. A cold visitor opens the one-shard dataset (one 11,400-row file) and a
//! 35-shard dataset without a catalog (the real gz_desi from HuggingFace has none: 35
//! footers of ~1.35 MB are read and decoded), and drags the sky map from the moment it
//! appears until every point is drawn. Printed: first image and every point drawn (ms
//! from navigation), the longest main-thread task in between (Long Tasks API), and the
//! frame intervals while dragging (median, 95th percentile, worst).

use gzv_browser::Browser;
use gzv_server::{Faults, Server};
use std::path::Path;
use std::time::{Duration, Instant};

/// Shards of the no-catalog dataset (gz_desi has 35: 28 train, 7 test).
const SHARDS: usize = 35;

/// `nocat-{rows}/index.json`: the one shard named 35 times, sizes given (as the
/// HuggingFace listing gives them), no rows, no footer lengths, no catalog.
fn ensure_data(base: &Path, rows: usize) -> Result<String, String> {
    let dir = format!("nocat-{rows}");
    let out = base.join(&dir);
    if out.join("index.json").is_file() {
        return Ok(dir);
    }
    std::fs::create_dir_all(&out).map_err(|e| e.to_string())?;
    let shard = base.join(format!("legacy-{rows}/data/train-00000-of-00001.parquet"));
    let size = std::fs::metadata(&shard).map_err(|e| e.to_string())?.len();
    let files: Vec<serde_json::Value> = (0..SHARDS)
        .map(|i| {
            serde_json::json!({
                "split": if i < 28 { "train" } else { "test" },
                "path": format!("../legacy-{rows}/data/train-00000-of-00001.parquet"),
                "size": size,
            })
        })
        .collect();
    let manifest = serde_json::json!({ "name": format!("{SHARDS} shards, no catalog (bench)"), "files": files });
    std::fs::write(out.join("index.json"), manifest.to_string()).map_err(|e| e.to_string())?;
    Ok(dir)
}

/// One cold run: [first image, every point drawn, longest task, frame median, p95,
/// worst, frames, requests, MB, longest task that ends after the page's first script
/// began], and what made its long tasks (each task's start and
/// length, then the page's own slow work, `name@start+ms`).
async fn run(app: &Server, data: &Server, url: &str) -> Result<([f64; 10], String), String> {
    let browser = Browser::start().await;
    data.clear_log();
    let result = async {
        browser
            .client
            .goto(&format!("{}/?url={}{url}", app.url(), data.url()))
            .await
            .map_err(|e| e.to_string())?;
        // drag from the moment the map is there, one step a frame, until every point is drawn
        let deadline = Instant::now() + Duration::from_secs(300);
        loop {
            let v = browser
                .js("return !!document.getElementById('sky-canvas')")
                .await;
            if v.as_bool() == Some(true) {
                break;
            }
            if Instant::now() > deadline {
                return Err("the map never appeared".to_string());
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        browser
            .js(r#"const c = document.getElementById('sky-canvas');
                   const r = c.getBoundingClientRect();
                   const x0 = r.left + r.width / 2, y0 = r.top + r.height / 2;
                   const ev = (kind, x) => c.dispatchEvent(new PointerEvent(kind, {clientX: x, clientY: y0, pointerId: 7, bubbles: true}));
                   window.__frames = [];
                   let last = null, i = 0;
                   ev('pointerdown', x0);
                   const step = (t) => {
                     if (last !== null) window.__frames.push(t - last);
                     last = t;
                     i += 1;
                     ev('pointermove', x0 + 60 * Math.sin(i / 10));
                     if (performance.getEntriesByName('gzv:sky-complete').length === 0) requestAnimationFrame(step);
                     else ev('pointerup', x0);
                   };
                   requestAnimationFrame(step);
                   return 1"#)
            .await;
        let (image, complete) = loop {
            let v = browser
                .js("const m = n => (performance.getEntriesByName(n)[0] || {startTime: -1}).startTime; return [m('gzv:first-image'), m('gzv:sky-complete'), document.querySelector('[role=alert]')?.innerText || '']")
                .await;
            let (a, b) = (v[0].as_f64().unwrap_or(-1.0), v[1].as_f64().unwrap_or(-1.0));
            if a >= 0.0 && b >= 0.0 {
                break (a, b);
            }
            let alert = v[2].as_str().unwrap_or("");
            if !alert.is_empty() || Instant::now() > deadline {
                return Err(format!("the dataset did not finish: {alert}"));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        tokio::time::sleep(Duration::from_millis(100)).await;
        let v = browser
            .js(&format!(
                r#"return await new Promise(r => {{
                    const end = {complete};
                    const loaf = new Promise(q => {{ try {{ new PerformanceObserver((l, o) => {{ o.disconnect(); q(l.getEntries()); }}).observe({{type: 'long-animation-frame', buffered: true}}); }} catch (e) {{ q([]); }} setTimeout(() => q([]), 300); }});
                    const slow = () => (window.__gzvSlow || []).join(' ');
                    try {{ new PerformanceObserver(async (l, o) => {{
                        o.disconnect();
                        const t = l.getEntries().filter(e => e.startTime <= end);
                        const frames = (await loaf).filter(e => e.startTime <= end && e.duration > 50)
                          .map(e => e.startTime.toFixed(0) + '+' + e.duration.toFixed(0) + '[' + e.scripts.map(s => s.invoker + ' ' + s.duration.toFixed(0)).join(', ') + (e.renderStart ? '; render ' + (e.startTime + e.duration - e.renderStart).toFixed(0) : '') + (e.styleAndLayoutStart ? ', style+layout ' + (e.startTime + e.duration - e.styleAndLayoutStart).toFixed(0) : '') + ']');
                        const boot = window.__gzvBootAt || 0;
                        const ours = t.filter(e => e.startTime + e.duration > boot);
                        r([Math.max(0, ...t.map(e => e.duration)), window.__frames,
                           t.map(e => e.startTime.toFixed(0) + '+' + e.duration.toFixed(0)).join(' ') + ' | ' + slow() + ' | ' + frames.join(' '),
                           Math.max(0, ...ours.map(e => e.duration))]);
                    }}).observe({{type: 'longtask', buffered: true}}); }} catch (e) {{ r([-1, window.__frames, slow(), -1]); }}
                    setTimeout(() => r([0, window.__frames, slow(), 0]), 600);
                }})"#,
            ))
            .await;
        let longest = v[0].as_f64().unwrap_or(f64::NAN);
        let ours = v[3].as_f64().unwrap_or(f64::NAN);
        let mut frames: Vec<f64> = v[1]
            .as_array()
            .map(|a| a.iter().filter_map(|x| x.as_f64()).collect())
            .unwrap_or_default();
        frames.sort_by(|a, b| a.total_cmp(b));
        let at = |q: f64| {
            frames
                .get(((frames.len() as f64 - 1.0) * q).round().max(0.0) as usize)
                .copied()
                .unwrap_or(f64::NAN)
        };
        let tasks = v[2].as_str().unwrap_or("").to_string();
        let log = data.log();
        let bytes: u64 = log.iter().map(|e| e.bytes).sum();
        Ok(([
            image,
            complete,
            longest,
            at(0.5),
            at(0.95),
            at(1.0),
            frames.len() as f64,
            log.len() as f64,
            bytes as f64 / 1e6,
            ours,
        ], tasks))
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
    let nocat = ensure_data(base, rows)?;
    println!(
        "gzv-bench engine: the page's thread while a dataset loads (the engine in a Web Worker), dragging the map all along; {runs} cold runs, medians (worst run for the longest task: of every task, and of those that end after the page's first script began, i.e. without the browser's commit of the new document before it)"
    );
    println!(
        "{:<26} {:>5} | {:>9} {:>10} | {:>12} {:>11} | {:>9} {:>9} {:>9} {:>7} | {:>8} {:>8}",
        "dataset",
        "lat",
        "1st image",
        "all drawn",
        "longest task",
        "from script",
        "frame med",
        "frame p95",
        "worst",
        "frames",
        "requests",
        "MB"
    );
    let sets = [
        (
            format!("1 shard, {rows} rows"),
            format!("/legacy-{rows}/data/train-00000-of-00001.parquet"),
        ),
        (
            format!("{SHARDS} shards, no catalog"),
            format!("/{nocat}/index.json"),
        ),
    ];
    for (name, url) in &sets {
        for &latency in latencies {
            data.set_faults(Faults {
                latency_ms: latency,
                ..Faults::default()
            });
            let mut got: Vec<[f64; 10]> = Vec::new();
            let mut worst_tasks = (f64::NEG_INFINITY, String::new());
            for _ in 0..runs {
                match run(app, data, url).await {
                    Ok((r, tasks)) => {
                        if r[2] > worst_tasks.0 {
                            worst_tasks = (r[2], tasks);
                        }
                        got.push(r)
                    }
                    Err(e) => eprintln!("gzv-bench engine: {name} at {latency} ms: {e}"),
                }
            }
            let m = |i: usize| crate::median(got.iter().map(|r| r[i]).collect());
            let worst = |i: usize| got.iter().map(|r| r[i]).fold(f64::NAN, f64::max);
            println!(
                "{:<26} {:>5} | {:>6.0} ms {:>7.0} ms | {:>9.0} ms {:>8.0} ms | {:>6.1} ms {:>6.1} ms {:>6.1} ms {:>7.0} | {:>8.0} {:>8.1}",
                name,
                latency,
                m(0),
                m(1),
                worst(2),
                worst(9),
                m(3),
                m(4),
                m(5),
                m(6),
                m(7),
                m(8)
            );
            // every run's longest task (the target is about every run, not only the worst)
            let each: Vec<String> = got
                .iter()
                .map(|r| {
                    if r[2] > 50.0 {
                        format!("{:.0} ms", r[2])
                    } else {
                        "none over 50 ms".to_string()
                    }
                })
                .collect();
            println!("    longest task of each run: {}", each.join(", "));
            if !worst_tasks.1.is_empty() {
                println!(
                    "    long tasks of the worst run (start+ms | the page's slow work): {}",
                    worst_tasks.1
                );
            }
        }
    }
    Ok(())
}
