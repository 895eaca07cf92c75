//! The read-only door that every piece of user SQL goes through, and [`RowReader`], the one
//! paged row reader that the grid ([`crate::results`]), segments, templates, previews and send
//! jobs all read rows with. Later work must not open its own connections to read customer
//! rows: this door is where read-only-ness, the time limit, cancel and PII marks are kept.
//!
//! Four locks keep a query from changing anything, each enough on its own for the common
//! cases, together for the odd ones:
//! 1. the connection is opened read-only and `query_only` is on ([`DataStore::reader_connection`]);
//! 2. SQLite's authoriser ([`guard::judge`]) allows only SELECT, reads, functions other than
//!    `load_extension` and friends, recursive CTEs and an allow-list of reading pragmas; it
//!    sees every action while SQLite compiles the statement, whatever the SQL looks like;
//! 3. after compiling, SQLite's own `sqlite3_stmt_readonly` must agree (it catches `VACUUM`,
//!    which the authoriser is never asked about);
//! 4. defensive mode, untrusted schema and limits (no attached databases) on the connection.
//!
//! Exactly one statement runs: a trailing `;` or comment is fine, a second statement is an
//! error that says where it starts.
//!
//! What this module is not: a place for saved queries (ferry-core keeps those with the
//! settings) or for users and policies (ferry-core checks them before calling in).

pub(crate) mod guard;
mod reader;

use crate::db::DataStore;
use crate::error::{DataError, Result};
use crate::types::{CancelToken, Cell, ColumnMeta, ColumnType};
use rusqlite::config::DbConfig;
use rusqlite::hooks::{AuthContext, Authorization};
use rusqlite::limits::Limit;
use rusqlite::{Connection, Statement};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

pub(crate) use reader::is_date;
pub use reader::RowReader;

/// How long a query may run unless the user says otherwise.
pub const DEFAULT_TIME_LIMIT: Duration = Duration::from_secs(30);

/// How a query runs: how long it may work and the token that cancels it.
#[derive(Debug, Clone)]
pub struct QueryOptions {
    /// How long SQLite may work on the query. Time the reader spends waiting for its consumer
    /// (a slow send job between pages) does not count: the limit is on the query's own work.
    pub time_limit: Duration,
    /// Cancels the query; SQLite stops at its next progress check.
    pub cancel: CancelToken,
}

impl Default for QueryOptions {
    fn default() -> Self {
        QueryOptions {
            time_limit: DEFAULT_TIME_LIMIT,
            cancel: CancelToken::new(),
        }
    }
}

impl QueryOptions {
    /// Options with this time limit and a fresh cancel token.
    pub fn with_time_limit(time_limit: Duration) -> Self {
        QueryOptions {
            time_limit,
            ..QueryOptions::default()
        }
    }
}

/// Longest SQL text a query may have. Hand-written queries are far shorter; the cap keeps a
/// pasted data dump from being compiled.
const MAX_SQL_BYTES: i32 = 1_000_000;
/// Longest value a query may build (`randomblob`, `group_concat`); rows Ferry imports are far
/// below it, so only runaway expressions meet it.
const MAX_VALUE_BYTES: i32 = 256 * 1024 * 1024;

/// What the authoriser saw while SQLite compiled the statement.
#[derive(Debug, Default)]
pub(crate) struct AuthLog {
    /// The first action refused, worded for "this SQL tries to …".
    refused: Option<String>,
    /// Every `(table, column)` the statement reads, lower-cased.
    reads: HashSet<(String, String)>,
}

/// A Ferry-recorded column: its type and PII mark.
type FerryColumns = HashMap<(String, String), (ColumnType, bool)>;

/// A connection set up for user SQL: read-only, guarded by the authoriser.
pub(crate) struct Door {
    pub(crate) conn: Connection,
    log: Arc<Mutex<AuthLog>>,
    ferry_columns: FerryColumns,
}

