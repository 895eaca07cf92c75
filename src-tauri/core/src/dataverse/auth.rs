//! Access tokens: where the client gets them ([`TokenSource`]) and the one real source,
//! OAuth 2.0 client credentials against Entra ID (or the sandbox's look-alike).
//!
//! A token is cached for its credential and resource (one [`ClientCredentials`] per pair) and
//! renewed before it expires: five minutes early, or at half its life for short-lived tokens.
//! A caller that got a 401 asks for a renewal once. This module never logs, formats or returns
//! the secret or a token's text; [`AccessToken`] prints as `<redacted>`.
//!
//! The server's `expires_in` is untrusted input: it is clamped to [`MAX_TOKEN_LIFETIME`], so a
//! huge value can neither overflow the clock nor keep a token cached for ever. The cache reads
//! time through a [`Clock`], so tests can move time on without sleeping.

use super::config::ClientConfig;
use super::error::{auth_error, DataverseError, Result};
use super::transport::{network_failure, Endpoint};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

/// The longest a token is kept, whatever the server says. Entra issues tokens for 60 to 90
/// minutes; a day leaves room for any real server while bounding a bogus `expires_in`.
pub const MAX_TOKEN_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);

/// Where the token cache reads the time: the monotonic clock, or a test's own.
pub type Clock = Arc<dyn Fn() -> Instant + Send + Sync>;

/// The monotonic clock.
pub fn system_clock() -> Clock {
    Arc::new(Instant::now)
}

/// A bearer token and when to stop using it.
#[derive(Clone)]
pub struct AccessToken {
    value: String,
    /// When the token should be renewed (already minus the safety margin).
    pub renew_at: Instant,
}

impl AccessToken {
    /// A token valid for `lifetime` from now, renewed at the margin [`renew_margin`] before its
    /// end.
    pub fn new(value: impl Into<String>, lifetime: Duration) -> Self {
        Self::issued_at(value, lifetime, Instant::now())
    }

    /// A token issued at `now` and valid for `lifetime`, which is clamped to
    /// [`MAX_TOKEN_LIFETIME`]: never panics, whatever the lifetime.
    pub fn issued_at(value: impl Into<String>, lifetime: Duration, now: Instant) -> Self {
        let lifetime = lifetime.min(MAX_TOKEN_LIFETIME);
        let usable = lifetime.saturating_sub(renew_margin(lifetime));
        AccessToken {
            value: value.into(),
            // NOTE: a day always fits in an Instant in practice; should it not, renewing on
            // every request is the safe failure.
            renew_at: now.checked_add(usable).unwrap_or(now),
        }
    }

    /// The `Authorization` header value.
    pub fn bearer(&self) -> String {
        format!("Bearer {}", self.value)
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AccessToken(<redacted>)")
    }
}

/// How long before expiry a token is renewed: 5 minutes, or half the life of a shorter token.
pub fn renew_margin(lifetime: Duration) -> Duration {
    (lifetime / 2).min(Duration::from_secs(300))
}

/// A future that borrows its source.
pub type TokenFuture<'a> = Pin<Box<dyn Future<Output = Result<AccessToken>> + Send + 'a>>;

/// Where a client gets tokens. Tests can use [`FixedToken`]; the app uses
/// [`ClientCredentials`].
pub trait TokenSource: Send + Sync {
    /// A usable token; `renew` forces a fresh one (after the server answered 401).
    fn token(&self, renew: bool) -> TokenFuture<'_>;
}

/// A token that never changes, for tests against fakes.
#[derive(Debug, Clone)]
pub struct FixedToken(pub AccessToken);

impl TokenSource for FixedToken {
    fn token(&self, _renew: bool) -> TokenFuture<'_> {
        let t = self.0.clone();
        Box::pin(async move { Ok(t) })
    }
}

/// Client-credentials sign-in for one credential and one resource, with its cached token.
pub struct ClientCredentials {
    http: reqwest::Client,
    config: Arc<ClientConfig>,
    cached: Mutex<Option<AccessToken>>,
    sign_ins: std::sync::atomic::AtomicU64,
    clock: Clock,
}

impl ClientCredentials {
    /// A source over `http` (which must not follow redirects: a redirected token request could
    /// carry the secret elsewhere).
    pub fn new(http: reqwest::Client, config: Arc<ClientConfig>) -> Self {
        Self::with_clock(http, config, system_clock())
    }

    /// Like [`ClientCredentials::new`], reading the time from `clock` (tests move it on).
    pub fn with_clock(http: reqwest::Client, config: Arc<ClientConfig>, clock: Clock) -> Self {
        ClientCredentials {
            http,
            config,
            cached: Mutex::new(None),
            sign_ins: std::sync::atomic::AtomicU64::new(0),
            clock,
        }
    }

