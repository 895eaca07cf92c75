//! The fixture the template, preview and send tests share: a sandbox over HTTPS, an app with
//! its real SQLite files and keychain, a "Sandbox" destination, the demo customers and a
//! "Customers" query, and a template input upserting them as contacts by e-mail.
#![allow(dead_code)]

use ferry_core::mapping::plan::{FieldMapping, Mapping, Operation, ValueSource};
use ferry_core::ops::credentials::{self, NewCredential};
use ferry_core::ops::destinations::{self, DestinationInput};
use ferry_core::ops::queries::{self, QueryInput};
use ferry_core::ops::rows::RowSource;
use ferry_core::ops::templates::TemplateInput;
use ferry_core::ops::users;
use ferry_core::ops::{connection, data};
use ferry_core::policy::{Actor, Policy};
use ferry_core::secrets::{Secret, SecretStore};
use ferry_core::validate::ExpiryInput;
use ferry_core::App;
use ferry_sandbox::{Sandbox, SandboxConfig, SandboxHandle};
use std::collections::BTreeMap;

pub struct Fixture {
    pub _dir: tempfile::TempDir,
    pub app: App,
    pub _sb: SandboxHandle,
    pub admin: Actor,
    pub query_id: String,
    pub key: String,
}

pub async fn fixture() -> Fixture {
    fixture_with(|_| {}).await
}

/// [`fixture`] with the sandbox's configuration adjusted first (latency, faults, limits).
pub async fn fixture_with(adjust: impl FnOnce(&mut SandboxConfig)) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = SandboxConfig::for_profile(ferry_sandbox::Profile::Fast);
    cfg.data_path = Some(dir.path().join("sandbox.sqlite3"));
    cfg.https = true;
    adjust(&mut cfg);
    let sb = Sandbox::start(cfg).expect("the sandbox starts");
    let data_dir = dir.path().join("data");
    let service = format!("ferry-core-test-{}", ferry_core::ids::new_id("t"));
    let app = App::open(&data_dir, SecretStore::new(service)).unwrap();
    std::fs::write(
        data_dir.join(connection::TRUSTED_CA_FILE),
        sb.ca_certificate_pem.as_deref().unwrap(),
    )
    .unwrap();
    let admin = users::resolve(&app, None).unwrap();
    let cred = credentials::create(
        &app,
        &admin,
        NewCredential {
            name: "Sandbox app".into(),
            description: String::new(),
            plugin: "microsoft-dynamics".into(),
            client_id: sb.client_id.clone(),
            client_secret: Secret::new(&sb.client_secret),
            expiry: ExpiryInput::Years { years: 1 },
        },
    )
    .unwrap();
    destinations::create(
        &app,
        &admin,
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
    .unwrap();
    data::make_demo(&app, &admin, 30, 5, &mut |_| {}).unwrap();
    let query_id = queries::create(
        &app,
        &admin,
        QueryInput {
            name: "Customers".into(),
            description: String::new(),
            sql: "SELECT customer_id, email, first_name, last_name, loyalty_tier FROM customers"
                .into(),
            time_limit_secs: 30,
        },
    )
    .unwrap()
    .id;
    let details = connection::table_columns(&app, &admin, "Sandbox", "contact", false)
        .await
        .unwrap()
        .details;
    let key = details
        .keys
        .iter()
        .find(|k| k.columns == ["emailaddress1"])
        .expect("the sandbox keys contacts by email")
        .logical_name
        .clone();
    Fixture {
        _dir: dir,
        app,
        _sb: sb,
        admin,
        query_id,
        key,
    }
}

pub fn field(column: &str, source: &str) -> FieldMapping {
    FieldMapping {
        column: column.into(),
        source: ValueSource::Column {
            name: source.into(),
        },
        choice_overrides: BTreeMap::new(),
        lookup: None,
    }
}

pub fn input(f: &Fixture, name: &str) -> TemplateInput {
    TemplateInput {
        name: name.into(),
        description: String::new(),
        destination: "Sandbox".into(),
        source: RowSource::Query(f.query_id.clone()),
        table: "contact".into(),
        mapping: Mapping {
            operation: Operation::UpsertByKey { key: f.key.clone() },
            fields: vec![
                field("emailaddress1", "email"),
                field("firstname", "first_name"),
                field("lastname", "last_name"),
                field("new_loyaltytier", "loyalty_tier"),
            ],
            time_zone: "UTC".into(),
        },
        business_users: true,
        restricted_pii: false,
        campaigns: false,
    }
}

/// A new Ferry user, made by the administrator, and the actor acting as them.
#[allow(dead_code)]
pub fn user(f: &Fixture, name: &str, policy: Policy, restrict: bool) -> Actor {
    let u = users::create(
        &f.app,
        &f.admin,
        users::UserInput {
            name: name.into(),
            policy,
            restrict_pii: restrict,
        },
    )
    .unwrap();
    Actor::new(&u.id, &u.name, policy, restrict)
}
