//! The page's side of the engine: the Web Worker it runs in (started by `boot.js` at
//! once, so its module loads beside the page's), requests to it, and its events applied
//! to the app's state. Nothing here reads a byte of a dataset.

use super::state::{AppState, Galaxy, GalaxyView};
use crate::engine::bulk;
use crate::engine::protocol::{
    ColourView, Event, GalaxyState, NetView, Picture, Points, PositionsView, Progress, Request,
    Shown,
};
use crate::gz::filter::QuestionCounts;
use futures::channel::oneshot;
use js_sys::{Array, Object, Reflect, Uint8Array};
use leptos::prelude::*;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::{JsCast, JsValue};

/// Rows for the gallery: (row, image bytes or why none), reads in flight, an error.
pub type ThumbsSink = Rc<dyn Fn(Vec<(u64, Result<Picture, String>)>, usize, Option<String>)>;
/// Rows for the table: (row, cells or why none), reads in flight, an error.
pub type RowsSink = Rc<dyn Fn(Vec<(u64, Result<Vec<Shown>, String>)>, usize, Option<String>)>;

/// A question of a campaign: (campaign, question).
type QuestionKey = (String, String);
/// Who waits for a question's votes.
type Waiting = Vec<oneshot::Sender<Result<QuestionCounts, String>>>;

#[derive(Default)]
struct Client {
    worker: Option<web_sys::Worker>,
    questions: HashMap<QuestionKey, Waiting>,
    progress: HashMap<QuestionKey, Rc<dyn Fn(usize, usize)>>,
    thumbs: Option<ThumbsSink>,
    rows: Option<RowsSink>,
    /// The question whose top answers the map's colour values carry.
    colour_question: Option<usize>,
    /// Index of each root question in the sky store, in the engine's order.
    roots: Vec<usize>,
}

thread_local! {
    static CLIENT: RefCell<Client> = RefCell::default();
}

/// The worker `boot.js` started, or a new one from the address it left.
fn worker() -> Result<web_sys::Worker, String> {
    let global = js_sys::global();
    if let Some(w) = Reflect::get(&global, &"__gzvWorker".into())
        .ok()
        .and_then(|w| w.dyn_into::<web_sys::Worker>().ok())
    {
        let _ = Reflect::delete_property(global.unchecked_ref::<Object>(), &"__gzvWorker".into());
        return Ok(w);
    }
    let url = Reflect::get(&global, &"__gzvWorkerUrl".into())
        .ok()
        .and_then(|u| u.as_string())
        .ok_or("the page did not say where the data engine is (boot.js did not run)")?;
    let opts = web_sys::WorkerOptions::new();
    opts.set_type(web_sys::WorkerType::Module);
    let w = web_sys::Worker::new_with_options(&url, &opts)
        .map_err(|e| format!("the browser refused to start it ({e:?})"))?;
    let boot = Object::new();
    let href = web_sys::window()
        .and_then(|w| w.location().href().ok())
        .unwrap_or_default();
    let _ = Reflect::set(&boot, &"boot".into(), &href.into());
    let _ = w.post_message(&boot);
    Ok(w)
}

/// The engine stopped or never started: say why, and offer a retry (a reload starts it
/// afresh). Never an empty dataset.
fn engine_failed(state: AppState, why: String) {
    progress_done(state);
    state.engine_failed.set(Some(why));
    if matches!(
        state.galaxy.get_untracked(),
        GalaxyView::Waiting | GalaxyView::Loading(_)
    ) {
        state
            .galaxy
            .set(GalaxyView::Failed("the data engine stopped".into()));
    }
}

