//! Leptos components, one per file, and the small `Copy` state they share.

mod app;
mod client;
mod filter;
mod front;
mod galaxy;
mod gallery;
mod goto;
mod like;
mod local;
mod nav;
mod shown;
mod sky;
mod state;
mod status;
mod summary;
mod table;
mod votes;
mod window;

pub use app::{App, Root, prepare};
pub use state::AppState;
