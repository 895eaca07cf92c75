//! Automatic backups and `restore`, over real SQLite files with an injected clock ("now" is a
//! parameter, never the wall clock). The restore test also uses the real keychain, to show a
//! restored database finds its secrets (run under scripts/with-keyring.sh).

use ferry_core::date::Date;
use ferry_core::ops::credentials::{self, NewCredential};
use ferry_core::policy::Actor;
use ferry_core::secrets::{Secret, SecretStore};
use ferry_core::store::backup::{self, Kind, KEEP_BEFORE_MIGRATION, KEEP_DAILY};
use ferry_core::store::{OpenOptions, Store, StoreError, DB_FILE};
use ferry_core::validate::ExpiryInput;
use ferry_core::{App, Clock, Error};
use std::path::{Path, PathBuf};

const T0: i64 = 1_795_000_000;
const HOUR: i64 = 3600;
const DAY: i64 = 86_400;

/// The acting user: the one local user, who may do everything.
fn user() -> Actor {
    Actor::new(
        "usr_test",
        "Tess",
        ferry_core::policy::Policy::Administrator,
        false,
    )
}

fn opts(now: i64) -> OpenOptions {
    OpenOptions {
        now,
        read_only: false,
    }
}

fn backups(dir: &Path, kind: Kind) -> Vec<PathBuf> {
    backup::list(dir)
        .unwrap()
        .into_iter()
        .filter(|b| b.kind == kind)
        .map(|b| b.path)
        .collect()
}

fn credential_names(db: &Path) -> Vec<String> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut stmt = conn
        .prepare("SELECT name FROM credentials ORDER BY name")
        .unwrap();
    let names = stmt.query_map([], |r| r.get(0)).unwrap();
    names.collect::<rusqlite::Result<_>>().unwrap()
}

fn insert_credential(db: &Path, id: &str, name: &str) {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.execute(
        "INSERT INTO credentials (id, name, plugin, client_id, secret_expires_on, secret_set_at,
                                  created_at, updated_at)
         VALUES (?1, ?2, 'microsoft-dynamics', 'x', '2030-01-01', 0, 0, 0)",
        [id, name],
    )
    .unwrap();
}

/// A database as a Ferry that knew only the first migration left it, with one credential.
fn level_one_folder() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let conn = rusqlite::Connection::open(dir.path().join(DB_FILE)).unwrap();
    conn.execute_batch(include_str!(
        "../src/store/migrations/0001_destinations_and_credentials.sql"
    ))
    .unwrap();
    conn.execute_batch(
        "CREATE TABLE schema_migrations (name TEXT PRIMARY KEY, applied_at INTEGER NOT NULL);
         INSERT INTO schema_migrations VALUES ('0001_destinations_and_credentials', 0);
         PRAGMA user_version = 1;",
    )
    .unwrap();
    drop(conn);
    insert_credential(&dir.path().join(DB_FILE), "crd_old", "Old app");
    dir
}

#[test]
fn a_backup_is_taken_before_a_migration_changes_the_schema() {
    let dir = level_one_folder();
    Store::open_with(dir.path(), opts(T0)).unwrap();
    let taken = backups(dir.path(), Kind::BeforeMigration);
    assert_eq!(taken.len(), 1, "one backup before the pending migrations");
    let conn = rusqlite::Connection::open(&taken[0]).unwrap();
    let level: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(level, 1, "the backup holds the schema as it was before");
    assert_eq!(
        credential_names(&taken[0]),
        ["Old app"],
        "and the settings as they were"
    );
    Store::open_with(dir.path(), opts(T0 + HOUR)).unwrap();
    assert_eq!(
        backups(dir.path(), Kind::BeforeMigration).len(),
        1,
        "a current schema takes no further pre-migration backup"
    );
}

#[test]
fn a_brand_new_database_is_not_backed_up() {
    let dir = tempfile::tempdir().unwrap();
    Store::open_with(dir.path(), opts(T0)).unwrap();
    assert!(
        backup::list(dir.path()).unwrap().is_empty(),
        "creating an empty database needs no backup"
    );
}

