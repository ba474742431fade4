//! A spatial index for "which galaxy is under the cursor": the sphere cut into declination
//! bands of equal height, each band into RA cells of roughly the same width on the sky,
//! and the points sorted by cell (a counting sort: two passes, no comparisons). Building
//! is O(n) and takes a few milliseconds for 400,000 points, so it can be rebuilt whenever
//! points arrive; a query looks only at the cells its search cap touches.

use super::projection::unit_vector;

/// Points per cell aimed at, were the points spread over the whole sky.
const POINTS_PER_CELL: f64 = 4.0;
const SKY_SQ_DEG: f64 = 41_252.96;
/// Slack added to a search radius when choosing cells (positions are f32 degrees).
const CELL_SLACK_DEG: f64 = 1e-3;

#[derive(Clone, Default)]
pub struct SkyGrid {
    /// Band height in degrees.
    band_deg: f64,
    /// RA cells in each band, and the first cell of each band (one past the end last).
    band_cells: Vec<u32>,
    band_first: Vec<u32>,
    /// Where each cell's points start in `order` (one past the end last).
    cell_start: Vec<u32>,
    /// The indexed points (indices into the caller's arrays), cell by cell.
    order: Vec<u32>,
}

impl std::fmt::Debug for SkyGrid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "SkyGrid({} points, {} cells of {:.2}°)",
            self.order.len(),
            self.cell_start.len().saturating_sub(1),
            self.band_deg
        )
    }
}

/// Squared chord length for an angle in degrees (everything for 180° or more, nothing for NaN or < 0).
fn chord2(deg: f64) -> f64 {
    if deg >= 180.0 {
        f64::INFINITY
    } else if deg >= 0.0 {
        (2.0 * (0.5 * deg.to_radians()).sin()).powi(2)
    } else {
        -1.0
    }
}

/// A [`SkyGrid`] built a slice of points at a time ([`GridBuild::step`]), so that a full
/// dataset's 400,000 points need not be sorted in one task of the page's thread.
#[derive(Clone, Debug)]
pub struct GridBuild {
    grid: SkyGrid,
    /// Points indexed (those with a position), and points in all.
    count: usize,
    n: usize,
    /// The cell of every point (`u32::MAX`: none), filled by the first pass.
    cell_of: Vec<u32>,
    /// Where the next point of each cell goes, during the second pass.
    next: Vec<u32>,
    /// The next point of the current pass, and whether the first pass is done.
    at: usize,
    placing: bool,
}

impl GridBuild {
    /// Start indexing the points with finite `ra[i]`, `dec[i]`; nothing is sorted yet.
    pub fn new(ra: &[f32], dec: &[f32]) -> GridBuild {
        let n = ra.len().min(dec.len());
        let count = (0..n)
            .filter(|&i| ra[i].is_finite() && dec[i].is_finite())
            .count();
        let band_deg = (SKY_SQ_DEG * POINTS_PER_CELL / count.max(1) as f64)
            .sqrt()
            .clamp(0.25, 15.0);
        let bands = (180.0 / band_deg).ceil() as usize;
        let band_deg = 180.0 / bands as f64;
        let mut band_cells = Vec::with_capacity(bands);
        let mut band_first = Vec::with_capacity(bands + 1);
        let mut cells = 0u32;
        for b in 0..bands {
            // cells as wide on the sky as the band is high, at the band's edge nearer the equator
            let (lo, hi) = (
                -90.0 + b as f64 * band_deg,
                -90.0 + (b + 1) as f64 * band_deg,
            );
            let widest = if lo <= 0.0 && hi >= 0.0 {
                1.0
            } else {
                lo.abs().min(hi.abs()).to_radians().cos()
            };
            let k = ((360.0 * widest / band_deg).ceil() as u32).max(1);
            band_first.push(cells);
            band_cells.push(k);
            cells += k;
        }
        band_first.push(cells);
        GridBuild {
            grid: SkyGrid {
                band_deg,
                band_cells,
                band_first,
                cell_start: vec![0; cells as usize + 1],
                order: Vec::new(),
            },
            count,
            n,
            // (every bit set: u32::MAX, "no cell", by one memory fill)
            cell_of: super::all_ones(n),
            next: Vec::new(),
            at: 0,
            placing: false,
        }
    }

