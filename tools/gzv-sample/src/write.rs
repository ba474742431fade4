//! Galaxies → Arrow batches → parquet shards in a HuggingFace layout, plus `index.json`.

use crate::morph::{self, CAMPAIGNS, Morphology, QUESTIONS};
use crate::render::{self, SIZE};
use crate::rng::Rng;
use crate::sky;
use arrow_array::{
    ArrayRef, BinaryArray, Float64Array, Int32Array, RecordBatch, StringArray, StructArray,
};
use arrow_schema::{DataType, Field, Fields, Schema};
use image::ExtendedColorType;
use image::codecs::jpeg::JpegEncoder;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, Encoding};
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::schema::types::ColumnPath;
use std::collections::{HashMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Rows per row group in the legacy HuggingFace layout (`datasets`' image default).
pub const LEGACY_ROW_GROUP_ROWS: usize = 100;
/// Default share of galaxies in the train split.
pub const TRAIN_FRACTION: f64 = 0.8;
/// Share of galaxies voted on in a second campaign.
pub(crate) const SECOND_CAMPAIGN_FRACTION: f64 = 0.08;
/// Campaign mix (dr12, dr5, dr8) of a galaxy's first campaign.
pub(crate) const CAMPAIGN_MIX: [f64; 3] = [0.17, 0.3, 0.53];

/// The two ways HuggingFace has written image parquet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// 2023-06..2025-09: 100-row row groups, snappy everywhere, dictionary-encoded images.
    Legacy,
    /// Since 2025-09: one large row group, page index, uncompressed PLAIN images.
    New,
}

/// Generator options; `Default` gives the embedded sample.
#[derive(Clone, Debug)]
pub struct Options {
    pub out: PathBuf,
    pub rows: usize,
    pub rows_per_shard: usize,
    pub unique_images: usize,
    pub seed: u64,
    pub layout: Layout,
    pub jpeg_quality: u8,
    /// Share of rows in the train split (the rest are test).
    pub train_fraction: f64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            out: PathBuf::from("sample"),
            rows: 2500,
            rows_per_shard: 1000,
            unique_images: 2500,
            seed: 2024,
            layout: Layout::Legacy,
            jpeg_quality: 90,
            train_fraction: TRAIN_FRACTION,
        }
    }
}

pub use crate::manifest::{Manifest, ManifestFile};

/// A rendered galaxy: its truth (for votes) and its JPEG.
struct Rendered {
    morph: Morphology,
    jpeg: Arc<Vec<u8>>,
}

/// Generate the whole dataset; `log` receives progress lines.
pub fn generate(o: &Options, log: &mut dyn FnMut(String)) -> Result<Manifest, String> {
    let root = Rng::new(o.seed);
    let pool_size = o.unique_images.min(o.rows).max(1);
    log(format!(
        "gzv-sample: rendering {pool_size} galaxies ({SIZE}x{SIZE} JPEG)"
    ));
    let pool = render_pool(&root, pool_size, o.jpeg_quality)?;

    let data = o.out.join("data");
    fs::create_dir_all(&data).map_err(|e| format!("cannot create {}: {e}", data.display()))?;
    let train = ((o.rows as f64) * o.train_fraction.clamp(0.0, 1.0)).round() as usize;
    let splits = [("train", 0, train), ("test", train, o.rows)];
    let mut ids = HashSet::new();
    let mut files = Vec::new();
    for (split, start, end) in splits {
        let count = end - start;
        if count == 0 {
            continue;
        }
        let shards = count.div_ceil(o.rows_per_shard);
        for k in 0..shards {
            let lo = start + k * o.rows_per_shard;
            let hi = (lo + o.rows_per_shard).min(end);
            let name = format!("{split}-{k:05}-of-{shards:05}.parquet");
            let path = data.join(&name);
            write_shard(&path, &root, &pool, lo..hi, o.layout, &mut ids)?;
            let file =
                crate::manifest::describe(&o.out, Path::new(&format!("data/{name}")), false)?;
            log(format!(
                "gzv-sample: wrote data/{name} ({} rows, {:.1} MB)",
                hi - lo,
                file.size as f64 / 1e6
            ));
            files.push(file);
        }
    }
    let manifest = Manifest {
        format: crate::manifest::FORMAT,
        name: "Galaxy Zoo DESI sample (synthetic)".into(),
        files,
        catalog: None,
    };
    let json = serde_json::to_string_pretty(&manifest).map_err(|e| e.to_string())?;
    fs::write(o.out.join("index.json"), json + "\n").map_err(|e| e.to_string())?;
    Ok(manifest)
}

