//! Opening a dataset: manifest → footers (in parallel) → the first galaxy. Writes
//! progress, results and failures into [`AppState`].

use super::state::{AppState, CampaignVotes, FileRow, FileStatus, Galaxy, GalaxyView, NetView, Progress};
use crate::dataset::{self, Manifest};
use crate::decode::{self, RowRequest};
use crate::imaging;
use crate::io::{
    ByteCache, ByteSource, CachedSource, DEFAULT_CACHE_BYTES, DEFAULT_MAX_IN_FLIGHT, LimitedSource, Limiter,
};
use crate::table;
use crate::web::http::{HttpSource, NetStats, fetch_text};
use crate::web::timing;
use futures::future::join_all;
use leptos::prelude::*;
use parquet::file::metadata::ParquetMetaData;
use std::rc::Rc;
use std::sync::Arc;

/// The dataset opened when the page has no `?url=`.
pub const DEFAULT_DATASET: &str = "sample/index.json";
/// Where a HuggingFace dataset's page is (shown as the source).
const HF_DATASET_PAGE: &str = "https://huggingface.co/datasets/";

/// A file as the app reads it: cached, then bounded in concurrency, then HTTP.
type Source = CachedSource<LimitedSource<HttpSource>>;

/// What the network has cost so far.
#[derive(Clone)]
pub(super) struct Costs {
    http: NetStats,
    cache: ByteCache,
}

impl Costs {
    pub(super) fn publish(&self, state: AppState) {
        let c = self.cache.stats();
        state.net.set(NetView { http: self.http.get(), cache_hits: c.hits(), joined: c.shared() });
    }
}

/// What the page was asked to open.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// A manifest (`.json`) or one parquet file.
    Url(String),
    /// A HuggingFace dataset id, resolved through the datasets server (then the Hub API);
    /// the two base URLs can be overridden (tests serve stand-ins).
    HuggingFace { id: String, datasets_server: String, hub: String },
}

/// Resolve a HuggingFace dataset id to a manifest.
async fn resolve_hf(id: &str, datasets_server: &str, hub: &str) -> Result<Manifest, String> {
    let listing = format!("{datasets_server}/parquet?dataset={id}");
    let first = match fetch_text(&listing).await {
        Ok(text) => dataset::from_datasets_server(id, &text),
        Err(e) => Err(e.to_string()),
    };
    match first {
        Ok(m) => Ok(m),
        Err(first_err) => {
            let api = format!("{hub}/api/datasets/{id}/parquet");
            match fetch_text(&api).await {
                Ok(text) => dataset::from_hub_parquet_api(id, &text),
                Err(e) => Err(format!("{first_err}; the Hub API fallback failed too: {e}")),
            }
        }
    }
}

/// The dataset could not be opened at all: say why.
fn fail_open(state: AppState, reason: String) {
    state.progress.set(None);
    state.fatal.set(Some(reason));
    state.galaxy.set(GalaxyView::Failed("the dataset could not be opened".into()));
}

