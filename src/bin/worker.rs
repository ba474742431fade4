//! The data engine's Web Worker: `site/worker.js` loads this module in a dedicated worker,
//! where the engine reads and decodes everything off the page's thread.

#[cfg(target_arch = "wasm32")]
fn main() {
    gz_viewer::web::worker::run();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!(
        "gzv-worker runs in a browser's Web Worker: build and serve the app with ./scripts/serve"
    );
}
