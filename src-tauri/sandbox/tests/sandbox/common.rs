//! Shared helpers: start a sandbox, sign in, and send Web API requests.

use ferry_sandbox::{Sandbox, SandboxConfig, SandboxHandle};
use reqwest::header::HeaderMap;
use serde_json::{json, Value};

/// A running sandbox with a signed-in HTTP client.
pub struct Env {
    pub sb: SandboxHandle,
    pub http: reqwest::Client,
    pub token: String,
}

/// A response reduced to what tests look at.
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub text: String,
}

impl Reply {
    /// The body as JSON (Null when empty or not JSON).
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or(Value::Null)
    }

    /// A header value as text.
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    }

    /// `error.code` of a Dataverse error body.
    pub fn error_code(&self) -> String {
        self.json()["error"]["code"]
            .as_str()
            .unwrap_or("")
            .to_string()
    }
}

/// An HTTP client (rustls on ring, as in ferry-core) that trusts only the sandbox's CA.
// NOTE: a plain client, not Ferry's, on purpose: the sandbox must answer any client.
#[allow(clippy::disallowed_methods)]
pub fn client(sb: &SandboxHandle) -> reqwest::Client {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::CertificateDer;
    let mut roots = rustls::RootCertStore::empty();
    if let Some(pem) = &sb.ca_certificate_pem {
        for cert in CertificateDer::pem_slice_iter(pem.as_bytes()) {
            roots
                .add(cert.expect("the CA PEM parses"))
                .expect("the CA is a usable root");
        }
    }
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("TLS versions are available")
        .with_root_certificates(roots)
        .with_no_client_auth();
    reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("the client builds")
}

/// Form-encodes pairs.
pub fn form(pairs: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

/// Posts a client-credentials form to `url`.
pub async fn post_form(http: &reqwest::Client, url: &str, pairs: &[(&str, &str)]) -> Reply {
    let r = http
        .post(url)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(form(pairs))
        .send()
        .await
        .expect("the token endpoint answers");
    reply(r).await
}

pub async fn reply(r: reqwest::Response) -> Reply {
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let text = r.text().await.expect("the body reads");
    Reply {
        status,
        headers,
        text,
    }
}

/// Signs in with the sandbox's own credentials.
pub async fn sign_in(http: &reqwest::Client, sb: &SandboxHandle) -> String {
    let scope = sb.scope();
    let r = post_form(
        http,
        &sb.token_url(),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &sb.client_id),
            ("client_secret", &sb.client_secret),
            ("scope", &scope),
        ],
    )
    .await;
    assert_eq!(r.status, 200, "sign-in succeeds: {}", r.text);
    r.json()["access_token"]
        .as_str()
        .expect("a token is issued")
        .to_string()
}

impl Env {
    /// A fresh in-memory sandbox in the `fast` profile, signed in.
    pub async fn fast() -> Self {
        Self::with(SandboxConfig::for_profile(ferry_sandbox::Profile::Fast)).await
    }

    /// A sandbox with `config`, signed in.
    pub async fn with(config: SandboxConfig) -> Self {
        let sb = Sandbox::start(config).expect("the sandbox starts");
        let http = client(&sb);
        let token = sign_in(&http, &sb).await;
        Self { sb, http, token }
    }

    /// `{base}/api/data/v9.2/{path}`.
    pub fn api(&self, path: &str) -> String {
        format!("{}/api/data/v9.2/{path}", self.sb.base_url)
    }

