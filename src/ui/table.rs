//! The table view of any parquet (a virtualised grid: only the rows near the viewport are
//! read and in the DOM, a row group's wanted rows in one read, reads for rows scrolled
//! past cancelled), and the schema and file panel (what a data engineer checks first).
//! Both read the footer's column statistics only when opened.

use super::state::AppState;
use super::state::OrderView;
use super::window::{self, View};
use crate::engine::protocol::{Columns, Shown as Got};
use crate::gallery::Lru;
use crate::order::{Condition, Op, TableQuery};
use crate::preview::{self, Cell, FileReport};
use leptos::ev;
use leptos::html::Div;
use leptos::prelude::*;
use std::sync::Arc;

/// Rows kept rendered (with their thumbnails' blob URLs).
const KEEP_ROWS: usize = 600;
/// Rows above and below the viewport that are read and in the DOM.
const OVERSCAN: usize = 4;
/// Height of a row, and of a row with a thumbnail.
const ROW_PX: f64 = 30.0;
const IMAGE_ROW_PX: f64 = 56.0;
/// Blob URLs made in one task before yielding to the page.
const BLOBS_PER_TASK: usize = 8;

/// One cell as shown.
#[derive(Clone, Debug, PartialEq)]
enum Shown {
    Text(Cell),
    /// A blob URL of the image's bytes.
    Image(String),
    ImageFailed(String),
    /// This file has no such column.
    Missing,
}

/// A row: its cells, or why it could not be read.
#[derive(Clone, Debug, PartialEq)]
enum RowData {
    Ready(Vec<Shown>),
    Failed(String),
}

fn release(rows: Vec<RowData>) {
    for r in rows {
        if let RowData::Ready(cells) = r {
            for c in cells {
                if let Shown::Image(url) = c {
                    let _ = web_sys::Url::revoke_object_url(&url);
                }
            }
        }
    }
}

/// Keep rows the engine read: image cells become blob URLs, a few per task.
fn keep(
    rows: Vec<(u64, Result<Vec<Got>, String>)>,
    cache: StoredValue<Lru<RowData>, LocalStorage>,
    version: RwSignal<u64>,
) {
    leptos::task::spawn_local(async move {
        let mut made = Vec::with_capacity(rows.len());
        let mut blobs = 0usize;
        for (row, got) in rows {
            let data = match got {
                Err(e) => RowData::Failed(e),
                Ok(cells) => {
                    let mut out = Vec::with_capacity(cells.len());
                    for c in cells {
                        out.push(match c {
                            Got::Text(t) => Shown::Text(t),
                            Got::Missing => Shown::Missing,
                            Got::Image(Err(e)) => Shown::ImageFailed(e),
                            Got::Image(Ok(b)) => {
                                blobs += 1;
                                if blobs.is_multiple_of(BLOBS_PER_TASK) {
                                    crate::web::sleep_ms(0).await;
                                }
                                match super::shown::blob_url(&b.0) {
                                    Ok(url) => Shown::Image(url),
                                    Err(e) => Shown::ImageFailed(e),
                                }
                            }
                        });
                    }
                    RowData::Ready(out)
                }
            };
            made.push((row, data));
        }
        cache.update_value(|c| {
            for (row, r) in made {
                release(c.insert(row, r));
            }
        });
        version.update(|v| *v += 1);
    });
}

