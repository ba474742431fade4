//! What the columns of a table are for: which holds images, ids, positions. Image columns
//! are found from the `huggingface` schema metadata or the `struct<bytes, path>` shape,
//! never by name alone.

use arrow_array::cast::AsArray;
use arrow_array::types::{Float32Type, Float64Type, Int32Type, Int64Type};
use arrow_array::{Array, RecordBatch, StructArray};
use arrow_schema::{DataType, Schema};
use parquet::arrow::parquet_to_arrow_schema;
use parquet::file::metadata::ParquetMetaData;

/// Schema metadata key under which `datasets` stores its Features as JSON.
pub const HF_METADATA_KEY: &str = "huggingface";
const ID_NAMES: [&str; 6] = ["id_str", "id", "objid", "iauname", "dr8_id", "name"];
const RA_NAMES: [&str; 4] = ["ra", "ra_deg", "radeg", "ra_j2000"];
const DEC_NAMES: [&str; 4] = ["dec", "dec_deg", "decdeg", "dec_j2000"];

/// An image column and the leaf path that holds the encoded bytes.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ImageColumn {
    pub name: String,
    /// `image.bytes` for a `datasets` Image struct, or the column itself for plain binary.
    pub bytes_path: String,
}

/// Roles of a table's columns.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Roles {
    pub image: Option<ImageColumn>,
    pub id: Option<String>,
    pub ra: Option<String>,
    pub dec: Option<String>,
}

/// The Arrow schema of a parquet file, with its key-value metadata.
pub fn arrow_schema(meta: &ParquetMetaData) -> Result<Schema, String> {
    let fm = meta.file_metadata();
    parquet_to_arrow_schema(fm.schema_descr(), fm.key_value_metadata()).map_err(|e| e.to_string())
}

/// Names of columns that `datasets` Features mark as `Image`.
fn hf_image_columns(schema: &Schema) -> Vec<String> {
    let Some(json) = schema.metadata().get(HF_METADATA_KEY) else {
        return Vec::new();
    };
    let Ok(value) = serde_json::from_str::<serde_json::Value>(json) else {
        return Vec::new();
    };
    let features = value.pointer("/info/features").and_then(|f| f.as_object());
    features
        .map(|f| {
            f.iter()
                .filter(|(_, v)| v.get("_type").and_then(|t| t.as_str()) == Some("Image"))
                .map(|(k, _)| k.clone())
                .collect()
        })
        .unwrap_or_default()
}

fn is_binary(t: &DataType) -> bool {
    matches!(
        t,
        DataType::Binary | DataType::LargeBinary | DataType::BinaryView
    )
}

/// `struct<bytes: binary, path: string>`, the shape `datasets` gives images.
fn is_image_struct(t: &DataType) -> bool {
    match t {
        DataType::Struct(fields) => fields
            .iter()
            .any(|f| f.name() == "bytes" && is_binary(f.data_type())),
        _ => false,
    }
}

fn find_named(schema: &Schema, names: &[&str], ok: impl Fn(&DataType) -> bool) -> Option<String> {
    names.iter().find_map(|want| {
        schema
            .fields()
            .iter()
            .find(|f| f.name().eq_ignore_ascii_case(want) && ok(f.data_type()))
            .map(|f| f.name().clone())
    })
}

/// Recognise the roles of a schema's columns.
pub fn recognise(schema: &Schema) -> Roles {
    let declared = hf_image_columns(schema);
    let image = schema
        .fields()
        .iter()
        .find(|f| {
            declared.contains(f.name())
                && (is_image_struct(f.data_type()) || is_binary(f.data_type()))
        })
        .or_else(|| {
            schema
                .fields()
                .iter()
                .find(|f| is_image_struct(f.data_type()))
        })
        .map(|f| ImageColumn {
            name: f.name().clone(),
            bytes_path: if is_binary(f.data_type()) {
                f.name().clone()
            } else {
                format!("{}.bytes", f.name())
            },
        });
    let float = |t: &DataType| matches!(t, DataType::Float64 | DataType::Float32);
    let id_type = |t: &DataType| {
        matches!(
            t,
            DataType::Utf8
                | DataType::LargeUtf8
                | DataType::Utf8View
                | DataType::Int64
                | DataType::Int32
        )
    };
    Roles {
        image,
        id: find_named(schema, &ID_NAMES, id_type),
        ra: find_named(schema, &RA_NAMES, float),
        dec: find_named(schema, &DEC_NAMES, float),
    }
}