/// Start listening to the engine.
pub fn start(state: AppState) {
    let w = match worker() {
        Ok(w) => w,
        Err(e) => return engine_failed(state, format!("the data engine could not start: {e}")),
    };
    let on_data = move |data: JsValue| {
        let span = crate::web::timing::Span::new("message");
        // timed until the effects it set off have run
        leptos::task::spawn_local(async move { drop(span) });
        if let Some(fatal) = Reflect::get(&data, &"fatal".into())
            .ok()
            .and_then(|f| f.as_string())
        {
            return engine_failed(state, fatal);
        }
        let json = Reflect::get(&data, &"json".into())
            .ok()
            .and_then(|j| j.as_string())
            .unwrap_or_default();
        let buffers: Vec<Vec<u8>> = Reflect::get(&data, &"buffers".into())
            .ok()
            .filter(|b| !b.is_undefined())
            .map(|b| {
                Array::from(&b)
                    .iter()
                    .map(|x| Uint8Array::new(&x).to_vec())
                    .collect()
            })
            .unwrap_or_default();
        match bulk::decode::<Event>(&json, buffers) {
            Ok(ev) => apply(state, ev),
            Err(e) => engine_failed(
                state,
                format!("a message from the data engine could not be read: {e}"),
            ),
        }
    };
    let on_error = move |what: String| {
        let what = if what.is_empty() {
            "it stopped (out of memory, or a failure inside it)".to_string()
        } else {
            what
        };
        engine_failed(state, format!("the data engine stopped: {what}"));
    };
    CLIENT.with(|c| c.borrow_mut().worker = Some(w.clone()));
    // listened to in a task of its own, after the page's first mount: what arrived until
    // then waits in boot.js's inbox (taken in the same task as the listening starts, so
    // nothing is missed or reordered), and the mount's task is not lengthened by it
    set_timeout(
        move || {
            // what the worker said before the page listened (boot.js kept it)
            let kept = |key: &str| {
                Reflect::get(&w, &key.into())
                    .ok()
                    .filter(|v| v.is_array())
                    .map(|v| Array::from(&v).to_vec())
                    .unwrap_or_default()
            };
            let (inbox, errors) = (kept("__gzvInbox"), kept("__gzvErrors"));
            let message = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(
                move |e: web_sys::MessageEvent| on_data(e.data()),
            );
            w.set_onmessage(Some(message.as_ref().unchecked_ref()));
            message.forget();
            let error =
                Closure::<dyn FnMut(web_sys::ErrorEvent)>::new(move |e: web_sys::ErrorEvent| {
                    on_error(e.message())
                });
            w.set_onerror(Some(error.as_ref().unchecked_ref()));
            error.forget();
            for e in errors {
                on_error(e.as_string().unwrap_or_default());
            }
            for m in inbox {
                on_data(m);
            }
        },
        std::time::Duration::ZERO,
    );
}

/// Stop the engine (a new dataset opened in the page gets a fresh one): its worker ends,
/// and whatever waited on it is dropped.
pub fn stop() {
    // counters not shown yet belong to the app going away
    COUNTERS.with(|c| {
        let mut c = c.borrow_mut();
        (c.net, c.progress, c.positions, c.state) = (None, None, None, None);
    });
    let old = CLIENT.with(|c| std::mem::take(&mut *c.borrow_mut()));
    if let Some(w) = old.worker {
        w.set_onmessage(None);
        w.set_onerror(None);
        w.terminate();
    }
}

/// Ask the engine.
pub fn send(req: Request) {
    send_with(req, None)
}

/// Ask the engine, handing over files of the visitor's disk with the request (the
/// browser passes a `File` by reference: nothing is read or copied).
pub fn send_with(req: Request, files: Option<&[web_sys::File]>) {
    let encoded = bulk::encode(&req);
    CLIENT.with(|c| {
        let c = c.borrow();
        let (Some(w), Ok((json, buffers))) = (&c.worker, encoded) else {
            return;
        };
        let msg = Object::new();
        let list = Array::new();
        for b in buffers {
            list.push(&Uint8Array::from(b.as_slice()).buffer());
        }
        let _ = Reflect::set(&msg, &"json".into(), &json.into());
        let _ = Reflect::set(&msg, &"buffers".into(), &list);
        if let Some(files) = files {
            let array: Array = files.iter().collect();
            let _ = Reflect::set(&msg, &"files".into(), &array);
        }
        let _ = w.post_message_with_transfer(&msg, &list);
    });
}

/// Show `row`: the engine cancels the load of any galaxy still on its way. With `push`,
/// the row goes into the address (a new history entry, so back/forward step through
/// galaxies).
pub fn go_to(state: AppState, row: u64, push: bool) {
    let Some(rows) = state.opened.get_untracked().map(|o| o.rows) else {
        return;
    };
    if rows == 0 {
        return;
    }
    let row = row.min(rows - 1);
    state.row.set_value(row);
    state.by_id.set_value(false);
    if push {
        crate::web::push_query_param("row", &row.to_string(), &["id"]);
    }
    send(Request::ShowRow { row });
}

