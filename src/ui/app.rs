//! The page: header, status, dataset summary, galaxy.

use super::galaxy::GalaxyPanel;
use super::load::{DEFAULT_DATASET, open};
use super::state::AppState;
use super::status::StatusBar;
use super::summary::SummaryPanel;
use crate::web;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// Root component: opens `?url=` (or the embedded sample) once mounted.
#[component]
pub fn App() -> impl IntoView {
    let state = AppState::new();
    provide_context(state);
    let target = web::query_param("url").unwrap_or_else(|| DEFAULT_DATASET.to_string());
    spawn_local(open(state, web::absolute_url(&target)));
    view! {
        <header class="top">
            <h1>"GZ Viewer"</h1>
            <p class="source">
                {move || state.title.get().unwrap_or_else(|| "Dataset".into())} ": "
                <a href=move || state.source.get() id="source-url">{move || state.source.get()}</a>
            </p>
        </header>
        <main>
            <StatusBar/>
            <div class="panels">
                <GalaxyPanel/>
                <SummaryPanel/>
            </div>
        </main>
    }
}
