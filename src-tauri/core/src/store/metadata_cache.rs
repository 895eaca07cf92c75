//! The `metadata_cache` table: Dataverse metadata per destination, as JSON with its fetch time.
//!
//! Only storage: deciding when to refresh and what the JSON means is
//! [`crate::ops::connection`]'s job. Migration: `migrations/0002_metadata_cache.sql`.

use crate::error::Result;
use rusqlite::{params, Connection, OptionalExtension};

/// What is cached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The table list.
    Tables,
    /// One table's columns, keys and lookups.
    Table,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Tables => "tables",
            Kind::Table => "table",
        }
    }
}

/// One cached answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheEntry {
    /// The JSON body.
    pub body: String,
    /// Unix seconds when it was fetched.
    pub fetched_at: i64,
}

/// The cached entry for a destination, kind and table (`""` for the table list), if it was
/// fetched from `dynamics_url`.
pub fn get(
    conn: &Connection,
    destination_id: &str,
    kind: Kind,
    table_name: &str,
    dynamics_url: &str,
) -> Result<Option<CacheEntry>> {
    Ok(conn
        .query_row(
            "SELECT body, fetched_at FROM metadata_cache
             WHERE destination_id = ?1 AND kind = ?2 AND table_name = ?3 AND dynamics_url = ?4",
            params![destination_id, kind.as_str(), table_name, dynamics_url],
            |r| {
                Ok(CacheEntry {
                    body: r.get(0)?,
                    fetched_at: r.get(1)?,
                })
            },
        )
        .optional()?)
}

/// Stores or replaces an entry.
pub fn upsert(
    conn: &Connection,
    destination_id: &str,
    kind: Kind,
    table_name: &str,
    dynamics_url: &str,
    entry: &CacheEntry,
) -> Result<()> {
    conn.execute(
        "INSERT INTO metadata_cache (destination_id, kind, table_name, dynamics_url, body, fetched_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (destination_id, kind, table_name) DO UPDATE SET
             dynamics_url = excluded.dynamics_url, body = excluded.body,
             fetched_at = excluded.fetched_at",
        params![
            destination_id,
            kind.as_str(),
            table_name,
            dynamics_url,
            entry.body,
            entry.fetched_at
        ],
    )?;
    Ok(())
}

/// Forgets everything cached for a destination; returns how many entries went.
pub fn delete_for_destination(conn: &Connection, destination_id: &str) -> Result<usize> {
    Ok(conn.execute(
        "DELETE FROM metadata_cache WHERE destination_id = ?1",
        params![destination_id],
    )?)
}

/// Whether anything at all has been fetched (for the "Getting started" steps).
pub fn any(conn: &Connection) -> Result<bool> {
    Ok(
        conn.query_row("SELECT EXISTS (SELECT 1 FROM metadata_cache)", [], |r| {
            r.get(0)
        })?,
    )
}