/// Every galaxy's votes for a question (for a filter), with progress.
pub async fn question(
    campaign: &str,
    question: &str,
    progress: Rc<dyn Fn(usize, usize)>,
) -> Result<QuestionCounts, String> {
    let key = (campaign.to_string(), question.to_string());
    let (tx, rx) = oneshot::channel();
    let first = CLIENT.with(|c| {
        let mut c = c.borrow_mut();
        c.progress.insert(key.clone(), progress.clone());
        let waiting = c.questions.entry(key.clone()).or_default();
        waiting.push(tx);
        waiting.len() == 1
    });
    if first {
        send(Request::Question {
            campaign: key.0.clone(),
            question: key.1.clone(),
        });
    }
    // a caller that stops waiting (a filter cleared while its votes load) hears no more
    // of its progress: a step arriving after would show the loading again
    let _forget = ForgetProgress { key, progress };
    rx.await
        .unwrap_or_else(|_| Err("the data engine stopped".into()))
}

/// Drops a question's progress callback when its caller stops waiting (if it is still
/// that caller's).
struct ForgetProgress {
    key: (String, String),
    progress: Rc<dyn Fn(usize, usize)>,
}

impl Drop for ForgetProgress {
    fn drop(&mut self) {
        let _ = CLIENT.try_with(|c| {
            if let Ok(mut c) = c.try_borrow_mut()
                && c.progress
                    .get(&self.key)
                    .is_some_and(|p| Rc::ptr_eq(p, &self.progress))
            {
                c.progress.remove(&self.key);
            }
        });
    }
}

/// Where the gallery's rows go.
pub fn on_thumbs(sink: ThumbsSink) {
    CLIENT.with(|c| c.borrow_mut().thumbs = Some(sink));
}

/// Where the table's rows go.
pub fn on_rows(sink: RowsSink) {
    CLIENT.with(|c| c.borrow_mut().rows = Some(sink));
}

/// The map is coloured by this question of the store from now on.
pub fn colour_question(q: Option<usize>) {
    CLIENT.with(|c| c.borrow_mut().colour_question = q);
}

fn counts_rows(counts: &[i32], k: usize) -> impl Iterator<Item = Vec<Option<i64>>> + '_ {
    counts.chunks(k.max(1)).map(|row| {
        row.iter()
            .map(|&v| (v != crate::engine::protocol::NULL_COUNT).then_some(v as i64))
            .collect()
    })
}

fn land_points(state: AppState, p: Points) {
    let Some(store) = state.sky.get_value() else {
        return;
    };
    let ra: Vec<Option<f64>> =
        p.ra.f64s()
            .into_iter()
            .map(|v| (!v.is_nan()).then_some(v))
            .collect();
    let dec: Vec<Option<f64>> = p
        .dec
        .f64s()
        .into_iter()
        .map(|v| (!v.is_nan()).then_some(v))
        .collect();
    let rows: Vec<Option<u64>> = p
        .rows
        .u32s()
        .into_iter()
        .map(|r| (r != u32::MAX).then_some(r as u64))
        .collect();
    let ends = p.id_ends.u32s();
    let text = String::from_utf8_lossy(&p.ids.0).into_owned();
    let mut ids: Vec<Option<&str>> = Vec::with_capacity(ends.len());
    let mut at = 0usize;
    for &e in &ends {
        let e = (e as usize).min(text.len());
        ids.push(text.get(at..e).filter(|s| !s.is_empty()));
        at = e;
    }
    let roots = CLIENT.with(|c| c.borrow().roots.clone());
    let mut s = store.borrow_mut();
    s.fill(p.slot, &ra, &dec, &rows, &ids);
    for (k, top) in p.tops.iter().enumerate() {
        let Some(&q) = roots.get(k) else { continue };
        let answers = s.top_names.get(q).map_or(0, |t| t.2.len());
        for (r, counts) in counts_rows(&top.i32s(), answers).enumerate() {
            s.set_top(p.slot + r, q, &counts);
        }
    }
    drop(s);
    crate::web::timing::mark_once("gzv:sky-first-points");
    state.sky_version.update(|v| *v += 1);
}

/// A `blob:` URL of a file made here, to download.
fn file_url(bytes: &[u8], mime: &str) -> Result<String, String> {
    super::shown::object_url(bytes, mime).map_err(|step| {
        match step {
            super::shown::ObjectUrlStep::Blob => "the browser could not make the file",
            super::shown::ObjectUrlStep::Url => "the browser could not offer the file",
        }
        .to_string()
    })
}

