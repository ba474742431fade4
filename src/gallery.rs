//! The gallery's arithmetic, free of the browser: which cells a scroll position shows,
//! which thumbnails to fetch (in row-group batches, in visible order), which fetches to
//! drop when the user has scrolled past them, and which thumbnails to keep.

use std::collections::{HashMap, HashSet};
use std::ops::Range;

/// Smallest cell edge in CSS pixels (thumbnail and its margin).
pub const CELL_PX: f64 = 112.0;
/// Rows of cells laid out beyond each edge of the viewport, so a slow scroll finds them
/// ready.
pub const OVERSCAN_ROWS: usize = 2;
/// Largest batch: a row group's wanted rows are fetched together, in pieces of at most
/// this many, so the first thumbnails do not wait for the last.
pub const MAX_BATCH: usize = 64;

/// A grid of square cells filling a width.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Layout {
    pub cols: usize,
    /// Cell edge in CSS pixels.
    pub cell: f64,
}

impl Layout {
    /// As many columns of at least `min_cell` pixels as fit in `width` (at least one).
    pub fn new(width: f64, min_cell: f64) -> Self {
        let min_cell = if min_cell.is_finite() && min_cell > 1.0 {
            min_cell
        } else {
            CELL_PX
        };
        if !width.is_finite() || width < min_cell {
            return Layout {
                cols: 1,
                cell: min_cell,
            };
        }
        let cols = (width / min_cell).floor().max(1.0) as usize;
        Layout {
            cols,
            cell: width / cols as f64,
        }
    }

    /// Grid rows for `n` cells.
    pub fn rows(&self, n: usize) -> usize {
        n.div_ceil(self.cols)
    }

    /// Height of the whole grid of `n` cells.
    pub fn height(&self, n: usize) -> f64 {
        self.rows(n) as f64 * self.cell
    }

    /// Cells in grid rows meeting the viewport (`scroll_top`, `view_h`) widened by
    /// `overscan` rows on each side, clamped to `n`.
    pub fn window(&self, n: usize, scroll_top: f64, view_h: f64, overscan: usize) -> Range<usize> {
        if n == 0 {
            return 0..0;
        }
        let top = if scroll_top.is_finite() {
            scroll_top.max(0.0)
        } else {
            0.0
        };
        let h = if view_h.is_finite() {
            view_h.max(0.0)
        } else {
            0.0
        };
        let last_row = self.rows(n) - 1;
        let first = ((top / self.cell).floor() as usize).min(last_row);
        let end = (((top + h) / self.cell).ceil() as usize).max(first + 1);
        let first = first.saturating_sub(overscan);
        let end = (end + overscan).min(last_row + 1);
        (first * self.cols)..(end * self.cols).min(n)
    }

    /// Where cell `index` sits: (grid row, column).
    pub fn position(&self, index: usize) -> (usize, usize) {
        (index / self.cols, index % self.cols)
    }
}

/// Where a row's image is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Locate {
    /// File, row group, row within the row group.
    At(usize, usize, usize),
    /// The file's footer has not been read yet, so its row groups are unknown.
    NeedsFooter(usize),
    /// Not a row of the dataset (or its file cannot be read).
    Nowhere,
}

/// Rows of one row group to fetch together.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Batch {
    pub id: u64,
    pub file: usize,
    pub row_group: usize,
    /// (global row, row within the row group), offsets ascending and distinct.
    pub rows: Vec<(u64, usize)>,
}

impl Batch {
    pub fn offsets(&self) -> Vec<usize> {
        self.rows.iter().map(|&(_, o)| o).collect()
    }
}

/// What to do after the wanted cells changed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Plan {
    /// Batches in flight none of whose rows is wanted any more: cancel them.
    pub abort: Vec<u64>,
    /// New batches, in the order of their first wanted row.
    pub start: Vec<Batch>,
    /// Files whose footers must be read before their rows can be batched.
    pub footers: Vec<usize>,
    /// Wanted rows that are nowhere.
    pub nowhere: Vec<u64>,
}

