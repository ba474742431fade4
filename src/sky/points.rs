//! The galaxies of the sky map in compact arrays: one slot per row of every file that has
//! positions, allocated up front and filled as row groups arrive (in any order), so the map
//! can draw what has arrived while the rest streams in.

use super::all_ones;
use super::grid::{GridBuild, SkyGrid};
use super::projection::unit_vector;

/// Ids of a run of consecutive slots, stored as one string and end offsets.
#[derive(Clone, Debug, Default, PartialEq)]
struct IdRun {
    start: usize,
    text: String,
    ends: Vec<u32>,
}

/// Positions (f32 degrees), unit vectors, global rows, ids and colour values of every slot.
#[derive(Debug, Default)]
pub struct SkyPoints {
    pub ra: Vec<f32>,
    pub dec: Vec<f32>,
    /// Interleaved unit vectors (x, y, z); NaN until the slot's row has arrived.
    pub xyz: Vec<f32>,
    /// Global row of each slot (what `?row=` names), `u32::MAX` when the row cannot be shown.
    pub row: Vec<u32>,
    /// The colour-by value of each slot in 0..=1, NaN where the question was not asked (or
    /// nothing is loaded yet).
    pub value: Vec<f32>,
    /// A question's top answer per slot: [question + 1 into `top_names` (0: no votes),
    /// answer, percent, votes (255 = 255 or more)].
    pub top: Vec<[u8; 4]>,
    /// (campaign, question, answers) that `top` refers to.
    pub top_names: Vec<(String, String, Vec<String>)>,
    ids: Vec<IdRun>,
    loaded: usize,
    /// Slots with a position (kept as they fill, so a frame need not count them).
    drawable: usize,
    /// Every fill so far: (first slot, slots), in arrival order, so a renderer can project
    /// only what arrived since its last frame.
    fills: Vec<(usize, usize)>,
    /// The slots filled so far as sorted, disjoint, non-adjacent ranges `(start, end)`: a
    /// frame visits only these (early in a full load, a few thousand of 400,000 slots).
    spans: Vec<(usize, usize)>,
    /// The spatial index, and the number of loaded slots it was built for.
    grid: Option<(SkyGrid, usize)>,
    /// A spatial index under way ([`SkyPoints::index_step`]), and the loaded slots it is for.
    building: Option<(GridBuild, usize)>,
}

impl SkyPoints {
    /// `slots` empty slots.
    pub fn with_slots(slots: usize) -> Self {
        SkyPoints {
            ra: all_ones(slots),
            dec: all_ones(slots),
            xyz: all_ones(slots * 3),
            row: all_ones(slots),
            value: all_ones(slots),
            top: vec![[0; 4]; slots],
            ..Default::default()
        }
    }

    pub fn slots(&self) -> usize {
        self.ra.len()
    }

    /// Slots whose position has arrived (null positions included: they arrived, empty).
    pub fn loaded(&self) -> usize {
        self.loaded
    }

    /// Fill slots `start..` with a run of rows; `rows[k]` is the global row of slot
    /// `start + k` (or `None`), `ids` their ids. Slots past the end are ignored.
    pub fn fill(
        &mut self,
        start: usize,
        ra: &[Option<f64>],
        dec: &[Option<f64>],
        rows: &[Option<u64>],
        ids: &[Option<&str>],
    ) {
        let n = ra
            .len()
            .min(dec.len())
            .min(self.slots().saturating_sub(start));
        for k in 0..n {
            let s = start + k;
            if let (Some(r), Some(d)) = (ra[k], dec[k])
                && r.is_finite()
                && d.is_finite()
                && (-90.0..=90.0).contains(&d)
            {
                if !self.ra[s].is_finite() {
                    self.drawable += 1;
                }
                self.ra[s] = r.rem_euclid(360.0) as f32;
                self.dec[s] = d as f32;
                let v = unit_vector(r, d);
                self.xyz[3 * s..3 * s + 3].copy_from_slice(&[
                    v[0] as f32,
                    v[1] as f32,
                    v[2] as f32,
                ]);
            }
            if let Some(Some(row)) = rows.get(k) {
                self.row[s] = u32::try_from(*row).unwrap_or(u32::MAX);
            }
        }
        if ids.iter().any(Option::is_some) {
            let mut run = IdRun {
                start,
                ..Default::default()
            };
            for id in ids.iter().take(n) {
                run.text.push_str(id.unwrap_or(""));
                run.ends.push(run.text.len() as u32);
            }
            let at = self.ids.partition_point(|r| r.start < start);
            self.ids.insert(at, run);
        }
        self.loaded += n;
        self.fills.push((start, n));
        self.add_span(start, start + n);
    }

