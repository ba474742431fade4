//! Loading the sky map's data: the position, id and root-question votes of every row (from
//! the catalog sidecar when the manifest names one, else from every shard's columns), then,
//! on demand, the votes of the question that colours the map. Row groups are read in runs
//! of a few thousand rows, all requests planned at once, and each run is drawn as it lands.

use super::load::OpenDataset;
use super::state::{AppState, PositionsView};
use crate::decode;
use crate::gz::VoteSchema;
use crate::io::{ByteSource, MERGE_GAP_BYTES, merge_ranges};
use crate::sky::points::{SkyPoints, answer_fraction};
use crate::table;
use crate::web::timing;
use arrow_array::RecordBatch;
use futures::StreamExt;
use futures::stream::FuturesUnordered;
use leptos::prelude::*;
use parquet::file::metadata::ParquetMetaData;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::Arc;

/// Rows read per run of row groups (the unit in which points appear).
const RUN_ROWS: i64 = 4096;
/// Catalog columns locating a row in the dataset: manifest file index and row within it.
pub const CATALOG_FILE: &str = "gzv_file";
pub const CATALOG_ROW: &str = "gzv_row";

/// What colours the map.
#[derive(Clone, Debug, PartialEq)]
pub enum ColourView {
    Plain,
    Loading {
        label: String,
        done: usize,
        total: usize,
    },
    /// `asked` galaxies have a value; `not_asked` are drawn grey, apart.
    Ready {
        label: String,
        asked: usize,
        not_asked: usize,
    },
    Failed(String),
}

/// A question to colour by: its campaign, name, answers (column names) and the answer shown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ColourBy {
    pub campaign: String,
    pub question: String,
    pub answers: Vec<(String, String)>,
    pub answer: usize,
}

impl ColourBy {
    pub fn label(&self) -> String {
        let answer = self.answers.get(self.answer).map_or("", |a| a.0.as_str());
        format!("{} → {answer} ({})", self.question, self.campaign)
    }
}

/// Where the map's rows come from.
struct Run {
    /// Index into the dataset's files, or `None` for the catalog.
    file: Option<usize>,
    groups: Vec<usize>,
    slot: usize,
    /// Global row of the run's first row (shards of files with images).
    first_row: Option<u64>,
}

/// The runs, the slots they fill, and the schema they share.
pub struct SkyPlan {
    runs: Vec<Run>,
    slots: usize,
    pub votes: VoteSchema,
    schema: arrow_schema::Schema,
    roles: table::Roles,
    catalog: bool,
    /// Root question of each campaign: (campaign, question, answers with column names).
    roots: Vec<RootQuestion>,
}

/// A campaign's root question: (campaign, question, [(answer, column name)]).
type RootQuestion = (String, String, Vec<(String, String)>);

impl SkyPlan {
    pub fn reads_catalog(&self) -> bool {
        self.catalog
    }
    /// Every question of every campaign, as colour choices.
    pub fn choices(&self) -> Vec<ColourBy> {
        let mut out = Vec::new();
        for c in &self.votes.campaigns {
            for q in &c.questions {
                let answers: Vec<(String, String)> = q
                    .answers
                    .iter()
                    .map(|(a, col)| (a.clone(), self.schema.field(*col).name().clone()))
                    .collect();
                for answer in 0..answers.len() {
                    out.push(ColourBy {
                        campaign: c.name.clone(),
                        question: q.name.clone(),
                        answers: answers.clone(),
                        answer,
                    });
                }
            }
        }
        out
    }
}

fn plan_runs(
    meta: &ParquetMetaData,
    file: Option<usize>,
    first: usize,
    first_row: Option<u64>,
    runs: &mut Vec<Run>,
) -> usize {
    let mut rows_in_file = 0usize;
    let mut g = 0;
    while g < meta.num_row_groups() {
        let (slot, row) = (
            first + rows_in_file,
            first_row.map(|r| r + rows_in_file as u64),
        );
        let mut groups = Vec::new();
        let mut rows = 0i64;
        while g < meta.num_row_groups() && (groups.is_empty() || rows < RUN_ROWS) {
            rows += meta.row_group(g).num_rows().max(0);
            groups.push(g);
            g += 1;
        }
        rows_in_file += rows as usize;
        runs.push(Run {
            file,
            groups,
            slot,
            first_row: row,
        });
    }
    rows_in_file
}

