//! Credentials, destinations and the first steps through `ops`, end to end over a real SQLite
//! file and the real OS keychain (Secret Service; the test command runs these under
//! dbus-run-session with an unlocked gnome-keyring).

use ferry_core::date::Date;
use ferry_core::expiry::ExpiryLevel;
use ferry_core::ops::credentials::{CredentialEdit, NewCredential, SecretRotation};
use ferry_core::ops::destinations::DestinationInput;
use ferry_core::ops::{credentials, destinations, start, status};
use ferry_core::policy::Actor;
use ferry_core::secrets::{Secret, SecretStore};
use ferry_core::validate::ExpiryInput;
use ferry_core::{App, Clock, Error, ErrorCode};

const CLIENT_ID: &str = "0f6e2a4c-1b3d-4e5f-8a9b-c0d1e2f3a4b5";

struct Fixture {
    dir: tempfile::TempDir,
    app: App,
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

/// The app on `dir`, with "today" pinned.
fn open(dir: &std::path::Path, secrets: SecretStore) -> App {
    App::open(dir, secrets)
        .unwrap()
        .with_clock(Clock::Fixed(today()))
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    // A service of its own per test keeps parallel tests out of each other's entries.
    let service = format!("ferry-core-test-{}", ferry_core::ids::new_id("t"));
    let app = open(dir.path(), SecretStore::new(service));
    Fixture { dir, app }
}

fn new_credential(name: &str, secret: &str) -> NewCredential {
    NewCredential {
        name: name.into(),
        description: "App registration for Ferry".into(),
        plugin: "microsoft-dynamics".into(),
        client_id: CLIENT_ID.into(),
        client_secret: Secret::new(secret),
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
        dynamics_url: "https://contoso.crm4.dynamics.com/".into(),
        api_version: String::new(),
        business_users: true,
        restricted_pii: false,
        extra_credentials: Vec::new(),
    }
}

/// Every byte under `dir`, for "is the secret anywhere on disk" checks.
fn all_bytes(dir: &std::path::Path) -> Vec<u8> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            out.extend(all_bytes(&p));
        } else {
            out.extend(std::fs::read(&p).unwrap());
        }
    }
    out
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[test]
fn a_credential_secret_lives_in_the_keychain_and_nowhere_in_the_data_folder() {
    let f = fixture();
    let secret = "Zx8Q~unique-secret-for-disk-scan-7781";
    let c = credentials::create(&f.app, &user(), new_credential("Prod app", secret)).unwrap();
    assert_eq!(
        c.secret_stored,
        Some(true),
        "the list reports the secret as stored"
    );
    let kept = f
        .app
        .secrets()
        .get(&c.id)
        .unwrap()
        .expect("keychain entry exists");
    assert_eq!(
        kept.expose(),
        secret,
        "the keychain holds exactly the secret"
    );
    assert!(
        !contains(&all_bytes(f.dir.path()), secret),
        "the secret is not in any data file"
    );
    assert!(
        !format!("{c:?}").contains(secret),
        "the view's Debug output has no secret"
    );
}

#[test]
fn credentials_and_destinations_survive_reopening() {
    let f = fixture();
    let c = credentials::create(&f.app, &user(), new_credential("Prod app", "s3cret-1")).unwrap();
    destinations::create(&f.app, &user(), destination("Dynamics EU", &c.id)).unwrap();
    let reopened = open(f.dir.path(), f.app.secrets().clone());
    let list = destinations::list(&reopened, &user()).unwrap();
    assert_eq!(
        list.len(),
        1,
        "the destination is still there after reopening"
    );
    assert_eq!(
        list[0].dynamics_url, "https://contoso.crm4.dynamics.com",
        "URL normalised"
    );
    assert_eq!(
        list[0].api_version, "9.2",
        "the default API version was applied"
    );
    assert_eq!(
        list[0].credential.name, "Prod app",
        "its credential is joined in"
    );
    assert_eq!(
        list[0].region.as_deref(),
        Some("Europe, Middle East and Africa"),
        "region"
    );
    assert_eq!(
        list[0].authority_host.as_deref(),
        Some("login.microsoftonline.com"),
        "the sign-in authority follows the cloud"
    );
}

