//! The table an import fills, checked and made ready inside the import's transaction: a new
//! table (create), the existing one (append, whose columns must match), or a staging table
//! that takes the old table's place only when the import commits (replace).

use super::{ImportMode, ImportRequest, PlannedColumn};
use crate::error::{DataError, Problem, Result};
use crate::schema::{columns_of, find_table, record_columns};
use crate::types::{identifier_problem, quoted, ColumnMeta, ColumnType};
use rusqlite::{Connection, OptionalExtension};

/// Where a replace builds the new table. The `_ferry` prefix keeps it out of every listing,
/// and the transaction keeps it from ever outliving the import.
const STAGING: &str = "_ferry_import_staging";

/// The table being filled and what to do when the rows are in.
#[derive(Debug)]
pub(super) struct Target {
    /// The table's name as the user will see it.
    pub table: String,
    /// The table the rows go into now (the staging table when replacing).
    fill: String,
    /// The table's columns that the rows fill, in the order the planned columns give them.
    pub insert_columns: Vec<String>,
    /// Columns to record (type and PII mark) when the rows are in; `None` keeps the marks.
    record: Option<Vec<ColumnMeta>>,
    /// The existing table to drop when the staging table takes its place.
    replaces: Option<String>,
}

impl Target {
    /// The statement that inserts one row.
    pub fn insert_sql(&self) -> String {
        let names: Vec<String> = self.insert_columns.iter().map(|c| quoted(c)).collect();
        let params: Vec<String> = (1..=names.len()).map(|i| format!("?{i}")).collect();
        format!(
            "INSERT INTO {} ({}) VALUES ({})",
            quoted(&self.fill),
            names.join(", "),
            params.join(", ")
        )
    }

    /// Puts the new table in place and records its columns, still inside the transaction.
    pub fn finish(&self, conn: &Connection) -> rusqlite::Result<()> {
        if let Some(old) = &self.replaces {
            conn.execute_batch(&format!("DROP TABLE {}", quoted(old)))?;
            // NOTE: the modern ALTER TABLE re-checks every view and trigger, and a view over
            // the table just dropped would fail that check; the legacy rename leaves them to
            // find the new table by name, which is exactly the point of a replace.
            conn.execute_batch(&format!(
                "PRAGMA legacy_alter_table = ON; ALTER TABLE {} RENAME TO {}; PRAGMA legacy_alter_table = OFF;",
                quoted(&self.fill),
                quoted(&self.table)
            ))?;
        }
        if let Some(cols) = &self.record {
            record_columns(conn, &self.table, cols)?;
        }
        Ok(())
    }
}

/// Checks the request against the database and makes the table the rows go into.
/// `columns` are the included planned columns with their position in the request.
pub(super) fn prepare(
    conn: &Connection,
    req: &ImportRequest,
    columns: &[(usize, &PlannedColumn)],
) -> Result<Target, Failure> {
    let name = req.table.trim();
    if req.mode == ImportMode::Create {
        if let Some(p) = identifier_problem(name, "table") {
            return Err(invalid("table", p));
        }
    }
    let existing = object_named(conn, name)?;
    let metas: Vec<ColumnMeta> = columns
        .iter()
        .map(|(_, c)| ColumnMeta {
            name: c.name.clone(),
            column_type: c.column_type,
            pii: c.pii,
        })
        .collect();
    let new_names = || columns.iter().map(|(_, c)| c.name.clone()).collect();
    match (req.mode, existing) {
        (ImportMode::Create | ImportMode::Replace, None) => {
            if let Some(p) = identifier_problem(name, "table") {
                return Err(invalid("table", p));
            }
            create(conn, name, &metas)?;
            Ok(Target {
                table: name.to_string(),
                fill: name.to_string(),
                insert_columns: new_names(),
                record: Some(metas),
                replaces: None,
            })
        }
        (ImportMode::Create, Some((kind, stored))) => Err(invalid(
            "table",
            if kind == "table" {
                format!("A table named {stored} already exists: choose another name, or add the rows to it or replace it.")
            } else {
                format!("{stored} is already the name of a {kind} in the customer database: choose another name.")
            },
        )),
        (_, Some((kind, stored))) if kind != "table" => Err(invalid(
            "table",
            format!("{stored} is a {kind}, not a table: choose a table to import into."),
        )),
        (ImportMode::Append, None) => Err(invalid(
            "table",
            format!("There is no table named {name} to add rows to: choose an existing table, or create a new one."),
        )),
        (ImportMode::Append, Some((_, stored))) => {
            let insert_columns = matching_columns(conn, &stored, columns)?;
            Ok(Target {
                table: stored.clone(),
                fill: stored,
                insert_columns,
                record: None,
                replaces: None,
            })
        }
        (ImportMode::Replace, Some((_, stored))) => {
            conn.execute_batch(&format!("DROP TABLE IF EXISTS {}", quoted(STAGING)))?;
            create(conn, STAGING, &metas)?;
            Ok(Target {
                table: stored.clone(),
                fill: STAGING.to_string(),
                insert_columns: new_names(),
                record: Some(metas),
                replaces: Some(stored),
            })
        }
    }
}

