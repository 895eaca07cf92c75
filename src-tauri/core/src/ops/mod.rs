//! Everything a person can do with Ferry, one module per area, whichever window or command
//! asks.
//!
//! Every public function takes the [`App`](crate::app::App) it works in and the
//! [`Actor`](crate::policy::Actor) asking, and calls [`policy::check`](crate::policy::check)
//! before it reads or changes anything. That puts the one decision about who may do what in
//! front of every door, so users and policies can arrive later by changing only `policy`, and
//! the shell and the CLI cannot forget to ask. Helpers shared between areas (in `common`)
//! check nothing: they only run inside operations that already have.
//!
//! - [`credentials`]: client IDs in SQLite, their secrets in the keychain.
//! - [`destinations`]: where rows go, checked field by field.
//! - [`connection`]: the network side: test a connection, browse a destination's tables.
//! - [`start`]: the "Getting started" steps and the local sandbox's ready-made destination.
//! - [`status`]: what the app says about itself when it opens.
//! - [`data`]: the customer database: tables, PII marks, CSV imports, the demo dataset.
//! - [`queries`]: saved SQL and query runs the grid pages through.
//! - [`segments`]: saved audiences and their live counts.
//! - [`rows`]: the one reader later work draws rows from, given a query or a segment.
//! - [`jobs`]: send jobs, their ledger and history.
//! - [`campaigns`]: a segment's delivered records added to Dynamics marketing lists.

pub mod activity;
pub mod campaigns;
mod common;
pub mod connection;
pub mod credentials;
pub mod data;
pub mod destinations;
pub mod jobs;
pub mod online_check;
pub mod preview;
pub mod queries;
pub mod rows;
pub mod segments;
pub mod start;
pub mod status;
pub mod templates;
pub mod users;

pub use common::NamedRef;

/// Asks whether `actor` may do `action`, recording a refusal in the activity log: for the few
/// checks made outside an operation here (the CLI's sandbox and restore, which run before or
/// beside the app context). Operations in this module check for themselves.
pub fn require(
    app: &crate::app::App,
    actor: &crate::policy::Actor,
    action: crate::policy::Action,
) -> crate::error::Result<()> {
    common::allow(app, actor, action)
}
