//! One cell of any Arrow type as short text.

use arrow_array::cast::AsArray;
use arrow_array::temporal_conversions::{as_date, as_datetime, as_time};
use arrow_array::types::*;
use arrow_array::{Array, ArrowPrimitiveType};
use arrow_schema::{DataType, IntervalUnit, TimeUnit};
use std::fmt::Write;

/// Characters of a cell shown before it is cut (the whole text is kept for a tooltip).
pub const CELL_CHARS: usize = 60;
/// Text kept for the tooltip of a cut cell.
const FULL_CHARS: usize = 2_000;
/// Items of a list or map shown before "+N".
const LIST_ITEMS: usize = 8;
/// Bytes of a binary value shown in hex.
const HEX_BYTES: usize = 8;

/// What a cell holds, for styling (numbers right-aligned, nulls dimmed).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Kind {
    Null,
    Number,
    Bool,
    Text,
    Time,
    Binary,
    Nested,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Null => "null",
            Kind::Number => "number",
            Kind::Bool => "bool",
            Kind::Text => "text",
            Kind::Time => "time",
            Kind::Binary => "binary",
            Kind::Nested => "nested",
        }
    }
}

/// A cell as shown: its text (cut to [`CELL_CHARS`]) and, when cut, the longer text.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Cell {
    pub kind: Kind,
    pub text: String,
    pub full: Option<String>,
}

fn kind_of(t: &DataType) -> Kind {
    match t {
        DataType::Null => Kind::Null,
        DataType::Boolean => Kind::Bool,
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => Kind::Text,
        DataType::Binary
        | DataType::LargeBinary
        | DataType::BinaryView
        | DataType::FixedSizeBinary(_) => Kind::Binary,
        DataType::Date32
        | DataType::Date64
        | DataType::Timestamp(..)
        | DataType::Time32(_)
        | DataType::Time64(_)
        | DataType::Duration(_)
        | DataType::Interval(_) => Kind::Time,
        DataType::Dictionary(_, v) => kind_of(v),
        t if t.is_numeric() => Kind::Number,
        _ => Kind::Nested,
    }
}

/// Cell `row` of `col`: null as null, never as empty or 0.
pub fn cell(col: &dyn Array, row: usize) -> Cell {
    if row >= col.len() || col.is_null(row) {
        return Cell {
            kind: Kind::Null,
            text: "null".into(),
            full: None,
        };
    }
    let mut text = String::new();
    write_value(col, row, &mut text, false, FULL_CHARS);
    let kind = kind_of(col.data_type());
    if text.chars().count() > CELL_CHARS {
        let cut: String = text.chars().take(CELL_CHARS - 1).collect();
        Cell {
            kind,
            text: format!("{cut}…"),
            full: Some(text),
        }
    } else {
        Cell {
            kind,
            text,
            full: None,
        }
    }
}

fn prim<T: ArrowPrimitiveType>(col: &dyn Array, row: usize) -> T::Native {
    col.as_primitive::<T>().value(row)
}

fn write_datetime<T: ArrowPrimitiveType>(
    out: &mut String,
    v: i64,
    tz: &Option<std::sync::Arc<str>>,
) {
    match as_datetime::<T>(v) {
        Some(t) => {
            let _ = write!(out, "{}", t.format("%Y-%m-%d %H:%M:%S%.f"));
            match tz.as_deref() {
                Some("UTC" | "+00:00" | "Z" | "Etc/UTC") => out.push('Z'),
                Some(z) => {
                    let _ = write!(out, " {z}");
                }
                None => {}
            }
        }
        None => {
            let _ = write!(out, "{v} (out of range)");
        }
    }
}

fn write_time<T: ArrowPrimitiveType>(out: &mut String, v: i64) {
    match as_time::<T>(v) {
        Some(t) => {
            let _ = write!(out, "{}", t.format("%H:%M:%S%.f"));
        }
        None => {
            let _ = write!(out, "{v} (out of range)");
        }
    }
}

