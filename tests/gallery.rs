//! The gallery in headless Chromium over 400,000 galaxies (the sample's three shards named
//! 160 times by one manifest): the DOM stays small wherever it is scrolled, the thumbnails
//! shown are the images the parquet files hold for those rows (compared byte by byte here),
//! reads follow row groups, scrolling past cancels reads, a click opens the galaxy, and a
//! split in the address narrows the gallery.

#![cfg(not(target_arch = "wasm32"))]

mod common;

use arrow_array::cast::AsArray;
use arrow_array::{Array, RecordBatch, StructArray};
use common::{Browser, dist_dir, serve_dist};
use gzv_server::Faults;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use serde_json::{Value, json};
use std::fs::File;
use std::time::{Duration, Instant};

/// Times the sample's shards are named in the big manifest.
const REPEATS: usize = 160;

/// (length, byte sum) of each sample row's encoded image, in manifest order.
fn sample_images() -> Vec<(u64, u32)> {
    let text = std::fs::read_to_string(dist_dir().join("sample/index.json")).unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    let mut out = Vec::new();
    for f in v["files"].as_array().unwrap() {
        let path = dist_dir().join("sample").join(f["path"].as_str().unwrap());
        let builder = ParquetRecordBatchReaderBuilder::try_new(File::open(path).unwrap()).unwrap();
        let mask =
            parquet::arrow::ProjectionMask::columns(builder.parquet_schema(), ["image.bytes"]);
        for b in builder.with_projection(mask).build().unwrap() {
            let b: RecordBatch = b.unwrap();
            let s = b
                .column_by_name("image")
                .unwrap()
                .as_any()
                .downcast_ref::<StructArray>()
                .unwrap()
                .clone();
            let bytes = s
                .column_by_name("bytes")
                .unwrap()
                .as_binary::<i32>()
                .clone();
            for r in 0..bytes.len() {
                let v = bytes.value(r);
                out.push((
                    v.len() as u64,
                    v.iter().fold(0u32, |a, &x| a.wrapping_add(x as u32)),
                ));
            }
        }
    }
    out
}

/// The sample's files named `REPEATS` times: 400,000 galaxies.
fn big_manifest() -> String {
    let text = std::fs::read_to_string(dist_dir().join("sample/index.json")).unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    let files = v["files"].as_array().unwrap();
    let mut all = Vec::new();
    for _ in 0..REPEATS {
        all.extend(files.iter().cloned());
    }
    json!({"format": v["format"], "name": "400,000 galaxies (the sample, repeated)", "files": all})
        .to_string()
}