/// What an event is, for the page's slow-work list.
fn kind(ev: &Event) -> &'static str {
    match ev {
        Event::Title(_) => "event title",
        Event::Progress(_) => "event progress",
        Event::Fatal(_) => "event fatal",
        Event::Files(_) => "event files",
        Event::Net(_) => "event net",
        Event::SkyNote(_) => "event sky note",
        Event::Opened(_) => "event opened",
        Event::Galaxy { .. } => "event galaxy",
        Event::SkyPlanned(_) => "event sky planned",
        Event::Points(_) => "event points",
        Event::Positions(_) => "event positions",
        Event::ColourValues(_) => "event colour values",
        Event::Colour(_) => "event colour",
        Event::QuestionProgress { .. } => "event question progress",
        Event::Question { .. } => "event question",
        Event::Thumbs { .. } => "event thumbs",
        Event::TableColumns(_) => "event table columns",
        Event::TableRows { .. } => "event table rows",
        Event::TableStats(_) => "event table stats",
        Event::Schema { .. } => "event schema",
        Event::Mark { .. } => "event mark",
        Event::Kept(_) => "event kept",
        Event::Catalog(_) => "event catalog",
        Event::TableOrder { .. } => "event table order",
    }
}

/// Points of the picking index's passes sorted per task (a full dataset's 400,000 points
/// take 26-43 ms of the page's thread in one task under the benchmark's load: eight tasks
/// of a few milliseconds instead).
const INDEX_STEP_POINTS: usize = 100_000;

/// Build the map's picking index a slice at a time, one task per slice, until it is up to
/// date (a hover meanwhile finishes it at once); a new dataset's map ends the old one's.
fn index_in_steps(state: AppState) {
    let Some(store) = state.sky.get_value() else {
        return;
    };
    let done = {
        let _span = crate::web::timing::Span::new("sky index");
        store.borrow_mut().index_step(INDEX_STEP_POINTS)
    };
    if !done {
        set_timeout(
            move || {
                if state
                    .sky
                    .get_value()
                    .is_some_and(|now| Rc::ptr_eq(&now, &store))
                {
                    index_in_steps(state);
                }
            },
            std::time::Duration::ZERO,
        );
    }
}

/// Apply an event of the engine to the page's state.
fn apply(state: AppState, ev: Event) {
    let span = crate::web::timing::Span::new(kind(&ev));
    apply_event(state, ev);
    // timed until the effects it set off have run (they were queued before this task)
    leptos::task::spawn_local(async move { drop(span) });
}

/// The network line, the progress line and the positions' loading line change at most
/// this often (ms): while thousands of reads land, each change cost the page a frame of
/// style, layout, paint and commit (a hundred frames and ~0.8 s of its thread at full
/// scale).
const COUNTERS_MS: f64 = 250.0;

/// Counters waiting for their turn to be shown.
#[derive(Default)]
struct Counters {
    net: Option<NetView>,
    progress: Option<Progress>,
    /// A step of the positions' loading (never their end: that is shown at once).
    positions: Option<PositionsView>,
    /// The app they are for.
    state: Option<AppState>,
    shown_at: f64,
    timer: bool,
}

thread_local! {
    static COUNTERS: RefCell<Counters> = RefCell::default();
}

/// Show `net`, `progress` and/or a step of the positions now if the last showing was
/// long enough ago, else at the next turn (the latest of each wins).
fn show_counters(
    state: AppState,
    net: Option<NetView>,
    progress: Option<Progress>,
    positions: Option<PositionsView>,
) {
    let now = crate::web::timing::now();
    let wait = COUNTERS.with(|c| {
        let mut c = c.borrow_mut();
        c.state = Some(state);
        if net.is_some() {
            c.net = net;
        }
        if progress.is_some() {
            c.progress = progress;
        }
        if positions.is_some() {
            c.positions = positions;
        }
        if c.timer {
            return None;
        }
        let wait = COUNTERS_MS - (now - c.shown_at);
        if wait > 0.0 {
            c.timer = true;
        }
        Some(wait)
    });
    match wait {
        None => {}
        Some(w) if w <= 0.0 => flush_counters(),
        Some(w) => set_timeout(
            flush_counters,
            std::time::Duration::from_millis(w.ceil() as u64),
        ),
    }
}

fn flush_counters() {
    let (state, net, progress, positions) = COUNTERS.with(|c| {
        let mut c = c.borrow_mut();
        c.timer = false;
        c.shown_at = crate::web::timing::now();
        (c.state, c.net.take(), c.progress.take(), c.positions.take())
    });
    // (the app they were for, the latest to send some: never one that has gone away)
    let Some(state) = state else { return };
    if let Some(v) = positions {
        let _ = state.positions.try_set(v);
    }
    if let Some(n) = net {
        let _ = state.net.try_set(n);
    }
    if let Some(p) = progress {
        let _ = state.progress.try_set(Some(p));
    }
}

