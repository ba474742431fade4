//! Parquet over byte ranges: the only place IO meets the parquet crate. It drives the
//! crate's sans-IO push decoders ("which bytes do you need?" → fetch → push) so no
//! tokio and no `Send` futures are needed.

use crate::io::{ByteSource, IoError, MERGE_GAP_BYTES, read_many};
use arrow_array::RecordBatch;
use bytes::{Bytes, BytesMut};
use futures::future::try_join_all;
use parquet::DecodeResult;
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{RowSelection, RowSelector};
use parquet::arrow::push_decoder::{ParquetPushDecoder, ParquetPushDecoderBuilder};
use parquet::file::metadata::{
    PageIndexPolicy, ParquetMetaData, ParquetMetaDataOptions, ParquetMetaDataPushDecoder,
    ParquetStatisticsPolicy,
};
use std::ops::Range;
use std::sync::Arc;

/// The first read of a footer: a small footer whole (the newer HuggingFace layout's, with
/// its page index), or the end of a large one, which says exactly how long it is, so the
/// second read fetches exactly the rest. A guess sized to the file instead (1/256 of it)
/// saves that round trip on large footers but over-reads: 1.9 MB for gz_desi's 1.35 MB
/// footers, 2.2 MB for a newer-layout footer of 50 kB, which costs more than a round
/// trip on a 50 Mbit/s line. `boot.js` reads the same tail before the app has started.
pub const FOOTER_TAIL_BYTES: u64 = 64 * 1024;
/// Parquet's magic bytes, at both ends of a file.
const MAGIC: &[u8; 4] = b"PAR1";
/// More request rounds than this while decoding one thing means the file is inconsistent.
const MAX_DECODE_ROUNDS: usize = 64;

/// Why parquet data could not be decoded.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error(transparent)]
    Io(#[from] IoError),
    #[error("{url} is not a parquet file ({detail})")]
    NotParquet { url: String, detail: String },
    #[error("{url}: corrupt or unsupported parquet ({detail})")]
    Corrupt { url: String, detail: String },
    #[error("{url}: the file has no column {column}")]
    MissingColumn { url: String, column: String },
    #[error("{url}: row {row} of row group {row_group} does not exist")]
    NoSuchRow {
        url: String,
        row_group: usize,
        row: usize,
    },
}

impl DecodeError {
    fn corrupt(src: &dyn ByteSource, e: impl std::fmt::Display) -> Self {
        DecodeError::Corrupt {
            url: src.name().to_string(),
            detail: e.to_string(),
        }
    }
}

/// How many bytes from the end of a file to read in the first request.
pub fn footer_tail_guess(file_len: Option<u64>) -> u64 {
    file_len.map_or(FOOTER_TAIL_BYTES, |len| FOOTER_TAIL_BYTES.min(len))
}

/// Read and decode a file's footer: one request when the footer fits the tail guess.
pub async fn read_metadata(src: &dyn ByteSource) -> Result<ParquetMetaData, DecodeError> {
    read_metadata_hinted(src, None).await
}

/// As [`read_metadata`], reading exactly `footer_len` tail bytes when a manifest says how
/// long the footer is (one request, not a byte more).
pub async fn read_metadata_hinted(
    src: &dyn ByteSource,
    footer_len: Option<u64>,
) -> Result<ParquetMetaData, DecodeError> {
    read_metadata_opts(src, footer_len, false).await
}

/// As [`read_metadata_hinted`], with every column chunk's statistics (min, max, nulls)
/// decoded: for the schema panel and column headers, which a visitor opens.
pub async fn read_metadata_with_stats(
    src: &dyn ByteSource,
    footer_len: Option<u64>,
) -> Result<ParquetMetaData, DecodeError> {
    read_metadata_opts(src, footer_len, true).await
}

