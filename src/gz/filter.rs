//! Filters by what volunteers said: conditions on an answer's vote fraction (with a minimum
//! number of votes for its question), on the campaigns that have votes, and on a region of
//! the sky, combined with AND; evaluated over every galaxy of the map at once, written to
//! and read from the page's address.
//!
//! A galaxy whose question was not asked (no votes for it in that campaign) fails every
//! fraction condition on it: "not asked" is never read as a fraction of 0.

use std::collections::HashMap;

/// One condition a galaxy must meet.
#[derive(Clone, Debug, PartialEq)]
pub enum Condition {
    /// `min ≤ votes(answer) / votes(question) ≤ max`, with `votes(question) ≥ min_votes`.
    Fraction {
        campaign: String,
        question: String,
        answer: String,
        min: f32,
        max: f32,
        min_votes: u32,
    },
    /// Volunteers of this campaign classified the galaxy (its first question has votes).
    Campaign(String),
    /// Inside RA `ra.0..=ra.1` (wrapping through 0 when `ra.0 > ra.1`) and Dec `dec.0..=dec.1`, degrees.
    Region { ra: (f64, f64), dec: (f64, f64) },
}

/// Conditions combined with AND; no conditions: every galaxy.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Filter {
    pub conditions: Vec<Condition>,
}

/// One question's vote counts for every galaxy: `counts[slot * answers + a]`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct QuestionCounts {
    pub answers: Vec<String>,
    pub counts: Vec<u16>,
}

impl QuestionCounts {
    pub fn new(answers: Vec<String>, slots: usize) -> Self {
        let k = answers.len();
        QuestionCounts {
            answers,
            counts: vec![0; slots * k],
        }
    }

    pub fn slots(&self) -> usize {
        self.counts
            .len()
            .checked_div(self.answers.len())
            .unwrap_or(0)
    }

    /// Set a galaxy's counts (`None` counts as no votes; larger counts saturate).
    pub fn set(&mut self, slot: usize, counts: &[Option<i64>]) {
        let k = self.answers.len();
        if let Some(row) = self.counts.get_mut(slot * k..slot * k + k) {
            for (c, v) in row.iter_mut().zip(counts) {
                *c = v.unwrap_or(0).clamp(0, u16::MAX as i64) as u16;
            }
        }
    }

    /// (votes for `answer`, votes for the question) of a galaxy.
    pub fn votes(&self, slot: usize, answer: usize) -> (u32, u32) {
        let k = self.answers.len();
        match self.counts.get(slot * k..slot * k + k) {
            Some(row) => (
                row.get(answer).map_or(0, |&c| c as u32),
                row.iter().map(|&c| c as u32).sum(),
            ),
            None => (0, 0),
        }
    }
}

/// What a filter is evaluated over: every galaxy's position and the vote counts of the
/// questions its conditions name (loaded on demand, keyed by (campaign, question)).
pub struct FilterData<'a> {
    pub ra: &'a [f32],
    pub dec: &'a [f32],
    pub questions: &'a HashMap<(String, String), QuestionCounts>,
}

/// The galaxies a filter selects, as a bit per galaxy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Selection {
    bits: Vec<u64>,
    len: usize,
    count: usize,
}

impl Selection {
    pub fn all(len: usize) -> Self {
        let mut bits = vec![u64::MAX; len.div_ceil(64)];
        if !len.is_multiple_of(64)
            && let Some(last) = bits.last_mut()
        {
            *last = (1u64 << (len % 64)) - 1;
        }
        Selection {
            bits,
            len,
            count: len,
        }
    }

    pub fn contains(&self, slot: usize) -> bool {
        slot < self.len && self.bits[slot / 64] >> (slot % 64) & 1 == 1
    }

    pub fn count(&self) -> usize {
        self.count
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The selected slots, ascending.
    pub fn slots(&self) -> impl Iterator<Item = usize> + '_ {
        self.bits.iter().enumerate().flat_map(|(w, &word)| {
            let mut word = word;
            std::iter::from_fn(move || {
                if word == 0 {
                    return None;
                }
                let b = word.trailing_zeros() as usize;
                word &= word - 1;
                Some(w * 64 + b)
            })
        })
    }

