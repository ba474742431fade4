//! What a parquet footer says, as a data engineer checks it first: each leaf column's
//! physical and logical type, compression, encodings, sizes and statistics; each row
//! group's rows and sizes; whether the page index is there; key-value metadata.

use parquet::basic::{LogicalType, TimeUnit, Type as Physical};
use parquet::file::metadata::ParquetMetaData;
use parquet::file::statistics::Statistics;
use std::collections::BTreeSet;
use std::fmt::Write;

/// Characters of a min or max shown.
const STAT_CHARS: usize = 40;
/// Characters of a key-value metadata value shown.
const METADATA_CHARS: usize = 20_000;

/// Footer statistics of one leaf column over row groups.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LeafStats {
    pub min: Option<String>,
    pub max: Option<String>,
    /// Nulls, when every row group counted them.
    pub nulls: Option<u64>,
    /// Row groups, and of them those with min/max.
    pub chunks: usize,
    pub chunks_with_min_max: usize,
}

impl LeafStats {
    /// "min 1 · max 9 · 0 nulls", or `None` when the footer has no statistics.
    pub fn line(&self) -> Option<String> {
        let mut parts = Vec::new();
        if let (Some(lo), Some(hi)) = (&self.min, &self.max) {
            parts.push(format!("min {lo} · max {hi}"));
        }
        if let Some(n) = self.nulls {
            parts.push(format!("{n} null{}", if n == 1 { "" } else { "s" }));
        }
        (!parts.is_empty()).then(|| parts.join(" · "))
    }
}

/// A value compared across row groups, kept as its type orders it.
#[derive(Clone, Debug, PartialEq, PartialOrd)]
enum Value {
    Bool(bool),
    Int(i64),
    Float(f64),
    Bytes(Vec<u8>),
}

fn bounds(s: &Statistics) -> Option<(Value, Value)> {
    fn pair<T: Clone>(
        lo: Option<&T>,
        hi: Option<&T>,
        f: impl Fn(T) -> Value,
    ) -> Option<(Value, Value)> {
        Some((f(lo?.clone()), f(hi?.clone())))
    }
    match s {
        Statistics::Boolean(v) => pair(v.min_opt(), v.max_opt(), Value::Bool),
        Statistics::Int32(v) => pair(v.min_opt(), v.max_opt(), |x| Value::Int(x as i64)),
        Statistics::Int64(v) => pair(v.min_opt(), v.max_opt(), Value::Int),
        Statistics::Float(v) => pair(v.min_opt(), v.max_opt(), |x| Value::Float(x as f64))
            .filter(|(a, b)| !matches!((a, b), (Value::Float(a), Value::Float(b)) if a.is_nan() || b.is_nan())),
        Statistics::Double(v) => pair(v.min_opt(), v.max_opt(), Value::Float)
            .filter(|(a, b)| !matches!((a, b), (Value::Float(a), Value::Float(b)) if a.is_nan() || b.is_nan())),
        Statistics::ByteArray(v) => pair(v.min_opt(), v.max_opt(), |x| Value::Bytes(x.data().to_vec())),
        Statistics::FixedLenByteArray(v) => {
            pair(v.min_opt(), v.max_opt(), |x| Value::Bytes(x.data().to_vec()))
        }
        Statistics::Int96(_) => None,
    }
}

/// Whether plain byte order is the column's order (strings and unsigned bytes, not signed
/// decimals stored as bytes).
fn bytes_ordered(logical: Option<&LogicalType>) -> bool {
    !matches!(
        logical,
        Some(LogicalType::Decimal(_) | LogicalType::Float16)
    )
}

fn cut(s: &str, n: usize) -> String {
    if s.chars().count() > n {
        format!("{}…", s.chars().take(n - 1).collect::<String>())
    } else {
        s.to_string()
    }
}