#[test]
fn rotating_replaces_the_secret_and_its_expiry() {
    let f = fixture();
    let c = credentials::create(&f.app, &user(), new_credential("Prod app", "old-secret")).unwrap();
    let rotation = SecretRotation {
        client_secret: Secret::new("new-secret"),
        expiry: ExpiryInput::Date {
            date: "2027-06-30".into(),
        },
    };
    let r = credentials::rotate_secret(&f.app, &user(), &c.id, rotation).unwrap();
    assert_eq!(
        r.expiry.expires_on.map(|d| d.to_string()).as_deref(),
        Some("2027-06-30"),
        "new expiry recorded"
    );
    let kept = f.app.secrets().get(&c.id).unwrap().unwrap();
    assert_eq!(
        kept.expose(),
        "new-secret",
        "the keychain holds the new secret only"
    );
}

#[test]
fn a_bad_rotation_keeps_the_old_secret() {
    let f = fixture();
    let c = credentials::create(&f.app, &user(), new_credential("Prod app", "old-secret")).unwrap();
    let rotation = SecretRotation {
        client_secret: Secret::new("new-secret"),
        expiry: ExpiryInput::Date {
            date: "2020-01-01".into(),
        },
    };
    let err = credentials::rotate_secret(&f.app, &user(), &c.id, rotation).unwrap_err();
    assert_eq!(
        err.code(),
        ErrorCode::Validation,
        "a past expiry is refused"
    );
    let kept = f.app.secrets().get(&c.id).unwrap().unwrap();
    assert_eq!(kept.expose(), "old-secret", "the old secret is untouched");
}

#[test]
fn a_credential_in_use_cannot_be_deleted_and_the_refusal_names_its_destinations() {
    let f = fixture();
    let c = credentials::create(&f.app, &user(), new_credential("Shared", "s")).unwrap();
    destinations::create(&f.app, &user(), destination("Dynamics EU", &c.id)).unwrap();
    destinations::create(&f.app, &user(), destination("Dynamics US", &c.id)).unwrap();
    let err = credentials::delete(&f.app, &user(), &c.id).unwrap_err();
    assert_eq!(
        err.code(),
        ErrorCode::InUse,
        "deleting a used credential is refused"
    );
    let msg = err.to_string();
    assert!(
        msg.contains("\"Dynamics EU\"") && msg.contains("\"Dynamics US\""),
        "{msg}"
    );
    assert!(
        f.app.secrets().contains(&c.id).unwrap(),
        "the secret is still stored"
    );
    assert_eq!(
        credentials::list(&f.app, &user()).unwrap().len(),
        1,
        "and so is the row"
    );
}

#[test]
fn deleting_an_unused_credential_removes_its_secret() {
    let f = fixture();
    let c = credentials::create(&f.app, &user(), new_credential("Spare", "s")).unwrap();
    credentials::delete(&f.app, &user(), "spare").unwrap();
    assert!(
        !f.app.secrets().contains(&c.id).unwrap(),
        "the keychain entry is gone"
    );
    assert!(
        credentials::list(&f.app, &user()).unwrap().is_empty(),
        "the row is gone"
    );
}

#[test]
fn deleting_a_destination_keeps_its_credential() {
    let f = fixture();
    let c = credentials::create(&f.app, &user(), new_credential("Prod", "s")).unwrap();
    let d = destinations::create(&f.app, &user(), destination("EU", &c.id)).unwrap();
    destinations::delete(&f.app, &user(), &d.id).unwrap();
    assert!(
        destinations::list(&f.app, &user()).unwrap().is_empty(),
        "destination deleted"
    );
    let creds = credentials::list(&f.app, &user()).unwrap();
    assert!(
        creds[0].used_by.is_empty(),
        "the credential stays, now unused"
    );
}

