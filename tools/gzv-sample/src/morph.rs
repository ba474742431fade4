//! What a galaxy "really" looks like (the truth the renderer draws) and how volunteers
//! vote on it, question by question down the Galaxy Zoo DECaLS/DESI decision tree.

use crate::rng::Rng;

/// The three GZ DESI campaigns, in the dataset's column order.
pub const CAMPAIGNS: [&str; 3] = ["dr12", "dr5", "dr8"];

/// Questions in the dataset's column order.
pub const QUESTIONS: [&str; 10] = [
    "smooth-or-featured",
    "disk-edge-on",
    "has-spiral-arms",
    "bar",
    "bulge-size",
    "how-rounded",
    "edge-on-bulge",
    "spiral-winding",
    "spiral-arm-count",
    "merging",
];

/// Answers of question `q` (index into [`QUESTIONS`]) in campaign `c` (index into [`CAMPAIGNS`]).
pub fn answers(q: usize, c: usize) -> &'static [&'static str] {
    let dr12 = c == 0;
    match q {
        0 => &["smooth", "featured-or-disk", "artifact"],
        1 | 2 => &["yes", "no"],
        3 if dr12 => &["yes", "no"],
        3 => &["strong", "weak", "no"],
        4 if dr12 => &["dominant", "obvious", "none"],
        4 => &["dominant", "large", "moderate", "small", "none"],
        5 if dr12 => &["completely", "in-between", "cigar-shaped"],
        5 => &["round", "in-between", "cigar-shaped"],
        6 => &["boxy", "none", "rounded"],
        7 => &["tight", "medium", "loose"],
        8 if dr12 => &["1", "2", "3", "4", "more-than-4"],
        8 => &["1", "2", "3", "4", "more-than-4", "cant-tell"],
        9 if dr12 => &["neither", "tidal-debris", "both", "merger"],
        _ => &["none", "minor-disturbance", "major-disturbance", "merger"],
    }
}

/// All vote column names in dataset order: `{question}-{campaign}_{answer}` (98 names).
pub fn vote_columns() -> Vec<String> {
    let mut out = Vec::new();
    for (c, campaign) in CAMPAIGNS.iter().enumerate() {
        for (q, question) in QUESTIONS.iter().enumerate() {
            for a in answers(q, c) {
                out.push(format!("{question}-{campaign}_{a}"));
            }
        }
    }
    out
}

/// Top-level class, as the first question asks it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    Smooth,
    Featured,
    Artifact,
}

/// Kinds of artifact the renderer can draw.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArtifactKind {
    SatelliteTrail,
    BrightStar,
    BadColumns,
}

/// The true morphology of one galaxy, in campaign-neutral terms (dr5/dr8 answer indices).
#[derive(Clone, Debug)]
pub struct Morphology {
    pub class: Class,
    /// 0 round, 1 in-between, 2 cigar-shaped (smooth only).
    pub roundness: usize,
    pub edge_on: bool,
    /// 0 boxy, 1 none, 2 rounded (edge-on only).
    pub edge_bulge: usize,
    pub spiral: bool,
    /// 0 tight, 1 medium, 2 loose.
    pub winding: usize,
    /// Number of arms, 1..=6 (5 and 6 answer "more-than-4").
    pub arms: usize,
    /// 0 strong, 1 weak, 2 no.
    pub bar: usize,
    /// 0 dominant, 1 large, 2 moderate, 3 small, 4 none.
    pub bulge: usize,
    /// 0 none, 1 minor disturbance (tidal debris), 2 major disturbance, 3 merger.
    pub merging: usize,
    pub artifact: ArtifactKind,
}

impl Morphology {
    /// Draw a morphology with roughly the class mix of GZ DESI.
    pub fn draw(rng: &mut Rng) -> Self {
        let class = match rng.weighted(&[0.42, 0.53, 0.05]) {
            0 => Class::Smooth,
            1 => Class::Featured,
            _ => Class::Artifact,
        };
        let edge_on = class == Class::Featured && rng.chance(0.22);
        let spiral = class == Class::Featured && !edge_on && rng.chance(0.78);
        let merging = if class == Class::Artifact {
            0
        } else {
            rng.weighted(&[0.78, 0.11, 0.06, 0.05])
        };
        Morphology {
            class,
            roundness: rng.weighted(&[0.4, 0.45, 0.15]),
            edge_on,
            edge_bulge: rng.weighted(&[0.15, 0.35, 0.5]),
            spiral,
            winding: rng.weighted(&[0.33, 0.37, 0.3]),
            arms: 1 + rng.weighted(&[0.05, 0.45, 0.2, 0.12, 0.12, 0.06]),
            bar: rng.weighted(&[0.15, 0.2, 0.65]),
            bulge: rng.weighted(&[0.08, 0.2, 0.32, 0.25, 0.15]),
            merging,
            artifact: match rng.weighted(&[0.4, 0.45, 0.15]) {
                0 => ArtifactKind::SatelliteTrail,
                1 => ArtifactKind::BrightStar,
                _ => ArtifactKind::BadColumns,
            },
        }
    }

