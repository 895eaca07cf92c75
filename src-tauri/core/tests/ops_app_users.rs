//! Destinations with additional credentials (more application users) through `ops`: how they
//! are checked and kept, that a credential in use as one cannot be deleted, and that a
//! connection test signs in with every one of them. Against an HTTPS sandbox serving several
//! app registrations, with the real OS keychain (run under scripts/with-keyring.sh).

use ferry_core::date::Date;
use ferry_core::ops::credentials::{self, CredentialView, NewCredential};
use ferry_core::ops::destinations::{self, DestinationInput};
use ferry_core::ops::{activity, connection};
use ferry_core::policy::{Actor, Policy};
use ferry_core::secrets::{Secret, SecretStore};
use ferry_core::validate::ExpiryInput;
use ferry_core::{App, Clock, Error, ErrorCode};
use ferry_sandbox::{AppRegistration, Sandbox, SandboxConfig, SandboxHandle};

struct Fixture {
    _dir: tempfile::TempDir,
    app: App,
    sb: SandboxHandle,
}

fn admin() -> Actor {
    Actor::new("usr_test", "Tess", Policy::Administrator, false)
}

/// An HTTPS sandbox with three app registrations, trusted by a fresh app.
fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let sb = Sandbox::start(SandboxConfig {
        https: true,
        extra_apps: AppRegistration::stored(2),
        ..SandboxConfig::for_profile(ferry_sandbox::Profile::Fast)
    })
    .expect("the sandbox starts");
    let data = dir.path().join("data");
    let service = format!("ferry-core-test-{}", ferry_core::ids::new_id("t"));
    let app = App::open(&data, SecretStore::new(service))
        .unwrap()
        .with_clock(Clock::Fixed(Date::parse("2026-11-27").unwrap()));
    std::fs::write(
        data.join(connection::TRUSTED_CA_FILE),
        sb.ca_certificate_pem.as_deref().expect("a CA"),
    )
    .unwrap();
    Fixture { _dir: dir, app, sb }
}

fn credential(app: &App, name: &str, client_id: &str, secret: &str) -> CredentialView {
    credentials::create(
        app,
        &admin(),
        NewCredential {
            name: name.into(),
            description: String::new(),
            plugin: "microsoft-dynamics".into(),
            client_id: client_id.into(),
            client_secret: Secret::new(secret),
            expiry: ExpiryInput::Years { years: 1 },
        },
    )
    .expect("the credential is stored")
}

/// Credentials "App 1", "App 2", "App 3" for the sandbox's three app registrations.
fn app_credentials(f: &Fixture) {
    for (i, a) in f.sb.apps.iter().enumerate() {
        credential(
            &f.app,
            &format!("App {}", i + 1),
            &a.client_id,
            &a.client_secret,
        );
    }
}

fn input(f: &Fixture, main: &str, extras: &[&str]) -> DestinationInput {
    DestinationInput {
        name: "Sandbox".into(),
        description: String::new(),
        plugin: "microsoft-dynamics".into(),
        credential_id: main.into(),
        tenant_id: f.sb.tenant.clone(),
        dynamics_url: f.sb.base_url.clone(),
        api_version: String::new(),
        business_users: false,
        restricted_pii: false,
        extra_credentials: extras.iter().map(|s| s.to_string()).collect(),
    }
}

/// The messages a validation error has on `field`.
fn messages_on(e: &Error, field: &str) -> Vec<String> {
    match e {
        Error::Validation(fields) => fields
            .iter()
            .filter(|f| f.field == field)
            .map(|f| f.message.clone())
            .collect(),
        other => panic!("a validation error, not {other:?}"),
    }
}

#[test]
fn additional_credentials_are_kept_in_order_and_shown_by_name() {
    let f = fixture();
    app_credentials(&f);
    let d = destinations::create(&f.app, &admin(), input(&f, "App 1", &["App 3", "App 2"]))
        .expect("saved");
    let names: Vec<&str> = d
        .extra_credentials
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(names, ["App 3", "App 2"], "in the order given, by name");
    let cleared =
        destinations::update(&f.app, &admin(), &d.id, input(&f, "App 1", &[])).expect("saved");
    assert!(
        cleared.extra_credentials.is_empty(),
        "an edit with none clears them"
    );
    let history = activity::list(&f.app, &admin(), &Default::default(), 0, 50).expect("the log");
    let edit = history
        .entries
        .iter()
        .find(|e| e.action == "destination.edit")
        .expect("the edit is logged");
    assert!(
        edit.details.to_string().contains("extraCredentials"),
        "the log says the additional credentials changed: {}",
        edit.details
    );
}