fn write_bytes(out: &mut String, b: &[u8]) {
    let _ = write!(out, "{} B", b.len());
    if !b.is_empty() {
        out.push_str(" ·");
        for x in b.iter().take(HEX_BYTES) {
            let _ = write!(out, " {x:02x}");
        }
        if b.len() > HEX_BYTES {
            out.push_str(" …");
        }
    }
}

fn write_str(out: &mut String, s: &str, nested: bool) {
    if nested {
        let _ = write!(out, "{s:?}");
    } else if s.is_empty() {
        out.push_str("\"\"");
    } else {
        out.push_str(s);
    }
}

fn write_items(out: &mut String, items: &dyn Array, range: std::ops::Range<usize>, limit: usize) {
    out.push('[');
    let n = range.len();
    for (k, i) in range.take(LIST_ITEMS).enumerate() {
        if out.len() > limit {
            break;
        }
        if k > 0 {
            out.push_str(", ");
        }
        write_nested(items, i, out, limit);
    }
    if n > LIST_ITEMS {
        let _ = write!(out, ", … +{}", n - LIST_ITEMS);
    }
    out.push(']');
}

fn write_nested(col: &dyn Array, row: usize, out: &mut String, limit: usize) {
    if col.is_null(row) {
        out.push_str("null");
    } else {
        write_value(col, row, out, true, limit);
    }
}

