//! Vote columns grouped by campaign and question, and the fractions of one galaxy's votes.

use super::parse_vote_column;
use super::tree::{Tree, tree_for};

/// z for a 95 % interval.
const Z95: f64 = 1.959_963_984_540_054;

/// Wilson score interval (95 %) for `k` of `n` votes; `None` when nobody was asked.
/// Small counts give wide intervals: 3 of 5 is (0.23, 0.88), 30 of 50 is (0.46, 0.72).
pub fn wilson_interval(k: u32, n: u32) -> Option<(f64, f64)> {
    if n == 0 {
        return None;
    }
    let (k, n) = (k.min(n) as f64, n as f64);
    let p = k / n;
    let z2 = Z95 * Z95;
    let denom = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / denom;
    let half = Z95 * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / denom;
    Some(((centre - half).max(0.0), (centre + half).min(1.0)))
}

/// One question of one campaign: its answers and the column index of each.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Question {
    pub name: String,
    /// (answer, index of its column in the table).
    pub answers: Vec<(String, usize)>,
}

/// A campaign's questions, in decision-tree order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Campaign {
    pub name: String,
    pub questions: Vec<Question>,
    /// Its decision tree; `None` for a campaign this viewer does not know (its questions
    /// are then in column order, with no dependencies).
    pub tree: Option<&'static Tree>,
}

/// Every vote column of a table, by campaign (in column order) and question.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VoteSchema {
    pub campaigns: Vec<Campaign>,
}

impl VoteSchema {
    /// Recognise vote columns among `columns` (name, is-integer); others are ignored.
    pub fn from_columns<'a>(columns: impl IntoIterator<Item = (&'a str, bool)>) -> VoteSchema {
        let mut campaigns: Vec<Campaign> = Vec::new();
        for (index, (name, integer)) in columns.into_iter().enumerate() {
            let Some(v) = parse_vote_column(name).filter(|_| integer) else {
                continue;
            };
            let campaign = match campaigns.iter().position(|c| c.name == v.campaign) {
                Some(i) => &mut campaigns[i],
                None => {
                    campaigns.push(Campaign {
                        name: v.campaign.clone(),
                        questions: Vec::new(),
                        tree: None,
                    });
                    let last = campaigns.len() - 1;
                    &mut campaigns[last]
                }
            };
            match campaign.questions.iter_mut().find(|q| q.name == v.question) {
                Some(q) => q.answers.push((v.answer, index)),
                None => campaign.questions.push(Question {
                    name: v.question,
                    answers: vec![(v.answer, index)],
                }),
            }
        }
        for c in &mut campaigns {
            c.tree = tree_for(&c.name, c.questions.iter().map(|q| q.name.as_str()));
            if let Some(tree) = c.tree {
                // stable: unknown questions keep their column order after the known ones
                c.questions.sort_by_key(|q| tree.order(&q.name));
            }
        }
        VoteSchema { campaigns }
    }

    /// Column indices of every vote column.
    pub fn columns(&self) -> Vec<usize> {
        self.campaigns
            .iter()
            .flat_map(|c| {
                c.questions
                    .iter()
                    .flat_map(|q| q.answers.iter().map(|a| a.1))
            })
            .collect()
    }

    pub fn is_empty(&self) -> bool {
        self.campaigns.is_empty()
    }
}

/// One galaxy's answers to one question.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct QuestionVotes {
    pub question: String,
    /// (answer, count).
    pub counts: Vec<(String, u32)>,
    pub total: u32,
}

impl QuestionVotes {
    /// Votes of a question from a row's counts (`count(column) -> votes`; nulls read as 0).
    pub fn from_row(q: &Question, count: impl Fn(usize) -> Option<i64>) -> Self {
        let counts: Vec<(String, u32)> = q
            .answers
            .iter()
            .map(|(a, col)| {
                (
                    a.clone(),
                    count(*col).unwrap_or(0).clamp(0, u32::MAX as i64) as u32,
                )
            })
            .collect();
        let total = counts.iter().map(|c| c.1).sum();
        QuestionVotes {
            question: q.name.clone(),
            counts,
            total,
        }
    }

    /// Whether anybody answered: a question nobody was asked has no fractions, not 0 %.
    pub fn asked(&self) -> bool {
        self.total > 0
    }

    /// Fraction of votes for answer `i`, `None` when not asked.
    pub fn fraction(&self, i: usize) -> Option<f64> {
        let (_, k) = self.counts.get(i)?;
        (self.total > 0).then(|| *k as f64 / self.total as f64)
    }

    /// 95 % Wilson interval of answer `i`.
    pub fn interval(&self, i: usize) -> Option<(f64, f64)> {
        wilson_interval(self.counts.get(i)?.1, self.total)
    }

    /// The most-voted answer (first on ties), `None` when not asked.
    pub fn top(&self) -> Option<&str> {
        if !self.asked() {
            return None;
        }
        let best = self.counts.iter().map(|c| c.1).max()?;
        self.counts
            .iter()
            .find(|c| c.1 == best)
            .map(|c| c.0.as_str())
    }
}
