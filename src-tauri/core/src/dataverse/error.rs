//! What can go wrong talking to Entra ID and Dataverse, kept typed until the boundary.
//!
//! Each failure keeps what the caller needs to decide (HTTP status, the OData or AADSTS code)
//! and a sentence that says what to fix. Microsoft advises reacting to `error` codes, not the
//! description text, so the text is only ever shown, never matched, except for the AADSTS number
//! (which Microsoft documents as the stable identifier). No variant carries a secret or token:
//! bodies we keep are Dataverse's own error messages, which never echo the Authorization header.

use serde::Deserialize;
use std::fmt;

/// Why signing in failed, in the terms a person can act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthFailure {
    /// AADSTS7000215 / 7000222: the secret is wrong or expired.
    BadSecret,
    /// AADSTS700016: no app with this client id in the tenant.
    UnknownApp,
    /// AADSTS90002 / 900023: the tenant does not exist (often the wrong cloud).
    UnknownTenant,
    /// AADSTS500011 / 70011: the Dynamics URL is not a resource in this tenant.
    UnknownResource,
    /// Anything else the token endpoint refused.
    Other,
}

/// One error from Dataverse's Web API, as `{"error":{"code","message"}}` plus the HTTP status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status of the response (or of the `$batch` part).
    pub status: u16,
    /// OData error code, e.g. `0x80044331`; often empty or `0x0` for OData-level errors.
    pub code: String,
    /// Dataverse's message.
    pub message: String,
}

#[derive(Deserialize)]
struct ODataEnvelope {
    error: ODataBody,
}

#[derive(Deserialize)]
struct ODataBody {
    #[serde(default)]
    code: String,
    #[serde(default)]
    message: String,
}

impl ApiError {
    /// Reads an OData error body; a body that is not one keeps a short excerpt instead.
    pub fn parse(status: u16, body: &[u8]) -> ApiError {
        match serde_json::from_slice::<ODataEnvelope>(body) {
            Ok(e) => ApiError {
                status,
                code: e.error.code,
                message: e.error.message,
            },
            Err(_) => {
                let text = String::from_utf8_lossy(body);
                let excerpt: String = text.trim().chars().take(300).collect();
                ApiError {
                    status,
                    code: String::new(),
                    message: if excerpt.is_empty() {
                        format!("HTTP {status} with no error details")
                    } else {
                        excerpt
                    },
                }
            }
        }
    }

    /// True for Dataverse's privilege errors (PrivilegeDenied and friends).
    pub fn is_privilege_error(&self) -> bool {
        self.status == 403
            || self.code.eq_ignore_ascii_case("0x80040220")
            || self.message.contains("missing prv")
            || self
                .message
                .contains("does not hold the necessary privileges")
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.code.is_empty() || self.code == "0x0" {
            write!(f, "{} (HTTP {})", self.message, self.status)
        } else {
            write!(f, "{} (HTTP {}, {})", self.message, self.status, self.code)
        }
    }
}

/// Everything the Dataverse client can fail with.
#[derive(Debug, thiserror::Error)]
pub enum DataverseError {
    /// The settings cannot work (e.g. plain HTTP to a remote host, a CA that is not PEM).
    #[error("{0}")]
    Config(String),
    /// A row cannot be addressed or written as given (a bad key or GUID); nothing was sent.
    #[error("{0}")]
    InvalidRow(String),
    /// Entra ID refused to issue a token.
    #[error("{message}")]
    Auth {
        /// Which kind of refusal.
        failure: AuthFailure,
        /// The AADSTS number, when the response had one.
        aadsts: Option<u32>,
        /// What to fix.
        message: String,
    },
    /// Dataverse refused the token or the caller (401 after a renewal, 403).
    #[error("{message}")]
    Forbidden {
        /// The underlying error.
        api: ApiError,
        /// What to fix.
        message: String,
    },
    /// Dataverse answered with an error for the request as a whole.
    #[error("Dataverse refused the request: {0}")]
    Api(ApiError),
    /// Still throttled (429) after every retry.
    #[error(
        "Dataverse kept refusing requests because of its service protection limits ({0}). \
         Wait a few minutes, or send fewer rows at once."
    )]
    Throttled(ApiError),
    /// The server could not be reached or the connection failed.
    #[error("{message}")]
    Network {
        /// What kind of failure.
        kind: NetworkFailure,
        /// What to fix.
        message: String,
        /// The input the message blames (`dynamicsUrl`), when it blames one: a name that does
        /// not exist does, an offline computer does not.
        field: Option<&'static str>,
    },
    /// A response we could not read.
    #[error("Dataverse sent a response Ferry cannot read: {0}")]
    Protocol(String),
}

/// Transport failures, told apart where the fix differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NetworkFailure {
    /// The host name does not resolve, although other names do.
    Dns,
    /// No host name resolves: the computer is offline or its DNS server cannot be reached.
    Offline,
    /// The certificate was not trusted or the handshake failed.
    Tls,
    /// The request took too long.
    Timeout,
    /// Refused, reset or closed.
    Connection,
}

/// Result with the Dataverse error.
pub type Result<T, E = DataverseError> = std::result::Result<T, E>;