    /// The true answer to question `q` in campaign `c`, as an index into `answers(q, c)`.
    fn truth(&self, q: usize, c: usize, rng: &mut Rng) -> usize {
        let dr12 = c == 0;
        match q {
            0 => self.class as usize,
            1 => usize::from(!self.edge_on),
            2 => usize::from(!self.spiral),
            3 if dr12 => match self.bar {
                0 => 0,
                1 => usize::from(rng.chance(0.5)),
                _ => 1,
            },
            3 => self.bar,
            4 if dr12 => match self.bulge {
                0 => 0,
                1 | 2 => 1,
                3 if rng.chance(0.5) => 1,
                _ => 2,
            },
            4 => self.bulge,
            5 => self.roundness,
            6 => self.edge_bulge,
            7 => self.winding,
            8 => self.arms.min(5) - 1,
            _ => self.merging,
        }
    }
}

/// How often a volunteer gives the true answer to each question (harder questions lower).
const ACCURACY: [f64; 10] = [0.85, 0.9, 0.82, 0.7, 0.55, 0.72, 0.65, 0.5, 0.55, 0.8];

/// One volunteer's answer: the truth, else usually a neighbouring answer, else any answer.
fn volunteer_answer(truth: usize, n_answers: usize, q: usize, rng: &mut Rng) -> usize {
    if rng.chance(ACCURACY[q]) {
        return truth;
    }
    if n_answers > 2 && rng.chance(0.7) {
        let up = rng.chance(0.5);
        return if (up && truth + 1 < n_answers) || truth == 0 {
            truth + 1
        } else {
            truth - 1
        };
    }
    let other = rng.int(0, n_answers as i64 - 2) as usize;
    if other >= truth { other + 1 } else { other }
}

/// Vote counts of one campaign for `volunteers` volunteers: each walks the decision tree,
/// so a follow-up question only gets votes from volunteers whose own answer led to it.
/// Returns the counts in column order for that campaign (`answers(q, c)` concatenated).
pub fn vote(m: &Morphology, c: usize, volunteers: u32, rng: &mut Rng) -> Vec<i32> {
    let offsets: Vec<usize> = (0..QUESTIONS.len())
        .scan(0, |acc, q| {
            let start = *acc;
            *acc += answers(q, c).len();
            Some(start)
        })
        .collect();
    let total: usize = (0..QUESTIONS.len()).map(|q| answers(q, c).len()).sum();
    let mut counts = vec![0i32; total];
    let ask = |q: usize, counts: &mut Vec<i32>, rng: &mut Rng| -> usize {
        let n = answers(q, c).len();
        let truth = m.truth(q, c, rng);
        let mut a = volunteer_answer(truth, n, q, rng);
        // "cant-tell" exists only in dr5/dr8 and is chosen for faint or flocculent arms.
        if q == 8 && n == 6 && a == 5 && truth != 5 && !rng.chance(0.3) {
            a = truth;
        }
        counts[offsets[q] + a] += 1;
        a
    };
    for _ in 0..volunteers {
        match ask(0, &mut counts, rng) {
            0 => {
                ask(5, &mut counts, rng);
                ask(9, &mut counts, rng);
            }
            1 => {
                if ask(1, &mut counts, rng) == 0 {
                    ask(6, &mut counts, rng);
                } else {
                    ask(3, &mut counts, rng);
                    if ask(2, &mut counts, rng) == 0 {
                        ask(7, &mut counts, rng);
                        ask(8, &mut counts, rng);
                    }
                    ask(4, &mut counts, rng);
                }
                ask(9, &mut counts, rng);
            }
            _ => {} // artifact ends the classification
        }
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_count_matches_gz_desi() {
        let cols = vote_columns();
        assert_eq!(cols.len(), 98);
        assert_eq!(cols[0], "smooth-or-featured-dr12_smooth");
        assert_eq!(cols[29], "merging-dr12_merger");
        assert_eq!(cols[30], "smooth-or-featured-dr5_smooth");
        assert_eq!(cols[97], "merging-dr8_merger");
        let per: Vec<usize> = (0..3)
            .map(|c| (0..10).map(|q| answers(q, c).len()).sum())
            .collect();
        assert_eq!(per, vec![30, 34, 34]);
    }

    #[test]
    fn follow_ups_only_get_votes_from_their_parent_answer() {
        let root = Rng::new(11);
        for i in 0..500 {
            let mut rng = root.fork(i);
            let m = Morphology::draw(&mut rng);
            for c in 0..3 {
                let v = vote(&m, c, 5 + (i % 36) as u32, &mut rng);
                let q = |q: usize| -> Vec<i32> {
                    let start: usize = (0..q).map(|k| answers(k, c).len()).sum();
                    v[start..start + answers(q, c).len()].to_vec()
                };
                let sum = |x: Vec<i32>| x.iter().sum::<i32>();
                let sof = q(0);
                assert_eq!(sum(q(5)), sof[0], "how-rounded total = smooth votes");
                assert_eq!(sum(q(1)), sof[1], "disk-edge-on total = featured votes");
                assert_eq!(
                    sum(q(9)),
                    sof[0] + sof[1],
                    "merging asked of smooth and featured"
                );
                let edge = q(1);
                assert_eq!(sum(q(6)), edge[0]);
                assert_eq!(sum(q(2)), edge[1]);
                assert_eq!(sum(q(3)), edge[1]);
                assert_eq!(sum(q(4)), edge[1]);
                let spiral = q(2);
                assert_eq!(sum(q(7)), spiral[0]);
                assert_eq!(sum(q(8)), spiral[0]);
            }
        }
    }
}
