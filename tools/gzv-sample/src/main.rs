//! `gzv-sample`: write the sample dataset. Run with `--help` for options.

use gzv_sample::{Layout, Options, generate};
use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "usage: gzv-sample [--out DIR] [--rows N] [--rows-per-shard N] [--seed N]
                  [--layout legacy|new] [--unique-images N] [--jpeg-quality Q]
                  [--train-fraction F]

Writes DIR/data/{train,test}-0000K-of-0000N.parquet and DIR/index.json.
  --out             output folder (default: sample)
  --rows            total galaxies, 80 % train / 20 % test (default: 2500)
  --rows-per-shard  rows per parquet file (default: 1000)
  --layout          legacy: row groups of 100 rows, snappy, dictionary-encoded images
                    (HuggingFace 2023-2025); new: one row group per file, page index,
                    uncompressed PLAIN images (HuggingFace since 2025-09). Default legacy.
  --unique-images   render at most N distinct galaxies and reuse them (default: 2500)
  --jpeg-quality    JPEG quality 1-100 (default: 90; ~37 kB per image, gz_desi's are ~43 kB)
  --train-fraction  share of rows in the train split (default: 0.8)
  --seed            random seed (default: 2024); same seed, same bytes";

fn parse() -> Result<Options, String> {
    let mut o = Options::default();
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        if flag == "--help" || flag == "-h" {
            return Err(String::new());
        }
        let value = args.next().ok_or(format!("{flag} needs a value"))?;
        let num = |v: &str| {
            v.parse::<u64>()
                .map_err(|_| format!("{flag}: not a number: {v}"))
        };
        match flag.as_str() {
            "--out" => o.out = PathBuf::from(value),
            "--rows" => o.rows = num(&value)? as usize,
            "--rows-per-shard" => o.rows_per_shard = num(&value)?.max(1) as usize,
            "--unique-images" => o.unique_images = num(&value)?.max(1) as usize,
            "--seed" => o.seed = num(&value)?,
            "--jpeg-quality" => o.jpeg_quality = num(&value)?.clamp(1, 100) as u8,
            "--train-fraction" => {
                o.train_fraction = value
                    .parse::<f64>()
                    .ok()
                    .filter(|f| (0.0..=1.0).contains(f))
                    .ok_or(format!("--train-fraction: expected 0..1, got {value}"))?
            }
            "--layout" => {
                o.layout = match value.as_str() {
                    "legacy" => Layout::Legacy,
                    "new" => Layout::New,
                    other => return Err(format!("--layout: expected legacy or new, got {other}")),
                }
            }
            other => return Err(format!("unknown option {other}")),
        }
    }
    Ok(o)
}

fn main() -> ExitCode {
    let options = match parse() {
        Ok(o) => o,
        Err(msg) => {
            if !msg.is_empty() {
                eprintln!("gzv-sample: {msg}\n");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match generate(&options, &mut |line| eprintln!("{line}")) {
        Ok(manifest) => {
            let rows: u64 = manifest.files.iter().map(|f| f.rows).sum();
            eprintln!(
                "gzv-sample: wrote {} files, {rows} rows, to {}",
                manifest.files.len(),
                options.out.display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("gzv-sample: {e}");
            ExitCode::FAILURE
        }
    }
}
