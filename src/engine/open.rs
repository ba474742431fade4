//! Opening a dataset: manifest (or listing) → footers (in parallel; the first galaxy's
//! first, in the foreground) → the row indexes → the first galaxy, with the positions
//! of every row read beside it in the background.

use super::Engine;
use super::dataset::{Dataset, FileMeta, make_source, read_footer};
use super::protocol::{
    Columns, Early, Event, FileRow, FileStatus, GalaxyState, Opened, Progress, Target,
};
use crate::dataset::{self, Manifest, RowIndex};
use crate::decode;
use crate::io::{
    ByteCache, ByteSource, DEFAULT_CACHE_BYTES, DEFAULT_MAX_IN_FLIGHT, Limiter, Priority,
    UrlRefused, WebUrl, WithUrgency,
};
use futures::FutureExt;
use futures::future::join_all;
use parquet::file::metadata::ParquetMetaData;
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

/// Where a HuggingFace dataset's page is (shown as the source).
pub const HF_DATASET_PAGE: &str = "https://huggingface.co/datasets/";

/// `base` + `path` (a base already through the gate, an id checked as `owner/name`).
fn endpoint(base: &WebUrl, path: &str) -> Result<WebUrl, String> {
    WebUrl::parse(&format!("{}{path}", base.as_str().trim_end_matches('/')))
        .map_err(|e| e.to_string())
}

/// The early text for `url`, if the page handed one over and it succeeded.
fn early_text(early: &mut Vec<Early>, url: &WebUrl) -> Option<String> {
    let i = early
        .iter()
        .position(|e| matches!(e, Early::Text { url: u, status, .. } if u == url && (200..300).contains(status)))?;
    match early.remove(i) {
        Early::Text { text, .. } => Some(text),
        Early::Tail { .. } => None,
    }
}

impl Engine {
    async fn text(&self, early: &mut Vec<Early>, url: &WebUrl) -> Result<String, String> {
        match early_text(early, url) {
            Some(t) => Ok(t),
            None => self.host().text(url).await.map_err(|e| e.to_string()),
        }
    }

    /// Resolve a HuggingFace dataset id to a manifest.
    async fn resolve_hf(
        &self,
        early: &mut Vec<Early>,
        id: &str,
        datasets_server: &WebUrl,
        hub: &WebUrl,
    ) -> Result<Manifest, String> {
        let listing = endpoint(datasets_server, &format!("/parquet?dataset={id}"))?;
        let first = match self.text(early, &listing).await {
            Ok(text) => dataset::from_datasets_server(id, &text),
            Err(e) => Err(e),
        };
        match first {
            Ok(m) => Ok(m),
            Err(first_err) => {
                let api = endpoint(hub, &format!("/api/datasets/{id}/parquet"))?;
                match self.host().text(&api).await {
                    Ok(text) => dataset::from_hub_parquet_api(id, &text),
                    Err(e) => Err(format!("{first_err}; the Hub API fallback failed too: {e}")),
                }
            }
        }
    }

    fn fail_open(&self, reason: String) {
        self.emit(Event::Progress(None));
        self.emit(Event::Fatal(reason));
        self.emit(Event::Galaxy {
            row: None,
            state: GalaxyState::Failed("the dataset could not be opened".into()),
        });
    }

    fn progress(&self, label: &str, done: usize, total: usize) {
        self.emit(Event::Progress(Some(Progress {
            label: label.into(),
            done,
            total,
        })));
    }

