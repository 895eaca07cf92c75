//! The `job_rows` table: the per-row ledger of a send job. Migration:
//! `migrations/0008_jobs.sql`.
//!
//! Entries are written in batches, one transaction per chunk of rows, by the job's one
//! writer; reads page through by row index so a job of millions of rows is never held in
//! memory at once.

use crate::error::Result;
use rusqlite::{params, Connection, Transaction};

/// What became of a row.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, ts_rs::TS,
)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum RowState {
    /// Sent, answer not yet recorded. After a crash: maybe written, maybe not.
    InFlight,
    /// Written to Dynamics.
    Delivered,
    /// Refused by Dynamics on its merits: resending the same values fails the same way.
    Rejected,
    /// Failed in a way a later attempt may fix (throttling that outlasted the retries, outages).
    Failed,
    /// Never sent: its mapping has errors.
    Invalid,
}

impl RowState {
    pub fn code(self) -> i64 {
        match self {
            RowState::InFlight => 1,
            RowState::Delivered => 2,
            RowState::Rejected => 3,
            RowState::Failed => 4,
            RowState::Invalid => 5,
        }
    }

    pub fn from_code(code: i64) -> RowState {
        match code {
            2 => RowState::Delivered,
            3 => RowState::Rejected,
            4 => RowState::Failed,
            5 => RowState::Invalid,
            _ => RowState::InFlight,
        }
    }

    /// Whether the row is done with for this job: a resume leaves it alone.
    pub fn settled(self) -> bool {
        matches!(
            self,
            RowState::Delivered | RowState::Rejected | RowState::Invalid
        )
    }
}

/// One ledger entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub idx: i64,
    pub state: RowState,
    /// Fingerprint of the mapped row (key and values).
    pub fp: i64,
    /// The match key's values, as people read them; `None` for creates.
    pub row_key: Option<String>,
    /// The Dynamics id: on delivery, or chosen by Ferry before a create was sent.
    pub record_id: Option<String>,
    /// Whether delivery created the record (`Some(false)`: updated it; `None`: not known).
    pub created: Option<bool>,
    /// Dataverse's error code for a rejected or failed row.
    pub code: Option<String>,
    pub message: Option<String>,
}

impl Entry {
    /// A row about to be sent.
    pub fn in_flight(
        idx: i64,
        fp: i64,
        row_key: Option<String>,
        record_id: Option<String>,
    ) -> Entry {
        Entry {
            idx,
            state: RowState::InFlight,
            fp,
            row_key,
            record_id,
            created: None,
            code: None,
            message: None,
        }
    }
}

/// Writes `entries` (insert or replace by index) in the caller's transaction.
pub fn put(tx: &Transaction<'_>, job: i64, entries: &[Entry]) -> Result<()> {
    let mut stmt = tx.prepare_cached(
        "INSERT OR REPLACE INTO job_rows (job, idx, state, fp, row_key, record_id, created, \
         code, message) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?;
    for e in entries {
        stmt.execute(params![
            job,
            e.idx,
            e.state.code(),
            e.fp,
            e.row_key,
            e.record_id,
            e.created,
            e.code,
            e.message
        ])?;
    }
    Ok(())
}

const COLUMNS: &str = "idx, state, fp, row_key, record_id, created, code, message";

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Entry> {
    Ok(Entry {
        idx: r.get(0)?,
        state: RowState::from_code(r.get(1)?),
        fp: r.get(2)?,
        row_key: r.get(3)?,
        record_id: r.get(4)?,
        created: r.get(5)?,
        code: r.get(6)?,
        message: r.get(7)?,
    })
}

/// ` AND state IN (…)` for `states`, nothing when empty. The codes are numbers Ferry wrote,
/// never input.
fn state_filter(states: &[RowState]) -> String {
    if states.is_empty() {
        return String::new();
    }
    let codes: Vec<String> = states.iter().map(|s| s.code().to_string()).collect();
    format!(" AND state IN ({})", codes.join(","))
}

/// Up to `limit` entries with an index above `after`, in index order; `states` narrows them
/// when not empty.
pub fn page(
    conn: &Connection,
    job: i64,
    after: i64,
    limit: usize,
    states: &[RowState],
) -> Result<Vec<Entry>> {
    let filter = state_filter(states);
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM job_rows WHERE job = ?1 AND idx > ?2{filter} ORDER BY idx LIMIT ?3"
    ))?;
    let rows = stmt
        .query_map(params![job, after, limit as i64], from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// Entries `offset..offset+limit` among those in `states` (all when empty), in index order:
/// the receipts a person pages through.
pub fn slice(
    conn: &Connection,
    job: i64,
    states: &[RowState],
    offset: usize,
    limit: usize,
) -> Result<Vec<Entry>> {
    let filter = state_filter(states);
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM job_rows WHERE job = ?1{filter} ORDER BY idx LIMIT ?2 OFFSET ?3"
    ))?;
    let rows = stmt
        .query_map(params![job, limit as i64, offset as i64], from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// How many rows of the job are in each state, with delivered split into created / updated.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub in_flight: u64,
    pub delivered: u64,
    pub created: u64,
    pub updated: u64,
    pub rejected: u64,
    pub failed: u64,
    pub invalid: u64,
}

