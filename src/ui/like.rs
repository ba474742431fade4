//! "Galaxies like this one": for the galaxy shown, the galaxies whose volunteers answered
//! most alike (`gz::like`), over its campaign's questions. The votes load on demand with
//! progress (shared with the filter's), the search runs in slices of a few milliseconds,
//! and the result is the gallery's selection (`?like=ROW` in the address), exportable
//! with the filter's buttons.

use super::client::go_to;
use super::state::{AppState, GalaxyView, PositionsView};
use crate::gz::filter::QuestionCounts;
use crate::gz::like::{Near, Nearest};
use leptos::prelude::*;
use std::rc::Rc;

/// Galaxies found.
const LIKE_COUNT: usize = 48;
/// Slots looked at per slice (a few ms each), between which the page runs.
const SLICE: usize = 20_000;

/// How finding them goes.
#[derive(Clone, Debug, PartialEq)]
enum LikeView {
    Off,
    Loading(String),
    /// (row, campaign, questions, the nearest as (row, id, distance, votes shared), ms)
    Ready {
        row: u64,
        campaign: String,
        questions: usize,
        near: Vec<(u64, String, f64, u32)>,
        ms: f64,
        /// The longest slice (the page's longest wait on it).
        slice_ms: f64,
    },
    Failed(String),
}

/// Find the galaxies like `row`'s and make them the selection.
async fn find(state: AppState, row: u64, view: RwSignal<LikeView>) -> Result<(), String> {
    if !matches!(state.positions.get_untracked(), PositionsView::Ready { .. }) {
        return Err(
            "the galaxies' positions are still loading: try again once the map is drawn".into(),
        );
    }
    let store = state
        .sky
        .get_value()
        .ok_or("this table has no map of galaxies")?;
    let target = store
        .borrow()
        .slot_of_row(row)
        .ok_or_else(|| format!("galaxy {row} is not on the map"))?;
    // its campaign: the one with the most votes for it (then the next, should the map's
    // counts for it say otherwise)
    let GalaxyView::Ready(g) = state.galaxy.get_untracked() else {
        return Err("no galaxy is shown".into());
    };
    let mut campaigns: Vec<(String, u32)> = g
        .votes
        .iter()
        .map(|c| {
            (
                c.campaign.clone(),
                c.questions.iter().map(|q| q.total).sum(),
            )
        })
        .filter(|c| c.1 > 0)
        .collect();
    campaigns.sort_by_key(|c| std::cmp::Reverse(c.1));
    if campaigns.is_empty() {
        return Err("this galaxy has no votes to compare".into());
    }
    // then the dataset's other campaigns: the map's counts are what is compared
    for c in state.colour_choices.get_untracked() {
        if !campaigns.iter().any(|x| x.0 == c.campaign) {
            campaigns.push((c.campaign, 0));
        }
    }
    let mut chosen = None;
    for (campaign, _) in &campaigns {
        let mut questions: Vec<String> = Vec::new();
        for c in state.colour_choices.get_untracked() {
            if c.campaign == *campaign && !questions.contains(&c.question) {
                questions.push(c.question);
            }
        }
        // every question's votes at once (the engine reads them side by side)
        let missing: Vec<String> = questions
            .iter()
            .filter(|q| {
                !state
                    .filter_data
                    .with_value(|d| d.contains_key(&(campaign.clone(), (*q).clone())))
            })
            .cloned()
            .collect();
        let total = missing.len();
        let done = Rc::new(std::cell::Cell::new(0usize));
        let label = format!("Loading the votes of {campaign}");
        if total > 0 {
            view.set(LikeView::Loading(format!(
                "{label}: 0 of {total} questions"
            )));
        }
        let loads = missing.iter().map(|q| {
            let (done, label) = (done.clone(), label.clone());
            let progress: Rc<dyn Fn(usize, usize)> = Rc::new(|_, _| {});
            async move {
                let counts = super::client::question(campaign, q, progress).await?;
                state.filter_data.update_value(|d| {
                    d.insert((campaign.clone(), q.clone()), counts);
                });
                done.set(done.get() + 1);
                view.set(LikeView::Loading(format!(
                    "{label}: {} of {total} questions",
                    done.get()
                )));
                Ok::<(), String>(())
            }
        });
        for r in futures::future::join_all(loads).await {
            r?;
        }
        let nearest = state.filter_data.with_value(|d| {
            let refs: Vec<&QuestionCounts> = questions
                .iter()
                .filter_map(|q| d.get(&(campaign.clone(), q.clone())))
                .collect();
            Nearest::new(&refs, target, LIKE_COUNT)
        });
        if nearest.has_votes() {
            chosen = Some((campaign.clone(), questions, nearest));
            break;
        }
    }
    let (campaign, questions, mut nearest) = chosen.ok_or_else(|| {
        let names: Vec<&str> = campaigns.iter().map(|c| c.0.as_str()).collect();
        format!(
            "the map's votes for this galaxy ({}) could not be compared: none were read",
            names.join(", ")
        )
    })?;
    let n = questions.len();
    view.set(LikeView::Loading("Comparing every galaxy's votes".into()));
    // the counts stay where the filter keeps them: each slice borrows them
    let with_counts = |f: &mut dyn FnMut(&[&QuestionCounts])| {
        state.filter_data.with_value(|d| {
            let refs: Vec<&QuestionCounts> = questions
                .iter()
                .filter_map(|q| d.get(&(campaign.clone(), q.clone())))
                .collect();
            f(&refs)
        })
    };
    let slots = store.borrow().slots();
    let mut start = 0;
    let mut busy = 0.0;
    let mut slice_ms = 0.0f64;
    while start < slots {
        let end = (start + SLICE).min(slots);
        let t = crate::web::timing::now();
        {
            let s = store.borrow();
            with_counts(&mut |refs| nearest.scan(refs, start..end, |slot| s.has_position(slot)));
        }
        let took = crate::web::timing::now() - t;
        busy += took;
        slice_ms = slice_ms.max(took);
        start = end;
        // the page runs between slices
        crate::web::sleep_ms(0).await;
    }
    let found: Vec<Near> = nearest.into_vec();
    let s = store.borrow();
    let near: Vec<(u64, String, f64, u32)> = found
        .iter()
        .filter_map(|n| {
            let r = *s.row.get(n.slot)?;
            (r != u32::MAX).then(|| {
                (
                    r as u64,
                    s.id(n.slot).unwrap_or_default().to_string(),
                    n.distance,
                    n.common,
                )
            })
        })
        .collect();
    drop(s);
    let rows: Vec<u64> = near.iter().map(|n| n.0).collect();
    state
        .selection_what
        .set(Some(format!("answered most like galaxy {row}")));
    state.selection.set(Some((rows.len(), rows)));
    view.set(LikeView::Ready {
        row,
        campaign,
        questions: n,
        near,
        ms: busy,
        slice_ms,
    });
    Ok(())
}

