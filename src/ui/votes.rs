//! What the volunteers said: per campaign with votes, the questions in decision-tree
//! order, each answer's fraction with its count, the question's total and a 95 %
//! interval; "not asked" where nobody was asked; the most-voted path highlighted.

use super::state::CampaignVotes;
use crate::gz::{QuestionVotes, Tree};
use leptos::prelude::*;

fn percent(f: f64) -> String {
    format!("{:.0} %", f * 100.0)
}

/// Votes of every campaign; campaigns without votes are named, collapsed.
#[component]
pub fn VotesPanel(votes: Vec<CampaignVotes>) -> impl IntoView {
    if votes.is_empty() {
        return view! { <p class="muted" id="votes-none">"This table has no Galaxy Zoo vote columns."</p> }.into_any();
    }
    let (voted, silent): (Vec<CampaignVotes>, Vec<CampaignVotes>) =
        votes.into_iter().partition(CampaignVotes::has_votes);
    let silent_names = silent
        .iter()
        .map(|c| c.campaign.clone())
        .collect::<Vec<_>>()
        .join(", ");
    view! {
        <section class="votes" aria-labelledby="votes-title">
            <h3 id="votes-title">"What the volunteers said"</h3>
            {voted.into_iter().map(|c| view! { <CampaignCard c=c/> }).collect_view()}
            {(!silent_names.is_empty()).then(|| view! { <p class="muted" id="votes-silent">{format!("No votes in: {silent_names}")}</p> })}
        </section>
    }
    .into_any()
}

#[component]
fn CampaignCard(c: CampaignVotes) -> impl IntoView {
    let campaign = c.campaign.clone();
    let path = c.path.clone();
    let tree = c.tree;
    let tree_name = tree.map_or("unknown", |t| t.name);
    view! {
        <details class="campaign" open data-campaign=campaign.clone() data-tree=tree_name>
            <summary>
                <strong>{campaign.clone()}</strong>" "
                <span class="campaign-summary" data-campaign=campaign.clone()>{c.summary.clone().unwrap_or_default()}</span>
            </summary>
            {match tree {
                Some(t) => view! { <p class="tree-name muted">{format!("Decision tree: {}", t.name)}</p> }.into_any(),
                None => view! {
                    <p class="tree-unknown" role="note">{format!(
                        "The decision tree of campaign \"{campaign}\" is not known to this viewer: its questions are shown as they are, in column order, without saying which answer leads to which."
                    )}</p>
                }.into_any(),
            }}
            {c.questions.into_iter().map(|q| {
                let on_path = path.clone();
                view! { <QuestionBlock q=q campaign=campaign.clone() path=on_path tree=tree/> }
            }).collect_view()}
        </details>
    }
}

#[component]
fn QuestionBlock(
    q: QuestionVotes,
    campaign: String,
    path: Vec<(String, String)>,
    tree: Option<&'static Tree>,
) -> impl IntoView {
    let after = tree
        .and_then(|t| t.parent_of(&q.question))
        .map(|(pq, pa)| format!("after {pq}: {pa}"));
    let asked = q.asked();
    let total = q.total;
    let name = q.question.clone();
    view! {
        <div class="question" data-question=name.clone() data-campaign=campaign.clone() data-total=total>
            <div class="question-head">
                <span class="question-name">{name.replace('-', " ")}</span>
                {after.map(|a| view! { <span class="after">{a}</span> })}
                <span class="total">{if asked { format!("{total} votes") } else { "not asked".to_string() }}</span>
            </div>
            {asked.then(|| {
                q.counts.iter().enumerate().map(|(i, (answer, count))| {
                    let f = q.fraction(i).unwrap_or(0.0);
                    let (lo, hi) = q.interval(i).unwrap_or((0.0, 0.0));
                    let highlighted = path.iter().any(|(pq, pa)| *pq == name && pa == answer);
                    view! {
                        <div class="answer" class:on-path=highlighted data-answer=answer.clone() data-count=*count data-fraction=f.to_string()>
                            <span class="answer-name">{answer.replace('-', " ")}</span>
                            <span class="bar" role="img" aria-label=format!("{} of votes, 95 % interval {} to {}", percent(f), percent(lo), percent(hi))>
                                <span class="fill" style:width=format!("{:.1}%", f * 100.0)></span>
                                <span class="interval" style:left=format!("{:.1}%", lo * 100.0) style:width=format!("{:.1}%", (hi - lo) * 100.0)></span>
                            </span>
                            <span class="fraction">{percent(f)}</span>
                            <span class="count">{format!("{count}/{total}")}</span>
                        </div>
                    }
                }).collect_view()
            })}
        </div>
    }
}
