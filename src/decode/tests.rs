use super::*;
use crate::io::{CountingSource, MemorySource};
use arrow_array::{ArrayRef, BinaryArray, Float64Array, Int32Array, StringArray, StructArray};
use arrow_schema::{DataType, Field, Fields, Schema};
use futures::executor::block_on;
use parquet::arrow::ArrowWriter;
use parquet::file::properties::WriterProperties;

/// A file with an image-like struct column, an id and a float, in row groups of `rg` rows.
fn sample_file(rows: usize, rg: usize) -> Vec<u8> {
    let image_fields = Fields::from(vec![
        Field::new("bytes", DataType::Binary, true),
        Field::new("path", DataType::Utf8, true),
    ]);
    let schema = Arc::new(Schema::new(vec![
        Field::new("image", DataType::Struct(image_fields.clone()), true),
        Field::new("id_str", DataType::Utf8, true),
        Field::new("ra", DataType::Float64, true),
    ]));
    let image = StructArray::new(
        image_fields,
        vec![
            Arc::new(BinaryArray::from_iter_values(
                (0..rows).map(|i| vec![i as u8; 1000]),
            )) as ArrayRef,
            Arc::new(StringArray::from_iter_values(
                (0..rows).map(|i| format!("{i}.jpg")),
            )) as ArrayRef,
        ],
        None,
    );
    let batch = RecordBatch::try_new(
        schema.clone(),
        vec![
            Arc::new(image),
            Arc::new(StringArray::from_iter_values(
                (0..rows).map(|i| format!("id{i}")),
            )),
            Arc::new(Float64Array::from_iter_values(
                (0..rows).map(|i| i as f64 * 0.5),
            )),
        ],
    )
    .unwrap();
    let props = WriterProperties::builder()
        .set_max_row_group_row_count(Some(rg))
        .build();
    let mut out = Vec::new();
    let mut w = ArrowWriter::try_new(&mut out, schema, Some(props)).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
    out
}

/// A file whose footer is far larger than the first tail guess: many columns × row groups.
fn wide_file() -> Vec<u8> {
    let fields: Vec<Field> = (0..300)
        .map(|i| Field::new(format!("c{i}"), DataType::Int32, true))
        .collect();
    let schema = Arc::new(Schema::new(fields));
    let cols: Vec<ArrayRef> = (0..300)
        .map(|_| Arc::new(Int32Array::from_iter_values(0..400)) as ArrayRef)
        .collect();
    let batch = RecordBatch::try_new(schema.clone(), cols).unwrap();
    let props = WriterProperties::builder()
        .set_max_row_group_row_count(Some(10))
        .build();
    let mut out = Vec::new();
    let mut w = ArrowWriter::try_new(&mut out, schema, Some(props)).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
    out
}

#[test]
fn footer_in_one_request_when_it_fits() {
    let src = CountingSource::new(MemorySource::new("mem://a", sample_file(300, 100)));
    let meta = block_on(read_metadata(&src)).unwrap();
    assert_eq!(meta.num_row_groups(), 3);
    assert_eq!(meta.file_metadata().num_rows(), 300);
    assert_eq!(src.log().borrow().len(), 1, "one tail request");
}

#[test]
fn large_footer_costs_exactly_one_more_request() {
    let file = wide_file();
    let len = file.len() as u64;
    let src = CountingSource::new(MemorySource::new("mem://wide", file));
    let meta = block_on(read_metadata(&src)).unwrap();
    assert_eq!(meta.num_row_groups(), 40);
    let log = src.log().borrow().clone();
    assert_eq!(
        log.len(),
        2,
        "tail guess, then the rest of the footer: {log:?}"
    );
    assert!(
        log[0].end == len && log[1].end == log[0].start,
        "second read is only the missing front of the footer"
    );
    assert!(
        meta.page_index().is_none(),
        "page index not loaded until a read needs it"
    );
}

