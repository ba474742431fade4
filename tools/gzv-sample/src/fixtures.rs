//! Small generated parquet files that are not gz_desi, for tests of the plain preview:
//! a table of PNG pictures under another name, a table with no images, nested and
//! null-heavy columns, and a Galaxy Zoo 2-style vote table. Deterministic.

use arrow_array::Array;
use arrow_array::builder::{Int32Builder, ListBuilder, MapBuilder, StringBuilder};
use arrow_array::types::Int32Type;
use arrow_array::{
    ArrayRef, BinaryArray, BooleanArray, Date32Array, Decimal128Array, DictionaryArray,
    Float32Array, Float64Array, Int64Array, RecordBatch, StringArray, StructArray,
    TimestampMillisecondArray,
};
use arrow_buffer::NullBuffer;
use arrow_schema::{DataType, Field, Fields, Schema, TimeUnit};
use parquet::arrow::ArrowWriter;
use parquet::file::properties::WriterProperties;
use std::collections::HashMap;
use std::sync::Arc;

/// Milliseconds since the epoch of 2024-03-01 12:00:00 UTC.
pub const FIRST_TAKEN_MS: i64 = 1_709_294_400_000;

fn write(batch: &RecordBatch, rows_per_group: usize) -> Vec<u8> {
    // schema metadata also as the file's own key-value metadata, as pyarrow (and so
    // `datasets`) writes it
    let kv = batch
        .schema()
        .metadata()
        .iter()
        .map(|(k, v)| parquet::file::metadata::KeyValue::new(k.clone(), v.clone()))
        .collect::<Vec<_>>();
    let props = WriterProperties::builder()
        .set_max_row_group_row_count(Some(rows_per_group))
        // pages of 1,000 rows and no dictionary pages (which hold the whole chunk's values
        // when they are all distinct): a few rows of a large row group are a few pages
        .set_dictionary_enabled(false)
        .set_data_page_row_count_limit(1_000)
        .set_write_batch_size(1_000)
        .set_key_value_metadata((!kv.is_empty()).then_some(kv))
        .build();
    let mut out = Vec::new();
    let mut w = ArrowWriter::try_new(&mut out, batch.schema(), Some(props)).expect("writer");
    w.write(batch).expect("write");
    w.close().expect("close");
    out
}

fn image_struct() -> Fields {
    Fields::from(vec![
        Field::new("bytes", DataType::Binary, true),
        Field::new("path", DataType::Utf8, true),
    ])
}

/// A `w`×`h` PNG of one colour with a lighter square in it.
pub fn png(w: u32, h: u32, rgb: [u8; 3]) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        let inside = x > w / 4 && x < 3 * w / 4 && y > h / 4 && y < 3 * h / 4;
        let k = if inside { 2 } else { 1 };
        image::Rgb(rgb.map(|c| (c as u16 * k).min(255) as u8))
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png)
        .expect("png encodes");
    out.into_inner()
}

/// Colour of picture `i`.
pub fn colour(i: usize) -> [u8; 3] {
    [
        (i * 37 % 120) as u8 + 20,
        (i * 71 % 120) as u8 + 20,
        (i * 13 % 120) as u8 + 20,
    ]
}

