//! Ferry's local SQLite database: where it lives, how a connection behaves, migrations, and
//! one module per table.
//!
//! Each call opens its own short-lived connection instead of sharing one behind a lock: the
//! desktop app and the CLI may both be open on the same file, and WAL with a busy timeout lets
//! them take turns. Nothing secret is ever written here.
//!
//! Opening checks the file (`PRAGMA quick_check`) before anything else. A damaged file, or a
//! folder this process may not write, still opens for reading, but every write is refused up
//! front with an error naming the file and the fix ([`StoreError`]); an open that has nothing
//! to migrate writes nothing. Schema changes are preceded by a backup, and a daily one is
//! taken on open ([`backup`]). The data folder is private to its user ([`folder`]).

pub mod activity;
pub mod app_settings;
pub mod backup;
pub mod credentials;
pub mod destination_checks;
pub mod destination_credentials;
pub mod destinations;
pub mod error;
pub mod folder;
pub mod job_rows;
pub mod jobs;
pub mod metadata_cache;
mod migrate;
pub mod queries;
mod restore;
pub mod segments;
mod sqlite;
pub mod templates;
pub mod users;

pub use error::StoreError;
pub use folder::data_dir_from_env;

use crate::error::{Error, Result};
use rusqlite::{Connection, OpenFlags, Transaction};
use sqlite::{open_read_only, quick_check};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

/// File name of the database inside the data folder.
pub const DB_FILE: &str = "ferry.sqlite3";

const READ_ONLY_BY_REQUEST: &str = "it was opened for reading only";

/// Seconds since the Unix epoch, for `created_at` / `updated_at` columns.
pub fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// How to open a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenOptions {
    /// "Now" in Unix seconds: names backups and decides whether the daily one is due.
    pub now: i64,
    /// Never write, even when the folder is writable (as if it were read-only).
    pub read_only: bool,
}

impl OpenOptions {
    /// Read-write when the folder allows it, with the system clock.
    pub fn now() -> OpenOptions {
        OpenOptions {
            now: now_unix(),
            read_only: false,
        }
    }
}

/// Whether the store can be written, and if not, why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Health {
    /// Reads and writes work.
    Ok,
    /// Reads work; writes are refused because the folder or file is not writable.
    ReadOnly(String),
    /// SQLite found the file damaged; reads are attempted, writes refused.
    Damaged(String),
}

/// The database file of one Ferry data folder.
#[derive(Debug, Clone)]
pub struct Store {
    path: PathBuf,
    read_only: Option<String>,
    // NOTE: shared by clones and set at most once: when any call meets a corrupt page, every
    // later write through any clone of this store is refused, not only the writes of the
    // call that noticed.
    damage: Arc<OnceLock<String>>,
    notice: Option<String>,
}

impl Store {
    /// Opens (creating if needed) the database in `data_dir`, checks it, and applies pending
    /// migrations after a backup; takes the daily backup when one is due.
    pub fn open(data_dir: &Path) -> Result<Store> {
        Store::open_with(data_dir, OpenOptions::now())
    }

    /// [`Store::open`] with an explicit clock and access mode.
    ///
    /// A damaged file still opens (reads are attempted; writes are refused with
    /// [`StoreError::Damaged`]). A read-only folder opens when its schema is current and
    /// nothing is written to it; if it needs a migration, that is the error.
    pub fn open_with(data_dir: &Path, opts: OpenOptions) -> Result<Store> {
        folder::prepare(data_dir)?;
        let path = data_dir.join(DB_FILE);
        let existed = std::fs::metadata(&path).is_ok_and(|m| m.len() > 0);
        let side_files = [path.clone(), sidecar(&path, "-wal"), sidecar(&path, "-shm")];
        let mut read_only = if opts.read_only {
            Some(READ_ONLY_BY_REQUEST.to_string())
        } else {
            folder::why_not_writable(data_dir, &side_files)
        };
        if read_only.is_none() {
            if let Err(e) = folder::create_private_file(&path) {
                read_only = Some(format!("{} cannot be created ({e})", path.display()));
            }
        }
        let mut store = Store {
            path: path.clone(),
            read_only,
            damage: Arc::default(),
            notice: None,
        };
        if !path.exists() {
            return Err(StoreError::NeedsWrite {
                path,
                what: "creating".into(),
                reason: store.read_only.clone().unwrap_or_default(),
            }
            .into());
        }
        let mut conn = match store.connect(store.read_only.is_some()) {
            Ok(c) => c,
            Err(e) => return store.damaged_or(e),
        };
        if let Some(detail) = quick_check(&conn).map_err(|e| store.enrich(e))? {
            store.mark_damaged(detail);
            return Ok(store);
        }
        store.migrate(&mut conn, data_dir, opts.now)?;
        if store.read_only.is_none() && existed {
            if let Err(e) = backup::take_daily_if_due(data_dir, &conn, opts.now) {
                // NOTE: a missed daily backup must not stop the user's work; say so instead.
                store.notice = Some(format!("The daily backup was not taken: {e}"));
            }
        }
        Ok(store)
    }

