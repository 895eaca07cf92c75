//! The `activity` table: the append-only log, each entry chained to the one before by a
//! SHA-256 hash. Migration: `migrations/0006_users_and_activity.sql`.
//!
//! The chain: an entry's `hash` is SHA-256 over the previous entry's hash and this entry's
//! fields, written as one JSON array (so no field's text can pose as another's). The last
//! entry's number and hash are also kept in `app_settings` (the "head"), so removing entries
//! from the end is noticed too. Anyone with an SQLite tool can still rewrite the whole chain
//! and the head together; the chain catches edits made by hand or by other tools, which is
//! what an honest record on a desktop needs.

use super::app_settings;
use crate::error::Result;
use rusqlite::{params, Connection, OptionalExtension, Row, ToSql};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// Where the head of the chain (`"<seq>:<hash>"`) is kept.
pub const HEAD_KEY: &str = "activity_head";

/// What the first entry chains to.
const GENESIS: &str = "";

/// An entry about to be appended: everything but its number, time and hashes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEntry {
    pub user_id: String,
    pub user_name: String,
    pub kind: String,
    pub action: String,
    pub target: String,
    pub outcome: String,
    pub reveals_pii: bool,
    pub summary: String,
    /// A JSON object, as text.
    pub details: String,
}

/// An entry as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EntryRow {
    pub seq: i64,
    pub at_ms: i64,
    pub user_id: String,
    pub user_name: String,
    pub kind: String,
    pub action: String,
    pub target: String,
    pub outcome: String,
    pub reveals_pii: bool,
    pub summary: String,
    pub details: String,
    pub prev_hash: String,
    pub hash: String,
}

const COLUMNS: &str = "seq, at_ms, user_id, user_name, kind, action, target, outcome, \
                       reveals_pii, summary, details, prev_hash, hash";

fn from_row(r: &Row<'_>) -> rusqlite::Result<EntryRow> {
    Ok(EntryRow {
        seq: r.get(0)?,
        at_ms: r.get(1)?,
        user_id: r.get(2)?,
        user_name: r.get(3)?,
        kind: r.get(4)?,
        action: r.get(5)?,
        target: r.get(6)?,
        outcome: r.get(7)?,
        reveals_pii: r.get(8)?,
        summary: r.get(9)?,
        details: r.get(10)?,
        prev_hash: r.get(11)?,
        hash: r.get(12)?,
    })
}

/// The hash an entry with these fields and this predecessor must carry.
pub fn hash_of(e: &EntryRow) -> String {
    let fields = serde_json::json!([
        e.seq,
        e.at_ms,
        e.user_id,
        e.user_name,
        e.kind,
        e.action,
        e.target,
        e.outcome,
        e.reveals_pii,
        e.summary,
        e.details,
    ]);
    let mut h = Sha256::new();
    h.update(e.prev_hash.as_bytes());
    h.update(b"\n");
    h.update(fields.to_string().as_bytes());
    h.finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<String>()
}

/// Appends an entry at `at_ms`, in the caller's transaction (which should be IMMEDIATE, as
/// [`crate::store::Store::with_tx`]'s are, so two writers cannot take the same number).
pub fn append(conn: &Connection, at_ms: i64, e: NewEntry) -> Result<EntryRow> {
    let last: Option<(i64, String)> = conn
        .query_row(
            "SELECT seq, hash FROM activity ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let (seq, prev_hash) = match last {
        Some((seq, hash)) => (seq + 1, hash),
        None => (1, GENESIS.to_string()),
    };
    let mut row = EntryRow {
        seq,
        at_ms,
        user_id: e.user_id,
        user_name: e.user_name,
        kind: e.kind,
        action: e.action,
        target: e.target,
        outcome: e.outcome,
        reveals_pii: e.reveals_pii,
        summary: e.summary,
        details: e.details,
        prev_hash,
        hash: String::new(),
    };
    row.hash = hash_of(&row);
    conn.execute(
        &format!("INSERT INTO activity ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"),
        params![
            row.seq,
            row.at_ms,
            row.user_id,
            row.user_name,
            row.kind,
            row.action,
            row.target,
            row.outcome,
            row.reveals_pii,
            row.summary,
            row.details,
            row.prev_hash,
            row.hash
        ],
    )?;
    app_settings::set(conn, HEAD_KEY, &format!("{}:{}", row.seq, row.hash))?;
    Ok(row)
}

/// Which entries to read; every field narrows, `None` does not.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// The user's name, any case.
    pub user: Option<String>,
    pub kind: Option<String>,
    /// From this time on (unix ms, inclusive).
    pub since_ms: Option<i64>,
    /// Before this time (unix ms, exclusive).
    pub until_ms: Option<i64>,
    /// Only entries that showed personal data.
    pub reveals_pii: bool,
}

