//! Share what a visit built: the map's rows as a catalog sidecar, `catalog.parquet` in the
//! format `gzv-catalog` writes (id, ra, dec as float32, the row's file and row in it, then
//! every integer column, the first question's first), and an `index.json` naming the
//! dataset's files (absolute URLs, sizes, rows) and that catalog, so a mirror that hosts
//! the two opens the whole map from one small file.

use super::Engine;
use super::dataset::Dataset;
use super::parquet_out::{Column, Writer};
use super::protocol::{CatalogFiles, Event, Progress};
use super::sky::{CATALOG_FILE, CATALOG_ROW, Run};
use crate::table;
use arrow_array::RecordBatch;
use std::cell::RefCell;
use std::collections::BTreeMap;

/// Rows per row group of the catalog (as `gzv-catalog` writes it).
pub const CATALOG_ROW_GROUP: usize = 8_192;
/// The first question's columns come first (`gzv-catalog`'s order).
const ROOT_PREFIX: &str = "smooth-or-featured-";

/// The catalog's columns: (name in the shards, kind).
enum Kind {
    Id,
    Float,
    Int,
}

impl Engine {
    /// Build the catalog of the open dataset's map and send it to the page.
    pub(super) fn share_catalog(&self) {
        let Some(ds) = self.dataset() else { return };
        let me = self.clone();
        self.spawn_abortable(async move {
            let r = me.build_catalog(&ds).await;
            me.emit(Event::Progress(None));
            me.emit(Event::Catalog(r));
        });
    }

    async fn build_catalog(&self, ds: &Dataset) -> Result<CatalogFiles, String> {
        let plan = ds
            .sky
            .borrow()
            .clone()
            .ok_or("the map's rows are not known yet")?;
        if plan.catalog {
            return Err("this dataset's map already comes from a catalog sidecar".into());
        }
        let schema = &plan.schema;
        let (Some(ra), Some(dec)) = (plan.roles.ra.clone(), plan.roles.dec.clone()) else {
            return Err("this dataset has no positions to catalogue".into());
        };
        let id = plan.roles.id.clone();
        let mut ints: Vec<String> = schema
            .fields()
            .iter()
            .filter(|f| table::is_integer(f.data_type()))
            .map(|f| f.name().clone())
            .filter(|n| Some(n) != id.as_ref() && *n != ra && *n != dec)
            .collect();
        ints.sort_by_key(|n| !n.starts_with(ROOT_PREFIX));
        let mut columns: Vec<(String, Kind)> = Vec::new();
        if let Some(id) = &id {
            columns.push((id.clone(), Kind::Id));
        }
        columns.push((ra.clone(), Kind::Float));
        columns.push((dec.clone(), Kind::Float));
        let mut layout: Vec<(String, Column)> = columns
            .iter()
            .map(|(n, k)| {
                let empty = match k {
                    Kind::Id => Column::Str(Vec::new()),
                    _ => Column::Float(Vec::new()),
                };
                (n.clone(), empty)
            })
            .collect();
        layout.push((CATALOG_FILE.into(), Column::IntRequired(Vec::new())));
        layout.push((CATALOG_ROW.into(), Column::IntRequired(Vec::new())));
        layout.extend(ints.iter().map(|n| (n.clone(), Column::Int(Vec::new()))));
        columns.extend(ints.iter().map(|n| (n.clone(), Kind::Int)));
        let writer = Writer::new(layout, CATALOG_ROW_GROUP);
        // runs arrive in any order; they are written in slot order (file, then row)
        struct Out {
            writer: Writer,
            waiting: BTreeMap<usize, Vec<(usize, Vec<Column>)>>,
            next: usize,
            error: Option<String>,
        }
        let out = RefCell::new(Out {
            writer,
            waiting: BTreeMap::new(),
            next: 0,
            error: None,
        });
        let read: Vec<String> = columns.iter().map(|(n, _)| n.clone()).collect();
        let progress = |done, total| {
            self.emit(Event::Progress(Some(Progress {
                label: "Reading every row's columns for the catalog".into(),
                done,
                total,
            })))
        };
        let mut land = |run: &Run, batches: Vec<RecordBatch>| {
            let mut o = out.borrow_mut();
            if o.error.is_some() {
                return;
            }
            let (Some(file), Some(first)) = (run.file, run.groups.first()) else {
                return;
            };
            let Some((meta, _)) = ds.meta(file) else {
                return;
            };
            let mut file_row: i64 = meta.row_groups()[..*first]
                .iter()
                .map(|g| g.num_rows().max(0))
                .sum();
            let mut converted = Vec::with_capacity(batches.len());
            for b in &batches {
                match convert(b, &columns, file, file_row) {
                    Ok(c) => {
                        file_row += b.num_rows() as i64;
                        converted.push((b.num_rows(), c));
                    }
                    Err(e) => {
                        o.error = Some(e);
                        return;
                    }
                }
            }
            o.waiting.insert(run.slot, converted);
            // write every run that is next in order
            loop {
                let next = o.next;
                let Some(batches) = o.waiting.remove(&next) else {
                    break;
                };
                for (n, b) in batches {
                    if let Err(e) = o.writer.push(b) {
                        o.error = Some(e);
                        return;
                    }
                    o.next += n;
                }
            }
        };
        let failed = self.read_runs(ds, &plan, &read, &progress, &mut land).await;
        if !failed.is_empty() {
            return Err(format!(
                "the catalog could not be built: {}",
                failed.join("; ")
            ));
        }
        let out = out.into_inner();
        if let Some(e) = out.error {
            return Err(format!("the catalog could not be written: {e}"));
        }
        if !out.waiting.is_empty() {
            return Err("the catalog could not be built: some rows never arrived".into());
        }
        let rows = out.writer.rows();
        let bytes = out.writer.finish();
        let files = ds.files.borrow();
        let manifest = serde_json::json!({
            "name": ds.title.clone(),
            "files": files.iter().enumerate().map(|(i, f)| {
                let mut e = serde_json::json!({ "split": f.split, "path": f.url });
                if let Some(size) = f.size.or_else(|| ds.sources.get(i).and_then(crate::io::ByteSource::known_len)) {
                    e["size"] = size.into();
                }
                if let Some((meta, _)) = ds.meta(i) {
                    e["rows"] = meta.file_metadata().num_rows().max(0).into();
                }
                e
            }).collect::<Vec<_>>(),
            "catalog": { "path": "catalog.parquet", "size": bytes.len(), "rows": rows },
        });
        let index = serde_json::to_string_pretty(&manifest).map_err(|e| e.to_string())?;
        Ok(CatalogFiles {
            parquet: super::bulk::Bulk(bytes),
            index,
            rows,
        })
    }
}

