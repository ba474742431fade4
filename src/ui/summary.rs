//! The dataset summary read from the footers, and each file's state.

use super::state::{AppState, FileStatus, PositionsView};
use crate::dataset::DatasetSummary;
use crate::io::format_bytes;
use leptos::prelude::*;

/// Totals over files, then one line per file (read, pending, or failed with the reason).
#[component]
pub fn SummaryPanel() -> impl IntoView {
    let state = expect_context::<AppState>();
    let summary = Memo::new(move |_| {
        state.files.with(|files| {
            let mut s = DatasetSummary::default();
            for f in files {
                if let FileStatus::Read(fs) = &f.status {
                    s.add(fs, f.size.unwrap_or(0));
                }
            }
            s
        })
    });
    let failed = move || {
        state.files.with(|f| {
            f.iter()
                .filter(|r| matches!(r.status, FileStatus::Failed(_)))
                .count()
        })
    };
    // Totals over the footers read so far; none read must read as unknown, never as 0.
    let known = move |f: fn(&DatasetSummary) -> String| {
        move || {
            let s = summary.get();
            let n = state.files.with(Vec::len);
            if s.files == 0 {
                "—".to_string()
            } else if s.files < n {
                format!("{} (from {} of {n} files)", f(&s), s.files)
            } else {
                f(&s)
            }
        }
    };
    view! {
        <section class="summary" aria-labelledby="summary-title">
            <h2 id="summary-title">"Dataset"</h2>
            <dl id="summary">
                <dt>"Files"</dt><dd id="sum-files">{move || {
                    let n = state.files.with(Vec::len);
                    let f = failed();
                    if f > 0 { format!("{n} ({f} failed)") } else { n.to_string() }
                }}</dd>
                <dt>"Rows"</dt><dd id="sum-rows">{known(|s| s.rows.to_string())}</dd>
                <dt>"Row groups"</dt><dd id="sum-row-groups">{known(|s| s.row_groups.to_string())}</dd>
                <dt>"Columns"</dt><dd id="sum-columns">{known(|s| format!("{} ({} leaf)", s.columns, s.leaf_columns))}</dd>
                <dt>"Compression"</dt><dd id="sum-compression">{known(|s| s.compressions.iter().cloned().collect::<Vec<_>>().join(", "))}</dd>
                <dt>"Images in"</dt><dd id="sum-image-column">{known(|s| s.image_column.clone().unwrap_or_else(|| "no image column".into()))}</dd>
                <dt>"Positions"</dt><dd id="sum-positions">{move || match state.positions.get() {
                    PositionsView::NotStarted => "waiting for the first galaxy".to_string(),
                    PositionsView::Absent => "no ra/dec columns".to_string(),
                    PositionsView::Loading { done, total } => format!("loading… {done}/{total} requests"),
                    PositionsView::Ready { count, failed } if failed.is_empty() => format!("{count} galaxies"),
                    PositionsView::Ready { count, failed } => format!("{count} galaxies ({} files failed: {})", failed.len(), failed.join("; ")),
                    PositionsView::Failed(e) => format!("failed: {e}"),
                }}</dd>
                <dt>"Size"</dt><dd id="sum-size">{known(|s| format_bytes(s.bytes_total))}</dd>
            </dl>
            <h3>"Files"</h3>
            <ul class="files" id="files">
                {move || state.files.get().into_iter().map(|f| {
                    let name = f.url.rsplit('/').next().unwrap_or(&f.url).to_string();
                    let (class, detail) = match &f.status {
                        FileStatus::Pending => ("pending", "reading footer…".to_string()),
                        FileStatus::Deferred { rows } => ("deferred", format!("{rows} rows (manifest); footer read when one of its galaxies is shown")),
                        FileStatus::Read(s) => ("read", format!("{} rows, {} row groups{}", s.rows, s.row_groups,
                            if s.has_page_index { ", page index" } else { "" })),
                        FileStatus::Failed(e) => ("failed", e.clone()),
                    };
                    view! {
                        <li class=class>
                            <span class="split">{f.split.clone()}</span>" "
                            {match f.link.clone() {
                                Some(link) => view! { <a href=link.as_str().to_string()>{name}</a> }.into_any(),
                                None => view! { <span class="refused">{name}</span> }.into_any(),
                            }}" "
                            <span class="size">{f.size.map(format_bytes).unwrap_or_default()}</span>" "
                            <span class="detail" role=if class == "failed" { Some("alert") } else { None }>{detail}</span>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
    }
}
