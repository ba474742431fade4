//! The generated sample: deterministic, gz_desi's schema, both HuggingFace layouts,
//! votes consistent with the decision tree, positions in the footprint.

use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int32Type};
use gzv_sample::morph::{CAMPAIGNS, QUESTIONS, answers, vote_columns};
use gzv_sample::{Layout, Options, generate, sky};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::basic::{Compression, Encoding};
use parquet::file::reader::{FileReader, SerializedFileReader};
use std::collections::HashSet;
use std::fs::File;
use std::path::{Path, PathBuf};

fn temp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("gzv-sample-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn small(out: &Path, layout: Layout) -> Options {
    Options {
        out: out.to_path_buf(),
        rows: 250,
        rows_per_shard: 150,
        unique_images: 40,
        layout,
        ..Options::default()
    }
}

#[test]
fn same_seed_same_bytes_and_shard_names() {
    let (a, b) = (temp("a"), temp("b"));
    let m = generate(&small(&a, Layout::Legacy), &mut |_| {}).unwrap();
    generate(&small(&b, Layout::Legacy), &mut |_| {}).unwrap();
    let names: Vec<&str> = m.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(
        names,
        [
            "data/train-00000-of-00002.parquet",
            "data/train-00001-of-00002.parquet",
            "data/test-00000-of-00001.parquet"
        ]
    );
    assert_eq!(
        m.files.iter().map(|f| f.rows).collect::<Vec<_>>(),
        [150, 50, 50]
    );
    for f in &m.files {
        assert_eq!(
            std::fs::read(a.join(&f.path)).unwrap(),
            std::fs::read(b.join(&f.path)).unwrap(),
            "{}",
            f.path
        );
    }
    let idx: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(a.join("index.json")).unwrap()).unwrap();
    assert_eq!(
        idx["files"][0]["size"].as_u64(),
        Some(std::fs::metadata(a.join(&m.files[0].path)).unwrap().len())
    );
}

#[test]
fn schema_is_gz_desi_and_votes_follow_the_tree() {
    let dir = temp("schema");
    let m = generate(&small(&dir, Layout::Legacy), &mut |_| {}).unwrap();
    let mut ids = HashSet::new();
    for f in &m.files {
        let builder =
            ParquetRecordBatchReaderBuilder::try_new(File::open(dir.join(&f.path)).unwrap())
                .unwrap();
        let schema = builder.schema().clone();
        let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
        assert_eq!(names.len(), 102);
        assert_eq!(&names[..4], ["image", "id_str", "ra", "dec"]);
        assert_eq!(
            names[4..].to_vec(),
            vote_columns()
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>()
        );
        assert_eq!(builder.parquet_schema().num_columns(), 103);
        let hf: serde_json::Value =
            serde_json::from_str(&schema.metadata()["huggingface"]).unwrap();
        assert_eq!(hf["info"]["features"]["image"]["_type"], "Image");
        assert_eq!(
            hf["info"]["features"]["merging-dr8_merger"]["dtype"],
            "int32"
        );
        for batch in builder.build().unwrap() {
            let batch = batch.unwrap();
            let image = batch.column(0).as_struct();
            let bytes = image.column_by_name("bytes").unwrap().as_binary::<i32>();
            let img = image::load_from_memory_with_format(bytes.value(0), image::ImageFormat::Jpeg)
                .unwrap();
            assert_eq!(
                (img.width(), img.height(), img.color()),
                (424, 424, image::ColorType::Rgb8)
            );
            for row in 0..batch.num_rows() {
                let id = batch.column(1).as_string::<i32>().value(row);
                let (brick, obj) = id.split_once('_').unwrap();
                assert!(
                    brick.parse::<u32>().is_ok() && obj.parse::<u32>().is_ok(),
                    "{id}"
                );
                assert!(ids.insert(id.to_string()), "duplicate id {id}");
                let ra = batch.column(2).as_primitive::<Float64Type>().value(row);
                let dec = batch.column(3).as_primitive::<Float64Type>().value(row);
                assert!((0.0..360.0).contains(&ra) && (sky::DEC_MIN..=sky::DEC_MAX).contains(&dec));
                assert!(sky::galactic_latitude(ra, dec).abs() >= sky::MIN_ABS_GALACTIC_LATITUDE);
                let mut col = 4;
                let mut voted = 0;
                for c in 0..CAMPAIGNS.len() {
                    let mut totals = Vec::new();
                    let mut firsts = Vec::new();
                    for q in 0..QUESTIONS.len() {
                        let n = answers(q, c).len();
                        let v: Vec<i32> = (col..col + n)
                            .map(|k| batch.column(k).as_primitive::<Int32Type>().value(row))
                            .collect();
                        totals.push(v.iter().sum::<i32>());
                        firsts.push(v);
                        col += n;
                    }
                    let sof = &firsts[0];
                    if totals[0] > 0 {
                        voted += 1;
                        assert!(
                            (5..=40).contains(&totals[0]),
                            "5-40 volunteers, got {}",
                            totals[0]
                        );
                    }
                    assert_eq!(totals[5], sof[0], "how-rounded asked after smooth");
                    assert_eq!(totals[1], sof[1], "disk-edge-on asked after featured");
                    assert_eq!(totals[6], firsts[1][0], "edge-on-bulge after edge-on yes");
                    assert_eq!(totals[2], firsts[1][1], "spiral arms after edge-on no");
                    assert_eq!(totals[7], firsts[2][0], "winding after spiral yes");
                    assert_eq!(totals[8], firsts[2][0], "arm count after spiral yes");
                    assert_eq!(
                        totals[9],
                        sof[0] + sof[1],
                        "merging asked of smooth and featured"
                    );
                }
                assert!(
                    (1..=2).contains(&voted),
                    "each galaxy in one campaign, a few in two"
                );
            }
        }
    }
}

