//! The `credentials` table: client IDs and secret expiry. The secret text is not here; see
//! [`crate::secrets`].

use crate::date::Date;
use crate::error::{Error, Result};
use rusqlite::{params, Connection, OptionalExtension, Row};

/// One stored credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialRow {
    pub id: String,
    pub name: String,
    pub description: String,
    pub plugin: String,
    pub client_id: String,
    /// The last day the secret works; `None` for a secret that never expires (NULL, see
    /// migration 0003).
    pub secret_expires_on: Option<Date>,
    pub secret_set_at: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLUMNS: &str = "id, name, description, plugin, client_id, secret_expires_on, \
                       secret_set_at, created_at, updated_at";

fn from_row(r: &Row<'_>) -> rusqlite::Result<CredentialRow> {
    let expires: Option<String> = r.get(5)?;
    Ok(CredentialRow {
        id: r.get(0)?,
        name: r.get(1)?,
        description: r.get(2)?,
        plugin: r.get(3)?,
        client_id: r.get(4)?,
        secret_expires_on: match expires {
            None => None,
            Some(text) => Some(Date::parse(&text).ok_or_else(|| {
                rusqlite::Error::FromSqlConversionFailure(
                    5,
                    rusqlite::types::Type::Text,
                    text.into(),
                )
            })?),
        },
        secret_set_at: r.get(6)?,
        created_at: r.get(7)?,
        updated_at: r.get(8)?,
    })
}

/// Every credential, by name.
pub fn list(conn: &Connection) -> Result<Vec<CredentialRow>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM credentials ORDER BY name COLLATE NOCASE"
    ))?;
    let rows = stmt
        .query_map([], from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// The credential with this id, or with this name (any case).
pub fn get(conn: &Connection, id_or_name: &str) -> Result<Option<CredentialRow>> {
    Ok(conn
        .query_row(
            &format!(
                "SELECT {COLUMNS} FROM credentials WHERE id = ?1 OR name = ?1 COLLATE NOCASE
                 ORDER BY id = ?1 DESC LIMIT 1"
            ),
            [id_or_name],
            from_row,
        )
        .optional()?)
}

/// Like [`get`], but a missing credential is an error.
pub fn require(conn: &Connection, id_or_name: &str) -> Result<CredentialRow> {
    get(conn, id_or_name)?.ok_or_else(|| Error::NotFound {
        what: "credential",
        key: id_or_name.to_string(),
    })
}

/// Inserts a new row or replaces the one with the same id.
pub fn upsert(conn: &Connection, c: &CredentialRow) -> Result<()> {
    conn.execute(
        "INSERT INTO credentials (id, name, description, plugin, client_id, secret_expires_on,
                                  secret_set_at, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT (id) DO UPDATE SET
             name = excluded.name, description = excluded.description,
             plugin = excluded.plugin, client_id = excluded.client_id,
             secret_expires_on = excluded.secret_expires_on,
             secret_set_at = excluded.secret_set_at, updated_at = excluded.updated_at",
        params![
            c.id,
            c.name,
            c.description,
            c.plugin,
            c.client_id,
            c.secret_expires_on.map(|d| d.to_string()),
            c.secret_set_at,
            c.created_at,
            c.updated_at
        ],
    )?;
    Ok(())
}

/// Deletes the row; returns whether one existed.
pub fn delete(conn: &Connection, id: &str) -> Result<bool> {
    Ok(conn.execute("DELETE FROM credentials WHERE id = ?1", [id])? > 0)
}

/// Whether another credential (not `except_id`) already has this name.
pub fn name_taken(conn: &Connection, name: &str, except_id: Option<&str>) -> Result<bool> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM credentials WHERE name = ?1 COLLATE NOCASE
                        AND id IS NOT ?2)",
        params![name, except_id],
        |r| r.get(0),
    )?)
}
