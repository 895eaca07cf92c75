//! The desktop shell through Tauri's mock runtime: commands are registered, state is wired,
//! and errors reach the UI as `{code, message, fields}`. No display needed.
//!
//! Keychain-touching commands run against the real OS keychain (the test command starts
//! gnome-keyring under dbus-run-session), like the app does.

mod matrix;

use serde_json::{json, Value};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{get_ipc_response, mock_builder, mock_context, noop_assets, INVOKE_KEY};
use tauri::webview::InvokeRequest;

struct Shell {
    _dir: tempfile::TempDir,
    app: ferry_core::App,
    webview: tauri::WebviewWindow<tauri::test::MockRuntime>,
}

fn shell() -> Shell {
    let dir = tempfile::tempdir().unwrap();
    let service = format!("ferry-app-test-{}", ferry_core::ids::new_id("t"));
    let app =
        ferry_core::App::open(dir.path(), ferry_core::secrets::SecretStore::new(service)).unwrap();
    let tauri_app = ferry_app_lib::builder(
        mock_builder(),
        app.clone(),
        ferry_app_lib::demo::DemoSandbox::none(),
    )
    .build(mock_context(noop_assets()))
    .unwrap();
    let webview = tauri::WebviewWindowBuilder::new(&tauri_app, "main", Default::default())
        .build()
        .unwrap();
    Shell {
        _dir: dir,
        app,
        webview,
    }
}

impl Shell {
    fn invoke(&self, cmd: &str, args: Value) -> Result<Value, Value> {
        get_ipc_response(
            &self.webview,
            InvokeRequest {
                cmd: cmd.into(),
                callback: CallbackFn(0),
                error: CallbackFn(1),
                url: "tauri://localhost".parse().unwrap(),
                body: InvokeBody::Json(args),
                headers: Default::default(),
                invoke_key: INVOKE_KEY.to_string(),
            },
        )
        .map(|b| b.deserialize::<Value>().unwrap())
    }
}

#[test]
fn plugin_picker_filter_reaches_core() {
    let s = shell();
    let plugins = s
        .invoke("list_plugins", json!({ "filter": "micro" }))
        .expect("command ok");
    assert_eq!(
        plugins[0]["id"], "microsoft-dynamics",
        "typing micro finds Dynamics"
    );
    assert_eq!(
        plugins[0]["defaultApiVersion"], "9.2",
        "fields are camelCase for the UI"
    );
}

#[test]
fn build_info_names_the_version_and_the_commit_it_was_built_from() {
    let s = shell();
    let info = s.invoke("build_info", json!({})).expect("command ok");
    // The package is named after tauri.conf.json's version: the About box must say the same.
    let conf: Value = serde_json::from_str(include_str!("../../tauri.conf.json")).unwrap();
    assert_eq!(info["version"], conf["version"], "{info}");
    assert_eq!(info["version"], env!("CARGO_PKG_VERSION"), "{info}");
    let head = std::process::Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8(o.stdout).unwrap().trim().to_string())
        .unwrap_or_else(|| "unknown".to_string());
    assert_eq!(info["commit"], head.as_str(), "{info}");
}

#[test]
fn validation_errors_arrive_as_code_message_and_fields() {
    let s = shell();
    let input = json!({
        "name": "EU", "description": "", "plugin": "microsoft-dynamics", "credentialId": "",
        "tenantId": "not a tenant", "dynamicsUrl": "http://contoso.crm.dynamics.com",
        "apiVersion": "9.2", "businessUsers": false, "restrictedPii": false
    });
    let err = s
        .invoke("create_destination", json!({ "input": input }))
        .unwrap_err();
    assert_eq!(err["code"], "validation", "bad input is a validation error");
    let fields: Vec<&str> = err["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert!(
        fields.contains(&"dynamicsUrl"),
        "the URL is named: {fields:?}"
    );
    assert!(
        fields.contains(&"tenantId"),
        "the tenant is named: {fields:?}"
    );
    assert!(
        fields.contains(&"credentialId"),
        "the missing credential is named: {fields:?}"
    );
    let listed = s.invoke("list_destinations", json!({})).unwrap();
    assert_eq!(listed, json!([]), "nothing was stored");
}

#[test]
fn a_credential_made_through_the_shell_never_returns_its_secret() {
    let s = shell();
    let secret = "shell-test-secret-value-8Q~x";
    let input = json!({
        "name": "Shell cred", "description": "", "plugin": "microsoft-dynamics",
        "clientId": "11111111-2222-3333-4444-555555555555", "clientSecret": secret,
        "expiry": { "kind": "years", "years": 1 }
    });
    let created = s
        .invoke("create_credential", json!({ "input": input }))
        .expect("created");
    assert_eq!(
        created["secretStored"], true,
        "the keychain holds the secret"
    );
    let listed = s.invoke("list_credentials", json!({})).unwrap();
    assert!(
        !listed.to_string().contains(secret),
        "no reply carries the secret text"
    );
    assert!(
        !created.to_string().contains(secret),
        "not even the create reply"
    );
    let id = created["id"].as_str().unwrap();
    s.invoke("delete_credential", json!({ "id": id }))
        .expect("deleted");
}

