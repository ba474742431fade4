//! An opened dataset: its files (each a stack of sources: cached, scheduled, then the
//! host's), their footers as they are read, and the row indexes that address its rows.

use super::Host;
use super::protocol::{FileRow, FileStatus, NetView};
use crate::dataset::{self, RowIndex};
use crate::decode;
use crate::gallery::Locate;
use crate::io::{
    ByteCache, ByteSource, CachedSource, IoError, LimitedSource, Limiter, LocalBoxFuture, Priority,
    UrlRefused, WithUrgency,
};
use crate::table;
use parquet::file::metadata::ParquetMetaData;
use std::cell::RefCell;
use std::ops::Range;
use std::rc::Rc;
use std::sync::Arc;

/// A file as the engine reads it: cached, then in the read scheduler's line, then the host.
pub type Source = CachedSource<LimitedSource<FileSource>>;

/// A file's footer and the roles of its columns.
pub type FileMeta = (Arc<ParquetMetaData>, table::Roles);

/// A file of the dataset: read through the host, or refused by the URL gate (then every
/// read fails at once with the reason, and nothing is requested).
pub enum FileSource {
    Host(Box<dyn ByteSource>),
    Refused { name: String, why: UrlRefused },
}

impl ByteSource for FileSource {
    fn name(&self) -> &str {
        match self {
            FileSource::Host(h) => h.name(),
            FileSource::Refused { name, .. } => name,
        }
    }
    fn known_len(&self) -> Option<u64> {
        match self {
            FileSource::Host(h) => h.known_len(),
            FileSource::Refused { .. } => None,
        }
    }
    fn read(&self, range: Range<u64>) -> LocalBoxFuture<'_, Result<bytes::Bytes, IoError>> {
        match self {
            FileSource::Host(h) => h.read(range),
            FileSource::Refused { why, .. } => {
                let e = IoError::Refused(why.clone());
                Box::pin(async move { Err(e) })
            }
        }
    }
    fn tail(&self, n: u64) -> LocalBoxFuture<'_, Result<(u64, bytes::Bytes), IoError>> {
        match self {
            FileSource::Host(h) => h.tail(n),
            FileSource::Refused { why, .. } => {
                let e = IoError::Refused(why.clone());
                Box::pin(async move { Err(e) })
            }
        }
    }
    fn multiplexed(&self) -> bool {
        matches!(self, FileSource::Host(h) if h.multiplexed())
    }
    fn validator(&self) -> Option<String> {
        match self {
            FileSource::Host(h) => h.validator(),
            FileSource::Refused { .. } => None,
        }
    }
}

/// An opened dataset: readable files, addressed as one table of global rows (manifest
/// order: train first).
pub struct Dataset {
    /// The dataset's address (what is kept of its map is kept under it).
    pub key: String,
    /// Its name, from the manifest or listing.
    pub title: Option<String>,
    /// Whether the map was drawn from what the browser kept (then it is only planned).
    pub sky_kept: std::cell::Cell<bool>,
    pub files: RefCell<Vec<FileRow>>,
    pub sources: Vec<Source>,
    /// Footer lengths named by the manifest (a footer is then one request).
    pub hints: Vec<Option<u64>>,
    /// Each file's footer and column roles, once read (some are read only when needed).
    pub metas: RefCell<Vec<Option<FileMeta>>>,
    /// Galaxies: rows of files with images.
    pub index: RowIndex,
    /// Global row of each file's first row (files in the index only).
    pub first_rows: Vec<Option<u64>>,
    /// Every row of every readable file, images or not: what the table view shows.
    pub table_index: RowIndex,
    /// The catalog sidecar named by the manifest, when it could be read.
    pub catalog: Option<(Source, Arc<ParquetMetaData>)>,
    /// What the sky map reads (planned once positions start loading).
    pub sky: RefCell<Option<Rc<super::sky::SkyPlan>>>,
    /// Footers decoded again with column statistics, for the schema panel and headers.
    pub stats_metas: RefCell<Vec<Option<Arc<ParquetMetaData>>>>,
    pub cache: ByteCache,
}

impl Dataset {
    /// Rows that can be shown as galaxies.
    pub fn rows(&self) -> u64 {
        self.index.rows()
    }