/// The table view.
#[component]
pub fn TablePanel() -> impl IntoView {
    let state = expect_context::<AppState>();
    let open = RwSignal::new(false);
    let columns = state.table_columns;
    // header statistics line of each column, once the statistics footer is read
    let stats = state.table_stats;
    let cache = StoredValue::new_local(Lru::<RowData>::new(KEEP_ROWS));
    let version = RwSignal::new(0u64);
    let replan = RwSignal::new(0u64);
    let error = RwSignal::new(None::<String>);
    let live = RwSignal::new(0usize);
    super::client::on_rows(std::rc::Rc::new(move |rows, now, err| {
        live.set(now);
        if let Some(e) = err {
            error.set(Some(e));
        }
        if !rows.is_empty() {
            keep(rows, cache, version);
        }
    }));
    let from_scroll = StoredValue::new(false);
    let scrolling = StoredValue::new(false);
    let settle = StoredValue::new_local(None::<TimeoutHandle>);
    let scroll_ref = NodeRef::<Div>::new();
    // (scroll top, viewport height, header height)
    let viewport = RwSignal::new((0.0f64, 420.0f64, 0.0f64));
    let measure = move || {
        let _span = crate::web::timing::Span::new("table measure");
        // closed, it has nothing laid out to measure (and reading it would force a layout)
        if !open.get_untracked() {
            return;
        }
        if let Some(el) = scroll_ref.get_untracked() {
            let head = el
                .query_selector("thead")
                .ok()
                .flatten()
                .map_or(0.0, |h| h.client_height() as f64);
            let now = (el.scroll_top() as f64, el.client_height() as f64, head);
            if viewport.get_untracked() != now {
                viewport.set(now);
            }
        }
    };
    let on_resize = window_event_listener(ev::resize, move |_| measure());
    on_cleanup(move || on_resize.remove());

    let opened = Memo::new(move |_| state.opened.get().map(|o| o.table_rows));
    // sorted and filtered as the address says (the table opens to show it)
    let query_error = RwSignal::new(None::<String>);
    match TableQuery::parse(
        crate::web::query_param("sort").as_deref(),
        crate::web::query_param("where").as_deref(),
    ) {
        Ok(q) => {
            if !q.is_plain() {
                open.set(true);
            }
            state.table_query.set(q);
        }
        Err(e) => query_error.set(Some(format!("{e}: the table is shown as stored"))),
    }
    let order = state.table_order;
    let sent = StoredValue::new(None::<TableQuery>);
    Effect::new(move |_| {
        let q = state.table_query.get();
        if !open.get() || !matches!(columns.get(), Some(Ok(_))) {
            return;
        }
        if sent.get_value().as_ref() == Some(&q) || (sent.get_value().is_none() && q.is_plain()) {
            return;
        }
        sent.set_value(Some(q.clone()));
        let (sort, conditions) = q.to_params();
        crate::web::set_query_param("sort", sort.as_deref(), false);
        crate::web::set_query_param("where", conditions.as_deref(), false);
        order.set(if q.is_plain() {
            OrderView::Plain
        } else {
            OrderView::Working
        });
        super::client::send(crate::engine::protocol::Request::TableOrder(q));
        if let Some(el) = scroll_ref.get_untracked() {
            el.set_scroll_top(0);
        }
    });
    // the columns: from the dataset's first footer when it was read at open, else from
    // the engine once the table is opened
    Effect::new(move |_| {
        let Some(o) = state.opened.get() else { return };
        if columns.get_untracked().is_none()
            && let Some(c) = o.columns.clone()
        {
            columns.set(Some(c));
            request_animation_frame(measure);
        }
    });
    // a table without votes opens at once
    let auto_opened = StoredValue::new(false);
    Effect::new(move |_| {
        if let Some(Ok(c)) = columns.get()
            && !c.votes
            && !auto_opened.get_value()
        {
            auto_opened.set_value(true);
            open.set(true);
            request_animation_frame(measure);
        }
    });
    // opened: its columns (if their footer was left for later) and header statistics
    let asked = StoredValue::new(false);
    Effect::new(move |_| {
        if !open.get() || asked.get_value() || state.opened.get().is_none() {
            return;
        }
        asked.set_value(true);
        if stats.get_untracked().is_none() {
            stats.set(Some(Ok(Vec::new())));
        }
        super::client::send(crate::engine::protocol::Request::TableOpened);
    });

    let row_px = Memo::new(move |_| match columns.get() {
        Some(Ok(c)) if c.image.is_some() => IMAGE_ROW_PX,
        _ => ROW_PX,
    });
    let total = Memo::new(move |_| {
        if !matches!(columns.get(), Some(Ok(_))) {
            return 0;
        }
        match order.get() {
            OrderView::Ready(rows) => rows.len(),
            _ => opened.get().unwrap_or(0) as usize,
        }
    });
    // the row at a position of the table as shown
    let row_at = move |p: usize| -> u64 {
        order.with_untracked(|o| match o {
            OrderView::Ready(rows) => rows.get(p).map_or(p as u64, |&r| r as u64),
            _ => p as u64,
        })
    };
    // the rows near the viewport: the visible ones first, then those below and above
    let window = Memo::new(move |_| {
        if !open.get() {
            return 0..0;
        }
        let (top, h, head) = viewport.get();
        preview::row_window(total.get(), top - head, h, row_px.get(), 0)
    });
    let wanted = Memo::new(move |_| {
        let inner = window.get();
        if inner.is_empty() {
            return Vec::new();
        }
        let n = total.get();
        let outer = inner.start.saturating_sub(OVERSCAN)..(inner.end + OVERSCAN).min(n);
        order.track();
        inner
            .clone()
            .chain(inner.end..outer.end)
            .chain((outer.start..inner.start).rev())
            .map(row_at)
            .collect::<Vec<u64>>()
    });

    // the wanted rows the table does not hold yet, most wanted first
    let missing = move || -> Vec<u64> {
        cache.with_value(|c| {
            wanted
                .get_untracked()
                .into_iter()
                .filter(|&r| !c.contains(r))
                .collect()
        })
    };
    Effect::new(move |_| {
        let want = wanted.get();
        cache.update_value(|c| c.touch(&want));
        window::on_wanted(
            View::Table,
            missing(),
            from_scroll,
            scrolling,
            settle,
            replan,
        );
    });

    Effect::new(move |_| {
        replan.track();
        if scrolling.get_value() || !matches!(columns.get_untracked(), Some(Ok(_))) {
            return;
        }
        window::ask(View::Table, missing(), true);
    });

    on_cleanup(move || {
        cache.update_value(|c| release(c.drain()));
    });

    let progress = move || {
        version.track();
        let want = wanted.get();
        let shown = cache.with_value(|c| want.iter().filter(|&&r| c.contains(r)).count());
        (shown, want.len(), live.get())
    };
    let rows_in_dom = move || {
        let w = window.get();
        let n = total.get();
        if w.is_empty() {
            return (0, 0);
        }
        let lo = w.start.saturating_sub(OVERSCAN);
        let hi = (w.end + OVERSCAN).min(n);
        (lo, hi)
    };
    // the header cells exist only while the table is open: a gz_desi shard has ~400
    // columns, and their styles and layout (forced by the next measure) took 120 ms of
    // the page's thread while the map loaded, for a table nobody had opened
    let header = move || {
        if !open.get() {
            return Vec::new();
        }
        let Some(Ok(c)) = columns.get() else {
            return Vec::new();
        };
        let lines = match stats.get() {
            Some(Ok(v)) if !v.is_empty() => v.into_iter().map(Some).collect::<Vec<_>>(),
            _ => vec![None; c.names.len()],
        };
        c.names
            .iter()
            .zip(&c.types)
            .zip(lines)
            .map(|((n, t), s)| (n.clone(), t.clone(), s))
            .collect::<Vec<_>>()
    };

    let toggle_sort = move |col: String| {
        state.table_query.update(|q| {
            q.sort = match q.sort.take() {
                Some((c, false)) if c == col => Some((c, true)),
                Some((c, true)) if c == col => None,
                _ => Some((col, false)),
            };
        });
    };
    let sort_mark = move |col: String| match state.table_query.get().sort {
        Some((c, false)) if c == col => " ▲",
        Some((c, true)) if c == col => " ▼",
        _ => "",
    };
    let sort_state = move |col: String| {
        move || match state.table_query.get().sort {
            Some((c, false)) if c == col => "ascending",
            Some((c, true)) if c == col => "descending",
            _ => "none",
        }
    };
    view! {
        <section class="table-view" aria-labelledby="table-title" id="table-panel">
            <details prop:open=move || open.get() on:toggle=move |e| {
                let now = event_target::<web_sys::HtmlDetailsElement>(&e).open();
                if open.get_untracked() != now {
                    open.set(now);
                }
                request_animation_frame(measure);
            }>
                <summary><h2 id="table-title">"Rows"</h2>" "
                    {move || match (columns.get(), opened.get()) {
                        (Some(Ok(c)), Some(n)) => {
                            let matching = match order.get() {
                                OrderView::Ready(rows) if !state.table_query.get().conditions.is_empty() => Some(rows.len()),
                                _ => None,
                            };
                            view! {
                                <span id="table-count" class="muted" data-rows=n data-columns=c.names.len()
                                    data-matching=matching.map(|m| m.to_string())>
                                    {match matching {
                                        Some(m) => format!("{} of {} rows match × {} columns", super::shown::fmt_count(m), super::shown::fmt_count(n as usize), c.names.len()),
                                        None => format!("{} rows × {} columns", super::shown::fmt_count(n as usize), c.names.len()),
                                    }}
                                </span>
                            }.into_any()
                        }
                        (Some(Err(e)), _) => view! { <span id="table-failed" class="error" role="alert">{e}</span> }.into_any(),
                        _ => view! { <span class="loading"><span class="spinner" aria-hidden="true"></span>"Opening…"</span> }.into_any(),
                    }}
                </summary>
                <div class="table-status">
                    {move || {
                        let (shown, want, live) = progress();
                        (want > 0).then(|| view! {
                            <span id="table-progress" class="muted" data-shown=shown data-wanted=want data-batches=live>
                                {if shown < want { format!("rows {shown} of {want} read, {live} reads") } else { format!("{want} rows read") }}
                            </span>
                        })
                    }}
                    {move || match stats.get() {
                        Some(Ok(v)) if v.is_empty() => Some(view! { <span id="table-stats-loading" class="loading">" · reading column statistics…"</span> }.into_any()),
                        Some(Err(e)) => Some(view! { <span id="table-stats-error" class="error">{format!(" · column statistics could not be read: {e}")}</span> }.into_any()),
                        _ => None,
                    }}
                </div>
                {move || error.get().map(|e| view! { <p id="table-error" class="error" role="alert">{e}</p> })}
                {move || query_error.get().map(|e| view! { <p id="table-query-error" class="error" role="alert">{e}</p> })}
                <Conditions columns=columns/>
                {move || match order.get() {
                    OrderView::Working => Some(view! { <p id="table-order" data-state="working" class="loading"><span class="spinner" aria-hidden="true"></span>"Reading the columns to sort and filter by…"</p> }.into_any()),
                    OrderView::Failed(e) => Some(view! { <p id="table-order" data-state="failed" class="error" role="alert">{format!("The table could not be sorted or filtered: {e}")}</p> }.into_any()),
                    OrderView::Ready(rows) => Some(view! { <p id="table-order" data-state="ready" class="muted" data-rows=rows.len()>{describe(&state.table_query.get())}</p> }.into_any()),
                    OrderView::Plain => None,
                }}
                <div class="table-scroll" id="table-scroll" node_ref=scroll_ref tabindex="0"
                    aria-label="Rows of the table; scroll with the arrow keys"
                    on:scroll=move |_| {
                        from_scroll.set_value(true);
                        measure();
                    }>
                    <table id="table-grid" aria-describedby="table-title">
                        <thead>
                            <tr>
                                <th scope="col" class="rownum">"row"</th>
                                <For each=header key=|h| h.clone() children=move |h| {
                                    let (name, for_click, for_mark) = (h.0.clone(), h.0.clone(), h.0.clone());
                                    let stats = h.2.clone().unwrap_or_default();
                                    let stats_attr = stats.clone();
                                    view! {
                                        <th scope="col" data-column=h.0.clone() aria-sort=sort_state(h.0.clone())>
                                            <button type="button" class="col-name sort" title="sort by this column (again: descending, again: as stored)"
                                                on:click=move |_| toggle_sort(for_click.clone())>
                                                {name}{move || sort_mark(for_mark.clone())}
                                            </button>
                                            <span class="col-type">{h.1.clone()}</span>
                                            <span class="col-stats" data-stats=stats_attr>{stats}</span>
                                        </th>
                                    }
                                }/>
                            </tr>
                        </thead>
                        <tbody>
                            <tr class="spacer" aria-hidden="true" style:height=move || format!("{}px", rows_in_dom().0 as f64 * row_px.get())></tr>
                            <For each=move || { order.track(); let (lo, hi) = rows_in_dom(); (lo..hi).map(row_at).collect::<Vec<_>>() } key=|r| *r let:row>
                                <TableRow row=row cache=cache version=version columns=columns row_px=row_px/>
                            </For>
                            <tr class="spacer" aria-hidden="true" style:height=move || { let (_, hi) = rows_in_dom(); format!("{}px", total.get().saturating_sub(hi) as f64 * row_px.get()) }></tr>
                        </tbody>
                    </table>
                </div>
            </details>
        </section>
    }
}

