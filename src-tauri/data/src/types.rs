//! The vocabulary every part of the customer-data side shares: column types, cells, column
//! descriptions and the rules for table and column names.

use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Asks a long operation (an import, a query) to stop. Clones share one flag, so the UI's
/// Cancel button and the worker see the same request.
#[derive(Debug, Clone, Default)]
pub struct CancelToken(Arc<AtomicBool>);

impl CancelToken {
    pub fn new() -> Self {
        Self::default()
    }
    /// Requests the stop; the operation notices at its next check.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// What a column holds, as Ferry understands it. SQLite's own affinities cannot tell a date
/// from text or a boolean from a number, so Ferry records this per column (see `schema`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum ColumnType {
    Text,
    Integer,
    Decimal,
    Boolean,
    /// `YYYY-MM-DD`, stored as text.
    Date,
    /// ISO 8601 `YYYY-MM-DDTHH:MM:SS[.fff][Z|±HH:MM]`, stored as text.
    DateTime,
    /// A query's computed column whose values do not share one type.
    Unknown,
}

impl ColumnType {
    /// The SQLite declared type a column of this type gets when Ferry creates it.
    pub fn sql_decl(self) -> &'static str {
        match self {
            ColumnType::Integer | ColumnType::Boolean => "INTEGER",
            ColumnType::Decimal => "REAL",
            ColumnType::Text | ColumnType::Date | ColumnType::DateTime | ColumnType::Unknown => {
                "TEXT"
            }
        }
    }

    /// The name stored in Ferry's column table and shown in the CLI.
    pub fn as_str(self) -> &'static str {
        match self {
            ColumnType::Text => "text",
            ColumnType::Integer => "integer",
            ColumnType::Decimal => "decimal",
            ColumnType::Boolean => "boolean",
            ColumnType::Date => "date",
            ColumnType::DateTime => "dateTime",
            ColumnType::Unknown => "unknown",
        }
    }

    /// The inverse of [`ColumnType::as_str`]; also accepts `datetime` and `date-time`.
    pub fn parse(s: &str) -> Option<ColumnType> {
        Some(match s.to_ascii_lowercase().as_str() {
            "text" => ColumnType::Text,
            "integer" | "int" => ColumnType::Integer,
            "decimal" | "real" | "number" => ColumnType::Decimal,
            "boolean" | "bool" => ColumnType::Boolean,
            "date" => ColumnType::Date,
            "datetime" | "date-time" => ColumnType::DateTime,
            "unknown" => ColumnType::Unknown,
            _ => return None,
        })
    }

    /// The type of a column declared outside Ferry (a table made with SQL), from its
    /// declared type by SQLite's own affinity rules.
    pub fn from_decl(decl: &str) -> ColumnType {
        let d = decl.to_ascii_uppercase();
        if d.contains("INT") {
            ColumnType::Integer
        } else if d.contains("CHAR") || d.contains("CLOB") || d.contains("TEXT") {
            ColumnType::Text
        } else if d.contains("REAL") || d.contains("FLOA") || d.contains("DOUB") {
            ColumnType::Decimal
        } else if d.contains("BOOL") {
            ColumnType::Boolean
        } else if d.contains("DATETIME") || d.contains("TIMESTAMP") {
            ColumnType::DateTime
        } else if d.contains("DATE") {
            ColumnType::Date
        } else if d.contains("NUM") || d.contains("DEC") {
            ColumnType::Decimal
        } else {
            ColumnType::Unknown
        }
    }
}

/// One value in a row, as it crosses to the UI and to the mapping: JSON `null`, a number or a
/// string. Booleans are 0/1 integers; the column's [`ColumnType`] says how to show them.
///
/// NOTE: integers beyond 2^53 lose precision in JavaScript; customer ids that large are kept
/// as text by import, which never infers integer for a column with such values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(untagged)]
#[ts(export)]
pub enum Cell {
    Null,
    Integer(i64),
    Real(f64),
    Text(String),
}

impl rusqlite::ToSql for Cell {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(match self {
            Cell::Null => ToSqlOutput::Borrowed(ValueRef::Null),
            Cell::Integer(i) => ToSqlOutput::Borrowed(ValueRef::Integer(*i)),
            Cell::Real(f) => ToSqlOutput::Borrowed(ValueRef::Real(*f)),
            Cell::Text(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
        })
    }
}

/// What a hidden personal-data value shows instead of itself (see [`hide_pii`]).
pub const PII_MASK: &str = "•••• (PII)";

