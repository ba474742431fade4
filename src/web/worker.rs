//! The engine's home: a dedicated Web Worker. Requests arrive from the page as
//! `{json, buffers}` messages and events go back the same way, the buffers transferred
//! (moved, not copied). The worker's bootstrap script (`site/worker.js`) queued what
//! arrived while the module was loading, and started the dataset's first requests; both
//! are taken over here.

use crate::engine::protocol::{Early, Picture, Request, Target};
use crate::engine::{Engine, Event, Host, bulk};
use crate::io::{ByteSource, IoError, LocalBoxFuture, NetCounters, WebUrl};
use crate::web::http::{HttpSource, NetStats, fetch_text, sleep_ms};
use js_sys::{Array, Object, Reflect, Uint8Array};
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::{JsCast, JsValue};

/// The engine's host in a worker: fetch-based sources, `setTimeout` pauses, messages to
/// the page.
struct WorkerHost {
    stats: NetStats,
    /// Reads of files on the visitor's disk.
    disk: NetStats,
}

thread_local! {
    /// The files on the visitor's disk the page handed over with its last `Open` (a
    /// [`Target::Local`] names them by index).
    static LOCAL: std::cell::RefCell<Vec<web_sys::Blob>> = std::cell::RefCell::default();
}

/// Post `{json, buffers}` (or `{fatal}`) to the page, transferring the buffers.
fn post(msg: &JsValue, transfer: &Array) {
    let global = js_sys::global();
    if let Ok(post) =
        Reflect::get(&global, &"postMessage".into()).and_then(|f| f.dyn_into::<js_sys::Function>())
    {
        let _ = post.call2(&global, msg, transfer);
    }
}

/// This module's linear memory in bytes.
fn wasm_memory() -> u64 {
    wasm_bindgen::memory()
        .dyn_into::<js_sys::WebAssembly::Memory>()
        .ok()
        .and_then(|m| m.buffer().dyn_into::<js_sys::ArrayBuffer>().ok())
        .map_or(0, |b| u64::from(b.byte_length()))
}

/// Tell the page the engine cannot go on (it shows the reason and offers a retry).
fn post_fatal(reason: &str) {
    let msg = Object::new();
    let _ = Reflect::set(&msg, &"fatal".into(), &reason.into());
    post(&msg, &Array::new());
}

impl Host for WorkerHost {
    fn source(&self, url: &WebUrl, len: Option<u64>) -> Box<dyn ByteSource> {
        if let Some(i) = crate::dataset::local_index(url.as_str()) {
            let name = crate::dataset::local_name(url.as_str())
                .unwrap_or_else(|| url.file_name().to_string());
            match LOCAL.with(|l| l.borrow().get(i).cloned()) {
                Some(blob) => {
                    return Box::new(crate::web::http::BlobSource::new(
                        &name,
                        blob,
                        self.disk.clone(),
                    ));
                }
                None => {
                    // never reached: the page hands its files over with the request
                    let empty = web_sys::Blob::new().ok();
                    if let Some(blob) = empty {
                        return Box::new(crate::web::http::BlobSource::new(
                            &format!("{name} (no longer held: choose it again)"),
                            blob,
                            self.disk.clone(),
                        ));
                    }
                }
            }
        }
        Box::new(HttpSource::new(url, len, self.stats.clone()))
    }
    fn disk(&self) -> NetCounters {
        self.disk.get()
    }
    fn text(&self, url: &WebUrl) -> LocalBoxFuture<'static, Result<String, IoError>> {
        let url = url.clone();
        Box::pin(async move { fetch_text(&url).await })
    }
    fn net(&self) -> NetCounters {
        self.stats.get()
    }
    fn pause(&self) -> LocalBoxFuture<'static, ()> {
        Box::pin(sleep_ms(0))
    }
    fn now_ms(&self) -> Option<f64> {
        Some(crate::web::timing::epoch_ms())
    }
    fn spawn(&self, task: LocalBoxFuture<'static, ()>) {
        wasm_bindgen_futures::spawn_local(task);
    }
    fn store(&self) -> Option<Rc<dyn crate::io::Store>> {
        Some(Rc::new(crate::web::http::CacheStore::new(
            "gz-viewer-kept-v1",
        )))
    }
    fn emit(&self, event: Event) {
        let event = match event {
            Event::Mark { name, at: None } => Event::Mark {
                name,
                at: Some(crate::web::timing::epoch_ms()),
            },
            Event::Net(mut n) => {
                n.memory = wasm_memory();
                Event::Net(n)
            }
            Event::Thumbs {
                thumbs,
                live,
                error,
            } => Event::Thumbs {
                thumbs: thumbs
                    .into_iter()
                    .map(|(row, t)| (row, t.map(picture_url)))
                    .collect(),
                live,
                error,
            },
            e => e,
        };
        match bulk::encode(&event) {
            Ok((json, buffers)) => {
                let msg = Object::new();
                let list = Array::new();
                let transfer = Array::new();
                for b in buffers {
                    let array = Uint8Array::from(b.as_slice());
                    list.push(&array.buffer());
                    transfer.push(&array.buffer());
                }
                let _ = Reflect::set(&msg, &"json".into(), &json.into());
                let _ = Reflect::set(&msg, &"buffers".into(), &list);
                post(&msg, &transfer);
            }
            Err(e) => post_fatal(&format!("the engine could not encode an event: {e}")),
        }
    }
}

