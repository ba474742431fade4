//! A static 3-D k-d tree over unit vectors, for "which galaxy is under the cursor".
//! Chord length |a − b| = 2 sin(angle/2) grows with the angle, so the nearest point in 3-D
//! is the nearest on the sky.
//!
//! Layout is implicit: the points are reordered so that the node of a range [lo, hi) is its
//! median at (lo + hi) / 2, with the left subtree in [lo, mid) and the right in (mid, hi);
//! each node records the axis it splits (the one of widest spread in its range).

#[derive(Clone)]
pub struct KdTree {
    points: Vec<[f32; 3]>,
    /// Original index of each reordered point.
    index: Vec<u32>,
    /// Split axis (0, 1, 2) of the node at each position.
    axis: Vec<u8>,
}

impl std::fmt::Debug for KdTree {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "KdTree({} points)", self.len()) // not the points themselves
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

fn dist2(p: &[f32; 3], q: &[f64; 3]) -> f64 {
    let d = [p[0] as f64 - q[0], p[1] as f64 - q[1], p[2] as f64 - q[2]];
    d[0] * d[0] + d[1] * d[1] + d[2] * d[2]
}

impl KdTree {
    /// Interleaved x, y, z (like `SkyView::project_batch`); a trailing partial point is ignored.
    /// O(n log n): a median selection per node.
    pub fn build(xyz: &[f32]) -> KdTree {
        let mut items: Vec<([f32; 3], u32)> =
            xyz.chunks_exact(3).enumerate().map(|(i, c)| ([c[0], c[1], c[2]], i as u32)).collect();
        let mut axis = vec![0u8; items.len()];
        split(&mut items, &mut axis);
        KdTree { points: items.iter().map(|i| i.0).collect(), index: items.iter().map(|i| i.1).collect(), axis }
    }

    pub fn len(&self) -> usize {
        self.points.len()
    }

    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }

    /// Original index of the nearest point within `max_deg` degrees of (ra, dec), if any.
    pub fn nearest(&self, ra: f64, dec: f64, max_deg: f64) -> Option<u32> {
        let q = super::projection::unit_vector(ra, dec);
        let mut best = (chord2(max_deg), None);
        self.nearest_in(0, self.len(), &q, &mut best);
        best.1.and_then(|pos: usize| self.index.get(pos).copied())
    }

    /// Original indices of all points within `radius_deg`, ascending.
    pub fn within(&self, ra: f64, dec: f64, radius_deg: f64) -> Vec<u32> {
        let q = super::projection::unit_vector(ra, dec);
        let mut out = Vec::new();
        self.within_in(0, self.len(), &q, chord2(radius_deg), &mut out);
        out.sort_unstable();
        out
    }

    /// The node of [lo, hi): its position, point and the signed distance of q from its split plane.
    fn node(&self, lo: usize, hi: usize, q: &[f64; 3]) -> Option<(usize, &[f32; 3], f64)> {
        let mid = lo + (hi - lo) / 2;
        let p = self.points.get(mid)?;
        let ax = self.axis.get(mid).map_or(0, |&a| a as usize).min(2);
        let off = q[ax] - p[ax] as f64;
        // a NaN coordinate says nothing about where the subtrees lie: search both sides
        Some((mid, p, if off.is_nan() { 0.0 } else { off }))
    }

    fn nearest_in(&self, lo: usize, hi: usize, q: &[f64; 3], best: &mut (f64, Option<usize>)) {
        if lo >= hi {
            return;
        }
        let Some((mid, p, off)) = self.node(lo, hi, q) else { return };
        let d = dist2(p, q);
        // within the limit (inclusive) when nothing is found yet, then strictly closer
        if d < best.0 || (best.1.is_none() && d <= best.0) {
            *best = (d, Some(mid));
        }
        let (near, far) = if off < 0.0 { ((lo, mid), (mid + 1, hi)) } else { ((mid + 1, hi), (lo, mid)) };
        self.nearest_in(near.0, near.1, q, best);
        if off * off <= best.0 {
            self.nearest_in(far.0, far.1, q, best);
        }
    }

    fn within_in(&self, lo: usize, hi: usize, q: &[f64; 3], r2: f64, out: &mut Vec<u32>) {
        if lo >= hi {
            return;
        }
        let Some((mid, p, off)) = self.node(lo, hi, q) else { return };
        if dist2(p, q) <= r2 {
            out.extend(self.index.get(mid));
        }
        // left points have coordinate ≤ the node's, right points ≥
        if off <= 0.0 || off * off <= r2 {
            self.within_in(lo, mid, q, r2, out);
        }
        if off >= 0.0 || off * off <= r2 {
            self.within_in(mid + 1, hi, q, r2, out);
        }
    }
}

