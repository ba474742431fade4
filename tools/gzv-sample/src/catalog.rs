//! The catalog sidecar: one small parquet of every row's id, position, locator (manifest
//! file index and row in that file) and vote counts, read from the non-image columns of
//! every shard, locally or over HTTP (range requests: the footer, then one merged request
//! per row group for its non-image columns). The viewer draws its sky map from it instead
//! of reading thousands of row groups across dozens of shards.

use crate::manifest::ManifestFile;
use arrow_array::builder::{Float32Builder, Int32Builder, StringBuilder};
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema};
use bytes::Bytes;
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder,
};
use parquet::arrow::{ProjectionMask, parquet_to_arrow_schema};
use parquet::basic::Compression;
use parquet::file::metadata::{ParquetMetaData, ParquetMetaDataReader};
use parquet::file::properties::WriterProperties;
use parquet::file::reader::{ChunkReader, Length};
use std::io::{Read, Seek, SeekFrom};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// Catalog column with the manifest index of the row's file.
pub const FILE_COLUMN: &str = "gzv_file";
/// Catalog column with the row's index within its file.
pub const ROW_COLUMN: &str = "gzv_row";
/// Rows per catalog row group: the unit in which the viewer's map fills in, and what one
/// main-thread step of the viewer decodes (8,192 rows keep that step well under 50 ms).
pub const CATALOG_ROW_GROUP: usize = 8_192;
/// Ranges closer than this are fetched as one.
const MERGE_GAP: u64 = 64 * 1024;

/// Somewhere bytes come from: a local file or an HTTP(S) URL.
pub enum Location {
    File(PathBuf),
    Http {
        url: String,
        agent: ureq::Agent,
        requests: Arc<AtomicU64>,
    },
}

impl Location {
    pub fn name(&self) -> String {
        match self {
            Location::File(p) => p.display().to_string(),
            Location::Http { url, .. } => url.clone(),
        }
    }

    /// Total length (HTTP: from a `bytes=0-0` request's `Content-Range`).
    #[allow(
        clippy::len_without_is_empty,
        reason = "a file's length is asked of the host, and an empty parquet file is no file"
    )]
    pub fn len(&self) -> Result<u64, String> {
        match self {
            Location::File(p) => std::fs::metadata(p)
                .map(|m| m.len())
                .map_err(|e| format!("{}: {e}", p.display())),
            Location::Http {
                url,
                agent,
                requests,
            } => {
                requests.fetch_add(1, Ordering::Relaxed);
                let resp = agent
                    .get(url)
                    .set("Range", "bytes=0-0")
                    .call()
                    .map_err(|e| format!("{url}: {e}"))?;
                if resp.status() != 206 {
                    return Err(format!(
                        "{url}: the server does not answer range requests (status {})",
                        resp.status()
                    ));
                }
                resp.header("Content-Range")
                    .and_then(|v| v.rsplit('/').next())
                    .and_then(|n| n.trim().parse().ok())
                    .ok_or(format!("{url}: no length in Content-Range"))
            }
        }
    }

    /// Exactly the bytes of `range`.
    pub fn fetch(&self, range: Range<u64>) -> Result<Vec<u8>, String> {
        let want = (range.end - range.start) as usize;
        let mut out = Vec::with_capacity(want);
        match self {
            Location::File(p) => {
                let err = |e: std::io::Error| format!("{}: {e}", p.display());
                let mut f = std::fs::File::open(p).map_err(err)?;
                f.seek(SeekFrom::Start(range.start)).map_err(err)?;
                f.take(want as u64).read_to_end(&mut out).map_err(err)?;
            }
            Location::Http {
                url,
                agent,
                requests,
            } => {
                requests.fetch_add(1, Ordering::Relaxed);
                let header = format!("bytes={}-{}", range.start, range.end - 1);
                let resp = agent
                    .get(url)
                    .set("Range", &header)
                    .call()
                    .map_err(|e| format!("{url}: {e}"))?;
                if resp.status() != 206 {
                    return Err(format!(
                        "{url}: expected 206 for {header}, got {}",
                        resp.status()
                    ));
                }
                resp.into_reader()
                    .take(want as u64)
                    .read_to_end(&mut out)
                    .map_err(|e| format!("{url}: {e}"))?;
            }
        }
        if out.len() != want {
            return Err(format!(
                "{}: asked for {want} bytes at {}, got {}",
                self.name(),
                range.start,
                out.len()
            ));
        }
        Ok(out)
    }
}

