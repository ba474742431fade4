//! Previous / next / random galaxy, by button and by key, and back/forward through the
//! address bar's history.

use super::client::go_to;
use super::state::{AppState, GalaxyView};
use leptos::ev;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// The row shown or on its way (keys pressed quickly step from the last one asked for),
/// and the number of rows.
fn current(state: AppState) -> Option<(u64, u64)> {
    state
        .opened
        .get_untracked()
        .map(|o| (state.row.get_value(), o.rows))
}

fn step(state: AppState, delta: i64) {
    if let Some((row, rows)) = current(state)
        && rows > 0
    {
        let next = (row as i64 + delta).rem_euclid(rows as i64) as u64;
        go_to(state, next, true);
    }
}

fn random(state: AppState) {
    if let Some((row, rows)) = current(state)
        && rows > 1
    {
        // a different galaxy each time
        let pick = (js_sys::Math::random() * (rows - 1) as f64) as u64;
        go_to(state, if pick >= row { pick + 1 } else { pick }, true);
    }
}

/// Whether a key press belongs to a form control (or to a widget with keys of its own,
/// such as the sky map) rather than to navigation.
fn typing(e: &ev::KeyboardEvent) -> bool {
    e.target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .is_some_and(|el| {
            matches!(el.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT")
                || el.has_attribute("data-keys")
        })
}

/// Buttons, keys (← / p previous, → / n next, r random) and history.
#[component]
pub fn NavBar() -> impl IntoView {
    let state = expect_context::<AppState>();
    let keys = window_event_listener(ev::keydown, move |e| {
        if typing(&e) || e.ctrl_key() || e.meta_key() || e.alt_key() {
            return;
        }
        match e.key().as_str() {
            "ArrowLeft" | "p" => step(state, -1),
            "ArrowRight" | "n" => step(state, 1),
            "r" => random(state),
            _ => return,
        }
        e.prevent_default();
    });
    let history = window_event_listener(ev::popstate, move |_| {
        let by_id = crate::web::query_param("id").and_then(|id| {
            let store = state.sky.get_value()?;
            let s = store.borrow();
            let slot = s.slot_of_id(&id)?;
            s.row
                .get(slot)
                .filter(|&&r| r != u32::MAX)
                .map(|&r| r as u64)
        });
        let row = by_id
            .or_else(|| crate::web::query_param("row").and_then(|r| r.parse().ok()))
            .unwrap_or(0);
        // a step back through another part of the view (a filter) keeps the galaxy
        if row != state.row.get_value() {
            go_to(state, row, false);
        }
    });
    on_cleanup(move || {
        keys.remove();
        history.remove();
    });
    // read the signal first: a short-circuit before it would leave nothing to track
    let ready = move || {
        let shown = !matches!(state.galaxy.get(), GalaxyView::Waiting);
        shown && state.opened.get().is_some_and(|o| o.rows > 0)
    };
    view! {
        <nav class="galaxy-nav" aria-label="Galaxies">
            <button type="button" id="nav-prev" disabled=move || !ready() on:click=move |_| step(state, -1) aria-keyshortcuts="ArrowLeft p">"← Previous"</button>
            <button type="button" id="nav-random" disabled=move || !ready() on:click=move |_| random(state) aria-keyshortcuts="r">"Random"</button>
            <button type="button" id="nav-next" disabled=move || !ready() on:click=move |_| step(state, 1) aria-keyshortcuts="ArrowRight n">"Next →"</button>
            <span class="muted keys">"keys: ← → r"</span>
        </nav>
    }
}
