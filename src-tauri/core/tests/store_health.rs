//! The settings database when things go wrong on disk: a damaged file, a read-only folder,
//! and the file modes that keep the data folder private. Real SQLite files in temp folders,
//! the real keychain (the test command runs these under dbus-run-session with an unlocked
//! gnome-keyring), and `secret-tool` to look into it.

mod keychain_support;

use ferry_core::date::Date;
use ferry_core::ops::credentials::{self, NewCredential};
use ferry_core::ops::status;
use ferry_core::policy::Actor;
use ferry_core::secrets::{Secret, SecretStore};
use ferry_core::store::{Health, OpenOptions, Store, StoreError, DB_FILE};
use ferry_core::validate::ExpiryInput;
use ferry_core::{App, Clock, Error};
use std::io::{Seek, SeekFrom, Write};
use std::path::Path;

const CLIENT_ID: &str = "0f6e2a4c-1b3d-4e5f-8a9b-c0d1e2f3a4b5";
const NOW: i64 = 1_795_000_000;

fn today() -> Date {
    Date::parse("2026-11-27").unwrap()
}

/// The acting user: the one local user, who may do everything.
fn user() -> Actor {
    Actor::new(
        "usr_test",
        "Tess",
        ferry_core::policy::Policy::Administrator,
        false,
    )
}

fn service() -> String {
    format!("ferry-core-test-{}", ferry_core::ids::new_id("t"))
}

fn credential(name: &str) -> NewCredential {
    NewCredential {
        name: name.into(),
        description: String::new(),
        plugin: "microsoft-dynamics".into(),
        client_id: CLIENT_ID.into(),
        client_secret: Secret::new("health~test~secret"),
        expiry: ExpiryInput::Years { years: 1 },
    }
}

fn opts(now: i64) -> OpenOptions {
    OpenOptions {
        now,
        read_only: false,
    }
}

/// A data folder holding one credential "Kept", with every connection closed (so the WAL is
/// checkpointed into the main file and gone).
fn folder_with_one_credential(service: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let app = App::open_with(dir.path(), SecretStore::new(service), opts(NOW))
        .unwrap()
        .with_clock(Clock::Fixed(today()));
    credentials::create(&app, &user(), credential("Kept")).unwrap();
    dir
}

/// Garbage over every page after the first: the header still says "SQLite", the tables do
/// not parse.
fn overwrite_pages(db: &Path) {
    let len = std::fs::metadata(db).unwrap().len();
    assert!(
        len > 4096,
        "the database has pages past the first to damage"
    );
    let mut f = std::fs::OpenOptions::new().write(true).open(db).unwrap();
    f.seek(SeekFrom::Start(4096)).unwrap();
    f.write_all(&vec![0xA5; (len - 4096) as usize]).unwrap();
}

fn truncate_to_half(db: &Path) {
    let len = std::fs::metadata(db).unwrap().len();
    let f = std::fs::OpenOptions::new().write(true).open(db).unwrap();
    f.set_len(len / 2).unwrap();
}

fn overwrite_header(db: &Path) {
    let mut f = std::fs::OpenOptions::new().write(true).open(db).unwrap();
    f.write_all(b"this is not a database, it is a note")
        .unwrap();
}