    /// Keep only the slots for which `keep` holds.
    fn retain(&mut self, keep: impl Fn(usize) -> bool) {
        let mut count = 0;
        for (w, word) in self.bits.iter_mut().enumerate() {
            let mut rest = *word;
            while rest != 0 {
                let b = rest.trailing_zeros() as usize;
                rest &= rest - 1;
                if !keep(w * 64 + b) {
                    *word &= !(1u64 << b);
                }
            }
            count += word.count_ones() as usize;
        }
        self.count = count;
    }
}

/// A condition names a question whose counts are not loaded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Missing(pub Vec<(String, String)>);

impl Filter {
    /// The questions (campaign, question) the conditions read.
    pub fn questions(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::new();
        for c in &self.conditions {
            let q = match c {
                Condition::Fraction {
                    campaign, question, ..
                } => (campaign.clone(), question.clone()),
                Condition::Campaign(campaign) => {
                    (campaign.clone(), super::ROOT_QUESTION.to_string())
                }
                Condition::Region { .. } => continue,
            };
            if !out.contains(&q) {
                out.push(q);
            }
        }
        out
    }

    /// The galaxies (slots of `data`) meeting every condition. A galaxy without a position
    /// fails a region condition, and one whose question was not asked fails a fraction
    /// condition on it.
    pub fn evaluate(&self, data: &FilterData) -> Result<Selection, Missing> {
        let missing: Vec<(String, String)> = self
            .questions()
            .into_iter()
            .filter(|q| !data.questions.contains_key(q))
            .collect();
        if !missing.is_empty() {
            return Err(Missing(missing));
        }
        let mut sel = Selection::all(data.ra.len().min(data.dec.len()));
        for c in &self.conditions {
            match c {
                Condition::Fraction {
                    campaign,
                    question,
                    answer,
                    min,
                    max,
                    min_votes,
                } => {
                    let Some(q) = data.questions.get(&(campaign.clone(), question.clone())) else {
                        continue;
                    };
                    let Some(a) = q.answers.iter().position(|x| x == answer) else {
                        sel.retain(|_| false); // no such answer: nothing can meet it
                        continue;
                    };
                    let (min, max, min_votes) = (*min, *max, (*min_votes).max(1));
                    sel.retain(|s| {
                        let (k, n) = q.votes(s, a);
                        n >= min_votes && {
                            let f = k as f32 / n as f32;
                            f >= min && f <= max
                        }
                    });
                }
                Condition::Campaign(campaign) => {
                    let Some(q) = data
                        .questions
                        .get(&(campaign.clone(), super::ROOT_QUESTION.to_string()))
                    else {
                        continue;
                    };
                    sel.retain(|s| q.votes(s, 0).1 > 0);
                }
                Condition::Region { ra, dec } => {
                    let (ra0, ra1) = (ra.0.rem_euclid(360.0), ra.1.rem_euclid(360.0));
                    let whole = ra.1 - ra.0 >= 360.0;
                    let wraps = ra0 > ra1;
                    sel.retain(|s| {
                        let (r, d) = (data.ra[s] as f64, data.dec[s] as f64);
                        let in_ra = whole
                            || if wraps {
                                r >= ra0 || r <= ra1
                            } else {
                                r >= ra0 && r <= ra1
                            };
                        r.is_finite() && d >= dec.0 && d <= dec.1 && in_ra
                    });
                }
            }
        }
        Ok(sel)
    }