#[test]
fn each_problem_with_the_additional_credentials_is_named_on_their_field() {
    let f = fixture();
    app_credentials(&f);
    credential(
        &f.app,
        "App 2 again",
        &f.sb.apps[1].client_id.to_uppercase(),
        "x",
    );
    let cases: [(&[&str], &str); 4] = [
        (&["Nope"], "No credential \"Nope\" exists"),
        (&["App 2", "App 2"], "\"App 2\" is listed twice"),
        (&["App 1"], "already this destination's main credential"),
        (
            &["App 2", "App 2 again"],
            "\"App 2 again\" has the same client ID as \"App 2\"",
        ),
    ];
    for (extras, expected) in cases {
        let e = destinations::create(&f.app, &admin(), input(&f, "App 1", extras))
            .expect_err("refused");
        let on_field = messages_on(&e, "extraCredentials");
        assert!(
            on_field.iter().any(|m| m.contains(expected)),
            "{extras:?} is refused on extraCredentials with \"{expected}\": {on_field:?}"
        );
    }
    let e = destinations::create(
        &f.app,
        &admin(),
        input(&f, "App 1", &["App 2", "App 2 again"]),
    )
    .expect_err("refused");
    assert!(
        messages_on(&e, "extraCredentials")[0].contains("one application user per client ID"),
        "the message says why a shared client ID does not help: {e}"
    );
    assert!(
        destinations::list(&f.app, &admin()).unwrap().is_empty(),
        "nothing was saved"
    );
}

#[test]
fn a_credential_used_as_an_additional_one_cannot_be_deleted() {
    let f = fixture();
    app_credentials(&f);
    let d = destinations::create(&f.app, &admin(), input(&f, "App 1", &["App 2"])).expect("saved");
    let e = credentials::delete(&f.app, &admin(), "App 2").expect_err("refused");
    assert_eq!(e.code(), ErrorCode::InUse, "in use: {e}");
    assert!(
        e.to_string().contains("Sandbox") && e.to_string().contains("additional"),
        "the message names the destination and the way out: {e}"
    );
    let used = credentials::get(&f.app, &admin(), "App 2").unwrap().used_by;
    assert_eq!(used.len(), 1, "the credential says who uses it");
    destinations::update(&f.app, &admin(), &d.id, input(&f, "App 1", &[])).expect("saved");
    credentials::delete(&f.app, &admin(), "App 2").expect("free again, so it can go");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_test_signs_in_as_every_application_user() {
    let f = fixture();
    app_credentials(&f);
    destinations::create(&f.app, &admin(), input(&f, "App 1", &["App 2", "App 3"])).expect("saved");
    let report = connection::test(&f.app, &admin(), "Sandbox")
        .await
        .expect("every credential signs in");
    assert_eq!(report.user_id, f.sb.apps[0].user_id, "the main user first");
    let extra: Vec<(&str, &str)> = report
        .additional_users
        .iter()
        .map(|u| (u.credential.name.as_str(), u.user_id.as_str()))
        .collect();
    assert_eq!(
        extra,
        [
            ("App 2", f.sb.apps[1].user_id.as_str()),
            ("App 3", f.sb.apps[2].user_id.as_str())
        ],
        "each additional credential is its own application user, in order"
    );
    let check = connection::last_check(&f.app, &admin(), &report.destination_id)
        .unwrap()
        .expect("kept");
    assert!(
        check.ok && check.message.contains("2 additional application users"),
        "the kept result counts them: {}",
        check.message
    );
    let before = destinations::get(&f.app, &admin(), "Sandbox").unwrap();
    let after = destinations::update(&f.app, &admin(), &before.id, input(&f, "App 1", &["App 2"]))
        .expect("saved");
    assert!(
        after.last_check.is_none(),
        "changing who signs in makes the last test stale"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_test_names_the_additional_credential_that_fails() {
    let f = fixture();
    app_credentials(&f);
    credential(
        &f.app,
        "Stale app",
        &f.sb.apps[2].client_id,
        "Wrong8Q~secret-value-0000000000000000000",
    );
    destinations::create(
        &f.app,
        &admin(),
        input(&f, "App 1", &["App 2", "Stale app"]),
    )
    .expect("saved");
    let e = connection::test(&f.app, &admin(), "Sandbox")
        .await
        .expect_err("one credential cannot sign in");
    assert_eq!(e.code(), ErrorCode::AuthFailed, "a sign-in failure: {e}");
    assert!(
        e.to_string().contains("\"Stale app\""),
        "the failing credential is named: {e}"
    );
    assert!(
        !e.to_string().contains("Wrong8Q~"),
        "the secret never shows: {e}"
    );
    let mut unsaved = input(&f, "App 1", &["Stale app"]);
    unsaved.name = "Not saved yet".into();
    let e = connection::test_input(&f.app, &admin(), &unsaved, None)
        .await
        .expect_err("the dialog's test fails the same way");
    assert!(
        e.to_string().contains("\"Stale app\""),
        "the unsaved form's test names it too: {e}"
    );
}

#[test]
fn plain_http_refuses_additional_credentials() {
    let f = fixture();
    app_credentials(&f);
    let mut plain = input(&f, "App 1", &["App 2"]);
    plain.dynamics_url = f.sb.base_url.replace("https://", "http://");
    let e = destinations::create(&f.app, &admin(), plain).expect_err("refused");
    assert!(
        messages_on(&e, "extraCredentials")
            .iter()
            .any(|m| m.contains("\"App 2\"") && m.contains("https://")),
        "the additional credential's secret would cross in clear text: {e}"
    );
}