async fn read_metadata_opts(
    src: &dyn ByteSource,
    footer_len: Option<u64>,
    stats: bool,
) -> Result<ParquetMetaData, DecodeError> {
    let guess = footer_len
        .filter(|&n| n >= 12)
        .unwrap_or_else(|| footer_tail_guess(src.known_len()));
    let (len, tail) = src.tail(guess).await?;
    let url = src.name().to_string();
    if len < 12 {
        return Err(DecodeError::NotParquet {
            url,
            detail: format!("it is only {len} bytes long"),
        });
    }
    if !tail.ends_with(MAGIC) {
        let detail = if tail.ends_with(b"PARE") {
            "its footer is encrypted, which this viewer does not support".to_string()
        } else {
            "footer != PAR1".to_string()
        };
        return Err(DecodeError::NotParquet { url, detail });
    }
    // Page indexes are loaded later, and only for reads that need them; page encoding,
    // size and column statistics are not shown, so they are not decoded (a large part of a
    // gz_desi footer's decoding time: 114 row groups of 400 columns each).
    let column_stats = if stats {
        ParquetStatisticsPolicy::KeepAll
    } else {
        ParquetStatisticsPolicy::SkipAll
    };
    let options = ParquetMetaDataOptions::new()
        .with_encoding_stats_policy(ParquetStatisticsPolicy::SkipAll)
        .with_size_stats_policy(ParquetStatisticsPolicy::SkipAll)
        .with_column_stats_policy(column_stats);
    let mut decoder = ParquetMetaDataPushDecoder::try_new(len)
        .map_err(|e| DecodeError::corrupt(src, e))?
        .with_page_index_policy(PageIndexPolicy::Skip)
        .with_metadata_options(Some(Arc::new(options)));
    let tail_range = len - tail.len() as u64..len;
    decoder
        .push_range(tail_range.clone(), tail.clone())
        .map_err(|e| DecodeError::corrupt(src, e))?;
    for _ in 0..MAX_DECODE_ROUNDS {
        match decoder
            .try_decode()
            .map_err(|e| DecodeError::corrupt(src, e))?
        {
            DecodeResult::Data(meta) => return Ok(meta),
            DecodeResult::NeedsData(ranges) => {
                let buffers = try_join_all(
                    ranges
                        .iter()
                        .map(|r| extend_front(src, r.clone(), &tail_range, &tail)),
                )
                .await?;
                decoder
                    .push_ranges(ranges, buffers)
                    .map_err(|e| DecodeError::corrupt(src, e))?;
            }
            DecodeResult::Finished => break,
        }
    }
    Err(DecodeError::corrupt(
        src,
        "the footer decoder stopped without metadata",
    ))
}

/// Bytes of `want`, fetching only the part in front of the `have` bytes already read
/// (the footer decoder asks for the whole footer even when the tail holds most of it).
async fn extend_front(
    src: &dyn ByteSource,
    want: Range<u64>,
    have_range: &Range<u64>,
    have: &Bytes,
) -> Result<Bytes, IoError> {
    let overlaps =
        want.start < have_range.start && want.end > have_range.start && want.end <= have_range.end;
    if !overlaps {
        return src.read(want).await;
    }
    let front = src.read(want.start..have_range.start).await?;
    let mut out = BytesMut::with_capacity((want.end - want.start) as usize);
    out.extend_from_slice(&front);
    out.extend_from_slice(&have[..(want.end - have_range.start) as usize]);
    Ok(out.freeze())
}

/// Which rows and columns to read from one row group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowRequest {
    /// Leaf column paths, e.g. `image.bytes`, `id_str`, `ra`.
    pub columns: Vec<String>,
    pub row_group: usize,
    /// First row within the row group.
    pub offset: usize,
    pub count: usize,
}

/// Leaf column indices for dotted leaf paths, or the first missing path.
pub fn leaf_indices(meta: &ParquetMetaData, paths: &[String]) -> Result<Vec<usize>, String> {
    let schema = meta.file_metadata().schema_descr();
    paths
        .iter()
        .map(|p| {
            schema
                .columns()
                .iter()
                .position(|c| c.path().string() == *p)
                .ok_or_else(|| p.clone())
        })
        .collect()
}

/// Read some rows of some columns of one row group as Arrow batches.
pub async fn read_rows(
    src: &dyn ByteSource,
    meta: Arc<ParquetMetaData>,
    req: &RowRequest,
) -> Result<Vec<RecordBatch>, DecodeError> {
    let offsets: Vec<usize> = (req.offset..req.offset + req.count).collect();
    read_row_set(src, meta, &req.columns, req.row_group, &offsets).await
}