#[test]
fn a_damaged_database_refuses_a_new_credential_names_the_file_and_leaves_no_secret() {
    for (how, damage) in [
        ("pages overwritten", overwrite_pages as fn(&Path)),
        ("truncated", truncate_to_half),
        ("header overwritten", overwrite_header),
    ] {
        let service = service();
        let dir = folder_with_one_credential(&service);
        let db = dir.path().join(DB_FILE);
        damage(&db);
        let before = std::fs::read(&db).unwrap();
        assert_eq!(
            keychain_support::accounts(&service).len(),
            1,
            "{how}: the keychain holds the one secret added before the damage"
        );

        let app = App::open_with(dir.path(), SecretStore::new(&service), opts(NOW))
            .unwrap()
            .with_clock(Clock::Fixed(today()));
        assert!(
            matches!(app.store().health(), Health::Damaged(_)),
            "{how}: opening found the damage"
        );
        let err = credentials::create(&app, &user(), credential("New")).unwrap_err();
        assert!(
            matches!(err, Error::Database(StoreError::Damaged { .. })),
            "{how}: the refusal is the typed damage error, not {err:?}"
        );
        let msg = err.to_string();
        assert!(
            msg.contains(&db.display().to_string()) && msg.contains("ferry data-folder restore"),
            "{how}: the message names the file and the remedy: {msg}"
        );
        assert_eq!(
            std::fs::read(&db).unwrap(),
            before,
            "{how}: not one byte of the damaged file changed"
        );
        assert_eq!(
            keychain_support::accounts(&service).len(),
            1,
            "{how}: the refused credential left no secret in the keychain"
        );
        let notice = status::app_status(&app, &user())
            .expect("the start-up status is still available")
            .data_folder_notice
            .unwrap_or_default();
        assert!(
            notice.contains(&db.display().to_string()),
            "{how}: the window's start-up status names the damaged file: {notice:?}"
        );
        // Reads are attempted: they either work or fail with the same named error.
        if let Err(e) = credentials::list(&app, &user()) {
            assert!(
                matches!(e, Error::Database(StoreError::Damaged { .. })),
                "{how}: a failed read says the file is damaged: {e}"
            );
        }
        SecretStore::new(&service)
            .delete(&keychain_support::accounts(&service)[0])
            .unwrap();
    }
}

#[test]
fn damage_found_mid_session_stops_later_writes() {
    let service = service();
    let dir = folder_with_one_credential(&service);
    let app = App::open_with(dir.path(), SecretStore::new(&service), opts(NOW))
        .unwrap()
        .with_clock(Clock::Fixed(today()));
    assert_eq!(app.store().health(), Health::Ok, "healthy at open");
    overwrite_pages(app.store().path());
    let first = credentials::list(&app, &user()).unwrap_err();
    assert!(
        matches!(first, Error::Database(StoreError::Damaged { .. })),
        "the read that meets the damage names it: {first}"
    );
    let err = credentials::create(&app, &user(), credential("After")).unwrap_err();
    assert!(
        matches!(err, Error::Database(StoreError::Damaged { .. })),
        "once damage was seen, writes are refused up front: {err}"
    );
    assert!(
        keychain_support::accounts(&service).len() == 1,
        "and the refused write left no secret behind"
    );
    let id = &keychain_support::accounts(&service)[0];
    SecretStore::new(&service).delete(id).unwrap();
}

#[test]
fn opening_a_damaged_database_neither_migrates_nor_backs_it_up() {
    let service = service();
    let dir = folder_with_one_credential(&service);
    overwrite_pages(&dir.path().join(DB_FILE));
    let backups = dir.path().join("backups");
    let count = || std::fs::read_dir(&backups).map_or(0, |d| d.count());
    let before = count();
    Store::open_with(dir.path(), opts(NOW + 3 * 86_400)).unwrap();
    assert_eq!(
        count(),
        before,
        "no daily backup of a damaged file (it would push good ones out)"
    );
    let id = &keychain_support::accounts(&service)[0];
    SecretStore::new(&service).delete(id).unwrap();
}

/// Runs `f` on a data folder whose folder and database are chmod'ed read-only.
///
/// NOTE: these tests run as root in CI, and root ignores file modes, so access(2) still
/// reports the folder writable. As root the store is therefore opened with
/// `OpenOptions::read_only`, the mode Ferry itself switches to when access(2) says no; the
/// CLI tests exercise the access(2) detection for real by dropping CAP_DAC_OVERRIDE.
fn with_read_only_folder(dir: &Path, f: impl FnOnce(OpenOptions)) {
    use std::os::unix::fs::PermissionsExt;
    let set = |p: &Path, m: u32| std::fs::set_permissions(p, PermissionsExt::from_mode(m));
    set(&dir.join(DB_FILE), 0o400).unwrap();
    set(dir, 0o500).unwrap();
    let as_root = rustix::process::geteuid().is_root();
    f(OpenOptions {
        now: NOW + 86_400 * 2,
        read_only: as_root,
    });
    set(dir, 0o700).unwrap();
}