/// Plan the sky: the catalog when there is one, else every file with ra/dec columns.
pub fn plan(ds: &OpenDataset) -> Option<SkyPlan> {
    let mut runs = Vec::new();
    if let Some((_, meta)) = &ds.catalog {
        let schema = table::arrow_schema(meta).ok()?;
        let roles = table::recognise(&schema);
        if roles.ra.is_some() && roles.dec.is_some() && schema.field_with_name(CATALOG_FILE).is_ok()
        {
            let slots = plan_runs(meta, None, 0, None, &mut runs);
            return Some(finish(runs, slots, schema, roles, true));
        }
    }
    let mut slots = 0;
    let mut first: Option<(arrow_schema::Schema, table::Roles)> = None;
    for i in 0..ds.file_count() {
        let Some((meta, roles)) = ds.meta(i) else {
            continue;
        };
        if roles.ra.is_none() || roles.dec.is_none() {
            continue;
        }
        if first.is_none() {
            first = table::arrow_schema(&meta).ok().map(|s| (s, roles.clone()));
        }
        slots += plan_runs(&meta, Some(i), slots, ds.first_rows[i], &mut runs);
    }
    let (schema, roles) = first?;
    Some(finish(runs, slots, schema, roles, false))
}

fn finish(
    runs: Vec<Run>,
    slots: usize,
    schema: arrow_schema::Schema,
    roles: table::Roles,
    catalog: bool,
) -> SkyPlan {
    let votes = table::vote_schema(&schema);
    let roots = votes
        .campaigns
        .iter()
        .filter_map(|c| {
            let q = c.questions.first()?;
            let answers = q
                .answers
                .iter()
                .map(|(a, col)| (a.clone(), schema.field(*col).name().clone()))
                .collect();
            Some((c.name.clone(), q.name.clone(), answers))
        })
        .collect();
    SkyPlan {
        runs,
        slots,
        votes,
        schema,
        roles,
        catalog,
        roots,
    }
}

fn run_source<'a>(
    ds: &'a OpenDataset,
    run: &Run,
) -> Option<(&'a dyn ByteSource, Arc<ParquetMetaData>)> {
    match run.file {
        Some(i) => Some((&ds.sources[i] as &dyn ByteSource, ds.meta(i)?.0)),
        None => ds
            .catalog
            .as_ref()
            .map(|(s, m)| (s as &dyn ByteSource, m.clone())),
    }
}

fn requests(meta: &ParquetMetaData, columns: &[String], groups: &[usize]) -> usize {
    let leaves = decode::leaf_indices(meta, columns).unwrap_or_default();
    merge_ranges(
        &decode::chunk_ranges(meta, &leaves, groups),
        MERGE_GAP_BYTES,
    )
    .len()
}

