//! End-to-end: the release build in headless Chromium, served by the real range-capable
//! test server, checked against values this test reads from the parquet files itself.

#![cfg(not(target_arch = "wasm32"))]

mod common;

use arrow_array::cast::AsArray;
use arrow_array::types::Float64Type;
use common::{Browser, dist_dir, serve_dist};
use gzv_server::Faults;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use serde_json::Value;
use std::fs::File;

/// (path, split, size) of each file of the sample manifest.
fn manifest_files() -> Vec<(String, String, u64)> {
    let text = std::fs::read_to_string(dist_dir().join("sample/index.json")).expect("manifest");
    let v: Value = serde_json::from_str(&text).expect("manifest json");
    v["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| (f["path"].as_str().unwrap().to_string(), f["split"].as_str().unwrap().to_string(), f["size"].as_u64().unwrap()))
        .collect()
}

/// Row 0 of a file, read natively: id_str, ra, dec and the JPEG bytes.
fn first_row(path: &str) -> (String, f64, f64, Vec<u8>) {
    let file = File::open(dist_dir().join("sample").join(path)).expect("open parquet");
    let mut reader = ParquetRecordBatchReaderBuilder::try_new(file).unwrap().with_batch_size(1).build().unwrap();
    let batch = reader.next().unwrap().unwrap();
    let id = batch.column_by_name("id_str").unwrap().as_string::<i32>().value(0).to_string();
    let ra = batch.column_by_name("ra").unwrap().as_primitive::<Float64Type>().value(0);
    let dec = batch.column_by_name("dec").unwrap().as_primitive::<Float64Type>().value(0);
    let image = batch.column_by_name("image").unwrap().as_struct();
    let jpeg = image.column_by_name("bytes").unwrap().as_binary::<i32>().value(0).to_vec();
    (id, ra, dec, jpeg)
}

/// (rows, row groups) over all files, read natively.
fn totals() -> (i64, usize) {
    manifest_files().iter().fold((0, 0), |(r, g), (path, _, _)| {
        let file = File::open(dist_dir().join("sample").join(path)).unwrap();
        let b = ParquetRecordBatchReaderBuilder::try_new(file).unwrap();
        (r + b.metadata().file_metadata().num_rows(), g + b.metadata().num_row_groups())
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn opens_the_sample_and_draws_the_first_galaxy() {
    let server = serve_dist().await;
    let browser = Browser::start().await;
    browser.client.goto(&format!("{}/", server.url())).await.unwrap();
    browser.wait_for("#galaxy-image[data-state='drawn']").await;

    // the galaxy shown is row 0 of the first train file, as the file itself says
    let files = manifest_files();
    let (first_path, _, _) = files.iter().find(|f| f.1 == "train").expect("a train file");
    let (id, ra, dec, jpeg) = first_row(first_path);
    assert_eq!(browser.text("#galaxy-id").await, id);
    assert_eq!(browser.attr("#galaxy-ra", "data-value").await.unwrap().parse::<f64>().unwrap(), ra);
    assert_eq!(browser.attr("#galaxy-dec", "data-value").await.unwrap().parse::<f64>().unwrap(), dec);
    assert!(browser.text("#galaxy-ra").await.starts_with(&format!("{ra:.6}")));

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
    assert_eq!((probe["w"].as_u64(), probe["h"].as_u64()), (Some(424), Some(424)));
    let (centre, corner) = (probe["centre"].as_f64().unwrap(), probe["corner"].as_f64().unwrap());
    assert!(centre > corner + 25.0, "a galaxy sits bright in the centre of a dark sky: centre {centre}, corners {corner}");
    let patch: Vec<i64> = probe["patch"].as_array().unwrap().iter().map(|v| v.as_i64().unwrap()).collect();
    let mut k = 0;
    for y in 200..208 {
        for x in 200..208 {
            let p = native.get_pixel(x, y);
            for c in 0..3 {
                assert!((patch[k] - p[c] as i64).abs() <= 2, "pixel ({x},{y}) channel {c}: browser {} vs native {}", patch[k], p[c]);
                k += 1;
            }
        }
    }

    // milestones are marked, in order
    let marks = browser.js("return performance.getEntriesByType('mark').map(m => [m.name, m.startTime])").await;
    let at = |name: &str| {
        marks.as_array().unwrap().iter().find(|m| m[0] == name).and_then(|m| m[1].as_f64()).unwrap_or_else(|| panic!("no mark {name}: {marks}"))
    };
    assert!(at("gzv:ready") <= at("gzv:metadata") && at("gzv:metadata") <= at("gzv:first-image"), "{marks}");

    // every parquet read was a range request answered 206; far less than the files was read
    let log = server.log();
    let data: Vec<_> = log.iter().filter(|e| e.path.ends_with(".parquet")).collect();
    assert!(!data.is_empty());
    for e in &data {
        assert_eq!(e.status, 206, "{e:?}");
        assert!(e.range.as_deref().is_some_and(|r| r.starts_with("bytes=")), "{e:?}");
    }
    assert!(data.len() >= files.len() + 4, "a footer per file, then 4 column chunks: {data:?}");
    let read: u64 = data.iter().map(|e| e.bytes).sum();
    let size: u64 = files.iter().map(|f| f.2).sum();
    assert!(read * 10 < size, "read {read} of {size} bytes");
    let shot = browser.screenshot("first-galaxy.png").await;
    eprintln!("screenshot: {} ({} requests, {read} of {size} bytes)", shot.display(), data.len());
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_read_as_messages_not_blank_pages() {
    let server = serve_dist().await;
    let browser = Browser::start().await;
    let base = server.url();

    // a parquet URL that does not exist
    browser.client.goto(&format!("{base}/?url=/sample/data/nope.parquet")).await.unwrap();
    browser.wait_for(".files li.failed").await;
    let text = browser.text(".files li.failed .detail").await;
    assert!(text.contains("HTTP 404") && text.contains("not found"), "{text}");
    assert!(browser.text("#galaxy-error").await.contains("no file of the dataset could be read"));

    // a file that is not parquet
    browser.client.goto(&format!("{base}/?url=/index.html")).await.unwrap();
    browser.wait_for(".files li.failed").await;
    let text = browser.text(".files li.failed .detail").await;
    assert!(text.contains("is not a parquet file") && text.contains("PAR1"), "{text}");

    // a manifest that does not exist
    browser.client.goto(&format!("{base}/?url=/missing/index.json")).await.unwrap();
    browser.wait_for("#fatal-error").await;
    let text = browser.text("#fatal-error").await;
    assert!(text.contains("404"), "{text}");

    // a host that ignores Range: detected on the first answer and the download stopped
    server.set_faults(Faults { ignore_range: true, path_prefix: "/sample/data/".into(), ..Faults::default() });
    server.clear_log();
    browser.client.goto(&format!("{base}/")).await.unwrap();
    browser.wait_for("#galaxy-error").await;
    let failed = browser.js("return [...document.querySelectorAll('.files li.failed .detail')].map(e => e.innerText)").await;
    let failed = failed.as_array().unwrap();
    assert_eq!(failed.len(), manifest_files().len(), "every file fails: {failed:?}");
    assert!(failed.iter().all(|t| t.as_str().unwrap().contains("ignored the Range header")), "{failed:?}");
    assert_eq!(browser.text("#sum-rows").await, "—", "no footer read: unknown, not 0");
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    for e in server.log().iter().filter(|e| e.path.ends_with(".parquet")) {
        let size = manifest_files().iter().find(|f| e.path.ends_with(&f.0)).map(|f| f.2).unwrap();
        assert!(e.bytes < size / 4, "download not stopped: {} of {size} bytes sent", e.bytes);
    }
    browser.screenshot("range-ignored.png").await;
    browser.close().await;
}