#[test]
fn not_parquet_and_truncated_files_are_named_errors() {
    let err = block_on(read_metadata(&MemorySource::new(
        "mem://x.html",
        b"<html>hello there, not parquet</html>".to_vec(),
    )));
    assert!(
        matches!(&err, Err(DecodeError::NotParquet { detail, .. }) if detail.contains("PAR1")),
        "{err:?}"
    );
    let err = block_on(read_metadata(&MemorySource::new(
        "mem://tiny",
        b"PAR1".to_vec(),
    )));
    assert!(matches!(err, Err(DecodeError::NotParquet { .. })));
    // a file cut short keeps a valid-looking tail only by accident: corrupt the length field
    let mut file = sample_file(100, 100);
    let n = file.len();
    file[n - 8..n - 4].copy_from_slice(&u32::MAX.to_le_bytes());
    let err = block_on(read_metadata(&MemorySource::new("mem://cut", file)));
    assert!(matches!(err, Err(DecodeError::Corrupt { .. })), "{err:?}");
}

#[test]
fn reads_one_row_of_projected_nested_columns() {
    let file = sample_file(300, 100);
    let counting = CountingSource::new(MemorySource::new("mem://a", file));
    let log = counting.log();
    // as in the app: the cached footer tail also answers the page index read
    let src = crate::io::CachedSource::new(counting, &crate::io::ByteCache::new(1 << 20));
    let meta = Arc::new(block_on(read_metadata(&src)).unwrap());
    log.borrow_mut().clear();
    let req = RowRequest {
        columns: vec!["image.bytes".into(), "ra".into()],
        row_group: 1,
        offset: 7,
        count: 1,
    };
    let batches = block_on(read_rows(&src, meta.clone(), &req)).unwrap();
    let batch = &batches[0];
    assert_eq!(batch.num_rows(), 1);
    let ra = batch
        .column_by_name("ra")
        .unwrap()
        .as_any()
        .downcast_ref::<Float64Array>()
        .unwrap();
    assert_eq!(ra.value(0), 107.0 * 0.5);
    let image = batch
        .column_by_name("image")
        .unwrap()
        .as_any()
        .downcast_ref::<StructArray>()
        .unwrap();
    let bytes = image
        .column_by_name("bytes")
        .unwrap()
        .as_any()
        .downcast_ref::<BinaryArray>()
        .unwrap();
    assert_eq!(bytes.value(0), &[107u8; 1000][..]);
    assert!(
        image.column_by_name("path").is_none(),
        "path was not asked for"
    );
    // only the two chunks of row group 1, merged into one request across the small gap
    let rg = meta.row_group(1);
    let (bytes_start, _) = rg.column(0).byte_range();
    let (ra_start, ra_len) = rg.column(3).byte_range();
    assert_eq!(*log.borrow(), vec![bytes_start..ra_start + ra_len]);
    let needed: u64 = [0usize, 3]
        .iter()
        .map(|&c| rg.column(c).byte_range().1)
        .sum();
    assert!(ra_start + ra_len - bytes_start - needed <= crate::io::MERGE_GAP_BYTES);
}

#[test]
fn bad_requests_are_errors_not_panics() {
    let file = sample_file(100, 100);
    let src = MemorySource::new("mem://a", file);
    let meta = Arc::new(block_on(read_metadata(&src)).unwrap());
    let missing = RowRequest {
        columns: vec!["nope".into()],
        row_group: 0,
        offset: 0,
        count: 1,
    };
    assert!(matches!(
        block_on(read_rows(&src, meta.clone(), &missing)),
        Err(DecodeError::MissingColumn { .. })
    ));
    let past = RowRequest {
        columns: vec!["ra".into()],
        row_group: 0,
        offset: 99,
        count: 2,
    };
    assert!(matches!(
        block_on(read_rows(&src, meta.clone(), &past)),
        Err(DecodeError::NoSuchRow { .. })
    ));
    let group = RowRequest {
        columns: vec!["ra".into()],
        row_group: 5,
        offset: 0,
        count: 1,
    };
    assert!(matches!(
        block_on(read_rows(&src, meta, &group)),
        Err(DecodeError::NoSuchRow { .. })
    ));
}

#[test]
fn the_first_tail_read_is_small() {
    assert_eq!(footer_tail_guess(Some(1000)), 1000, "a small file whole");
    assert_eq!(footer_tail_guess(Some(10_000_000)), FOOTER_TAIL_BYTES);
    assert_eq!(footer_tail_guess(Some(490_000_000)), FOOTER_TAIL_BYTES);
    assert_eq!(footer_tail_guess(None), FOOTER_TAIL_BYTES);
}

