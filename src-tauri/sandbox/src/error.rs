//! Why a sandbox could not start or stop cleanly.
//!
//! Request-level failures are not here: they are Dataverse-shaped [`crate::http::ApiError`]s
//! sent to the client. These are the errors the embedding program sees.

/// A failure starting, running or stopping the sandbox itself.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// The port could not be bound or the runtime could not start.
    #[error("The sandbox could not start: {0}")]
    Io(#[from] std::io::Error),
    /// The SQLite file could not be opened or written.
    #[error("The sandbox's database failed: {0}")]
    Store(#[from] rusqlite::Error),
    /// A schema file or key configuration is inconsistent.
    #[error("The sandbox schema is invalid: {0}")]
    Schema(String),
    /// The self-signed certificate could not be made.
    #[error("The sandbox's HTTPS certificate could not be created: {0}")]
    Tls(String),
}
