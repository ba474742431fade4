//! The sky map's data: the position, id and root-question votes of every row (from the
//! catalog sidecar when the manifest names one, else from every shard's columns), then,
//! on demand, the votes of the question that colours the map or that a filter needs.
//! Row groups are read in runs of a few thousand rows, all requests planned at once, and
//! each run is sent to the page as it lands.

use super::Engine;
use super::bulk::Bulk;
use super::dataset::Dataset;
use super::protocol::{
    ColourBy, ColourValues, ColourView, Event, Points, PositionsView, SkyPlanned,
};
use crate::decode;
use crate::gz::VoteSchema;
use crate::io::{ByteSource, MERGE_GAP_BYTES, merge_ranges};
use crate::table;
use arrow_array::RecordBatch;
use futures::StreamExt;
use futures::stream::FuturesUnordered;
use parquet::file::metadata::ParquetMetaData;
use std::cell::Cell;
use std::rc::Rc;
use std::sync::Arc;

/// Rows read per run of row groups (the unit in which points appear).
const RUN_ROWS: i64 = 4096;
/// Catalog columns locating a row in the dataset: manifest file index and row within it.
pub const CATALOG_FILE: &str = "gzv_file";
pub const CATALOG_ROW: &str = "gzv_row";
use super::protocol::NULL_COUNT;

/// Where the map's rows come from.
pub struct Run {
    /// Index into the dataset's files, or `None` for the catalog.
    pub(super) file: Option<usize>,
    pub(super) groups: Vec<usize>,
    pub(super) slot: usize,
    /// Global row of the run's first row (shards of files with images).
    first_row: Option<u64>,
}

/// The runs, the slots they fill, and the schema they share.
pub struct SkyPlan {
    runs: Vec<Run>,
    pub slots: usize,
    pub votes: VoteSchema,
    pub(super) schema: arrow_schema::Schema,
    pub(super) roles: table::Roles,
    pub catalog: bool,
    /// Root question of each campaign.
    roots: Vec<RootQuestion>,
}

/// A campaign's root question: (campaign, question, [(answer, column name)]).
type RootQuestion = (String, String, Vec<(String, String)>);