    /// Open `target` and show row `row` (else the galaxy with `id`, else the first).
    pub(super) async fn open(
        &self,
        target: Target,
        row: Option<u64>,
        id: Option<String>,
        mut early: Vec<Early>,
    ) {
        let url = match &target {
            Target::Url(u) => u.clone(),
            Target::Local { .. } => match WebUrl::parse(crate::dataset::LOCAL_BASE) {
                Ok(u) => u,
                Err(e) => return self.fail_open(e.to_string()),
            },
            Target::HuggingFace { id, .. } => {
                match WebUrl::parse(&format!("{HF_DATASET_PAGE}{id}")) {
                    Ok(u) => u,
                    Err(e) => return self.fail_open(e.to_string()),
                }
            }
        };
        let manifest = if let Target::HuggingFace {
            id,
            datasets_server,
            hub,
        } = &target
        {
            self.progress(&format!("Listing the parquet files of {id}"), 0, 1);
            match self.resolve_hf(&mut early, id, datasets_server, hub).await {
                Ok(m) => m,
                Err(e) => return self.fail_open(e),
            }
        } else if let Target::Local { files } = &target {
            let named: Vec<(String, u64)> =
                files.iter().map(|f| (f.name.clone(), f.size)).collect();
            match crate::dataset::local_manifest(&named) {
                Some(m) => m,
                None => {
                    return self.fail_open(format!(
                        "no .parquet file among the {} file{} chosen",
                        files.len(),
                        if files.len() == 1 { "" } else { "s" }
                    ));
                }
            }
        } else if url
            .as_str()
            .split(['?', '#'])
            .next()
            .unwrap_or("")
            .ends_with(".json")
        {
            self.progress("Reading the dataset manifest", 0, 1);
            match self
                .text(&mut early, &url)
                .await
                .and_then(|t| Manifest::parse(url.as_str(), &t))
            {
                Ok(m) => m,
                Err(e) => return self.fail_open(e),
            }
        } else {
            Manifest::single(url.as_str())
        };
        let mut manifest = manifest;
        // a single file whose length and footer the page read while the engine started
        let mut early_tail = None;
        if manifest.files.len() == 1 && manifest.catalog.is_none()
            && let Some(i) = early.iter().position(
                |e| matches!(e, Early::Tail { url: u, start, len, bytes } if *u == url && start < len && bytes.len() as u64 == len - start),
            )
            && let Early::Tail { start, len, bytes, .. } = early.remove(i)
        {
            manifest.files[0].size = Some(len);
            // the footer's first read is exactly those bytes, served from the cache
            manifest.files[0].footer_len.get_or_insert(len - start);
            early_tail = Some((start..len, bytes::Bytes::from(bytes.0)));
        }
        self.emit(Event::Title(manifest.name.clone()));
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
                    Ok(u) => {
                        crate::dataset::local_name(u.as_str()).unwrap_or_else(|| u.to_string())
                    }
                    Err(_) => f.path.clone(),
                },
                // a file on the visitor's disk has no address to link to
                link: u
                    .as_ref()
                    .ok()
                    .filter(|u| crate::dataset::local_index(u.as_str()).is_none())
                    .cloned(),
                split: f.split.clone(),
                size: f.size,
                status: match u {
                    Ok(_) => FileStatus::Pending,
                    Err(e) => FileStatus::Failed(e.to_string()),
                },
            })
            .collect();
        let cache = ByteCache::new(DEFAULT_CACHE_BYTES);
        let limiter = Limiter::new(DEFAULT_MAX_IN_FLIGHT);
        let sources: Vec<_> = urls
            .iter()
            .zip(&manifest.files)
            .map(|(u, m)| {
                let src = make_source(self.host(), u, m.size, &limiter, &cache);
                // a footer embedded in the manifest: opening needs no footer request
                if let (Some(size), Some(footer)) = (m.size, m.footer_bytes()) {
                    let len = footer.len() as u64;
                    src.prime(size.saturating_sub(len)..size, footer.into());
                }
                src
            })
            .collect();
        if let (Some((range, bytes)), Some(src)) = (early_tail, sources.first()) {
            src.prime(range, bytes);
        }
        let hints: Vec<Option<u64>> = manifest.files.iter().map(|f| f.footer_len).collect();
        // With a catalog sidecar and every file's row count in the manifest, the shards'
        // footers are read only when one of their galaxies is shown: the map comes from
        // the catalog, and global rows from the manifest's counts (gz_desi: 34 of 35
        // footers of 1.35 MB each, and their decoding, saved).
        let manifest_rows: Option<Vec<u64>> = manifest
            .catalog
            .as_ref()
            .and_then(|_| manifest.files.iter().map(|f| f.rows).collect());
        let wanted_row = row.unwrap_or(0);
        let by_id = id.is_some() && row.is_none();
        let files = RefCell::new(files);
        let read_now: Vec<usize> = match &manifest_rows {
            Some(rows) => {
                let mut index = RowIndex::default();
                rows.iter().enumerate().for_each(|(i, &n)| index.push(i, n));
                let first = wanted_row.min(index.rows().saturating_sub(1));
                for (f, &n) in files.borrow_mut().iter_mut().zip(rows) {
                    // a refused file stays failed: it will never be read
                    if f.link.is_some() {
                        f.status = FileStatus::Deferred { rows: n };
                    }
                }
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
            None => (0..sources.len()).collect(),
        };
        // what an earlier visit kept: each file read now checks its version and takes its
        // footer from the browser when unchanged (the galaxy's file first, like its
        // footer); the map is drawn from the browser once every file is back unchanged
        let kept = self.kept_list().await;
        let kept_footers = RefCell::new(vec![false; sources.len()]);
        let hints = RefCell::new(hints);
        let map_possible = kept
            .as_ref()
            .is_some_and(|(_, e)| Self::has_map(e, url.as_str()))
            && read_now.len() == sources.len();
        let (key_tx, key_rx): (Vec<_>, Vec<_>) = (0..sources.len())
            .map(|_| futures::channel::oneshot::channel::<Option<String>>())
            .unzip();
        let key_tx = RefCell::new(key_tx.into_iter().map(Some).collect::<Vec<_>>());
        let find = id.as_deref().filter(|_| row.is_none());
        // once the galaxy has started, the other files' kept footers decode after the kept
        // map is drawn (the thread draws the map first)
        let (map_done_tx, map_done) = futures::channel::oneshot::channel::<()>();
        let map_done = map_done.shared();
        let map = async {
            let drawn = match (&kept, map_possible) {
                (Some((k, _)), true) => self.restore_map(k, url.as_str(), key_rx, find).await,
                _ => None,
            };
            let _ = map_done_tx.send(());
            drawn
        };
        self.emit(Event::Files(files.borrow().clone()));
        let catalog_src = manifest.catalog.as_ref().map(|c| {
            (
                make_source(self.host(), &url.join(&c.path), c.size, &limiter, &cache),
                c.footer_len,
            )
        });
        let total = read_now.len() + usize::from(catalog_src.is_some());
        let done = std::cell::Cell::new(0usize);
        self.progress("Reading parquet footers", 0, total);
        let tick = || {
            done.set(done.get() + 1);
            self.progress("Reading parquet footers", done.get(), total);
        };
        let catalog_meta = async {
            match &catalog_src {
                Some((src, hint)) => {
                    let p = if by_id {
                        Priority::Foreground
                    } else {
                        Priority::Background
                    };
                    let meta = decode::read_metadata_hinted(&WithUrgency::new(src, p), *hint)
                        .await
                        .map(Arc::new);
                    tick();
                    Some(meta)
                }
                None => None,
            }
        };
        // Without row counts (no catalog: HuggingFace's gz_desi) every footer must be read
        // before the dataset's rows are known; the galaxy asked for is shown as soon as
        // the footers of its file and of every file before it are in (global rows count
        // in manifest order), from a dataset of those files alone.
        let early_galaxy = !by_id && manifest_rows.is_none() && read_now.len() > 1;
        let so_far: RefCell<Vec<Option<Option<FileMeta>>>> =
            RefCell::new(vec![None; sources.len()]);
        let galaxy_started = std::cell::Cell::new(false);
        let try_galaxy = || {
            if !early_galaxy || galaxy_started.get() {
                return;
            }
            let so_far = so_far.borrow();
            let mut rows = 0u64;
            let mut through = None;
            for (i, m) in so_far.iter().enumerate() {
                let Some(m) = m else { return }; // a footer before it is still coming
                if let Some((meta, roles)) = m
                    && roles.image.is_some()
                {
                    rows += meta
                        .row_groups()
                        .iter()
                        .map(|rg| rg.num_rows().max(0) as u64)
                        .sum::<u64>();
                }
                if rows > wanted_row {
                    through = Some(i);
                    break;
                }
            }
            let Some(k) = through else { return };
            galaxy_started.set(true);
            let ds = Rc::new(build(
                (url.as_str(), manifest.name.clone()),
                files.borrow()[..=k].to_vec(),
                sources[..=k].to_vec(),
                hints.borrow()[..=k].to_vec(),
                so_far[..=k].iter().map(|m| m.clone().flatten()).collect(),
                None,
                None,
                cache.clone(),
            ));
            let handle = self.spawn_abortable({
                let engine = self.clone();
                async move { engine.galaxy_task(ds, wanted_row).await }
            });
            self.0.galaxy.replace(Some(handle));
        };
        let report = |i: usize, r: &Result<(FileMeta, crate::dataset::FileSummary), String>| {
            if let Some(slot) = so_far.borrow_mut().get_mut(i) {
                *slot = Some(r.as_ref().ok().map(|(m, _)| m.clone()));
            }
            if r.is_ok()
                && !kept_footers.borrow().get(i).copied().unwrap_or(false)
                && let Some(src) = sources.get(i)
            {
                self.keep_footer(src);
            }
            let status = match r {
                Ok((_, summary)) => FileStatus::Read(summary.clone()),
                Err(e) => FileStatus::Failed(e.clone()),
            };
            let mut f = files.borrow_mut();
            if let Some(row) = f.get_mut(i) {
                row.status = status;
                if let Some(len) = sources.get(i).and_then(|s| s.known_len()) {
                    row.size = Some(len);
                }
            }
            drop(f);
            self.emit(Event::Files(files.borrow().clone()));
            if r.is_ok() {
                self.emit(Event::Mark {
                    name: "gzv:metadata".into(),
                    at: None,
                });
            }
            tick();
            try_galaxy();
        };
        // the galaxy cannot be found or shown before these: foreground; but when it is
        // shown before every footer is in, only the first shard's footer is (the rest
        // leave in manifest order, and the galaxy's reads go before those not yet sent)
        let (sources_ref, hints_ref, report_ref) = (&sources, &hints, &report);
        let (kept_ref, kept_footers_ref, key_tx_ref) = (&kept, &kept_footers, &key_tx);
        let (map_done_ref, galaxy_started_ref) = (&map_done, &galaxy_started);
        let footers = join_all(read_now.iter().map(|&i| async move {
            let priority = if early_galaxy && i > 0 {
                Priority::Background
            } else {
                Priority::Foreground
            };
            let restored = match kept_ref {
                Some((k, entries)) => {
                    self.restore_footer(k, entries, &sources_ref[i], priority)
                        .await
                }
                None => None,
            };
            if let Some((n, _)) = &restored {
                kept_footers_ref.borrow_mut()[i] = true;
                hints_ref.borrow_mut()[i] = Some(*n);
            }
            let from_browser = restored.is_some();
            if let Some(tx) = key_tx_ref.borrow_mut()[i].take() {
                let _ = tx.send(restored.map(|r| r.1));
            }
            if map_possible && from_browser && galaxy_started_ref.get() {
                let _ = map_done_ref.clone().await;
            }
            let hint = hints_ref.borrow()[i];
            let r = read_footer(&sources_ref[i], hint, priority).await;
            let report = report_ref;
            report(i, &r);
            // footers from the browser decode without a wait: let the galaxy started
            // meanwhile (and the page's requests) run between them
            self.host().pause().await;
            r
        }));
        let (read, catalog_meta, kept_found) = futures::join!(footers, catalog_meta, map);
        let sky_kept = kept_found.is_some();
        if !read_now.is_empty() {
            // every footer opening needed is in (all of them without a catalog)
            self.emit(Event::Mark {
                name: "gzv:footers".into(),
                at: None,
            });
        }
        let mut metas: Vec<Option<FileMeta>> = vec![None; sources.len()];
        for (&i, r) in read_now.iter().zip(read) {
            metas[i] = r.ok().map(|(m, _)| m);
        }
        let catalog = match (catalog_src, catalog_meta) {
            (Some((src, _)), Some(Ok(meta))) => Some((src, meta)),
            (Some((src, _)), Some(Err(e))) => {
                self.emit(Event::SkyNote(Some(format!(
                    "the catalog sidecar {} could not be read ({e}); reading every shard's columns instead",
                    src.name()
                ))));
                if manifest_rows.is_some() {
                    // the map needs every shard's footer after all
                    let rest: Vec<usize> = (0..sources.len())
                        .filter(|i| !read_now.contains(i))
                        .collect();
                    let more = join_all(rest.iter().map(|&i| async move {
                        let hint = hints_ref.borrow()[i];
                        let r = read_footer(&sources_ref[i], hint, Priority::Background).await;
                        let report = report_ref;
                        report(i, &r);
                        r
                    }))
                    .await;
                    for (&i, r) in rest.iter().zip(more) {
                        metas[i] = r.ok().map(|(m, _)| m);
                    }
                }
                None
            }
            _ => None,
        };
        self.emit(Event::Progress(None));
        self.host().pause().await;
        let ds = Rc::new(build(
            (url.as_str(), manifest.name.clone()),
            files.into_inner(),
            sources,
            hints.into_inner(),
            metas,
            manifest_rows,
            catalog,
            cache,
        ));
        ds.sky_kept.set(sky_kept);
        let first = if by_id {
            0
        } else {
            wanted_row.min(ds.rows().saturating_sub(1))
        };
        let columns = ds
            .table_files()
            .first()
            .and_then(|&f| ds.meta(f))
            .map(|(meta, _)| columns_of(&meta));
        self.emit(Event::Opened(Opened {
            rows: ds.rows(),
            table_rows: ds.table_index.rows(),
            splits: ds.split_ranges(),
            table_files: ds.table_files(),
            columns,
            first_row: first,
        }));
        self.opened(ds.clone());
        if let Some(id) = id.filter(|_| by_id) {
            // a link to a galaxy by id: its row is known once the ids have arrived
            self.emit(Event::Galaxy {
                row: None,
                state: GalaxyState::Loading(format!("Finding galaxy {id}")),
            });
            let found = match kept_found {
                Some(found) => {
                    self.load_positions(&ds, None).await;
                    found
                }
                None => self.load_positions(&ds, Some(&id)).await,
            };
            match found {
                Some(row) => self.show_row(row),
                None => {
                    self.emit(Event::Galaxy {
                        row: None,
                        state: GalaxyState::Failed(format!(
                            "no galaxy with id {id} in this dataset"
                        )),
                    });
                    self.first_galaxy_shown();
                }
            }
        } else if galaxy_started.get() {
            // the galaxy was started before every footer was in
            self.load_positions(&ds, None).await;
        } else {
            // the galaxy first: its reads leave first (polled first) and are foreground;
            // the positions' reads wait behind them in the scheduler's line (and join
            // them where they overlap). A `ShowRow` meanwhile cancels it.
            let (galaxy, handle) = futures::future::abortable(self.galaxy_task(ds.clone(), first));
            self.0.galaxy.replace(Some(handle));
            let _ = futures::join!(galaxy, self.load_positions(&ds, None));
        }
        self.map_loaded();
        self.publish_costs();
    }
}