/// Not Galaxy Zoo: `caption` (string), `score` (float64), `taken` (timestamp, UTC), a PNG
/// `snapshot` declared an Image by the `huggingface` metadata (a binary column, not a
/// struct), and `blob`, binary that is no image. Row `i`'s picture is `png(32, 24,
/// colour(i))`; row 3's caption is null, row 5's caption is 200 characters long.
pub fn pictures(rows: usize) -> Vec<u8> {
    let captions: Vec<Option<String>> = (0..rows)
        .map(|i| match i {
            3 => None,
            5 => Some("long ".repeat(40)),
            _ => Some(format!("picture {i}")),
        })
        .collect();
    let hf = r#"{"info":{"features":{"caption":{"dtype":"string","_type":"Value"},"score":{"dtype":"float64","_type":"Value"},"taken":{"dtype":"timestamp[ms, tz=UTC]","_type":"Value"},"snapshot":{"_type":"Image"},"blob":{"dtype":"binary","_type":"Value"}}}}"#;
    let schema = Schema::new_with_metadata(
        vec![
            Field::new("caption", DataType::Utf8, true),
            Field::new("score", DataType::Float64, true),
            Field::new(
                "taken",
                DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into())),
                true,
            ),
            Field::new("snapshot", DataType::Binary, true),
            Field::new("blob", DataType::Binary, true),
        ],
        HashMap::from([("huggingface".to_string(), hf.to_string())]),
    );
    let pngs: Vec<Vec<u8>> = (0..rows).map(|i| png(32, 24, colour(i))).collect();
    let cols: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from(captions)),
        Arc::new(Float64Array::from_iter_values(
            (0..rows).map(|i| i as f64 * 0.5),
        )),
        Arc::new(
            TimestampMillisecondArray::from_iter_values(
                (0..rows).map(|i| FIRST_TAKEN_MS + i as i64 * 3_600_000),
            )
            .with_timezone("UTC"),
        ),
        Arc::new(BinaryArray::from_iter_values(pngs.iter())),
        Arc::new(BinaryArray::from_iter_values(
            (0..rows).map(|i| vec![0xde, 0xad, i as u8, 0xbe, 0xef, 1, 2, 3, 4, 5]),
        )),
    ];
    write(
        &RecordBatch::try_new(Arc::new(schema), cols).expect("batch"),
        rows.max(1),
    )
}

/// No images and nothing Galaxy Zoo: `id` (int64 = row), `name` (`item {i}`), `value`
/// (float32 = i / 4), `flag` (i even), `day` (date32, 2020-01-01 + i % 365), in row groups
/// of `rows_per_group`.
pub fn no_images(rows: usize, rows_per_group: usize) -> Vec<u8> {
    let schema = Schema::new(vec![
        Field::new("id", DataType::Int64, false),
        Field::new("name", DataType::Utf8, false),
        Field::new("value", DataType::Float32, true),
        Field::new("flag", DataType::Boolean, true),
        Field::new("day", DataType::Date32, true),
    ]);
    let cols: Vec<ArrayRef> = vec![
        Arc::new(Int64Array::from_iter_values(0..rows as i64)),
        Arc::new(StringArray::from_iter_values(
            (0..rows).map(|i| format!("item {i}")),
        )),
        Arc::new(Float32Array::from_iter_values(
            (0..rows).map(|i| i as f32 / 4.0),
        )),
        Arc::new(BooleanArray::from_iter((0..rows).map(|i| Some(i % 2 == 0)))),
        Arc::new(Date32Array::from_iter_values(
            (0..rows).map(|i| 18_262 + (i % 365) as i32),
        )),
    ];
    write(
        &RecordBatch::try_new(Arc::new(schema), cols).expect("batch"),
        rows_per_group,
    )
}

