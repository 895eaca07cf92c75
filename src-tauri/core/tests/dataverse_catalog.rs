//! Connection tests and the metadata cache through the catalog, against the sandbox, with the
//! real OS keychain (run under scripts/with-keyring.sh, like the catalog tests).

use ferry_core::catalog::{DestinationInput, NewCredential};
use ferry_core::date::Date;
use ferry_core::secrets::{Secret, SecretStore};
use ferry_core::validate::ExpiryInput;
use ferry_core::{Catalog, ErrorCode};
use ferry_sandbox::{Sandbox, SandboxConfig, SandboxHandle};

struct Fixture {
    _dir: tempfile::TempDir,
    catalog: Catalog,
    sb: SandboxHandle,
}

fn today() -> Date {
    Date::parse("2026-11-27").unwrap()
}

fn fixture(secret: Option<&str>) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = SandboxConfig::for_profile(ferry_sandbox::Profile::Fast);
    cfg.data_path = Some(dir.path().join("sandbox.sqlite3"));
    cfg.dop_hint = 6;
    let sb = Sandbox::start(cfg).expect("the sandbox starts");
    let service = format!("ferry-core-test-{}", ferry_core::ids::new_id("t"));
    let catalog = Catalog::open(&dir.path().join("data"), SecretStore::new(service)).unwrap();
    let cred = catalog
        .create_credential(
            NewCredential {
                name: "Sandbox app".into(),
                description: String::new(),
                plugin: "microsoft-dynamics".into(),
                client_id: sb.client_id.clone(),
                client_secret: Secret::new(secret.unwrap_or(&sb.client_secret)),
                expiry: ExpiryInput::Years { years: 1 },
            },
            today(),
        )
        .expect("the credential is stored");
    catalog
        .create_destination(
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
            },
            today(),
        )
        .expect("the destination is stored");
    Fixture {
        _dir: dir,
        catalog,
        sb,
    }
}

#[test]
fn a_connection_test_reports_the_identity_parallelism_and_version() {
    let f = fixture(None);
    let report = f
        .catalog
        .test_connection("Sandbox", today())
        .expect("the test passes");
    assert_eq!(report.destination_name, "Sandbox", "names the destination");
    assert_eq!(
        report.organization_id.len(),
        36,
        "organisation id from WhoAmI"
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

#[test]
fn a_wrong_secret_is_an_auth_failure_that_never_shows_the_secret() {
    let f = fixture(Some("Wrong8Q~secret-value-0000000000000000000"));
    let e = f.catalog.test_connection("Sandbox", today()).unwrap_err();
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

#[test]
fn an_expired_credential_is_refused_without_a_network_call() {
    let f = fixture(None);
    // NOTE: with the sandbox stopped, any network call would fail as a network error instead.
    let Fixture { catalog, sb, _dir } = f;
    sb.shutdown();
    let later = Date::parse("2031-01-01").unwrap();
    let e = catalog.test_connection("Sandbox", later).unwrap_err();
    assert_eq!(
        e.code(),
        ErrorCode::AuthFailed,
        "an expired secret is an auth failure: {e}"
    );
    assert!(e.to_string().contains("expired"), "says it expired: {e}");
}

#[test]
fn tables_and_columns_come_from_the_cache_until_refreshed() {
    let f = fixture(None);
    let first = f.catalog.list_tables("Sandbox", false, today()).unwrap();
    assert!(!first.from_cache, "the first listing asks Dataverse");
    assert!(
        first.tables.iter().any(|t| t.logical_name == "contact"),
        "contact is listed"
    );
    let second = f.catalog.list_tables("Sandbox", false, today()).unwrap();
    assert!(second.from_cache, "the second listing comes from the cache");
    assert_eq!(
        second.tables, first.tables,
        "the cache holds the same tables"
    );
    let refreshed = f.catalog.list_tables("Sandbox", true, today()).unwrap();
    assert!(!refreshed.from_cache, "a refresh asks Dataverse again");

    let cols = f
        .catalog
        .table_columns("Sandbox", "Contact", false, today())
        .unwrap();
    assert!(!cols.from_cache, "the first column listing asks Dataverse");
    assert_eq!(
        cols.details.table.logical_name, "contact",
        "names are case-insensitive"
    );
    let again = f
        .catalog
        .table_columns("Sandbox", "contact", false, today())
        .unwrap();
    assert!(again.from_cache, "then it is cached");
    assert_eq!(again.details, cols.details, "with the same details");
    let missing = f
        .catalog
        .table_columns("Sandbox", "nosuchtable", false, today())
        .unwrap_err();
    assert_eq!(
        missing.code(),
        ErrorCode::NotFound,
        "an unknown table is not_found: {missing}"
    );
}
