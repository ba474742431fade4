//! A plain preview of any table: each cell of every Arrow type as short text, column types
//! as short labels, and what a file's footer says (schema, row groups, statistics, page
//! index, key-value metadata). Pure: nothing here knows about the browser.

mod cells;
mod report;

pub use cells::{Cell, Kind, cell, type_label};
pub use report::{Coverage, FileReport, LeafReport, LeafStats, RowGroupReport, leaf_stats};

#[cfg(test)]
mod tests;
