//! `$batch`: change sets, Content-ID references, continue-on-error, limits, tolerant parsing.

use crate::common::{reply, Env, Reply};
use serde_json::json;

/// One inner response, flattened out of change sets.
#[derive(Debug)]
pub struct InnerResponse {
    pub content_id: Option<String>,
    pub status: u16,
    pub head: String,
    pub body: String,
}

/// Parses a multipart batch response (a test-side reader, independent of the sandbox's).
pub fn parse_batch(reply: &Reply) -> Vec<InnerResponse> {
    let ct = reply.header("content-type").unwrap_or_default();
    let boundary = ct
        .split("boundary=")
        .nth(1)
        .expect("a response boundary")
        .trim_matches('"')
        .to_string();
    parse_multipart(&reply.text, &boundary)
}

fn parse_multipart(text: &str, boundary: &str) -> Vec<InnerResponse> {
    let delim = format!("--{boundary}");
    let mut out = Vec::new();
    for chunk in text.split(&delim).skip(1) {
        if chunk.starts_with("--") {
            break;
        }
        let (mime, rest) = chunk
            .trim_start_matches("\r\n")
            .split_once("\r\n\r\n")
            .expect("part headers end");
        if let Some(inner) = mime.split("boundary=").nth(1) {
            out.extend(parse_multipart(rest, inner.trim()));
            continue;
        }
        let content_id = mime
            .lines()
            .find_map(|l| l.strip_prefix("Content-ID: ").map(str::to_string));
        let (head, body) = rest.split_once("\r\n\r\n").unwrap_or((rest, ""));
        let status = head
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .expect("a status line");
        out.push(InnerResponse {
            content_id,
            status,
            head: head.to_string(),
            body: body.trim_end().to_string(),
        });
    }
    out
}

/// Sends a raw batch body with `content_type`.
pub async fn send_batch(
    env: &Env,
    content_type: &str,
    body: String,
    prefer: Option<&str>,
) -> Reply {
    let mut rb = env
        .http
        .post(env.api("$batch"))
        .bearer_auth(&env.token)
        .header("Content-Type", content_type)
        .header("Accept", "application/json")
        .header("OData-MaxVersion", "4.0")
        .header("OData-Version", "4.0");
    if let Some(p) = prefer {
        rb = rb.header("Prefer", p);
    }
    reply(rb.body(body).send().await.expect("the batch is answered")).await
}

pub fn part(
    method: &str,
    url: &str,
    body: Option<serde_json::Value>,
    content_id: Option<u32>,
) -> String {
    let mut s =
        String::from("Content-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n");
    if let Some(id) = content_id {
        s.push_str(&format!("Content-ID: {id}\r\n"));
    }
    s.push_str(&format!("\r\n{method} {url} HTTP/1.1\r\n"));
    match body {
        Some(b) => s.push_str(&format!(
            "Content-Type: application/json; type=entry\r\n\r\n{b}\r\n"
        )),
        None => s.push_str("\r\n\r\n"),
    }
    s
}

pub fn changeset(cs: &str, parts: &[String]) -> String {
    let mut s = format!("Content-Type: multipart/mixed; boundary={cs}\r\n\r\n");
    for p in parts {
        s.push_str(&format!("--{cs}\r\n{p}"));
    }
    s.push_str(&format!("--{cs}--\r\n"));
    s
}

pub fn batch(b: &str, items: &[String]) -> String {
    let mut s = String::new();
    for i in items {
        s.push_str(&format!("--{b}\r\n{i}"));
    }
    s.push_str(&format!("--{b}--\r\n"));
    s
}

#[tokio::test]
async fn a_change_set_commits_together_and_content_id_references_resolve() {
    let env = Env::fast().await;
    let abs = env.api("contacts");
    let cs = changeset(
        "changeset_1",
        &[
            part(
                "POST",
                "/api/data/v9.2/contacts",
                Some(json!({"lastname": "Ref"})),
                Some(1),
            ),
            part(
                "POST",
                &env.api("accounts"),
                Some(json!({"name": "Co", "primarycontactid@odata.bind": "$1"})),
                Some(2),
            ),
            part(
                "PATCH",
                "$1",
                Some(json!({"firstname": "Patched"})),
                Some(3),
            ),
        ],
    );
    let body = batch(
        "batch_x",
        &[
            cs,
            part("GET", &format!("{abs}?$select=fullname"), None, None),
        ],
    );
    let r = send_batch(&env, "multipart/mixed; boundary=\"batch_x\"", body, None).await;
    assert_eq!(r.status, 200, "the batch succeeds: {}", r.text);
    let parts = parse_batch(&r);
    assert_eq!(
        parts.len(),
        4,
        "three change-set parts and one GET: {parts:?}"
    );
    assert_eq!(
        parts[0].content_id.as_deref(),
        Some("1"),
        "Content-ID is echoed"
    );
    assert!(
        parts[0].head.contains("OData-EntityId: ") && parts[0].head.contains("Location: "),
        "204 parts carry both URLs: {}",
        parts[0].head
    );
    assert_eq!(
        parts[3].status, 200,
        "the GET outside the change set answers 200"
    );
    let got: serde_json::Value =
        serde_json::from_str(&parts[3].body).expect("the GET body is JSON");
    assert_eq!(
        got["value"][0]["fullname"], "Patched Ref",
        "the $1 URL reference patched the contact: {got}"
    );
    let accounts = env
        .send("GET", "accounts?$select=_primarycontactid_value", None, &[])
        .await
        .json();
    assert!(
        accounts["value"][0]["_primarycontactid_value"].is_string(),
        "the $1 body reference bound the lookup: {accounts}"
    );
}

