//! Leptos components, one per file, and the small `Copy` state they share.

mod app;
mod galaxy;
mod load;
mod nav;
mod state;
mod status;
mod summary;
mod votes;

pub use app::App;
pub use state::AppState;
