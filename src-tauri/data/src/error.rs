//! What the customer-data side can fail with. ferry-core turns each variant into its
//! `{code, message, fields}` reply; messages here are already written for the person at the
//! keyboard and say what to fix.

/// One problem with one input (an import setting, a segment condition), named the way the UI
/// names the field, e.g. `table` or `columns[2].name` or `rules[0].value`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    pub field: String,
    pub message: String,
}

impl Problem {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Everything the customer-data side can fail with.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// One or more inputs are wrong; each is named.
    #[error("{}", .0.iter().map(|p| p.message.as_str()).collect::<Vec<_>>().join(" "))]
    Invalid(Vec<Problem>),
    /// A table, column, query or segment that does not exist (any more).
    #[error("{0}")]
    NotFound(String),
    /// SQL that SQLite refused to run, with where it stopped when SQLite says.
    #[error("{message}")]
    Sql {
        message: String,
        line: Option<u32>,
        column: Option<u32>,
    },
    /// A query tried to change something through the read-only door.
    #[error("{0}")]
    WriteRefused(String),
    /// The user cancelled (an import, a running query).
    #[error("{0}")]
    Cancelled(String),
    /// A query ran past its time limit.
    #[error("{0}")]
    TimedOut(String),
    /// SQLite failed underneath (disk full, damaged file); the message names the file.
    #[error("The customer database {file} failed: {source}")]
    Database {
        file: String,
        #[source]
        source: rusqlite::Error,
    },
    /// A file (CSV, rejects file) could not be read or written.
    #[error("{0}")]
    Io(String),
}

impl DataError {
    /// Shorthand for a single-field problem.
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        DataError::Invalid(vec![Problem::new(field, message)])
    }
}

/// Result with the customer-data error.
pub type Result<T, E = DataError> = std::result::Result<T, E>;