/// Open a target and show its first galaxy.
pub async fn open(state: AppState, target: Target) {
    let url = match &target {
        Target::Url(u) => u.clone(),
        Target::HuggingFace { id, .. } => format!("{HF_DATASET_PAGE}{id}"),
    };
    let stats = NetStats::default();
    let costs = Costs { http: stats.clone(), cache: ByteCache::new(DEFAULT_CACHE_BYTES) };
    let limiter = Limiter::new(DEFAULT_MAX_IN_FLIGHT);
    state.source.set(url.clone());
    let manifest = if let Target::HuggingFace { id, datasets_server, hub } = &target {
        state.progress.set(Some(Progress { label: format!("Listing the parquet files of {id}"), done: 0, total: 1 }));
        match resolve_hf(id, datasets_server, hub).await {
            Ok(m) => m,
            Err(e) => return fail_open(state, e),
        }
    } else if url.split(['?', '#']).next().unwrap_or("").ends_with(".json") {
        state.progress.set(Some(Progress { label: "Reading the dataset manifest".into(), done: 0, total: 1 }));
        match fetch_text(&url).await.map_err(|e| e.to_string()).and_then(|t| Manifest::parse(&url, &t)) {
            Ok(m) => m,
            Err(e) => return fail_open(state, e),
        }
    } else {
        Manifest::single(&url)
    };
    state.title.set(manifest.name.clone());
    let files: Vec<FileRow> = manifest
        .files
        .iter()
        .map(|f| FileRow { url: dataset::join_url(&url, &f.path), split: f.split.clone(), size: f.size, status: FileStatus::Pending })
        .collect();
    state.files.set(files.clone());
    let total = files.len();
    state.progress.set(Some(Progress { label: "Reading parquet footers".into(), done: 0, total }));
    let make_source = |url: String, m: &dataset::ManifestFile| {
        let http = HttpSource::new(url, m.size, stats.clone());
        let src = CachedSource::new(LimitedSource::new(http, limiter.clone()), &costs.cache);
        // a footer embedded in the manifest: opening needs no footer request
        if let (Some(size), Some(footer)) = (m.size, m.footer_bytes()) {
            let len = footer.len() as u64;
            src.prime(size.saturating_sub(len)..size, footer.into());
        }
        src
    };
    let sources: Vec<Source> = files.iter().zip(&manifest.files).map(|(f, m)| make_source(f.url.clone(), m)).collect();
    // the catalog sidecar's footer is read beside the shards' footers
    let catalog_src = manifest.catalog.as_ref().map(|c| (make_source(dataset::join_url(&url, &c.path), c), c.footer_len));
    let catalog_meta = async {
        match &catalog_src {
            Some((src, hint)) => Some(decode::read_metadata_hinted(src, *hint).await.map(Arc::new)),
            None => None,
        }
    };
    let hints: Vec<Option<u64>> = manifest.files.iter().map(|f| f.footer_len).collect();
    let metas = join_all(sources.iter().enumerate().map(|(i, src)| {
        let costs = costs.clone();
        let hint = hints[i];
        async move {
            let result = decode::read_metadata_hinted(src, hint).await.map(Arc::new);
            let status = match &result {
                Ok(meta) => {
                    timing::mark_once("gzv:metadata");
                    FileStatus::Read(dataset::summarize(meta))
                }
                Err(e) => FileStatus::Failed(e.to_string()),
            };
            state.files.update(|rows| {
                if let Some(r) = rows.get_mut(i) {
                    r.size = src.known_len();
                    r.status = status;
                }
            });
            state.progress.update(|p| {
                if let Some(p) = p {
                    p.done += 1;
                }
            });
            costs.publish(state);
            result.ok()
        }
    }));
    let (metas, catalog_meta) = futures::join!(metas, catalog_meta);
    state.progress.set(None);
    let catalog = match (catalog_src, catalog_meta) {
        (Some((src, _)), Some(Ok(meta))) => Some((src, meta)),
        (Some((src, _)), Some(Err(e))) => {
            state.sky_note.set(Some(format!("the catalog sidecar {} could not be read ({e}); reading every shard's columns instead", src.name())));
            None
        }
        _ => None,
    };
    // Both start now: the galaxy's read is issued first, so it is first in line for a
    // connection, and the positions' read of row group 0 joins it instead of repeating it.
    let ds = Rc::new(build_dataset(state, files, sources, metas, costs.clone(), catalog));
    state.dataset.set_value(Some(ds.clone()));
    if let Some(id) = crate::web::query_param("id") {
        // a link to a galaxy by id: its row is known once the ids have arrived
        state.galaxy.set(GalaxyView::Loading(format!("Finding galaxy {id}")));
        super::sky_load::load_positions(state, &ds).await;
        match super::sky_load::row_of_id(state, &id) {
            Some(row) => {
                state.row.set_value(row);
                show_row(state, ds.clone(), row).await;
            }
            None => state.galaxy.set(GalaxyView::Failed(format!("no galaxy with id {id} in this dataset"))),
        }
    } else {
        let wanted = crate::web::query_param("row").and_then(|r| r.parse::<u64>().ok()).unwrap_or(0);
        let first = if ds.rows() > 0 { wanted.min(ds.rows() - 1) } else { 0 };
        state.row.set_value(first);
        futures::join!(show_row(state, ds.clone(), first), super::sky_load::load_positions(state, &ds));
    }
    costs.publish(state);
}

