//! `--only peers`: GZ Viewer beside the in-browser parquet readers a visitor would use
//! instead — hyparquet (with hyparquet-compressors) and parquet-wasm — on the same file,
//! row and data server, in the same Chromium, one cold visitor per run, the readers
//! interleaved run by run. Each reader's page marks four steps (ready, footer parsed, one
//! image decoded and on screen for a row outside the first row group, ra/dec of every
//! row in memory); each run's values are checked against the file, so a broken reader is
//! not a fast one. The peers' pages (`tools/gzv-bench/peers/`) are bundled by
//! `scripts/bench` into `target/bench-peers/site` from npm packages installed there:
//! they are never part of the app.

use gzv_browser::Browser;
use gzv_server::{Faults, LogEntry, Server};
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::file::serialized_reader::ReadOptionsBuilder;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The row shown: in the fifth row group of the older layout (row groups of 100).
pub const ROW: u64 = 437;

/// Each step: its name, GZ Viewer's mark, the peers' mark.
const STEPS: [(&str, &str, &str); 4] = [
    ("ready", "gzv:ready", "peer:ready"),
    ("footer parsed", "gzv:metadata", "peer:metadata"),
    (
        "first image on screen",
        "gzv:first-image",
        "peer:first-image",
    ),
    ("ra/dec of every row", "gzv:positions", "peer:positions"),
];

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Reader {
    Gzv,
    Hyparquet,
    ParquetWasm,
}

const READERS: [Reader; 3] = [Reader::Gzv, Reader::Hyparquet, Reader::ParquetWasm];

impl Reader {
    fn name(self) -> &'static str {
        match self {
            Reader::Gzv => "GZ Viewer",
            Reader::Hyparquet => "hyparquet",
            Reader::ParquetWasm => "parquet-wasm",
        }
    }
}

/// What a reader must have read, from the file itself.
struct Expect {
    rows: u64,
    id: String,
    ra_sum: f64,
}

/// One cold run: ms from navigation to each step, and what the data server answered up
/// to each step (requests other than HEAD and OPTIONS, and their bytes).
struct Sample {
    ms: [f64; 4],
    requests: [u64; 4],
    bytes: [u64; 4],
    head_options: u64,
    max_in_flight: u64,
    /// The longest main-thread task (Long Tasks API) that began before each step.
    longest: [f64; 4],
    log: Vec<LogEntry>,
    time_origin: f64,
}

/// Conditions of the data server: name, added latency, shared link speed (bytes/s).
const CONDITIONS: [(&str, u64, u64); 3] = [
    ("0 ms", 0, 0),
    ("50 ms", 50, 0),
    ("50 ms + 50 Mbit/s", 50, 6_250_000),
];

fn expect(file: &Path) -> Result<Expect, String> {
    use arrow_array::cast::AsArray;
    use arrow_array::types::Float64Type;
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    let f = std::fs::File::open(file).map_err(|e| e.to_string())?;
    let b = ParquetRecordBatchReaderBuilder::try_new(f).map_err(|e| e.to_string())?;
    let rows = b.metadata().file_metadata().num_rows() as u64;
    let mask = parquet::arrow::ProjectionMask::columns(b.parquet_schema(), ["id_str", "ra"]);
    let reader = b
        .with_projection(mask)
        .with_batch_size(8192)
        .build()
        .map_err(|e| e.to_string())?;
    let (mut id, mut ra_sum, mut at) = (String::new(), 0.0, 0u64);
    for batch in reader {
        let batch = batch.map_err(|e| e.to_string())?;
        let ids = batch.column(0).as_string::<i32>();
        let ra = batch.column(1).as_primitive::<Float64Type>();
        for i in 0..batch.num_rows() {
            if at == ROW {
                id = ids.value(i).to_string();
            }
            ra_sum += ra.value(i);
            at += 1;
        }
    }
    Ok(Expect { rows, id, ra_sum })
}