impl Filter {
    fn clause(&self) -> (String, Vec<Box<dyn ToSql>>) {
        let mut sql = Vec::new();
        let mut args: Vec<Box<dyn ToSql>> = Vec::new();
        if let Some(u) = &self.user {
            args.push(Box::new(u.clone()));
            sql.push(format!("user_name = ?{} COLLATE NOCASE", args.len()));
        }
        if let Some(k) = &self.kind {
            args.push(Box::new(k.clone()));
            sql.push(format!("kind = ?{}", args.len()));
        }
        if let Some(s) = self.since_ms {
            args.push(Box::new(s));
            sql.push(format!("at_ms >= ?{}", args.len()));
        }
        if let Some(u) = self.until_ms {
            args.push(Box::new(u));
            sql.push(format!("at_ms < ?{}", args.len()));
        }
        if self.reveals_pii {
            sql.push("reveals_pii = 1".to_string());
        }
        let clause = if sql.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", sql.join(" AND "))
        };
        (clause, args)
    }
}

/// How many entries match.
pub fn count(conn: &Connection, filter: &Filter) -> Result<i64> {
    let (clause, args) = filter.clause();
    let refs: Vec<&dyn ToSql> = args.iter().map(|a| a.as_ref()).collect();
    Ok(conn.query_row(
        &format!("SELECT count(*) FROM activity {clause}"),
        refs.as_slice(),
        |r| r.get(0),
    )?)
}

/// Matching entries, newest first, `offset..offset + limit`.
pub fn list(conn: &Connection, filter: &Filter, offset: i64, limit: i64) -> Result<Vec<EntryRow>> {
    let (clause, mut args) = filter.clause();
    args.push(Box::new(limit));
    let l = args.len();
    args.push(Box::new(offset));
    let o = args.len();
    let refs: Vec<&dyn ToSql> = args.iter().map(|a| a.as_ref()).collect();
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM activity {clause} ORDER BY seq DESC LIMIT ?{l} OFFSET ?{o}"
    ))?;
    let rows = stmt
        .query_map(refs.as_slice(), from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// Every matching entry, oldest first, handed to `each` one at a time (exports of any size).
pub fn for_each(
    conn: &Connection,
    filter: &Filter,
    mut each: impl FnMut(EntryRow) -> Result<()>,
) -> Result<()> {
    let (clause, args) = filter.clause();
    let refs: Vec<&dyn ToSql> = args.iter().map(|a| a.as_ref()).collect();
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM activity {clause} ORDER BY seq"
    ))?;
    let mut rows = stmt.query(refs.as_slice())?;
    while let Some(r) = rows.next()? {
        each(from_row(r)?)?;
    }
    Ok(())
}

/// The distinct user names and kinds in the log, for the filters.
pub fn facets(conn: &Connection) -> Result<(Vec<String>, Vec<String>)> {
    let names = conn
        .prepare("SELECT DISTINCT user_name FROM activity ORDER BY user_name COLLATE NOCASE")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    let kinds = conn
        .prepare("SELECT DISTINCT kind FROM activity ORDER BY kind")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    Ok((names, kinds))
}

/// One break in the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ChainProblem {
    /// The entry where the chain breaks; 0 for the log as a whole (its end).
    pub seq: i64,
    pub problem: String,
}

/// Walks the whole chain and reports every place it does not hold, at most `max` of them.
/// Returns the number of entries read and the problems.
pub fn verify(conn: &Connection, max: usize) -> Result<(i64, Vec<ChainProblem>)> {
    let mut problems = Vec::new();
    let mut prev: Option<EntryRow> = None;
    let mut n = 0i64;
    let note = |problems: &mut Vec<ChainProblem>, seq: i64, problem: String| {
        if problems.len() < max {
            problems.push(ChainProblem { seq, problem });
        }
    };
    {
        let mut stmt = conn.prepare(&format!("SELECT {COLUMNS} FROM activity ORDER BY seq"))?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let e = from_row(r)?;
            n += 1;
            let expected_seq = prev.as_ref().map_or(1, |p| p.seq + 1);
            if e.seq != expected_seq {
                note(
                    &mut problems,
                    e.seq,
                    format!(
                        "entries {expected_seq} to {} are missing: they were deleted",
                        e.seq - 1
                    ),
                );
            }
            let expected_prev = prev.as_ref().map_or(GENESIS, |p| p.hash.as_str());
            if e.prev_hash != expected_prev && e.seq == expected_seq {
                note(
                    &mut problems,
                    e.seq,
                    "does not follow on from the entry before it: the log was edited here"
                        .to_string(),
                );
            }
            if hash_of(&e) != e.hash {
                note(
                    &mut problems,
                    e.seq,
                    "its contents were changed after it was written".to_string(),
                );
            }
            prev = Some(e);
        }
    }
    let head = app_settings::get(conn, HEAD_KEY)?;
    let last = prev.map(|p| format!("{}:{}", p.seq, p.hash));
    match (head, last) {
        (None, None) => {}
        (Some(h), Some(l)) if h == l => {}
        (Some(h), _) => {
            let seq = h.split(':').next().unwrap_or("?").to_string();
            note(
                &mut problems,
                0,
                format!(
                    "the log should end at entry {seq}, as last written, but does not: entries \
                     were removed from its end or the last one was replaced"
                ),
            );
        }
        (None, Some(_)) => note(
            &mut problems,
            0,
            "the record of the log's last entry is missing: it was removed".to_string(),
        ),
    }
    Ok((n, problems))
}