#[component]
fn TableRow(
    row: u64,
    cache: StoredValue<Lru<RowData>, LocalStorage>,
    version: RwSignal<u64>,
    columns: RwSignal<Option<Result<Columns, String>>>,
    row_px: Memo<f64>,
) -> impl IntoView {
    let data = Memo::new(move |_| {
        version.track();
        cache.with_value(|c| c.peek(row).cloned())
    });
    let names = move || match columns.get() {
        Some(Ok(c)) => c.names.clone(),
        _ => Vec::new(),
    };
    let width = move || names().len().max(1);
    // a row of a table of images is a galaxy: a click or Enter opens it
    let state = expect_context::<AppState>();
    let opens = move || matches!(columns.get(), Some(Ok(c)) if c.image.is_some());
    let open_it = move || {
        if !opens() {
            return;
        }
        super::client::go_to(state, row, true);
        if let Some(panel) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id("galaxy-panel"))
        {
            panel.scroll_into_view();
        }
    };
    view! {
        <tr class="row" data-row=row style:height=move || format!("{}px", row_px.get())
            tabindex=move || opens().then_some("0")
            title=move || opens().then(|| format!("open row {row} (click or Enter)"))
            on:click=move |_| open_it()
            on:keydown=move |e| {
                if e.key() == "Enter" {
                    e.prevent_default();
                    open_it();
                }
            }
            data-state=move || match data.get() { Some(RowData::Ready(_)) => "ready", Some(RowData::Failed(_)) => "failed", None => "loading" }>
            <th scope="row" class="rownum">{row}</th>
            {move || match data.get() {
                Some(RowData::Ready(cells)) => names().into_iter().zip(cells).map(|(col, c)| match c {
                    Shown::Text(cell) => view! {
                        <td data-col=col data-kind=cell.kind.as_str() title=cell.full.clone()>{cell.text}</td>
                    }.into_any(),
                    Shown::Image(url) => view! {
                        <td data-col=col.clone() data-kind="image"><img src=url alt=format!("{col} of row {row}") decoding="async" draggable="false"/></td>
                    }.into_any(),
                    Shown::ImageFailed(e) => {
                        let why = e.clone();
                        view! { <td data-col=col data-kind="image-failed" class="error" title=why>"✕ "{e}</td> }.into_any()
                    }
                    Shown::Missing => view! { <td data-col=col data-kind="missing" class="muted">"(not in this file)"</td> }.into_any(),
                }).collect_view().into_any(),
                Some(RowData::Failed(e)) => {
                    view! { <td colspan=width() class="error" data-kind="failed">"✕ "{e}</td> }.into_any()
                }
                None => view! { <td colspan=width() class="loading" data-kind="loading">"…"</td> }.into_any(),
            }}
        </tr>
    }
}

