//! The gallery: thumbnails of the current selection (the filter's galaxies, within the
//! region selected on the map, within a split) in a virtualised grid. Only the cells near
//! the viewport exist; their images are fetched in visible order, a row group's wanted rows
//! in one read, and reads for cells scrolled past are cancelled. The browser decodes the
//! JPEGs off the page's thread (`<img decoding="async">` over blob URLs).

use super::client::go_to;
use super::state::{AppState, FilterView, Opened};
use super::window::{self, View};
use crate::engine::protocol::Picture;
use crate::gallery::{CELL_PX, Layout, Lru, OVERSCAN_ROWS};
use leptos::ev;
use leptos::html::Div;
use leptos::prelude::*;
use std::collections::HashSet;
use std::rc::Rc;
use wasm_bindgen::JsCast;

/// Thumbnails kept (blob URLs of encoded images, ~30 KB each for gz_desi).
const KEEP_THUMBS: usize = 800;
/// Blob URLs made in one task before yielding to the page.
const BLOBS_PER_TASK: usize = 8;

/// A cell's image: a blob URL to show, or why there is none.
#[derive(Clone, Debug, PartialEq)]
enum Thumb {
    Ready(String),
    Failed(String),
}

/// The galaxies the gallery shows, or why it shows none yet.
#[derive(Clone, Debug, PartialEq)]
enum RowsView {
    Waiting(String),
    Ready { count: usize, what: String },
    Failed(String),
}

fn release(thumbs: Vec<Thumb>) {
    for t in thumbs {
        if let Thumb::Ready(url) = t {
            let _ = web_sys::Url::revoke_object_url(&url);
        }
    }
}

/// The rows the gallery shows, in dataset order.
fn selected_rows(
    state: AppState,
    ds: &Opened,
    split: Option<&str>,
) -> Result<(Vec<u32>, String), RowsView> {
    let in_split: Vec<std::ops::Range<u64>> = ds
        .splits
        .iter()
        .filter(|(s, _, _)| split.is_none_or(|want| want == s))
        .map(|&(_, first, n)| first..first + n)
        .collect();
    let keep_split = |row: u64| in_split.iter().any(|r| r.contains(&row));
    let selection_what = state.selection_what.get();
    let mut what = Vec::new();
    let filter = match state.filter_view.get() {
        FilterView::Off => None,
        FilterView::Ready { .. } => {
            what.push("matching the filter");
            state.filter_selection.get_value()
        }
        FilterView::Waiting => {
            return Err(RowsView::Waiting(
                "Waiting for the galaxies' positions to apply the filter".into(),
            ));
        }
        FilterView::Loading { label, done, total } => {
            return Err(RowsView::Waiting(format!(
                "Loading the votes the filter needs: {label} ({done} of {total})"
            )));
        }
        FilterView::Failed(e) => {
            return Err(RowsView::Failed(format!(
                "the filter could not be applied: {e}"
            )));
        }
    };
    let region = state.selection.get().map(|(_, rows)| rows);
    let mut rows: Vec<u32> = match (&filter, &region) {
        (None, None) => {
            // every row of the split (400,000 at full scale): one allocation and a plain
            // count per run (pushed one at a time through a filter, the list grew by
            // reallocation in the task that opened the dataset)
            let total: u64 = in_split.iter().map(|r| r.end.saturating_sub(r.start)).sum();
            let mut v = Vec::with_capacity(usize::try_from(total.min(1 << 26)).unwrap_or(0));
            for r in &in_split {
                // (rows past u32::MAX cannot be shown)
                if let (Ok(first), Some(last)) = (
                    u32::try_from(r.start),
                    r.end
                        .checked_sub(1)
                        .map(|l| l.min(u64::from(u32::MAX)) as u32),
                ) && r.start < r.end
                {
                    v.extend(first..=last);
                }
            }
            v
        }
        _ => {
            let store = state
                .sky
                .get_value()
                .ok_or_else(|| RowsView::Waiting("Waiting for the galaxies' positions".into()))?;
            let s = store.borrow();
            let region: Option<HashSet<u32>> = region.as_ref().map(|rs| {
                what.push(
                    selection_what
                        .as_deref()
                        .unwrap_or("in the region selected on the map"),
                );
                rs.iter().filter_map(|&r| u32::try_from(r).ok()).collect()
            });
            let mut v: Vec<u32> = match &filter {
                Some(f) => f
                    .slots()
                    .map(|slot| s.row.get(slot).copied().unwrap_or(u32::MAX))
                    .collect(),
                None => region.iter().flatten().copied().collect(),
            };
            v.retain(|&r| {
                r != u32::MAX
                    && region.as_ref().is_none_or(|set| set.contains(&r))
                    && keep_split(r as u64)
            });
            v.sort_unstable();
            v.dedup();
            v
        }
    };
    rows.shrink_to_fit();
    let mut text: Vec<String> = what.into_iter().map(String::from).collect();
    if let Some(s) = split {
        text.push(format!("in {s}"));
    }
    Ok((rows, text.join(", ")))
}