    fn migrate(&self, conn: &mut Connection, data_dir: &Path, now: i64) -> Result<()> {
        let level = migrate::inspect(conn).map_err(|e| self.enrich(e))?;
        if level.current > level.known {
            return Err(StoreError::Newer {
                path: self.path.clone(),
                level: level.current,
                known: level.known,
            }
            .into());
        }
        if level.pending.is_empty() && level.current == level.known {
            return Ok(());
        }
        if let Some(reason) = &self.read_only {
            return Err(StoreError::NeedsWrite {
                path: self.path.clone(),
                what: format!("an update to schema level {}", level.known),
                reason: reason.clone(),
            }
            .into());
        }
        if !level.is_empty() {
            // A schema change is the one write Ferry cannot undo: keep the file as it was.
            backup::take(data_dir, conn, backup::Kind::BeforeMigration, now)?;
        }
        migrate::apply(conn, &self.path).map_err(|e| self.enrich(e))
    }

    /// Path of the database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether writes are possible, and if not, why.
    pub fn health(&self) -> Health {
        if let Some(d) = self.damage.get() {
            Health::Damaged(d.clone())
        } else if let Some(r) = &self.read_only {
            Health::ReadOnly(r.clone())
        } else {
            Health::Ok
        }
    }

    /// Something the user should know although the open succeeded (a damaged file, a missed
    /// backup), as a sentence naming the file and the fix.
    pub fn notice(&self) -> Option<String> {
        match self.health() {
            Health::Damaged(_) => Some(self.refusal().to_string()),
            Health::ReadOnly(reason) if !reason.starts_with(READ_ONLY_BY_REQUEST) => Some(format!(
                "Ferry can show its settings but not change them: {reason}. Make the data \
                     folder {} writable to change them.",
                self.path.parent().unwrap_or(&self.path).display()
            )),
            _ => self.notice.clone(),
        }
    }

    /// A connection with Ferry's settings, for tests and diagnostics. Errors from queries on
    /// it do not name the file: callers use [`Store::read`] and [`Store::with_tx`].
    pub fn conn(&self) -> Result<Connection> {
        let read_only = self.read_only.is_some() || self.damage.get().is_some();
        self.connect(read_only).map_err(|e| self.enrich(e))
    }

    /// Runs `f` on a connection; a SQLite error comes back naming the file and the fix.
    /// Works on read-only folders and is attempted on damaged files.
    pub fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let conn = self.conn()?;
        f(&conn).map_err(|e| self.enrich(e))
    }

    /// Runs `f` in a transaction that commits when it returns `Ok` and rolls back otherwise.
    /// Refused before `f` runs when the file is damaged or cannot be written, so `f` never
    /// touches the keychain for a write that cannot be kept.
    pub fn with_tx<T>(&self, f: impl FnOnce(&Transaction<'_>) -> Result<T>) -> Result<T> {
        if self.health() != Health::Ok {
            return Err(self.refusal().into());
        }
        let run = || {
            let mut conn = self.connect(false)?;
            // IMMEDIATE takes the write lock up front, so a check-then-write inside `f` cannot
            // be raced by another process between the check and the write.
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let out = f(&tx)?;
            tx.commit()?;
            Ok(out)
        };
        run().map_err(|e| self.enrich(e))
    }

    /// The error a write gets while the store is not healthy.
    fn refusal(&self) -> StoreError {
        match self.health() {
            Health::Damaged(detail) => StoreError::Damaged {
                path: self.path.clone(),
                detail,
            },
            Health::ReadOnly(reason) => StoreError::ReadOnly {
                folder: self.path.parent().unwrap_or(&self.path).to_path_buf(),
                reason,
            },
            Health::Ok => unreachable!("only called for an unhealthy store"),
        }
    }

    fn mark_damaged(&self, detail: String) {
        let _ = self.damage.set(detail);
    }

    /// Names the file on SQLite errors, and remembers damage so later writes are refused.
    fn enrich(&self, e: Error) -> Error {
        match e {
            Error::Store(sqlite) => {
                let se = StoreError::from_sqlite(&self.path, sqlite);
                if let StoreError::Damaged { detail, .. } = &se {
                    self.mark_damaged(detail.clone());
                }
                Error::Database(se)
            }
            other => other,
        }
    }

    /// On open: a connection that failed because the file is damaged still gives a store
    /// (which refuses writes); any other failure is the error.
    fn damaged_or(self, e: Error) -> Result<Store> {
        match self.enrich(e) {
            Error::Database(StoreError::Damaged { .. }) => Ok(self),
            other => Err(other),
        }
    }

    fn connect(&self, read_only: bool) -> Result<Connection> {
        let conn = if read_only {
            open_read_only(&self.path)?
        } else {
            let conn = Connection::open_with_flags(
                &self.path,
                OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )?;
            conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;")?;
            conn
        };
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.execute_batch("PRAGMA foreign_keys = ON;")?;
        Ok(conn)
    }
}

/// `path` with `suffix` appended to its file name (SQLite's `-wal` / `-shm` naming).
pub(crate) fn sidecar(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
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