/// The least each step can read, in bytes: (footer, first image as the peers show it
/// (its image only), first galaxy as GZ Viewer shows it (image, id, position, votes),
/// ra/dec of every row). Pages when the file has an offset index, else column chunks;
/// the offset index itself counted where it is used.
pub fn minimum(file: &Path) -> Result<[u64; 4], String> {
    let f = std::fs::File::open(file).map_err(|e| e.to_string())?;
    let size = f.metadata().map_err(|e| e.to_string())?.len();
    let reader = SerializedFileReader::new_with_options(
        f,
        ReadOptionsBuilder::new().with_page_index().build(),
    )
    .map_err(|e| e.to_string())?;
    let meta = reader.metadata();
    let tail = {
        use std::io::{Read, Seek, SeekFrom};
        let mut f = std::fs::File::open(file).map_err(|e| e.to_string())?;
        let mut b = [0u8; 8];
        f.seek(SeekFrom::End(-8)).map_err(|e| e.to_string())?;
        f.read_exact(&mut b).map_err(|e| e.to_string())?;
        u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as u64 + 8
    };
    let footer = size - tail..size;
    // the row group holding ROW, and ROW within it
    let (mut group, mut first) = (0usize, 0u64);
    while group + 1 < meta.num_row_groups()
        && first + meta.row_group(group).num_rows() as u64 <= ROW
    {
        first += meta.row_group(group).num_rows() as u64;
        group += 1;
    }
    let rg = meta.row_group(group);
    let page_index = meta.page_index_for_row_group(group);
    // the bytes of column `col` that hold ROW: its page (and dictionary), or its chunk
    let for_row = |col: usize| -> Vec<Range<u64>> {
        let c = rg.column(col);
        let (start, len) = c.byte_range();
        let Some(pages) = page_index.offset_index(col).map(|o| o.page_locations()) else {
            return std::iter::once(start..start + len).collect();
        };
        let mut out = Vec::new();
        if let (Some(d), Some(p0)) = (c.dictionary_page_offset(), pages.first()) {
            out.push(d as u64..p0.offset as u64);
        }
        let within = ROW - first;
        let page = pages
            .iter()
            .rev()
            .find(|p| p.first_row_index as u64 <= within);
        match page {
            Some(p) => out.push(p.offset as u64..p.offset as u64 + p.compressed_page_size as u64),
            None => out.push(start..start + len),
        }
        if let (Some(o), Some(l)) = (c.offset_index_offset(), c.offset_index_length()) {
            out.push(o as u64..o as u64 + l as u64);
        }
        out
    };
    let schema = meta.file_metadata().schema_descr();
    let col = |name: &str| {
        (0..schema.num_columns()).find(|&i| schema.column(i).path().parts()[0] == name)
    };
    let image_cols: Vec<usize> = (0..schema.num_columns())
        .filter(|&i| schema.column(i).path().parts()[0] == "image")
        .filter(|&i| schema.column(i).name() == "bytes")
        .collect();
    let mut image: Vec<Range<u64>> = std::iter::once(footer.clone()).collect();
    for &c in &image_cols {
        image.extend(for_row(c));
    }
    let mut galaxy = image.clone();
    for c in 0..schema.num_columns() {
        if schema.column(c).path().parts()[0] != "image" {
            galaxy.extend(for_row(c));
        }
    }
    let mut positions: Vec<Range<u64>> = std::iter::once(footer.clone()).collect();
    for rg in meta.row_groups() {
        for c in [col("ra"), col("dec")].into_iter().flatten() {
            let (start, len) = rg.column(c).byte_range();
            positions.push(start..start + len);
        }
    }
    Ok([
        tail,
        crate::union_len(&image),
        crate::union_len(&galaxy),
        crate::union_len(&positions),
    ])
}