/// Keep what the engine read (`blob:` URLs its worker made; bytes only where no worker
/// made them: those are made into URLs here, a few per task, each costing about a
/// millisecond), then the cells that show them are told.
fn keep(
    thumbs: Vec<(u64, Result<Picture, String>)>,
    cache: StoredValue<Lru<Thumb>, LocalStorage>,
    version: RwSignal<u64>,
) {
    leptos::task::spawn_local(async move {
        let mut made = Vec::with_capacity(thumbs.len());
        let mut blobs = 0;
        for (row, got) in thumbs {
            let got = match got {
                Ok(Picture::Url(url)) => Ok(url),
                Ok(Picture::Bytes(b)) => {
                    // made here (no worker host made a URL): a few per task
                    blobs += 1;
                    if blobs % BLOBS_PER_TASK == 0 {
                        crate::web::sleep_ms(0).await;
                    }
                    let _span = crate::web::timing::Span::new("gallery thumbnail");
                    super::shown::blob_url(&b.0).map_err(|e| format!("galaxy {row}: {e}"))
                }
                Err(e) => Err(e),
            };
            made.push((
                row,
                match got {
                    Ok(url) => Thumb::Ready(url),
                    Err(e) => Thumb::Failed(e),
                },
            ));
        }
        cache.update_value(|c| {
            for (row, t) in made {
                release(c.insert(row, t));
            }
        });
        version.update(|v| *v += 1);
    });
}