/// Nested and null-heavy: `tags` list<int32> (null every 4th row, empty every 4th + 1,
/// else `[i, i+1, ..]` of i % 12 items), `point` struct<x, y> (null every 3rd row),
/// `attrs` map<string, int32> (`{"a": i}`), `mostly_null` float64 (a value every 10th
/// row), `always_null` string (all null), `code` dictionary (`red`/`green`/`blue`),
/// `price` decimal(9, 2) (i * 1.25).
pub fn nested_nulls(rows: usize) -> Vec<u8> {
    let mut tags = ListBuilder::new(Int32Builder::new());
    for i in 0..rows {
        match i % 4 {
            0 => tags.append_null(),
            1 => tags.append(true),
            _ => {
                for k in 0..(i % 12) {
                    tags.values().append_value((i + k) as i32);
                }
                tags.append(true);
            }
        }
    }
    let tags = tags.finish();
    let xy = Fields::from(vec![
        Field::new("x", DataType::Float64, true),
        Field::new("y", DataType::Float64, true),
    ]);
    let point = StructArray::new(
        xy.clone(),
        vec![
            Arc::new(Float64Array::from_iter_values((0..rows).map(|i| i as f64))) as ArrayRef,
            Arc::new(Float64Array::from_iter_values(
                (0..rows).map(|i| -(i as f64)),
            )),
        ],
        Some(NullBuffer::from_iter((0..rows).map(|i| i % 3 != 0))),
    );
    let mut attrs = MapBuilder::new(None, StringBuilder::new(), Int32Builder::new());
    for i in 0..rows {
        attrs.keys().append_value("a");
        attrs.values().append_value(i as i32);
        attrs.append(true).expect("map entry");
    }
    let attrs = attrs.finish();
    let code: DictionaryArray<Int32Type> =
        (0..rows).map(|i| ["red", "green", "blue"][i % 3]).collect();
    let price = Decimal128Array::from_iter_values((0..rows).map(|i| i as i128 * 125))
        .with_precision_and_scale(9, 2)
        .expect("decimal");
    let schema = Schema::new(vec![
        Field::new("tags", tags.data_type().clone(), true),
        Field::new("point", DataType::Struct(xy), true),
        Field::new("attrs", attrs.data_type().clone(), true),
        Field::new("mostly_null", DataType::Float64, true),
        Field::new("always_null", DataType::Utf8, true),
        Field::new("code", code.data_type().clone(), true),
        Field::new("price", price.data_type().clone(), true),
    ]);
    let cols: Vec<ArrayRef> = vec![
        Arc::new(tags),
        Arc::new(point),
        Arc::new(attrs),
        Arc::new(Float64Array::from_iter(
            (0..rows).map(|i| (i % 10 == 0).then_some(i as f64)),
        )),
        Arc::new(StringArray::from(vec![None::<&str>; rows])),
        Arc::new(code),
        Arc::new(price),
    ];
    write(
        &RecordBatch::try_new(Arc::new(schema), cols).expect("batch"),
        rows.max(1),
    )
}

/// The Galaxy Zoo 2 questions and answers (label metadata order).
pub const GZ2: [(&str, &[&str]); 10] = [
    (
        "smooth-or-featured",
        &["smooth", "featured-or-disk", "artifact"],
    ),
    ("disk-edge-on", &["yes", "no"]),
    ("has-spiral-arms", &["yes", "no"]),
    ("bar", &["yes", "no"]),
    (
        "bulge-size",
        &["dominant", "obvious", "just-noticeable", "no"],
    ),
    ("something-odd", &["yes", "no"]),
    ("how-rounded", &["round", "in-between", "cigar"]),
    ("bulge-shape", &["round", "boxy", "no-bulge"]),
    ("spiral-winding", &["tight", "medium", "loose"]),
    (
        "spiral-arm-count",
        &["1", "2", "3", "4", "more-than-4", "cant-tell"],
    ),
];

/// Votes of row `i` for GZ2 question `q`, answer `a`: 40 volunteers; even rows mostly
/// featured (face-on questions asked of the featured 30), odd rows mostly smooth
/// (`how-rounded` asked of the smooth 30); other questions not asked (0 votes).
pub fn gz2_votes_of(i: usize, q: &str, a: &str) -> i64 {
    let featured = i.is_multiple_of(2);
    match (q, a, featured) {
        ("smooth-or-featured", "smooth", true) => 8,
        ("smooth-or-featured", "featured-or-disk", true) => 30,
        ("smooth-or-featured", "smooth", false) => 30,
        ("smooth-or-featured", "featured-or-disk", false) => 8,
        ("smooth-or-featured", "artifact", _) => 2,
        ("disk-edge-on", "no", true) => 28,
        ("disk-edge-on", "yes", true) => 2,
        ("has-spiral-arms", "yes", true) => 25,
        ("has-spiral-arms", "no", true) => 5,
        ("bar", "no", true) => 20,
        ("bar", "yes", true) => 10,
        ("spiral-winding", "tight", true) => 15,
        ("spiral-winding", "loose", true) => 10,
        ("spiral-arm-count", "2", true) => 25,
        ("how-rounded", "round", false) => 20,
        ("how-rounded", "cigar", false) => 10,
        ("something-odd", "no", _) => 40,
        _ => 0,
    }
}