/// One row group of `rows` rows in small pages, with an offset index (the newer
/// HuggingFace layout in miniature).
fn paged_file(rows: usize) -> Vec<u8> {
    let image_fields = Fields::from(vec![Field::new("bytes", DataType::Binary, true)]);
    let schema = Arc::new(Schema::new(vec![
        Field::new("image", DataType::Struct(image_fields.clone()), true),
        Field::new("ra", DataType::Float64, true),
    ]));
    let image = StructArray::new(
        image_fields,
        vec![Arc::new(BinaryArray::from_iter_values(
            (0..rows).map(|i| vec![(i % 251) as u8; 1000]),
        )) as ArrayRef],
        None,
    );
    let batch = RecordBatch::try_new(
        schema.clone(),
        vec![
            Arc::new(image),
            Arc::new(Float64Array::from_iter_values((0..rows).map(|i| i as f64))),
        ],
    )
    .unwrap();
    let props = WriterProperties::builder()
        .set_max_row_group_row_count(None)
        .set_dictionary_enabled(false)
        .set_data_page_size_limit(20_000)
        .set_write_batch_size(10)
        .build();
    let mut out = Vec::new();
    let mut w = ArrowWriter::try_new(&mut out, schema, Some(props)).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
    out
}

#[test]
fn one_row_of_a_large_row_group_costs_about_one_page() {
    use crate::io::{ByteCache, CachedSource};
    let file = paged_file(3000);
    let counting = CountingSource::new(MemorySource::new("mem://paged", file));
    let log = counting.log();
    let src = CachedSource::new(counting, &ByteCache::new(64 << 20));
    let meta = Arc::new(block_on(read_metadata(&src)).unwrap());
    assert_eq!(meta.num_row_groups(), 1);
    let chunk_bytes = meta.row_group(0).column(0).byte_range().1;
    let after_footer = log.borrow().len();
    let req = RowRequest {
        columns: vec!["image.bytes".into(), "ra".into()],
        row_group: 0,
        offset: 1234,
        count: 1,
    };
    let batches = block_on(read_rows(&src, meta, &req)).unwrap();
    let image = batches[0]
        .column_by_name("image")
        .unwrap()
        .as_any()
        .downcast_ref::<StructArray>()
        .unwrap();
    let bytes = image
        .column(0)
        .as_any()
        .downcast_ref::<BinaryArray>()
        .unwrap();
    assert_eq!(bytes.value(0), &vec![(1234 % 251) as u8; 1000][..]);
    let reads: Vec<_> = log.borrow()[after_footer..].to_vec();
    let fetched: u64 = reads.iter().map(|r| r.end - r.start).sum();
    assert!(
        reads.len() <= 2,
        "page index from the cached tail, then the pages: {reads:?}"
    );
    assert!(
        fetched * 20 < chunk_bytes,
        "fetched {fetched} of a {chunk_bytes}-byte chunk"
    );
}

#[test]
fn whole_columns_of_every_row_group_are_planned_and_fetched_up_front() {
    let file = sample_file(1000, 100);
    let src = CountingSource::new(MemorySource::new("mem://a", file));
    let meta = Arc::new(block_on(read_metadata(&src)).unwrap());
    src.log().borrow_mut().clear();
    let groups: Vec<usize> = (0..10).collect();
    let seen = std::cell::Cell::new(0);
    let batches = block_on(read_columns(
        &src,
        meta.clone(),
        &["id_str".into(), "ra".into()],
        &groups,
        &|d, _| seen.set(d),
    ))
    .unwrap();
    let ra: Vec<f64> = batches
        .iter()
        .flat_map(|b| {
            b.column_by_name("ra")
                .unwrap()
                .as_any()
                .downcast_ref::<Float64Array>()
                .unwrap()
                .values()
                .to_vec()
        })
        .collect();
    assert_eq!(ra, (0..1000).map(|i| i as f64 * 0.5).collect::<Vec<_>>());
    // id_str and ra are adjacent in each row group: one request per row group, exact bytes
    let needed: u64 = chunk_ranges(&meta, &[2, 3], &groups)
        .iter()
        .map(|r| r.end - r.start)
        .sum();
    assert_eq!(src.log().borrow().len(), 10);
    assert_eq!(src.bytes(), needed);
    assert_eq!(seen.get(), 10, "progress reached every request");
    assert!(matches!(
        block_on(read_columns(&src, meta, &["ra".into()], &[10], &|_, _| {})),
        Err(DecodeError::NoSuchRow { .. })
    ));
}