    /// How many tokens this source has requested (for tests and diagnostics).
    pub fn sign_ins(&self) -> u64 {
        self.sign_ins.load(std::sync::atomic::Ordering::Relaxed)
    }

    async fn request(&self) -> Result<AccessToken> {
        #[derive(serde::Deserialize)]
        struct TokenReply {
            access_token: String,
            #[serde(default)]
            expires_in: serde_json::Value,
        }
        let c = &self.config;
        // NOTE: the one place the secret's text is used.
        let form = form_urlencoded::Serializer::new(String::new())
            .append_pair("grant_type", "client_credentials")
            .append_pair("client_id", &c.client_id)
            .append_pair("client_secret", c.client_secret.expose())
            .append_pair("scope", &c.scope)
            .finish();
        self.sign_ins
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let sent = self
            .http
            .post(&c.token_url)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("Accept", "application/json")
            .body(form)
            .send()
            .await;
        let response = match sent {
            Ok(r) => r,
            Err(e) => return Err(network_failure(&e, &c.token_url, Endpoint::SignIn, c).await),
        };
        let status = response.status().as_u16();
        let body = match response.bytes().await {
            Ok(b) => b,
            Err(e) => return Err(network_failure(&e, &c.token_url, Endpoint::SignIn, c).await),
        };
        if !(200..300).contains(&status) {
            if (300..400).contains(&status) || status == 404 {
                return Err(DataverseError::Config(format!(
                    "The sign-in address {} answered HTTP {status}: it is not a token endpoint. \
                     Check the destination's cloud and tenant.",
                    c.token_url
                )));
            }
            return Err(auth_error(status, &body, &c.tenant, &c.client_id));
        }
        let reply: TokenReply = serde_json::from_slice(&body).map_err(|_| {
            DataverseError::Protocol("the sign-in reply has no access token".into())
        })?;
        Ok(AccessToken::issued_at(
            reply.access_token,
            token_lifetime(&reply.expires_in),
            (self.clock)(),
        ))
    }
}

/// The lifetime a token reply announces in `expires_in`: v2.0 sends a number, v1 a string.
/// Anything else (missing, negative, fractional, absurd) counts as Entra's usual hour, and
/// what is left is clamped by [`AccessToken::issued_at`].
pub fn token_lifetime(expires_in: &serde_json::Value) -> Duration {
    let secs = match expires_in {
        serde_json::Value::Number(n) => n.as_u64(),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    };
    Duration::from_secs(secs.unwrap_or(3599))
}

impl TokenSource for ClientCredentials {
    fn token(&self, renew: bool) -> TokenFuture<'_> {
        Box::pin(async move {
            // NOTE: holding the lock while signing in makes concurrent callers wait for one
            // sign-in instead of each starting their own.
            let mut cached = self.cached.lock().await;
            if let Some(t) = cached.as_ref() {
                if !renew && (self.clock)() < t.renew_at {
                    return Ok(t.clone());
                }
            }
            let fresh = self.request().await?;
            *cached = Some(fresh.clone());
            Ok(fresh)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_tokens_renew_five_minutes_early_and_short_ones_at_half_life() {
        assert_eq!(
            renew_margin(Duration::from_secs(3599)),
            Duration::from_secs(300),
            "an hour-long token renews 5 minutes early"
        );
        assert_eq!(
            renew_margin(Duration::from_secs(60)),
            Duration::from_secs(30),
            "a one-minute token renews at half-life"
        );
    }

    #[test]
    fn a_huge_expires_in_is_clamped_instead_of_overflowing_the_clock() {
        let now = Instant::now();
        for secs in [u64::MAX, u64::MAX / 2, u64::MAX / 1_000_000_000] {
            let lifetime = token_lifetime(&serde_json::json!(secs));
            let t = AccessToken::issued_at("t", lifetime, now);
            assert!(
                t.renew_at > now && t.renew_at <= now + MAX_TOKEN_LIFETIME,
                "expires_in {secs} is kept at most a day, without panicking"
            );
        }
        let t = AccessToken::issued_at("t", token_lifetime(&serde_json::json!("1e400")), now);
        assert_eq!(
            t.renew_at,
            now + Duration::from_secs(3599 - 300),
            "an expires_in that is no whole number counts as an hour"
        );
    }

    #[test]
    fn tokens_never_print_their_text() {
        let t = AccessToken::new("eyJ-very-secret", Duration::from_secs(10));
        assert!(!format!("{t:?}").contains("eyJ"), "Debug is redacted");
    }
}
