//! Correctness of what exists: strict `$batch` reading, committed change sets reported on a
//! stop, forbidden characters in alternate-key URLs, the token audience, duplicate JSON
//! properties, wrong methods on functions and actions, and the rate-limit debug headers.

use crate::batch::{batch, changeset, parse_batch, part, send_batch};
use crate::common::{client, reply, sign_in, Env};
use ferry_sandbox::{Latency, Limits, Profile, Sandbox, SandboxConfig};
use serde_json::json;
use std::time::Duration;

/// A part with a request line written as given (the helpers format the line themselves).
fn raw_part(request_line: &str) -> String {
    format!(
        "Content-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n{request_line}\r\nAccept: application/json\r\n\r\n\r\n"
    )
}

fn create(lastname: &str) -> String {
    part(
        "POST",
        "/api/data/v9.2/contacts",
        Some(json!({ "lastname": lastname })),
        None,
    )
}

async fn contacts(env: &Env) -> u64 {
    env.admin("counts").await["contact"].as_u64().unwrap_or(0)
}

#[tokio::test]
async fn a_batch_whose_boundary_is_wrong_or_missing_runs_nothing() {
    let env = Env::fast().await;
    let body = batch("b", &[create("One"), create("Two")]);
    for content_type in [
        "multipart/mixed; boundary=other",
        "multipart/mixed; boundary=\"\"",
        "multipart/mixed",
    ] {
        let r = send_batch(&env, content_type, body.clone(), None).await;
        assert_eq!(r.status, 400, "{content_type} is refused: {}", r.text);
        assert_eq!(r.error_code(), "0x0", "an OData-level error: {}", r.text);
    }
    assert_eq!(contacts(&env).await, 0, "no part of those batches ran");
    let r = send_batch(&env, "multipart/mixed; boundary=b", body, None).await;
    assert_eq!(
        r.status, 200,
        "the same body with its boundary runs: {}",
        r.text
    );
    assert_eq!(contacts(&env).await, 2, "both parts ran");
}

#[tokio::test]
async fn an_unterminated_batch_or_change_set_runs_nothing() {
    let env = Env::fast().await;
    let whole = batch("b", &[create("First"), create("Second")]);
    let unterminated = whole.replace("--b--\r\n", "");
    let cut_in_a_part = whole[..whole.rfind("--b--").expect("a close") - 10].to_string();
    let open_change_set = batch(
        "b",
        &[
            create("Before"),
            changeset("cs", &[create("Inside")]).replace("--cs--\r\n", ""),
        ],
    );
    for (name, body) in [
        ("no closing delimiter", unterminated),
        ("cut inside a part", cut_in_a_part),
        (
            "a change set without its closing delimiter",
            open_change_set,
        ),
    ] {
        let r = send_batch(&env, "multipart/mixed; boundary=b", body, None).await;
        assert_eq!(r.status, 400, "{name} is refused: {}", r.text);
        assert!(
            r.text.contains("closing delimiter"),
            "{name}: the error says what is missing: {}",
            r.text
        );
    }
    assert_eq!(
        contacts(&env).await,
        0,
        "no part before the malformed end ran"
    );
}

#[tokio::test]
async fn a_part_addressed_to_another_host_fails_the_whole_batch_before_anything_runs() {
    let env = Env::fast().await;
    for foreign in [
        "https://contoso.crm.dynamics.com/api/data/v9.2/contacts",
        "http://127.0.0.2:1/api/data/v9.2/contacts",
        "//contoso.crm.dynamics.com/api/data/v9.2/contacts",
    ] {
        let items = [
            create("Local"),
            part("POST", foreign, Some(json!({"lastname": "Away"})), None),
        ];
        let r = send_batch(
            &env,
            "multipart/mixed; boundary=b",
            batch("b", &items),
            None,
        )
        .await;
        assert_eq!(r.status, 400, "{foreign} is refused: {}", r.text);
        assert!(
            r.text.contains("another host"),
            "the error names the cause: {}",
            r.text
        );
    }
    assert_eq!(contacts(&env).await, 0, "not even the local part ran");
    let port = env.sb.base_url.rsplit(':').next().expect("a port");
    let own = format!("http://localhost:{port}/api/data/v9.2/contacts");
    let items = [part("POST", &own, Some(json!({"lastname": "Here"})), None)];
    let r = send_batch(
        &env,
        "multipart/mixed; boundary=b",
        batch("b", &items),
        None,
    )
    .await;
    assert_eq!(
        r.status, 200,
        "an absolute URL naming this sandbox runs: {}",
        r.text
    );
}

