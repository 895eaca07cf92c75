//! Tauri commands, one file per area of the UI. Each takes the managed [`Catalog`] and a
//! request, calls one core function and maps its error; `(async)` keeps SQLite and keychain
//! work off the main thread.
//!
//! [`Catalog`]: ferry_core::Catalog

pub mod app;
pub mod credentials;
pub mod dataverse;
pub mod destinations;
pub mod start;