/// A page's marks (ms from navigation, -1 when not yet) and the time origin.
async fn marks(browser: &Browser, names: [&str; 4]) -> (f64, [f64; 4]) {
    let v = browser
        .js(&format!(
            "return [performance.timeOrigin, ...{names:?}.map(n => {{ const e = performance.getEntriesByName(n)[0]; return e ? e.startTime : -1; }})]"
        ))
        .await;
    let a = v.as_array().cloned().unwrap_or_default();
    let f = |i: usize| a.get(i).and_then(|x| x.as_f64()).unwrap_or(-1.0);
    (f(0), [f(1), f(2), f(3), f(4)])
}

/// One cold visitor with `reader` on `file_url`; the values it shows are checked.
async fn run_once(
    reader: Reader,
    app: &Server,
    peers: &Server,
    data: &Server,
    file_url: &str,
    want: &Expect,
) -> Result<Sample, String> {
    let browser = Browser::start().await;
    data.clear_log();
    let page = match reader {
        Reader::Gzv => format!("{}/?url={file_url}&row={ROW}", app.url()),
        Reader::Hyparquet => format!("{}/hyparquet.html?url={file_url}&row={ROW}", peers.url()),
        Reader::ParquetWasm => {
            format!("{}/parquet-wasm.html?url={file_url}&row={ROW}", peers.url())
        }
    };
    let names = match reader {
        Reader::Gzv => STEPS.map(|s| s.1),
        _ => STEPS.map(|s| s.2),
    };
    let result = async {
        browser
            .client
            .goto(&page)
            .await
            .map_err(|e| e.to_string())?;
        let deadline = Instant::now() + Duration::from_secs(180);
        loop {
            let (origin, ms) = marks(&browser, names).await;
            let done = match reader {
                Reader::Gzv => ms.iter().all(|&m| m >= 0.0),
                _ => !browser
                    .js("return window.__peer === undefined")
                    .await
                    .as_bool()
                    .unwrap_or(true),
            };
            if done {
                check(reader, &browser, want).await?;
                let (origin, ms) = if reader == Reader::Gzv {
                    (origin, ms)
                } else {
                    marks(&browser, names).await
                };
                // every long task of the page's main thread so far (buffered entries)
                let tasks = browser
                    .js("return await new Promise(r => { try { new PerformanceObserver((l, o) => { o.disconnect(); r(l.getEntries().map(e => [e.startTime, e.duration])); }).observe({type: 'longtask', buffered: true}); } catch (e) { r([]); } setTimeout(() => r([]), 300); })")
                    .await;
                let tasks: Vec<(f64, f64)> = tasks
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .map(|t| (t[0].as_f64().unwrap_or(0.0), t[1].as_f64().unwrap_or(0.0)))
                            .collect()
                    })
                    .unwrap_or_default();
                return Ok((origin, ms, tasks));
            }
            let alert = browser
                .js("return document.querySelector('[role=alert]')?.innerText || ''")
                .await;
            let alert = alert.as_str().unwrap_or("");
            if !alert.is_empty() || Instant::now() > deadline {
                return Err(format!("{} did not finish: {alert}", reader.name()));
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
    .await;
    browser.close().await;
    let (time_origin, ms, tasks) = result?;
    let longest = ms.map(|m| {
        tasks
            .iter()
            .filter(|(start, _)| *start <= m)
            .map(|(_, d)| *d)
            .fold(0.0, f64::max)
    });
    let log = data.log();
    let mut s = Sample {
        ms,
        requests: [0; 4],
        bytes: [0; 4],
        head_options: 0,
        max_in_flight: data.max_in_flight(),
        longest,
        log: Vec::new(),
        time_origin,
    };
    for e in &log {
        if e.method == "HEAD" || e.method == "OPTIONS" {
            s.head_options += 1;
            continue;
        }
        for (k, m) in ms.iter().enumerate() {
            if e.at_ms <= time_origin + m {
                s.requests[k] += 1;
                s.bytes[k] += e.bytes;
            }
        }
    }
    s.log = log;
    Ok(s)
}

/// The values a reader shows must be the file's.
async fn check(reader: Reader, browser: &Browser, want: &Expect) -> Result<(), String> {
    if reader == Reader::Gzv {
        let v = browser
            .js("const c = document.getElementById('galaxy-image'); return [document.getElementById('galaxy-id')?.textContent, c?.width, c?.height, document.getElementById('sum-rows')?.textContent]")
            .await;
        let ok = v[0] == want.id.as_str()
            && v[1] == 424
            && v[2] == 424
            && v[3] == want.rows.to_string().as_str();
        return if ok {
            Ok(())
        } else {
            Err(format!("GZ Viewer showed {v}, not row {ROW} ({})", want.id))
        };
    }
    let p = browser.js("return window.__peer").await;
    if p["ok"] != true {
        return Err(format!("{} failed: {}", reader.name(), p["error"]));
    }
    let ra = p["sumRa"].as_f64().unwrap_or(f64::NAN);
    let ok = p["rows"] == want.rows
        && p["count"] == want.rows
        && p["width"] == 424
        && p["height"] == 424
        && (ra - want.ra_sum).abs() <= 1e-6 * want.ra_sum.abs().max(1.0);
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{} read wrong values: {p} (want {} rows, sum of ra {})",
            reader.name(),
            want.rows,
            want.ra_sum
        ))
    }
}