    /// Sends a Web API request with the usual OData headers.
    pub async fn send(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> Reply {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("a valid method");
        let mut rb = self
            .http
            .request(method, self.api(path))
            .bearer_auth(&self.token)
            .header("Accept", "application/json")
            .header("OData-MaxVersion", "4.0")
            .header("OData-Version", "4.0");
        for (k, v) in headers {
            rb = rb.header(*k, *v);
        }
        if let Some(b) = body {
            rb = rb
                .header("Content-Type", "application/json; charset=utf-8")
                .body(b.to_string());
        }
        reply(rb.send().await.expect("the sandbox answers")).await
    }

    /// GETs an absolute Web API URL (a next link) with the usual headers.
    pub async fn get_url(&self, url: &str, headers: &[(&str, &str)]) -> Reply {
        let mut rb = self
            .http
            .get(url)
            .bearer_auth(&self.token)
            .header("Accept", "application/json")
            .header("OData-Version", "4.0");
        for (k, v) in headers {
            rb = rb.header(*k, *v);
        }
        reply(rb.send().await.expect("the sandbox answers")).await
    }

    /// The collection-valued navigation property on the target of `table`'s lookup `nav`,
    /// read from the sandbox's own metadata.
    pub async fn schema_collection_nav(&self, table: &str, nav: &str) -> String {
        let r = self
            .send(
                "GET",
                &format!("EntityDefinitions(LogicalName='{table}')/ManyToOneRelationships"),
                None,
                &[],
            )
            .await;
        r.json()["value"]
            .as_array()
            .expect("relationships")
            .iter()
            .find(|rel| rel["ReferencingEntityNavigationPropertyName"] == nav)
            .and_then(|rel| rel["ReferencedEntityNavigationPropertyName"].as_str())
            .expect("the relationship is listed")
            .to_string()
    }

    /// Fetches `/_sandbox/{path}` as JSON, with the admin key.
    pub async fn admin(&self, path: &str) -> Value {
        let r = self
            .http
            .get(format!("{}/_sandbox/{path}", self.sb.base_url))
            .header(ferry_sandbox::ADMIN_KEY_HEADER, &self.sb.admin_key)
            .send()
            .await
            .expect("the admin surface answers");
        r.json().await.expect("admin answers JSON")
    }

    /// Posts `body` to `/_sandbox/{path}` with the admin key.
    pub async fn admin_post(&self, path: &str, body: &str) -> Reply {
        let r = self
            .http
            .post(format!("{}/_sandbox/{path}", self.sb.base_url))
            .header(ferry_sandbox::ADMIN_KEY_HEADER, &self.sb.admin_key)
            .body(body.to_string())
            .send()
            .await
            .expect("the admin surface answers");
        reply(r).await
    }
}

/// The id inside an `OData-EntityId` URL.
pub fn id_from_entity_url(url: &str) -> String {
    let open = url.rfind('(').expect("the URL has a key");
    url[open + 1..url.len() - 1].to_string()
}

/// A raw loopback TCP connection to `sb`, for requests no HTTP client would send.
pub fn raw(sb: &SandboxHandle) -> std::net::TcpStream {
    let addr = sb
        .base_url
        .strip_prefix("http://")
        .expect("raw requests need a plain-HTTP sandbox");
    let stream = std::net::TcpStream::connect(addr).expect("the sandbox accepts connections");
    // NOTE: a generous bound, not a measurement: every read that should be answered or closed
    // must finish well before it, and a hang fails the test instead of blocking it forever.
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(20)))
        .expect("a read timeout can be set");
    stream
}

/// `host:port` of a plain-HTTP sandbox, as its Host header must read.
pub fn authority(sb: &SandboxHandle) -> String {
    sb.base_url.trim_start_matches("http://").to_string()
}

/// Reads what the server sends until it closes the connection; `Err` if it never does.
pub fn read_until_closed(stream: &mut std::net::TcpStream) -> std::io::Result<String> {
    use std::io::Read;
    let mut out = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => out.extend_from_slice(&buf[..n]),
            // A reset after the answer still means "closed".
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => break,
            Err(e) => return Err(e),
        }
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// The status code of a raw HTTP/1.1 response (0 when there is none).
pub fn status_of(response: &str) -> u16 {
    response
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

/// Writes `rows` contacts through CreateMultiple, 1,000 per request.
pub async fn seed_contacts(env: &Env, rows: Vec<Value>) {
    for chunk in rows.chunks(1000) {
        let targets: Vec<Value> = chunk
            .iter()
            .map(|r| {
                let mut r = r.clone();
                r["@odata.type"] = json!("Microsoft.Dynamics.CRM.contact");
                r
            })
            .collect();
        let r = env
            .send(
                "POST",
                "contacts/Microsoft.Dynamics.CRM.CreateMultiple",
                Some(&json!({ "Targets": targets })),
                &[],
            )
            .await;
        assert_eq!(r.status, 200, "seeding works: {}", r.text);
    }
}

/// `n` contacts with predictable names, e-mails and child counts.
pub fn numbered_contacts(n: usize) -> Vec<Value> {
    (0..n)
        .map(|i| {
            json!({
                "firstname": format!("F{}", i % 7),
                "lastname": format!("L{:05}", i),
                "emailaddress1": format!("c{i}@example.com"),
                "numberofchildren": (i % 5) as i64,
            })
        })
        .collect()
}
