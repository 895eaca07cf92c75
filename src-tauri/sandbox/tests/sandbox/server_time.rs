//! The server-time model: `$batch` parts and single requests are charged per operation, bulk
//! messages per row at their cheaper rates, and the charge spends the execution-time limit.
//!
//! Assertions use the charged time `/_sandbox/stats` reports, which the model fixes exactly,
//! never the wall clock.

use crate::common::{reply, Env, Reply};
use ferry_sandbox::{Latency, Limits, Profile, SandboxConfig};
use serde_json::{json, Value};
use std::time::Duration;

/// A `fast` sandbox (no limits) with the documented model at 1/`divisor` of its scale.
async fn modelled(divisor: u32) -> Env {
    let config = SandboxConfig {
        latency: Latency::DATAVERSE_SAMPLES.scaled_down(divisor),
        ..SandboxConfig::for_profile(Profile::Fast)
    };
    Env::with(config).await
}

fn part(method: &str, url: &str, body: &Value) -> String {
    format!(
        "Content-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n\
         {method} {url} HTTP/1.1\r\nContent-Type: application/json; type=entry\r\n\r\n{body}\r\n"
    )
}

/// Sends `ops` as one `$batch`: the first half as single parts, the rest in one change set.
async fn send_batch(env: &Env, ops: &[(&str, String, Value)]) -> Reply {
    let (single, in_set) = ops.split_at(ops.len() / 2);
    let mut body = String::new();
    for (method, url, item) in single {
        body.push_str(&format!("--batch_t\r\n{}", part(method, url, item)));
    }
    body.push_str("--batch_t\r\nContent-Type: multipart/mixed; boundary=changeset_t\r\n\r\n");
    for (method, url, item) in in_set {
        body.push_str(&format!("--changeset_t\r\n{}", part(method, url, item)));
    }
    body.push_str("--changeset_t--\r\n--batch_t--\r\n");
    let r = env
        .http
        .post(env.api("$batch"))
        .bearer_auth(&env.token)
        .header("Content-Type", "multipart/mixed; boundary=batch_t")
        .header("OData-MaxVersion", "4.0")
        .header("OData-Version", "4.0")
        .body(body)
        .send()
        .await
        .expect("the batch is answered");
    let r = reply(r).await;
    assert_eq!(r.status, 200, "the batch succeeds: {}", r.text);
    assert!(!r.text.contains("HTTP/1.1 4"), "no part failed: {}", r.text);
    r
}

fn contact(i: usize) -> Value {
    json!({
        "@odata.type": "Microsoft.Dynamics.CRM.contact",
        "lastname": format!("Model{i}"),
        "emailaddress1": format!("m{i}@model.example"),
    })
}

/// The stats' charged server time in milliseconds.
async fn charged_ms(env: &Env) -> f64 {
    let stats = env.admin("stats").await;
    stats["serverTimeChargedMs"]
        .as_f64()
        .unwrap_or_else(|| panic!("stats report the charged server time: {stats}"))
}

#[tokio::test]
async fn a_batch_of_100_creates_is_charged_four_times_one_create_multiple_of_100() {
    let env = modelled(100).await;
    let creates: Vec<_> = (0..100)
        .map(|i| ("POST", "/api/data/v9.2/contacts".to_string(), contact(i)))
        .collect();
    send_batch(&env, &creates).await;
    let stats = env.admin("stats").await;
    assert_eq!(
        stats["singleOperations"], 100,
        "every part, in a change set or not, is one operation: {stats}"
    );
    let batch_ms = charged_ms(&env).await;

    let targets: Vec<_> = (100..200).map(contact).collect();
    let r = env
        .send(
            "POST",
            "contacts/Microsoft.Dynamics.CRM.CreateMultiple",
            Some(&json!({ "Targets": targets })),
            &[],
        )
        .await;
    assert_eq!(r.status, 200, "CreateMultiple succeeds: {}", r.text);
    let stats = env.admin("stats").await;
    assert_eq!(
        stats["bulkRowsCreated"], 100,
        "the bulk rows are counted as created: {stats}"
    );
    let bulk_ms = charged_ms(&env).await - batch_ms;
    let ratio = batch_ms / bulk_ms;
    assert!(
        (3.5..=4.5).contains(&ratio),
        "$batch creates cost about 4× CreateMultiple's ({batch_ms} ms against {bulk_ms} ms)"
    );
    assert!(
        (35.0..=45.0).contains(&batch_ms),
        "100 operations at 40 ms / 100 each: {batch_ms} ms"
    );
}

