//! The HTTP side of talking to Dataverse: one reqwest client per destination, the bearer token
//! on every request, a renewal and replay after a 401, retries with backoff for what
//! [`super::retry`] says can succeed, and a shared pause while the server says `Retry-After`.
//!
//! Requests and responses are plain structs so the record, bulk and metadata modules stay free
//! of reqwest. This is the only module that builds a `reqwest::Client`.

use super::auth::{ClientCredentials, TokenSource};
use super::config::ClientConfig;
use super::error::{forbidden, ApiError, DataverseError, Result};
use super::retry::{self, Action, Attempt};
use super::tls::LoopbackScopedVerifier;
pub use super::transport::{network_failure, standard_headers, Endpoint};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Dataverse's documented ceiling on concurrent requests per user.
pub const MAX_PARALLELISM: u32 = 52;

/// The error code of a 429 for too many requests in flight at once (the other two limits,
/// requests and execution time per window, have codes of their own).
const CONCURRENCY_LIMIT: &str = "0x80072326";

/// One Web API request, relative to `<org>/api/data/vX.Y/`.
#[derive(Debug, Clone)]
pub struct Request {
    /// `GET`, `POST`, `PATCH`, `DELETE`…
    pub method: reqwest::Method,
    /// Path and query after the version segment, already percent-encoded.
    pub path: String,
    /// Extra headers (conditional headers, `Prefer`…).
    pub headers: Vec<(String, String)>,
    /// Body and its content type. `Bytes`, so a retry or a token replay resends the same
    /// buffer instead of copying a body of up to a few hundred kilobytes.
    pub body: Option<(String, bytes::Bytes)>,
}

impl Request {
    /// A request without a body.
    pub fn new(method: reqwest::Method, path: impl Into<String>) -> Request {
        Request {
            method,
            path: path.into(),
            headers: Vec::new(),
            body: None,
        }
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: impl Into<String>) -> Request {
        self.headers.push((name.to_string(), value.into()));
        self
    }

    /// Sets a JSON body.
    pub fn json(self, value: &serde_json::Value) -> Request {
        self.json_bytes(serde_json::to_vec(value).unwrap_or_default())
    }

    /// Sets a JSON body that is already serialised.
    pub fn json_bytes(mut self, body: Vec<u8>) -> Request {
        self.body = Some(("application/json; charset=utf-8".into(), body.into()));
        self
    }
}

/// A request as it goes on the wire, all but the token: the one place its URL and headers are
/// put together, used to send it and to show it (the preview's request view), so what is shown
/// is what is sent.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct WireRequest {
    pub method: String,
    pub url: String,
    /// Every header but `Authorization`, which carries the token and is never shown.
    pub headers: Vec<(String, String)>,
    /// The body as text, when there is one.
    pub body: Option<String>,
}

impl Request {
    /// This request as [`DataverseClient::send`] puts it on the wire for `config`.
    pub fn wire(&self, config: &ClientConfig) -> WireRequest {
        let mut headers: Vec<(String, String)> = standard_headers(config)
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        headers.extend(self.headers.iter().cloned());
        if let Some((ct, _)) = &self.body {
            headers.push(("Content-Type".to_string(), ct.clone()));
        }
        WireRequest {
            method: self.method.to_string(),
            url: format!("{}/{}", config.api_base(), self.path),
            headers,
            body: self
                .body
                .as_ref()
                .map(|(_, b)| String::from_utf8_lossy(b).into_owned()),
        }
    }
}

/// A response Ferry keeps: status, the headers it reads, the body.
#[derive(Debug, Clone)]
pub struct Response {
    /// HTTP status.
    pub status: u16,
    /// Response headers.
    pub headers: reqwest::header::HeaderMap,
    /// Body bytes.
    pub body: Vec<u8>,
}

impl Response {
    /// A header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The body as JSON.
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T> {
        serde_json::from_slice(&self.body)
            .map_err(|e| DataverseError::Protocol(format!("unexpected JSON ({e})")))
    }
}

/// Counters for reports and the benchmark.
#[derive(Debug, Default)]
pub struct Stats {
    /// HTTP requests sent, retries included.
    pub requests: AtomicU64,
    /// Of which answered 429.
    pub throttled: AtomicU64,
    /// Retries of any cause.
    pub retries: AtomicU64,
    /// Token renewals after a 401.
    pub renewals: AtomicU64,
}

