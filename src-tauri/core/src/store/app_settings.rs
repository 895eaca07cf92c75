//! The `app_settings` table: small choices the user made once, by key.
//!
//! Keys are constants here so every reader and writer agrees on them. Migration:
//! `migrations/0004_destination_checks_and_settings.sql`.

use crate::error::Result;
use rusqlite::{params, Connection, OptionalExtension};

/// Set when the user deleted the Local sandbox destination: it is not created again at start.
pub const DEMO_DESTINATION_REMOVED: &str = "demo_destination_removed";
/// Set once a file was imported into the customer database (the demo data does not count).
pub const DATA_IMPORTED: &str = "data_imported";
/// The id of the user the window acted as last, so the next start acts as them again.
pub const ACTING_USER: &str = "acting_user";
/// Set once the first start made the demo saved query and its "Demo contacts" template, so a
/// user who deletes them does not find them back at the next start.
pub const DEMO_TEMPLATE_MADE: &str = "demo_template_made";
/// Set when the user put the "Getting started" steps away.
pub const GETTING_STARTED_DISMISSED: &str = "getting_started_dismissed";

/// The value stored under `key`, if any.
pub fn get(conn: &Connection, key: &str) -> Result<Option<String>> {
    Ok(conn
        .query_row(
            "SELECT value FROM app_settings WHERE key = ?1",
            [key],
            |r| r.get(0),
        )
        .optional()?)
}

/// Whether a yes/no setting is on (stored as `"1"`); an absent key is off.
pub fn flag(conn: &Connection, key: &str) -> Result<bool> {
    Ok(get(conn, key)?.as_deref() == Some("1"))
}

/// Stores `value` under `key`, replacing what was there.
pub fn set(conn: &Connection, key: &str, value: &str) -> Result<()> {
    conn.execute(
        "INSERT INTO app_settings (key, value, updated_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        params![key, value, super::now_unix()],
    )?;
    Ok(())
}

/// Turns a yes/no setting on or off (off removes the key).
pub fn set_flag(conn: &Connection, key: &str, on: bool) -> Result<()> {
    if on {
        set(conn, key, "1")
    } else {
        conn.execute("DELETE FROM app_settings WHERE key = ?1", [key])?;
        Ok(())
    }
}
