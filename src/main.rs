//! Entry point: mount the app (browser) or explain how to build it (native).

#[cfg(target_arch = "wasm32")]
fn main() {
    console_error_panic_hook::set_once();
    gz_viewer::web::timing::mark("gzv:ready");
    leptos::mount::mount_to_body(gz_viewer::ui::App);
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("gz-viewer is a browser app: build it with `trunk build --release` (see README.md)");
}
