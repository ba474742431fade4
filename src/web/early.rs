//! The requests `boot.js` started before the wasm arrived (`window.__gzvEarly`): the
//! dataset's manifest or listing, or a parquet file's length and tail. The app takes one
//! over (once) instead of asking again; when there is none, or it failed, the app makes
//! its own request, which explains any failure.

use crate::io::WebUrl;
use bytes::Bytes;
use js_sys::{Promise, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// What an early request brought.
pub enum Early {
    /// A text resource answered with this status.
    Text { status: u16, text: String },
    /// A file's last bytes from `start`, and its length.
    Tail { start: u64, len: u64, bytes: Bytes },
}

fn get(v: &JsValue, key: &str) -> Option<JsValue> {
    Reflect::get(v, &key.into())
        .ok()
        .filter(|x| !x.is_undefined())
}

/// Take the early request of `kind` (`"text"` or `"tail"`) for `url`, if `boot.js`
/// started that one; `None` otherwise or when it failed.
pub async fn take(kind: &str, url: &WebUrl) -> Option<Early> {
    let global = js_sys::global();
    let early = get(&global, "__gzvEarly")?;
    let same_kind = get(&early, "kind").and_then(|k| k.as_string()).as_deref() == Some(kind);
    let same_url = get(&early, "url")
        .and_then(|u| u.as_string())
        .and_then(|u| WebUrl::parse(&u).ok())
        .is_some_and(|u| &u == url);
    if !(same_kind && same_url) {
        return None;
    }
    // taken once: a later open of the same address asks the network again
    let _ = Reflect::delete_property(
        global.unchecked_ref::<js_sys::Object>(),
        &"__gzvEarly".into(),
    );
    let promise: Promise = get(&early, "result")?.dyn_into().ok()?;
    let result = JsFuture::from(promise).await.ok()?;
    if get(&result, "error").is_some() {
        return None;
    }
    match kind {
        "text" => Some(Early::Text {
            status: get(&result, "status")?.as_f64()? as u16,
            text: get(&result, "text")?.as_string()?,
        }),
        "tail" => {
            if let Some(resolved) = get(&result, "resolved").and_then(|r| r.as_string()) {
                // later reads of the file go where its URL led, without the redirect
                crate::web::http::remember_resolved(url.as_str(), &resolved);
            }
            let bytes = Uint8Array::new(&get(&result, "bytes")?).to_vec();
            Some(Early::Tail {
                start: get(&result, "start")?.as_f64()? as u64,
                len: get(&result, "len")?.as_f64()? as u64,
                bytes: Bytes::from(bytes),
            })
        }
        _ => None,
    }
}

/// The text at `url`: from the early request when it succeeded, else fetched now.
pub async fn text(url: &WebUrl) -> Result<String, crate::io::IoError> {
    match take("text", url).await {
        Some(Early::Text { status, text }) if (200..300).contains(&status) => Ok(text),
        _ => crate::web::http::fetch_text(url).await,
    }
}
