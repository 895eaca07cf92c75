//! Record operations: create, read, update and upsert by id or key, conditions, validation.

use crate::common::{id_from_entity_url, Env};
use serde_json::json;

#[tokio::test]
async fn create_answers_204_with_the_entity_id_and_the_row_reads_back() {
    let env = Env::fast().await;
    let r = env
        .send(
            "POST",
            "contacts",
            Some(&json!({"firstname": "Ann", "lastname": "Lee"})),
            &[],
        )
        .await;
    assert_eq!(r.status, 204, "create without Prefer is 204: {}", r.text);
    let url = r.header("odata-entityid").expect("OData-EntityId is set");
    assert!(
        url.starts_with(&env.api("contacts(")),
        "the id URL is absolute: {url}"
    );
    let id = id_from_entity_url(&url);
    let got = env
        .send(
            "GET",
            &format!("contacts({id})?$select=firstname,fullname"),
            None,
            &[],
        )
        .await;
    assert_eq!(got.status, 200, "the row reads back: {}", got.text);
    let body = got.json();
    assert_eq!(
        body["fullname"], "Ann Lee",
        "fullname is computed like Dataverse's"
    );
    assert_eq!(
        body["contactid"],
        id.as_str(),
        "the primary key is always returned"
    );
    assert!(
        body["@odata.etag"]
            .as_str()
            .is_some_and(|e| e.starts_with("W/\"")),
        "a weak ETag: {body}"
    );
}

#[tokio::test]
async fn return_representation_gives_201_on_create_and_200_on_update() {
    let env = Env::fast().await;
    let prefer = [("Prefer", "return=representation")];
    let r = env
        .send(
            "PATCH",
            "contacts(emailaddress1='rep@example.com')?$select=contactid",
            Some(&json!({"firstname": "R"})),
            &prefer,
        )
        .await;
    assert_eq!(
        r.status, 201,
        "an upsert that creates is 201 with representation: {}",
        r.text
    );
    assert_eq!(
        r.header("preference-applied").as_deref(),
        Some("return=representation"),
        "Preference-Applied echoes"
    );
    let r = env
        .send(
            "PATCH",
            "contacts(emailaddress1='rep@example.com')",
            Some(&json!({"firstname": "S"})),
            &prefer,
        )
        .await;
    assert_eq!(
        r.status, 200,
        "an upsert that updates is 200 with representation: {}",
        r.text
    );
    assert_eq!(
        r.json()["emailaddress1"],
        "rep@example.com",
        "the key value was copied on create"
    );
}

#[tokio::test]
async fn upsert_by_alternate_key_creates_then_updates_the_same_row() {
    let env = Env::fast().await;
    let path = "contacts(emailaddress1='ann%40example.com')";
    let first = env
        .send(
            "PATCH",
            path,
            Some(&json!({"lastname": "One"})),
            &[("If-None-Match", "null")],
        )
        .await;
    assert_eq!(first.status, 204, "upsert-create is 204: {}", first.text);
    let again = env
        .send(
            "PATCH",
            "contacts(emailaddress1='ANN@example.com')",
            Some(&json!({"lastname": "Two"})),
            &[],
        )
        .await;
    assert_eq!(again.status, 204, "upsert-update is 204: {}", again.text);
    let counts = env.admin("counts").await;
    assert_eq!(
        counts["contact"], 1,
        "keys compare case-insensitively, so one row: {counts}"
    );
    let got = env.send("GET", path, None, &[]).await.json();
    assert_eq!(
        got["lastname"], "Two",
        "the second upsert updated the row: {got}"
    );
}

