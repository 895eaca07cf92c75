//! Embedded, additive migrations applied in order inside one transaction at start.
//!
//! Applied migrations are recorded in `schema_migrations`. `PRAGMA user_version` holds the
//! number of migrations the file has seen; a Ferry that knows fewer refuses to open it rather
//! than run against a schema it does not understand.

use crate::error::{Error, Result};
use rusqlite::Connection;

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
];

/// Applies every migration the database has not seen yet.
pub fn apply(conn: &mut Connection) -> Result<()> {
    let known = MIGRATIONS.len() as i64;
    let level: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if level > known {
        return Err(Error::Incompatible(format!(
            "This data folder was written by a newer version of Ferry (schema level {level}; this \
             version knows {known}). Update Ferry, or point FERRY_DATA_DIR at another folder."
        )));
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
    tx.pragma_update(None, "user_version", known)?;
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
        apply(&mut conn).unwrap();
        apply(&mut conn).unwrap();
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
        let err = apply(&mut conn).unwrap_err();
        assert!(
            err.to_string().contains("newer version of Ferry"),
            "says why: {err}"
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
