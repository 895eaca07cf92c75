//! Replays the request/response pairs published in Microsoft's Dataverse docs
//! (`data/docs-http`, CC BY 4.0, see `data/SOURCES.md`) against the sandbox.
//!
//! The docs show LF line ends; requests are sent with CRLF as on the wire. Responses are
//! compared by shape: status, the sequence of parts and their statuses, Content-IDs, error codes
//! and messages, and JSON keys. Generated ids and ETags naturally differ.

use crate::batch::parse_batch;
use crate::common::{reply, Env, Reply};
use ferry_sandbox::{Profile, SandboxConfig};
use serde_json::{json, Value};

const PARENT: &str = "00000000-0000-0000-0000-000000000001";

fn fixture(name: &str) -> String {
    let path = format!("{}/data/docs-http/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("fixture {path} reads: {e}"))
}

/// The sample table the bulk-operation docs use, added through the extra-schema hook.
fn docs_sandbox() -> SandboxConfig {
    let extra = json!({"tables": [{
        "logicalName": "sample_example", "schemaName": "sample_Example", "entitySet": "sample_examples",
        "primaryId": "sample_exampleid", "primaryName": "sample_name", "objectTypeCode": 10001,
        "displayName": "Example", "displayCollectionName": "Examples",
        "bulk": ["CreateMultiple", "UpdateMultiple", "UpsertMultiple"],
        "columns": [{"name": "sample_exampleid", "type": "Uniqueidentifier"},
                    {"name": "sample_name", "type": "String", "maxLength": 100}]
    }]});
    SandboxConfig {
        extra_schema: Some(extra.to_string()),
        ..SandboxConfig::for_profile(Profile::Fast)
    }
}

/// Splits a `.http` exchange into (start line, headers, body); `[Organization Uri]` becomes
/// the sandbox's base URL.
fn parse_http(text: &str, base: &str) -> (String, Vec<(String, String)>, String) {
    let text = text
        .replace("[Organization Uri]", base)
        .replace("[Organization URI]", base);
    let (head, body) = text.split_once("\n\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let start = lines.next().unwrap_or_default().to_string();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    (start, headers, body.to_string())
}

/// Sends a fixture request (CRLF line ends, the docs' own headers plus a token).
async fn replay(env: &Env, name: &str, prefer_override: Option<Option<&str>>) -> Reply {
    let (start, headers, body) = parse_http(&fixture(name), &env.sb.base_url);
    let mut words = start.split_whitespace();
    let method = words.next().expect("a method");
    let url = words.next().expect("a URL").to_string();
    let mut rb = env
        .http
        .request(method.parse().expect("a valid method"), url)
        .bearer_auth(&env.token);
    for (k, v) in &headers {
        if k.eq_ignore_ascii_case("content-length") || (k == "Prefer" && prefer_override.is_some())
        {
            continue;
        }
        rb = rb.header(k.as_str(), v.as_str());
    }
    if let Some(Some(p)) = prefer_override {
        rb = rb.header("Prefer", p);
    }
    let wire = body.replace("\r\n", "\n").replace('\n', "\r\n");
    reply(rb.body(wire).send().await.expect("the sandbox answers")).await
}

/// (status, Content-ID, error body) per part of an expected `.http` batch response.
fn expected_parts(name: &str, base: &str) -> (u16, Vec<(u16, Option<String>, String)>) {
    let text = fixture(name)
        .replace("[Organization Uri]", base)
        .replace('\n', "\r\n");
    let (status_line, rest) = text.split_once("\r\n").expect("a status line");
    let status = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("a status");
    let boundary_at = rest.find("--batchresponse_").expect("a response boundary");
    let boundary: String = rest[boundary_at + 2..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();
    let fake = Reply {
        status,
        headers: reqwest::header::HeaderMap::new(),
        text: rest[boundary_at..].to_string(),
    };
    let mut fake = fake;
    fake.headers.insert(
        "content-type",
        format!("multipart/mixed; boundary={boundary}")
            .parse()
            .expect("a header"),
    );
    let parts = parse_batch(&fake)
        .into_iter()
        .map(|p| (p.status, p.content_id, p.body))
        .collect();
    (status, parts)
}

async fn parent_account(env: &Env) {
    let r = env
        .send(
            "PATCH",
            &format!("accounts({PARENT})"),
            Some(&json!({"name": "Docs parent"})),
            &[],
        )
        .await;
    assert_eq!(
        r.status, 204,
        "the docs' parent account is upserted: {}",
        r.text
    );
}

fn assert_same_parts(name: &str, got: &Reply, expected: (u16, Vec<(u16, Option<String>, String)>)) {
    let (status, parts) = expected;
    assert_eq!(
        got.status, status,
        "{name}: the batch status matches the docs: {}",
        got.text
    );
    let have: Vec<(u16, Option<String>)> = parse_batch(got)
        .into_iter()
        .map(|p| (p.status, p.content_id))
        .collect();
    let want: Vec<(u16, Option<String>)> =
        parts.iter().map(|(s, id, _)| (*s, id.clone())).collect();
    assert_eq!(
        have, want,
        "{name}: part statuses and Content-IDs match the docs"
    );
    for ((_, _, want_body), got_part) in parts.iter().zip(parse_batch(got)) {
        if got_part.status >= 400 {
            let w: Value = serde_json::from_str(want_body).expect("the docs' error body is JSON");
            let g: Value =
                serde_json::from_str(&got_part.body).expect("the sandbox's error body is JSON");
            assert_eq!(
                g["error"], w["error"],
                "{name}: the error code and message match the docs"
            );
        }
    }
}

#[tokio::test]
async fn the_documented_batches_replay_with_the_documented_answers() {
    let env = Env::with(docs_sandbox()).await;
    parent_account(&env).await;
    for (req, resp) in [
        (
            "batch-1-no-changeset.request.http",
            "batch-1-no-changeset.response.http",
        ),
        (
            "batch-2-changeset.request.http",
            "batch-2-changeset.response.http",
        ),
        (
            "batch-3-contentid-refs.request.http",
            "batch-3-contentid-refs.response.http",
        ),
        (
            "batch-4-error-continue-on-error.request.http",
            "batch-4-error-continue-on-error.response.http",
        ),
    ] {
        let got = replay(&env, req, None).await;
        assert_same_parts(req, &got, expected_parts(resp, &env.sb.base_url));
    }
    let stop = replay(
        &env,
        "batch-4-error-continue-on-error.request.http",
        Some(None),
    )
    .await;
    assert_same_parts(
        "batch-5",
        &stop,
        expected_parts("batch-5-error-stop.response.http", &env.sb.base_url),
    );
    let tasks = env
        .send(
            "GET",
            &format!("accounts({PARENT})/Account_Tasks?$select=subject"),
            None,
            &[],
        )
        .await
        .json();
    let subjects: Vec<&str> = tasks["value"]
        .as_array()
        .map(|a| a.iter().filter_map(|t| t["subject"].as_str()).collect())
        .unwrap_or_default();
    assert!(
        subjects.contains(&"Task 3 in batch"),
        "the batch-created tasks are linked to the account: {subjects:?}"
    );
}

#[tokio::test]
async fn the_documented_bulk_messages_replay_with_the_documented_answers() {
    let env = Env::with(docs_sandbox()).await;
    let created = replay(&env, "createmultiple.request.http", None).await;
    let (_, _, want) = parse_http(&fixture("createmultiple.response.http"), &env.sb.base_url);
    let want: Value = serde_json::from_str(&want).expect("the docs' body is JSON");
    assert_eq!(
        created.status, 200,
        "CreateMultiple is 200 as documented: {}",
        created.text
    );
    let got = created.json();
    assert_eq!(
        got["@odata.context"], want["@odata.context"],
        "the documented context URL"
    );
    assert_eq!(
        got["Ids"].as_array().map(Vec::len),
        want["Ids"].as_array().map(Vec::len),
        "one id per target"
    );
    // NOTE: the UpdateMultiple fixture names the docs' ids; rewrite them to the ones just created.
    let mut update = fixture("updatemultiple.request.http");
    for (doc_id, new_id) in want["Ids"]
        .as_array()
        .into_iter()
        .flatten()
        .zip(got["Ids"].as_array().into_iter().flatten())
    {
        update = update.replace(
            doc_id.as_str().unwrap_or_default(),
            new_id.as_str().unwrap_or_default(),
        );
    }
    let (start, _, body) = parse_http(&update, &env.sb.base_url);
    let url = start.split_whitespace().nth(1).expect("a URL").to_string();
    let r = reply(
        env.http
            .post(url)
            .bearer_auth(&env.token)
            .header("Content-Type", "application/json; charset=utf-8")
            .body(body)
            .send()
            .await
            .expect("answers"),
    )
    .await;
    assert_eq!(
        r.status, 204,
        "UpdateMultiple is 204 as documented: {}",
        r.text
    );
    let rows = env
        .send("GET", "sample_examples?$select=sample_name", None, &[])
        .await
        .json();
    assert!(
        rows["value"]
            .as_array()
            .is_some_and(|a| a.iter().all(|r| r["sample_name"]
                .as_str()
                .is_some_and(|n| n.ends_with("Updated")))),
        "every row was updated: {rows}"
    );
}

#[tokio::test]
async fn the_documented_metadata_queries_replay_with_the_documented_shapes() {
    let env = Env::fast().await;
    let text = fixture("metadata-entitydefinitions-metadataid.exchange.http");
    let (first, second) = text.split_once("\nGET ").expect("two exchanges");
    for (n, exchange) in [first.to_string(), format!("GET {second}")]
        .iter()
        .enumerate()
    {
        let (req, resp) = exchange
            .split_once("\nHTTP/1.1 ")
            .expect("a request and a response");
        let (start, _, _) = parse_http(req, &env.sb.base_url);
        let mut url = start.split_whitespace().nth(1).expect("a URL").to_string();
        url = url.replace(
            "70816501-edb9-4740-a16c-6a5efbc05d84",
            &account_metadata_id(&env).await,
        );
        let got = reply(
            env.http
                .get(url)
                .bearer_auth(&env.token)
                .send()
                .await
                .expect("answers"),
        )
        .await;
        let want: Value = serde_json::from_str(&resp[resp.find('{').expect("a JSON body")..])
            .expect("the docs' body is JSON");
        assert_eq!(got.status, 200, "exchange {n} answers 200: {}", got.text);
        let keys = |v: &Value| {
            v["value"][0]
                .as_object()
                .map(|o| o.keys().cloned().collect::<Vec<_>>())
                .unwrap_or_default()
        };
        assert_eq!(
            keys(&got.json()),
            keys(&want),
            "exchange {n}: the selected properties match the docs"
        );
        assert_eq!(
            got.json()["value"][0]["@odata.type"],
            want["value"][0]["@odata.type"],
            "exchange {n}: the attribute type matches"
        );
    }
    let text = fixture("metadata-picklist-by-name.exchange.http");
    let (req, resp) = text
        .split_once("\nHTTP/1.1 ")
        .expect("a request and a response");
    let (start, _, _) = parse_http(req, &env.sb.base_url);
    let url = start.split_whitespace().nth(1).expect("a URL").to_string();
    let got = reply(
        env.http
            .get(url)
            .bearer_auth(&env.token)
            .send()
            .await
            .expect("answers"),
    )
    .await;
    let want: Value = serde_json::from_str(&resp[resp.find('{').expect("a JSON body")..])
        .expect("the docs' body is JSON");
    assert_eq!(
        got.status, 200,
        "the picklist query answers 200: {}",
        got.text
    );
    let options = |v: &Value| -> Vec<(i64, String)> {
        v["OptionSet"]["Options"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|o| {
                (
                    o["Value"].as_i64().unwrap_or(-1),
                    o["Label"]["UserLocalizedLabel"]["Label"]
                        .as_str()
                        .unwrap_or("")
                        .to_string(),
                )
            })
            .collect()
    };
    assert_eq!(
        options(&got.json()),
        options(&want),
        "option values and labels match the docs"
    );
    let option_keys = |v: &Value| {
        v["OptionSet"]["Options"][0]
            .as_object()
            .map(|o| {
                let mut k: Vec<_> = o.keys().cloned().collect();
                k.sort();
                k
            })
            .unwrap_or_default()
    };
    assert_eq!(
        option_keys(&got.json()),
        option_keys(&want),
        "each option has the documented properties"
    );
}

async fn account_metadata_id(env: &Env) -> String {
    let r = env
        .send(
            "GET",
            "EntityDefinitions(LogicalName='account')?$select=LogicalName",
            None,
            &[],
        )
        .await
        .json();
    r["MetadataId"]
        .as_str()
        .expect("account has a MetadataId")
        .to_string()
}

#[tokio::test]
async fn metadata_csdl_declares_the_tables_and_bind_targets() {
    let env = Env::fast().await;
    let r = env.send("GET", "$metadata", None, &[]).await;
    assert_eq!(
        r.status,
        200,
        "$metadata answers: {}",
        &r.text[..r.text.len().min(200)]
    );
    assert!(
        r.text
            .contains(r#"<EntitySet Name="contacts" EntityType="mscrm.contact">"#),
        "contacts are declared"
    );
    assert!(
        r.text
            .contains(r#"Name="emailaddress1" Type="Edm.String" MaxLength="100""#),
        "lengths come from the same schema"
    );
}