/// The schema and file panel: one file's footer, read with statistics when opened.
#[component]
pub fn SchemaPanel() -> impl IntoView {
    let state = expect_context::<AppState>();
    let open = RwSignal::new(false);
    let file = RwSignal::new(None::<usize>);
    let report = state.schema;
    let opened = Memo::new(move |_| state.opened.get().map(|o| o.table_files.clone()));
    let choices = move || {
        let files = opened.get().unwrap_or_default();
        let names = state.files.get();
        files
            .iter()
            .map(|&i| {
                let name = names
                    .get(i)
                    .map(|f| f.url.rsplit('/').next().unwrap_or(&f.url).to_string())
                    .unwrap_or_else(|| "?".into());
                (i, name)
            })
            .collect::<Vec<_>>()
    };
    Effect::new(move |_| {
        if !open.get() {
            return;
        }
        let files = opened.get().unwrap_or_default();
        let want = file.get().or_else(|| files.first().copied());
        let Some(i) = want else { return };
        if report.with_untracked(|r| r.as_ref().is_some_and(|(f, _)| *f == i)) {
            return;
        }
        report.set(None);
        super::client::send(crate::engine::protocol::Request::Schema { file: i });
    });
    let bytes = |n: u64| crate::io::format_bytes(n);
    view! {
        <section class="schema-view" aria-labelledby="schema-title" id="schema-panel">
            <details prop:open=move || open.get() on:toggle=move |e| {
                let now = event_target::<web_sys::HtmlDetailsElement>(&e).open();
                if open.get_untracked() != now {
                    open.set(now);
                }
            }>
                <summary><h2 id="schema-title">"Schema and file"</h2></summary>
                {move || (choices().len() > 1).then(|| view! {
                    <label>"File "
                        <select id="schema-file" on:change=move |e| file.set(event_target_value(&e).parse().ok())>
                            {choices().into_iter().map(|(i, name)| view! { <option value=i.to_string()>{name}</option> }).collect_view()}
                        </select>
                    </label>
                })}
                {move || match report.get() {
                    None if open.get() => view! { <p class="loading" id="schema-loading"><span class="spinner" aria-hidden="true"></span>"Reading the footer with its statistics…"</p> }.into_any(),
                    None => ().into_any(),
                    Some((_, Err(e))) => view! { <p class="error" id="schema-error" role="alert">{format!("The footer could not be read: {e}")}</p> }.into_any(),
                    Some((_, Ok(r))) => view! { <Report r=r bytes=bytes/> }.into_any(),
                }}
            </details>
        </section>
    }
}

