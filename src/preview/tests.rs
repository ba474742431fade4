use super::*;
use crate::table;
use arrow_array::RecordBatch;
use bytes::Bytes;
use gzv_sample::fixtures;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::file::metadata::ParquetMetaData;
use std::sync::Arc;

/// The whole file as one batch, its footer (with statistics) and its Arrow schema.
fn open(bytes: Vec<u8>) -> (RecordBatch, Arc<ParquetMetaData>, arrow_schema::Schema) {
    let b = ParquetRecordBatchReaderBuilder::try_new(Bytes::from(bytes)).unwrap();
    let meta = b.metadata().clone();
    let schema = table::arrow_schema(&meta).unwrap();
    let batches: Vec<RecordBatch> = b
        .with_batch_size(1 << 20)
        .build()
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let batch = arrow_select_concat(&batches);
    (batch, meta, schema)
}

fn arrow_select_concat(batches: &[RecordBatch]) -> RecordBatch {
    assert_eq!(batches.len(), 1, "fixtures are read as one batch");
    batches[0].clone()
}

fn text(batch: &RecordBatch, col: &str, row: usize) -> String {
    cell(batch.column_by_name(col).unwrap().as_ref(), row).text
}

fn leaf(report: &FileReport, path: &str) -> LeafReport {
    report
        .leaves
        .iter()
        .find(|l| l.path == path)
        .unwrap_or_else(|| panic!("no leaf {path}"))
        .clone()
}

#[test]
fn a_png_column_under_another_name_is_found_by_its_metadata_and_cells_render() {
    let (batch, meta, schema) = open(fixtures::pictures(8));
    let roles = table::recognise(&schema);
    assert_eq!(
        roles.image.map(|i| (i.name, i.bytes_path)),
        Some(("snapshot".into(), "snapshot".into())),
        "declared an Image by the huggingface metadata, though plain binary"
    );
    assert_eq!((roles.ra, roles.dec), (None, None));
    assert!(table::vote_schema(&schema).is_empty());
    // the picture is the PNG written, byte for byte
    let png = table::binary_at(batch.column_by_name("snapshot").unwrap().as_ref(), 2).unwrap();
    assert_eq!(png, fixtures::png(32, 24, fixtures::colour(2)));
    assert_eq!(&png[1..4], b"PNG");

    let caption = batch.column_by_name("caption").unwrap();
    assert_eq!(cell(caption.as_ref(), 0).text, "picture 0");
    let null = cell(caption.as_ref(), 3);
    assert_eq!((null.kind, null.text.as_str()), (Kind::Null, "null"));
    let long = cell(caption.as_ref(), 5);
    assert_eq!(long.text.chars().count(), cells_chars());
    assert!(long.text.ends_with('…'), "{}", long.text);
    assert_eq!(long.full.as_deref(), Some("long ".repeat(40).as_str()));
    assert_eq!(text(&batch, "score", 3), "1.5");
    assert_eq!(
        cell(batch.column_by_name("score").unwrap().as_ref(), 3).kind,
        Kind::Number
    );
    assert_eq!(text(&batch, "taken", 1), "2024-03-01 13:00:00Z");
    assert_eq!(text(&batch, "blob", 1), "10 B · de ad 01 be ef 01 02 03 …");
    let labels: Vec<String> = schema
        .fields()
        .iter()
        .map(|f| type_label(f.data_type()))
        .collect();
    assert_eq!(
        labels,
        [
            "string",
            "float64",
            "timestamp[ms, UTC]",
            "binary",
            "binary"
        ]
    );

    let report = FileReport::from_meta(&meta);
    assert_eq!(report.rows, 8);
    let hf = report
        .metadata
        .iter()
        .find(|(k, _)| k == "huggingface")
        .map(|(_, v)| v.clone())
        .unwrap();
    assert!(
        hf.contains("\n") && hf.contains("\"_type\": \"Image\""),
        "pretty-printed JSON: {hf}"
    );
    let arrow = report
        .metadata
        .iter()
        .find(|(k, _)| k == "ARROW:schema")
        .unwrap();
    assert!(arrow.1.starts_with("(the Arrow schema, "), "{}", arrow.1);
    let taken = leaf(&report, "taken");
    assert_eq!(
        (taken.physical.as_str(), taken.logical.as_str()),
        ("INT64", "timestamp[ms, UTC]")
    );
    assert_eq!(taken.stats.min.as_deref(), Some("2024-03-01 12:00:00"));
    assert_eq!(taken.stats.max.as_deref(), Some("2024-03-01 19:00:00"));
    let cap = leaf(&report, "caption");
    assert_eq!(cap.stats.nulls, Some(1));
    assert_eq!(
        cap.stats.min.as_deref(),
        Some("\"long long long long long long long long…\"")
    );
    assert_eq!(cap.stats.max.as_deref(), Some("\"picture 7\""));
}

