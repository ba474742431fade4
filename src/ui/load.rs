//! Opening a dataset: manifest → footers (in parallel) → the first galaxy. Writes
//! progress, results and failures into [`AppState`].

use super::state::{AppState, FileRow, FileStatus, Galaxy, GalaxyView, Progress};
use crate::dataset::{self, Manifest};
use crate::decode::{self, RowRequest};
use crate::imaging;
use crate::io::ByteSource;
use crate::table;
use crate::web::http::{HttpSource, NetStats, fetch_text};
use crate::web::timing;
use futures::future::join_all;
use leptos::prelude::*;
use parquet::file::metadata::ParquetMetaData;
use std::sync::Arc;

/// The dataset opened when the page has no `?url=`.
pub const DEFAULT_DATASET: &str = "sample/index.json";

/// Open `url` (a manifest `.json` or one parquet file) and show its first galaxy.
pub async fn open(state: AppState, url: String) {
    let stats = NetStats::default();
    state.source.set(url.clone());
    let manifest = if url.split(['?', '#']).next().unwrap_or("").ends_with(".json") {
        state.progress.set(Some(Progress { label: "Reading the dataset manifest".into(), done: 0, total: 1 }));
        match fetch_text(&url).await.map_err(|e| e.to_string()).and_then(|t| Manifest::parse(&url, &t)) {
            Ok(m) => m,
            Err(e) => {
                state.progress.set(None);
                state.fatal.set(Some(e));
                state.galaxy.set(GalaxyView::Failed("the dataset could not be opened".into()));
                return;
            }
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
    let sources: Vec<HttpSource> = files.iter().map(|f| HttpSource::new(f.url.clone(), f.size, stats.clone())).collect();
    let metas = join_all(sources.iter().enumerate().map(|(i, src)| {
        let stats = stats.clone();
        async move {
            let result = decode::read_metadata(src).await.map(Arc::new);
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
            state.net.set(stats.get());
            result.ok()
        }
    }))
    .await;
    state.progress.set(None);
    first_galaxy(state, &files, &sources, &metas, &stats).await;
    state.net.set(stats.get());
}

/// Read and show row 0 of the first file (train split first) that has an image column.
async fn first_galaxy(
    state: AppState,
    files: &[FileRow],
    sources: &[HttpSource],
    metas: &[Option<Arc<ParquetMetaData>>],
    stats: &NetStats,
) {
    let mut order: Vec<usize> = (0..files.len()).filter(|&i| metas[i].is_some()).collect();
    order.sort_by_key(|&i| (files[i].split != "train", i));
    if order.is_empty() {
        state.galaxy.set(GalaxyView::Failed("no file of the dataset could be read (see the file list)".into()));
        return;
    }
    let with_image = order.iter().copied().find(|&i| {
        metas[i].as_ref().is_some_and(|m| table::arrow_schema(m).map(|s| table::recognise(&s).image.is_some()).unwrap_or(false))
    });
    let Some(i) = with_image else {
        state.galaxy.set(GalaxyView::NoImages);
        return;
    };
    let Some(meta) = metas[i].clone() else { return };
    let roles = match table::arrow_schema(&meta) {
        Ok(s) => table::recognise(&s),
        Err(e) => return state.galaxy.set(GalaxyView::Failed(e)),
    };
    state.galaxy.set(GalaxyView::Loading("Fetching the first galaxy".into()));
    let req = RowRequest { columns: table::leaf_paths(&roles), row_group: 0, offset: 0, count: 1 };
    let src: &dyn ByteSource = &sources[i];
    let batches = match decode::read_rows(src, meta, &req).await {
        Ok(b) => b,
        Err(e) => return state.galaxy.set(GalaxyView::Failed(e.to_string())),
    };
    state.net.set(stats.get());
    let Some(batch) = batches.first() else {
        return state.galaxy.set(GalaxyView::Failed("the first row group returned no rows".into()));
    };
    let values = table::row_values(batch, &roles, 0);
    state.galaxy.set(GalaxyView::Loading("Decoding the image".into()));
    // let the page paint the progress before the decode takes the thread
    yield_to_browser().await;
    let image = match values.image {
        Some(bytes) => imaging::decode(&bytes).map(Arc::new).map_err(|e| e.to_string()),
        None => Err("this row has no image (null)".into()),
    };
    state.galaxy.set(GalaxyView::Ready(Arc::new(Galaxy {
        id: values.id,
        ra: values.ra,
        dec: values.dec,
        split: files[i].split.clone(),
        file: files[i].url.clone(),
        row: 0,
        image,
    })));
}

/// Give the event loop one turn (a resolved promise's microtask is not enough to paint,
/// a zero timeout is).
async fn yield_to_browser() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 0);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}
