//! End-to-end: the release build in headless Chromium, served by the real range-capable
//! test server, checked against values this test reads from the parquet files itself.

#![cfg(not(target_arch = "wasm32"))]

mod common;

use arrow_array::cast::AsArray;
use arrow_array::types::Float64Type;
use common::{Browser, dist_dir, manifest_files, serve_dist, wait_for_row};
use gzv_server::Faults;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use serde_json::Value;
use std::fs::File;

/// Row 0 of a file, read natively: id_str, ra, dec and the JPEG bytes.
fn first_row(path: &str) -> (String, f64, f64, Vec<u8>) {
    let file = File::open(dist_dir().join("sample").join(path)).expect("open parquet");
    let mut reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .unwrap()
        .with_batch_size(1)
        .build()
        .unwrap();
    let batch = reader.next().unwrap().unwrap();
    let id = batch
        .column_by_name("id_str")
        .unwrap()
        .as_string::<i32>()
        .value(0)
        .to_string();
    let ra = batch
        .column_by_name("ra")
        .unwrap()
        .as_primitive::<Float64Type>()
        .value(0);
    let dec = batch
        .column_by_name("dec")
        .unwrap()
        .as_primitive::<Float64Type>()
        .value(0);
    let image = batch.column_by_name("image").unwrap().as_struct();
    let jpeg = image
        .column_by_name("bytes")
        .unwrap()
        .as_binary::<i32>()
        .value(0)
        .to_vec();
    (id, ra, dec, jpeg)
}

/// Bytes of the column chunks the app needs after the footers: every column of row group
/// 0 of the first file (the first galaxy and its votes, one merged request), id_str, ra and
/// dec of every other row group of every file.
fn needed_chunk_bytes(first: &str) -> u64 {
    let mut total = 0;
    for (path, _, _) in manifest_files() {
        let file = File::open(dist_dir().join("sample").join(&path)).unwrap();
        let b = ParquetRecordBatchReaderBuilder::try_new(file).unwrap();
        for (i, rg) in b.metadata().row_groups().iter().enumerate() {
            // the first galaxy's row group: every column (image, id, ra, dec, 98 vote counts)
            let cols: Vec<usize> = if path == first && i == 0 {
                (0..rg.num_columns()).collect()
            } else {
                vec![2, 3, 4]
            };
            total += cols
                .iter()
                .map(|&c| rg.column(c).byte_range().1)
                .sum::<u64>();
        }
    }
    total
}

/// Wait until the summary says every row's position is loaded.
async fn wait_for_positions(browser: &Browser, rows: i64) {
    browser.wait_for("#sum-positions").await;
    let deadline = std::time::Instant::now() + common::PAGE_TIMEOUT;
    while !browser.text("#sum-positions").await.ends_with("galaxies") {
        assert!(
            std::time::Instant::now() < deadline,
            "positions never finished: {}",
            browser.text("#sum-positions").await
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(
        browser.text("#sum-positions").await,
        format!("{rows} galaxies")
    );
}

/// The footer length of a sample file, read natively.
fn footer_len(path: &str) -> u64 {
    let bytes = std::fs::read(dist_dir().join("sample").join(path)).unwrap();
    let n = bytes.len();
    u32::from_le_bytes(bytes[n - 8..n - 4].try_into().unwrap()) as u64 + 8
}

/// A row of a sample file, read natively.
fn row_batch(path: &str, row: usize) -> arrow_array::RecordBatch {
    let file = File::open(dist_dir().join("sample").join(path)).unwrap();
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .unwrap()
        .with_batch_size(1)
        .with_offset(row)
        .with_limit(1)
        .build()
        .unwrap();
    reader.into_iter().next().unwrap().unwrap()
}

/// id_str of a row of a sample file.
fn id_at(path: &str, row: usize) -> String {
    row_batch(path, row)
        .column_by_name("id_str")
        .unwrap()
        .as_string::<i32>()
        .value(0)
        .to_string()
}

/// One question's votes in one campaign: (campaign, question, [(answer, count)]).
type QuestionVotes = (String, String, Vec<(String, i64)>);

/// Vote counts of a row, from the file: campaign → question → [(answer, count)].
fn row_votes(path: &str, row: usize) -> Vec<QuestionVotes> {
    let batch = row_batch(path, row);
    let mut out: Vec<QuestionVotes> = Vec::new();
    for (i, field) in batch.schema().fields().iter().enumerate().skip(4) {
        let (left, answer) = field.name().split_once('_').unwrap();
        let (question, campaign) = left.rsplit_once('-').unwrap();
        let n = batch
            .column(i)
            .as_primitive::<arrow_array::types::Int32Type>()
            .value(0) as i64;
        match out
            .iter_mut()
            .find(|(c, q, _)| c == campaign && q == question)
        {
            Some(entry) => entry.2.push((answer.to_string(), n)),
            None => out.push((
                campaign.to_string(),
                question.to_string(),
                vec![(answer.to_string(), n)],
            )),
        }
    }
    out
}

async fn check_votes(browser: &Browser, path: &str, row: usize) {
    let shown = browser
        .js(r#"return [...document.querySelectorAll('.question')].map(q => ({
              campaign: q.dataset.campaign, question: q.dataset.question, total: +q.dataset.total,
              text: q.querySelector('.total').innerText,
              answers: [...q.querySelectorAll('.answer')].map(a => [a.dataset.answer, +a.dataset.count, +a.dataset.fraction, a.querySelector('.fraction').innerText]) }))"#)
        .await;
    let shown = shown.as_array().unwrap();
    let truth = row_votes(path, row);
    let voted: Vec<&str> = ["dr12", "dr5", "dr8"]
        .into_iter()
        .filter(|c| {
            truth.iter().any(|(tc, q, a)| {
                tc == c && q == "smooth-or-featured" && a.iter().map(|x| x.1).sum::<i64>() > 0
            })
        })
        .collect();
    assert!(!voted.is_empty());
    let shown_campaigns: std::collections::BTreeSet<&str> = shown
        .iter()
        .map(|q| q["campaign"].as_str().unwrap())
        .collect();
    assert_eq!(
        shown_campaigns,
        voted.iter().copied().collect(),
        "exactly the campaigns with votes are open"
    );
    let mut checked = 0;
    for (campaign, question, answers) in truth.iter().filter(|t| voted.contains(&t.0.as_str())) {
        let q = shown
            .iter()
            .find(|s| s["campaign"] == campaign.as_str() && s["question"] == question.as_str())
            .unwrap_or_else(|| panic!("{campaign} {question} not shown"));
        let total: i64 = answers.iter().map(|a| a.1).sum();
        assert_eq!(q["total"].as_i64(), Some(total), "{campaign} {question}");
        let rows = q["answers"].as_array().unwrap();
        if total == 0 {
            assert_eq!(
                q["text"], "not asked",
                "{campaign} {question}: not asked, never 0 %"
            );
            assert!(rows.is_empty());
            continue;
        }
        assert_eq!(rows.len(), answers.len());
        for (answer, count) in answers {
            let r = rows.iter().find(|r| r[0] == answer.as_str()).unwrap();
            let fraction = *count as f64 / total as f64;
            assert_eq!(
                r[1].as_i64(),
                Some(*count),
                "{campaign} {question} {answer}"
            );
            assert!(
                (r[2].as_f64().unwrap() - fraction).abs() < 1e-12,
                "{campaign} {question} {answer}"
            );
            assert_eq!(r[3].as_str().unwrap(), format!("{:.0} %", fraction * 100.0));
            checked += 1;
        }
    }
    assert!(checked >= 10, "checked {checked} fractions");
}

