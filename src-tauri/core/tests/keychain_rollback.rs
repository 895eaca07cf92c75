//! The keychain and the database never disagree, even when the database refuses a write only
//! at commit, after the keychain was already changed. Real SQLite file, real keychain (run
//! under scripts/with-keyring.sh).
//!
//! A commit that fails late is made real with a deferred foreign key: a trigger adds a row
//! that breaks it, and SQLite only checks deferred keys at COMMIT. That stands in for the
//! other late failures (a full disk, a page found corrupt while committing).

mod keychain_support;

use ferry_core::catalog::{NewCredential, SecretRotation};
use ferry_core::date::Date;
use ferry_core::secrets::{Secret, SecretStore};
use ferry_core::validate::ExpiryInput;
use ferry_core::Catalog;

fn today() -> Date {
    Date::parse("2026-11-27").unwrap()
}

fn open() -> (tempfile::TempDir, Catalog) {
    let dir = tempfile::tempdir().unwrap();
    let service = format!("ferry-core-test-{}", ferry_core::ids::new_id("t"));
    let catalog = Catalog::open(dir.path(), SecretStore::new(service)).unwrap();
    (dir, catalog)
}

/// Makes every later `event` (INSERT, UPDATE or DELETE) on `credentials` fail at commit.
fn fail_commits_on(catalog: &Catalog, event: &str) {
    let conn = catalog.store().conn().unwrap();
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
    let (_dir, catalog) = open();
    fail_commits_on(&catalog, "INSERT");
    let err = catalog
        .create_credential(new_credential("late~failure"), today())
        .unwrap_err();
    assert!(
        err.to_string().contains("ferry.sqlite3"),
        "the commit failure names the file: {err}"
    );
    assert!(
        keychain_support::accounts(catalog.secrets().service()).is_empty(),
        "the secret stored before the failed commit was removed again"
    );
}

#[test]
fn a_rotation_that_fails_at_commit_puts_the_old_secret_back() {
    let (_dir, catalog) = open();
    let cred = catalog
        .create_credential(new_credential("old~secret"), today())
        .unwrap();
    fail_commits_on(&catalog, "UPDATE");
    let rotation = SecretRotation {
        client_secret: Secret::new("new~secret"),
        expiry: ExpiryInput::Years { years: 1 },
    };
    catalog
        .rotate_secret(&cred.id, rotation, today())
        .expect_err("the rotation's commit fails");
    assert_eq!(
        catalog.secrets().get(&cred.id).unwrap(),
        Some(Secret::new("old~secret")),
        "the keychain still holds the secret the unchanged row goes with"
    );
    catalog.secrets().delete(&cred.id).unwrap();
}

#[test]
fn a_deletion_that_fails_at_commit_keeps_the_secret() {
    let (_dir, catalog) = open();
    let cred = catalog
        .create_credential(new_credential("kept~secret"), today())
        .unwrap();
    fail_commits_on(&catalog, "DELETE");
    catalog
        .delete_credential(&cred.id)
        .expect_err("the deletion's commit fails");
    assert_eq!(
        catalog.secrets().get(&cred.id).unwrap(),
        Some(Secret::new("kept~secret")),
        "the credential row stays, and so does its secret"
    );
    catalog.secrets().delete(&cred.id).unwrap();
}
