//! The sky map in headless Chromium: every galaxy drawn, hover and click on a known galaxy of
//! the sample (its position computed here from the parquet file), colour by a vote fraction
//! checked pixel by pixel against fractions computed here, keys, projections, rectangle
//! selection, and the catalog sidecar read instead of the shards.

#![cfg(not(target_arch = "wasm32"))]

mod common;

use arrow_array::RecordBatch;
use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int32Type};
use common::{Browser, dist_dir, serve_dist};
use gz_viewer::sky::colormap;
use gz_viewer::sky::projection::{Projection, SkyView};
use gzv_server::Faults;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use serde_json::Value;
use std::fs::File;

/// Every row of the sample in manifest order (global rows): id, ra, dec, and the dr8
/// smooth-or-featured counts (smooth, featured-or-disk, artifact).
struct Row {
    id: String,
    ra: f64,
    dec: f64,
    dr8: [i32; 3],
}

fn sample_rows() -> Vec<Row> {
    let text = std::fs::read_to_string(dist_dir().join("sample/index.json")).unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    let mut rows = Vec::new();
    for f in v["files"].as_array().unwrap() {
        let path = dist_dir().join("sample").join(f["path"].as_str().unwrap());
        let reader = ParquetRecordBatchReaderBuilder::try_new(File::open(path).unwrap())
            .unwrap()
            .build()
            .unwrap();
        for b in reader {
            let b: RecordBatch = b.unwrap();
            let col = |n: &str| b.column_by_name(n).unwrap().clone();
            let (id, ra, dec) = (col("id_str"), col("ra"), col("dec"));
            let dr8: Vec<_> = ["smooth", "featured-or-disk", "artifact"]
                .iter()
                .map(|a| col(&format!("smooth-or-featured-dr8_{a}")))
                .collect();
            for r in 0..b.num_rows() {
                rows.push(Row {
                    id: id.as_string::<i32>().value(r).to_string(),
                    ra: ra.as_primitive::<Float64Type>().value(r),
                    dec: dec.as_primitive::<Float64Type>().value(r),
                    dr8: [0, 1, 2].map(|k| dr8[k].as_primitive::<Int32Type>().value(r)),
                });
            }
        }
    }
    rows
}

/// Where the page says the sky sits on the canvas.
struct Placement {
    view: SkyView,
    scale: f64,
    cx: f64,
    cy: f64,
}

async fn placement(browser: &Browser) -> Placement {
    let text = browser
        .attr("#sky-canvas", "data-view")
        .await
        .expect("data-view");
    let v: Value = serde_json::from_str(&text).unwrap();
    let projection = Projection::from_key(v["projection"].as_str().unwrap()).unwrap();
    Placement {
        view: SkyView::new(
            projection,
            v["ra0"].as_f64().unwrap(),
            v["dec0"].as_f64().unwrap(),
        ),
        scale: v["scale"].as_f64().unwrap(),
        cx: v["cx"].as_f64().unwrap(),
        cy: v["cy"].as_f64().unwrap(),
    }
}

impl Placement {
    /// CSS pixel of a position on the canvas.
    fn px(&self, ra: f64, dec: f64) -> Option<(f64, f64)> {
        let (x, y) = self.view.project(ra, dec)?;
        Some((self.cx + x * self.scale, self.cy - y * self.scale))
    }
}

/// The row farthest (on screen) from any other, among the first `n`: a galaxy a click can
/// only mean one way.
fn isolated(rows: &[Row], at: &Placement, n: usize) -> (usize, (f64, f64)) {
    let pts: Vec<Option<(f64, f64)>> = rows.iter().map(|r| at.px(r.ra, r.dec)).collect();
    let mut best = (0, 0.0);
    for i in 0..n.min(rows.len()) {
        // away from the map's edge, where the outline and labels are drawn
        if !(-50.0..60.0).contains(&rows[i].dec)
            || (rows[i].ra - at.view.ra0 + 180.0).rem_euclid(360.0) < 40.0
            || (rows[i].ra - at.view.ra0 + 180.0).rem_euclid(360.0) > 320.0
        {
            continue;
        }
        let Some(p) = pts[i] else { continue };
        let nearest = pts
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != i)
            .filter_map(|(_, q)| *q)
            .map(|q| (q.0 - p.0).hypot(q.1 - p.1))
            .fold(f64::MAX, f64::min);
        if nearest > best.1 {
            best = (i, nearest);
        }
    }
    assert!(best.1 > 7.0, "no isolated galaxy: {}", best.1);
    (best.0, pts[best.0].unwrap())
}