/// A row selection picking `offsets` (sorted, distinct) out of a row group: skip and
/// select runs, consecutive offsets merged into one run.
pub fn selectors_for(offsets: &[usize]) -> Vec<RowSelector> {
    let mut out = Vec::new();
    let mut at = 0usize;
    let mut k = 0;
    while k < offsets.len() {
        let first = offsets[k];
        let mut last = first;
        while k + 1 < offsets.len() && offsets[k + 1] == last + 1 {
            k += 1;
            last = offsets[k];
        }
        if first > at {
            out.push(RowSelector::skip(first - at));
        }
        out.push(RowSelector::select(last + 1 - first));
        at = last + 1;
        k += 1;
    }
    out
}

/// Read the rows at `offsets` (sorted, distinct, within the row group) of some columns of
/// one row group: the returned batches hold those rows in that order.
pub async fn read_row_set(
    src: &dyn ByteSource,
    meta: Arc<ParquetMetaData>,
    columns: &[String],
    row_group: usize,
    offsets: &[usize],
) -> Result<Vec<RecordBatch>, DecodeError> {
    let url = src.name().to_string();
    let rows_in_group = meta
        .row_groups()
        .get(row_group)
        .map(|rg| rg.num_rows().max(0) as usize)
        .ok_or(DecodeError::NoSuchRow {
            url: url.clone(),
            row_group,
            row: offsets.first().copied().unwrap_or(0),
        })?;
    if let Some(&bad) = offsets.iter().find(|&&o| o >= rows_in_group) {
        return Err(DecodeError::NoSuchRow {
            url,
            row_group,
            row: bad,
        });
    }
    if offsets.windows(2).any(|w| w[0] >= w[1]) {
        return Err(DecodeError::corrupt(
            src,
            "row offsets must be sorted and distinct",
        ));
    }
    if offsets.is_empty() {
        return Ok(Vec::new());
    }
    let leaves = leaf_indices(&meta, columns).map_err(|column| DecodeError::MissingColumn {
        url: url.clone(),
        column,
    })?;
    // a few rows of a large row group: the offset index lets the decoder fetch only the
    // pages holding them (HuggingFace's newer layout), not whole column chunks
    let meta = if offsets.len() * SPARSE_SELECTION_FACTOR < rows_in_group {
        with_offset_index(src, meta).await?
    } else {
        meta
    };
    let mask = ProjectionMask::leaves(meta.file_metadata().schema_descr(), leaves);
    let mut decoder = ParquetPushDecoderBuilder::try_new_decoder(meta)
        .and_then(|b| {
            b.with_projection(mask)
                .with_row_groups(vec![row_group])
                .with_row_selection(RowSelection::from(selectors_for(offsets)))
                .with_batch_size(offsets.len())
                .build()
        })
        .map_err(|e| DecodeError::corrupt(src, e))?;
    drive(src, &mut decoder, MAX_DECODE_ROUNDS).await
}

/// Run a row decoder to the end: fetch what it asks for (merged), push, collect batches.
async fn drive(
    src: &dyn ByteSource,
    decoder: &mut ParquetPushDecoder,
    rounds: usize,
) -> Result<Vec<RecordBatch>, DecodeError> {
    let mut batches = Vec::new();
    for _ in 0..rounds {
        match decoder
            .try_decode()
            .map_err(|e| DecodeError::corrupt(src, e))?
        {
            DecodeResult::NeedsData(ranges) => {
                let buffers = read_many(src, &ranges, MERGE_GAP_BYTES, &|_, _| {}).await?;
                decoder
                    .push_ranges(ranges, buffers)
                    .map_err(|e| DecodeError::corrupt(src, e))?;
            }
            DecodeResult::Data(batch) => batches.push(batch),
            DecodeResult::Finished => return Ok(batches),
        }
    }
    Err(DecodeError::corrupt(src, "the decoder did not finish"))
}

/// Use the offset index when fewer than 1/N of a row group's rows are wanted.
pub const SPARSE_SELECTION_FACTOR: usize = 4;

/// Whether the file has offset indexes (page locations) to load.
pub fn has_offset_index(meta: &ParquetMetaData) -> bool {
    meta.row_groups()
        .iter()
        .flat_map(|rg| rg.columns())
        .any(|c| c.offset_index_offset().is_some())
}

