//! `gzv-catalog MANIFEST [--out FILE] [--threads N]`: build the catalog sidecar (every
//! row's id, ra, dec, file/row locator and vote counts) from the shards a manifest lists,
//! locally or over HTTP, and reference it from the manifest.
//!
//! - a local `index.json`: writes `catalog.parquet` beside it (or `--out`) and adds the
//!   `catalog` entry to that `index.json`;
//! - an `http(s)://…/index.json` (or a `--dataset`-style listing saved locally): reads the
//!   shards with range requests, writes `--out` and, beside it, an `index.json` listing the
//!   shards by absolute URL plus the catalog, ready for static hosting.

use gzv_sample::catalog::{self, Location};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

const USAGE: &str = "usage: gzv-catalog MANIFEST(.json path or URL) [--out FILE] [--threads N]";

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gzv-catalog: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let mut manifest = None;
    let mut out = None;
    let mut threads = 6usize;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--out" => out = args.next().map(PathBuf::from),
            "--threads" => threads = args.next().and_then(|n| n.parse().ok()).ok_or(USAGE)?,
            "-h" | "--help" => {
                eprintln!("{USAGE}");
                return Ok(());
            }
            _ if manifest.is_none() => manifest = Some(a),
            other => return Err(format!("unexpected argument {other}\n{USAGE}")),
        }
    }
    let manifest = manifest.ok_or(USAGE)?;
    let remote = manifest.starts_with("http://") || manifest.starts_with("https://");
    let requests = Arc::new(AtomicU64::new(0));
    let agent = ureq::AgentBuilder::new().build();
    let text = if remote {
        agent
            .get(&manifest)
            .call()
            .map_err(|e| format!("{manifest}: {e}"))?
            .into_string()
            .map_err(|e| format!("{manifest}: {e}"))?
    } else {
        std::fs::read_to_string(&manifest).map_err(|e| format!("{manifest}: {e}"))?
    };
    let v: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("{manifest}: {e}"))?;
    let paths: Vec<String> = v["files"]
        .as_array()
        .ok_or(format!("{manifest}: no files"))?
        .iter()
        .filter_map(|f| f["path"].as_str().map(str::to_string))
        .collect();
    let base = manifest
        .rsplit_once('/')
        .map(|(b, _)| b.to_string())
        .unwrap_or_else(|| ".".into());
    let absolute = |p: &str| {
        if p.contains("://") || p.starts_with('/') {
            p.to_string()
        } else {
            format!("{base}/{p}")
        }
    };
    let locations: Vec<Location> = paths
        .iter()
        .map(|p| {
            let at = absolute(p);
            if at.starts_with("http://") || at.starts_with("https://") {
                Location::Http {
                    url: at,
                    agent: agent.clone(),
                    requests: requests.clone(),
                }
            } else {
                Location::File(PathBuf::from(at))
            }
        })
        .collect();
    let out = out.unwrap_or_else(|| {
        if remote {
            PathBuf::from("catalog.parquet")
        } else {
            PathBuf::from(&base).join("catalog.parquet")
        }
    });
    let started = std::time::Instant::now();
    let report = catalog::build(&locations, &out, threads, &|line| eprintln!("  {line}"))?;
    eprintln!(
        "gzv-catalog: {} rows of {} files → {} ({:.1} MB) in {:.1} s{}",
        report.rows,
        report.files,
        out.display(),
        report.bytes as f64 / 1e6,
        started.elapsed().as_secs_f64(),
        if remote {
            format!(", {} HTTP requests", requests.load(Ordering::Relaxed))
        } else {
            String::new()
        }
    );
    if remote {
        // a manifest beside the catalog naming the shards by absolute URL
        let mut local = v.clone();
        if let Some(files) = local["files"].as_array_mut() {
            for f in files {
                if let Some(p) = f["path"].as_str().map(absolute) {
                    f["path"] = serde_json::Value::String(p);
                }
            }
        }
        let at = out
            .parent()
            .map(|p| {
                if p.as_os_str().is_empty() {
                    PathBuf::from(".")
                } else {
                    p.to_path_buf()
                }
            })
            .unwrap_or_default()
            .join("index.json");
        std::fs::write(
            &at,
            serde_json::to_string_pretty(&local).map_err(|e| e.to_string())? + "\n",
        )
        .map_err(|e| format!("{}: {e}", at.display()))?;
        catalog::add_to_manifest(&at, &report.entry)?;
        eprintln!("gzv-catalog: wrote {}", at.display());
    } else {
        catalog::add_to_manifest(std::path::Path::new(&manifest), &report.entry)?;
        eprintln!("gzv-catalog: added the catalog to {manifest}");
    }
    Ok(())
}
