//! User Timing marks (`performance.mark`) at the app's milestones, so any harness or
//! DevTools can measure them: `gzv:ready`, `gzv:metadata`, `gzv:first-image`.

/// Set a User Timing mark; a browser without the API just gets none.
pub fn mark(name: &str) {
    if let Some(perf) = web_sys::window().and_then(|w| w.performance()) {
        let _ = perf.mark(name);
    }
}

/// Set a mark only if it has not been set yet on this page.
pub fn mark_once(name: &str) {
    let Some(perf) = web_sys::window().and_then(|w| w.performance()) else {
        return;
    };
    if perf.get_entries_by_name(name).length() == 0 {
        let _ = perf.mark(name);
    }
}

/// Milliseconds since the Unix epoch, by this thread's clock (`timeOrigin + now()`): a
/// time both threads of the page agree on.
pub fn epoch_ms() -> f64 {
    let perf = js_sys::Reflect::get(&js_sys::global(), &"performance".into())
        .ok()
        .and_then(|p| wasm_bindgen::JsCast::dyn_into::<web_sys::Performance>(p).ok());
    perf.map_or(0.0, |p| p.time_origin() + p.now())
}

/// As [`mark_once`], at a time given in ms since the Unix epoch (a worker's event).
pub fn mark_once_at(name: &str, at: Option<f64>) {
    let Some(perf) = web_sys::window().and_then(|w| w.performance()) else {
        return;
    };
    if perf.get_entries_by_name(name).length() != 0 {
        return;
    }
    match at {
        Some(at) => {
            // performance.mark(name, {startTime}) (User Timing 3)
            let opts = js_sys::Object::new();
            let start = (at - perf.time_origin()).max(0.0);
            let _ = js_sys::Reflect::set(&opts, &"startTime".into(), &start.into());
            if let Ok(mark) = js_sys::Reflect::get(&perf, &"mark".into())
                .and_then(wasm_bindgen::JsCast::dyn_into::<js_sys::Function>)
            {
                let _ = mark.call2(&perf, &name.into(), &opts);
            }
        }
        None => {
            let _ = perf.mark(name);
        }
    }
}

/// Main-thread work longer than this is recorded by [`Span`].
const SLOW_SPAN_MS: f64 = 20.0;

/// Times a piece of main-thread work; on drop, work slower than [`SLOW_SPAN_MS`] is appended
/// as `name@start+ms` to the page's `window.__gzvSlow` array, so the benchmark can say which
/// work made a long task.
pub struct Span {
    name: &'static str,
    start: f64,
}

/// `performance.now()`, 0 without the API.
pub fn now() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or(0.0, |p| p.now())
}

impl Span {
    pub fn new(name: &'static str) -> Span {
        Span { name, start: now() }
    }
}

impl Drop for Span {
    fn drop(&mut self) {
        let ms = now() - self.start;
        if ms < SLOW_SPAN_MS {
            return;
        }
        let Some(window) = web_sys::window() else {
            return;
        };
        let key = wasm_bindgen::JsValue::from_str("__gzvSlow");
        let list = match js_sys::Reflect::get(&window, &key)
            .ok()
            .filter(|v| v.is_object())
        {
            // the page's own array (js_sys::Array::from would push onto a copy)
            Some(v) => wasm_bindgen::JsCast::unchecked_into::<js_sys::Array>(v),
            None => {
                let a = js_sys::Array::new();
                let _ = js_sys::Reflect::set(&window, &key, &a);
                a
            }
        };
        list.push(&wasm_bindgen::JsValue::from_str(&format!(
            "{}@{:.0}+{:.0}",
            self.name, self.start, ms
        )));
    }
}

/// A future whose every poll is timed as a [`Span`]: the main-thread work it does between
/// awaits, without the time it waits.
pub struct Timed<F> {
    name: &'static str,
    inner: std::pin::Pin<Box<F>>,
}

pub fn timed<F: std::future::Future>(name: &'static str, f: F) -> Timed<F> {
    Timed {
        name,
        inner: Box::pin(f),
    }
}

impl<F: std::future::Future> std::future::Future for Timed<F> {
    type Output = F::Output;
    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<F::Output> {
        let _span = Span::new(self.name);
        self.inner.as_mut().poll(cx)
    }
}
