//! The catalog sidecar, built from local shards and over real HTTP from the range-capable
//! test server: every row's id, position, locator and votes, in one small file.

use arrow_array::RecordBatch;
use arrow_array::cast::AsArray;
use arrow_array::types::{Float32Type, Float64Type, Int32Type};
use gzv_sample::catalog::{self, FILE_COLUMN, Location, ROW_COLUMN};
use gzv_sample::{Layout, Options, generate};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

fn temp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("gzv-catalog-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn read_all(path: &Path) -> Vec<RecordBatch> {
    ParquetRecordBatchReaderBuilder::try_new(File::open(path).unwrap())
        .unwrap()
        .build()
        .unwrap()
        .map(|b| b.unwrap())
        .collect()
}

/// Compare every catalog row with the row of the shard it points to.
fn check_against_shards(dir: &Path, files: &[String], catalog_path: &Path) -> usize {
    let shards: Vec<Vec<RecordBatch>> = files.iter().map(|f| read_all(&dir.join(f))).collect();
    let shard = |fi: usize| arrow_select_concat(&shards[fi]);
    let shards: Vec<RecordBatch> = (0..files.len()).map(shard).collect();
    let mut checked = 0;
    for b in read_all(catalog_path) {
        assert!(
            b.column_by_name("image").is_none(),
            "no image column in the catalog"
        );
        let file = b
            .column_by_name(FILE_COLUMN)
            .unwrap()
            .as_primitive::<Int32Type>();
        let row = b
            .column_by_name(ROW_COLUMN)
            .unwrap()
            .as_primitive::<Int32Type>();
        for r in 0..b.num_rows() {
            let s = &shards[file.value(r) as usize];
            let sr = row.value(r) as usize;
            assert_eq!(
                b.column_by_name("id_str")
                    .unwrap()
                    .as_string::<i32>()
                    .value(r),
                s.column_by_name("id_str")
                    .unwrap()
                    .as_string::<i32>()
                    .value(sr)
            );
            let ra = b
                .column_by_name("ra")
                .unwrap()
                .as_primitive::<Float32Type>()
                .value(r);
            let want = s
                .column_by_name("ra")
                .unwrap()
                .as_primitive::<Float64Type>()
                .value(sr);
            assert!((ra as f64 - want).abs() < 1e-4, "{ra} vs {want}");
            for name in [
                "smooth-or-featured-dr8_smooth",
                "has-spiral-arms-dr5_yes",
                "merging-dr12_merger",
            ] {
                assert_eq!(
                    b.column_by_name(name)
                        .unwrap()
                        .as_primitive::<Int32Type>()
                        .value(r),
                    s.column_by_name(name)
                        .unwrap()
                        .as_primitive::<Int32Type>()
                        .value(sr),
                    "{name}"
                );
            }
            checked += 1;
        }
    }
    checked
}

fn arrow_select_concat(batches: &[RecordBatch]) -> RecordBatch {
    arrow_select::concat::concat_batches(&batches[0].schema(), batches).unwrap()
}

