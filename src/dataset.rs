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
    /// A compact sidecar of every row's id, position, locator and votes (`gzv-catalog`):
    /// the sky map reads it instead of every shard's columns.
    #[serde(default)]
    pub catalog: Option<ManifestFile>,
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
    /// Length of the footer (metadata + 8): read it exactly, in one request.
    #[serde(default)]
    pub footer_len: Option<u64>,
    /// The footer itself, base64: no request at all.
    #[serde(default)]
    pub footer: Option<String>,
}

impl ManifestFile {
    /// The embedded footer bytes, if any and well-formed.
    pub fn footer_bytes(&self) -> Option<Vec<u8>> {
        use base64::Engine;
        let b = base64::engine::general_purpose::STANDARD
            .decode(self.footer.as_ref()?)
            .ok()?;
        (b.len() >= 12 && b.ends_with(b"PAR1")).then_some(b)
    }
}

/// The HuggingFace datasets-server listing of a dataset's parquet files.
pub const HF_DATASETS_SERVER: &str = "https://datasets-server.huggingface.co";
/// The HuggingFace Hub API, the fallback listing.
pub const HF_HUB: &str = "https://huggingface.co";

/// Is `id` an `owner/name` dataset id?
pub fn is_dataset_id(id: &str) -> bool {
    let mut parts = id.split('/');
    let ok = |p: Option<&str>| {
        p.is_some_and(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        })
    };
    ok(parts.next()) && ok(parts.next()) && parts.next().is_none()
}

/// Split order for listings: train first, then validation, test, others.
fn split_rank(split: &str) -> u8 {
    match split {
        "train" => 0,
        "validation" => 1,
        "test" => 2,
        _ => 3,
    }
}

