//! `gzv-bench [--runs N] [--rows N] [--latency 0,50]`: cold opens of a one-shard dataset of
//! realistic size, in both HuggingFace layouts, by the release build in headless Chromium.
//! The app is served by one test server and the data by another (cross-origin, as from
//! HuggingFace), with latency added to every data request. Prints medians of cold runs:
//! time from navigation to `gzv:metadata`, to the first image drawn, and to ra/dec of every
//! row in memory (`gzv:positions`); requests and bytes of each phase; bytes fetched over the
//! minimum the page needs. A benchmark prints figures; it asserts nothing about speed.

mod engine;
mod hf;
mod peers;

use gzv_browser::Browser;
use gzv_sample::{Layout, Options};
use gzv_server::{Faults, LogEntry, Server};
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::file::serialized_reader::ReadOptionsBuilder;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const MARKS: [&str; 4] = [
    "gzv:ready",
    "gzv:metadata",
    "gzv:first-image",
    "gzv:positions",
];

struct Config {
    trace: bool,
    /// Run only these sections (open, peers, engine, hf, panel, sky, filter, like, gallery, table); all when
    /// empty.
    only: Vec<String>,
    runs: usize,
    rows: usize,
    latencies: Vec<u64>,
}

fn parse() -> Result<Config, String> {
    let mut c = Config {
        trace: false,
        only: Vec::new(),
        runs: 5,
        rows: 11_400,
        latencies: vec![0, 50],
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--trace" {
            c.trace = true;
            continue;
        }
        let v = args.next().ok_or(format!("{a} needs a value"))?;
        match a.as_str() {
            "--runs" => c.runs = v.parse().map_err(|_| format!("--runs: {v}"))?,
            "--rows" => c.rows = v.parse().map_err(|_| format!("--rows: {v}"))?,
            "--only" => c.only = v.split(',').map(|x| x.trim().to_string()).collect(),
            "--latency" => {
                c.latencies = v
                    .split(',')
                    .map(|x| x.trim().parse().map_err(|_| format!("--latency: {x}")))
                    .collect::<Result<_, _>>()?
            }
            other => return Err(format!("unknown option {other}")),
        }
    }
    Ok(c)
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Generate `target/bench-data/{legacy,new}` once (gz_desi-sized JPEGs, one train shard).
fn ensure_data(rows: usize) -> Result<PathBuf, String> {
    let base = root().join("target/bench-data");
    for (name, layout) in [("legacy", Layout::Legacy), ("new", Layout::New)] {
        let out = base.join(format!("{name}-{rows}"));
        if out.join("index.json").is_file() {
            continue;
        }
        eprintln!(
            "gzv-bench: generating {rows} rows in the {name} layout into {}",
            out.display()
        );
        let o = Options {
            out: out.clone(),
            rows,
            rows_per_shard: rows,
            train_fraction: 1.0,
            jpeg_quality: 92,
            layout,
            ..Options::default()
        };
        gzv_sample::generate(&o, &mut |l| eprintln!("{l}"))?;
    }
    Ok(base)
}

/// The byte ranges a cold open cannot do without: the footer, the first row's image,
/// id_str, ra, dec and vote counts (whole chunks, or their first pages when an offset
/// index exists), and id_str/ra/dec of every row group.
fn minimum(file: &Path) -> Result<Vec<Range<u64>>, String> {
    let f = std::fs::File::open(file).map_err(|e| e.to_string())?;
    let size = f.metadata().map_err(|e| e.to_string())?.len();
    let reader = SerializedFileReader::new_with_options(
        f,
        ReadOptionsBuilder::new().with_page_index().build(),
    )
    .map_err(|e| e.to_string())?;
    let meta = reader.metadata();
    let bytes = std::fs::read(file).map_err(|e| e.to_string())?;
    let n = bytes.len();
    let footer =
        u32::from_le_bytes([bytes[n - 8], bytes[n - 7], bytes[n - 6], bytes[n - 5]]) as u64 + 8;
    let mut need = Vec::new();
    need.push(size - footer..size);
    let rg0 = meta.row_group(0);
    for col in (0..rg0.num_columns()).filter(|&c| c != 1) {
        let c = rg0.column(col);
        let (start, len) = c.byte_range();
        let page_index = meta.page_index_for_row_group(0);
        let page = page_index
            .offset_index(col)
            .and_then(|o| o.page_locations().first().cloned());
        match page {
            Some(p) if (rg0.num_rows() as usize) > 4 => {
                if let Some(d) = c.dictionary_page_offset() {
                    need.push(d as u64..p.offset as u64);
                }
                need.push(p.offset as u64..p.offset as u64 + p.compressed_page_size as u64);
            }
            _ => need.push(start..start + len),
        }
    }
    for rg in meta.row_groups() {
        // id_str, ra, dec: positions, and ids for links by id
        for col in [2usize, 3, 4] {
            let (start, len) = rg.column(col).byte_range();
            need.push(start..start + len);
        }
    }
    Ok(need)
}

fn union_len(ranges: &[Range<u64>]) -> u64 {
    let mut v = ranges.to_vec();
    v.sort_by_key(|r| r.start);
    let mut total = 0;
    let mut cur: Option<Range<u64>> = None;
    for r in v {
        cur = match cur {
            Some(c) if r.start <= c.end => Some(c.start..c.end.max(r.end)),
            Some(c) => {
                total += c.end - c.start;
                Some(r)
            }
            None => Some(r),
        };
    }
    total + cur.map(|c| c.end - c.start).unwrap_or(0)
}

/// One cold open: mark times (ms from navigation) and the data server's log.
struct Run {
    marks: [f64; 4],
    time_origin: f64,
    log: Vec<LogEntry>,
}