/// The values of one row that the galaxy view shows.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RowValues {
    pub id: Option<String>,
    pub ra: Option<f64>,
    pub dec: Option<f64>,
    /// Encoded image bytes (JPEG, PNG, ...).
    pub image: Option<Vec<u8>>,
}

/// The leaf columns to read for [`row_values`].
pub fn leaf_paths(roles: &Roles) -> Vec<String> {
    let mut v: Vec<String> = roles.image.iter().map(|i| i.bytes_path.clone()).collect();
    v.extend(
        [&roles.id, &roles.ra, &roles.dec]
            .into_iter()
            .flatten()
            .cloned(),
    );
    v
}

/// A cell as text (strings and integers), if not null.
pub fn string_at(col: &dyn Array, row: usize) -> Option<String> {
    if row >= col.len() || col.is_null(row) {
        return None;
    }
    match col.data_type() {
        DataType::Utf8 => Some(col.as_string::<i32>().value(row).to_string()),
        DataType::LargeUtf8 => Some(col.as_string::<i64>().value(row).to_string()),
        DataType::Utf8View => Some(col.as_string_view().value(row).to_string()),
        DataType::Int64 => Some(col.as_primitive::<Int64Type>().value(row).to_string()),
        DataType::Int32 => Some(col.as_primitive::<Int32Type>().value(row).to_string()),
        _ => None,
    }
}

/// An integer cell (vote counts), if not null.
pub fn int_at(col: &dyn Array, row: usize) -> Option<i64> {
    if row >= col.len() || col.is_null(row) {
        return None;
    }
    match col.data_type() {
        DataType::Int32 => Some(col.as_primitive::<Int32Type>().value(row) as i64),
        DataType::Int64 => Some(col.as_primitive::<Int64Type>().value(row)),
        DataType::Int16 => Some(
            col.as_primitive::<arrow_array::types::Int16Type>()
                .value(row) as i64,
        ),
        DataType::UInt32 => Some(
            col.as_primitive::<arrow_array::types::UInt32Type>()
                .value(row) as i64,
        ),
        _ => None,
    }
}

/// Whether a column can hold vote counts.
pub fn is_integer(t: &DataType) -> bool {
    matches!(
        t,
        DataType::Int32 | DataType::Int64 | DataType::Int16 | DataType::UInt32
    )
}

/// Galaxy Zoo vote columns of a schema (top-level integer columns named
/// `{question}-{campaign}_{answer}`); answer indices are field indices of `schema`.
pub fn vote_schema(schema: &Schema) -> crate::gz::VoteSchema {
    crate::gz::VoteSchema::from_columns(
        schema
            .fields()
            .iter()
            .map(|f| (f.name().as_str(), is_integer(f.data_type()))),
    )
}

/// A floating-point cell, if not null.
pub fn float_at(col: &dyn Array, row: usize) -> Option<f64> {
    if row >= col.len() || col.is_null(row) {
        return None;
    }
    match col.data_type() {
        DataType::Float64 => Some(col.as_primitive::<Float64Type>().value(row)),
        DataType::Float32 => Some(col.as_primitive::<Float32Type>().value(row) as f64),
        _ => None,
    }
}

/// A whole floating-point column (one type check, not one per cell); all `None` for
/// another type.
pub fn floats(col: &dyn Array) -> Vec<Option<f64>> {
    match col.data_type() {
        DataType::Float64 => col.as_primitive::<Float64Type>().iter().collect(),
        DataType::Float32 => col
            .as_primitive::<Float32Type>()
            .iter()
            .map(|v| v.map(f64::from))
            .collect(),
        _ => vec![None; col.len()],
    }
}

/// A whole integer column (as [`int_at`] reads a cell).
pub fn ints(col: &dyn Array) -> Vec<Option<i64>> {
    match col.data_type() {
        DataType::Int32 => col
            .as_primitive::<Int32Type>()
            .iter()
            .map(|v| v.map(i64::from))
            .collect(),
        DataType::Int64 => col.as_primitive::<Int64Type>().iter().collect(),
        DataType::Int16 => col
            .as_primitive::<arrow_array::types::Int16Type>()
            .iter()
            .map(|v| v.map(i64::from))
            .collect(),
        DataType::UInt32 => col
            .as_primitive::<arrow_array::types::UInt32Type>()
            .iter()
            .map(|v| v.map(i64::from))
            .collect(),
        _ => vec![None; col.len()],
    }
}