    /// Merge `start..end` into the sorted spans.
    fn add_span(&mut self, start: usize, end: usize) {
        if start >= end {
            return;
        }
        // the first span that ends at or after `start` (it may touch or overlap), and the
        // first that begins after `end` (it does not)
        let first = self.spans.partition_point(|&(_, e)| e < start);
        let last = self.spans.partition_point(|&(s, _)| s <= end);
        if first < last {
            let merged = (
                self.spans[first].0.min(start),
                self.spans[last - 1].1.max(end),
            );
            self.spans.splice(first..last, [merged]);
        } else {
            self.spans.insert(first, (start, end));
        }
    }

    /// The slots filled so far, as sorted disjoint ranges `(start, end)`.
    pub fn filled_spans(&self) -> &[(usize, usize)] {
        &self.spans
    }

    /// The fills so far, (first slot, slots) in arrival order.
    pub fn fill_log(&self) -> &[(usize, usize)] {
        &self.fills
    }

    /// Set the colour values of slots `start..`.
    pub fn fill_values(&mut self, start: usize, values: &[f32]) {
        let end = (start + values.len()).min(self.slots());
        if start < end {
            self.value[start..end].copy_from_slice(&values[..end - start]);
        }
    }

    /// Forget colour values (another question was chosen).
    pub fn clear_values(&mut self) {
        self.value.iter_mut().for_each(|v| *v = f32::NAN);
    }

    /// Register a question `top` can refer to; its index for [`SkyPoints::set_top`].
    pub fn top_question(&mut self, campaign: &str, question: &str, answers: Vec<String>) -> usize {
        let key = (campaign.to_string(), question.to_string(), answers);
        match self.top_names.iter().position(|k| *k == key) {
            Some(i) => i,
            None => {
                self.top_names.push(key);
                self.top_names.len() - 1
            }
        }
    }

    /// Record the top answer of `question` (a [`SkyPoints::top_question`] index) for a slot
    /// from its counts, if the slot has no top answer with more votes yet.
    pub fn set_top(&mut self, slot: usize, question: usize, counts: &[Option<i64>]) {
        let total: i64 = counts.iter().map(|c| c.unwrap_or(0).max(0)).sum();
        let Some(current) = self.top.get(slot) else {
            return;
        };
        let current_votes = if current[0] == 0 {
            0
        } else {
            current[3] as i64
        };
        if total == 0 || total < current_votes || question >= 255 {
            return;
        }
        let (answer, k) = counts
            .iter()
            .enumerate()
            .map(|(i, c)| (i, c.unwrap_or(0).max(0)))
            .fold((0, -1), |best, x| if x.1 > best.1 { x } else { best });
        let pct = (k as f64 / total as f64 * 100.0).round() as u8;
        self.top[slot] = [question as u8 + 1, answer as u8, pct, total.min(255) as u8];
    }

    /// The top answer of a slot in words: `smooth-or-featured: smooth 80 % of 25 votes (dr8)`.
    pub fn describe_top(&self, slot: usize) -> Option<String> {
        let t = self.top.get(slot)?;
        let (campaign, question, answers) = self.top_names.get((t[0] as usize).checked_sub(1)?)?;
        let answer = answers.get(t[1] as usize)?;
        let more = if t[3] == 255 { "+" } else { "" };
        Some(format!(
            "{question}: {answer} {} % of {}{more} votes ({campaign})",
            t[2], t[3]
        ))
    }