/// Read `columns` of every run, concurrently; `land(run, batches)` is called as each run
/// arrives. Returns the failures (one line per failed run's file).
async fn read_runs(
    state: AppState,
    ds: &OpenDataset,
    plan: &SkyPlan,
    columns: &[String],
    progress: &dyn Fn(usize, usize),
    land: &mut dyn FnMut(&Run, Vec<RecordBatch>),
) -> Vec<String> {
    let total: usize = plan
        .runs
        .iter()
        .filter_map(|r| run_source(ds, r).map(|(_, m)| requests(&m, columns, &r.groups)))
        .sum();
    let done = Cell::new(0usize);
    progress(0, total);
    let mut pending: FuturesUnordered<_> = plan
        .runs
        .iter()
        .filter_map(|run| {
            let (src, meta) = run_source(ds, run)?;
            let done = &done;
            Some(async move {
                let tick = |_, _| {
                    done.set(done.get() + 1);
                    progress(done.get(), total);
                };
                (
                    run,
                    src.name().to_string(),
                    timing::timed(
                        "sky run decode",
                        decode::read_columns(src, meta, columns, &run.groups, &tick),
                    )
                    .await,
                )
            })
        })
        .collect();
    let mut failed: Vec<String> = Vec::new();
    while let Some((run, name, result)) = pending.next().await {
        // the run was decoded in this step: land it in the next
        crate::web::sleep_ms(0).await;
        match result {
            Ok(batches) => {
                let _span = timing::Span::new("sky run land");
                land(run, batches)
            }
            Err(e) => {
                let line = format!("{name}: {e}");
                if !failed.contains(&line) {
                    failed.push(line);
                }
            }
        }
        ds.costs.publish(state);
        // let the page draw what landed before the next run is decoded
        crate::web::sleep_ms(0).await;
    }
    failed
}

/// Read positions, ids and the root questions' votes of every row into the sky store.
pub async fn load_positions(state: AppState, ds: &OpenDataset) {
    let planned = {
        let _s = timing::Span::new("sky plan");
        plan(ds)
    };
    let Some(plan) = planned else {
        state.positions.set(PositionsView::Absent);
        return;
    };
    let plan = Rc::new(plan);
    ds.sky_plan.replace(Some(plan.clone()));
    crate::web::sleep_ms(0).await;
    let store = {
        let _s = timing::Span::new("sky slots");
        Rc::new(RefCell::new(SkyPoints::with_slots(plan.slots)))
    };
    state.sky.set_value(Some(store.clone()));
    state.sky_version.update(|v| *v += 1);
    let (Some(ra), Some(dec)) = (plan.roles.ra.clone(), plan.roles.dec.clone()) else {
        return;
    };
    let mut columns = vec![ra.clone(), dec.clone()];
    columns.extend(plan.roles.id.clone());
    if plan.catalog {
        columns.extend([CATALOG_FILE.to_string(), CATALOG_ROW.to_string()]);
    }
    // the catalog holds every vote column in its own large chunks: the root question's
    // columns cost only their own bytes there, so the hover can name a top answer at once
    // (in the shards they sit between other votes and would bring all of them along)
    let roots: Vec<RootQuestion> = if plan.catalog {
        plan.roots.clone()
    } else {
        Vec::new()
    };
    let root_columns: Vec<Vec<String>> = roots
        .iter()
        .map(|r| r.2.iter().map(|a| a.1.clone()).collect())
        .collect();
    columns.extend(root_columns.iter().flatten().cloned());
    let root_ids: Vec<usize> = {
        let mut s = store.borrow_mut();
        roots
            .iter()
            .map(|(c, q, a)| s.top_question(c, q, a.iter().map(|x| x.0.clone()).collect()))
            .collect()
    };
    let progress = |done, total| state.positions.set(PositionsView::Loading { done, total });
    let mut land = |run: &Run, batches: Vec<RecordBatch>| {
        let mut slot = run.slot;
        let mut s = store.borrow_mut();
        // column by column (one type check per column, no allocation per row)
        let mut counts: Vec<Option<i64>> = Vec::new();
        for b in &batches {
            let col = |name: &str| b.column_by_name(name).cloned();
            let (Some(ra_c), Some(dec_c)) = (col(&ra), col(&dec)) else {
                continue;
            };
            let n = b.num_rows();
            let (ras, decs) = (table::floats(ra_c.as_ref()), table::floats(dec_c.as_ref()));
            let id_c = plan.roles.id.as_deref().and_then(col);
            // integer ids become strings; string ids are borrowed
            let owned: Vec<Option<String>> = match &id_c {
                Some(c)
                    if !matches!(
                        c.data_type(),
                        arrow_schema::DataType::Utf8
                            | arrow_schema::DataType::LargeUtf8
                            | arrow_schema::DataType::Utf8View
                    ) =>
                {
                    (0..n).map(|r| table::string_at(c.as_ref(), r)).collect()
                }
                _ => Vec::new(),
            };
            let idv: Vec<Option<&str>> = match &id_c {
                Some(_) if !owned.is_empty() => owned.iter().map(|o| o.as_deref()).collect(),
                Some(c) => table::strs(c.as_ref()),
                None => vec![None; n],
            };
            let rows: Vec<Option<u64>> = if plan.catalog {
                let (files, file_rows) = (
                    table::ints_by_name(b, CATALOG_FILE),
                    table::ints_by_name(b, CATALOG_ROW),
                );
                files
                    .iter()
                    .zip(&file_rows)
                    .map(|(f, r)| match (f, r) {
                        (Some(f), Some(r)) if *f >= 0 && *r >= 0 => ds
                            .first_rows
                            .get(*f as usize)
                            .copied()
                            .flatten()
                            .map(|first| first + *r as u64),
                        _ => None,
                    })
                    .collect()
            } else {
                (0..n)
                    .map(|r| {
                        run.first_row
                            .map(|first| first + (slot - run.slot + r) as u64)
                    })
                    .collect()
            };
            for (k, cols) in root_columns.iter().enumerate() {
                let values: Vec<Vec<Option<i64>>> =
                    cols.iter().map(|c| table::ints_by_name(b, c)).collect();
                for r in 0..n {
                    counts.clear();
                    counts.extend(values.iter().map(|v| v.get(r).copied().flatten()));
                    s.set_top(slot + r, root_ids[k], &counts);
                }
            }
            s.fill(slot, &ras, &decs, &rows, &idv);
            slot += n;
        }
        drop(s);
        timing::mark_once("gzv:sky-first-points");
        state.sky_version.update(|v| *v += 1);
    };
    let failed = read_runs(state, ds, &plan, &columns, &progress, &mut land).await;
    let count = store.borrow().drawable();
    if count == 0 && !failed.is_empty() {
        state
            .positions
            .set(PositionsView::Failed(failed.join("; ")));
        return;
    }
    timing::mark_once("gzv:positions");
    state.positions.set(PositionsView::Ready { count, failed });
    // build the picking index now, in a step of its own, rather than at the first hover
    crate::web::sleep_ms(0).await;
    let _span = timing::Span::new("sky index");
    store.borrow_mut().ensure_index();
}

