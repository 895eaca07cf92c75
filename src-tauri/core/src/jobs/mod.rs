//! The send engine: a template's rows streamed from the customer data through the mapping
//! plan into the bulk writer, each row's outcome written to the job's ledger as it comes.
//!
//! Three parts run side by side, joined by bounded channels so memory stays flat however
//! many rows there are: the feed ([`feed`], a blocking thread) reads and maps the source and
//! skips rows the ledger already settled; workers (async tasks, as many as the server's
//! `x-ms-dop-hint` allows) send chunks through [`crate::dataverse::bulk::send_rows`]; the
//! ledger writer ([`ledger`], its own thread and connection) commits outcomes in batches.
//! How many rows each request carries adapts to what binds as the send goes ([`size`]).
//!
//! Nothing is lost or written twice across a crash: a row with no ledger entry is sent again
//! on resume, which is harmless for upserts, updates and deletes (each is idempotent). A
//! create is the one write that would duplicate, so a create's record id is chosen by Ferry
//! and committed to the ledger (`in flight`) before the request leaves; on resume, and after
//! any answer that may hide a write (a timeout, a dropped connection), those ids are looked up
//! in Dynamics first, and only the ones not found are sent ([`lookup`]).

mod export;
mod feed;
mod ledger;
mod lookup;
mod runner;
pub mod size;

pub(crate) use export::{export_rejects, mask as mask_entry};
pub(crate) use runner::{create, run};

use crate::store::jobs::JobState;
use serde::Serialize;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// How a send goes out; the defaults suit Dataverse.
#[derive(Debug, Clone, Default, serde::Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SendOptions {
    /// Rows per request, kept for the whole send; `None` adapts it as the send goes (see
    /// [`size`]; at most 1,000).
    #[serde(default)]
    pub chunk_size: Option<usize>,
    /// Requests in flight at once; `None` follows the server's `x-ms-dop-hint`.
    #[serde(default)]
    pub parallelism: Option<usize>,
    /// For measuring what the ledger costs (the send bench) and nothing else: outcomes are
    /// counted but not recorded, so the job has no receipts and cannot be resumed.
    #[serde(skip)]
    #[ts(skip)]
    pub without_ledger: bool,
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
    /// Rows each request carries now (it adapts as the send goes); `None` before the
    /// workers start and after they end.
    pub rows_per_request: Option<u32>,
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

/// Rows dealt with in this run, shared by the feed, the workers and the progress reports.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub delivered: std::sync::atomic::AtomicU64,
    pub rejected: std::sync::atomic::AtomicU64,
    pub failed: std::sync::atomic::AtomicU64,
    pub invalid: std::sync::atomic::AtomicU64,
}