/// An opened dataset, kept for navigation: readable files with images, addressed as one
/// table of global rows (manifest order: train first).
pub struct OpenDataset {
    files: Vec<FileRow>,
    pub(super) sources: Vec<Source>,
    pub(super) metas: Vec<Option<Arc<ParquetMetaData>>>,
    pub(super) roles: Vec<Option<table::Roles>>,
    index: dataset::RowIndex,
    /// Global row of each file's first row (files in the index only).
    pub(super) first_rows: Vec<Option<u64>>,
    pub(super) costs: Costs,
    /// The catalog sidecar named by the manifest, when it could be read.
    pub(super) catalog: Option<(Source, Arc<ParquetMetaData>)>,
    /// What the sky map reads (planned once positions start loading).
    pub(super) sky_plan: std::cell::RefCell<Option<Rc<super::sky_load::SkyPlan>>>,
}

impl OpenDataset {
    /// The questions the sky map can be coloured by, once its data is planned.
    pub(super) fn sky_plan_choices(&self) -> Option<Vec<super::sky_load::ColourBy>> {
        self.sky_plan.borrow().as_ref().map(|p| p.choices())
    }

    /// Rows that can be shown.
    pub fn rows(&self) -> u64 {
        self.index.rows()
    }
}

fn build_dataset(
    state: AppState,
    files: Vec<FileRow>,
    sources: Vec<Source>,
    metas: Vec<Option<Arc<ParquetMetaData>>>,
    costs: Costs,
    catalog: Option<(Source, Arc<ParquetMetaData>)>,
) -> OpenDataset {
    let roles: Vec<Option<table::Roles>> = (0..files.len())
        .map(|i| {
            state.files.with_untracked(|f| match f.get(i).map(|r| &r.status) {
                Some(FileStatus::Read(s)) => Some(s.roles.clone()),
                _ => None,
            })
        })
        .collect();
    let mut index = dataset::RowIndex::default();
    let mut first_rows = vec![None; files.len()];
    for i in 0..files.len() {
        let (Some(meta), Some(r)) = (&metas[i], &roles[i]) else { continue };
        if r.image.is_none() {
            continue;
        }
        first_rows[i] = Some(index.rows());
        index.push(i, meta.row_groups().iter().map(|rg| rg.num_rows().max(0) as u64).collect());
    }
    OpenDataset { files, sources, metas, roles, index, first_rows, costs, catalog, sky_plan: Default::default() }
}