#[test]
fn test_connection_reaches_the_embedded_sandbox() {
    let s = shell();
    let sandbox = ferry_sandbox::Sandbox::start(ferry_sandbox::SandboxConfig::default()).unwrap();
    let demo = ferry_core::ops::start::DemoTarget {
        base_url: sandbox.base_url.clone(),
        tenant: sandbox.tenant.clone(),
        client_id: sandbox.client_id.clone(),
        client_secret: ferry_core::secrets::Secret::new(sandbox.client_secret.clone()),
    };
    let dest = ferry_core::ops::start::ensure_demo_destination(
        &s.app,
        &ferry_core::policy::Actor::startup(),
        &demo,
    )
    .unwrap()
    .expect("the sandbox destination is made");
    let report = s
        .invoke("test_connection", json!({ "id": dest.id }))
        .expect("connected");
    assert!(
        report["organizationId"]
            .as_str()
            .is_some_and(|o| o.len() == 36),
        "WhoAmI's organisation id comes back: {report}"
    );
    assert_eq!(
        report["destinationName"], "Local sandbox",
        "the report names the destination"
    );
    assert!(
        !report.to_string().contains(&sandbox.client_secret),
        "the report never carries the secret"
    );
}

#[test]
fn without_a_running_sandbox_it_is_not_offered_and_cannot_be_added_back() {
    let s = shell();
    let start = s
        .invoke("getting_started", json!({}))
        .expect("the steps are answered");
    assert_eq!(
        start["sandboxAddable"], false,
        "no sandbox runs in this shell, so none is offered: {start}"
    );
    let err = s
        .invoke("restore_demo_destination", json!({}))
        .expect_err("nothing to add back");
    assert_eq!(err["code"], "validation", "refused with a reason: {err}");
    s.invoke(
        "set_getting_started_dismissed",
        json!({ "dismissed": true }),
    )
    .expect("dismissed");
    let start = s.invoke("getting_started", json!({})).unwrap();
    assert_eq!(start["dismissed"], true, "the choice is kept: {start}");
}

#[test]
fn customer_data_commands_list_tables_and_mark_pii() {
    let s = shell();
    ferry_core::ops::data::make_demo(
        &s.app,
        &ferry_core::policy::Actor::startup(),
        60,
        1,
        &mut |_| {},
    )
    .unwrap();
    let tables = s.invoke("data_tables", json!({})).expect("command ok");
    let customers = tables
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "customers")
        .expect("the demo customers are listed");
    assert_eq!(customers["rowCount"], 60, "counts reach the UI as rowCount");
    let col = s
        .invoke(
            "set_pii",
            json!({ "table": "customers", "column": "loyalty_tier", "pii": true }),
        )
        .expect("command ok");
    assert_eq!(col["pii"], true);
    let sample = s
        .invoke("data_sample", json!({ "table": "customers", "limit": 3 }))
        .expect("command ok");
    assert_eq!(sample["rows"].as_array().unwrap().len(), 3);
    let missing = s
        .invoke("data_sample", json!({ "table": "nope", "limit": 3 }))
        .expect_err("an unknown table is refused");
    assert_eq!(missing["code"], "not_found");
}

#[test]
fn a_query_run_is_paged_through_commands_and_write_attempts_are_refused() {
    let s = shell();
    ferry_core::ops::data::make_demo(
        &s.app,
        &ferry_core::policy::Actor::startup(),
        80,
        1,
        &mut |_| {},
    )
    .unwrap();
    let run = s
        .invoke(
            "query_start",
            json!({ "sql": "SELECT customer_id FROM customers", "timeLimitSecs": 30 }),
        )
        .expect("command ok");
    let page = loop {
        let p = s
            .invoke(
                "query_page",
                json!({ "runId": run, "offset": 70, "limit": 50 }),
            )
            .expect("command ok");
        if p["status"]["state"] != "running" {
            break p;
        }
    };
    assert_eq!(page["status"]["rowsSoFar"], 80);
    assert_eq!(page["rows"].as_array().unwrap().len(), 10, "rows 70..80");
    s.invoke("query_close", json!({ "runId": run }))
        .expect("command ok");

    let refused = s
        .invoke(
            "create_query",
            json!({ "input": { "name": "Wipe", "description": "", "sql": "DELETE FROM customers", "timeLimitSecs": 30 } }),
        )
        .expect_err("a writing query is refused");
    assert_eq!(refused["code"], "validation");
    assert_eq!(refused["fields"][0]["field"], "sql");

    let count = s
        .invoke(
            "segment_count",
            json!({ "definition": { "table": "customers", "rules": { "match": "all", "rules": [
                { "kind": "condition", "column": "opt_in_email", "op": "isTrue" } ] } } }),
        )
        .expect("command ok");
    assert!(count["count"].as_u64().unwrap() <= 80);
    assert!(count["sql"].as_str().unwrap().contains("opt_in_email"));
}