/// No progress to show any more: said at once, and a step still waiting is not shown
/// after it.
fn progress_done(state: AppState) {
    COUNTERS.with(|c| c.borrow_mut().progress = None);
    state.progress.set(None);
}

fn apply_event(state: AppState, ev: Event) {
    match ev {
        Event::Title(t) => state.title.set(t),
        Event::Progress(Some(p)) => show_counters(state, None, Some(p), None),
        Event::Progress(None) => progress_done(state),
        Event::Fatal(r) => {
            progress_done(state);
            state.fatal.set(Some(r));
        }
        Event::Files(f) => state.files.set(f),
        Event::Net(n) => show_counters(state, Some(n), None, None),
        Event::Kept(k) => state.kept.set(Some(k)),
        Event::Catalog(r) => {
            state.sharing.set(false);
            if let Some(Ok(old)) = state.shared.get_untracked() {
                let _ = web_sys::Url::revoke_object_url(&old.parquet_url);
                let _ = web_sys::Url::revoke_object_url(&old.index_url);
            }
            state.shared.set(Some(r.and_then(|c| {
                Ok(super::state::SharedCatalog {
                    parquet_url: file_url(&c.parquet.0, "application/vnd.apache.parquet")?,
                    index_url: file_url(c.index.as_bytes(), "application/json")?,
                    rows: c.rows,
                    bytes: c.parquet.0.len() as u64,
                })
            })));
        }
        Event::SkyNote(n) => state.sky_note.set(n),
        Event::Opened(o) => {
            if !state.by_id.get_value() {
                state.row.set_value(o.first_row);
            }
            state.opened.set(Some(Arc::new(o)));
        }
        Event::Galaxy { row, state: g } => galaxy(state, row, g),
        Event::SkyPlanned(p) => {
            let mut store = crate::sky::points::SkyPoints::with_slots(p.slots);
            let roots: Vec<usize> = p
                .roots
                .iter()
                .map(|(c, q, a)| store.top_question(c, q, a.clone()))
                .collect();
            CLIENT.with(|c| c.borrow_mut().roots = roots);
            state.sky.set_value(Some(Rc::new(RefCell::new(store))));
            state.sky_catalog.set(p.catalog);
            state.sky_version.update(|v| *v += 1);
            // the map's colour menu (an option per answer, about a hundred) in a task of
            // its own: this one often also lands the dataset's opening
            // (unless another dataset's map has replaced this one meanwhile)
            let choices = p.choices;
            let planned = state.sky.get_value();
            crate::web::after_next_frame(move || {
                let same = match (state.sky.get_value(), &planned) {
                    (Some(now), Some(then)) => Rc::ptr_eq(&now, then),
                    _ => false,
                };
                if same {
                    state.colour_choices.set(choices);
                }
            });
        }
        Event::Points(p) => land_points(state, p),
        // a step of the positions' loading: counted like the other counters
        Event::Positions(v @ PositionsView::Loading { .. })
            if matches!(
                state.positions.get_untracked(),
                PositionsView::Loading { .. }
            ) =>
        {
            show_counters(state, None, None, Some(v));
        }
        Event::Positions(v) => {
            let ready = matches!(v, PositionsView::Ready { .. });
            COUNTERS.with(|c| c.borrow_mut().positions = None);
            state.positions.set(v);
            if ready {
                // the picking index, in tasks of its own rather than at the first hover
                // (after the frame that draws the last points, not inside it)
                crate::web::after_next_frame(move || index_in_steps(state));
            }
        }
        Event::ColourValues(cv) => {
            let (Some(store), Some(q)) = (
                state.sky.get_value(),
                CLIENT.with(|c| c.borrow().colour_question),
            ) else {
                return;
            };
            let mut s = store.borrow_mut();
            s.fill_values(cv.slot, &cv.values.f32s());
            for (r, counts) in counts_rows(&cv.counts.i32s(), cv.answers).enumerate() {
                s.set_top(cv.slot + r, q, &counts);
            }
            drop(s);
            state.sky_version.update(|v| *v += 1);
        }
        Event::Colour(v) => {
            if matches!(v, ColourView::Plain)
                && let Some(store) = state.sky.get_value()
            {
                store.borrow_mut().clear_values();
                state.sky_version.update(|x| *x += 1);
            }
            state.colour.set(v);
        }
        Event::QuestionProgress {
            campaign,
            question,
            done,
            total,
        } => {
            let p = CLIENT.with(|c| c.borrow().progress.get(&(campaign, question)).cloned());
            if let Some(p) = p {
                p(done, total);
            }
        }
        Event::Question {
            campaign,
            question,
            answers,
            counts,
        } => {
            let key = (campaign, question);
            let waiting = CLIENT.with(|c| {
                let mut c = c.borrow_mut();
                c.progress.remove(&key);
                c.questions.remove(&key).unwrap_or_default()
            });
            let result = counts.map(|b| QuestionCounts {
                answers,
                counts: b.u16s(),
            });
            for tx in waiting {
                let _ = tx.send(result.clone());
            }
        }
        Event::Thumbs {
            thumbs,
            live,
            error,
        } => {
            match CLIENT.with(|c| c.borrow().thumbs.clone()) {
                Some(sink) => sink(thumbs, live, error),
                // nobody to show them: the URLs the worker made are let go at once
                None => {
                    for (_, t) in thumbs {
                        if let Ok(Picture::Url(url)) = t {
                            let _ = web_sys::Url::revoke_object_url(&url);
                        }
                    }
                }
            }
        }
        Event::TableColumns(c) => state.table_columns.set(Some(c)),
        Event::TableRows { rows, live, error } => {
            if let Some(sink) = CLIENT.with(|c| c.borrow().rows.clone()) {
                sink(rows, live, error);
            }
        }
        Event::TableStats(s) => state.table_stats.set(Some(s)),
        Event::TableOrder { query, result } => {
            // an answer to a query since replaced is dropped
            if query == state.table_query.get_untracked() {
                state.table_order.set(match result {
                    Ok(None) => super::state::OrderView::Plain,
                    Ok(Some(b)) => super::state::OrderView::Ready(Arc::new(
                        b.0.chunks_exact(4)
                            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                            .collect(),
                    )),
                    Err(e) => super::state::OrderView::Failed(e),
                });
            }
        }
        Event::Schema { file, report } => state.schema.set(Some((file, report.map(Arc::new)))),
        Event::Mark { name, at } => crate::web::timing::mark_once_at(&name, at),
    }
}