/// One batch of a shard's columns as the catalog's rows (its columns in order, the
/// locator after the positions).
fn convert(
    b: &RecordBatch,
    columns: &[(String, Kind)],
    file: usize,
    file_row: i64,
) -> Result<Vec<Column>, String> {
    let n = b.num_rows();
    let row0 = i32::try_from(file_row).map_err(|_| "a file has too many rows for a catalog")?;
    let file = i32::try_from(file).map_err(|_| "too many files for a catalog")?;
    let mut out = Vec::with_capacity(columns.len() + 2);
    for (name, kind) in columns {
        let c = b.column_by_name(name);
        out.push(match kind {
            Kind::Id => Column::Str(
                (0..n)
                    .map(|r| c.and_then(|c| table::string_at(c.as_ref(), r)))
                    .collect(),
            ),
            Kind::Float => {
                let vals = c.map(|c| table::floats(c.as_ref())).unwrap_or_default();
                Column::Float(
                    (0..n)
                        .map(|r| vals.get(r).copied().flatten().map(|x| x as f32))
                        .collect(),
                )
            }
            Kind::Int => {
                let vals = table::ints_by_name(b, name);
                Column::Int(
                    (0..n)
                        .map(|r| {
                            vals.get(r)
                                .copied()
                                .flatten()
                                .map(|v| v.clamp(i32::MIN as i64, i32::MAX as i64) as i32)
                        })
                        .collect(),
                )
            }
        });
        if matches!(kind, Kind::Float)
            && out.iter().filter(|c| matches!(c, Column::Float(_))).count() == 2
        {
            out.push(Column::IntRequired(vec![file; n]));
            out.push(Column::IntRequired((row0..row0 + n as i32).collect()));
        }
    }
    Ok(out)
}
