//! Ferry's customer data: the local `customers.sqlite3` database that queries and segments
//! read, and that data templates, previews and send jobs draw their rows from.
//!
//! - [`db`]: the database file, one writer, read-only readers.
//! - [`schema`]: tables, columns (Ferry type and PII mark), row counts, samples.
//! - [`import`]: CSV import, streamed, with type inference and a rejects file.
//! - [`demo`]: the synthetic demo customers and orders, made from a seed.
//! - [`query`]: the read-only door every piece of user SQL goes through, and the paged row
//!   reader ([`query::RowReader`]) that later work (templates, preview, send jobs) must read
//!   rows with, for queries and segments alike.
//! - [`results`]: a query's result kept on disk for the grid to page through.
//! - [`segments`]: audiences built from conditions, compiled to parameterised SQL.
//!
//! This crate never imports tauri and knows nothing of users or policies: ferry-core wraps
//! every entry point with the acting user's checks.

pub mod db;
pub mod demo;
pub mod error;
pub mod import;
pub mod query;
pub mod results;
pub mod schema;
pub mod segments;
pub mod types;

pub use db::DataStore;
pub use error::{DataError, Problem, Result};
pub use types::{CancelToken, Cell, ColumnMeta, ColumnType};