/// A whole integer column of a batch by name (as [`ints`]); all `None` when the batch has
/// no such column.
pub fn ints_by_name(batch: &RecordBatch, name: &str) -> Vec<Option<i64>> {
    batch
        .column_by_name(name)
        .map(|c| ints(c.as_ref()))
        .unwrap_or_else(|| vec![None; batch.num_rows()])
}

/// A whole string column, borrowed (integer ids are not strings here: see [`string_at`]).
pub fn strs(col: &dyn Array) -> Vec<Option<&str>> {
    match col.data_type() {
        DataType::Utf8 => col.as_string::<i32>().iter().collect(),
        DataType::LargeUtf8 => col.as_string::<i64>().iter().collect(),
        DataType::Utf8View => col.as_string_view().iter().collect(),
        _ => vec![None; col.len()],
    }
}

/// A binary cell, if not null.
pub fn binary_at(col: &dyn Array, row: usize) -> Option<Vec<u8>> {
    if row >= col.len() || col.is_null(row) {
        return None;
    }
    match col.data_type() {
        DataType::Binary => Some(col.as_binary::<i32>().value(row).to_vec()),
        DataType::LargeBinary => Some(col.as_binary::<i64>().value(row).to_vec()),
        DataType::BinaryView => Some(col.as_binary_view().value(row).to_vec()),
        _ => None,
    }
}

