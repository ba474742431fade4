//! "Galaxies like this one": the galaxies whose volunteers answered most alike. Over the
//! questions of one campaign that both galaxies were asked, the squared differences of
//! their vote fractions are averaged, each question weighted by the votes behind it
//! (`n₁n₂/(n₁+n₂)`, the inverse of the difference's sampling variance up to a constant);
//! a galaxy sharing fewer than [`MIN_COMMON_VOTES`] votes with the one shown is not near,
//! however alike its few votes. Pure: scanned in slices so the page never waits long.

use super::filter::QuestionCounts;
use std::ops::Range;

/// Votes two galaxies must share (Σ over common questions of the smaller count) to be
/// compared at all.
pub const MIN_COMMON_VOTES: u32 = 10;

/// A galaxy found near: its map slot, the distance (0 = the same fractions, 1 = as far
/// as fractions can be on every question) and the votes shared.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Near {
    pub slot: usize,
    pub distance: f64,
    pub common: u32,
}

/// One question's counts for a galaxy, as (fractions, votes).
fn fractions(q: &QuestionCounts, slot: usize, out: &mut Vec<f64>) -> u32 {
    let k = q.answers.len();
    out.clear();
    let Some(row) = q.counts.get(slot * k..slot * k + k) else {
        return 0;
    };
    let n: u32 = row.iter().map(|&c| c as u32).sum();
    if n > 0 {
        out.extend(row.iter().map(|&c| c as f64 / n as f64));
    }
    n
}

/// The distance between galaxies `a` and `b` and the votes they share, or `None` when
/// they share too few.
pub fn distance(questions: &[&QuestionCounts], a: usize, b: usize) -> Option<(f64, u32)> {
    let (mut fa, mut fb) = (Vec::new(), Vec::new());
    let (mut num, mut den, mut common) = (0.0, 0.0, 0u32);
    for q in questions {
        let na = fractions(q, a, &mut fa);
        let nb = fractions(q, b, &mut fb);
        if na == 0 || nb == 0 {
            continue;
        }
        let w = (na as f64 * nb as f64) / (na + nb) as f64;
        let d2: f64 = fa.iter().zip(&fb).map(|(x, y)| (x - y) * (x - y)).sum();
        num += w * d2;
        den += w;
        common += na.min(nb);
    }
    (common >= MIN_COMMON_VOTES && den > 0.0).then(|| ((num / den / 2.0).sqrt(), common))
}

/// The `k` nearest galaxies to `target`, found slice by slice.
pub struct Nearest {
    target: usize,
    k: usize,
    /// The target's fractions and votes per question (computed once).
    mine: Vec<(Vec<f64>, u32)>,
    best: Vec<Near>,
}

impl Nearest {
    pub fn new(questions: &[&QuestionCounts], target: usize, k: usize) -> Nearest {
        let mine = questions
            .iter()
            .map(|q| {
                let mut f = Vec::new();
                let n = fractions(q, target, &mut f);
                (f, n)
            })
            .collect();
        Nearest {
            target,
            k,
            mine,
            best: Vec::with_capacity(k + 1),
        }
    }

    /// Whether the target has any votes to compare.
    pub fn has_votes(&self) -> bool {
        self.mine.iter().any(|(_, n)| *n > 0)
    }

    /// Look at the slots in `range` for which `keep` holds.
    pub fn scan(
        &mut self,
        questions: &[&QuestionCounts],
        range: Range<usize>,
        keep: impl Fn(usize) -> bool,
    ) {
        for b in range {
            if b == self.target || !keep(b) {
                continue;
            }
            let (mut num, mut den, mut common) = (0.0f64, 0.0f64, 0u32);
            for (q, (fa, na)) in questions.iter().zip(&self.mine) {
                if *na == 0 {
                    continue;
                }
                let k = fa.len();
                let Some(row) = q.counts.get(b * k..b * k + k) else {
                    continue;
                };
                let nb: u32 = row.iter().map(|&c| c as u32).sum();
                if nb == 0 {
                    continue;
                }
                let mut d2 = 0.0;
                for (x, &c) in fa.iter().zip(row) {
                    let d = x - c as f64 / nb as f64;
                    d2 += d * d;
                }
                let w = (*na as f64 * nb as f64) / (*na + nb) as f64;
                num += w * d2;
                den += w;
                common += (*na).min(nb);
            }
            if common < MIN_COMMON_VOTES || den <= 0.0 {
                continue;
            }
            let near = Near {
                slot: b,
                distance: (num / den / 2.0).sqrt(),
                common,
            };
            let worse = |x: &Near, y: &Near| {
                x.distance > y.distance || (x.distance == y.distance && x.slot > y.slot)
            };
            if self.best.len() == self.k {
                match self.best.last() {
                    Some(last) if worse(last, &near) => {
                        self.best.pop();
                    }
                    _ => continue,
                }
            }
            let at = self.best.partition_point(|x| !worse(x, &near));
            self.best.insert(at, near);
        }
    }