#[test]
fn names_are_unique_regardless_of_case_and_surrounding_spaces() {
    let f = fixture();
    let c = credentials::create(&f.app, &user(), new_credential("Prod", "s")).unwrap();
    let dup = credentials::create(&f.app, &user(), new_credential("  prod ", "t")).unwrap_err();
    assert!(
        dup.to_string().contains("already exists"),
        "duplicate credential name: {dup}"
    );
    destinations::create(&f.app, &user(), destination("Dynamics EU", &c.id)).unwrap();
    let err =
        destinations::create(&f.app, &user(), destination(" dynamics eu ", &c.id)).unwrap_err();
    let Error::Validation(fields) = err else {
        panic!("expected a validation error")
    };
    assert_eq!(fields[0].field, "name", "the name field is blamed");
    assert_eq!(
        destinations::list(&f.app, &user()).unwrap().len(),
        1,
        "the first one remains"
    );
}

#[test]
fn a_bad_edit_changes_nothing() {
    let f = fixture();
    let c = credentials::create(&f.app, &user(), new_credential("Prod", "s")).unwrap();
    let d = destinations::create(&f.app, &user(), destination("EU", &c.id)).unwrap();
    let mut bad = destination("EU renamed", &c.id);
    bad.dynamics_url = "contoso.crm4.dynamics.com".into();
    bad.tenant_id = "contoso".into();
    let err = destinations::update(&f.app, &user(), &d.id, bad).unwrap_err();
    let Error::Validation(fields) = err else {
        panic!("expected a validation error")
    };
    let names: Vec<_> = fields.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(
        names,
        ["tenantId", "dynamicsUrl"],
        "both bad fields are named"
    );
    let kept = destinations::get(&f.app, &user(), &d.id).unwrap();
    assert_eq!(kept.name, "EU", "the stored destination is unchanged");
    assert_eq!(
        kept.dynamics_url, "https://contoso.crm4.dynamics.com",
        "URL unchanged"
    );
}

#[test]
fn edits_apply_and_keep_the_creation_time() {
    let f = fixture();
    let c = credentials::create(&f.app, &user(), new_credential("Prod", "s")).unwrap();
    let d = destinations::create(&f.app, &user(), destination("EU", &c.id)).unwrap();
    let mut edit = destination("EU (GCC High)", &c.id);
    edit.dynamics_url = "https://contoso.crm.microsoftdynamics.us".into();
    edit.api_version = "v9.1".into();
    edit.restricted_pii = true;
    let e = destinations::update(&f.app, &user(), &d.id, edit).unwrap();
    assert_eq!(e.name, "EU (GCC High)", "renamed");
    assert_eq!(
        e.authority_host.as_deref(),
        Some("login.microsoftonline.us"),
        "US Gov sign-in"
    );
    assert_eq!(e.api_version, "9.1", "a leading v is accepted and dropped");
    assert!(e.restricted_pii, "access flags are saved");
    assert_eq!(e.created_at, d.created_at, "creation time is kept");
    let ce = credentials::update(
        &f.app,
        &user(),
        &c.id,
        CredentialEdit {
            name: "Prod renamed".into(),
            description: String::new(),
            client_id: CLIENT_ID.to_uppercase(),
            expiry: None,
        },
    )
    .unwrap();
    assert_eq!(ce.client_id, CLIENT_ID, "client IDs are stored lower-case");
    assert_eq!(
        ce.expiry.expires_on, c.expiry.expires_on,
        "expiry kept when not given"
    );
    assert_eq!(
        ce.used_by[0].name, "EU (GCC High)",
        "used-by follows the rename"
    );
}

#[test]
fn an_expired_credential_cannot_be_chosen_for_a_destination() {
    let f = fixture();
    let c = credentials::create(&f.app, &user(), new_credential("Old", "s")).unwrap();
    let later = Date::from_days(c.expiry.expires_on.expect("dated").to_days() + 1);
    let err = destinations::create(
        &f.app.with_clock(Clock::Fixed(later)),
        &user(),
        destination("EU", &c.id),
    )
    .unwrap_err();
    let Error::Validation(fields) = err else {
        panic!("expected a validation error")
    };
    assert_eq!(fields[0].field, "credentialId", "the credential is blamed");
    assert!(
        fields[0].message.contains("rotate"),
        "and the fix is named: {}",
        fields[0].message
    );
}