fn cells_chars() -> usize {
    super::cells::CELL_CHARS
}

#[test]
fn a_table_without_images_has_its_types_statistics_and_row_groups_read() {
    let (batch, meta, schema) = open(fixtures::no_images(1000, 300));
    let roles = table::recognise(&schema);
    assert_eq!(roles.image, None);
    assert_eq!(roles.id.as_deref(), Some("id"));
    assert_eq!(text(&batch, "name", 999), "item 999");
    assert_eq!(text(&batch, "value", 3), "0.75");
    assert_eq!(text(&batch, "flag", 3), "false");
    assert_eq!(
        cell(batch.column_by_name("flag").unwrap().as_ref(), 3).kind,
        Kind::Bool
    );
    assert_eq!(text(&batch, "day", 0), "2020-01-01");
    assert_eq!(text(&batch, "day", 366), "2020-01-02", "366 % 365 = 1");

    let report = FileReport::from_meta(&meta);
    let groups: Vec<u64> = report.row_groups.iter().map(|g| g.rows).collect();
    assert_eq!(groups, [300, 300, 300, 100]);
    assert!(
        report
            .row_groups
            .iter()
            .all(|g| g.compressed > 0 && g.uncompressed > 0)
    );
    assert_eq!(report.offset_index, Coverage::All);
    assert!(
        report
            .created_by
            .as_deref()
            .unwrap_or("")
            .contains("parquet-rs")
    );
    let id = leaf(&report, "id");
    assert_eq!(
        (
            id.physical.as_str(),
            id.stats.min.as_deref(),
            id.stats.max.as_deref(),
            id.stats.nulls
        ),
        ("INT64", Some("0"), Some("999"), Some(0))
    );
    assert_eq!(
        id.stats.line().as_deref(),
        Some("min 0 · max 999 · 0 nulls")
    );
    assert_eq!(id.stats.chunks, 4);
    assert!(id.encodings.contains("PLAIN") || id.encodings.contains("RLE_DICTIONARY"));
    assert!(!id.compression.is_empty());
    let name = leaf(&report, "name");
    assert_eq!(name.logical, "string");
    assert_eq!(
        name.stats.max.as_deref(),
        Some("\"item 999\""),
        "byte order, as strings sort"
    );
    let day = leaf(&report, "day");
    assert_eq!(
        (
            day.logical.as_str(),
            day.stats.min.as_deref(),
            day.stats.max.as_deref()
        ),
        ("date", Some("2020-01-01"), Some("2020-12-30"))
    );
    let value = leaf(&report, "value");
    assert_eq!(value.stats.max.as_deref(), Some("249.75"));
}