/// Replaces every value of the PII-marked columns in `rows` with [`PII_MASK`], empty ones
/// included (an empty value says something about a person too). Returns whether any column
/// was PII, i.e. whether anything could have been hidden.
pub fn hide_pii(columns: &[ColumnMeta], rows: &mut [Vec<Cell>]) -> bool {
    let pii: Vec<usize> = columns
        .iter()
        .enumerate()
        .filter(|(_, c)| c.pii)
        .map(|(i, _)| i)
        .collect();
    for row in rows.iter_mut() {
        for &i in &pii {
            if let Some(cell) = row.get_mut(i) {
                *cell = Cell::Text(PII_MASK.to_string());
            }
        }
    }
    !pii.is_empty()
}

impl Cell {
    /// Reads a cell from a SQLite value. Blobs (which Ferry never writes) show as their size.
    pub fn from_sql(v: rusqlite::types::ValueRef<'_>) -> Cell {
        use rusqlite::types::ValueRef;
        match v {
            ValueRef::Null => Cell::Null,
            ValueRef::Integer(i) => Cell::Integer(i),
            ValueRef::Real(f) => Cell::Real(f),
            ValueRef::Text(t) => Cell::Text(String::from_utf8_lossy(t).into_owned()),
            ValueRef::Blob(b) => Cell::Text(format!("({} bytes of binary data)", b.len())),
        }
    }
}

/// A column of a table or of a query's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ColumnMeta {
    pub name: String,
    #[serde(rename = "type")]
    pub column_type: ColumnType,
    /// Holds personal data: redacted for users restricted from PII, flagged in previews.
    pub pii: bool,
}

/// Longest table or column name Ferry creates.
pub const MAX_NAME_LEN: usize = 64;

/// Why `name` cannot be a table or column name Ferry creates, or `None` when it can.
///
/// Names are plain identifiers (a letter or `_`, then letters, digits, `_`) so that they can be
/// written in SQL without quotes; names SQLite and Ferry reserve for themselves are refused.
pub fn identifier_problem(name: &str, what: &str) -> Option<String> {
    if name.is_empty() {
        return Some(format!("Enter a {what} name."));
    }
    if name.len() > MAX_NAME_LEN {
        return Some(format!(
            "The {what} name \"{name}\" is {} characters long: use at most {MAX_NAME_LEN}.",
            name.chars().count()
        ));
    }
    let mut chars = name.chars();
    let first = chars.next().unwrap_or('_');
    if !(first.is_ascii_alphabetic() || first == '_')
        || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        return Some(format!(
            "\"{name}\" is not a valid {what} name: use letters, digits and _ only, starting with a letter (for example customer_orders)."
        ));
    }
    let lower = name.to_ascii_lowercase();
    if lower.starts_with("sqlite_") || lower.starts_with("_ferry") {
        return Some(format!(
            "\"{name}\" is reserved for the database itself: choose another {what} name."
        ));
    }
    None
}

/// `name` in double quotes, for SQL Ferry writes. Names are checked by
/// [`identifier_problem`] first; quoting still keeps keywords such as `order` usable.
pub fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_must_be_plain_and_not_reserved() {
        assert!(identifier_problem("customers", "table").is_none());
        assert!(identifier_problem("_staging2", "table").is_none());
        for bad in [
            "",
            "2024_sales",
            "first name",
            "e-mail",
            "naïve",
            "sqlite_master",
            "_ferry_columns",
        ] {
            assert!(
                identifier_problem(bad, "table").is_some(),
                "{bad:?} must be refused"
            );
        }
        let long = "a".repeat(MAX_NAME_LEN + 1);
        assert!(identifier_problem(&long, "column")
            .unwrap()
            .contains("at most"));
    }

    #[test]
    fn cells_cross_to_the_ui_as_plain_json_values() {
        let row = vec![
            Cell::Null,
            Cell::Integer(7),
            Cell::Real(1.5),
            Cell::Text("O'Brien".into()),
        ];
        assert_eq!(
            serde_json::to_string(&row).unwrap(),
            r#"[null,7,1.5,"O'Brien"]"#
        );
    }

    #[test]
    fn declared_types_follow_sqlite_affinity() {
        assert_eq!(ColumnType::from_decl("BIGINT"), ColumnType::Integer);
        assert_eq!(ColumnType::from_decl("varchar(20)"), ColumnType::Text);
        assert_eq!(ColumnType::from_decl("DOUBLE"), ColumnType::Decimal);
        assert_eq!(ColumnType::from_decl("DATETIME"), ColumnType::DateTime);
        assert_eq!(ColumnType::from_decl("DATE"), ColumnType::Date);
        assert_eq!(ColumnType::from_decl(""), ColumnType::Unknown);
    }
}