/// The gallery panel.
#[component]
pub fn GalleryPanel() -> impl IntoView {
    let state = expect_context::<AppState>();
    let split = RwSignal::new(crate::web::query_param("split").filter(|s| !s.is_empty()));
    let rows = StoredValue::new_local(Rc::new(Vec::<u32>::new()));
    let rows_view = RwSignal::new(RowsView::Waiting("Opening the dataset".into()));
    let rows_version = RwSignal::new(0u64);
    let cache = StoredValue::new_local(Lru::<Thumb>::new(KEEP_THUMBS));
    let version = RwSignal::new(0u64);
    let replan = RwSignal::new(0u64);
    let error = RwSignal::new(None::<String>);
    // reads in flight, as the engine last said
    let live = RwSignal::new(0usize);
    super::client::on_thumbs(std::rc::Rc::new(move |thumbs, now, err| {
        live.set(now);
        if let Some(e) = err {
            error.set(Some(e));
        }
        if !thumbs.is_empty() {
            keep(thumbs, cache, version);
        }
    }));
    // a scroll moved the cells (reads wait for it to rest), and the timer that ends it
    let from_scroll = StoredValue::new(false);
    let scrolling = StoredValue::new(false);
    let settle = StoredValue::new_local(None::<TimeoutHandle>);
    let scroll_ref = NodeRef::<Div>::new();
    // (scroll top, viewport height, width) of the scroller
    let viewport = RwSignal::new((0.0f64, 480.0f64, 600.0f64));

    let measure = move || {
        let _span = crate::web::timing::Span::new("gallery measure");
        if let Some(el) = scroll_ref.get_untracked() {
            let now = (
                el.scroll_top() as f64,
                el.client_height() as f64,
                el.client_width() as f64,
            );
            if viewport.get_untracked() != now {
                viewport.set(now);
            }
        }
    };
    let on_resize = window_event_listener(ev::resize, move |_| measure());
    // back/forward: the split of that entry
    let history = window_event_listener(ev::popstate, move |_| {
        let now = crate::web::query_param("split").filter(|s| !s.is_empty());
        if split.get_untracked() != now {
            split.set(now);
        }
    });
    on_cleanup(move || {
        on_resize.remove();
        history.remove();
    });

    // the dataset opened (once)
    let opened = Memo::new(move |_| state.opened.get().map(|o| o.rows));
    let splits = Memo::new(move |_| {
        let mut names: Vec<String> = state
            .opened
            .get()
            .map(|o| o.splits.iter().map(|(s, _, _)| s.clone()).collect())
            .unwrap_or_default();
        names.dedup();
        names
    });

    // the selection changed: new rows, back to the top, cancel what was in flight
    Effect::new(move |_| {
        let _ = opened.get();
        let split_now = split.get();
        let Some(ds) = state.opened.get_untracked() else {
            return;
        };
        let result = selected_rows(state, &ds, split_now.as_deref());
        // a new selection: nothing of the old one is wanted any more
        window::ask(View::Gallery, Vec::new(), false);
        match result {
            Ok((list, what)) => {
                rows_view.set(RowsView::Ready {
                    count: list.len(),
                    what,
                });
                rows.set_value(Rc::new(list));
            }
            Err(v) => {
                rows_view.set(v);
                rows.set_value(Rc::new(Vec::new()));
            }
        }
        // back to the top (the first selection starts there: setting it would force a
        // layout of the whole page in the task that opened the dataset)
        if rows_version.get_untracked() > 0
            && let Some(el) = scroll_ref.get_untracked()
        {
            el.set_scroll_top(0);
        }
        error.set(None);
        rows_version.update(|n| *n += 1);
        scrolling.set_value(false);
        // back at the top; its size is the ResizeObserver's to say, once laid out (a
        // scroll bar may come or go): measured here, it forced a layout of the whole page
        // in the task that opened the dataset (42 ms under the benchmark's load)
        if viewport.get_untracked().0 != 0.0 {
            viewport.update(|v| v.0 = 0.0);
        }
        replan.update(|n| *n += 1);
    });
    // the scroller's size, after layout (nothing is forced)
    Effect::new(move |_| {
        let Some(el) = scroll_ref.get() else {
            return;
        };
        crate::web::on_resize(&el, move |_| measure());
    });

    let layout = Memo::new(move |_| Layout::new(viewport.get().2, CELL_PX));
    // the cells near the viewport, in visible order: the viewport top to bottom, then the
    // rows below it, then those above
    let wanted = Memo::new(move |_| {
        rows_version.track();
        let (top, h, _) = viewport.get();
        let l = layout.get();
        let list = rows.get_value();
        let inner = l.window(list.len(), top, h, 0);
        let outer = l.window(list.len(), top, h, OVERSCAN_ROWS);
        let order = inner
            .clone()
            .chain(inner.end..outer.end)
            .chain((outer.start..inner.start).rev());
        order
            .filter_map(|i| list.get(i).map(|&r| (i, r)))
            .collect::<Vec<(usize, u32)>>()
    });

    // on every change of the cells near the viewport: cancel the reads of cells scrolled
    // past at once, and plan new reads once the scroll rests
    // the wanted rows the gallery does not hold yet, most wanted first
    let missing = move || -> Vec<u64> {
        cache.with_value(|c| {
            wanted
                .get_untracked()
                .iter()
                .map(|&(_, r)| r as u64)
                .filter(|&r| !c.contains(r))
                .collect()
        })
    };
    Effect::new(move |_| {
        let want = wanted.get();
        let rows_wanted: Vec<u64> = want.iter().map(|&(_, r)| r as u64).collect();
        cache.update_value(|c| c.touch(&rows_wanted));
        window::on_wanted(
            View::Gallery,
            missing(),
            from_scroll,
            scrolling,
            settle,
            replan,
        );
    });
    // ask for reads: when the scroll rests, or the selection changes
    // the galaxy first: thumbnails are read once it is on screen (or failed)
    let galaxy_settled = Memo::new(move |_| {
        !matches!(
            state.galaxy.get(),
            super::state::GalaxyView::Waiting | super::state::GalaxyView::Loading(_)
        )
    });
    // and a frame after that, so the galaxy's own drawing (an effect of the same change)
    // is done and the thumbnails' read leaves after it (it left 0-5 ms before the image's
    // mark, and counted in the first image's bytes)
    let settled_once = RwSignal::new(false);
    Effect::new(move |_| {
        if galaxy_settled.get() && !settled_once.get_untracked() {
            crate::web::after_next_frame(move || {
                let _ = settled_once.try_set(true);
            });
        }
    });
    Effect::new(move |_| {
        replan.track();
        if scrolling.get_value() || state.opened.get_untracked().is_none() || !settled_once.get() {
            return;
        }
        window::ask(View::Gallery, missing(), true);
    });

    on_cleanup(move || {
        cache.update_value(|c| release(c.drain()));
    });

    // (shown, wanted, batches in flight) for the progress line
    let progress = move || {
        version.track();
        let want = wanted.get();
        let shown =
            cache.with_value(|c| want.iter().filter(|&&(_, r)| c.contains(r as u64)).count());
        (shown, want.len(), live.get())
    };

    let open = move |row: u32| {
        go_to(state, row as u64, true);
        if let Some(el) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id("galaxy-title"))
        {
            let r = el.get_bounding_client_rect();
            if r.top() < 0.0 {
                el.scroll_into_view();
            }
        }
    };

    // keyboard focus on a cell survives the cells being re-ordered as the window moves (a
    // moved node loses focus): the focused row is remembered and focused again
    let focused = StoredValue::new(None::<u32>);
    let refocus = move || {
        let Some(row) = focused.get_value() else {
            return;
        };
        let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
            return;
        };
        let lost = doc.active_element().is_none_or(|a| a.tag_name() == "BODY");
        if !lost {
            return;
        }
        if let Some(el) = doc
            .query_selector(&format!("#gallery-window .thumb[data-row='{row}']"))
            .ok()
            .flatten()
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let opts = web_sys::FocusOptions::new();
            opts.set_prevent_scroll(true);
            let _ = el.focus_with_options(&opts);
        }
    };
    Effect::new(move |_| {
        let _ = wanted.get();
        if focused.get_value().is_some() {
            request_animation_frame(refocus);
        }
    });
    let clicks = window_event_listener(ev::pointerdown, move |e| {
        let inside = e
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .is_some_and(|el| el.closest("#gallery-scroll").ok().flatten().is_some());
        if !inside {
            focused.set_value(None);
        }
    });
    on_cleanup(move || clicks.remove());
    let row_of = |e: &web_sys::FocusEvent| -> Option<u32> {
        e.target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .and_then(|el| el.get_attribute("data-row"))
            .and_then(|r| r.parse().ok())
    };

    let cells = move || {
        let l = layout.get();
        let mut v = wanted.get();
        v.sort_unstable_by_key(|&(i, _)| i);
        (l, v)
    };

    view! {
        <section class="gallery" aria-labelledby="gallery-title"
            hidden=move || matches!(state.galaxy.get(), super::state::GalaxyView::NoImages)>
            <h2 id="gallery-title">"Gallery"</h2>
            <div class="gallery-controls">
                <label>"Split "
                    <select id="gallery-split" on:change=move |e| {
                        let v = event_target_value(&e);
                        let v = (!v.is_empty()).then_some(v);
                        crate::web::set_query_param("split", v.as_deref(), true);
                        split.set(v);
                    }>
                        <option value="" selected=move || split.get().is_none()>"all splits"</option>
                        <For each=move || splits.get() key=|s| s.clone() let:s>
                            <option value=s.clone() selected={let s = s.clone(); move || split.get().as_deref() == Some(s.as_str())}>{s.clone()}</option>
                        </For>
                    </select>
                </label>
                {move || match rows_view.get() {
                    RowsView::Ready { count, what } => view! {
                        <span id="gallery-count" data-count=count>
                            {format!("{} galaxies{}", super::shown::fmt_count(count), if what.is_empty() { String::new() } else { format!(" {what}") })}
                        </span>
                    }.into_any(),
                    RowsView::Waiting(w) => view! { <span id="gallery-waiting" class="loading"><span class="spinner" aria-hidden="true"></span>{w}"…"</span> }.into_any(),
                    RowsView::Failed(e) => view! { <span id="gallery-failed" class="error" role="alert">{e}</span> }.into_any(),
                }}
                {move || {
                    let (shown, want, live) = progress();
                    (want > 0).then(|| view! {
                        <span id="gallery-progress" class="muted" data-shown=shown data-wanted=want data-batches=live>
                            {if shown < want { format!("thumbnails {shown} of {want}, {live} reads") } else { format!("{want} thumbnails") }}
                        </span>
                    })
                }}
            </div>
            {move || error.get().map(|e| view! { <p id="gallery-error" class="error" role="alert">{e}</p> })}
            <div class="gallery-scroll" id="gallery-scroll" node_ref=scroll_ref tabindex="0"
                aria-label="Thumbnails of the selected galaxies; Tab reaches each, Enter opens it"
                on:focusin=move |e| focused.set_value(row_of(&e))
                on:focusout=move |e| if e.related_target().is_some() { focused.set_value(None) }
                on:scroll=move |_| {
                    from_scroll.set_value(true);
                    measure();
                }>
                <div class="gallery-space" style:height=move || format!("{}px", layout.get().height(rows_view.with(|v| match v { RowsView::Ready { count, .. } => *count, _ => 0 })))>
                    <div class="gallery-window" id="gallery-window"
                        style:transform=move || {
                            let (l, v) = cells();
                            let top = v.first().map_or(0.0, |&(i, _)| l.position(i).0 as f64 * l.cell);
                            format!("translateY({top}px)")
                        }
                        style:grid-template-columns=move || { let l = layout.get(); format!("repeat({}, {}px)", l.cols, l.cell) }
                        style:grid-auto-rows=move || format!("{}px", layout.get().cell)>
                        <For each=move || cells().1 key=|&(i, r)| (i, r) let:cell>
                            <Cell index=cell.0 row=cell.1 cache=cache version=version open=open/>
                        </For>
                    </div>
                </div>
            </div>
        </section>
    }
}