/// A signed-in connection to one Dataverse organisation.
pub struct DataverseClient {
    http: reqwest::Client,
    config: Arc<ClientConfig>,
    tokens: Arc<dyn TokenSource>,
    dop_hint: AtomicU32,
    paused_until: Mutex<Option<Instant>>,
    inflight: tokio::sync::Semaphore,
    pacer: super::pace::Pacer,
    /// Counters.
    pub stats: Stats,
}

/// Builds the reqwest client: rustls on ring with the platform's roots, plus the configured CA
/// for loopback servers only (see [`super::tls`]), no redirects (a redirected token request
/// could carry the secret elsewhere), no cookies (so parallel requests are not pinned to one
/// web server).
// NOTE: the one place allowed to build a reqwest client (clippy.toml), so every call to
// Dataverse gets these settings.
#[allow(clippy::disallowed_methods)]
pub fn http_client(config: &ClientConfig) -> Result<reqwest::Client> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::CertificateDer;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut extra = Vec::new();
    if let Some(pem) = &config.extra_ca_pem {
        for cert in CertificateDer::pem_slice_iter(pem.as_bytes()) {
            extra.push(cert.map_err(|_| {
                DataverseError::Config("The extra trusted CA is not a PEM certificate.".into())
            })?);
        }
    }
    let verifier = LoopbackScopedVerifier::new(extra, provider.clone())
        .map_err(|e| DataverseError::Config(format!("TLS roots could not be loaded: {e}")))?;
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| DataverseError::Config(format!("TLS could not be set up: {e}")))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .redirect(reqwest::redirect::Policy::none())
        .dns_resolver(config.resolver.shared())
        .timeout(config.timeout)
        .connect_timeout(Duration::from_secs(20))
        .pool_max_idle_per_host(MAX_PARALLELISM as usize)
        .build()
        .map_err(|e| DataverseError::Config(format!("The HTTP client could not start: {e}")))
}

impl DataverseClient {
    /// A client that signs in with the config's client credentials.
    pub fn new(config: ClientConfig) -> Result<DataverseClient> {
        config.check()?;
        let http = http_client(&config)?;
        let config = Arc::new(config);
        let tokens = Arc::new(ClientCredentials::new(http.clone(), config.clone()));
        Ok(Self::assemble(http, config, tokens))
    }

    /// A client with another token source (tests, or a shared cache).
    pub fn with_token_source(
        config: ClientConfig,
        tokens: Arc<dyn TokenSource>,
    ) -> Result<DataverseClient> {
        config.check()?;
        let http = http_client(&config)?;
        Ok(Self::assemble(http, Arc::new(config), tokens))
    }

    fn assemble(
        http: reqwest::Client,
        config: Arc<ClientConfig>,
        tokens: Arc<dyn TokenSource>,
    ) -> DataverseClient {
        DataverseClient {
            http,
            config,
            tokens,
            dop_hint: AtomicU32::new(0),
            paused_until: Mutex::new(None),
            inflight: tokio::sync::Semaphore::new(MAX_PARALLELISM as usize),
            pacer: super::pace::Pacer::default(),
            stats: Stats::default(),
        }
    }

    /// The settings.
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// The server's last `x-ms-dop-hint`, capped at [`MAX_PARALLELISM`]; 0 before any answer.
    pub fn dop_hint(&self) -> u32 {
        self.dop_hint.load(Ordering::Relaxed)
    }

    /// Parallelism to use: the server's hint (or 4 before it gave one), at most 52.
    pub fn parallelism(&self) -> usize {
        match self.dop_hint() {
            0 => 4,
            n => n.min(MAX_PARALLELISM) as usize,
        }
    }

    /// Signs in now (or uses the cached token) without calling Dataverse.
    pub async fn sign_in(&self) -> Result<()> {
        self.tokens.token(false).await.map(|_| ())
    }

    async fn wait_if_paused(&self) {
        let until = *self.paused_until.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(t) = until {
            let now = Instant::now();
            if t > now {
                tokio::time::sleep(t - now).await;
            }
        }
    }

