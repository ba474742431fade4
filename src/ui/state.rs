//! App state: a `Copy` bundle of signals. Loading code writes it; components read it.

use crate::web::decode_bench::Decoded;
use leptos::prelude::*;
use std::sync::Arc;

pub use crate::engine::protocol::{
    CampaignVotes, ColourBy, ColourView, Columns, FileRow, FileStatus, KeptView, NetView, Opened,
    PositionsView, Progress,
};

/// How applying the filter went.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum FilterView {
    #[default]
    Off,
    /// Waiting for the galaxies' positions before anything can be counted.
    Waiting,
    Loading {
        label: String,
        done: usize,
        total: usize,
    },
    /// `matching` of `of` galaxies; the histogram of the first fraction condition's answer.
    /// `ms`: the evaluation over every galaxy (the votes already loaded).
    Ready {
        matching: usize,
        of: usize,
        histogram: Option<(String, crate::gz::filter::Histogram)>,
        ms: f64,
    },
    Failed(String),
}

/// The table view's order: every row as stored, being worked out, the rows that match in
/// their order, or why not.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum OrderView {
    #[default]
    Plain,
    Working,
    Ready(Arc<Vec<u32>>),
    Failed(String),
}

/// Which file's report the schema panel shows, and the report (or why none).
pub type SchemaView = Option<(usize, Result<Arc<crate::preview::FileReport>, String>)>;

/// The galaxy shown.
#[derive(Clone, Debug, PartialEq)]
pub struct Galaxy {
    pub id: Option<String>,
    pub ra: Option<f64>,
    pub dec: Option<f64>,
    pub split: String,
    pub file: String,
    /// Global row in the dataset (what `?row=` names).
    pub row: u64,
    /// Row within its file.
    pub file_row: u64,
    /// Rows in the dataset.
    pub rows: u64,
    /// The decoded image, or why it could not be shown.
    pub image: Result<Arc<Decoded>, String>,
    /// The encoded image, as stored.
    pub encoded: Option<Arc<Vec<u8>>>,
    /// Vote counts by campaign (empty when the table has no vote columns).
    pub votes: Vec<CampaignVotes>,
}

/// A catalog built in the browser, offered as two files (blob URLs).
#[derive(Clone, Debug, PartialEq)]
pub struct SharedCatalog {
    pub parquet_url: String,
    pub index_url: String,
    pub rows: u64,
    pub bytes: u64,
}

/// What the galaxy panel shows.
#[derive(Clone, Debug, PartialEq)]
pub enum GalaxyView {
    Waiting,
    Loading(String),
    Ready(Arc<Galaxy>),
    /// The table has no image column: a plain table, not an error.
    NoImages,
    Failed(String),
}