#[tokio::test]
async fn a_batch_of_100_updates_is_charged_four_thirds_of_one_update_multiple_of_100() {
    let env = modelled(100).await;
    let targets: Vec<_> = (0..200).map(contact).collect();
    let r = env
        .send(
            "POST",
            "contacts/Microsoft.Dynamics.CRM.CreateMultiple",
            Some(&json!({ "Targets": targets })),
            &[],
        )
        .await;
    assert_eq!(r.status, 200, "the rows to update exist: {}", r.text);
    let ids: Vec<String> = r.json()["Ids"]
        .as_array()
        .expect("CreateMultiple answers Ids")
        .iter()
        .map(|v| v.as_str().expect("an id").to_string())
        .collect();
    let before = charged_ms(&env).await;

    let updates: Vec<_> = ids[..100]
        .iter()
        .map(|id| {
            (
                "PATCH",
                format!("/api/data/v9.2/contacts({id})"),
                json!({"jobtitle": "Batched"}),
            )
        })
        .collect();
    send_batch(&env, &updates).await;
    let batch_ms = charged_ms(&env).await - before;

    let targets: Vec<_> = ids[100..]
        .iter()
        .map(|id| {
            json!({
                "@odata.type": "Microsoft.Dynamics.CRM.contact",
                "contactid": id,
                "jobtitle": "Bulk",
            })
        })
        .collect();
    let r = env
        .send(
            "POST",
            "contacts/Microsoft.Dynamics.CRM.UpdateMultiple",
            Some(&json!({ "Targets": targets })),
            &[],
        )
        .await;
    assert_eq!(r.status, 204, "UpdateMultiple succeeds: {}", r.text);
    let stats = env.admin("stats").await;
    assert_eq!(
        stats["bulkRowsUpdated"], 100,
        "the bulk rows are counted as updated: {stats}"
    );
    let bulk_ms = charged_ms(&env).await - before - batch_ms;
    let ratio = batch_ms / bulk_ms;
    assert!(
        (1.2..=1.45).contains(&ratio),
        "$batch updates cost about 4/3 of UpdateMultiple's ({batch_ms} ms against {bulk_ms} ms)"
    );
}

#[tokio::test]
async fn single_requests_are_charged_one_operation_each_and_reads_nothing() {
    let env = modelled(100).await;
    let r = env.send("POST", "contacts", Some(&contact(1)), &[]).await;
    assert_eq!(r.status, 204, "the create succeeds: {}", r.text);
    let r = env
        .send(
            "PATCH",
            "contacts(emailaddress1='m1@model.example')",
            Some(&json!({"jobtitle": "Single"})),
            &[],
        )
        .await;
    assert_eq!(r.status, 204, "the update succeeds: {}", r.text);
    let r = env.send("GET", "contacts", None, &[]).await;
    assert_eq!(r.status, 200, "the read succeeds: {}", r.text);
    let stats = env.admin("stats").await;
    assert_eq!(stats["singleOperations"], 2, "two writes: {stats}");
    let ms = charged_ms(&env).await;
    assert!(
        (0.75..=0.85).contains(&ms),
        "two operations at 0.4 ms, the read free: {ms} ms"
    );
}

/// A sandbox whose whole execution-time budget is 600 ms, with the model at 1/5 scale
/// (8 ms per operation, 2 ms per bulk row created).
async fn budgeted() -> Env {
    let config = SandboxConfig {
        limits: Some(Limits {
            execution_time_per_window: Duration::from_millis(600),
            ..Limits::dataverse_defaults()
        }),
        latency: Latency::DATAVERSE_SAMPLES.scaled_down(5),
        ..SandboxConfig::for_profile(Profile::Demo)
    };
    Env::with(config).await
}

#[tokio::test]
async fn the_charged_server_time_spends_the_execution_time_limit() {
    // NOTE: CreateMultiple of 100 is charged 200 ms and leaves room in the budget; the same
    // creates as a `$batch` are charged 800 ms, more than the whole budget.
    let bulk = budgeted().await;
    let targets: Vec<_> = (0..100).map(contact).collect();
    let r = bulk
        .send(
            "POST",
            "contacts/Microsoft.Dynamics.CRM.CreateMultiple",
            Some(&json!({ "Targets": targets })),
            &[],
        )
        .await;
    assert_eq!(r.status, 200, "CreateMultiple succeeds: {}", r.text);
    let r = bulk.send("GET", "WhoAmI", None, &[]).await;
    assert_eq!(r.status, 200, "the bulk write left budget: {}", r.text);
    let stats = bulk.admin("stats").await;
    let ms = |name: &str| stats[name].as_f64().expect("a time in the stats");
    assert!(
        ms("serverTimeChargedMs") >= 200.0 && ms("executionTimeMs") >= ms("serverTimeChargedMs"),
        "the execution time counted includes the charge: {stats}"
    );

    let batched = budgeted().await;
    let creates: Vec<_> = (0..100)
        .map(|i| ("POST", "/api/data/v9.2/contacts".to_string(), contact(i)))
        .collect();
    send_batch(&batched, &creates).await;
    let r = batched.send("GET", "WhoAmI", None, &[]).await;
    assert_eq!(
        (r.status, r.error_code()),
        (429, "0x80072321".to_string()),
        "the batch spent the execution-time budget: {}",
        r.text
    );
}
