//! Reading the rows near a viewport, for the gallery (images) and the table view (every
//! column): the wanted rows batched by row group (`gallery::Scheduler`), footers read
//! first where a file's was left for later, reads of rows no longer wanted cancelled at
//! once. The table's columns, their statistics and the schema panel's report, too.

use super::Engine;
use super::bulk::Bulk;
use super::dataset::Dataset;
use super::open::columns_of;
use super::protocol::{Event, Picture, Shown};
use crate::gallery::{Batch, Locate, MAX_BATCH, Scheduler};
use crate::io::{Priority, WithUrgency};
use crate::preview;
use crate::table;
use futures::future::AbortHandle;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

/// Which view a window reads for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Gallery,
    Table,
}

/// The reads of one view.
pub struct Window {
    scheduler: Scheduler,
    tasks: HashMap<u64, AbortHandle>,
    footers: HashSet<usize>,
    footer_failed: HashMap<usize, String>,
    pub(super) wanted: Vec<u64>,
}

impl Window {
    pub fn new() -> Self {
        Window {
            scheduler: Scheduler::default(),
            tasks: HashMap::new(),
            footers: HashSet::new(),
            footer_failed: HashMap::new(),
            wanted: Vec::new(),
        }
    }

    fn abort(&mut self, ids: impl IntoIterator<Item = u64>) {
        for id in ids {
            if let Some(h) = self.tasks.remove(&id) {
                h.abort(); // dropping its reads aborts their requests
            }
        }
    }

    /// Cancel everything (a new dataset).
    pub fn clear(&mut self) {
        let ids = self.scheduler.clear();
        self.abort(ids);
        for (_, h) in self.tasks.drain() {
            h.abort();
        }
        self.footers.clear();
        self.footer_failed.clear();
        self.wanted.clear();
    }
}

/// An image's bytes as a view shows them, or why it cannot.
fn image_bytes(bytes: Option<Vec<u8>>) -> Result<Bulk, String> {
    let bytes = bytes.ok_or("no image (null)")?;
    if crate::imaging::sniff(&bytes).is_none() {
        return Err("not an image format the viewer knows".into());
    }
    crate::imaging::check_complete(&bytes).map_err(|e| e.to_string())?;
    Ok(Bulk(bytes))
}

impl Engine {
    pub(super) fn window_cell(&self, kind: Kind) -> &std::cell::RefCell<Window> {
        match kind {
            Kind::Gallery => &self.0.gallery,
            Kind::Table => &self.0.table,
        }
    }

    /// Rows of a view, with the reads in flight and an error to show, to the page.
    fn emit_rows(&self, kind: Kind, rows: Vec<(u64, RowResult)>, error: Option<String>) {
        let live = self.window_cell(kind).borrow().scheduler.live();
        match kind {
            Kind::Gallery => self.emit(Event::Thumbs {
                thumbs: rows
                    .into_iter()
                    .map(|(r, x)| {
                        (
                            r,
                            match x {
                                RowResult::Image(i) => i.map(Picture::Bytes),
                                RowResult::Cells(_) => Err("not an image".into()),
                                RowResult::Failed(e) => Err(e),
                            },
                        )
                    })
                    .collect(),
                live,
                error,
            }),
            Kind::Table => self.emit(Event::TableRows {
                rows: rows
                    .into_iter()
                    .map(|(r, x)| {
                        (
                            r,
                            match x {
                                RowResult::Cells(c) => Ok(c),
                                RowResult::Image(_) => Err("not a table row".into()),
                                RowResult::Failed(e) => Err(e),
                            },
                        )
                    })
                    .collect(),
                live,
                error,
            }),
        }
    }

