//! Progress of slow work, whole-dataset failures, and what the network has cost.

use super::state::AppState;
use crate::io::format_bytes;
use leptos::prelude::*;

/// Progress bar, fatal error, network cost line.
#[component]
pub fn StatusBar() -> impl IntoView {
    let state = expect_context::<AppState>();
    let total_size = move || {
        state.files.with(|f| {
            let sizes: Vec<u64> = f.iter().filter_map(|r| r.size).collect();
            (sizes.len() == f.len() && !f.is_empty()).then(|| sizes.iter().sum::<u64>())
        })
    };
    view! {
        <section class="status" aria-live="polite" aria-label="Loading status">
            {move || state.progress.get().map(|p| view! {
                <div class="progress" id="progress">
                    <label>{format!("{} ({}/{})", p.label, p.done, p.total)}
                        <progress max=p.total value=p.done></progress>
                    </label>
                </div>
            })}
            {move || state.fatal.get().map(|e| view! {
                <div class="error" role="alert" id="fatal-error"><strong>"Could not open the dataset. "</strong>{e}</div>
            })}
            <p class="net" id="net" data-engine-memory=move || state.net.get().memory.to_string()>
                {move || {
                    let v = state.net.get();
                    let n = v.http;
                    let of = total_size().map(|t| format!(" of {}", format_bytes(t))).unwrap_or_default();
                    let mut line = format!("Network: read {}{of} in {} requests", format_bytes(n.bytes), n.requests);
                    if v.cache_hits + v.joined > 0 {
                        line.push_str(&format!(", {} served from cache", v.cache_hits + v.joined));
                    }
                    if n.in_flight > 0 {
                        line.push_str(&format!(", {} in flight", n.in_flight));
                    }
                    if v.memory > 0 {
                        line.push_str(&format!("; engine memory {}", format_bytes(v.memory)));
                    }
                    line
                }}
            </p>
        </section>
    }
}