/// Fetched byte ranges of one file, served to parquet's reader as if it were the file.
struct Sparse {
    len: u64,
    parts: Vec<(u64, Bytes)>,
}

impl Sparse {
    fn find(&self, start: u64, len: u64) -> parquet::errors::Result<Bytes> {
        for (at, b) in &self.parts {
            if start >= *at && start + len <= at + b.len() as u64 {
                let o = (start - at) as usize;
                return Ok(b.slice(o..o + len as usize));
            }
        }
        Err(parquet::errors::ParquetError::General(format!(
            "bytes {start}..{} were not fetched",
            start + len
        )))
    }
}

impl Length for Sparse {
    fn len(&self) -> u64 {
        self.len
    }
}

impl ChunkReader for Sparse {
    type T = bytes::buf::Reader<Bytes>;
    fn get_read(&self, start: u64) -> parquet::errors::Result<Self::T> {
        let (at, b) = self
            .parts
            .iter()
            .find(|(at, b)| start >= *at && start < at + b.len() as u64)
            .ok_or_else(|| {
                parquet::errors::ParquetError::General(format!("byte {start} was not fetched"))
            })?;
        Ok(bytes::Buf::reader(b.slice((start - at) as usize..)))
    }
    fn get_bytes(&self, start: u64, length: usize) -> parquet::errors::Result<Bytes> {
        self.find(start, length as u64)
    }
}

/// Read a file's footer: a 64 KiB tail, then the rest of the footer if it is larger.
pub fn read_footer(loc: &Location) -> Result<(u64, Arc<ParquetMetaData>), String> {
    let len = loc.len()?;
    if len < 12 {
        return Err(format!("{}: too short to be parquet", loc.name()));
    }
    let tail_len = len.min(64 * 1024);
    let mut tail = loc.fetch(len - tail_len..len)?;
    if &tail[tail.len() - 4..] != b"PAR1" {
        return Err(format!("{}: not a parquet file", loc.name()));
    }
    let n = tail.len();
    let meta_len = u32::from_le_bytes([tail[n - 8], tail[n - 7], tail[n - 6], tail[n - 5]]) as u64;
    if meta_len + 8 > len {
        return Err(format!("{}: corrupt footer length", loc.name()));
    }
    if meta_len + 8 > tail_len {
        let mut front = loc.fetch(len - meta_len - 8..len - tail_len)?;
        front.extend_from_slice(&tail);
        tail = front;
    }
    let n = tail.len();
    let meta = ParquetMetaDataReader::decode_metadata(&tail[n - 8 - meta_len as usize..n - 8])
        .map_err(|e| format!("{}: {e}", loc.name()))?;
    Ok((len, Arc::new(meta)))
}

/// Whether a column is kept in the catalog: everything but images and other nested or
/// binary columns.
fn kept(field: &Field) -> bool {
    matches!(
        field.data_type(),
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Float32 | DataType::Float64
    ) || field.data_type().is_integer()
}

