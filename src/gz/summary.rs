//! The most-voted path through the tree, and a one-line description of it.

use super::tree::Tree;
use super::votes::QuestionVotes;

/// Answers of the first question that mean "not a galaxy to describe".
const NOT_A_GALAXY: [&str; 3] = ["artifact", "problem", "star-artifact-zoom"];

/// (question, answer) pairs along the most-voted path, in tree order: a question is on
/// the path when it is always asked or its parent's top answer leads to it. Empty without
/// a tree: there is no path through questions whose dependencies are unknown.
pub fn most_voted_path(votes: &[QuestionVotes], tree: Option<&Tree>) -> Vec<(String, String)> {
    let Some(tree) = tree else {
        return Vec::new();
    };
    let mut sorted: Vec<&QuestionVotes> = votes.iter().collect();
    sorted.sort_by_key(|v| tree.order(&v.question));
    let mut path: Vec<(String, String)> = Vec::new();
    for v in sorted {
        let Some(top) = v.top() else { continue };
        let on_path = match tree.parent_of(&v.question) {
            None => tree.has(&v.question),
            Some((pq, pa)) => path.iter().any(|(q, a)| q == pq && a == pa),
        };
        // questions asked of every galaxy are not asked of an artifact
        let artifact = path
            .iter()
            .any(|(q, a)| q == tree.root() && NOT_A_GALAXY.contains(&a.as_str()));
        if on_path && !(artifact && tree.parent_of(&v.question).is_none()) {
            path.push((v.question.clone(), top.to_string()));
        }
    }
    path
}

fn words(question: &str, answer: &str) -> Option<String> {
    let number = |a: &str| match a {
        "1" => "one spiral arm".to_string(),
        "2" => "two".into(),
        "3" => "three".into(),
        "4" => "four".into(),
        "more-than-4" => "more than four".into(),
        "5-plus" => "five or more".into(),
        _ => String::new(),
    };
    Some(match (question, answer) {
        ("smooth-or-featured", "smooth") => "smooth".into(),
        ("smooth-or-featured", "featured-or-disk" | "features") => "featured".into(),
        ("smooth-or-featured", "artifact") => "star or artifact".into(),
        ("smooth-or-featured", "problem" | "star-artifact-zoom") => {
            "star, artifact or bad zoom".into()
        }
        ("problem", "zoom" | "bad-zoom") => "bad zoom".into(),
        ("problem", p) => p.into(),
        ("artifact", a) => format!("{a} artifact"),
        ("clumpy-appearance", "yes") => "clumpy".into(),
        ("clumpy-appearance", _) => return None,
        ("clump-count", n) => format!("{n} clumps"),
        ("galaxy-symmetrical", "yes") => "symmetrical".into(),
        ("galaxy-symmetrical", _) => "asymmetrical".into(),
        ("clumps-embedded-larger-object", "yes") => "clumps in a larger galaxy".into(),
        ("clumps-embedded-larger-object", _) => return None,
        ("clumps", "yes") => "clumps".into(),
        ("clumps", _) => return None,
        ("something-odd", "yes") => "something odd".into(),
        ("something-odd", _) => return None,
        ("bulge-shape", "no-bulge" | "none") => "no bulge".into(),
        ("bulge-shape", b) => format!("{b} bulge"),
        ("edge-on-bulge", "yes") => "bulge".into(),
        ("edge-on-bulge", "no") => "no bulge".into(),
        ("how-rounded", "round" | "completely") => "round".into(),
        ("how-rounded", "in-between") => "in-between roundness".into(),
        ("how-rounded", "cigar-shaped") => "cigar-shaped".into(),
        ("disk-edge-on", "yes") => "edge-on disk".into(),
        ("disk-edge-on", "no") => "face-on disk".into(),
        ("edge-on-bulge", "none") => "no bulge".into(),
        ("edge-on-bulge", b) => format!("{b} bulge"),
        ("has-spiral-arms", "no") => "no spiral arms".into(),
        ("has-spiral-arms", "yes") => return None, // said with winding and count
        ("bar", "no") => "no bar".into(),
        ("bar", "yes") => "bar".into(),
        ("bar", strength) => format!("{strength} bar"),
        ("bulge-size", "none" | "no") => "no bulge".into(),
        ("bulge-size", size) => format!("{size} bulge"),
        ("merging", "none" | "neither") => return None,
        ("merging", "minor-disturbance") => "minor disturbance".into(),
        ("merging", "major-disturbance") => "major disturbance".into(),
        ("merging", "tidal-debris") => "tidal debris".into(),
        ("merging", "both") => "merging, with tidal debris".into(),
        ("merging", "merger") => "merging".into(),
        ("spiral-arm-count", a) => return Some(number(a)).filter(|s| !s.is_empty()),
        ("spiral-winding", w) => w.to_string(),
        ("how-rounded", "cigar") => "cigar-shaped".into(),
        (q, a) => format!("{}: {}", q.replace('-', " "), a.replace('-', " ")),
    })
}

/// "featured, face-on disk, two tight spiral arms, strong bar — 34 volunteers, dr5".
/// `None` without a tree, or when nobody answered its first question.
pub fn describe(campaign: &str, votes: &[QuestionVotes], tree: Option<&Tree>) -> Option<String> {
    let path = most_voted_path(votes, tree);
    let root = tree?.root();
    let volunteers = votes
        .iter()
        .find(|v| v.question == root)
        .map(|v| v.total)
        .filter(|&t| t > 0)?;
    let get = |q: &str| path.iter().find(|(pq, _)| pq == q).map(|(_, a)| a.as_str());
    let mut parts: Vec<String> = Vec::new();
    for (q, a) in &path {
        match q.as_str() {
            "spiral-winding" => {}
            "spiral-arm-count" => {
                let count = words(q, a).unwrap_or_default();
                let winding = get("spiral-winding").unwrap_or("");
                let phrase = match (count.as_str(), winding) {
                    ("one spiral arm", w) if !w.is_empty() => format!("one {w} spiral arm"),
                    ("one spiral arm", _) => count.clone(),
                    ("", w) if !w.is_empty() => format!("{w} spiral arms"),
                    ("", _) => "spiral arms".into(),
                    (n, w) if !w.is_empty() => format!("{n} {w} spiral arms"),
                    (n, _) => format!("{n} spiral arms"),
                };
                parts.push(phrase);
            }
            _ => parts.extend(words(q, a)),
        }
    }
    let noun = if volunteers == 1 {
        "volunteer"
    } else {
        "volunteers"
    };
    Some(format!(
        "{} — {volunteers} {noun}, {campaign}",
        parts.join(", ")
    ))
}