/// Send a pointer event at a CSS pixel of the canvas.
async fn pointer(browser: &Browser, kind: &str, x: f64, y: f64, shift: bool) {
    browser
        .js(&format!(
            "const c = document.getElementById('sky-canvas'); const r = c.getBoundingClientRect();
             c.dispatchEvent(new PointerEvent('{kind}', {{clientX: r.left + {x}, clientY: r.top + {y}, pointerId: 7, shiftKey: {shift}, bubbles: true}}))"
        ))
        .await;
}

/// Switch off the grid and the Galactic plane, so pixels show only galaxies.
async fn overlays_off(browser: &Browser) {
    browser.js("for (const id of ['sky-grid', 'sky-galactic']) { const c = document.getElementById(id); if (c.checked) c.click(); }").await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    wait_complete(browser).await;
}

async fn wait_complete(browser: &Browser) {
    browser.wait_for("#sky-canvas[data-state='complete']").await;
}

/// The RGB of a CSS pixel of the sky canvas.
async fn pixel(browser: &Browser, x: f64, y: f64) -> [u8; 3] {
    let v = browser
        .js(&format!(
            "const c = document.getElementById('sky-canvas'); const d = devicePixelRatio;
             return [...c.getContext('2d').getImageData(Math.floor({x} * d), Math.floor({y} * d), 1, 1).data]"
        ))
        .await;
    let a: Vec<u8> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap() as u8)
        .collect();
    [a[0], a[1], a[2]]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_galaxy_is_drawn_and_hover_and_click_open_a_known_one() {
    let rows = sample_rows();
    let server = serve_dist().await;
    let browser = Browser::start().await;
    browser
        .client
        .goto(&format!("{}/", server.url()))
        .await
        .unwrap();
    wait_complete(&browser).await;
    overlays_off(&browser).await;
    let marks = browser
        .js("return performance.getEntriesByType('mark').map(m => m.name)")
        .await;
    assert!(
        marks
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m == "gzv:sky-complete"),
        "{marks}"
    );
    let at = placement(&browser).await;
    assert_eq!(
        at.view.projection,
        Projection::Mollweide,
        "Mollweide by default"
    );
    let on_canvas = rows.iter().filter(|r| at.px(r.ra, r.dec).is_some()).count();
    let drawn: usize = browser
        .attr("#sky-canvas", "data-drawn")
        .await
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(
        (drawn, on_canvas),
        (rows.len(), rows.len()),
        "every galaxy of the sample is drawn"
    );
    assert!(
        browser
            .text("#sky-count")
            .await
            .starts_with("2,500 galaxies")
    );

    // the point is really there: plain colour at its pixel, east (larger RA) to the left
    let (i, (x, y)) = isolated(&rows, &at, rows.len());
    assert_eq!(
        pixel(&browser, x, y).await,
        gz_viewer::sky::raster::PLAIN,
        "row {i} at ({x}, {y})"
    );
    let east = at.px(rows[i].ra + 5.0, rows[i].dec).unwrap();
    assert!(east.0 < x, "RA increases to the left");

    // hover names it, the cursor readout gives its position
    pointer(&browser, "pointermove", x + 2.0, y + 1.0, false).await;
    let hover = browser.wait_for("#sky-hover").await.text().await.unwrap();
    assert!(
        hover.contains(&rows[i].id),
        "{hover} should name {}",
        rows[i].id
    );
    let cursor = browser.text("#sky-cursor").await;
    // the readout is the inverse projection of the pointer (computed here independently)
    let (u, v) = ((x + 2.0 - at.cx) / at.scale, (at.cy - (y + 1.0)) / at.scale);
    let (ra, dec) = at.view.unproject(u, v).unwrap();
    let num = |after: &str| -> f64 {
        cursor
            .split(after)
            .nth(1)
            .unwrap()
            .split('°')
            .next()
            .unwrap()
            .trim()
            .parse()
            .unwrap()
    };
    // (pointer coordinates reach the page as whole CSS pixels: allow one pixel and a half)
    let tolerance = (1.5 / at.scale).to_degrees();
    let off = gz_viewer::sky::projection::separation(num("RA "), num("Dec "), ra, dec);
    assert!(
        off < tolerance,
        "{cursor} vs {ra} {dec}: {off}° off, tolerance {tolerance}°"
    );
    assert!(
        (ra - rows[i].ra).abs() < 3.0 && (dec - rows[i].dec).abs() < 3.0,
        "the pointer is near the galaxy"
    );

    // a click opens its detail
    pointer(&browser, "pointerdown", x + 1.0, y, false).await;
    pointer(&browser, "pointerup", x + 1.0, y, false).await;
    browser
        .wait_for(&format!("#galaxy-from[data-row='{i}']"))
        .await;
    browser.wait_for("#galaxy-image[data-state='drawn']").await;
    assert_eq!(browser.text("#galaxy-id").await, rows[i].id);
    assert!(
        browser
            .client
            .current_url()
            .await
            .unwrap()
            .as_str()
            .contains(&format!("row={i}"))
    );
    // a click on empty sky opens nothing
    pointer(&browser, "pointerdown", 3.0, 3.0, false).await;
    pointer(&browser, "pointerup", 3.0, 3.0, false).await;
    assert_eq!(
        browser.attr("#galaxy-from", "data-row").await.as_deref(),
        Some(i.to_string().as_str())
    );
    common::screenshot(&browser, "sky-map.png").await;
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn colour_by_a_vote_fraction_matches_the_file_and_not_asked_is_grey() {
    let rows = sample_rows();
    let server = serve_dist().await;
    let browser = Browser::start().await;
    browser
        .client
        .goto(&format!("{}/", server.url()))
        .await
        .unwrap();
    wait_complete(&browser).await;
    let option = browser
        .js("return [...document.querySelectorAll('#sky-colour option')].find(o => o.textContent === 'smooth-or-featured → smooth (dr8)').value")
        .await;
    let value = option.as_str().expect("a dr8 smooth option").to_string();
    browser.js(&format!("const s = document.getElementById('sky-colour'); s.value = '{value}'; s.dispatchEvent(new Event('change'))")).await;
    browser.wait_for("#sky-colour-legend").await;
    let not_asked = rows
        .iter()
        .filter(|r| r.dr8.iter().sum::<i32>() == 0)
        .count();
    assert!(not_asked > 0 && not_asked < rows.len());
    let text = browser.text("#sky-not-asked").await;
    assert_eq!(
        text.trim(),
        format!("not asked: {} of 2,500", fmt(not_asked))
    );
    overlays_off(&browser).await;
    let at = placement(&browser).await;
    // an isolated asked galaxy shows its fraction's colour, an isolated unasked one grey
    let asked: Vec<usize> = (0..rows.len())
        .filter(|&i| rows[i].dr8.iter().sum::<i32>() > 0)
        .collect();
    let silent: Vec<usize> = (0..rows.len())
        .filter(|&i| rows[i].dr8.iter().sum::<i32>() == 0)
        .collect();
    for (group, asked_group) in [(&asked, true), (&silent, false)] {
        let subset: Vec<Row> = group
            .iter()
            .map(|&i| Row {
                id: rows[i].id.clone(),
                ra: rows[i].ra,
                dec: rows[i].dec,
                dr8: rows[i].dr8,
            })
            .collect();
        // isolated from every galaxy, not only its group
        let (k, (x, y)) = isolated(&subset, &at, subset.len());
        let r = &subset[k];
        let nearest_any = rows
            .iter()
            .filter(|o| o.id != r.id)
            .filter_map(|o| at.px(o.ra, o.dec))
            .map(|q| (q.0 - x).hypot(q.1 - y))
            .fold(f64::MAX, f64::min);
        if nearest_any < 4.0 {
            continue;
        }
        let want = if asked_group {
            colormap::color(r.dr8[0] as f32 / r.dr8.iter().sum::<i32>() as f32)
        } else {
            colormap::MISSING
        };
        assert_eq!(pixel(&browser, x, y).await, want, "{} ({:?})", r.id, r.dr8);
    }
    common::screenshot(&browser, "sky-colour.png").await;
    browser.close().await;
}