/// The non-image columns of one file, all row groups, plus each row's index in the file.
fn read_file(
    loc: &Location,
    log: &(dyn Fn(String) + Sync),
) -> Result<(Arc<Schema>, Vec<RecordBatch>), String> {
    let name = loc.name();
    let (len, meta) = read_footer(loc)?;
    let schema = parquet_to_arrow_schema(
        meta.file_metadata().schema_descr(),
        meta.file_metadata().key_value_metadata(),
    )
    .map_err(|e| format!("{name}: {e}"))?;
    // root fields kept, and their leaf indices (a kept field is a single leaf)
    let mut leaves = Vec::new();
    let mut fields = Vec::new();
    let mut leaf = 0usize;
    for f in schema.fields() {
        let n_leaves = count_leaves(f.data_type());
        if kept(f) {
            leaves.push(leaf);
            fields.push(f.clone());
        }
        leaf += n_leaves;
    }
    let mask = ProjectionMask::leaves(meta.file_metadata().schema_descr(), leaves.clone());
    let reader_meta = ArrowReaderMetadata::try_new(meta.clone(), ArrowReaderOptions::new())
        .map_err(|e| format!("{name}: {e}"))?;
    let mut batches = Vec::new();
    for rg in 0..meta.num_row_groups() {
        let group = meta.row_group(rg);
        let mut ranges: Vec<Range<u64>> = leaves
            .iter()
            .map(|&l| {
                let (s, n) = group.column(l).byte_range();
                s..s + n
            })
            .collect();
        ranges.sort_by_key(|r| r.start);
        let mut merged: Vec<Range<u64>> = Vec::new();
        for r in ranges {
            match merged.last_mut() {
                Some(last) if r.start <= last.end + MERGE_GAP => last.end = last.end.max(r.end),
                _ => merged.push(r),
            }
        }
        let mut parts = Vec::new();
        for r in merged {
            parts.push((r.start, Bytes::from(loc.fetch(r)?)));
        }
        let sparse = Sparse { len, parts };
        let reader =
            ParquetRecordBatchReaderBuilder::new_with_metadata(sparse, reader_meta.clone())
                .with_projection(mask.clone())
                .with_row_groups(vec![rg])
                .with_batch_size(1 << 16)
                .build()
                .map_err(|e| format!("{name}: row group {rg}: {e}"))?;
        for b in reader {
            batches.push(b.map_err(|e| format!("{name}: row group {rg}: {e}"))?);
        }
    }
    log(format!(
        "{name}: {} rows, {} row groups",
        meta.file_metadata().num_rows(),
        meta.num_row_groups()
    ));
    Ok((Arc::new(Schema::new(fields)), batches))
}

fn count_leaves(t: &DataType) -> usize {
    match t {
        DataType::Struct(fields) => fields.iter().map(|f| count_leaves(f.data_type())).sum(),
        DataType::List(f) | DataType::LargeList(f) | DataType::FixedSizeList(f, _) => {
            count_leaves(f.data_type())
        }
        DataType::Map(f, _) => count_leaves(f.data_type()),
        _ => 1,
    }
}

/// What was written.
#[derive(Debug, Clone)]
pub struct CatalogReport {
    pub rows: u64,
    pub files: usize,
    pub bytes: u64,
    pub entry: ManifestFile,
}

/// A vote column of a decision tree's first question (`smooth-or-featured-{campaign}_…`).
/// The catalog stores these right after the positions, so the viewer's first read (positions,
/// ids and first-question votes, for the hover) is one contiguous range per row group.
pub fn is_root_vote(name: &str) -> bool {
    name.starts_with(ROOT_QUESTION)
}

const ROOT_QUESTION: &str = "smooth-or-featured-";

