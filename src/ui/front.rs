//! The front door: a field that opens any parquet or manifest URL, HuggingFace dataset id
//! or HuggingFace dataset URL (Enter writes the address as a new history entry and opens
//! it), the datasets opened before (kept in `localStorage`, clearable) and two examples.

use super::state::AppState;
use crate::dataset::HF_HUB;
use crate::entry::{self, Recent, RecentEntry};
use crate::io::WebUrl;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// Where the recent datasets are kept in `localStorage`.
const RECENT_KEY: &str = "gzv-recent";
/// Parameters of the address a new dataset keeps (a mirror's listing hosts, the theme).
const CARRIED: &[&str] = &["hub", "datasets_server", "theme", "embed"];
/// The examples: (label, parameter, value); an empty parameter opens the embedded sample.
const EXAMPLES: &[(&str, &str, &str)] = &[
    (
        "The embedded sample (Galaxy Zoo DESI, 1,000 galaxies)",
        "",
        "",
    ),
    (
        "Galaxy Zoo DESI on HuggingFace (mwalmsley/gz_desi, 400,000 galaxies)",
        "dataset",
        "mwalmsley/gz_desi",
    ),
];

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

fn load_recent() -> Recent {
    storage()
        .and_then(|s| s.get_item(RECENT_KEY).ok().flatten())
        .map(|t| Recent::parse(&t))
        .unwrap_or_default()
}

fn save_recent(r: &Recent) {
    if let Some(s) = storage() {
        let _ = if r.0.is_empty() {
            s.remove_item(RECENT_KEY)
        } else {
            s.set_item(RECENT_KEY, &r.to_text())
        };
    }
}

/// The page's address opening `param=value` (none: the embedded sample), keeping only
/// the parameters every dataset shares.
pub fn address_for(param: &str, value: &str) -> Option<String> {
    let href = web_sys::window()?.location().href().ok()?;
    let url = web_sys::Url::new(&href).ok()?;
    let old = url.search_params();
    let new = web_sys::UrlSearchParams::new().ok()?;
    for keep in CARRIED {
        if let Some(v) = old.get(keep).filter(|v| !v.is_empty()) {
            new.set(keep, &v);
        }
    }
    if !param.is_empty() {
        new.set(param, value);
    }
    let search: String = new.to_string().into();
    url.set_search(&search);
    url.set_hash("");
    Some(url.href())
}

/// What the address opened, as a recent entry's (parameter, value): `dataset`, or `url`
/// made absolute; the embedded sample is an example, not a recent one.
fn opened_from_address() -> Option<(String, String)> {
    if let Some(id) = crate::web::query_param("dataset") {
        return Some(("dataset".into(), id));
    }
    let raw = crate::web::query_param("url")?;
    let url = crate::web::page_url().ok()?.join(&raw).ok()?;
    Some(("url".into(), url.as_str().to_string()))
}

/// Open an entry: a new history entry, and the page loads it.
fn open(text: &str) -> Result<(), String> {
    let page = crate::web::page_url().map_err(|e| e.to_string())?;
    let hub = crate::web::query_param("hub").unwrap_or_else(|| HF_HUB.to_string());
    let hub = WebUrl::parse(&hub).map_err(|e| format!("?hub= {e}"))?;
    let opening = entry::parse(text, &page, &hub)?;
    let (param, value) = opening.param();
    let address = address_for(param, value).ok_or("this page cannot change its address")?;
    let window = web_sys::window().ok_or("no window")?;
    window
        .location()
        .assign(&address)
        .map_err(|e| format!("the browser refused to open {address} ({e:?})"))
}

