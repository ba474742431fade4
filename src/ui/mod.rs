//! Leptos components, one per file, and the small `Copy` state they share.

mod app;
mod filter;
mod galaxy;
mod gallery;
mod load;
mod nav;
mod reads;
mod sky;
mod sky_load;
mod state;
mod status;
mod summary;
mod table;
mod votes;

pub use app::App;
pub use state::AppState;