    /// Go on for at most `points` points (of the two passes over them: a counting sort,
    /// each point's cell, the cells' starts, then placement); the grid once it is done.
    /// `ra` and `dec` must be the arrays `new` was given, unchanged.
    pub fn step(&mut self, ra: &[f32], dec: &[f32], points: usize) -> Option<SkyGrid> {
        let n = self.n.min(ra.len()).min(dec.len());
        let end = self.at.saturating_add(points.max(1)).min(n);
        if !self.placing {
            for i in self.at..end {
                if let Some(c) = self.grid.cell(ra[i] as f64, dec[i] as f64) {
                    self.cell_of[i] = c;
                    self.grid.cell_start[c as usize + 1] += 1;
                }
            }
            self.at = end;
            if self.at < n {
                return None;
            }
            for c in 1..self.grid.cell_start.len() {
                self.grid.cell_start[c] += self.grid.cell_start[c - 1];
            }
            self.next = self.grid.cell_start.clone();
            self.grid.order = vec![0; self.count];
            self.placing = true;
            self.at = 0;
            return None;
        }
        for i in self.at..end {
            let c = self.cell_of[i];
            if let Some(at) = self.next.get_mut(c as usize) {
                if let Some(slot) = self.grid.order.get_mut(*at as usize) {
                    *slot = i as u32;
                }
                *at += 1;
            }
        }
        self.at = end;
        (self.at >= n).then(|| std::mem::take(&mut self.grid))
    }
}

impl SkyGrid {
    /// Index the points `i` with finite `ra[i]`, `dec[i]` (degrees, RA in 0..360).
    pub fn build(ra: &[f32], dec: &[f32]) -> SkyGrid {
        let mut b = GridBuild::new(ra, dec);
        loop {
            if let Some(grid) = b.step(ra, dec, usize::MAX) {
                return grid;
            }
        }
    }

    pub fn len(&self) -> usize {
        self.order.len()
    }

    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// Bytes held.
    pub fn bytes(&self) -> usize {
        (self.order.capacity()
            + self.cell_start.capacity()
            + self.band_cells.capacity()
            + self.band_first.capacity())
            * 4
    }

    fn band(&self, dec: f64) -> usize {
        (((dec + 90.0) / self.band_deg).floor().max(0.0) as usize)
            .min(self.band_cells.len().saturating_sub(1))
    }

    fn cell(&self, ra: f64, dec: f64) -> Option<u32> {
        if !ra.is_finite() || !dec.is_finite() || self.band_cells.is_empty() {
            return None;
        }
        let b = self.band(dec);
        let k = self.band_cells[b];
        let c = ((ra.rem_euclid(360.0) / 360.0 * k as f64).floor() as u32).min(k - 1);
        Some(self.band_first[b] + c)
    }

    /// Call `visit` with every indexed point in cells that a cap of `radius_deg` around
    /// (ra, dec) touches (a superset of the points within the cap).
    fn candidates(&self, ra: f64, dec: f64, radius_deg: f64, mut visit: impl FnMut(u32)) {
        if self.band_cells.is_empty() || !ra.is_finite() || !dec.is_finite() {
            return;
        }
        let r = radius_deg.min(180.0) + CELL_SLACK_DEG;
        let (b0, b1) = (
            self.band((dec - r).max(-90.0)),
            self.band((dec + r).min(90.0)),
        );
        // the widest RA offset of any point of the cap: asin(sin r / cos dec) while the cap
        // stays clear of the pole, all of it otherwise
        let dra = if dec.abs() + r >= 90.0 {
            180.0
        } else {
            (r.to_radians().sin() / dec.to_radians().cos())
                .min(1.0)
                .asin()
                .to_degrees()
        };
        let ra = ra.rem_euclid(360.0);
        for b in b0..=b1 {
            let (k, first) = (self.band_cells[b] as i64, self.band_first[b] as usize);
            let (c0, c1) = if dra >= 180.0 {
                (0, k - 1)
            } else {
                let w = 360.0 / k as f64;
                (
                    ((ra - dra) / w).floor() as i64,
                    ((ra + dra) / w).floor() as i64,
                )
            };
            let (c0, c1) = if c1 - c0 + 1 >= k {
                (0, k - 1)
            } else {
                (c0, c1)
            };
            for c in c0..=c1 {
                let cell = first + c.rem_euclid(k) as usize;
                let (s, e) = (
                    self.cell_start[cell] as usize,
                    self.cell_start[cell + 1] as usize,
                );
                for &i in &self.order[s..e] {
                    visit(i);
                }
            }
        }
    }

