//! Embedded, additive migrations applied in order inside one transaction at start.
//!
//! Foreign-key enforcement is off while migrations run and every reference is checked before
//! the commit, as SQLite's procedure for rebuilding a table asks (a constraint such as NOT NULL
//! can only be dropped by rebuilding the table; see 0003).
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
        "0003_secrets_that_never_expire",
        include_str!("migrations/0003_secrets_that_never_expire.sql"),
    ),
    (
        "0004_destination_checks_and_settings",
        include_str!("migrations/0004_destination_checks_and_settings.sql"),
    ),
    (
        "0005_queries_and_segments",
        include_str!("migrations/0005_queries_and_segments.sql"),
    ),
    (
        "0006_users_and_activity",
        include_str!("migrations/0006_users_and_activity.sql"),
    ),
    (
        "0007_templates",
        include_str!("migrations/0007_templates.sql"),
    ),
    ("0008_jobs", include_str!("migrations/0008_jobs.sql")),
    (
        "0009_destination_credentials",
        include_str!("migrations/0009_destination_credentials.sql"),
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
    // NOTE: `PRAGMA foreign_keys` is a no-op inside a transaction, so it is switched around
    // it; dropping a table that others reference would otherwise delete or refuse their rows.
    let enforced: bool = conn.query_row("PRAGMA foreign_keys", [], |r| r.get(0))?;
    conn.pragma_update(None, "foreign_keys", false)?;
    let applied = apply_pending(conn, path);
    if enforced {
        conn.pragma_update(None, "foreign_keys", true)?;
    }
    applied
}

/// Runs the pending migrations in one transaction and commits only if every foreign key
/// still points at a row.
fn apply_pending(conn: &mut Connection, path: &Path) -> Result<()> {
    let known = MIGRATIONS.len() as i64;
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
    let dangling: i64 = tx.query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
        r.get(0)
    })?;
    if dangling > 0 {
        // Returning drops the transaction, which rolls every migration back.
        return Err(StoreError::Damaged {
            path: path.to_path_buf(),
            detail: format!("{dangling} references point at rows that do not exist"),
        }
        .into());
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

    /// A database as a Ferry that knew only the first `n` migrations left it.
    fn at_level(conn: &Connection, n: usize) {
        conn.execute_batch(
            "CREATE TABLE schema_migrations (name TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)",
        )
        .unwrap();
        for (name, sql) in &MIGRATIONS[..n] {
            conn.execute_batch(sql).unwrap();
            conn.execute(
                "INSERT INTO schema_migrations (name, applied_at) VALUES (?1, 0)",
                [name],
            )
            .unwrap();
        }
        conn.pragma_update(None, "user_version", n as i64).unwrap();
    }

    #[test]
    fn never_expiring_secrets_migration_keeps_every_row_and_reference() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = Connection::open(dir.path().join("db")).unwrap();
        conn.execute_batch("PRAGMA foreign_keys = ON").unwrap();
        at_level(&conn, 2);
        conn.execute_batch(
            "INSERT INTO credentials (id, name, description, plugin, client_id,
                 secret_expires_on, secret_set_at, created_at, updated_at)
             VALUES ('cred_a', 'Prod app', 'kept', 'microsoft-dynamics', 'c-1', '2027-06-15',
                     11, 12, 13),
                    ('cred_b', 'Spare', '', 'microsoft-dynamics', 'c-2', '2026-12-01', 21, 22, 23);
             INSERT INTO destinations (id, name, plugin, credential_id, tenant_id, dynamics_url,
                 cloud, api_version, created_at, updated_at)
             VALUES ('dst_a', 'EU', 'microsoft-dynamics', 'cred_a', 't', 'https://x', 'public',
                     '9.2', 0, 0);",
        )
        .unwrap();

        apply(&mut conn, Path::new("db")).unwrap();

        // id, name, description, expiry, secret set, created, updated.
        type Row = (String, String, String, Option<String>, i64, i64, i64);
        let rows: Vec<Row> = conn
            .prepare(
                "SELECT id, name, description, secret_expires_on, secret_set_at, created_at,
                        updated_at FROM credentials ORDER BY id",
            )
            .unwrap()
            .query_map([], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                ))
            })
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(
            rows,
            vec![
                (
                    "cred_a".into(),
                    "Prod app".into(),
                    "kept".into(),
                    Some("2027-06-15".into()),
                    11,
                    12,
                    13
                ),
                (
                    "cred_b".into(),
                    "Spare".into(),
                    "".into(),
                    Some("2026-12-01".into()),
                    21,
                    22,
                    23
                ),
            ],
            "every credential survives the rebuild unchanged"
        );
        conn.execute(
            "INSERT INTO credentials (id, name, plugin, client_id, secret_expires_on,
                 secret_set_at, created_at, updated_at)
             VALUES ('cred_n', 'Forever', 'p', 'c-3', NULL, 0, 0, 0)",
            [],
        )
        .expect("a secret without an end date can be stored");
        assert_eq!(
            count(&conn, "PRAGMA foreign_keys"),
            1,
            "foreign keys are enforced again after migrating"
        );
        let refused = conn.execute("DELETE FROM credentials WHERE id = 'cred_a'", []);
        assert!(
            refused.is_err(),
            "the destination still holds its credential (ON DELETE RESTRICT)"
        );
        let dangling = conn.execute(
            "UPDATE destinations SET credential_id = 'cred_gone' WHERE id = 'dst_a'",
            [],
        );
        assert!(dangling.is_err(), "the reference is still checked");
        assert!(
            conn.execute(
                "INSERT INTO credentials (id, name, plugin, client_id, secret_set_at,
                     created_at, updated_at) VALUES ('cred_c', 'prod APP', 'p', 'c', 0, 0, 0)",
                [],
            )
            .is_err(),
            "names stay unique regardless of case"
        );
    }

    #[test]
    fn a_migration_that_would_leave_broken_references_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = Connection::open(dir.path().join("db")).unwrap();
        at_level(&conn, 2);
        // A reference already broken (written with enforcement off) is found before commit.
        conn.execute_batch(
            "PRAGMA foreign_keys = OFF;
             INSERT INTO destinations (id, name, plugin, credential_id, tenant_id, dynamics_url,
                 cloud, api_version, created_at, updated_at)
             VALUES ('dst_a', 'EU', 'p', 'cred_missing', 't', 'https://x', 'public', '9.2', 0, 0);
             PRAGMA foreign_keys = ON;",
        )
        .unwrap();
        let err = apply(&mut conn, Path::new("db")).unwrap_err();
        assert!(
            err.to_string().contains("references"),
            "says what is wrong: {err}"
        );
        assert_eq!(
            count(&conn, "PRAGMA user_version"),
            2,
            "the level is unchanged"
        );
        assert_eq!(
            count(&conn, "PRAGMA foreign_keys"),
            1,
            "enforcement is back on after a failure too"
        );
    }
}