/// One thumbnail: its image once fetched, a placeholder before, the reason if it failed.
#[component]
fn Cell(
    index: usize,
    row: u32,
    cache: StoredValue<Lru<Thumb>, LocalStorage>,
    version: RwSignal<u64>,
    open: impl Fn(u32) + Copy + 'static,
) -> impl IntoView {
    let thumb = Memo::new(move |_| {
        version.track();
        cache.with_value(|c| c.peek(row as u64).cloned())
    });
    let broken = RwSignal::new(false);
    let label = format!(
        "Galaxy {row} (item {} of the selection): open it",
        index + 1
    );
    view! {
        <button type="button" class="thumb" data-row=row data-index=index aria-label=label
            data-state=move || match (thumb.get(), broken.get()) {
                (_, true) => "broken",
                (Some(Thumb::Ready(_)), _) => "ready",
                (Some(Thumb::Failed(_)), _) => "failed",
                (None, _) => "loading",
            }
            on:click=move |_| open(row)>
            {move || match thumb.get() {
                Some(Thumb::Ready(url)) => view! {
                    <img src=url alt="" decoding="async" draggable="false"
                        on:error=move |_| broken.set(true)/>
                    {move || broken.get().then(|| view! { <span class="thumb-note">"image broken"</span> })}
                }.into_any(),
                Some(Thumb::Failed(e)) => {
                    let why = e.clone();
                    view! { <span class="thumb-note" title=why>"✕ " {e}</span> }.into_any()
                }
                None => view! { <span class="thumb-wait" aria-hidden="true"></span> }.into_any(),
            }}
        </button>
    }
}
