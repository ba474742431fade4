use super::*;

fn decals() -> Option<&'static Tree> {
    tree_for("dr5", ["smooth-or-featured"])
}

fn gz_desi_columns() -> Vec<String> {
    let mut cols = vec![
        "image".to_string(),
        "id_str".into(),
        "ra".into(),
        "dec".into(),
    ];
    for c in ["dr12", "dr5", "dr8"] {
        let bar = if c == "dr12" {
            "yes,no"
        } else {
            "strong,weak,no"
        };
        for (q, answers) in [
            ("smooth-or-featured", "smooth,featured-or-disk,artifact"),
            ("disk-edge-on", "yes,no"),
            ("has-spiral-arms", "yes,no"),
            ("bar", bar),
            ("bulge-size", "dominant,large,moderate,small,none"),
            ("how-rounded", "round,in-between,cigar-shaped"),
            ("edge-on-bulge", "boxy,none,rounded"),
            ("spiral-winding", "tight,medium,loose"),
            ("spiral-arm-count", "1,2,3,4,more-than-4,cant-tell"),
            ("merging", "none,minor-disturbance,major-disturbance,merger"),
        ] {
            for a in answers.split(',') {
                cols.push(format!("{q}-{c}_{a}"));
            }
        }
    }
    cols
}

#[test]
fn column_names_parse_for_any_campaign() {
    let cases = [
        (
            "smooth-or-featured-dr12_featured-or-disk",
            Some(("smooth-or-featured", "dr12", "featured-or-disk")),
        ),
        (
            "spiral-arm-count-dr8_more-than-4",
            Some(("spiral-arm-count", "dr8", "more-than-4")),
        ),
        ("bar-gz2_yes", Some(("bar", "gz2", "yes"))),
        ("clumpy-candels_yes", Some(("clumpy", "candels", "yes"))),
        ("id_str", None),
        ("ra_deg", None),
        ("dec", None),
        ("bar-dr5_", None),
        ("-dr5_yes", None),
        ("a-b_c_d", None),
    ];
    for (name, want) in cases {
        let got = parse_vote_column(name);
        let got = got
            .as_ref()
            .map(|v| (v.question.as_str(), v.campaign.as_str(), v.answer.as_str()));
        assert_eq!(got, want, "{name}");
    }
}

#[test]
fn schema_groups_campaigns_in_column_order_and_questions_in_tree_order() {
    let cols = gz_desi_columns();
    let schema = VoteSchema::from_columns(
        cols.iter()
            .map(|c| (c.as_str(), c.contains('_') && c != "id_str")),
    );
    let names: Vec<&str> = schema.campaigns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["dr12", "dr5", "dr8"]);
    let order: Vec<&str> = schema.campaigns[1]
        .questions
        .iter()
        .map(|q| q.name.as_str())
        .collect();
    assert_eq!(
        order,
        [
            "smooth-or-featured",
            "how-rounded",
            "disk-edge-on",
            "edge-on-bulge",
            "has-spiral-arms",
            "spiral-winding",
            "spiral-arm-count",
            "bar",
            "bulge-size",
            "merging"
        ]
    );
    assert_eq!(
        schema.columns().len(),
        cols.len() - 4,
        "every vote column, no other"
    );
    let bar = schema.campaigns[0]
        .questions
        .iter()
        .find(|q| q.name == "bar")
        .unwrap();
    assert_eq!(
        bar.answers,
        vec![("yes".to_string(), 4 + 7), ("no".to_string(), 4 + 8)]
    );
}

#[test]
fn unknown_and_non_integer_columns_are_ignored_and_unknown_questions_kept_flat() {
    let cols = [
        ("weird-gz2_yes", true),
        ("smooth-or-featured-gz2_smooth", true),
        ("flux-g_mag", false),
        ("weird-gz2_no", true),
    ];
    let schema = VoteSchema::from_columns(cols);
    let qs: Vec<&str> = schema.campaigns[0]
        .questions
        .iter()
        .map(|q| q.name.as_str())
        .collect();
    assert_eq!(
        qs,
        ["smooth-or-featured", "weird"],
        "known questions first, unknown after"
    );
    assert_eq!(schema.columns(), vec![1, 0, 3]);
}

#[test]
fn parents_follow_the_decision_tree() {
    let cases = [
        ("smooth-or-featured", None),
        ("how-rounded", Some(("smooth-or-featured", "smooth"))),
        (
            "disk-edge-on",
            Some(("smooth-or-featured", "featured-or-disk")),
        ),
        ("edge-on-bulge", Some(("disk-edge-on", "yes"))),
        ("bar", Some(("disk-edge-on", "no"))),
        ("spiral-arm-count", Some(("has-spiral-arms", "yes"))),
        ("merging", None),
        ("unknown", None),
    ];
    for (q, want) in cases {
        assert_eq!(decals().unwrap().parent_of(q), want, "{q}");
    }
}

fn votes(q: &str, counts: &[(&str, u32)]) -> QuestionVotes {
    QuestionVotes {
        question: q.into(),
        counts: counts.iter().map(|(a, n)| (a.to_string(), *n)).collect(),
        total: counts.iter().map(|c| c.1).sum(),
    }
}

