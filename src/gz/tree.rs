//! The decision trees of the published Galaxy Zoo campaigns: which answer of which question
//! leads to each question. Facts from the public Galaxy Zoo label metadata (the
//! `*_ortho_dependencies` of galaxy-datasets' `shared/label_metadata.py`, release 0.0.25),
//! with question names stripped of their `-{campaign}` suffix.
//!
//! Where a question follows either of two answers (merging after smooth or featured), the
//! label metadata says "always asked", and so does this table.

/// A question and the answer that leads to it (`None`: always asked).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TreeNode {
    pub question: &'static str,
    /// (parent question, answer of it that leads here).
    pub parent: Option<(&'static str, &'static str)>,
}

/// One decision tree, in reading order (each question after the one that leads to it, the
/// questions asked of every galaxy last), and the campaigns that used it.
#[derive(Debug, PartialEq, Eq)]
pub struct Tree {
    pub name: &'static str,
    pub campaigns: &'static [&'static str],
    pub nodes: &'static [TreeNode],
}

const fn n(question: &'static str, parent: Option<(&'static str, &'static str)>) -> TreeNode {
    TreeNode { question, parent }
}
const SOF: &str = "smooth-or-featured";
const DEO: &str = "disk-edge-on";
const HSA: &str = "has-spiral-arms";
const CLUMPY: &str = "clumpy-appearance";

/// The DECaLS/DESI tree (identical in shape in dr12, dr5 and dr8; the answers differ).
pub const DECALS_TREE: [TreeNode; 10] = [
    n(SOF, None),
    n("how-rounded", Some((SOF, "smooth"))),
    n(DEO, Some((SOF, "featured-or-disk"))),
    n("edge-on-bulge", Some((DEO, "yes"))),
    n(HSA, Some((DEO, "no"))),
    n("spiral-winding", Some((HSA, "yes"))),
    n("spiral-arm-count", Some((HSA, "yes"))),
    n("bar", Some((DEO, "no"))),
    n("bulge-size", Some((DEO, "no"))),
    n("merging", None),
];

const GZ2_TREE: [TreeNode; 10] = [
    n(SOF, None),
    n("how-rounded", Some((SOF, "smooth"))),
    n(DEO, Some((SOF, "featured-or-disk"))),
    n("bulge-shape", Some((DEO, "yes"))),
    n(HSA, Some((SOF, "featured-or-disk"))),
    n("spiral-winding", Some((HSA, "yes"))),
    n("spiral-arm-count", Some((HSA, "yes"))),
    n("bar", Some((SOF, "featured-or-disk"))),
    n("bulge-size", Some((SOF, "featured-or-disk"))),
    n("something-odd", None),
];

/// Galaxy Zoo: Hubble as first published, with the clumpy branch (`clump-count` is in the
/// older label metadata only).
const HUBBLE_TREE: [TreeNode; 13] = [
    n(SOF, None),
    n("how-rounded", Some((SOF, "smooth"))),
    n(CLUMPY, Some((SOF, "features"))),
    n("clump-count", Some((CLUMPY, "yes"))),
    n("galaxy-symmetrical", Some((CLUMPY, "yes"))),
    n("clumps-embedded-larger-object", Some((CLUMPY, "yes"))),
    n(DEO, Some((CLUMPY, "no"))),
    n("bulge-shape", Some((DEO, "yes"))),
    n("bar", Some((DEO, "no"))),
    n(HSA, Some((DEO, "no"))),
    n("spiral-winding", Some((DEO, "no"))),
    n("spiral-arm-count", Some((DEO, "no"))),
    n("bulge-size", Some((DEO, "no"))),
];

/// Galaxy Zoo: Hubble as relabelled for GZ Evo v2 (no clumpy branch; same suffix).
const HUBBLE_V2_TREE: [TreeNode; 9] = [
    n(SOF, None),
    n("how-rounded", Some((SOF, "smooth"))),
    n(DEO, Some((SOF, "features"))),
    n("bulge-shape", Some((DEO, "yes"))),
    n("bar", Some((DEO, "no"))),
    n(HSA, Some((DEO, "no"))),
    n("spiral-winding", Some((DEO, "no"))),
    n("spiral-arm-count", Some((DEO, "no"))),
    n("bulge-size", Some((DEO, "no"))),
];

const CANDELS_TREE: [TreeNode; 12] = [
    n(SOF, None),
    n("how-rounded", Some((SOF, "smooth"))),
    n(CLUMPY, Some((SOF, "features"))),
    n("clump-count", Some((CLUMPY, "yes"))),
    n(DEO, Some((CLUMPY, "no"))),
    n("edge-on-bulge", Some((DEO, "yes"))),
    n("bar", Some((DEO, "no"))),
    n(HSA, Some((DEO, "no"))),
    n("spiral-winding", Some((DEO, "no"))),
    n("spiral-arm-count", Some((DEO, "no"))),
    n("bulge-size", Some((DEO, "no"))),
    n("merging", None),
];

