//! The sandbox's SQLite file: records as JSON per table, plus an index for alternate keys.
//!
//! One connection does all writes (the sandbox serializes data access behind one lock, as a
//! single-writer SQLite must) with WAL, cached prepared statements and one transaction per
//! request or change set, which is what makes bulk upserts fast. It knows nothing about
//! Dataverse rules: validation and key semantics live in `records` and `payload`.

use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde_json::{Map, Value};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

/// A stored record: its columns as JSON and its row version (the ETag number).
pub type Row = (u64, Map<String, Value>);

/// A queried record: row number, version, columns, and the values it was sorted by.
pub type QueryRow = (i64, u64, Map<String, Value>, Vec<Value>);

/// The record store.
pub struct Store {
    conn: Connection,
    next_version: u64,
    ids: IdClock,
    checkpointer: Option<(Arc<AtomicBool>, JoinHandle<()>)>,
}

impl Drop for Store {
    fn drop(&mut self) {
        if let Some((stop, thread)) = self.checkpointer.take() {
            stop.store(true, Ordering::Relaxed);
            let _ = thread.join();
        }
    }
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS settings (name TEXT PRIMARY KEY, value TEXT NOT NULL);
-- A rowid table: new rows append instead of splitting pages at random GUID positions, and
-- the (tbl, id) index holds only small entries.
CREATE TABLE IF NOT EXISTS records (
    rid INTEGER PRIMARY KEY, tbl TEXT NOT NULL, id TEXT NOT NULL,
    version INTEGER NOT NULL, body TEXT NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS records_by_id ON records (tbl, id);
-- Alternate-key index: one row per record per key whose columns all have values.
CREATE TABLE IF NOT EXISTS record_keys (
    tbl TEXT NOT NULL, key_name TEXT NOT NULL, key_value TEXT NOT NULL, id TEXT NOT NULL,
    PRIMARY KEY (tbl, key_name, key_value)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS record_keys_by_id ON record_keys (tbl, id);
-- Many-to-many links: one row per associated pair, by relationship schema name; id1 is the
-- relationship's first table's row, id2 its second's. A rowid table, so lists keep link order.
CREATE TABLE IF NOT EXISTS associations (
    relationship TEXT NOT NULL, id1 TEXT NOT NULL, id2 TEXT NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS associations_by_pair ON associations (relationship, id1, id2);
CREATE INDEX IF NOT EXISTS associations_by_id2 ON associations (relationship, id2);
";

/// Limits the data file (and SQLite's `-wal`/`-shm` files beside it) to its owner, creating
/// an empty one first so it never exists with wider permissions.
///
/// The file holds the CA key and sign-in secrets. SQLite gives the `-wal` and `-shm` files it
/// creates the main file's permissions, so fixing the main file covers them too; existing ones
/// (from an older Ferry) are fixed here. A no-op off Unix, where the user's profile folder
/// already limits access.
pub fn restrict_permissions(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(path)?;
        for suffix in ["", "-wal", "-shm"] {
            let mut name = path.as_os_str().to_owned();
            name.push(suffix);
            let file = std::path::PathBuf::from(name);
            if file.exists() {
                std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600))?;
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

impl Store {
    /// Opens (or creates) the file at `path`, or an in-memory store for `None`.
    pub fn open(path: Option<&Path>) -> rusqlite::Result<Self> {
        let conn = match path {
            Some(p) => Connection::open(p)?,
            None => Connection::open_in_memory()?,
        };
        // NOTE: larger pages mean shallower B-trees for the GUID and key indexes; the setting
        // only takes effect on a new file, before WAL is switched on.
        conn.pragma_update(None, "page_size", 16384)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "busy_timeout", 5000)?;
        // NOTE: a 64 MiB page cache keeps bulk upserts in memory; it is bounded, so memory
        // stays flat as rows grow. Checkpoints (the only fsyncs in WAL mode with
        // synchronous=NORMAL) run on a background connection; the writer's own autocheckpoint
        // is only a backstop should that thread fall behind.
        conn.pragma_update(None, "cache_size", -65536)?;
        conn.pragma_update(None, "wal_autocheckpoint", 12500)?;
        conn.pragma_update(None, "temp_store", "MEMORY")?;
        conn.execute_batch(SCHEMA)?;
        let max: Option<i64> =
            conn.query_row("SELECT max(version) FROM records", [], |r| r.get(0))?;
        let checkpointer = match path {
            Some(p) => Some(spawn_checkpointer(p)?),
            None => None,
        };
        Ok(Self {
            conn,
            next_version: max.unwrap_or(1_000_000) as u64 + 1,
            ids: IdClock::new(),
            checkpointer,
        })
    }

    /// A stored setting.
    pub fn setting(&self, name: &str) -> rusqlite::Result<Option<String>> {
        self.conn
            .query_row("SELECT value FROM settings WHERE name = ?1", [name], |r| {
                r.get(0)
            })
            .optional()
    }

    /// Stores a setting.
    pub fn set_setting(&self, name: &str, value: &str) -> rusqlite::Result<()> {
        self.conn.execute(
            "INSERT INTO settings (name, value) VALUES (?1, ?2)
             ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            params![name, value],
        )?;
        Ok(())
    }

    /// Runs `f` in one transaction: committed on `Ok`, rolled back on `Err`.
    pub fn with_tx<T, E>(&mut self, f: impl FnOnce(&mut Tx<'_>) -> Result<T, E>) -> Result<T, E>
    where
        E: From<rusqlite::Error>,
    {
        let tx = self.conn.transaction()?;
        let mut handle = Tx {
            tx,
            next_version: &mut self.next_version,
            ids: &mut self.ids,
        };
        let out = f(&mut handle)?;
        handle.tx.commit()?;
        Ok(out)
    }

    /// Record counts per table logical name.
    pub fn counts(&self) -> rusqlite::Result<Vec<(String, u64)>> {
        let mut stmt = self
            .conn
            .prepare("SELECT tbl, count(*) FROM records GROUP BY tbl ORDER BY tbl")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get::<_, i64>(1)? as u64)))?;
        rows.collect()
    }

    /// Deletes every record (settings such as the sign-in identity stay).
    pub fn reset(&self) -> rusqlite::Result<()> {
        self.conn.execute_batch(
            "DELETE FROM records; DELETE FROM record_keys; DELETE FROM associations;",
        )
    }
}

/// Checkpoints the WAL every 250 ms from a second connection until told to stop.
fn spawn_checkpointer(path: &Path) -> rusqlite::Result<(Arc<AtomicBool>, JoinHandle<()>)> {
    let conn = Connection::open(path)?;
    conn.pragma_update(None, "busy_timeout", 5000)?;
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    let thread = std::thread::Builder::new()
        .name("ferry-sandbox-checkpoint".into())
        .spawn(move || {
            while !flag.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(250));
                // NOTE: PASSIVE never blocks the writer; whatever it cannot copy now waits.
                let _ = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
            }
        })
        .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
    Ok((stop, thread))
}

/// An open transaction with the record operations.
pub struct Tx<'a> {
    tx: Transaction<'a>,
    next_version: &'a mut u64,
    ids: &'a mut IdClock,
}

