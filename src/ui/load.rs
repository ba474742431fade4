//! Opening a dataset: manifest → footers (in parallel) → the first galaxy. Writes
//! progress, results and failures into [`AppState`].

use super::state::{
    AppState, CampaignVotes, FileRow, FileStatus, Galaxy, GalaxyView, NetView, Progress,
};
use crate::dataset::{self, Manifest};
use crate::decode::{self, RowRequest};
use crate::imaging;
use crate::io::{
    ByteCache, ByteSource, CachedSource, DEFAULT_CACHE_BYTES, DEFAULT_MAX_IN_FLIGHT, IoError,
    LimitedSource, Limiter, LocalBoxFuture, Priority, UrlRefused, WebUrl, WithUrgency,
};
use crate::table;
use crate::web::http::{HttpSource, NetStats, fetch_text};
use crate::web::timing;
use futures::future::join_all;
use leptos::prelude::*;
use parquet::file::metadata::ParquetMetaData;
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

/// The dataset opened when the page has no `?url=`.
pub const DEFAULT_DATASET: &str = "sample/index.json";
/// Where a HuggingFace dataset's page is (shown as the source).
const HF_DATASET_PAGE: &str = "https://huggingface.co/datasets/";

/// A file as the app reads it: cached, then bounded in concurrency, then HTTP.
type Source = CachedSource<LimitedSource<FileSource>>;

/// A file of the dataset: read over HTTP, or refused by the URL gate (then every read
/// fails at once with the reason, and nothing is requested).
pub(super) enum FileSource {
    Http(HttpSource),
    Refused { name: String, why: UrlRefused },
}

impl FileSource {
    fn new(url: &Result<WebUrl, UrlRefused>, len: Option<u64>, stats: &NetStats) -> Self {
        match url {
            Ok(u) => FileSource::Http(HttpSource::new(u, len, stats.clone())),
            Err(e) => FileSource::Refused {
                name: e.quoted.clone(),
                why: e.clone(),
            },
        }
    }
}

impl ByteSource for FileSource {
    fn name(&self) -> &str {
        match self {
            FileSource::Http(h) => h.name(),
            FileSource::Refused { name, .. } => name,
        }
    }
    fn known_len(&self) -> Option<u64> {
        match self {
            FileSource::Http(h) => h.known_len(),
            FileSource::Refused { .. } => None,
        }
    }
    fn read(
        &self,
        range: std::ops::Range<u64>,
    ) -> LocalBoxFuture<'_, Result<bytes::Bytes, IoError>> {
        match self {
            FileSource::Http(h) => h.read(range),
            FileSource::Refused { why, .. } => {
                let e = IoError::Refused(why.clone());
                Box::pin(async move { Err(e) })
            }
        }
    }
    fn tail(&self, n: u64) -> LocalBoxFuture<'_, Result<(u64, bytes::Bytes), IoError>> {
        match self {
            FileSource::Http(h) => h.tail(n),
            FileSource::Refused { why, .. } => {
                let e = IoError::Refused(why.clone());
                Box::pin(async move { Err(e) })
            }
        }
    }
}

/// A file's footer and the roles of its columns.
type FileMeta = (Arc<ParquetMetaData>, table::Roles);

/// What the network has cost so far.
#[derive(Clone)]
pub(super) struct Costs {
    http: NetStats,
    cache: ByteCache,
}

impl Costs {
    pub(super) fn publish(&self, state: AppState) {
        let c = self.cache.stats();
        state.net.set(NetView {
            http: self.http.get(),
            cache_hits: c.hits(),
            joined: c.shared(),
        });
    }
}

/// What the page was asked to open.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// A manifest (`.json`) or one parquet file.
    Url(WebUrl),
    /// A HuggingFace dataset id, resolved through the datasets server (then the Hub API);
    /// the two base URLs can be overridden (tests serve stand-ins).
    HuggingFace {
        id: String,
        datasets_server: WebUrl,
        hub: WebUrl,
    },
}