/// Cosmic Dawn (HSC), also used for GZ H2O and Euclid.
const COSMIC_DAWN_TREE: [TreeNode; 13] = [
    n(SOF, None),
    n("problem", Some((SOF, "problem"))),
    n("artifact", Some(("problem", "artifact"))),
    n("how-rounded", Some((SOF, "smooth"))),
    n(DEO, Some((SOF, "featured-or-disk"))),
    n("edge-on-bulge", Some((DEO, "yes"))),
    n(HSA, Some((DEO, "no"))),
    n("spiral-winding", Some((HSA, "yes"))),
    n("spiral-arm-count", Some((HSA, "yes"))),
    n("bar", Some((DEO, "no"))),
    n("bulge-size", Some((DEO, "no"))),
    n("clumps", Some((DEO, "no"))),
    n("merging", None),
];

/// JWST (CEERS; the COSMOS set is the same without `how-rounded`).
const JWST_TREE: [TreeNode; 12] = [
    n(SOF, None),
    n("problem", Some((SOF, "star-artifact-zoom"))),
    n("how-rounded", Some((SOF, "smooth"))),
    n(DEO, Some((SOF, "featured-or-disk"))),
    n("edge-on-bulge", Some((DEO, "yes"))),
    n(HSA, Some((DEO, "no"))),
    n("spiral-winding", Some((HSA, "yes"))),
    n("spiral-arm-count", Some((HSA, "yes"))),
    n("bar", Some((DEO, "no"))),
    n("bulge-size", Some((DEO, "no"))),
    n("clumps", None),
    n("merging", None),
];

/// Every known tree; a campaign with two (hubble) takes the smallest that holds all of its
/// questions.
pub static TREES: [Tree; 7] = [
    Tree {
        name: "Galaxy Zoo DECaLS / DESI",
        campaigns: &["dr12", "dr5", "dr8", "desi", "decals"],
        nodes: &DECALS_TREE,
    },
    Tree {
        name: "Galaxy Zoo 2",
        campaigns: &["gz2", "ukidss"],
        nodes: &GZ2_TREE,
    },
    Tree {
        name: "Galaxy Zoo: Hubble (GZ Evo v2)",
        campaigns: &["hubble"],
        nodes: &HUBBLE_V2_TREE,
    },
    Tree {
        name: "Galaxy Zoo: Hubble",
        campaigns: &["hubble"],
        nodes: &HUBBLE_TREE,
    },
    Tree {
        name: "Galaxy Zoo: CANDELS",
        campaigns: &["candels"],
        nodes: &CANDELS_TREE,
    },
    Tree {
        name: "Galaxy Zoo Cosmic Dawn",
        campaigns: &["cd", "euclid", "h2o"],
        nodes: &COSMIC_DAWN_TREE,
    },
    Tree {
        name: "Galaxy Zoo JWST",
        campaigns: &["jwst"],
        nodes: &JWST_TREE,
    },
];

impl Tree {
    /// The question and answer that lead to `question`, if this tree knows it.
    pub fn parent_of(&self, question: &str) -> Option<(&'static str, &'static str)> {
        self.nodes
            .iter()
            .find(|n| n.question == question)
            .and_then(|n| n.parent)
    }

    /// Whether this tree has `question`.
    pub fn has(&self, question: &str) -> bool {
        self.nodes.iter().any(|n| n.question == question)
    }

    /// Position of `question` in reading order; unknown questions sort after known ones.
    pub fn order(&self, question: &str) -> usize {
        self.nodes
            .iter()
            .position(|n| n.question == question)
            .unwrap_or(self.nodes.len())
    }

    /// The question every galaxy is asked first.
    pub fn root(&self) -> &'static str {
        self.nodes.first().map_or("", |n| n.question)
    }
}

/// The tree of `campaign` (case-insensitive) given the questions its columns hold: of the
/// campaign's trees, the smallest that has all of them (else the one that has most).
/// `None`: a campaign this viewer does not know.
pub fn tree_for<'a>(
    campaign: &str,
    questions: impl IntoIterator<Item = &'a str> + Clone,
) -> Option<&'static Tree> {
    let campaign = campaign.to_ascii_lowercase();
    let known = |t: &Tree| questions.clone().into_iter().filter(|q| t.has(q)).count();
    let total = questions.clone().into_iter().count();
    let candidates = TREES
        .iter()
        .filter(|t| t.campaigns.contains(&campaign.as_str()));
    candidates
        .clone()
        .filter(|t| known(t) == total)
        .min_by_key(|t| t.nodes.len())
        .or_else(|| candidates.max_by_key(|t| known(t)))
}