#[tokio::test]
async fn a_committed_change_set_is_reported_when_a_later_part_stops_the_batch() {
    let env = Env::fast().await;
    let cs = changeset(
        "cs",
        &[
            part(
                "POST",
                "/api/data/v9.2/contacts",
                Some(json!({"lastname": "Kept1"})),
                Some(1),
            ),
            part(
                "POST",
                "/api/data/v9.2/contacts",
                Some(json!({"lastname": "Kept2"})),
                Some(2),
            ),
        ],
    );
    let failing = create(&"x".repeat(51));
    let never = part(
        "POST",
        "/api/data/v9.2/accounts",
        Some(json!({"name": "never"})),
        None,
    );
    let r = send_batch(
        &env,
        "multipart/mixed; boundary=b",
        batch("b", &[cs, failing, never]),
        None,
    )
    .await;
    assert_eq!(r.status, 400, "the batch stops with 400: {}", r.text);
    let parts = parse_batch(&r);
    let seen: Vec<(u16, Option<String>)> = parts
        .iter()
        .map(|p| (p.status, p.content_id.clone()))
        .collect();
    assert_eq!(
        seen,
        vec![
            (204, Some("1".into())),
            (204, Some("2".into())),
            (400, None)
        ],
        "the committed change set's responses come first, then the failing part"
    );
    assert!(
        parts[2].body.contains("0x80044331"),
        "the failure is the MaxLength error: {}",
        parts[2].body
    );
    let counts = env.admin("counts").await;
    assert_eq!(
        (counts["contact"].as_u64(), counts["account"].as_u64()),
        (Some(2), Some(0)),
        "the change set stayed committed and nothing after the failure ran: {counts}"
    );
}

#[tokio::test]
async fn a_request_line_with_spaces_in_its_query_is_read_whole() {
    let env = Env::fast().await;
    for name in ["Ann", "Bob"] {
        let r = env
            .send(
                "POST",
                "contacts",
                Some(&json!({"firstname": name, "lastname": "Space"})),
                &[],
            )
            .await;
        assert_eq!(r.status, 204, "{name} is created: {}", r.text);
    }
    let items = [raw_part(
        "GET contacts?$select=firstname&$filter=firstname eq 'Ann' HTTP/1.1",
    )];
    let r = send_batch(
        &env,
        "multipart/mixed; boundary=b",
        batch("b", &items),
        None,
    )
    .await;
    assert_eq!(r.status, 200, "the batch runs: {}", r.text);
    let parts = parse_batch(&r);
    assert_eq!(parts[0].status, 200, "the GET answers: {}", parts[0].body);
    let got: serde_json::Value = serde_json::from_str(&parts[0].body).expect("a JSON body");
    let names: Vec<&str> = got["value"]
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|c| c["firstname"].as_str())
        .collect();
    assert_eq!(names, vec!["Ann"], "the whole filter applied: {got}");
}

#[tokio::test]
async fn alternate_key_values_with_forbidden_characters_are_refused() {
    let env = Env::fast().await;
    // Each as a client must write it in a URL: `%2F` is decoded to `/` before the key is read.
    for encoded in [
        "a%2Fb", "a%3Cb", "a%3Eb", "a*b", "a%25b", "a&b", "a%26b", "a:b", "a%5Cb", "a%3Fb", "a+b",
        "a%2Bb", "a%23b",
    ] {
        let key = format!("contacts(emailaddress1='{encoded}@example.com')");
        for (method, body) in [
            ("PATCH", Some(json!({"lastname": "Keyed"}))),
            ("GET", None),
            ("DELETE", None),
        ] {
            let r = env.send(method, &key, body.as_ref(), &[]).await;
            assert_eq!(r.status, 400, "{method} {key} is refused: {}", r.text);
            assert_eq!(
                r.error_code(),
                "0x8006088a",
                "the query-syntax error: {}",
                r.text
            );
        }
    }
    let bind = json!({
        "name": "Bound",
        "primarycontactid@odata.bind": "/contacts(emailaddress1='a/b@example.com')",
    });
    let r = env.send("POST", "accounts", Some(&bind), &[]).await;
    assert_eq!(
        r.status, 400,
        "an @odata.bind key with '/' is refused: {}",
        r.text
    );
    assert_eq!(r.error_code(), "0x8006088a", "the same error: {}", r.text);
    let counts = env.admin("counts").await;
    assert_eq!(
        (counts["contact"].as_u64(), counts["account"].as_u64()),
        (Some(0), Some(0)),
        "nothing was written: {counts}"
    );
    let r = env
        .send(
            "PATCH",
            "contacts(emailaddress1='ann.o-k_1@example.com')",
            Some(&json!({"lastname": "Fine"})),
            &[],
        )
        .await;
    assert_eq!(r.status, 204, "an ordinary key value works: {}", r.text);
}

