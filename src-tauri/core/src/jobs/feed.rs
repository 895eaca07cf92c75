//! The feed: reads the source in order, maps each row through the plan, and hands the rows to
//! send to the workers in chunks. Rows the ledger already settled (an earlier run of the job)
//! are skipped, and so are rows a retry job does not resend. Runs on a blocking thread.
//!
//! Every row is mapped, skipped or not, so duplicate keys are found exactly as the preview
//! finds them and a resumed row can be compared with what was sent: the ledger keeps a
//! fingerprint of each mapped row, and a settled row whose fingerprint differs now means the
//! source changed since (it is counted, and not sent again).

use super::ledger::Ledger;
use super::size::Sizer;
use super::{Cancel, Counters};
use crate::dataverse::keys::RowRef;
use crate::dataverse::rows::{BulkOp, BulkRow};
use crate::error::Result;
use crate::mapping::plan::{Plan, SeenKeys, Verdict};
use crate::store::job_rows::{self, Entry, RowState};
use ferry_data::query::RowReader;
use rusqlite::Connection;
use serde_json::{Map, Value};
use std::collections::{HashMap, HashSet, VecDeque};
use std::hash::{Hash, Hasher};
use std::sync::atomic::Ordering;
use std::sync::Arc;

/// Source rows taken from the reader at a time (see `ops::preview`'s `PAGE_ROWS`).
const PAGE_ROWS: usize = 256;

/// Ledger entries read ahead at a time while skipping settled rows.
const PRIOR_PAGE: usize = 4096;

/// One row to send.
pub(super) struct Item {
    pub row: BulkRow,
    pub fp: i64,
    pub key: Option<String>,
    /// A create whose chosen id may already be in Dynamics (sent by an earlier run whose
    /// answer was lost): looked up before it is sent again.
    pub recheck: bool,
}

/// The rows a retry job resends: by key where the row had one, else by position.
#[derive(Default)]
pub(super) struct Selection {
    pub keys: HashSet<String>,
    pub positions: HashSet<i64>,
    /// The ids the earlier job chose for creates that failed, by position: such a row may
    /// have been written before its answer was lost, so the retry looks it up first.
    pub chosen: HashMap<i64, String>,
}

/// What the feed found, once the source was read to its end.
pub(super) struct Fed {
    /// Rows the job covers (for a retry job, the rows it resends).
    pub total: u64,
    /// Settled rows whose values changed in the source since they were sent.
    pub changed: u64,
}

pub(super) struct Feed {
    pub plan: Plan,
    pub op: BulkOp,
    pub primary_id: String,
    /// Rows per chunk, read as each chunk is cut (it adapts while the send runs).
    pub size: Arc<Sizer>,
    pub prior: Connection,
    pub seq: i64,
    pub select: Option<Selection>,
    pub counters: Arc<Counters>,
    pub cancel: Cancel,
    pub ledger: Ledger,
}

/// The ledger's entries for rows in order, read a page at a time.
struct Prior<'a> {
    conn: &'a Connection,
    seq: i64,
    buf: VecDeque<Entry>,
    after: i64,
    done: bool,
}

impl Prior<'_> {
    fn at(&mut self, idx: i64) -> Result<Option<Entry>> {
        loop {
            while self.buf.front().is_some_and(|e| e.idx < idx) {
                self.buf.pop_front();
            }
            if let Some(e) = self.buf.front() {
                return Ok((e.idx == idx).then(|| e.clone()));
            }
            if self.done {
                return Ok(None);
            }
            let page = job_rows::page(self.conn, self.seq, self.after, PRIOR_PAGE, &[])?;
            self.done = page.len() < PRIOR_PAGE;
            if let Some(last) = page.last() {
                self.after = last.idx;
            }
            self.buf.extend(page);
        }
    }
}