#[test]
fn a_corrupt_page_fails_only_the_reads_that_need_it() {
    let mut file = sample_file(300, 100);
    let meta = block_on(read_metadata(&MemorySource::new("mem://a", file.clone()))).unwrap();
    // scribble over the page header at the start of row group 1's ra chunk (without
    // page checksums, damage inside values can only be seen as wrong values)
    let (start, _) = meta.row_group(1).column(3).byte_range();
    for b in &mut file[start as usize..start as usize + 12] {
        *b = 0xA5;
    }
    let src = MemorySource::new("mem://a", file);
    let meta = Arc::new(block_on(read_metadata(&src)).unwrap());
    let ra = |rg| RowRequest {
        columns: vec!["ra".into()],
        row_group: rg,
        offset: 0,
        count: 100,
    };
    let bad = block_on(read_rows(&src, meta.clone(), &ra(1)));
    assert!(
        matches!(&bad, Err(DecodeError::Corrupt { url, .. }) if url == "mem://a"),
        "{bad:?}"
    );
    assert!(
        block_on(read_rows(&src, meta.clone(), &ra(0))).is_ok(),
        "row group 0 is unaffected"
    );
    assert!(
        block_on(read_rows(&src, meta, &ra(2))).is_ok(),
        "row group 2 is unaffected"
    );
}

#[test]
fn row_sets_become_skip_and_select_runs() {
    let runs = |o: &[usize]| {
        selectors_for(o)
            .iter()
            .map(|s| (s.skip, s.row_count))
            .collect::<Vec<_>>()
    };
    assert_eq!(runs(&[]), vec![]);
    assert_eq!(runs(&[0]), vec![(false, 1)]);
    assert_eq!(runs(&[3]), vec![(true, 3), (false, 1)]);
    assert_eq!(
        runs(&[0, 1, 2, 5, 6, 9]),
        vec![(false, 3), (true, 2), (false, 2), (true, 2), (false, 1)]
    );
}

#[test]
fn a_row_set_reads_those_rows_in_order_and_rejects_bad_sets() {
    let file = sample_file(300, 100);
    let src = MemorySource::new("mem://a", file);
    let meta = Arc::new(block_on(read_metadata(&src)).unwrap());
    let cols = vec!["image.bytes".to_string(), "ra".to_string()];
    let offsets = [0usize, 1, 2, 40, 41, 99];
    let batches = block_on(read_row_set(&src, meta.clone(), &cols, 2, &offsets)).unwrap();
    let mut ra = Vec::new();
    let mut first_bytes = Vec::new();
    for b in &batches {
        let r = b
            .column_by_name("ra")
            .unwrap()
            .as_any()
            .downcast_ref::<Float64Array>()
            .unwrap();
        ra.extend(r.values().iter().copied());
        let img = b
            .column_by_name("image")
            .unwrap()
            .as_any()
            .downcast_ref::<StructArray>()
            .unwrap();
        let bytes = img
            .column_by_name("bytes")
            .unwrap()
            .as_any()
            .downcast_ref::<BinaryArray>()
            .unwrap();
        first_bytes.extend((0..arrow_array::Array::len(bytes)).map(|k| bytes.value(k)[0]));
    }
    let want: Vec<f64> = offsets.iter().map(|o| (200 + o) as f64 * 0.5).collect();
    assert_eq!(ra, want);
    let want_bytes: Vec<u8> = offsets.iter().map(|o| (200 + o) as u8).collect();
    assert_eq!(first_bytes, want_bytes);
    assert!(
        block_on(read_row_set(&src, meta.clone(), &cols, 2, &[]))
            .unwrap()
            .is_empty()
    );
    assert!(matches!(
        block_on(read_row_set(&src, meta.clone(), &cols, 2, &[5, 3])),
        Err(DecodeError::Corrupt { .. })
    ));
    assert!(matches!(
        block_on(read_row_set(&src, meta.clone(), &cols, 2, &[5, 100])),
        Err(DecodeError::NoSuchRow { row: 100, .. })
    ));
    assert!(matches!(
        block_on(read_row_set(&src, meta, &cols, 3, &[0])),
        Err(DecodeError::NoSuchRow { row_group: 3, .. })
    ));
}