    /// The indexed point nearest to (ra, dec) within `max_deg` degrees, measured with the
    /// points' unit vectors `xyz` (interleaved x, y, z, as `SkyPoints::xyz`).
    pub fn nearest(&self, xyz: &[f32], ra: f64, dec: f64, max_deg: f64) -> Option<u32> {
        self.nearest_where(xyz, ra, dec, max_deg, |_| true)
    }

    /// [`SkyGrid::nearest`] among the points for which `keep` holds (a filter's selection).
    pub fn nearest_where(
        &self,
        xyz: &[f32],
        ra: f64,
        dec: f64,
        max_deg: f64,
        keep: impl Fn(u32) -> bool,
    ) -> Option<u32> {
        let q = unit_vector(ra, dec);
        let mut best = (chord2(max_deg), None);
        self.candidates(ra, dec, max_deg, |i| {
            if !keep(i) {
                return;
            }
            let Some(p) = xyz.get(3 * i as usize..3 * i as usize + 3) else {
                return;
            };
            let d = [p[0] as f64 - q[0], p[1] as f64 - q[1], p[2] as f64 - q[2]];
            let d2 = d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
            // within the limit (inclusive) when nothing is found yet, then strictly closer;
            // equal distances go to the lower index, whatever the cell order
            let closer = match best.1 {
                None => d2 <= best.0,
                Some(b) => d2 < best.0 || (d2 == best.0 && i < b),
            };
            if closer {
                best = (d2, Some(i));
            }
        });
        best.1
    }

    /// Indices of the indexed points within `radius_deg` of (ra, dec), ascending.
    pub fn within(&self, xyz: &[f32], ra: f64, dec: f64, radius_deg: f64) -> Vec<u32> {
        let q = unit_vector(ra, dec);
        let r2 = chord2(radius_deg);
        let mut out = Vec::new();
        self.candidates(ra, dec, radius_deg, |i| {
            let Some(p) = xyz.get(3 * i as usize..3 * i as usize + 3) else {
                return;
            };
            let d = [p[0] as f64 - q[0], p[1] as f64 - q[1], p[2] as f64 - q[2]];
            if d[0] * d[0] + d[1] * d[1] + d[2] * d[2] <= r2 {
                out.push(i);
            }
        });
        out.sort_unstable();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small deterministic generator (no dependency needed for test data).
    struct Lcg(u64);
    impl Lcg {
        fn next(&mut self) -> f64 {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (self.0 >> 11) as f64 / (1u64 << 53) as f64
        }
    }

    fn points(n: usize, seed: u64) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
        let mut g = Lcg(seed);
        let (mut ra, mut dec, mut xyz) = (Vec::new(), Vec::new(), Vec::new());
        for i in 0..n {
            // uniform on the sphere, with clumps, exact poles, the RA wrap, and gaps (NaN)
            let (r, d) = match i % 50 {
                0 => (g.next() * 360.0, 90.0),
                1 => (g.next() * 360.0, -90.0),
                2 => (359.999 + g.next() * 0.001, g.next() * 2.0 - 1.0),
                3 => (f64::NAN, 0.0),
                4..=14 => (150.0 + g.next() * 0.5, 2.0 + g.next() * 0.5),
                _ => (g.next() * 360.0, (2.0 * g.next() - 1.0).asin().to_degrees()),
            };
            ra.push(r as f32);
            dec.push(d as f32);
            let v = if r.is_finite() {
                unit_vector(r as f32 as f64, d as f32 as f64)
            } else {
                [f64::NAN; 3]
            };
            xyz.extend(v.map(|c| c as f32));
        }
        (ra, dec, xyz)
    }

    fn brute_nearest(xyz: &[f32], ra: f64, dec: f64, max_deg: f64) -> Option<u32> {
        let q = unit_vector(ra, dec);
        let mut best = (chord2(max_deg), None);
        for (i, p) in xyz.chunks_exact(3).enumerate() {
            let d = [p[0] as f64 - q[0], p[1] as f64 - q[1], p[2] as f64 - q[2]];
            let d2 = d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
            if (best.1.is_none() && d2 <= best.0) || d2 < best.0 {
                best = (d2, Some(i as u32));
            }
        }
        best.1
    }