async fn cold_open(app: &Server, data: &Server, manifest: &str) -> Result<Run, String> {
    let browser = Browser::start().await;
    data.clear_log();
    browser
        .client
        .goto(&format!("{}/?url={}{manifest}", app.url(), data.url()))
        .await
        .map_err(|e| e.to_string())?;
    let deadline = Instant::now() + Duration::from_secs(180);
    let script = format!(
        "const m = {:?}.map(n => performance.getEntriesByName(n)[0]); return [performance.timeOrigin, ...m.map(e => e ? e.startTime : -1), document.querySelector('[role=alert]')?.innerText || ''];",
        MARKS
    );
    loop {
        let v = browser.js(&script).await;
        let a = v.as_array().cloned().unwrap_or_default();
        let f = |i: usize| a.get(i).and_then(|x| x.as_f64()).unwrap_or(-1.0);
        // both the first image and every position (either may come last)
        if f(3) >= 0.0 && f(4) >= 0.0 {
            let run = Run {
                marks: [f(1), f(2), f(3), f(4)],
                time_origin: f(0),
                log: data.log(),
            };
            browser.close().await;
            return Ok(run);
        }
        let alert = a.get(5).and_then(|x| x.as_str()).unwrap_or("");
        if !alert.is_empty() || Instant::now() > deadline {
            browser.close().await;
            return Err(format!("the page did not finish: {alert}"));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    if v.is_empty() {
        f64::NAN
    } else {
        v[v.len() / 2]
    }
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cfg = match parse() {
        Ok(c) => c,
        Err(e) => {
            eprintln!(
                "gzv-bench: {e}\nusage: gzv-bench [--runs N] [--rows N] [--latency 0,50] [--only open,peers,engine,hf,panel,sky,filter,like,gallery,table]"
            );
            return std::process::ExitCode::from(2);
        }
    };
    let dist = root().join("dist");
    if !dist.join("index.html").is_file() {
        eprintln!("gzv-bench: no release build in dist/: run ./scripts/bench (it builds the app)");
        return std::process::ExitCode::FAILURE;
    }
    let base = match ensure_data(cfg.rows) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("gzv-bench: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let app = Server::start(&dist, 0).await.expect("app server");
    let data = Server::start(&base, 0).await.expect("data server");
    let wanted = |section: &str| cfg.only.is_empty() || cfg.only.iter().any(|s| s == section);
    if wanted("open") {
        println!(
            "gzv-bench: {} cold runs each, medians; times in ms from navigation; app and data on different origins",
            cfg.runs
        );
        println!(
            "{:<7} {:>5} | {:>6} {:>6} {:>7} {:>5} {:>8} | {:>13} {:>21} | {:>7}",
            "layout",
            "lat",
            "ready",
            "meta",
            "image",
            "RTTs",
            "ra/dec",
            "requests f/i/p",
            "MB footer/image/pos",
            "vs min"
        );
        for layout in ["legacy", "new"] {
            let dir = format!("{layout}-{}", cfg.rows);
            let shard = base.join(&dir).join("data/train-00000-of-00001.parquet");
            let size = std::fs::metadata(&shard).map(|m| m.len()).unwrap_or(0);
            let min = minimum(&shard).map(|r| union_len(&r)).unwrap_or(0);
            for &latency in &cfg.latencies {
                data.set_faults(Faults {
                    latency_ms: latency,
                    ..Faults::default()
                });
                let mut rows: Vec<[f64; 12]> = Vec::new();
                for _ in 0..cfg.runs {
                    let run = match cold_open(&app, &data, &format!("/{dir}/index.json")).await {
                        Ok(r) => r,
                        Err(e) => {
                            eprintln!("gzv-bench: {layout} at {latency} ms: {e}");
                            continue;
                        }
                    };
                    if cfg.trace {
                        let t0 = run.time_origin;
                        let line: Vec<String> = run
                            .log
                            .iter()
                            .map(|e| format!("{:.0}", e.at_ms - t0))
                            .collect();
                        eprintln!(
                            "trace {layout} {latency}: marks {:?}; arrivals {}",
                            run.marks,
                            line.join(" ")
                        );
                    }
                    // phase of each request by when it arrived, against the page's marks
                    let abs = |m: f64| run.time_origin + m;
                    let mut req = [0f64; 3];
                    let mut bytes = [0f64; 3];
                    for e in run.log.iter().filter(|e| e.path.ends_with(".parquet")) {
                        let phase = if e.at_ms < abs(run.marks[1]) {
                            0
                        } else if e.at_ms < abs(run.marks[2]) {
                            1
                        } else {
                            2
                        };
                        req[phase] += 1.0;
                        bytes[phase] += e.bytes as f64;
                    }
                    let total: f64 = bytes.iter().sum();
                    let rtts = if latency > 0 {
                        (run.marks[2] - run.marks[0]) / latency as f64
                    } else {
                        f64::NAN
                    };
                    rows.push([
                        run.marks[0],
                        run.marks[1],
                        run.marks[2],
                        rtts,
                        run.marks[3],
                        req[0],
                        req[1],
                        req[2],
                        bytes[0],
                        bytes[1],
                        bytes[2],
                        total / min as f64,
                    ]);
                }
                let m = |i: usize| median(rows.iter().map(|r| r[i]).collect());
                println!(
                    "{:<7} {:>5} | {:>6.0} {:>6.0} {:>7.0} {:>5.1} {:>8.0} | {:>3.0}/{:>3.0}/{:>5.0} {:>7.2}/{:>6.2}/{:>6.2} | {:>6.3}x",
                    layout,
                    latency,
                    m(0),
                    m(1),
                    m(2),
                    m(3),
                    m(4),
                    m(5),
                    m(6),
                    m(7),
                    m(8) / 1e6,
                    m(9) / 1e6,
                    m(10) / 1e6,
                    m(11)
                );
            }
            println!(
                "{:<7} shard: {:.0} MB, minimum needed {:.2} MB",
                layout,
                size as f64 / 1e6,
                min as f64 / 1e6
            );
        }
        println!();
    }
    if wanted("peers") {
        let mut datasets = Vec::new();
        for rows in [cfg.rows, 1_000] {
            let base = match ensure_data(rows) {
                Ok(b) => b,
                Err(e) => {
                    eprintln!("gzv-bench: {e}");
                    return std::process::ExitCode::FAILURE;
                }
            };
            for (layout, name) in [
                ("legacy", "older layout (row groups of 100)"),
                ("new", "newer layout (one row group, page index)"),
            ] {
                let path = format!("/{layout}-{rows}/data/train-00000-of-00001.parquet");
                datasets.push((
                    format!("{name}, {rows} rows"),
                    path.clone(),
                    base.join(path.trim_start_matches('/')),
                ));
            }
        }
        if let Err(e) = peers::bench(&app, &data, &datasets, cfg.runs, cfg.trace).await {
            eprintln!("gzv-bench: peers: {e}");
            return std::process::ExitCode::FAILURE;
        }
        println!();
    }
    if wanted("engine") {
        if let Err(e) = engine::bench(&app, &data, &base, cfg.rows, cfg.runs, &cfg.latencies).await
        {
            eprintln!("gzv-bench: engine: {e}");
            return std::process::ExitCode::FAILURE;
        }
        println!();
    }
    if wanted("hf") {
        if let Err(e) = hf::bench(&app, &data, &base, cfg.rows, cfg.runs, &cfg.latencies).await {
            eprintln!("gzv-bench: hf: {e}");
            return std::process::ExitCode::FAILURE;
        }
        println!();
    }
    if wanted("panel") {
        println!(
            "gzv-bench: the galaxy panel (medians): decode of one 424x424 JPEG, and click on Next to the next galaxy drawn"
        );
        println!(
            "{:<7} {:>5} | {:>18} {:>22} | {:>14}",
            "layout", "lat", "createImageBitmap", "+ pixels read back", "click → drawn"
        );
        for layout in ["legacy", "new"] {
            let dir = format!("{layout}-{}", cfg.rows);
            for &latency in &cfg.latencies {
                data.set_faults(Faults {
                    latency_ms: latency,
                    ..Faults::default()
                });
                match panel_timings(&app, &data, &format!("/{dir}/index.json"), cfg.runs.max(5))
                    .await
                {
                    Ok((bitmap, pixels, click)) => println!(
                        "{:<7} {:>5} | {:>15.2} ms {:>19.2} ms | {:>11.0} ms",
                        layout, latency, bitmap, pixels, click
                    ),
                    Err(e) => eprintln!("gzv-bench: {layout} at {latency} ms: {e}"),
                }
            }
        }
        println!();
    }
    if wanted("sky")
        && let Err(e) = sky_bench(&app, &data, &base, &cfg).await
    {
        eprintln!("gzv-bench: sky map: {e}");
        return std::process::ExitCode::FAILURE;
    }
    if wanted("filter")
        && let Err(e) = filter_bench(&app, &data, &base, &cfg).await
    {
        eprintln!("gzv-bench: filters: {e}");
        return std::process::ExitCode::FAILURE;
    }
    if wanted("like")
        && let Err(e) = like_bench(&app, &data, &base, &cfg).await
    {
        eprintln!("gzv-bench: like this: {e}");
        return std::process::ExitCode::FAILURE;
    }
    if wanted("gallery")
        && let Err(e) = gallery_bench(&app, &data, &base, &cfg).await
    {
        eprintln!("gzv-bench: gallery: {e}");
        return std::process::ExitCode::FAILURE;
    }
    if wanted("table") {
        table_bench(&app, &data, &cfg).await;
    }
    std::process::ExitCode::SUCCESS
}

/// Run `run` `cfg.runs` times at each latency of `cfg.latencies` and print the medians of
/// its figures with `print` (latency, medians) as each latency completes.
async fn per_latency<const N: usize, Fut>(
    cfg: &Config,
    data: &Server,
    what: &str,
    run: impl Fn() -> Fut,
    print: impl Fn(u64, [f64; N]),
) where
    Fut: std::future::Future<Output = Result<[f64; N], String>>,
{
    for &latency in &cfg.latencies {
        data.set_faults(Faults {
            latency_ms: latency,
            ..Faults::default()
        });
        let mut runs: Vec<[f64; N]> = Vec::new();
        for _ in 0..cfg.runs {
            match run().await {
                Ok(r) => runs.push(r),
                Err(e) => eprintln!("gzv-bench: {what} at {latency} ms: {e}"),
            }
        }
        let medians: [f64; N] =
            std::array::from_fn(|i| median(runs.iter().map(|r| r[i]).collect()));
        print(latency, medians);
    }
}

/// The gallery over the sky benchmark's 399,000 galaxies: from choosing a new filter (whose
/// votes are not loaded yet) to its first thumbnail and to every visible thumbnail, then
/// frame times while the gallery is scrolled fast (a rAF loop moving it 600 px a frame).
async fn gallery_bench(
    app: &Server,
    data: &Server,
    base: &Path,
    cfg: &Config,
) -> Result<(), String> {
    let dir = ensure_sky_data(base, cfg.rows)?;
    println!(
        "gzv-bench: gallery over {} galaxies (medians of {} cold runs)",
        SKY_SHARDS * cfg.rows,
        cfg.runs
    );
    println!(
        "{:>5} | {:>16} {:>16} | {:>12} {:>12} {:>12} {:>8} {:>12} | {:>9}",
        "lat",
        "first thumbnail",
        "all visible",
        "frame med",
        "frame p95",
        "frame max",
        "frames",
        "longest task",
        "DOM cells"
    );
    per_latency(
        cfg,
        data,
        "gallery",
        || gallery_run(app, data, &dir),
        |latency, m| {
            println!(
                "{:>5} | {:>13.0} ms {:>13.0} ms | {:>9.1} ms {:>9.1} ms {:>9.1} ms {:>8.0} {:>9.0} ms | {:>9.0}",
                latency, m[0], m[1], m[2], m[3], m[4], m[5], m[6], m[7],
            )
        },
    )
    .await;
    Ok(())
}

async fn gallery_run(app: &Server, data: &Server, dir: &str) -> Result<[f64; 8], String> {
    let browser = Browser::start().await;
    browser
        .client
        .goto(&format!(
            "{}/?url={}/{dir}/index.json",
            app.url(),
            data.url()
        ))
        .await
        .map_err(|e| e.to_string())?;
    // every point loaded and the first thumbnails shown
    let settled = "return new Promise(done => {
        const t0 = performance.now();
        const check = () => {
          const p = document.getElementById('gallery-progress');
          const sky = performance.getEntriesByName('gzv:sky-complete')[0];
          if (sky && p && p.dataset.shown === p.dataset.wanted && p.dataset.batches === '0') return done(true);
          if (performance.now() - t0 > 120000) return done(false);
          setTimeout(check, 20);
        };
        check();
      })";
    if browser.js(settled).await != serde_json::Value::Bool(true) {
        browser.close().await;
        return Err("the gallery never settled".into());
    }
    // a preset on a question whose votes are not loaded: time to its first and to all
    // visible thumbnails (the cells of the old selection do not count)
    let times = browser
        .js("return new Promise(done => {
            const s = document.getElementById('filter-preset');
            const o = [...s.options].find(o => o.text.startsWith('Edge-on disks (dr8)'));
            const t0 = performance.now();
            s.value = o.value; s.dispatchEvent(new Event('change'));
            let first = -1;
            const check = () => {
              const count = document.getElementById('filter-count');
              const g = document.getElementById('gallery-count');
              const fresh = count && g && count.dataset.count === g.dataset.count && document.querySelectorAll('#filter-conditions li').length === 3;
              if (fresh) {
                if (first < 0 && document.querySelector('#gallery-window .thumb[data-state=ready] img')) first = performance.now() - t0;
                const p = document.getElementById('gallery-progress');
                if (p && p.dataset.shown === p.dataset.wanted && p.dataset.batches === '0' && +p.dataset.wanted > 0) return done([first, performance.now() - t0]);
              }
              if (performance.now() - t0 > 60000) return done(['timeout', document.querySelector('.gallery').innerText]);
              setTimeout(check, 2);
            };
            check();
          })")
        .await;
    let pair: Vec<f64> = times
        .as_array()
        .map(|a| a.iter().filter_map(|x| x.as_f64()).collect())
        .unwrap_or_default();
    if pair.len() != 2 {
        browser.close().await;
        return Err(format!("new filter: {times}"));
    }
    // back to every galaxy, then scroll fast for two seconds, counting frames
    browser
        .js("const s = document.getElementById('filter-clear'); if (s) s.click();")
        .await;
    let scroll = browser
        .js("return new Promise(done => {
            const sc = document.getElementById('gallery-scroll');
            const long = [];
            try { new PerformanceObserver(l => { for (const e of l.getEntries()) long.push(e.duration); }).observe({type: 'longtask'}); } catch (e) {}
            const wait = () => {
              const g = document.getElementById('gallery-count');
              if (!g || +g.dataset.count < 100000) return setTimeout(wait, 20);
              const frames = []; let last = performance.now(); const t0 = last; let cells = 0;
              const step = now => {
                frames.push(now - last); last = now;
                sc.scrollTop += 600;
                cells = Math.max(cells, document.querySelectorAll('#gallery-window .thumb').length);
                if (now - t0 < 2000) requestAnimationFrame(step);
                else setTimeout(() => {
                  frames.shift();
                  frames.sort((a, b) => a - b);
                  const q = f => frames[Math.min(frames.length - 1, Math.floor(f * frames.length))];
                  console.log('slow', (window.__gzvSlow || []).slice(-30).join(' ')); window.__slowTail = (window.__gzvSlow || []).slice(-30).join(' '); done([q(0.5), q(0.95), frames[frames.length - 1], frames.length, Math.max(0, ...long), cells]);
                }, 100);
              };
              requestAnimationFrame(t => { last = t; requestAnimationFrame(step); });
            };
            wait();
          })")
        .await;
    if std::env::var_os("GZV_BENCH_VERBOSE").is_some() {
        eprintln!(
            "gallery slow work: {}",
            browser.js("return window.__slowTail").await
        );
    }
    browser.close().await;
    let s: Vec<f64> = scroll
        .as_array()
        .map(|a| a.iter().filter_map(|x| x.as_f64()).collect())
        .unwrap_or_default();
    if s.len() != 6 {
        return Err(format!("scroll: {scroll}"));
    }
    Ok([pair[0], pair[1], s[0], s[1], s[2], s[3], s[4], s[5]])
}

