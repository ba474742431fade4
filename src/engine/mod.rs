//! The data engine: everything between a dataset's address and what the page shows. It
//! opens the dataset, plans and performs every read (through the read scheduler of
//! `io`: priorities, cancellation, the byte cache), decodes parquet and answers the
//! page's [`Request`]s with [`Event`]s. No web types: its [`Host`] gives it byte sources
//! and a way to reach the page. The same engine runs in a Web Worker (`src/bin/worker.rs`)
//! and in native tests, where in-memory and counting sources assert each flow's reads.

pub mod bulk;
mod dataset;
mod galaxy;
mod keep;
mod open;
mod parquet_out;
pub mod protocol;
mod rows;
mod share;
mod sky;
mod table_order;
#[cfg(test)]
mod tests;

pub use protocol::{Event, Request};

use crate::io::{ByteSource, IoError, LocalBoxFuture, NetCounters, WebUrl};
use dataset::Dataset;
use futures::future::AbortHandle;
use std::cell::RefCell;
use std::rc::Rc;

/// What the engine needs from where it runs.
pub trait Host {
    /// A byte source for a file (`len` when a manifest or listing gave it).
    fn source(&self, url: &WebUrl, len: Option<u64>) -> Box<dyn ByteSource>;
    /// GET a small text resource (a manifest, a listing).
    fn text(&self, url: &WebUrl) -> LocalBoxFuture<'static, Result<String, IoError>>;
    /// Requests and bytes so far, for the cost line.
    fn net(&self) -> NetCounters;
    /// Reads of files on the visitor's disk so far (none where the host has no such files).
    fn disk(&self) -> NetCounters {
        NetCounters::default()
    }
    /// Let the host's other work run (messages from the page) before going on.
    fn pause(&self) -> LocalBoxFuture<'static, ()>;
    /// Milliseconds on the host's clock, where it has one: the positions' progress is then
    /// said at most every [`sky::PROGRESS_MS`] (without one, at each hundredth).
    fn now_ms(&self) -> Option<f64> {
        None
    }
    /// Run a task to completion (or until it is aborted).
    fn spawn(&self, task: LocalBoxFuture<'static, ()>);
    /// Deliver an event to the page.
    fn emit(&self, event: Event);
    /// Where what a visit learnt is kept for the next one (none: nothing is kept).
    fn store(&self) -> Option<Rc<dyn crate::io::Store>> {
        None
    }
}

/// The engine: cheap to clone, single-threaded.
#[derive(Clone)]
pub struct Engine(Rc<Inner>);

struct Inner {
    host: Rc<dyn Host>,
    dataset: RefCell<Option<Rc<Dataset>>>,
    /// The open under way (and everything it started), to cancel on a new `Open`.
    open: RefCell<Option<AbortHandle>>,
    /// The galaxy load under way, to cancel when another is asked for.
    galaxy: RefCell<Option<AbortHandle>>,
    colour: RefCell<Option<AbortHandle>>,
    /// The table's ordering under way.
    order: RefCell<Option<AbortHandle>>,
    gallery: RefCell<rows::Window>,
    table: RefCell<rows::Window>,
    /// Requests that arrived before the dataset was open, replayed once it is.
    waiting: RefCell<Vec<Request>>,
    /// Whether the first galaxy has been shown (or failed): until then the gallery and
    /// the table wait, so the galaxy has the network and the thread to itself.
    first_galaxy_done: std::cell::Cell<bool>,
    /// What the browser keeps between visits (bounded, least recently used out first).
    kept: Option<Rc<crate::io::Kept>>,
    /// Footers to keep once the map has loaded (writing 47 MB to the browser's storage
    /// while the map's reads land would slow them); `None` once it has.
    keep_later: RefCell<Option<Vec<dataset::Source>>>,
}

impl Engine {
    pub fn new(host: Rc<dyn Host>) -> Engine {
        let kept = host
            .store()
            .map(|s| Rc::new(crate::io::Kept::new(s, crate::io::DEFAULT_KEPT_BYTES)));
        Engine(Rc::new(Inner {
            kept,
            keep_later: RefCell::default(),
            host,
            dataset: RefCell::default(),
            open: RefCell::default(),
            galaxy: RefCell::default(),
            colour: RefCell::default(),
            order: RefCell::default(),
            gallery: RefCell::new(rows::Window::new()),
            table: RefCell::new(rows::Window::new()),
            first_galaxy_done: std::cell::Cell::new(false),
            waiting: RefCell::default(),
        }))
    }

