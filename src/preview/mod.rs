//! A plain preview of any table: each cell of every Arrow type as short text, column types
//! as short labels, and what a file's footer says (schema, row groups, statistics, page
//! index, key-value metadata). Pure: nothing here knows about the browser.

mod cells;
mod report;

pub use cells::{Cell, Kind, cell, type_label};
pub use report::{Coverage, FileReport, LeafReport, LeafStats, RowGroupReport, leaf_stats};

#[cfg(test)]
mod tests;

/// Rows of a virtualised table of `n` rows of `row_px` each whose viewport starts `top` px
/// down and is `height` px tall, with `overscan` rows on each side.
pub fn row_window(
    n: usize,
    top: f64,
    height: f64,
    row_px: f64,
    overscan: usize,
) -> std::ops::Range<usize> {
    if n == 0 || row_px <= 0.0 {
        return 0..0;
    }
    let first = (top.max(0.0) / row_px).floor() as usize;
    let last = ((top.max(0.0) + height.max(0.0)) / row_px).ceil() as usize;
    first.saturating_sub(overscan).min(n)..last.saturating_add(overscan).min(n)
}