/// Filters over the sky benchmark's 399,000 galaxies: a filter in the address counted (from
/// navigation), then a new filter needing another question's votes (from the choice to the
/// count), and the evaluation alone over every galaxy.
async fn filter_bench(
    app: &Server,
    data: &Server,
    base: &Path,
    cfg: &Config,
) -> Result<(), String> {
    let dir = ensure_sky_data(base, cfg.rows)?;
    println!(
        "gzv-bench: filters over {} galaxies from the catalog sidecar (medians of {} cold runs)",
        SKY_SHARDS * cfg.rows,
        cfg.runs
    );
    println!(
        "{:>5} | {:>22} {:>26} | {:>14} {:>14}",
        "lat", "address filter counted", "new filter (+1 question)", "evaluate", "re-evaluate"
    );
    per_latency(
        cfg,
        data,
        "filters",
        || filter_run(app, data, &dir),
        |latency, m| {
            println!(
                "{:>5} | {:>19.0} ms {:>23.0} ms | {:>11.2} ms {:>11.2} ms",
                latency, m[0], m[1], m[2], m[3]
            )
        },
    )
    .await;
    Ok(())
}

async fn filter_run(app: &Server, data: &Server, dir: &str) -> Result<[f64; 4], String> {
    let browser = Browser::start().await;
    let first = "smooth-or-featured-dr8_featured-or-disk:0.6..1:n3";
    browser
        .client
        .goto(&format!(
            "{}/?url={}/{dir}/index.json&filter={first}",
            app.url(),
            data.url()
        ))
        .await
        .map_err(|e| e.to_string())?;
    // in the page: wait for a count whose conditions number `n`, resolve with the time and
    // the evaluation's own milliseconds
    let wait = |n: usize| {
        format!(
            "return new Promise(done => {{
               const check = () => {{
                 const c = document.getElementById('filter-count');
                 const e = document.getElementById('filter-error');
                 if (e) return done(['error', e.innerText]);
                 if (c && document.querySelectorAll('#filter-conditions li').length === {n}) return done([performance.now(), parseFloat(c.dataset.ms)]);
                 setTimeout(check, 5);
               }};
               check();
             }})"
        )
    };
    let pair = |v: serde_json::Value| -> Result<(f64, f64), String> {
        let a = v.as_array().cloned().unwrap_or_default();
        match (
            a.first().and_then(|x| x.as_f64()),
            a.get(1).and_then(|x| x.as_f64()),
        ) {
            (Some(t), Some(ms)) => Ok((t, ms)),
            _ => Err(format!("no count: {v}")),
        }
    };
    let (counted, eval_ms) = pair(browser.js(&wait(1)).await)?;
    // a preset on another question (its votes not loaded yet)
    let t0 = browser
        .js("const s = document.getElementById('filter-preset'); const o = [...s.options].find(o => o.text.startsWith('Edge-on disks (dr8)'));
             const t = performance.now(); s.value = o.value; s.dispatchEvent(new Event('change')); return t")
        .await
        .as_f64()
        .ok_or("no preset")?;
    let (t1, _) = pair(browser.js(&wait(3)).await)?;
    // a threshold change only: everything is loaded, so this is the evaluation alone
    browser
        .js("const s = document.getElementById('filter-answer'); const o = [...s.options].find(o => o.text.startsWith('smooth-or-featured → smooth (dr8)'));
             s.value = o.value; s.dispatchEvent(new Event('change'))")
        .await;
    browser
        .wait_for("#filter-add:not([disabled])")
        .await
        .click()
        .await
        .map_err(|e| e.to_string())?;
    let (_, re_ms) = pair(browser.js(&wait(4)).await)?;
    browser.close().await;
    Ok([counted, t1 - t0, eval_ms, re_ms])
}

/// "Galaxies like this one" over the sky benchmark's 399,000 galaxies, from `?like=` in the
/// address: from navigation to the galaxies found (every question's votes of the campaign
/// read from the catalog sidecar), the comparison itself, and its longest slice.
async fn like_bench(app: &Server, data: &Server, base: &Path, cfg: &Config) -> Result<(), String> {
    let dir = ensure_sky_data(base, cfg.rows)?;
    println!(
        "gzv-bench: galaxies like this one over {} galaxies (medians of {} cold runs; target: comparison <= 100 ms, slices <= 50 ms)",
        SKY_SHARDS * cfg.rows,
        cfg.runs
    );
    println!(
        "{:>5} | {:>24} | {:>14} {:>14}",
        "lat", "found, from navigation", "comparison", "longest slice"
    );
    per_latency(
        cfg,
        data,
        "like this",
        || like_run(app, data, &dir),
        |latency, m| {
            println!(
                "{:>5} | {:>21.0} ms | {:>11.1} ms {:>11.1} ms",
                latency, m[0], m[1], m[2]
            )
        },
    )
    .await;
    Ok(())
}

async fn like_run(app: &Server, data: &Server, dir: &str) -> Result<[f64; 3], String> {
    let browser = Browser::start().await;
    browser
        .client
        .goto(&format!(
            "{}/?url={}/{dir}/index.json&row=1234&like=1234",
            app.url(),
            data.url()
        ))
        .await
        .map_err(|e| e.to_string())?;
    let v = browser
        .js("return new Promise(done => {
               const check = () => {
                 const s = document.getElementById('like-status');
                 if (s && s.dataset.state === 'failed') return done(['error', s.innerText]);
                 if (s && s.dataset.state === 'ready') return done([performance.now(), parseFloat(s.dataset.ms), parseFloat(s.dataset.sliceMs)]);
                 setTimeout(check, 5);
               };
               check();
             })")
        .await;
    browser.close().await;
    let a: Vec<f64> = v
        .as_array()
        .map(|a| a.iter().filter_map(|x| x.as_f64()).collect())
        .unwrap_or_default();
    match a[..] {
        [t, ms, slice] => Ok([t, ms, slice]),
        _ => Err(format!("no galaxies found: {v}")),
    }
}

