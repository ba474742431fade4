//! What the page asks the engine ([`Request`]) and what the engine tells the page
//! ([`Event`]): plain serde types, small parts as JSON, large parts ([`Bulk`]) beside it.
//! Everything the page shows of a dataset arrives here; the page never reads a byte.

use super::bulk::Bulk;
use crate::dataset::FileSummary;
use crate::gz::QuestionVotes;
use crate::io::{NetCounters, WebUrl};
use crate::preview::{Cell, FileReport};
use serde::{Deserialize, Serialize};

/// What to open.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Target {
    /// A manifest (`.json`) or one parquet file.
    Url(WebUrl),
    /// A HuggingFace dataset id, listed by the datasets server (then the Hub API); the two
    /// base URLs can be overridden (mirrors, tests).
    HuggingFace {
        id: String,
        datasets_server: WebUrl,
        hub: WebUrl,
    },
    /// Files on the visitor's disk, in the order the page handed them to the host (which
    /// reads them by `Blob.slice`; the engine reaches them as [`crate::dataset::LOCAL_BASE`]
    /// URLs): their paths (a folder's relative ones) and lengths.
    Local { files: Vec<LocalFile> },
}

/// A file on the visitor's disk: its name (with the folder path when one was chosen) and
/// its length.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalFile {
    pub name: String,
    pub size: u64,
}

/// A request the page started before the engine existed (`boot.js`), handed over.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Early {
    /// A text resource (manifest, listing) and the status it came with.
    Text {
        url: WebUrl,
        status: u16,
        text: String,
    },
    /// A file's last bytes from `start`, and its length.
    Tail {
        url: WebUrl,
        start: u64,
        len: u64,
        bytes: Bulk,
    },
}

/// What the page asks.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Request {
    /// Open a dataset and show the galaxy at `row` (else the one with `id`, else the first).
    Open {
        target: Target,
        row: Option<u64>,
        id: Option<String>,
        early: Vec<Early>,
    },
    /// Show the galaxy at this global row (cancelling one still on its way).
    ShowRow { row: u64 },
    /// Colour the map by an answer's fraction (`None`: plain), cancelling one under way.
    Colour { choice: Option<ColourBy> },
    /// Every galaxy's votes for a question (for a filter).
    Question { campaign: String, question: String },
    /// The gallery wants these galaxy rows (those it does not hold), most wanted first:
    /// reads of rows no longer wanted are cancelled at once; with `start`, the missing
    /// ones are read (a page sends `start: false` while a scroll goes on).
    Gallery { wanted: Vec<u64>, start: bool },
    /// The table view wants these table rows, as the gallery does.
    Table { wanted: Vec<u64>, start: bool },
    /// The table view was opened: its columns (and their statistics) are wanted.
    TableOpened,
    /// Sort and filter the table view (plain: every row in order), cancelling an
    /// ordering under way.
    TableOrder(crate::order::TableQuery),
    /// The schema and file panel wants this file's report.
    Schema { file: usize },
    /// What the browser keeps between visits: say it (`clear: false`) or drop it all.
    Kept { clear: bool },
    /// Build the map's catalog sidecar (`catalog.parquet` + `index.json`) to download.
    Catalog,
}

/// Something slow in progress: what, and how far.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    pub label: String,
    pub done: usize,
    pub total: usize,
}

/// One file of the dataset and how reading its footer went.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FileRow {
    /// The file's address as text (as given, when it was refused).
    pub url: String,
    /// The address to link to: only one that passed the URL gate.
    pub link: Option<WebUrl>,
    pub split: String,
    pub size: Option<u64>,
    pub status: FileStatus,
}

/// A footer is pending, read, or failed (with the reason): failed never looks like empty.
/// `Deferred`: not read until one of the file's galaxies is shown (the manifest gives its
/// rows).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum FileStatus {
    Pending,
    Deferred { rows: u64 },
    Read(FileSummary),
    Failed(String),
}

/// One campaign's votes for the galaxy shown.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CampaignVotes {
    pub campaign: String,
    /// Questions in tree order, asked or not.
    pub questions: Vec<QuestionVotes>,
    /// (question, answer) along the most-voted path.
    pub path: Vec<(String, String)>,
    pub summary: Option<String>,
    /// The campaign's decision tree, `None` when this viewer does not know it (found
    /// again from the questions after a message: see [`CampaignVotes::find_tree`]).
    #[serde(skip)]
    pub tree: Option<&'static crate::gz::Tree>,
}

impl CampaignVotes {
    /// A campaign has votes for a galaxy when anybody answered its first question.
    pub fn has_votes(&self) -> bool {
        self.questions.iter().any(|q| q.asked())
    }

