//! Typed errors for the whole domain, and the `{code, message, fields}` shape they take at
//! every boundary (Tauri commands, CLI `--json`).
//!
//! The UI branches on `code` and shows `fields` next to the inputs they name; it never parses
//! `message`. Messages are written for the person at the keyboard and say what to fix. No
//! variant ever carries a secret: secrets travel as [`crate::secrets::Secret`], which has no
//! way to become text.

use serde::Serialize;

/// One problem with one input, named the way the UI and the JSON API name the field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct FieldError {
    /// The input's name, e.g. `dynamicsUrl`.
    pub field: String,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl FieldError {
    /// A problem with `field`.
    pub fn new(field: &str, message: impl Into<String>) -> Self {
        Self {
            field: field.to_string(),
            message: message.into(),
        }
    }
}

/// Everything the domain can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// One or more inputs are wrong; each is named.
    #[error("{}", join_fields(.0))]
    Validation(Vec<FieldError>),
    /// The named thing does not exist (any more).
    #[error("No {what} named or identified as \"{key}\" exists.")]
    NotFound { what: &'static str, key: String },
    /// Deleting would break something that depends on it.
    #[error("{0}")]
    InUse(String),
    /// The OS keychain cannot be reached; we refuse to store secrets anywhere else.
    #[error("{0}")]
    KeychainUnavailable(String),
    /// SQLite failed underneath us. Only seen inside the store: [`crate::store::Store`] turns
    /// it into [`Error::Database`], which names the file, before it reaches anyone.
    #[error("The local database failed: {0}")]
    Store(#[from] rusqlite::Error),
    /// The data folder or its database cannot be used as asked: damaged, read-only, newer,
    /// not a folder. The message names the file and what to do.
    #[error(transparent)]
    Database(#[from] crate::store::StoreError),
    /// Files on disk could not be read or written.
    #[error("A file could not be read or written: {0}")]
    Io(#[from] std::io::Error),
    /// Signing in failed: wrong secret, app or tenant, or an expired credential.
    #[error("{0}")]
    AuthFailed(String),
    /// Access refused: by Dataverse after signing in (no application user, a missing
    /// privilege), or by Ferry's own policy for the acting user ([`crate::policy::refusal`]).
    #[error("{0}")]
    Forbidden(String),
    /// Dataverse's service protection limits kept refusing requests after every retry.
    #[error("{0}")]
    Throttled(String),
    /// Dataverse or its sign-in could not be reached: offline, DNS, TLS, timeout or a dropped
    /// connection. `field` names the input the message blames, when it blames one (a Dynamics
    /// URL whose host does not exist); an offline computer blames none.
    #[error("{message}")]
    Network {
        message: String,
        field: Option<&'static str>,
    },
    /// Dataverse refused the request, or answered something Ferry cannot read.
    #[error("{0}")]
    Remote(String),
    /// The customer database refused or failed; its messages already say what to fix.
    #[error(transparent)]
    Data(#[from] ferry_data::DataError),
}

impl From<crate::dataverse::DataverseError> for Error {
    fn from(e: crate::dataverse::DataverseError) -> Self {
        use crate::dataverse::DataverseError as D;
        let message = e.to_string();
        match e {
            D::Config(_) => Error::field("dynamicsUrl", message),
            D::InvalidRow(_) => Error::field("key", message),
            D::Auth { .. } => Error::AuthFailed(message),
            D::Forbidden { .. } => Error::Forbidden(message),
            D::Throttled(_) => Error::Throttled(message),
            D::Network { field, .. } => Error::Network { message, field },
            D::Api(_) | D::Protocol(_) => Error::Remote(message),
        }
    }
}

fn join_fields(fields: &[FieldError]) -> String {
    fields
        .iter()
        .map(|f| f.message.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The closed set of codes the UI and scripts may branch on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ErrorCode {
    Validation,
    NotFound,
    InUse,
    KeychainUnavailable,
    Internal,
    AuthFailed,
    Forbidden,
    Throttled,
    Network,
    Remote,
    /// SQLite refused a query's SQL; `line` and `column` say where, when it knows.
    Sql,
    /// A query tried to change customer data through the read-only door.
    WriteRefused,
    /// The user stopped it (an import, a running query).
    Cancelled,
    /// A query ran past its time limit.
    TimedOut,
}

impl Error {
    /// The code this error reaches the UI with.
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::Validation(_) => ErrorCode::Validation,
            Error::NotFound { .. } => ErrorCode::NotFound,
            Error::InUse(_) => ErrorCode::InUse,
            Error::KeychainUnavailable(_) => ErrorCode::KeychainUnavailable,
            Error::Store(_) | Error::Database(_) | Error::Io(_) => ErrorCode::Internal,
            Error::AuthFailed(_) => ErrorCode::AuthFailed,
            Error::Forbidden(_) => ErrorCode::Forbidden,
            Error::Throttled(_) => ErrorCode::Throttled,
            Error::Network { .. } => ErrorCode::Network,
            Error::Remote(_) => ErrorCode::Remote,
            Error::Data(e) => data_code(e),
        }
    }

    /// Shorthand for a single-field validation error.
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        Error::Validation(vec![FieldError::new(field, message)])
    }
}

/// The code a customer-data error reaches the UI with.
fn data_code(e: &ferry_data::DataError) -> ErrorCode {
    use ferry_data::DataError as D;
    match e {
        D::Invalid(_) => ErrorCode::Validation,
        D::NotFound(_) => ErrorCode::NotFound,
        D::WriteRefused(_) => ErrorCode::WriteRefused,
        D::Sql { .. } => ErrorCode::Sql,
        D::Cancelled(_) => ErrorCode::Cancelled,
        D::TimedOut(_) => ErrorCode::TimedOut,
        D::Database { .. } | D::Io(_) => ErrorCode::Internal,
    }
}

/// The serialisable form of an [`Error`]: what the UI and `--json` consumers receive.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct ErrorReply {
    pub code: ErrorCode,
    pub message: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldError>,
    /// Where in a query's SQL the error is (1-based), so the editor can go there.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub line: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub column: Option<u32>,
}

impl From<&Error> for ErrorReply {
    fn from(e: &Error) -> Self {
        let fields = match e {
            Error::Validation(f) => f.clone(),
            Error::Data(ferry_data::DataError::Invalid(problems)) => problems
                .iter()
                .map(|p| FieldError::new(&p.field, p.message.clone()))
                .collect(),
            // NOTE: the message is the field's message too, so the form can show it under the
            // input it blames without saying it twice.
            Error::Network {
                message,
                field: Some(field),
            } => vec![FieldError::new(field, message.clone())],
            _ => Vec::new(),
        };
        let (line, column) = match e {
            Error::Data(ferry_data::DataError::Sql { line, column, .. }) => (*line, *column),
            _ => (None, None),
        };
        ErrorReply {
            code: e.code(),
            message: e.to_string(),
            fields,
            line,
            column,
        }
    }
}

/// Result with the domain error.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_reply_keeps_every_field_and_a_readable_message() {
        let e = Error::Validation(vec![
            FieldError::new("name", "Enter a name."),
            FieldError::new("tenantId", "Enter the tenant ID."),
        ]);
        let reply = ErrorReply::from(&e);
        let json = serde_json::to_value(&reply).unwrap();
        assert_eq!(
            json["code"], "validation",
            "validation errors reach the UI as code validation"
        );
        assert_eq!(
            json["fields"].as_array().unwrap().len(),
            2,
            "each bad field is listed"
        );
        assert_eq!(
            reply.message, "Enter a name. Enter the tenant ID.",
            "message joins the fixes"
        );
    }

    #[test]
    fn non_validation_reply_has_no_fields_key() {
        let e = Error::InUse("Credential X is used by A.".into());
        let json = serde_json::to_value(ErrorReply::from(&e)).unwrap();
        assert_eq!(
            json["code"], "in_use",
            "in-use refusals have their own code"
        );
        assert!(
            json.get("fields").is_none(),
            "fields only appear on validation errors"
        );
    }
}