/// Hands out row ids whose text sorts in the order they were made.
///
/// A random (version 4) id lands at a random leaf of the `(tbl, id)` indexes, so a transaction
/// of 1,000 creates dirtied most of their pages and wrote them all to the WAL again; ordered
/// ids append to the last pages instead. The layout is UUID version 7's (RFC 9562): 48 bits of
/// Unix milliseconds, then a sequence that keeps ids made in the same millisecond (or after
/// the clock stepped back) in order, then 32 random bits chosen once per store so two sandboxes
/// started in the same millisecond do not collide.
struct IdClock {
    last_ms: u64,
    seq: u64,
    salt: u32,
}

impl IdClock {
    fn new() -> Self {
        let salt = uuid::Uuid::new_v4().as_u128() as u32;
        Self {
            last_ms: 0,
            seq: 0,
            salt,
        }
    }

    fn next(&mut self, now_ms: u64) -> uuid::Uuid {
        // NOTE: 42 bits of sequence (12 in rand_a, 30 in rand_b) cannot run out in a millisecond.
        if now_ms > self.last_ms {
            self.last_ms = now_ms;
            self.seq = 0;
        } else {
            self.seq += 1;
        }
        let ms = u128::from(self.last_ms & 0xFFFF_FFFF_FFFF);
        let seq = u128::from(self.seq & 0x3FF_FFFF_FFFF);
        let bits = (ms << 80)
            | (0x7 << 76)
            | ((seq >> 30) << 64)
            | (0b10 << 62)
            | ((seq & 0x3FFF_FFFF) << 32)
            | u128::from(self.salt);
        uuid::Uuid::from_u128(bits)
    }
}