#[test]
fn a_read_only_folder_lists_but_refuses_changes_and_says_why() {
    let service = service();
    let dir = folder_with_one_credential(&service);
    let db = dir.path().join(DB_FILE);
    let before = std::fs::read(&db).unwrap();
    with_read_only_folder(dir.path(), |o| {
        let app = App::open_with(dir.path(), SecretStore::new(&service), o)
            .unwrap()
            .with_clock(Clock::Fixed(today()));
        let list = credentials::list(&app, &user()).unwrap();
        assert_eq!(list.len(), 1, "reads work in a read-only folder");
        let err = credentials::create(&app, &user(), credential("New")).unwrap_err();
        assert!(
            matches!(err, Error::Database(StoreError::ReadOnly { .. })),
            "writes get the read-only error: {err:?}"
        );
        let msg = err.to_string();
        assert!(
            msg.contains(&dir.path().display().to_string()) && msg.contains("writable"),
            "the message names the folder and says to make it writable: {msg}"
        );
    });
    assert_eq!(
        std::fs::read(&db).unwrap(),
        before,
        "opening and reading wrote nothing"
    );
    assert_eq!(
        keychain_support::accounts(&service).len(),
        1,
        "the refused credential left no secret in the keychain"
    );
    SecretStore::new(&service)
        .delete(&keychain_support::accounts(&service)[0])
        .unwrap();
}

#[test]
fn a_read_only_folder_that_needs_a_migration_says_so() {
    let dir = tempfile::tempdir().unwrap();
    Store::open_with(dir.path(), opts(NOW)).unwrap();
    // Roll the file back to "only the first migration applied", as an older Ferry left it.
    let conn = rusqlite::Connection::open(dir.path().join(DB_FILE)).unwrap();
    conn.execute_batch(
        "DROP TABLE metadata_cache;
         DELETE FROM schema_migrations WHERE name <> '0001_destinations_and_credentials';
         PRAGMA user_version = 1;",
    )
    .unwrap();
    drop(conn);
    with_read_only_folder(dir.path(), |o| {
        let err = Store::open_with(dir.path(), o).unwrap_err();
        let msg = err.to_string();
        assert!(
            matches!(err, Error::Database(StoreError::NeedsWrite { .. })),
            "a pending migration in a read-only folder is its own error: {msg}"
        );
        assert!(
            msg.contains("needs an update") && msg.contains(DB_FILE),
            "it says an update is pending and names the file: {msg}"
        );
    });
}

#[test]
fn the_database_and_its_wal_files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("ferry");
    let store = Store::open_with(&data, opts(NOW)).unwrap();
    // Keep a connection open so the -wal and -shm files exist while their modes are read.
    let conn = store.conn().unwrap();
    conn.execute_batch("CREATE TABLE probe (x); INSERT INTO probe VALUES (1);")
        .unwrap();
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&data), 0o700, "the data folder is 0700");
    for name in [DB_FILE, "ferry.sqlite3-wal", "ferry.sqlite3-shm"] {
        assert_eq!(mode(&data.join(name)), 0o600, "{name} is 0600");
    }
}

#[test]
fn reopening_a_current_database_changes_no_byte_of_it() {
    let service = service();
    let dir = folder_with_one_credential(&service);
    let db = dir.path().join(DB_FILE);
    // The first reopen of the day takes the daily backup; the one after it is a plain open.
    Store::open_with(dir.path(), opts(NOW + 60)).unwrap();
    let before = std::fs::read(&db).unwrap();
    let store = Store::open_with(dir.path(), opts(NOW + 120)).unwrap();
    store
        .read(|c| {
            Ok(c.query_row("SELECT count(*) FROM credentials", [], |r| {
                r.get::<_, i64>(0)
            })?)
        })
        .unwrap();
    drop(store);
    assert_eq!(
        std::fs::read(&db).unwrap(),
        before,
        "an open with nothing to migrate writes nothing (so a read-only folder can be read)"
    );
    SecretStore::new(&service)
        .delete(&keychain_support::accounts(&service)[0])
        .unwrap();
}