#[tokio::test]
async fn if_match_star_refuses_to_create_and_if_none_match_star_refuses_to_update() {
    let env = Env::fast().await;
    let missing = env
        .send(
            "PATCH",
            "accounts(accountnumber='A-1')",
            Some(&json!({"name": "x"})),
            &[("If-Match", "*")],
        )
        .await;
    assert_eq!(
        missing.status, 404,
        "If-Match: * on a missing key is 404: {}",
        missing.text
    );
    let id = "11111111-2222-3333-4444-555555555555";
    let missing = env
        .send(
            "PATCH",
            &format!("accounts({id})"),
            Some(&json!({"name": "x"})),
            &[("If-Match", "*")],
        )
        .await;
    assert_eq!(
        missing.json()["error"]["message"],
        format!("account With Id = {id} Does Not Exist"),
        "the documented message"
    );
    env.send(
        "PATCH",
        "accounts(accountnumber='A-1')",
        Some(&json!({"name": "x"})),
        &[],
    )
    .await;
    let exists = env
        .send(
            "PATCH",
            "accounts(accountnumber='A-1')",
            Some(&json!({"name": "y"})),
            &[("If-None-Match", "*")],
        )
        .await;
    assert_eq!(
        exists.status, 412,
        "If-None-Match: * on an existing key is 412"
    );
    assert_eq!(
        exists.json()["error"]["message"],
        "A record with matching key values already exists.",
        "the documented message"
    );
}

#[tokio::test]
async fn a_stale_etag_is_refused_with_412() {
    let env = Env::fast().await;
    let r = env
        .send(
            "POST",
            "accounts",
            Some(&json!({"name": "E"})),
            &[("Prefer", "return=representation")],
        )
        .await;
    let body = r.json();
    let (id, etag) = (
        body["accountid"].as_str().unwrap_or_default().to_string(),
        body["@odata.etag"].as_str().unwrap_or_default().to_string(),
    );
    let ok = env
        .send(
            "PATCH",
            &format!("accounts({id})"),
            Some(&json!({"name": "F"})),
            &[("If-Match", &etag)],
        )
        .await;
    assert_eq!(ok.status, 204, "the current ETag is accepted: {}", ok.text);
    let stale = env
        .send(
            "PATCH",
            &format!("accounts({id})"),
            Some(&json!({"name": "G"})),
            &[("If-Match", &etag)],
        )
        .await;
    assert_eq!(stale.status, 412, "the old ETag is refused: {}", stale.text);
}

#[tokio::test]
async fn validation_errors_carry_dataverse_codes() {
    let env = Env::fast().await;
    let long = "x".repeat(101);
    let cases = [
        (json!({"emailaddress1": long}), "0x80044331"),
        (json!({"preferredcontactmethodcode": 42}), "0x8004431A"),
        (json!({"nosuchcolumn": 1}), "0x80048d19"),
        (
            json!({"_parentcustomerid_value": "11111111-2222-3333-4444-555555555555"}),
            "0x80060888",
        ),
    ];
    for (body, code) in cases {
        let r = env.send("POST", "contacts", Some(&body), &[]).await;
        assert_eq!(
            (r.status, r.error_code()),
            (400, code.to_string()),
            "{body} is refused: {}",
            r.text
        );
    }
    let r = env
        .send(
            "POST",
            "contacts",
            Some(&json!({"emailaddress1": "x".repeat(101)})),
            &[],
        )
        .await;
    assert_eq!(r.json()["error"]["message"],
        "A validation error occurred.  The length of the 'emailaddress1' attribute of the 'contact' entity exceeded the maximum allowed length of '100'.",
        "the MaxLength message is worded like Dataverse's");
    let counts = env.admin("counts").await;
    assert_eq!(counts["contact"], 0, "no refused row was stored: {counts}");
}

#[tokio::test]
async fn required_columns_are_not_enforced_and_read_only_columns_are_ignored() {
    let env = Env::fast().await;
    let r = env
        .send(
            "POST",
            "contacts",
            Some(&json!({"fullname": "Ignored", "createdon": "2001-01-01T00:00:00Z"})),
            &[("Prefer", "return=representation")],
        )
        .await;
    assert_eq!(
        r.status, 201,
        "a contact without lastname is accepted: {}",
        r.text
    );
    assert_eq!(r.json()["fullname"], "", "read-only fullname was ignored");
}