/// A galaxy event: shown if it is the one the page asked for (a late answer for one the
/// visitor left is dropped); its image decoded by the browser off the page's thread.
fn galaxy(state: AppState, row: Option<u64>, g: GalaxyState) {
    if let Some(r) = row {
        if state.by_id.get_value() {
            state.by_id.set_value(false);
            state.row.set_value(r);
        } else if r != state.row.get_value() {
            return;
        }
    }
    match g {
        GalaxyState::Loading(s) => state.galaxy.set(GalaxyView::Loading(s)),
        GalaxyState::NoImages => state.galaxy.set(GalaxyView::NoImages),
        GalaxyState::Failed(e) => state.galaxy.set(GalaxyView::Failed(e)),
        GalaxyState::Ready(data) => {
            state
                .galaxy
                .set(GalaxyView::Loading("Decoding the image".into()));
            leptos::task::spawn_local(async move {
                let data = *data;
                let encoded = data.image.as_ref().ok().map(|b| Arc::new(b.0.clone()));
                let image = match &data.image {
                    // the browser's decoder; what it cannot decode is explained as far as
                    // the bytes allow (empty, not JPEG or PNG, truncated), else in its words
                    Ok(bytes) => match crate::imaging::precheck(&bytes.0) {
                        Err(e) => Err(e.to_string()),
                        Ok(format) => crate::web::decode_bench::browser_decode(&bytes.0)
                            .await
                            .map(Arc::new)
                            .map_err(|e| {
                                format!(
                                    "the {} image is broken: the browser could not decode it ({e})",
                                    format.name()
                                )
                            }),
                    },
                    Err(e) => Err(e.clone()),
                };
                if data.row != state.row.get_value() {
                    return;
                }
                let mut votes = data.votes;
                votes.iter_mut().for_each(|v| v.find_tree());
                state.galaxy.set(GalaxyView::Ready(Arc::new(Galaxy {
                    id: data.id,
                    ra: data.ra,
                    dec: data.dec,
                    split: data.split,
                    file: data.file,
                    row: data.row,
                    file_row: data.file_row,
                    rows: data.rows,
                    image,
                    encoded,
                    votes,
                })));
            });
        }
    }
}
