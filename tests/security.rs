//! Nothing in a dataset or a link can run code in the page: hostile URLs in the address,
//! in a HuggingFace listing, in a manifest's file and catalog paths, and markup in ids,
//! names, splits, cells and key-value metadata, each opened in a fresh page of the release
//! build (which carries its Content-Security-Policy) in headless Chromium.

#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::{Browser, dist_dir, serve_dist};
use gzv_sample::fixtures::{self, HOSTILE_MARKUP};
use serde_json::json;

/// A script payload: if any of these ran, `window.__gzvPwned` would be set.
const RUN: &str = "window.__gzvPwned=1";

/// `s` as a query value (every byte but letters and digits percent-encoded).
fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Open `url` in a fresh page (a blank page first, so nothing of the last case is left).
async fn visit(browser: &Browser, url: &str) {
    browser.client.goto("about:blank").await.unwrap();
    browser.client.goto(url).await.unwrap();
}

/// What no page may do, whatever it was given: open a dialog, run the payload, hold a
/// link that is not http(s) or blob:, turn text into elements, break its own policy.
async fn assert_nothing_ran(browser: &Browser, case: &str) {
    if let Ok(text) = browser.client.get_alert_text().await {
        panic!("{case}: a dialog opened: {text}");
    }
    let pwned = browser
        .js("return window.__gzvPwned === undefined ? null : String(window.__gzvPwned)")
        .await;
    assert!(
        pwned.is_null(),
        "{case}: a script from the data ran ({pwned})"
    );
    let hrefs = browser
        .js("return [...document.querySelectorAll('[href], [src]')].map(e => e.href || e.src).filter(h => h)")
        .await;
    for h in hrefs.as_array().unwrap() {
        let h = h.as_str().unwrap();
        assert!(
            h.starts_with("http://") || h.starts_with("https://") || h.starts_with("blob:"),
            "{case}: a link or source with another scheme: {h}"
        );
    }
    let injected = browser
        .js("return document.querySelectorAll('img[src=\"x\"], body script, [onerror]').length")
        .await;
    assert_eq!(injected, 0, "{case}: markup from the data became elements");
    let violations = browser.js("return window.__gzvCspViolations").await;
    assert_eq!(
        violations,
        json!([]),
        "{case}: the page broke its own Content-Security-Policy"
    );
}

