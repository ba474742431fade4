//! A small parquet writer for flat tables of strings, float32 and int32 (what a catalog
//! sidecar holds): one PLAIN data page per column chunk, snappy-compressed, definition
//! levels for optional columns, the footer in thrift's compact protocol. The `parquet`
//! crate's writer would add ~200 kB (brotli) to the engine's module for one button;
//! this is a few kilobytes. Its output is read back by the `parquet` crate in tests.

/// A column's values for the row group being filled.
pub enum Column {
    /// UTF-8 strings (`None`: null).
    Str(Vec<Option<String>>),
    Float(Vec<Option<f32>>),
    Int(Vec<Option<i32>>),
    /// Int32 without nulls.
    IntRequired(Vec<i32>),
}

impl Column {
    fn len(&self) -> usize {
        match self {
            Column::Str(v) => v.len(),
            Column::Float(v) => v.len(),
            Column::Int(v) => v.len(),
            Column::IntRequired(v) => v.len(),
        }
    }
    fn empty_like(&self) -> Column {
        match self {
            Column::Str(_) => Column::Str(Vec::new()),
            Column::Float(_) => Column::Float(Vec::new()),
            Column::Int(_) => Column::Int(Vec::new()),
            Column::IntRequired(_) => Column::IntRequired(Vec::new()),
        }
    }
    /// Parquet's physical type: INT32 = 1, FLOAT = 4, BYTE_ARRAY = 6.
    fn physical(&self) -> i32 {
        match self {
            Column::Str(_) => 6,
            Column::Float(_) => 4,
            Column::Int(_) | Column::IntRequired(_) => 1,
        }
    }
    fn optional(&self) -> bool {
        !matches!(self, Column::IntRequired(_))
    }
    /// Definition levels (when optional) and PLAIN values of the non-null ones.
    fn page_body(&self) -> Vec<u8> {
        let mut out = Vec::new();
        let defs: Option<Vec<bool>> = match self {
            Column::Str(v) => Some(v.iter().map(Option::is_some).collect()),
            Column::Float(v) => Some(v.iter().map(Option::is_some).collect()),
            Column::Int(v) => Some(v.iter().map(Option::is_some).collect()),
            Column::IntRequired(_) => None,
        };
        if let Some(defs) = defs {
            let levels = rle_bits(&defs);
            out.extend_from_slice(&(levels.len() as u32).to_le_bytes());
            out.extend_from_slice(&levels);
        }
        match self {
            Column::Str(v) => {
                for s in v.iter().flatten() {
                    out.extend_from_slice(&(s.len() as u32).to_le_bytes());
                    out.extend_from_slice(s.as_bytes());
                }
            }
            Column::Float(v) => v
                .iter()
                .flatten()
                .for_each(|x| out.extend_from_slice(&x.to_le_bytes())),
            Column::Int(v) => v
                .iter()
                .flatten()
                .for_each(|x| out.extend_from_slice(&x.to_le_bytes())),
            Column::IntRequired(v) => v
                .iter()
                .for_each(|x| out.extend_from_slice(&x.to_le_bytes())),
        }
        out
    }
}

/// Bit-width-1 levels in the RLE/bit-packed hybrid encoding, as runs.
fn rle_bits(bits: &[bool]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < bits.len() {
        let v = bits[i];
        let mut n = 1;
        while i + n < bits.len() && bits[i + n] == v {
            n += 1;
        }
        varint(&mut out, (n as u64) << 1);
        out.push(u8::from(v));
        i += n;
    }
    out
}