/// A Galaxy Zoo 2-style vote table: `dr7objid`, `RA` and `DEC` (upper case), a
/// struct<bytes, path> image column `jpg` holding PNGs (`png(32, 32, colour(i))`), every
/// GZ2 vote column `{question}-gz2_{answer}` as int32, and two columns of a campaign no
/// one knows, `sparkle-zz9_yes`/`_no` (3 and 1 votes).
pub fn gz2_votes(rows: usize) -> Vec<u8> {
    let mut fields = vec![
        Field::new("dr7objid", DataType::Int64, false),
        Field::new("RA", DataType::Float64, false),
        Field::new("DEC", DataType::Float64, false),
        Field::new("jpg", DataType::Struct(image_struct()), true),
    ];
    let pngs: Vec<Vec<u8>> = (0..rows).map(|i| png(32, 32, colour(i))).collect();
    let mut cols: Vec<ArrayRef> = vec![
        Arc::new(Int64Array::from_iter_values(
            (0..rows).map(|i| 587_722_981_000_000_000 + i as i64),
        )),
        Arc::new(Float64Array::from_iter_values(
            (0..rows).map(|i| 150.0 + i as f64 * 0.1),
        )),
        Arc::new(Float64Array::from_iter_values(
            (0..rows).map(|i| 2.0 + i as f64 * 0.05),
        )),
        Arc::new(StructArray::new(
            image_struct(),
            vec![
                Arc::new(BinaryArray::from_iter_values(pngs.iter())) as ArrayRef,
                Arc::new(StringArray::from_iter_values(
                    (0..rows).map(|i| format!("{i}.png")),
                )),
            ],
            None,
        )),
    ];
    for (q, answers) in GZ2 {
        for a in answers {
            fields.push(Field::new(format!("{q}-gz2_{a}"), DataType::Int32, true));
            cols.push(Arc::new(arrow_array::Int32Array::from_iter_values(
                (0..rows).map(|i| gz2_votes_of(i, q, a) as i32),
            )));
        }
    }
    for (a, n) in [("yes", 3), ("no", 1)] {
        fields.push(Field::new(
            format!("sparkle-zz9_{a}"),
            DataType::Int32,
            true,
        ));
        cols.push(Arc::new(arrow_array::Int32Array::from_iter_values(
            (0..rows).map(|_| n),
        )));
    }
    write(
        &RecordBatch::try_new(Arc::new(Schema::new(fields)), cols).expect("batch"),
        rows.max(1),
    )
}

/// Markup that would run a script if a page ever treated text from data as HTML: it sets
/// `window.__gzvPwned`, which a test checks stays unset.
pub const HOSTILE_MARKUP: &str =
    r#"<img src=x onerror="window.__gzvPwned=1"><script>window.__gzvPwned=2</script>"#;

/// A small Galaxy Zoo-like table whose text is hostile: `id_str` of row `i` is
/// `{HOSTILE_MARKUP}{i}`, a `note` column holds the markup too, and the file's key-value
/// metadata carries it under `comment` (beside a `huggingface` entry declaring the image
/// column); `ra`, `dec`, a struct<bytes, path> `image` of PNGs and the dr8 root question's
/// votes are ordinary.
pub fn hostile(rows: usize) -> Vec<u8> {
    let hf = r#"{"info":{"features":{"image":{"_type":"Image"}}}}"#;
    let mut fields = vec![
        Field::new("image", DataType::Struct(image_struct()), true),
        Field::new("id_str", DataType::Utf8, false),
        Field::new("ra", DataType::Float64, false),
        Field::new("dec", DataType::Float64, false),
        Field::new("note", DataType::Utf8, true),
    ];
    let pngs: Vec<Vec<u8>> = (0..rows).map(|i| png(32, 32, colour(i))).collect();
    let mut cols: Vec<ArrayRef> = vec![
        Arc::new(StructArray::new(
            image_struct(),
            vec![
                Arc::new(BinaryArray::from_iter_values(pngs.iter())) as ArrayRef,
                Arc::new(StringArray::from_iter_values(
                    (0..rows).map(|i| format!("{HOSTILE_MARKUP}{i}.png")),
                )),
            ],
            None,
        )),
        Arc::new(StringArray::from_iter_values(
            (0..rows).map(|i| format!("{HOSTILE_MARKUP}{i}")),
        )),
        Arc::new(Float64Array::from_iter_values(
            (0..rows).map(|i| 150.0 + i as f64 * 0.1),
        )),
        Arc::new(Float64Array::from_iter_values(
            (0..rows).map(|i| 2.0 + i as f64 * 0.05),
        )),
        Arc::new(StringArray::from_iter_values(
            (0..rows).map(|_| HOSTILE_MARKUP),
        )),
    ];
    for (a, n) in [("smooth", 3), ("featured-or-disk", 5), ("artifact", 1)] {
        fields.push(Field::new(
            format!("smooth-or-featured-dr8_{a}"),
            DataType::Int32,
            true,
        ));
        cols.push(Arc::new(arrow_array::Int32Array::from_iter_values(
            (0..rows).map(|_| n),
        )));
    }
    let schema = Schema::new_with_metadata(
        fields,
        HashMap::from([
            ("huggingface".to_string(), hf.to_string()),
            ("comment".to_string(), HOSTILE_MARKUP.to_string()),
        ]),
    );
    write(
        &RecordBatch::try_new(Arc::new(schema), cols).expect("batch"),
        rows.max(1),
    )
}

