//! Deterministic generator of a Galaxy Zoo DESI-like dataset: gz_desi's exact schema and
//! column order, procedurally rendered galaxy JPEGs, decision-tree-consistent vote counts,
//! positions in the DESI Legacy Surveys footprint, written as HuggingFace-style parquet
//! shards in either HuggingFace layout, plus a small JSON manifest for static hosting.

pub mod catalog;
pub mod fixtures;
pub mod manifest;
pub mod morph;
pub mod render;
pub mod rng;
pub mod sky;
pub mod write;

pub use write::{Layout, Options, generate};