#[test]
fn status_names_expiring_credentials_most_urgent_first() {
    let f = fixture();
    let mut a = new_credential("Soon", "s");
    a.expiry = ExpiryInput::Date {
        date: "2026-12-20".into(),
    };
    let mut b = new_credential("Sooner", "s");
    b.expiry = ExpiryInput::Date {
        date: "2026-12-01".into(),
    };
    credentials::create(&f.app, &user(), a).unwrap();
    credentials::create(&f.app, &user(), b).unwrap();
    credentials::create(&f.app, &user(), new_credential("Fine", "s")).unwrap();
    let s = status::app_status(&f.app, &user()).unwrap();
    let names: Vec<_> = s.expiring.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        ["Sooner", "Soon"],
        "only expiring ones, most urgent first"
    );
    assert_eq!(
        s.expiring[0].expiry.level,
        ExpiryLevel::Critical,
        "4 days left is critical"
    );
    assert_eq!(
        s.expiring[1].expiry.level,
        ExpiryLevel::Warning,
        "23 days left warns"
    );
    assert!(s.keychain.available, "the test keychain answers");
}

#[test]
fn check_destination_reports_fields_and_the_recognised_cloud() {
    let f = fixture();
    let mut input = destination("", "");
    input.dynamics_url = "https://contoso.crm9.dynamics.com/main.aspx".into();
    let check = destinations::check(&f.app, &user(), &input, None).unwrap();
    let names: Vec<_> = check.fields.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(
        names,
        ["name", "credentialId"],
        "blank name and credential are reported"
    );
    let url = check.dynamics_url.expect("a valid URL is described");
    assert_eq!(
        url.normalized, "https://contoso.crm9.dynamics.com",
        "normalised"
    );
    assert_eq!(
        url.cloud_label, "US Government Community Cloud (GCC)",
        "crm9 is GCC"
    );
}

#[test]
fn the_sandbox_destination_is_created_once_and_follows_the_sandbox() {
    use ferry_core::ops::start::{DemoTarget, DEMO_DESTINATION_ID};
    let f = fixture();
    let demo = |port: u16| DemoTarget {
        base_url: format!("http://127.0.0.1:{port}"),
        tenant: "3c7a1d2e-0000-4000-8000-00000000000a".into(),
        client_id: CLIENT_ID.into(),
        client_secret: Secret::new(format!("sandbox-secret-{port}")),
    };
    let first = start::ensure_demo_destination(&f.app, &user(), &demo(41001))
        .unwrap()
        .expect("made");
    assert_eq!(
        first.id, DEMO_DESTINATION_ID,
        "the demo destination has its fixed id"
    );
    assert_eq!(
        first.dynamics_url, "http://127.0.0.1:41001",
        "it points at the sandbox"
    );
    let mut mine = destination("My sandbox", &first.credential.id);
    mine.dynamics_url = first.dynamics_url.clone();
    mine.tenant_id = first.tenant_id.clone();
    destinations::update(&f.app, &user(), &first.id, mine).unwrap();

    let again = start::ensure_demo_destination(&f.app, &user(), &demo(41002))
        .unwrap()
        .expect("refreshed");
    assert_eq!(
        destinations::list(&f.app, &user()).unwrap().len(),
        1,
        "still one destination"
    );
    assert_eq!(
        again.dynamics_url, "http://127.0.0.1:41002",
        "the new port is followed"
    );
    assert_eq!(again.name, "My sandbox", "the user's rename is kept");
    let secret = f.app.secrets().get(&again.credential.id).unwrap().unwrap();
    assert_eq!(
        secret.expose(),
        "sandbox-secret-41002",
        "the current secret is stored"
    );
}