#[test]
fn a_local_catalog_holds_every_row_with_its_locator_and_votes() {
    let dir = temp("local");
    let m = generate(
        &Options {
            out: dir.clone(),
            rows: 700,
            rows_per_shard: 300,
            unique_images: 20,
            layout: Layout::Legacy,
            ..Options::default()
        },
        &mut |_| {},
    )
    .unwrap();
    let files: Vec<String> = m.files.iter().map(|f| f.path.clone()).collect();
    let locations: Vec<Location> = files.iter().map(|f| Location::File(dir.join(f))).collect();
    let out = dir.join("catalog.parquet");
    let report = catalog::build(&locations, &out, 2, &|_| {}).unwrap();
    assert_eq!(report.rows, 700);
    assert_eq!(check_against_shards(&dir, &files, &out), 700);
    // the first question's votes sit right after the locator, before every other vote
    let schema = read_all(&out)[0].schema();
    let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    let roots = names
        .iter()
        .filter(|n| n.starts_with("smooth-or-featured-"))
        .count();
    assert!(roots >= 3, "{names:?}");
    assert_eq!(&names[3..5], ["gzv_file", "gzv_row"]);
    assert!(
        names[5..5 + roots]
            .iter()
            .all(|n| n.starts_with("smooth-or-featured-")),
        "{names:?}"
    );
    // and so in the synthetic catalog
    let synthetic = dir.join("synthetic.parquet");
    catalog::synthetic(100, 50, &synthetic, 1).unwrap();
    let schema = read_all(&synthetic)[0].schema();
    assert!(
        schema.fields()[5..5 + roots]
            .iter()
            .all(|f| f.name().starts_with("smooth-or-featured-"))
    );
    let shard_bytes: u64 = m.files.iter().map(|f| f.size).sum();
    assert!(
        report.bytes * 20 < shard_bytes,
        "the catalog ({} B) is a small fraction of the shards ({shard_bytes} B)",
        report.bytes
    );
    catalog::add_to_manifest(&dir.join("index.json"), &report.entry).unwrap();
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("index.json")).unwrap()).unwrap();
    assert_eq!(v["catalog"]["path"], "catalog.parquet");
    assert_eq!(v["catalog"]["size"].as_u64(), Some(report.bytes));
    assert_eq!(
        v["files"].as_array().unwrap().len(),
        files.len(),
        "the rest of the manifest is kept"
    );
}

#[test]
fn a_catalog_over_http_reads_the_footer_and_one_request_per_row_group() {
    let dir = temp("http");
    let m = generate(
        &Options {
            out: dir.clone(),
            rows: 450,
            rows_per_shard: 250,
            unique_images: 20,
            layout: Layout::Legacy,
            ..Options::default()
        },
        &mut |_| {},
    )
    .unwrap();
    let files: Vec<String> = m.files.iter().map(|f| f.path.clone()).collect();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let server = rt.block_on(gzv_server::Server::start(&dir, 0)).unwrap();
    let requests = Arc::new(AtomicU64::new(0));
    let agent = ureq::AgentBuilder::new().build();
    let locations: Vec<Location> = files
        .iter()
        .map(|f| Location::Http {
            url: format!("{}/{f}", server.url()),
            agent: agent.clone(),
            requests: requests.clone(),
        })
        .collect();
    let out = dir.join("remote-catalog.parquet");
    let report = catalog::build(&locations, &out, 3, &|_| {}).unwrap();
    assert_eq!(report.rows, 450);
    assert_eq!(check_against_shards(&dir, &files, &out), 450);
    // per file: a length probe, the footer (64 KiB covers these), one request per row group
    let row_groups: usize = files
        .iter()
        .map(|f| {
            ParquetRecordBatchReaderBuilder::try_new(File::open(dir.join(f)).unwrap())
                .unwrap()
                .metadata()
                .num_row_groups()
        })
        .sum();
    let log = server.log();
    assert_eq!(requests.load(Ordering::Relaxed) as usize, log.len());
    assert_eq!(log.len(), files.len() * 2 + row_groups, "{log:#?}");
    assert!(
        log.iter().all(|e| e.status == 206 && e.range.is_some()),
        "only range requests"
    );
    // the images were never read: far fewer bytes than the files hold
    let sent: u64 = log.iter().map(|e| e.bytes).sum();
    assert!(
        sent * 10 < m.files.iter().map(|f| f.size).sum::<u64>(),
        "{sent} bytes sent"
    );
    // a server without range support is a clear error, not a wrong catalog
    server.set_faults(gzv_server::Faults {
        ignore_range: true,
        ..Default::default()
    });
    let err = catalog::build(&locations[..1], &dir.join("x.parquet"), 1, &|_| {}).unwrap_err();
    assert!(err.contains("range"), "{err}");
}
