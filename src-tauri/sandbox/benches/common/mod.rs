//! What both sandbox benches need: a bare HTTP client, sign-in, and the process's memory.

use serde_json::Value;

/// A plain reqwest client with rustls on ring and no roots: the benches talk plain HTTP to
/// loopback. Bare, so the figures are the sandbox's and not Ferry's client's.
pub fn client() -> reqwest::Client {
    let tls = rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("TLS versions are available")
    .with_root_certificates(rustls::RootCertStore::empty())
    .with_no_client_auth();
    #[allow(clippy::disallowed_methods)]
    reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .build()
        .expect("the client builds")
}

/// A client-credentials token for `sb`.
pub async fn sign_in(http: &reqwest::Client, sb: &ferry_sandbox::SandboxHandle) -> String {
    let form = form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("grant_type", "client_credentials"),
            ("client_id", sb.client_id.as_str()),
            ("client_secret", sb.client_secret.as_str()),
            ("scope", sb.scope().as_str()),
        ])
        .finish();
    let r: Value = http
        .post(sb.token_url())
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await
        .expect("sign-in answers")
        .json()
        .await
        .expect("a token body");
    r["access_token"].as_str().expect("a token").to_string()
}

/// A `/proc/self/status` memory field in MiB (0 where /proc is missing).
pub fn rss_mib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<u64>().ok())
        .map(|kb| kb / 1024)
        .unwrap_or(0)
}