/// Write a non-null value (`nested`: inside a list or struct, where strings are quoted).
fn write_value(col: &dyn Array, row: usize, out: &mut String, nested: bool, limit: usize) {
    macro_rules! num {
        ($t:ty) => {{
            let _ = write!(out, "{}", prim::<$t>(col, row));
        }};
    }
    match col.data_type() {
        DataType::Null => out.push_str("null"),
        DataType::Boolean => {
            let _ = write!(out, "{}", col.as_boolean().value(row));
        }
        DataType::Int8 => num!(Int8Type),
        DataType::Int16 => num!(Int16Type),
        DataType::Int32 => num!(Int32Type),
        DataType::Int64 => num!(Int64Type),
        DataType::UInt8 => num!(UInt8Type),
        DataType::UInt16 => num!(UInt16Type),
        DataType::UInt32 => num!(UInt32Type),
        DataType::UInt64 => num!(UInt64Type),
        DataType::Float16 => num!(Float16Type),
        DataType::Float32 => num!(Float32Type),
        DataType::Float64 => num!(Float64Type),
        DataType::Decimal32(..) => {
            out.push_str(&col.as_primitive::<Decimal32Type>().value_as_string(row))
        }
        DataType::Decimal64(..) => {
            out.push_str(&col.as_primitive::<Decimal64Type>().value_as_string(row))
        }
        DataType::Decimal128(..) => {
            out.push_str(&col.as_primitive::<Decimal128Type>().value_as_string(row))
        }
        DataType::Decimal256(..) => {
            out.push_str(&col.as_primitive::<Decimal256Type>().value_as_string(row))
        }
        DataType::Utf8 => write_str(out, col.as_string::<i32>().value(row), nested),
        DataType::LargeUtf8 => write_str(out, col.as_string::<i64>().value(row), nested),
        DataType::Utf8View => write_str(out, col.as_string_view().value(row), nested),
        DataType::Binary => write_bytes(out, col.as_binary::<i32>().value(row)),
        DataType::LargeBinary => write_bytes(out, col.as_binary::<i64>().value(row)),
        DataType::BinaryView => write_bytes(out, col.as_binary_view().value(row)),
        DataType::FixedSizeBinary(_) => write_bytes(out, col.as_fixed_size_binary().value(row)),
        DataType::Date32 => match as_date::<Date32Type>(prim::<Date32Type>(col, row) as i64) {
            Some(d) => {
                let _ = write!(out, "{d}");
            }
            None => out.push_str("(date out of range)"),
        },
        DataType::Date64 => match as_date::<Date64Type>(prim::<Date64Type>(col, row)) {
            Some(d) => {
                let _ = write!(out, "{d}");
            }
            None => out.push_str("(date out of range)"),
        },
        DataType::Timestamp(unit, tz) => match unit {
            TimeUnit::Second => write_datetime::<TimestampSecondType>(
                out,
                prim::<TimestampSecondType>(col, row),
                tz,
            ),
            TimeUnit::Millisecond => write_datetime::<TimestampMillisecondType>(
                out,
                prim::<TimestampMillisecondType>(col, row),
                tz,
            ),
            TimeUnit::Microsecond => write_datetime::<TimestampMicrosecondType>(
                out,
                prim::<TimestampMicrosecondType>(col, row),
                tz,
            ),
            TimeUnit::Nanosecond => write_datetime::<TimestampNanosecondType>(
                out,
                prim::<TimestampNanosecondType>(col, row),
                tz,
            ),
        },
        DataType::Time32(TimeUnit::Second) => {
            write_time::<Time32SecondType>(out, prim::<Time32SecondType>(col, row) as i64)
        }
        DataType::Time32(_) => {
            write_time::<Time32MillisecondType>(out, prim::<Time32MillisecondType>(col, row) as i64)
        }
        DataType::Time64(TimeUnit::Nanosecond) => {
            write_time::<Time64NanosecondType>(out, prim::<Time64NanosecondType>(col, row))
        }
        DataType::Time64(_) => {
            write_time::<Time64MicrosecondType>(out, prim::<Time64MicrosecondType>(col, row))
        }
        DataType::Duration(unit) => {
            let (v, u) = match unit {
                TimeUnit::Second => (prim::<DurationSecondType>(col, row), "s"),
                TimeUnit::Millisecond => (prim::<DurationMillisecondType>(col, row), "ms"),
                TimeUnit::Microsecond => (prim::<DurationMicrosecondType>(col, row), "µs"),
                TimeUnit::Nanosecond => (prim::<DurationNanosecondType>(col, row), "ns"),
            };
            let _ = write!(out, "{v} {u}");
        }
        DataType::Interval(IntervalUnit::YearMonth) => {
            let _ = write!(out, "{} months", prim::<IntervalYearMonthType>(col, row));
        }
        DataType::Interval(IntervalUnit::DayTime) => {
            let v = prim::<IntervalDayTimeType>(col, row);
            let _ = write!(out, "{} days {} ms", v.days, v.milliseconds);
        }
        DataType::Interval(IntervalUnit::MonthDayNano) => {
            let v = prim::<IntervalMonthDayNanoType>(col, row);
            let _ = write!(
                out,
                "{} months {} days {} ns",
                v.months, v.days, v.nanoseconds
            );
        }
        DataType::List(_) => {
            let l = col.as_list::<i32>();
            let o = l.value_offsets();
            write_items(
                out,
                l.values().as_ref(),
                o[row] as usize..o[row + 1] as usize,
                limit,
            );
        }
        DataType::LargeList(_) => {
            let l = col.as_list::<i64>();
            let o = l.value_offsets();
            write_items(
                out,
                l.values().as_ref(),
                o[row] as usize..o[row + 1] as usize,
                limit,
            );
        }
        DataType::FixedSizeList(_, n) => {
            let l = col.as_fixed_size_list();
            let n = (*n).max(0) as usize;
            let start = row * n;
            write_items(out, l.values().as_ref(), start..start + n, limit);
        }
        DataType::Struct(fields) => {
            let s = col.as_struct();
            out.push('{');
            for (k, f) in fields.iter().enumerate() {
                if out.len() > limit {
                    break;
                }
                if k > 0 {
                    out.push_str(", ");
                }
                let _ = write!(out, "{}: ", f.name());
                write_nested(s.column(k).as_ref(), row, out, limit);
            }
            out.push('}');
        }
        DataType::Map(..) => {
            let m = col.as_map();
            let o = m.value_offsets();
            let (start, end) = (o[row] as usize, o[row + 1] as usize);
            out.push('{');
            for (k, i) in (start..end).take(LIST_ITEMS).enumerate() {
                if out.len() > limit {
                    break;
                }
                if k > 0 {
                    out.push_str(", ");
                }
                write_nested(m.keys().as_ref(), i, out, limit);
                out.push_str(": ");
                write_nested(m.values().as_ref(), i, out, limit);
            }
            if end - start > LIST_ITEMS {
                let _ = write!(out, ", … +{}", end - start - LIST_ITEMS);
            }
            out.push('}');
        }
        DataType::Dictionary(..) => match col.as_any_dictionary_opt() {
            Some(d) => {
                let key = d.normalized_keys().get(row).copied().unwrap_or(0);
                let values = d.values();
                if key >= values.len() || values.is_null(key) {
                    out.push_str("null");
                } else {
                    write_value(values.as_ref(), key, out, nested, limit);
                }
            }
            None => out.push_str("(dictionary)"),
        },
        other => {
            let _ = write!(out, "({} value)", type_label(other));
        }
    }
}