    /// A view wants `wanted` (most wanted first): cancel the reads of rows no longer
    /// wanted and, with `start`, read what is missing.
    pub(super) fn window(&self, kind: Kind, wanted: Vec<u64>, start: bool) {
        let Some(ds) = self.dataset() else { return };
        // the galaxy first: the views read once it is shown (or failed)
        let start = start && {
            let ready = self.0.first_galaxy_done.get();
            if !ready {
                self.window_cell(kind).borrow_mut().wanted = wanted.clone();
            }
            ready
        };
        let plan = {
            let mut w = self.window_cell(kind).borrow_mut();
            w.wanted = wanted.clone();
            let gone = w.scheduler.prune(&wanted);
            w.abort(gone);
            if !start {
                drop(w);
                self.emit_rows(kind, Vec::new(), None);
                return;
            }
            let failed_files = w.footer_failed.clone();
            let locate = |r: u64| {
                let at = match kind {
                    Kind::Gallery => ds.locate_image(r),
                    Kind::Table => ds.locate_row(r),
                };
                match at {
                    Locate::NeedsFooter(f) if failed_files.contains_key(&f) => Locate::Nowhere,
                    other => other,
                }
            };
            let plan = w.scheduler.plan(&wanted, |_| false, locate, MAX_BATCH);
            w.abort(plan.abort.iter().copied());
            plan
        };
        if !plan.nowhere.is_empty() {
            let failed_files = self.window_cell(kind).borrow().footer_failed.clone();
            let rows = plan
                .nowhere
                .iter()
                .map(|&row| {
                    let at = match kind {
                        Kind::Gallery => ds.locate_image(row),
                        Kind::Table => ds.locate_row(row),
                    };
                    let why = match at {
                        Locate::NeedsFooter(f) => failed_files
                            .get(&f)
                            .cloned()
                            .unwrap_or_else(|| "its file's footer could not be read".into()),
                        _ => "its file does not have it".into(),
                    };
                    let what = match kind {
                        Kind::Gallery => format!("galaxy {row}: {why}"),
                        Kind::Table => format!("row {row}: {why}"),
                    };
                    (row, RowResult::Failed(what))
                })
                .collect();
            self.emit_rows(kind, rows, None);
        }
        for file in plan.footers {
            let fresh = self.window_cell(kind).borrow_mut().footers.insert(file);
            if !fresh {
                continue;
            }
            let (me, ds) = (self.clone(), ds.clone());
            self.spawn_abortable(async move {
                if let Err(e) = me.ensure_meta(&ds, file, Priority::Background).await {
                    let name = ds.file_name(file);
                    me.window_cell(kind)
                        .borrow_mut()
                        .footer_failed
                        .insert(file, format!("the footer of {name} could not be read: {e}"));
                }
                let wanted = {
                    let mut w = me.window_cell(kind).borrow_mut();
                    w.footers.remove(&file);
                    w.wanted.clone()
                };
                me.window(kind, wanted, true);
            });
        }
        for batch in plan.start {
            let id = batch.id;
            let (me, ds) = (self.clone(), ds.clone());
            let h = self.spawn_abortable(async move {
                let (rows, error) = me.fetch_batch(&ds, kind, &batch).await;
                me.window_cell(kind).borrow_mut().scheduler.finished(id);
                me.window_cell(kind).borrow_mut().tasks.remove(&id);
                me.emit_rows(kind, rows, error);
                me.publish_costs();
            });
            self.window_cell(kind).borrow_mut().tasks.insert(id, h);
        }
        self.emit_rows(kind, Vec::new(), None);
    }

