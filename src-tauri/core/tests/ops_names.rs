//! Names of credentials and destinations through `ops`, over a real SQLite file and the
//! real OS keychain (run under scripts/with-keyring.sh): a name cannot look like another name
//! or like a record id.

use ferry_core::date::Date;
use ferry_core::ops::credentials::{self, NewCredential};
use ferry_core::ops::destinations::{self, DestinationInput};
use ferry_core::policy::Actor;
use ferry_core::secrets::{Secret, SecretStore};
use ferry_core::validate::ExpiryInput;
use ferry_core::{App, Clock, Error};

const CLIENT_ID: &str = "0f6e2a4c-1b3d-4e5f-8a9b-c0d1e2f3a4b5";

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

fn app() -> (tempfile::TempDir, App) {
    let dir = tempfile::tempdir().unwrap();
    let service = format!("ferry-core-test-{}", ferry_core::ids::new_id("t"));
    let app = App::open(dir.path(), SecretStore::new(service))
        .unwrap()
        .with_clock(Clock::Fixed(today()));
    (dir, app)
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
        extra_credentials: Vec::new(),
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
    let (_dir, app) = app();
    let first = credentials::create(&app, &user(), credential("ÜBER")).unwrap();
    let e = credentials::create(&app, &user(), credential("über")).unwrap_err();
    assert!(
        name_error(e).contains("already exists"),
        "über is taken by ÜBER"
    );
    credentials::create(&app, &user(), credential("Sales")).unwrap();
    let e = credentials::create(&app, &user(), credential("Ｓａｌｅｓ")).unwrap_err();
    assert!(
        name_error(e).contains("already exists"),
        "full-width Ｓａｌｅｓ is the same name as Sales"
    );
    assert_eq!(
        credentials::get(&app, &user(), "über").unwrap().id,
        first.id,
        "lookups by name fold case the same way"
    );
    destinations::create(&app, &user(), destination("Ärger", &first.id)).unwrap();
    let e = destinations::create(&app, &user(), destination("äRGER", &first.id)).unwrap_err();
    assert!(
        name_error(e).contains("already exists"),
        "destinations fold case too"
    );
    assert_eq!(
        destinations::list(&app, &user()).unwrap().len(),
        1,
        "only the first destination exists"
    );
}

#[test]
fn a_credential_cannot_be_named_like_a_record_id() {
    let (_dir, app) = app();
    let first = credentials::create(&app, &user(), credential("Prod")).unwrap();
    let e = credentials::create(&app, &user(), credential(&first.id)).unwrap_err();
    assert!(
        name_error(e).contains("looks like a record id"),
        "another credential's id is refused as a name"
    );
    let e = credentials::create(&app, &user(), credential("dst_localsandbox")).unwrap_err();
    assert!(
        name_error(e).contains("looks like a record id"),
        "a destination id is refused as a credential name"
    );
    assert_eq!(
        credentials::get(&app, &user(), &first.id).unwrap().name,
        "Prod",
        "the id still finds its own credential"
    );
}

#[test]
fn invisible_characters_in_a_name_are_refused_with_their_position() {
    let (_dir, app) = app();
    let e = credentials::create(&app, &user(), credential("Prod\u{202E}ppa")).unwrap_err();
    let message = name_error(e);
    assert!(
        message.contains("U+202E") && message.contains("position 5"),
        "the override and where it is are named: {message}"
    );
    let e = credentials::create(&app, &user(), credential("Pr\u{200B}od")).unwrap_err();
    assert!(
        name_error(e).contains("zero-width space (U+200B) at position 3"),
        "zero-width spaces are refused"
    );
    assert!(
        credentials::list(&app, &user()).unwrap().is_empty(),
        "nothing was saved"
    );
}
