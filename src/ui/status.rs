//! Progress of slow work, whole-dataset failures, and what the network has cost.

use super::state::AppState;
use crate::io::format_bytes;
use leptos::prelude::*;

/// Progress bar, fatal error, network cost line.
#[component]
pub fn StatusBar() -> impl IntoView {
    let state = expect_context::<AppState>();
    let total_size = move || {
        state.files.with(|f| {
            let sizes: Vec<u64> = f.iter().filter_map(|r| r.size).collect();
            (sizes.len() == f.len() && !f.is_empty()).then(|| sizes.iter().sum::<u64>())
        })
    };
    view! {
        <section class="status" aria-live="polite" aria-label="Loading status">
            {move || state.progress.get().map(|p| view! {
                <div class="progress" id="progress">
                    <label>{format!("{} ({}/{})", p.label, p.done, p.total)}
                        <progress max=p.total value=p.done></progress>
                    </label>
                </div>
            })}
            {move || state.fatal.get().map(|e| view! {
                <div class="error" role="alert" id="fatal-error"><strong>"Could not open the dataset. "</strong>{e}</div>
            })}
            <p class="net" id="net" data-engine-memory=move || state.net.get().memory.to_string()
                data-disk-bytes=move || state.net.get().disk.bytes.to_string()
                data-disk-reads=move || state.net.get().disk.requests.to_string()
                data-http-requests=move || state.net.get().http.requests.to_string()>
                {move || {
                    let v = state.net.get();
                    let n = v.http;
                    let of = total_size().map(|t| format!(" of {}", format_bytes(t))).unwrap_or_default();
                    let d = v.disk;
                    let mut line = if d.requests > 0 && n.requests == 0 {
                        // files on this computer: nothing crosses the network
                        format!("From disk: read {}{of} in {} reads (never uploaded)", format_bytes(d.bytes), d.requests)
                    } else {
                        format!("Network: read {}{of} in {} requests", format_bytes(n.bytes), n.requests)
                    };
                    if d.requests > 0 && n.requests > 0 {
                        line.push_str(&format!("; from disk {} in {} reads", format_bytes(d.bytes), d.requests));
                    }
                    if v.cache_hits + v.joined > 0 {
                        line.push_str(&format!(", {} served from cache", v.cache_hits + v.joined));
                    }
                    if n.in_flight > 0 {
                        line.push_str(&format!(", {} in flight", n.in_flight));
                    }
                    if v.memory > 0 {
                        line.push_str(&format!("; engine memory {}", format_bytes(v.memory)));
                    }
                    line
                }}
            </p>
            <KeptLine/>
            <ShareLine/>
        </section>
    }
}

/// What the browser keeps for the next visit: how much, of what, and a button to drop it.
/// The panel stays in place as it updates (an open list stays open).
#[component]
fn KeptLine() -> impl IntoView {
    let state = expect_context::<AppState>();
    let clear =
        move |_| super::client::send(crate::engine::protocol::Request::Kept { clear: true });
    let kept = move || state.kept.get().unwrap_or_default();
    let summary = move || {
        let k = kept();
        let footers = k.items.iter().filter(|i| i.what == "footer").count();
        let maps = k.items.iter().filter(|i| i.what == "map").count();
        format!(
            "Kept in this browser for the next visit: {} of {} ({footers} footer{}, {maps} map{})",
            format_bytes(k.total),
            format_bytes(k.cap),
            if footers == 1 { "" } else { "s" },
            if maps == 1 { "" } else { "s" },
        )
    };
    view! {
        <details class="kept" id="kept" hidden=move || state.kept.with(Option::is_none)
            data-kept-bytes=move || kept().total.to_string()
            data-kept-items=move || kept().items.len().to_string()>
            <summary>
                {summary}
                {move || kept().failure.map(|f| view! {
                    <span class="kept-failed" id="kept-failed">
                        {format!(" This browser would not keep more ({f}): the next visit reads the files again.")}
                    </span>
                })}
            </summary>
            <ul>
                {move || kept().items.into_iter().map(|i| view! {
                    <li>{format!("{} · {} · {}", i.what, i.of, format_bytes(i.bytes))}</li>
                }).collect_view()}
            </ul>
            <button type="button" id="kept-clear" disabled=move || kept().items.is_empty() on:click=clear>
                "Clear what this browser keeps"
            </button>
        </details>
    }
}

/// Share the map a visit built without a catalog: `catalog.parquet` + `index.json`, the
/// files `gzv-catalog` makes, for a mirror to host beside (or pointing at) the shards.
#[component]
fn ShareLine() -> impl IntoView {
    use crate::engine::protocol::{PositionsView, Request};
    let state = expect_context::<AppState>();
    // files on this computer have no addresses a mirror's index could name
    let offered = move || {
        matches!(state.positions.get(), PositionsView::Ready { .. })
            && !state.sky_catalog.get()
            && state.source_link.get().is_some()
    };
    let build = move |_| {
        state.sharing.set(true);
        state.shared.set(None);
        super::client::send(Request::Catalog);
    };
    view! {
        <Show when=offered>
            <p class="share" id="share">
                "Share this map: "
                <button type="button" id="share-build" disabled=move || state.sharing.get() on:click=build>
                    {move || if state.sharing.get() { "Building the catalog…" } else { "Build catalog.parquet + index.json" }}
                </button>
                {move || match state.shared.get() {
                    Some(Ok(c)) => view! {
                        " "<a id="share-parquet" href=c.parquet_url.clone() download="catalog.parquet" data-rows=c.rows.to_string()>
                            {format!("catalog.parquet ({} rows, {})", c.rows, format_bytes(c.bytes))}
                        </a>" "
                        <a id="share-index" href=c.index_url.clone() download="index.json">"index.json"</a>
                        " (host both together: the map then opens from the catalog alone)"
                    }.into_any(),
                    Some(Err(e)) => view! { " "<span class="error" role="alert" id="share-error">{e}</span> }.into_any(),
                    None => ().into_any(),
                }}
            </p>
        </Show>
    }
}
