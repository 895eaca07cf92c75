//! The customer database file, `customers.sqlite3` in the data folder, apart from the settings
//! database: customer rows are bulky, replaceable and personal, settings are none of these.
//!
//! One writer connection (imports, the demo dataset, PII marks) behind a mutex; every read of
//! user SQL goes through a fresh read-only connection from [`DataStore::reader_connection`], so
//! a long query never holds up an import and vice versa (WAL lets both run at once).

use crate::error::{DataError, Result};
use rusqlite::{Connection, OpenFlags};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

/// The file name inside the data folder.
pub const FILE_NAME: &str = "customers.sqlite3";

/// Ferry's own bookkeeping inside the customer database: each column's Ferry type and PII
/// mark, and which tables Ferry made (so the demo dataset is made only once).
const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS _ferry_columns (
    table_name  TEXT NOT NULL COLLATE NOCASE,
    column_name TEXT NOT NULL COLLATE NOCASE,
    type        TEXT NOT NULL,
    pii         INTEGER NOT NULL DEFAULT 0 CHECK (pii IN (0, 1)),
    PRIMARY KEY (table_name, column_name)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS _ferry_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
";

/// The customer database. Cheap to clone: clones share one writer connection.
#[derive(Clone)]
pub struct DataStore {
    path: PathBuf,
    writer: Arc<Mutex<Connection>>,
}

impl std::fmt::Debug for DataStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DataStore")
            .field("path", &self.path)
            .finish()
    }
}

impl DataStore {
    /// Opens (creating if needed) `customers.sqlite3` in `data_dir`, which must exist.
    pub fn open(data_dir: &Path) -> Result<DataStore> {
        DataStore::open_file(&data_dir.join(FILE_NAME))
    }

    /// Opens the customer database at an explicit path (tests, benchmarks).
    pub fn open_file(path: &Path) -> Result<DataStore> {
        let fail = |source| DataError::Database {
            file: path.display().to_string(),
            source,
        };
        create_private(path).map_err(|e| {
            DataError::Io(format!(
                "The customer database {} could not be created: {e}",
                path.display()
            ))
        })?;
        let conn = Connection::open(path).map_err(fail)?;
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;",
        )
        .map_err(fail)?;
        conn.execute_batch(SCHEMA).map_err(fail)?;
        Ok(DataStore {
            path: path.to_path_buf(),
            writer: Arc::new(Mutex::new(conn)),
        })
    }

    /// Where the database file is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The writer connection. Only this crate's writers (import, demo, PII marks) use it.
    pub(crate) fn writer(&self) -> MutexGuard<'_, Connection> {
        // NOTE: a panic while holding the lock leaves SQLite consistent (its own transaction
        // is rolled back when the statement is dropped), so a poisoned lock is still usable.
        self.writer.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A new connection that cannot write: opened read-only, with `query_only` set. The
    /// read-only door (`query`) adds its authoriser on top.
    pub fn reader_connection(&self) -> Result<Connection> {
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI;
        let conn = Connection::open_with_flags(&self.path, flags).map_err(|e| self.fail(e))?;
        conn.execute_batch("PRAGMA query_only = ON; PRAGMA busy_timeout = 5000;")
            .map_err(|e| self.fail(e))?;
        Ok(conn)
    }

    /// A SQLite failure, naming this database's file.
    pub(crate) fn fail(&self, source: rusqlite::Error) -> DataError {
        DataError::Database {
            file: self.path.display().to_string(),
            source,
        }
    }

    /// A value Ferry keeps about the database (e.g. whether the demo dataset was made).
    pub fn meta(&self, key: &str) -> Result<Option<String>> {
        use rusqlite::OptionalExtension;
        self.writer()
            .query_row("SELECT value FROM _ferry_meta WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()
            .map_err(|e| self.fail(e))
    }

    /// Sets a value Ferry keeps about the database.
    pub fn set_meta(&self, key: &str, value: &str) -> Result<()> {
        self.writer()
            .execute(
                "INSERT INTO _ferry_meta (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [key, value],
            )
            .map(|_| ())
            .map_err(|e| self.fail(e))
    }
}

/// Creates the file readable by its owner only, so customer data is as private as settings.
fn create_private(path: &Path) -> std::io::Result<()> {
    if path.exists() {
        return Ok(());
    }
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    opts.open(path).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_database_is_created_private_and_reopens() {
        let dir = tempfile::tempdir().unwrap();
        let store = DataStore::open(dir.path()).unwrap();
        store.set_meta("demo", "done").unwrap();
        drop(store);
        let again = DataStore::open(dir.path()).unwrap();
        assert_eq!(again.meta("demo").unwrap().as_deref(), Some("done"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(FILE_NAME))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "customer data is private to its user");
        }
    }

    #[test]
    fn a_reader_connection_cannot_write() {
        let dir = tempfile::tempdir().unwrap();
        let store = DataStore::open(dir.path()).unwrap();
        let r = store.reader_connection().unwrap();
        assert!(r.execute_batch("CREATE TABLE t (a)").is_err());
    }
}
