//! Entra ID sign-in for the sandbox: the client-credentials token endpoints (v2.0 and v1), the
//! OpenID discovery document MSAL reads, and the bearer check in front of the Web API.
//!
//! Tokens are JWT-shaped (HMAC-signed with a key kept in the sandbox's file) so clients that peek
//! at `exp` work, and so a token from another sandbox or another tenant is refused. This is not
//! an identity provider: a few app registrations, one secret each, client credentials only.
//! Each registration is its own application user (as in Dataverse, where one application user
//! is bound to one client id), so a token's `oid` says whose service-protection limits a
//! request spends.

use crate::clock::{entra_timestamp, now_secs};
use crate::http::{ApiRequest, ApiResponse};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use ring::hmac;
use serde_json::{json, Value};
use std::time::Duration;

/// One app registration and the application user it signs in as.
#[derive(Debug, Clone)]
pub struct AppUser {
    /// Application (client) id.
    pub client_id: String,
    /// Client secret.
    pub client_secret: String,
    /// The application user's id (WhoAmI `UserId`, the token's `oid`).
    pub user_id: String,
}

/// Who the sandbox is: its tenant, its app registrations, and the ids WhoAmI reports.
#[derive(Debug, Clone)]
pub struct Identity {
    /// Tenant id (GUID).
    pub tenant: String,
    /// The app registrations, the first one's always present; each is its own user.
    pub apps: Vec<AppUser>,
    /// WhoAmI `BusinessUnitId`.
    pub business_unit_id: String,
    /// WhoAmI `OrganizationId`.
    pub organization_id: String,
    /// Key that signs access tokens.
    pub signing_key: String,
}

/// The authenticated caller of a Web API request.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The user the limits are counted for.
    pub user_id: String,
}

/// Longest access-token lifetime the sandbox issues: a day, Entra ID's own upper bound for
/// configurable token lifetimes. Longer requests are clamped, so `exp` can never overflow.
pub const MAX_TOKEN_LIFETIME: Duration = Duration::from_secs(86_400);

/// Issues and checks tokens for one sandbox.
pub struct Authority {
    identity: Identity,
    key: hmac::Key,
    lifetime: Duration,
    port: u16,
}

impl Authority {
    /// An authority for `identity` listening on `port`; `lifetime` is clamped to
    /// [`MAX_TOKEN_LIFETIME`].
    pub fn new(identity: Identity, lifetime: Duration, port: u16) -> Self {
        let key = hmac::Key::new(hmac::HMAC_SHA256, identity.signing_key.as_bytes());
        Self {
            identity,
            key,
            lifetime: lifetime.min(MAX_TOKEN_LIFETIME),
            port,
        }
    }

    /// The identity.
    pub fn identity(&self) -> &Identity {
        &self.identity
    }

    /// The app registration with this client id (any case, as Entra compares GUIDs).
    fn app(&self, client_id: &str) -> Option<&AppUser> {
        self.identity
            .apps
            .iter()
            .find(|a| a.client_id.eq_ignore_ascii_case(client_id))
    }

