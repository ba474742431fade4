//! The front door in headless Chromium: the open field (each kind of entry and a wrong
//! one), the examples and the recent datasets, and "go to" a position, an id or a row.

#![cfg(not(target_arch = "wasm32"))]

mod common;

use arrow_array::cast::AsArray;
use arrow_array::types::Float64Type;
use common::{Browser, PAGE_TIMEOUT, dist_dir, manifest_files, serve_dist, wait_for_row};
use gz_viewer::sky::goto::{describe_angle, separation_deg};
use gzv_browser::Locator;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use serde_json::Value;

/// The page's address, as the browser has it.
async fn href(browser: &Browser) -> String {
    browser
        .js("return location.href")
        .await
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// Wait until the address satisfies `ok` (a new page is loading).
async fn wait_for_address(browser: &Browser, ok: impl Fn(&str) -> bool) -> String {
    let start = std::time::Instant::now();
    loop {
        let h = href(browser).await;
        if ok(&h) {
            return h;
        }
        assert!(start.elapsed() < PAGE_TIMEOUT, "the address stayed {h}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// Type `text` into the open field and press Enter (the keyboard path).
async fn enter(browser: &Browser, text: &str) {
    let input = browser.wait_for("#open-input").await;
    input.clear().await.expect("clear");
    input
        .send_keys(&format!("{text}\u{E007}"))
        .await
        .expect("type");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_open_field_opens_each_kind_of_entry_and_names_a_wrong_one() {
    let server = serve_dist().await;
    let browser = Browser::start().await;
    let base = server.url();
    let files = manifest_files();
    // a datasets-server stand-in listing the sample's files as `gzv/sample`
    let listing = serde_json::json!({
        "parquet_files": files.iter().map(|(p, split, size)| serde_json::json!({
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
    let carried = format!("datasets_server={base}/stand-in&hub={base}/hub");
    browser
        .client
        .goto(&format!("{base}/?{carried}"))
        .await
        .unwrap();
    browser.wait_for("#galaxy-image[data-state='drawn']").await;
    // the sample is an example, not a recent dataset
    assert_eq!(
        browser.attr("#recent-list", "data-count").await.as_deref(),
        Some("0")
    );
    let history = browser.js("return history.length").await.as_i64().unwrap();

    // a wrong entry: said, with what was expected, and nothing opened
    enter(&browser, "galaxies").await;
    let error = browser.wait_for("#open-error").await.text().await.unwrap();
    assert!(
        error.contains("\"galaxies\"") && error.contains("owner/name"),
        "{error}"
    );
    assert_eq!(
        browser.js("return history.length").await.as_i64(),
        Some(history)
    );
    enter(&browser, "javascript:alert(1)").await;
    let error = browser.text("#open-error").await;
    assert!(error.contains("javascript:"), "{error}");

    // a HuggingFace dataset id: a new history entry, the listing's dataset opened, the
    // mirror's listing hosts carried over
    enter(&browser, "gzv/sample").await;
    let h = wait_for_address(&browser, |h| h.contains("dataset=gzv%2Fsample")).await;
    assert!(h.contains("datasets_server="), "{h}");
    browser.wait_for("#galaxy-image[data-state='drawn']").await;
    assert!(
        browser
            .text("header")
            .await
            .contains("gzv/sample (default)")
    );
    assert_eq!(
        browser.js("return history.length").await.as_i64(),
        Some(history + 1)
    );

    // a relative manifest path, then one parquet file by absolute URL
    enter(&browser, "sample/index.json").await;
    wait_for_address(&browser, |h| h.contains("url=")).await;
    browser.wait_for("#galaxy-image[data-state='drawn']").await;
    assert_eq!(browser.text("#sum-files").await, files.len().to_string());

    // the dataset's HuggingFace page (on the page's hub) is the same dataset
    enter(
        &browser,
        &format!("{base}/hub/datasets/gzv/sample/tree/main/data"),
    )
    .await;
    wait_for_address(&browser, |h| h.contains("dataset=gzv%2Fsample")).await;
    browser.wait_for("#galaxy-image[data-state='drawn']").await;
    assert!(
        browser
            .text("header")
            .await
            .contains("gzv/sample (default)")
    );
    let one = format!("{base}/sample/{}", files[0].0);
    enter(&browser, &one).await;
    wait_for_address(&browser, |h| {
        h.ends_with(&format!("url={}", urlencode(&one)))
    })
    .await;
    browser.wait_for("#galaxy-image[data-state='drawn']").await;
    assert_eq!(browser.text("#sum-files").await, "1");
    assert_eq!(browser.text("#source-url").await, one);

    // a file's page on the hub becomes its download link
    enter(
        &browser,
        &format!("{base}/hub/datasets/gzv/sample/blob/main/{}", files[0].0),
    )
    .await;
    let h = wait_for_address(&browser, |h| h.contains("resolve")).await;
    assert!(
        h.contains(&format!(
            "url={}",
            urlencode(&format!(
                "{base}/hub/datasets/gzv/sample/resolve/main/{}",
                files[0].0
            ))
        )),
        "{h}"
    );

    // every dataset opened is listed (newest first), opens from its link, and is forgotten
    // on request, across visits
    browser
        .client
        .goto(&format!("{base}/?{carried}"))
        .await
        .unwrap();
    browser.wait_for("#galaxy-image[data-state='drawn']").await;
    browser
        .js("document.getElementById('recent').open = true")
        .await;
    let count: usize = browser
        .attr("#recent-list", "data-count")
        .await
        .unwrap()
        .parse()
        .unwrap();
    // the failed download link is not among them
    assert_eq!(count, 3);
    let listed = browser.text("#recent-list").await;
    assert!(
        listed.contains("gzv/sample") && listed.contains(&one),
        "{listed}"
    );
    browser
        .js("document.getElementById('recent').open = true")
        .await;
    let link = browser
        .client
        .find(Locator::Css("#recent-list a"))
        .await
        .unwrap();
    let target = link.attr("href").await.unwrap().unwrap();
    assert!(target.contains("datasets_server="), "carried: {target}");
    link.click().await.unwrap();
    wait_for_address(&browser, |h| h == target).await;
    browser.wait_for("#galaxy-image[data-state='drawn']").await;
    browser
        .js("document.getElementById('recent').open = true")
        .await;
    browser
        .client
        .find(Locator::Css("#recent-clear"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert_eq!(
        browser.attr("#recent-list", "data-count").await.as_deref(),
        Some("0")
    );
    browser
        .client
        .goto(&format!("{base}/?{carried}"))
        .await
        .unwrap();
    browser.wait_for("#galaxy-image[data-state='drawn']").await;
    assert_eq!(
        browser.attr("#recent-list", "data-count").await.as_deref(),
        Some("0")
    );
    // the examples: the sample, and gz_desi on HuggingFace
    let examples = browser
        .js("return [...document.querySelectorAll('#examples a')].map(a => a.href)")
        .await;
    let examples: Vec<String> = serde_json::from_value(examples).unwrap();
    assert_eq!(examples.len(), 2);
    assert!(
        examples[1].contains("dataset=mwalmsley%2Fgz_desi"),
        "{examples:?}"
    );
    browser.close().await;
}

/// `application/x-www-form-urlencoded` as `URLSearchParams` writes it.
fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Every row of the sample in manifest order (global rows): id, ra, dec.
fn sample_rows() -> Vec<(String, f64, f64)> {
    let mut rows = Vec::new();
    for (path, _, _) in manifest_files() {
        let file = std::fs::File::open(dist_dir().join("sample").join(path)).unwrap();
        let reader = ParquetRecordBatchReaderBuilder::try_new(file)
            .unwrap()
            .build()
            .unwrap();
        for b in reader {
            let b = b.unwrap();
            let col = |n: &str| b.column_by_name(n).unwrap().clone();
            let (id, ra, dec) = (col("id_str"), col("ra"), col("dec"));
            for r in 0..b.num_rows() {
                rows.push((
                    id.as_string::<i32>().value(r).to_string(),
                    ra.as_primitive::<Float64Type>().value(r),
                    dec.as_primitive::<Float64Type>().value(r),
                ));
            }
        }
    }
    rows
}

/// The brute-force nearest galaxy to a position: (row, separation in degrees).
fn nearest(rows: &[(String, f64, f64)], ra: f64, dec: f64) -> (u64, f64) {
    rows.iter()
        .enumerate()
        .map(|(i, r)| (i as u64, separation_deg(ra, dec, r.1, r.2)))
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .unwrap()
}

/// Type into the go-to field, press Enter, and read what it found: (state, text).
async fn go(browser: &Browser, text: &str) -> (String, String) {
    let input = browser.wait_for("#goto-input").await;
    input.clear().await.unwrap();
    // typing clears the previous answer, so the new one is not mistaken for it
    input.send_keys(&format!("{text}\u{E007}")).await.unwrap();
    let result = browser.wait_for("#goto-result").await;
    (
        result.attr("data-state").await.unwrap().unwrap(),
        result.text().await.unwrap(),
    )
}

/// The map's centre and projection, as the page placed it.
async fn centre(browser: &Browser) -> (String, f64, f64) {
    let text = browser.attr("#sky-canvas", "data-view").await.unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    (
        v["projection"].as_str().unwrap().to_string(),
        v["ra0"].as_f64().unwrap(),
        v["dec0"].as_f64().unwrap(),
    )
}

/// Wait until the map is centred on (ra, dec), close up, and marks it.
async fn wait_for_centre(browser: &Browser, ra: f64, dec: f64) {
    let deadline = std::time::Instant::now() + PAGE_TIMEOUT;
    loop {
        let (projection, ra0, dec0) = centre(browser).await;
        let mark = browser.attr("#sky-canvas", "data-mark").await;
        if projection == "gnomonic"
            && (ra0 - ra).abs() < 1e-6
            && (dec0 - dec).abs() < 1e-6
            && mark == Some(format!("{ra:.6} {dec:.6}"))
        {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the map is at {projection} {ra0} {dec0}, marked {mark:?}; wanted {ra} {dec}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn go_to_a_position_an_id_a_row_or_a_link_opens_the_nearest_galaxy() {
    let server = serve_dist().await;
    let browser = Browser::start().await;
    let rows = sample_rows();
    browser.client.goto(&server.url()).await.unwrap();
    browser.wait_for("#galaxy-image[data-state='drawn']").await;
    browser.wait_for("#sky-canvas[data-state='complete']").await;

    // a row number
    let (state, text) = go(&browser, "5").await;
    assert_eq!((state.as_str(), text.as_str()), ("opened", "row 5"));
    wait_for_row(&browser, 5).await;
    assert!(
        browser
            .js("return location.search")
            .await
            .as_str()
            .unwrap()
            .contains("row=5")
    );
    wait_for_centre(&browser, rows[5].1 as f32 as f64, rows[5].2 as f32 as f64).await;

    // an id
    let (state, text) = go(&browser, &rows[700].0).await;
    assert_eq!(state, "opened");
    assert_eq!(text, format!("{}: row 700", rows[700].0));
    wait_for_row(&browser, 700).await;

    // a position written in h:m:s, 3″ north of a galaxy: that galaxy, and how far
    let (ra, dec) = (rows[321].1, rows[321].2 + 3.0 / 3600.0);
    let written = format!(
        "{} {}",
        gz_viewer::sky::ra_hms(ra),
        gz_viewer::sky::dec_dms(dec)
    );
    let (want_row, want_sep) = nearest(&rows, ra, dec);
    assert_eq!(want_row, 321);
    let (state, text) = go(&browser, &written).await;
    assert_eq!(state, "opened", "{written}: {text}");
    assert!(
        text.starts_with("nearest galaxy ") && text.contains(&rows[321].0),
        "{text}"
    );
    // the typed position is rounded to 0.01 s and 0.1″: the distance said is within that
    let said: f64 = text["nearest galaxy ".len()..]
        .split('″')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (said - want_sep * 3600.0).abs() < 0.3,
        "{said} vs {}",
        want_sep * 3600.0
    );
    wait_for_row(&browser, 321).await;
    let (projection, ra0, dec0) = centre(&browser).await;
    assert_eq!(projection, "gnomonic");
    assert!(
        separation_deg(ra0, dec0, ra, dec) < 0.3 / 3600.0,
        "{ra0} {dec0}"
    );

    // a Legacy Surveys viewer link at a galaxy's position, in degrees
    let link = format!(
        "https://www.legacysurvey.org/viewer?ra={}&dec={}&layer=ls-dr10&zoom=16",
        rows[42].1, rows[42].2
    );
    let (state, text) = go(&browser, &link).await;
    assert_eq!(state, "opened", "{text}");
    assert!(text.contains(&rows[42].0), "{text}");
    wait_for_row(&browser, 42).await;
    wait_for_centre(&browser, rows[42].1, rows[42].2).await;

    // a miss: a point of the sky far from every galaxy (found here by brute force), in
    // degrees; the nearest is offered, and opens on request
    let (ra, dec, far_row, far_sep) = (0..36)
        .flat_map(|i| (0..17).map(move |j| (i as f64 * 10.0, -80.0 + j as f64 * 10.0)))
        .map(|(ra, dec)| {
            let (row, sep) = nearest(&rows, ra, dec);
            (ra, dec, row, sep)
        })
        .find(|p| p.3 > 1.0 / 60.0 && p.3 < 20.0)
        .expect("a point of the sky away from the sample's galaxies");
    let (state, text) = go(&browser, &format!("{ra} {dec}")).await;
    assert_eq!(state, "far", "{text}");
    assert!(
        text.contains("no galaxy within 1′")
            && text.contains(&format!("nearest {} away", describe_angle(far_sep)))
            && text.contains(&rows[far_row as usize].0),
        "{text} (nearest row {far_row}, {far_sep}°)"
    );
    wait_for_centre(&browser, ra, dec).await;
    browser
        .client
        .find(Locator::Css("#goto-open"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_row(&browser, far_row).await;

    // bad input is named; a row past the end and an unknown id are said
    let past = rows.len().to_string();
    for (typed, says) in [
        ("10 95", "Dec 95"),
        ("25:00:00 10", "outside 0° to 360°"),
        (past.as_str(), "past the last row"),
        ("nobody_123", "no galaxy has id \"nobody_123\""),
    ] {
        let (state, text) = go(&browser, typed).await;
        assert_eq!(state, "failed", "{typed}: {text}");
        assert!(text.contains(says), "{typed}: {text}");
    }
    browser.close().await;
}

/// Wait until the net line says the disk reads are done (none in flight, bytes steady).
async fn settled_disk_bytes(browser: &Browser) -> u64 {
    let mut last = None;
    let deadline = std::time::Instant::now() + PAGE_TIMEOUT;
    loop {
        tokio::time::sleep(std::time::Duration::from_millis(400)).await;
        let now: u64 = browser
            .attr("#net", "data-disk-bytes")
            .await
            .unwrap()
            .parse()
            .unwrap();
        if last == Some(now) && now > 0 {
            return now;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "disk reads never settled"
        );
        last = Some(now);
    }
}

/// Drop files on the page as a browser does, with a `DataTransfer` made in the page from
/// (name, path on the test server) pairs (or `text` files).
async fn drop_files(browser: &Browser, files: &[(&str, &str)]) {
    let list = serde_json::to_string(files).unwrap();
    browser
        .client
        .execute_async(
            &format!(
                "const done = arguments[arguments.length - 1];
                 (async () => {{
                   const dt = new DataTransfer();
                   for (const [name, path] of {list}) {{
                     const body = path ? await (await fetch(path)).blob() : new Blob(['not parquet']);
                     dt.items.add(new File([body], name));
                   }}
                   document.body.dispatchEvent(new DragEvent('dragover', {{ dataTransfer: dt, bubbles: true, cancelable: true }}));
                   document.body.dispatchEvent(new DragEvent('drop', {{ dataTransfer: dt, bubbles: true, cancelable: true }}));
                   done(true);
                 }})().catch(e => done(String(e)));"
            ),
            vec![],
        )
        .await
        .expect("drop");
}

#[tokio::test(flavor = "multi_thread")]
async fn files_on_this_computer_open_by_picker_folder_and_drop_reading_only_what_is_shown() {
    let server = serve_dist().await;
    let browser = Browser::start().await;
    let base = server.url();
    let files = manifest_files();
    let data = dist_dir().join("sample/data");
    browser.client.goto(&base).await.unwrap();
    browser.wait_for("#galaxy-image[data-state='drawn']").await;

    // one file by the picker (a real file of this machine, as a visitor chooses it)
    let (name, size) = (&files[0].0, files[0].2);
    let path = dist_dir().join("sample").join(name);
    browser
        .client
        .find(Locator::Css("#open-files"))
        .await
        .unwrap()
        .send_keys(path.to_str().unwrap())
        .await
        .unwrap();
    wait_for_address(&browser, |h| h.contains("local=")).await;
    browser.wait_for("#galaxy-image[data-state='drawn']").await;
    let header = browser.text("header").await;
    assert!(
        header.contains(&format!(
            "{} (on this computer)",
            name.rsplit('/').next().unwrap()
        )),
        "{header}"
    );

    assert_eq!(browser.text("#sum-files").await, "1");
    // nothing crossed the network; what was read from disk is the footer, the galaxy, the
    // positions and what the views show: never the file
    let read = settled_disk_bytes(&browser).await;
    assert_eq!(
        browser.attr("#net", "data-http-requests").await.as_deref(),
        Some("0")
    );
    assert!(read < size / 4, "read {read} of {size} bytes");
    eprintln!("a local file: {read} of its {size} bytes read from disk");
    let net = browser.text("#net").await;
    assert!(net.starts_with("From disk: read"), "{net}");
    // every point is drawn, and yet no catalog is offered to share: the files have no
    // addresses an index could name
    browser.wait_for("#sky-canvas[data-state='complete']").await;
    assert!(
        browser
            .client
            .find(Locator::Css("#share-build"))
            .await
            .is_err()
    );
    // the file list names the file, with no link
    assert!(
        browser
            .js("return [...document.querySelectorAll('.files a')].length")
            .await
            .as_i64()
            == Some(0)
    );
    // a link to it cannot reopen it: the page says so
    browser.client.refresh().await.unwrap();
    let said = browser.wait_for("#fatal-error").await.text().await.unwrap();
    assert!(said.contains("a link cannot open them again"), "{said}");

    // a folder: its shards, split by name
    browser
        .client
        .find(Locator::Css("#open-folder"))
        .await
        .unwrap()
        .send_keys(data.to_str().unwrap())
        .await
        .unwrap();
    browser.wait_for("#galaxy-image[data-state='drawn']").await;
    let rows = sample_rows().len() as u64;
    assert_eq!(browser.text("#sum-files").await, files.len().to_string());
    assert_eq!(
        browser.text("#sum-rows").await.replace(',', ""),
        rows.to_string()
    );
    assert!(
        browser
            .text("header")
            .await
            .contains("data (a folder of 3 parquet files")
    );

    // a folder dragged from this machine onto the page (as the OS drags one: Chrome's own
    // drag events with its path), walked for its parquet files
    browser.client.goto(&base).await.unwrap();
    browser.wait_for("#galaxy-image[data-state='drawn']").await;
    let centre = browser
        .js("return [Math.round(innerWidth / 2), Math.round(innerHeight / 2)]")
        .await;
    for kind in ["dragEnter", "dragOver", "drop"] {
        browser
            .cdp(
                "Input.dispatchDragEvent",
                serde_json::json!({
                    "type": kind, "x": centre[0], "y": centre[1],
                    "data": { "items": [], "files": [data.to_str().unwrap()], "dragOperationsMask": 1 },
                }),
            )
            .await;
    }
    let deadline = std::time::Instant::now() + PAGE_TIMEOUT;
    // (the page is rebuilt for the dropped folder: between the two, there is no header)
    let header =
        || browser.js("const h = document.querySelector('header'); return h ? h.innerText : ''");
    while !header()
        .await
        .as_str()
        .unwrap_or_default()
        .contains("data (a folder of 3 parquet files")
    {
        let error = browser
            .js("const e = document.getElementById('open-error'); return e ? e.innerText : ''")
            .await;
        assert!(
            std::time::Instant::now() < deadline,
            "the dropped folder: {} {error}",
            header().await
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    browser.wait_for("#galaxy-image[data-state='drawn']").await;
    assert_eq!(browser.text("#sum-files").await, files.len().to_string());

    // a drop of two shards, then of something that is not parquet
    drop_files(
        &browser,
        &[
            (
                "train-00001-of-00002.parquet",
                &format!("/sample/{}", files[1].0),
            ),
            (
                "test-00000-of-00001.parquet",
                &format!("/sample/{}", files[2].0),
            ),
        ],
    )
    .await;
    let deadline = std::time::Instant::now() + PAGE_TIMEOUT;
    while !browser
        .text("header")
        .await
        .contains("2 parquet files on this computer")
    {
        assert!(
            std::time::Instant::now() < deadline,
            "{}",
            browser.text("header").await
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    browser.wait_for("#galaxy-image[data-state='drawn']").await;
    assert_eq!(browser.text("#sum-files").await, "2");
    common::screenshot(&browser, "local-drop.png").await;
    drop_files(&browser, &[("notes.txt", "")]).await;
    let error = browser.wait_for("#open-error").await.text().await.unwrap();
    assert!(
        error.contains("no .parquet file among the 1 file dropped"),
        "{error}"
    );
    // what was open stays open
    assert_eq!(browser.text("#sum-files").await, "2");
    browser.close().await;
}

/// The rows the table shows, top to bottom (their row numbers).
async fn table_rows(browser: &Browser) -> Vec<u64> {
    let v = browser
        .js("return [...document.querySelectorAll('#table-grid tr.row')].map(r => Number(r.dataset.row))")
        .await;
    serde_json::from_value(v).unwrap()
}

/// Wait for the table's order to be ready, then for its first rows to be read.
async fn wait_for_order(browser: &Browser) {
    browser.wait_for("#table-order[data-state='ready']").await;
    browser
        .wait_for("#table-grid tr.row[data-state='ready']")
        .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_table_sorts_filters_from_the_address_and_its_rows_open_their_galaxy() {
    let server = serve_dist().await;
    let browser = Browser::start().await;
    let rows = sample_rows();
    let cut = {
        let mut d: Vec<f64> = rows.iter().map(|r| r.2).collect();
        d.sort_by(f64::total_cmp);
        d[d.len() * 3 / 4]
    };
    // from the address: Dec above the cut, RA largest first
    browser
        .client
        .goto(&format!("{}/?sort=-ra&where=dec>{cut}", server.url()))
        .await
        .unwrap();
    browser.wait_for("#galaxy-image[data-state='drawn']").await;
    wait_for_order(&browser).await;
    let mut want: Vec<(u64, f64, f64)> = rows
        .iter()
        .enumerate()
        .filter(|(_, r)| r.2 > cut)
        .map(|(i, r)| (i as u64, r.1, r.2))
        .collect();
    want.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    assert_eq!(
        browser.attr("#table-count", "data-matching").await,
        Some(want.len().to_string())
    );
    let shown = table_rows(&browser).await;
    assert!(shown.len() >= 5, "{shown:?}");
    let want_rows: Vec<u64> = want.iter().map(|w| w.0).collect();
    assert_eq!(shown, want_rows[..shown.len()], "the first rows in order");
    // the cells shown are those rows' (ra, largest first)
    let first_ra: f64 = browser
        .text(&format!(
            "#table-grid tr.row[data-row='{}'] td[data-col='ra']",
            want[0].0
        ))
        .await
        .parse()
        .unwrap();
    assert!(
        (first_ra - want[0].1).abs() < 1e-3,
        "{first_ra} vs {}",
        want[0].1
    );

    // a click on the dec column's name: sorted by dec, smallest first, kept in the address
    browser
        .client
        .find(Locator::Css(
            "#table-grid th[data-column='dec'] button.sort",
        ))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let deadline = std::time::Instant::now() + PAGE_TIMEOUT;
    loop {
        let s = browser.js("return location.search").await;
        if s.as_str().unwrap().contains("sort=dec") {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{s}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(
        browser
            .attr("#table-grid th[data-column='dec']", "aria-sort")
            .await
            .as_deref(),
        Some("ascending")
    );
    wait_for_order(&browser).await;
    want.sort_by(|a, b| a.2.total_cmp(&b.2).then(a.0.cmp(&b.0)));
    let deadline = std::time::Instant::now() + PAGE_TIMEOUT;
    loop {
        let shown = table_rows(&browser).await;
        if !shown.is_empty()
            && shown[..] == want.iter().map(|w| w.0).collect::<Vec<_>>()[..shown.len()]
        {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{shown:?}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }

    // a second condition from the form (id contains a digit pair): AND with the first
    let needle = &rows[want[0].0 as usize].0[..3];
    browser
        .js("const s = document.getElementById('where-column'); s.value = 'id_str'; s.dispatchEvent(new Event('change'));
             const o = document.getElementById('where-op'); o.value = 'contains'; o.dispatchEvent(new Event('change'));")
        .await;
    browser
        .client
        .find(Locator::Css("#where-value"))
        .await
        .unwrap()
        .send_keys(&format!("{needle}\u{E007}"))
        .await
        .unwrap();
    let both = want
        .iter()
        .filter(|w| {
            rows[w.0 as usize]
                .0
                .to_lowercase()
                .contains(&needle.to_lowercase())
        })
        .count();
    browser
        .wait_for(&format!("#table-count[data-matching='{both}']"))
        .await;
    assert_eq!(
        browser.attr("#where-list", "data-count").await.as_deref(),
        Some("2")
    );

    // a row opens its galaxy, by click and by Enter
    wait_for_order(&browser).await;
    let first = table_rows(&browser).await[0];
    browser
        .client
        .find(Locator::Css(&format!(
            "#table-grid tr.row[data-row='{first}']"
        )))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_row(&browser, first).await;
    let second = table_rows(&browser).await[1];
    browser
        .js(&format!(
            "document.querySelector(\"#table-grid tr.row[data-row='{second}']\").focus()"
        ))
        .await;
    browser
        .client
        .find(Locator::Css(&format!(
            "#table-grid tr.row[data-row='{second}']"
        )))
        .await
        .unwrap()
        .send_keys("\u{E007}")
        .await
        .unwrap();
    wait_for_row(&browser, second).await;
    assert!(
        browser
            .js("return location.search")
            .await
            .as_str()
            .unwrap()
            .contains(&format!("row={second}"))
    );
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn galaxies_like_this_one_are_the_brute_force_nearest_in_votes() {
    use arrow_array::Array;
    use arrow_array::types::Int32Type;
    use gz_viewer::gz::VoteSchema;
    use gz_viewer::gz::filter::QuestionCounts;
    use gz_viewer::gz::like::distance;
    // every row's vote counts, read here, by campaign and question
    let mut counts: Vec<(String, String, QuestionCounts)> = Vec::new();
    let n = sample_rows().len();
    let mut row = 0usize;
    for (path, _, _) in manifest_files() {
        let file = std::fs::File::open(dist_dir().join("sample").join(path)).unwrap();
        let reader = ParquetRecordBatchReaderBuilder::try_new(file)
            .unwrap()
            .build()
            .unwrap();
        for b in reader {
            let b = b.unwrap();
            let schema = b.schema();
            let votes = VoteSchema::from_columns(schema.fields().iter().map(|f| {
                (
                    f.name().as_str(),
                    matches!(f.data_type(), arrow_schema::DataType::Int32),
                )
            }));
            for c in &votes.campaigns {
                for q in &c.questions {
                    let at = match counts.iter().position(|x| x.0 == c.name && x.1 == q.name) {
                        Some(i) => i,
                        None => {
                            let answers = q.answers.iter().map(|a| a.0.clone()).collect();
                            counts.push((
                                c.name.clone(),
                                q.name.clone(),
                                QuestionCounts::new(answers, n),
                            ));
                            counts.len() - 1
                        }
                    };
                    let cols: Vec<_> = q
                        .answers
                        .iter()
                        .map(|a| b.column(a.1).as_primitive::<Int32Type>().clone())
                        .collect();
                    for r in 0..b.num_rows() {
                        let v: Vec<Option<i64>> = cols
                            .iter()
                            .map(|c| (!c.is_null(r)).then(|| c.value(r) as i64))
                            .collect();
                        counts[at].2.set(row + r, &v);
                    }
                }
            }
            row += b.num_rows();
        }
    }
    let target = 37usize;
    // its campaign: the one with the most votes for it
    let mut campaigns: Vec<(String, u32)> = Vec::new();
    for (c, _, q) in &counts {
        let total: u32 = (0..q.answers.len()).map(|a| q.votes(target, a).0).sum();
        match campaigns.iter_mut().find(|x| x.0 == *c) {
            Some(x) => x.1 += total,
            None => campaigns.push((c.clone(), total)),
        }
    }
    // the first of the most voted (as the page orders them)
    let campaign = campaigns
        .iter()
        .min_by_key(|c| std::cmp::Reverse(c.1))
        .unwrap()
        .0
        .clone();
    let refs: Vec<&QuestionCounts> = counts
        .iter()
        .filter(|c| c.0 == campaign)
        .map(|c| &c.2)
        .collect();
    let mut brute: Vec<(usize, f64)> = (0..n)
        .filter(|&b| b != target)
        .filter_map(|b| distance(&refs, target, b).map(|d| (b, d.0)))
        .collect();
    brute.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));

    let server = serve_dist().await;
    let browser = Browser::start().await;
    browser
        .client
        .goto(&format!("{}/?row={target}", server.url()))
        .await
        .unwrap();
    wait_for_row(&browser, target as u64).await;
    browser.wait_for("#like-button:not([disabled])").await;
    browser
        .client
        .find(Locator::Css("#like-button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let status = browser.wait_for("#like-status[data-state='ready']").await;
    let count: usize = status
        .attr("data-count")
        .await
        .unwrap()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(count, 48.min(brute.len()));
    let found = browser
        .js("return [...document.querySelectorAll('#like-list li')].map(l => [Number(l.dataset.row), Number(l.dataset.distance)])")
        .await;
    let found: Vec<(usize, f64)> = serde_json::from_value(found).unwrap();
    assert_eq!(found.len(), count);
    for (i, (f, b)) in found.iter().zip(&brute).enumerate() {
        assert_eq!(f.0, b.0, "#{i}: row {} vs {} ({campaign})", f.0, b.0);
        assert!((f.1 - b.1).abs() < 1e-5, "#{i}: {} vs {}", f.1, b.1);
    }
    let text = status.text().await.unwrap();
    assert!(text.contains(&campaign), "{text}");
    // the address keeps it, and the gallery shows them as its selection
    assert!(
        browser
            .js("return location.search")
            .await
            .as_str()
            .unwrap()
            .contains(&format!("like={target}"))
    );
    let deadline = std::time::Instant::now() + PAGE_TIMEOUT;
    loop {
        let text = browser.page_text().await;
        if text.contains(&format!(
            "{count} galaxies answered most like galaxy {target}"
        )) {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the gallery: {text}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    // exported as the selection they are
    browser
        .client
        .find(Locator::Css("#export-csv"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser
        .wait_for(&format!("#export-link[data-rows='{count}']"))
        .await;
    assert!(
        browser
            .text("#export")
            .await
            .contains(&format!("answered most like galaxy {target}")),
        "{}",
        browser.text("#export").await
    );
    // from the address alone, the same galaxies
    browser.client.refresh().await.unwrap();
    let status = browser.wait_for("#like-status[data-state='ready']").await;
    assert_eq!(
        status.attr("data-count").await.unwrap().as_deref(),
        Some(count.to_string().as_str())
    );
    let again = browser
        .js("return [...document.querySelectorAll('#like-list li')].map(l => Number(l.dataset.row))")
        .await;
    let again: Vec<usize> = serde_json::from_value(again).unwrap();
    assert_eq!(again, found.iter().map(|f| f.0).collect::<Vec<_>>());
    browser.close().await;
}

/// A parquet file of gz_desi's shard geometry (11,400 rows of ~44 kB images in row groups of
/// 100: ~500 MB), its images the sample's first JPEG padded (a browser ignores bytes after
/// the end of a JPEG), written uncompressed and without dictionaries so it is that big.
fn big_local_file(path: &std::path::Path) -> u64 {
    use arrow_array::{ArrayRef, BinaryArray, Float64Array, RecordBatch, StringArray, StructArray};
    use arrow_schema::{DataType, Field, Fields, Schema};
    use parquet::arrow::ArrowWriter;
    use parquet::file::properties::WriterProperties;
    use std::sync::Arc;
    let first = dist_dir().join("sample").join(&manifest_files()[0].0);
    let reader = ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(first).unwrap())
        .unwrap()
        .build()
        .unwrap();
    let batch = reader.into_iter().next().unwrap().unwrap();
    let image = batch.column_by_name("image").unwrap().as_struct();
    let mut jpeg = image.column(0).as_binary::<i32>().value(0).to_vec();
    jpeg.resize(44_000.max(jpeg.len()), 0);
    let fields = Fields::from(vec![
        Field::new("bytes", DataType::Binary, true),
        Field::new("path", DataType::Utf8, true),
    ]);
    let schema = Arc::new(Schema::new(vec![
        Field::new("image", DataType::Struct(fields.clone()), true),
        Field::new("id_str", DataType::Utf8, false),
        Field::new("ra", DataType::Float64, false),
        Field::new("dec", DataType::Float64, false),
    ]));
    let props = WriterProperties::builder()
        .set_max_row_group_row_count(Some(100))
        .set_dictionary_enabled(false)
        .build();
    let file = std::fs::File::create(path).unwrap();
    let mut w = ArrowWriter::try_new(file, schema.clone(), Some(props)).unwrap();
    for g in 0..114usize {
        let rows = 0..100usize;
        let image = StructArray::new(
            fields.clone(),
            vec![
                Arc::new(BinaryArray::from_iter_values(
                    rows.clone().map(|_| &jpeg[..]),
                )) as ArrayRef,
                Arc::new(StringArray::from_iter_values(
                    rows.clone().map(|r| format!("{}.jpg", g * 100 + r)),
                )),
            ],
            None,
        );
        let b = RecordBatch::try_new(
            schema.clone(),
            vec![
                Arc::new(image),
                Arc::new(StringArray::from_iter_values(
                    rows.clone().map(|r| format!("big_{}", g * 100 + r)),
                )),
                Arc::new(Float64Array::from_iter_values(
                    rows.clone().map(|r| 150.0 + (g * 100 + r) as f64 * 1e-3),
                )),
                Arc::new(Float64Array::from_iter_values(
                    rows.map(|r| 2.0 + (g * 100 + r) as f64 * 1e-4),
                )),
            ],
        )
        .unwrap();
        w.write(&b).unwrap();
    }
    w.close().unwrap();
    std::fs::metadata(path).unwrap().len()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_500_mb_file_on_this_computer_is_read_by_its_footer_and_first_galaxy_not_whole() {
    let path = common::artifacts_dir().join("big-local.parquet");
    let size = big_local_file(&path);
    assert!(size > 480_000_000, "{size}");
    let server = serve_dist().await;
    let browser = Browser::start().await;
    browser.client.goto(&server.url()).await.unwrap();
    browser.wait_for("#galaxy-image[data-state='drawn']").await;
    browser
        .client
        .find(Locator::Css("#open-files"))
        .await
        .unwrap()
        .send_keys(path.to_str().unwrap())
        .await
        .unwrap();
    wait_for_address(&browser, |h| h.contains("local=big-local.parquet")).await;
    browser.wait_for("#galaxy-image[data-state='drawn']").await;
    assert_eq!(browser.text("#galaxy-id").await, "big_0");
    browser.wait_for("#sky-canvas[data-state='complete']").await;
    let read = settled_disk_bytes(&browser).await;
    eprintln!(
        "a {:.0} MB file on this computer: {:.1} MB read from disk",
        size as f64 / 1e6,
        read as f64 / 1e6
    );
    // the footer, one row group's images (4.4 MB: the galaxy, the gallery's first
    // thumbnails and the table's first rows are all in it) and every position: about 1 %
    assert!(read < size / 50, "read {read} of {size} bytes");
    assert!(read > 4_000_000, "the first row group's images: {read}");
    assert_eq!(
        browser.attr("#net", "data-http-requests").await.as_deref(),
        Some("0")
    );
    browser.close().await;
    let _ = std::fs::remove_file(&path);
}