    /// The filter as a query value: conditions joined by `;`, each
    /// `{question}-{campaign}_{answer}:{min}..{max}:n{votes}`, `campaign:{name}` or
    /// `region:{ra0}..{ra1},{dec0}..{dec1}`.
    pub fn to_query(&self) -> String {
        self.conditions
            .iter()
            .map(|c| match c {
                Condition::Fraction {
                    campaign,
                    question,
                    answer,
                    min,
                    max,
                    min_votes,
                } => {
                    format!(
                        "{question}-{campaign}_{answer}:{}..{}:n{min_votes}",
                        num(*min as f64),
                        num(*max as f64)
                    )
                }
                Condition::Campaign(name) => format!("campaign:{name}"),
                Condition::Region { ra, dec } => format!(
                    "region:{}..{},{}..{}",
                    num(ra.0),
                    num(ra.1),
                    num(dec.0),
                    num(dec.1)
                ),
            })
            .collect::<Vec<_>>()
            .join(";")
    }

    /// Read [`Filter::to_query`]'s form, with a message naming what is wrong.
    pub fn parse(text: &str) -> Result<Filter, String> {
        let mut conditions = Vec::new();
        for part in text.split(';').map(str::trim).filter(|p| !p.is_empty()) {
            conditions.push(parse_condition(part).map_err(|e| format!("filter \"{part}\": {e}"))?);
        }
        Ok(Filter { conditions })
    }
}

/// A number without trailing zeros (0.5, 10, 0.125).
fn num(v: f64) -> String {
    let s = format!("{:.4}", v);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.to_string() }
}

fn range(text: &str) -> Result<(f64, f64), String> {
    let (a, b) = text
        .split_once("..")
        .ok_or_else(|| format!("expected a range like 0.5..1, not \"{text}\""))?;
    let p = |s: &str| {
        s.trim()
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .ok_or_else(|| format!("\"{s}\" is not a number"))
    };
    Ok((p(a)?, p(b)?))
}

fn parse_condition(part: &str) -> Result<Condition, String> {
    if let Some(name) = part.strip_prefix("campaign:") {
        if name.is_empty() {
            return Err("no campaign named".into());
        }
        return Ok(Condition::Campaign(name.to_string()));
    }
    if let Some(rest) = part.strip_prefix("region:") {
        let (ra, dec) = rest
            .split_once(',')
            .ok_or("expected region:ra0..ra1,dec0..dec1")?;
        let (ra, dec) = (range(ra)?, range(dec)?);
        if dec.0 > dec.1 || dec.0 < -90.0 || dec.1 > 90.0 {
            return Err(format!(
                "declinations {}..{} are not a range within ±90°",
                dec.0, dec.1
            ));
        }
        return Ok(Condition::Region { ra, dec });
    }
    let mut fields = part.split(':');
    let column = fields.next().unwrap_or("");
    let (question, campaign, answer) = super::split_vote_column(column).ok_or_else(|| {
        format!("\"{column}\" is not a vote column ({{question}}-{{campaign}}_{{answer}})")
    })?;
    let (min, max) = range(fields.next().ok_or("no fraction range")?)?;
    if !(0.0..=1.0).contains(&min) || !(0.0..=1.0).contains(&max) || min > max {
        return Err(format!(
            "fractions {min}..{max} are not a range within 0..1"
        ));
    }
    let min_votes = match fields.next() {
        Some(n) => n
            .strip_prefix('n')
            .and_then(|n| n.parse::<u32>().ok())
            .ok_or_else(|| format!("\"{n}\" is not a minimum number of votes like n10"))?,
        None => 1,
    };
    if let Some(extra) = fields.next() {
        return Err(format!("unexpected \"{extra}\""));
    }
    Ok(Condition::Fraction {
        campaign,
        question,
        answer,
        min: min as f32,
        max: max as f32,
        min_votes,
    })
}

/// A filter from Galaxy Zoo practice, for a campaign.
#[derive(Clone, Debug, PartialEq)]
pub struct Preset {
    pub key: &'static str,
    pub label: &'static str,
    pub explain: &'static str,
    pub filter: Filter,
}

fn fraction(
    campaign: &str,
    question: &str,
    answer: &str,
    min: f32,
    max: f32,
    min_votes: u32,
) -> Condition {
    Condition::Fraction {
        campaign: campaign.into(),
        question: question.into(),
        answer: answer.into(),
        min,
        max,
        min_votes,
    }
}

