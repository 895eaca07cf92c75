//! Shared by the Dataverse integration tests: start a sandbox with a temporary data file, build
//! a client for it, make contact rows, and a canned loopback server for what the sandbox does
//! not emulate.

// NOTE: each test binary uses a different subset of these helpers.
#![allow(dead_code)]

use ferry_core::cloud::Cloud;
use ferry_core::dataverse::bulk::{self, BulkRow, RowStatus, TableRef};
use ferry_core::dataverse::{ClientConfig, DataverseClient, KeyValue, RowRef};
use ferry_core::secrets::Secret;
use ferry_sandbox::{Sandbox, SandboxConfig, SandboxHandle};
use serde_json::{json, Map, Value};
use std::sync::Arc;

pub struct Env {
    pub sb: SandboxHandle,
    _dir: tempfile::TempDir,
}

pub fn start(adjust: impl FnOnce(&mut SandboxConfig)) -> Env {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = SandboxConfig::for_profile(ferry_sandbox::Profile::Fast);
    cfg.data_path = Some(dir.path().join("sandbox.sqlite3"));
    adjust(&mut cfg);
    let sb = Sandbox::start(cfg).expect("the sandbox starts");
    Env { sb, _dir: dir }
}

pub fn config(sb: &SandboxHandle) -> ClientConfig {
    let mut c = ClientConfig::new(
        Cloud::LocalSandbox,
        &sb.base_url,
        "9.2",
        &sb.tenant,
        &sb.client_id,
        Secret::new(sb.client_secret.clone()),
    )
    .expect("the sandbox config is valid");
    c.extra_ca_pem = sb.ca_certificate_pem.clone();
    c
}

pub fn client(sb: &SandboxHandle) -> Arc<DataverseClient> {
    Arc::new(DataverseClient::new(config(sb)).expect("the client builds"))
}

pub fn contacts() -> TableRef {
    TableRef {
        logical_name: "contact".into(),
        entity_set: "contacts".into(),
        primary_id: "contactid".into(),
    }
}

pub fn record(pairs: &[(&str, Value)]) -> Map<String, Value> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

pub fn email_key(email: &str) -> RowRef {
    RowRef::Key(vec![("emailaddress1".into(), KeyValue::Text(email.into()))])
}

pub fn contact_rows(n: usize) -> Vec<BulkRow> {
    (0..n)
        .map(|i| BulkRow {
            index: i,
            row: Some(email_key(&format!("person{i}@example.com"))),
            record: record(&[("lastname", json!(format!("Person {i}")))]),
        })
        .collect()
}

pub fn delivered(outcomes: &[bulk::RowOutcome]) -> usize {
    outcomes
        .iter()
        .filter(|o| matches!(o.status, RowStatus::Delivered(_)))
        .count()
}

/// A loopback server with canned answers, for what the sandbox does not emulate (security
/// roles): the token endpoint signs anyone in; every Web API request gets `api_status` and
/// `api_body`. Each connection answers one request and closes.
pub fn canned_server(api_status: u16, api_body: &'static str) -> String {
    canned_server_with_token(
        r#"{"token_type":"Bearer","expires_in":3599,"access_token":"canned"}"#,
        api_status,
        api_body,
    )
}

/// Like [`canned_server`], with `token_reply` as the token endpoint's answer.
pub fn canned_server_with_token(
    token_reply: &'static str,
    api_status: u16,
    api_body: &'static str,
) -> String {
    use std::io::{BufRead, BufReader, Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { break };
            let mut reader = BufReader::new(stream);
            let (mut first, mut length) = (String::new(), 0usize);
            reader.read_line(&mut first).unwrap_or(0);
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap_or(0);
                }
            }
            let mut body = vec![0; length];
            let _ = reader.read_exact(&mut body);
            let (status, reply) = if first.contains("/oauth2/v2.0/token") {
                (200, token_reply)
            } else {
                (api_status, api_body)
            };
            let _ = write!(
                reader.get_mut(),
                "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
                 Connection: close\r\n\r\n{reply}",
                reply.len()
            );
        }
    });
    url
}

pub fn canned_client(url: &str) -> DataverseClient {
    let cfg = ClientConfig::new(
        Cloud::LocalSandbox,
        url,
        "9.2",
        "t",
        "app-id",
        Secret::new("s"),
    )
    .unwrap();
    DataverseClient::new(cfg).unwrap()
}