/// Build the catalog of `files` (in manifest order; `files[i]` becomes `gzv_file = i`) into
/// `out`, reading up to `threads` files at once. Every file must share the first file's
/// kept columns (id, ra, dec and votes); the id and position columns are those named
/// `id_str`, `ra`, `dec` (any case).
pub fn build(
    files: &[Location],
    out: &Path,
    threads: usize,
    log: &(dyn Fn(String) + Sync),
) -> Result<CatalogReport, String> {
    if files.is_empty() {
        return Err("no files to catalogue".into());
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    type Slot = std::sync::Mutex<Option<Result<(Arc<Schema>, Vec<RecordBatch>), String>>>;
    let results: Vec<Slot> = files.iter().map(|_| std::sync::Mutex::new(None)).collect();
    std::thread::scope(|s| {
        for _ in 0..threads.clamp(1, 16).min(files.len()) {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(loc) = files.get(i) else { break };
                    let r = read_file(loc, log);
                    if let Ok(mut slot) = results[i].lock() {
                        *slot = Some(r);
                    }
                }
            });
        }
    });
    let mut per_file = Vec::new();
    for (i, r) in results.into_iter().enumerate() {
        let r = r
            .into_inner()
            .map_err(|_| "a reader thread failed".to_string())?;
        per_file.push(r.ok_or(format!("{}: not read", files[i].name()))??);
    }
    let source_schema = per_file[0].0.clone();
    let find = |want: &str| {
        source_schema
            .fields()
            .iter()
            .position(|f| f.name().eq_ignore_ascii_case(want))
    };
    let (Some(ra_i), Some(dec_i)) = (find("ra"), find("dec")) else {
        return Err(format!("{}: no ra/dec columns", files[0].name()));
    };
    let id_i = find("id_str");
    let mut votes: Vec<usize> = (0..source_schema.fields().len())
        .filter(|&i| {
            Some(i) != id_i
                && i != ra_i
                && i != dec_i
                && source_schema.field(i).data_type().is_integer()
        })
        .collect();
    votes.sort_by_key(|&i| !is_root_vote(source_schema.field(i).name()));
    let mut out_fields = Vec::new();
    if let Some(i) = id_i {
        out_fields.push(Field::new(
            source_schema.field(i).name(),
            DataType::Utf8,
            true,
        ));
    }
    out_fields.push(Field::new(
        source_schema.field(ra_i).name(),
        DataType::Float32,
        true,
    ));
    out_fields.push(Field::new(
        source_schema.field(dec_i).name(),
        DataType::Float32,
        true,
    ));
    out_fields.push(Field::new(FILE_COLUMN, DataType::Int32, false));
    out_fields.push(Field::new(ROW_COLUMN, DataType::Int32, false));
    for &v in &votes {
        out_fields.push(Field::new(
            source_schema.field(v).name(),
            DataType::Int32,
            true,
        ));
    }
    let out_schema = Arc::new(Schema::new(out_fields));
    let props = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_max_row_group_row_count(Some(CATALOG_ROW_GROUP))
        .build();
    let file = std::fs::File::create(out).map_err(|e| format!("{}: {e}", out.display()))?;
    let mut writer =
        ArrowWriter::try_new(file, out_schema.clone(), Some(props)).map_err(|e| e.to_string())?;
    let mut rows = 0u64;
    for (fi, (_, batches)) in per_file.iter().enumerate() {
        let col = |b: &RecordBatch, name: &str| b.column_by_name(name).cloned();
        let mut file_row = 0i32;
        for b in batches {
            let n = b.num_rows();
            let mut arrays: Vec<ArrayRef> = Vec::new();
            if let Some(i) = id_i {
                let mut sb = StringBuilder::new();
                let c = col(b, source_schema.field(i).name());
                for r in 0..n {
                    sb.append_option(c.as_ref().and_then(|c| string_at(c.as_ref(), r)));
                }
                arrays.push(Arc::new(sb.finish()));
            }
            for i in [ra_i, dec_i] {
                let mut fb = Float32Builder::with_capacity(n);
                let c = col(b, source_schema.field(i).name());
                for r in 0..n {
                    fb.append_option(
                        c.as_ref()
                            .and_then(|c| float_at(c.as_ref(), r))
                            .map(|x| x as f32),
                    );
                }
                arrays.push(Arc::new(fb.finish()));
            }
            arrays.push(Arc::new(arrow_array::Int32Array::from(vec![fi as i32; n])));
            arrays.push(Arc::new(arrow_array::Int32Array::from_iter_values(
                file_row..file_row + n as i32,
            )));
            for &v in &votes {
                let mut ib = Int32Builder::with_capacity(n);
                let name = source_schema.field(v).name();
                let c = col(b, name).and_then(|c| ints(c.as_ref())).ok_or(format!(
                    "{}: no integer column {name} like {}'s",
                    files[fi].name(),
                    files[0].name()
                ))?;
                for r in 0..n {
                    ib.append_option((!c.is_null(r)).then(|| c.value(r) as i32));
                }
                arrays.push(Arc::new(ib.finish()));
            }
            let batch =
                RecordBatch::try_new(out_schema.clone(), arrays).map_err(|e| e.to_string())?;
            writer.write(&batch).map_err(|e| e.to_string())?;
            file_row += n as i32;
            rows += n as u64;
        }
    }
    writer.close().map_err(|e| e.to_string())?;
    let dir = out.parent().unwrap_or(Path::new("."));
    let rel = out.file_name().map(PathBuf::from).unwrap_or_default();
    let entry = crate::manifest::describe(dir, &rel, false)?;
    Ok(CatalogReport {
        rows,
        files: files.len(),
        bytes: entry.size,
        entry,
    })
}

