//! The page: header, status, dataset summary, galaxy.

use super::galaxy::GalaxyPanel;
use super::state::AppState;
use super::status::StatusBar;
use super::summary::SummaryPanel;
use crate::dataset::{self, HF_DATASETS_SERVER, HF_HUB};
use crate::engine::protocol::{Request, Target};
use crate::io::{UrlRefused, WebUrl};
use crate::web;
use leptos::prelude::*;

/// The dataset opened when the page has no `?url=`.
pub const DEFAULT_DATASET: &str = "sample/index.json";
/// Where a HuggingFace dataset's page is (shown as the source).
const HF_DATASET_PAGE: &str = "https://huggingface.co/datasets/";

thread_local! {
    /// Files of the visitor's disk to open next (the picker or a drop put them here).
    static LOCAL_FILES: std::cell::RefCell<Option<Vec<(web_sys::File, String)>>> =
        std::cell::RefCell::default();
    /// The page's session: a new one mounts a fresh app (new state, new engine).
    static SESSION: std::cell::Cell<Option<RwSignal<u32>>> = std::cell::Cell::default();
    /// The first app's state, its engine already asked by [`prepare`] (taken by [`App`]).
    static PREPARED: std::cell::Cell<Option<AppState>> = std::cell::Cell::default();
}

/// The page's first task: read the address and ask the engine, before anything is built
/// (the page is mounted from the next task). wasm is compiled lazily, on this thread, when
/// its code first runs: the engine's start and the first mount in one task made it the
/// longest before the first image (41 ms of script under the benchmark's load).
pub fn prepare() {
    // the engine's answers are applied in tasks on Leptos's executor, which the mount
    // would start: started now, so none is dropped (an error the worker already said)
    let _ = any_spawner::Executor::init_wasm_bindgen();
    let state = AppState::new();
    open(state, None);
    PREPARED.with(|p| p.set(Some(state)));
}

/// The parameters of the address that name the dataset (a change of them through
/// back/forward is another dataset).
fn dataset_in_address() -> [Option<String>; 3] {
    ["url", "dataset", "local"].map(web::query_param)
}

/// The page: an [`App`] per dataset opened in it. Opening files of the visitor's disk
/// starts a new one in place (a link cannot name them); back or forward to another
/// dataset's address loads that address.
#[component]
pub fn Root() -> impl IntoView {
    let session = RwSignal::new(0u32);
    SESSION.with(|s| s.set(Some(session)));
    let opened = StoredValue::new(dataset_in_address());
    let history = window_event_listener(leptos::ev::popstate, move |_| {
        if dataset_in_address() != opened.get_value()
            && let Some(w) = web_sys::window()
        {
            let _ = w.location().reload();
        }
    });
    on_cleanup(move || history.remove());
    move || {
        session.track();
        opened.set_value(dataset_in_address());
        view! { <App/> }
    }
}

/// Open files of the visitor's disk (with their names, a folder's relative paths): the
/// address says the data is local, and a fresh app and engine open them.
pub fn open_local(files: Vec<(web_sys::File, String)>) {
    let label = files
        .first()
        .map(|(_, n)| n.split('/').next().unwrap_or(n).to_string())
        .unwrap_or_default();
    if let Some(address) = super::front::address_for("local", &label)
        && let Some(history) = web_sys::window().and_then(|w| w.history().ok())
    {
        let _ = history.push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&address));
    }
    LOCAL_FILES.with(|l| *l.borrow_mut() = Some(files));
    // once the event that chose them has returned (the app it belongs to is replaced)
    set_timeout(
        || {
            super::client::stop();
            if let Some(session) = SESSION.with(|s| s.get()) {
                session.update(|n| *n += 1);
            }
        },
        std::time::Duration::ZERO,
    );
}

/// Root component: asks the engine for `?url=` (or the embedded sample) once mounted.
#[component]
pub fn App() -> impl IntoView {
    let local = LOCAL_FILES.with(|l| l.borrow_mut().take());
    // the engine is asked first (its answer is what the visitor waits for): by [`prepare`]
    // in the page's first task, or here for a new session (the visitor's files). Asked
    // after the page's first mount instead, the engine started later (the page's first
    // frame came before it), and so did the footer (17-64 ms later in the peers benchmark)
    let state = match (PREPARED.with(|p| p.take()), local) {
        (Some(state), None) => state,
        (_, local) => {
            let state = AppState::new();
            open(state, local);
            state
        }
    };
    provide_context(state);
    // the page is built in stages, from its title on (see [`Page`])
    view! { <Page state=state/> }.into_any()
}