/// The table view's columns from a footer.
pub fn columns_of(meta: &ParquetMetaData) -> Result<Columns, String> {
    let schema = crate::table::arrow_schema(meta)?;
    let roles = crate::table::recognise(&schema);
    Ok(Columns {
        types: schema
            .fields()
            .iter()
            .map(|f| crate::preview::type_label(f.data_type()))
            .collect(),
        names: schema.fields().iter().map(|f| f.name().clone()).collect(),
        image: roles.image.map(|i| i.name),
        votes: !crate::table::vote_schema(&schema).is_empty(),
    })
}

/// The dataset's row indexes: from the manifest's row counts when footers are read on
/// demand, else from the footers read (galaxies: files with an image column only).
#[allow(
    clippy::too_many_arguments,
    reason = "the parts of a dataset as the open flow gathered them"
)]
fn build(
    (key, title): (&str, Option<String>),
    files: Vec<FileRow>,
    sources: Vec<super::dataset::Source>,
    hints: Vec<Option<u64>>,
    metas: Vec<Option<FileMeta>>,
    manifest_rows: Option<Vec<u64>>,
    catalog: Option<(super::dataset::Source, Arc<ParquetMetaData>)>,
    cache: ByteCache,
) -> Dataset {
    let mut index = RowIndex::default();
    let mut table_index = RowIndex::default();
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
    let n = files.len();
    Dataset {
        key: key.to_string(),
        title,
        sky_kept: std::cell::Cell::new(false),
        files: RefCell::new(files),
        sources,
        hints,
        metas: RefCell::new(metas),
        index,
        first_rows,
        table_index,
        catalog,
        sky: RefCell::default(),
        stats_metas: RefCell::new(vec![None; n]),
        cache,
    }
}