impl SkyPlan {
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
pub fn plan(ds: &Dataset) -> Option<SkyPlan> {
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
    ds: &'a Dataset,
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

/// Each row's counts of `columns` as i32 (`NULL_COUNT` for null), row after row.
fn counts_of(b: &RecordBatch, columns: &[String]) -> Vec<i32> {
    let cols: Vec<Vec<Option<i64>>> = columns.iter().map(|c| table::ints_by_name(b, c)).collect();
    let mut out = Vec::with_capacity(b.num_rows() * columns.len());
    for r in 0..b.num_rows() {
        for c in &cols {
            out.push(match c.get(r).copied().flatten() {
                Some(v) => v.clamp(i32::MIN as i64 + 1, i32::MAX as i64) as i32,
                None => NULL_COUNT,
            });
        }
    }
    out
}

/// Append `next` to `so_far` when it follows on (the next slots, the same root
/// questions); false (and nothing changed) otherwise.
fn join_points(so_far: &mut Points, next: &Points) -> bool {
    let len = so_far.ra.len() / 8;
    if next.slot != so_far.slot + len || next.tops.len() != so_far.tops.len() {
        return false;
    }
    let base = so_far.ids.len() as u32;
    so_far.ra.0.extend_from_slice(&next.ra.0);
    so_far.dec.0.extend_from_slice(&next.dec.0);
    so_far.rows.0.extend_from_slice(&next.rows.0);
    so_far.ids.0.extend_from_slice(&next.ids.0);
    so_far.id_ends.0.extend(
        next.id_ends
            .u32s()
            .into_iter()
            .flat_map(|e| (e + base).to_le_bytes()),
    );
    for (a, b) in so_far.tops.iter_mut().zip(&next.tops) {
        a.0.extend_from_slice(&b.0);
    }
    true
}

/// The positions' progress is said at most this often (ms) where the host has a clock: the
/// page shows it at most every 250 ms, and each message is a task of the page's thread
/// (a hundred of them in half a second on a one-shard load).
pub(super) const PROGRESS_MS: f64 = 100.0;

/// Whether progress `done` of `total` is worth a message: the first, the last, and each
/// further hundredth (thousands of reads would be thousands of messages otherwise).
pub(super) fn progress_step(done: usize, total: usize) -> bool {
    done == 0 || done >= total || done * 100 / total.max(1) != (done - 1) * 100 / total.max(1)
}

impl Engine {
    /// Whether [`PROGRESS_MS`] have passed since progress was last said (`said_at`, which
    /// is then moved on); always, on a host without a clock.
    fn progress_due(&self, said_at: &Cell<Option<f64>>) -> bool {
        let Some(now) = self.host().now_ms() else {
            return true;
        };
        if said_at.get().is_some_and(|at| now - at < PROGRESS_MS) {
            return false;
        }
        said_at.set(Some(now));
        true
    }

    /// Read `columns` of every run, concurrently; `land(run, batches)` is called as each
    /// run arrives. Returns the failures (one line per failed run's file).
    pub(super) async fn read_runs(
        &self,
        ds: &Dataset,
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
        let said_at = Cell::new(self.host().now_ms());
        progress(0, total);
        let mut pending: FuturesUnordered<_> = plan
            .runs
            .iter()
            .filter_map(|run| {
                let (src, meta) = run_source(ds, run)?;
                let (done, said_at) = (&done, &said_at);
                Some(async move {
                    let tick = |_, _| {
                        done.set(done.get() + 1);
                        let d = done.get();
                        if progress_step(d, total) && (d >= total || self.progress_due(said_at)) {
                            progress(d, total);
                        }
                    };
                    (
                        run,
                        src.name().to_string(),
                        decode::read_columns(src, meta, columns, &run.groups, &tick).await,
                    )
                })
            })
            .collect();
        let mut failed: Vec<String> = Vec::new();
        while let Some((run, name, result)) = pending.next().await {
            match result {
                Ok(batches) => land(run, batches),
                Err(e) => {
                    let line = format!("{name}: {e}");
                    if !failed.contains(&line) {
                        failed.push(line);
                    }
                }
            }
            self.publish_costs();
            // let the host's other work (the page's requests) in between runs
            self.host().pause().await;
        }
        failed
    }

    /// Read positions, ids and the root questions' votes of every row, sending each run to
    /// the page. With `find`, returns the global row of the galaxy with that id.
    pub(super) async fn load_positions(&self, ds: &Dataset, find: Option<&str>) -> Option<u64> {
        let Some(plan) = plan(ds) else {
            self.emit(Event::Positions(PositionsView::Absent));
            return None;
        };
        let plan = Rc::new(plan);
        ds.sky.replace(Some(plan.clone()));
        if ds.sky_kept.get() {
            // drawn from what the browser kept: the plan is for colours and filters
            return None;
        }
        let planned = SkyPlanned {
            slots: plan.slots,
            choices: plan.choices(),
            catalog: plan.catalog,
            roots: plan
                .roots
                .iter()
                .map(|(c, q, a)| {
                    (
                        c.clone(),
                        q.clone(),
                        a.iter().map(|x| x.0.clone()).collect(),
                    )
                })
                .collect(),
        };
        self.emit(Event::SkyPlanned(planned.clone()));
        // what the page is sent is kept for the next visit (the shards' map only: a
        // catalog is itself one file)
        let keeping = !plan.catalog && self.kept().is_some();
        let mut kept_points: Vec<Points> = Vec::new();
        let (Some(ra), Some(dec)) = (plan.roles.ra.clone(), plan.roles.dec.clone()) else {
            return None;
        };
        let mut columns = vec![ra.clone(), dec.clone()];
        columns.extend(plan.roles.id.clone());
        if plan.catalog {
            columns.extend([CATALOG_FILE.to_string(), CATALOG_ROW.to_string()]);
        }
        // the catalog holds every vote column in its own large chunks: the root question's
        // columns cost only their own bytes there, so the hover can name a top answer at
        // once (in the shards they sit between other votes and would bring all along)
        let root_columns: Vec<Vec<String>> = if plan.catalog {
            plan.roots
                .iter()
                .map(|r| r.2.iter().map(|a| a.1.clone()).collect())
                .collect()
        } else {
            Vec::new()
        };
        columns.extend(root_columns.iter().flatten().cloned());
        let progress =
            |done, total| self.emit(Event::Positions(PositionsView::Loading { done, total }));
        let count = Cell::new(0usize);
        let mut found: Option<u64> = None;
        let mut land = |run: &Run, batches: Vec<RecordBatch>| {
            let mut slot = run.slot;
            // one message per run (a row group's hundred points each would be thousands
            // of messages for the page to take one by one)
            let mut joined: Option<Points> = None;
            let mut send = |points: Points| {
                if keeping {
                    kept_points.push(points.clone());
                }
                self.emit(Event::Points(points));
            };
            for b in &batches {
                let col = |name: &str| b.column_by_name(name).cloned();
                let n = b.num_rows();
                let (Some(ra_c), Some(dec_c)) = (col(&ra), col(&dec)) else {
                    slot += n;
                    continue;
                };
                let (ras, decs) = (table::floats(ra_c.as_ref()), table::floats(dec_c.as_ref()));
                let ids: Vec<Option<String>> = match plan.roles.id.as_deref().and_then(col) {
                    Some(c) => (0..n).map(|r| table::string_at(c.as_ref(), r)).collect(),
                    None => vec![None; n],
                };
                let rows: Vec<u32> = if plan.catalog {
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
                                .and_then(|first| u32::try_from(first + *r as u64).ok())
                                .unwrap_or(u32::MAX),
                            _ => u32::MAX,
                        })
                        .collect()
                } else {
                    (0..n)
                        .map(|r| {
                            run.first_row
                                .and_then(|first| {
                                    u32::try_from(first + (slot - run.slot + r) as u64).ok()
                                })
                                .unwrap_or(u32::MAX)
                        })
                        .collect()
                };
                if let (Some(want), None) = (find, found)
                    && let Some(k) = ids.iter().position(|i| i.as_deref() == Some(want))
                {
                    found = rows.get(k).filter(|&&r| r != u32::MAX).map(|&r| r as u64);
                }
                let mut packed = Vec::new();
                let mut ends = Vec::with_capacity(n);
                for id in &ids {
                    packed.extend_from_slice(id.as_deref().unwrap_or("").as_bytes());
                    ends.push(packed.len() as u32);
                }
                let drawn = ras
                    .iter()
                    .zip(&decs)
                    .filter(|(r, d)| r.is_some_and(f64::is_finite) && d.is_some_and(f64::is_finite))
                    .count();
                count.set(count.get() + drawn);
                let points = Points {
                    slot,
                    ra: Bulk::from_f64(
                        &ras.iter()
                            .map(|v| v.unwrap_or(f64::NAN))
                            .collect::<Vec<_>>(),
                    ),
                    dec: Bulk::from_f64(
                        &decs
                            .iter()
                            .map(|v| v.unwrap_or(f64::NAN))
                            .collect::<Vec<_>>(),
                    ),
                    rows: Bulk::from_u32(&rows),
                    ids: Bulk(packed),
                    id_ends: Bulk::from_u32(&ends),
                    tops: root_columns
                        .iter()
                        .map(|cols| Bulk::from_i32(&counts_of(b, cols)))
                        .collect(),
                };
                let follows = joined
                    .as_mut()
                    .is_some_and(|so_far| join_points(so_far, &points));
                if !follows && let Some(so_far) = joined.replace(points) {
                    send(so_far);
                }
                slot += n;
            }
            if let Some(points) = joined {
                send(points);
            }
        };
        let failed = self
            .read_runs(ds, &plan, &columns, &progress, &mut land)
            .await;
        if count.get() == 0 && !failed.is_empty() {
            self.emit(Event::Positions(PositionsView::Failed(failed.join("; "))));
            return found;
        }
        self.emit(Event::Mark {
            name: "gzv:positions".into(),
            at: None,
        });
        if keeping && failed.is_empty() {
            kept_points.sort_by_key(|p| p.slot);
            self.keep_sky(ds, planned, kept_points);
        }
        self.emit(Event::Positions(PositionsView::Ready {
            count: count.get(),
            failed,
        }));
        found
    }

