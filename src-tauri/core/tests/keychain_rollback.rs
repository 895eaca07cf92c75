//! The keychain and the database never disagree, even when the database refuses a write only
//! at commit, after the keychain was already changed. Real SQLite file, real keychain (run
//! under scripts/with-keyring.sh).
//!
//! A commit that fails late is made real with a deferred foreign key: a trigger adds a row
//! that breaks it, and SQLite only checks deferred keys at COMMIT. That stands in for the
//! other late failures (a full disk, a page found corrupt while committing).

mod keychain_support;

use ferry_core::date::Date;
use ferry_core::ops::credentials::{self, NewCredential, SecretRotation};
use ferry_core::policy::Actor;
use ferry_core::secrets::{Secret, SecretStore};
use ferry_core::validate::ExpiryInput;
use ferry_core::{App, Clock};

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

fn open() -> (tempfile::TempDir, App) {
    let dir = tempfile::tempdir().unwrap();
    let service = format!("ferry-core-test-{}", ferry_core::ids::new_id("t"));
    let app = App::open(dir.path(), SecretStore::new(service))
        .unwrap()
        .with_clock(Clock::Fixed(today()));
    (dir, app)
}

/// Makes every later `event` (INSERT, UPDATE or DELETE) on `credentials` fail at commit.
fn fail_commits_on(app: &App, event: &str) {
    let conn = app.store().conn().unwrap();
    conn.execute_batch(&format!(
        "CREATE TABLE IF NOT EXISTS test_parent (id TEXT PRIMARY KEY);
         CREATE TABLE IF NOT EXISTS test_child (
             parent TEXT REFERENCES test_parent (id) DEFERRABLE INITIALLY DEFERRED);
         CREATE TRIGGER test_fail_{event} AFTER {event} ON credentials BEGIN
             INSERT INTO test_child VALUES ('missing');
         END;"
    ))
    .unwrap();
}

fn new_credential(secret: &str) -> NewCredential {
    NewCredential {
        name: "Prod app".into(),
        description: String::new(),
        plugin: "microsoft-dynamics".into(),
        client_id: "0f6e2a4c-1b3d-4e5f-8a9b-c0d1e2f3a4b5".into(),
        client_secret: Secret::new(secret),
        expiry: ExpiryInput::Years { years: 1 },
    }
}

#[test]
fn a_credential_whose_row_fails_at_commit_leaves_no_secret_behind() {
    let (_dir, app) = open();
    fail_commits_on(&app, "INSERT");
    let err = credentials::create(&app, &user(), new_credential("late~failure")).unwrap_err();
    assert!(
        err.to_string().contains("ferry.sqlite3"),
        "the commit failure names the file: {err}"
    );
    assert!(
        keychain_support::accounts(app.secrets().service()).is_empty(),
        "the secret stored before the failed commit was removed again"
    );
}

#[test]
fn a_rotation_that_fails_at_commit_puts_the_old_secret_back() {
    let (_dir, app) = open();
    let cred = credentials::create(&app, &user(), new_credential("old~secret")).unwrap();
    fail_commits_on(&app, "UPDATE");
    let rotation = SecretRotation {
        client_secret: Secret::new("new~secret"),
        expiry: ExpiryInput::Years { years: 1 },
    };
    credentials::rotate_secret(&app, &user(), &cred.id, rotation)
        .expect_err("the rotation's commit fails");
    assert_eq!(
        app.secrets().get(&cred.id).unwrap(),
        Some(Secret::new("old~secret")),
        "the keychain still holds the secret the unchanged row goes with"
    );
    app.secrets().delete(&cred.id).unwrap();
}

#[test]
fn a_deletion_that_fails_at_commit_keeps_the_secret() {
    let (_dir, app) = open();
    let cred = credentials::create(&app, &user(), new_credential("kept~secret")).unwrap();
    fail_commits_on(&app, "DELETE");
    credentials::delete(&app, &user(), &cred.id).expect_err("the deletion's commit fails");
    assert_eq!(
        app.secrets().get(&cred.id).unwrap(),
        Some(Secret::new("kept~secret")),
        "the credential row stays, and so does its secret"
    );
    app.secrets().delete(&cred.id).unwrap();
}