#[test]
fn the_sandbox_credential_is_refused_for_an_address_outside_this_computer() {
    use ferry_core::ops::start::{DemoTarget, DEMO_CREDENTIAL_ID};
    let f = fixture();
    let demo = start::ensure_demo_destination(
        &f.app,
        &user(),
        &DemoTarget {
            base_url: "http://127.0.0.1:41003".into(),
            tenant: "3c7a1d2e-0000-4000-8000-00000000000a".into(),
            client_id: CLIENT_ID.into(),
            client_secret: Secret::new("sandbox-secret"),
        },
    )
    .unwrap()
    .expect("a sandbox nobody deleted is offered");
    assert_eq!(
        demo.credential.id, DEMO_CREDENTIAL_ID,
        "the demo's credential"
    );

    // A real tenant's address with the sandbox's credential: refused, naming the credential.
    let real = destination("Real with sandbox app", DEMO_CREDENTIAL_ID);
    let check = destinations::check(&f.app, &user(), &real, None).unwrap();
    let blamed: Vec<_> = check.fields.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(
        blamed,
        ["credentialId"],
        "only the credential is blamed: {:?}",
        check.fields
    );
    assert!(
        check.fields[0].message.contains("only to the sandbox")
            && check.fields[0]
                .message
                .contains("https://contoso.crm4.dynamics.com"),
        "the message says where the credential works and names the address: {}",
        check.fields[0].message
    );
    let e = destinations::create(&f.app, &user(), real).unwrap_err();
    assert_eq!(
        e.code(),
        ErrorCode::Validation,
        "saving is refused too: {e}"
    );

    // Editing the sandbox destination to point at a real address is refused the same way.
    let mut moved = destination("Local sandbox", DEMO_CREDENTIAL_ID);
    moved.dynamics_url = "https://contoso.crm.dynamics.com".into();
    let e = destinations::update(&f.app, &user(), &demo.id, moved).unwrap_err();
    assert!(
        e.to_string().contains("Local sandbox's credential"),
        "an edit cannot move the sandbox's credential to a tenant: {e}"
    );

    // On this computer it stays usable, whatever else the form says.
    let mut local = destination("Second sandbox", DEMO_CREDENTIAL_ID);
    local.dynamics_url = "http://localhost:41003".into();
    local.tenant_id = demo.tenant_id.clone();
    destinations::create(&f.app, &user(), local)
        .expect("the sandbox's credential works with a loopback address");
}

#[test]
fn a_tenant_without_its_top_level_domain_is_refused_when_saving() {
    let f = fixture();
    let cred =
        credentials::create(&f.app, &user(), new_credential("Contoso app", "s3cret")).unwrap();
    let mut input = destination("Contoso", &cred.id);
    input.tenant_id = "contoso.onmicrosoft".into();
    let Err(Error::Validation(fields)) = destinations::create(&f.app, &user(), input) else {
        panic!("a tenant without .com is refused")
    };
    assert_eq!(fields.len(), 1, "one message: {fields:?}");
    assert_eq!(fields[0].field, "tenantId", "on the tenant field");
    assert!(
        fields[0].message.contains("contoso.onmicrosoft.com"),
        "the message shows the expected domain: {}",
        fields[0].message
    );
}

fn sandbox_target(port: u16) -> start::DemoTarget {
    start::DemoTarget {
        base_url: format!("http://127.0.0.1:{port}"),
        tenant: "3c7a1d2e-0000-4000-8000-00000000000a".into(),
        client_id: CLIENT_ID.into(),
        client_secret: Secret::new(format!("sandbox-secret-{port}")),
    }
}

