//! The Galaxy Zoo DECaLS / DESI decision tree (identical in shape in dr12, dr5 and dr8):
//! which answer of which question leads to each question.

/// A question and the answer that leads to it (`None`: always asked).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TreeNode {
    pub question: &'static str,
    /// (parent question, answer of it that leads here); any of several answers may lead
    /// here in other trees, which is why this is the first of `leads_from`.
    pub parent: Option<(&'static str, &'static str)>,
}

/// The DECaLS/DESI tree in reading order: each question after the one that leads to it.
/// `merging` is asked of smooth and featured galaxies alike, so it is shown at the end.
pub const DECALS_TREE: [TreeNode; 10] = [
    TreeNode {
        question: "smooth-or-featured",
        parent: None,
    },
    TreeNode {
        question: "how-rounded",
        parent: Some(("smooth-or-featured", "smooth")),
    },
    TreeNode {
        question: "disk-edge-on",
        parent: Some(("smooth-or-featured", "featured-or-disk")),
    },
    TreeNode {
        question: "edge-on-bulge",
        parent: Some(("disk-edge-on", "yes")),
    },
    TreeNode {
        question: "has-spiral-arms",
        parent: Some(("disk-edge-on", "no")),
    },
    TreeNode {
        question: "spiral-winding",
        parent: Some(("has-spiral-arms", "yes")),
    },
    TreeNode {
        question: "spiral-arm-count",
        parent: Some(("has-spiral-arms", "yes")),
    },
    TreeNode {
        question: "bar",
        parent: Some(("disk-edge-on", "no")),
    },
    TreeNode {
        question: "bulge-size",
        parent: Some(("disk-edge-on", "no")),
    },
    TreeNode {
        question: "merging",
        parent: None,
    },
];

/// The question and answer that lead to `question`, if the tree knows it.
pub fn parent_of(question: &str) -> Option<(&'static str, &'static str)> {
    DECALS_TREE
        .iter()
        .find(|n| n.question == question)
        .and_then(|n| n.parent)
}

/// Position of `question` in reading order; unknown questions sort after known ones, in
/// the order given.
pub fn tree_order(question: &str) -> usize {
    DECALS_TREE
        .iter()
        .position(|n| n.question == question)
        .unwrap_or(DECALS_TREE.len())
}
