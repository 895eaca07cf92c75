//! The send engine: a template's rows streamed from the customer data through the mapping
//! plan into the bulk writer, each row's outcome written to the job's ledger as it comes.
//!
//! PLACEHOLDER while the engine is written: the types are final.

use crate::app::App;
use crate::error::{Error, Result};
use crate::policy::Actor;
use crate::store::jobs::{JobRow, JobState};
use serde::Serialize;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// How a send goes out; the defaults suit Dataverse.
#[derive(Debug, Clone, Default, serde::Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SendOptions {
    /// Rows per request; `None` picks it (at most 1,000).
    #[serde(default)]
    pub chunk_size: Option<usize>,
    /// Requests in flight at once; `None` follows the server's `x-ms-dop-hint`.
    #[serde(default)]
    pub parallelism: Option<usize>,
}

/// Why a send is waiting.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Wait {
    /// For people, e.g. "Dynamics asked Ferry to slow down (service protection)".
    pub reason: String,
    /// How long the wait lasts, from when this progress was reported.
    pub seconds: f64,
}

/// Where a running job stands, reported as it goes (about every quarter second).
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct JobProgress {
    pub job: String,
    pub state: JobState,
    /// Rows dealt with (delivered, rejected, failed or invalid), earlier runs included.
    pub done: u64,
    /// Rows in the source; `None` until it was read to its end.
    pub total: Option<u64>,
    pub delivered: u64,
    pub rejected: u64,
    pub failed: u64,
    pub invalid: u64,
    /// Rows per second over the last few seconds.
    pub rows_per_second: f64,
    /// Seconds left at that pace, once the total is known.
    pub eta_seconds: Option<f64>,
    /// Requests Dynamics refused for service protection so far in this run.
    pub throttled: u64,
    /// Set while sending waits (throttling), cleared when it goes on.
    pub waiting: Option<Wait>,
}

/// Receives a job's progress. The window forwards it as an event, the CLI draws a bar.
pub trait Progress: Send + Sync {
    fn report(&self, p: &JobProgress);
}

impl<F: Fn(&JobProgress) + Send + Sync> Progress for F {
    fn report(&self, p: &JobProgress) {
        self(p)
    }
}

/// Stops a running job: rows already sent are recorded, nothing new is sent, and the job is
/// left `cancelled` (resumable).
#[derive(Debug, Clone, Default)]
pub struct Cancel(Arc<AtomicBool>);

impl Cancel {
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// Records a new job for `template` (or for the failed rows of `retry_of`), owned by this
/// process.
pub(crate) async fn create(
    _app: &App,
    _actor: &Actor,
    _template: &str,
    _retry_of: Option<&JobRow>,
) -> Result<JobRow> {
    Err(Error::Remote("sending is being built".into()))
}

/// Sends the job; see [`crate::ops::jobs::run`].
pub(crate) async fn run(
    _app: &App,
    _actor: &Actor,
    _job: &JobRow,
    _opts: &SendOptions,
    _progress: &dyn Progress,
    _cancel: &Cancel,
) -> Result<()> {
    Err(Error::Remote("sending is being built".into()))
}

/// Whether the job's match key is made from personal data.
pub(crate) fn key_is_pii(_app: &App, _job: &JobRow) -> bool {
    true
}

/// See [`crate::ops::jobs::export_rejects`].
pub(crate) fn export_rejects(
    _app: &App,
    _actor: &Actor,
    _job: &JobRow,
    _path: &std::path::Path,
) -> Result<u64> {
    Err(Error::Remote("sending is being built".into()))
}
