//! Connection tests and the metadata cache through `ops::connection`, against the sandbox, with
//! the real OS keychain (run under scripts/with-keyring.sh, like the other `ops` tests).
//!
//! The sandbox runs over HTTPS with its CA in the data folder's `trusted-ca.pem`, as a user
//! would set it up: an ordinary credential may not sign in over plain http://.

use ferry_core::date::Date;
use ferry_core::ops::credentials::{self, NewCredential};
use ferry_core::ops::destinations::{self, DestinationInput};
use ferry_core::ops::{connection, start};
use ferry_core::policy::Actor;
use ferry_core::secrets::{Secret, SecretStore};
use ferry_core::validate::ExpiryInput;
use ferry_core::{App, Clock, ErrorCode};
use ferry_sandbox::{Sandbox, SandboxConfig, SandboxHandle};

struct Fixture {
    _dir: tempfile::TempDir,
    app: App,
    sb: SandboxHandle,
}

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

/// The app on `data`, with "today" pinned.
fn open(data: &std::path::Path, service: String) -> App {
    App::open(data, SecretStore::new(service))
        .unwrap()
        .with_clock(Clock::Fixed(today()))
}

fn fixture(secret: Option<&str>) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = SandboxConfig::for_profile(ferry_sandbox::Profile::Fast);
    cfg.data_path = Some(dir.path().join("sandbox.sqlite3"));
    cfg.dop_hint = 6;
    cfg.https = true;
    let sb = Sandbox::start(cfg).expect("the sandbox starts");
    let service = format!("ferry-core-test-{}", ferry_core::ids::new_id("t"));
    let data = dir.path().join("data");
    let app = open(&data, service);
    std::fs::write(
        data.join(connection::TRUSTED_CA_FILE),
        sb.ca_certificate_pem
            .as_deref()
            .expect("an HTTPS sandbox has a CA"),
    )
    .unwrap();
    let cred = credentials::create(
        &app,
        &user(),
        NewCredential {
            name: "Sandbox app".into(),
            description: String::new(),
            plugin: "microsoft-dynamics".into(),
            client_id: sb.client_id.clone(),
            client_secret: Secret::new(secret.unwrap_or(&sb.client_secret)),
            expiry: ExpiryInput::Years { years: 1 },
        },
    )
    .expect("the credential is stored");
    destinations::create(
        &app,
        &user(),
        DestinationInput {
            name: "Sandbox".into(),
            description: String::new(),
            plugin: "microsoft-dynamics".into(),
            credential_id: cred.id,
            tenant_id: sb.tenant.clone(),
            dynamics_url: sb.base_url.clone(),
            api_version: String::new(),
            business_users: true,
            restricted_pii: false,
            extra_credentials: Vec::new(),
        },
    )
    .expect("the destination is stored");
    Fixture { _dir: dir, app, sb }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_test_reports_the_identity_parallelism_and_version() {
    let f = fixture(None);
    let report = connection::test(&f.app, &user(), "Sandbox")
        .await
        .expect("the test passes");
    assert_eq!(report.destination_name, "Sandbox", "names the destination");
    assert_eq!(
        report.organization_id.len(),
        36,
        "organisation id from WhoAmI"
    );
    assert_eq!(
        report.organization_name.as_deref(),
        Some("Ferry sandbox"),
        "the organisation's name, from RetrieveCurrentOrganization"
    );
    assert_eq!(report.user_id.len(), 36, "user id from WhoAmI");
    assert_eq!(
        report.business_unit_id.len(),
        36,
        "business unit id from WhoAmI"
    );
    assert_eq!(report.dop_hint, 6, "the server's recommended parallelism");
    assert_eq!(report.api_version, "9.2", "the default Web API version");
    assert!(
        report.web_api_url.starts_with(&f.sb.base_url),
        "the Web API root: {}",
        report.web_api_url
    );
    let json = serde_json::to_value(&report).unwrap();
    assert!(
        json.get("elapsedMs").is_some(),
        "the JSON shape is camelCase: {json}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_secret_is_an_auth_failure_that_never_shows_the_secret() {
    let f = fixture(Some("Wrong8Q~secret-value-0000000000000000000"));
    let e = connection::test(&f.app, &user(), "Sandbox")
        .await
        .unwrap_err();
    assert_eq!(
        e.code(),
        ErrorCode::AuthFailed,
        "sign-in failures are auth_failed: {e}"
    );
    assert!(
        e.to_string().contains("AADSTS7000215"),
        "names the AADSTS code: {e}"
    );
    assert!(
        !e.to_string().contains("Wrong8Q~"),
        "the secret is not in the message"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_credential_is_refused_without_a_network_call() {
    let f = fixture(None);
    // NOTE: with the sandbox stopped, any network call would fail as a network error instead.
    let Fixture { app, sb, _dir } = f;
    sb.shutdown();
    let later = Date::parse("2031-01-01").unwrap();
    let e = connection::test(&app.with_clock(Clock::Fixed(later)), &user(), "Sandbox")
        .await
        .unwrap_err();
    assert_eq!(
        e.code(),
        ErrorCode::AuthFailed,
        "an expired secret is an auth failure: {e}"
    );
    assert!(e.to_string().contains("expired"), "says it expired: {e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tables_and_columns_come_from_the_cache_until_refreshed() {
    let f = fixture(None);
    let first = connection::list_tables(&f.app, &user(), "Sandbox", false)
        .await
        .unwrap();
    assert!(!first.from_cache, "the first listing asks Dataverse");
    assert!(
        first.tables.iter().any(|t| t.logical_name == "contact"),
        "contact is listed"
    );
    let second = connection::list_tables(&f.app, &user(), "Sandbox", false)
        .await
        .unwrap();
    assert!(second.from_cache, "the second listing comes from the cache");
    assert_eq!(
        second.tables, first.tables,
        "the cache holds the same tables"
    );
    let refreshed = connection::list_tables(&f.app, &user(), "Sandbox", true)
        .await
        .unwrap();
    assert!(!refreshed.from_cache, "a refresh asks Dataverse again");

    let cols = connection::table_columns(&f.app, &user(), "Sandbox", "Contact", false)
        .await
        .unwrap();
    assert!(!cols.from_cache, "the first column listing asks Dataverse");
    assert_eq!(
        cols.details.table.logical_name, "contact",
        "names are case-insensitive"
    );
    let again = connection::table_columns(&f.app, &user(), "Sandbox", "contact", false)
        .await
        .unwrap();
    assert!(again.from_cache, "then it is cached");
    assert_eq!(again.details, cols.details, "with the same details");
    let missing = connection::table_columns(&f.app, &user(), "Sandbox", "nosuchtable", false)
        .await
        .unwrap_err();
    assert_eq!(
        missing.code(),
        ErrorCode::NotFound,
        "an unknown table is not_found: {missing}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ordinary_credential_is_never_sent_over_plain_http() {
    let f = fixture(None);
    let cred = credentials::get(&f.app, &user(), "Sandbox app").unwrap();
    let plain = f.sb.base_url.replacen("https://", "http://", 1);
    let input = DestinationInput {
        name: "Plain".into(),
        description: String::new(),
        plugin: "microsoft-dynamics".into(),
        credential_id: cred.id.clone(),
        tenant_id: f.sb.tenant.clone(),
        dynamics_url: plain.clone(),
        api_version: String::new(),
        business_users: true,
        restricted_pii: false,
        extra_credentials: Vec::new(),
    };
    let e = destinations::create(&f.app, &user(), input).unwrap_err();
    let ferry_core::Error::Validation(fields) = &e else {
        panic!("saving is a validation error: {e:?}")
    };
    assert_eq!(fields[0].field, "dynamicsUrl", "the URL is blamed: {e}");
    assert!(
        fields[0].message.contains("use https://") && fields[0].message.contains("Local sandbox"),
        "the message names both ways out: {e}"
    );
    // A row saved before the rule existed: the connection refuses it before any network call.
    let conn = f.app.store().conn().unwrap();
    conn.execute(
        "UPDATE destinations SET dynamics_url = ?1 WHERE name = 'Sandbox'",
        [&plain],
    )
    .unwrap();
    let e = connection::test(&f.app, &user(), "Sandbox")
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Validation, "refused on connect: {e}");
    assert!(
        e.to_string().contains("unencrypted"),
        "says why the stored destination cannot connect: {e}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sandbox_credential_may_use_plain_http_to_its_own_sandbox() {
    use ferry_core::ops::start::DemoTarget;
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = SandboxConfig::for_profile(ferry_sandbox::Profile::Fast);
    cfg.data_path = Some(dir.path().join("sandbox.sqlite3"));
    let sb = Sandbox::start(cfg).expect("the sandbox starts");
    assert!(sb.base_url.starts_with("http://"), "a plain-http sandbox");
    let service = format!("ferry-core-test-{}", ferry_core::ids::new_id("t"));
    let app = open(&dir.path().join("data"), service);
    let demo = start::ensure_demo_destination(
        &app,
        &user(),
        &DemoTarget {
            base_url: sb.base_url.clone(),
            tenant: sb.tenant.clone(),
            client_id: sb.client_id.clone(),
            client_secret: Secret::new(sb.client_secret.clone()),
        },
    )
    .expect("the sandbox destination is stored")
    .expect("it was not deleted");
    let report = connection::test(&app, &user(), &demo.id)
        .await
        .expect("the sandbox's own credential signs in over http");
    assert_eq!(report.user_id.len(), 36, "WhoAmI answered");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_connection_test_is_kept_as_the_destinations_last_test_until_it_points_elsewhere() {
    use ferry_core::ops::start::{DemoTarget, DEMO_CREDENTIAL_ID};
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = SandboxConfig::for_profile(ferry_sandbox::Profile::Fast);
    cfg.data_path = Some(dir.path().join("sandbox.sqlite3"));
    let sb = Sandbox::start(cfg).expect("the sandbox starts");
    let service = format!("ferry-core-test-{}", ferry_core::ids::new_id("t"));
    let data = dir.path().join("data");
    let app = open(&data, service.clone());
    let demo = start::ensure_demo_destination(
        &app,
        &user(),
        &DemoTarget {
            base_url: sb.base_url.clone(),
            tenant: sb.tenant.clone(),
            client_id: sb.client_id.clone(),
            client_secret: Secret::new(sb.client_secret.clone()),
        },
    )
    .unwrap()
    .expect("made");
    assert!(demo.last_check.is_none(), "no test has run yet");

    connection::test(&app, &user(), &demo.id)
        .await
        .expect("signs in");
    let listed = destinations::list(&app, &user()).unwrap();
    let check = listed[0].last_check.clone().expect("the test is kept");
    assert!(check.ok, "the list says it worked: {check:?}");
    assert!(check.code.is_none(), "a success has no error code");
    assert!(check.checked_at > 0, "it says when");

    app.secrets()
        .set(DEMO_CREDENTIAL_ID, &Secret::new("not-the-secret"))
        .unwrap();
    let err = connection::test(&app, &user(), &demo.id)
        .await
        .expect_err("a wrong secret fails");
    // A new app on the same folder stands for a restart.
    let reopened = open(&data, service);
    let check = destinations::get(&reopened, &user(), &demo.id)
        .unwrap()
        .last_check
        .expect("the failure is kept across a restart");
    assert!(!check.ok, "the list says it failed");
    assert_eq!(
        check.code,
        Some(err.code()),
        "with the code the test failed with"
    );
    assert_eq!(
        check.message,
        err.to_string(),
        "and the message the user saw"
    );

    let mut moved = DestinationInput {
        name: demo.name.clone(),
        description: demo.description.clone(),
        plugin: demo.plugin.id.clone(),
        credential_id: demo.credential.id.clone(),
        tenant_id: demo.tenant_id.clone(),
        dynamics_url: demo.dynamics_url.clone(),
        api_version: demo.api_version.clone(),
        business_users: demo.business_users,
        restricted_pii: true,
        extra_credentials: Vec::new(),
    };
    let kept = destinations::update(&reopened, &user(), &demo.id, moved.clone()).unwrap();
    assert!(
        kept.last_check.is_some(),
        "an edit that does not change where it connects keeps the last test"
    );
    moved.dynamics_url = "http://127.0.0.1:9".into();
    let edited = destinations::update(&reopened, &user(), &demo.id, moved).unwrap();
    assert!(
        edited.last_check.is_none(),
        "a test of the old address says nothing about the new one"
    );
}