    /// Is the slot's position known?
    pub fn has_position(&self, slot: usize) -> bool {
        self.ra.get(slot).is_some_and(|r| r.is_finite())
    }

    /// Slots with a position.
    pub fn drawable(&self) -> usize {
        self.drawable
    }

    /// The id of a slot, if the table has ids.
    pub fn id(&self, slot: usize) -> Option<&str> {
        let at = self
            .ids
            .partition_point(|r| r.start <= slot)
            .checked_sub(1)?;
        let run = &self.ids[at];
        let k = slot - run.start;
        let end = *run.ends.get(k)? as usize;
        let begin = if k == 0 { 0 } else { run.ends[k - 1] as usize };
        run.text.get(begin..end).filter(|s| !s.is_empty())
    }

    /// The slot of the galaxy with this id.
    pub fn slot_of_id(&self, id: &str) -> Option<usize> {
        for run in &self.ids {
            let mut begin = 0usize;
            for (k, &end) in run.ends.iter().enumerate() {
                if run.text.get(begin..end as usize) == Some(id) {
                    return Some(run.start + k);
                }
                begin = end as usize;
            }
        }
        None
    }

    /// The slot showing global row `row`.
    pub fn slot_of_row(&self, row: u64) -> Option<usize> {
        let row = u32::try_from(row).ok()?;
        self.row.iter().position(|&r| r == row)
    }

    /// The nearest drawn galaxy within `max_deg` of (ra, dec), by the spatial index (rebuilt
    /// first if points have arrived since it was built: an O(n) counting sort).
    pub fn nearest(&mut self, ra: f64, dec: f64, max_deg: f64) -> Option<usize> {
        self.nearest_where(ra, dec, max_deg, |_| true)
    }

    /// [`SkyPoints::nearest`] among the slots for which `keep` holds.
    pub fn nearest_where(
        &mut self,
        ra: f64,
        dec: f64,
        max_deg: f64,
        keep: impl Fn(usize) -> bool,
    ) -> Option<usize> {
        self.ensure_index();
        let (grid, _) = self.grid.as_ref()?;
        grid.nearest_where(&self.xyz, ra, dec, max_deg, |s| keep(s as usize))
            .map(|s| s as usize)
    }

    /// The nearest drawn galaxy to (ra, dec) however far (among the slots `keep` holds),
    /// and its separation in degrees: searched in widening caps, so a galaxy nearby
    /// costs only its neighbourhood.
    pub fn nearest_any(
        &mut self,
        ra: f64,
        dec: f64,
        keep: impl Fn(usize) -> bool,
    ) -> Option<(usize, f64)> {
        for radius in [1.0 / 60.0, 0.25, 3.0, 30.0, 180.0] {
            if let Some(slot) = self.nearest_where(ra, dec, radius, &keep) {
                let sep = super::goto::separation_deg(
                    ra,
                    dec,
                    self.ra[slot] as f64,
                    self.dec[slot] as f64,
                );
                return Some((slot, sep));
            }
        }
        None
    }

    /// Build (or rebuild) the spatial index if it is missing or older than the points.
    pub fn ensure_index(&mut self) {
        while !self.index_step(usize::MAX) {}
    }

    /// Go on building the spatial index for at most `points` points of its passes (see
    /// [`GridBuild::step`]), starting it if it is missing or older than the points; true
    /// once it is up to date. A full dataset's index is built over several tasks this way.
    pub fn index_step(&mut self, points: usize) -> bool {
        if self.grid.as_ref().is_some_and(|(_, at)| *at == self.loaded) {
            return true;
        }
        if self
            .building
            .as_ref()
            .is_none_or(|(_, at)| *at != self.loaded)
        {
            self.building = Some((GridBuild::new(&self.ra, &self.dec), self.loaded));
        }
        let Some((build, at)) = &mut self.building else {
            return false;
        };
        match build.step(&self.ra, &self.dec, points) {
            Some(grid) => {
                self.grid = Some((grid, *at));
                self.building = None;
                true
            }
            None => false,
        }
    }