/// Parses an Entra ID token error body into an actionable [`DataverseError::Auth`].
pub fn auth_error(status: u16, body: &[u8], tenant: &str, client_id: &str) -> DataverseError {
    #[derive(Deserialize)]
    struct TokenError {
        #[serde(default)]
        error: String,
        #[serde(default)]
        error_description: String,
        #[serde(default)]
        error_codes: Vec<u32>,
    }
    let parsed: Option<TokenError> = serde_json::from_slice(body).ok();
    let aadsts = parsed.as_ref().and_then(|e| {
        e.error_codes.first().copied().or_else(|| {
            let d = &e.error_description;
            let start = d.find("AADSTS")? + 6;
            let digits: String = d[start..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            digits.parse().ok()
        })
    });
    let (failure, message) = match aadsts {
        Some(7000215) | Some(7000222) => (
            AuthFailure::BadSecret,
            format!(
                "The client secret is wrong or has expired (AADSTS{}). Copy the \
                 secret's Value (not its Secret ID) from the app registration and rotate the \
                 credential's secret.",
                aadsts.unwrap_or_default()
            ),
        ),
        Some(700016) => (
            AuthFailure::UnknownApp,
            format!(
                "No application with client ID {client_id} exists in tenant \
                 {tenant} (AADSTS700016). Check the credential's client ID and the \
                 destination's tenant ID."
            ),
        ),
        Some(90002) | Some(900023) => (
            AuthFailure::UnknownTenant,
            format!(
                "Tenant {tenant} was not found (AADSTS{}). Check the tenant ID, \
                 and that the Dynamics URL is in the same cloud as the tenant.",
                aadsts.unwrap_or_default()
            ),
        ),
        Some(500011) | Some(70011) => (
            AuthFailure::UnknownResource,
            format!(
                "The Dynamics URL is not known in tenant {tenant} (AADSTS{}). \
                 Check the Dynamics URL and the tenant ID.",
                aadsts.unwrap_or_default()
            ),
        ),
        other => {
            let error = parsed.as_ref().map(|e| e.error.as_str()).unwrap_or("");
            let code = other.map(|c| format!("AADSTS{c}, ")).unwrap_or_default();
            (
                AuthFailure::Other,
                format!(
                    "Microsoft Entra ID refused the sign-in ({code}{}HTTP {status}). Check the \
                     credential and tenant.",
                    if error.is_empty() {
                        String::new()
                    } else {
                        format!("{error}, ")
                    }
                ),
            )
        }
    };
    DataverseError::Auth {
        failure,
        aadsts,
        message,
    }
}

/// Turns a Dataverse 401/403 into a message that says what to fix.
pub fn forbidden(api: ApiError, client_id: &str) -> DataverseError {
    let message = if api.status == 401 {
        format!(
            "Dataverse did not accept Ferry's sign-in (HTTP 401). Check that the Dynamics URL \
             belongs to the tenant, and that an application user for client ID {client_id} \
             exists in this environment."
        )
    } else if api.message.contains("missing prv") || api.code.eq_ignore_ascii_case("0x80040220") {
        format!(
            "The application user lacks a privilege: {} Give it a security role that \
             includes it.",
            api.message
        )
    } else {
        format!(
            "Dataverse refused access (HTTP 403: {}). Create an application user for client ID \
             {client_id} in this environment (Power Platform admin center → Environment → \
             Settings → Application users) and give it a security role.",
            api.message
        )
    };
    DataverseError::Forbidden { api, message }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn odata_errors_keep_status_code_and_message() {
        let e = ApiError::parse(
            400,
            br#"{"error":{"code":"0x80044331","message":"The length of 'subject' exceeded."}}"#,
        );
        assert_eq!(e.status, 400, "the status is kept");
        assert_eq!(e.code, "0x80044331", "the OData code is kept");
        assert_eq!(
            e.message, "The length of 'subject' exceeded.",
            "the message is kept"
        );
    }

    #[test]
    fn non_json_error_bodies_become_a_short_excerpt() {
        let e = ApiError::parse(502, b"<html>Bad gateway</html>");
        assert_eq!(e.code, "", "no code without an OData body");
        assert!(
            e.message.contains("Bad gateway"),
            "the excerpt is kept: {e}"
        );
        let empty = ApiError::parse(503, b"");
        assert!(
            empty.message.contains("503"),
            "empty bodies still say something: {empty}"
        );
    }

    #[test]
    fn aadsts_codes_become_actionable_failures() {
        let secret = br#"{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided.","error_codes":[7000215]}"#;
        let e = auth_error(401, secret, "t", "app");
        assert!(
            matches!(
                e,
                DataverseError::Auth {
                    failure: AuthFailure::BadSecret,
                    aadsts: Some(7000215),
                    ..
                }
            ),
            "a bad secret is recognised: {e:?}"
        );
        let tenant = br#"{"error":"invalid_tenant","error_description":"AADSTS90002: Tenant 'x' not found."}"#;
        let e = auth_error(400, tenant, "x", "app");
        assert!(
            matches!(
                e,
                DataverseError::Auth {
                    failure: AuthFailure::UnknownTenant,
                    ..
                }
            ),
            "the code is read from the description when error_codes is missing: {e:?}"
        );
        let app = br#"{"error":"unauthorized_client","error_codes":[700016]}"#;
        let e = auth_error(400, app, "t", "my-app");
        assert!(e.to_string().contains("my-app"), "names the client id: {e}");
    }

    #[test]
    fn privilege_errors_say_which_role_to_grant() {
        let api = ApiError {
            status: 403,
            code: "0x80040220".into(),
            message: "Principal user (Id=1, type=8) is missing prvCreateContact privilege.".into(),
        };
        let e = forbidden(api, "app");
        assert!(
            e.to_string().contains("prvCreateContact"),
            "names the privilege: {e}"
        );
    }
}
