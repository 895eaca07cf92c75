//! Embedded, additive migrations applied in order inside one transaction at start.
//!
//! Applied migrations are recorded in `schema_migrations`. `PRAGMA user_version` holds the
//! number of migrations the file has seen; a Ferry that knows fewer refuses to open it rather
//! than run against a schema it does not understand.

use super::error::StoreError;
use crate::error::Result;
use rusqlite::Connection;
use std::path::Path;

/// Every migration, in order. Never edit or remove one that has shipped: add a new file.
const MIGRATIONS: &[(&str, &str)] = &[
    (
        "0001_destinations_and_credentials",
        include_str!("migrations/0001_destinations_and_credentials.sql"),
    ),
    (
        "0002_metadata_cache",
        include_str!("migrations/0002_metadata_cache.sql"),
    ),
    (
        "0004_destination_checks_and_settings",
        include_str!("migrations/0004_destination_checks_and_settings.sql"),
    ),
];

/// Where a database stands against the migrations this build knows, read without writing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Level {
    /// `PRAGMA user_version`: how many migrations the file has seen.
    pub current: i64,
    /// How many migrations this build knows.
    pub known: i64,
    /// Names of the migrations not applied yet, in order.
    pub pending: Vec<&'static str>,
}

impl Level {
    /// Whether the file has no schema yet (a brand-new database).
    pub fn is_empty(&self) -> bool {
        self.current == 0 && self.pending.len() == MIGRATIONS.len()
    }
}

/// Reads the schema level and the pending migrations without changing anything, so a
/// read-only folder can be opened when it is already current.
pub fn inspect(conn: &Connection) -> Result<Level> {
    let current: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let tracked: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table'
                        AND name = 'schema_migrations')",
        [],
        |r| r.get(0),
    )?;
    let mut pending = Vec::new();
    for (name, _) in MIGRATIONS {
        let done = tracked
            && conn.query_row(
                "SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE name = ?1)",
                [name],
                |r| r.get::<_, bool>(0),
            )?;
        if !done {
            pending.push(*name);
        }
    }
    Ok(Level {
        current,
        known: MIGRATIONS.len() as i64,
        pending,
    })
}

/// Applies every migration the database has not seen yet; writes nothing when none is
/// pending. `path` is only for messages.
pub fn apply(conn: &mut Connection, path: &Path) -> Result<()> {
    let level = inspect(conn)?;
    if level.current > level.known {
        return Err(StoreError::Newer {
            path: path.to_path_buf(),
            level: level.current,
            known: level.known,
        }
        .into());
    }
    if level.pending.is_empty() && level.current == level.known {
        return Ok(());
    }
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Exclusive)?;
    tx.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             name       TEXT PRIMARY KEY,
             applied_at INTEGER NOT NULL
         )",
    )?;
    for (name, sql) in MIGRATIONS {
        let done: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE name = ?1)",
            [name],
            |r| r.get(0),
        )?;
        if !done {
            tx.execute_batch(sql)?;
            tx.execute(
                "INSERT INTO schema_migrations (name, applied_at) VALUES (?1, ?2)",
                rusqlite::params![name, super::now_unix()],
            )?;
        }
    }
    tx.pragma_update(None, "user_version", level.known)?;
    tx.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(conn: &Connection, sql: &str) -> i64 {
        conn.query_row(sql, [], |r| r.get(0)).unwrap()
    }

    #[test]
    fn migrations_apply_once_and_are_recorded() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = Connection::open(dir.path().join("db")).unwrap();
        apply(&mut conn, Path::new("db")).unwrap();
        apply(&mut conn, Path::new("db")).unwrap();
        assert_eq!(
            count(&conn, "SELECT count(*) FROM schema_migrations"),
            MIGRATIONS.len() as i64,
            "each migration is recorded exactly once"
        );
        assert_eq!(
            count(&conn, "PRAGMA user_version"),
            MIGRATIONS.len() as i64,
            "user_version records the schema level"
        );
        assert_eq!(
            count(
                &conn,
                "SELECT count(*) FROM sqlite_master WHERE name IN ('credentials','destinations')"
            ),
            2,
            "both tables exist"
        );
    }

    #[test]
    fn a_newer_schema_is_refused_without_touching_it() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = Connection::open(dir.path().join("db")).unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
        let err = apply(&mut conn, Path::new("db")).unwrap_err();
        assert!(
            err.to_string().contains("newer version of Ferry") && err.to_string().contains("db"),
            "says why and names the file: {err}"
        );
        assert_eq!(
            count(
                &conn,
                "SELECT count(*) FROM sqlite_master WHERE name = 'schema_migrations'"
            ),
            0,
            "nothing was written to the newer database"
        );
    }
}