#[test]
fn nested_and_null_heavy_columns_render_and_count_their_nulls() {
    let (batch, meta, schema) = open(fixtures::nested_nulls(40));
    assert_eq!(table::recognise(&schema), table::Roles::default());
    let c = |name: &str, row: usize| text(&batch, name, row);
    assert_eq!(c("tags", 0), "null");
    assert_eq!(c("tags", 1), "[]");
    assert_eq!(c("tags", 2), "[2, 3]");
    assert_eq!(c("tags", 11), "[11, 12, 13, 14, 15, 16, 17, 18, … +3]");
    assert_eq!(c("point", 0), "null");
    assert_eq!(c("point", 1), "{x: 1, y: -1}");
    assert_eq!(c("attrs", 2), "{\"a\": 2}");
    assert_eq!(c("mostly_null", 10), "10");
    assert_eq!(c("mostly_null", 11), "null");
    assert_eq!(c("always_null", 0), "null");
    assert_eq!(c("code", 1), "green");
    assert_eq!(c("price", 1), "1.25");
    assert_eq!(
        cell(batch.column_by_name("tags").unwrap().as_ref(), 2).kind,
        Kind::Nested
    );
    let labels: Vec<String> = schema
        .fields()
        .iter()
        .map(|f| type_label(f.data_type()))
        .collect();
    assert_eq!(labels[0], "list<int32>");
    assert_eq!(labels[1], "struct<x: float64, y: float64>");
    assert!(labels[2].starts_with("map<string, int32>"), "{}", labels[2]);
    assert_eq!(labels[5], "dictionary<int32, string>");
    assert_eq!(labels[6], "decimal(9, 2)");

    let report = FileReport::from_meta(&meta);
    let mostly = leaf(&report, "mostly_null");
    assert_eq!(mostly.stats.nulls, Some(36));
    assert_eq!(
        (mostly.stats.min.as_deref(), mostly.stats.max.as_deref()),
        (Some("0"), Some("30"))
    );
    let never = leaf(&report, "always_null");
    assert_eq!(never.stats.nulls, Some(40));
    assert_eq!(
        (never.stats.min.clone(), never.stats.max.clone()),
        (None, None),
        "no values, no bounds"
    );
    assert_eq!(never.stats.line().as_deref(), Some("40 nulls"));
    let price = leaf(&report, "price");
    assert_eq!(price.logical, "decimal(9, 2)");
    assert_eq!(
        (price.stats.min.as_deref(), price.stats.max.as_deref()),
        (Some("0.00"), Some("48.75"))
    );
    assert!(
        report.leaves.iter().any(|l| l.path == "tags.list.item"),
        "{:?}",
        report.leaves.iter().map(|l| &l.path).collect::<Vec<_>>()
    );
}

#[test]
fn a_galaxy_zoo_2_vote_table_follows_its_own_tree_and_an_unknown_campaign_stays_flat() {
    let (batch, _meta, schema) = open(fixtures::gz2_votes(6));
    let roles = table::recognise(&schema);
    assert_eq!(
        (roles.ra.as_deref(), roles.dec.as_deref()),
        (Some("RA"), Some("DEC"))
    );
    assert_eq!(roles.image.map(|i| i.bytes_path), Some("jpg.bytes".into()));
    let votes = table::vote_schema(&schema);
    let names: Vec<&str> = votes.campaigns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["gz2", "zz9"]);
    let gz2 = &votes.campaigns[0];
    assert_eq!(gz2.tree.map(|t| t.name), Some("Galaxy Zoo 2"));
    let order: Vec<&str> = gz2.questions.iter().map(|q| q.name.as_str()).collect();
    assert_eq!(
        order,
        [
            "smooth-or-featured",
            "how-rounded",
            "disk-edge-on",
            "bulge-shape",
            "has-spiral-arms",
            "spiral-winding",
            "spiral-arm-count",
            "bar",
            "bulge-size",
            "something-odd"
        ]
    );
    let tree = gz2.tree.unwrap();
    assert_eq!(
        tree.parent_of("bar"),
        Some(("smooth-or-featured", "featured-or-disk"))
    );
    assert_eq!(tree.parent_of("bulge-shape"), Some(("disk-edge-on", "yes")));
    assert_eq!(votes.campaigns[1].tree, None);
    assert_eq!(votes.campaigns[1].questions[0].name, "sparkle");

    let row_votes = |row: usize| -> Vec<crate::gz::QuestionVotes> {
        gz2.questions
            .iter()
            .map(|q| {
                crate::gz::QuestionVotes::from_row(q, |c| {
                    table::int_at(batch.column(c).as_ref(), row)
                })
            })
            .collect()
    };
    let featured = row_votes(0);
    assert_eq!(
        crate::gz::describe("gz2", &featured, gz2.tree).as_deref(),
        Some("featured, face-on disk, two tight spiral arms, no bar — 40 volunteers, gz2")
    );
    let smooth = row_votes(1);
    assert_eq!(
        crate::gz::describe("gz2", &smooth, gz2.tree).as_deref(),
        Some("smooth, round — 40 volunteers, gz2")
    );
    assert!(
        crate::gz::most_voted_path(&smooth, None).is_empty(),
        "no tree, no path"
    );
    assert_eq!(crate::gz::describe("zz9", &smooth, None), None);
}

