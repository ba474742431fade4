//! The page: header, status, dataset summary, galaxy.

use super::galaxy::GalaxyPanel;
use super::load::{DEFAULT_DATASET, Target, open};
use super::state::AppState;
use super::status::StatusBar;
use super::summary::SummaryPanel;
use crate::dataset::{self, HF_DATASETS_SERVER, HF_HUB};
use crate::web;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// Root component: opens `?url=` (or the embedded sample) once mounted.
#[component]
pub fn App() -> impl IntoView {
    let state = AppState::new();
    provide_context(state);
    let target = match web::query_param("dataset") {
        Some(id) if dataset::is_dataset_id(&id) => Target::HuggingFace {
            id,
            datasets_server: web::query_param("datasets_server")
                .unwrap_or_else(|| HF_DATASETS_SERVER.into()),
            hub: web::query_param("hub").unwrap_or_else(|| HF_HUB.into()),
        },
        Some(bad) => {
            state.fatal.set(Some(format!(
                "?dataset={bad} is not a HuggingFace dataset id (expected owner/name)"
            )));
            state.galaxy.set(super::state::GalaxyView::Failed(
                "no dataset to open".into(),
            ));
            return view! { <Page state=state/> }.into_any();
        }
        None => Target::Url(web::absolute_url(
            &web::query_param("url").unwrap_or_else(|| DEFAULT_DATASET.to_string()),
        )),
    };
    spawn_local(crate::web::timing::timed("open", open(state, target)));
    view! { <Page state=state/> }.into_any()
}

/// The page layout.
#[component]
fn Page(state: AppState) -> impl IntoView {
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
                <div class="side">
                    <super::sky::SkyPanel/>
                    <super::filter::FilterPanel/>
                    <SummaryPanel/>
                </div>
            </div>
        </main>
    }
}