#[test]
fn a_daily_backup_is_taken_when_the_newest_is_a_day_old() {
    let dir = tempfile::tempdir().unwrap();
    Store::open_with(dir.path(), opts(T0)).unwrap();
    let daily = |now| {
        Store::open_with(dir.path(), opts(now)).unwrap();
        backups(dir.path(), Kind::Daily).len()
    };
    assert_eq!(
        daily(T0 + HOUR),
        1,
        "the first open of an existing file backs it up"
    );
    assert_eq!(daily(T0 + 2 * HOUR), 1, "not again within the day");
    assert_eq!(
        daily(T0 + HOUR + DAY - 1),
        1,
        "not a second before a day has passed"
    );
    assert_eq!(daily(T0 + HOUR + DAY), 2, "once the newest is a day old");
}

#[test]
fn backups_are_private_files_in_a_private_folder() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    Store::open_with(dir.path(), opts(T0)).unwrap();
    Store::open_with(dir.path(), opts(T0 + HOUR)).unwrap();
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let folder = dir.path().join(backup::BACKUP_DIR);
    assert_eq!(mode(&folder), 0o700, "the backups folder is 0700");
    let files = backups(dir.path(), Kind::Daily);
    assert!(!files.is_empty(), "a backup was taken to check");
    for f in files {
        assert_eq!(mode(&f), 0o600, "{} is 0600", f.display());
    }
}

#[test]
fn old_backups_are_pruned_to_the_newest_few_of_each_kind() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join(backup::BACKUP_DIR);
    Store::open_with(dir.path(), opts(T0)).unwrap();
    for day in 1..=10 {
        Store::open_with(dir.path(), opts(T0 + day * DAY)).unwrap();
    }
    let conn = Store::open_with(dir.path(), opts(T0 + 10 * DAY))
        .unwrap()
        .conn()
        .unwrap();
    for hour in 1..=5 {
        backup::take(dir.path(), &conn, Kind::BeforeMigration, T0 + hour * HOUR).unwrap();
    }
    std::fs::write(folder.join("my-own-copy.sqlite3"), b"keep me").unwrap();
    backup::take(dir.path(), &conn, Kind::Daily, T0 + 11 * DAY).unwrap();

    let daily = backups(dir.path(), Kind::Daily);
    assert_eq!(
        daily.len(),
        KEEP_DAILY,
        "only the newest daily backups are kept"
    );
    assert_eq!(
        daily[KEEP_DAILY - 1],
        folder.join(backup::file_name(Kind::Daily, T0 + 5 * DAY)),
        "the oldest kept daily backup is the seventh newest"
    );
    let before = backups(dir.path(), Kind::BeforeMigration);
    assert_eq!(
        before.len(),
        KEEP_BEFORE_MIGRATION,
        "only the newest pre-migration backups are kept"
    );
    assert_eq!(
        before[0],
        folder.join(backup::file_name(Kind::BeforeMigration, T0 + 5 * HOUR)),
        "the newest pre-migration backup is among them"
    );
    assert!(
        folder.join("my-own-copy.sqlite3").exists(),
        "a file Ferry did not name is never pruned"
    );
}

fn damage(db: &Path) {
    use std::io::{Seek, SeekFrom, Write};
    let len = std::fs::metadata(db).unwrap().len();
    let mut f = std::fs::OpenOptions::new().write(true).open(db).unwrap();
    f.seek(SeekFrom::Start(4096)).unwrap();
    f.write_all(&vec![0x5A; (len - 4096) as usize]).unwrap();
}