#[test]
fn every_published_campaign_has_its_tree() {
    use crate::gz::tree_for;
    for (campaign, tree) in [
        ("dr12", "Galaxy Zoo DECaLS / DESI"),
        ("dr5", "Galaxy Zoo DECaLS / DESI"),
        ("DR8", "Galaxy Zoo DECaLS / DESI"),
        ("gz2", "Galaxy Zoo 2"),
        ("ukidss", "Galaxy Zoo 2"),
        ("candels", "Galaxy Zoo: CANDELS"),
        ("cd", "Galaxy Zoo Cosmic Dawn"),
        ("euclid", "Galaxy Zoo Cosmic Dawn"),
        ("jwst", "Galaxy Zoo JWST"),
    ] {
        assert_eq!(
            tree_for(campaign, ["smooth-or-featured"]).map(|t| t.name),
            Some(tree),
            "{campaign}"
        );
    }
    // Hubble's two label sets share a suffix: the clumpy branch tells them apart
    let v1 = tree_for(
        "hubble",
        ["smooth-or-featured", "clumpy-appearance", "disk-edge-on"],
    )
    .unwrap();
    assert_eq!(
        v1.parent_of("disk-edge-on"),
        Some(("clumpy-appearance", "no"))
    );
    let v2 = tree_for("hubble", ["smooth-or-featured", "disk-edge-on"]).unwrap();
    assert_eq!(
        v2.parent_of("disk-edge-on"),
        Some(("smooth-or-featured", "features"))
    );
    assert_eq!(
        tree_for("candels", ["clump-count"])
            .unwrap()
            .parent_of("clump-count"),
        Some(("clumpy-appearance", "yes"))
    );
    assert_eq!(
        tree_for("euclid", ["artifact"])
            .unwrap()
            .parent_of("artifact"),
        Some(("problem", "artifact"))
    );
    assert_eq!(tree_for("sparkle", ["smooth-or-featured"]), None);
    // every tree: each parent is a question of the same tree asked before its child
    for t in &crate::gz::TREES {
        for (i, node) in t.nodes.iter().enumerate() {
            if let Some((pq, _)) = node.parent {
                assert!(
                    t.order(pq) < i,
                    "{}: {} before {}",
                    t.name,
                    pq,
                    node.question
                );
            }
        }
        assert_eq!(t.root(), "smooth-or-featured");
    }
}

#[test]
fn the_row_window_covers_the_viewport_and_no_more() {
    assert_eq!(row_window(1000, 0.0, 300.0, 30.0, 3), 0..13);
    assert_eq!(row_window(1000, 3000.0, 300.0, 30.0, 3), 97..113);
    assert_eq!(
        row_window(1000, 3015.0, 300.0, 30.0, 0),
        100..111,
        "a row cut at each edge"
    );
    assert_eq!(
        row_window(1000, 1e9, 300.0, 30.0, 3),
        1000..1000,
        "past the end: nothing"
    );
    assert_eq!(row_window(5, 0.0, 300.0, 30.0, 3), 0..5);
    assert_eq!(row_window(0, 0.0, 300.0, 30.0, 3), 0..0);
    let w = row_window(400_000, 8_999_990.0, 420.0, 30.0, 3);
    assert!(w.len() <= 420 / 30 + 1 + 6, "{w:?}");
}