/// The page's fatal message, once shown.
async fn fatal(browser: &Browser) -> String {
    browser.wait_for("#fatal-error").await.text().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_addresses_are_refused_and_said_so() {
    let server = serve_dist().await;
    let browser = Browser::start().await;
    let base = server.url();
    for (raw, scheme) in [
        (format!("javascript:{RUN}//x.parquet"), "javascript:"),
        (format!("JaVaScRiPt:{RUN}"), "javascript:"),
        (format!("  javascript:{RUN}"), "javascript:"),
        (format!("java\tscript:{RUN}"), "javascript:"),
        (format!("data:text/html,<script>{RUN}</script>"), "data:"),
        ("vbscript:msgbox(1)".to_string(), "vbscript:"),
    ] {
        let case = format!("?url={raw:?}");
        visit(&browser, &format!("{base}/?url={}", enc(&raw))).await;
        let msg = fatal(&browser).await;
        assert!(
            msg.contains("was refused")
                && msg.contains(&format!("its scheme is {scheme}"))
                && msg.contains("only http: and https:"),
            "{case}: {msg}"
        );
        // the header names the value as text, never as a link
        assert_eq!(
            browser
                .js("const e = document.getElementById('source-url'); return [e.tagName, e.textContent]")
                .await,
            json!(["SPAN", raw]),
            "{case}"
        );
        assert_nothing_ran(&browser, &case).await;
    }
    // an entity is not decoded in a URL: this is a relative path on the page's own host,
    // which is asked for, is not there, and says so
    let raw = format!("java&#x09;script:{RUN}");
    visit(&browser, &format!("{base}/?url={}", enc(&raw))).await;
    let msg = browser
        .wait_for("#files li.failed")
        .await
        .text()
        .await
        .unwrap();
    assert!(msg.contains("404"), "{msg}");
    let link = browser.attr("#source-url", "href").await.unwrap();
    assert!(link.starts_with(&format!("{base}/java&")), "{link}");
    assert_nothing_ran(&browser, "?url= with an entity").await;

    // the HuggingFace endpoints from the address pass the same gate
    visit(
        &browser,
        &format!(
            "{base}/?dataset=gzv/sample&datasets_server={}",
            enc(&format!("javascript:{RUN}"))
        ),
    )
    .await;
    let msg = fatal(&browser).await;
    assert!(
        msg.contains("?datasets_server=") && msg.contains("was refused"),
        "{msg}"
    );
    assert_nothing_ran(&browser, "?datasets_server=").await;
    visit(
        &browser,
        &format!(
            "{base}/?dataset={}",
            enc(&format!("<b>x</b>{HOSTILE_MARKUP}"))
        ),
    )
    .await;
    assert!(fatal(&browser).await.contains("owner/name"));
    assert_nothing_ran(&browser, "?dataset= with markup").await;
    browser.close().await;
}

/// (path, split, size) of the sample's first train file.
fn sample_train_file() -> (String, u64) {
    let text = std::fs::read_to_string(dist_dir().join("sample/index.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let f = v["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["split"] == "train")
        .unwrap();
    (
        f["path"].as_str().unwrap().to_string(),
        f["size"].as_u64().unwrap(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hostile_listing_fails_only_its_bad_files() {
    let server = serve_dist().await;
    let browser = Browser::start().await;
    let base = server.url();
    let (good, size) = sample_train_file();
    let bad = [
        format!("javascript:{RUN}"),
        format!("  JaVaScRiPt:{RUN}"),
        format!("data:text/html,<script>{RUN}</script>"),
    ];
    let mut files = vec![json!({
        "dataset": "gzv/hostile", "config": "default", "split": "train",
        "url": format!("{base}/sample/{good}"), "filename": "0000.parquet", "size": size,
    })];
    for (i, b) in bad.iter().enumerate() {
        files.push(json!({
            "dataset": "gzv/hostile", "config": "default", "split": "train",
            "url": b, "filename": format!("000{}.parquet", i + 1), "size": 1000,
        }));
    }
    server.put(
        "/stand-in/parquet",
        "application/json",
        serde_json::to_vec(&json!({
            "parquet_files": files, "pending": [], "failed": [], "partial": false,
        }))
        .unwrap(),
    );
    server.clear_log();
    visit(
        &browser,
        &format!("{base}/?dataset=gzv/hostile&datasets_server={base}/stand-in"),
    )
    .await;
    browser.wait_for("#galaxy-image[data-state='drawn']").await;
    let rows = browser
        .js("return [...document.querySelectorAll('#files li')].map(li => [li.className, li.querySelector('a') ? 'link' : 'text', li.textContent])")
        .await;
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 4, "{rows:?}");
    assert_eq!(rows[0][0], "read", "the good file opened: {rows:?}");
    assert_eq!(rows[0][1], "link");
    for r in &rows[1..] {
        assert_eq!(r[0], "failed", "{r:?}");
        assert_eq!(r[1], "text", "a refused address is never a link: {r:?}");
        assert!(
            r[2].as_str().unwrap().contains("was refused"),
            "the file says why: {r:?}"
        );
    }
    let data: Vec<_> = server
        .log()
        .into_iter()
        .filter(|e| e.path != "/" && !e.path.ends_with(".js") && !e.path.ends_with(".wasm"))
        .filter(|e| !e.path.ends_with(".css") && !e.path.ends_with(".svg"))
        .collect();
    assert!(
        data.iter()
            .all(|e| e.path == "/stand-in/parquet" || e.path == format!("/sample/{good}")),
        "nothing but the listing and the good file was requested: {data:#?}"
    );
    assert_nothing_ran(&browser, "?dataset= listing").await;
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn markup_in_data_stays_text_and_bad_paths_fail_alone() {
    let server = serve_dist().await;
    let browser = Browser::start().await;
    let base = server.url();
    let rows = 6;
    let hostile = fixtures::hostile(rows);
    server.put(
        "/hostile/hostile.parquet",
        "application/octet-stream",
        hostile.clone(),
    );
    let split = format!("<b>split</b>{HOSTILE_MARKUP}");
    let name = format!("<i>name</i>{HOSTILE_MARKUP}");
    let manifest = json!({
        "name": name,
        "files": [
            { "split": split, "path": "hostile.parquet", "size": hostile.len() },
            { "split": "train", "path": format!("JaVaScRiPt:{RUN}") },
            { "split": "train", "path": format!("data:text/html,<script>{RUN}</script>") },
            { "split": "train", "path": format!("java\tscript:{RUN}") },
        ],
        "catalog": { "path": format!("  javascript:{RUN}"), "size": 100 },
    });
    server.put(
        "/hostile/index.json",
        "application/json",
        serde_json::to_vec(&manifest).unwrap(),
    );
    visit(&browser, &format!("{base}/?url=/hostile/index.json")).await;
    browser.wait_for("#galaxy-image[data-state='drawn']").await;

    // markup shown as the text it is, wherever the data put it
    assert_eq!(
        browser.text("#galaxy-id").await,
        format!("{HOSTILE_MARKUP}0")
    );
    assert!(
        browser.text("header").await.contains(&name),
        "the manifest's name"
    );
    let files = browser
        .js("return [...document.querySelectorAll('#files li')].map(li => [li.className, li.querySelector('.split').textContent, li.querySelector('a') ? 'link' : 'text', li.textContent])")
        .await;
    let files = files.as_array().unwrap();
    assert_eq!(files.len(), 4, "{files:?}");
    assert_eq!(files[0][1], split.as_str(), "the split is text");
    assert_eq!(files[0][2], "link");
    for f in &files[1..] {
        assert_eq!(f[0], "failed", "{f:?}");
        assert_eq!(f[2], "text", "{f:?}");
        assert!(f[3].as_str().unwrap().contains("was refused"), "{f:?}");
    }
    let note = browser.wait_for("#sky-note").await.text().await.unwrap();
    assert!(
        note.contains("catalog") && note.contains("was refused"),
        "the catalog's refusal is said, and the map reads the shards: {note}"
    );
    browser.wait_for("#sky-canvas[data-state='complete']").await;

    // the table's cells and the schema panel's key-value metadata
    browser
        .wait_for("#table-panel summary")
        .await
        .click()
        .await
        .unwrap();
    browser
        .wait_for("#table-grid tr[data-row='0'] td[data-col='note']")
        .await;
    let cell = browser
        .js("const td = document.querySelector(\"#table-grid tr[data-row='0'] td[data-col='note']\"); return [td.textContent, td.title]")
        .await;
    let shown = cell[0].as_str().unwrap();
    assert!(
        HOSTILE_MARKUP.starts_with(shown.trim_end_matches('…')),
        "the cell is the markup as text: {cell}"
    );
    assert_eq!(cell[1], HOSTILE_MARKUP, "and its tooltip the whole text");
    browser
        .wait_for("#schema-panel summary")
        .await
        .click()
        .await
        .unwrap();
    let kv = browser
        .wait_for("#schema-panel details.kv[data-key='comment']")
        .await
        .text()
        .await
        .unwrap();
    assert!(kv.contains("comment"), "{kv}");
    let kv = browser
        .js("return document.querySelector(\"#schema-panel details.kv[data-key='comment']\").textContent")
        .await;
    assert!(
        kv.as_str().unwrap().contains(HOSTILE_MARKUP),
        "the metadata value as text: {kv}"
    );
    assert_nothing_ran(&browser, "a hostile manifest and file").await;
    // nothing outside the manifest's own folder was asked for
    assert!(
        server
            .log()
            .iter()
            .filter(|e| e.path.starts_with("/hostile/"))
            .all(|e| e.path == "/hostile/index.json" || e.path == "/hostile/hostile.parquet"),
        "{:#?}",
        server.log()
    );
    browser.close().await;
}