#[component]
fn Report(r: Arc<FileReport>, bytes: fn(u64) -> String) -> impl IntoView {
    let rg_total = r.row_groups.len();
    const SHOWN_GROUPS: usize = 200;
    view! {
        <dl id="schema-file-facts">
            <dt>"Rows"</dt><dd id="schema-rows">{r.rows}</dd>
            <dt>"Row groups"</dt><dd id="schema-row-groups">{rg_total}</dd>
            <dt>"Format version"</dt><dd>{r.version}</dd>
            <dt>"Written by"</dt><dd>{r.created_by.clone().unwrap_or_else(|| "(not said)".into())}</dd>
            <dt>"Offset index"</dt><dd id="schema-offset-index">{r.offset_index.to_string()}</dd>
            <dt>"Column index"</dt><dd id="schema-column-index">{r.column_index.to_string()}</dd>
        </dl>
        <h3>"Columns"</h3>
        <div class="schema-scroll">
            <table id="schema-columns">
                <thead><tr>
                    <th scope="col">"column"</th><th scope="col">"physical"</th><th scope="col">"logical"</th>
                    <th scope="col">"compression"</th><th scope="col">"encodings"</th>
                    <th scope="col">"compressed"</th><th scope="col">"uncompressed"</th>
                    <th scope="col">"nulls"</th><th scope="col">"min"</th><th scope="col">"max"</th>
                </tr></thead>
                <tbody>
                    {r.leaves.iter().map(|l| view! {
                        <tr data-leaf=l.path.clone()>
                            <th scope="row">{l.path.clone()}</th>
                            <td>{l.physical.clone()}</td>
                            <td>{l.logical.clone()}</td>
                            <td>{l.compression.clone()}</td>
                            <td>{l.encodings.clone()}</td>
                            <td>{bytes(l.compressed)}</td>
                            <td>{bytes(l.uncompressed)}</td>
                            <td data-nulls=l.stats.nulls.map(|n| n.to_string()).unwrap_or_default()>{l.stats.nulls.map_or("—".to_string(), |n| n.to_string())}</td>
                            <td class="stat-min">{l.stats.min.clone().unwrap_or_else(|| "—".into())}</td>
                            <td class="stat-max">{l.stats.max.clone().unwrap_or_else(|| "—".into())}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
        <h3>"Row groups"</h3>
        <div class="schema-scroll">
            <table id="schema-groups">
                <thead><tr><th scope="col">"#"</th><th scope="col">"rows"</th><th scope="col">"compressed"</th><th scope="col">"uncompressed"</th></tr></thead>
                <tbody>
                    {r.row_groups.iter().take(SHOWN_GROUPS).enumerate().map(|(i, g)| view! {
                        <tr><th scope="row">{i}</th><td>{g.rows}</td><td>{bytes(g.compressed)}</td><td>{bytes(g.uncompressed)}</td></tr>
                    }).collect_view()}
                </tbody>
            </table>
            {(rg_total > SHOWN_GROUPS).then(|| view! { <p class="muted">{format!("… and {} more row groups", rg_total - SHOWN_GROUPS)}</p> })}
        </div>
        <h3>"Key-value metadata"</h3>
        {if r.metadata.is_empty() {
            view! { <p class="muted" id="schema-no-metadata">"This file has no key-value metadata."</p> }.into_any()
        } else {
            r.metadata.iter().map(|(k, v)| view! {
                <details class="kv" data-key=k.clone()>
                    <summary>{k.clone()}</summary>
                    <pre tabindex="0" aria-label=k.clone()>{v.clone()}</pre>
                </details>
            }).collect_view().into_any()
        }}
    }
}

/// What the table's order is, in words.
fn describe(q: &TableQuery) -> String {
    let mut parts = Vec::new();
    if let Some((c, desc)) = &q.sort {
        parts.push(format!(
            "sorted by {c}, {} (empty cells last)",
            if *desc {
                "largest first"
            } else {
                "smallest first"
            }
        ));
    }
    if !q.conditions.is_empty() {
        let list: Vec<String> = q
            .conditions
            .iter()
            .map(|c| format!("{} {} {}", c.column, c.op.label(), c.value))
            .collect();
        parts.push(format!("rows where {}", list.join(" and ")));
    }
    parts.join("; ")
}

/// The table's conditions: one per line (column, comparison, value), combined with AND.
#[component]
fn Conditions(
    columns: RwSignal<Option<Result<crate::engine::protocol::Columns, String>>>,
) -> impl IntoView {
    let state = expect_context::<AppState>();
    let column = RwSignal::new(String::new());
    let op = RwSignal::new(Op::Eq);
    let value = RwSignal::new(String::new());
    let names = move || match columns.get() {
        Some(Ok(c)) => c.names.clone(),
        _ => Vec::new(),
    };
    let add = move |e: leptos::ev::SubmitEvent| {
        e.prevent_default();
        let col = match column.get_untracked() {
            c if c.is_empty() => names().into_iter().next().unwrap_or_default(),
            c => c,
        };
        if col.is_empty() {
            return;
        }
        let cond = Condition {
            column: col,
            op: op.get_untracked(),
            value: value.get_untracked(),
        };
        state.table_query.update(|q| q.conditions.push(cond));
        value.set(String::new());
    };
    view! {
        <form id="table-where" class="table-where" on:submit=add aria-label="Show only rows where">
            <span class="muted">"Rows where "</span>
            <select id="where-column" aria-label="column" on:change=move |e| column.set(event_target_value(&e))>
                {move || names().into_iter().map(|n| { let label = n.clone(); view! { <option value=n>{label}</option> } }).collect_view()}
            </select>
            <select id="where-op" aria-label="comparison" on:change=move |e| {
                let v = event_target_value(&e);
                op.set(Op::ALL.into_iter().find(|o| o.label() == v).unwrap_or(Op::Eq));
            }>
                {Op::ALL.into_iter().map(|o| view! { <option value=o.label()>{o.label()}</option> }).collect_view()}
            </select>
            <input id="where-value" type="text" aria-label="value" prop:value=move || value.get()
                on:input=move |e| value.set(event_target_value(&e))/>
            <button id="where-add" type="submit">"Add"</button>
            <ul id="where-list" data-count=move || state.table_query.get().conditions.len()>
                {move || state.table_query.get().conditions.into_iter().enumerate().map(|(i, c)| view! {
                    <li>{format!("{} {} {}", c.column, c.op.label(), c.value)}" "
                        <button type="button" class="where-remove" aria-label=format!("remove the condition on {}", c.column)
                            on:click=move |_| state.table_query.update(|q| { if i < q.conditions.len() { q.conditions.remove(i); } })>"×"</button>
                    </li>
                }).collect_view()}
            </ul>
        </form>
    }
}