#[tokio::test]
async fn a_token_for_another_organisation_is_refused_even_when_signed_by_the_same_tenant() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let config = || SandboxConfig {
        data_path: Some(dir.path().join("shared.sqlite3")),
        ..SandboxConfig::for_profile(Profile::Fast)
    };
    // Two sandboxes on one data file share tenant, app and signing key, but are two
    // organisations at two URLs: a token issued for one must not open the other.
    let first = Sandbox::start(config()).expect("the first sandbox starts");
    let second = Sandbox::start(config()).expect("the second sandbox starts");
    assert_eq!(first.tenant, second.tenant, "the same tenant");
    let http = client(&first);
    let token = sign_in(&http, &first).await;
    let who = |base: String| {
        let http = http.clone();
        let token = token.clone();
        async move {
            let r = http
                .get(format!("{base}/api/data/v9.2/WhoAmI"))
                .bearer_auth(token)
                .send()
                .await
                .expect("the sandbox answers");
            reply(r).await
        }
    };
    let own = who(first.base_url.clone()).await;
    assert_eq!(own.status, 200, "the token opens its own organisation");
    let other = who(second.base_url.clone()).await;
    assert_eq!(
        other.status, 401,
        "the token's audience is the first sandbox's URL: {}",
        other.text
    );
    assert!(
        other.header("www-authenticate").is_some(),
        "the usual challenge is sent"
    );
}