/// Shards of the sky benchmark's dataset, and rows per shard (gz_desi: ~400,000 rows).
const SKY_SHARDS: usize = 35;

/// A 399,000-row dataset for the sky map: 35 manifest entries naming the legacy shard (so
/// footers and the first galaxy are real) and a synthetic catalog sidecar of 399,000 galaxies.
fn ensure_sky_data(base: &Path, rows_per_shard: usize) -> Result<String, String> {
    let rows = SKY_SHARDS * rows_per_shard;
    let dir = format!("sky-{rows}");
    let out = base.join(&dir);
    if out.join("index.json").is_file() {
        return Ok(dir);
    }
    std::fs::create_dir_all(&out).map_err(|e| e.to_string())?;
    eprintln!(
        "gzv-bench: writing a {rows}-row catalog sidecar into {}",
        out.display()
    );
    let catalog =
        gzv_sample::catalog::synthetic(rows, rows_per_shard, &out.join("catalog.parquet"), 7)?;
    let shard = gzv_sample::manifest::describe(
        &base.join(format!("legacy-{rows_per_shard}")),
        Path::new("data/train-00000-of-00001.parquet"),
        false,
    )?;
    let files: Vec<serde_json::Value> = (0..SKY_SHARDS)
        .map(|_| serde_json::json!({"split": "train", "path": format!("../legacy-{rows_per_shard}/{}", shard.path), "size": shard.size, "rows": shard.rows, "footer_len": shard.footer_len}))
        .collect();
    let manifest = serde_json::json!({"name": format!("{rows} galaxies (bench)"), "files": files, "catalog": catalog});
    std::fs::write(out.join("index.json"), manifest.to_string()).map_err(|e| e.to_string())?;
    Ok(dir)
}

