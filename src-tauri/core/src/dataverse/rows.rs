//! The rows a bulk send takes and the outcomes it returns, keyed by source row index.
//!
//! Plain data shared by [`super::bulk`] and the send jobs that will persist outcomes; nothing
//! here talks to the network.

use super::error::ApiError;
use super::keys::RowRef;
use super::records::WriteKind;
use serde_json::{Map, Value};

/// Which bulk operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BulkOp {
    /// Create every row.
    Create,
    /// Update existing rows (by primary key).
    Update,
    /// Create or update by primary or alternate key.
    Upsert,
    /// Delete by primary or alternate key. Standard tables have no `DeleteMultiple`, so
    /// deletes always go as `$batch`.
    Delete,
}

impl BulkOp {
    /// The bound action's name, e.g. `UpsertMultiple`.
    pub fn message(self) -> &'static str {
        match self {
            BulkOp::Create => "CreateMultiple",
            BulkOp::Update => "UpdateMultiple",
            BulkOp::Upsert => "UpsertMultiple",
            BulkOp::Delete => "DeleteMultiple",
        }
    }

    /// The single-row write that does the same, for `$batch`.
    pub fn write_kind(self) -> WriteKind {
        match self {
            BulkOp::Create => WriteKind::Create,
            BulkOp::Update => WriteKind::Update,
            BulkOp::Upsert => WriteKind::Upsert,
            BulkOp::Delete => WriteKind::Delete,
        }
    }
}

/// The table rows go to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableRef {
    /// Logical name, e.g. `contact` (for `@odata.type`).
    pub logical_name: String,
    /// Entity set, e.g. `contacts`.
    pub entity_set: String,
    /// Primary id column, e.g. `contactid`.
    pub primary_id: String,
}

/// One row to send.
#[derive(Debug, Clone)]
pub struct BulkRow {
    /// The row's index in the source, reported back with its outcome.
    pub index: usize,
    /// Which row to update or upsert (ignored for create).
    pub row: Option<RowRef>,
    /// Column values (and `…@odata.bind` lookups).
    pub record: Map<String, Value>,
}

/// What happened to one row.
#[derive(Debug, Clone, PartialEq)]
pub enum RowStatus {
    /// Written; the id when Dataverse reported one.
    Delivered(Option<String>),
    /// Refused on its merits; resending will not help.
    Rejected(ApiError),
    /// Still failing after the retries (throttling, outages); a later run may succeed.
    FailedRetriable(String),
    /// Refused before sending: the row cannot be addressed as given (e.g. a bad key value).
    Invalid(String),
}

/// A row's outcome, by source index.
#[derive(Debug, Clone, PartialEq)]
pub struct RowOutcome {
    /// Index from [`BulkRow::index`].
    pub index: usize,
    /// What happened.
    pub status: RowStatus,
}

/// How rows are sent.
#[derive(Debug, Clone)]
pub struct BulkOptions {
    /// Rows per request (bulk message or `$batch`), at most 1,000.
    pub chunk_size: usize,
    /// Parallel requests; `None` follows the server's `x-ms-dop-hint`.
    pub parallelism: Option<usize>,
    /// Try the `*Multiple` messages first.
    pub use_bulk_messages: bool,
}

impl Default for BulkOptions {
    fn default() -> Self {
        BulkOptions {
            chunk_size: 200,
            parallelism: None,
            use_bulk_messages: true,
        }
    }
}
