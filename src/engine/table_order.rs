//! The table view sorted and filtered: only the columns named are read (every row group
//! of every file the table shows, with progress), then [`crate::order::order`] gives the
//! rows that match in their order, sent to the page as one buffer.

use super::Engine;
use super::bulk::Bulk;
use super::dataset::Dataset;
use super::protocol::{Event, Progress};
use crate::decode;
use crate::io::{ByteSource, Priority};
use crate::order::{self, Condition, Key, TableQuery};

impl Engine {
    /// Order the table by `query`, cancelling an ordering under way.
    pub(super) fn table_order(&self, query: TableQuery) {
        let Some(ds) = self.dataset() else { return };
        if let Some(h) = self.0.order.borrow_mut().take() {
            h.abort();
        }
        let me = self.clone();
        let h = self.spawn_abortable(async move {
            let result = me.compute_order(&ds, &query).await;
            me.emit(Event::Progress(None));
            me.emit(Event::TableOrder { query, result });
            me.publish_costs();
        });
        self.0.order.replace(Some(h));
    }

    async fn compute_order(&self, ds: &Dataset, q: &TableQuery) -> Result<Option<Bulk>, String> {
        if q.is_plain() {
            return Ok(None);
        }
        let columns = q.columns();
        let files = ds.table_index.files().to_vec();
        let total = ds.table_index.rows() as usize;
        let label = match &q.sort {
            Some((c, _)) => format!("Sorting the table by {c}"),
            None => "Filtering the table".to_string(),
        };
        let progress = |done: usize| {
            self.emit(Event::Progress(Some(Progress {
                label: label.clone(),
                done,
                total: files.len(),
            })))
        };
        progress(0);
        let mut keys: Vec<Vec<Key>> = vec![Vec::with_capacity(total); columns.len()];
        let mut seen = vec![false; columns.len()];
        for (k, &(file, rows)) in files.iter().enumerate() {
            let (meta, _) = self
                .ensure_meta(ds, file, Priority::Background)
                .await
                .map_err(|e| format!("{}: {e}", ds.file_name(file)))?;
            let top: Vec<String> = meta
                .file_metadata()
                .schema_descr()
                .root_schema()
                .get_fields()
                .iter()
                .map(|f| f.name().to_string())
                .collect();
            // a column this file lacks is null in its rows; one it has must be a leaf
            let mut present = Vec::new();
            for c in &columns {
                if !top.contains(c) {
                    continue;
                }
                if decode::leaf_indices(&meta, std::slice::from_ref(c)).is_err() {
                    return Err(format!(
                        "column {c} holds nested values: only numbers and text can be sorted or compared"
                    ));
                }
                present.push(c.clone());
            }
            let groups: Vec<usize> = (0..meta.num_row_groups()).collect();
            let src: &dyn ByteSource = &ds.sources[file];
            let batches = if present.is_empty() {
                Vec::new()
            } else {
                decode::read_columns(src, meta, &present, &groups, &|_, _| {})
                    .await
                    .map_err(|e| format!("{}: {e}", ds.file_name(file)))?
            };
            for (i, c) in columns.iter().enumerate() {
                let before = keys[i].len();
                if present.contains(c) {
                    seen[i] = true;
                    for b in &batches {
                        if let Some(col) = b.column_by_name(c) {
                            keys[i].extend(order::keys(col.as_ref(), c)?);
                        }
                    }
                }
                // rows the file lacks (or a short read) stay null: never another row's
                let want = before + rows as usize;
                keys[i].resize(want, Key::Null);
            }
            progress(k + 1);
            self.publish_costs();
            self.host().pause().await;
        }
        if let Some(i) = seen.iter().position(|s| !s) {
            return Err(format!("the table has no column {}", columns[i]));
        }
        let at = |c: &str| columns.iter().position(|x| x == c).unwrap_or(0);
        let sort = q
            .sort
            .as_ref()
            .map(|(c, desc)| (keys[at(c)].as_slice(), *desc));
        let conditions: Vec<(&[Key], &Condition)> = q
            .conditions
            .iter()
            .map(|c| (keys[at(&c.column)].as_slice(), c))
            .collect();
        let rows = order::order(total, sort, &conditions);
        Ok(Some(Bulk(
            rows.iter().flat_map(|r| r.to_le_bytes()).collect(),
        )))
    }
}