/// An image's bytes as a `blob:` URL made here, so the page's thread neither copies
/// them nor registers the blob (it revokes the URL when done with it); the bytes travel
/// as before if the browser refuses.
fn picture_url(p: Picture) -> Picture {
    let Picture::Bytes(b) = p else { return p };
    let Some(mime) = crate::imaging::sniff(&b.0).map(|f| f.to_mime_type()) else {
        return Picture::Bytes(b);
    };
    match crate::web::object_url(&b.0, mime) {
        Ok(url) => Picture::Url(url),
        Err(_) => Picture::Bytes(b),
    }
}

/// A request from a `{json, buffers}` message.
fn request_of(data: &JsValue) -> Result<Request, String> {
    let json = Reflect::get(data, &"json".into())
        .ok()
        .and_then(|j| j.as_string())
        .ok_or_else(|| {
            let keys = js_sys::Object::keys(&Object::from(data.clone()));
            format!("a message without json (it has {})", keys.join(", "))
        })?;
    let buffers: Vec<Vec<u8>> = Reflect::get(data, &"buffers".into())
        .ok()
        .filter(|b| !b.is_undefined())
        .map(|b| {
            Array::from(&b)
                .iter()
                .map(|x| Uint8Array::new(&x).to_vec())
                .collect()
        })
        .unwrap_or_default();
    // files on the visitor's disk come with an `Open` of them
    if let Some(files) = Reflect::get(data, &"files".into())
        .ok()
        .filter(Array::is_array)
    {
        let blobs = Array::from(&files)
            .iter()
            .filter_map(|f| f.dyn_into::<web_sys::Blob>().ok())
            .collect();
        LOCAL.with(|l| *l.borrow_mut() = blobs);
    }
    bulk::decode(&json, buffers)
}

/// The requests the bootstrap started for this target, taken over.
async fn early_for(target: &Target) -> Vec<Early> {
    use crate::web::early;
    let mut out = Vec::new();
    let (text_url, tail_url) = match target {
        Target::Url(u) => (Some(u.clone()), Some(u.clone())),
        Target::Local { .. } => return out,
        Target::HuggingFace {
            id,
            datasets_server,
            ..
        } => (
            WebUrl::parse(&format!(
                "{}/parquet?dataset={id}",
                datasets_server.as_str().trim_end_matches('/')
            ))
            .ok(),
            None,
        ),
    };
    if let Some(url) = text_url
        && let Some(early::Early::Text { status, text }) = early::take("text", &url).await
    {
        out.push(Early::Text { url, status, text });
        return out;
    }
    if let Some(url) = tail_url
        && let Some(early::Early::Tail { start, len, bytes }) = early::take("tail", &url).await
    {
        out.push(Early::Tail {
            url,
            start,
            len,
            bytes: bulk::Bulk(bytes.to_vec()),
        });
    }
    out
}

/// Start the engine and answer messages, those queued while loading first.
pub fn run() {
    console_error_panic_hook::set_once();
    let engine = Engine::new(Rc::new(WorkerHost {
        stats: NetStats::default(),
        disk: NetStats::default(),
    }));
    let handle = {
        let engine = engine.clone();
        move |data: JsValue| {
            // the page's address, for the bootstrap's early requests
            if let Some(href) = Reflect::get(&data, &"boot".into())
                .ok()
                .and_then(|b| b.as_string())
            {
                if let Ok(boot) = Reflect::get(&js_sys::global(), &"__gzvBoot".into())
                    .and_then(|f| f.dyn_into::<js_sys::Function>())
                {
                    let _ = boot.call1(&JsValue::UNDEFINED, &href.into());
                }
                return;
            }
            match request_of(&data) {
                Ok(Request::Open {
                    target,
                    row,
                    id,
                    mut early,
                }) => {
                    let engine = engine.clone();
                    wasm_bindgen_futures::spawn_local(async move {
                        early.extend(early_for(&target).await);
                        engine.handle(Request::Open {
                            target,
                            row,
                            id,
                            early,
                        });
                    });
                }
                Ok(r) => engine.handle(r),
                Err(e) => post_fatal(&format!("the engine got a message it cannot read: {e}")),
            }
        }
    };
    let global = js_sys::global();
    let queued = Reflect::get(&global, &"__gzvQueue".into()).unwrap_or(JsValue::UNDEFINED);
    let on_message = Closure::<dyn FnMut(web_sys::MessageEvent)>::new({
        let handle = handle.clone();
        move |e: web_sys::MessageEvent| handle(e.data())
    });
    let _ = Reflect::set(&global, &"onmessage".into(), on_message.as_ref());
    on_message.forget();
    if !queued.is_undefined() {
        for m in Array::from(&queued).iter() {
            handle(m);
        }
    }
}
