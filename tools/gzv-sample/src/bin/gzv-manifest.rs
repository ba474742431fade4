//! `gzv-manifest DIR [--name NAME] [--footers]`: write DIR/index.json for the parquet files
//! under DIR, so GZ Viewer can open them from static hosting (`?url=.../index.json`).

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut dir = None;
    let mut name = None;
    let mut footers = false;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--footers" => footers = true,
            "--name" => name = args.next(),
            "-h" | "--help" => {
                eprintln!(
                    "usage: gzv-manifest DIR [--name NAME] [--footers]\n  --footers  embed each footer (base64) so opening needs no footer request"
                );
                return ExitCode::SUCCESS;
            }
            _ if dir.is_none() => dir = Some(PathBuf::from(a)),
            other => {
                eprintln!("gzv-manifest: unexpected argument {other}");
                return ExitCode::from(2);
            }
        }
    }
    let Some(dir) = dir else {
        eprintln!("usage: gzv-manifest DIR [--name NAME] [--footers]");
        return ExitCode::from(2);
    };
    let name = name.unwrap_or_else(|| {
        dir.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    });
    match gzv_sample::manifest::write_for_folder(&dir, &name, footers) {
        Ok(m) => {
            let rows: u64 = m.files.iter().map(|f| f.rows).sum();
            eprintln!(
                "gzv-manifest: {} files, {rows} rows → {}",
                m.files.len(),
                dir.join("index.json").display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("gzv-manifest: {e}");
            ExitCode::FAILURE
        }
    }
}
