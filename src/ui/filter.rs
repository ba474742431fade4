//! The filter panel: conditions on what volunteers said (presets from Galaxy Zoo practice,
//! or any answer's fraction with a minimum number of votes), a live count, a histogram of
//! the first condition's fraction over the dataset, the filter in the address, and the sky
//! map drawing only the galaxies it selects.

use super::state::{AppState, ColourBy, FilterView, PositionsView};
use crate::gz::filter::{Condition, Filter, FilterData, Histogram, histogram, presets};
use leptos::prelude::*;
use std::rc::Rc;

/// Bins of the histogram.
const BINS: usize = 10;

/// Whether the table has no questions to filter by (no vote columns).
fn choices_empty(state: AppState) -> bool {
    state.colour_choices.with(|c| c.is_empty())
}

/// Ask for a filter: it goes into the address (a new history entry) and is applied.
pub fn set_filter(state: AppState, filter: Filter) {
    let text = filter.to_query();
    crate::web::set_query_param("filter", (!text.is_empty()).then_some(text.as_str()), true);
    state.filter.set(filter);
    apply(state);
}

/// Apply the filter asked for: load the votes its conditions need (cancelling an earlier
/// application), then select and count.
pub fn apply(state: AppState) {
    if let Some(previous) = state.filter_task.get_value() {
        previous.abort();
    }
    let filter = state.filter.get_untracked();
    if filter.conditions.is_empty() {
        state.filter_selection.set_value(None);
        state.filter_view.set(FilterView::Off);
        state.sky_version.update(|v| *v += 1);
        return;
    }
    if !matches!(state.positions.get_untracked(), PositionsView::Ready { .. }) {
        state.filter_view.set(FilterView::Waiting);
        return;
    }
    let (task, handle) = futures::future::abortable(run(state, filter));
    state.filter_task.set_value(Some(handle));
    leptos::task::spawn_local(async move {
        let _ = task.await;
    });
}

async fn run(state: AppState, filter: Filter) {
    for (campaign, question) in filter.questions() {
        let key = (campaign.clone(), question.clone());
        if state.filter_data.with_value(|d| d.contains_key(&key)) {
            continue;
        }
        let label = format!("{question} ({campaign})");
        let progress = Rc::new(move |done, total| {
            state.filter_view.set(FilterView::Loading {
                label: label.clone(),
                done,
                total,
            })
        });
        match super::client::question(&campaign, &question, progress).await {
            Ok(counts) => state.filter_data.update_value(|d| {
                d.insert(key, counts);
            }),
            Err(e) => return state.filter_view.set(FilterView::Failed(e)),
        }
    }
    let Some(store) = state.sky.get_value() else {
        return;
    };
    let t0 = crate::web::timing::now();
    let result = {
        let _span = crate::web::timing::Span::new("filter evaluate");
        let s = store.borrow();
        state.filter_data.with_value(|questions| {
            let data = FilterData {
                ra: &s.ra,
                dec: &s.dec,
                questions,
            };
            filter.evaluate(&data).map(|sel| {
                let hist = filter.conditions.iter().find_map(|c| match c {
                    Condition::Fraction {
                        campaign,
                        question,
                        answer,
                        min_votes,
                        ..
                    } => {
                        let q = questions.get(&(campaign.clone(), question.clone()))?;
                        let a = q.answers.iter().position(|x| x == answer)?;
                        Some((
                            format!("{question} → {answer} ({campaign}), ≥ {min_votes} votes"),
                            histogram(q, a, *min_votes, BINS, None),
                        ))
                    }
                    _ => None,
                });
                (sel, s.slots(), hist)
            })
        })
    };
    match result {
        Ok((sel, of, histogram)) => {
            let ms = crate::web::timing::now() - t0;
            let matching = sel.count();
            // the selection first: what reacts to the view reads it
            state.filter_selection.set_value(Some(Rc::new(sel)));
            state.filter_view.set(FilterView::Ready {
                matching,
                of,
                histogram,
                ms,
            });
        }
        Err(missing) => state.filter_view.set(FilterView::Failed(format!(
            "votes not loaded for {:?}",
            missing.0
        ))),
    }
    state.sky_version.update(|v| *v += 1);
}