    /// Read one batch: images for the gallery, every column for the table. A failed read
    /// fails each of its rows, with the reason.
    async fn fetch_batch(
        &self,
        ds: &Rc<Dataset>,
        kind: Kind,
        batch: &Batch,
    ) -> (Vec<(u64, RowResult)>, Option<String>) {
        let name = ds.file_name(batch.file);
        let result: Result<Vec<(u64, RowResult)>, String> = async {
            let (meta, roles) = ds
                .meta(batch.file)
                .ok_or_else(|| format!("the footer of {name} is not read"))?;
            let src = ds
                .sources
                .get(batch.file)
                .ok_or_else(|| format!("there is no file {}", batch.file))?;
            let src = WithUrgency::new(src, Priority::Background);
            let leaves: Vec<String> = match kind {
                Kind::Gallery => vec![
                    roles
                        .image
                        .as_ref()
                        .ok_or_else(|| format!("{name} has no image column"))?
                        .bytes_path
                        .clone(),
                ],
                Kind::Table => meta
                    .file_metadata()
                    .schema_descr()
                    .columns()
                    .iter()
                    .map(|c| c.path().string())
                    .collect(),
            };
            let columns = match kind {
                Kind::Table => Some(columns_of(&meta)?),
                Kind::Gallery => None,
            };
            let batches = crate::decode::read_row_set(
                &src,
                meta.clone(),
                &leaves,
                batch.row_group,
                &batch.offsets(),
            )
            .await
            .map_err(|e| e.to_string())?;
            let only_image = table::Roles {
                image: roles.image.clone(),
                ..Default::default()
            };
            let mut out = Vec::with_capacity(batch.rows.len());
            let mut rows = batch.rows.iter();
            for b in &batches {
                for k in 0..b.num_rows() {
                    let Some(&(row, _)) = rows.next() else { break };
                    let got = match &columns {
                        None => RowResult::Image(
                            image_bytes(table::row_values(b, &only_image, k).image)
                                .map_err(|e| format!("galaxy {row}: {e}")),
                        ),
                        Some(cols) => RowResult::Cells(
                            cols.names
                                .iter()
                                .map(|col| {
                                    if cols.image.as_ref() == Some(col)
                                        && only_image.image.is_some()
                                    {
                                        return Shown::Image(image_bytes(
                                            table::row_values(b, &only_image, k).image,
                                        ));
                                    }
                                    match b.column_by_name(col) {
                                        Some(c) => Shown::Text(preview::cell(c.as_ref(), k)),
                                        None => Shown::Missing,
                                    }
                                })
                                .collect(),
                        ),
                    };
                    out.push((row, got));
                }
            }
            for &(row, _) in rows {
                out.push((
                    row,
                    RowResult::Failed(match kind {
                        Kind::Gallery => format!(
                            "{name} returned fewer rows than asked; galaxy {row} is missing"
                        ),
                        Kind::Table => {
                            format!("{name} returned fewer rows than asked; row {row} is missing")
                        }
                    }),
                ));
            }
            Ok(out)
        }
        .await;
        match result {
            Ok(rows) => (rows, None),
            Err(e) => {
                let what = match kind {
                    Kind::Gallery => format!("Thumbnails from {name} could not be read: {e}"),
                    Kind::Table => format!("Rows of {name} could not be read: {e}"),
                };
                (
                    batch
                        .rows
                        .iter()
                        .map(|&(row, _)| (row, RowResult::Failed(e.clone())))
                        .collect(),
                    Some(what),
                )
            }
        }
    }

    /// The table view was opened: its columns (reading the first file's footer if it was
    /// left for later), then each column's header statistics.
    pub(super) fn table_opened(&self) {
        let Some(ds) = self.dataset() else { return };
        let me = self.clone();
        self.spawn_abortable(async move {
            let Some(&file) = ds.table_files().first() else {
                me.emit(Event::TableColumns(Err(
                    "no file of the dataset could be read".into(),
                )));
                return;
            };
            let meta = match me.ensure_meta(&ds, file, Priority::Background).await {
                Ok((meta, _)) => meta,
                Err(e) => {
                    me.emit(Event::TableColumns(Err(e)));
                    return;
                }
            };
            me.emit(Event::TableColumns(columns_of(&meta)));
            let leaves = leaf_of_columns(&meta);
            let stats = ds.stats_meta(file).await.map(|meta| {
                leaves
                    .iter()
                    .map(|l| l.and_then(|i| preview::leaf_stats(&[&meta], i).line()))
                    .collect()
            });
            me.publish_costs();
            me.emit(Event::TableStats(stats));
        });
    }

    /// The schema panel's report of file `file` (its footer read again with statistics).
    pub(super) fn schema(&self, file: usize) {
        let Some(ds) = self.dataset() else { return };
        let me = self.clone();
        self.spawn_abortable(async move {
            let report = ds
                .stats_meta(file)
                .await
                .map(|m| preview::FileReport::from_meta(&m));
            me.publish_costs();
            me.emit(Event::Schema { file, report });
        });
    }
}

/// What one row of a view came to.
pub enum RowResult {
    Image(Result<Bulk, String>),
    Cells(Vec<Shown>),
    Failed(String),
}

/// The leaf column of each top-level column that is a plain value (statistics of a
/// list's or struct's leaves are not the column's).
fn leaf_of_columns(meta: &parquet::file::metadata::ParquetMetaData) -> Vec<Option<usize>> {
    let Ok(schema) = table::arrow_schema(meta) else {
        return Vec::new();
    };
    let descr = meta.file_metadata().schema_descr();
    schema
        .fields()
        .iter()
        .map(|f| {
            let mut it = descr
                .columns()
                .iter()
                .enumerate()
                .filter(|(_, c)| c.path().parts().first() == Some(f.name()));
            match (it.next(), it.next()) {
                (Some((i, c)), None) if c.path().parts().len() == 1 => Some(i),
                _ => None,
            }
        })
        .collect()
}