#[test]
fn legacy_layout_has_100_row_groups_snappy_and_dictionary_images() {
    let dir = temp("legacy");
    let m = generate(&small(&dir, Layout::Legacy), &mut |_| {}).unwrap();
    let reader =
        SerializedFileReader::new(File::open(dir.join(&m.files[0].path)).unwrap()).unwrap();
    let meta = reader.metadata();
    let b = std::fs::read(dir.join(&m.files[0].path)).unwrap();
    assert_eq!(
        m.files[0].footer_len,
        u32::from_le_bytes(b[b.len() - 8..b.len() - 4].try_into().unwrap()) as u64 + 8,
        "no page index: just the footer"
    );
    assert_eq!(meta.num_row_groups(), 2);
    assert_eq!(meta.row_group(0).num_rows(), 100);
    for rg in meta.row_groups() {
        for c in rg.columns() {
            assert_eq!(c.compression(), Compression::SNAPPY);
            assert!(
                c.offset_index_offset().is_none(),
                "no page index in the legacy layout"
            );
        }
        let image = rg.column(0);
        assert_eq!(image.column_path().string(), "image.bytes");
        assert!(
            image.dictionary_page_offset().is_some(),
            "images in a dictionary page"
        );
    }
}

#[test]
fn new_layout_has_one_row_group_page_index_and_plain_uncompressed_images() {
    let dir = temp("new");
    let m = generate(&small(&dir, Layout::New), &mut |_| {}).unwrap();
    let reader =
        SerializedFileReader::new(File::open(dir.join(&m.files[0].path)).unwrap()).unwrap();
    let meta = reader.metadata();
    assert_eq!(meta.num_row_groups(), 1);
    assert_eq!(meta.row_group(0).num_rows(), 150);
    let image = meta.row_group(0).column(0);
    assert_eq!(image.compression(), Compression::UNCOMPRESSED);
    assert!(image.dictionary_page_offset().is_none());
    let encodings: Vec<Encoding> = image.encodings().collect();
    assert!(
        encodings.contains(&Encoding::PLAIN) && !encodings.contains(&Encoding::RLE_DICTIONARY),
        "{encodings:?}"
    );
    assert!(
        meta.row_group(0)
            .columns()
            .iter()
            .all(|c| c.offset_index_offset().is_some()),
        "page index written"
    );
    assert_eq!(
        meta.row_group(0).column(2).compression(),
        Compression::SNAPPY
    );
    // the manifest's first read covers the page indexes too
    let footer = {
        let b = std::fs::read(dir.join(&m.files[0].path)).unwrap();
        u32::from_le_bytes(b[b.len() - 8..b.len() - 4].try_into().unwrap()) as u64 + 8
    };
    let first_index = meta
        .row_group(0)
        .columns()
        .iter()
        .filter_map(|c| c.column_index_offset().or(c.offset_index_offset()))
        .min()
        .unwrap() as u64;
    assert_eq!(m.files[0].footer_len, m.files[0].size - first_index);
    assert!(m.files[0].footer_len > footer);
}