#[test]
fn a_deleted_sandbox_destination_stays_deleted_at_every_start_until_it_is_added_back() {
    use ferry_core::ops::start::DEMO_DESTINATION_ID;
    let f = fixture();
    start::ensure_demo_destination(&f.app, &user(), &sandbox_target(41001))
        .unwrap()
        .expect("made at the first start");
    destinations::delete(&f.app, &user(), DEMO_DESTINATION_ID).unwrap();
    assert!(
        start::demo_destination_removed(&f.app, &user()).unwrap(),
        "the deletion is remembered"
    );

    // A new app on the same folder stands for a restart.
    let service = f.app.secrets().clone();
    let restarted = open(f.dir.path(), service);
    let again =
        start::ensure_demo_destination(&restarted, &user(), &sandbox_target(41002)).unwrap();
    assert!(again.is_none(), "not made again at the next start");
    assert!(
        destinations::list(&restarted, &user()).unwrap().is_empty(),
        "no destination came back"
    );
    let steps = start::getting_started(&restarted, &user(), true).unwrap();
    assert!(
        steps.sandbox_addable,
        "the running sandbox is offered to add back: {steps:?}"
    );
    assert!(
        !start::getting_started(&restarted, &user(), false)
            .unwrap()
            .sandbox_addable,
        "not offered when no sandbox runs"
    );
    let secret = restarted
        .secrets()
        .get(start::DEMO_CREDENTIAL_ID)
        .unwrap()
        .unwrap();
    assert_eq!(
        secret.expose(),
        "sandbox-secret-41002",
        "the kept credential still follows the sandbox, for destinations the user made"
    );

    let back =
        start::restore_demo_destination(&restarted, &user(), &sandbox_target(41003)).unwrap();
    assert_eq!(
        back.id, DEMO_DESTINATION_ID,
        "the sandbox destination is back"
    );
    assert_eq!(
        back.dynamics_url, "http://127.0.0.1:41003",
        "pointing at the sandbox"
    );
    assert!(
        !start::demo_destination_removed(&restarted, &user()).unwrap(),
        "the earlier deletion is forgotten"
    );
    assert!(
        start::ensure_demo_destination(&restarted, &user(), &sandbox_target(41004))
            .unwrap()
            .is_some(),
        "and it follows the sandbox at the next start again"
    );
    assert!(
        !start::getting_started(&restarted, &user(), true)
            .unwrap()
            .sandbox_addable,
        "nothing to add back while it exists"
    );
}

#[test]
fn adding_the_sandbox_back_makes_its_credential_again_when_that_was_deleted_too() {
    use ferry_core::ops::start::{DEMO_CREDENTIAL_ID, DEMO_DESTINATION_ID};
    let f = fixture();
    start::ensure_demo_destination(&f.app, &user(), &sandbox_target(41001)).unwrap();
    destinations::delete(&f.app, &user(), DEMO_DESTINATION_ID).unwrap();
    credentials::delete(&f.app, &user(), DEMO_CREDENTIAL_ID).unwrap();
    assert!(
        start::ensure_demo_destination(&f.app, &user(), &sandbox_target(41002))
            .unwrap()
            .is_none(),
        "stays deleted"
    );
    assert!(
        credentials::list(&f.app, &user()).unwrap().is_empty(),
        "the deleted credential is not made again at start either"
    );
    let back = start::restore_demo_destination(&f.app, &user(), &sandbox_target(41003)).unwrap();
    assert_eq!(
        back.credential.id, DEMO_CREDENTIAL_ID,
        "it signs in with the sandbox's own credential"
    );
}

#[test]
fn getting_started_ticks_from_what_is_stored_and_can_be_put_away() {
    let f = fixture();
    let steps = start::getting_started(&f.app, &user(), false).unwrap();
    assert!(
        !steps.has_destination && !steps.connection_tested && !steps.tables_browsed,
        "nothing done on a new folder: {steps:?}"
    );
    start::ensure_demo_destination(&f.app, &user(), &sandbox_target(41001)).unwrap();
    assert!(
        start::getting_started(&f.app, &user(), true)
            .unwrap()
            .has_destination,
        "a destination exists"
    );
    assert!(!steps.dismissed, "shown until put away");
    start::set_getting_started_dismissed(&f.app, &user(), true).unwrap();
    assert!(
        start::getting_started(&f.app, &user(), true)
            .unwrap()
            .dismissed,
        "put away"
    );
    start::set_getting_started_dismissed(&f.app, &user(), false).unwrap();
    assert!(
        !start::getting_started(&f.app, &user(), true)
            .unwrap()
            .dismissed,
        "and back"
    );
}
