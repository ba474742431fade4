//! Harness for browser tests: the built app served by the real range-capable test
//! server, driven in headless Chromium through chromedriver (WebDriver).

#![allow(
    dead_code,
    unused_imports,
    reason = "each test file compiles this harness and uses a different part of it"
)]

pub use gzv_browser::{Browser, PAGE_TIMEOUT};
use gzv_server::Server;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// The release build to test (`build_app` in `scripts/setup.sh`, which `scripts/test` runs).
pub fn dist_dir() -> PathBuf {
    let dist = Path::new(env!("CARGO_MANIFEST_DIR")).join("dist");
    assert!(
        dist.join("index.html").is_file() && dist.join("sample/index.json").is_file(),
        "{} has no built app with the sample: run ./scripts/test or ./scripts/serve first (they build it)",
        dist.display()
    );
    dist
}

/// Save a screenshot under `target/e2e/`.
pub async fn screenshot(browser: &Browser, name: &str) -> PathBuf {
    browser.screenshot(artifacts_dir().join(name)).await
}

/// Where screenshots go.
pub fn artifacts_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/e2e");
    std::fs::create_dir_all(&dir).expect("create target/e2e");
    dir
}

/// The built app and its sample, served on a free port.
pub async fn serve_dist() -> Server {
    Server::start(dist_dir(), 0)
        .await
        .expect("start test server")
}

/// (path, split, size) of each file of the sample manifest.
pub fn manifest_files() -> Vec<(String, String, u64)> {
    let text = std::fs::read_to_string(dist_dir().join("sample/index.json")).expect("manifest");
    let v: Value = serde_json::from_str(&text).expect("manifest json");
    v["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["split"].as_str().unwrap().to_string(),
                f["size"].as_u64().unwrap(),
            )
        })
        .collect()
}

/// Wait until the galaxy of global row `row` is drawn.
pub async fn wait_for_row(browser: &Browser, row: u64) {
    browser
        .wait_for(&format!("#galaxy-from[data-row='{row}']"))
        .await;
    browser.wait_for("#galaxy-image[data-state='drawn']").await;
}
