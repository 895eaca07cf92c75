//! The `users` table: local users and their policies. Migration:
//! `migrations/0006_users_and_activity.sql`.

use crate::error::{Error, Result};
use crate::policy::Policy;
use rusqlite::{params, Connection, OptionalExtension, Row};

/// One user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRow {
    pub id: String,
    pub name: String,
    pub policy: Policy,
    pub restrict_pii: bool,
    pub disabled: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLUMNS: &str = "id, name, policy, restrict_pii, disabled, created_at, updated_at";

fn from_row(r: &Row<'_>) -> rusqlite::Result<UserRow> {
    let policy: String = r.get(2)?;
    Ok(UserRow {
        id: r.get(0)?,
        name: r.get(1)?,
        // NOTE: the CHECK constraint admits only the texts `Policy::parse` reads.
        policy: Policy::parse(&policy).ok_or_else(|| {
            rusqlite::Error::FromSqlConversionFailure(
                2,
                rusqlite::types::Type::Text,
                format!("unknown policy {policy:?}").into(),
            )
        })?,
        restrict_pii: r.get(3)?,
        disabled: r.get(4)?,
        created_at: r.get(5)?,
        updated_at: r.get(6)?,
    })
}

/// Every user, by name.
pub fn list(conn: &Connection) -> Result<Vec<UserRow>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM users ORDER BY name COLLATE NOCASE"
    ))?;
    let rows = stmt
        .query_map([], from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// The user with this id, if any.
pub fn get(conn: &Connection, id: &str) -> Result<Option<UserRow>> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM users WHERE id = ?1"),
            [id],
            from_row,
        )
        .optional()?)
}

/// How many users there are.
pub fn count(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("SELECT count(*) FROM users", [], |r| r.get(0))?)
}

/// How many enabled administrators there are.
pub fn enabled_administrators(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row(
        "SELECT count(*) FROM users WHERE policy = 'administrator' AND disabled = 0",
        [],
        |r| r.get(0),
    )?)
}

/// Inserts a new row or replaces the one with the same id (keeping its `created_at`).
pub fn upsert(conn: &Connection, u: &UserRow) -> Result<()> {
    conn.execute(
        "INSERT INTO users (id, name, policy, restrict_pii, disabled, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (id) DO UPDATE SET
             name = excluded.name, policy = excluded.policy,
             restrict_pii = excluded.restrict_pii, disabled = excluded.disabled,
             updated_at = excluded.updated_at",
        params![
            u.id,
            u.name,
            u.policy.as_str(),
            u.restrict_pii,
            u.disabled,
            u.created_at,
            u.updated_at
        ],
    )?;
    Ok(())
}

/// The row with this id, or `NotFound`.
pub fn require(conn: &Connection, id: &str) -> Result<UserRow> {
    get(conn, id)?.ok_or_else(|| Error::NotFound {
        what: "user",
        key: id.to_string(),
    })
}