    /// The tree, from the campaign's name and questions (as the engine found it).
    pub fn find_tree(&mut self) {
        self.tree = crate::gz::tree::tree_for(
            &self.campaign,
            self.questions.iter().map(|q| q.question.as_str()),
        );
    }
}

/// The galaxy shown, as read: its image still encoded (the page decodes it).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GalaxyData {
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
    /// The encoded image, or why there is none (null, truncated, not an image).
    pub image: Result<Bulk, String>,
    /// Vote counts by campaign (empty when the table has no vote columns).
    pub votes: Vec<CampaignVotes>,
}

/// What the galaxy panel shows, as the engine knows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum GalaxyState {
    Loading(String),
    Ready(Box<GalaxyData>),
    /// The table has no image column: a plain table, not an error.
    NoImages,
    Failed(String),
}

/// Network cost as the status line shows it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetView {
    pub http: NetCounters,
    /// Reads of files on the visitor's disk.
    #[serde(default)]
    pub disk: NetCounters,
    /// Reads answered from the byte cache.
    pub cache_hits: u64,
    /// Reads that joined an identical read already in flight.
    pub joined: u64,
    /// The engine's wasm memory in bytes, as its host knows it (0: unknown).
    #[serde(default)]
    pub memory: u64,
}

/// Loading ra/dec of every row.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum PositionsView {
    NotStarted,
    /// The table has no ra/dec-like columns.
    Absent,
    Loading {
        done: usize,
        total: usize,
    },
    /// `failed` files could not be read; their rows are missing, and said so.
    Ready {
        count: usize,
        failed: Vec<String>,
    },
    Failed(String),
}

/// What colours the map.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
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
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
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

/// The dataset as the page addresses it, once its footers are read.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Opened {
    /// Galaxies (rows of files with images), in dataset order.
    pub rows: u64,
    /// Rows of the table view (every readable file).
    pub table_rows: u64,
    /// (split, first global row, rows) of each run of one split, in order.
    pub splits: Vec<(String, u64, u64)>,
    /// Files the schema panel can describe (index into the file list), in order.
    pub table_files: Vec<usize>,
    /// The table view's columns, when the footer that says them is read.
    pub columns: Option<Result<Columns, String>>,
    /// The galaxy shown first.
    pub first_row: u64,
}

impl Opened {
    /// The split of global row `row`.
    pub fn split_of(&self, row: u64) -> Option<&str> {
        self.splits
            .iter()
            .find(|(_, first, n)| (*first..first + n).contains(&row))
            .map(|(s, _, _)| s.as_str())
    }
}

/// The table's columns (top-level fields of the first file) and what their headers say.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Columns {
    pub names: Vec<String>,
    pub types: Vec<String>,
    pub image: Option<String>,
    /// Whether the table has Galaxy Zoo vote columns (then the table starts closed).
    pub votes: bool,
}

/// The sky map's shape, before its points arrive.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SkyPlanned {
    pub slots: usize,
    /// Every question of every campaign, as colour choices.
    pub choices: Vec<ColourBy>,
    /// Whether the points come from a catalog sidecar.
    pub catalog: bool,
    /// Each campaign's root question (campaign, question, answers), in the order of
    /// [`Points::tops`].
    pub roots: Vec<(String, String, Vec<String>)>,
}

/// A null count in a message.
pub const NULL_COUNT: i32 = i32::MIN;

/// A run of points: slots `slot..slot + n`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Points {
    pub slot: usize,
    /// f64 each (NaN: none).
    pub ra: Bulk,
    pub dec: Bulk,
    /// Global row of each (u32; `u32::MAX`: none).
    pub rows: Bulk,
    /// The ids, concatenated, and where each ends (u32); an empty id is no id.
    pub ids: Bulk,
    pub id_ends: Bulk,
    /// Per root question: each row's counts, answers in order (i32; `i32::MIN`: null).
    pub tops: Vec<Bulk>,
}

/// A run of colour values: slots `slot..`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ColourValues {
    pub slot: usize,
    /// The fraction shown (f32, NaN when not asked).
    pub values: Bulk,
    /// Each row's counts of the question (i32; `i32::MIN`: null), answers in order.
    pub counts: Bulk,
    pub answers: usize,
}

/// One cell of the table view.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Shown {
    Text(Cell),
    /// The image's bytes, or why there are none.
    Image(Result<Bulk, String>),
    /// This file has no such column.
    Missing,
}