impl Tx<'_> {
    /// A new record id, later in sort order than every id this store made before.
    pub fn new_id(&mut self) -> String {
        let now_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0);
        self.ids.next(now_ms).to_string()
    }

    /// A new, higher row version.
    pub fn bump_version(&mut self) -> u64 {
        *self.next_version += 1;
        *self.next_version
    }

    /// The record `id` of table `tbl`.
    pub fn get(&self, tbl: &str, id: &str) -> rusqlite::Result<Option<Row>> {
        let mut stmt = self
            .tx
            .prepare_cached("SELECT version, body FROM records WHERE tbl = ?1 AND id = ?2")?;
        let row = stmt
            .query_row(params![tbl, id], |r| {
                Ok((r.get::<_, i64>(0)? as u64, r.get::<_, String>(1)?))
            })
            .optional()?;
        Ok(row.map(|(v, body)| {
            let map = match serde_json::from_str(&body) {
                Ok(Value::Object(m)) => m,
                _ => Map::new(),
            };
            (v, map)
        }))
    }

    /// Whether record `id` exists.
    pub fn exists(&self, tbl: &str, id: &str) -> rusqlite::Result<bool> {
        let mut stmt = self
            .tx
            .prepare_cached("SELECT 1 FROM records WHERE tbl = ?1 AND id = ?2")?;
        stmt.exists(params![tbl, id])
    }

    /// Writes record `id` (insert or replace).
    pub fn put(
        &self,
        tbl: &str,
        id: &str,
        version: u64,
        body: &Map<String, Value>,
    ) -> rusqlite::Result<()> {
        let text = serde_json::to_string(body).unwrap_or_else(|_| "{}".into());
        let mut stmt = self.tx.prepare_cached(
            "INSERT INTO records (tbl, id, version, body) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (tbl, id) DO UPDATE SET version = excluded.version, body = excluded.body",
        )?;
        stmt.execute(params![tbl, id, version as i64, text])?;
        Ok(())
    }

    /// Deletes record `id` and its key rows; false if it did not exist.
    pub fn delete(&self, tbl: &str, id: &str) -> rusqlite::Result<bool> {
        let n = self
            .tx
            .prepare_cached("DELETE FROM records WHERE tbl = ?1 AND id = ?2")?
            .execute(params![tbl, id])?;
        self.tx
            .prepare_cached("DELETE FROM record_keys WHERE tbl = ?1 AND id = ?2")?
            .execute(params![tbl, id])?;
        Ok(n > 0)
    }

    /// The id of the record whose key `key_name` has canonical value `value`.
    pub fn find_key(
        &self,
        tbl: &str,
        key_name: &str,
        value: &str,
    ) -> rusqlite::Result<Option<String>> {
        let mut stmt = self.tx.prepare_cached(
            "SELECT id FROM record_keys WHERE tbl = ?1 AND key_name = ?2 AND key_value = ?3",
        )?;
        stmt.query_row(params![tbl, key_name, value], |r| r.get(0))
            .optional()
    }

    /// Points key `key_name` = `value` at record `id`.
    pub fn set_key(
        &self,
        tbl: &str,
        key_name: &str,
        value: &str,
        id: &str,
    ) -> rusqlite::Result<()> {
        self.tx
            .prepare_cached(
                "INSERT INTO record_keys (tbl, key_name, key_value, id) VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![tbl, key_name, value, id])?;
        Ok(())
    }

    /// Removes key `key_name` = `value`.
    pub fn remove_key(&self, tbl: &str, key_name: &str, value: &str) -> rusqlite::Result<()> {
        self.tx
            .prepare_cached(
                "DELETE FROM record_keys WHERE tbl = ?1 AND key_name = ?2 AND key_value = ?3",
            )?
            .execute(params![tbl, key_name, value])?;
        Ok(())
    }
}