impl Counts {
    /// Rows the ledger holds.
    pub fn recorded(&self) -> u64 {
        self.in_flight + self.delivered + self.rejected + self.failed + self.invalid
    }
}

/// Whether any job has delivered a row (the "Getting started" step).
pub fn any_delivered(conn: &Connection) -> Result<bool> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM job_rows WHERE state = ?1)",
        [RowState::Delivered.code()],
        |r| r.get(0),
    )?)
}

/// The job's counts by state.
pub fn counts(conn: &Connection, job: i64) -> Result<Counts> {
    let mut stmt = conn.prepare_cached(
        "SELECT state, created, COUNT(*) FROM job_rows WHERE job = ?1 GROUP BY state, created",
    )?;
    let mut c = Counts::default();
    let rows = stmt.query_map([job], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, Option<bool>>(1)?,
            r.get::<_, i64>(2)?,
        ))
    })?;
    for row in rows {
        let (state, created, n) = row?;
        let n = n as u64;
        match RowState::from_code(state) {
            RowState::InFlight => c.in_flight += n,
            RowState::Delivered => {
                c.delivered += n;
                match created {
                    Some(true) => c.created += n,
                    Some(false) => c.updated += n,
                    None => {}
                }
            }
            RowState::Rejected => c.rejected += n,
            RowState::Failed => c.failed += n,
            RowState::Invalid => c.invalid += n,
        }
    }
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::jobs::{self, tests::job};
    use crate::store::Store;

    fn done(idx: i64, state: RowState, created: Option<bool>) -> Entry {
        Entry {
            state,
            created,
            ..Entry::in_flight(idx, idx * 7, Some(format!("k{idx}")), None)
        }
    }

    #[test]
    fn entries_are_replaced_by_index_counted_and_paged_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let seq = jobs::insert(&store.conn().unwrap(), &job("job_l"))
            .unwrap()
            .seq;
        store
            .with_tx(|tx| {
                let flying: Vec<Entry> = (0..6)
                    .map(|i| Entry::in_flight(i, i, None, Some(format!("id{i}"))))
                    .collect();
                put(tx, seq, &flying)
            })
            .unwrap();
        store
            .with_tx(|tx| {
                put(
                    tx,
                    seq,
                    &[
                        done(0, RowState::Delivered, Some(true)),
                        done(1, RowState::Delivered, Some(false)),
                        done(2, RowState::Rejected, None),
                        done(3, RowState::Failed, None),
                        done(4, RowState::Invalid, None),
                    ],
                )
            })
            .unwrap();
        let conn = store.conn().unwrap();
        let c = counts(&conn, seq).unwrap();
        assert_eq!(
            (
                c.delivered,
                c.created,
                c.updated,
                c.rejected,
                c.failed,
                c.invalid,
                c.in_flight
            ),
            (2, 1, 1, 1, 1, 1, 1)
        );
        assert_eq!(c.recorded(), 6);
        let after_one: Vec<i64> = page(&conn, seq, 1, 10, &[])
            .unwrap()
            .iter()
            .map(|e| e.idx)
            .collect();
        assert_eq!(after_one, vec![2, 3, 4, 5]);
        let bad: Vec<i64> = slice(&conn, seq, &[RowState::Rejected, RowState::Failed], 0, 10)
            .unwrap()
            .iter()
            .map(|e| e.idx)
            .collect();
        assert_eq!(bad, vec![2, 3]);
        assert_eq!(
            page(&conn, seq, -1, 10, &[RowState::InFlight]).unwrap()[0]
                .record_id
                .as_deref(),
            Some("id5"),
            "an in-flight create keeps the id chosen for it"
        );
    }

    #[test]
    fn deleting_a_job_deletes_its_ledger() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let seq = jobs::insert(&store.conn().unwrap(), &job("job_d"))
            .unwrap()
            .seq;
        store
            .with_tx(|tx| put(tx, seq, &[done(0, RowState::Delivered, Some(true))]))
            .unwrap();
        let conn = store.conn().unwrap();
        conn.execute("DELETE FROM jobs WHERE seq = ?1", [seq])
            .unwrap();
        assert_eq!(counts(&conn, seq).unwrap().recorded(), 0);
    }
}