/// (rows, row groups) over all files, read natively.
fn totals() -> (i64, usize) {
    manifest_files()
        .iter()
        .fold((0, 0), |(r, g), (path, _, _)| {
            let file = File::open(dist_dir().join("sample").join(path)).unwrap();
            let b = ParquetRecordBatchReaderBuilder::try_new(file).unwrap();
            (
                r + b.metadata().file_metadata().num_rows(),
                g + b.metadata().num_row_groups(),
            )
        })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn opens_the_sample_and_draws_the_first_galaxy() {
    let server = serve_dist().await;
    let browser = Browser::start().await;
    browser
        .client
        .goto(&format!("{}/", server.url()))
        .await
        .unwrap();
    browser.wait_for("#galaxy-image[data-state='drawn']").await;

    // the galaxy shown is row 0 of the first train file, as the file itself says
    let files = manifest_files();
    let (first_path, _, _) = files.iter().find(|f| f.1 == "train").expect("a train file");
    let (id, ra, dec, jpeg) = first_row(first_path);
    assert_eq!(browser.text("#galaxy-id").await, id);
    assert_eq!(
        browser
            .attr("#galaxy-ra", "data-value")
            .await
            .unwrap()
            .parse::<f64>()
            .unwrap(),
        ra
    );
    assert_eq!(
        browser
            .attr("#galaxy-dec", "data-value")
            .await
            .unwrap()
            .parse::<f64>()
            .unwrap(),
        dec
    );
    assert!(
        browser
            .text("#galaxy-ra")
            .await
            .starts_with(&format!("{ra:.6}"))
    );
    assert_eq!(
        browser.text("#galaxy-ra-hms").await,
        gz_viewer::sky::ra_hms(ra)
    );
    assert_eq!(
        browser.text("#galaxy-dec-dms").await,
        gz_viewer::sky::dec_dms(dec)
    );
    assert_eq!(
        browser.attr("#galaxy-viewer-link", "href").await.unwrap(),
        gz_viewer::sky::legacy_viewer_url(ra, dec)
    );

    // every vote shown matches the file: campaigns with votes open, questions nobody was
    // asked say so, counts, totals and fractions as the test computes them itself
    check_votes(&browser, first_path, 0).await;

    // the summary matches the footers
    let (rows, groups) = totals();
    assert_eq!(browser.text("#sum-files").await, files.len().to_string());
    assert_eq!(browser.text("#sum-rows").await, rows.to_string());
    assert_eq!(browser.text("#sum-row-groups").await, groups.to_string());
    assert_eq!(browser.text("#sum-columns").await, "102 (103 leaf)");
    assert_eq!(browser.text("#sum-compression").await, "snappy");
    assert_eq!(browser.text("#sum-image-column").await, "image");

    // the canvas holds the decoded JPEG: compare a patch with a native decode
    let native = image::load_from_memory(&jpeg).unwrap().to_rgba8();
    let probe = browser
        .js(r#"const c = document.getElementById('galaxy-image');
              const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
              const mean = (x0, y0, n) => { let s = 0; for (let y = y0; y < y0 + n; y++) for (let x = x0; x < x0 + n; x++) { const i = 4 * (y * c.width + x); s += d[i] + d[i+1] + d[i+2]; } return s / (3 * n * n); };
              const patch = []; for (let y = 200; y < 208; y++) for (let x = 200; x < 208; x++) { const i = 4 * (y * c.width + x); patch.push(d[i], d[i+1], d[i+2]); }
              return { w: c.width, h: c.height, centre: mean(182, 182, 60), corner: (mean(0,0,40) + mean(384,0,40) + mean(0,384,40) + mean(384,384,40)) / 4, patch };"#)
        .await;
    assert_eq!(
        (probe["w"].as_u64(), probe["h"].as_u64()),
        (Some(424), Some(424))
    );
    let (centre, corner) = (
        probe["centre"].as_f64().unwrap(),
        probe["corner"].as_f64().unwrap(),
    );
    assert!(
        centre > corner + 25.0,
        "a galaxy sits bright in the centre of a dark sky: centre {centre}, corners {corner}"
    );
    let patch: Vec<i64> = probe["patch"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect();
    let mut k = 0;
    for y in 200..208 {
        for x in 200..208 {
            let p = native.get_pixel(x, y);
            for c in 0..3 {
                assert!(
                    (patch[k] - p[c] as i64).abs() <= 2,
                    "pixel ({x},{y}) channel {c}: browser {} vs native {}",
                    patch[k],
                    p[c]
                );
                k += 1;
            }
        }
    }

    // milestones are marked, in order
    let marks = browser
        .js("return performance.getEntriesByType('mark').map(m => [m.name, m.startTime])")
        .await;
    let at = |marks: &Value, name: &str| {
        marks
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m[0] == name)
            .and_then(|m| m[1].as_f64())
            .unwrap_or_else(|| panic!("no mark {name}: {marks}"))
    };
    assert!(
        at(&marks, "gzv:ready") <= at(&marks, "gzv:metadata")
            && at(&marks, "gzv:metadata") <= at(&marks, "gzv:first-image"),
        "{marks}"
    );

    // and the positions of every row arrive (beside the galaxy, behind its reads)
    wait_for_positions(&browser, rows).await;
    let marks = browser
        .js("return performance.getEntriesByType('mark').map(m => [m.name, m.startTime])")
        .await;
    assert!(
        at(&marks, "gzv:metadata") <= at(&marks, "gzv:positions"),
        "{marks}"
    );

    // every parquet read was a range request answered 206; far less than the files was read
    let log = server.log();
    let data: Vec<_> = log
        .iter()
        .filter(|e| e.path.ends_with(".parquet"))
        .collect();
    assert!(!data.is_empty());
    for e in &data {
        assert_eq!(e.status, 206, "{e:?}");
        assert!(
            e.range.as_deref().is_some_and(|r| r.starts_with("bytes=")),
            "{e:?}"
        );
    }
    // exactly: one footer read per file, one request for the first galaxy (its five
    // adjacent chunks merged), then one per other row group for ra+dec (adjacent, merged;
    // row group 0's came with the first galaxy and is served from the cache)
    assert_eq!(data.len(), files.len() + 1 + (groups - 1), "{data:#?}");
    let footers: Vec<_> = data
        .iter()
        .filter(|e| {
            files.iter().any(|f| {
                e.path.ends_with(&f.0)
                    && e.range
                        .as_deref()
                        .is_some_and(|r| r.ends_with(&format!("-{}", f.2 - 1)))
            })
        })
        .collect();
    assert_eq!(footers.len(), files.len(), "footer in one request per file");
    for e in &footers {
        let f = files.iter().find(|f| e.path.ends_with(&f.0)).unwrap();
        assert_eq!(
            e.bytes,
            footer_len(&f.0),
            "the manifest's footer_len: not a byte more"
        );
    }
    let needed = needed_chunk_bytes(first_path);
    let data_bytes: u64 = data
        .iter()
        .filter(|e| !footers.iter().any(|f| std::ptr::eq(*f, *e)))
        .map(|e| e.bytes)
        .sum();
    assert_eq!(data_bytes, needed, "no byte more than the chunks needed");
    let read: u64 = data.iter().map(|e| e.bytes).sum();
    let size: u64 = files.iter().map(|f| f.2).sum();
    assert!(read * 10 < size, "read {read} of {size} bytes");
    let shot = common::screenshot(&browser, "first-galaxy.png").await;
    eprintln!(
        "screenshot: {} ({} requests, {read} of {size} bytes)",
        shot.display(),
        data.len()
    );
    browser.close().await;
}

/// A parquet file on another origin (the usual case: a dataset host, not the app's):
/// reads are plain GETs with `bytes=N-M` ranges only (CORS-safelisted, so no preflight;
/// no HEAD, often forbidden on signed URLs), the length from a `bytes=0-0` probe, and the
/// galaxy decoded from those bytes is the file's own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_on_another_origin_opens_with_safelisted_ranges_only() {
    let app = serve_dist().await;
    let data = gzv_server::Server::start(dist_dir().join("sample"), 0)
        .await
        .expect("data server");
    let browser = Browser::start().await;
    let files = manifest_files();
    let (path, _, size) = files.iter().find(|f| f.1 == "train").expect("a train file");
    browser
        .client
        .goto(&format!("{}/?url={}/{path}", app.url(), data.url()))
        .await
        .unwrap();
    browser.wait_for("#galaxy-image[data-state='drawn']").await;
    let (id, ra, _, jpeg) = first_row(path);
    assert_eq!(browser.text("#galaxy-id").await, id);
    assert_eq!(
        browser.attr("#galaxy-ra", "data-value").await.unwrap(),
        ra.to_string()
    );
    let native = image::load_from_memory(&jpeg).unwrap().to_rgba8();
    let probe = browser
        .js(r#"const c = document.getElementById('galaxy-image');
              const d = c.getContext('2d').getImageData(212, 212, 1, 1).data;
              return [c.width, c.height, d[0], d[1], d[2]];"#)
        .await;
    let probe: Vec<i64> = probe
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect();
    assert_eq!(&probe[..2], &[424, 424]);
    let centre = native.get_pixel(212, 212);
    for c in 0..3 {
        assert!(
            (probe[2 + c] - centre[c] as i64).abs() <= 2,
            "{probe:?} vs {centre:?}"
        );
    }
    let log = data.log();
    assert!(!log.is_empty());
    for e in &log {
        assert_eq!(e.method, "GET", "no HEAD, no preflight: {e:?}");
        let range = e.range.as_deref().unwrap_or_default();
        assert!(
            range.starts_with("bytes=") && !range.starts_with("bytes=-"),
            "only bytes=N-M ranges cross-origin: {e:?}"
        );
        assert!(e.origin.is_some(), "the request was cross-origin: {e:?}");
        assert_eq!(e.status, 206, "{e:?}");
    }
    assert_eq!(log[0].range.as_deref(), Some("bytes=0-0"), "length probe");
    // the galaxy, the positions and the gallery's first thumbnails, not the file
    let read: u64 = log.iter().map(|e| e.bytes).sum();
    assert!(read * 4 < *size, "read {read} of {size} bytes");
    assert!(app.log().iter().all(|e| !e.path.ends_with(".parquet")));
    browser.close().await;
}

/// The galaxy asked for comes first: after the footer, the reads of its row group (its
/// image, id, position and votes) leave before any read for the map, the gallery or the
/// table, whose reads wait behind it in the read scheduler. Counted on the server's
/// log (order of arrival), not timed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_galaxy_asked_for_is_read_before_anything_else() {
    let app = serve_dist().await;
    let data = gzv_server::Server::start(dist_dir().join("sample"), 0)
        .await
        .expect("data server");
    data.set_faults(Faults {
        latency_ms: 50,
        ..Faults::default()
    });
    let files = manifest_files();
    let (path, _, size) = files.iter().find(|f| f.1 == "train").expect("a train file");
    let file = File::open(dist_dir().join("sample").join(path)).unwrap();
    let meta = ParquetRecordBatchReaderBuilder::try_new(file)
        .unwrap()
        .metadata()
        .clone();
    let row = 437u64;
    let (mut group, mut first) = (0, 0u64);
    while first + meta.row_group(group).num_rows() as u64 <= row {
        first += meta.row_group(group).num_rows() as u64;
        group += 1;
    }
    assert!(group > 0, "a row outside the first row group");
    let rg = meta.row_group(group);
    let span = |c: usize| {
        let (start, len) = rg.column(c).byte_range();
        start..start + len
    };
    let galaxy_start = span(0).start;
    let galaxy_end = span(rg.num_columns() - 1).end;
    let footer_start = size - footer_len(path);

    let browser = Browser::start().await;
    data.clear_log();
    browser
        .client
        .goto(&format!(
            "{}/?url={}/{path}&row={row}",
            app.url(),
            data.url()
        ))
        .await
        .unwrap();
    browser
        .wait_for(&format!("#galaxy-from[data-row='{row}']"))
        .await;
    browser.wait_for("#galaxy-image[data-state='drawn']").await;
    wait_for_positions(&browser, meta.file_metadata().num_rows()).await;
    let log = data.log();
    let parse = |r: &str| -> std::ops::Range<u64> {
        let (a, b) = r.trim_start_matches("bytes=").split_once('-').unwrap();
        a.parse().unwrap()..b.parse::<u64>().unwrap() + 1
    };
    let timed: Vec<(f64, std::ops::Range<u64>)> = log
        .iter()
        .filter_map(|e| e.range.as_deref().map(|r| (e.at_ms, parse(r))))
        .filter(|(_, r)| r.start < footer_start && r.end > 1)
        .collect();
    let reads: Vec<std::ops::Range<u64>> = timed.iter().map(|(_, r)| r.clone()).collect();
    assert!(!reads.is_empty(), "{log:#?}");
    let in_galaxy = |r: &std::ops::Range<u64>| r.start >= galaxy_start && r.end <= galaxy_end;
    // the galaxy's reads left first and cover its every column: they arrived before the
    // first read elsewhere, or with it (requests sent in one go over several connections
    // may reach the server a few ms out of order on a loaded machine)
    let first_other = timed
        .iter()
        .filter(|(_, r)| !in_galaxy(r))
        .map(|(t, _)| *t)
        .fold(f64::INFINITY, f64::min);
    let before: Vec<_> = timed
        .iter()
        .filter(|(t, r)| in_galaxy(r) && *t <= first_other + 15.0)
        .map(|(_, r)| r)
        .collect();
    for c in 0..rg.num_columns() {
        let col = span(c);
        assert!(
            before
                .iter()
                .any(|r| r.start <= col.start && col.end <= r.end),
            "column {c} of the galaxy's row group ({col:?}) was not read before the rest: {reads:?}"
        );
    }
    assert!(
        first_other.is_finite() && reads.len() > before.len(),
        "the map's reads came after: {reads:?}"
    );
    browser.close().await;
}

/// The data engine runs in a Web Worker: one that cannot start, or that dies, is said in
/// the page with its reason and a retry — never an empty dataset.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_engine_that_fails_is_said_with_a_retry() {
    let server = serve_dist().await;
    let dist = dist_dir();
    let name = |prefix: &str, suffix: &str| {
        std::fs::read_dir(&dist)
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .find(|n| n.starts_with(prefix) && n.ends_with(suffix))
            .unwrap_or_else(|| panic!("no {prefix}*{suffix} in dist/"))
    };
    let worker_js = format!("/{}", name("worker-", ".js"));
    let worker_wasm = format!("/{}", name("gzv-worker-", "_bg.wasm"));
    let browser = Browser::start().await;
    let check = |what: &'static str, expect: &'static str| {
        let browser = &browser;
        async move {
            let msg = browser
                .wait_for("#engine-error")
                .await
                .text()
                .await
                .unwrap();
            assert!(msg.contains(expect), "{what}: {msg}");
            browser.wait_for("#engine-retry").await;
            // (the panels are built a frame or more after the status line, in stages)
            assert!(
                !browser
                    .wait_for("#galaxy-error")
                    .await
                    .text()
                    .await
                    .unwrap()
                    .is_empty(),
                "{what}: the galaxy panel says it failed, not empty"
            );
            assert_ne!(
                browser.wait_for("#sum-rows").await.text().await.unwrap(),
                "0",
                "{what}: no empty dataset"
            );
        }
    };
    // its module cannot be loaded: the bootstrap says so
    server.put(&worker_wasm, "application/wasm", &b"not wasm"[..]);
    browser
        .client
        .goto(&format!("{}/", server.url()))
        .await
        .unwrap();
    check("a broken module", "the data engine could not start").await;
    // its script throws (as a worker that dies does): the worker's error event says so
    server.unput(&worker_wasm);
    server.put(
        &worker_js,
        "text/javascript",
        &b"throw new Error('broken on purpose');"[..],
    );
    browser
        .client
        .goto(&format!("{}/", server.url()))
        .await
        .unwrap();
    check("a worker that throws", "the data engine stopped").await;
    // fixed: the retry starts it afresh and the dataset opens
    server.unput(&worker_js);
    browser
        .wait_for("#engine-retry")
        .await
        .click()
        .await
        .unwrap();
    browser.wait_for("#galaxy-image[data-state='drawn']").await;
    assert!(
        browser
            .client
            .find(gzv_browser::Locator::Css("#engine-error"))
            .await
            .is_err()
    );
    browser.close().await;
}