/// Query reads used by `query` (SQL built there from the schema, values always bound) and
/// many-to-many links used by `relate`.
impl Tx<'_> {
    /// Runs `sql` (selecting `rid, version, body` then `extra` sort values) with `params`.
    pub fn query_rows(
        &self,
        sql: &str,
        params: &[rusqlite::types::Value],
        extra: usize,
    ) -> rusqlite::Result<Vec<QueryRow>> {
        let mut stmt = self.tx.prepare_cached(sql)?;
        let mut rows = stmt.query(rusqlite::params_from_iter(params.iter()))?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let rid: i64 = r.get(0)?;
            let version = r.get::<_, i64>(1)? as u64;
            let body: String = r.get(2)?;
            let mut keys = Vec::with_capacity(extra);
            for i in 0..extra {
                keys.push(json_of(r.get_ref(3 + i)?));
            }
            if let Ok(Value::Object(m)) = serde_json::from_str(&body) {
                out.push((rid, version, m, keys));
            }
        }
        Ok(out)
    }

    /// Rows changed on this connection since it opened: any write moves it, so an unchanged
    /// value means the data is as it was.
    pub fn generation(&self) -> u64 {
        self.tx.total_changes()
    }

    /// Runs `sql` (selecting `rid` then `extra` sort values) with `params`.
    pub fn query_keys(
        &self,
        sql: &str,
        params: &[rusqlite::types::Value],
        extra: usize,
    ) -> rusqlite::Result<Vec<(i64, Vec<Value>)>> {
        let mut stmt = self.tx.prepare_cached(sql)?;
        let mut rows = stmt.query(rusqlite::params_from_iter(params.iter()))?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let mut keys = Vec::with_capacity(extra);
            for i in 0..extra {
                keys.push(json_of(r.get_ref(1 + i)?));
            }
            out.push((r.get(0)?, keys));
        }
        Ok(out)
    }

    /// Versions and bodies of the records with row numbers `rids`.
    pub fn rows_by_rid(
        &self,
        rids: &[i64],
    ) -> rusqlite::Result<std::collections::HashMap<i64, Row>> {
        let mut out = std::collections::HashMap::with_capacity(rids.len());
        for chunk in rids.chunks(1000) {
            let marks = vec!["?"; chunk.len()].join(",");
            let sql = format!("SELECT rid, version, body FROM records WHERE rid IN ({marks})");
            let mut stmt = self.tx.prepare_cached(&sql)?;
            let mut rows = stmt.query(rusqlite::params_from_iter(chunk.iter()))?;
            while let Some(r) = rows.next()? {
                let body: String = r.get(2)?;
                if let Ok(Value::Object(m)) = serde_json::from_str(&body) {
                    out.insert(r.get(0)?, (r.get::<_, i64>(1)? as u64, m));
                }
            }
        }
        Ok(out)
    }

    /// Runs a `SELECT count(*) …` with `params`.
    pub fn query_count(
        &self,
        sql: &str,
        params: &[rusqlite::types::Value],
    ) -> rusqlite::Result<u64> {
        let mut stmt = self.tx.prepare_cached(sql)?;
        stmt.query_row(rusqlite::params_from_iter(params.iter()), |r| {
            r.get::<_, i64>(0)
        })
        .map(|n| n as u64)
    }

    // Many-to-many associations (`relate`).

    /// Links `id1` and `id2` through `relationship`; false if they already were.
    pub fn associate(&self, relationship: &str, id1: &str, id2: &str) -> rusqlite::Result<bool> {
        let n = self
            .tx
            .prepare_cached(
                "INSERT OR IGNORE INTO associations (relationship, id1, id2) VALUES (?1, ?2, ?3)",
            )?
            .execute(params![relationship, id1, id2])?;
        Ok(n > 0)
    }

    /// Unlinks `id1` and `id2`; false if they were not linked.
    pub fn disassociate(&self, relationship: &str, id1: &str, id2: &str) -> rusqlite::Result<bool> {
        let n = self
            .tx
            .prepare_cached(
                "DELETE FROM associations WHERE relationship = ?1 AND id1 = ?2 AND id2 = ?3",
            )?
            .execute(params![relationship, id1, id2])?;
        Ok(n > 0)
    }

    /// The ids linked to `id` through `relationship`: second-side ids when `id` is on the
    /// first side (`first`), else first-side ids; oldest link first.
    pub fn associated(
        &self,
        relationship: &str,
        id: &str,
        first: bool,
    ) -> rusqlite::Result<Vec<String>> {
        let sql = if first {
            "SELECT id2 FROM associations WHERE relationship = ?1 AND id1 = ?2 ORDER BY rowid"
        } else {
            "SELECT id1 FROM associations WHERE relationship = ?1 AND id2 = ?2 ORDER BY rowid"
        };
        let mut stmt = self.tx.prepare_cached(sql)?;
        let rows = stmt.query_map(params![relationship, id], |r| r.get(0))?;
        rows.collect()
    }

    /// Removes every link of `id` on one side of `relationship`.
    pub fn forget_associations(
        &self,
        relationship: &str,
        id: &str,
        first: bool,
    ) -> rusqlite::Result<()> {
        let sql = if first {
            "DELETE FROM associations WHERE relationship = ?1 AND id1 = ?2"
        } else {
            "DELETE FROM associations WHERE relationship = ?1 AND id2 = ?2"
        };
        self.tx
            .prepare_cached(sql)?
            .execute(params![relationship, id])?;
        Ok(())
    }
}