/// (file, row group, (row, offset)s) gathered for one batch.
type Group = (usize, usize, Vec<(u64, usize)>);

/// Batches in flight, by id, with their rows.
#[derive(Debug, Default)]
pub struct Scheduler {
    next: u64,
    live: Vec<(u64, Vec<u64>)>,
}

impl Scheduler {
    /// Plan fetches for `wanted` (in visible order): drop batches no longer wanted, batch
    /// rows neither held (`have`) nor in flight by row group, at most `max_batch` a batch.
    pub fn plan(
        &mut self,
        wanted: &[u64],
        have: impl Fn(u64) -> bool,
        locate: impl Fn(u64) -> Locate,
        max_batch: usize,
    ) -> Plan {
        let max_batch = max_batch.max(1);
        let mut plan = Plan {
            abort: self.prune(wanted),
            ..Plan::default()
        };
        let in_flight: HashSet<u64> = self
            .live
            .iter()
            .flat_map(|(_, r)| r.iter().copied())
            .collect();
        // (file, row group) → index of its open batch in `groups`
        let mut open: HashMap<(usize, usize), usize> = HashMap::new();
        let mut groups: Vec<Group> = Vec::new();
        let mut seen = HashSet::new();
        for &row in wanted {
            if have(row) || in_flight.contains(&row) || !seen.insert(row) {
                continue;
            }
            match locate(row) {
                Locate::At(file, rg, offset) => {
                    let at = match open.get(&(file, rg)) {
                        Some(&g) if groups[g].2.len() < max_batch => g,
                        _ => {
                            groups.push((file, rg, Vec::new()));
                            open.insert((file, rg), groups.len() - 1);
                            groups.len() - 1
                        }
                    };
                    groups[at].2.push((row, offset));
                }
                Locate::NeedsFooter(file) => {
                    if !plan.footers.contains(&file) {
                        plan.footers.push(file);
                    }
                }
                Locate::Nowhere => plan.nowhere.push(row),
            }
        }
        for (file, row_group, mut rows) in groups {
            rows.sort_by_key(|&(_, o)| o);
            rows.dedup_by_key(|&mut (_, o)| o);
            let id = self.next;
            self.next += 1;
            self.live.push((id, rows.iter().map(|&(r, _)| r).collect()));
            plan.start.push(Batch {
                id,
                file,
                row_group,
                rows,
            });
        }
        plan
    }

    /// Drop the batches none of whose rows is in `wanted` (the user scrolled past them);
    /// their ids, to cancel. Cheap enough for every scroll event.
    pub fn prune(&mut self, wanted: &[u64]) -> Vec<u64> {
        let wanted_set: HashSet<u64> = wanted.iter().copied().collect();
        let mut out = Vec::new();
        self.live.retain(|(id, rows)| {
            let keep = rows.iter().any(|r| wanted_set.contains(r));
            if !keep {
                out.push(*id);
            }
            keep
        });
        out
    }

    /// A batch finished (or failed, or was cancelled).
    pub fn finished(&mut self, id: u64) {
        self.live.retain(|(i, _)| *i != id);
    }

    /// Batches in flight.
    pub fn live(&self) -> usize {
        self.live.len()
    }

    /// Forget every batch (the caller cancels them).
    pub fn clear(&mut self) -> Vec<u64> {
        self.live.drain(..).map(|(id, _)| id).collect()
    }
}

/// Thumbnails kept by row, least recently used evicted past a capacity.
#[derive(Debug)]
pub struct Lru<T> {
    map: HashMap<u64, (T, u64)>,
    tick: u64,
    cap: usize,
}