/// A full visit to the sample (galaxy, map, gallery, table, schema, export) logs nothing
/// at level error — no missing favicon, no failed load, no exception — and breaks nothing
/// of the page's Content-Security-Policy.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_visit_logs_no_console_error_and_no_policy_violation() {
    let server = serve_dist().await;
    let browser = Browser::start().await;
    browser
        .client
        .goto(&format!("{}/", server.url()))
        .await
        .unwrap();
    browser.wait_for("#galaxy-image[data-state='drawn']").await;
    let (rows, _) = totals();
    wait_for_positions(&browser, rows).await;
    browser.wait_for("#sky-canvas[data-state='complete']").await;
    browser
        .wait_for("#gallery-window .thumb[data-state='ready']")
        .await;
    browser
        .wait_for("#table-panel summary")
        .await
        .click()
        .await
        .unwrap();
    browser.wait_for("#table-grid tr[data-row='0']").await;
    browser
        .wait_for("#schema-panel summary")
        .await
        .click()
        .await
        .unwrap();
    browser.wait_for("#schema-rows").await;
    browser
        .wait_for("#export-csv:not([disabled])")
        .await
        .click()
        .await
        .unwrap();
    browser.wait_for("#export-link").await;
    // the policy is in force: the page says so, and nothing broke it
    let csp = browser
        .js("return document.querySelector('meta[http-equiv=\"Content-Security-Policy\"]').content")
        .await;
    for directive in [
        "default-src 'self'",
        "script-src 'self' 'wasm-unsafe-eval'",
        "object-src 'none'",
        "base-uri 'none'",
        "style-src 'self'",
    ] {
        assert!(csp.as_str().unwrap().contains(directive), "{csp}");
    }
    assert_eq!(
        browser.js("return window.__gzvCspViolations").await,
        serde_json::json!([]),
        "securitypolicyviolation events"
    );
    // the console really is read: an error logged on purpose is seen
    browser
        .js("console.error('gzv-test-probe'); return 1")
        .await;
    let errors = browser.console_errors().await;
    let (probe, rest): (Vec<_>, Vec<_>) = errors
        .into_iter()
        .partition(|e| e.contains("gzv-test-probe"));
    assert_eq!(probe.len(), 1, "the probe error was logged and read back");
    assert!(rest.is_empty(), "console errors during a visit: {rest:#?}");
    assert!(
        server.log().iter().all(|e| e.status < 400),
        "every request of the page succeeded: {:#?}",
        server.log()
    );
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_read_as_messages_not_blank_pages() {
    let server = serve_dist().await;
    let browser = Browser::start().await;
    let base = server.url();

    // a parquet URL that does not exist
    browser
        .client
        .goto(&format!("{base}/?url=/sample/data/nope.parquet"))
        .await
        .unwrap();
    browser.wait_for(".files li.failed").await;
    let text = browser.text(".files li.failed .detail").await;
    assert!(
        text.contains("HTTP 404") && text.contains("not found"),
        "{text}"
    );
    assert!(
        browser
            .text("#galaxy-error")
            .await
            .contains("no file of the dataset could be read")
    );

    // a file that is not parquet
    browser
        .client
        .goto(&format!("{base}/?url=/index.html"))
        .await
        .unwrap();
    browser.wait_for(".files li.failed").await;
    let text = browser.text(".files li.failed .detail").await;
    assert!(
        text.contains("is not a parquet file") && text.contains("PAR1"),
        "{text}"
    );

    // one broken file among good ones: it alone fails, the dataset opens
    let files = manifest_files();
    let mixed = serde_json::json!({ "files": [
        { "split": "train", "path": "data/missing-00000.parquet", "size": 1000 },
        { "split": files[0].1, "path": files[0].0, "size": files[0].2 },
    ]});
    server.put(
        "/sample/mixed.json",
        "application/json",
        serde_json::to_vec(&mixed).unwrap(),
    );
    browser
        .client
        .goto(&format!("{base}/?url=/sample/mixed.json"))
        .await
        .unwrap();
    browser.wait_for("#galaxy-image[data-state='drawn']").await;
    assert_eq!(browser.text("#sum-files").await, "2 (1 failed)");
    assert!(
        browser
            .text(".files li.failed .detail")
            .await
            .contains("HTTP 404")
    );
    assert!(
        browser
            .text("#sum-rows")
            .await
            .contains("(from 1 of 2 files)")
    );

    // a manifest that does not exist
    browser
        .client
        .goto(&format!("{base}/?url=/missing/index.json"))
        .await
        .unwrap();
    browser.wait_for("#fatal-error").await;
    let text = browser.text("#fatal-error").await;
    assert!(text.contains("404"), "{text}");

    // a host that ignores Range: detected on the first answer and the download stopped
    // (a bandwidth cap stands in for a real network: on loopback the kernel's socket
    // buffers would swallow megabytes before any abort could land)
    server.set_faults(Faults {
        ignore_range: true,
        bandwidth_bps: 20_000_000,
        path_prefix: "/sample/data/".into(),
        ..Faults::default()
    });
    server.clear_log();
    browser.client.goto(&format!("{base}/")).await.unwrap();
    browser.wait_for("#galaxy-error").await;
    let failed = browser.js("return [...document.querySelectorAll('.files li.failed .detail')].map(e => e.innerText)").await;
    let failed = failed.as_array().unwrap();
    assert_eq!(
        failed.len(),
        manifest_files().len(),
        "every file fails: {failed:?}"
    );
    assert!(
        failed
            .iter()
            .all(|t| t.as_str().unwrap().contains("ignored the Range header")),
        "{failed:?}"
    );
    assert_eq!(
        browser.text("#sum-rows").await,
        "—",
        "no footer read: unknown, not 0"
    );
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    for e in server.log().iter().filter(|e| e.path.ends_with(".parquet")) {
        let size = manifest_files()
            .iter()
            .find(|f| e.path.ends_with(&f.0))
            .map(|f| f.2)
            .unwrap();
        assert!(
            e.bytes < size / 4,
            "download not stopped: {} of {size} bytes sent",
            e.bytes
        );
    }
    common::screenshot(&browser, "range-ignored.png").await;
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn embedded_footers_and_hugging_face_listings_open_without_footer_requests() {
    let server = serve_dist().await;
    let browser = Browser::start().await;
    let base = server.url();

    // a manifest with the footers inside: no footer request at all
    let sample = dist_dir().join("sample");
    let files: Vec<_> = manifest_files()
        .iter()
        .map(|(p, _, _)| {
            gzv_sample::manifest::describe(&sample, std::path::Path::new(p), true).unwrap()
        })
        .collect();
    let manifest = gzv_sample::manifest::Manifest {
        format: gzv_sample::manifest::FORMAT,
        name: "with footers".into(),
        files,
        catalog: None,
    };
    server.put(
        "/sample/index-footers.json",
        "application/json",
        serde_json::to_vec(&manifest).unwrap(),
    );
    server.clear_log();
    browser
        .client
        .goto(&format!("{base}/?url=/sample/index-footers.json"))
        .await
        .unwrap();
    browser.wait_for("#galaxy-image[data-state='drawn']").await;
    let (rows, groups) = totals();
    assert_eq!(browser.text("#sum-rows").await, rows.to_string());
    wait_for_positions(&browser, rows).await;
    let parquet: Vec<_> = server
        .log()
        .into_iter()
        .filter(|e| e.path.ends_with(".parquet"))
        .collect();
    for e in &parquet {
        let size = manifest_files()
            .iter()
            .find(|f| e.path.ends_with(&f.0))
            .unwrap()
            .2;
        assert!(
            !e.range
                .as_deref()
                .unwrap_or("")
                .ends_with(&format!("-{}", size - 1)),
            "a footer was fetched: {e:?}"
        );
    }
    assert_eq!(
        parquet.len(),
        1 + (groups - 1),
        "the first galaxy, then positions: {parquet:#?}"
    );

    // ?dataset=owner/name through a stand-in datasets server listing the sample's files
    let listing = serde_json::json!({
        "parquet_files": manifest_files().iter().map(|(p, split, size)| serde_json::json!({
            "dataset": "gzv/sample", "config": "default", "split": split,
            "url": format!("{base}/sample/{p}"), "filename": p, "size": size,
        })).collect::<Vec<_>>(),
        "pending": [], "failed": [], "partial": false,
    });
    server.put(
        "/stand-in/parquet",
        "application/json",
        serde_json::to_vec(&listing).unwrap(),
    );
    browser
        .client
        .goto(&format!(
            "{base}/?dataset=gzv/sample&datasets_server={base}/stand-in"
        ))
        .await
        .unwrap();
    browser.wait_for("#galaxy-image[data-state='drawn']").await;
    assert_eq!(browser.text("#sum-rows").await, rows.to_string());
    assert!(
        browser
            .text("header")
            .await
            .contains("gzv/sample (default)")
    );

    // the datasets server fails: the Hub API listing is used instead
    let hub = serde_json::json!({ "default": { "train": manifest_files().iter().filter(|f| f.1 == "train").map(|(p, _, _)| format!("{base}/sample/{p}")).collect::<Vec<_>>() } });
    server.put(
        "/hub/api/datasets/gzv/sample/parquet",
        "application/json",
        serde_json::to_vec(&hub).unwrap(),
    );
    browser
        .client
        .goto(&format!(
            "{base}/?dataset=gzv/sample&datasets_server={base}/nowhere&hub={base}/hub"
        ))
        .await
        .unwrap();
    browser.wait_for("#galaxy-image[data-state='drawn']").await;
    assert_eq!(browser.text("#sum-files").await, "2");

    // a malformed id is a message, not a request
    browser
        .client
        .goto(&format!("{base}/?dataset=not-an-id"))
        .await
        .unwrap();
    assert!(
        browser
            .wait_for("#fatal-error")
            .await
            .text()
            .await
            .unwrap()
            .contains("owner/name")
    );
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn navigation_by_buttons_keys_address_and_history() {
    use gzv_browser::Locator;
    let server = serve_dist().await;
    let browser = Browser::start().await;
    let base = server.url();
    let files = manifest_files();
    let (rows, _) = totals();
    let (train0, train1, test0) = (&files[0].0, &files[1].0, &files[2].0);

    // a link to a row opens that galaxy: global row 1234 is row 234 of the second train file
    browser
        .client
        .goto(&format!("{base}/?row=1234"))
        .await
        .unwrap();
    wait_for_row(&browser, 1234).await;
    assert_eq!(browser.text("#galaxy-id").await, id_at(train1, 234));
    check_votes(&browser, train1, 234).await;

    // a link by id finds the galaxy once the ids have arrived, and checks out the same
    let id = id_at(train1, 234);
    browser
        .client
        .goto(&format!("{base}/?id={id}"))
        .await
        .unwrap();
    wait_for_row(&browser, 1234).await;
    assert_eq!(browser.text("#galaxy-id").await, id);
    check_votes(&browser, train1, 234).await;
    browser
        .client
        .goto(&format!("{base}/?id=999999_99999"))
        .await
        .unwrap();
    assert!(
        browser
            .wait_for("#galaxy-error")
            .await
            .text()
            .await
            .unwrap()
            .contains("no galaxy with id 999999_99999")
    );

    // buttons and keys
    browser.client.goto(&format!("{base}/")).await.unwrap();
    wait_for_row(&browser, 0).await;
    browser
        .client
        .find(Locator::Css("#nav-next"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_row(&browser, 1).await;
    assert_eq!(browser.text("#galaxy-id").await, id_at(train0, 1));
    assert!(
        browser
            .client
            .current_url()
            .await
            .unwrap()
            .as_str()
            .contains("row=1")
    );
    browser
        .client
        .find(Locator::Css("body"))
        .await
        .unwrap()
        .send_keys("nn")
        .await
        .unwrap();
    wait_for_row(&browser, 3).await;
    browser.js("document.dispatchEvent(new KeyboardEvent('keydown', {key: 'ArrowLeft', bubbles: true}))").await;
    wait_for_row(&browser, 2).await;

    // back and forward step through the galaxies seen
    browser.client.back().await.unwrap();
    wait_for_row(&browser, 3).await;
    browser.client.back().await.unwrap();
    wait_for_row(&browser, 2).await;
    browser.client.forward().await.unwrap();
    wait_for_row(&browser, 3).await;

    // previous from the first row wraps to the last (the test split's last row)
    browser
        .client
        .goto(&format!("{base}/?row=0"))
        .await
        .unwrap();
    wait_for_row(&browser, 0).await;
    browser
        .client
        .find(Locator::Css("#nav-prev"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_row(&browser, rows as u64 - 1).await;
    assert_eq!(browser.text("#galaxy-id").await, id_at(test0, 499));

    // many steps in a row: earlier loads are cancelled, the last one wins
    browser
        .client
        .goto(&format!("{base}/?row=10"))
        .await
        .unwrap();
    wait_for_row(&browser, 10).await;
    browser
        .client
        .find(Locator::Css("body"))
        .await
        .unwrap()
        .send_keys("nnnnn")
        .await
        .unwrap();
    wait_for_row(&browser, 15).await;
    assert_eq!(browser.text("#galaxy-id").await, id_at(train0, 15));

    // random goes somewhere else, and says where in the address
    browser
        .client
        .find(Locator::Css("#nav-random"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser.wait_for("#galaxy-from:not([data-row='15'])").await;
    browser.wait_for("#galaxy-image[data-state='drawn']").await;
    let row: u64 = browser
        .attr("#galaxy-from", "data-row")
        .await
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        browser
            .client
            .current_url()
            .await
            .unwrap()
            .as_str()
            .contains(&format!("row={row}"))
    );
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn display_controls_change_the_pixels_and_reset_restores_them() {
    use gzv_browser::Locator;
    let server = serve_dist().await;
    let browser = Browser::start().await;
    browser
        .client
        .goto(&format!("{}/", server.url()))
        .await
        .unwrap();
    browser.wait_for("#galaxy-image[data-state='drawn']").await;
    let patch = || async {
        let v = browser
            .js("const c = document.getElementById('galaxy-image'); return [...c.getContext('2d').getImageData(150, 150, 16, 16).data]")
            .await;
        v.as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_i64().unwrap())
            .collect::<Vec<i64>>()
    };
    let original = patch().await;
    browser
        .client
        .find(Locator::Css("#ctl-invert"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let inverted = patch().await;
    for (i, (a, b)) in original.iter().zip(&inverted).enumerate() {
        let want = if i % 4 == 3 { *a } else { 255 - a };
        assert_eq!(*b, want, "byte {i}: inverted colour, same alpha");
    }
    browser
        .client
        .find(Locator::Css("#ctl-reset"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert_eq!(patch().await, original, "reset shows the image as stored");
    browser.js("const s = document.getElementById('ctl-stretch'); s.value = 'asinh'; s.dispatchEvent(new Event('change'))").await;
    let stretched = patch().await;
    assert!(
        stretched.iter().zip(&original).all(|(s, o)| s >= o),
        "asinh lifts every value"
    );
    assert!(
        stretched
            .iter()
            .zip(&original)
            .filter(|(s, o)| s > o)
            .count()
            > 100,
        "and visibly so"
    );
    browser.js("const s = document.getElementById('ctl-channel'); s.value = 'r'; s.dispatchEvent(new Event('change'))").await;
    let red = patch().await;
    assert!(
        red.chunks(4).all(|p| p[0] == p[1] && p[1] == p[2]),
        "one channel shows as grey"
    );
    browser
        .client
        .find(Locator::Css(".zoom-btn:nth-child(3)"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let width = browser
        .js("return document.getElementById('galaxy-image').getBoundingClientRect().width")
        .await;
    assert_eq!(
        width.as_f64().map(|w| w.round()),
        Some(1696.0),
        "4x zoom: 424 px shown as 1696"
    );
    browser.close().await;
}

/// A one-row gz_desi-shaped parquet whose image bytes are a JPEG cut short, or (`garbled`)
/// a JPEG that starts and ends as one should with nothing decodable between.
fn broken_image_parquet(garbled: bool) -> Vec<u8> {
    use arrow_array::{
        ArrayRef, BinaryArray, Float64Array, Int32Array, RecordBatch, StringArray, StructArray,
    };
    use std::sync::Arc;
    let schema = Arc::new(gzv_sample::write::schema());
    let arrow_schema::DataType::Struct(fields) = schema.field(0).data_type().clone() else {
        unreachable!()
    };
    let (_, _, _, jpeg) = first_row(&manifest_files()[0].0);
    let bytes = if garbled {
        let mut b = vec![0xFF, 0xD8, 0xFF, 0xE0];
        b.extend(std::iter::repeat_n(0x5A, 600));
        b.extend([0xFF, 0xD9]);
        b
    } else {
        jpeg[..jpeg.len() / 3].to_vec()
    };
    let image = StructArray::new(
        fields,
        vec![
            Arc::new(BinaryArray::from_iter_values([&bytes[..]])) as ArrayRef,
            Arc::new(StringArray::from(vec!["broken.jpg"])) as ArrayRef,
        ],
        None,
    );
    let mut cols: Vec<ArrayRef> = vec![
        Arc::new(image),
        Arc::new(StringArray::from(vec!["123456_7"])),
        Arc::new(Float64Array::from(vec![150.25])),
        Arc::new(Float64Array::from(vec![2.5])),
    ];
    for i in 4..schema.fields().len() {
        // five dr12 volunteers all said "smooth"; nothing else
        cols.push(Arc::new(Int32Array::from(vec![if i == 4 { 5 } else { 0 }])));
    }
    let batch = RecordBatch::try_new(schema.clone(), cols).unwrap();
    let mut out = Vec::new();
    let mut w = parquet::arrow::ArrowWriter::try_new(&mut out, schema, None).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_image_shows_a_placeholder_and_the_rest_still_works() {
    let server = serve_dist().await;
    let browser = Browser::start().await;
    // served whole (no range support): a small file is used whole, as it should be
    server.put(
        "/broken.parquet",
        "application/octet-stream",
        broken_image_parquet(false),
    );
    server.put(
        "/garbled.parquet",
        "application/octet-stream",
        broken_image_parquet(true),
    );
    browser
        .client
        .goto(&format!("{}/?url=/broken.parquet", server.url()))
        .await
        .unwrap();
    let placeholder = browser
        .wait_for("#galaxy-image-error")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        placeholder.contains("could not be shown") && placeholder.contains("JPEG"),
        "{placeholder}"
    );
    assert_eq!(browser.text("#galaxy-id").await, "123456_7");
    assert_eq!(browser.text("#galaxy-ra-hms").await, "10h 01m 00.00s");
    let smooth = browser
        .js("return document.querySelector(\".answer[data-answer='smooth']\").dataset.fraction")
        .await;
    assert_eq!(smooth.as_str(), Some("1"));
    assert_eq!(
        browser.text(".question[data-question='bar'] .total").await,
        "not asked"
    );
    assert!(
        browser.text("#votes-silent").await.contains("dr5")
            && browser.text("#votes-silent").await.contains("dr8")
    );
    // the gallery's cell for it says why there is no thumbnail
    let cell = browser
        .wait_for("#gallery-window .thumb[data-state='failed']")
        .await
        .text()
        .await
        .unwrap();
    assert!(cell.contains("truncated"), "{cell}");
    common::screenshot(&browser, "broken-image.png").await;
    // whole but undecodable: the browser's decoder says so, and the page says it
    browser
        .client
        .goto(&format!("{}/?url=/garbled.parquet", server.url()))
        .await
        .unwrap();
    let placeholder = browser
        .wait_for("#galaxy-image-error")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        placeholder.contains("JPEG") && placeholder.contains("could not decode"),
        "{placeholder}"
    );
    assert_eq!(browser.text("#galaxy-id").await, "123456_7");
    browser.close().await;
}

/// A table of `rows` rows with the given columns: `picture` (an image struct holding the
/// sample's first JPEG), `label` (integers), `ra` / `dec`.
fn plain_table(rows: usize, picture: bool, positions: bool) -> Vec<u8> {
    use arrow_array::{
        ArrayRef, BinaryArray, Float64Array, Int64Array, RecordBatch, StringArray, StructArray,
    };
    use arrow_schema::{DataType, Field, Fields, Schema};
    use std::sync::Arc;
    let (_, _, _, jpeg) = first_row(&manifest_files()[0].0);
    let mut fields = Vec::new();
    let mut cols: Vec<ArrayRef> = Vec::new();
    if picture {
        let inner = Fields::from(vec![
            Field::new("bytes", DataType::Binary, true),
            Field::new("path", DataType::Utf8, true),
        ]);
        fields.push(Field::new("picture", DataType::Struct(inner.clone()), true));
        cols.push(Arc::new(StructArray::new(
            inner,
            vec![
                Arc::new(BinaryArray::from_iter_values((0..rows).map(|_| &jpeg[..]))) as ArrayRef,
                Arc::new(StringArray::from_iter_values(
                    (0..rows).map(|i| format!("{i}.jpg")),
                )) as ArrayRef,
            ],
            None,
        )));
    }
    fields.push(Field::new("label", DataType::Int64, true));
    cols.push(Arc::new(Int64Array::from_iter_values(0..rows as i64)));
    if positions {
        fields.push(Field::new("ra", DataType::Float64, true));
        fields.push(Field::new("dec", DataType::Float64, true));
        cols.push(Arc::new(Float64Array::from_iter_values(
            (0..rows).map(|i| 150.0 + i as f64),
        )));
        cols.push(Arc::new(Float64Array::from_iter_values(
            (0..rows).map(|i| 2.0 + i as f64),
        )));
    }
    let schema = Arc::new(Schema::new(fields));
    let batch = RecordBatch::try_new(schema.clone(), cols).unwrap();
    let mut out = Vec::new();
    let mut w = parquet::arrow::ArrowWriter::try_new(&mut out, schema, None).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parts_without_their_data_are_absent_not_broken() {
    let server = serve_dist().await;
    server.put(
        "/pictures.parquet",
        "application/octet-stream",
        plain_table(5, true, false),
    );
    server.put(
        "/points.parquet",
        "application/octet-stream",
        plain_table(5, false, true),
    );
    let browser = Browser::start().await;
    // images, no positions, no votes: a gallery, no filter panel, the map says why it is empty
    browser
        .client
        .goto(&format!("{}/?url=/pictures.parquet", server.url()))
        .await
        .unwrap();
    browser.wait_for("#galaxy-image[data-state='drawn']").await;
    browser.wait_for("#gallery-count[data-count='5']").await;
    browser.wait_for("#gallery-progress[data-shown='5']").await;
    browser.wait_for("#sky-absent").await;
    let hidden = |css: &str| {
        format!("const e = document.querySelector('{css}'); return !!e && e.offsetParent === null")
    };
    assert_eq!(
        browser.js(&hidden(".filter")).await,
        Value::Bool(true),
        "no filter panel"
    );
    assert_eq!(browser.js(&hidden(".gallery")).await, Value::Bool(false));
    // a filter asked for there is explained, not waited for
    browser
        .client
        .goto(&format!(
            "{}/?url=/pictures.parquet&filter=smooth-or-featured-dr8_smooth:0.5..1:n3",
            server.url()
        ))
        .await
        .unwrap();
    let e = browser
        .wait_for("#filter-error")
        .await
        .text()
        .await
        .unwrap();
    assert!(e.contains("no ra/dec"), "{e}");
    let g = browser
        .wait_for("#gallery-failed")
        .await
        .text()
        .await
        .unwrap();
    assert!(g.contains("no ra/dec"), "{g}");
    // positions, no images: no gallery, the map and the table summary
    browser
        .client
        .goto(&format!("{}/?url=/points.parquet", server.url()))
        .await
        .unwrap();
    browser.wait_for("#galaxy-none").await;
    browser.wait_for("#sky-canvas[data-state='complete']").await;
    assert_eq!(
        browser.js(&hidden(".gallery")).await,
        Value::Bool(true),
        "no gallery without images"
    );
    assert_eq!(
        browser.js(&hidden(".filter")).await,
        Value::Bool(true),
        "no votes: no filter panel"
    );
    browser.close().await;
}

/// Relative luminance (0 black, 1 white) of a CSS `rgb(...)` colour.
fn luminance(css: &str) -> f64 {
    let v: Vec<f64> = css
        .trim_start_matches("rgba(")
        .trim_start_matches("rgb(")
        .trim_end_matches(')')
        .split(',')
        .take(3)
        .map(|x| x.trim().parse::<f64>().unwrap() / 255.0)
        .collect();
    0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2]
}

/// Every font the page's text is set in (family, size, weight, style) is one that the
/// warm-up element of `index.html` lays out in one of the document's first frames (boot.js
/// shows it once the engine is started): Chromium on Linux
/// asks its browser process synchronously for each new one, which took up to 90 ms of the
/// page's thread inside a later layout when the machine was busy.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_font_of_the_page_is_laid_out_in_its_first_frame() {
    let server = serve_dist().await;
    let browser = Browser::start().await;
    browser.client.goto(&server.url()).await.unwrap();
    browser.wait_for("#galaxy-image[data-state='drawn']").await;
    browser.wait_for(".votes .question .answer").await;
    browser.wait_for("#sky-canvas[data-state='complete']").await;
    // the parts shown on demand too: every folded part open, the table's rows read
    browser
        .js("document.querySelectorAll('details').forEach(d => d.open = true)")
        .await;
    browser.wait_for("#table-grid td").await;
    let report = browser
        .js(r#"
const key = e => { const c = getComputedStyle(e); return [c.fontFamily, parseFloat(c.fontSize).toFixed(2) + 'px', c.fontWeight, c.fontStyle].join(' / '); };
const warm = document.querySelector('.font-warm');
if (!warm) return {warmed: 0, texts: 0, missing: ['no .font-warm element']};
if (warm.hidden || warm.getClientRects().length === 0) return {warmed: 0, texts: 0, missing: ['.font-warm is not laid out']};
const have = new Set([...warm.querySelectorAll('*')].map(key));
const missing = new Map();
let texts = 0;
for (const e of document.querySelectorAll('body *')) {
  if (warm.contains(e) || e.closest('noscript, script, style, option')) continue;
  const own = [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
  if (!own && !e.matches('select, input, textarea')) continue;
  texts += 1;
  const k = key(e);
  if (!have.has(k) && !missing.has(k)) missing.set(k, e.tagName + (e.id ? '#' + e.id : '') + (e.className ? '.' + e.className : ''));
}
return {warmed: have.size, texts, missing: [...missing].map(([k, e]) => k + ' (' + e + ')')};
"#)
        .await;
    assert!(
        report["texts"].as_u64().unwrap_or(0) > 300,
        "the page was built: {report}"
    );
    assert!(
        report["missing"].as_array().is_some_and(|m| m.is_empty()),
        "fonts not in index.html's .font-warm (add them there, or use one of its sizes): {report}"
    );
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dark_by_default_light_on_request_embeddable_and_explained() {
    let server = serve_dist().await;
    let browser = Browser::start().await;
    browser.client.goto(&server.url()).await.unwrap();
    browser.wait_for("#galaxy-image[data-state='drawn']").await;
    let bg = || async {
        browser
            .js("return getComputedStyle(document.documentElement).backgroundColor")
            .await
            .as_str()
            .unwrap()
            .to_string()
    };
    assert!(
        luminance(&bg().await) < 0.1,
        "dark by default: {}",
        bg().await
    );
    // text on the page background keeps a contrast of at least 4.5:1 (WCAG AA)
    let text = browser
        .js("return getComputedStyle(document.documentElement).color")
        .await
        .as_str()
        .unwrap()
        .to_string();
    let ratio = |a: f64, b: f64| (a.max(b) + 0.05) / (a.min(b) + 0.05);
    assert!(ratio(luminance(&text), luminance(&bg().await)) >= 4.5);
    browser
        .js("document.getElementById('theme-toggle').click()")
        .await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert!(
        luminance(&bg().await) > 0.8,
        "light on request: {}",
        bg().await
    );
    assert_eq!(
        browser
            .attr("#theme-toggle", "aria-pressed")
            .await
            .as_deref(),
        Some("true")
    );
    let url = browser.client.current_url().await.unwrap();
    assert!(url.as_str().contains("theme=light"), "{url}");
    browser.client.goto(url.as_str()).await.unwrap();
    browser.wait_for("#theme-toggle[aria-pressed='true']").await;
    assert!(
        luminance(&bg().await) > 0.8,
        "the light theme survives a reload"
    );
    // landmarks and the explanation for visitors
    assert_eq!(
        browser
            .js("return document.querySelectorAll('header, main').length")
            .await
            .as_u64(),
        Some(2)
    );
    let about = browser.wait_for("#about").await.text().await.unwrap();
    assert!(about.contains("What am I looking at?"));
    browser
        .js("document.querySelector('#about summary').click()")
        .await;
    let about = browser.wait_for("#about[open]").await.text().await.unwrap();
    assert!(
        about.contains("volunteers") && about.contains("not asked"),
        "{about}"
    );
    // embedded: the galaxy and the map, no header, summary or filter
    browser
        .client
        .goto(&format!("{}/?embed=1", server.url()))
        .await
        .unwrap();
    browser.wait_for("#galaxy-image[data-state='drawn']").await;
    let shown = |css: &str| {
        format!(
            "const e = document.querySelector('{css}'); return !!e && getComputedStyle(e).display !== 'none'"
        )
    };
    for (css, want) in [
        ("header.top", false),
        (".summary", false),
        (".filter", false),
        ("#galaxy-image", true),
        ("#sky-canvas", true),
    ] {
        assert_eq!(browser.js(&shown(css)).await.as_bool(), Some(want), "{css}");
    }
    browser.close().await;
}

/// Accessibility rules checked in the page, after axe's: every control has a name, every
/// image a text alternative, ids are unique, no positive tabindex, every section is named
/// by a heading, one h1, one main, and visible text keeps a 4.5:1 contrast (3:1 when
/// large) against its background. Returns the violations.
const AUDIT: &str = r#"
const out = [];
const lum = c => {
  const m = c.match(/[\d.]+/g); if (!m) return null;
  const [r, g, b] = m.slice(0, 3).map(x => { x = x / 255; return x <= 0.03928 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4); });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
};
const bgOf = el => {
  for (let e = el; e; e = e.parentElement) {
    const c = getComputedStyle(e).backgroundColor; const m = c.match(/[\d.]+/g);
    if (m && (m.length < 4 || +m[3] > 0.5)) return c;
  }
  return getComputedStyle(document.documentElement).backgroundColor;
};
const visible = e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0 && getComputedStyle(e).visibility !== 'hidden'; };
const text = e => (e.innerText || e.textContent || '').trim();
const name = e => {
  if (e.getAttribute('aria-label')) return e.getAttribute('aria-label');
  const by = e.getAttribute('aria-labelledby');
  if (by) return by.split(' ').map(i => text(document.getElementById(i) || document.createElement('i'))).join(' ').trim();
  if (e.id) { const l = document.querySelector(`label[for="${e.id}"]`); if (l && text(l)) return text(l); }
  const wrap = e.closest('label'); if (wrap && text(wrap)) return text(wrap);
  if (e.tagName !== 'SELECT' && text(e)) return text(e);
  return e.getAttribute('title') || (e.type === 'button' || e.type === 'submit' ? e.value : '');
};
const desc = e => e.outerHTML.slice(0, 120);
for (const e of document.querySelectorAll('button, input, select, textarea, a[href], [tabindex], summary, canvas'))
  if (visible(e) && !name(e)) out.push('no accessible name: ' + desc(e));
for (const e of document.querySelectorAll('img')) if (!e.hasAttribute('alt')) out.push('image without alt: ' + desc(e));
const ids = {}; for (const e of document.querySelectorAll('[id]')) ids[e.id] = (ids[e.id] || 0) + 1;
for (const [k, n] of Object.entries(ids)) if (n > 1) out.push('duplicate id ' + k);
for (const e of document.querySelectorAll('[tabindex]')) if (+e.getAttribute('tabindex') > 0) out.push('positive tabindex: ' + desc(e));
for (const e of document.querySelectorAll('section')) {
  const by = e.getAttribute('aria-labelledby');
  if (!(by && document.getElementById(by)) && !e.getAttribute('aria-label')) out.push('unnamed section: ' + desc(e));
}
if (document.querySelectorAll('h1').length !== 1) out.push('h1 count ' + document.querySelectorAll('h1').length);
if (document.querySelectorAll('main').length !== 1) out.push('main count');
for (const e of document.querySelectorAll('body *')) {
  if (!visible(e) || e.closest('[disabled], [aria-hidden=true]')) continue;
  const own = [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
  if (!own) continue;
  const cs = getComputedStyle(e);
  const size = parseFloat(cs.fontSize); const bold = +cs.fontWeight >= 700;
  const need = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
  const a = lum(cs.color), b = lum(bgOf(e));
  if (a === null || b === null) continue;
  const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  if (ratio < need) out.push(`contrast ${ratio.toFixed(2)} < ${need}: ${cs.color} on ${bgOf(e)}: ${desc(e)}`);
}
return out;
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_control_is_named_reachable_by_tab_and_usable_by_keys() {
    let server = serve_dist().await;
    let browser = Browser::start().await;
    browser
        .client
        .goto(&format!(
            "{}/?filter=smooth-or-featured-dr8_smooth:0.5..1:n3",
            server.url()
        ))
        .await
        .unwrap();
    browser.wait_for("#galaxy-image[data-state='drawn']").await;
    browser.wait_for("#filter-count").await;
    browser
        .wait_for("#gallery-window .thumb[data-state='ready']")
        .await;
    browser.wait_for("#sky-canvas[data-state='complete']").await;
    for theme in ["dark", "light"] {
        if theme == "light" {
            browser
                .js("document.getElementById('theme-toggle').click()")
                .await;
            browser.wait_for("html[data-theme='light']").await;
        }
        let problems = browser.js(AUDIT).await;
        assert_eq!(problems, serde_json::json!([]), "{theme} theme");
    }
    // Tab walks every kind of control, in reading order, each showing where focus is
    browser
        .js("document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0)")
        .await;
    let mut order: Vec<String> = Vec::new();
    for _ in 0..300 {
        let el = browser.client.active_element().await.unwrap();
        el.send_keys("\u{E004}").await.unwrap();
        let v = browser
            .js("const e = document.activeElement; const cs = getComputedStyle(e);
                 return [e.id || (e.tagName.toLowerCase() + (e.className ? '.' + e.className.split(' ')[0] : '')),
                         cs.outlineStyle !== 'none' || cs.boxShadow !== 'none']")
            .await;
        let id = v[0].as_str().unwrap().to_string();
        assert_eq!(v[1], Value::Bool(true), "{id}: focus is visible");
        if id == "body" || order.first() == Some(&id) {
            break;
        }
        order.push(id);
    }
    let at = |id: &str| {
        order
            .iter()
            .position(|x| x == id)
            .unwrap_or_else(|| panic!("{id} is not reached by Tab: {order:?}"))
    };
    let landmarks = [
        "theme-toggle",
        "nav-next",
        "sky-projection",
        "sky-canvas",
        "filter-preset",
        "export-csv",
        "gallery-split",
        "gallery-scroll",
    ];
    let positions: Vec<usize> = landmarks.iter().map(|id| at(id)).collect();
    assert!(
        positions.windows(2).all(|w| w[0] < w[1]),
        "reading order: {landmarks:?} at {positions:?} of {order:?}"
    );
    assert!(
        order.iter().any(|x| x == "button.thumb"),
        "gallery cells take focus: {order:?}"
    );
    // keys alone: Enter on a gallery cell opens its galaxy; Enter on Next steps
    // focusing a cell above the viewport scrolls the gallery (re-ordering its cells): the
    // focus must stay on that cell
    let v = browser
        .js("return new Promise(done => { const c = document.querySelectorAll('#gallery-window .thumb')[3]; c.focus(); const row = c.dataset.row; setTimeout(() => done([+row, document.activeElement.dataset.row === row]), 300); })")
        .await;
    let row = v[0].as_u64().unwrap();
    assert_eq!(
        v[1],
        Value::Bool(true),
        "focus survives the gallery scrolling to the cell"
    );
    browser
        .client
        .active_element()
        .await
        .unwrap()
        .send_keys("\u{E007}")
        .await
        .unwrap();
    browser
        .wait_for(&format!("#galaxy-from[data-row='{row}']"))
        .await;
    browser
        .js("document.getElementById('nav-next').focus()")
        .await;
    browser
        .client
        .active_element()
        .await
        .unwrap()
        .send_keys("\u{E007}")
        .await
        .unwrap();
    browser
        .wait_for(&format!("#galaxy-from[data-row='{}']", row + 1))
        .await;
    browser.close().await;
}

/// Text of the cell of column `col` in table row `row`, once the row is read.
async fn table_cell(browser: &Browser, row: u64, col: &str) -> (String, String) {
    let css = format!("#table-grid tr[data-row='{row}'][data-state='ready'] td[data-col='{col}']");
    let el = browser.wait_for(&css).await;
    let kind = el.attr("data-kind").await.unwrap().unwrap_or_default();
    (el.text().await.unwrap(), kind)
}

async fn header_stats(browser: &Browser, col: &str) -> String {
    let css = format!("#table-grid th[data-column='{col}'] .col-stats:not([data-stats=''])");
    browser.wait_for(&css).await.text().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn any_parquet_opens_as_a_plain_preview_with_its_table_schema_and_parts() {
    use gzv_sample::fixtures;
    let server = serve_dist().await;
    let plain = fixtures::no_images(200_000, 20_000);
    let plain_len = plain.len() as u64;
    for (path, bytes) in [
        ("/pictures.parquet", fixtures::pictures(40)),
        ("/plain.parquet", plain),
        ("/nested.parquet", fixtures::nested_nulls(50)),
    ] {
        server.put(path, "application/octet-stream", bytes);
    }
    let browser = Browser::start().await;
    let hidden = |css: &str| {
        format!("const e = document.querySelector('{css}'); return !!e && e.offsetParent === null")
    };

    // PNG pictures under another name: the table opens by itself, images as thumbnails
    browser
        .client
        .goto(&format!("{}/?url=/pictures.parquet", server.url()))
        .await
        .unwrap();
    browser
        .wait_for("#table-count[data-rows='40'][data-columns='5']")
        .await;
    assert_eq!(table_cell(&browser, 0, "caption").await.0, "picture 0");
    assert_eq!(
        table_cell(&browser, 3, "caption").await,
        ("null".into(), "null".into()),
        "null is said, not left empty"
    );
    assert_eq!(
        table_cell(&browser, 1, "taken").await.0,
        "2024-03-01 13:00:00Z"
    );
    assert_eq!(
        table_cell(&browser, 2, "score").await,
        ("1".into(), "number".into())
    );
    assert_eq!(
        table_cell(&browser, 1, "blob").await.0,
        "10 B · de ad 01 be ef 01 02 03 …"
    );
    let long = browser
        .js("const td = document.querySelector(\"#table-grid tr[data-row='5'] td[data-col='caption']\"); return [td.textContent, td.title]")
        .await;
    assert!(long[0].as_str().unwrap().ends_with('…'), "{long}");
    assert_eq!(
        long[1].as_str().unwrap(),
        "long ".repeat(40),
        "the whole text on hover"
    );
    let types = browser
        .js("return [...document.querySelectorAll('#table-grid th[data-column] .col-type')].map(e => e.textContent)")
        .await;
    assert_eq!(
        types,
        serde_json::json!([
            "string",
            "float64",
            "timestamp[ms, UTC]",
            "binary",
            "binary"
        ])
    );
    assert_eq!(
        header_stats(&browser, "score").await,
        "min 0 · max 19.5 · 0 nulls"
    );
    assert!(
        header_stats(&browser, "caption")
            .await
            .ends_with("· 1 null"),
    );
    // the image cell is the row's PNG, decoded by the browser
    browser
        .wait_for("#table-grid tr[data-row='2'] td[data-col='snapshot'] img")
        .await;
    let size = browser
        .js("const i = document.querySelector(\"#table-grid tr[data-row='2'] td[data-col='snapshot'] img\"); await i.decode(); return [i.naturalWidth, i.naturalHeight]")
        .await;
    assert_eq!(size, serde_json::json!([32, 24]));
    common::screenshot(&browser, "table-pictures.png").await;
    // images: the gallery and the galaxy view are there; no positions or votes: no map or filter
    browser.wait_for("#gallery-count[data-count='40']").await;
    browser.wait_for("#galaxy-image[data-state='drawn']").await;
    browser.wait_for("#sky-absent").await;
    assert_eq!(
        browser.js(&hidden("#sky-canvas")).await,
        Value::Bool(true),
        "no positions: no empty map drawn"
    );
    assert_eq!(browser.js(&hidden(".filter")).await, Value::Bool(true));
    // the schema and file panel: types, row groups, the huggingface metadata pretty-printed
    browser
        .wait_for("#schema-panel summary")
        .await
        .click()
        .await
        .unwrap();
    assert_eq!(
        browser.wait_for("#schema-rows").await.text().await.unwrap(),
        "40"
    );
    let taken = browser
        .js("return [...document.querySelectorAll(\"#schema-columns tr[data-leaf='taken'] td\")].map(e => e.textContent)")
        .await;
    assert_eq!(taken[0], "INT64");
    assert_eq!(taken[1], "timestamp[ms, UTC]");
    assert_eq!(
        taken[7], "2024-03-01 12:00:00",
        "min from the footer statistics"
    );
    assert_eq!(taken[8], "2024-03-03 03:00:00", "max: 39 hours later");
    let hf = browser
        .js("return document.querySelector(\"#schema-panel details.kv[data-key='huggingface'] pre\").textContent")
        .await;
    let hf = hf.as_str().unwrap();
    assert!(
        hf.contains("\"snapshot\": {\n") && hf.contains("\"_type\": \"Image\""),
        "{hf}"
    );
    browser
        .js("document.getElementById('schema-panel').scrollIntoView(); return 0")
        .await;
    common::screenshot(&browser, "schema-panel.png").await;

    // 200,000 rows without images: only the rows in view are in the page and read
    browser
        .client
        .goto(&format!("{}/?url=/plain.parquet", server.url()))
        .await
        .unwrap();
    browser.wait_for("#table-count[data-rows='200000']").await;
    assert_eq!(table_cell(&browser, 0, "name").await.0, "item 0");
    assert_eq!(
        header_stats(&browser, "id").await,
        "min 0 · max 199999 · 0 nulls"
    );
    browser.wait_for("#galaxy-none").await;
    assert_eq!(
        browser.js(&hidden(".gallery")).await,
        Value::Bool(true),
        "no images: no gallery"
    );
    assert_eq!(
        browser.js(&hidden("#about")).await,
        Value::Bool(true),
        "no galaxies, no explanation of Galaxy Zoo"
    );
    browser.wait_for("#sky-absent").await;
    server.clear_log();
    browser
        .js("const s = document.getElementById('table-scroll'); s.scrollTop = 123456 * 30; return 0")
        .await;
    let (name, _) = table_cell(&browser, 123_460, "name").await;
    assert_eq!(name, "item 123460");
    assert_eq!(table_cell(&browser, 123_460, "flag").await.0, "true");
    assert_eq!(
        table_cell(&browser, 123_460, "day").await.0,
        "2020-03-31",
        "123460 % 365 = 90 days after 2020-01-01"
    );
    let in_dom = browser
        .js("return [...document.querySelectorAll('#table-grid tr.row')].map(r => +r.dataset.row)")
        .await;
    let rows: Vec<u64> = in_dom
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    assert!(
        rows.len() <= 480 / 30 + 2 + 2 * 4,
        "only the rows in view and a few more: {}",
        rows.len()
    );
    assert!(
        rows.iter().all(|&r| (123_440..123_490).contains(&r)),
        "{rows:?}"
    );
    let log: Vec<_> = server
        .log()
        .into_iter()
        .filter(|e| e.path == "/plain.parquet")
        .collect();
    let bytes: u64 = log.iter().map(|e| e.bytes).sum();
    assert!(
        !log.is_empty() && bytes * 20 < plain_len,
        "a few pages of one row group, not the file: {} requests, {bytes} of {plain_len} bytes",
        log.len()
    );

    // nested and null-heavy columns
    browser
        .client
        .goto(&format!("{}/?url=/nested.parquet", server.url()))
        .await
        .unwrap();
    browser.wait_for("#table-count[data-rows='50']").await;
    assert_eq!(
        table_cell(&browser, 0, "tags").await,
        ("null".into(), "null".into())
    );
    assert_eq!(table_cell(&browser, 1, "tags").await.0, "[]");
    assert_eq!(
        table_cell(&browser, 11, "tags").await,
        (
            "[11, 12, 13, 14, 15, 16, 17, 18, … +3]".into(),
            "nested".into()
        )
    );
    assert_eq!(table_cell(&browser, 1, "point").await.0, "{x: 1, y: -1}");
    assert_eq!(table_cell(&browser, 2, "attrs").await.0, "{\"a\": 2}");
    assert_eq!(table_cell(&browser, 1, "code").await.0, "green");
    assert_eq!(table_cell(&browser, 1, "price").await.0, "1.25");
    assert_eq!(header_stats(&browser, "always_null").await, "50 nulls");
    assert_eq!(
        header_stats(&browser, "mostly_null").await,
        "min 0 · max 40 · 45 nulls"
    );
    let nested_stats = browser
        .js("return document.querySelector(\"#table-grid th[data-column='tags'] .col-stats\").textContent")
        .await;
    assert_eq!(nested_stats, "", "a nested column has no single statistics");
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_galaxy_zoo_2_table_gets_its_own_tree_map_gallery_and_a_closed_table() {
    use gzv_sample::fixtures;
    let server = serve_dist().await;
    server.put(
        "/gz2.parquet",
        "application/octet-stream",
        fixtures::gz2_votes(12),
    );
    let browser = Browser::start().await;
    browser
        .client
        .goto(&format!("{}/?url=/gz2.parquet", server.url()))
        .await
        .unwrap();
    browser.wait_for("#galaxy-image[data-state='drawn']").await;
    let card = browser.wait_for(".campaign[data-campaign='gz2']").await;
    assert_eq!(
        card.attr("data-tree").await.unwrap().as_deref(),
        Some("Galaxy Zoo 2")
    );
    let summary = browser
        .wait_for(".campaign-summary[data-campaign='gz2']")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(
        summary,
        "featured, face-on disk, two tight spiral arms, no bar — 40 volunteers, gz2"
    );
    let after = browser
        .js("return [...document.querySelectorAll(\".question[data-campaign='gz2']\")].map(q => [q.dataset.question, (q.querySelector('.after') || {}).textContent || ''])")
        .await;
    let after: Vec<(String, String)> = serde_json::from_value(after).unwrap();
    let want: Vec<(String, String)> = [
        ("smooth-or-featured", ""),
        ("how-rounded", "after smooth-or-featured: smooth"),
        ("disk-edge-on", "after smooth-or-featured: featured-or-disk"),
        ("bulge-shape", "after disk-edge-on: yes"),
        (
            "has-spiral-arms",
            "after smooth-or-featured: featured-or-disk",
        ),
        ("spiral-winding", "after has-spiral-arms: yes"),
        ("spiral-arm-count", "after has-spiral-arms: yes"),
        ("bar", "after smooth-or-featured: featured-or-disk"),
        ("bulge-size", "after smooth-or-featured: featured-or-disk"),
        ("something-odd", ""),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    assert_eq!(
        after, want,
        "GZ2's questions in its own tree's order and dependencies"
    );
    assert_eq!(
        browser
            .js("return document.querySelector(\".question[data-campaign='gz2'][data-question='bulge-size'] .total\").textContent")
            .await,
        "not asked"
    );
    // a campaign nobody knows: its questions flat, and said so
    let note = browser
        .wait_for(".campaign[data-campaign='zz9'] .tree-unknown")
        .await
        .text()
        .await
        .unwrap();
    assert!(note.contains("\"zz9\" is not known"), "{note}");
    assert_eq!(
        browser
            .js(
                "return document.querySelectorAll(\".campaign[data-campaign='zz9'] .after\").length"
            )
            .await,
        0
    );
    // RA and DEC in capitals are positions; an image struct under another name is the gallery
    browser.wait_for("#sky-canvas[data-state='complete']").await;
    browser.wait_for("#gallery-count[data-count='12']").await;
    assert_eq!(
        browser
            .js(
                "const f = document.querySelector('.filter'); return !!f && f.offsetParent !== null"
            )
            .await,
        Value::Bool(true),
        "positions and votes: the filter panel"
    );
    // a Galaxy Zoo table keeps its table closed, and reads no rows for it until opened
    assert_eq!(
        browser
            .js("return document.querySelector('#table-panel details').open")
            .await,
        Value::Bool(false)
    );
    assert_eq!(
        browser
            .js("return document.querySelectorAll('#table-grid tr.row').length")
            .await,
        0
    );
    browser
        .wait_for("#table-panel summary")
        .await
        .click()
        .await
        .unwrap();
    assert_eq!(
        table_cell(&browser, 3, "dr7objid").await.0,
        "587722981000000003"
    );
    assert_eq!(table_cell(&browser, 0, "RA").await.0, "150");
    assert_eq!(table_cell(&browser, 0, "bar-gz2_yes").await.0, "10");
    assert_eq!(
        header_stats(&browser, "bar-gz2_yes").await,
        "min 0 · max 10 · 0 nulls"
    );
    browser
        .wait_for("#table-grid tr[data-row='0'] td[data-col='jpg'] img")
        .await;
    browser.close().await;
}

/// HuggingFace's file URLs (`/datasets/o/n/resolve/rev/path`) answer with a redirect to a
/// signed, expiring CDN URL on another origin. The viewer follows it once per file and
/// reads the rest of the file where it led; when the signature expires mid-visit it asks
/// the `resolve` URL again without the visitor seeing a failure; a redirect the browser
/// cannot follow (a loop, or to a host without CORS) is a message naming the host.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hugging_face_redirects_are_followed_once_per_file_and_again_when_expired() {
    use gzv_server::{HfMode, Server};
    let app = serve_dist().await;
    let sample = dist_dir().join("sample");
    let cdn = Server::start(&sample, 0).await.expect("cdn");
    cdn.set_hf(HfMode {
        signed: true,
        ..HfMode::default()
    });
    let hub = Server::start(&sample, 0).await.expect("hub");
    hub.set_hf(HfMode {
        cdn: Some(cdn.url()),
        ..HfMode::default()
    });
    let browser = Browser::start().await;
    let base = app.url();
    let resolve =
        |hub: &Server, path: &str| format!("{}/datasets/gzv/sample/resolve/main/{path}", hub.url());
    let (rows, _) = totals();

    // ?dataset= with a listing of resolve URLs: one redirect per file, every read signed
    let files = manifest_files();
    // a datasets-server listing of the sample's files as resolve URLs on `hub`
    let listing = |hub: &Server| {
        serde_json::to_vec(&serde_json::json!({
            "parquet_files": files.iter().map(|(p, split, size)| serde_json::json!({
                "dataset": "gzv/sample", "config": "default", "split": split,
                "url": resolve(hub, p), "filename": p, "size": size,
            })).collect::<Vec<_>>(),
            "pending": [], "failed": [], "partial": false,
        }))
        .unwrap()
    };
    app.put("/stand-in/parquet", "application/json", listing(&hub));
    browser
        .client
        .goto(&format!(
            "{base}/?dataset=gzv/sample&datasets_server={base}/stand-in"
        ))
        .await
        .unwrap();
    browser.wait_for("#galaxy-image[data-state='drawn']").await;
    wait_for_positions(&browser, rows).await;
    let redirects = hub.log();
    assert!(redirects.iter().all(|e| e.status == 302), "{redirects:#?}");
    for (p, _, _) in &files {
        let n = redirects
            .iter()
            .filter(|e| e.path.ends_with(p.as_str()))
            .count();
        assert_eq!(
            n, 1,
            "{p}: one redirect, then the CDN directly: {redirects:#?}"
        );
    }
    let reads = cdn.log();
    assert!(
        reads.len() > 3 * files.len() && reads.iter().all(|e| e.status == 206),
        "every read went to the CDN, signed: {reads:#?}"
    );

    // a dataset the datasets server is still converting, or could not convert: said as
    // such (not an empty dataset, not a network failure), and no file is asked for
    for (name, listing, said) in [
        (
            "pending",
            r#"{"parquet_files":[],"pending":[{"kind":"config-parquet","dataset":"gzv/sample","config":"default","split":null}],"failed":[],"partial":false}"#,
            "still converting it to parquet (default); try again in a few minutes",
        ),
        (
            "failed",
            r#"{"parquet_files":[],"pending":[],"failed":[{"dataset":"gzv/sample","config":"default","split":"train"}],"partial":false}"#,
            "could not convert it to parquet (default/train)",
        ),
    ] {
        app.put(
            &format!("/{name}/parquet"),
            "application/json",
            listing.as_bytes().to_vec(),
        );
        hub.clear_log();
        browser
            .client
            .goto(&format!(
                "{base}/?dataset=gzv/sample&datasets_server={base}/{name}"
            ))
            .await
            .unwrap();
        browser.wait_for("#fatal-error").await;
        let text = browser.text("#fatal-error").await;
        assert!(text.contains(said), "{name}: {text}");
        assert!(hub.log().is_empty(), "{name}: no file asked for");
    }
    assert!(
        cdn.max_in_flight() <= 6,
        "HTTP/1.1: the browser's six connections: {}",
        cdn.max_in_flight()
    );

    // the same over HTTPS with HTTP/2: one redirect per file still, and many more reads
    // in flight once the engine has seen that the CDN multiplexes
    let cdn2 = Server::start_tls(&sample, 0).await.expect("HTTP/2 cdn");
    cdn2.set_hf(HfMode {
        signed: true,
        ..HfMode::default()
    });
    cdn2.set_faults(Faults {
        latency_ms: 100,
        ..Faults::default()
    });
    let hub2 = Server::start_tls(&sample, 0).await.expect("HTTP/2 hub");
    hub2.set_hf(HfMode {
        cdn: Some(cdn2.url()),
        ..HfMode::default()
    });
    app.put("/stand-in2/parquet", "application/json", listing(&hub2));
    browser
        .client
        .goto(&format!(
            "{base}/?dataset=gzv/sample&datasets_server={base}/stand-in2"
        ))
        .await
        .unwrap();
    browser.wait_for("#galaxy-image[data-state='drawn']").await;
    wait_for_positions(&browser, rows).await;
    let reads = cdn2.log();
    assert!(
        reads
            .iter()
            .chain(hub2.log().iter())
            .all(|e| e.version == "HTTP/2.0"),
        "{reads:#?}"
    );
    for (p, _, _) in &files {
        let n = hub2
            .log()
            .iter()
            .filter(|e| e.path.ends_with(p.as_str()))
            .count();
        assert_eq!(n, 1, "{p}: one redirect over HTTP/2 too");
    }
    assert!(
        cdn2.max_in_flight() > 6,
        "HTTP/2: more than six reads at once: {}",
        cdn2.max_in_flight()
    );
    eprintln!("HTTP/2: {} reads in flight at most", cdn2.max_in_flight());

    // a resolve URL in ?url=, with signatures that expire while the map loads (each CDN
    // answer takes 150 ms): the expired reads are resolved again, nothing fails
    let (train, _, _) = &files[0];
    let rows0 = ParquetRecordBatchReaderBuilder::try_new(File::open(sample.join(train)).unwrap())
        .unwrap()
        .metadata()
        .file_metadata()
        .num_rows();
    hub.set_hf(HfMode {
        cdn: Some(cdn.url()),
        ttl_ms: 600,
        ..HfMode::default()
    });
    cdn.set_faults(Faults {
        latency_ms: 150,
        ..Faults::default()
    });
    hub.clear_log();
    cdn.clear_log();
    browser
        .client
        .goto(&format!("{base}/?url={}", resolve(&hub, train)))
        .await
        .unwrap();
    browser.wait_for("#galaxy-image[data-state='drawn']").await;
    wait_for_positions(&browser, rows0).await;
    let expired = cdn.log().iter().filter(|e| e.status == 403).count();
    let redirects = hub.log().len();
    eprintln!(
        "expiry mid-visit: {expired} reads found their signature expired, {redirects} redirects"
    );
    // reads that find the same signature expired wait for one of them to resolve again:
    // one redirect per expiry period (of 600 ms) while the load lasts, not one per read
    let t0 = hub.log()[0].at_ms;
    let end = cdn.log().iter().map(|e| e.at_ms).fold(t0, f64::max);
    let periods = ((end - t0) / 600.0).ceil() as usize;
    assert!(
        expired > 0,
        "the load outlived a signature: {:#?}",
        cdn.log()
    );
    assert!(
        redirects <= 1 + periods,
        "one redirect, then one per expiry: {redirects} redirects in {periods} periods ({expired} reads expired): {:#?}",
        hub.log()
    );
    assert!(
        browser
            .client
            .find_all(gzv_browser::Locator::Css(".files li.failed, #galaxy-error"))
            .await
            .unwrap()
            .is_empty(),
        "an expired signature is not a failure"
    );
    cdn.set_faults(Faults::default());

    // a redirect loop, and a redirect to a host without CORS: messages naming the host
    let looping = Server::start(&sample, 0).await.expect("loop");
    looping.set_hf(HfMode {
        redirect_loop: true,
        ..HfMode::default()
    });
    let closed = Server::start(&sample, 0).await.expect("no-CORS CDN");
    closed.set_faults(Faults {
        no_cors: true,
        ..Faults::default()
    });
    let to_closed = Server::start(&sample, 0).await.expect("hub to no-CORS");
    to_closed.set_hf(HfMode {
        cdn: Some(closed.url()),
        ..HfMode::default()
    });
    for hub in [&looping, &to_closed] {
        browser
            .client
            .goto(&format!("{base}/?url={}", resolve(hub, train)))
            .await
            .unwrap();
        browser.wait_for(".files li.failed").await;
        let text = browser.text(".files li.failed .detail").await;
        let host = hub.url().replace("http://", "");
        assert!(text.contains(&format!("{host} redirected")), "{text}");
    }

    // an https host that sends the file to plain http: refused by name (a page served
    // over http may follow it, so the viewer itself checks), and nothing read there
    let to_plain = Server::start_tls(&sample, 0)
        .await
        .expect("https hub to http");
    to_plain.set_hf(HfMode {
        cdn: Some(cdn.url()),
        ..HfMode::default()
    });
    cdn.clear_log();
    browser
        .client
        .goto(&format!("{base}/?url={}", resolve(&to_plain, train)))
        .await
        .unwrap();
    browser.wait_for(".files li.failed").await;
    let text = browser.text(".files li.failed .detail").await;
    let (from, to) = (
        to_plain.url().replace("https://", ""),
        cdn.url().replace("http://", ""),
    );
    assert!(
        text.contains(&format!(
            "{from} redirected the request from https to plain http ({to})"
        )),
        "{text}"
    );
    assert!(
        cdn.log().len() <= 2,
        "only the first reads, which the browser followed before the viewer saw where they \
         led (the worker's early probe and the engine's first read): {:#?}",
        cdn.log()
    );
    browser.close().await;
}

/// The kept line says `items` things are kept.
async fn wait_for_kept(browser: &Browser, items: usize) {
    let deadline = std::time::Instant::now() + common::PAGE_TIMEOUT;
    loop {
        let now = browser.attr("#kept", "data-kept-items").await;
        if now.as_deref() == Some(items.to_string().as_str()) {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "never {items} kept: {now:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_visit_draws_the_map_from_this_browser_and_reads_a_changed_file_again() {
    let app = serve_dist().await;
    let base = app.url();
    let files = manifest_files();
    let (rows, _) = totals();
    // the sample's shards without its catalog and row counts, as a HuggingFace listing
    // gives them: the map comes from every shard's footer and columns
    let manifest = serde_json::json!({
        "name": "sample without a catalog",
        "files": files.iter().map(|(p, split, size)| serde_json::json!({ "path": p, "split": split, "size": size })).collect::<Vec<_>>(),
    });
    app.put(
        "/sample/plain.json",
        "application/json",
        manifest.to_string().into_bytes(),
    );
    let page = format!("{base}/?url={base}/sample/plain.json");
    let browser = Browser::start().await;
    let visit = async |browser: &Browser, rows: i64| {
        browser.client.goto(&page).await.unwrap();
        browser.wait_for("#galaxy-image[data-state='drawn']").await;
        wait_for_positions(browser, rows).await;
    };
    visit(&browser, rows).await;
    // every footer and the map are kept
    wait_for_kept(&browser, files.len() + 1).await;
    let first_visit = app.log();
    let parquet = |log: &[gzv_server::LogEntry]| -> Vec<gzv_server::LogEntry> {
        log.iter()
            .filter(|e| e.path.ends_with(".parquet"))
            .cloned()
            .collect()
    };
    let footer_read = |e: &gzv_server::LogEntry, size: u64| {
        // a range ending at the file's end, longer than a version check
        e.range
            .as_deref()
            .is_some_and(|r| r.starts_with("bytes=-") || r.ends_with(&format!("-{}", size - 1)))
            && e.bytes > 8
    };
    for (p, _, size) in &files {
        assert!(
            first_visit
                .iter()
                .any(|e| e.path.ends_with(p.as_str()) && footer_read(e, *size)),
            "{p} ({size} bytes): the first visit reads its footer: {:#?}",
            first_visit
                .iter()
                .filter(|e| e.path.ends_with(p.as_str()))
                .collect::<Vec<_>>()
        );
    }

    // the second visit: each file is asked its version (4 bytes), the galaxy is read; no
    // footer, no position
    app.clear_log();
    visit(&browser, rows).await;
    let second = parquet(&app.log());
    for (p, _, size) in &files {
        let of: Vec<_> = second
            .iter()
            .filter(|e| e.path.ends_with(p.as_str()))
            .collect();
        assert_eq!(
            of.first().and_then(|e| e.range.as_deref()),
            Some("bytes=0-3"),
            "{p}: {of:#?}"
        );
        assert!(
            !of.iter().any(|e| footer_read(e, *size)),
            "{p}: no footer read: {of:#?}"
        );
    }
    let beyond_versions: Vec<_> = second
        .iter()
        .filter(|e| e.range.as_deref() != Some("bytes=0-3"))
        .collect();
    assert!(
        beyond_versions.len() <= 2,
        "only the galaxy's own reads: {beyond_versions:#?}"
    );
    let read: u64 = second.iter().map(|e| e.bytes).sum();
    let first_read: u64 = parquet(&first_visit).iter().map(|e| e.bytes).sum();
    let versions: u64 = second
        .iter()
        .filter(|e| e.range.as_deref() == Some("bytes=0-3"))
        .map(|e| e.bytes)
        .sum();
    assert_eq!(versions, 4 * files.len() as u64);
    assert!(
        read < first_read,
        "second visit {read} bytes, first {first_read}"
    );
    // the map is whole: a filter still counts every galaxy (its votes from the files)
    let text = browser.text("#kept").await;
    assert!(text.contains("Kept in this browser"), "{text}");

    // a shard is replaced by another version (here: the first shard's bytes): its footer
    // and the map are read again, the other footers still come from the browser
    let (changed, _, _) = &files[1];
    let new_bytes = std::fs::read(dist_dir().join("sample").join(&files[0].0)).unwrap();
    let new_size = new_bytes.len() as u64;
    let new_rows = rows
        - ParquetRecordBatchReaderBuilder::try_new(
            File::open(dist_dir().join("sample").join(changed)).unwrap(),
        )
        .unwrap()
        .metadata()
        .file_metadata()
        .num_rows()
        + ParquetRecordBatchReaderBuilder::try_new(
            File::open(dist_dir().join("sample").join(&files[0].0)).unwrap(),
        )
        .unwrap()
        .metadata()
        .file_metadata()
        .num_rows();
    let mut manifest = manifest.clone();
    manifest["files"][1]["size"] = new_size.into();
    app.put(
        "/sample/plain.json",
        "application/json",
        manifest.to_string().into_bytes(),
    );
    app.put(
        &format!("/sample/{changed}"),
        "application/octet-stream",
        new_bytes,
    );
    app.clear_log();
    visit(&browser, new_rows).await;
    let third = parquet(&app.log());
    assert!(
        third
            .iter()
            .any(|e| e.path.ends_with(changed.as_str()) && footer_read(e, new_size)),
        "the changed file's footer is read again: {third:#?}"
    );
    for (p, _, size) in files.iter().filter(|f| &f.0 != changed) {
        assert!(
            !third
                .iter()
                .any(|e| e.path.ends_with(p.as_str()) && footer_read(e, *size)),
            "{p}: unchanged, its footer from the browser"
        );
    }
    assert!(
        third.len() > files.len() + 2,
        "the map read from the files again: {third:#?}"
    );

    // cleared from the page: the next visit has nothing to check
    browser
        .wait_for("#kept summary")
        .await
        .click()
        .await
        .unwrap();
    browser.wait_for("#kept-clear").await.click().await.unwrap();
    wait_for_kept(&browser, 0).await;
    app.clear_log();
    visit(&browser, new_rows).await;
    assert!(
        !parquet(&app.log())
            .iter()
            .any(|e| e.range.as_deref() == Some("bytes=0-3")),
        "nothing kept, no version asked"
    );

    // the map shared as a catalog: catalog.parquet + index.json, which a mirror hosts and
    // opens the map from (the shards' other reads not needed)
    browser
        .wait_for("#share-build")
        .await
        .click()
        .await
        .unwrap();
    browser.wait_for("#share-parquet").await;
    let got = browser
        .js("const get = async id => new Uint8Array(await (await fetch(document.getElementById(id).href)).arrayBuffer());
             const p = await get('share-parquet'), i = await get('share-index');
             return [Array.from(p), new TextDecoder().decode(i)]")
        .await;
    let parquet: Vec<u8> = got[0]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap() as u8)
        .collect();
    let index: Value = serde_json::from_str(got[1].as_str().unwrap()).unwrap();
    let catalog = ParquetRecordBatchReaderBuilder::try_new(bytes::Bytes::from(parquet.clone()))
        .expect("a parquet file");
    assert_eq!(catalog.metadata().file_metadata().num_rows(), new_rows);
    let names: Vec<String> = catalog
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    assert_eq!(&names[..5], ["id_str", "ra", "dec", "gzv_file", "gzv_row"]);
    assert_eq!(index["catalog"]["size"], parquet.len() as u64);
    assert_eq!(index["files"].as_array().unwrap().len(), files.len());
    app.put(
        "/mirror/index.json",
        "application/json",
        got[1].as_str().unwrap().to_string(),
    );
    app.put(
        "/mirror/catalog.parquet",
        "application/octet-stream",
        parquet,
    );
    app.clear_log();
    browser
        .client
        .goto(&format!("{base}/?url={base}/mirror/index.json&row=0"))
        .await
        .unwrap();
    browser.wait_for("#galaxy-image[data-state='drawn']").await;
    wait_for_positions(&browser, new_rows).await;
    let log = app.log();
    assert!(log.iter().any(|e| e.path == "/mirror/catalog.parquet"));
    for (p, _, _) in files.iter().skip(1) {
        assert!(
            !log.iter().any(|e| e.path.ends_with(p.as_str())),
            "{p}: not read, the map came from the catalog: {log:#?}"
        );
    }
    browser.close().await;
}
