//! GZ Viewer: Galaxy Zoo DESI (and any HuggingFace image parquet) in the browser, read
//! with HTTP range requests from static hosting.
//!
//! Data flows one way: `io` (byte ranges) → `decode` (parquet → Arrow) → `table`,
//! `dataset` (what the columns and files are), `gz` (what the votes mean) → `imaging`
//! (pixels) → `ui`. Only `web`
//! and `ui` touch the browser; everything else builds and is tested natively.

pub mod dataset;
pub mod decode;
pub mod engine;
pub mod entry;
pub mod gallery;
pub mod gz;
pub mod imaging;
pub mod order;
pub mod sky;
pub mod table;

/// Byte-range sources (a crate of its own: `crates/gzv-io`).
pub use gzv_io as io;
pub mod preview;
#[cfg(target_arch = "wasm32")]
pub mod ui;
#[cfg(target_arch = "wasm32")]
pub mod web;