/// Render the image pool on every core; galaxy `i` depends only on the seed and `i`.
fn render_pool(root: &Rng, n: usize, quality: u8) -> Result<Vec<Rendered>, String> {
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(8);
    let chunk = n.div_ceil(threads);
    let parts: Vec<Result<Vec<Rendered>, String>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                s.spawn(move || {
                    (t * chunk..((t + 1) * chunk).min(n))
                        .map(|i| {
                            let mut rng = root.fork(i as u64);
                            let morph = Morphology::draw(&mut rng);
                            let rgb = render::render(&morph, &mut rng);
                            let mut jpeg = Vec::new();
                            JpegEncoder::new_with_quality(&mut jpeg, quality)
                                .encode(&rgb, SIZE as u32, SIZE as u32, ExtendedColorType::Rgb8)
                                .map_err(|e| format!("JPEG encoding failed: {e}"))?;
                            Ok(Rendered {
                                morph,
                                jpeg: Arc::new(jpeg),
                            })
                        })
                        .collect()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err("render thread panicked".into()))
            })
            .collect()
    });
    let mut pool = Vec::with_capacity(n);
    for p in parts {
        pool.extend(p?);
    }
    Ok(pool)
}

/// The Arrow schema of gz_desi with the `huggingface` metadata `datasets` writes.
pub fn schema() -> Schema {
    let image = DataType::Struct(Fields::from(vec![
        Field::new("bytes", DataType::Binary, true),
        Field::new("path", DataType::Utf8, true),
    ]));
    let mut fields = vec![
        Field::new("image", image, true),
        Field::new("id_str", DataType::Utf8, true),
        Field::new("ra", DataType::Float64, true),
        Field::new("dec", DataType::Float64, true),
    ];
    let votes = morph::vote_columns();
    fields.extend(votes.iter().map(|c| Field::new(c, DataType::Int32, true)));
    let mut features = String::from(
        r#"{"info": {"features": {"image": {"_type": "Image"}, "id_str": {"dtype": "string", "_type": "Value"}, "ra": {"dtype": "float64", "_type": "Value"}, "dec": {"dtype": "float64", "_type": "Value"}"#,
    );
    for c in &votes {
        features.push_str(&format!(
            r#", "{c}": {{"dtype": "int32", "_type": "Value"}}"#
        ));
    }
    features.push_str("}}}");
    Schema::new_with_metadata(
        fields,
        HashMap::from([("huggingface".to_string(), features)]),
    )
}

fn properties(layout: Layout) -> WriterProperties {
    let bytes = ColumnPath::from(vec!["image".to_string(), "bytes".to_string()]);
    let path = ColumnPath::from(vec!["image".to_string(), "path".to_string()]);
    let b = WriterProperties::builder()
        .set_created_by("gzv-sample (HuggingFace layout imitation)".into())
        .set_compression(Compression::SNAPPY)
        .set_column_statistics_enabled(bytes.clone(), EnabledStatistics::None);
    match layout {
        // Like pyarrow's defaults under `datasets`: every column snappy and dictionary
        // encoded, a row group's 100 images in one dictionary page, no page index.
        Layout::Legacy => b
            .set_max_row_group_row_count(Some(LEGACY_ROW_GROUP_ROWS))
            .set_statistics_enabled(EnabledStatistics::Chunk)
            .set_offset_index_disabled(true)
            .set_column_dictionary_page_size_limit(bytes, 256 << 20)
            .build(),
        Layout::New => b
            .set_max_row_group_row_count(None)
            .set_max_row_group_bytes(None)
            .set_statistics_enabled(EnabledStatistics::Page)
            .set_column_compression(bytes.clone(), Compression::UNCOMPRESSED)
            .set_column_compression(path.clone(), Compression::UNCOMPRESSED)
            .set_column_dictionary_enabled(bytes.clone(), false)
            .set_column_dictionary_enabled(path.clone(), false)
            .set_column_encoding(bytes, Encoding::PLAIN)
            .set_column_encoding(path, Encoding::PLAIN)
            .build(),
    }
}

