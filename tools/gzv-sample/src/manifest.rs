//! `index.json` for a folder of parquet files: what a static host cannot list by itself
//! (files, splits, sizes, rows) plus each footer's length, so the viewer reads every
//! footer in exactly one request, and optionally the footers themselves, so a cold open
//! needs no footer request at all.

use base64::Engine;
use serde::Serialize;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

/// The manifest as written.
#[derive(Serialize, Debug, Clone)]
pub struct Manifest {
    pub format: &'static str,
    pub name: String,
    pub files: Vec<ManifestFile>,
    /// The catalog sidecar (`gzv-catalog`), when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub catalog: Option<ManifestFile>,
}

/// One parquet file; `path` is relative to the manifest.
#[derive(Serialize, Debug, Clone)]
pub struct ManifestFile {
    pub split: String,
    pub path: String,
    pub size: u64,
    pub rows: u64,
    /// Bytes at the end of the file to read first: the footer (metadata + 8) and, when the
    /// file has page indexes, those too (they sit just before the footer), so reading
    /// selected pages later needs no extra request.
    pub footer_len: u64,
    /// The footer bytes themselves, base64, when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub footer: Option<String>,
}

/// Format tag of the manifest.
pub const FORMAT: &str = "gzv-manifest/1";

/// The split of a HuggingFace-style shard name (`train-00000-of-00002.parquet`), else the
/// name of the folder holding the file, else `train`.
pub fn split_of(rel: &Path) -> String {
    let name = rel.file_name().and_then(|n| n.to_str()).unwrap_or("");
    if let Some((split, rest)) = name.split_once('-')
        && rest.contains("-of-")
    {
        return split.to_string();
    }
    rel.parent()
        .and_then(|p| p.file_name())
        .and_then(|n| n.to_str())
        .filter(|n| !n.is_empty() && *n != "data")
        .unwrap_or("train")
        .to_string()
}

/// Describe one parquet file (`rel` is its path relative to `root`).
pub fn describe(root: &Path, rel: &Path, embed_footer: bool) -> Result<ManifestFile, String> {
    let path = root.join(rel);
    let err = |e: &dyn std::fmt::Display| format!("{}: {e}", path.display());
    let mut f = File::open(&path).map_err(|e| err(&e))?;
    let size = f.metadata().map_err(|e| err(&e))?.len();
    if size < 12 {
        return Err(err(&"too short to be parquet"));
    }
    let mut tail = [0u8; 8];
    f.seek(SeekFrom::Start(size - 8)).map_err(|e| err(&e))?;
    f.read_exact(&mut tail).map_err(|e| err(&e))?;
    if &tail[4..] != b"PAR1" {
        return Err(err(&"not a parquet file (footer != PAR1)"));
    }
    let footer_len = u32::from_le_bytes([tail[0], tail[1], tail[2], tail[3]]) as u64 + 8;
    if footer_len > size {
        return Err(err(&"corrupt footer length"));
    }
    let mut footer = vec![0u8; footer_len as usize];
    f.seek(SeekFrom::Start(size - footer_len))
        .map_err(|e| err(&e))?;
    f.read_exact(&mut footer).map_err(|e| err(&e))?;
    let meta = parquet::file::metadata::ParquetMetaDataReader::decode_metadata(
        &footer[..footer.len() - 8],
    )
    .map_err(|e| err(&e))?;
    let page_index_start = meta
        .row_groups()
        .iter()
        .flat_map(|rg| rg.columns())
        .flat_map(|c| [c.column_index_offset(), c.offset_index_offset()])
        .flatten()
        .filter(|&o| o >= 0)
        .min()
        .map(|o| o as u64)
        .filter(|&o| o < size - footer_len);
    let footer_len = page_index_start.map(|o| size - o).unwrap_or(footer_len);
    Ok(ManifestFile {
        split: split_of(rel),
        path: rel.to_string_lossy().replace('\\', "/"),
        size,
        rows: meta.file_metadata().num_rows().max(0) as u64,
        footer_len,
        footer: embed_footer.then(|| base64::engine::general_purpose::STANDARD.encode(&footer)),
    })
}

/// Every `.parquet` file under `root`, sorted, as paths relative to it.
pub fn find_parquet(root: &Path) -> Result<Vec<PathBuf>, String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
        let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(root, &p, out)?;
            } else if p.extension().is_some_and(|x| x == "parquet") {
                out.push(p.strip_prefix(root).map(Path::to_path_buf).unwrap_or(p));
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(root, root, &mut out)?;
    // train before test before others, then by name
    out.sort_by_key(|p| {
        let split = split_of(p);
        let rank = match split.as_str() {
            "train" => 0,
            "validation" => 1,
            "test" => 2,
            _ => 3,
        };
        (rank, split, p.clone())
    });
    Ok(out)
}

/// Write `root/index.json` describing every parquet file under `root`.
pub fn write_for_folder(root: &Path, name: &str, embed_footers: bool) -> Result<Manifest, String> {
    let files = find_parquet(root)?
        .iter()
        .map(|rel| describe(root, rel, embed_footers))
        .collect::<Result<Vec<_>, _>>()?;
    if files.is_empty() {
        return Err(format!("{}: no .parquet files found", root.display()));
    }
    let manifest = Manifest {
        format: FORMAT,
        name: name.to_string(),
        files,
        catalog: None,
    };
    let json = serde_json::to_string_pretty(&manifest).map_err(|e| e.to_string())?;
    std::fs::write(root.join("index.json"), json + "\n")
        .map_err(|e| format!("{}: {e}", root.display()))?;
    Ok(manifest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_from_names_and_folders() {
        assert_eq!(
            split_of(Path::new("data/train-00000-of-00002.parquet")),
            "train"
        );
        assert_eq!(
            split_of(Path::new("data/test-00003-of-00007.parquet")),
            "test"
        );
        assert_eq!(split_of(Path::new("validation/0000.parquet")), "validation");
        assert_eq!(split_of(Path::new("x.parquet")), "train");
    }
}