/// The sky map at ~400,000 points: cold load of the catalog to every point drawn, frame
/// times while dragging and zooming, picking latency, memory.
async fn sky_bench(app: &Server, data: &Server, base: &Path, cfg: &Config) -> Result<(), String> {
    let dir = ensure_sky_data(base, cfg.rows)?;
    let catalog_size = std::fs::metadata(base.join(&dir).join("catalog.parquet"))
        .map(|m| m.len())
        .unwrap_or(0);
    println!(
        "gzv-bench: sky map, {} galaxies from a {:.1} MB catalog sidecar (medians of {} cold runs; frames: our draw of each frame)",
        SKY_SHARDS * cfg.rows,
        catalog_size as f64 / 1e6,
        cfg.runs
    );
    println!(
        "{:>5} | {:>12} {:>10} {:>10} {:>12} {:>12} | {:>12} {:>12} {:>12} | {:>11} {:>11} | {:>9} {:>9}",
        "lat",
        "all drawn",
        "catalog rq",
        "catalog MB",
        "longest task",
        "streaming",
        "frame med",
        "frame worst",
        "frame p95",
        "pick first",
        "pick med",
        "MB arrays",
        "MB heap"
    );
    for &latency in &cfg.latencies {
        data.set_faults(Faults {
            latency_ms: latency,
            ..Faults::default()
        });
        let mut runs: Vec<[f64; 12]> = Vec::new();
        for _ in 0..cfg.runs {
            match sky_run(app, data, &format!("/{dir}/index.json")).await {
                Ok(r) => runs.push(r),
                Err(e) => eprintln!("gzv-bench: sky at {latency} ms: {e}"),
            }
        }
        let m = |i: usize| median(runs.iter().map(|r| r[i]).collect());
        println!(
            "{:>5} | {:>9.0} ms {:>10.0} {:>10.2} {:>9.0} ms {:>9.0} ms | {:>9.2} ms {:>9.2} ms {:>9.2} ms | {:>8.2} ms {:>8.3} ms | {:>9.1} {:>9.1}",
            latency,
            m(0),
            m(1),
            m(2) / 1e6,
            m(10),
            m(11),
            m(3),
            m(4),
            m(5),
            m(6),
            m(7),
            m(8) / 1e6,
            m(9) / 1e6
        );
    }
    Ok(())
}