    /// The nearest, nearest first (equal distances: lower slot first).
    pub fn into_vec(self) -> Vec<Near> {
        self.best
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Deterministic counts for `slots` galaxies: two questions, the second asked only
    /// of some, some galaxies with few votes.
    fn data(slots: usize) -> Vec<QuestionCounts> {
        let mut seed = 11u64;
        let mut next = move |m: u64| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) % m
        };
        let mut q1 = QuestionCounts::new(
            vec!["smooth".into(), "featured".into(), "artifact".into()],
            slots,
        );
        let mut q2 = QuestionCounts::new(vec!["yes".into(), "no".into()], slots);
        for s in 0..slots {
            let few = s % 9 == 0;
            let n = if few { 1 + next(3) } else { 5 + next(40) } as i64;
            let a = next(n as u64 + 1) as i64;
            let b = next((n - a) as u64 + 1) as i64;
            q1.set(s, &[Some(a), Some(b), Some(n - a - b)]);
            if s % 3 != 0 {
                let m = next(30) as i64;
                let y = next(m as u64 + 1) as i64;
                q2.set(s, &[Some(y), Some(m - y)]);
            }
        }
        vec![q1, q2]
    }

    #[test]
    fn the_nearest_are_the_brute_force_nearest_whatever_the_slices() {
        let slots = 3000;
        let qs = data(slots);
        let refs: Vec<&QuestionCounts> = qs.iter().collect();
        for target in [1usize, 2, 4, 777, 2999] {
            let mut brute: Vec<Near> = (0..slots)
                .filter(|&b| b != target)
                .filter_map(|b| {
                    distance(&refs, target, b).map(|(d, c)| Near {
                        slot: b,
                        distance: d,
                        common: c,
                    })
                })
                .collect();
            brute.sort_by(|x, y| x.distance.total_cmp(&y.distance).then(x.slot.cmp(&y.slot)));
            brute.truncate(25);
            let mut n = Nearest::new(&refs, target, 25);
            for start in (0..slots).step_by(701) {
                n.scan(&refs, start..(start + 701).min(slots), |_| true);
            }
            let got = n.into_vec();
            assert_eq!(got.len(), 25);
            for (g, b) in got.iter().zip(&brute) {
                assert_eq!(g.slot, b.slot, "target {target}");
                assert!((g.distance - b.distance).abs() < 1e-12);
                assert_eq!(g.common, b.common);
            }
            // galaxies sharing too few votes are never near
            assert!(got.iter().all(|g| g.common >= MIN_COMMON_VOTES));
        }
        // only the kept slots
        let mut n = Nearest::new(&refs, 1, 10);
        n.scan(&refs, 0..slots, |s| s % 2 == 0);
        assert!(n.into_vec().iter().all(|g| g.slot % 2 == 0));
    }

    #[test]
    fn distances_mean_what_they_say() {
        let mut q = QuestionCounts::new(vec!["a".into(), "b".into()], 4);
        q.set(0, &[Some(10), Some(0)]);
        q.set(1, &[Some(20), Some(0)]); // the same fractions
        q.set(2, &[Some(0), Some(10)]); // the opposite
        q.set(3, &[Some(1), Some(0)]); // too few votes in common
        let refs = [&q];
        assert_eq!(distance(&refs, 0, 1).map(|d| d.0), Some(0.0));
        assert!((distance(&refs, 0, 2).unwrap().0 - 1.0).abs() < 1e-12);
        assert_eq!(distance(&refs, 0, 3), None);
        // a galaxy with no votes has nothing to compare
        let empty = QuestionCounts::new(vec!["a".into()], 2);
        assert!(!Nearest::new(&[&empty], 0, 5).has_votes());
    }
}
