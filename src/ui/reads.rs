//! Reading the rows near a viewport, shared by the gallery and the table view: the wanted
//! rows batched by row group (`gallery::Scheduler`), footers read first where a file's
//! was left for later, reads of rows scrolled past cancelled at once, new reads started
//! only once the scroll rests.

use super::load::OpenDataset;
use super::state::AppState;
use crate::gallery::{Batch, Locate, Lru, MAX_BATCH, Scheduler};
use futures::future::{AbortHandle, LocalBoxFuture};
use leptos::prelude::*;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

/// Reads start once the scroll has rested this long.
pub(super) const SETTLE_MS: u64 = 90;

/// The reads of one view (browser objects: this thread only).
#[derive(Default)]
pub(super) struct Reads {
    scheduler: Scheduler,
    tasks: HashMap<u64, AbortHandle>,
    footers: HashSet<usize>,
    footer_failed: HashMap<usize, String>,
}

impl Reads {
    /// Reads in flight.
    pub(super) fn live(&self) -> usize {
        self.tasks.len()
    }

    fn abort(&mut self, ids: impl IntoIterator<Item = u64>) {
        for id in ids {
            if let Some(h) = self.tasks.remove(&id) {
                h.abort(); // dropping its reads aborts their requests
            }
        }
    }

    /// Cancel the reads none of whose rows is wanted any more.
    pub(super) fn prune(&mut self, wanted: &[u64]) {
        let ids = self.scheduler.prune(wanted);
        self.abort(ids);
    }

    /// Cancel every read (a new selection).
    pub(super) fn clear(&mut self) {
        let ids = self.scheduler.clear();
        self.abort(ids);
    }

    /// Cancel everything on the way out.
    pub(super) fn drain(&mut self) {
        for (_, h) in self.tasks.drain() {
            h.abort();
        }
    }
}

/// How a view reads: where a row is, what it keeps for a row that cannot be read, how it
/// lets go of what it evicts, and how it reads a batch.
pub(super) struct Reader<T: 'static> {
    pub locate: fn(&OpenDataset, u64) -> Locate,
    pub failed: fn(u64, String) -> T,
    pub release: fn(Vec<T>),
    pub fetch: Rc<dyn Fn(Rc<OpenDataset>, Batch) -> LocalBoxFuture<'static, ()>>,
}

impl<T: 'static> Clone for Reader<T> {
    fn clone(&self) -> Self {
        Reader {
            locate: self.locate,
            failed: self.failed,
            release: self.release,
            fetch: self.fetch.clone(),
        }
    }
}

/// Plan and start the reads of `wanted` (in visible order): rows that cannot be read are
/// kept as failed with the reason, footers left for later are read first, and each batch's
/// read is started; `replan` is bumped when a footer or a batch is done.
#[allow(
    clippy::too_many_arguments,
    reason = "the shared reader's handles, each a signal or store of its caller"
)]
pub(super) fn start<T: 'static>(
    state: AppState,
    ds: Rc<OpenDataset>,
    wanted: &[u64],
    reads: StoredValue<Reads, LocalStorage>,
    cache: StoredValue<Lru<T>, LocalStorage>,
    version: RwSignal<u64>,
    replan: RwSignal<u64>,
    reader: &Reader<T>,
) {
    let failed_files = reads.with_value(|l| l.footer_failed.clone());
    let locate = reader.locate;
    let plan = reads
        .try_update_value(|l| {
            cache.with_value(|c| {
                l.scheduler.plan(
                    wanted,
                    |r| c.contains(r),
                    |r| match locate(&ds, r) {
                        Locate::NeedsFooter(f) if failed_files.contains_key(&f) => Locate::Nowhere,
                        other => other,
                    },
                    MAX_BATCH,
                )
            })
        })
        .unwrap_or_default();
    reads.update_value(|l| l.abort(plan.abort.iter().copied()));
    if !plan.nowhere.is_empty() {
        cache.update_value(|c| {
            for &row in &plan.nowhere {
                let why = match locate(&ds, row) {
                    Locate::NeedsFooter(f) => failed_files
                        .get(&f)
                        .cloned()
                        .unwrap_or_else(|| "its file's footer could not be read".into()),
                    _ => "its file does not have it".into(),
                };
                (reader.release)(c.insert(row, (reader.failed)(row, why)));
            }
        });
        version.update(|v| *v += 1);
    }
    for file in plan.footers {
        let fresh = reads
            .try_update_value(|l| l.footers.insert(file))
            .unwrap_or(false);
        if !fresh {
            continue;
        }
        let ds = ds.clone();
        leptos::task::spawn_local(async move {
            if let Err(e) = ds
                .ensure_meta(state, file, crate::io::Priority::Background)
                .await
            {
                let name = ds.file_name(file);
                reads.update_value(|l| {
                    l.footer_failed
                        .insert(file, format!("the footer of {name} could not be read: {e}"));
                });
            }
            reads.update_value(|l| {
                l.footers.remove(&file);
            });
            replan.update(|n| *n += 1);
        });
    }
    for batch in plan.start {
        let id = batch.id;
        let (task, handle) = futures::future::abortable((reader.fetch)(ds.clone(), batch));
        reads.update_value(|l| {
            l.tasks.insert(id, handle);
        });
        leptos::task::spawn_local(async move {
            let _ = task.await;
            reads.update_value(|l| {
                l.tasks.remove(&id);
                l.scheduler.finished(id);
            });
            replan.update(|n| *n += 1);
        });
    }
}

/// After the wanted rows changed: cancel the reads of rows scrolled past at once; when the
/// change came from a scroll, plan new reads only once it has rested.
pub(super) fn on_wanted(
    wanted: &[u64],
    reads: StoredValue<Reads, LocalStorage>,
    from_scroll: StoredValue<bool>,
    scrolling: StoredValue<bool>,
    settle: StoredValue<Option<TimeoutHandle>, LocalStorage>,
    replan: RwSignal<u64>,
) {
    reads.update_value(|l| l.prune(wanted));
    if !from_scroll.get_value() {
        replan.update(|n| *n += 1);
        return;
    }
    from_scroll.set_value(false);
    scrolling.set_value(true);
    if let Some(h) = settle.get_value() {
        h.clear();
    }
    let handle = set_timeout_with_handle(
        move || {
            scrolling.set_value(false);
            replan.update(|n| *n += 1);
        },
        std::time::Duration::from_millis(SETTLE_MS),
    )
    .ok();
    settle.set_value(handle);
}