/// Read what the address (or the visitor's files) asks to open, show it as the source, and
/// start the engine on it; or say why there is nothing to open.
fn open(state: AppState, local: Option<Vec<(web_sys::File, String)>>) {
    let (target, files) = match local {
        Some(files) => {
            let list = files
                .iter()
                .map(|(f, name)| crate::engine::protocol::LocalFile {
                    name: name.clone(),
                    size: f.size() as u64,
                })
                .collect();
            let blobs: Vec<web_sys::File> = files.into_iter().map(|(f, _)| f).collect();
            (Ok(Target::Local { files: list }), Some(blobs))
        }
        None => (target_from_address(), None),
    };
    match target {
        Ok(target) => {
            let (text, link) = match &target {
                Target::Url(u) => (u.to_string(), Some(u.clone())),
                Target::HuggingFace { id, .. } => {
                    let page = WebUrl::parse(&format!("{HF_DATASET_PAGE}{id}")).ok();
                    (format!("{HF_DATASET_PAGE}{id}"), page)
                }
                Target::Local { files } => {
                    let names: Vec<&str> = files.iter().map(|f| f.name.as_str()).collect();
                    let shown = if names.len() > 3 {
                        format!("{}, … ({} files)", names[..3].join(", "), names.len())
                    } else {
                        names.join(", ")
                    };
                    (shown, None)
                }
            };
            state.source.set(text);
            state.source_link.set(link);
            let row = web::query_param("row").and_then(|r| r.parse::<u64>().ok());
            let id = web::query_param("id");
            state.by_id.set_value(row.is_none() && id.is_some());
            state.row.set_value(row.unwrap_or(0));
            super::client::start(state);
            super::client::send_with(
                Request::Open {
                    target,
                    row,
                    id,
                    early: Vec::new(),
                },
                files.as_deref(),
            );
            // what this browser keeps for the next visit (a line under the network's)
            super::client::send(Request::Kept { clear: false });
        }
        Err(reason) => {
            state.source.set(reason.shown);
            state.fatal.set(Some(reason.message));
            state.galaxy.set(super::state::GalaxyView::Failed(
                "no dataset to open".into(),
            ));
        }
    }
}

/// Why the address names nothing that can be opened.
struct Unopenable {
    /// What the header shows as the source (as text).
    shown: String,
    message: String,
}

/// What the page's address asks to open: `?dataset=owner/name` (with optional
/// `?datasets_server=` and `?hub=` for mirrors and tests), `?url=` (relative to the page),
/// else the embedded sample. Every address passes the URL gate first.
fn target_from_address() -> Result<Target, Unopenable> {
    let refused = |param: &str, raw: &str, e: UrlRefused| Unopenable {
        shown: raw.to_string(),
        message: format!("?{param}= {e}"),
    };
    let gate = |param: &str, default: &str| -> Result<WebUrl, Unopenable> {
        let raw = web::query_param(param).unwrap_or_else(|| default.to_string());
        WebUrl::parse(&raw).map_err(|e| refused(param, &raw, e))
    };
    if let Some(local) = web::query_param("local") {
        return Err(Unopenable {
            shown: format!("{local} (on a visitor's computer)"),
            message: format!(
                "this address named files on a visitor's own computer ({}); a link cannot \
                 open them again: choose them with \"Open files…\" or drop them on this page",
                crate::io::weburl::quote(&local)
            ),
        });
    }
    if let Some(id) = web::query_param("dataset") {
        if !dataset::is_dataset_id(&id) {
            return Err(Unopenable {
                shown: id.clone(),
                message: format!(
                    "?dataset={} is not a HuggingFace dataset id (expected owner/name)",
                    crate::io::weburl::quote(&id)
                ),
            });
        }
        return Ok(Target::HuggingFace {
            id,
            datasets_server: gate("datasets_server", HF_DATASETS_SERVER)?,
            hub: gate("hub", HF_HUB)?,
        });
    }
    let page = web::page_url().map_err(|e| Unopenable {
        shown: String::new(),
        message: format!("this page's own address cannot be a base for datasets: {e}"),
    })?;
    let raw = web::query_param("url").unwrap_or_else(|| DEFAULT_DATASET.to_string());
    page.join(&raw)
        .map(Target::Url)
        .map_err(|e| refused("url", &raw, e))
}

/// The page's last building stage (see [`Page`]).
const LAST_STAGE: u8 = 9;