impl Door {
    /// Opens a reader connection and puts every guard on it.
    pub(crate) fn open(store: &DataStore) -> Result<Door> {
        let mut conn = store.reader_connection()?;
        let fail = |e| store.fail(e);
        // NOTE: defensive mode refuses the tricks that corrupt a database through SQL
        // (writable_schema, raw page writes); an untrusted schema keeps functions with side
        // effects out of views and triggers that someone else may have put in the file.
        conn.set_db_config(DbConfig::SQLITE_DBCONFIG_DEFENSIVE, true)
            .map_err(fail)?;
        conn.set_db_config(DbConfig::SQLITE_DBCONFIG_TRUSTED_SCHEMA, false)
            .map_err(fail)?;
        conn.set_limit(Limit::SQLITE_LIMIT_ATTACHED, 0)
            .map_err(fail)?;
        conn.set_limit(Limit::SQLITE_LIMIT_SQL_LENGTH, MAX_SQL_BYTES)
            .map_err(fail)?;
        conn.set_limit(Limit::SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES)
            .map_err(fail)?;
        // Read before the authoriser goes on, so Ferry's own lookup is not counted as the
        // statement's reads.
        let ferry_columns = ferry_columns(&conn).map_err(fail)?;
        let log = Arc::new(Mutex::new(AuthLog::default()));
        let hook_log = Arc::clone(&log);
        conn.authorizer(Some(move |ctx: AuthContext<'_>| {
            let mut log = lock(&hook_log);
            match guard::judge(&ctx.action) {
                Ok(()) => {
                    if let rusqlite::hooks::AuthAction::Read {
                        table_name,
                        column_name,
                    } = ctx.action
                    {
                        log.reads.insert((
                            table_name.to_ascii_lowercase(),
                            column_name.to_ascii_lowercase(),
                        ));
                    }
                    Authorization::Allow
                }
                Err(what) => {
                    log.refused.get_or_insert(what);
                    Authorization::Deny
                }
            }
        }))
        .map_err(fail)?;
        Ok(Door {
            conn,
            log,
            ferry_columns,
        })
    }

    /// Compiles exactly one statement under the guards, or says why not.
    pub(crate) fn prepare<'c>(&'c self, sql: &str) -> Result<Statement<'c>> {
        *lock(&self.log) = AuthLog::default();
        let stmt = self
            .conn
            .prepare(sql)
            .map_err(|e| self.prepare_error(e, sql))?;
        if !stmt.readonly() {
            return Err(DataError::WriteRefused(guard::refusal_by_keyword(sql)));
        }
        Ok(stmt)
    }

    fn prepare_error(&self, e: rusqlite::Error, sql: &str) -> DataError {
        if let Some(what) = lock(&self.log).refused.take() {
            return DataError::WriteRefused(guard::refusal(&what, sql));
        }
        match e {
            rusqlite::Error::Empty => DataError::field(
                "sql",
                "The SQL is empty (or only comments): write a SELECT to run.",
            ),
            rusqlite::Error::MultipleStatement => {
                let (line, column) = guard::second_statement_offset(sql)
                    .map(|at| guard::line_column(sql, at))
                    .unzip();
                let place = match (line, column) {
                    (Some(l), Some(c)) => format!(" (the second starts at line {l}, column {c})"),
                    _ => String::new(),
                };
                DataError::Sql {
                    message: format!(
                        "Run one statement at a time: this SQL holds more than one{place}. \
                         Remove everything after the first statement's ;."
                    ),
                    line,
                    column,
                }
            }
            other => sql_error(other, sql),
        }
    }

    /// The result columns of a compiled statement: names, types and PII marks.
    ///
    /// A column taken straight from a table keeps that column's Ferry type and PII mark. A
    /// computed column (an expression, an aggregate) has no origin to ask, so it is marked PII
    /// when the statement reads any PII column at all: `upper(email)` or
    /// `group_concat(last_name)` carry personal data, and telling those from `count(*)`
    /// would mean understanding every expression. Being wrong the other way would leak.
    /// For the same reason a compound SELECT (UNION, INTERSECT, EXCEPT), whose columns report
    /// only their first SELECT's origin, marks every column PII when any PII column is read.
    /// Computed columns' types are Unknown here; [`RowReader`] infers them from the first rows.
    pub(crate) fn columns(&self, stmt: &Statement<'_>, sql: &str) -> Vec<ColumnMeta> {
        let log = lock(&self.log);
        let reads_pii = log
            .reads
            .iter()
            .any(|key| self.ferry_columns.get(key).is_some_and(|(_, pii)| *pii));
        let compound = reads_pii && guard::has_compound_select(sql);
        let decls: Vec<Option<String>> = stmt
            .columns()
            .map(|c| c.decl_type().map(str::to_string))
            .collect();
        stmt.columns_with_metadata()
            .zip(decls)
            .map(|(meta, decl)| {
                let origin = meta
                    .table_name()
                    .zip(meta.origin_name())
                    .map(|(t, c)| (t.to_ascii_lowercase(), c.to_ascii_lowercase()));
                let (column_type, pii) =
                    match origin.as_ref().and_then(|o| self.ferry_columns.get(o)) {
                        Some(&(t, pii)) => (t, pii || compound),
                        None if origin.is_some() => (
                            decl.as_deref()
                                .map_or(ColumnType::Unknown, ColumnType::from_decl),
                            compound,
                        ),
                        None => (ColumnType::Unknown, reads_pii),
                    };
                ColumnMeta {
                    name: meta.name().to_string(),
                    column_type,
                    pii,
                }
            })
            .collect()
    }
}