fn varint(out: &mut Vec<u8>, mut v: u64) {
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

/// Thrift's compact protocol, as much of it as parquet's footer needs.
#[derive(Default)]
struct Thrift {
    out: Vec<u8>,
    last: Vec<i16>,
}

const T_I32: u8 = 5;
const T_I64: u8 = 6;
const T_BINARY: u8 = 8;
const T_LIST: u8 = 9;
const T_STRUCT: u8 = 12;

impl Thrift {
    fn begin(&mut self) {
        self.last.push(0);
    }
    fn end(&mut self) {
        self.out.push(0);
        self.last.pop();
    }
    fn field(&mut self, id: i16, kind: u8) {
        let last = self.last.last().copied().unwrap_or(0);
        let delta = id - last;
        if (1..=15).contains(&delta) {
            self.out.push(((delta as u8) << 4) | kind);
        } else {
            self.out.push(kind);
            varint(&mut self.out, zigzag(i64::from(id)));
        }
        if let Some(l) = self.last.last_mut() {
            *l = id;
        }
    }
    fn i32(&mut self, id: i16, v: i32) {
        self.field(id, T_I32);
        varint(&mut self.out, zigzag(i64::from(v)));
    }
    fn i64(&mut self, id: i16, v: i64) {
        self.field(id, T_I64);
        varint(&mut self.out, zigzag(v));
    }
    fn bytes(&mut self, id: i16, b: &[u8]) {
        self.field(id, T_BINARY);
        varint(&mut self.out, b.len() as u64);
        self.out.extend_from_slice(b);
    }
    fn list(&mut self, id: i16, kind: u8, n: usize) {
        self.field(id, T_LIST);
        if n < 15 {
            self.out.push(((n as u8) << 4) | kind);
        } else {
            self.out.push(0xf0 | kind);
            varint(&mut self.out, n as u64);
        }
    }
    fn struct_field(&mut self, id: i16) {
        self.field(id, T_STRUCT);
        self.begin();
    }
}

fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

/// One column chunk as written: where, how big, how many values.
struct Chunk {
    offset: u64,
    values: i64,
    uncompressed: i64,
    compressed: i64,
}

/// Writes row groups of `columns` (names, and an empty column of each kind) into bytes.
pub struct Writer {
    names: Vec<String>,
    open: Vec<Column>,
    group_rows: usize,
    out: Vec<u8>,
    groups: Vec<(Vec<Chunk>, i64)>,
    rows: i64,
}

impl Writer {
    pub fn new(columns: Vec<(String, Column)>, group_rows: usize) -> Writer {
        let (names, open) = columns.into_iter().unzip();
        Writer {
            names,
            open,
            group_rows: group_rows.max(1),
            out: b"PAR1".to_vec(),
            groups: Vec::new(),
            rows: 0,
        }
    }

    /// Append rows: one column of each, in order, all the same length.
    pub fn push(&mut self, columns: Vec<Column>) -> Result<(), String> {
        if columns.len() != self.open.len() {
            return Err(format!(
                "{} columns given for {}",
                columns.len(),
                self.open.len()
            ));
        }
        let n = columns.first().map_or(0, Column::len);
        let mut at = 0;
        let mut columns = columns;
        while at < n {
            let room = self.group_rows - self.open.first().map_or(0, Column::len);
            let take = room.min(n - at);
            for (open, col) in self.open.iter_mut().zip(columns.iter_mut()) {
                match (open, col) {
                    (Column::Str(a), Column::Str(b)) => a.extend(b.drain(..take)),
                    (Column::Float(a), Column::Float(b)) => a.extend(b.drain(..take)),
                    (Column::Int(a), Column::Int(b)) => a.extend(b.drain(..take)),
                    (Column::IntRequired(a), Column::IntRequired(b)) => a.extend(b.drain(..take)),
                    _ => return Err("a column changed its kind".into()),
                }
            }
            at += take;
            if self.open.first().map_or(0, Column::len) == self.group_rows {
                self.flush();
            }
        }
        Ok(())
    }

    fn flush(&mut self) {
        let rows = self.open.first().map_or(0, Column::len);
        if rows == 0 {
            return;
        }
        let mut chunks = Vec::with_capacity(self.open.len());
        for col in &mut self.open {
            let body = col.page_body();
            let packed = snap::raw::Encoder::new()
                .compress_vec(&body)
                .unwrap_or_default();
            let mut h = Thrift::default();
            h.begin();
            h.i32(1, 0); // DATA_PAGE
            h.i32(2, body.len() as i32);
            h.i32(3, packed.len() as i32);
            h.struct_field(5);
            h.i32(1, rows as i32);
            h.i32(2, 0); // PLAIN
            h.i32(3, 3); // RLE
            h.i32(4, 3);
            h.end();
            h.end();
            let offset = self.out.len() as u64;
            self.out.extend_from_slice(&h.out);
            self.out.extend_from_slice(&packed);
            chunks.push(Chunk {
                offset,
                values: rows as i64,
                uncompressed: (h.out.len() + body.len()) as i64,
                compressed: (h.out.len() + packed.len()) as i64,
            });
            *col = col.empty_like();
        }
        self.groups.push((chunks, rows as i64));
        self.rows += rows as i64;
    }

    /// The rows given so far.
    pub fn rows(&self) -> u64 {
        self.rows.max(0) as u64 + self.open.first().map_or(0, Column::len) as u64
    }

    /// The file: the last row group, then the footer.
    pub fn finish(mut self) -> Vec<u8> {
        self.flush();
        let mut t = Thrift::default();
        t.begin();
        t.i32(1, 1); // version
        t.list(2, T_STRUCT, self.names.len() + 1);
        t.begin(); // the root
        t.bytes(4, b"schema");
        t.i32(5, self.names.len() as i32);
        t.end();
        for (name, col) in self.names.iter().zip(&self.open) {
            t.begin();
            t.i32(1, col.physical());
            t.i32(3, i32::from(col.optional()));
            t.bytes(4, name.as_bytes());
            if matches!(col, Column::Str(_)) {
                t.i32(6, 0); // UTF8
            }
            t.end();
        }
        t.i64(3, self.rows);
        t.list(4, T_STRUCT, self.groups.len());
        for (chunks, rows) in &self.groups {
            t.begin();
            t.list(1, T_STRUCT, chunks.len());
            for ((c, name), col) in chunks.iter().zip(&self.names).zip(&self.open) {
                t.begin();
                t.i64(2, c.offset as i64);
                t.struct_field(3);
                t.i32(1, col.physical());
                t.list(2, T_I32, if col.optional() { 2 } else { 1 });
                varint(&mut t.out, zigzag(0)); // PLAIN
                if col.optional() {
                    varint(&mut t.out, zigzag(3)); // RLE
                }
                t.list(3, T_BINARY, 1);
                varint(&mut t.out, name.len() as u64);
                t.out.extend_from_slice(name.as_bytes());
                t.i32(4, 1); // SNAPPY
                t.i64(5, c.values);
                t.i64(6, c.uncompressed);
                t.i64(7, c.compressed);
                t.i64(9, c.offset as i64);
                t.end();
                t.end();
            }
            t.i64(2, chunks.iter().map(|c| c.uncompressed).sum());
            t.i64(3, *rows);
            t.end();
        }
        t.bytes(6, b"gz-viewer");
        t.end();
        let footer = t.out;
        self.out.extend_from_slice(&footer);
        self.out
            .extend_from_slice(&(footer.len() as u32).to_le_bytes());
        self.out.extend_from_slice(b"PAR1");
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::cast::AsArray;
    use arrow_array::types::{Float32Type, Int32Type};
    use arrow_array::{Array, RecordBatch};
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

    fn read(bytes: Vec<u8>) -> (Vec<RecordBatch>, Vec<i64>) {
        let b = ParquetRecordBatchReaderBuilder::try_new(bytes::Bytes::from(bytes)).unwrap();
        let groups = b
            .metadata()
            .row_groups()
            .iter()
            .map(|g| g.num_rows())
            .collect();
        (b.build().unwrap().map(|r| r.unwrap()).collect(), groups)
    }

    #[test]
    fn what_it_writes_the_parquet_crate_reads_back_with_nulls_and_row_groups() {
        let n = 1000;
        let mut w = Writer::new(
            vec![
                ("id".into(), Column::Str(Vec::new())),
                ("x".into(), Column::Float(Vec::new())),
                ("file".into(), Column::IntRequired(Vec::new())),
                ("votes".into(), Column::Int(Vec::new())),
            ],
            300,
        );
        // in two pushes that straddle a row group
        for part in [0..450usize, 450..n] {
            w.push(vec![
                Column::Str(
                    part.clone()
                        .map(|i| (!i.is_multiple_of(7)).then(|| format!("g{i}")))
                        .collect(),
                ),
                Column::Float(
                    part.clone()
                        .map(|i| (!i.is_multiple_of(5)).then_some(i as f32 * 0.5))
                        .collect(),
                ),
                Column::IntRequired(part.clone().map(|i| i as i32).collect()),
                Column::Int(
                    part.clone()
                        .map(|i| (!i.is_multiple_of(3)).then_some(-(i as i32)))
                        .collect(),
                ),
            ])
            .unwrap();
        }
        assert_eq!(w.rows(), 1000);
        let (batches, groups) = read(w.finish());
        assert_eq!(groups, vec![300, 300, 300, 100]);
        let mut r = 0usize;
        for b in &batches {
            let schema = b.schema();
            let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
            assert_eq!(names, ["id", "x", "file", "votes"]);
            assert!(!schema.field(2).is_nullable() && schema.field(3).is_nullable());
            let (id, x, file, votes) = (
                b.column(0).as_string::<i32>(),
                b.column(1).as_primitive::<Float32Type>(),
                b.column(2).as_primitive::<Int32Type>(),
                b.column(3).as_primitive::<Int32Type>(),
            );
            for k in 0..b.num_rows() {
                let i = r + k;
                assert_eq!(
                    id.is_valid(k).then(|| id.value(k)),
                    (!i.is_multiple_of(7)).then(|| format!("g{i}")).as_deref()
                );
                assert_eq!(
                    x.is_valid(k).then(|| x.value(k)),
                    (!i.is_multiple_of(5)).then_some(i as f32 * 0.5)
                );
                assert_eq!(file.value(k), i as i32);
                assert_eq!(
                    votes.is_valid(k).then(|| votes.value(k)),
                    (!i.is_multiple_of(3)).then_some(-(i as i32))
                );
            }
            r += b.num_rows();
        }
        assert_eq!(r, n);
    }

    #[test]
    fn an_empty_table_is_still_a_parquet_file() {
        let w = Writer::new(vec![("a".into(), Column::Int(Vec::new()))], 10);
        let (batches, groups) = read(w.finish());
        assert!(groups.is_empty());
        assert_eq!(batches.iter().map(|b| b.num_rows()).sum::<usize>(), 0);
    }
}