    /// Colour the map by one answer's vote fraction (cancelling a colouring under way).
    pub(super) fn colour(&self, choice: Option<ColourBy>) {
        if let Some(previous) = self.0.colour.borrow_mut().take() {
            previous.abort();
        }
        let Some(choice) = choice else {
            self.emit(Event::Colour(ColourView::Plain));
            return;
        };
        let Some(ds) = self.dataset() else { return };
        let me = self.clone();
        let h = self.spawn_abortable(async move { me.load_colour(&ds, choice).await });
        self.0.colour.replace(Some(h));
    }

    async fn load_colour(&self, ds: &Dataset, choice: ColourBy) {
        let Some(plan) = ds.sky.borrow().clone() else {
            return;
        };
        let label = choice.label();
        let columns: Vec<String> = choice.answers.iter().map(|a| a.1.clone()).collect();
        let progress = |done, total| {
            self.emit(Event::Colour(ColourView::Loading {
                label: label.clone(),
                done,
                total,
            }))
        };
        let (asked, not_asked) = (Cell::new(0usize), Cell::new(0usize));
        let mut land = |run: &Run, batches: Vec<RecordBatch>| {
            // one message per run, as the points
            let (mut values, mut counts) = (Vec::new(), Vec::new());
            for b in &batches {
                let batch_counts = counts_of(b, &columns);
                let k = columns.len();
                let batch_values: Vec<f32> = batch_counts
                    .chunks(k.max(1))
                    .map(|row| {
                        let opt: Vec<Option<i64>> = row
                            .iter()
                            .map(|&v| (v != NULL_COUNT).then_some(v as i64))
                            .collect();
                        crate::sky::points::answer_fraction(&opt, choice.answer)
                    })
                    .collect();
                for v in &batch_values {
                    if v.is_nan() {
                        not_asked.set(not_asked.get() + 1);
                    } else {
                        asked.set(asked.get() + 1);
                    }
                }
                values.extend(batch_values);
                counts.extend(batch_counts);
            }
            if values.is_empty() {
                return;
            }
            self.emit(Event::ColourValues(ColourValues {
                slot: run.slot,
                values: Bulk::from_f32(&values),
                counts: Bulk::from_i32(&counts),
                answers: columns.len(),
            }));
        };
        let failed = self
            .read_runs(ds, &plan, &columns, &progress, &mut land)
            .await;
        self.emit(Event::Colour(if failed.is_empty() {
            ColourView::Ready {
                label,
                asked: asked.get(),
                not_asked: not_asked.get(),
            }
        } else {
            ColourView::Failed(format!(
                "colouring by {label} failed: {}",
                failed.join("; ")
            ))
        }));
    }