    /// Bytes held by the arrays and the index (what the benchmark reports).
    pub fn bytes_held(&self) -> usize {
        let f = std::mem::size_of::<f32>();
        let ids: usize = self
            .ids
            .iter()
            .map(|r| r.text.capacity() + r.ends.capacity() * 4)
            .sum();
        let tree = self.grid.as_ref().map_or(0, |(g, _)| g.bytes());
        (self.ra.capacity() + self.dec.capacity() + self.xyz.capacity() + self.value.capacity()) * f
            + self.row.capacity() * 4
            + self.top.capacity() * 4
            + ids
            + tree
    }
}

/// Colour value of one row for an answer: its fraction of the question's votes, NaN when
/// nobody was asked the question (never 0).
pub fn answer_fraction(counts: &[Option<i64>], answer: usize) -> f32 {
    let total: i64 = counts.iter().map(|c| c.unwrap_or(0).max(0)).sum();
    match counts.get(answer) {
        Some(Some(k)) if total > 0 => (*k).max(0) as f32 / total as f32,
        _ => f32::NAN,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fill(points: &mut SkyPoints, start: usize, pos: &[(f64, f64)], first_row: u64) {
        let ra: Vec<_> = pos.iter().map(|p| Some(p.0)).collect();
        let dec: Vec<_> = pos.iter().map(|p| Some(p.1)).collect();
        let rows: Vec<_> = (0..pos.len() as u64).map(|k| Some(first_row + k)).collect();
        let ids: Vec<_> = (0..pos.len()).map(|k| format!("id{}", start + k)).collect();
        let ids: Vec<Option<&str>> = ids.iter().map(|s| Some(s.as_str())).collect();
        points.fill(start, &ra, &dec, &rows, &ids);
    }

    #[test]
    fn slots_fill_in_any_order_and_keep_rows_and_ids() {
        let mut p = SkyPoints::with_slots(6);
        fill(&mut p, 3, &[(10.0, 1.0), (20.0, 2.0), (30.0, 3.0)], 103);
        assert_eq!((p.loaded(), p.drawable()), (3, 3));
        assert!(!p.has_position(0) && p.has_position(4));
        assert_eq!(p.fill_log(), &[(3, 3)]);
        fill(&mut p, 0, &[(350.0, -1.0), (-10.0, 0.0), (0.0, 0.0)], 100);
        assert_eq!(p.id(0), Some("id0"));
        assert_eq!(p.id(4), Some("id4"));
        assert_eq!(p.fill_log(), &[(3, 3), (0, 3)]);
        assert_eq!(p.drawable(), 6, "kept as slots fill");
        assert_eq!(p.ra[1], 350.0, "RA is wrapped into 0..360");
        assert_eq!(p.slot_of_row(104), Some(4));
        assert_eq!(p.slot_of_row(7), None);
        assert_eq!(
            (
                p.slot_of_id("id4"),
                p.slot_of_id("id1"),
                p.slot_of_id("id9")
            ),
            (Some(4), Some(1), None)
        );
        // a null position arrives but is not drawable
        let mut q = SkyPoints::with_slots(2);
        q.fill(
            0,
            &[None, Some(5.0)],
            &[Some(1.0), Some(95.0)],
            &[Some(0), Some(1)],
            &[None, None],
        );
        assert_eq!(
            (q.loaded(), q.drawable()),
            (2, 0),
            "null and impossible positions are not drawn"
        );
        assert_eq!(q.id(0), None);
    }

    #[test]
    fn nearest_uses_the_index_and_follows_new_points() {
        let mut p = SkyPoints::with_slots(4);
        fill(&mut p, 0, &[(10.0, 10.0), (50.0, -20.0)], 0);
        assert_eq!(p.nearest(10.2, 10.1, 1.0), Some(0));
        assert_eq!(p.nearest(30.0, 0.0, 1.0), None, "nothing within a degree");
        fill(&mut p, 2, &[(30.0, 0.1), (359.9, 0.0)], 2);
        assert_eq!(
            p.nearest(30.0, 0.0, 1.0),
            Some(2),
            "the index was rebuilt for the new points"
        );
        assert_eq!(p.nearest(0.05, 0.0, 1.0), Some(3), "across RA 0/360");
        assert!(p.bytes_held() >= 4 * 4 * 7);
    }

    #[test]
    fn fractions_say_not_asked_instead_of_zero() {
        assert_eq!(answer_fraction(&[Some(3), Some(1), Some(0)], 0), 0.75);
        assert_eq!(answer_fraction(&[Some(3), Some(1), Some(0)], 2), 0.0);
        assert!(
            answer_fraction(&[Some(0), Some(0)], 0).is_nan(),
            "nobody asked: not 0 %"
        );
        assert!(answer_fraction(&[None, None], 1).is_nan());
        assert!(answer_fraction(&[Some(2)], 3).is_nan(), "no such answer");
        let mut p = SkyPoints::with_slots(3);
        p.fill_values(1, &[0.5, 0.25, 9.0]);
        assert!(p.value[0].is_nan());
        assert_eq!(&p.value[1..], &[0.5, 0.25]);
        p.clear_values();
        assert!(p.value.iter().all(|v| v.is_nan()));
    }

    #[test]
    fn top_answers_keep_the_campaign_with_most_votes() {
        let mut p = SkyPoints::with_slots(2);
        let dr5 = p.top_question(
            "dr5",
            "smooth-or-featured",
            vec![
                "smooth".into(),
                "featured-or-disk".into(),
                "artifact".into(),
            ],
        );
        let dr8 = p.top_question(
            "dr8",
            "smooth-or-featured",
            vec![
                "smooth".into(),
                "featured-or-disk".into(),
                "artifact".into(),
            ],
        );
        assert_eq!(
            p.top_question(
                "dr5",
                "smooth-or-featured",
                vec![
                    "smooth".into(),
                    "featured-or-disk".into(),
                    "artifact".into()
                ]
            ),
            dr5
        );
        assert_eq!(p.describe_top(0), None, "no votes yet: nothing, not 0 %");
        p.set_top(0, dr5, &[Some(2), Some(8), Some(0)]);
        assert_eq!(
            p.describe_top(0).as_deref(),
            Some("smooth-or-featured: featured-or-disk 80 % of 10 votes (dr5)")
        );
        p.set_top(0, dr8, &[Some(1), Some(2), None]);
        assert!(
            p.describe_top(0).unwrap().ends_with("(dr5)"),
            "fewer votes do not replace more"
        );
        p.set_top(0, dr8, &[Some(300), Some(100), Some(0)]);
        assert_eq!(
            p.describe_top(0).as_deref(),
            Some("smooth-or-featured: smooth 75 % of 255+ votes (dr8)")
        );
        p.set_top(1, dr8, &[Some(0), Some(0), Some(0)]);
        assert_eq!(
            p.describe_top(1),
            None,
            "a question nobody was asked gives no top answer"
        );
    }
}

#[cfg(test)]
mod nearest_tests {
    use super::*;
    use crate::sky::goto::separation_deg;

    /// Sparse galaxies (a few hundred over the sky, some at the poles and across RA 0):
    /// the nearest to any position, however far, is the brute force's.
    #[test]
    fn nearest_any_is_the_brute_force_nearest_anywhere_on_the_sky() {
        let mut seed = 7u64;
        let mut next = move || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 11) as f64 / (1u64 << 53) as f64
        };
        let n = 400;
        let (mut ra, mut dec) = (Vec::new(), Vec::new());
        for i in 0..n {
            let (r, d) = match i % 40 {
                0 => (next() * 360.0, 89.99),
                1 => (next() * 360.0, -89.99),
                2 => (359.99 + next() * 0.009, next() - 0.5),
                3 => (next() * 0.01, next() - 0.5),
                _ => (next() * 360.0, (2.0 * next() - 1.0).asin().to_degrees()),
            };
            ra.push(Some(r));
            dec.push(Some(d));
        }
        let rows: Vec<Option<u64>> = (0..n as u64).map(Some).collect();
        let mut s = SkyPoints::with_slots(n);
        s.fill(0, &ra, &dec, &rows, &[]);
        let brute = |s: &SkyPoints, qr: f64, qd: f64, keep: &dyn Fn(usize) -> bool| {
            (0..n)
                .filter(|&i| keep(i))
                .map(|i| (i, separation_deg(qr, qd, s.ra[i] as f64, s.dec[i] as f64)))
                .min_by(|a, b| a.1.total_cmp(&b.1))
        };
        let mut queries = vec![
            (0.0, 90.0),
            (123.0, -90.0),
            (0.0, 0.0),
            (359.999, 0.1),
            (180.0, 45.0),
        ];
        for _ in 0..300 {
            queries.push((next() * 360.0, (2.0 * next() - 1.0).asin().to_degrees()));
        }
        for (qr, qd) in queries {
            let got = s.nearest_any(qr, qd, |_| true).expect("some galaxy");
            let want = brute(&s, qr, qd, &|_| true).unwrap();
            // the same galaxy, or one as far (f32 positions)
            assert!(
                (got.1 - want.1).abs() < 1e-4,
                "{qr} {qd}: {got:?} vs {want:?}"
            );
            let even = |i: usize| i.is_multiple_of(2);
            let got = s.nearest_any(qr, qd, even).unwrap();
            let want = brute(&s, qr, qd, &even).unwrap();
            assert!(
                got.0.is_multiple_of(2) && (got.1 - want.1).abs() < 1e-4,
                "{qr} {qd}"
            );
        }
        // nothing drawn: nothing near
        assert_eq!(
            SkyPoints::with_slots(3).nearest_any(10.0, 10.0, |_| true),
            None
        );
    }

    #[test]
    fn empty_slots_are_nan_and_rowless() {
        let p = SkyPoints::with_slots(5);
        assert_eq!(p.slots(), 5);
        assert!(
            p.ra.iter()
                .chain(&p.dec)
                .chain(&p.xyz)
                .chain(&p.value)
                .all(|v| v.is_nan())
        );
        assert_eq!(p.xyz.len(), 15);
        assert!(p.row.iter().all(|&r| r == u32::MAX));
        assert!(p.top.iter().all(|t| *t == [0; 4]));
        assert_eq!(p.loaded(), 0);
    }

    #[test]
    fn filled_spans_merge_in_any_arrival_order() {
        let mut p = SkyPoints::with_slots(100);
        let fill = |p: &mut SkyPoints, start: usize, n: usize| {
            let ra = vec![Some(1.0); n];
            let dec = vec![Some(2.0); n];
            p.fill(start, &ra, &dec, &[], &[]);
        };
        fill(&mut p, 40, 10);
        fill(&mut p, 10, 5);
        assert_eq!(p.filled_spans(), &[(10, 15), (40, 50)]);
        // touching on the left, then bridging a gap, then inside a span
        fill(&mut p, 35, 5);
        fill(&mut p, 15, 20);
        assert_eq!(p.filled_spans(), &[(10, 50)]);
        fill(&mut p, 20, 3);
        fill(&mut p, 95, 10); // past the end: cut at the last slot
        fill(&mut p, 0, 2);
        assert_eq!(p.filled_spans(), &[(0, 2), (10, 50), (95, 100)]);
        // every slot with a position is inside a span, every other is outside all of them
        for slot in 0..p.slots() {
            let inside = p
                .filled_spans()
                .iter()
                .any(|&(a, b)| (a..b).contains(&slot));
            assert_eq!(inside, p.ra[slot].is_finite(), "slot {slot}");
        }
    }
}