#[test]
fn restore_brings_back_the_settings_after_the_database_was_damaged() {
    let service = format!("ferry-core-test-{}", ferry_core::ids::new_id("t"));
    let today = Date::parse("2026-11-27").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let app = App::open_with(dir.path(), SecretStore::new(&service), opts(T0))
        .unwrap()
        .with_clock(Clock::Fixed(today));
    let cred = credentials::create(
        &app,
        &user(),
        NewCredential {
            name: "Prod app".into(),
            description: String::new(),
            plugin: "microsoft-dynamics".into(),
            client_id: "0f6e2a4c-1b3d-4e5f-8a9b-c0d1e2f3a4b5".into(),
            client_secret: Secret::new("restore~test~secret"),
            expiry: ExpiryInput::Years { years: 1 },
        },
    )
    .unwrap();
    drop(app);
    Store::open_with(dir.path(), opts(T0 + HOUR)).unwrap();
    let db = dir.path().join(DB_FILE);
    damage(&db);
    let damaged_bytes = std::fs::read(&db).unwrap();

    let restored = backup::restore(dir.path(), None, T0 + 2 * HOUR).unwrap();
    let kept = restored.kept_as.expect("the damaged file was kept");
    assert_eq!(
        std::fs::read(&kept).unwrap(),
        damaged_bytes,
        "the damaged file is kept aside byte for byte, not deleted"
    );
    assert!(
        kept.file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("ferry.sqlite3.damaged-"),
        "under a name that says what it is: {}",
        kept.display()
    );
    let app = App::open_with(dir.path(), SecretStore::new(&service), opts(T0 + 3 * HOUR))
        .unwrap()
        .with_clock(Clock::Fixed(today));
    let back = credentials::get(&app, &user(), "Prod app").unwrap();
    assert_eq!(back.id, cred.id, "the credential is back under its id");
    assert_eq!(
        back.secret_stored,
        Some(true),
        "its secret is found in the keychain under that id"
    );
    SecretStore::new(&service).delete(&cred.id).unwrap();
}

#[test]
fn restore_refuses_a_backup_that_is_itself_damaged() {
    let dir = tempfile::tempdir().unwrap();
    Store::open_with(dir.path(), opts(T0)).unwrap();
    let db = dir.path().join(DB_FILE);
    insert_credential(&db, "crd_1", "First");
    Store::open_with(dir.path(), opts(T0 + HOUR)).unwrap();
    insert_credential(&db, "crd_2", "Second");
    Store::open_with(dir.path(), opts(T0 + HOUR + DAY)).unwrap();
    let daily = backups(dir.path(), Kind::Daily);
    assert_eq!(daily.len(), 2, "two daily backups to choose from");
    damage(&daily[0]);
    let current = std::fs::read(&db).unwrap();

    let err = backup::restore(dir.path(), Some(&daily[0]), T0 + 2 * DAY).unwrap_err();
    assert!(
        matches!(err, Error::Database(StoreError::UnusableBackup { .. })),
        "a damaged --from backup is refused: {err}"
    );
    assert!(
        err.to_string().contains(&daily[0].display().to_string()),
        "the refusal names the backup: {err}"
    );
    assert_eq!(
        std::fs::read(&db).unwrap(),
        current,
        "a refused restore changes nothing"
    );

    backup::restore(dir.path(), None, T0 + 2 * DAY).unwrap();
    assert_eq!(
        credential_names(&db),
        ["First"],
        "without --from, the newest intact backup is used, skipping the damaged newer one"
    );

    damage(&daily[1]);
    let err = backup::restore(dir.path(), None, T0 + 3 * DAY).unwrap_err();
    assert!(
        matches!(err, Error::Database(StoreError::NoIntactBackup { .. })),
        "with every backup damaged, nothing is restored: {err}"
    );
}

#[test]
fn restore_refuses_a_file_that_is_not_a_ferry_database() {
    let dir = tempfile::tempdir().unwrap();
    Store::open_with(dir.path(), opts(T0)).unwrap();
    let other = dir.path().join("other.sqlite3");
    rusqlite::Connection::open(&other)
        .unwrap()
        .execute_batch("CREATE TABLE t (x)")
        .unwrap();
    let err = backup::restore(dir.path(), Some(&other), T0).unwrap_err();
    assert!(
        err.to_string().contains("not a Ferry settings database"),
        "a SQLite file of something else is refused: {err}"
    );
}

#[test]
fn two_restores_in_the_same_second_keep_both_replaced_files() {
    let dir = tempfile::tempdir().unwrap();
    Store::open_with(dir.path(), opts(T0)).unwrap();
    Store::open_with(dir.path(), opts(T0 + HOUR)).unwrap();
    let first = backup::restore(dir.path(), None, T0 + 2 * HOUR).unwrap();
    let second = backup::restore(dir.path(), None, T0 + 2 * HOUR).unwrap();
    let (a, b) = (first.kept_as.unwrap(), second.kept_as.unwrap());
    assert_ne!(a, b, "the second restore keeps its file under another name");
    assert!(
        a.exists() && b.exists(),
        "neither replaced file was overwritten or deleted"
    );
}