    /// Every galaxy's votes for one question (of the map's rows, slot by slot), for a
    /// filter.
    pub(super) fn question(&self, campaign: String, question: String) {
        let Some(ds) = self.dataset() else { return };
        let me = self.clone();
        // not cancelled by another question: a filter may need several at once
        self.spawn_abortable(async move {
            let (answers, counts) = me.load_question(&ds, &campaign, &question).await;
            me.emit(Event::Question {
                campaign,
                question,
                answers,
                counts,
            });
        });
    }

    async fn load_question(
        &self,
        ds: &Dataset,
        campaign: &str,
        question: &str,
    ) -> (Vec<String>, Result<Bulk, String>) {
        let Some(plan) = ds.sky.borrow().clone() else {
            return (
                Vec::new(),
                Err("the galaxies' positions have not loaded".into()),
            );
        };
        let Some(choice) = plan
            .choices()
            .into_iter()
            .find(|c| c.campaign == campaign && c.question == question)
        else {
            return (
                Vec::new(),
                Err(format!(
                    "this dataset has no votes for {question} ({campaign})"
                )),
            );
        };
        let columns: Vec<String> = choice.answers.iter().map(|a| a.1.clone()).collect();
        let answers: Vec<String> = choice.answers.iter().map(|a| a.0.clone()).collect();
        let mut counts = crate::gz::filter::QuestionCounts::new(answers.clone(), plan.slots);
        let progress = |done, total| {
            self.emit(Event::QuestionProgress {
                campaign: campaign.to_string(),
                question: question.to_string(),
                done,
                total,
            })
        };
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
        let failed = self
            .read_runs(ds, &plan, &columns, &progress, &mut land)
            .await;
        if failed.is_empty() {
            (
                answers,
                Ok(Bulk(
                    counts.counts.iter().flat_map(|c| c.to_le_bytes()).collect(),
                )),
            )
        } else {
            (
                answers,
                Err(format!(
                    "the votes for {question} ({campaign}) could not be read: {}",
                    failed.join("; ")
                )),
            )
        }
    }
}