    /// How long every request of this client still waits because Dataverse asked it to slow
    /// down (`Retry-After` on a 429); `None` when it does not wait.
    pub fn paused_for(&self) -> Option<Duration> {
        let until = *self.paused_until.lock().unwrap_or_else(|p| p.into_inner());
        until
            .and_then(|t| t.checked_duration_since(Instant::now()))
            .filter(|d| !d.is_zero())
    }

    /// How long requests are held back to stay inside the service-protection budget the
    /// server reports (see [`super::pace`]); `None` when they are not.
    pub fn pacing_for(&self) -> Option<Duration> {
        self.pacer.holding()
    }

    /// The service-protection budgets the server has reported for this client's user, once
    /// it has reported both.
    pub fn budgets(&self) -> Option<super::pace::Budgets> {
        self.pacer.budgets()
    }

    fn pause_for(&self, d: Duration) {
        let mut p = self.paused_until.lock().unwrap_or_else(|p| p.into_inner());
        let until = Instant::now() + d;
        if p.is_none_or(|t| t < until) {
            *p = Some(until);
        }
    }

    /// Sends once with the token; on 401 renews the token once and replays.
    async fn send_signed(&self, req: &Request) -> Result<Response> {
        let mut renewed = false;
        loop {
            let token = self.tokens.token(renewed).await?;
            let wire = req.wire(&self.config);
            let url = wire.url;
            let mut b = self
                .http
                .request(req.method.clone(), &url)
                .header("Authorization", token.bearer());
            for (k, v) in &wire.headers {
                b = b.header(k.as_str(), v.as_str());
            }
            if let Some((_, body)) = &req.body {
                // NOTE: the buffer itself, not the wire's text copy: a retry resends it as is.
                b = b.body(body.clone());
            }
            self.stats.requests.fetch_add(1, Ordering::Relaxed);
            // NOTE: a hard ceiling across every caller sharing this client: Dataverse refuses
            // the 53rd concurrent request of a user outright.
            let _permit = self
                .inflight
                .acquire()
                .await
                .map_err(|_| DataverseError::Protocol("the client is shutting down".into()))?;
            let org = Endpoint::Organisation;
            let r = match b.send().await {
                Ok(r) => r,
                Err(e) => return Err(network_failure(&e, &url, org, &self.config).await),
            };
            let status = r.status().as_u16();
            let headers = r.headers().clone();
            let body = match r.bytes().await {
                Ok(b) => b.to_vec(),
                Err(e) => return Err(network_failure(&e, &url, org, &self.config).await),
            };
            if let Some(hint) = headers
                .get("x-ms-dop-hint")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u32>().ok())
            {
                self.dop_hint
                    .store(hint.clamp(1, MAX_PARALLELISM), Ordering::Relaxed);
            }
            if status == 401 && !renewed {
                // NOTE: tokens can expire between our check and the server's; renew once.
                renewed = true;
                self.stats.renewals.fetch_add(1, Ordering::Relaxed);
                continue;
            }
            return Ok(Response {
                status,
                headers,
                body,
            });
        }
    }

    /// Sends `req`, retrying what can succeed; a non-2xx final answer becomes an error.
    pub async fn send(&self, req: &Request) -> Result<Response> {
        let mut attempt = 0u32;
        loop {
            self.wait_if_paused().await;
            let mut held = Held {
                pacer: &self.pacer,
                ticket: if self.config.pace {
                    Some(self.pacer.admit().await)
                } else {
                    None
                },
            };
            let started = Instant::now();
            let result = self.send_signed(req).await;
            let (time_left, requests_left) = match &result {
                Ok(r) => (
                    r.header("x-ms-ratelimit-time-remaining-xrm-requests")
                        .and_then(super::pace::parse_seconds),
                    r.header("x-ms-ratelimit-burst-remaining-xrm-requests")
                        .and_then(super::pace::parse_seconds),
                ),
                Err(_) => (None, None),
            };
            if let Some(ticket) = held.ticket.take() {
                self.pacer
                    .settle(ticket, started.elapsed(), time_left, requests_left);
            }
            let classified = match &result {
                Ok(r) => Attempt::Answered {
                    status: r.status,
                    retry_after: r.header("retry-after").and_then(retry::parse_retry_after),
                },
                Err(DataverseError::Network { kind, .. }) => Attempt::Transport(*kind),
                Err(_) => return result,
            };
            if let Attempt::Answered { status: 429, .. } = classified {
                self.stats.throttled.fetch_add(1, Ordering::Relaxed);
                if let Ok(r) = &result {
                    if ApiError::parse(r.status, &r.body)
                        .code
                        .eq_ignore_ascii_case(CONCURRENCY_LIMIT)
                    {
                        self.pacer.refused_for_concurrency();
                    }
                }
            }
            match retry::classify(classified) {
                Action::Success => return result,
                Action::Retry { after } if attempt + 1 < self.config.max_attempts => {
                    let wait = retry::backoff(attempt, after, retry::random_jitter());
                    if after.is_some() {
                        // NOTE: throttling is per user: every worker of this client waits.
                        self.pause_for(wait);
                    } else {
                        tokio::time::sleep(wait).await;
                    }
                    self.stats.retries.fetch_add(1, Ordering::Relaxed);
                    attempt += 1;
                }
                _ => return result.and_then(|r| Err(self.status_error(&r))),
            }
        }
    }

    /// The error for a final non-2xx response.
    pub fn status_error(&self, r: &Response) -> DataverseError {
        let api = ApiError::parse(r.status, &r.body);
        match r.status {
            401 | 403 => forbidden(api, &self.config.client_id),
            429 => DataverseError::Throttled(api),
            _ => DataverseError::Api(api),
        }
    }
}