impl Feed {
    /// Feeds `out` until the source ends, the job is cancelled or the workers stop taking.
    pub(super) fn run(
        self,
        mut reader: RowReader,
        out: tokio::sync::mpsc::Sender<Vec<Item>>,
    ) -> Result<Fed> {
        let mut prior = Prior {
            conn: &self.prior,
            seq: self.seq,
            buf: VecDeque::new(),
            after: -1,
            done: false,
        };
        let mut seen = SeenKeys::default();
        let (mut idx, mut total, mut changed) = (0i64, 0u64, 0u64);
        let mut chunk: Vec<Item> = Vec::with_capacity(self.size.rows());
        let mut invalid: Vec<Entry> = Vec::new();
        while let Some(mut rows) = reader.next_page(PAGE_ROWS)? {
            if self.cancel.is_cancelled() || out.is_closed() {
                self.ledger.put(invalid)?;
                return Ok(Fed { total, changed });
            }
            for cells in &mut rows {
                let here = idx;
                idx += 1;
                let mapped = self.plan.map_row(here as usize, cells, &mut seen);
                let key = mapped
                    .row
                    .row
                    .as_ref()
                    .map(|r| key_label(r, &self.primary_id));
                if let Some(sel) = &self.select {
                    let chosen = match &key {
                        Some(k) => sel.keys.contains(k) || sel.positions.contains(&here),
                        None => sel.positions.contains(&here),
                    };
                    if !chosen {
                        continue;
                    }
                }
                total += 1;
                let fp = fingerprint(key.as_deref(), &mapped.row.record);
                let before = prior.at(here)?;
                if let Some(e) = &before {
                    if e.state.settled() {
                        if e.fp != fp {
                            changed += 1;
                        }
                        continue;
                    }
                }
                if mapped.verdict == Verdict::Error {
                    let errors: Vec<_> = mapped
                        .findings
                        .iter()
                        .filter(|f| f.verdict == Verdict::Error)
                        .collect();
                    let columns: Vec<&str> = errors.iter().map(|f| f.column.as_str()).collect();
                    let messages: Vec<&str> = errors.iter().map(|f| f.message.as_str()).collect();
                    invalid.push(Entry {
                        state: RowState::Invalid,
                        code: Some(columns.join(", ")),
                        message: Some(messages.join(" ")),
                        ..Entry::in_flight(here, fp, key, None)
                    });
                    self.counters.invalid.fetch_add(1, Ordering::Relaxed);
                    continue;
                }
                let mut row = mapped.row;
                let mut recheck = false;
                if self.op == BulkOp::Create {
                    // NOTE: an id recorded by an earlier run may have been written then; the
                    // worker looks it up before sending it again (see the module doc).
                    let earlier = before
                        .as_ref()
                        .and_then(|e| e.record_id.clone())
                        .or_else(|| {
                            self.select
                                .as_ref()
                                .and_then(|sel| sel.chosen.get(&here).cloned())
                        });
                    recheck = earlier.is_some();
                    let id = earlier.unwrap_or_else(new_record_id);
                    row.record
                        .insert(self.primary_id.clone(), Value::String(id));
                }
                chunk.push(Item {
                    row,
                    fp,
                    key,
                    recheck,
                });
                if chunk.len() >= self.size.rows() {
                    self.ledger.put(std::mem::take(&mut invalid))?;
                    let full = std::mem::replace(&mut chunk, Vec::with_capacity(self.size.rows()));
                    if out.blocking_send(full).is_err() {
                        return Ok(Fed { total, changed });
                    }
                }
            }
            reader.give_back(rows);
        }
        self.ledger.put(invalid)?;
        if !chunk.is_empty() {
            let _ = out.blocking_send(chunk);
        }
        Ok(Fed { total, changed })
    }
}

/// The key as people read it: `emailaddress1='a@example.com'`, `contactid=…`.
pub(super) fn key_label(r: &RowRef, primary_id: &str) -> String {
    match r {
        RowRef::Id(id) => format!("{primary_id}={}", id.to_ascii_lowercase()),
        RowRef::Key(cols) => cols
            .iter()
            .map(|(c, v)| format!("{c}={}", v.literal()))
            .collect::<Vec<_>>()
            .join(", "),
    }
}

/// A 64-bit fingerprint of a mapped row: its key and its values, in the plan's order.
fn fingerprint(key: Option<&str>, record: &Map<String, Value>) -> i64 {
    struct W<'a>(&'a mut std::collections::hash_map::DefaultHasher);
    impl std::io::Write for W<'_> {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.write(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    // NOTE: DefaultHasher::new() uses fixed keys, so a fingerprint is the same in every
    // process; it only has to tell a changed row from an unchanged one.
    let mut h = std::collections::hash_map::DefaultHasher::new();
    key.hash(&mut h);
    let _ = serde_json::to_writer(W(&mut h), record);
    h.finish() as i64
}

/// A new random record id (UUID version 4).
pub(super) fn new_record_id() -> String {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).expect("the OS random source is unavailable");
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataverse::keys::KeyValue;
    use serde_json::json;

    #[test]
    fn record_ids_are_version_4_uuids_and_differ() {
        let (a, b) = (new_record_id(), new_record_id());
        assert_ne!(a, b);
        assert!(crate::dataverse::keys::is_guid(&a), "{a}");
        assert_eq!(&a[14..15], "4", "version nibble: {a}");
    }

    #[test]
    fn fingerprints_follow_the_values_and_the_key() {
        let r1 = json!({"lastname": "Lovelace"});
        let r2 = json!({"lastname": "Byron"});
        let (m1, m2) = (r1.as_object().unwrap(), r2.as_object().unwrap());
        assert_eq!(fingerprint(Some("k=1"), m1), fingerprint(Some("k=1"), m1));
        assert_ne!(fingerprint(Some("k=1"), m1), fingerprint(Some("k=1"), m2));
        assert_ne!(fingerprint(Some("k=1"), m1), fingerprint(Some("k=2"), m1));
    }

    #[test]
    fn keys_read_as_column_equals_literal() {
        let k = RowRef::Key(vec![
            (
                "emailaddress1".into(),
                KeyValue::Text("o'neil@example.com".into()),
            ),
            ("n".into(), KeyValue::Integer(3)),
        ]);
        assert_eq!(
            key_label(&k, "contactid"),
            "emailaddress1='o''neil@example.com', n=3"
        );
    }
}