/// `base` + `path` (a base already through the gate, an id checked as `owner/name`).
fn endpoint(base: &WebUrl, path: &str) -> Result<WebUrl, String> {
    WebUrl::parse(&format!("{}{path}", base.as_str().trim_end_matches('/')))
        .map_err(|e| e.to_string())
}

/// Resolve a HuggingFace dataset id to a manifest.
async fn resolve_hf(id: &str, datasets_server: &WebUrl, hub: &WebUrl) -> Result<Manifest, String> {
    let listing = endpoint(datasets_server, &format!("/parquet?dataset={id}"))?;
    let first = match crate::web::early::text(&listing).await {
        Ok(text) => dataset::from_datasets_server(id, &text),
        Err(e) => Err(e.to_string()),
    };
    match first {
        Ok(m) => Ok(m),
        Err(first_err) => {
            let api = endpoint(hub, &format!("/api/datasets/{id}/parquet"))?;
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
    state
        .galaxy
        .set(GalaxyView::Failed("the dataset could not be opened".into()));
}

/// Open a target and show its first galaxy.
pub async fn open(state: AppState, target: Target) {
    let url = match &target {
        Target::Url(u) => u.clone(),
        Target::HuggingFace { id, .. } => match WebUrl::parse(&format!("{HF_DATASET_PAGE}{id}")) {
            Ok(u) => u,
            Err(e) => return fail_open(state, e.to_string()),
        },
    };
    let stats = NetStats::default();
    let costs = Costs {
        http: stats.clone(),
        cache: ByteCache::new(DEFAULT_CACHE_BYTES),
    };
    let limiter = Limiter::new(DEFAULT_MAX_IN_FLIGHT);
    state.source.set(url.to_string());
    state.source_link.set(Some(url.clone()));
    let manifest = if let Target::HuggingFace {
        id,
        datasets_server,
        hub,
    } = &target
    {
        state.progress.set(Some(Progress {
            label: format!("Listing the parquet files of {id}"),
            done: 0,
            total: 1,
        }));
        match resolve_hf(id, datasets_server, hub).await {
            Ok(m) => m,
            Err(e) => return fail_open(state, e),
        }
    } else if url
        .as_str()
        .split(['?', '#'])
        .next()
        .unwrap_or("")
        .ends_with(".json")
    {
        state.progress.set(Some(Progress {
            label: "Reading the dataset manifest".into(),
            done: 0,
            total: 1,
        }));
        match crate::web::early::text(&url)
            .await
            .map_err(|e| e.to_string())
            .and_then(|t| Manifest::parse(url.as_str(), &t))
        {
            Ok(m) => m,
            Err(e) => return fail_open(state, e),
        }
    } else {
        Manifest::single(url.as_str())
    };
    // a single file whose length and tail boot.js read while the wasm was loading
    let mut manifest = manifest;
    let mut early_tail = None;
    if manifest.files.len() == 1
        && manifest.catalog.is_none()
        && let Some(crate::web::early::Early::Tail { start, len, bytes }) =
            crate::web::early::take("tail", &url).await
        && start < len
        && bytes.len() as u64 == len - start
    {
        manifest.files[0].size = Some(len);
        // the footer's first read is exactly those bytes, served from the cache
        manifest.files[0].footer_len.get_or_insert(len - start);
        early_tail = Some((start..len, bytes));
    }
    state.title.set(manifest.name.clone());
    // every file's address passes the gate: a refused one fails that file, with its
    // reason, and is never requested; the rest of the dataset still opens
    let urls: Vec<Result<WebUrl, UrlRefused>> =
        manifest.files.iter().map(|f| url.join(&f.path)).collect();
    let files: Vec<FileRow> = manifest
        .files
        .iter()
        .zip(&urls)
        .map(|(f, u)| FileRow {
            url: match u {
                Ok(u) => u.to_string(),
                Err(_) => f.path.clone(),
            },
            link: u.as_ref().ok().cloned(),
            split: f.split.clone(),
            size: f.size,
            status: match u {
                Ok(_) => FileStatus::Pending,
                Err(e) => FileStatus::Failed(e.to_string()),
            },
        })
        .collect();
    state.files.set(files.clone());
    let make_source = |url: &Result<WebUrl, UrlRefused>, m: &dataset::ManifestFile| {
        let file = FileSource::new(url, m.size, &stats);
        let src = CachedSource::new(LimitedSource::new(file, limiter.clone()), &costs.cache);
        // a footer embedded in the manifest: opening needs no footer request
        if let (Some(size), Some(footer)) = (m.size, m.footer_bytes()) {
            let len = footer.len() as u64;
            src.prime(size.saturating_sub(len)..size, footer.into());
        }
        src
    };
    let sources: Vec<Source> = urls
        .iter()
        .zip(&manifest.files)
        .map(|(u, m)| make_source(u, m))
        .collect();
    if let (Some((range, bytes)), Some(src)) = (early_tail, sources.first()) {
        src.prime(range, bytes);
    }
    let hints: Vec<Option<u64>> = manifest.files.iter().map(|f| f.footer_len).collect();
    // With a catalog sidecar and every file's row count in the manifest, the shards'
    // footers are read only when one of their galaxies is shown: the map comes from the
    // catalog, and global rows from the manifest's counts (gz_desi: 34 of 35 footers of
    // 1.35 MB each, and their decoding, saved).
    let manifest_rows: Option<Vec<u64>> = manifest
        .catalog
        .as_ref()
        .and_then(|_| manifest.files.iter().map(|f| f.rows).collect());
    let wanted_row = crate::web::query_param("row")
        .and_then(|r| r.parse::<u64>().ok())
        .unwrap_or(0);
    let by_id = crate::web::query_param("id").is_some();
    let read_now: Vec<usize> = match &manifest_rows {
        Some(rows) => {
            let mut index = dataset::RowIndex::default();
            rows.iter().enumerate().for_each(|(i, &n)| index.push(i, n));
            let first = wanted_row.min(index.rows().saturating_sub(1));
            state.files.update(|f| {
                for (row, &n) in f.iter_mut().zip(rows) {
                    // a refused file stays failed: it will never be read
                    if row.link.is_some() {
                        row.status = FileStatus::Deferred { rows: n };
                    }
                }
            });
            // a link by id names its galaxy's file only once the catalog is read
            if by_id {
                Vec::new()
            } else {
                index
                    .locate(first)
                    .map(|at| vec![at.file])
                    .unwrap_or_default()
            }
        }
        None => (0..files.len()).collect(),
    };
    let catalog_src = manifest
        .catalog
        .as_ref()
        .map(|c| (make_source(&url.join(&c.path), c), c.footer_len));
    state.progress.set(Some(Progress {
        label: "Reading parquet footers".into(),
        done: 0,
        total: read_now.len() + usize::from(catalog_src.is_some()),
    }));
    let catalog_meta = async {
        match &catalog_src {
            Some((src, hint)) => {
                let meta =
                    timing::timed("catalog footer", decode::read_metadata_hinted(src, *hint))
                        .await
                        .map(Arc::new);
                state
                    .progress
                    .update(|p| p.iter_mut().for_each(|p| p.done += 1));
                Some(meta)
            }
            None => None,
        }
    };
    let footers = join_all(
        read_now
            .iter()
            // the galaxy cannot be found or shown before these: foreground
            .map(|&i| {
                read_footer(
                    state,
                    WithUrgency::new(&sources[i], Priority::Foreground),
                    hints[i],
                    i,
                    &costs,
                )
            }),
    );
    let (read, catalog_meta) = futures::join!(footers, catalog_meta);
    let mut metas: Vec<Option<(Arc<ParquetMetaData>, table::Roles)>> = vec![None; files.len()];
    for (&i, r) in read_now.iter().zip(read) {
        metas[i] = r.ok();
    }
    let catalog = match (catalog_src, catalog_meta) {
        (Some((src, _)), Some(Ok(meta))) => Some((src, meta)),
        (Some((src, _)), Some(Err(e))) => {
            state.sky_note.set(Some(format!("the catalog sidecar {} could not be read ({e}); reading every shard's columns instead", src.name())));
            if manifest_rows.is_some() {
                // the map needs every shard's footer after all
                let rest: Vec<usize> = (0..files.len()).filter(|i| !read_now.contains(i)).collect();
                state.progress.set(Some(Progress {
                    label: "Reading parquet footers".into(),
                    done: 0,
                    total: rest.len(),
                }));
                let more = join_all(
                    rest.iter()
                        .map(|&i| read_footer(state, &sources[i], hints[i], i, &costs)),
                )
                .await;
                for (&i, r) in rest.iter().zip(more) {
                    metas[i] = r.ok();
                }
            }
            None
        }
        _ => None,
    };
    state.progress.set(None);
    // the footers' decoding took the thread: let the page paint before more work
    crate::web::sleep_ms(0).await;
    // Both start now: the galaxy's read is issued first, so it is first in line for a
    // connection, and the positions' read of row group 0 joins it instead of repeating it.
    let ds = Rc::new(build_dataset(
        files,
        sources,
        hints,
        metas,
        manifest_rows,
        costs.clone(),
        catalog,
    ));
    state.dataset.set_value(Some(ds.clone()));
    if let Some(id) = crate::web::query_param("id") {
        // a link to a galaxy by id: its row is known once the ids have arrived
        state
            .galaxy
            .set(GalaxyView::Loading(format!("Finding galaxy {id}")));
        super::sky_load::load_positions(state, &ds).await;
        match super::sky_load::row_of_id(state, &id) {
            Some(row) => {
                state.row.set_value(row);
                show_row(state, ds.clone(), row).await;
            }
            None => state.galaxy.set(GalaxyView::Failed(format!(
                "no galaxy with id {id} in this dataset"
            ))),
        }
    } else {
        let first = wanted_row.min(ds.rows().saturating_sub(1));
        state.row.set_value(first);
        futures::join!(
            timing::timed("first galaxy", show_row(state, ds.clone(), first)),
            timing::timed("positions", super::sky_load::load_positions(state, &ds))
        );
    }
    costs.publish(state);
}

/// Read file `i`'s footer, reporting it in the file list, the progress and the costs.
async fn read_footer(
    state: AppState,
    src: impl ByteSource,
    hint: Option<u64>,
    i: usize,
    costs: &Costs,
) -> Result<(Arc<ParquetMetaData>, table::Roles), String> {
    state.files.update(|rows| {
        if let Some(r) = rows.get_mut(i) {
            r.status = FileStatus::Pending;
        }
    });
    let result = timing::timed("footer", decode::read_metadata_hinted(&src, hint))
        .await
        .map(Arc::new);
    let (status, out) = match result {
        Ok(meta) => {
            timing::mark_once("gzv:metadata");
            // decoding took the thread: summarise in the next step
            crate::web::sleep_ms(0).await;
            let summary = {
                let _s = timing::Span::new("footer summary");
                dataset::summarize(&meta)
            };
            let roles = summary.roles.clone();
            (FileStatus::Read(summary), Ok((meta, roles)))
        }
        Err(e) => (FileStatus::Failed(e.to_string()), Err(e.to_string())),
    };
    state.files.update(|rows| {
        if let Some(r) = rows.get_mut(i) {
            r.size = src.known_len();
            r.status = status;
        }
    });
    state
        .progress
        .update(|p| p.iter_mut().for_each(|p| p.done += 1));
    costs.publish(state);
    out
}

/// An opened dataset, kept for navigation: readable files with images, addressed as one
/// table of global rows (manifest order: train first).
pub struct OpenDataset {
    files: Vec<FileRow>,
    pub(super) sources: Vec<Source>,
    /// Footer lengths named by the manifest (a footer is then one request).
    hints: Vec<Option<u64>>,
    /// Each file's footer and column roles, once read (some are read only when needed).
    metas: RefCell<Vec<Option<FileMeta>>>,
    index: dataset::RowIndex,
    /// Global row of each file's first row (files in the index only).
    pub(super) first_rows: Vec<Option<u64>>,
    pub(super) costs: Costs,
    /// The catalog sidecar named by the manifest, when it could be read.
    pub(super) catalog: Option<(Source, Arc<ParquetMetaData>)>,
    /// What the sky map reads (planned once positions start loading).
    pub(super) sky_plan: RefCell<Option<Rc<super::sky_load::SkyPlan>>>,
    /// Every row of every readable file, images or not: what the table view shows.
    table_index: dataset::RowIndex,
    /// Footers decoded again with column statistics, for the schema panel and headers.
    stats_metas: RefCell<Vec<Option<Arc<ParquetMetaData>>>>,
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

    /// The split of global row `row`.
    pub(super) fn split_of(&self, row: u64) -> Option<&str> {
        self.index
            .locate(row)
            .and_then(|at| self.files.get(at.file))
            .map(|f| f.split.as_str())
    }

    pub(super) fn file_count(&self) -> usize {
        self.files.len()
    }

    /// File `i`'s footer and roles, if read.
    pub(super) fn meta(&self, i: usize) -> Option<(Arc<ParquetMetaData>, table::Roles)> {
        self.metas.borrow().get(i).cloned().flatten()
    }

    /// Where global row `row`'s image is: its file, row group and row in the group, once
    /// the file's footer is read.
    pub(super) fn locate_image(&self, row: u64) -> crate::gallery::Locate {
        use crate::gallery::Locate;
        let Some(at) = self.index.locate(row) else {
            return Locate::Nowhere;
        };
        let Some((meta, roles)) = self.meta(at.file) else {
            return Locate::NeedsFooter(at.file);
        };
        if roles.image.is_none() {
            return Locate::Nowhere;
        }
        match dataset::row_group_of(
            meta.row_groups()
                .iter()
                .map(|rg| rg.num_rows().max(0) as u64),
            at.row,
        ) {
            Some((rg, offset)) => Locate::At(at.file, rg, offset),
            None => Locate::Nowhere,
        }
    }

    /// The file's name as shown in messages.
    pub(super) fn file_name(&self, i: usize) -> String {
        self.files
            .get(i)
            .map_or("?", |f| f.url.rsplit('/').next().unwrap_or(&f.url))
            .to_string()
    }

    /// Global rows of each split, in dataset order: (split, first row, rows) per file.
    pub(super) fn split_ranges(&self) -> Vec<(String, std::ops::Range<u64>)> {
        let mut out: Vec<(String, std::ops::Range<u64>)> = Vec::new();
        let mut at = 0u64;
        for &(file, n) in self.index.files() {
            let split = self.files.get(file).map_or("", |f| f.split.as_str());
            match out.last_mut() {
                Some((s, r)) if s == split && r.end == at => r.end = at + n,
                _ => out.push((split.to_string(), at..at + n)),
            }
            at += n;
        }
        out
    }

    /// Rows of the table view: every row of every readable file.
    pub(super) fn table_rows(&self) -> u64 {
        self.table_index.rows()
    }

    /// Where global table row `row` is (file, row group, row in the group).
    pub(super) fn locate_row(&self, row: u64) -> crate::gallery::Locate {
        use crate::gallery::Locate;
        let Some(at) = self.table_index.locate(row) else {
            return Locate::Nowhere;
        };
        let Some((meta, _)) = self.meta(at.file) else {
            return Locate::NeedsFooter(at.file);
        };
        match dataset::row_group_of(
            meta.row_groups()
                .iter()
                .map(|rg| rg.num_rows().max(0) as u64),
            at.row,
        ) {
            Some((rg, offset)) => Locate::At(at.file, rg, offset),
            None => Locate::Nowhere,
        }
    }

    /// Files whose rows the table view shows, in order.
    pub(super) fn table_files(&self) -> Vec<usize> {
        self.table_index.files().iter().map(|&(f, _)| f).collect()
    }

    /// File `i`'s footer with column statistics (read again once, as a visitor asks).
    pub(super) async fn stats_meta(&self, i: usize) -> Result<Arc<ParquetMetaData>, String> {
        if let Some(m) = self.stats_metas.borrow().get(i).cloned().flatten() {
            return Ok(m);
        }
        let src = self
            .sources
            .get(i)
            .ok_or_else(|| format!("there is no file {i}"))?;
        let meta = decode::read_metadata_with_stats(src, self.hints.get(i).copied().flatten())
            .await
            .map(Arc::new)
            .map_err(|e| e.to_string())?;
        if let Some(slot) = self.stats_metas.borrow_mut().get_mut(i) {
            *slot = Some(meta.clone());
        }
        Ok(meta)
    }

    /// File `i`'s footer and roles, read now if they were left for later.
    pub(super) async fn ensure_meta(
        &self,
        state: AppState,
        i: usize,
        priority: Priority,
    ) -> Result<(Arc<ParquetMetaData>, table::Roles), String> {
        if let Some(m) = self.meta(i) {
            return Ok(m);
        }
        let src = self
            .sources
            .get(i)
            .ok_or_else(|| format!("there is no file {i}"))?;
        let m = read_footer(
            state,
            WithUrgency::new(src, priority),
            self.hints.get(i).copied().flatten(),
            i,
            &self.costs,
        )
        .await?;
        if let Some(slot) = self.metas.borrow_mut().get_mut(i) {
            *slot = Some(m.clone());
        }
        Ok(m)
    }
}

/// The dataset's row index: from the manifest's row counts when footers are read on
/// demand, else from the footers read (files with an image column only).
fn build_dataset(
    files: Vec<FileRow>,
    sources: Vec<Source>,
    hints: Vec<Option<u64>>,
    metas: Vec<Option<(Arc<ParquetMetaData>, table::Roles)>>,
    manifest_rows: Option<Vec<u64>>,
    costs: Costs,
    catalog: Option<(Source, Arc<ParquetMetaData>)>,
) -> OpenDataset {
    let mut index = dataset::RowIndex::default();
    let mut table_index = dataset::RowIndex::default();
    let mut first_rows = vec![None; files.len()];
    for i in 0..files.len() {
        let all_rows = match (&manifest_rows, &metas[i]) {
            (Some(rows), _) => rows.get(i).copied(),
            (None, Some((meta, _))) => Some(meta.file_metadata().num_rows().max(0) as u64),
            _ => None,
        };
        if let Some(n) = all_rows {
            table_index.push(i, n);
        }
        let rows = match (&manifest_rows, &metas[i]) {
            (Some(rows), _) => rows.get(i).copied().unwrap_or(0),
            (None, Some((meta, roles))) if roles.image.is_some() => meta
                .row_groups()
                .iter()
                .map(|rg| rg.num_rows().max(0) as u64)
                .sum(),
            _ => continue,
        };
        first_rows[i] = Some(index.rows());
        index.push(i, rows);
    }
    let files_len = files.len();
    OpenDataset {
        files,
        sources,
        hints,
        metas: RefCell::new(metas),
        index,
        first_rows,
        costs,
        catalog,
        sky_plan: Default::default(),
        table_index,
        stats_metas: RefCell::new(vec![None; files_len]),
    }
}

/// Show the galaxy at global row `row` of the dataset.
pub async fn show_row(state: AppState, ds: Rc<OpenDataset>, row: u64) {
    if ds.rows() == 0 {
        let readable = ds.metas.borrow().iter().any(Option::is_some);
        state.galaxy.set(if readable {
            GalaxyView::NoImages
        } else {
            GalaxyView::Failed("no file of the dataset could be read (see the file list)".into())
        });
        return;
    }
    let Some(at) = ds.index.locate(row) else {
        return state.galaxy.set(GalaxyView::Failed(format!(
            "there is no row {row}: the dataset has {} rows",
            ds.rows()
        )));
    };
    let i = at.file;
    let name = ds
        .files
        .get(i)
        .map_or("?", |f| f.url.rsplit('/').next().unwrap_or(&f.url))
        .to_string();
    if ds.meta(i).is_none() {
        state
            .galaxy
            .set(GalaxyView::Loading(format!("Reading the footer of {name}")));
    }
    let (meta, roles) = match ds.ensure_meta(state, i, Priority::Foreground).await {
        Ok(m) => m,
        Err(e) => {
            return state.galaxy.set(GalaxyView::Failed(format!(
                "galaxy {row} is in {name}, whose footer could not be read: {e}"
            )));
        }
    };
    if roles.image.is_none() {
        return state.galaxy.set(GalaxyView::Failed(format!(
            "galaxy {row} is in {name}, which has no image column"
        )));
    }
    let Some((row_group, offset)) = dataset::row_group_of(
        meta.row_groups()
            .iter()
            .map(|rg| rg.num_rows().max(0) as u64),
        at.row,
    ) else {
        let have = meta.file_metadata().num_rows();
        return state.galaxy.set(GalaxyView::Failed(format!(
            "{name} has {have} rows, fewer than the manifest says: row {} of it is missing",
            at.row
        )));
    };
    state
        .galaxy
        .set(GalaxyView::Loading(format!("Fetching galaxy {row}")));
    let schema = table::arrow_schema(&meta).unwrap_or_else(|_| arrow_schema::Schema::empty());
    let vote_schema = table::vote_schema(&schema);
    let mut columns = table::leaf_paths(&roles);
    columns.extend(
        vote_schema
            .columns()
            .into_iter()
            .map(|c| schema.field(c).name().clone()),
    );
    let req = RowRequest {
        columns,
        row_group,
        offset,
        count: 1,
    };
    // the visitor waits for this: ahead of every background read
    let src = WithUrgency::new(&ds.sources[i], Priority::Foreground);
    let src: &dyn ByteSource = &src;
    let batches =
        match timing::timed("galaxy row", decode::read_rows(src, meta.clone(), &req)).await {
            Ok(b) => b,
            Err(e) => return state.galaxy.set(GalaxyView::Failed(e.to_string())),
        };
    ds.costs.publish(state);
    let Some(batch) = batches.first() else {
        return state.galaxy.set(GalaxyView::Failed(format!(
            "row group {row_group} returned no rows"
        )));
    };
    let values = table::row_values(batch, &roles, 0);
    let votes = campaign_votes(&vote_schema, &schema, batch, 0);
    state
        .galaxy
        .set(GalaxyView::Loading("Decoding the image".into()));
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
                Err(_) => imaging::decode(bytes)
                    .map(Arc::new)
                    .map_err(|e| e.to_string()),
            },
        },
        None => Err("this row has no image (null)".into()),
    };
    let file_row = at.row;
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
    let Some(ds) = state.dataset.get_value() else {
        return;
    };
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
fn campaign_votes(
    vs: &crate::gz::VoteSchema,
    schema: &arrow_schema::Schema,
    batch: &arrow_array::RecordBatch,
    row: usize,
) -> Vec<CampaignVotes> {
    let count = |col: usize| {
        batch
            .column_by_name(schema.field(col).name())
            .and_then(|c| table::int_at(c.as_ref(), row))
    };
    vs.campaigns
        .iter()
        .map(|c| {
            let questions: Vec<crate::gz::QuestionVotes> = c
                .questions
                .iter()
                .map(|q| crate::gz::QuestionVotes::from_row(q, count))
                .collect();
            CampaignVotes {
                campaign: c.name.clone(),
                path: crate::gz::most_voted_path(&questions, c.tree),
                summary: crate::gz::describe(&c.name, &questions, c.tree),
                tree: c.tree,
                questions,
            }
        })
        .collect()
}
