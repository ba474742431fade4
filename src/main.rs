//! Entry point: mount the app (browser) or explain how to build it (native).

#[cfg(target_arch = "wasm32")]
fn main() {
    console_error_panic_hook::set_once();
    gz_viewer::web::timing::mark("gzv:ready");
    // the static "Loading…" line in index.html is for the seconds before wasm runs
    if let Some(boot) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("boot"))
    {
        boot.remove();
    }
    // the engine is asked in a task of its own, and the page is mounted in the next one:
    // this one is the module's instantiation (each is shorter apart)
    leptos::prelude::set_timeout(
        || {
            let span = gz_viewer::web::timing::Span::new("engine asked");
            gz_viewer::ui::prepare();
            drop(span);
        },
        std::time::Duration::ZERO,
    );
    leptos::prelude::set_timeout(
        || {
            let span = gz_viewer::web::timing::Span::new("mount");
            leptos::mount::mount_to_body(gz_viewer::ui::Root);
            drop(span);
            gz_viewer::web::timing::mark("gzv:mounted");
        },
        std::time::Duration::ZERO,
    );
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!(
        "gz-viewer is a browser app: build and serve it with ./scripts/serve (see README.md)"
    );
}