/// A column's type as a short label: `int64`, `list<float32>`, `timestamp[ms, UTC]`.
pub fn type_label(t: &DataType) -> String {
    let unit = |u: &TimeUnit| match u {
        TimeUnit::Second => "s",
        TimeUnit::Millisecond => "ms",
        TimeUnit::Microsecond => "µs",
        TimeUnit::Nanosecond => "ns",
    };
    match t {
        DataType::Null => "null".into(),
        DataType::Boolean => "bool".into(),
        DataType::Int8 => "int8".into(),
        DataType::Int16 => "int16".into(),
        DataType::Int32 => "int32".into(),
        DataType::Int64 => "int64".into(),
        DataType::UInt8 => "uint8".into(),
        DataType::UInt16 => "uint16".into(),
        DataType::UInt32 => "uint32".into(),
        DataType::UInt64 => "uint64".into(),
        DataType::Float16 => "float16".into(),
        DataType::Float32 => "float32".into(),
        DataType::Float64 => "float64".into(),
        DataType::Utf8 => "string".into(),
        DataType::LargeUtf8 => "large_string".into(),
        DataType::Utf8View => "string_view".into(),
        DataType::Binary => "binary".into(),
        DataType::LargeBinary => "large_binary".into(),
        DataType::BinaryView => "binary_view".into(),
        DataType::FixedSizeBinary(n) => format!("fixed_binary[{n}]"),
        DataType::Date32 => "date32".into(),
        DataType::Date64 => "date64".into(),
        DataType::Timestamp(u, None) => format!("timestamp[{}]", unit(u)),
        DataType::Timestamp(u, Some(tz)) => format!("timestamp[{}, {tz}]", unit(u)),
        DataType::Time32(u) => format!("time32[{}]", unit(u)),
        DataType::Time64(u) => format!("time64[{}]", unit(u)),
        DataType::Duration(u) => format!("duration[{}]", unit(u)),
        DataType::Decimal32(p, s) | DataType::Decimal64(p, s) => format!("decimal({p}, {s})"),
        DataType::Decimal128(p, s) | DataType::Decimal256(p, s) => format!("decimal({p}, {s})"),
        DataType::List(f) | DataType::ListView(f) => format!("list<{}>", type_label(f.data_type())),
        DataType::LargeList(f) | DataType::LargeListView(f) => {
            format!("large_list<{}>", type_label(f.data_type()))
        }
        DataType::FixedSizeList(f, n) => format!("list<{}; {n}>", type_label(f.data_type())),
        DataType::Struct(fields) => format!(
            "struct<{}>",
            fields
                .iter()
                .map(|f| format!("{}: {}", f.name(), type_label(f.data_type())))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        DataType::Map(f, _) => match f.data_type() {
            DataType::Struct(kv) if kv.len() == 2 => format!(
                "map<{}, {}>",
                type_label(kv[0].data_type()),
                type_label(kv[1].data_type())
            ),
            other => format!("map<{}>", type_label(other)),
        },
        DataType::Dictionary(k, v) => format!("dictionary<{}, {}>", type_label(k), type_label(v)),
        other => other.to_string(),
    }
}