#[tokio::test]
async fn a_failing_change_set_rolls_back_and_stops_the_batch_with_400() {
    let env = Env::fast().await;
    let cs = changeset(
        "cs",
        &[
            part(
                "POST",
                "/api/data/v9.2/contacts",
                Some(json!({"lastname": "Kept?"})),
                Some(1),
            ),
            part(
                "POST",
                "/api/data/v9.2/contacts",
                Some(json!({"lastname": "x".repeat(51)})),
                Some(2),
            ),
        ],
    );
    let after = part(
        "POST",
        "/api/data/v9.2/accounts",
        Some(json!({"name": "never"})),
        None,
    );
    let r = send_batch(
        &env,
        "multipart/mixed; boundary=b",
        batch("b", &[cs, after]),
        None,
    )
    .await;
    assert_eq!(
        r.status, 400,
        "without continue-on-error the batch answers 400: {}",
        r.text
    );
    let parts = parse_batch(&r);
    assert_eq!(
        parts.len(),
        1,
        "only the failing part is returned: {parts:?}"
    );
    assert!(
        parts[0].body.contains("0x80044331"),
        "the failure is the MaxLength error: {}",
        parts[0].body
    );
    let counts = env.admin("counts").await;
    assert_eq!(
        (counts["contact"].as_u64(), counts["account"].as_u64()),
        (Some(0), Some(0)),
        "nothing was kept: {counts}"
    );
}

#[tokio::test]
async fn continue_on_error_reports_failures_inline_and_keeps_the_rest() {
    let env = Env::fast().await;
    let items = vec![
        part(
            "POST",
            "/api/data/v9.2/contacts",
            Some(json!({"nosuch": 1})),
            None,
        ),
        part(
            "POST",
            "/api/data/v9.2/contacts",
            Some(json!({"lastname": "ok"})),
            None,
        ),
    ];
    let r = send_batch(
        &env,
        "multipart/mixed; boundary=b",
        batch("b", &items),
        Some("odata.continue-on-error"),
    )
    .await;
    assert_eq!(r.status, 200, "continue-on-error answers 200: {}", r.text);
    let statuses: Vec<u16> = parse_batch(&r).iter().map(|p| p.status).collect();
    assert_eq!(
        statuses,
        vec![400, 204],
        "the failure is inline, the success follows"
    );
    assert_eq!(
        env.admin("counts").await["contact"],
        1,
        "the good part was stored"
    );
}

#[tokio::test]
async fn the_parser_tolerates_preambles_lf_line_ends_and_any_content_ids() {
    let env = Env::fast().await;
    let body = "This is a preamble.\n--b\nContent-Type: multipart/mixed;boundary=\"c\"\n\n--c\nContent-Type: application/http\nContent-ID: 41\n\nPOST contacts HTTP/1.1\nContent-Type: application/json\n\n{\"lastname\":\"LF\"}\n--c\nContent-Type: application/http\nContent-ID: 42\n\nPATCH $41 HTTP/1.1\nContent-Type: application/json\n\n{\"firstname\":\"Only\"}\n--c--\n--b--\n";
    let r = send_batch(&env, "multipart/mixed;boundary=b", body.to_string(), None).await;
    assert_eq!(
        r.status, 200,
        "LF, a preamble, a bare boundary and Content-ID 41 work: {}",
        r.text
    );
    let ids: Vec<Option<String>> = parse_batch(&r).into_iter().map(|p| p.content_id).collect();
    assert_eq!(
        ids,
        vec![Some("41".into()), Some("42".into())],
        "Content-IDs are echoed as sent"
    );
}

#[tokio::test]
async fn references_before_declaration_and_batches_over_1000_are_refused() {
    let env = Env::fast().await;
    let cs = changeset(
        "cs",
        &[part("PATCH", "$9", Some(json!({"lastname": "x"})), Some(1))],
    );
    let r = send_batch(&env, "multipart/mixed; boundary=b", batch("b", &[cs]), None).await;
    let parts = parse_batch(&r);
    assert!(
        parts[0]
            .body
            .contains("Content-ID Reference: '$9' does not exist in the batch context."),
        "the documented message: {}",
        parts[0].body
    );
    let many: Vec<String> = (0..1001)
        .map(|_| part("POST", "/api/data/v9.2/contacts", Some(json!({})), None))
        .collect();
    let r = send_batch(&env, "multipart/mixed; boundary=b", batch("b", &many), None).await;
    assert_eq!(r.status, 400, "1,001 requests exceed the limit: {}", r.text);
    assert_eq!(
        env.admin("counts").await["contact"],
        0,
        "nothing of the oversized batch ran"
    );
}

#[tokio::test]
async fn malformed_batches_get_400s_and_the_sandbox_keeps_answering() {
    let env = Env::fast().await;
    let cases = [
        ("multipart/mixed", "--b\r\n\r\nPOST /api/data/v9.2/contacts HTTP/1.1\r\n\r\n{}\r\n--b--".to_string()),
        ("multipart/mixed; boundary=b", "--b\r\nContent-Type: application/http\r\n\r\nPOST\r\n--b--".to_string()),
        ("multipart/mixed; boundary=b", "--b\r\nContent-Type: application/http\r\n\r\nPOST /api/data/v9.2/contacts HTTP/1.1\r\n\r\n{\"lastname\":".to_string()),
        ("application/json", "{\"requests\":[]}".to_string()),
    ];
    for (content_type, body) in cases {
        let r = send_batch(&env, content_type, body.clone(), None).await;
        assert_eq!(
            r.status, 400,
            "{content_type} / {body:?} is refused: {}",
            r.text
        );
    }
    assert_eq!(
        env.send("GET", "WhoAmI", None, &[]).await.status,
        200,
        "the sandbox still answers"
    );
    assert_eq!(
        env.admin("counts").await["contact"],
        0,
        "no malformed part stored anything"
    );
}
