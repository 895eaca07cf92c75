//! Why a sandbox could not start or stop cleanly.
//!
//! Request-level failures are not here: they are Dataverse-shaped [`crate::http::ApiError`]s
//! sent to the client. These are the errors the embedding program sees; each says what is
//! wrong and what to do, so the CLI can print it as it is.

use std::path::PathBuf;

/// A failure starting, running or stopping the sandbox itself.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// Another program already listens on the port.
    #[error(
        "Port {port} on 127.0.0.1 is already in use by another program. Stop that program, \
         or choose another port (--port 0 picks a free one)."
    )]
    PortInUse {
        /// The port asked for.
        port: u16,
    },
    /// The port could not be listened on for another reason (e.g. a privileged port).
    #[error(
        "The sandbox could not listen on 127.0.0.1:{port}: {source}. Choose another port \
         (--port 0 picks a free one)."
    )]
    Listen {
        /// The port asked for.
        port: u16,
        /// What the OS said.
        source: std::io::Error,
    },
    /// The runtime or its thread could not start, or waiting for Ctrl-C failed.
    #[error("The sandbox could not run: {0}")]
    Runtime(#[from] std::io::Error),
    /// The data file could not be opened, created or written.
    #[error(
        "The sandbox's data file {} could not be used: {source}. Check that its folder exists \
         and is writable and that the file is a sandbox database, or pass another file with --data.",
        path.display()
    )]
    DataFile {
        /// The file.
        path: PathBuf,
        /// What SQLite said.
        source: rusqlite::Error,
    },
    /// The data file's permissions could not be limited to its owner.
    #[error(
        "The sandbox's data file {} holds its CA key and sign-in secrets but its permissions \
         could not be limited to your user: {source}. Fix its ownership, or pass another file \
         with --data.",
        path.display()
    )]
    DataFilePermissions {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// The in-memory database failed.
    #[error("The sandbox's in-memory database failed: {0}")]
    Store(#[from] rusqlite::Error),
    /// An alternate key names a table or column the sandbox does not have.
    #[error(
        "The alternate key {table}={columns} is not usable: {reason}. Give --key as \
         TABLE=COLUMN[,COLUMN…] with a table and columns of the sandbox's schema, e.g. \
         contact=emailaddress1."
    )]
    Key {
        /// The table named.
        table: String,
        /// The columns named, comma-separated.
        columns: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A schema file is inconsistent (a defect in the sandbox or an extra schema).
    #[error("The sandbox schema is invalid: {0}")]
    Schema(String),
    /// The CA or the HTTPS certificate could not be made or loaded.
    #[error(
        "The sandbox's HTTPS certificate could not be created: {0}. Start without --https, or \
         with a new data file (--data) to make a new CA."
    )]
    Tls(String),
}