/// Write rows `rows` (global row numbers) as one parquet file.
fn write_shard(
    file: &Path,
    root: &Rng,
    pool: &[Rendered],
    rows: std::ops::Range<usize>,
    layout: Layout,
    ids: &mut HashSet<(u32, u32)>,
) -> Result<(), String> {
    let schema = Arc::new(schema());
    let out =
        fs::File::create(file).map_err(|e| format!("cannot create {}: {e}", file.display()))?;
    let mut writer = ArrowWriter::try_new(out, schema.clone(), Some(properties(layout)))
        .map_err(|e| e.to_string())?;
    let starts: Vec<usize> = rows.clone().step_by(LEGACY_ROW_GROUP_ROWS).collect();
    for lo in starts {
        let hi = (lo + LEGACY_ROW_GROUP_ROWS).min(rows.end);
        let batch = batch(&schema, root, pool, lo..hi, ids)?;
        writer.write(&batch).map_err(|e| e.to_string())?;
    }
    writer.close().map_err(|e| e.to_string())?;
    Ok(())
}

/// Arrow batch for global rows `rows`.
fn batch(
    schema: &Arc<Schema>,
    root: &Rng,
    pool: &[Rendered],
    rows: std::ops::Range<usize>,
    ids: &mut HashSet<(u32, u32)>,
) -> Result<RecordBatch, String> {
    let n = rows.len();
    let mut images: Vec<Arc<Vec<u8>>> = Vec::with_capacity(n);
    let mut paths = Vec::with_capacity(n);
    let mut id_strs = Vec::with_capacity(n);
    let mut ras = Vec::with_capacity(n);
    let mut decs = Vec::with_capacity(n);
    let n_votes = morph::vote_columns().len();
    let mut votes: Vec<Vec<i32>> = vec![Vec::with_capacity(n); n_votes];
    for row in rows {
        let mut rng = root.fork((1u64 << 40) | row as u64);
        let g = &pool[row % pool.len()];
        let id = loop {
            let id = sky::draw_id(&mut rng);
            if ids.insert(id) {
                break id;
            }
        };
        let (ra, dec) = sky::draw_position(&mut rng);
        let id_str = format!("{}_{}", id.0, id.1);
        paths.push(format!("{id_str}.jpg"));
        id_strs.push(id_str);
        ras.push(ra);
        decs.push(dec);
        images.push(g.jpeg.clone());
        // one campaign, a few galaxies two
        let first = rng.weighted(&CAMPAIGN_MIX);
        let second = rng
            .chance(SECOND_CAMPAIGN_FRACTION)
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
                morph::vote(&g.morph, c, volunteers, &mut rng)
            } else {
                vec![0; width]
            };
            for (k, v) in counts.into_iter().enumerate() {
                votes[offset + k].push(v);
            }
            offset += width;
        }
    }
    let image = StructArray::new(
        match schema.field(0).data_type() {
            DataType::Struct(f) => f.clone(),
            _ => return Err("image field is not a struct".into()),
        },
        vec![
            Arc::new(BinaryArray::from_iter_values(
                images.iter().map(|b| b.as_slice()),
            )) as ArrayRef,
            Arc::new(StringArray::from(paths)) as ArrayRef,
        ],
        None,
    );
    let mut columns: Vec<ArrayRef> = vec![
        Arc::new(image),
        Arc::new(StringArray::from(id_strs)),
        Arc::new(Float64Array::from(ras)),
        Arc::new(Float64Array::from(decs)),
    ];
    columns.extend(
        votes
            .into_iter()
            .map(|v| Arc::new(Int32Array::from(v)) as ArrayRef),
    );
    RecordBatch::try_new(schema.clone(), columns).map_err(|e| e.to_string())
}