    fn host(&self) -> &dyn Host {
        &*self.0.host
    }

    fn emit(&self, e: Event) {
        self.0.host.emit(e)
    }

    /// Start `task`, cancelled when the returned handle is aborted (or dropped in a slot
    /// that another task replaces).
    fn spawn_abortable(
        &self,
        task: impl std::future::Future<Output = ()> + 'static,
    ) -> AbortHandle {
        let (task, handle) = futures::future::abortable(task);
        self.0.host.spawn(Box::pin(async move {
            let _ = task.await;
        }));
        handle
    }

    fn dataset(&self) -> Option<Rc<Dataset>> {
        self.0.dataset.borrow().clone()
    }

    /// Answer a request (its work runs as tasks of the host).
    pub fn handle(&self, req: Request) {
        if let Request::Kept { clear } = req {
            if clear {
                self.clear_kept();
            } else {
                let me = self.clone();
                self.host()
                    .spawn(Box::pin(async move { me.publish_kept().await }));
            }
            return;
        }
        if !matches!(req, Request::Open { .. }) && self.dataset().is_none() {
            // the page asked before the dataset was open: answered once it is
            self.0.waiting.borrow_mut().push(req);
            return;
        }
        match req {
            Request::Open {
                target,
                row,
                id,
                early,
            } => {
                for slot in [&self.0.open, &self.0.galaxy, &self.0.colour, &self.0.order] {
                    if let Some(h) = slot.borrow_mut().take() {
                        h.abort();
                    }
                }
                self.0.gallery.borrow_mut().clear();
                self.0.table.borrow_mut().clear();
                self.0.waiting.borrow_mut().clear();
                self.0.first_galaxy_done.set(false);
                self.0.dataset.replace(None);
                self.0.keep_later.replace(Some(Vec::new()));
                let me = self.clone();
                let h = self.spawn_abortable(async move { me.open(target, row, id, early).await });
                self.0.open.replace(Some(h));
            }
            Request::ShowRow { row } => self.show_row(row),
            Request::Colour { choice } => self.colour(choice),
            Request::Question { campaign, question } => self.question(campaign, question),
            Request::Gallery { wanted, start } => self.window(rows::Kind::Gallery, wanted, start),
            Request::Table { wanted, start } => self.window(rows::Kind::Table, wanted, start),
            Request::TableOpened => self.table_opened(),
            Request::TableOrder(query) => self.table_order(query),
            Request::Schema { file } => self.schema(file),
            Request::Kept { .. } => {} // answered above, open or not
            Request::Catalog => self.share_catalog(),
        }
    }

    /// The dataset is open: answer what waited for it.
    fn opened(&self, ds: Rc<Dataset>) {
        self.0.dataset.replace(Some(ds));
        let waiting: Vec<Request> = self.0.waiting.borrow_mut().drain(..).collect();
        for r in waiting {
            self.handle(r);
        }
    }

    /// The first galaxy is shown (or failed): the views may read now.
    fn first_galaxy_shown(&self) {
        if self.0.first_galaxy_done.replace(true) {
            return;
        }
        for kind in [rows::Kind::Gallery, rows::Kind::Table] {
            let wanted = self.window_cell(kind).borrow().wanted.clone();
            if !wanted.is_empty() {
                self.window(kind, wanted, true);
            }
        }
    }

    /// Publish the network and cache counters.
    fn publish_costs(&self) {
        if let Some(ds) = self.dataset() {
            self.emit(Event::Net(ds.costs(self.host())));
        }
    }
}