fn describe(c: &Condition) -> String {
    match c {
        Condition::Fraction {
            campaign,
            question,
            answer,
            min,
            max,
            min_votes,
        } => {
            let range = if *max >= 1.0 {
                format!("≥ {min}")
            } else if *min <= 0.0 {
                format!("≤ {max}")
            } else {
                format!("{min} to {max}")
            };
            format!("{question} → {answer} {range} with ≥ {min_votes} votes ({campaign})")
        }
        Condition::Campaign(c) => format!("classified in {c}"),
        Condition::Region { ra, dec } => {
            format!("RA {}° to {}°, Dec {}° to {}°", ra.0, ra.1, dec.0, dec.1)
        }
    }
}

/// The filter panel.
#[component]
pub fn FilterPanel() -> impl IntoView {
    let state = expect_context::<AppState>();
    // the filter in the address, read once
    if let Some(text) = crate::web::query_param("filter") {
        match Filter::parse(&text) {
            Ok(f) => state.filter.set(f),
            Err(e) => state
                .filter_view
                .set(FilterView::Failed(format!("the address's {e}"))),
        }
    }
    // back and forward step through filters too
    let history = window_event_listener(leptos::ev::popstate, move |_| {
        let asked = crate::web::query_param("filter").map(|t| Filter::parse(&t));
        match asked {
            Some(Err(e)) => state
                .filter_view
                .set(FilterView::Failed(format!("the address's {e}"))),
            Some(Ok(f)) if f != state.filter.get_untracked() => {
                state.filter.set(f);
                apply(state);
            }
            None if !state.filter.get_untracked().conditions.is_empty() => {
                state.filter.set(Filter::default());
                apply(state);
            }
            _ => {}
        }
    });
    on_cleanup(move || history.remove());
    // apply once the positions are in (and the filter is not empty); a table without
    // positions cannot be filtered, and a filter asked for there says so instead of waiting
    Effect::new(move |was_ready: Option<bool>| {
        let positions = state.positions.get();
        let ready = matches!(positions, PositionsView::Ready { .. });
        let asked = !state.filter.get_untracked().conditions.is_empty();
        if ready && was_ready != Some(true) && asked {
            apply(state);
        }
        let why = match positions {
            PositionsView::Absent => Some(
                "this table has no ra/dec columns, and filters work on the galaxies of the sky map"
                    .to_string(),
            ),
            PositionsView::Failed(e) => {
                Some(format!("the galaxies' positions could not be read ({e})"))
            }
            _ => None,
        };
        if let (Some(why), true) = (why, asked) {
            state.filter_view.set(FilterView::Failed(why));
        }
        ready
    });
    // hidden when there is nothing to filter (no positions, or no vote columns) and no
    // filter was asked for
    let absent = move || {
        let positions = state.positions.get();
        let nothing = matches!(positions, PositionsView::Absent)
            || (matches!(positions, PositionsView::Ready { .. }) && choices_empty(state));
        nothing && state.filter.with(|f| f.conditions.is_empty())
    };
    let choices = Memo::new(move |_| state.colour_choices.get());
    // presets for every campaign with the questions they need
    let preset_list = Memo::new(move |_| {
        let choices: Vec<ColourBy> = choices.get();
        let mut campaigns: Vec<String> = choices.iter().map(|c| c.campaign.clone()).collect();
        campaigns.dedup();
        campaigns
            .iter()
            .flat_map(|campaign| {
                let answers = |q: &str| {
                    choices
                        .iter()
                        .find(|c| &c.campaign == campaign && c.question == q)
                        .map(|c| c.answers.iter().map(|a| a.0.clone()).collect())
                };
                presets(campaign, &answers)
                    .into_iter()
                    .map(move |p| (format!("{} ({campaign}): {}", p.label, p.explain), p.filter))
            })
            .collect::<Vec<_>>()
    });
    let answer = RwSignal::new(None::<usize>);
    let min = RwSignal::new(0.5f32);
    let max = RwSignal::new(1.0f32);
    let votes = RwSignal::new(1u32);
    let add = move |_| {
        let Some(c) = answer
            .get_untracked()
            .and_then(|i| choices.get_untracked().get(i).cloned())
        else {
            return;
        };
        let Some((name, _)) = c.answers.get(c.answer).cloned() else {
            return;
        };
        let (lo, hi) = (
            min.get_untracked().clamp(0.0, 1.0),
            max.get_untracked().clamp(0.0, 1.0),
        );
        let mut f = state.filter.get_untracked();
        f.conditions.push(Condition::Fraction {
            campaign: c.campaign,
            question: c.question,
            answer: name,
            min: lo.min(hi),
            max: hi.max(lo),
            min_votes: votes.get_untracked().max(1),
        });
        set_filter(state, f);
    };
    let number = |e: &leptos::ev::Event| {
        event_target_value(e)
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
    };
    view! {
        <section class="filter" aria-labelledby="filter-title" hidden=absent>
            <h2 id="filter-title">"Filter by what volunteers said"</h2>
            <div class="filter-controls">
                <label>"Preset "
                    <select id="filter-preset" on:change=move |e| {
                        if let Some(p) = event_target_value(&e).parse::<usize>().ok().and_then(|i| preset_list.get_untracked().get(i).cloned()) {
                            set_filter(state, p.1);
                        }
                    }>
                        <option value="">"choose a preset…"</option>
                        {move || preset_list.get().into_iter().enumerate().map(|(i, p)| view! { <option value=i.to_string()>{p.0}</option> }).collect_view()}
                    </select>
                </label>
                <label>"Answer "
                    <select id="filter-answer" on:change=move |e| answer.set(event_target_value(&e).parse().ok())>
                        <option value="">"choose an answer…"</option>
                        {move || choices.get().into_iter().enumerate().map(|(i, c)| view! { <option value=i.to_string()>{c.label()}</option> }).collect_view()}
                    </select>
                </label>
                <label>"fraction from "<input id="filter-min" type="number" min="0" max="1" step="0.05" prop:value=move || min.get().to_string()
                    on:change=move |e| if let Some(v) = number(&e) { min.set(v as f32) }/></label>
                <label>" to "<input id="filter-max" type="number" min="0" max="1" step="0.05" prop:value=move || max.get().to_string()
                    on:change=move |e| if let Some(v) = number(&e) { max.set(v as f32) }/></label>
                <label>" with at least "<input id="filter-votes" type="number" min="1" step="1" prop:value=move || votes.get().to_string()
                    on:change=move |e| if let Some(v) = number(&e) { votes.set(v.max(1.0) as u32) }/>" votes"</label>
                <button id="filter-add" on:click=add disabled=move || answer.get().is_none()>"Add condition"</button>
                <button id="filter-clear" on:click=move |_| set_filter(state, Filter::default()) disabled=move || state.filter.with(|f| f.conditions.is_empty())>"Clear"</button>
            </div>
            <ul id="filter-conditions">
                {move || state.filter.get().conditions.into_iter().enumerate().map(|(i, c)| view! {
                    <li>{describe(&c)}" "
                        <button class="filter-remove" aria-label=format!("remove: {}", describe(&c)) on:click=move |_| {
                            let mut f = state.filter.get_untracked();
                            if i < f.conditions.len() {
                                f.conditions.remove(i);
                            }
                            set_filter(state, f);
                        }>"×"</button>
                    </li>
                }).collect_view()}
            </ul>
            <ExportPanel/>
            <div id="filter-status" aria-live="polite">
                {move || match state.filter_view.get() {
                    FilterView::Off => view! { <span class="muted">"no filter: every galaxy"</span> }.into_any(),
                    FilterView::Waiting => view! { <span class="loading"><span class="spinner" aria-hidden="true"></span>"waiting for the galaxies' positions"</span> }.into_any(),
                    FilterView::Loading { label, done, total } => view! {
                        <span class="loading" id="filter-loading"><span class="spinner" aria-hidden="true"></span>{format!("loading the votes for {label}: {done}/{total} requests")}</span>
                    }.into_any(),
                    FilterView::Failed(e) => view! { <span class="error" role="alert" id="filter-error">{e}</span> }.into_any(),
                    FilterView::Ready { matching, of, histogram, ms } => view! {
                        <span id="filter-count" data-count=matching.to_string() data-of=of.to_string() data-ms=format!("{ms:.2}")>{format!("{matching} of {of} galaxies match")}</span>
                        {histogram.map(|(label, h)| view! { <HistogramView label=label h=h/> })}
                    }.into_any(),
                }}
            </div>
        </section>
    }
}