/// Show the galaxy at global row `row` of the dataset.
pub async fn show_row(state: AppState, ds: Rc<OpenDataset>, row: u64) {
    if ds.rows() == 0 {
        let readable = ds.metas.iter().any(Option::is_some);
        state.galaxy.set(if readable { GalaxyView::NoImages } else { GalaxyView::Failed("no file of the dataset could be read (see the file list)".into()) });
        return;
    }
    let Some(at) = ds.index.locate(row) else {
        return state.galaxy.set(GalaxyView::Failed(format!("there is no row {row}: the dataset has {} rows", ds.rows())));
    };
    let i = at.file;
    let (Some(meta), Some(roles)) = (ds.metas[i].clone(), ds.roles[i].clone()) else { return };
    state.galaxy.set(GalaxyView::Loading(format!("Fetching galaxy {row}")));
    let schema = table::arrow_schema(&meta).unwrap_or_else(|_| arrow_schema::Schema::empty());
    let vote_schema = table::vote_schema(&schema);
    let mut columns = table::leaf_paths(&roles);
    columns.extend(vote_schema.columns().into_iter().map(|c| schema.field(c).name().clone()));
    let req = RowRequest { columns, row_group: at.row_group, offset: at.row, count: 1 };
    let src: &dyn ByteSource = &ds.sources[i];
    let batches = match decode::read_rows(src, meta.clone(), &req).await {
        Ok(b) => b,
        Err(e) => return state.galaxy.set(GalaxyView::Failed(e.to_string())),
    };
    ds.costs.publish(state);
    let Some(batch) = batches.first() else {
        return state.galaxy.set(GalaxyView::Failed(format!("row group {} returned no rows", at.row_group)));
    };
    let values = table::row_values(batch, &roles, 0);
    let votes = campaign_votes(&vote_schema, &schema, batch, 0);
    state.galaxy.set(GalaxyView::Loading("Decoding the image".into()));
    // let the page paint the progress before the decode takes the thread
    crate::web::sleep_ms(0).await;
    let encoded = values.image.map(Arc::new);
    let image = match &encoded {
        // the browser's decoder is the faster path; the image crate explains broken bytes
        // precisely and covers browsers without createImageBitmap
        Some(bytes) => match imaging::check_complete(bytes) {
            Err(e) => Err(e.to_string()),
            Ok(()) => match crate::web::decode_bench::browser_decode(bytes).await {
                Ok(img) => Ok(Arc::new(img)),
                Err(_) => imaging::decode(bytes).map(Arc::new).map_err(|e| e.to_string()),
            },
        },
        None => Err("this row has no image (null)".into()),
    };
    let file_row = row - ds.first_rows[i].unwrap_or(0);
    state.galaxy.set(GalaxyView::Ready(Arc::new(Galaxy {
        id: values.id,
        ra: values.ra,
        dec: values.dec,
        split: ds.files[i].split.clone(),
        file: ds.files[i].url.clone(),
        row,
        file_row,
        rows: ds.rows(),
        image,
        encoded,
        votes,
    })));
}

/// Show `row`, cancelling the load of any galaxy still on its way; with `push`, the row
/// goes into the address (a new history entry, so back/forward step through galaxies).
pub fn go_to(state: AppState, row: u64, push: bool) {
    let Some(ds) = state.dataset.get_value() else { return };
    let rows = ds.rows();
    if rows == 0 {
        return;
    }
    let row = row.min(rows - 1);
    state.row.set_value(row);
    if push {
        crate::web::push_query_param("row", &row.to_string(), &["id"]);
    }
    if let Some(previous) = state.loading.get_value() {
        previous.abort(); // dropping its reads aborts their requests
    }
    let (task, handle) = futures::future::abortable(show_row(state, ds, row));
    state.loading.set_value(Some(handle));
    leptos::task::spawn_local(async move {
        let _ = task.await;
    });
}

/// One row's votes, campaign by campaign, with the most-voted path and its summary.
fn campaign_votes(vs: &crate::gz::VoteSchema, schema: &arrow_schema::Schema, batch: &arrow_array::RecordBatch, row: usize) -> Vec<CampaignVotes> {
    let count = |col: usize| batch.column_by_name(schema.field(col).name()).and_then(|c| table::int_at(c.as_ref(), row));
    vs.campaigns
        .iter()
        .map(|c| {
            let questions: Vec<crate::gz::QuestionVotes> = c.questions.iter().map(|q| crate::gz::QuestionVotes::from_row(q, count)).collect();
            CampaignVotes {
                campaign: c.name.clone(),
                path: crate::gz::most_voted_path(&questions),
                summary: crate::gz::describe(&c.name, &questions),
                questions,
            }
        })
        .collect()
}