#[tokio::test]
async fn duplicate_alternate_keys_are_refused() {
    let env = Env::fast().await;
    let body = json!({"emailaddress1": "dup@example.com"});
    assert_eq!(
        env.send("POST", "contacts", Some(&body), &[]).await.status,
        204,
        "the first row is created"
    );
    let r = env.send("POST", "contacts", Some(&body), &[]).await;
    assert_eq!(
        (r.status, r.error_code()),
        (412, "0x80060892".to_string()),
        "the second violates the key: {}",
        r.text
    );
}

#[tokio::test]
async fn malformed_requests_get_dataverse_shaped_400s() {
    let env = Env::fast().await;
    let r = env
        .http
        .post(env.api("contacts"))
        .bearer_auth(&env.token)
        .body("{not json")
        .send()
        .await
        .expect("answers");
    assert_eq!(r.status().as_u16(), 400, "broken JSON is a 400");
    let body: serde_json::Value = r.json().await.expect("a JSON error body");
    assert!(
        body["error"]["message"].is_string(),
        "the OData error shape: {body}"
    );
    let r = env.send("GET", "contacts(firstname='x')", None, &[]).await;
    assert!(
        r.status == 400 && r.text.contains("The key in the request URI is not valid"),
        "a non-key column: {}",
        r.text
    );
    let r = env.send("GET", "nosuchset", None, &[]).await;
    assert_eq!(r.status, 404, "an unknown entity set is 404: {}", r.text);
}

#[tokio::test]
async fn url_segments_over_260_characters_are_refused_outside_a_batch_only() {
    let config = ferry_sandbox::SandboxConfig {
        keys: vec![ferry_sandbox::KeyConfig {
            table: "contact".into(),
            columns: vec!["address1_line1".into()],
        }],
        ..ferry_sandbox::SandboxConfig::for_profile(ferry_sandbox::Profile::Fast)
    };
    let env = Env::with(config).await;
    let long = "L".repeat(250);
    let path = format!("contacts(address1_line1='{long}')");
    let r = env
        .send("PATCH", &path, Some(&json!({"lastname": "Long"})), &[])
        .await;
    assert_eq!(
        r.status,
        400,
        "a {}-character segment is refused",
        path.len()
    );
    assert!(
        r.text.contains("Bad Request - Invalid URL"),
        "the front end's wording: {}",
        r.text
    );
    let part = format!(
        "--b\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\nPATCH /api/data/v9.2/{path} HTTP/1.1\r\nContent-Type: application/json\r\n\r\n{{\"lastname\":\"Long\"}}\r\n--b--\r\n"
    );
    let r = crate::batch::send_batch(&env, "multipart/mixed; boundary=b", part, None).await;
    assert_eq!(
        r.status, 200,
        "inside $batch the long key works: {}",
        r.text
    );
    assert_eq!(
        env.admin("counts").await["contact"],
        1,
        "the batch upsert stored the row"
    );
}

#[tokio::test]
async fn a_date_only_column_takes_a_date_and_refuses_a_time() {
    let env = Env::fast().await;
    let with_time = json!({"lastname": "Early", "birthdate": "1990-02-03T10:00:00Z"});
    let r = env.send("POST", "contacts", Some(&with_time), &[]).await;
    assert_eq!(r.status, 400, "a time is not an Edm.Date: {}", r.text);
    assert!(
        r.text.contains("Edm.Date"),
        "the message names the type: {}",
        r.text
    );
    let date = json!({"lastname": "Early", "birthdate": "1990-02-03"});
    let r = env.send("POST", "contacts", Some(&date), &[]).await;
    assert_eq!(r.status, 204, "a date is taken: {}", r.text);
    let id = id_from_entity_url(&r.header("odata-entityid").unwrap());
    let row = env
        .send(
            "GET",
            &format!("contacts({id})?$select=birthdate"),
            None,
            &[],
        )
        .await
        .json();
    assert_eq!(row["birthdate"], "1990-02-03", "kept as written");
}