/// A SQLite value as JSON (sort values travel in skip tokens).
fn json_of(v: rusqlite::types::ValueRef<'_>) -> Value {
    use rusqlite::types::ValueRef;
    match v {
        ValueRef::Null | ValueRef::Blob(_) => Value::Null,
        ValueRef::Integer(n) => Value::from(n),
        ValueRef::Real(f) => Value::from(f),
        ValueRef::Text(t) => Value::String(String::from_utf8_lossy(t).into_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_ids_are_version_7_uuids_that_sort_in_the_order_they_were_made() {
        let mut clock = IdClock::new();
        // NOTE: the same millisecond twice, then a clock that steps back, then a later one.
        let ids: Vec<String> = [5_000, 5_000, 4_000, 6_000]
            .into_iter()
            .map(|ms| clock.next(ms).to_string())
            .collect();
        for pair in ids.windows(2) {
            assert!(pair[0] < pair[1], "ids sort in creation order: {pair:?}");
        }
        let parsed = uuid::Uuid::parse_str(&ids[0]).expect("a UUID");
        assert_eq!(parsed.get_version_num(), 7, "the version nibble says 7");
        assert_eq!(
            parsed.get_variant(),
            uuid::Variant::RFC4122,
            "the RFC variant bits"
        );
    }

    #[test]
    fn a_rolled_back_transaction_leaves_nothing_behind() {
        let mut store = Store::open(None).expect("in-memory store opens");
        let out: Result<(), rusqlite::Error> = store.with_tx(|tx| {
            let v = tx.bump_version();
            tx.put("contact", "a", v, &Map::new())?;
            Err(rusqlite::Error::InvalidQuery)
        });
        assert!(out.is_err(), "the closure's error comes back");
        assert!(
            store.counts().expect("counts").is_empty(),
            "the insert was rolled back"
        );
    }
}