fn fmt(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_move_the_map_not_the_galaxy_and_projections_switch() {
    let rows = sample_rows();
    let server = serve_dist().await;
    let browser = Browser::start().await;
    browser
        .client
        .goto(&format!("{}/?row=5", server.url()))
        .await
        .unwrap();
    wait_complete(&browser).await;
    browser.wait_for("#galaxy-image[data-state='drawn']").await;
    let before = placement(&browser).await;
    browser
        .js("document.getElementById('sky-canvas').focus()")
        .await;
    let key = |k: &str| {
        format!(
            "document.getElementById('sky-canvas').dispatchEvent(new KeyboardEvent('keydown', {{key: '{k}', bubbles: true}}))"
        )
    };
    browser.js(&key("ArrowLeft")).await;
    browser.js(&key("+")).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let after = placement(&browser).await;
    assert!(
        (after.view.ra0 - (before.view.ra0 + 10.0)).abs() < 1e-9,
        "← turns the sky by 10°: {} → {}",
        before.view.ra0,
        after.view.ra0
    );
    assert!(
        (after.scale / before.scale - 1.25).abs() < 1e-9,
        "+ zooms by 1.25"
    );
    // a pinch: two touches 100 px apart, one moving out to 200 px, zooms by 2 and opens nothing
    let touch = |kind: &str, id: u32, x: f64| {
        format!(
            "const c = document.getElementById('sky-canvas'); const r = c.getBoundingClientRect();
             c.dispatchEvent(new PointerEvent('{kind}', {{clientX: r.left + {x}, clientY: r.top + 150, pointerId: {id}, pointerType: 'touch', isPrimary: {}, bubbles: true}}))",
            id == 21
        )
    };
    for (kind, id, x) in [
        ("pointerdown", 21, 300.0),
        ("pointerdown", 22, 400.0),
        ("pointermove", 22, 450.0),
        ("pointermove", 22, 500.0),
        ("pointerup", 22, 500.0),
        ("pointerup", 21, 300.0),
    ] {
        browser.js(&touch(kind, id, x)).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let pinched = placement(&browser).await;
    assert!(
        (pinched.scale / after.scale - 2.0).abs() < 1e-9,
        "a pinch to twice the distance zooms by 2: {} → {}",
        after.scale,
        pinched.scale
    );
    assert_eq!(
        pinched.view.ra0, after.view.ra0,
        "a pinch does not turn the sky"
    );
    assert_eq!(
        browser.attr("#galaxy-from", "data-row").await.as_deref(),
        Some("5"),
        "the galaxy did not change"
    );
    // a close-up projection centres on the galaxy shown
    browser.js("const s = document.getElementById('sky-projection'); s.value = 'gnomonic'; s.dispatchEvent(new Event('change'))").await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let tan = placement(&browser).await;
    assert_eq!(tan.view.projection, Projection::Gnomonic);
    assert!((tan.view.ra0 - rows[5].ra).abs() < 1e-9 && (tan.view.dec0 - rows[5].dec).abs() < 1e-9);
    let (x, y) = tan.px(rows[5].ra, rows[5].dec).unwrap();
    assert!(
        (x - tan.cx).abs() < 1e-6 && (y - tan.cy).abs() < 1e-6,
        "the galaxy is in the middle"
    );
    // density mode says how full the fullest cell is
    browser.js("const s = document.getElementById('sky-mode'); s.value = 'density'; s.dispatchEvent(new Event('change'))").await;
    let legend = browser
        .wait_for("#sky-density-legend")
        .await
        .text()
        .await
        .unwrap();
    assert!(legend.contains("per 0.84 deg² cell"), "{legend}");
    common::screenshot(&browser, "sky-gnomonic-density.png").await;
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shift_drag_selects_the_galaxies_in_the_rectangle() {
    let rows = sample_rows();
    let server = serve_dist().await;
    let browser = Browser::start().await;
    browser
        .client
        .goto(&format!("{}/", server.url()))
        .await
        .unwrap();
    wait_complete(&browser).await;
    let at = placement(&browser).await;
    let (a, b) = ((at.cx - 120.0, at.cy - 80.0), (at.cx + 40.0, at.cy + 30.0));
    let inside = |m: f64| {
        rows.iter()
            .filter_map(|r| at.px(r.ra, r.dec))
            .filter(|p| p.0 >= a.0 + m && p.0 <= b.0 - m && p.1 >= a.1 + m && p.1 <= b.1 - m)
            .count()
    };
    let (strict, loose) = (inside(0.5), inside(-0.5));
    assert!(strict > 10, "the rectangle holds galaxies: {strict}");
    pointer(&browser, "pointerdown", a.0, a.1, true).await;
    pointer(
        &browser,
        "pointermove",
        (a.0 + b.0) / 2.0,
        (a.1 + b.1) / 2.0,
        true,
    )
    .await;
    pointer(&browser, "pointermove", b.0, b.1, true).await;
    pointer(&browser, "pointerup", b.0, b.1, true).await;
    let text = browser
        .wait_for("#sky-selection")
        .await
        .text()
        .await
        .unwrap();
    let n: usize = text
        .split_whitespace()
        .next()
        .unwrap()
        .replace(',', "")
        .parse()
        .unwrap();
    assert!(
        strict <= n && n <= loose,
        "{n} selected, expected {strict}..={loose}"
    );
    assert_eq!(
        browser.attr("#galaxy-from", "data-row").await.as_deref(),
        Some("0"),
        "selecting opens nothing by itself"
    );
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_catalog_sidecar_replaces_the_shards_columns() {
    let rows = sample_rows();
    // a manifest beside a catalog, naming the sample's shards
    let dir = dist_dir().join("with-catalog");
    std::fs::create_dir_all(&dir).unwrap();
    let text = std::fs::read_to_string(dist_dir().join("sample/index.json")).unwrap();
    let mut v: Value = serde_json::from_str(&text).unwrap();
    let mut locations = Vec::new();
    for f in v["files"].as_array_mut().unwrap() {
        let p = f["path"].as_str().unwrap().to_string();
        locations.push(gzv_sample::catalog::Location::File(
            dist_dir().join("sample").join(&p),
        ));
        f["path"] = Value::String(format!("../sample/{p}"));
    }
    let report =
        gzv_sample::catalog::build(&locations, &dir.join("catalog.parquet"), 2, &|_| {}).unwrap();
    v["catalog"] = serde_json::to_value(&report.entry).unwrap();
    std::fs::write(dir.join("index.json"), serde_json::to_string(&v).unwrap()).unwrap();

    let server = serve_dist().await;
    let browser = Browser::start().await;
    browser
        .client
        .goto(&format!("{}/?url=/with-catalog/index.json", server.url()))
        .await
        .unwrap();
    wait_complete(&browser).await;
    assert!(
        browser
            .text("#sky-count")
            .await
            .starts_with("2,500 galaxies")
    );
    let log = server.log();
    let catalog_reads: Vec<_> = log
        .iter()
        .filter(|e| e.path.ends_with("catalog.parquet"))
        .collect();
    assert!(!catalog_reads.is_empty() && catalog_reads.iter().all(|e| e.status == 206));
    // of the shards, only the first galaxy's was read: its footer and the galaxy (the map
    // comes from the catalog; global rows from the manifest's row counts)
    let shard_reads = |log: &[gzv_server::LogEntry]| -> Vec<(String, Option<String>)> {
        log.iter()
            .filter(|e| e.path.contains("/data/"))
            .map(|e| (e.path.clone(), e.range.clone()))
            .collect()
    };
    let first = shard_reads(&log);
    let first_shard = v["files"][0]["path"]
        .as_str()
        .unwrap()
        .trim_start_matches("../sample/")
        .to_string();
    assert!(
        first.iter().all(|(p, _)| p.ends_with(&first_shard)) && first.len() == 2,
        "{first:#?}"
    );
    let files = v["files"].as_array().unwrap().len();
    assert_eq!(
        browser
            .js("return document.querySelectorAll('#files li.deferred').length")
            .await
            .as_u64()
            .unwrap() as usize,
        files - 1,
        "the other footers wait until needed"
    );
    // with the catalog, the hover names the top answer at once
    let at = placement(&browser).await;
    let (i, (x, y)) = isolated(&rows, &at, rows.len());
    common::screenshot(&browser, "sky-catalog.png").await;
    pointer(&browser, "pointermove", x, y, false).await;
    let hover = browser.wait_for("#sky-hover").await.text().await.unwrap();
    assert!(
        hover.contains(&rows[i].id) && hover.contains("smooth-or-featured: "),
        "{hover}"
    );
    // and a click opens the right row (the catalog's locator)
    pointer(&browser, "pointerdown", x, y, false).await;
    pointer(&browser, "pointerup", x, y, false).await;
    browser
        .wait_for(&format!("#galaxy-from[data-row='{i}']"))
        .await;
    assert_eq!(
        browser.wait_for("#galaxy-id").await.text().await.unwrap(),
        rows[i].id
    );
    // its shard's footer was read for it, and no other
    let shard_of = |row: usize| {
        let mut at = row as u64;
        v["files"]
            .as_array()
            .unwrap()
            .iter()
            .position(|f| {
                let n = f["rows"].as_u64().unwrap();
                if at < n {
                    true
                } else {
                    at -= n;
                    false
                }
            })
            .unwrap()
    };
    let touched: std::collections::BTreeSet<usize> = [0, shard_of(i)].into();
    assert_eq!(
        browser
            .js("return document.querySelectorAll('#files li.deferred').length")
            .await
            .as_u64()
            .unwrap() as usize,
        files - touched.len()
    );
    let later = shard_reads(&server.log());
    let paths: std::collections::BTreeSet<&str> = later.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(paths.len(), touched.len(), "{later:#?}");
    browser.close().await;
}

/// Galaxies of the sample whose dr8 answer `a` has a fraction in `lo..=hi` with at least
/// `n` votes for smooth-or-featured (computed as the app must: not asked never passes).
fn dr8_matches(rows: &[Row], conditions: &[(usize, f32, f32, i32)]) -> Vec<usize> {
    (0..rows.len())
        .filter(|&i| {
            let c = rows[i].dr8;
            let total = c[0] + c[1] + c[2];
            conditions.iter().all(|&(a, lo, hi, n)| {
                let f = c[a] as f32 / total as f32;
                total >= n.max(1) && f >= lo && f <= hi
            })
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filters_count_what_the_file_says_and_live_in_the_address() {
    let rows = sample_rows();
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
    let want = dr8_matches(&rows, &[(0, 0.5, 1.0, 3)]);
    assert!(
        want.len() > 50 && want.len() < rows.len() - 50,
        "a filter that splits the sample: {}",
        want.len()
    );
    let count = browser.wait_for("#filter-count").await;
    assert_eq!(
        count.attr("data-count").await.unwrap().as_deref(),
        Some(want.len().to_string().as_str())
    );
    assert_eq!(
        count.attr("data-of").await.unwrap().as_deref(),
        Some(rows.len().to_string().as_str())
    );
    // the histogram covers every galaxy: bins + not asked + too few
    let bins: Vec<u64> = browser
        .js("return [...document.querySelectorAll('#filter-histogram .bar')].map(b => parseInt(b.dataset.count))")
        .await
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    let not_asked: u64 = browser.text("#filter-not-asked").await.parse().unwrap();
    let too_few: u64 = browser.text("#filter-too-few").await.parse().unwrap();
    let asked_none = rows
        .iter()
        .filter(|r| r.dr8.iter().sum::<i32>() == 0)
        .count() as u64;
    assert_eq!(
        not_asked, asked_none,
        "not asked is counted apart, never as 0 %"
    );
    assert_eq!(
        bins.iter().sum::<u64>() + not_asked + too_few,
        rows.len() as u64
    );
    let upper: u64 = bins[5..].iter().sum();
    assert_eq!(
        upper,
        want.len() as u64,
        "the bins from 0.5 up hold the matching galaxies"
    );
    // the map draws only the matching galaxies
    wait_complete(&browser).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let drawn: usize = browser
        .attr("#sky-canvas", "data-drawn")
        .await
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(drawn, want.len(), "only the filter's galaxies are drawn");
    // the gallery shows the same selection, in dataset order
    browser
        .wait_for(&format!("#gallery-count[data-count='{}']", want.len()))
        .await;
    let shown: Vec<u64> = browser
        .js("return [...document.querySelectorAll('#gallery-window .thumb')].map(c => +c.dataset.row)")
        .await
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    assert!(shown.len() >= 10, "{shown:?}");
    let expected: Vec<u64> = want.iter().take(shown.len()).map(|&i| i as u64).collect();
    assert_eq!(
        shown, expected,
        "the gallery's cells are the filter's galaxies"
    );

    // a second condition from the controls: artifact at most 0.3 with at least 3 votes
    let pick = "const s = document.getElementById('filter-answer');
        const o = [...s.options].find(o => o.text.startsWith('smooth-or-featured → artifact (dr8)'));
        s.value = o.value; s.dispatchEvent(new Event('change'));
        for (const [id, v] of [['filter-min', '0'], ['filter-max', '0.3'], ['filter-votes', '3']]) {
          const i = document.getElementById(id); i.value = v; i.dispatchEvent(new Event('change'));
        }";
    browser.js(pick).await;
    // the button is enabled once an answer is chosen (a render later)
    browser
        .wait_for("#filter-add:not([disabled])")
        .await
        .click()
        .await
        .unwrap();
    let both = dr8_matches(&rows, &[(0, 0.5, 1.0, 3), (2, 0.0, 0.3, 3)]);
    assert!(
        both.len() < want.len(),
        "the second condition removes some: {} of {}",
        both.len(),
        want.len()
    );
    browser
        .wait_for(&format!("#filter-count[data-count='{}']", both.len()))
        .await;
    assert_eq!(
        browser
            .js("return document.querySelectorAll('#filter-conditions li').length")
            .await
            .as_u64(),
        Some(2)
    );
    let url = browser.client.current_url().await.unwrap();
    let filter = url
        .query_pairs()
        .find(|(k, _)| k == "filter")
        .map(|(_, v)| v.to_string())
        .unwrap();
    assert_eq!(
        filter,
        "smooth-or-featured-dr8_smooth:0.5..1:n3;smooth-or-featured-dr8_artifact:0..0.3:n3"
    );
    // back steps to the previous filter, forward again
    browser.js("history.back()").await;
    browser
        .wait_for(&format!("#filter-count[data-count='{}']", want.len()))
        .await;
    assert_eq!(
        browser
            .js("return document.querySelectorAll('#filter-conditions li').length")
            .await
            .as_u64(),
        Some(1)
    );
    browser.js("history.forward()").await;
    browser
        .wait_for(&format!("#filter-count[data-count='{}']", both.len()))
        .await;
    // a copied link reopens the same filter
    browser.client.goto(url.as_str()).await.unwrap();
    browser
        .wait_for(&format!("#filter-count[data-count='{}']", both.len()))
        .await;
    // a preset from Galaxy Zoo practice (its votes loading slowly), cleared while they load
    server.set_faults(Faults {
        latency_ms: 150,
        ..Faults::default()
    });
    browser
        .js("const s = document.getElementById('filter-preset'); const o = [...s.options].find(o => o.text.startsWith('Edge-on disks (dr8)')); s.value = o.value; s.dispatchEvent(new Event('change'))")
        .await;
    browser.wait_for("#filter-conditions li:nth-child(3)").await;
    let url = browser.client.current_url().await.unwrap();
    assert!(url.as_str().contains("disk-edge-on-dr8_yes"), "{url}");
    browser.wait_for("#filter-loading").await;
    browser
        .js("document.getElementById('filter-clear').click()")
        .await;
    browser.wait_for("#filter-status .muted").await;
    // the cleared filter's votes go on arriving: their progress must not bring it back
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    server.set_faults(Faults::default());
    assert_eq!(
        browser
            .js("return [!!document.querySelector('#filter-status .muted'), !!document.getElementById('filter-loading')]")
            .await,
        serde_json::json!([true, false]),
        "a cleared filter stays cleared"
    );
    assert!(
        !browser
            .client
            .current_url()
            .await
            .unwrap()
            .as_str()
            .contains("filter=")
    );
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_filter_in_the_address_says_what_is_wrong() {
    let server = serve_dist().await;
    let browser = Browser::start().await;
    browser
        .client
        .goto(&format!("{}/?filter=bar-dr8_strong:0.5..2", server.url()))
        .await
        .unwrap();
    let e = browser
        .wait_for("#filter-error")
        .await
        .text()
        .await
        .unwrap();
    assert!(e.contains("0.5..2") && e.contains("not a range"), "{e}");
    // and the rest of the page works
    browser.wait_for("#galaxy-image[data-state='drawn']").await;
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_selection_exports_as_csv_and_links() {
    let rows = sample_rows();
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
    let want = dr8_matches(&rows, &[(0, 0.5, 1.0, 3)]);
    browser
        .wait_for(&format!("#filter-count[data-count='{}']", want.len()))
        .await;
    browser
        .wait_for("#export-csv:not([disabled])")
        .await
        .click()
        .await
        .unwrap();
    let link = browser.wait_for("#export-link").await;
    assert_eq!(
        link.attr("data-rows").await.unwrap(),
        Some(want.len().to_string())
    );
    let text = browser
        .js("return fetch(document.getElementById('export-link').href).then(r => r.text())")
        .await
        .as_str()
        .unwrap()
        .to_string();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some(
            "id_str,ra,dec,split,row,smooth-or-featured-dr8_smooth_fraction,smooth-or-featured-dr8_smooth_votes"
        )
    );
    let got: Vec<Vec<String>> = lines
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect();
    assert_eq!(got.len(), want.len());
    for (line, &i) in got.iter().zip(&want) {
        let r = &rows[i];
        let total = r.dr8.iter().sum::<i32>();
        assert_eq!(line[0], r.id);
        assert!(
            (line[1].parse::<f64>().unwrap() - r.ra).abs() < 1e-4
                && (line[2].parse::<f64>().unwrap() - r.dec).abs() < 1e-4
        );
        assert_eq!(line[3], if i < 2000 { "train" } else { "test" });
        assert_eq!(line[4], i.to_string());
        assert!((line[5].parse::<f64>().unwrap() - r.dr8[0] as f64 / total as f64).abs() < 1e-4);
        assert_eq!(line[6], total.to_string());
    }
    // the same selection as viewer links
    browser
        .js("document.getElementById('export-links').click()")
        .await;
    browser.wait_for("#export-link[download$='.txt']").await;
    let text = browser
        .js("return fetch(document.getElementById('export-link').href).then(r => r.text())")
        .await
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(text.lines().count(), want.len());
    let first = &rows[want[0]];
    assert_eq!(
        text.lines().next().unwrap(),
        format!(
            "{}\t{}",
            first.id,
            gz_viewer::sky::legacy_viewer_url(first.ra as f32 as f64, first.dec as f32 as f64)
        )
    );
    browser.close().await;
}

/// What a view shows: (projection, ra0, dec0, scale, galaxy row, filter count, gallery
/// count, the gallery's first rows).
async fn view_of(browser: &Browser) -> (String, f64, f64, f64, String, String, String, Vec<u64>) {
    let v: Value =
        serde_json::from_str(&browser.attr("#sky-canvas", "data-view").await.unwrap()).unwrap();
    let first: Vec<u64> = browser
        .js("return [...document.querySelectorAll('#gallery-window .thumb')].slice(0, 8).map(c => +c.dataset.row)")
        .await
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap())
        .collect();
    (
        v["projection"].as_str().unwrap().to_string(),
        v["ra0"].as_f64().unwrap(),
        v["dec0"].as_f64().unwrap(),
        v["scale"].as_f64().unwrap(),
        browser.attr("#galaxy-from", "data-row").await.unwrap(),
        browser.attr("#filter-count", "data-count").await.unwrap(),
        browser.attr("#gallery-count", "data-count").await.unwrap(),
        first,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_copied_address_reopens_the_same_view() {
    let rows = sample_rows();
    let want = dr8_matches(&rows, &[(0, 0.5, 1.0, 3)]);
    let in_test: Vec<u64> = want
        .iter()
        .filter(|&&i| i >= 2000)
        .map(|&i| i as u64)
        .collect();
    let server = serve_dist().await;
    let browser = Browser::start().await;
    browser
        .client
        .goto(&format!(
            "{}/?filter=smooth-or-featured-dr8_smooth:0.5..1:n3&split=test&row=2100&map=gnomonic,150,2,4",
            server.url()
        ))
        .await
        .unwrap();
    browser.wait_for("#galaxy-from[data-row='2100']").await;
    browser
        .wait_for(&format!("#gallery-count[data-count='{}']", in_test.len()))
        .await;
    wait_complete(&browser).await;
    let opened = view_of(&browser).await;
    assert_eq!(opened.0, "gnomonic");
    assert!(
        (opened.1 - 150.0).abs() < 1e-9 && (opened.2 - 2.0).abs() < 1e-9,
        "{opened:?}"
    );
    assert_eq!(opened.5, want.len().to_string());
    assert_eq!(
        opened.7,
        in_test[..8].to_vec(),
        "the gallery: the filter within the split"
    );
    assert_eq!(
        browser
            .js("return document.getElementById('sky-projection').value")
            .await,
        "gnomonic"
    );
    // the export holds what the gallery shows: the filter's galaxies within the split
    browser
        .wait_for("#export-csv:not([disabled])")
        .await
        .click()
        .await
        .unwrap();
    let link = browser.wait_for("#export-link").await;
    assert_eq!(
        link.attr("data-rows").await.unwrap(),
        Some(in_test.len().to_string())
    );
    // move the map with keys: the address follows once the view rests
    let key = |k: &str| {
        format!(
            "document.getElementById('sky-canvas').dispatchEvent(new KeyboardEvent('keydown', {{key: '{k}', bubbles: true}}))"
        )
    };
    // both keys in one script, so the address is written once, after both
    browser
        .js(&format!("{}; {}", key("ArrowLeft"), key("+")))
        .await;
    let t0 = std::time::Instant::now();
    let copied = loop {
        // one read of both, so the address cannot change between them
        let v = browser
            .js("return [location.href, new URLSearchParams(location.search).get('map')]")
            .await;
        if v[1].as_str().is_some_and(|m| m != "gnomonic,150,2,4") {
            break v[0].as_str().unwrap().to_string();
        }
        assert!(
            t0.elapsed() < std::time::Duration::from_secs(10),
            "the address never followed the map: {v}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    let moved = view_of(&browser).await;
    assert!(
        (moved.1 - opened.1).abs() > 1.0,
        "the map turned: {moved:?}"
    );
    // the copied link, opened in a fresh browser, shows the same view
    let other = Browser::start().await;
    other.client.goto(&copied).await.unwrap();
    other.wait_for("#galaxy-from[data-row='2100']").await;
    other
        .wait_for(&format!("#gallery-count[data-count='{}']", in_test.len()))
        .await;
    wait_complete(&other).await;
    let again = view_of(&other).await;
    assert_eq!(again.0, moved.0);
    assert!(
        (again.1 - moved.1).abs() < 1e-3 && (again.2 - moved.2).abs() < 1e-3,
        "{again:?} vs {moved:?}"
    );
    assert!(
        (again.3 / moved.3 - 1.0).abs() < 1e-3,
        "same zoom: {again:?} vs {moved:?}"
    );
    assert_eq!(again.4, moved.4);
    assert_eq!(again.5, moved.5);
    assert_eq!(again.6, moved.6);
    assert_eq!(again.7, moved.7);
    // a broken map view is explained, and the rest of the page works
    other
        .client
        .goto(&format!("{}/?map=gnomonic,150,95,4", server.url()))
        .await
        .unwrap();
    let e = other.wait_for("#sky-map-error").await.text().await.unwrap();
    assert!(e.contains("outside -90..90"), "{e}");
    other.wait_for("#galaxy-image[data-state='drawn']").await;
    other.close().await;
    browser.close().await;
}
