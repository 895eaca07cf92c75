//! Tauri commands, one file per area of the UI. Each takes the managed [`App`] and a request,
//! calls one operation in `ferry_core::ops` for the acting user ([`actor`]) and maps its error;
//! `(async)` keeps SQLite and keychain work off the main thread, and the commands that reach
//! the network are `async` themselves, awaited on Tauri's runtime.
//!
//! [`App`]: ferry_core::App

pub mod app;
pub mod credentials;
pub mod data;
pub mod dataverse;
pub mod destinations;
pub mod queries;
pub mod segments;
pub mod start;

use ferry_core::policy::Actor;

/// Who the window acts for. One local user today; when users arrive, the user chosen in the
/// window is looked up here, and no command changes.
pub(crate) fn actor() -> Actor {
    Actor::local()
}