/// Pick the shown values of `row` out of a batch read with [`leaf_paths`].
pub fn row_values(batch: &RecordBatch, roles: &Roles, row: usize) -> RowValues {
    let col = |name: &Option<String>| name.as_ref().and_then(|n| batch.column_by_name(n)).cloned();
    let image = roles.image.as_ref().and_then(|img| {
        let c = batch.column_by_name(&img.name)?;
        match c.as_any().downcast_ref::<StructArray>() {
            Some(s) if !s.is_null(row) => binary_at(s.column_by_name("bytes")?.as_ref(), row),
            Some(_) => None,
            None => binary_at(c.as_ref(), row),
        }
    });
    RowValues {
        id: col(&roles.id).and_then(|c| string_at(c.as_ref(), row)),
        ra: col(&roles.ra).and_then(|c| float_at(c.as_ref(), row)),
        dec: col(&roles.dec).and_then(|c| float_at(c.as_ref(), row)),
        image,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_schema::{Field, Fields};
    use std::collections::HashMap;

    fn image_struct() -> DataType {
        DataType::Struct(Fields::from(vec![
            Field::new("bytes", DataType::Binary, true),
            Field::new("path", DataType::Utf8, true),
        ]))
    }

    #[test]
    fn whole_columns_read_like_their_cells() {
        use arrow_array::{Float32Array, Int16Array, Int64Array, LargeStringArray, StringArray};
        let f = Float32Array::from(vec![Some(1.5), None, Some(-2.0)]);
        assert_eq!(floats(&f), vec![Some(1.5), None, Some(-2.0)]);
        assert_eq!(
            floats(&f),
            (0..3).map(|r| float_at(&f, r)).collect::<Vec<_>>()
        );
        let i = Int16Array::from(vec![None, Some(7), Some(-1)]);
        assert_eq!(ints(&i), vec![None, Some(7), Some(-1)]);
        let l = Int64Array::from(vec![Some(1i64 << 40)]);
        assert_eq!(ints(&l), vec![Some(1i64 << 40)]);
        assert_eq!(
            floats(&l),
            vec![None],
            "not a float column: no values, not zeros"
        );
        let s = StringArray::from(vec![Some("a"), None]);
        assert_eq!(strs(&s), vec![Some("a"), None]);
        assert_eq!(strs(&LargeStringArray::from(vec!["x"])), vec![Some("x")]);
        assert_eq!(ints(&s), vec![None, None]);
        let batch = RecordBatch::try_from_iter([(
            "n",
            std::sync::Arc::new(i.clone()) as arrow_array::ArrayRef,
        )])
        .unwrap();
        assert_eq!(ints_by_name(&batch, "n"), ints(&i));
        assert_eq!(
            ints_by_name(&batch, "absent"),
            vec![None; 3],
            "an absent column reads as no values, one per row"
        );
    }

    #[test]
    fn gz_desi_shape() {
        let s = Schema::new(vec![
            Field::new("image", image_struct(), true),
            Field::new("id_str", DataType::Utf8, true),
            Field::new("ra", DataType::Float64, true),
            Field::new("dec", DataType::Float64, true),
        ]);
        let r = recognise(&s);
        assert_eq!(
            r.image,
            Some(ImageColumn {
                name: "image".into(),
                bytes_path: "image.bytes".into()
            })
        );
        assert_eq!(
            (r.id.as_deref(), r.ra.as_deref(), r.dec.as_deref()),
            (Some("id_str"), Some("ra"), Some("dec"))
        );
    }

    #[test]
    fn image_by_metadata_or_shape_never_by_name() {
        // a binary column named "image" without metadata is not an image column
        let plain = Schema::new(vec![Field::new("image", DataType::Binary, true)]);
        assert_eq!(recognise(&plain).image, None);
        // the same column declared an Image by `datasets` is
        let meta = HashMap::from([(
            HF_METADATA_KEY.to_string(),
            r#"{"info":{"features":{"picture":{"_type":"Image"}}}}"#.to_string(),
        )]);
        let declared =
            Schema::new_with_metadata(vec![Field::new("picture", DataType::Binary, true)], meta);
        assert_eq!(
            recognise(&declared).image.map(|i| i.bytes_path),
            Some("picture".into())
        );
        // a struct<bytes, path> under any name is found by shape
        let shaped = Schema::new(vec![Field::new("cutout", image_struct(), true)]);
        assert_eq!(
            recognise(&shaped).image.map(|i| i.bytes_path),
            Some("cutout.bytes".into())
        );
    }

    #[test]
    fn row_values_from_nested_and_plain_columns() {
        use arrow_array::{ArrayRef, BinaryArray, Float64Array, Int64Array, StringArray};
        use std::sync::Arc;
        let fields = Fields::from(vec![Field::new("bytes", DataType::Binary, true)]);
        let image = StructArray::new(
            fields,
            vec![Arc::new(BinaryArray::from_iter_values([b"ab", b"cd"])) as ArrayRef],
            None,
        );
        let schema = Schema::new(vec![
            Field::new("image", image.data_type().clone(), true),
            Field::new("objid", DataType::Int64, true),
            Field::new("ra", DataType::Float64, true),
            Field::new("dec", DataType::Float64, true),
        ]);
        let batch = RecordBatch::try_new(
            Arc::new(schema.clone()),
            vec![
                Arc::new(image),
                Arc::new(Int64Array::from(vec![7, 8])),
                Arc::new(Float64Array::from(vec![1.5, 2.5])),
                Arc::new(Float64Array::from(vec![Some(-3.0), None])),
            ],
        )
        .unwrap();
        let roles = recognise(&schema);
        assert_eq!(
            leaf_paths(&roles),
            vec!["image.bytes", "objid", "ra", "dec"]
        );
        let v = row_values(&batch, &roles, 1);
        assert_eq!(
            v,
            RowValues {
                id: Some("8".into()),
                ra: Some(2.5),
                dec: None,
                image: Some(b"cd".to_vec())
            }
        );
        assert_eq!(
            string_at(&StringArray::from(vec!["x"]), 3),
            None,
            "out of range is None, not a panic"
        );
    }

    #[test]
    fn position_names_vary_in_case_and_unit_and_type_matters() {
        let s = Schema::new(vec![
            Field::new("RA", DataType::Float64, true),
            Field::new("dec_deg", DataType::Float32, true),
        ]);
        let r = recognise(&s);
        assert_eq!(
            (r.ra.as_deref(), r.dec.as_deref()),
            (Some("RA"), Some("dec_deg"))
        );
        let text = Schema::new(vec![Field::new("ra", DataType::Utf8, true)]);
        assert_eq!(
            recognise(&text).ra,
            None,
            "a sexagesimal string is not a float position"
        );
    }
}