/// The open field, the examples and the recent datasets.
#[component]
pub fn OpenField() -> impl IntoView {
    let state = expect_context::<AppState>();
    let text = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let recent = RwSignal::new(load_recent());
    // a dataset that showed something is remembered (the title once it is known); one
    // that failed is not worth a second try from the list
    Effect::new(move |_| {
        let shown = matches!(
            state.galaxy.get(),
            super::state::GalaxyView::Ready(_) | super::state::GalaxyView::NoImages
        );
        let opened = shown && state.opened.get().is_some() && state.fatal.get().is_none();
        let title = state.title.get();
        if !opened {
            return;
        }
        if let Some((param, value)) = opened_from_address() {
            let label = title.unwrap_or_else(|| state.source.get_untracked());
            let mut r = load_recent();
            r.add(RecentEntry {
                param,
                value,
                label,
            });
            save_recent(&r);
            recent.set(r);
        }
    });
    let submit = move |e: leptos::ev::SubmitEvent| {
        e.prevent_default();
        match open(&text.get_untracked()) {
            Ok(()) => error.set(None),
            Err(why) => error.set(Some(why)),
        }
    };
    // files of this computer: a picker (files or a folder) or a drop anywhere on the page
    let take = move |files: Vec<(web_sys::File, String)>, what: &str| {
        let n = files.len();
        let parquet: Vec<_> = files
            .into_iter()
            .filter(|(_, name)| super::local::is_parquet(name))
            .collect();
        if parquet.is_empty() {
            error.set(Some(format!(
                "no .parquet file among the {n} file{} {what}",
                if n == 1 { "" } else { "s" }
            )));
            return;
        }
        error.set(None);
        super::app::open_local(parquet);
    };
    let picked = move |e: leptos::ev::Event, what: &'static str| {
        let Some(input) = e
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        let files = input.files().map(|l| super::local::of_list(&l));
        // the same choice again is a change too
        input.set_value("");
        if let Some(files) = files {
            take(files, what);
        }
    };
    let files_input = NodeRef::<leptos::html::Input>::new();
    let folder_input = NodeRef::<leptos::html::Input>::new();
    let root = || {
        web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.document_element())
    };
    let over = window_event_listener(leptos::ev::dragover, move |e| {
        e.prevent_default();
        if let Some(r) = root() {
            let _ = r.set_attribute("data-dropping", "");
        }
    });
    let left = window_event_listener(leptos::ev::dragleave, move |e| {
        // only when leaving the window (not moving between elements)
        if e.related_target().is_none()
            && let Some(r) = root()
        {
            let _ = r.remove_attribute("data-dropping");
        }
    });
    let drop = window_event_listener(leptos::ev::drop, move |e| {
        e.prevent_default();
        if let Some(r) = root() {
            let _ = r.remove_attribute("data-dropping");
        }
        let Some(dt) = e.data_transfer() else {
            return;
        };
        let dropped = super::local::dropped(&dt);
        leptos::task::spawn_local(async move {
            match super::local::of_drop(dropped).await {
                Ok(files) => take(files, "dropped"),
                Err(why) => error.set(Some(why)),
            }
        });
    });
    on_cleanup(move || {
        over.remove();
        left.remove();
        drop.remove();
    });
    let clear = move |_| {
        save_recent(&Recent::default());
        recent.set(Recent::default());
    };
    view! {
        <form id="open-form" class="open" role="search" aria-label="Open a dataset" on:submit=submit>
            <input id="open-input" type="text" list="open-suggestions" autocomplete="off"
                spellcheck="false" size="40"
                placeholder="parquet or manifest URL, owner/name, or a HuggingFace link"
                aria-label="Open a parquet URL, a manifest URL, a HuggingFace dataset id or URL"
                aria-describedby="open-error"
                prop:value=move || text.get()
                on:input=move |e| text.set(event_target_value(&e))/>
            <button id="open-go" type="submit">"Open"</button>
            <button type="button" id="open-files-button" title="Parquet files on this computer: read where they are, never uploaded (or drop them on the page)"
                on:click=move |_| { if let Some(i) = files_input.get() { i.click() } }>"Open files…"</button>
            <button type="button" id="open-folder-button" title="A folder of parquet shards on this computer (or drop it on the page)"
                on:click=move |_| { if let Some(i) = folder_input.get() { i.click() } }>"Open a folder…"</button>
            <input type="file" id="open-files" multiple accept=".parquet" hidden node_ref=files_input
                on:change=move |e| picked(e, "chosen")/>
            <input type="file" id="open-folder" prop:webkitdirectory=true hidden node_ref=folder_input
                on:change=move |e| picked(e, "in the folder")/>
            <datalist id="open-suggestions">
                {move || recent.get().0.into_iter().map(|e| view! { <option value=e.value>{e.label}</option> }).collect_view()}
                <option value="mwalmsley/gz_desi">"Galaxy Zoo DESI on HuggingFace"</option>
            </datalist>
            <details id="recent" class="recent">
                <summary>"Examples and recent"</summary>
                <ul id="examples">
                    {EXAMPLES.iter().map(|(label, param, value)| {
                        let href = address_for(param, value).unwrap_or_default();
                        view! { <li><a href=href>{*label}</a></li> }
                    }).collect_view()}
                </ul>
                <p class="muted">"Opened before in this browser:"</p>
                <ul id="recent-list" data-count=move || recent.get().0.len().to_string()>
                    {move || {
                        let r = recent.get();
                        if r.0.is_empty() {
                            return view! { <li class="muted">"nothing yet"</li> }.into_any();
                        }
                        r.0.into_iter().map(|e| {
                            let href = address_for(&e.param, &e.value).unwrap_or_default();
                            view! { <li><a href=href>{e.label}</a>" "<span class="muted">{e.value}</span></li> }
                        }).collect_view().into_any()
                    }}
                </ul>
                <button type="button" id="recent-clear" disabled=move || recent.get().0.is_empty()
                    on:click=clear>"Forget these"</button>
            </details>
            {move || error.get().map(|e| view! { <p id="open-error" class="error" role="alert">{e}</p> })}
        </form>
    }
}
