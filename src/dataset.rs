//! Datasets of one or more parquet files: the manifest a static host serves beside them
//! (static hosts cannot list folders), URL resolution, and the summary read from footers.

use crate::table::{self, Roles};
use parquet::basic::Compression;
use parquet::file::metadata::ParquetMetaData;
use serde::Deserialize;
use std::collections::BTreeSet;

/// `index.json` beside the parquet files.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct Manifest {
    #[serde(default)]
    pub name: Option<String>,
    pub files: Vec<ManifestFile>,
}

/// One file of a manifest; `path` is relative to the manifest (or absolute).
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct ManifestFile {
    #[serde(default = "default_split")]
    pub split: String,
    pub path: String,
    #[serde(default)]
    pub size: Option<u64>,
    #[serde(default)]
    pub rows: Option<u64>,
}

fn default_split() -> String {
    "train".into()
}

impl Manifest {
    /// Parse a manifest, with a message a user can act on.
    pub fn parse(url: &str, text: &str) -> Result<Manifest, String> {
        let m: Manifest = serde_json::from_str(text)
            .map_err(|e| format!("{url} is not a dataset manifest (expected {{\"files\": [...]}}): {e}"))?;
        if m.files.is_empty() {
            return Err(format!("{url}: the manifest lists no files"));
        }
        Ok(m)
    }

    /// A one-file dataset for a bare parquet URL.
    pub fn single(url: &str) -> Manifest {
        Manifest { name: None, files: vec![ManifestFile { split: default_split(), path: url.into(), size: None, rows: None }] }
    }
}

/// Resolve `rel` against `base` the way a browser resolves a link.
pub fn join_url(base: &str, rel: &str) -> String {
    if rel.contains("://") {
        return rel.to_string();
    }
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    if let Some(rest) = rel.strip_prefix("//") {
        return format!("{}{rest}", &base[..scheme_end]);
    }
    let base = base.split(['?', '#']).next().unwrap_or(base);
    let origin_end = base[scheme_end..].find('/').map(|i| i + scheme_end).unwrap_or(base.len());
    if rel.starts_with('/') {
        return format!("{}{rel}", &base[..origin_end]);
    }
    let dir_end = base.rfind('/').filter(|&i| i >= origin_end).map(|i| i + 1);
    let dir = match dir_end {
        Some(end) => base[..end].to_string(),
        None => format!("{base}/"),
    };
    format!("{dir}{}", rel.trim_start_matches("./"))
}

/// What one file's footer says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileSummary {
    pub rows: u64,
    pub row_groups: usize,
    pub columns: usize,
    pub leaf_columns: usize,
    pub compressions: BTreeSet<String>,
    pub has_page_index: bool,
    pub roles: Roles,
}

/// Name of a codec without its level.
pub fn codec_name(c: Compression) -> &'static str {
    match c {
        Compression::UNCOMPRESSED => "uncompressed",
        Compression::SNAPPY => "snappy",
        Compression::GZIP(_) => "gzip",
        Compression::LZO => "lzo",
        Compression::BROTLI(_) => "brotli",
        Compression::LZ4 => "lz4",
        Compression::ZSTD(_) => "zstd",
        Compression::LZ4_RAW => "lz4_raw",
    }
}

/// Summarise a footer.
pub fn summarize(meta: &ParquetMetaData) -> FileSummary {
    let fm = meta.file_metadata();
    let chunks = || meta.row_groups().iter().flat_map(|rg| rg.columns());
    let schema = table::arrow_schema(meta).ok();
    FileSummary {
        rows: fm.num_rows().max(0) as u64,
        row_groups: meta.num_row_groups(),
        columns: fm.schema_descr().root_schema().get_fields().len(),
        leaf_columns: fm.schema_descr().num_columns(),
        compressions: chunks().map(|c| codec_name(c.compression()).to_string()).collect(),
        has_page_index: chunks().any(|c| c.offset_index_offset().is_some()),
        roles: schema.as_ref().map(table::recognise).unwrap_or_default(),
    }
}

/// The whole dataset: totals over the files whose footers were read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DatasetSummary {
    pub files: usize,
    pub rows: u64,
    pub row_groups: usize,
    pub columns: usize,
    pub leaf_columns: usize,
    pub compressions: BTreeSet<String>,
    pub image_column: Option<String>,
    pub bytes_total: u64,
}

impl DatasetSummary {
    /// Fold in one file's footer summary and size.
    pub fn add(&mut self, f: &FileSummary, size: u64) {
        self.files += 1;
        self.rows += f.rows;
        self.row_groups += f.row_groups;
        self.columns = self.columns.max(f.columns);
        self.leaf_columns = self.leaf_columns.max(f.leaf_columns);
        self.compressions.extend(f.compressions.iter().cloned());
        if self.image_column.is_none() {
            self.image_column = f.roles.image.as_ref().map(|i| i.name.clone());
        }
        self.bytes_total += size;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_resolve_like_links() {
        let base = "http://127.0.0.1:8080/sample/index.json?x=1";
        assert_eq!(join_url(base, "data/a.parquet"), "http://127.0.0.1:8080/sample/data/a.parquet");
        assert_eq!(join_url(base, "./data/a.parquet"), "http://127.0.0.1:8080/sample/data/a.parquet");
        assert_eq!(join_url(base, "/b.parquet"), "http://127.0.0.1:8080/b.parquet");
        assert_eq!(join_url(base, "https://hf.co/x.parquet"), "https://hf.co/x.parquet");
        assert_eq!(join_url("https://h.org", "a.parquet"), "https://h.org/a.parquet");
        assert_eq!(join_url("http://h/x/", "a"), "http://h/x/a");
        assert_eq!(join_url("http://h/x", "//cdn/a"), "http://cdn/a");
    }

    #[test]
    fn manifest_parses_with_defaults_and_explains_failures() {
        let m = Manifest::parse("i.json", r#"{"files":[{"path":"a.parquet","size":10},{"split":"test","path":"b.parquet"}]}"#).unwrap();
        assert_eq!(m.files[0].split, "train");
        assert_eq!(m.files[0].size, Some(10));
        assert_eq!(m.files[1].size, None);
        let e = Manifest::parse("i.json", "<html>").unwrap_err();
        assert!(e.contains("i.json is not a dataset manifest"), "{e}");
        assert!(Manifest::parse("i.json", r#"{"files":[]}"#).unwrap_err().contains("no files"));
    }
}
