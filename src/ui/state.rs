//! App state: a `Copy` bundle of signals. Loading code writes it; components read it.

use crate::dataset::FileSummary;
use crate::imaging::Rgba;
use crate::web::http::NetCounters;
use leptos::prelude::*;
use std::sync::Arc;

/// Something slow in progress: what, and how far.
#[derive(Clone, Debug, PartialEq)]
pub struct Progress {
    pub label: String,
    pub done: usize,
    pub total: usize,
}

/// One file of the dataset and how reading its footer went.
#[derive(Clone, Debug, PartialEq)]
pub struct FileRow {
    /// The file's address as text (as given, when it was refused).
    pub url: String,
    /// The address to link to: only one that passed the URL gate.
    pub link: Option<crate::io::WebUrl>,
    pub split: String,
    pub size: Option<u64>,
    pub status: FileStatus,
}

/// A footer is pending, read, or failed (with the reason): failed never looks like empty.
/// `Deferred`: not read until one of the file's galaxies is shown (the manifest gives its rows).
#[derive(Clone, Debug, PartialEq)]
pub enum FileStatus {
    Pending,
    Deferred { rows: u64 },
    Read(FileSummary),
    Failed(String),
}

/// One campaign's votes for the galaxy shown.
#[derive(Clone, Debug, PartialEq)]
pub struct CampaignVotes {
    pub campaign: String,
    /// Questions in tree order, asked or not.
    pub questions: Vec<crate::gz::QuestionVotes>,
    /// (question, answer) along the most-voted path.
    pub path: Vec<(String, String)>,
    pub summary: Option<String>,
    /// The campaign's decision tree, `None` when this viewer does not know it.
    pub tree: Option<&'static crate::gz::Tree>,
}

impl CampaignVotes {
    /// A campaign has votes for a galaxy when anybody answered its first question.
    pub fn has_votes(&self) -> bool {
        self.questions.iter().any(|q| q.asked())
    }
}

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
    /// Decoded pixels, or why they could not be shown.
    pub image: Result<Arc<Rgba>, String>,
    /// The encoded image, as stored.
    pub encoded: Option<Arc<Vec<u8>>>,
    /// Vote counts by campaign (empty when the table has no vote columns).
    pub votes: Vec<CampaignVotes>,
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

/// Network cost as the status line shows it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NetView {
    pub http: NetCounters,
    /// Reads answered from the app's byte cache.
    pub cache_hits: u64,
    /// Reads that joined an identical read already in flight.
    pub joined: u64,
}

/// Loading ra/dec of every row.
#[derive(Clone, Debug, PartialEq)]
pub enum PositionsView {
    NotStarted,
    /// The table has no ra/dec-like columns.
    Absent,
    Loading {
        done: usize,
        total: usize,
    },
    /// `failed` files could not be read; their rows are missing, and said so.
    /// `count` galaxies have positions (they live in [`AppState::sky`]).
    Ready {
        count: usize,
        failed: Vec<String>,
    },
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
    /// Something the sky map should say about where its data came from.
    pub sky_note: RwSignal<Option<String>>,
    /// What colours the map: loading, ready or failed (with the reason).
    pub colour: RwSignal<super::sky_load::ColourView>,
    /// The colouring under way, to cancel when another is asked for.
    pub colour_task: StoredValue<Option<futures::future::AbortHandle>, LocalStorage>,
    /// The opened dataset (browser objects: kept on this thread only).
    pub dataset: StoredValue<Option<std::rc::Rc<super::load::OpenDataset>>, LocalStorage>,
    /// The row shown or being loaded: where previous/next step from.
    pub row: StoredValue<u64>,
    /// The galaxy load under way, to cancel when another is asked for.
    pub loading: StoredValue<Option<futures::future::AbortHandle>, LocalStorage>,
    /// The filter asked for (from the address or the filter panel) and how applying it went.
    pub filter: RwSignal<crate::gz::filter::Filter>,
    pub filter_view: RwSignal<super::filter::FilterView>,
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
            positions: RwSignal::new(PositionsView::NotStarted),
            sky: StoredValue::new_local(None),
            sky_version: RwSignal::new(0),
            sky_note: RwSignal::new(None),
            selection: RwSignal::new(None),
            colour: RwSignal::new(super::sky_load::ColourView::Plain),
            colour_task: StoredValue::new_local(None),
            dataset: StoredValue::new_local(None),
            filter: RwSignal::new(Default::default()),
            filter_view: RwSignal::new(Default::default()),
            filter_selection: StoredValue::new_local(None),
            filter_data: StoredValue::new_local(Default::default()),
            filter_task: StoredValue::new_local(None),
            loading: StoredValue::new_local(None),
            row: StoredValue::new(0),
        }
    }
}

impl Default for AppState {
    fn default() -> Self {
        Self::new()
    }
}