/// Presets for one campaign, after the cuts Galaxy Zoo's own work uses for reliable subsets
/// (examples, not rules: total votes > 20 and an artifact fraction < 0.3; featured > 0.6 and
/// "not edge-on" > 0.75 for face-on disks). Questions a campaign lacks give no preset.
pub fn presets(campaign: &str, answers: &dyn Fn(&str) -> Option<Vec<String>>) -> Vec<Preset> {
    let has = |q: &str, a: &str| answers(q).is_some_and(|v| v.iter().any(|x| x == a));
    let mut out = Vec::new();
    if has("smooth-or-featured", "featured-or-disk") && has("disk-edge-on", "no") {
        out.push(Preset {
            key: "face-on-disks",
            label: "Reliable face-on featured disks",
            explain: "featured ≥ 0.6 of > 20 votes, artifact < 0.3, not edge-on ≥ 0.75",
            filter: Filter {
                conditions: vec![
                    fraction(
                        campaign,
                        "smooth-or-featured",
                        "featured-or-disk",
                        0.6,
                        1.0,
                        21,
                    ),
                    fraction(campaign, "smooth-or-featured", "artifact", 0.0, 0.3, 21),
                    fraction(campaign, "disk-edge-on", "no", 0.75, 1.0, 1),
                ],
            },
        });
    }
    if has("smooth-or-featured", "featured-or-disk") && has("disk-edge-on", "yes") {
        out.push(Preset {
            key: "edge-on-disks",
            label: "Edge-on disks",
            explain: "featured ≥ 0.6, artifact < 0.3, edge-on ≥ 0.75",
            filter: Filter {
                conditions: vec![
                    fraction(
                        campaign,
                        "smooth-or-featured",
                        "featured-or-disk",
                        0.6,
                        1.0,
                        1,
                    ),
                    fraction(campaign, "smooth-or-featured", "artifact", 0.0, 0.3, 1),
                    fraction(campaign, "disk-edge-on", "yes", 0.75, 1.0, 1),
                ],
            },
        });
    }
    if has("merging", "merger") {
        out.push(Preset {
            key: "mergers",
            label: "Likely mergers",
            explain: "merger ≥ 0.5 of ≥ 5 votes",
            filter: Filter {
                conditions: vec![fraction(campaign, "merging", "merger", 0.5, 1.0, 5)],
            },
        });
    }
    if has("bar", "strong") {
        out.push(Preset {
            key: "strong-bars",
            label: "Strong bars",
            explain: "strong bar ≥ 0.5 of ≥ 10 votes",
            filter: Filter {
                conditions: vec![fraction(campaign, "bar", "strong", 0.5, 1.0, 10)],
            },
        });
    }
    out
}

/// Counts of an answer's fraction in `bins` equal bins over 0..=1 (1 in the last), among
/// the selected galaxies whose question has at least `min_votes` votes; the rest counted
/// apart as not asked (no votes) or too few votes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Histogram {
    pub bins: Vec<u32>,
    pub not_asked: u32,
    pub too_few: u32,
}