/// `meta` with its offset indexes loaded (column indexes are skipped: only page
/// locations are needed to read selected rows). Unchanged when the file has none or they
/// are loaded already. The index sits just before the footer, so it is usually inside
/// the footer tail a cached source already holds.
pub async fn with_offset_index(
    src: &dyn ByteSource,
    meta: Arc<ParquetMetaData>,
) -> Result<Arc<ParquetMetaData>, DecodeError> {
    if meta.page_index().is_some() || !has_offset_index(&meta) {
        return Ok(meta);
    }
    let Some(len) = src.known_len() else {
        return Ok(meta);
    };
    let mut decoder = ParquetMetaDataPushDecoder::try_new_with_metadata(len, (*meta).clone())
        .map_err(|e| DecodeError::corrupt(src, e))?
        .with_column_index_policy(PageIndexPolicy::Skip)
        .with_offset_index_policy(PageIndexPolicy::Optional);
    for _ in 0..MAX_DECODE_ROUNDS {
        match decoder
            .try_decode()
            .map_err(|e| DecodeError::corrupt(src, e))?
        {
            DecodeResult::Data(m) => return Ok(Arc::new(m)),
            DecodeResult::NeedsData(ranges) => {
                let buffers = read_many(src, &ranges, MERGE_GAP_BYTES, &|_, _| {}).await?;
                decoder
                    .push_ranges(ranges, buffers)
                    .map_err(|e| DecodeError::corrupt(src, e))?;
            }
            DecodeResult::Finished => break,
        }
    }
    Err(DecodeError::corrupt(
        src,
        "the page index decoder stopped without an index",
    ))
}

/// Byte ranges of the column chunks of `leaves` in `row_groups`: pure planning from the
/// footer, so every request can be issued at once instead of row group after row group.
pub fn chunk_ranges(
    meta: &ParquetMetaData,
    leaves: &[usize],
    row_groups: &[usize],
) -> Vec<Range<u64>> {
    let mut out = Vec::with_capacity(leaves.len() * row_groups.len());
    for &rg in row_groups {
        let Some(group) = meta.row_groups().get(rg) else {
            continue;
        };
        for &leaf in leaves {
            if let Some(c) = group.columns().get(leaf) {
                let (start, len) = c.byte_range();
                out.push(start..start + len);
            }
        }
    }
    out
}

/// Read whole columns of several row groups: every chunk is fetched up front (close ones
/// merged, all in parallel under the source's concurrency bound), then decoded.
/// `progress(done, total)` counts completed requests.
pub async fn read_columns(
    src: &dyn ByteSource,
    meta: Arc<ParquetMetaData>,
    columns: &[String],
    row_groups: &[usize],
    progress: &dyn Fn(usize, usize),
) -> Result<Vec<RecordBatch>, DecodeError> {
    let url = src.name().to_string();
    let leaves = leaf_indices(&meta, columns).map_err(|column| DecodeError::MissingColumn {
        url: url.clone(),
        column,
    })?;
    if let Some(&bad) = row_groups.iter().find(|&&rg| rg >= meta.num_row_groups()) {
        return Err(DecodeError::NoSuchRow {
            url,
            row_group: bad,
            row: 0,
        });
    }
    let planned = chunk_ranges(&meta, &leaves, row_groups);
    let buffers = read_many(src, &planned, MERGE_GAP_BYTES, progress).await?;
    let mask = ProjectionMask::leaves(meta.file_metadata().schema_descr(), leaves);
    let mut decoder = ParquetPushDecoderBuilder::try_new_decoder(meta)
        .and_then(|b| {
            b.with_projection(mask)
                .with_row_groups(row_groups.to_vec())
                .with_batch_size(COLUMN_BATCH_ROWS)
                .build()
        })
        .map_err(|e| DecodeError::corrupt(src, e))?;
    decoder
        .push_ranges(planned, buffers)
        .map_err(|e| DecodeError::corrupt(src, e))?;
    drive(src, &mut decoder, MAX_DECODE_ROUNDS + row_groups.len()).await
}

/// Rows per decoded batch when reading whole columns.
const COLUMN_BATCH_ROWS: usize = 8192;

#[cfg(test)]
mod tests;