/// Every column Ferry has recorded a type or PII mark for, keyed by lower-cased names.
fn ferry_columns(conn: &Connection) -> rusqlite::Result<FerryColumns> {
    let mut stmt = conn.prepare("SELECT table_name, column_name, type, pii FROM _ferry_columns")?;
    let rows = stmt.query_map([], |r| {
        let table: String = r.get(0)?;
        let column: String = r.get(1)?;
        let ty: String = r.get(2)?;
        let pii: i64 = r.get(3)?;
        Ok((
            (table.to_ascii_lowercase(), column.to_ascii_lowercase()),
            (
                ColumnType::parse(&ty).unwrap_or(ColumnType::Unknown),
                pii != 0,
            ),
        ))
    })?;
    rows.collect()
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // NOTE: the log holds no invariant a panic could break; a poisoned lock is still usable.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// SQLite's complaint about the SQL, with the line and column when SQLite says where.
pub(crate) fn sql_error(e: rusqlite::Error, sql: &str) -> DataError {
    match e {
        rusqlite::Error::SqlInputError {
            msg,
            sql: part,
            offset,
            ..
        } => {
            // NOTE: for a statement after the first, SQLite's offset is into the rest of the
            // text; the rest is a suffix of the whole, so shift it back.
            let shift = sql.len().saturating_sub(part.len());
            let at = shift + usize::try_from(offset).unwrap_or(0);
            let (line, column) = guard::line_column(sql, at);
            DataError::Sql {
                message: format!("{msg} (line {line}, column {column})"),
                line: Some(line),
                column: Some(column),
            }
        }
        rusqlite::Error::InvalidParameterCount(given, expected) => DataError::Sql {
            message: format!(
                "This SQL has {expected} parameter(s) (? marks) but {given} value(s) were given."
            ),
            line: None,
            column: None,
        },
        rusqlite::Error::SqliteFailure(err, msg) => DataError::Sql {
            message: msg.unwrap_or_else(|| err.to_string()),
            line: None,
            column: None,
        },
        other => DataError::Sql {
            message: other.to_string(),
            line: None,
            column: None,
        },
    }
}

impl DataStore {
    /// Checks SQL without running it: exactly one statement, read-only, valid. Returns its
    /// result columns (computed columns' types are Unknown until rows are read). Errors carry
    /// the line and column where SQLite says.
    pub fn check_sql(&self, sql: &str) -> Result<Vec<ColumnMeta>> {
        let door = Door::open(self)?;
        let stmt = door.prepare(sql)?;
        Ok(door.columns(&stmt, sql))
    }

    /// Runs one read-only statement and returns THE paged row reader: typed columns with their
    /// PII marks, rows streamed forward page by page. `params` bind to `?`/`?N` in order.
    ///
    /// Returns once the statement has produced its first rows (or ended), so the columns are
    /// final; a slow ORDER BY makes this wait, within the time limit and cancel.
    pub fn reader(&self, sql: &str, params: &[Cell], opts: QueryOptions) -> Result<RowReader> {
        reader::start(self.clone(), sql.to_string(), params.to_vec(), opts)
    }
}

#[cfg(test)]
pub(crate) mod tests;
