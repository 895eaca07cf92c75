//! CreateMultiple, UpdateMultiple and UpsertMultiple.

use crate::common::Env;
use serde_json::json;

fn contact(extra: serde_json::Value) -> serde_json::Value {
    let mut v = extra;
    v["@odata.type"] = json!("Microsoft.Dynamics.CRM.contact");
    v
}

#[tokio::test]
async fn create_multiple_answers_the_new_ids() {
    let env = Env::fast().await;
    let targets: Vec<_> = (0..3)
        .map(|i| contact(json!({"lastname": format!("c{i}")})))
        .collect();
    let r = env
        .send(
            "POST",
            "contacts/Microsoft.Dynamics.CRM.CreateMultiple",
            Some(&json!({"Targets": targets})),
            &[],
        )
        .await;
    assert_eq!(r.status, 200, "CreateMultiple answers 200: {}", r.text);
    let body = r.json();
    assert_eq!(
        body["Ids"].as_array().map(Vec::len),
        Some(3),
        "one id per target: {body}"
    );
    assert!(
        body["@odata.context"]
            .as_str()
            .is_some_and(|c| c.ends_with("#Microsoft.Dynamics.CRM.CreateMultipleResponse")),
        "the documented context"
    );
}

#[tokio::test]
async fn upsert_multiple_by_key_creates_then_updates_and_answers_204() {
    let env = Env::fast().await;
    let items = |name: &str| -> serde_json::Value {
        let t: Vec<_> = (0..5).map(|i| contact(json!({"lastname": name, "@odata.id": format!("contacts(emailaddress1='u{i}@example.com')")}))).collect();
        json!({"Targets": t})
    };
    let r = env
        .send(
            "POST",
            "contacts/Microsoft.Dynamics.CRM.UpsertMultiple",
            Some(&items("first")),
            &[],
        )
        .await;
    assert_eq!(r.status, 204, "UpsertMultiple answers 204: {}", r.text);
    let r = env
        .send(
            "POST",
            "contacts/Microsoft.Dynamics.CRM.UpsertMultiple",
            Some(&items("second")),
            &[],
        )
        .await;
    assert_eq!(r.status, 204, "the second pass updates: {}", r.text);
    assert_eq!(
        env.admin("counts").await["contact"],
        5,
        "five rows, not ten"
    );
    let got = env
        .send(
            "GET",
            "contacts(emailaddress1='u3@example.com')?$select=lastname",
            None,
            &[],
        )
        .await
        .json();
    assert_eq!(got["lastname"], "second", "the row was updated: {got}");
}

#[tokio::test]
async fn one_bad_item_rolls_back_the_whole_bulk_request() {
    let env = Env::fast().await;
    let targets = vec![
        contact(json!({"lastname": "good"})),
        contact(json!({"lastname": "x".repeat(60)})),
    ];
    let r = env
        .send(
            "POST",
            "contacts/Microsoft.Dynamics.CRM.CreateMultiple",
            Some(&json!({"Targets": targets})),
            &[],
        )
        .await;
    assert_eq!(
        (r.status, r.error_code()),
        (400, "0x80044331".to_string()),
        "the bad item fails the request: {}",
        r.text
    );
    assert_eq!(
        env.admin("counts").await["contact"],
        0,
        "standard tables are all-or-nothing"
    );
    let missing = json!({"Targets": [contact(json!({"contactid": "11111111-2222-3333-4444-555555555555", "lastname": "x"}))]});
    let r = env
        .send(
            "POST",
            "contacts/Microsoft.Dynamics.CRM.UpdateMultiple",
            Some(&missing),
            &[],
        )
        .await;
    assert!(
        r.status == 404 && r.text.contains("Do Not Exist"),
        "UpdateMultiple of a missing row: {}",
        r.text
    );
    let untyped = json!({"Targets": [{"lastname": "no type"}]});
    let r = env
        .send(
            "POST",
            "contacts/Microsoft.Dynamics.CRM.CreateMultiple",
            Some(&untyped),
            &[],
        )
        .await;
    assert_eq!(r.status, 400, "every item needs @odata.type: {}", r.text);
    let addr = json!({"Targets": [{"@odata.type": "Microsoft.Dynamics.CRM.customeraddress", "name": "a"}]});
    let r = env
        .send(
            "POST",
            "customeraddresses/Microsoft.Dynamics.CRM.CreateMultiple",
            Some(&addr),
            &[],
        )
        .await;
    assert_eq!(
        r.status, 400,
        "customeraddress has no bulk messages: {}",
        r.text
    );
}