    pub fn file_count(&self) -> usize {
        self.sources.len()
    }

    /// File `i`'s footer and roles, if read.
    pub fn meta(&self, i: usize) -> Option<FileMeta> {
        self.metas.borrow().get(i).cloned().flatten()
    }

    /// The file's name as shown in messages.
    pub fn file_name(&self, i: usize) -> String {
        self.files.borrow().get(i).map_or("?".to_string(), |f| {
            f.url.rsplit('/').next().unwrap_or(&f.url).to_string()
        })
    }

    /// The split of file `i`.
    pub fn split(&self, i: usize) -> String {
        self.files
            .borrow()
            .get(i)
            .map(|f| f.split.clone())
            .unwrap_or_default()
    }

    /// Global rows of each split, in dataset order: (split, first row, rows).
    pub fn split_ranges(&self) -> Vec<(String, u64, u64)> {
        let mut out: Vec<(String, u64, u64)> = Vec::new();
        let mut at = 0u64;
        for &(file, n) in self.index.files() {
            let split = self.split(file);
            match out.last_mut() {
                Some((s, first, rows)) if *s == split && *first + *rows == at => *rows += n,
                _ => out.push((split, at, n)),
            }
            at += n;
        }
        out
    }

    /// Files whose rows the table view shows, in order.
    pub fn table_files(&self) -> Vec<usize> {
        self.table_index.files().iter().map(|&(f, _)| f).collect()
    }

    /// Where row `row` of `index` is: its file, row group and row in the group, once the
    /// file's footer is read.
    fn locate_in(&self, index: &RowIndex, row: u64, images_only: bool) -> Locate {
        let Some(at) = index.locate(row) else {
            return Locate::Nowhere;
        };
        let Some((meta, roles)) = self.meta(at.file) else {
            return Locate::NeedsFooter(at.file);
        };
        if images_only && roles.image.is_none() {
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

    /// Where galaxy `row`'s image is.
    pub fn locate_image(&self, row: u64) -> Locate {
        self.locate_in(&self.index, row, true)
    }

    /// Where table row `row` is.
    pub fn locate_row(&self, row: u64) -> Locate {
        self.locate_in(&self.table_index, row, false)
    }

    /// Set file `i`'s status (and size, once known).
    pub fn set_status(&self, i: usize, status: FileStatus) {
        let mut files = self.files.borrow_mut();
        if let Some(f) = files.get_mut(i) {
            f.status = status;
            if let Some(len) = self.sources.get(i).and_then(|s| s.known_len()) {
                f.size = Some(len);
            }
        }
    }

    /// What the network and the cache have cost so far.
    pub fn costs(&self, host: &dyn Host) -> NetView {
        let c = self.cache.stats();
        NetView {
            http: host.net(),
            disk: host.disk(),
            cache_hits: c.hits(),
            joined: c.shared(),
            memory: 0,
        }
    }

    /// File `i`'s footer with column statistics (read again once, as a visitor asks).
    pub async fn stats_meta(&self, i: usize) -> Result<Arc<ParquetMetaData>, String> {
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
}

/// Read file `i`'s footer at `priority` and summarise it.
pub async fn read_footer(
    src: &dyn ByteSource,
    hint: Option<u64>,
    priority: Priority,
) -> Result<(FileMeta, crate::dataset::FileSummary), String> {
    let src = WithUrgency::new(src, priority);
    let meta = decode::read_metadata_hinted(&src, hint)
        .await
        .map(Arc::new)
        .map_err(|e| e.to_string())?;
    let summary = dataset::summarize(&meta);
    let roles = summary.roles.clone();
    Ok(((meta, roles), summary))
}

/// A source of the dataset: the file through the URL gate, cached and scheduled.
pub fn make_source(
    host: &dyn Host,
    url: &Result<crate::io::WebUrl, UrlRefused>,
    len: Option<u64>,
    limiter: &Limiter,
    cache: &ByteCache,
) -> Source {
    let file = match url {
        Ok(u) => FileSource::Host(host.source(u, len)),
        Err(e) => FileSource::Refused {
            name: e.quoted.clone(),
            why: e.clone(),
        },
    };
    CachedSource::new(LimitedSource::new(file, limiter.clone()), cache)
}
