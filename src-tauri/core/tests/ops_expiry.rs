//! Secrets that never expire and dates past Azure's portal cap, through `ops` over a
//! real SQLite file and the real OS keychain (run under dbus-run-session like `ops.rs`).

use ferry_core::date::Date;
use ferry_core::expiry::ExpiryLevel;
use ferry_core::ops::credentials::{self, CredentialEdit, NewCredential, SecretRotation};
use ferry_core::ops::destinations::{self, DestinationInput};
use ferry_core::ops::status;
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
        extra_credentials: Vec::new(),
    }
}

fn date(s: &str) -> ExpiryInput {
    ExpiryInput::Date { date: s.into() }
}

#[test]
fn a_never_expiring_secret_is_stored_listed_plainly_and_never_warned_about() {
    let (_dir, app) = app();
    let made =
        credentials::create(&app, &user(), credential("Forever", ExpiryInput::Never)).unwrap();
    assert_eq!(made.expiry.expires_on, None, "no end date is recorded");
    assert_eq!(made.expiry.level, ExpiryLevel::Never, "its own level");
    assert_eq!(made.expiry.summary, "Never expires", "said plainly");
    let decades_later = Date::parse("2090-01-01").unwrap();
    let listed = credentials::list(&app.with_clock(Clock::Fixed(decades_later)), &user()).unwrap();
    assert_eq!(
        listed[0].expiry.level,
        ExpiryLevel::Never,
        "it does not age into a warning"
    );
    assert!(
        status::app_status(&app.with_clock(Clock::Fixed(decades_later)), &user())
            .unwrap()
            .expiring
            .is_empty(),
        "the start-up notice leaves it out"
    );
}

#[test]
fn a_never_expiring_credential_can_be_chosen_for_a_destination_at_any_date() {
    let (_dir, app) = app();
    let made =
        credentials::create(&app, &user(), credential("Forever", ExpiryInput::Never)).unwrap();
    let far = Date::parse("2100-01-01").unwrap();
    let d = destinations::create(
        &app.with_clock(Clock::Fixed(far)),
        &user(),
        destination("EU", &made.id),
    )
    .expect("no expiry rule applies to a secret without an end date");
    assert_eq!(
        d.credential.expiry.level,
        ExpiryLevel::Never,
        "the destination shows it too"
    );
}

#[test]
fn dates_past_the_portal_cap_are_accepted_and_past_dates_still_refused() {
    let (_dir, app) = app();
    let far =
        credentials::create(&app, &user(), credential("Graph app", date("2299-12-31"))).unwrap();
    assert_eq!(
        far.expiry.expires_on.map(|d| d.to_string()).as_deref(),
        Some("2299-12-31"),
        "a date decades out is kept as given"
    );
    assert_eq!(far.expiry.level, ExpiryLevel::Ok, "and is not a warning");
    let err =
        credentials::create(&app, &user(), credential("Old", date("2026-11-26"))).unwrap_err();
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
    let (_dir, app) = app();
    let made = credentials::create(
        &app,
        &user(),
        credential("App", ExpiryInput::Years { years: 1 }),
    )
    .unwrap();
    let rotated = credentials::rotate_secret(
        &app,
        &user(),
        &made.id,
        SecretRotation {
            client_secret: Secret::new("new"),
            expiry: ExpiryInput::Never,
        },
    )
    .unwrap();
    assert_eq!(
        rotated.expiry.expires_on, None,
        "rotated to a secret without an end"
    );
    let kept = credentials::update(
        &app,
        &user(),
        &made.id,
        CredentialEdit {
            name: "App".into(),
            description: String::new(),
            client_id: CLIENT_ID.into(),
            expiry: None,
        },
    )
    .unwrap();
    assert_eq!(
        kept.expiry.level,
        ExpiryLevel::Never,
        "an edit without expiry keeps never"
    );
    let dated = credentials::update(
        &app,
        &user(),
        &made.id,
        CredentialEdit {
            name: "App".into(),
            description: String::new(),
            client_id: CLIENT_ID.into(),
            expiry: Some(date("2027-06-15")),
        },
    )
    .unwrap();
    assert_eq!(
        dated.expiry.expires_on.map(|d| d.to_string()).as_deref(),
        Some("2027-06-15"),
        "and a correction gives it a date again"
    );
}
