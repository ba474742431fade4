//! Galaxy Zoo domain: vote columns parsed from names (`{question}-{campaign}_{answer}`,
//! any campaign), the decision tree, vote fractions with their uncertainty, and the
//! most-voted path through the tree. Pure: nothing here knows about the browser.

pub mod export;
pub mod filter;
pub mod like;
mod summary;
pub mod tree;
mod votes;

pub use summary::{describe, most_voted_path};
pub use tree::{DECALS_TREE, TREES, Tree, TreeNode, tree_for};
pub use votes::{Campaign, Question, QuestionVotes, VoteSchema, wilson_interval};

/// The first question of the Galaxy Zoo DECaLS/DESI decision tree: a campaign "has votes"
/// for a galaxy when this question has any.
pub const ROOT_QUESTION: &str = "smooth-or-featured";

/// (question, campaign, answer) of a vote column name.
pub fn split_vote_column(name: &str) -> Option<(String, String, String)> {
    parse_vote_column(name).map(|v| (v.question, v.campaign, v.answer))
}

/// A vote column name split into its parts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VoteColumnName {
    pub question: String,
    pub campaign: String,
    pub answer: String,
}

/// Parse `{question}-{campaign}_{answer}`; `None` for anything else. Questions and
/// answers may contain `-`; the campaign is the last `-` part before the first `_`.
pub fn parse_vote_column(name: &str) -> Option<VoteColumnName> {
    let (left, answer) = name.split_once('_')?;
    let (question, campaign) = left.rsplit_once('-')?;
    let ok = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    (ok(question) && ok(campaign) && !answer.is_empty() && !answer.contains('_')).then(|| {
        VoteColumnName {
            question: question.into(),
            campaign: campaign.into(),
            answer: answer.into(),
        }
    })
}

#[cfg(test)]
mod tests;