/// The global row of the galaxy with this id, once the ids have loaded (a scan of the
/// packed ids: a few milliseconds for 400,000, and no hash map to hold).
pub fn row_of_id(state: AppState, id: &str) -> Option<u64> {
    let store = state.sky.get_value()?;
    let s = store.borrow();
    let slot = s.slot_of_id(id)?;
    s.row
        .get(slot)
        .filter(|&&r| r != u32::MAX)
        .map(|&r| r as u64)
}

/// Colour the map by one answer's vote fraction (cancelling a colouring under way).
pub fn colour_by(state: AppState, choice: Option<ColourBy>) {
    if let Some(previous) = state.colour_task.get_value() {
        previous.abort();
    }
    let store = state.sky.get_value();
    let Some(choice) = choice else {
        if let Some(s) = store {
            s.borrow_mut().clear_values();
        }
        state.colour.set(super::sky_load::ColourView::Plain);
        state.sky_version.update(|v| *v += 1);
        return;
    };
    let (task, handle) = futures::future::abortable(load_colour(state, choice));
    state.colour_task.set_value(Some(handle));
    leptos::task::spawn_local(async move {
        let _ = task.await;
    });
}

async fn load_colour(state: AppState, choice: ColourBy) {
    let (Some(ds), Some(store)) = (state.dataset.get_value(), state.sky.get_value()) else {
        return;
    };
    let Some(plan) = ds.sky_plan.borrow().clone() else {
        return;
    };
    let label = choice.label();
    store.borrow_mut().clear_values();
    state.sky_version.update(|v| *v += 1);
    let columns: Vec<String> = choice.answers.iter().map(|a| a.1.clone()).collect();
    let question = store.borrow_mut().top_question(
        &choice.campaign,
        &choice.question,
        choice.answers.iter().map(|a| a.0.clone()).collect(),
    );
    let progress = |done, total| {
        state.colour.set(ColourView::Loading {
            label: label.clone(),
            done,
            total,
        })
    };
    let mut land = |run: &Run, batches: Vec<RecordBatch>| {
        let mut slot = run.slot;
        let mut s = store.borrow_mut();
        for b in &batches {
            let n = b.num_rows();
            let cols: Vec<Vec<Option<i64>>> =
                columns.iter().map(|c| table::ints_by_name(b, c)).collect();
            let mut counts: Vec<Option<i64>> = Vec::with_capacity(cols.len());
            let values: Vec<f32> = (0..n)
                .map(|r| {
                    counts.clear();
                    counts.extend(cols.iter().map(|c| c.get(r).copied().flatten()));
                    s.set_top(slot + r, question, &counts);
                    answer_fraction(&counts, choice.answer)
                })
                .collect();
            s.fill_values(slot, &values);
            slot += b.num_rows();
        }
        drop(s);
        state.sky_version.update(|v| *v += 1);
    };
    let failed = read_runs(state, &ds, &plan, &columns, &progress, &mut land).await;
    let s = store.borrow();
    let drawn = |i: usize| s.has_position(i);
    let asked = (0..s.slots())
        .filter(|&i| drawn(i) && !s.value[i].is_nan())
        .count();
    let not_asked = (0..s.slots())
        .filter(|&i| drawn(i) && s.value[i].is_nan())
        .count();
    state.colour.set(if failed.is_empty() {
        ColourView::Ready {
            label,
            asked,
            not_asked,
        }
    } else {
        ColourView::Failed(format!(
            "colouring by {label} failed: {}",
            failed.join("; ")
        ))
    });
}

