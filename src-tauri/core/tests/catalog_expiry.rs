//! Secrets that never expire and dates past Azure's portal cap, through the catalog over a
//! real SQLite file and the real OS keychain (run under dbus-run-session like `catalog.rs`).

use ferry_core::catalog::{CredentialEdit, DestinationInput, NewCredential, SecretRotation};
use ferry_core::date::Date;
use ferry_core::expiry::ExpiryLevel;
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

fn credential(name: &str, expiry: ExpiryInput) -> NewCredential {
    NewCredential {
        name: name.into(),
        description: String::new(),
        plugin: "microsoft-dynamics".into(),
        client_id: CLIENT_ID.into(),
        client_secret: Secret::new("s"),
        expiry,
    }
}

fn destination(name: &str, credential_id: &str) -> DestinationInput {
    DestinationInput {
        name: name.into(),
        description: String::new(),
        plugin: "microsoft-dynamics".into(),
        credential_id: credential_id.into(),
        tenant_id: "contoso.onmicrosoft.com".into(),
        dynamics_url: "https://contoso.crm4.dynamics.com/".into(),
        api_version: String::new(),
        business_users: true,
        restricted_pii: false,
    }
}

fn date(s: &str) -> ExpiryInput {
    ExpiryInput::Date { date: s.into() }
}

#[test]
fn a_never_expiring_secret_is_stored_listed_plainly_and_never_warned_about() {
    let (_dir, c) = catalog();
    let made = c
        .create_credential(credential("Forever", ExpiryInput::Never), today())
        .unwrap();
    assert_eq!(made.expiry.expires_on, None, "no end date is recorded");
    assert_eq!(made.expiry.level, ExpiryLevel::Never, "its own level");
    assert_eq!(made.expiry.summary, "Never expires", "said plainly");
    let decades_later = Date::parse("2090-01-01").unwrap();
    let listed = c.list_credentials(decades_later).unwrap();
    assert_eq!(
        listed[0].expiry.level,
        ExpiryLevel::Never,
        "it does not age into a warning"
    );
    assert!(
        c.status(decades_later).unwrap().expiring.is_empty(),
        "the start-up notice leaves it out"
    );
}

#[test]
fn a_never_expiring_credential_can_be_chosen_for_a_destination_at_any_date() {
    let (_dir, c) = catalog();
    let made = c
        .create_credential(credential("Forever", ExpiryInput::Never), today())
        .unwrap();
    let far = Date::parse("2100-01-01").unwrap();
    let d = c
        .create_destination(destination("EU", &made.id), far)
        .expect("no expiry rule applies to a secret without an end date");
    assert_eq!(
        d.credential.expiry.level,
        ExpiryLevel::Never,
        "the destination shows it too"
    );
}

#[test]
fn dates_past_the_portal_cap_are_accepted_and_past_dates_still_refused() {
    let (_dir, c) = catalog();
    let far = c
        .create_credential(credential("Graph app", date("2299-12-31")), today())
        .unwrap();
    assert_eq!(
        far.expiry.expires_on.map(|d| d.to_string()).as_deref(),
        Some("2299-12-31"),
        "a date decades out is kept as given"
    );
    assert_eq!(far.expiry.level, ExpiryLevel::Ok, "and is not a warning");
    let err = c
        .create_credential(credential("Old", date("2026-11-26")), today())
        .unwrap_err();
    let Error::Validation(fields) = err else {
        panic!("expected a validation error")
    };
    assert_eq!(fields[0].field, "expiry", "the expiry is blamed");
    assert!(
        fields[0].message.contains("has passed"),
        "a past date is still refused: {}",
        fields[0].message
    );
}

#[test]
fn rotating_and_editing_switch_between_dated_and_never() {
    let (_dir, c) = catalog();
    let made = c
        .create_credential(credential("App", ExpiryInput::Years { years: 1 }), today())
        .unwrap();
    let rotated = c
        .rotate_secret(
            &made.id,
            SecretRotation {
                client_secret: Secret::new("new"),
                expiry: ExpiryInput::Never,
            },
            today(),
        )
        .unwrap();
    assert_eq!(
        rotated.expiry.expires_on, None,
        "rotated to a secret without an end"
    );
    let kept = c
        .update_credential(
            &made.id,
            CredentialEdit {
                name: "App".into(),
                description: String::new(),
                client_id: CLIENT_ID.into(),
                expiry: None,
            },
            today(),
        )
        .unwrap();
    assert_eq!(
        kept.expiry.level,
        ExpiryLevel::Never,
        "an edit without expiry keeps never"
    );
    let dated = c
        .update_credential(
            &made.id,
            CredentialEdit {
                name: "App".into(),
                description: String::new(),
                client_id: CLIENT_ID.into(),
                expiry: Some(date("2027-06-15")),
            },
            today(),
        )
        .unwrap();
    assert_eq!(
        dated.expiry.expires_on.map(|d| d.to_string()).as_deref(),
        Some("2027-06-15"),
        "and a correction gives it a date again"
    );
}