/// Why preparing the table failed: the request, or the database underneath.
#[derive(Debug)]
pub(super) enum Failure {
    Invalid(DataError),
    Sql(rusqlite::Error),
}

impl From<rusqlite::Error> for Failure {
    fn from(e: rusqlite::Error) -> Self {
        Failure::Sql(e)
    }
}

fn invalid(field: &str, message: impl Into<String>) -> Failure {
    Failure::Invalid(DataError::field(field, message))
}

/// The kind ("table", "view", "index", "trigger") and stored name of the schema object
/// called `name` in any letter case: they all share one namespace.
fn object_named(conn: &Connection, name: &str) -> rusqlite::Result<Option<(String, String)>> {
    if let Some(table) = find_table(conn, name)? {
        return Ok(Some(("table".into(), table)));
    }
    conn.query_row(
        "SELECT type, name FROM sqlite_schema WHERE name = ?1 COLLATE NOCASE
           AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name NOT LIKE '\\_ferry%' ESCAPE '\\'",
        [name],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .optional()
}

fn create(conn: &Connection, table: &str, columns: &[ColumnMeta]) -> rusqlite::Result<()> {
    let cols: Vec<String> = columns
        .iter()
        .map(|c| format!("{} {}", quoted(&c.name), c.column_type.sql_decl()))
        .collect();
    conn.execute_batch(&format!(
        "CREATE TABLE {} ({})",
        quoted(table),
        cols.join(", ")
    ))
}

/// The existing table's names for the planned columns, when they match it: the same
/// columns (in any order and letter case), each of the same type.
fn matching_columns(
    conn: &Connection,
    table: &str,
    columns: &[(usize, &PlannedColumn)],
) -> Result<Vec<String>, Failure> {
    let existing = columns_of(conn, table)?;
    let mut problems = Vec::new();
    let mut names = Vec::new();
    for (i, c) in columns {
        let Some(col) = existing
            .iter()
            .find(|e| e.name.eq_ignore_ascii_case(&c.name))
        else {
            let have: Vec<&str> = existing.iter().map(|e| e.name.as_str()).collect();
            problems.push(Problem::new(
                format!("columns[{i}].name"),
                format!(
                    "{table} has no column named {}: rename it to one of {}, or leave it out.",
                    c.name,
                    have.join(", ")
                ),
            ));
            continue;
        };
        if col.column_type != c.column_type && col.column_type != ColumnType::Unknown {
            problems.push(Problem::new(
                format!("columns[{i}].type"),
                format!(
                    "{table}.{} holds {}, not {}: choose {} for it.",
                    col.name,
                    type_words(col.column_type),
                    type_words(c.column_type),
                    type_words(col.column_type)
                ),
            ));
        }
        names.push(col.name.clone());
    }
    let missing: Vec<&str> = existing
        .iter()
        .filter(|e| {
            !columns
                .iter()
                .any(|(_, c)| c.name.eq_ignore_ascii_case(&e.name))
        })
        .map(|e| e.name.as_str())
        .collect();
    if !missing.is_empty() {
        problems.push(Problem::new(
            "columns",
            format!(
                "The file has no column for {} of {table}: include the file's column for each, or import into a new table.",
                missing.join(", ")
            ),
        ));
    }
    if problems.is_empty() {
        Ok(names)
    } else {
        Err(Failure::Invalid(DataError::Invalid(problems)))
    }
}

/// A type as a person would say it.
pub(super) fn type_words(t: ColumnType) -> &'static str {
    match t {
        ColumnType::Text => "text",
        ColumnType::Integer => "whole numbers",
        ColumnType::Decimal => "decimals",
        ColumnType::Boolean => "true/false",
        ColumnType::Date => "dates",
        ColumnType::DateTime => "dates and times",
        ColumnType::Unknown => "mixed values",
    }
}