fn string_at(c: &dyn Array, r: usize) -> Option<String> {
    use arrow_array::cast::AsArray;
    if c.is_null(r) {
        return None;
    }
    match c.data_type() {
        DataType::Utf8 => Some(c.as_string::<i32>().value(r).to_string()),
        DataType::LargeUtf8 => Some(c.as_string::<i64>().value(r).to_string()),
        _ => None,
    }
}

fn float_at(c: &dyn Array, r: usize) -> Option<f64> {
    use arrow_array::cast::AsArray;
    use arrow_array::types::{Float32Type, Float64Type};
    if c.is_null(r) {
        return None;
    }
    match c.data_type() {
        DataType::Float64 => Some(c.as_primitive::<Float64Type>().value(r)),
        DataType::Float32 => Some(c.as_primitive::<Float32Type>().value(r) as f64),
        _ => None,
    }
}

/// An integer column of any width as i64.
fn ints(c: &dyn Array) -> Option<arrow_array::Int64Array> {
    use arrow_array::cast::AsArray;
    use arrow_array::types::*;
    let v: Vec<Option<i64>> = match c.data_type() {
        DataType::Int8 => c
            .as_primitive::<Int8Type>()
            .iter()
            .map(|x| x.map(i64::from))
            .collect(),
        DataType::Int16 => c
            .as_primitive::<Int16Type>()
            .iter()
            .map(|x| x.map(i64::from))
            .collect(),
        DataType::Int32 => c
            .as_primitive::<Int32Type>()
            .iter()
            .map(|x| x.map(i64::from))
            .collect(),
        DataType::Int64 => c.as_primitive::<Int64Type>().iter().collect(),
        DataType::UInt8 => c
            .as_primitive::<UInt8Type>()
            .iter()
            .map(|x| x.map(i64::from))
            .collect(),
        DataType::UInt16 => c
            .as_primitive::<UInt16Type>()
            .iter()
            .map(|x| x.map(i64::from))
            .collect(),
        DataType::UInt32 => c
            .as_primitive::<UInt32Type>()
            .iter()
            .map(|x| x.map(i64::from))
            .collect(),
        _ => return None,
    };
    Some(arrow_array::Int64Array::from(v))
}

/// Add (or replace) the `catalog` entry of a manifest file on disk.
pub fn add_to_manifest(manifest: &Path, entry: &ManifestFile) -> Result<(), String> {
    let text =
        std::fs::read_to_string(manifest).map_err(|e| format!("{}: {e}", manifest.display()))?;
    let mut v: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", manifest.display()))?;
    let obj = v
        .as_object_mut()
        .ok_or(format!("{}: not a JSON object", manifest.display()))?;
    obj.insert(
        "catalog".into(),
        serde_json::to_value(entry).map_err(|e| e.to_string())?,
    );
    let json = serde_json::to_string_pretty(&v).map_err(|e| e.to_string())?;
    std::fs::write(manifest, json + "\n").map_err(|e| format!("{}: {e}", manifest.display()))
}