/// The page layout.
#[component]
fn Page(state: AppState) -> impl IntoView {
    let root = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element());
    let light = RwSignal::new(web::query_param("theme").as_deref() == Some("light"));
    if let Some(root) = &root
        && web::query_param("embed").as_deref() == Some("1")
    {
        let _ = root.set_attribute("data-embed", "");
    }
    Effect::new(move |_| {
        if let Some(root) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.document_element())
        {
            let _ = root.set_attribute("data-theme", if light.get() { "light" } else { "dark" });
        }
    });
    // the page is built in stages, each in a task of its own, so none holds the thread
    // long: first the title, then the status, the galaxy (what the visitor came for; its
    // panel alone took half of the first mount), the open field, the map, and the panels
    // one by one; each stage once the previous one has been laid out (a stage's code is
    // compiled when it first runs, on this thread: the first mount with the status and
    // the engine's start was 33-60 ms, mostly compilation)
    let stage = RwSignal::new(0u8);
    let next_stage = move || {
        web::after_next_frame(move || {
            const NAMES: [&str; LAST_STAGE as usize + 1] = [
                "stage 0", "stage 1", "stage 2", "stage 3", "stage 4", "stage 5", "stage 6",
                "stage 7", "stage 8", "stage 9",
            ];
            let next = stage.get_untracked().saturating_add(1).min(LAST_STAGE);
            // timed until the parts it built have run (they are queued before this task)
            let span = crate::web::timing::Span::new(NAMES[next as usize]);
            stage.set(next);
            leptos::task::spawn_local(async move { drop(span) });
        })
    };
    Effect::new(move |_| {
        let now = stage.get();
        if now < LAST_STAGE {
            next_stage();
        }
        if now == 3 {
            // the map's label font, in a task of its own before the map's first frame
            set_timeout(super::sky::warm_text, std::time::Duration::ZERO);
        }
    });
    let toggle = move |_| {
        let now = !light.get_untracked();
        light.set(now);
        web::set_query_param("theme", now.then_some("light"), false);
    };
    // the first mount is the title alone; the rest of the page (each stage's parts are
    // built when their stage comes) from stage 1
    view! {
        <header class="top">
            <h1>"GZ Viewer"</h1>
            <Show when=move || { stage.get() >= 1 }>
                <p class="source">
                    {move || state.title.get().unwrap_or_else(|| "Dataset".into())} ": "
                    {move || match state.source_link.get() {
                        Some(link) => view! { <a href=link.as_str().to_string() id="source-url">{state.source.get()}</a> }.into_any(),
                        None => view! { <span id="source-url" class="refused">{state.source.get()}</span> }.into_any(),
                    }}
                </p>
                <Show when=move || { stage.get() >= 3 }>
                    <super::front::OpenField/>
                    <div class="tools">
                        <button id="theme-toggle" aria-pressed=move || light.get().to_string() on:click=toggle>
                            {move || if light.get() { "Dark theme" } else { "Light theme" }}
                        </button>
                    </div>
                    <About state=state/>
                </Show>
            </Show>
        </header>
        <main>
            <Show when=move || { stage.get() >= 1 }>
                {move || state.engine_failed.get().map(|why| view! {
                    <p class="error" role="alert" id="engine-error">{why}" "
                        <button type="button" id="engine-retry" on:click=move |_| {
                            if let Some(w) = web_sys::window() {
                                let _ = w.location().reload();
                            }
                        }>"Try again"</button>
                    </p>
                })}
                <StatusBar/>
                <div class="panels">
                    <Show when=move || { stage.get() >= 2 }>
                        <GalaxyPanel/>
                    </Show>
                    <div class="side">
                        <Show when=move || { stage.get() >= 4 }>
                            <super::sky::SkyPanel/>
                        </Show>
                        <Show when=move || { stage.get() >= 5 }>
                            <super::filter::FilterPanel/>
                        </Show>
                        <Show when=move || { stage.get() >= 6 }>
                            <SummaryPanel/>
                        </Show>
                    </div>
                </div>
                <Show when=move || { stage.get() >= 7 }>
                    <super::gallery::GalleryPanel/>
                </Show>
                // the table and the schema, one stage each (together, with their menus of
                // every column, the last stage was the longest)
                <Show when=move || { stage.get() >= 8 }>
                    <super::table::TablePanel/>
                </Show>
                <Show when=move || { stage.get() >= LAST_STAGE }>
                    <super::table::SchemaPanel/>
                </Show>
            </Show>
        </main>
    }
}

/// What a visitor is looking at, in a few sentences: only for a table of Galaxy Zoo votes
/// (said of any other table, it would be untrue).
#[component]
fn About(state: AppState) -> impl IntoView {
    let galaxy_zoo = move || match state.galaxy.get() {
        super::state::GalaxyView::Ready(g) => !g.votes.is_empty(),
        super::state::GalaxyView::Waiting | super::state::GalaxyView::Loading(_) => true,
        super::state::GalaxyView::NoImages | super::state::GalaxyView::Failed(_) => false,
    };
    view! {
        <details id="about" hidden=move || !galaxy_zoo()>
            <summary>"What am I looking at?"</summary>
            <p>"Each picture is a galaxy photographed by a sky survey (for Galaxy Zoo DESI, the
               DESI Legacy Imaging Surveys, in three infrared-to-green filters shown as red,
               green and blue). Hundreds of thousands of
               such galaxies were shown to Galaxy Zoo volunteers, who answered a short chain of
               questions about each: is it smooth or does it have features like a disk? Is the
               disk seen edge-on? Does it have a bar, spiral arms, a bulge? Is it merging with
               another galaxy?"</p>
            <p>"The bars beside the picture are the volunteers' votes: the share of people who gave
               each answer, out of those who were asked. Questions further down the chain are
               only asked after certain answers, so \"not asked\" is shown as such, never as 0 %.
               A few people voted on most galaxies, many more on some, so small shares carry
               an uncertainty, shown as a range."</p>
            <p>"The map shows where every galaxy is on the sky (right ascension and declination, as
               on a star chart, east to the left). Colour it by an answer, filter by what
               volunteers said, and click a point to see that galaxy."</p>
        </details>
    }
}