async fn sky_run(app: &Server, data: &Server, manifest: &str) -> Result<[f64; 12], String> {
    let browser = Browser::start().await;
    data.clear_log();
    browser
        .client
        .goto(&format!("{}/?url={}{manifest}", app.url(), data.url()))
        .await
        .map_err(|e| e.to_string())?;
    let deadline = Instant::now() + Duration::from_secs(180);
    let complete = loop {
        let v = browser.js("const m = performance.getEntriesByName('gzv:sky-complete')[0]; return m ? m.startTime : (document.querySelector('#sky-error')?.innerText || -1)").await;
        if let Some(t) = v.as_f64().filter(|t| *t >= 0.0) {
            break t;
        }
        if v.is_string() || Instant::now() > deadline {
            browser.close().await;
            return Err(format!("the map never completed: {v}"));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let catalog: Vec<LogEntry> = data
        .log()
        .into_iter()
        .filter(|e| e.path.ends_with("catalog.parquet"))
        .collect();
    // the longest main-thread task up to every point drawn (Long Tasks API, buffered)
    let longest = browser
        .js(&format!(
            "return new Promise(done => {{
               const end = {complete};
               let worst = 0;
               const long = [];
               const longAll = [];
               try {{
                 new PerformanceObserver(list => {{
                   for (const e of list.getEntries()) if (e.startTime <= end) {{
                     worst = Math.max(worst, e.duration);
                     longAll.push([e.startTime, e.duration]);
                     if (e.duration > 50) long.push(Math.round(e.startTime) + '+' + Math.round(e.duration));
                   }}
                 }}).observe({{type: 'longtask', buffered: true}});
               }} catch (e) {{ done(-1); }}
               const loaf = [];
               try {{
                 new PerformanceObserver(list => {{
                   for (const e of list.getEntries()) if (e.startTime <= end && e.duration > 50) {{
                     const scripts = e.scripts.map(s => s.invoker + ':' + Math.round(s.duration) + (s.sourceFunctionName ? '(' + s.sourceFunctionName + ')' : '')).join(',');
                     loaf.push(Math.round(e.startTime) + '+' + Math.round(e.duration) + ' render@' + Math.round(e.renderStart - e.startTime) + ' style@' + Math.round(e.styleAndLayoutStart - e.startTime) + ' [' + scripts + ']');
                   }}
                 }}).observe({{type: 'long-animation-frame', buffered: true}});
               }} catch (e) {{}}
               setTimeout(() => {{
                 window.__loaf = loaf.join(' ; ');
                 const first = performance.getEntriesByName('gzv:sky-first-points')[0];
                 window.__streamingWorst = first ? Math.max(0, ...longAll.filter(e => e[0] >= first.startTime).map(e => e[1])) : -1;
                 const marks = performance.getEntriesByType('mark').map(m => m.name + '@' + Math.round(m.startTime));
                 console.log('long tasks ' + long.join(' ') + ' | marks ' + marks.join(' '));
                 window.__long = long.join(' ') + ' | marks ' + marks.join(' ') + ' | slow work ' + (window.__gzvSlow || []).join(' ');
                 done(worst);
               }}, 300);
             }})"
        ))
        .await
        .as_f64()
        .unwrap_or(f64::NAN);
    if let Some(list) = browser
        .js("return window.__long || ''")
        .await
        .as_str()
        .filter(|s| !s.is_empty())
    {
        eprintln!("gzv-bench: sky tasks over 50 ms (start+ms): {list}");
    }
    if let Some(list) = browser
        .js("return window.__loaf || ''")
        .await
        .as_str()
        .filter(|s| !s.is_empty())
    {
        eprintln!("gzv-bench: sky long animation frames: {list}");
    }
    let streaming = browser
        .js("return window.__streamingWorst")
        .await
        .as_f64()
        .unwrap_or(f64::NAN);
    let catalog_bytes: u64 = catalog.iter().map(|e| e.bytes).sum();
    // frames: drag across, then zoom in and out with the wheel; each step waits two frames
    let step = |kind: &str, x: f64, y: f64| {
        format!(
            "const c = document.getElementById('sky-canvas'); const r = c.getBoundingClientRect();
             c.dispatchEvent(new {kind});
             return new Promise(done => requestAnimationFrame(() => requestAnimationFrame(() => done([parseFloat(c.dataset.frameMs), ...c.dataset.frameParts.split(',').map(parseFloat)]))))",
            kind = if kind == "wheel" {
                format!("WheelEvent('wheel', {{clientX: r.left + {x}, clientY: r.top + {y}, deltaY: -120, bubbles: true, cancelable: true}})")
            } else {
                format!("PointerEvent('{kind}', {{clientX: r.left + {x}, clientY: r.top + {y}, pointerId: 3, bubbles: true}})")
            }
        )
    };
    let mut frames = Vec::new();
    let mut parts: Vec<Vec<f64>> = Vec::new();
    let mut record = |v: serde_json::Value| {
        let a: Vec<f64> = v
            .as_array()
            .map(|a| a.iter().filter_map(|x| x.as_f64()).collect())
            .unwrap_or_default();
        if let Some(&ms) = a.first() {
            frames.push(ms);
            parts.push(a[1..].to_vec());
        }
    };
    browser.js(&step("pointerdown", 300.0, 150.0)).await;
    for i in 0..40 {
        record(
            browser
                .js(&step(
                    "pointermove",
                    300.0 + i as f64 * 8.0,
                    150.0 + (i % 5) as f64 * 4.0,
                ))
                .await,
        );
    }
    browser.js(&step("pointerup", 620.0, 150.0)).await;
    for i in 0..20 {
        record(browser.js(&step("wheel", 350.0, 150.0 + i as f64)).await);
    }
    let part = |k: usize| median(parts.iter().filter_map(|p| p.get(k).copied()).collect());
    if let Some((at, ms)) = frames.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)) {
        eprintln!(
            "gzv-bench: sky worst frame: #{at} of {} ({ms:.1} ms), parts {:?}",
            frames.len(),
            parts.get(at)
        );
    }
    eprintln!(
        "gzv-bench: sky frame parts (medians): projection {:.2} ms, raster {:.2} ms, copy to canvas {:.2} ms, overlays {:.2} ms",
        part(0),
        part(1),
        part(2),
        part(3)
    );
    let mut sorted = frames.clone();
    sorted.sort_by(|a, b| a.total_cmp(b));
    let p95 = sorted
        .get(sorted.len() * 95 / 100)
        .copied()
        .unwrap_or(f64::NAN);
    let worst = sorted.last().copied().unwrap_or(f64::NAN);
    // picking: the pointermove handler (nearest galaxy by the spatial index, then the hover)
    let pick = "const c = document.getElementById('sky-canvas'); const r = c.getBoundingClientRect(); const out = [];
        for (let i = 0; i < 60; i++) {
          const x = 100 + (i * 37) % 1000, y = 80 + (i * 53) % 450;
          const t = performance.now();
          c.dispatchEvent(new PointerEvent('pointermove', {clientX: r.left + x, clientY: r.top + y, pointerId: 4, bubbles: true}));
          out.push(performance.now() - t);
        }
        return out";
    let picks: Vec<f64> = browser
        .js(pick)
        .await
        .as_array()
        .map(|a| a.iter().filter_map(|x| x.as_f64()).collect())
        .unwrap_or_default();
    let bytes = browser
        .attr("#sky-canvas", "data-bytes")
        .await
        .and_then(|s| s.parse::<f64>().ok())
        .unwrap_or(f64::NAN);
    let heap = browser
        .attr("#sky-canvas", "data-wasm-memory")
        .await
        .and_then(|s| s.parse::<f64>().ok())
        .unwrap_or(f64::NAN);
    browser.close().await;
    let first_pick = picks.first().copied().unwrap_or(f64::NAN);
    Ok([
        complete,
        catalog.len() as f64,
        catalog_bytes as f64,
        median(frames),
        worst,
        p95,
        first_pick,
        median(picks.get(1..).unwrap_or(&[]).to_vec()),
        bytes,
        heap,
        longest,
        streaming,
    ])
}

