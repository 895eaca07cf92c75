//! Ferry's domain: everything the desktop app and the `ferry` CLI do, with no UI in it.
//!
//! This crate never imports tauri. The Tauri shell and the CLI are thin adapters over [`ops`],
//! whose functions take the application context ([`app::App`]) and the acting user
//! ([`policy::Actor`]), so every rule lives here once and is tested without a window.

pub mod app;
pub mod cloud;
pub mod dataverse;
pub mod date;
pub mod error;
pub mod expiry;
pub mod ids;
pub mod jobs;
pub mod mapping;
pub mod ops;
pub mod plugins;
pub mod policy;
pub mod secrets;
pub mod store;
pub mod validate;

pub use app::{App, Clock};
pub use error::{Error, ErrorCode, ErrorReply, FieldError, Result};

/// The customer-data side, for the shell and the CLI to name its types.
pub use ferry_data as data;