/// A small Galaxy Zoo-like table in row groups of `rows_per_group`: a struct<bytes, path>
/// `image` of noisy 48×48 PNGs (a few kB each, so row groups are apart), `id_str` =
/// `g{i}`, `ra` = `10 + i`, `dec` = `-5 + i / 10`, and dr8 votes for two questions:
/// `smooth-or-featured-dr8_{smooth, featured-or-disk, artifact}` = (i % 5, 3, 1) and
/// `bar-dr8_{strong, weak, no}` = (i % 3, 1, 2).
pub fn galaxies(rows: usize, rows_per_group: usize) -> Vec<u8> {
    let noise = |i: usize| {
        let mut state = (i as u32).wrapping_mul(2_654_435_761) | 1;
        let img = image::RgbImage::from_fn(48, 48, |_, _| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            image::Rgb([state as u8, (state >> 8) as u8, (state >> 16) as u8])
        });
        let mut out = std::io::Cursor::new(Vec::new());
        img.write_to(&mut out, image::ImageFormat::Png)
            .expect("png encodes");
        out.into_inner()
    };
    let pngs: Vec<Vec<u8>> = (0..rows).map(noise).collect();
    let mut fields = vec![
        Field::new("image", DataType::Struct(image_struct()), true),
        Field::new("id_str", DataType::Utf8, false),
        Field::new("ra", DataType::Float64, false),
        Field::new("dec", DataType::Float64, false),
    ];
    let mut cols: Vec<ArrayRef> = vec![
        Arc::new(StructArray::new(
            image_struct(),
            vec![
                Arc::new(BinaryArray::from_iter_values(pngs.iter())) as ArrayRef,
                Arc::new(StringArray::from_iter_values(
                    (0..rows).map(|i| format!("{i}.png")),
                )),
            ],
            None,
        )),
        Arc::new(StringArray::from_iter_values(
            (0..rows).map(|i| format!("g{i}")),
        )),
        Arc::new(Float64Array::from_iter_values(
            (0..rows).map(|i| 10.0 + i as f64),
        )),
        Arc::new(Float64Array::from_iter_values(
            (0..rows).map(|i| -5.0 + i as f64 / 10.0),
        )),
    ];
    type Answer = (&'static str, fn(usize) -> i32);
    let votes: [(&str, [Answer; 3]); 2] = [
        (
            "smooth-or-featured-dr8",
            [
                ("smooth", |i| (i % 5) as i32),
                ("featured-or-disk", |_| 3),
                ("artifact", |_| 1),
            ],
        ),
        (
            "bar-dr8",
            [
                ("strong", |i| (i % 3) as i32),
                ("weak", |_| 1),
                ("no", |_| 2),
            ],
        ),
    ];
    for (q, answers) in votes {
        for (a, f) in answers {
            fields.push(Field::new(format!("{q}_{a}"), DataType::Int32, true));
            cols.push(Arc::new(arrow_array::Int32Array::from_iter_values(
                (0..rows).map(f),
            )));
        }
    }
    write(
        &RecordBatch::try_new(Arc::new(Schema::new(fields)), cols).expect("batch"),
        rows_per_group.max(1),
    )
}