/// Every galaxy's votes for one question (of the map's rows, slot by slot), read in the
/// map's runs; `progress(done, total)` counts requests.
pub async fn load_question(
    state: AppState,
    campaign: &str,
    question: &str,
    progress: &dyn Fn(usize, usize),
) -> Result<crate::gz::filter::QuestionCounts, String> {
    let Some(ds) = state.dataset.get_value() else {
        return Err("no dataset is open".into());
    };
    let Some(plan) = ds.sky_plan.borrow().clone() else {
        return Err("the galaxies' positions have not loaded".into());
    };
    let Some(choice) = plan
        .choices()
        .into_iter()
        .find(|c| c.campaign == campaign && c.question == question)
    else {
        return Err(format!(
            "this dataset has no votes for {question} ({campaign})"
        ));
    };
    let columns: Vec<String> = choice.answers.iter().map(|a| a.1.clone()).collect();
    let mut counts = crate::gz::filter::QuestionCounts::new(
        choice.answers.iter().map(|a| a.0.clone()).collect(),
        plan.slots,
    );
    let mut land = |run: &Run, batches: Vec<RecordBatch>| {
        let mut slot = run.slot;
        let mut row: Vec<Option<i64>> = Vec::with_capacity(columns.len());
        for b in &batches {
            let n = b.num_rows();
            let cols: Vec<Vec<Option<i64>>> =
                columns.iter().map(|c| table::ints_by_name(b, c)).collect();
            for r in 0..n {
                row.clear();
                row.extend(cols.iter().map(|c| c.get(r).copied().flatten()));
                counts.set(slot + r, &row);
            }
            slot += n;
        }
    };
    let failed = read_runs(state, &ds, &plan, &columns, progress, &mut land).await;
    if failed.is_empty() {
        Ok(counts)
    } else {
        Err(format!(
            "the votes for {question} ({campaign}) could not be read: {}",
            failed.join("; ")
        ))
    }
}