    /// Answers `POST /{tenant}/oauth2/v2.0/token` (`v1` false) or `/{tenant}/oauth2/token`.
    pub fn token(&self, tenant: &str, req: &ApiRequest, base_url: &str, v1: bool) -> ApiResponse {
        let form: Vec<(String, String)> = form_urlencoded::parse(&req.body)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        let field = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
        let (basic_id, basic_secret) = basic_credentials(req);
        if !self.knows_tenant(tenant) {
            return aad_error(400, "invalid_tenant", 90002, &format!(
                "Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant."
            ));
        }
        if field("grant_type").as_deref() != Some("client_credentials") {
            return aad_error(400, "unsupported_grant_type", 70003,
                "The app requested an unsupported grant type. Only client_credentials is supported by the Ferry sandbox.");
        }
        let Some(client_id) = field("client_id").or(basic_id) else {
            return aad_error(
                400,
                "invalid_request",
                900144,
                "The request body must contain the following parameter: 'client_id'.",
            );
        };
        let Some(app) = self.app(&client_id) else {
            return aad_error(400, "unauthorized_client", 700016, &format!(
                "Application with identifier '{client_id}' was not found in the directory '{tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant."
            ));
        };
        let Some(secret) = field("client_secret").or(basic_secret) else {
            return aad_error(401, "invalid_client", 7000218,
                "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
        };
        if secret != app.client_secret {
            return aad_error(401, "invalid_client", 7000215, &format!(
                "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{}'.",
                app.client_id
            ));
        }
        let resource = if v1 {
            match field("resource") {
                Some(r) => r,
                None => {
                    return aad_error(
                        400,
                        "invalid_request",
                        900144,
                        "The request body must contain the following parameter: 'resource'.",
                    )
                }
            }
        } else {
            if field("resource").is_some() {
                return aad_error(
                    400,
                    "invalid_request",
                    901002,
                    "The 'resource' request parameter isn't supported.",
                );
            }
            let scope = field("scope").unwrap_or_default();
            match scope.strip_suffix("/.default") {
                Some(r) if !scope.contains(' ') => r.to_string(),
                _ => return aad_error(400, "invalid_scope", 70011, &format!(
                    "The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' isn't valid: '{scope}'. For client credentials use the resource's '/.default' scope."
                )),
            }
        };
        if !self.is_own_resource(&resource) {
            return aad_error(400, "invalid_resource", 500011, &format!(
                "The resource principal named {resource} was not found in the tenant named {tenant}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant."
            ));
        }
        let now = now_secs();
        let lifetime = self.lifetime.as_secs();
        let expires_on = now.saturating_add(lifetime);
        let token = self.sign(&json!({
            "aud": base_url.trim_end_matches('/'),
            "iss": format!("https://sts.windows.net/{}/", self.identity.tenant),
            "iat": now, "nbf": now, "exp": expires_on,
            "appid": app.client_id, "oid": app.user_id,
            "tid": self.identity.tenant, "ver": "1.0",
        }));
        let body = if v1 {
            json!({"token_type": "Bearer", "expires_in": lifetime.to_string(),
                   "ext_expires_in": lifetime.to_string(), "expires_on": expires_on.to_string(),
                   "not_before": now.to_string(), "resource": resource, "access_token": token})
        } else {
            json!({"token_type": "Bearer", "expires_in": lifetime, "ext_expires_in": lifetime,
                   "access_token": token})
        };
        ApiResponse::raw(200, "application/json; charset=utf-8", body.to_string())
            .with_header("Cache-Control", "no-store, no-cache")
    }

    /// The OpenID Connect discovery document for `tenant` (MSAL reads it before signing in).
    pub fn openid_configuration(&self, tenant: &str, base_url: &str, v2: bool) -> ApiResponse {
        if !self.knows_tenant(tenant) {
            return aad_error(
                400,
                "invalid_tenant",
                90002,
                &format!("Tenant '{tenant}' not found."),
            );
        }
        let t = &self.identity.tenant;
        let (token, authorize, issuer) = if v2 {
            (
                format!("{base_url}/{t}/oauth2/v2.0/token"),
                format!("{base_url}/{t}/oauth2/v2.0/authorize"),
                format!("{base_url}/{t}/v2.0"),
            )
        } else {
            (
                format!("{base_url}/{t}/oauth2/token"),
                format!("{base_url}/{t}/oauth2/authorize"),
                format!("https://sts.windows.net/{t}/"),
            )
        };
        let body = json!({
            "token_endpoint": token, "authorization_endpoint": authorize, "issuer": issuer,
            "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "jwks_uri": format!("{base_url}/{t}/discovery/v2.0/keys"),
            "subject_types_supported": ["pairwise"], "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "tenant_region_scope": "NA", "cloud_instance_name": "microsoftonline.com",
        });
        ApiResponse::raw(200, "application/json; charset=utf-8", body.to_string())
    }

    /// Checks `Authorization: Bearer …` for this sandbox at `base_url`: signature, expiry,
    /// tenant and audience. `None` means answer 401.
    pub fn check(&self, req: &ApiRequest, base_url: &str) -> Option<Caller> {
        let header = req.header("authorization")?;
        let token = header
            .strip_prefix("Bearer ")
            .or_else(|| header.strip_prefix("bearer "))?
            .trim();
        let (signed, signature) = token.rsplit_once('.')?;
        let signature = URL_SAFE_NO_PAD.decode(signature).ok()?;
        hmac::verify(&self.key, signed.as_bytes(), &signature).ok()?;
        let payload = signed.split('.').nth(1)?;
        let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()?;
        if claims["exp"].as_u64()? <= now_secs() || claims["tid"] != self.identity.tenant.as_str() {
            return None;
        }
        // NOTE: Entra issues `aud` as the organisation URL the token was asked for (scope
        // `{org}/.default` or resource `{org}`), with or without the trailing slash; Dataverse
        // refuses a token for another organisation even when the same tenant signed it.
        let aud = claims["aud"].as_str()?;
        if aud.strip_suffix('/').unwrap_or(aud) != base_url.trim_end_matches('/') {
            return None;
        }
        Some(Caller {
            user_id: claims["oid"].as_str()?.to_string(),
        })
    }

    /// The 401 Dataverse sends without a valid token, pointing at this sandbox's authority.
    pub fn challenge(&self, base_url: &str) -> ApiResponse {
        let mut r = ApiResponse::empty(401);
        r.headers.push((
            "WWW-Authenticate".into(),
            format!(
                "Bearer authorization_uri={base_url}/{}/oauth2/authorize, resource_id={base_url}/",
                self.identity.tenant
            ),
        ));
        r
    }

    fn sign(&self, claims: &Value) -> String {
        let header = URL_SAFE_NO_PAD.encode(br#"{"typ":"JWT","alg":"HS256"}"#);
        let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
        let signed = format!("{header}.{payload}");
        let tag = hmac::sign(&self.key, signed.as_bytes());
        format!("{signed}.{}", URL_SAFE_NO_PAD.encode(tag.as_ref()))
    }

    fn knows_tenant(&self, tenant: &str) -> bool {
        tenant.eq_ignore_ascii_case(&self.identity.tenant)
            || tenant.eq_ignore_ascii_case("ferry-sandbox.onmicrosoft.com")
    }

    /// Whether `resource` names this sandbox: any loopback host with its port, http or https.
    fn is_own_resource(&self, resource: &str) -> bool {
        let rest = resource
            .strip_prefix("https://")
            .or_else(|| resource.strip_prefix("http://"))
            .unwrap_or(resource);
        let authority = rest.split('/').next().unwrap_or("");
        let Some((host, port)) = authority.rsplit_once(':') else {
            return false;
        };
        port.parse::<u16>().ok() == Some(self.port)
            && matches!(host, "127.0.0.1" | "localhost" | "[::1]")
    }
}

fn basic_credentials(req: &ApiRequest) -> (Option<String>, Option<String>) {
    let decoded = req
        .header("authorization")
        .and_then(|h| h.strip_prefix("Basic "))
        .and_then(|b| STANDARD.decode(b.trim()).ok())
        .and_then(|b| String::from_utf8(b).ok());
    match decoded.as_deref().and_then(|s| s.split_once(':')) {
        Some((id, secret)) => {
            let dec = |s: &str| {
                percent_encoding::percent_decode_str(s)
                    .decode_utf8_lossy()
                    .into_owned()
            };
            (Some(dec(id)), Some(dec(secret)))
        }
        None => (None, None),
    }
}

/// An Entra ID error body (`error`, `error_description`, `error_codes`, ids, timestamp).
fn aad_error(status: u16, error: &str, code: u32, text: &str) -> ApiResponse {
    let now = entra_timestamp(now_secs());
    let trace = uuid::Uuid::new_v4().to_string();
    let correlation = uuid::Uuid::new_v4().to_string();
    let body = json!({
        "error": error,
        "error_description": format!(
            "AADSTS{code}: {text} Trace ID: {trace} Correlation ID: {correlation} Timestamp: {now}"
        ),
        "error_codes": [code],
        "timestamp": now,
        "trace_id": trace,
        "correlation_id": correlation,
        "error_uri": format!("https://login.microsoftonline.com/error?code={code}"),
    });
    ApiResponse::raw(status, "application/json; charset=utf-8", body.to_string())
}
