//! When a view asks the engine for the rows near its viewport: at once to cancel the
//! reads of rows scrolled past, and to read new ones only once the scroll rests (a fast
//! scroll would otherwise start and cancel a read for every row it passes).

use crate::engine::protocol::Request;
use leptos::prelude::*;

/// Reads start once the scroll has rested this long.
pub(super) const SETTLE_MS: u64 = 90;

/// Which view asks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum View {
    Gallery,
    Table,
}

/// Ask the engine for `missing` (wanted rows the view does not hold, most wanted first).
pub(super) fn ask(view: View, missing: Vec<u64>, start: bool) {
    super::client::send(match view {
        View::Gallery => Request::Gallery {
            wanted: missing,
            start,
        },
        View::Table => Request::Table {
            wanted: missing,
            start,
        },
    });
}

/// After the wanted rows changed: cancel the reads of rows scrolled past at once; when the
/// change came from a scroll, plan new reads only once it has rested (`replan` is bumped
/// then; the caller's effect on it asks with `start`).
pub(super) fn on_wanted(
    view: View,
    missing: Vec<u64>,
    from_scroll: StoredValue<bool>,
    scrolling: StoredValue<bool>,
    settle: StoredValue<Option<TimeoutHandle>, LocalStorage>,
    replan: RwSignal<u64>,
) {
    if !from_scroll.get_value() {
        replan.update(|n| *n += 1);
        return;
    }
    ask(view, missing, false);
    from_scroll.set_value(false);
    scrolling.set_value(true);
    if let Some(h) = settle.get_value() {
        h.clear();
    }
    let handle = set_timeout_with_handle(
        move || {
            scrolling.set_value(false);
            replan.update(|n| *n += 1);
        },
        std::time::Duration::from_millis(SETTLE_MS),
    )
    .ok();
    settle.set_value(handle);
}
