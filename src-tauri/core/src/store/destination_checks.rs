//! The `destination_checks` table: each destination's last connection test.
//!
//! Only storage: what counts as a test and when a result goes stale is
//! [`crate::ops::connection`]'s job. Migration:
//! `migrations/0004_destination_checks_and_settings.sql`.

use crate::error::Result;
use rusqlite::{params, Connection, OptionalExtension, Row};
use std::collections::HashMap;

/// One destination's last test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckRow {
    pub destination_id: String,
    /// Unix seconds when the test finished.
    pub checked_at: i64,
    pub ok: bool,
    /// The error code (as the UI receives it) when the test failed.
    pub code: Option<String>,
    pub message: String,
}

fn from_row(r: &Row<'_>) -> rusqlite::Result<CheckRow> {
    Ok(CheckRow {
        destination_id: r.get(0)?,
        checked_at: r.get(1)?,
        ok: r.get(2)?,
        code: r.get(3)?,
        message: r.get(4)?,
    })
}

/// The last test of this destination, if any.
pub fn get(conn: &Connection, destination_id: &str) -> Result<Option<CheckRow>> {
    Ok(conn
        .query_row(
            "SELECT destination_id, checked_at, ok, code, message FROM destination_checks
             WHERE destination_id = ?1",
            [destination_id],
            from_row,
        )
        .optional()?)
}

/// Every destination's last test, by destination id.
pub fn list(conn: &Connection) -> Result<HashMap<String, CheckRow>> {
    let mut stmt = conn
        .prepare("SELECT destination_id, checked_at, ok, code, message FROM destination_checks")?;
    let rows = stmt
        .query_map([], from_row)?
        .map(|r| r.map(|c| (c.destination_id.clone(), c)))
        .collect::<rusqlite::Result<HashMap<_, _>>>()?;
    Ok(rows)
}

/// Stores a test's result, replacing the previous one.
pub fn upsert(conn: &Connection, c: &CheckRow) -> Result<()> {
    conn.execute(
        "INSERT INTO destination_checks (destination_id, checked_at, ok, code, message)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (destination_id) DO UPDATE SET
             checked_at = excluded.checked_at, ok = excluded.ok, code = excluded.code,
             message = excluded.message",
        params![c.destination_id, c.checked_at, c.ok, c.code, c.message],
    )?;
    Ok(())
}

/// Forgets a destination's last test; returns whether there was one.
pub fn delete(conn: &Connection, destination_id: &str) -> Result<bool> {
    Ok(conn.execute(
        "DELETE FROM destination_checks WHERE destination_id = ?1",
        [destination_id],
    )? > 0)
}

/// Whether any destination's last test succeeded.
pub fn any_ok(conn: &Connection) -> Result<bool> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM destination_checks WHERE ok = 1)",
        [],
        |r| r.get(0),
    )?)
}