pub fn histogram(
    q: &QuestionCounts,
    answer: usize,
    min_votes: u32,
    bins: usize,
    within: Option<&Selection>,
) -> Histogram {
    let mut h = Histogram {
        bins: vec![0; bins.max(1)],
        ..Default::default()
    };
    let last = h.bins.len() - 1;
    let mut visit = |s: usize| {
        let (k, n) = q.votes(s, answer);
        if n == 0 {
            h.not_asked += 1;
        } else if n < min_votes {
            h.too_few += 1;
        } else {
            let b = ((k as f64 / n as f64) * h.bins.len() as f64) as usize;
            h.bins[b.min(last)] += 1;
        }
    };
    match within {
        Some(sel) => sel.slots().filter(|&s| s < q.slots()).for_each(&mut visit),
        None => (0..q.slots()).for_each(&mut visit),
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(answers: &[&str], rows: &[&[i64]]) -> QuestionCounts {
        let mut q =
            QuestionCounts::new(answers.iter().map(|a| a.to_string()).collect(), rows.len());
        for (s, r) in rows.iter().enumerate() {
            q.set(s, &r.iter().map(|&c| Some(c)).collect::<Vec<_>>());
        }
        q
    }

    /// (ra, dec, votes by (campaign, question)) of the test table.
    type Data = (
        Vec<f32>,
        Vec<f32>,
        HashMap<(String, String), QuestionCounts>,
    );

    fn data() -> Data {
        let ra = vec![10.0, 150.0, 359.5, 0.5, f32::NAN, 200.0];
        let dec = vec![0.0, 2.0, -1.0, 1.0, f32::NAN, 45.0];
        let mut m = HashMap::new();
        // dr5 smooth-or-featured: smooth, featured-or-disk, artifact
        m.insert(
            ("dr5".into(), "smooth-or-featured".into()),
            q(
                &["smooth", "featured-or-disk", "artifact"],
                &[
                    &[2, 8, 0],
                    &[10, 10, 0],
                    &[0, 0, 0],
                    &[1, 25, 1],
                    &[0, 3, 0],
                    &[5, 4, 1],
                ],
            ),
        );
        m.insert(
            ("dr5".into(), "bar".into()),
            q(
                &["strong", "weak", "no"],
                &[
                    &[6, 2, 2],
                    &[1, 1, 8],
                    &[0, 0, 0],
                    &[3, 3, 0],
                    &[0, 0, 0],
                    &[9, 0, 0],
                ],
            ),
        );
        (ra, dec, m)
    }

    #[test]
    fn conditions_combine_with_and_and_not_asked_never_passes() {
        let (ra, dec, m) = data();
        let d = FilterData {
            ra: &ra,
            dec: &dec,
            questions: &m,
        };
        let f = |text: &str| {
            Filter::parse(text)
                .unwrap()
                .evaluate(&d)
                .unwrap()
                .slots()
                .collect::<Vec<_>>()
        };
        assert_eq!(f(""), vec![0, 1, 2, 3, 4, 5], "no conditions: everything");
        assert_eq!(
            f("smooth-or-featured-dr5_featured-or-disk:0.5..1"),
            vec![0, 1, 3, 4]
        );
        assert_eq!(
            f("smooth-or-featured-dr5_featured-or-disk:0.5..1:n10"),
            vec![0, 1, 3]
        );
        // slot 2 has no votes: it fails even a 0..1 range, and a 0..0.1 range
        assert_eq!(
            f("smooth-or-featured-dr5_artifact:0..0.1"),
            vec![0, 1, 3, 4, 5],
            "1 of 10 is within 0..0.1"
        );
        assert_eq!(
            f("bar-dr5_strong:0.5..1;smooth-or-featured-dr5_featured-or-disk:0.7..1"),
            vec![0, 3],
            "3 of 6 is 0.5: inclusive"
        );
        assert_eq!(f("campaign:dr5"), vec![0, 1, 3, 4, 5]);
        // regions: through RA 0, and positions unknown fail
        assert_eq!(f("region:359..11,-2..2"), vec![0, 2, 3]);
        assert_eq!(f("region:100..250,-90..90"), vec![1, 5]);
        assert_eq!(f("region:0..360,-90..90"), vec![0, 1, 2, 3, 5]);
        let missing = Filter::parse("merging-dr8_merger:0.5..1")
            .unwrap()
            .evaluate(&d)
            .unwrap_err();
        assert_eq!(missing, Missing(vec![("dr8".into(), "merging".into())]));
        let none = Filter::parse("bar-dr5_nonexistent:0..1")
            .unwrap()
            .evaluate(&d)
            .unwrap();
        assert_eq!(
            none.count(),
            0,
            "an answer the question does not have selects nothing"
        );
    }

    #[test]
    fn filters_round_trip_through_the_address() {
        let f = Filter {
            conditions: vec![
                fraction("dr5", "bar", "strong", 0.5, 1.0, 10),
                Condition::Campaign("dr8".into()),
                Condition::Region {
                    ra: (350.0, 10.25),
                    dec: (-5.5, 5.0),
                },
                fraction("dr12", "spiral-arm-count", "more-than-4", 0.0, 0.125, 1),
            ],
        };
        let text = f.to_query();
        assert_eq!(
            text,
            "bar-dr5_strong:0.5..1:n10;campaign:dr8;region:350..10.25,-5.5..5;spiral-arm-count-dr12_more-than-4:0..0.125:n1"
        );
        assert_eq!(Filter::parse(&text).unwrap(), f);
        assert_eq!(Filter::parse("").unwrap(), Filter::default());
        for bad in [
            "bar-dr5_strong",
            "bar-dr5_strong:0.5..2",
            "bar-dr5_strong:0.9..0.1",
            "bar-dr5_strong:0..1:x",
            "nocampaign:0..1",
            "region:0..10",
            "region:0..10,80..95",
            "campaign:",
            "bar-dr5_strong:a..1",
        ] {
            let e = Filter::parse(bad).unwrap_err();
            assert!(e.contains(bad), "{bad}: {e}");
        }
    }

    #[test]
    fn selections_count_and_list_their_slots() {
        for len in [0, 1, 63, 64, 65, 130] {
            let mut s = Selection::all(len);
            assert_eq!((s.count(), s.slots().count()), (len, len));
            s.retain(|i| i % 3 == 0);
            let want: Vec<usize> = (0..len).filter(|i| i % 3 == 0).collect();
            assert_eq!(s.slots().collect::<Vec<_>>(), want);
            assert_eq!(s.count(), want.len());
            assert!(!s.contains(len) && (len == 0 || s.contains(0)));
        }
    }

    #[test]
    fn histograms_keep_not_asked_and_too_few_apart() {
        let (_, _, m) = data();
        let sf = &m[&("dr5".to_string(), "smooth-or-featured".to_string())];
        let h = histogram(sf, 1, 10, 4, None);
        // featured fractions with ≥ 10 votes: 0.8, 0.5, 25/27, 0.4; slot 2 not asked; 4 too few
        assert_eq!(
            h,
            Histogram {
                bins: vec![0, 1, 1, 2],
                not_asked: 1,
                too_few: 1
            }
        );
        let mut sel = Selection::all(6);
        sel.retain(|s| s < 2);
        assert_eq!(histogram(sf, 1, 1, 2, Some(&sel)).bins, vec![0, 2]);
        assert_eq!(
            histogram(sf, 0, 1, 2, Some(&sel)).bins,
            vec![1, 1],
            "0.2 and exactly 0.5"
        );
    }

    #[test]
    fn presets_follow_the_campaign_questions() {
        let dr5 = |q: &str| match q {
            "smooth-or-featured" => Some(vec![
                "smooth".into(),
                "featured-or-disk".into(),
                "artifact".into(),
            ]),
            "disk-edge-on" => Some(vec!["yes".into(), "no".into()]),
            "bar" => Some(vec!["strong".into(), "weak".into(), "no".into()]),
            "merging" => Some(vec![
                "none".into(),
                "minor-disturbance".into(),
                "major-disturbance".into(),
                "merger".into(),
            ]),
            _ => None,
        };
        let p = presets("dr5", &dr5);
        assert_eq!(
            p.iter().map(|p| p.key).collect::<Vec<_>>(),
            ["face-on-disks", "edge-on-disks", "mergers", "strong-bars"]
        );
        assert!(
            p.iter()
                .all(|p| p.filter.questions().iter().all(|(c, _)| c == "dr5"))
        );
        // dr12's bar question has no "strong" answer: no strong-bar preset
        let dr12 = |q: &str| {
            if q == "bar" {
                Some(vec!["yes".into(), "no".into()])
            } else {
                dr5(q)
            }
        };
        assert!(
            !presets("dr12", &dr12)
                .iter()
                .any(|p| p.key == "strong-bars")
        );
        // every preset survives the address
        for preset in &p {
            assert_eq!(
                Filter::parse(&preset.filter.to_query()).unwrap(),
                preset.filter
            );
        }
    }
}