#[tokio::test]
async fn duplicate_json_properties_are_refused_with_the_odata_error() {
    let env = Env::fast().await;
    let post = |path: &'static str, body: &'static str| {
        let rb = env
            .http
            .post(env.api(path))
            .bearer_auth(&env.token)
            .header("Content-Type", "application/json")
            .body(body);
        async move { reply(rb.send().await.expect("the sandbox answers")).await }
    };
    for (path, body) in [
        ("contacts", r#"{"lastname":"a","lastname":"b"}"#),
        (
            "contacts/Microsoft.Dynamics.CRM.CreateMultiple",
            r#"{"Targets":[{"@odata.type":"Microsoft.Dynamics.CRM.contact","lastname":"x","firstname":"1","firstname":"2"}]}"#,
        ),
    ] {
        let r = post(path, body).await;
        assert_eq!(r.status, 400, "{body} is refused: {}", r.text);
        let message = r.json()["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        assert!(
            message.contains("Multiple properties with the name")
                && message.contains("duplicate property names are not allowed"),
            "the OData duplicate-property message: {message}"
        );
    }
    let cs = changeset(
        "cs",
        &[
            part(
                "POST",
                "/api/data/v9.2/contacts",
                Some(json!({"lastname": "Ref"})),
                Some(1),
            ),
            "Content-Type: application/http\r\nContent-ID: 2\r\n\r\nPOST /api/data/v9.2/accounts HTTP/1.1\r\nContent-Type: application/json\r\n\r\n{\"name\":\"a\",\"name\":\"b\",\"primarycontactid@odata.bind\":\"$1\"}\r\n".to_string(),
        ],
    );
    let r = send_batch(&env, "multipart/mixed; boundary=b", batch("b", &[cs]), None).await;
    assert_eq!(r.status, 400, "the change set fails: {}", r.text);
    assert!(
        r.text.contains("Multiple properties with the name 'name'"),
        "a batch part's duplicate is found too, past the $1 rewrite: {}",
        r.text
    );
    let counts = env.admin("counts").await;
    assert_eq!(
        (counts["contact"].as_u64(), counts["account"].as_u64()),
        (Some(0), Some(0)),
        "nothing was written: {counts}"
    );
}

#[tokio::test]
async fn functions_and_actions_called_with_the_wrong_method_answer_405() {
    let env = Env::fast().await;
    let r = env
        .send(
            "POST",
            "lists",
            Some(&json!({"listname": "L", "createdfromcode": 2})),
            &[],
        )
        .await;
    assert_eq!(r.status, 204, "a list is created: {}", r.text);
    let list = crate::common::id_from_entity_url(&r.header("odata-entityid").expect("an id"));
    let member_list = format!("lists({list})/Microsoft.Dynamics.CRM.AddMemberList");
    let cases: Vec<(&str, String, &str)> = vec![
        ("POST", "WhoAmI".into(), "GET"),
        ("DELETE", "WhoAmI()".into(), "GET"),
        ("POST", "$metadata".into(), "GET"),
        (
            "PATCH",
            "RetrieveCurrentOrganization(AccessType=Microsoft.Dynamics.CRM.EndpointAccessType'Default')".into(),
            "GET",
        ),
        ("POST", "EntityDefinitions".into(), "GET"),
        ("PATCH", "EntityDefinitions(LogicalName='contact')".into(), "GET"),
        ("DELETE", "EntityDefinitions(LogicalName='contact')".into(), "GET"),
        ("GET", "contacts/Microsoft.Dynamics.CRM.CreateMultiple".into(), "POST"),
        ("GET", "contacts/Microsoft.Dynamics.CRM.UpdateMultiple".into(), "POST"),
        ("PATCH", "contacts/Microsoft.Dynamics.CRM.UpsertMultiple".into(), "POST"),
        ("GET", member_list, "POST"),
        ("GET", "AddListMembersList".into(), "POST"),
        ("GET", "$batch".into(), "POST"),
    ];
    let body = json!({});
    for (method, path, allow) in cases {
        let with_body = matches!(method, "POST" | "PATCH").then_some(&body);
        let r = env.send(method, &path, with_body, &[]).await;
        assert_eq!(r.status, 405, "{method} {path} is refused: {}", r.text);
        assert_eq!(r.error_code(), "0x80060888", "{method} {path}: {}", r.text);
        assert_eq!(
            r.header("allow").as_deref(),
            Some(allow),
            "{method} {path} names the method it takes"
        );
    }
    assert_eq!(
        env.admin("counts").await["contact"],
        0,
        "no wrong call wrote anything"
    );
    assert_eq!(
        env.send("GET", "WhoAmI", None, &[]).await.status,
        200,
        "the right method still works"
    );
}

#[tokio::test]
async fn responses_carry_the_time_remaining_header_beside_the_burst_one() {
    let config = SandboxConfig {
        limits: Some(Limits::dataverse_defaults()),
        latency: Latency {
            per_operation: Duration::from_millis(300),
            ..Latency::default()
        },
        ..SandboxConfig::for_profile(Profile::Fast)
    };
    let env = Env::with(config).await;
    let first = env.send("GET", "WhoAmI", None, &[]).await;
    assert_eq!(
        first
            .header("x-ms-ratelimit-time-remaining-xrm-requests")
            .as_deref(),
        Some("1,200.00"),
        "a fresh window has the whole 20 minutes, written as Dataverse writes it"
    );
    assert_eq!(
        first
            .header("x-ms-ratelimit-burst-remaining-xrm-requests")
            .as_deref(),
        Some("5999"),
        "the burst header is still sent"
    );
    let created = env
        .send("POST", "contacts", Some(&json!({"lastname": "Slow"})), &[])
        .await;
    assert_eq!(created.status, 204, "a write: {}", created.text);
    let after = env.send("GET", "WhoAmI", None, &[]).await;
    let text = after
        .header("x-ms-ratelimit-time-remaining-xrm-requests")
        .expect("the header is sent");
    let (whole, cents) = text.split_once('.').expect("two decimals");
    assert_eq!(cents.len(), 2, "two decimals: {text}");
    let seconds: f64 = format!("{}.{cents}", whole.replace(',', ""))
        .parse()
        .expect("a number");
    assert!(
        seconds <= 1199.70,
        "the write's execution time (at least its 300 ms) is taken off: {text}"
    );
}
