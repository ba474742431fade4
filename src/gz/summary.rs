//! The most-voted path through the tree, and a one-line description of it.

use super::votes::QuestionVotes;
use super::{parent_of, tree_order};

/// (question, answer) pairs along the most-voted path, in tree order: a question is on
/// the path when it is always asked or its parent's top answer leads to it.
pub fn most_voted_path(votes: &[QuestionVotes]) -> Vec<(String, String)> {
    let mut sorted: Vec<&QuestionVotes> = votes.iter().collect();
    sorted.sort_by_key(|v| tree_order(&v.question));
    let mut path: Vec<(String, String)> = Vec::new();
    for v in sorted {
        let Some(top) = v.top() else { continue };
        let on_path = match parent_of(&v.question) {
            None => tree_order(&v.question) < super::DECALS_TREE.len(),
            Some((pq, pa)) => path.iter().any(|(q, a)| q == pq && a == pa),
        };
        // merging is asked of every galaxy that is not an artifact
        let artifact = path
            .iter()
            .any(|(q, a)| q == "smooth-or-featured" && a == "artifact");
        if on_path && !(artifact && v.question == "merging") {
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
        _ => String::new(),
    };
    Some(match (question, answer) {
        ("smooth-or-featured", "smooth") => "smooth".into(),
        ("smooth-or-featured", "featured-or-disk") => "featured".into(),
        ("smooth-or-featured", "artifact") => "star or artifact".into(),
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
        ("bulge-size", "none") => "no bulge".into(),
        ("bulge-size", size) => format!("{size} bulge"),
        ("merging", "none" | "neither") => return None,
        ("merging", "minor-disturbance") => "minor disturbance".into(),
        ("merging", "major-disturbance") => "major disturbance".into(),
        ("merging", "tidal-debris") => "tidal debris".into(),
        ("merging", "both") => "merging, with tidal debris".into(),
        ("merging", "merger") => "merging".into(),
        ("spiral-arm-count", a) => return Some(number(a)).filter(|s| !s.is_empty()),
        ("spiral-winding", w) => format!("{w}"),
        (_, a) => a.replace('-', " "),
    })
}

/// "featured, face-on disk, two tight spiral arms, strong bar — 34 volunteers, dr5".
pub fn describe(campaign: &str, votes: &[QuestionVotes]) -> Option<String> {
    let path = most_voted_path(votes);
    let volunteers = votes
        .iter()
        .find(|v| v.question == "smooth-or-featured")
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