fn median_range(v: &[f64]) -> (f64, f64, f64) {
    let mut v = v.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    if v.is_empty() {
        return (f64::NAN, f64::NAN, f64::NAN);
    }
    (v[v.len() / 2], v[0], v[v.len() - 1])
}

fn median_u(v: impl Iterator<Item = u64>) -> u64 {
    let mut v: Vec<u64> = v.collect();
    v.sort();
    v.get(v.len() / 2).copied().unwrap_or(0)
}

/// Run the section over `datasets` (name, path of its one shard on the data server,
/// local path): print one table per dataset and condition.
pub async fn bench(
    app: &Server,
    data: &Server,
    datasets: &[(String, String, PathBuf)],
    runs: usize,
    trace: bool,
) -> Result<(), String> {
    let site = crate::root().join("target/bench-peers/site");
    if !site.join("hyparquet.js").is_file() || !site.join("parquet-wasm.js").is_file() {
        return Err(format!(
            "the peers' pages are not built in {}: run ./scripts/bench (it bundles them)",
            site.display()
        ));
    }
    let peers = Server::start(&site, 0)
        .await
        .map_err(|e| format!("peers' server: {e}"))?;
    println!(
        "gzv-bench peers: {runs} cold runs per reader, interleaved; row {ROW}; medians (min-max) in ms from navigation; requests and MB read up to each step (HEAD/OPTIONS apart)"
    );
    // GZV_PEERS_ONLY=text: only the datasets whose name holds it (for quick comparisons)
    let only = std::env::var("GZV_PEERS_ONLY").unwrap_or_default();
    for (name, path, local) in datasets.iter().filter(|d| d.0.contains(&only)) {
        let want = expect(local)?;
        let min = minimum(local)?;
        let file_url = format!("{}{path}", data.url());
        for (cond, latency, link) in CONDITIONS {
            data.set_faults(Faults {
                latency_ms: latency,
                link_bps: link,
                ..Faults::default()
            });
            let mut samples: Vec<Vec<Sample>> = READERS.iter().map(|_| Vec::new()).collect();
            for _ in 0..runs {
                for (k, &reader) in READERS.iter().enumerate() {
                    match run_once(reader, app, &peers, data, &file_url, &want).await {
                        Ok(s) => {
                            if trace {
                                let t0 = s.time_origin;
                                let line: Vec<String> = s
                                    .log
                                    .iter()
                                    .map(|e| {
                                        format!(
                                            "{:.0}:{}:{}",
                                            e.at_ms - t0,
                                            e.range.as_deref().unwrap_or(&e.method),
                                            e.bytes
                                        )
                                    })
                                    .collect();
                                eprintln!(
                                    "trace {name} {cond} {}: marks {:?}; requests {}",
                                    reader.name(),
                                    s.ms,
                                    line.join(" ")
                                );
                            }
                            samples[k].push(s)
                        }
                        Err(e) => eprintln!("gzv-bench peers: {name}, {cond}: {e}"),
                    }
                }
            }
            print_table(name, cond, &samples, &min);
        }
    }
    Ok(())
}