/// A request's place with the pacer while it is in flight; a request whose future is dropped
/// before its answer (a caller that gave up) gives its place back here.
struct Held<'a> {
    pacer: &'a super::pace::Pacer,
    ticket: Option<super::pace::Ticket>,
}

impl Drop for Held<'_> {
    fn drop(&mut self) {
        if let Some(t) = self.ticket.take() {
            self.pacer.release(t);
        }
    }
}

/// `WhoAmI`'s answer.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct WhoAmI {
    /// The organisation (environment) id.
    pub organization_id: String,
    /// The application user's systemuserid.
    pub user_id: String,
    /// Its business unit.
    pub business_unit_id: String,
}

impl DataverseClient {
    /// Calls `WhoAmI`: proves sign-in, the application user and the URL in one request, and
    /// learns the server's recommended parallelism.
    pub async fn who_am_i(&self) -> Result<WhoAmI> {
        match self
            .send(&Request::new(reqwest::Method::GET, "WhoAmI"))
            .await
        {
            Ok(r) => r.json(),
            // NOTE: WhoAmI exists in every environment and version, so a 404 means the URL
            // (organisation, region or version) is wrong, not that the function is missing.
            Err(DataverseError::Api(api)) if api.status == 404 => {
                Err(DataverseError::Api(ApiError {
                    message: format!(
                        "Nothing answers at {}: check the Dynamics URL (organisation and \
                         region) and the Web API version. The server said: {}",
                        self.config.api_base(),
                        api.message
                    ),
                    ..api
                }))
            }
            Err(e) => Err(e),
        }
    }
}

/// `RetrieveCurrentOrganization`'s answer, the part Ferry shows: the names the organisation
/// goes by (WhoAmI gives only its id).
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct OrganizationDetail {
    /// The environment's display name, e.g. "Contoso Sales".
    #[serde(default)]
    pub friendly_name: String,
    /// Its unique name, e.g. `unq1234…` or `contoso`.
    #[serde(default)]
    pub unique_name: String,
}

impl DataverseClient {
    /// Calls `RetrieveCurrentOrganization`: the organisation's names, for people who do not
    /// recognise it by its id.
    pub async fn current_organization(&self) -> Result<OrganizationDetail> {
        #[derive(serde::Deserialize)]
        #[serde(rename_all = "PascalCase")]
        struct Reply {
            detail: OrganizationDetail,
        }
        let path = "RetrieveCurrentOrganization(AccessType=@p1)\
                    ?@p1=Microsoft.Dynamics.CRM.EndpointAccessType'Default'";
        let r = self.send(&Request::new(reqwest::Method::GET, path)).await?;
        Ok(r.json::<Reply>()?.detail)
    }
}