fn show(v: &Value, logical: Option<&LogicalType>) -> String {
    use arrow_array::temporal_conversions::{as_date, as_datetime};
    use arrow_array::types::{
        Date32Type, TimestampMicrosecondType, TimestampMillisecondType, TimestampNanosecondType,
    };
    match (v, logical) {
        (Value::Bool(b), _) => b.to_string(),
        (Value::Int(d), Some(LogicalType::Date)) => {
            as_date::<Date32Type>(*d).map_or(d.to_string(), |x| x.to_string())
        }
        (
            Value::Int(t),
            Some(LogicalType::Timestamp(parquet::basic::TimestampType { unit, .. })),
        ) => {
            let dt = match unit {
                TimeUnit::MILLIS => as_datetime::<TimestampMillisecondType>(*t),
                TimeUnit::MICROS => as_datetime::<TimestampMicrosecondType>(*t),
                TimeUnit::NANOS => as_datetime::<TimestampNanosecondType>(*t),
            };
            dt.map_or(t.to_string(), |x| {
                x.format("%Y-%m-%d %H:%M:%S%.f").to_string()
            })
        }
        (Value::Int(d), Some(LogicalType::Decimal(parquet::basic::DecimalType { scale, .. })))
            if *scale > 0 =>
        {
            let scale = (*scale).min(18) as u32;
            let p = 10i64.pow(scale);
            let sign = if *d < 0 { "-" } else { "" };
            format!(
                "{sign}{}.{:0w$}",
                (d / p).abs(),
                (d % p).abs(),
                w = scale as usize
            )
        }
        (Value::Int(i), _) => i.to_string(),
        (Value::Float(f), _) => f.to_string(),
        (Value::Bytes(b), Some(LogicalType::String | LogicalType::Enum | LogicalType::Json))
        | (Value::Bytes(b), None)
            if std::str::from_utf8(b).is_ok() =>
        {
            format!("{:?}", cut(&String::from_utf8_lossy(b), STAT_CHARS))
        }
        (Value::Bytes(b), _) => {
            let mut s = format!("{} B", b.len());
            for x in b.iter().take(8) {
                let _ = write!(s, " {x:02x}");
            }
            s
        }
    }
}

/// Footer statistics of leaf column `leaf` over every row group of `metas` (files of one
/// schema). The footers must have been decoded with column statistics.
pub fn leaf_stats(metas: &[&ParquetMetaData], leaf: usize) -> LeafStats {
    let mut out = LeafStats::default();
    let mut nulls = Some(0u64);
    let mut lo: Option<Value> = None;
    let mut hi: Option<Value> = None;
    let mut logical = None;
    for meta in metas {
        for rg in meta.row_groups() {
            let Some(col) = rg.columns().get(leaf) else {
                continue;
            };
            out.chunks += 1;
            logical = col.column_descr().logical_type_ref().cloned();
            let stats = col.statistics();
            nulls = match (nulls, stats.and_then(Statistics::null_count_opt)) {
                (Some(a), Some(b)) => Some(a + b),
                _ => None,
            };
            let ordered = bytes_ordered(logical.as_ref());
            if let Some((a, b)) = stats
                .and_then(bounds)
                .filter(|(a, _)| ordered || !matches!(a, Value::Bytes(_)))
            {
                out.chunks_with_min_max += 1;
                if lo.as_ref().is_none_or(|l| a < *l) {
                    lo = Some(a);
                }
                if hi.as_ref().is_none_or(|h| b > *h) {
                    hi = Some(b);
                }
            }
        }
    }
    out.nulls = nulls.filter(|_| out.chunks > 0);
    out.min = lo.map(|v| show(&v, logical.as_ref()));
    out.max = hi.map(|v| show(&v, logical.as_ref()));
    out
}

/// One leaf column of a file.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LeafReport {
    pub path: String,
    pub physical: String,
    pub logical: String,
    pub compression: String,
    pub encodings: String,
    pub compressed: u64,
    pub uncompressed: u64,
    pub stats: LeafStats,
}

/// One row group of a file.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RowGroupReport {
    pub rows: u64,
    pub compressed: u64,
    pub uncompressed: u64,
}

/// How many column chunks have a part of the page index.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Coverage {
    None,
    Some { with: usize, of: usize },
    All,
}

impl std::fmt::Display for Coverage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Coverage::None => write!(f, "none"),
            Coverage::All => write!(f, "every column chunk"),
            Coverage::Some { with, of } => write!(f, "{with} of {of} column chunks"),
        }
    }
}

fn coverage(with: usize, of: usize) -> Coverage {
    match with {
        0 => Coverage::None,
        w if w == of => Coverage::All,
        w => Coverage::Some { with: w, of },
    }
}

/// Everything the schema and file panel shows of one file.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FileReport {
    pub rows: u64,
    pub version: i32,
    pub created_by: Option<String>,
    pub leaves: Vec<LeafReport>,
    pub row_groups: Vec<RowGroupReport>,
    pub offset_index: Coverage,
    pub column_index: Coverage,
    /// (key, value), JSON values pretty-printed, long values cut (and said so).
    pub metadata: Vec<(String, String)>,
}