/// A catalog of `rows` synthetic galaxies (footprint positions, ids, decision-tree votes as
/// the sample generator makes them, no images) for files of `rows_per_file` rows: what a
/// catalog of the full gz_desi looks like, for benchmarks, without 17 GB of shards.
pub fn synthetic(
    rows: usize,
    rows_per_file: usize,
    out: &Path,
    seed: u64,
) -> Result<ManifestFile, String> {
    use crate::morph::{self, CAMPAIGNS, Morphology, QUESTIONS};
    use crate::rng::Rng;
    let names = morph::vote_columns();
    let mut fields = vec![
        Field::new("id_str", DataType::Utf8, true),
        Field::new("ra", DataType::Float32, true),
        Field::new("dec", DataType::Float32, true),
        Field::new(FILE_COLUMN, DataType::Int32, false),
        Field::new(ROW_COLUMN, DataType::Int32, false),
    ];
    // first-question votes first (see `is_root_vote`)
    let mut order: Vec<usize> = (0..names.len()).collect();
    order.sort_by_key(|&k| !is_root_vote(&names[k]));
    fields.extend(
        order
            .iter()
            .map(|&k| Field::new(&names[k], DataType::Int32, true)),
    );
    let schema = Arc::new(Schema::new(fields));
    let props = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_max_row_group_row_count(Some(CATALOG_ROW_GROUP))
        .build();
    let file = std::fs::File::create(out).map_err(|e| format!("{}: {e}", out.display()))?;
    let mut writer =
        ArrowWriter::try_new(file, schema.clone(), Some(props)).map_err(|e| e.to_string())?;
    let root = Rng::new(seed);
    let per_file = rows_per_file.max(1);
    let mut start = 0;
    while start < rows {
        let end = (start + CATALOG_ROW_GROUP).min(rows);
        let mut ids = StringBuilder::new();
        let (mut ras, mut decs) = (Float32Builder::new(), Float32Builder::new());
        let mut votes: Vec<Vec<i32>> = vec![Vec::with_capacity(end - start); names.len()];
        for i in start..end {
            let mut rng = root.fork(i as u64);
            let id = crate::sky::draw_id(&mut rng);
            ids.append_value(format!("{}_{}", id.0, id.1));
            let (ra, dec) = crate::sky::draw_position(&mut rng);
            ras.append_value(ra as f32);
            decs.append_value(dec as f32);
            let m = Morphology::draw(&mut rng);
            let first = rng.weighted(&crate::write::CAMPAIGN_MIX);
            let second = rng
                .chance(crate::write::SECOND_CAMPAIGN_FRACTION)
                .then(|| (first + 1 + rng.int(0, 1) as usize) % 3);
            let mut offset = 0;
            for c in 0..CAMPAIGNS.len() {
                let width: usize = (0..QUESTIONS.len())
                    .map(|q| morph::answers(q, c).len())
                    .sum();
                let counts = if c == first || Some(c) == second {
                    let volunteers = if rng.chance(0.55) {
                        rng.int(5, 12)
                    } else {
                        rng.int(28, 40)
                    } as u32;
                    morph::vote(&m, c, volunteers, &mut rng)
                } else {
                    vec![0; width]
                };
                for (k, v) in counts.into_iter().enumerate() {
                    votes[offset + k].push(v);
                }
                offset += width;
            }
        }
        let mut arrays: Vec<ArrayRef> = vec![
            Arc::new(ids.finish()),
            Arc::new(ras.finish()),
            Arc::new(decs.finish()),
        ];
        arrays.push(Arc::new(arrow_array::Int32Array::from_iter_values(
            (start..end).map(|i| (i / per_file) as i32),
        )));
        arrays.push(Arc::new(arrow_array::Int32Array::from_iter_values(
            (start..end).map(|i| (i % per_file) as i32),
        )));
        let mut votes: Vec<Option<Vec<i32>>> = votes.into_iter().map(Some).collect();
        arrays.extend(order.iter().map(|&k| {
            Arc::new(arrow_array::Int32Array::from(
                votes[k].take().unwrap_or_default(),
            )) as ArrayRef
        }));
        let batch = RecordBatch::try_new(schema.clone(), arrays).map_err(|e| e.to_string())?;
        writer.write(&batch).map_err(|e| e.to_string())?;
        start = end;
    }
    writer.close().map_err(|e| e.to_string())?;
    let dir = out.parent().unwrap_or(Path::new("."));
    crate::manifest::describe(dir, Path::new(out.file_name().unwrap_or_default()), false)
}
