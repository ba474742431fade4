//! "Go to": a field above the sky map taking RA/Dec (degrees or sexagesimal), a Legacy
//! Surveys viewer link, an id or a row number. A position centres the map on a marker and
//! opens the nearest galaxy (or says how far the nearest is and offers it); an id or a
//! row opens that galaxy. Parsing and the nearest search are `sky::goto` and
//! `SkyPoints::nearest_any`, tested natively.

use super::client::go_to;
use super::state::{AppState, PositionsView};
use crate::sky::goto::{self, Goto, describe_angle};
use leptos::prelude::*;

/// Within this, the nearest galaxy is the one asked for (and opened at once).
const NEAR_DEG: f64 = 1.0 / 60.0;

/// What the last go-to found.
#[derive(Clone, Debug, PartialEq)]
enum Found {
    /// Done: what was opened.
    Opened(String),
    /// No galaxy close enough: the sentence, and the nearest galaxy's row to open.
    Far(String, u64),
    Failed(String),
}

/// " (N of M loaded so far)" while the map's positions still arrive.
fn so_far(state: AppState, loaded: usize, slots: usize) -> String {
    match state.positions.get_untracked() {
        PositionsView::Loading { .. } | PositionsView::NotStarted => {
            format!(" ({loaded} of {slots} galaxies loaded so far)")
        }
        _ => String::new(),
    }
}

fn find(state: AppState, text: &str) -> Found {
    let what = match goto::parse(text) {
        Ok(w) => w,
        Err(e) => return Found::Failed(e),
    };
    let rows = state.opened.get_untracked().map_or(0, |o| o.rows);
    let store = state.sky.get_value();
    match what {
        Goto::Row(row) => {
            if row >= rows {
                return Found::Failed(format!(
                    "row {row} is past the last row ({})",
                    rows.saturating_sub(1)
                ));
            }
            if let Some(store) = &store {
                let s = store.borrow();
                state.mark.set(
                    s.slot_of_row(row)
                        .filter(|&k| s.has_position(k))
                        .map(|k| (s.ra[k] as f64, s.dec[k] as f64)),
                );
            }
            go_to(state, row, true);
            Found::Opened(format!("row {row}"))
        }
        Goto::Id(id) => {
            let Some(store) = store else {
                return Found::Failed(format!(
                    "no galaxy has id {id:?}: this table has no map of ids to search"
                ));
            };
            let s = store.borrow();
            let found = s.slot_of_id(&id).and_then(|k| {
                let row = *s.row.get(k)?;
                (row != u32::MAX).then_some((k, row as u64))
            });
            match found {
                Some((k, row)) => {
                    state
                        .mark
                        .set(s.has_position(k).then(|| (s.ra[k] as f64, s.dec[k] as f64)));
                    drop(s);
                    go_to(state, row, true);
                    Found::Opened(format!("{id}: row {row}"))
                }
                None => Found::Failed(format!(
                    "no galaxy has id {id:?}{}",
                    so_far(state, s.loaded(), s.slots())
                )),
            }
        }
        Goto::Position { ra, dec } => {
            state.mark.set(Some((ra, dec)));
            let Some(store) = store else {
                return Found::Failed("this table has no positions to search".into());
            };
            let mut s = store.borrow_mut();
            let Some((slot, sep)) = s.nearest_any(ra, dec, |_| true) else {
                return Found::Failed(format!(
                    "no galaxy has a position yet{}",
                    so_far(state, s.loaded(), s.slots())
                ));
            };
            let row = s.row.get(slot).copied().unwrap_or(u32::MAX);
            let name = s
                .id(slot)
                .map(str::to_string)
                .unwrap_or_else(|| format!("row {row}"));
            let note = so_far(state, s.loaded(), s.slots());
            drop(s);
            if row == u32::MAX {
                return Found::Failed(format!(
                    "the nearest galaxy ({name}, {} away) cannot be shown{note}",
                    describe_angle(sep)
                ));
            }
            if sep <= NEAR_DEG {
                go_to(state, row as u64, true);
                Found::Opened(format!(
                    "nearest galaxy {} away: {name}{note}",
                    describe_angle(sep)
                ))
            } else {
                Found::Far(
                    format!(
                        "no galaxy within 1′; nearest {} away ({name}){note}:",
                        describe_angle(sep)
                    ),
                    row as u64,
                )
            }
        }
    }
}

/// The go-to field and what it found.
#[component]
pub fn GoTo() -> impl IntoView {
    let state = expect_context::<AppState>();
    let text = RwSignal::new(String::new());
    let found = RwSignal::new(None::<Found>);
    let submit = move |e: leptos::ev::SubmitEvent| {
        e.prevent_default();
        found.set(Some(find(state, &text.get_untracked())));
    };
    let ready = move || state.opened.get().is_some_and(|o| o.rows > 0);
    view! {
        <form id="goto-form" class="goto" role="search" aria-label="Go to a position, an id or a row" on:submit=submit>
            <input id="goto-input" type="text" autocomplete="off" spellcheck="false"
                placeholder="go to: 150.1 2.2, 10:00:24 +02:12:00, an id, a row, a Legacy Surveys link"
                aria-label="Go to RA and Dec, an id, a row number or a Legacy Surveys viewer link"
                aria-describedby="goto-result"
                prop:value=move || text.get()
                on:input=move |e| {
                    // what was found answered the text before this change
                    found.set(None);
                    text.set(event_target_value(&e));
                }/>
            <button id="goto-go" type="submit" disabled=move || !ready()>"Go"</button>
            {move || found.get().map(|f| match f {
                Found::Opened(t) => view! { <p id="goto-result" data-state="opened" role="status">{t}</p> }.into_any(),
                Found::Far(t, row) => view! {
                    <p id="goto-result" data-state="far" role="status">{t}" "
                        <button type="button" id="goto-open" on:click=move |_| {
                            go_to(state, row, true);
                            found.set(Some(Found::Opened(format!("row {row}"))));
                        }>"open it"</button>
                    </p>
                }.into_any(),
                Found::Failed(t) => view! { <p id="goto-result" data-state="failed" class="error" role="alert">{t}</p> }.into_any(),
            })}
        </form>
    }
}
