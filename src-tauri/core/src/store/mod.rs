//! Ferry's local SQLite database: where it lives, how a connection behaves, migrations, and
//! one module per table.
//!
//! Each call opens its own short-lived connection instead of sharing one behind a lock: the
//! desktop app and the CLI may both be open on the same file, and WAL with a busy timeout lets
//! them take turns. Nothing secret is ever written here.

pub mod credentials;
pub mod destinations;
pub mod metadata_cache;
mod migrate;

use crate::error::{Error, Result};
use rusqlite::{Connection, Transaction};
use std::path::{Path, PathBuf};

/// File name of the database inside the data folder.
pub const DB_FILE: &str = "ferry.sqlite3";

/// The database file of one Ferry data folder.
#[derive(Debug, Clone)]
pub struct Store {
    path: PathBuf,
}

/// Seconds since the Unix epoch, for `created_at` / `updated_at` columns.
pub fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

impl Store {
    /// Opens (creating if needed) the database in `data_dir` and applies pending migrations.
    pub fn open(data_dir: &Path) -> Result<Store> {
        std::fs::create_dir_all(data_dir)?;
        let store = Store {
            path: data_dir.join(DB_FILE),
        };
        let mut conn = store.conn()?;
        migrate::apply(&mut conn)?;
        Ok(store)
    }

    /// Path of the database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A connection with Ferry's settings: WAL, foreign keys on, a busy timeout.
    pub fn conn(&self) -> Result<Connection> {
        let conn = Connection::open(&self.path)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.execute_batch(
            "PRAGMA journal_mode = WAL;
             PRAGMA synchronous = NORMAL;
             PRAGMA foreign_keys = ON;",
        )?;
        Ok(conn)
    }

    /// Runs `f` in a transaction that commits when it returns `Ok` and rolls back otherwise.
    pub fn with_tx<T>(&self, f: impl FnOnce(&Transaction<'_>) -> Result<T>) -> Result<T> {
        let mut conn = self.conn()?;
        // IMMEDIATE takes the write lock up front, so a check-then-write inside `f` cannot be
        // raced by another process between the check and the write.
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }
}

/// True when `e` is SQLite refusing a duplicate in a UNIQUE column.
pub(crate) fn is_unique_violation(e: &Error) -> bool {
    matches!(
        e,
        Error::Store(rusqlite::Error::SqliteFailure(f, _))
            if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connections_enforce_foreign_keys_and_use_wal() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let conn = store.conn().unwrap();
        let fk: i64 = conn
            .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
            .unwrap();
        assert_eq!(fk, 1, "foreign keys are on for every connection");
        let mode: String = conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal", "the database runs in WAL mode");
    }

    #[test]
    fn with_tx_rolls_back_on_error() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let r: Result<()> = store.with_tx(|tx| {
            tx.execute(
                "INSERT INTO credentials (id, name, plugin, client_id, secret_expires_on,
                 secret_set_at, created_at, updated_at) VALUES ('c1','n','p','x','2030-01-01',0,0,0)",
                [],
            )?;
            Err(Error::field("name", "boom"))
        });
        assert!(r.is_err(), "the closure's error is returned");
        let n: i64 = store
            .conn()
            .unwrap()
            .query_row("SELECT count(*) FROM credentials", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 0, "the insert was rolled back");
    }
}