/// Arranges `items` as an implicit tree, recording each node's split axis.
fn split(items: &mut [([f32; 3], u32)], axis: &mut [u8]) {
    if items.len() <= 1 {
        return;
    }
    let (mut min, mut max) = ([f32::INFINITY; 3], [f32::NEG_INFINITY; 3]);
    for (p, _) in items.iter() {
        for c in 0..3 {
            min[c] = min[c].min(p[c]);
            max[c] = max[c].max(p[c]);
        }
    }
    let spread = [0, 1, 2].map(|c| max[c] - min[c]);
    let ax = if spread[0] >= spread[1] && spread[0] >= spread[2] { 0 } else if spread[1] >= spread[2] { 1 } else { 2 };
    let mid = items.len() / 2;
    items.select_nth_unstable_by(mid, |a, b| a.0[ax].total_cmp(&b.0[ax]));
    if let Some(a) = axis.get_mut(mid) {
        *a = ax as u8;
    }
    let (left, right) = items.split_at_mut(mid);
    let (left_axis, right_axis) = axis.split_at_mut(mid);
    split(left, left_axis);
    if let (Some(r), Some(ra)) = (right.get_mut(1..), right_axis.get_mut(1..)) {
        split(r, ra);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sky::projection::{separation, unit_vector};

    fn rng(seed: &mut u64) -> f64 {
        *seed ^= *seed << 13;
        *seed ^= *seed >> 7;
        *seed ^= *seed << 17;
        (*seed >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Random points, with clusters at both poles and across RA 0/360.
    fn points(n: usize, seed: &mut u64) -> (Vec<(f64, f64)>, Vec<f32>) {
        let radec: Vec<(f64, f64)> = (0..n)
            .map(|i| match i % 4 {
                0 => (360.0 * rng(seed), 89.0 + rng(seed)),
                1 => (360.0 * rng(seed), -89.0 - rng(seed)),
                2 => ((358.0 + 4.0 * rng(seed)) % 360.0, 10.0 * rng(seed) - 5.0),
                _ => (360.0 * rng(seed), (2.0 * rng(seed) - 1.0).asin().to_degrees()),
            })
            .collect();
        let xyz = radec.iter().flat_map(|&(r, d)| unit_vector(r, d).map(|c| c as f32)).collect();
        (radec, xyz)
    }

    #[test]
    fn matches_brute_force() {
        let mut seed = 0x9E37_79B9_7F4A_7C15;
        let (_, xyz) = points(4000, &mut seed);
        let tree = KdTree::build(&xyz);
        assert_eq!(tree.len(), 4000);
        let pts: Vec<[f32; 3]> = xyz.chunks_exact(3).map(|c| [c[0], c[1], c[2]]).collect();
        let (mut found, mut hits) = (0, 0);
        for qi in 0..3000 {
            let (ra, dec) = match qi % 5 {
                0 => (360.0 * rng(&mut seed), 88.0 + 2.0 * rng(&mut seed)),
                1 => (360.0 * rng(&mut seed), -90.0 + 2.0 * rng(&mut seed)),
                2 => ((359.0 + 2.0 * rng(&mut seed)) % 360.0, 6.0 * rng(&mut seed) - 3.0),
                _ => (360.0 * rng(&mut seed), (2.0 * rng(&mut seed) - 1.0).asin().to_degrees()),
            };
            let radius = [0.05, 0.5, 2.0, 10.0, 200.0][qi % 5 * 7 % 5];
            let q = unit_vector(ra, dec);
            let r2 = chord2(radius);
            let mut want: Vec<u32> = (0..pts.len() as u32).filter(|&i| dist2(&pts[i as usize], &q) <= r2).collect();
            want.sort_unstable();
            assert_eq!(tree.within(ra, dec, radius), want, "within {ra} {dec} {radius}");
            let brute = (0..pts.len()).min_by(|&a, &b| dist2(&pts[a], &q).total_cmp(&dist2(&pts[b], &q)));
            let brute = brute.filter(|&i| dist2(&pts[i], &q) <= r2).map(|i| i as u32);
            assert_eq!(tree.nearest(ra, dec, radius), brute, "nearest {ra} {dec} {radius}");
            found += brute.is_some() as usize;
            hits += want.len();
        }
        assert!(found > 1000 && hits > 100_000, "queries must find things: {found} {hits}");
    }

    #[test]
    fn angular_limits_and_edge_cases() {
        let xyz: Vec<f32> = [(0.0, 0.0), (1.0, 0.0), (359.5, 0.0), (0.0, 90.0)]
            .iter()
            .flat_map(|&(r, d)| unit_vector(r, d).map(|c| c as f32))
            .collect();
        let t = KdTree::build(&xyz);
        assert_eq!(t.nearest(0.6, 0.0, 0.5), Some(1));
        assert_eq!(t.nearest(0.6, 0.0, 0.3), None); // 0.4° away
        assert_eq!(t.nearest(359.9, 0.0, 1.0), Some(0)); // across RA 0/360
        assert_eq!(t.nearest(359.7, 0.0, 1.0), Some(2));
        assert_eq!(t.within(0.0, 0.0, 0.75), vec![0, 2]);
        assert_eq!(t.within(0.5, 0.0, 0.75), vec![0, 1]);
        assert_eq!(t.within(123.0, 89.9, 0.2), vec![3]);
        assert_eq!(t.within(0.0, 0.0, 360.0), vec![0, 1, 2, 3]);
        assert!(t.within(0.0, 0.0, -1.0).is_empty() && t.nearest(0.0, 0.0, f64::NAN).is_none());
        assert!((separation(0.0, 0.0, 1.0, 0.0) - 1.0).abs() < 1e-12);
        let empty = KdTree::build(&[1.0, 2.0]);
        assert!(empty.is_empty() && empty.nearest(0.0, 0.0, 180.0).is_none() && empty.within(0.0, 0.0, 180.0).is_empty());
        // duplicates and NaN do not break anything
        let t = KdTree::build(&[1.0, 0.0, 0.0, 1.0, 0.0, 0.0, f32::NAN, 0.0, 0.0, 1.0, 0.0, 0.0]);
        assert_eq!(t.within(0.0, 0.0, 0.1), vec![0, 1, 3]);
        assert!(matches!(t.nearest(0.0, 0.0, 0.1), Some(0 | 1 | 3)));
    }

    #[test]
    fn builds_400k_quickly() {
        let mut seed = 42;
        let (_, xyz) = points(400_000, &mut seed);
        let t0 = std::time::Instant::now();
        let tree = KdTree::build(&xyz);
        let built = t0.elapsed();
        assert_eq!(tree.len(), 400_000);
        // generous: debug builds of this crate are unoptimised (release builds take ~0.1 s)
        assert!(built.as_secs_f64() < 10.0, "{built:?}");
        let t0 = std::time::Instant::now();
        let mut found = 0;
        for i in 0..10_000 {
            found += tree.nearest(i as f64 * 0.036, (i as f64 * 0.017) % 180.0 - 90.0, 1.0).is_some() as usize;
        }
        assert!(found > 5000, "{found}");
        println!("400k build {built:?}, 10k nearest {:?}", t0.elapsed());
    }
}
