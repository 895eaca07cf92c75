//! The `destinations` table: where rows go and which credential signs in there.

use crate::error::{Error, Result};
use rusqlite::{params, Connection, OptionalExtension, Row};

/// One stored destination.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DestinationRow {
    pub id: String,
    pub name: String,
    pub description: String,
    pub plugin: String,
    pub credential_id: String,
    pub tenant_id: String,
    pub dynamics_url: String,
    pub cloud: String,
    pub api_version: String,
    pub business_users: bool,
    pub restricted_pii: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLUMNS: &str = "id, name, description, plugin, credential_id, tenant_id, dynamics_url, \
                       cloud, api_version, business_users, restricted_pii, created_at, updated_at";

fn from_row(r: &Row<'_>) -> rusqlite::Result<DestinationRow> {
    Ok(DestinationRow {
        id: r.get(0)?,
        name: r.get(1)?,
        description: r.get(2)?,
        plugin: r.get(3)?,
        credential_id: r.get(4)?,
        tenant_id: r.get(5)?,
        dynamics_url: r.get(6)?,
        cloud: r.get(7)?,
        api_version: r.get(8)?,
        business_users: r.get(9)?,
        restricted_pii: r.get(10)?,
        created_at: r.get(11)?,
        updated_at: r.get(12)?,
    })
}

/// Every destination, by name.
pub fn list(conn: &Connection) -> Result<Vec<DestinationRow>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM destinations ORDER BY name COLLATE NOCASE"
    ))?;
    let rows = stmt
        .query_map([], from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// The destination with this id, or with this name (any case).
pub fn get(conn: &Connection, id_or_name: &str) -> Result<Option<DestinationRow>> {
    Ok(conn
        .query_row(
            &format!(
                "SELECT {COLUMNS} FROM destinations WHERE id = ?1 OR name = ?1 COLLATE NOCASE
                 ORDER BY id = ?1 DESC LIMIT 1"
            ),
            [id_or_name],
            from_row,
        )
        .optional()?)
}

/// Like [`get`], but a missing destination is an error.
pub fn require(conn: &Connection, id_or_name: &str) -> Result<DestinationRow> {
    get(conn, id_or_name)?.ok_or_else(|| Error::NotFound {
        what: "destination",
        key: id_or_name.to_string(),
    })
}

/// Names of the destinations that sign in with this credential.
pub fn list_by_credential(conn: &Connection, credential_id: &str) -> Result<Vec<(String, String)>> {
    let mut stmt = conn.prepare(
        "SELECT id, name FROM destinations WHERE credential_id = ?1 ORDER BY name COLLATE NOCASE",
    )?;
    let rows = stmt
        .query_map([credential_id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// Inserts a new row or replaces the one with the same id.
pub fn upsert(conn: &Connection, d: &DestinationRow) -> Result<()> {
    conn.execute(
        "INSERT INTO destinations (id, name, description, plugin, credential_id, tenant_id,
             dynamics_url, cloud, api_version, business_users, restricted_pii, created_at,
             updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
         ON CONFLICT (id) DO UPDATE SET
             name = excluded.name, description = excluded.description,
             plugin = excluded.plugin, credential_id = excluded.credential_id,
             tenant_id = excluded.tenant_id, dynamics_url = excluded.dynamics_url,
             cloud = excluded.cloud, api_version = excluded.api_version,
             business_users = excluded.business_users,
             restricted_pii = excluded.restricted_pii, updated_at = excluded.updated_at",
        params![
            d.id,
            d.name,
            d.description,
            d.plugin,
            d.credential_id,
            d.tenant_id,
            d.dynamics_url,
            d.cloud,
            d.api_version,
            d.business_users,
            d.restricted_pii,
            d.created_at,
            d.updated_at
        ],
    )?;
    Ok(())
}

/// Deletes the row; returns whether one existed.
pub fn delete(conn: &Connection, id: &str) -> Result<bool> {
    Ok(conn.execute("DELETE FROM destinations WHERE id = ?1", [id])? > 0)
}

/// Whether another destination (not `except_id`) already has this name.
pub fn name_taken(conn: &Connection, name: &str, except_id: Option<&str>) -> Result<bool> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM destinations WHERE name = ?1 COLLATE NOCASE
                        AND id IS NOT ?2)",
        params![name, except_id],
        |r| r.get(0),
    )?)
}