    #[test]
    fn nearest_and_within_agree_with_brute_force() {
        for &(n, seed) in &[(20usize, 1u64), (3_000, 2), (40_000, 3)] {
            let (ra, dec, xyz) = points(n, seed);
            let grid = SkyGrid::build(&ra, &dec);
            assert_eq!(
                grid.len(),
                (0..n).filter(|&i| ra[i].is_finite()).count(),
                "NaN positions are left out"
            );
            let mut g = Lcg(seed + 100);
            for q in 0..400 {
                let (r, d) = match q % 8 {
                    0 => (g.next() * 360.0, 89.9 + g.next() * 0.1),
                    1 => (g.next() * 0.01, g.next() * 2.0 - 1.0),
                    2 => (150.25, 2.25),
                    _ => (g.next() * 360.0, (2.0 * g.next() - 1.0).asin().to_degrees()),
                };
                let max = [0.05, 0.5, 3.0, 30.0, 200.0][q % 5];
                let want = brute_nearest(&xyz, r, d, max);
                let got = grid.nearest(&xyz, r, d, max);
                // ties may pick either point at the same distance
                let dist = |i: Option<u32>| {
                    i.map(|i| {
                        let p = &xyz[3 * i as usize..3 * i as usize + 3];
                        let v = unit_vector(r, d);
                        (0..3).map(|c| (p[c] as f64 - v[c]).powi(2)).sum::<f64>()
                    })
                };
                assert_eq!(
                    dist(got),
                    dist(want),
                    "n {n}, query ({r}, {d}) within {max}°: {got:?} vs {want:?}"
                );
                if max <= 3.0 {
                    let brute: Vec<u32> = (0..n as u32)
                        .filter(|&i| {
                            let p = &xyz[3 * i as usize..3 * i as usize + 3];
                            let v = unit_vector(r, d);
                            (0..3).map(|c| (p[c] as f64 - v[c]).powi(2)).sum::<f64>() <= chord2(max)
                        })
                        .collect();
                    assert_eq!(
                        grid.within(&xyz, r, d, max),
                        brute,
                        "within {max}° of ({r}, {d})"
                    );
                }
            }
        }
    }

    #[test]
    fn built_a_slice_at_a_time_it_is_the_same_index() {
        for &(n, seed, chunk) in &[
            (0usize, 9u64, 5usize),
            (1, 8, 1),
            (3_000, 7, 7),
            (40_000, 6, 9_999),
        ] {
            let (mut ra, dec, _) = points(n, seed);
            // some points without a position
            for r in ra.iter_mut().step_by(11) {
                *r = f32::NAN;
            }
            let whole = SkyGrid::build(&ra, &dec);
            let mut b = GridBuild::new(&ra, &dec);
            let mut steps = 1;
            let sliced = loop {
                if let Some(g) = b.step(&ra, &dec, chunk) {
                    break g;
                }
                steps += 1;
                assert!(steps < 2 * n / chunk + 4, "it ends");
            };
            assert_eq!(
                (
                    &sliced.order,
                    &sliced.cell_start,
                    &sliced.band_cells,
                    &sliced.band_first
                ),
                (
                    &whole.order,
                    &whole.cell_start,
                    &whole.band_cells,
                    &whole.band_first
                ),
                "{n} points by {chunk}"
            );
            assert_eq!(sliced.len(), ra.iter().filter(|r| r.is_finite()).count());
            // two passes over the points, a slice at a time (and the cells' starts between)
            assert!(steps >= 2 * n.div_ceil(chunk).max(1), "{steps} steps");
        }
    }

    #[test]
    fn empty_and_degenerate_inputs() {
        let grid = SkyGrid::build(&[], &[]);
        assert!(grid.is_empty());
        assert_eq!(grid.nearest(&[], 10.0, 10.0, 180.0), None);
        let (ra, dec) = ([10.0f32], [20.0f32]);
        let xyz: Vec<f32> = unit_vector(10.0, 20.0).iter().map(|&c| c as f32).collect();
        let grid = SkyGrid::build(&ra, &dec);
        assert_eq!(grid.nearest(&xyz, 10.0, 20.0, 1e-4), Some(0));
        assert_eq!(
            grid.nearest(&xyz, 10.001, 20.0, 1e-4),
            None,
            "3.4 arcsec away, beyond 0.36"
        );
        assert_eq!(grid.nearest(&xyz, 190.0, -20.0, 179.0), None);
        assert_eq!(
            grid.nearest(&xyz, 190.0, -20.0, 180.0),
            Some(0),
            "180° reaches everything"
        );
        assert_eq!(grid.nearest(&xyz, f64::NAN, 0.0, 180.0), None);
        assert_eq!(
            grid.nearest_where(&xyz, 10.0, 20.0, 180.0, |_| false),
            None,
            "only kept points are found"
        );
        assert_eq!(grid.nearest(&xyz, 10.0, 20.0, -1.0), None);
    }
}
