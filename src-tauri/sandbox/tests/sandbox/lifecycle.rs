//! Row lifecycle: lookups set and cleared through `@odata.bind`, deletes, and persistence
//! across restarts.

use crate::common::{id_from_entity_url, Env};
use serde_json::json;

#[tokio::test]
async fn odata_bind_sets_lookups_by_guid_or_alternate_key_and_null_clears() {
    let env = Env::fast().await;
    let acct = env
        .send(
            "POST",
            "accounts",
            Some(&json!({"name": "Parent", "accountnumber": "P-1"})),
            &[],
        )
        .await;
    let acct_id = id_from_entity_url(&acct.header("odata-entityid").unwrap_or_default());
    let r = env.send("POST", "contacts", Some(&json!({"lastname": "Kid", "parentcustomerid_account@odata.bind": "/accounts(accountnumber='P-1')"})), &[("Prefer", "return=representation")]).await;
    assert_eq!(r.status, 201, "bind by alternate key works: {}", r.text);
    assert_eq!(
        r.json()["_parentcustomerid_value"],
        acct_id.as_str(),
        "the lookup holds the account id"
    );
    let kid = r.json()["contactid"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let r = env
        .send(
            "PATCH",
            &format!("contacts({kid})"),
            Some(&json!({"parentcustomerid_account@odata.bind": null})),
            &[("If-Match", "*")],
        )
        .await;
    assert_eq!(r.status, 204, "a null bind clears the lookup: {}", r.text);
    let bad = env
        .send(
            "POST",
            "contacts",
            Some(&json!({"parentcustomerid@odata.bind": format!("/accounts({acct_id})")})),
            &[],
        )
        .await;
    assert_eq!(
        bad.status, 400,
        "the column name is not the navigation property: {}",
        bad.text
    );
    assert!(
        bad.text
            .contains("An undeclared property 'parentcustomerid'"),
        "the OData wording: {}",
        bad.text
    );
    let missing = env.send("POST", "contacts", Some(&json!({"parentcustomerid_account@odata.bind": "accounts(99999999-2222-3333-4444-555555555555)"})), &[]).await;
    assert_eq!(
        missing.status, 404,
        "binding to a missing row fails: {}",
        missing.text
    );
}

#[tokio::test]
async fn delete_removes_the_row_and_its_key() {
    let env = Env::fast().await;
    env.send(
        "PATCH",
        "contacts(emailaddress1='gone@example.com')",
        Some(&json!({"lastname": "G"})),
        &[],
    )
    .await;
    let r = env
        .send(
            "DELETE",
            "contacts(emailaddress1='gone@example.com')",
            None,
            &[],
        )
        .await;
    assert_eq!(r.status, 204, "delete by key is 204: {}", r.text);
    let again = env
        .send(
            "DELETE",
            "contacts(emailaddress1='gone@example.com')",
            None,
            &[],
        )
        .await;
    assert_eq!(again.status, 404, "a second delete finds nothing");
    let r = env
        .send(
            "POST",
            "contacts",
            Some(&json!({"emailaddress1": "gone@example.com"})),
            &[],
        )
        .await;
    assert_eq!(r.status, 204, "the key is free again: {}", r.text);
}

#[tokio::test]
async fn records_survive_a_restart_on_the_same_file() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let mut config = ferry_sandbox::SandboxConfig::for_profile(ferry_sandbox::Profile::Fast);
    config.data_path = Some(dir.path().join("sandbox.sqlite3"));
    let env = Env::with(config.clone()).await;
    env.send(
        "PATCH",
        "contacts(emailaddress1='kept@example.com')",
        Some(&json!({"lastname": "K"})),
        &[],
    )
    .await;
    let secret = env.sb.client_secret.clone();
    drop(env);
    let env = Env::with(config).await;
    assert_eq!(
        env.sb.client_secret, secret,
        "the sign-in identity is remembered"
    );
    let r = env
        .send(
            "GET",
            "contacts(emailaddress1='kept@example.com')",
            None,
            &[],
        )
        .await;
    assert_eq!(r.status, 200, "the row survived the restart: {}", r.text);
}

#[tokio::test]
async fn a_ca_trusted_once_stays_trusted_after_a_restart() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let config = ferry_sandbox::SandboxConfig {
        https: true,
        data_path: Some(dir.path().join("sandbox.sqlite3")),
        ..ferry_sandbox::SandboxConfig::for_profile(ferry_sandbox::Profile::Fast)
    };
    let first = ferry_sandbox::Sandbox::start(config.clone()).expect("starts");
    let old_client = crate::common::client(&first);
    first.shutdown();
    let second = ferry_sandbox::Sandbox::start(config).expect("restarts");
    let token = crate::common::sign_in(&old_client, &second).await;
    assert!(
        !token.is_empty(),
        "the old CA verifies the restarted sandbox's certificate"
    );
}