impl<T> Lru<T> {
    pub fn new(cap: usize) -> Self {
        Lru {
            map: HashMap::new(),
            tick: 0,
            cap: cap.max(1),
        }
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    pub fn contains(&self, row: u64) -> bool {
        self.map.contains_key(&row)
    }

    pub fn peek(&self, row: u64) -> Option<&T> {
        self.map.get(&row).map(|(t, _)| t)
    }

    /// Mark rows as just used (the visible ones), in order.
    pub fn touch(&mut self, rows: &[u64]) {
        for r in rows {
            if let Some((_, t)) = self.map.get_mut(r) {
                self.tick += 1;
                *t = self.tick;
            }
        }
    }

    /// Keep `value` for `row`; returns what was evicted (to release), never `row` itself.
    pub fn insert(&mut self, row: u64, value: T) -> Vec<T> {
        self.tick += 1;
        let mut out = Vec::new();
        if let Some((old, _)) = self.map.insert(row, (value, self.tick)) {
            out.push(old);
        }
        if self.map.len() > self.cap {
            // evict down to three quarters, oldest first: one sort per many inserts
            let keep = self.cap * 3 / 4;
            let mut ages: Vec<(u64, u64)> = self.map.iter().map(|(&r, &(_, t))| (t, r)).collect();
            ages.sort_unstable();
            for &(_, r) in ages.iter().take(self.map.len().saturating_sub(keep)) {
                if r == row {
                    continue;
                }
                if let Some((v, _)) = self.map.remove(&r) {
                    out.push(v);
                }
            }
        }
        out
    }

    /// Everything, to release.
    pub fn drain(&mut self) -> Vec<T> {
        self.map.drain().map(|(_, (v, _))| v).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_fills_the_width_with_square_cells() {
        let l = Layout::new(600.0, 112.0);
        assert_eq!(l.cols, 5);
        assert!((l.cell - 120.0).abs() < 1e-9);
        assert_eq!(
            Layout::new(50.0, 112.0).cols,
            1,
            "narrower than a cell: one column"
        );
        assert_eq!(Layout::new(f64::NAN, 112.0).cols, 1);
        assert_eq!(l.rows(0), 0);
        assert_eq!(l.rows(11), 3);
        assert!((l.height(400_000) - 80_000.0 * 120.0).abs() < 1e-6);
        assert_eq!(l.position(12), (2, 2));
    }

    #[test]
    fn the_window_covers_the_viewport_and_no_more_than_the_overscan() {
        let l = Layout::new(600.0, 112.0); // 5 columns of 120 px
        let n = 400_000;
        // top: rows 0..4 visible (480 px), two rows of overscan below only
        assert_eq!(l.window(n, 0.0, 480.0, 2), 0..30);
        // scrolled to row 1000 exactly: rows 998..1006
        assert_eq!(l.window(n, 120_000.0, 480.0, 2), 998 * 5..1006 * 5);
        // half a row in: the partly visible row counts
        assert_eq!(l.window(n, 120_060.0, 480.0, 0), 1000 * 5..1005 * 5);
        // at the end: clamped to n, the last row partial
        let end = l.window(n - 3, l.height(n), 480.0, 2);
        assert_eq!(end.end, n - 3);
        assert!(end.start < end.end);
        assert_eq!(l.window(0, 0.0, 480.0, 2), 0..0);
        assert_eq!(
            l.window(7, 0.0, 0.0, 0),
            0..5,
            "a zero-height view still shows a row"
        );
        assert_eq!(l.window(7, f64::NAN, f64::NAN, 0), 0..5);
        // however far it is scrolled, the window stays the viewport's size
        for top in [0.0, 1e3, 5e5, 9.5e6, 1e12] {
            let w = l.window(n, top, 480.0, 2);
            assert!(w.len() <= (4 + 1 + 4) * 5, "{top}: {w:?}");
        }
    }

    /// 3 files of 250 rows in row groups of 100 (the last of each file 50).
    fn locate(row: u64) -> Locate {
        if row >= 750 {
            return Locate::Nowhere;
        }
        let file = (row / 250) as usize;
        if file == 2 {
            return Locate::NeedsFooter(2);
        }
        let r = (row % 250) as usize;
        Locate::At(file, r / 100, r % 100)
    }

    #[test]
    fn batches_follow_row_groups_in_visible_order() {
        let mut s = Scheduler::default();
        let wanted: Vec<u64> = (95..110).chain(260..262).collect();
        let p = s.plan(&wanted, |_| false, locate, 32);
        let groups: Vec<(usize, usize, Vec<usize>)> = p
            .start
            .iter()
            .map(|b| (b.file, b.row_group, b.offsets()))
            .collect();
        assert_eq!(
            groups,
            vec![
                (0, 0, vec![95, 96, 97, 98, 99]),
                (0, 1, (0..10).collect()),
                (1, 0, vec![10, 11]),
            ]
        );
        assert_eq!(s.live(), 3);
        assert!(p.abort.is_empty() && p.footers.is_empty());
        // same window again: all in flight, nothing new
        assert_eq!(s.plan(&wanted, |_| false, locate, 32), Plan::default());
    }

    #[test]
    fn big_row_groups_are_cut_into_batches_of_at_most_the_limit() {
        let mut s = Scheduler::default();
        let wanted: Vec<u64> = (0..100).collect();
        let p = s.plan(&wanted, |_| false, locate, 32);
        let sizes: Vec<usize> = p.start.iter().map(|b| b.rows.len()).collect();
        assert_eq!(sizes, vec![32, 32, 32, 4]);
        assert_eq!(p.start[1].rows[0], (32, 32));
    }

    #[test]
    fn scrolling_past_cancels_what_is_no_longer_wanted_and_keeps_the_rest() {
        let mut s = Scheduler::default();
        let first: Vec<u64> = (0..20).collect();
        let a = s.plan(&first, |_| false, locate, 10);
        assert_eq!(a.start.len(), 2);
        // scroll so that rows 10..30 are wanted: batch 0 (rows 0..10) goes, batch 1 stays
        let second: Vec<u64> = (10..30).collect();
        let b = s.plan(&second, |_| false, locate, 10);
        assert_eq!(b.abort, vec![a.start[0].id]);
        assert_eq!(b.start.len(), 1);
        assert_eq!(b.start[0].offsets(), (20..30).collect::<Vec<_>>());
        // a batch that finished frees its rows; rows held are not fetched again
        s.finished(a.start[1].id);
        let c = s.plan(&second, |r| r < 20, locate, 10);
        assert!(c.start.is_empty(), "20..30 in flight, 10..20 held");
        // scrolled away entirely: pruning cancels the batch at once
        assert_eq!(s.prune(&[5000]), vec![b.start[0].id]);
        assert_eq!(s.live(), 0);
        let d = s.plan(&second, |r| r < 20, locate, 10);
        assert_eq!(d.start.len(), 1);
        assert_eq!(s.clear().len(), 1);
        assert_eq!(s.live(), 0);
    }

    #[test]
    fn rows_without_a_footer_ask_for_it_once_and_bad_rows_are_named() {
        let mut s = Scheduler::default();
        let wanted: Vec<u64> = vec![500, 501, 900, 5];
        let p = s.plan(&wanted, |_| false, locate, 32);
        assert_eq!(p.footers, vec![2]);
        assert_eq!(p.nowhere, vec![900]);
        assert_eq!(p.start.len(), 1);
        assert_eq!(p.start[0].rows, vec![(5, 5)]);
    }

    #[test]
    fn the_cache_evicts_the_least_recently_used_never_the_new_one() {
        let mut c = Lru::new(4);
        for r in 0..4 {
            assert!(c.insert(r, r * 10).is_empty());
        }
        c.touch(&[0]); // 0 is now the most recent
        let out = c.insert(4, 40);
        // over capacity: down to 3, dropping 1 and 2 (the oldest)
        assert_eq!(c.len(), 3);
        let mut out = out;
        out.sort();
        assert_eq!(out, vec![10, 20]);
        assert!(c.contains(0) && c.contains(3) && c.contains(4));
        assert_eq!(c.peek(4), Some(&40));
        assert_eq!(
            c.insert(4, 41),
            vec![40],
            "a replaced value is released too"
        );
        assert_eq!(c.drain().len(), 3);
        assert!(c.is_empty());
    }
}