/// Bars of a fraction's histogram, with the galaxies not asked and with too few votes apart.
#[component]
fn HistogramView(label: String, h: Histogram) -> impl IntoView {
    let top = h.bins.iter().copied().max().unwrap_or(0).max(1);
    let n = h.bins.len();
    let aria = format!("histogram of {label}");
    view! {
        <figure id="filter-histogram" aria-label=aria>
            <div class="bars">
                {h.bins.iter().enumerate().map(|(i, &c)| {
                    let title = format!("{:.1} to {:.1}: {c} galaxies", i as f64 / n as f64, (i + 1) as f64 / n as f64);
                    view! { <span class="bar" data-count=c.to_string() title=title style:height=format!("{}%", (c as f64 / top as f64 * 100.0).max(if c > 0 { 2.0 } else { 0.0 }))></span> }
                }).collect_view()}
            </div>
            <figcaption>{label}" (0 to 1) · not asked: "<span id="filter-not-asked">{h.not_asked}</span>" · too few votes: "<span id="filter-too-few">{h.too_few}</span></figcaption>
        </figure>
    }
}

/// What the export buttons write.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Export {
    Csv,
    Links,
}

/// The current selection (the filter's galaxies, or every galaxy on the map, within the
/// rectangle selected on the map and the split in the address, as the gallery) as a file,
/// offered by a link (`#export-link`) that is also clicked: (object URL, file name, rows).
fn export(state: AppState, kind: Export) -> Result<(String, String, usize), String> {
    use crate::gz::export::{ExportRow, csv, links};
    let (Some(store), Some(ds)) = (state.sky.get_value(), state.opened.get_untracked()) else {
        return Err("the galaxies have not loaded yet".into());
    };
    let s = store.borrow();
    let filter = state.filter.get_untracked();
    let selection = state.filter_selection.get_value();
    // the chosen answers: every fraction condition's, once
    let mut chosen: Vec<(String, String, String)> = Vec::new();
    for c in &filter.conditions {
        if let Condition::Fraction {
            campaign,
            question,
            answer,
            ..
        } = c
        {
            let key = (campaign.clone(), question.clone(), answer.clone());
            if !chosen.contains(&key) {
                chosen.push(key);
            }
        }
    }
    // as the gallery: within the rectangle selected on the map and the split chosen
    let region: Option<std::collections::HashSet<u32>> = state
        .selection
        .get_untracked()
        .map(|(_, rows)| rows.iter().filter_map(|&r| u32::try_from(r).ok()).collect());
    let split = crate::web::query_param("split").filter(|x| !x.is_empty());
    let keep = |slot: usize| {
        let row = s.row.get(slot).copied().unwrap_or(u32::MAX);
        region.as_ref().is_none_or(|set| set.contains(&row))
            && split
                .as_deref()
                .is_none_or(|want| row != u32::MAX && ds.split_of(row as u64) == Some(want))
    };
    let text = state.filter_data.with_value(|data| {
        let slots: Box<dyn Iterator<Item = usize>> = match &selection {
            Some(sel) => Box::new(sel.slots().filter(|&i| keep(i))),
            None => Box::new((0..s.slots()).filter(|&i| s.has_position(i) && keep(i))),
        };
        let rows = slots.map(|slot| {
            let row = s
                .row
                .get(slot)
                .copied()
                .filter(|&r| r != u32::MAX)
                .map(u64::from);
            let votes = chosen
                .iter()
                .map(|(c, q, a)| {
                    let counts = data.get(&(c.clone(), q.clone()))?;
                    let k = counts.answers.iter().position(|x| x == a)?;
                    let (v, n) = counts.votes(slot, k);
                    (n > 0).then(|| (v as f32 / n as f32, n))
                })
                .collect();
            ExportRow {
                id: s.id(slot),
                ra: s.ra[slot],
                dec: s.dec[slot],
                split: row.and_then(|r| ds.split_of(r)),
                row,
                votes,
            }
        });
        match kind {
            Export::Csv => csv(
                &chosen
                    .iter()
                    .map(|(c, q, a)| format!("{q}-{c}_{a}"))
                    .collect::<Vec<_>>(),
                rows,
            ),
            Export::Links => links(rows),
        }
    });
    let count = text.lines().count() - usize::from(kind == Export::Csv);
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(&text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(if kind == Export::Csv {
        "text/csv"
    } else {
        "text/plain"
    });
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options)
        .map_err(|_| "the browser could not make the file".to_string())?;
    let url = web_sys::Url::create_object_url_with_blob(&blob)
        .map_err(|_| "the browser could not offer the file".to_string())?;
    let name = if kind == Export::Csv {
        "gz-selection.csv"
    } else {
        "gz-selection-legacy-surveys.txt"
    };
    Ok((url, name.to_string(), count))
}

