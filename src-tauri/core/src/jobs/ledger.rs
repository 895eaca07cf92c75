//! The ledger writer: one thread with its own connection that commits a job's row outcomes.
//!
//! Workers hand it entries and go on sending; it commits whatever has queued up in one
//! transaction, so a commit costs one disk sync per batch of chunks rather than per row. Only
//! the entries that must be on disk before a request leaves (a create's chosen ids) are
//! waited for ([`Ledger::put_durable`]). If the ledger cannot be written, the job must stop:
//! sending on without a record could later send rows twice.

use crate::error::{Error, Result};
use crate::store::job_rows::{self, Entry};
use crate::store::jobs;
use rusqlite::Connection;
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use tokio::sync::oneshot;

/// Messages queued before a worker handing over outcomes waits: a bound, so a slow disk
/// slows the send down instead of filling memory.
const QUEUE: usize = 64;

enum Msg {
    Put {
        entries: Vec<Entry>,
        ack: Option<oneshot::Sender<std::result::Result<(), String>>>,
    },
    Beat {
        elapsed_ms: i64,
        total: Option<i64>,
    },
}

/// A handle on the job's ledger writer; clones share the one writer.
#[derive(Clone)]
pub(super) struct Ledger {
    tx: SyncSender<Msg>,
    failed: Arc<Mutex<Option<String>>>,
}

/// The writer's thread, joined by [`Writer::close`].
pub(super) struct Writer(JoinHandle<()>);

impl Ledger {
    /// Starts the writer on `conn` for job `seq` run by `owner`. `durable` makes every commit
    /// reach the disk before it returns (synchronous = FULL), which a create job needs so a
    /// chosen id outlives a power cut.
    pub(super) fn start(
        conn: Connection,
        seq: i64,
        owner: String,
        durable: bool,
    ) -> Result<(Ledger, Writer)> {
        if durable {
            conn.execute_batch("PRAGMA synchronous = FULL;")?;
        }
        let (tx, rx) = mpsc::sync_channel(QUEUE);
        let failed = Arc::new(Mutex::new(None));
        let f = failed.clone();
        let handle = std::thread::Builder::new()
            .name("ferry-ledger".into())
            .spawn(move || write_loop(conn, seq, &owner, rx, &f))
            .map_err(Error::Io)?;
        Ok((Ledger { tx, failed }, Writer(handle)))
    }

    /// Why the ledger stopped working, if it did.
    pub(super) fn failure(&self) -> Option<String> {
        self.failed
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn check(&self) -> Result<()> {
        match self.failure() {
            Some(why) => Err(stopped(&why)),
            None => Ok(()),
        }
    }

    /// Queues `entries`; they are committed soon, in the order given.
    pub(super) fn put(&self, entries: Vec<Entry>) -> Result<()> {
        self.check()?;
        if entries.is_empty() {
            return Ok(());
        }
        self.tx
            .send(Msg::Put { entries, ack: None })
            .map_err(|_| stopped("the ledger writer has stopped"))
    }

    /// Queues `entries` and waits until they are committed.
    pub(super) async fn put_durable(&self, entries: Vec<Entry>) -> Result<()> {
        self.check()?;
        let (ack, done) = oneshot::channel();
        let tx = self.tx.clone();
        let msg = Msg::Put {
            entries,
            ack: Some(ack),
        };
        // NOTE: a full queue blocks; off the async workers, so they do not stall the runtime.
        tokio::task::spawn_blocking(move || tx.send(msg))
            .await
            .map_err(|e| stopped(&e.to_string()))?
            .map_err(|_| stopped("the ledger writer has stopped"))?;
        match done.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(why)) => Err(stopped(&why)),
            Err(_) => Err(stopped("the ledger writer has stopped")),
        }
    }

    /// Records that the job is alive, with the time spent and (once known) its total.
    pub(super) fn beat(&self, elapsed_ms: i64, total: Option<i64>) {
        let _ = self.tx.try_send(Msg::Beat { elapsed_ms, total });
    }
}

impl Writer {
    /// Waits for every queued entry to be committed. Call after dropping every [`Ledger`].
    pub(super) fn close(self) {
        let _ = self.0.join();
    }
}

fn stopped(why: &str) -> Error {
    Error::Io(std::io::Error::other(format!(
        "The send stopped because its record of sent rows could not be saved ({why}). Rows \
         already recorded are safe; free disk space or fix the data folder, then resume the job."
    )))
}

fn write_loop(
    mut conn: Connection,
    seq: i64,
    owner: &str,
    rx: Receiver<Msg>,
    failed: &Mutex<Option<String>>,
) {
    while let Ok(first) = rx.recv() {
        // NOTE: whatever else is already queued goes into the same commit.
        let mut batch = vec![first];
        while batch.len() < QUEUE {
            match rx.try_recv() {
                Ok(m) => batch.push(m),
                Err(_) => break,
            }
        }
        let result = commit(&mut conn, seq, owner, &batch).map_err(|e| e.to_string());
        if let Err(why) = &result {
            *failed.lock().unwrap_or_else(|p| p.into_inner()) = Some(why.clone());
        }
        for m in batch {
            if let Msg::Put { ack: Some(ack), .. } = m {
                let _ = ack.send(result.clone());
            }
        }
    }
}

fn commit(conn: &mut Connection, seq: i64, owner: &str, batch: &[Msg]) -> Result<()> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let mut beat = None;
    for m in batch {
        match m {
            Msg::Put { entries, .. } => job_rows::put(&tx, seq, entries)?,
            Msg::Beat { elapsed_ms, total } => beat = Some((*elapsed_ms, *total)),
        }
    }
    if let Some((elapsed_ms, total)) = beat {
        jobs::heartbeat(&tx, seq, owner, jobs::now_ms(), elapsed_ms, total)?;
    }
    tx.commit()?;
    Ok(())
}