/// All app signals; cheap to copy into closures.
#[derive(Clone, Copy)]
pub struct AppState {
    /// The URL being opened, as text.
    pub source: RwSignal<String>,
    /// The same URL to link to, when it passed the URL gate (a refused one is never a link).
    pub source_link: RwSignal<Option<crate::io::WebUrl>>,
    pub title: RwSignal<Option<String>>,
    pub progress: RwSignal<Option<Progress>>,
    /// A failure that stops the whole dataset from opening.
    pub fatal: RwSignal<Option<String>>,
    pub files: RwSignal<Vec<FileRow>>,
    pub galaxy: RwSignal<GalaxyView>,
    pub net: RwSignal<NetView>,
    /// What the browser keeps for the next visit (`None` until the engine has said).
    pub kept: RwSignal<Option<KeptView>>,
    /// The map's catalog being built (`true`), and the files made (or why not).
    pub sharing: RwSignal<bool>,
    pub shared: RwSignal<Option<Result<SharedCatalog, String>>>,
    pub positions: RwSignal<PositionsView>,
    /// The sky map's points, filled as row groups arrive; `sky_version` changes with them.
    pub sky: StoredValue<
        Option<std::rc::Rc<std::cell::RefCell<crate::sky::points::SkyPoints>>>,
        LocalStorage,
    >,
    pub sky_version: RwSignal<u64>,
    /// The galaxies selected on the sky map (count drawn inside, and their global rows):
    /// the current selection, for the gallery.
    pub selection: RwSignal<Option<(usize, Vec<u64>)>>,
    /// What the selection is, said as the gallery says it ("like galaxy 37"); `None`: the
    /// rectangle selected on the map.
    pub selection_what: RwSignal<Option<String>>,
    /// A position gone to ("go to"): the map centres on it and marks it.
    pub mark: RwSignal<Option<(f64, f64)>>,
    /// Something the sky map should say about where its data came from.
    pub sky_note: RwSignal<Option<String>>,
    /// What colours the map: loading, ready or failed (with the reason).
    pub colour: RwSignal<ColourView>,
    /// The questions the map can be coloured by, once its data is planned.
    pub colour_choices: RwSignal<Vec<ColourBy>>,
    /// Whether the map's points come from a catalog sidecar.
    pub sky_catalog: RwSignal<bool>,
    /// The opened dataset's layout (rows, splits, files), from the engine.
    pub opened: RwSignal<Option<Arc<Opened>>>,
    /// The row shown or being loaded: where previous/next step from.
    pub row: StoredValue<u64>,
    /// The galaxy was asked for by id: its row is the one the engine finds.
    pub by_id: StoredValue<bool>,
    /// The table view's columns, and their header statistics, once read.
    pub table_columns: RwSignal<Option<Result<Columns, String>>>,
    pub table_stats: RwSignal<Option<Result<Vec<Option<String>>, String>>>,
    /// How the table is sorted and filtered (from the address, then the table's controls),
    /// and the order that gives.
    pub table_query: RwSignal<crate::order::TableQuery>,
    pub table_order: RwSignal<OrderView>,
    /// The schema panel's report (file, report or why none).
    pub schema: RwSignal<SchemaView>,
    /// The data engine could not start or stopped: why (the page offers a retry).
    pub engine_failed: RwSignal<Option<String>>,
    /// The filter asked for (from the address or the filter panel) and how applying it went.
    pub filter: RwSignal<crate::gz::filter::Filter>,
    pub filter_view: RwSignal<FilterView>,
    /// The galaxies (map slots) the filter selects; `None`: no filter, all of them.
    pub filter_selection:
        StoredValue<Option<std::rc::Rc<crate::gz::filter::Selection>>, LocalStorage>,
    /// Vote counts loaded for filters, by (campaign, question).
    pub filter_data: StoredValue<
        std::collections::HashMap<(String, String), crate::gz::filter::QuestionCounts>,
        LocalStorage,
    >,
    pub filter_task: StoredValue<Option<futures::future::AbortHandle>, LocalStorage>,
}

impl AppState {
    pub fn new() -> Self {
        AppState {
            source: RwSignal::new(String::new()),
            source_link: RwSignal::new(None),
            title: RwSignal::new(None),
            progress: RwSignal::new(None),
            fatal: RwSignal::new(None),
            files: RwSignal::new(Vec::new()),
            galaxy: RwSignal::new(GalaxyView::Waiting),
            net: RwSignal::new(NetView::default()),
            kept: RwSignal::new(None),
            sharing: RwSignal::new(false),
            shared: RwSignal::new(None),
            positions: RwSignal::new(PositionsView::NotStarted),
            sky: StoredValue::new_local(None),
            sky_version: RwSignal::new(0),
            sky_note: RwSignal::new(None),
            mark: RwSignal::new(None),
            selection_what: RwSignal::new(None),
            selection: RwSignal::new(None),
            colour: RwSignal::new(ColourView::Plain),
            colour_choices: RwSignal::new(Vec::new()),
            sky_catalog: RwSignal::new(false),
            opened: RwSignal::new(None),
            by_id: StoredValue::new(false),
            table_columns: RwSignal::new(None),
            table_stats: RwSignal::new(None),
            schema: RwSignal::new(None),
            table_query: RwSignal::new(Default::default()),
            table_order: RwSignal::new(OrderView::Plain),
            engine_failed: RwSignal::new(None),
            filter: RwSignal::new(Default::default()),
            filter_view: RwSignal::new(Default::default()),
            filter_selection: StoredValue::new_local(None),
            filter_data: StoredValue::new_local(Default::default()),
            filter_task: StoredValue::new_local(None),
            row: StoredValue::new(0),
        }
    }
}

impl Default for AppState {
    fn default() -> Self {
        Self::new()
    }
}