/// Buttons that export the current selection, and the link to the file made.
#[component]
pub fn ExportPanel() -> impl IntoView {
    let state = expect_context::<AppState>();
    let made = RwSignal::new(None::<Result<(String, String, usize), String>>);
    let link = NodeRef::<leptos::html::A>::new();
    let run = move |kind: Export| {
        if let Some(Ok((old, _, _))) = made.get_untracked() {
            let _ = web_sys::Url::revoke_object_url(&old);
        }
        made.set(Some(export(state, kind)));
    };
    let ready = move || matches!(state.positions.get(), PositionsView::Ready { .. });
    let what = move || {
        state.filter_view.track();
        let base = match state.filter_selection.get_value() {
            Some(sel) => format!("the {} galaxies the filter selects", sel.count()),
            None => "every galaxy on the map".to_string(),
        };
        if state.selection.get().is_some() {
            match state.selection_what.get() {
                Some(what) => format!("{base}, {what},"),
                None => format!("{base}, within the rectangle selected on the map,"),
            }
        } else {
            base
        }
    };
    Effect::new(move |_| {
        // offer the file at once, once its link is rendered (the link stays, for a second try)
        if let (Some(Ok(_)), Some(a)) = (made.get(), link.get()) {
            a.click();
        }
    });
    view! {
        <div class="export" id="export">
            <span>"Export "{what}": "</span>
            <button id="export-csv" disabled=move || !ready() on:click=move |_| run(Export::Csv)>"CSV"</button>" "
            <button id="export-links" disabled=move || !ready() on:click=move |_| run(Export::Links)>"Legacy Surveys links"</button>
            {move || match made.get() {
                Some(Ok((url, name, rows))) => view! {
                    " "<a id="export-link" node_ref=link href=url download=name.clone() data-rows=rows.to_string()>{format!("{name} ({rows} galaxies)")}</a>
                }.into_any(),
                Some(Err(e)) => view! { " "<span class="error" role="alert" id="export-error">{e}</span> }.into_any(),
                None => ().into_any(),
            }}
        </div>
    }
}