/// The button, the search's progress and the galaxies found.
#[component]
pub fn LikeThis() -> impl IntoView {
    let state = expect_context::<AppState>();
    let view_sig = RwSignal::new(LikeView::Off);
    let task = StoredValue::new_local(None::<futures::future::AbortHandle>);
    let start = move |row: u64, push: bool| {
        if let Some(h) = task.get_value() {
            h.abort();
        }
        if push {
            crate::web::set_query_param("like", Some(&row.to_string()), true);
        }
        let (fut, handle) = futures::future::abortable(async move {
            if let Err(e) = find(state, row, view_sig).await {
                view_sig.set(LikeView::Failed(e));
            }
        });
        task.set_value(Some(handle));
        leptos::task::spawn_local(async move {
            let _ = fut.await;
        });
    };
    // from the address, once the map and that galaxy are there
    let pending =
        StoredValue::new(crate::web::query_param("like").and_then(|r| r.parse::<u64>().ok()));
    Effect::new(move |_| {
        let ready = matches!(state.positions.get(), PositionsView::Ready { .. });
        let shown = match state.galaxy.get() {
            GalaxyView::Ready(g) => Some(g.row),
            _ => None,
        };
        if let Some(want) = pending.get_value()
            && ready
        {
            if shown == Some(want) {
                pending.set_value(None);
                start(want, false);
            } else if !matches!(state.galaxy.get_untracked(), GalaxyView::Loading(_))
                && state.row.get_value() != want
            {
                go_to(state, want, false);
            }
        }
    });
    let clear = move |_| {
        if let Some(h) = task.get_value() {
            h.abort();
        }
        view_sig.set(LikeView::Off);
        state.selection.set(None);
        state.selection_what.set(None);
        crate::web::set_query_param("like", None, true);
    };
    let shown_row = move || match state.galaxy.get() {
        GalaxyView::Ready(g) if !g.votes.is_empty() => Some(g.row),
        _ => None,
    };
    view! {
        <div class="like" id="like" hidden=move || shown_row().is_none()>
            <button type="button" id="like-button"
                disabled=move || !matches!(state.positions.get(), PositionsView::Ready { .. })
                title="the galaxies whose volunteers answered most alike (the gallery shows them)"
                on:click=move |_| { if let Some(r) = shown_row() { start(r, true) } }>
                "Galaxies like this one"
            </button>
            {move || match view_sig.get() {
                LikeView::Off => None,
                LikeView::Loading(what) => Some(view! {
                    <p id="like-status" data-state="loading" class="loading"><span class="spinner" aria-hidden="true"></span>{what}"…"</p>
                }.into_any()),
                LikeView::Failed(e) => Some(view! {
                    <p id="like-status" data-state="failed" class="error" role="alert">{e}</p>
                }.into_any()),
                LikeView::Ready { row, campaign, questions, near, ms, slice_ms } => Some({
                    let count = near.len();
                    view! {
                    <div id="like-status" data-state="ready" data-row=row data-count=count data-ms=format!("{ms:.1}") data-slice-ms=format!("{slice_ms:.1}")>
                        <p>{format!(
                            "{count} galaxies answered most like galaxy {row} ({campaign}, {questions} questions; found in {ms:.0} ms). The gallery shows them."
                        )}" "<button type="button" id="like-clear" on:click=clear>"Show all again"</button></p>
                        <ol id="like-list" class="like-list">
                            {near.into_iter().map(|(r, id, d, common)| view! {
                                <li data-row=r data-distance=format!("{d:.6}")>
                                    <a href=format!("?row={r}") on:click=move |e| { e.prevent_default(); go_to(state, r, true); }>
                                        {if id.is_empty() { format!("row {r}") } else { id }}
                                    </a>
                                    <span class="muted">{format!(" distance {d:.3}, {common} votes shared")}</span>
                                </li>
                            }).collect_view()}
                        </ol>
                    </div>
                }}.into_any()),
            }}
        </div>
    }
}