fn logical_label(l: Option<&LogicalType>, converted: parquet::basic::ConvertedType) -> String {
    let unit = |u: &TimeUnit| match u {
        TimeUnit::MILLIS => "ms",
        TimeUnit::MICROS => "µs",
        TimeUnit::NANOS => "ns",
    };
    match l {
        None if converted == parquet::basic::ConvertedType::NONE => "—".into(),
        None => format!("{converted:?}").to_lowercase(),
        Some(LogicalType::String) => "string".into(),
        Some(LogicalType::Enum) => "enum".into(),
        Some(LogicalType::Json) => "json".into(),
        Some(LogicalType::Bson) => "bson".into(),
        Some(LogicalType::Uuid) => "uuid".into(),
        Some(LogicalType::Date) => "date".into(),
        Some(LogicalType::Float16) => "float16".into(),
        Some(LogicalType::Decimal(parquet::basic::DecimalType { scale, precision })) => {
            format!("decimal({precision}, {scale})")
        }
        Some(LogicalType::Integer(parquet::basic::IntType {
            bit_width,
            is_signed,
        })) => {
            format!("{}int{bit_width}", if *is_signed { "" } else { "u" })
        }
        Some(LogicalType::Timestamp(parquet::basic::TimestampType {
            is_adjusted_to_u_t_c,
            unit: u,
        })) => format!(
            "timestamp[{}{}]",
            unit(u),
            if *is_adjusted_to_u_t_c { ", UTC" } else { "" }
        ),
        Some(LogicalType::Time(parquet::basic::TimeType { unit: u, .. })) => {
            format!("time[{}]", unit(u))
        }
        Some(other) => format!("{other:?}").to_lowercase(),
    }
}

fn metadata_value(key: &str, value: Option<&str>) -> String {
    let Some(v) = value else {
        return "(no value)".into();
    };
    if key == "ARROW:schema" {
        return format!("(the Arrow schema, {} characters of base64)", v.len());
    }
    let pretty = serde_json::from_str::<serde_json::Value>(v)
        .ok()
        .and_then(|j| serde_json::to_string_pretty(&j).ok())
        .unwrap_or_else(|| v.to_string());
    let n = pretty.chars().count();
    if n > METADATA_CHARS {
        format!(
            "{}\n… ({} more characters not shown)",
            pretty.chars().take(METADATA_CHARS).collect::<String>(),
            n - METADATA_CHARS
        )
    } else {
        pretty
    }
}

impl FileReport {
    /// Read a footer (decoded with column statistics for min, max and nulls).
    pub fn from_meta(meta: &ParquetMetaData) -> FileReport {
        let fm = meta.file_metadata();
        let schema = fm.schema_descr();
        let rgs = meta.row_groups();
        let leaves = schema
            .columns()
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let chunks = rgs.iter().filter_map(|rg| rg.columns().get(i));
                let compression: BTreeSet<String> = chunks
                    .clone()
                    .map(|ch| crate::dataset::codec_name(ch.compression()).to_string())
                    .collect();
                let encodings: BTreeSet<String> = chunks
                    .clone()
                    .flat_map(|ch| ch.encodings().map(|e| format!("{e:?}")))
                    .collect();
                LeafReport {
                    path: c.path().string(),
                    physical: match c.physical_type() {
                        Physical::FIXED_LEN_BYTE_ARRAY => {
                            format!("FIXED_LEN_BYTE_ARRAY({})", c.type_length())
                        }
                        p => format!("{p:?}"),
                    },
                    logical: logical_label(c.logical_type_ref(), c.converted_type()),
                    compression: compression.into_iter().collect::<Vec<_>>().join(", "),
                    encodings: encodings.into_iter().collect::<Vec<_>>().join(", "),
                    compressed: chunks
                        .clone()
                        .map(|c| c.compressed_size().max(0) as u64)
                        .sum(),
                    uncompressed: chunks.map(|c| c.uncompressed_size().max(0) as u64).sum(),
                    stats: leaf_stats(&[meta], i),
                }
            })
            .collect();
        let all = || rgs.iter().flat_map(|rg| rg.columns());
        let of = all().count();
        FileReport {
            rows: fm.num_rows().max(0) as u64,
            version: fm.version(),
            created_by: fm.created_by().map(str::to_string),
            leaves,
            row_groups: rgs
                .iter()
                .map(|rg| RowGroupReport {
                    rows: rg.num_rows().max(0) as u64,
                    compressed: rg.compressed_size().max(0) as u64,
                    uncompressed: rg.total_byte_size().max(0) as u64,
                })
                .collect(),
            offset_index: coverage(
                all().filter(|c| c.offset_index_offset().is_some()).count(),
                of,
            ),
            column_index: coverage(
                all().filter(|c| c.column_index_offset().is_some()).count(),
                of,
            ),
            metadata: fm
                .key_value_metadata()
                .map(|kv| {
                    kv.iter()
                        .map(|k| (k.key.clone(), metadata_value(&k.key, k.value.as_deref())))
                        .collect()
                })
                .unwrap_or_default(),
        }
    }
}