/// Wait until every wanted thumbnail is held and no read is in flight.
async fn wait_thumbs(browser: &Browser) {
    let t0 = Instant::now();
    loop {
        let done = browser
            .js("const p = document.getElementById('gallery-progress'); return !!p && p.dataset.shown === p.dataset.wanted && p.dataset.batches === '0'")
            .await;
        if done == Value::Bool(true) {
            return;
        }
        assert!(
            t0.elapsed() < common::PAGE_TIMEOUT,
            "thumbnails never finished: {}",
            browser.page_text().await
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The cells inside the scroller's viewport: (row, index, state, image length, byte sum,
/// natural width).
async fn visible_cells(browser: &Browser) -> Vec<(u64, u64, String, u64, u32, u64)> {
    let v = browser
        .js(r#"
const sc = document.getElementById('gallery-scroll'); const r = sc.getBoundingClientRect();
const cells = [...document.querySelectorAll('#gallery-window .thumb')].filter(c => {
  const b = c.getBoundingClientRect(); return b.bottom > r.top + 1 && b.top < r.bottom - 1; });
return Promise.all(cells.map(async c => {
  const img = c.querySelector('img');
  if (!img) return [+c.dataset.row, +c.dataset.index, c.dataset.state, 0, 0, 0];
  const buf = new Uint8Array(await (await fetch(img.src)).arrayBuffer());
  let s = 0; for (const b of buf) s = (s + b) >>> 0;
  await img.decode().catch(() => {});
  return [+c.dataset.row, +c.dataset.index, c.dataset.state, buf.length, s, img.naturalWidth];
}));"#)
        .await;
    v.as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c[0].as_u64().unwrap(),
                c[1].as_u64().unwrap(),
                c[2].as_str().unwrap().to_string(),
                c[3].as_u64().unwrap(),
                c[4].as_u64().unwrap() as u32,
                c[5].as_u64().unwrap(),
            )
        })
        .collect()
}

/// Cells in the DOM, the columns, the cell edge, the viewport height and the elements in
/// the gallery.
async fn dom_size(browser: &Browser) -> (u64, u64, f64, f64, u64) {
    let v = browser
        .js(r#"
const w = document.getElementById('gallery-window'); const sc = document.getElementById('gallery-scroll');
const cols = getComputedStyle(w).gridTemplateColumns.split(' ').length;
const cell = parseFloat(getComputedStyle(w).gridAutoRows);
return [w.querySelectorAll('.thumb').length, cols, cell, sc.clientHeight, document.querySelector('.gallery').getElementsByTagName('*').length];"#)
        .await;
    (
        v[0].as_u64().unwrap(),
        v[1].as_u64().unwrap(),
        v[2].as_f64().unwrap(),
        v[3].as_f64().unwrap(),
        v[4].as_u64().unwrap(),
    )
}

fn check_images(
    cells: &[(u64, u64, String, u64, u32, u64)],
    images: &[(u64, u32)],
    index_is_row: bool,
) {
    assert!(!cells.is_empty());
    for (row, index, state, len, sum, width) in cells {
        assert_eq!(state, "ready", "row {row}");
        if index_is_row {
            assert_eq!(row, index, "without a filter, cell k shows dataset row k");
        }
        let want = images[(*row as usize) % images.len()];
        assert_eq!(
            (*len, *sum),
            want,
            "row {row}: the thumbnail is that row's image"
        );
        assert_eq!(*width, 424, "row {row}: the browser decoded it");
    }
}

fn image_requests(server: &gzv_server::Server) -> Vec<gzv_server::LogEntry> {
    server
        .log()
        .into_iter()
        .filter(|e| e.path.contains("/data/") && e.range.is_some())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_gallery_scrolls_400000_galaxies_with_a_small_dom_and_cancels_what_it_passes() {
    let images = sample_images();
    assert_eq!(images.len(), 2500);
    let rows = images.len() * REPEATS;
    let server = serve_dist().await;
    server.put(
        "/sample/gallery-400k.json",
        "application/json",
        big_manifest(),
    );
    let browser = Browser::start().await;
    browser
        .client
        .goto(&format!("{}/?url=sample/gallery-400k.json", server.url()))
        .await
        .unwrap();
    browser
        .wait_for(&format!("#gallery-count[data-count='{rows}']"))
        .await;
    wait_thumbs(&browser).await;
    let first = visible_cells(&browser).await;
    check_images(&first, &images, true);
    assert_eq!(first[0].0, 0);
    let (cells, cols, cell, view_h, elements) = dom_size(&browser).await;
    let max_cells = ((view_h / cell).ceil() as u64 + 1 + 2 * 2) * cols;
    assert!(
        cells <= max_cells,
        "{cells} cells in the DOM, at most {max_cells}"
    );
    assert!(
        elements < 4 * max_cells + 40,
        "{elements} elements in the gallery"
    );
    // the map's positions stream in the background; let them finish before counting reads
    let t0 = Instant::now();
    while !browser.text("#sum-positions").await.ends_with("galaxies") {
        assert!(t0.elapsed() < common::PAGE_TIMEOUT);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    // meanwhile the map was drawn as its points came (4,000 reads of positions, a hundred
    // steps of progress), but not at every step: at most every 200 ms, plus a few frames
    // for its changes of state (this page has not been dragged)
    let (frames, ms) = {
        let v = browser
            .js("return [+document.getElementById('sky-canvas').dataset.frameCount, performance.getEntriesByName('gzv:sky-complete')[0].startTime]")
            .await;
        (v[0].as_f64().unwrap(), v[1].as_f64().unwrap())
    };
    assert!(
        frames >= 2.0 && frames <= ms / 200.0 + 8.0,
        "{frames} frames of the map in the {ms:.0} ms until every point was drawn"
    );

    // far down: row ~300,000
    server.clear_log();
    let top = browser
        .js("const sc = document.getElementById('gallery-scroll'); sc.scrollTop = sc.scrollHeight * 0.75; return sc.scrollTop")
        .await
        .as_f64()
        .unwrap();
    wait_thumbs(&browser).await;
    let far = visible_cells(&browser).await;
    check_images(&far, &images, true);
    let (cells, cols, cell, _, _) = dom_size(&browser).await;
    let first_row = (top / cell).floor() as u64 * cols;
    assert!(
        far[0].0 >= first_row && far[0].0 <= first_row + cols,
        "the first visible cell {} is where the scroll put it ({first_row}; top {top}, cell {cell}, {cols} columns; {})",
        far[0].0,
        browser.js("const sc = document.getElementById('gallery-scroll'); const w = document.getElementById('gallery-window'); return [sc.scrollTop, sc.scrollHeight, sc.clientWidth, w.style.cssText, document.querySelector('.gallery-space').style.cssText]").await
    );
    assert!(
        cells <= max_cells,
        "{cells} cells in the DOM far down, at most {max_cells}"
    );
    // reads follow row groups: the sample's row groups are 100 rows, so the cells in the
    // DOM span at most cells/100 + 2 of them, one read each
    let reads = image_requests(&server);
    let groups = cells / 100 + 2;
    assert!(
        !reads.is_empty() && reads.len() as u64 <= groups,
        "{} reads for {cells} cells: {:?}",
        reads.len(),
        reads.iter().map(|e| e.range.clone()).collect::<Vec<_>>()
    );

    // scrolling quickly past many places under latency: the reads for places passed are
    // cancelled before the server answers, so only the last place's reads are served
    server.set_faults(Faults {
        latency_ms: 400,
        ..Default::default()
    });
    server.clear_log();
    let stops = 15;
    for k in 0..stops {
        browser
            .js(&format!(
                "const sc = document.getElementById('gallery-scroll'); sc.scrollTop = sc.scrollHeight * {};",
                0.05 + 0.04 * k as f64
            ))
            .await;
        tokio::time::sleep(Duration::from_millis(60)).await;
    }
    wait_thumbs(&browser).await;
    let last = visible_cells(&browser).await;
    check_images(&last, &images, true);
    let served = image_requests(&server);
    assert!(
        served.len() as u64 <= groups,
        "{} reads served after {stops} places passed (at most {groups}, those of the last place)",
        served.len()
    );
    server.set_faults(Faults::default());

    // a click opens the galaxy, and its row goes into the address
    let target = &last[last.len() / 2];
    browser
        .js(&format!(
            "document.querySelector('#gallery-window .thumb[data-row=\"{}\"]').click()",
            target.0
        ))
        .await;
    browser
        .wait_for(&format!("#galaxy-from[data-row='{}']", target.0))
        .await;
    browser.wait_for("#galaxy-image[data-state='drawn']").await;
    let search = browser.js("return location.search").await;
    assert!(
        search
            .as_str()
            .unwrap()
            .contains(&format!("row={}", target.0)),
        "{search}"
    );
    // the thumbnails' URLs are made in the engine's worker (the page's thread neither
    // copies the bytes nor registers them): the page revokes them when it lets a
    // thumbnail go, and that frees them
    let freed = browser
        .js(r#"return (async () => {
const u = document.querySelector('#gallery-window .thumb img').src;
const before = (await fetch(u)).status;
URL.revokeObjectURL(u);
let after; try { after = (await fetch(u)).status; } catch (e) { after = 'refused'; }
return [u.startsWith('blob:' + location.origin + '/'), before, after]; })()"#)
        .await;
    assert_eq!(freed, json!([true, 200, "refused"]), "{freed}");
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_split_in_the_address_narrows_the_gallery_and_the_choice_goes_back_into_it() {
    let images = sample_images();
    let server = serve_dist().await;
    let browser = Browser::start().await;
    browser
        .client
        .goto(&format!("{}/?split=test", server.url()))
        .await
        .unwrap();
    browser.wait_for("#gallery-count[data-count='500']").await;
    wait_thumbs(&browser).await;
    let cells = visible_cells(&browser).await;
    check_images(&cells, &images, false);
    assert_eq!(
        cells[0].0, 2000,
        "the test split starts after the 2,000 train rows"
    );
    assert!(cells.iter().all(|c| c.0 == 2000 + c.1));
    // back to every split through the control: the address follows
    browser
        .js("const s = document.getElementById('gallery-split'); s.value = ''; s.dispatchEvent(new Event('change'));")
        .await;
    browser.wait_for("#gallery-count[data-count='2500']").await;
    let search = browser.js("return location.search").await;
    assert!(!search.as_str().unwrap().contains("split="), "{search}");
    browser.close().await;
}