fn print_table(name: &str, cond: &str, samples: &[Vec<Sample>], min: &[u64; 4]) {
    println!("\n{name}, {cond}");
    println!(
        "{:<22} | {:>19} | {:>19} | {:>19} | {:>22}",
        "step", "GZ Viewer", "hyparquet", "parquet-wasm", "GZ Viewer ÷ best peer"
    );
    for (k, (step, _, _)) in STEPS.iter().enumerate() {
        let cells: Vec<(f64, f64, f64)> = samples
            .iter()
            .map(|s| median_range(&s.iter().map(|x| x.ms[k]).collect::<Vec<_>>()))
            .collect();
        let best = (1..READERS.len())
            .filter(|&r| cells[r].0.is_finite())
            .min_by(|&a, &b| cells[a].0.total_cmp(&cells[b].0));
        let ratio = match best {
            Some(b) if cells[0].0.is_finite() => {
                format!("{:.2}x ({})", cells[0].0 / cells[b].0, READERS[b].name())
            }
            _ => "-".into(),
        };
        let cell = |c: (f64, f64, f64)| {
            if c.0.is_finite() {
                format!("{:.0} ({:.0}-{:.0})", c.0, c.1, c.2)
            } else {
                "failed".into()
            }
        };
        println!(
            "{:<22} | {:>19} | {:>19} | {:>19} | {:>22}",
            step,
            cell(cells[0]),
            cell(cells[1]),
            cell(cells[2]),
            ratio
        );
    }
    println!("{:<22} |", "requests / MB to it");
    for (k, (step, _, _)) in STEPS.iter().enumerate().skip(1) {
        let cell = |s: &Vec<Sample>| {
            if s.is_empty() {
                return "-".to_string();
            }
            format!(
                "{} / {:.2}",
                median_u(s.iter().map(|x| x.requests[k])),
                median_u(s.iter().map(|x| x.bytes[k])) as f64 / 1e6
            )
        };
        println!(
            "{:<22} | {:>19} | {:>19} | {:>19} |",
            step,
            cell(&samples[0]),
            cell(&samples[1]),
            cell(&samples[2])
        );
    }
    println!("{:<22} |", "longest task before it");
    for (k, (step, _, _)) in STEPS.iter().enumerate().skip(1) {
        let cell = |s: &Vec<Sample>| {
            let (m, lo, hi) = median_range(&s.iter().map(|x| x.longest[k]).collect::<Vec<_>>());
            if m.is_finite() {
                format!("{m:.0} ({lo:.0}-{hi:.0}) ms")
            } else {
                "-".into()
            }
        };
        println!(
            "{:<22} | {:>19} | {:>19} | {:>19} |",
            step,
            cell(&samples[0]),
            cell(&samples[1]),
            cell(&samples[2])
        );
    }
    let extra = |s: &Vec<Sample>| {
        format!(
            "{} HEAD/OPT, {} at once",
            median_u(s.iter().map(|x| x.head_options)),
            median_u(s.iter().map(|x| x.max_in_flight))
        )
    };
    println!(
        "{:<22} | {:>19} | {:>19} | {:>19} |",
        "",
        extra(&samples[0]),
        extra(&samples[1]),
        extra(&samples[2])
    );
    println!(
        "minimum MB: footer {:.3}, image {:.3} (the galaxy with its columns {:.3}), ra/dec {:.3}",
        min[0] as f64 / 1e6,
        min[1] as f64 / 1e6,
        min[2] as f64 / 1e6,
        min[3] as f64 / 1e6
    );
}