/// An encoded image for the page: its bytes (checked: a format the viewer knows, not
/// truncated), or a `blob:` URL of them that the engine's host made. A worker makes the
/// URL itself, so the page's thread neither copies the bytes nor waits on the browser
/// to register them (~1 ms an image, most of a gallery update's time there); the page
/// revokes it when the image leaves its cache.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Picture {
    Bytes(Bulk),
    Url(String),
}

/// What the engine tells the page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Event {
    Title(Option<String>),
    Progress(#[serde(deserialize_with = "apart")] Option<Progress>),
    /// The dataset could not be opened at all.
    Fatal(String),
    Files(#[serde(deserialize_with = "apart")] Vec<FileRow>),
    Net(#[serde(deserialize_with = "apart")] NetView),
    SkyNote(Option<String>),
    Opened(#[serde(deserialize_with = "apart")] Opened),
    /// The galaxy asked for (by `ShowRow`, or first) and how its load goes; `row` is the
    /// global row it is (known once an id is found).
    Galaxy {
        row: Option<u64>,
        #[serde(deserialize_with = "apart")]
        state: GalaxyState,
    },
    SkyPlanned(#[serde(deserialize_with = "apart")] SkyPlanned),
    Points(#[serde(deserialize_with = "apart")] Points),
    Positions(#[serde(deserialize_with = "apart")] PositionsView),
    ColourValues(#[serde(deserialize_with = "apart")] ColourValues),
    Colour(#[serde(deserialize_with = "apart")] ColourView),
    /// The table's rows that match, in order (u32 each; `None`: every row in order), for
    /// the query asked, or why they could not be ordered.
    TableOrder {
        query: crate::order::TableQuery,
        #[serde(deserialize_with = "apart")]
        result: Result<Option<Bulk>, String>,
    },
    /// Progress of a question's votes for a filter.
    QuestionProgress {
        campaign: String,
        question: String,
        done: usize,
        total: usize,
    },
    /// A question's votes for every map slot: answers, then counts (u16 each, slots ×
    /// answers, a null as 0), or why they could not be read.
    Question {
        campaign: String,
        question: String,
        answers: Vec<String>,
        #[serde(deserialize_with = "apart")]
        counts: Result<Bulk, String>,
    },
    /// Gallery images (encoded) or why a row has none; `live`: reads in flight; `error`:
    /// a read that failed.
    Thumbs {
        #[serde(deserialize_with = "apart")]
        thumbs: Vec<(u64, Result<Picture, String>)>,
        live: usize,
        error: Option<String>,
    },
    TableColumns(#[serde(deserialize_with = "apart")] Result<Columns, String>),
    /// Rows of the table view (or why a row could not be read).
    TableRows {
        #[serde(deserialize_with = "apart")]
        rows: Vec<(u64, Result<Vec<Shown>, String>)>,
        live: usize,
        error: Option<String>,
    },
    /// Each column's header statistics line, once the statistics are read.
    TableStats(#[serde(deserialize_with = "apart")] Result<Vec<Option<String>>, String>),
    Schema {
        file: usize,
        #[serde(deserialize_with = "apart")]
        report: Result<FileReport, String>,
    },
    /// A User Timing mark for the page to set (`gzv:metadata`, `gzv:positions`); `at`:
    /// when it happened (ms since the Unix epoch), which the host fills in, so the mark
    /// says when the engine got there, not when the page heard of it.
    Mark {
        name: String,
        at: Option<f64>,
    },
    /// What the browser keeps for the next visit.
    Kept(#[serde(deserialize_with = "apart")] KeptView),
    /// The catalog asked for, or why it could not be built.
    Catalog(#[serde(deserialize_with = "apart")] Result<CatalogFiles, String>),
}

/// Read one part of an [`Event`] in a function of its own. Without it the compilers inline
/// every variant's reading into one function (66 KB in the page's module, with wasm-opt's
/// inlining of single callers), which the browser recompiled whole with its optimising
/// compiler while a dataset loaded: 140-290 ms of a background thread, on 2-core machines
/// taken partly from the page's thread.
#[inline(never)]
fn apart<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<T, D::Error> {
    T::deserialize(d)
}

/// A catalog sidecar built in the browser: the parquet, the manifest naming it, its rows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CatalogFiles {
    pub parquet: Bulk,
    pub index: String,
    pub rows: u64,
}

/// What the browser keeps between visits, most recently used first, and (once it failed)
/// why it could not keep more.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct KeptView {
    pub items: Vec<KeptItem>,
    pub total: u64,
    pub cap: u64,
    pub failure: Option<String>,
}

/// One thing kept: what it is ("footer", "map"), of which file or dataset, its size.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KeptItem {
    pub what: String,
    pub of: String,
    pub bytes: u64,
}