/// A manifest from the datasets-server `/parquet` answer (sizes included, so no length
/// requests are needed). Uses the `default` config, else the first one listed.
pub fn from_datasets_server(id: &str, json: &str) -> Result<Manifest, String> {
    #[derive(Deserialize)]
    struct Listing {
        #[serde(default)]
        parquet_files: Vec<Entry>,
        /// Configs or splits still being converted, and those whose conversion failed.
        #[serde(default)]
        pending: Vec<serde_json::Value>,
        #[serde(default)]
        failed: Vec<serde_json::Value>,
        /// Only part of the dataset was converted (the first few GB of each split).
        #[serde(default)]
        partial: bool,
    }
    // what a pending or failed entry names: its config and split, else the entry itself
    let names = |v: &[serde_json::Value]| {
        v.iter()
            .map(|e| {
                let part = |k: &str| e.get(k).and_then(|x| x.as_str()).map(str::to_string);
                match (part("config"), part("split")) {
                    (Some(c), Some(s)) => format!("{c}/{s}"),
                    (Some(c), None) => c,
                    _ => e.to_string(),
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    #[derive(Deserialize)]
    struct Entry {
        config: String,
        split: String,
        url: String,
        #[serde(default)]
        size: Option<u64>,
        #[serde(default)]
        filename: String,
    }
    let listing: Listing = serde_json::from_str(json)
        .map_err(|e| format!("{id}: unexpected answer from the datasets server: {e}"))?;
    let config = if listing.parquet_files.iter().any(|f| f.config == "default") {
        "default".to_string()
    } else {
        listing
            .parquet_files
            .first()
            .map(|f| f.config.clone())
            .ok_or_else(|| {
                if !listing.pending.is_empty() {
                    format!(
                        "{id}: the datasets server is still converting it to parquet ({}); try again in a few minutes",
                        names(&listing.pending)
                    )
                } else if !listing.failed.is_empty() {
                    format!(
                        "{id}: the datasets server could not convert it to parquet ({})",
                        names(&listing.failed)
                    )
                } else {
                    format!("{id}: the datasets server lists no parquet files")
                }
            })?
    };
    let partial = if listing.partial {
        ", partly converted: only the first part of each split"
    } else {
        ""
    };
    let mut files: Vec<Entry> = listing
        .parquet_files
        .into_iter()
        .filter(|f| f.config == config)
        .collect();
    files.sort_by(|a, b| {
        (split_rank(&a.split), &a.split, &a.filename).cmp(&(
            split_rank(&b.split),
            &b.split,
            &b.filename,
        ))
    });
    Ok(Manifest {
        name: Some(format!("{id} ({config}{partial})")),
        catalog: None,
        files: files
            .into_iter()
            .map(|f| ManifestFile {
                split: f.split,
                path: f.url,
                size: f.size,
                rows: None,
                footer_len: None,
                footer: None,
            })
            .collect(),
    })
}

/// A manifest from the Hub API `/api/datasets/{id}/parquet` answer:
/// `{config: {split: [url, ...]}}` (no sizes).
pub fn from_hub_parquet_api(id: &str, json: &str) -> Result<Manifest, String> {
    let v: serde_json::Value = serde_json::from_str(json)
        .map_err(|e| format!("{id}: unexpected answer from the Hub: {e}"))?;
    let configs = v
        .as_object()
        .ok_or(format!("{id}: unexpected answer from the Hub"))?;
    let (config, splits) = configs
        .get_key_value("default")
        .or_else(|| configs.iter().next())
        .ok_or(format!("{id}: the Hub lists no parquet files"))?;
    let mut files = Vec::new();
    let mut names: Vec<&String> = splits
        .as_object()
        .map(|o| o.keys().collect())
        .unwrap_or_default();
    names.sort_by_key(|s| (split_rank(s), s.to_string()));
    for split in names {
        for url in splits[split]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|u| u.as_str())
        {
            files.push(ManifestFile {
                split: split.clone(),
                path: url.to_string(),
                size: None,
                rows: None,
                footer_len: None,
                footer: None,
            });
        }
    }
    if files.is_empty() {
        return Err(format!("{id}: the Hub lists no parquet files"));
    }
    Ok(Manifest {
        name: Some(format!("{id} ({config})")),
        files,
        catalog: None,
    })
}

/// Where a global row number of the dataset lives: a file and the row within it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RowLocation {
    pub file: usize,
    /// Row within the file.
    pub row: u64,
}

/// Shards addressed as one table: global row → file and row within it. Files are known by
/// their row counts alone (from their footers, or from the manifest before a footer is
/// read); the row group is found in the file's footer once it is needed ([`row_group_of`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RowIndex {
    /// (file index, rows) in split order.
    files: Vec<(usize, u64)>,
}

impl RowIndex {
    /// Add a file and its row count; files must be added in split order.
    pub fn push(&mut self, file: usize, rows: u64) {
        self.files.push((file, rows));
    }

    /// Total rows.
    pub fn rows(&self) -> u64 {
        self.files.iter().map(|(_, n)| n).sum()
    }

    /// (file, rows) in dataset order.
    pub fn files(&self) -> &[(usize, u64)] {
        &self.files
    }

    /// Locate global row `row`, or `None` past the end.
    pub fn locate(&self, mut row: u64) -> Option<RowLocation> {
        for &(file, n) in &self.files {
            if row < n {
                return Some(RowLocation { file, row });
            }
            row -= n;
        }
        None
    }
}

/// The row group holding row `row` of a file whose row groups have `group_rows` rows, and
/// the row within that group; `None` past the file's end.
pub fn row_group_of(
    group_rows: impl IntoIterator<Item = u64>,
    mut row: u64,
) -> Option<(usize, usize)> {
    for (g, n) in group_rows.into_iter().enumerate() {
        if row < n {
            return Some((g, row as usize));
        }
        row -= n;
    }
    None
}

/// Where the engine reaches files on the visitor's disk: `{LOCAL_BASE}{index}/{name}`, a
/// host that cannot exist (`.invalid`), so nothing is ever requested from it; the host
/// reads them by index.
pub const LOCAL_BASE: &str = "https://local.gzv.invalid/";

/// The index of a local file from its URL.
pub fn local_index(url: &str) -> Option<usize> {
    url.strip_prefix(LOCAL_BASE)?
        .split('/')
        .next()?
        .parse()
        .ok()
}

/// The split a shard's name gives (`train-00000-of-00003.parquet`, `test.parquet`,
/// `validation/0000.parquet`), if any.
fn split_of_name(path: &str) -> Option<String> {
    let file = path.rsplit('/').next().unwrap_or(path);
    let stem = file.strip_suffix(".parquet")?;
    let known = |s: &str| matches!(s, "train" | "test" | "validation" | "valid" | "val" | "dev");
    // `{split}-{n}-of-{m}`
    let mut parts = stem.rsplitn(4, '-');
    if let (Some(m), Some("of"), Some(n), Some(split)) =
        (parts.next(), parts.next(), parts.next(), parts.next())
        && !split.is_empty()
        && m.chars().all(|c| c.is_ascii_digit())
        && n.chars().all(|c| c.is_ascii_digit())
    {
        return Some(split.to_string());
    }
    if known(stem) {
        return Some(stem.to_string());
    }
    // a folder named for the split
    let folder = path.rsplit('/').nth(1)?;
    known(folder).then(|| folder.to_string())
}

/// A manifest for files on the visitor's disk: the parquet files among them, split by
/// their names (`train-00000-of-00003.parquet`), else all in one split (`local`); train
/// first, then validation and test, each in name order. Indices into `files` are kept in
/// the paths (see [`LOCAL_BASE`]).
pub fn local_manifest(files: &[(String, u64)]) -> Option<Manifest> {
    let named: Vec<(usize, Option<String>)> = files
        .iter()
        .enumerate()
        .filter(|(_, (n, _))| n.to_ascii_lowercase().ends_with(".parquet"))
        .map(|(i, (n, _))| (i, split_of_name(n)))
        .collect();
    if named.is_empty() {
        return None;
    }
    // splits only when every file names one
    let split = named.iter().all(|(_, s)| s.is_some());
    let mut out: Vec<(String, usize)> = named
        .into_iter()
        .map(|(i, s)| {
            (
                if split {
                    s.unwrap_or_default()
                } else {
                    "local".into()
                },
                i,
            )
        })
        .collect();
    out.sort_by(|a, b| {
        (split_rank(&a.0), &a.0, &files[a.1].0).cmp(&(split_rank(&b.0), &b.0, &files[b.1].0))
    });
    let folder = files
        .first()
        .and_then(|(n, _)| n.split_once('/').map(|(f, _)| f.to_string()))
        .filter(|f| files.iter().all(|(n, _)| n.starts_with(&format!("{f}/"))));
    let name = match (&folder, out.len()) {
        (Some(f), n) => format!(
            "{f} (a folder of {n} parquet file{} on this computer)",
            if n == 1 { "" } else { "s" }
        ),
        (None, 1) => format!("{} (on this computer)", files[out[0].1].0),
        (None, n) => format!("{n} parquet files on this computer"),
    };
    Some(Manifest {
        name: Some(name),
        catalog: None,
        files: out
            .into_iter()
            .map(|(split, i)| ManifestFile {
                split,
                path: format!("{i}/{}", encode_path(&files[i].0)),
                size: Some(files[i].1),
                rows: None,
                footer_len: None,
                footer: None,
            })
            .collect(),
    })
}

/// A file's path as a URL path: every byte but unreserved ones and `/` percent-encoded.
fn encode_path(path: &str) -> String {
    let mut out = String::new();
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The name of a local file from its URL (as the page named it).
pub fn local_name(url: &str) -> Option<String> {
    let rest = url.strip_prefix(LOCAL_BASE)?.split_once('/')?.1;
    let bytes = rest.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(v) = rest
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(v);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn default_split() -> String {
    "train".into()
}

impl Manifest {
    /// Parse a manifest, with a message a user can act on.
    pub fn parse(url: &str, text: &str) -> Result<Manifest, String> {
        let m: Manifest = serde_json::from_str(text).map_err(|e| {
            format!("{url} is not a dataset manifest (expected {{\"files\": [...]}}): {e}")
        })?;
        if m.files.is_empty() {
            return Err(format!("{url}: the manifest lists no files"));
        }
        Ok(m)
    }

    /// A one-file dataset for a bare parquet URL.
    pub fn single(url: &str) -> Manifest {
        Manifest {
            name: None,
            catalog: None,
            files: vec![ManifestFile {
                split: default_split(),
                path: url.into(),
                size: None,
                rows: None,
                footer_len: None,
                footer: None,
            }],
        }
    }
}

/// What one file's footer says.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
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
        compressions: chunks()
            .map(|c| codec_name(c.compression()).to_string())
            .collect(),
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
mod local_tests {
    use super::*;

    fn files(names: &[&str]) -> Vec<(String, u64)> {
        names.iter().map(|n| (n.to_string(), 100)).collect()
    }

    #[test]
    fn local_files_split_by_their_names_else_one_split() {
        let m = local_manifest(&files(&[
            "gz/test-00000-of-00001.parquet",
            "gz/README.md",
            "gz/train-00001-of-00002.parquet",
            "gz/train-00000-of-00002.parquet",
        ]))
        .unwrap();
        let got: Vec<(&str, &str)> = m
            .files
            .iter()
            .map(|f| (f.split.as_str(), f.path.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("train", "3/gz/train-00000-of-00002.parquet"),
                ("train", "2/gz/train-00001-of-00002.parquet"),
                ("test", "0/gz/test-00000-of-00001.parquet"),
            ]
        );
        assert_eq!(
            m.name.as_deref(),
            Some("gz (a folder of 3 parquet files on this computer)")
        );
        assert!(m.files.iter().all(|f| f.size == Some(100)));
        // names without splits: one split
        let m = local_manifest(&files(&[
            "b.parquet",
            "train-00000-of-00001.parquet",
            "a.PARQUET",
        ]))
        .unwrap();
        assert!(m.files.iter().all(|f| f.split == "local"));
        assert_eq!(m.files[0].path, "2/a.PARQUET");
        assert_eq!(m.name.as_deref(), Some("3 parquet files on this computer"));
        let m = local_manifest(&files(&["data/validation/x.parquet"])).unwrap();
        assert_eq!(m.files[0].split, "validation");
        assert_eq!(
            m.name.as_deref(),
            Some("data (a folder of 1 parquet file on this computer)")
        );
        assert_eq!(local_manifest(&files(&["notes.txt"])), None);
        assert_eq!(local_manifest(&[]), None);
    }

    #[test]
    fn local_names_survive_their_urls() {
        let name = "my data/#1 ?é%.parquet";
        let m = local_manifest(&[(name.to_string(), 5)]).unwrap();
        let base = crate::io::WebUrl::parse(LOCAL_BASE).unwrap();
        let url = base.join(&m.files[0].path).unwrap();
        assert_eq!(local_index(url.as_str()), Some(0));
        assert_eq!(local_name(url.as_str()).as_deref(), Some(name));
        assert_eq!(local_index("https://example.org/0/a.parquet"), None);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_paths_resolve_like_links_through_the_gate() {
        let join_url = |base: &str, rel: &str| {
            crate::io::WebUrl::parse(base)
                .and_then(|b| b.join(rel))
                .map(|u| u.to_string())
                .unwrap_or_else(|e| e.to_string())
        };
        let base = "http://127.0.0.1:8080/sample/index.json?x=1";
        assert_eq!(
            join_url(base, "data/a.parquet"),
            "http://127.0.0.1:8080/sample/data/a.parquet"
        );
        assert_eq!(
            join_url(base, "./data/a.parquet"),
            "http://127.0.0.1:8080/sample/data/a.parquet"
        );
        assert_eq!(
            join_url(base, "/b.parquet"),
            "http://127.0.0.1:8080/b.parquet"
        );
        assert_eq!(
            join_url(base, "https://hf.co/x.parquet"),
            "https://hf.co/x.parquet"
        );
        assert_eq!(
            join_url("https://h.org", "a.parquet"),
            "https://h.org/a.parquet"
        );
        assert_eq!(join_url("http://h/x/", "a"), "http://h/x/a");
        assert_eq!(join_url("http://h/x", "//cdn/a"), "http://cdn/a");
        assert!(join_url(base, "javascript:alert(1)").contains("was refused"));
    }

    #[test]
    fn hugging_face_listings_become_manifests() {
        let ds = r#"{"parquet_files":[
            {"dataset":"o/n","config":"default","split":"test","url":"https://h/t0.parquet","filename":"0000.parquet","size":30},
            {"dataset":"o/n","config":"tiny","split":"train","url":"https://h/x.parquet","filename":"0000.parquet","size":1},
            {"dataset":"o/n","config":"default","split":"train","url":"https://h/1.parquet","filename":"0001.parquet","size":20},
            {"dataset":"o/n","config":"default","split":"train","url":"https://h/0.parquet","filename":"0000.parquet","size":10}],
            "pending":[],"failed":[],"partial":false}"#;
        let m = from_datasets_server("o/n", ds).unwrap();
        let got: Vec<(&str, &str, Option<u64>)> = m
            .files
            .iter()
            .map(|f| (f.split.as_str(), f.path.as_str(), f.size))
            .collect();
        assert_eq!(
            got,
            vec![
                ("train", "https://h/0.parquet", Some(10)),
                ("train", "https://h/1.parquet", Some(20)),
                ("test", "https://h/t0.parquet", Some(30))
            ]
        );
        assert!(
            from_datasets_server("o/n", r#"{"parquet_files":[]}"#)
                .unwrap_err()
                .contains("no parquet files")
        );
        let pending = r#"{"parquet_files":[],"pending":[{"kind":"config-parquet","dataset":"o/n","config":"default","split":null}],"failed":[],"partial":false}"#;
        let e = from_datasets_server("o/n", pending).unwrap_err();
        assert!(
            e.contains("still converting") && e.contains("default"),
            "{e}"
        );
        let failed = r#"{"parquet_files":[],"pending":[],"failed":[{"dataset":"o/n","config":"big","split":"train"}],"partial":false}"#;
        let e = from_datasets_server("o/n", failed).unwrap_err();
        assert!(
            e.contains("could not convert") && e.contains("big/train"),
            "{e}"
        );
        let partial = ds.replace(r#""partial":false"#, r#""partial":true"#);
        let m = from_datasets_server("o/n", &partial).unwrap();
        assert!(
            m.name
                .as_deref()
                .is_some_and(|n| n.contains("partly converted")),
            "{:?}",
            m.name
        );
        assert!(
            from_datasets_server("o/n", "<html>")
                .unwrap_err()
                .contains("unexpected answer")
        );
        let hub = r#"{"default":{"test":["https://h/t.parquet"],"train":["https://h/a.parquet","https://h/b.parquet"]}}"#;
        let m = from_hub_parquet_api("o/n", hub).unwrap();
        assert_eq!(
            m.files.iter().map(|f| f.split.as_str()).collect::<Vec<_>>(),
            ["train", "train", "test"]
        );
        assert!(
            is_dataset_id("mwalmsley/gz_desi")
                && !is_dataset_id("gz_desi")
                && !is_dataset_id("a/b/c")
                && !is_dataset_id("a/<b>")
        );
    }

    #[test]
    fn global_rows_map_to_shard_row_group_and_row() {
        let mut idx = RowIndex::default();
        idx.push(0, 250);
        idx.push(3, 100);
        assert_eq!(idx.rows(), 350);
        assert_eq!(idx.locate(0), Some(RowLocation { file: 0, row: 0 }));
        assert_eq!(idx.locate(249), Some(RowLocation { file: 0, row: 249 }));
        assert_eq!(idx.locate(250), Some(RowLocation { file: 3, row: 0 }));
        assert_eq!(idx.locate(350), None);
        let groups = [100u64, 100, 50];
        assert_eq!(row_group_of(groups, 0), Some((0, 0)));
        assert_eq!(row_group_of(groups, 199), Some((1, 99)));
        assert_eq!(row_group_of(groups, 249), Some((2, 49)));
        assert_eq!(row_group_of(groups, 250), None);
        assert_eq!(
            row_group_of([0u64, 5], 0),
            Some((1, 0)),
            "empty row groups are skipped"
        );
    }

    #[test]
    fn embedded_footers_decode_or_are_ignored() {
        let f = |footer: &str| ManifestFile {
            split: "train".into(),
            path: "a".into(),
            size: None,
            rows: None,
            footer_len: None,
            footer: Some(footer.into()),
        };
        assert_eq!(
            f("AAAAAAAAAAAAAABQQVIx").footer_bytes().map(|b| b.len()),
            Some(15)
        ); // ...PAR1
        assert_eq!(f("not base64!").footer_bytes(), None);
        assert_eq!(f("AAAA").footer_bytes(), None);
    }

    #[test]
    fn manifest_parses_with_defaults_and_explains_failures() {
        let m = Manifest::parse(
            "i.json",
            r#"{"files":[{"path":"a.parquet","size":10},{"split":"test","path":"b.parquet"}]}"#,
        )
        .unwrap();
        assert_eq!(m.files[0].split, "train");
        assert_eq!(m.files[0].size, Some(10));
        assert_eq!(m.files[1].size, None);
        let e = Manifest::parse("i.json", "<html>").unwrap_err();
        assert!(e.contains("i.json is not a dataset manifest"), "{e}");
        assert!(
            Manifest::parse("i.json", r#"{"files":[]}"#)
                .unwrap_err()
                .contains("no files")
        );
    }
}