/// The browser decoder's medians from the page's `?bench=decode`, then the median time from a click on
/// Next to that galaxy drawn, over `clicks` clicks.
async fn panel_timings(
    app: &Server,
    data: &Server,
    manifest: &str,
    clicks: usize,
) -> Result<(f64, f64, f64), String> {
    let browser = Browser::start().await;
    browser
        .client
        .goto(&format!(
            "{}/?url={}{manifest}&bench=decode",
            app.url(),
            data.url()
        ))
        .await
        .map_err(|e| e.to_string())?;
    let out = browser.wait_for("#bench-decode").await;
    let num = |v: Option<String>| v.and_then(|s| s.parse::<f64>().ok()).unwrap_or(f64::NAN);
    let bitmap = num(out.attr("data-bitmap").await.map_err(|e| e.to_string())?);
    let pixels = num(out.attr("data-pixels").await.map_err(|e| e.to_string())?);
    let mut times = Vec::new();
    for _ in 0..clicks {
        browser.js("window.__t0 = performance.now(); document.getElementById('nav-next').click(); return 0").await;
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let v = browser.js("const d = performance.getEntriesByName('gzv:galaxy-drawn').filter(m => m.startTime > window.__t0); return d.length ? d[0].startTime - window.__t0 : -1").await;
            if let Some(t) = v.as_f64().filter(|t| *t >= 0.0) {
                times.push(t);
                break;
            }
            if Instant::now() > deadline {
                browser.close().await;
                return Err("a galaxy was never drawn after a click".into());
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
    browser.close().await;
    Ok((bitmap, pixels, median(times)))
}

/// Rows of the table benchmark's plain table (no images, no votes).
const TABLE_ROWS: usize = 400_000;

/// The table view of a plain 400,000-row table (five columns, row groups of 20,000, pages
/// of 1,000 rows): from navigation to the first rows shown, from a jump to the middle to
/// its rows shown, then frame times while it is scrolled fast (600 px a frame for 2 s).
async fn table_bench(app: &Server, data: &Server, cfg: &Config) {
    let file = gzv_sample::fixtures::no_images(TABLE_ROWS, 20_000);
    println!(
        "gzv-bench: table view of a {TABLE_ROWS}-row table ({:.1} MB; medians of {} cold runs)",
        file.len() as f64 / 1e6,
        cfg.runs
    );
    data.put("/table.parquet", "application/octet-stream", file);
    println!(
        "{:>5} | {:>12} {:>12} | {:>12} {:>12} {:>12} {:>8} {:>12} | {:>9}",
        "lat",
        "first rows",
        "jump",
        "frame med",
        "frame p95",
        "frame max",
        "frames",
        "longest task",
        "DOM rows"
    );
    per_latency(
        cfg,
        data,
        "table",
        || table_run(app, data),
        |latency, m| {
            println!(
                "{:>5} | {:>9.0} ms {:>9.0} ms | {:>9.1} ms {:>9.1} ms {:>9.1} ms {:>8.0} {:>9.0} ms | {:>9.0}",
                latency, m[0], m[1], m[2], m[3], m[4], m[5], m[6], m[7],
            )
        },
    )
    .await;
}

async fn table_run(app: &Server, data: &Server) -> Result<[f64; 8], String> {
    let browser = Browser::start().await;
    let result = table_steps(&browser, app, data).await;
    browser.close().await;
    result
}

async fn table_steps(browser: &Browser, app: &Server, data: &Server) -> Result<[f64; 8], String> {
    browser
        .client
        .goto(&format!("{}/?url={}/table.parquet", app.url(), data.url()))
        .await
        .map_err(|e| e.to_string())?;
    // every wanted row shown: (ms since navigation) or a timeout
    let all_shown = "const p = document.getElementById('table-progress');
        return !!p && p.dataset.shown === p.dataset.wanted && p.dataset.batches === '0' && +p.dataset.wanted > 0";
    let first = browser
        .js(&format!(
            "return new Promise(done => {{
            const check = () => {{
              const ok = (() => {{ {all_shown} }})();
              if (ok) return done(performance.now());
              if (performance.now() > 120000) return done('timeout');
              setTimeout(check, 5);
            }};
            check();
          }})"
        ))
        .await;
    let first = first.as_f64().ok_or(format!("first rows: {first}"))?;
    let jump = browser
        .js(&format!(
            "return new Promise(done => {{
            const sc = document.getElementById('table-scroll');
            const t0 = performance.now();
            sc.scrollTop = sc.scrollHeight / 2;
            const check = () => {{
              const ok = (() => {{ {all_shown} }})();
              const mid = document.querySelector('#table-grid tr.row[data-state=ready]');
              if (ok && mid && +mid.dataset.row > 100000) return done(performance.now() - t0);
              if (performance.now() - t0 > 60000) return done('timeout');
              setTimeout(check, 2);
            }};
            setTimeout(check, 2);
          }})"
        ))
        .await;
    let jump = jump.as_f64().ok_or(format!("jump: {jump}"))?;
    let scroll = browser
        .js("return new Promise(done => {
            const sc = document.getElementById('table-scroll');
            const long = [];
            try { new PerformanceObserver(l => { for (const e of l.getEntries()) long.push(e.duration); }).observe({type: 'longtask'}); } catch (e) {}
            const frames = []; let last = 0; let t0 = 0; let rows = 0;
            const step = now => {
              frames.push(now - last); last = now;
              sc.scrollTop += 600;
              rows = Math.max(rows, document.querySelectorAll('#table-grid tr.row').length);
              if (now - t0 < 2000) requestAnimationFrame(step);
              else setTimeout(() => {
                frames.shift();
                frames.sort((a, b) => a - b);
                const q = f => frames[Math.min(frames.length - 1, Math.floor(f * frames.length))];
                done([q(0.5), q(0.95), frames[frames.length - 1], frames.length, Math.max(0, ...long), rows]);
              }, 100);
            };
            requestAnimationFrame(t => { last = t; t0 = t; requestAnimationFrame(step); });
          })")
        .await;
    let s: Vec<f64> = scroll
        .as_array()
        .map(|a| a.iter().filter_map(|x| x.as_f64()).collect())
        .unwrap_or_default();
    if s.len() != 6 {
        return Err(format!("scroll: {scroll}"));
    }
    Ok([first, jump, s[0], s[1], s[2], s[3], s[4], s[5]])
}
