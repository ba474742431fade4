//! User Timing marks (`performance.mark`) at the app's milestones, so any harness or
//! DevTools can measure them: `gzv:ready`, `gzv:metadata`, `gzv:first-image`.

/// Set a User Timing mark; a browser without the API just gets none.
pub fn mark(name: &str) {
    if let Some(perf) = web_sys::window().and_then(|w| w.performance()) {
        let _ = perf.mark(name);
    }
}

/// Set a mark only if it has not been set yet on this page.
pub fn mark_once(name: &str) {
    let Some(perf) = web_sys::window().and_then(|w| w.performance()) else { return };
    if perf.get_entries_by_name(name).length() == 0 {
        let _ = perf.mark(name);
    }
}
