//! Names of credentials and destinations through the catalog, over a real SQLite file and the
//! real OS keychain (run under scripts/with-keyring.sh): a name cannot look like another name
//! or like a record id.

use ferry_core::catalog::{DestinationInput, NewCredential};
use ferry_core::date::Date;
use ferry_core::secrets::{Secret, SecretStore};
use ferry_core::validate::ExpiryInput;
use ferry_core::{Catalog, Error};

const CLIENT_ID: &str = "0f6e2a4c-1b3d-4e5f-8a9b-c0d1e2f3a4b5";

fn today() -> Date {
    Date::parse("2026-11-27").unwrap()
}

fn catalog() -> (tempfile::TempDir, Catalog) {
    let dir = tempfile::tempdir().unwrap();
    let service = format!("ferry-core-test-{}", ferry_core::ids::new_id("t"));
    let catalog = Catalog::open(dir.path(), SecretStore::new(service)).unwrap();
    (dir, catalog)
}

fn credential(name: &str) -> NewCredential {
    NewCredential {
        name: name.into(),
        description: String::new(),
        plugin: "microsoft-dynamics".into(),
        client_id: CLIENT_ID.into(),
        client_secret: Secret::new("s3cret"),
        expiry: ExpiryInput::Years { years: 1 },
    }
}

fn destination(name: &str, credential_id: &str) -> DestinationInput {
    DestinationInput {
        name: name.into(),
        description: String::new(),
        plugin: "microsoft-dynamics".into(),
        credential_id: credential_id.into(),
        tenant_id: "contoso.onmicrosoft.com".into(),
        dynamics_url: "https://contoso.crm4.dynamics.com".into(),
        api_version: String::new(),
        business_users: false,
        restricted_pii: false,
    }
}

fn name_error(e: Error) -> String {
    let Error::Validation(fields) = e else {
        panic!("expected a validation error, got {e:?}")
    };
    assert_eq!(fields[0].field, "name", "the name field is blamed");
    fields[0].message.clone()
}

#[test]
fn names_that_differ_only_in_unicode_case_are_the_same_name() {
    let (_dir, c) = catalog();
    let first = c.create_credential(credential("ÜBER"), today()).unwrap();
    let e = c
        .create_credential(credential("über"), today())
        .unwrap_err();
    assert!(
        name_error(e).contains("already exists"),
        "über is taken by ÜBER"
    );
    c.create_credential(credential("Sales"), today()).unwrap();
    let e = c
        .create_credential(credential("Ｓａｌｅｓ"), today())
        .unwrap_err();
    assert!(
        name_error(e).contains("already exists"),
        "full-width Ｓａｌｅｓ is the same name as Sales"
    );
    assert_eq!(
        c.get_credential("über", today()).unwrap().id,
        first.id,
        "lookups by name fold case the same way"
    );
    c.create_destination(destination("Ärger", &first.id), today())
        .unwrap();
    let e = c
        .create_destination(destination("äRGER", &first.id), today())
        .unwrap_err();
    assert!(
        name_error(e).contains("already exists"),
        "destinations fold case too"
    );
    assert_eq!(
        c.list_destinations(today()).unwrap().len(),
        1,
        "only the first destination exists"
    );
}

#[test]
fn a_credential_cannot_be_named_like_a_record_id() {
    let (_dir, c) = catalog();
    let first = c.create_credential(credential("Prod"), today()).unwrap();
    let e = c
        .create_credential(credential(&first.id), today())
        .unwrap_err();
    assert!(
        name_error(e).contains("looks like a record id"),
        "another credential's id is refused as a name"
    );
    let e = c
        .create_credential(credential("dst_localsandbox"), today())
        .unwrap_err();
    assert!(
        name_error(e).contains("looks like a record id"),
        "a destination id is refused as a credential name"
    );
    assert_eq!(
        c.get_credential(&first.id, today()).unwrap().name,
        "Prod",
        "the id still finds its own credential"
    );
}

#[test]
fn invisible_characters_in_a_name_are_refused_with_their_position() {
    let (_dir, c) = catalog();
    let e = c
        .create_credential(credential("Prod\u{202E}ppa"), today())
        .unwrap_err();
    let message = name_error(e);
    assert!(
        message.contains("U+202E") && message.contains("position 5"),
        "the override and where it is are named: {message}"
    );
    let e = c
        .create_credential(credential("Pr\u{200B}od"), today())
        .unwrap_err();
    assert!(
        name_error(e).contains("zero-width space (U+200B) at position 3"),
        "zero-width spaces are refused"
    );
    assert!(
        c.list_credentials(today()).unwrap().is_empty(),
        "nothing was saved"
    );
}
