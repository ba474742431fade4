//! Everything that touches the browser below the UI: range requests over `fetch`, User
//! Timing marks, the page's location.

pub mod decode_bench;
pub mod early;
pub mod timing;
pub mod worker;

/// The browser byte source (a crate of its own, `crates/gzv-fetch`, so its browser tests
/// compile without the app).
pub use gzv_fetch as http;
pub use gzv_fetch::sleep_ms;

/// A query parameter of the page URL.
pub fn query_param(name: &str) -> Option<String> {
    let search = web_sys::window()?.location().search().ok()?;
    web_sys::UrlSearchParams::new_with_str(&search)
        .ok()?
        .get(name)
        .filter(|v| !v.is_empty())
}

/// The page's own address, through the URL gate (a page opened from `file:` has no base
/// that datasets could be read against).
pub fn page_url() -> Result<crate::io::WebUrl, crate::io::UrlRefused> {
    let href = web_sys::window()
        .and_then(|w| w.location().href().ok())
        .unwrap_or_default();
    crate::io::WebUrl::parse(&href)
}

/// Put text on the clipboard (asynchronously); false when the browser offers no clipboard.
pub fn copy_text(text: &str) -> bool {
    use wasm_bindgen::JsCast;
    let Some(window) = web_sys::window() else {
        return false;
    };
    let clipboard = js_sys::Reflect::get(&window.navigator(), &"clipboard".into())
        .ok()
        .filter(|c| !c.is_undefined());
    let write = clipboard
        .as_ref()
        .and_then(|c| js_sys::Reflect::get(c, &"writeText".into()).ok())
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
    match (clipboard, write) {
        (Some(c), Some(f)) => f.call1(&c, &text.into()).is_ok(),
        _ => false,
    }
}

/// Set one query parameter of the page address as a new history entry, dropping those
/// named in `remove` (others kept).
pub fn push_query_param(name: &str, value: &str, remove: &[&str]) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let Ok(href) = window.location().href() else {
        return;
    };
    let Ok(url) = web_sys::Url::new(&href) else {
        return;
    };
    url.search_params().set(name, value);
    for r in remove {
        url.search_params().delete(r);
    }
    if let Ok(history) = window.history() {
        let _ = history.push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url.href()));
    }
}

/// Set (or, with `None`, remove) one query parameter of the page address, as a new history
/// entry when `push`, else in place.
pub fn set_query_param(name: &str, value: Option<&str>, push: bool) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let Ok(href) = window.location().href() else {
        return;
    };
    let Ok(url) = web_sys::Url::new(&href) else {
        return;
    };
    match value {
        Some(v) => url.search_params().set(name, v),
        None => url.search_params().delete(name),
    }
    if url.href() == href {
        return;
    }
    if let Ok(history) = window.history() {
        let _ = if push {
            history.push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url.href()))
        } else {
            history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url.href()))
        };
    }
}

/// Which step of [`object_url`] the browser refused.
pub enum ObjectUrlStep {
    Blob,
    Url,
}

/// A `blob:` URL of bytes made on this thread (an image, a file to download), of type
/// `mime`: the page's or, for the gallery's thumbnails, the engine's worker's.
pub fn object_url(bytes: &[u8], mime: &str) -> Result<String, ObjectUrlStep> {
    let array = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type(mime);
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&array, &opts)
        .map_err(|_| ObjectUrlStep::Blob)?;
    web_sys::Url::create_object_url_with_blob(&blob).map_err(|_| ObjectUrlStep::Url)
}

/// Call `f` with an element's `ResizeObserverEntry` list each time the browser has laid it
/// out at a new size (and once when it is first laid out), until the reactive owner it is
/// called under is cleaned up. Nothing is measured by force: the sizes come after layout.
pub fn on_resize(el: &web_sys::Element, f: impl FnMut(js_sys::Array) + 'static) {
    use leptos::prelude::{StoredValue, WithValue, on_cleanup};
    let cb = wasm_bindgen::closure::Closure::<dyn FnMut(js_sys::Array)>::new(f);
    if let Ok(observer) =
        web_sys::ResizeObserver::new(wasm_bindgen::JsCast::unchecked_ref(cb.as_ref()))
    {
        observer.observe(el);
        let keep = StoredValue::new_local((observer, cb));
        on_cleanup(move || {
            keep.try_with_value(|(o, _)| o.disconnect());
        });
    }
}

/// Run `f` in a task of its own once the page's next frame has been drawn: what it builds
/// is laid out in a frame after what was built before it, not in the same long one.
pub fn after_next_frame(f: impl FnOnce() + 'static) {
    let cb = wasm_bindgen::closure::Closure::once_into_js(move || {
        let _ = leptos::prelude::set_timeout_with_handle(f, std::time::Duration::ZERO);
    });
    if let Some(w) = web_sys::window() {
        let _ = w.request_animation_frame(wasm_bindgen::JsCast::unchecked_ref(&cb));
    }
}