#[test]
fn fractions_intervals_and_not_asked() {
    let v = votes("bar", &[("strong", 3), ("weak", 0), ("no", 2)]);
    assert_eq!(v.fraction(0), Some(0.6));
    assert_eq!(v.fraction(1), Some(0.0), "asked, nobody chose it: 0 %");
    assert_eq!(v.top(), Some("strong"));
    let none = votes("bar", &[("strong", 0), ("weak", 0), ("no", 0)]);
    assert!(!none.asked());
    assert_eq!(
        (none.fraction(0), none.interval(0), none.top()),
        (None, None, None),
        "not asked is not 0 %"
    );
    // Wilson 95 %: 3 of 5 is far less certain than 30 of 50
    let cases = [
        (3, 5, 0.2307, 0.8824),
        (30, 50, 0.4618, 0.7239),
        (0, 5, 0.0, 0.4345),
        (5, 5, 0.5655, 1.0),
        (1, 1, 0.2065, 1.0),
    ];
    for (k, n, lo, hi) in cases {
        let (l, h) = wilson_interval(k, n).unwrap();
        assert!(
            (l - lo).abs() < 5e-4 && (h - hi).abs() < 5e-4,
            "{k}/{n}: ({l:.4}, {h:.4})"
        );
    }
    assert_eq!(wilson_interval(0, 0), None);
}

#[test]
fn question_votes_from_a_row_treat_nulls_as_zero() {
    let q = Question {
        name: "bar".into(),
        answers: vec![("yes".into(), 7), ("no".into(), 9)],
    };
    let v = QuestionVotes::from_row(&q, |c| if c == 7 { Some(4) } else { None });
    assert_eq!((v.total, v.counts[1].1), (4, 0));
}

#[test]
fn most_voted_path_and_summary() {
    let featured = vec![
        votes(
            "smooth-or-featured",
            &[("smooth", 4), ("featured-or-disk", 28), ("artifact", 2)],
        ),
        votes(
            "how-rounded",
            &[("round", 3), ("in-between", 1), ("cigar-shaped", 0)],
        ),
        votes("disk-edge-on", &[("yes", 2), ("no", 26)]),
        votes("edge-on-bulge", &[("boxy", 0), ("none", 1), ("rounded", 1)]),
        votes("has-spiral-arms", &[("yes", 20), ("no", 6)]),
        votes(
            "spiral-winding",
            &[("tight", 12), ("medium", 5), ("loose", 3)],
        ),
        votes(
            "spiral-arm-count",
            &[
                ("1", 1),
                ("2", 15),
                ("3", 2),
                ("4", 0),
                ("more-than-4", 0),
                ("cant-tell", 2),
            ],
        ),
        votes("bar", &[("strong", 14), ("weak", 6), ("no", 6)]),
        votes(
            "bulge-size",
            &[
                ("dominant", 0),
                ("large", 2),
                ("moderate", 15),
                ("small", 8),
                ("none", 1),
            ],
        ),
        votes(
            "merging",
            &[
                ("none", 30),
                ("minor-disturbance", 2),
                ("major-disturbance", 0),
                ("merger", 0),
            ],
        ),
    ];
    let path: Vec<(String, String)> = most_voted_path(&featured, decals());
    let qs: Vec<&str> = path.iter().map(|(q, _)| q.as_str()).collect();
    assert_eq!(
        qs,
        [
            "smooth-or-featured",
            "disk-edge-on",
            "has-spiral-arms",
            "spiral-winding",
            "spiral-arm-count",
            "bar",
            "bulge-size",
            "merging"
        ]
    );
    assert_eq!(
        describe("dr5", &featured, decals()).unwrap(),
        "featured, face-on disk, two tight spiral arms, strong bar, moderate bulge — 34 volunteers, dr5"
    );
    let smooth = vec![
        votes(
            "smooth-or-featured",
            &[("smooth", 5), ("featured-or-disk", 0), ("artifact", 0)],
        ),
        votes(
            "how-rounded",
            &[("completely", 1), ("in-between", 0), ("cigar-shaped", 4)],
        ),
        votes(
            "merging",
            &[
                ("neither", 1),
                ("tidal-debris", 0),
                ("both", 0),
                ("merger", 4),
            ],
        ),
    ];
    assert_eq!(
        describe("dr12", &smooth, decals()).unwrap(),
        "smooth, cigar-shaped, merging — 5 volunteers, dr12"
    );
    let artifact = vec![votes(
        "smooth-or-featured",
        &[("smooth", 1), ("featured-or-disk", 0), ("artifact", 6)],
    )];
    assert_eq!(
        describe("dr8", &artifact, decals()).unwrap(),
        "star or artifact — 7 volunteers, dr8"
    );
    assert_eq!(
        describe(
            "dr8",
            &[votes("smooth-or-featured", &[("smooth", 0)])],
            decals()
        ),
        None,
        "no votes, no summary"
    );
}
