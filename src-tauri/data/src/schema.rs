//! What the customer database holds: its tables, their columns with Ferry's type and PII mark,
//! row counts and a sample of rows, for the Data tab's schema browser and for every reader
//! that needs to know which columns are personal data.

use crate::db::DataStore;
use crate::error::{DataError, Result};
use crate::types::{quoted, Cell, ColumnMeta, ColumnType};
use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;

/// A table in the customer database, as the schema browser lists it.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct TableSummary {
    pub name: String,
    pub columns: Vec<ColumnMeta>,
    pub row_count: i64,
}

/// A sample of a table's first rows.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct TableSample {
    pub table: String,
    pub columns: Vec<ColumnMeta>,
    pub rows: Vec<Vec<Cell>>,
    pub row_count: i64,
    /// Whether the values of the PII-marked columns were replaced by a mask for the viewer.
    pub pii_hidden: bool,
}

impl TableSample {
    /// Masks the PII-marked columns' values (see [`crate::types::hide_pii`]).
    pub fn hide_pii(&mut self) {
        self.pii_hidden = crate::types::hide_pii(&self.columns, &mut self.rows);
    }
}

/// Column names that usually hold personal data, so import suggests marking them PII.
const PII_HINTS: &[&str] = &[
    "email",
    "e_mail",
    "mail",
    "phone",
    "mobile",
    "telephone",
    "tel",
    "fax",
    "first_name",
    "firstname",
    "last_name",
    "lastname",
    "surname",
    "full_name",
    "fullname",
    "name",
    "middle_name",
    "birth",
    "dob",
    "address",
    "street",
    "postcode",
    "postal",
    "zip",
    "city",
    "ssn",
    "passport",
    "national_id",
    "tax_id",
    "iban",
    "card",
];

/// Whether a column with this name is likely personal data (email, phone, names, birthdate,
/// address): import suggests the PII mark, the user decides.
pub fn suggests_pii(column: &str) -> bool {
    let c = column.to_ascii_lowercase();
    PII_HINTS.iter().any(|hint| {
        c == *hint
            || c.starts_with(&format!("{hint}_"))
            || c.ends_with(&format!("_{hint}"))
            || c.contains(&format!("_{hint}_"))
            || (hint.len() > 4 && c.contains(hint))
    })
}

impl DataStore {
    /// Every user table, by name, with its columns and row count.
    pub fn tables(&self) -> Result<Vec<TableSummary>> {
        let conn = self.reader_connection()?;
        let names = table_names(&conn).map_err(|e| self.fail(e))?;
        names
            .into_iter()
            .map(|name| {
                let columns = columns_of(&conn, &name).map_err(|e| self.fail(e))?;
                let row_count = count_rows(&conn, &name).map_err(|e| self.fail(e))?;
                Ok(TableSummary {
                    name,
                    columns,
                    row_count,
                })
            })
            .collect()
    }

    /// One table's columns (type and PII mark each), or `NotFound` naming the table.
    pub fn columns(&self, table: &str) -> Result<Vec<ColumnMeta>> {
        let conn = self.reader_connection()?;
        let name = self.require_table(&conn, table)?;
        columns_of(&conn, &name).map_err(|e| self.fail(e))
    }

    /// The first `limit` rows of a table (at most 500), with its columns and row count.
    pub fn sample(&self, table: &str, limit: usize) -> Result<TableSample> {
        let conn = self.reader_connection()?;
        let name = self.require_table(&conn, table)?;
        let columns = columns_of(&conn, &name).map_err(|e| self.fail(e))?;
        let sql = format!("SELECT * FROM {} LIMIT {}", quoted(&name), limit.min(500));
        let rows = (|| {
            let mut stmt = conn.prepare(&sql)?;
            let n = stmt.column_count();
            let rows = stmt.query_map([], |r| {
                (0..n).map(|i| r.get_ref(i).map(Cell::from_sql)).collect()
            })?;
            rows.collect::<rusqlite::Result<Vec<Vec<Cell>>>>()
        })()
        .map_err(|e| self.fail(e))?;
        let row_count = count_rows(&conn, &name).map_err(|e| self.fail(e))?;
        Ok(TableSample {
            table: name,
            columns,
            rows,
            row_count,
            pii_hidden: false,
        })
    }

    /// Marks or unmarks a column as personal data. Returns the column as it now stands.
    pub fn set_pii(&self, table: &str, column: &str, pii: bool) -> Result<ColumnMeta> {
        let conn = self.writer();
        let name = self.require_table(&conn, table)?;
        let columns = columns_of(&conn, &name).map_err(|e| self.fail(e))?;
        let Some(col) = columns
            .into_iter()
            .find(|c| c.name.eq_ignore_ascii_case(column))
        else {
            return Err(DataError::NotFound(format!(
                "The table {name} has no column named \"{column}\"."
            )));
        };
        conn.execute(
            "INSERT INTO _ferry_columns (table_name, column_name, type, pii) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (table_name, column_name) DO UPDATE SET pii = excluded.pii",
            rusqlite::params![name, col.name, col.column_type.as_str(), pii as i64],
        )
        .map_err(|e| self.fail(e))?;
        Ok(ColumnMeta { pii, ..col })
    }

    /// The table's name as stored, if a table by this name exists in any letter case.
    pub(crate) fn require_table(&self, conn: &Connection, table: &str) -> Result<String> {
        find_table(conn, table)
            .map_err(|e| self.fail(e))?
            .ok_or_else(|| {
                DataError::NotFound(format!(
                    "The customer database has no table named \"{table}\"."
                ))
            })
    }
}

/// The stored name of the user table matching `table` in any letter case.
pub(crate) fn find_table(conn: &Connection, table: &str) -> rusqlite::Result<Option<String>> {
    conn.query_row(
        "SELECT name FROM sqlite_schema WHERE type = 'table' AND name = ?1 COLLATE NOCASE
           AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name NOT LIKE '\\_ferry%' ESCAPE '\\'",
        [table],
        |r| r.get(0),
    )
    .optional()
}

/// User tables (not SQLite's, not Ferry's bookkeeping), sorted by name.
pub(crate) fn table_names(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare(
        "SELECT name FROM sqlite_schema WHERE type IN ('table', 'view')
           AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name NOT LIKE '\\_ferry%' ESCAPE '\\'
         ORDER BY name COLLATE NOCASE",
    )?;
    let names = stmt.query_map([], |r| r.get(0))?;
    names.collect()
}

/// A table's columns in order, each with Ferry's recorded type and PII mark, or, for a
/// column Ferry did not create, the type its declaration implies and no mark.
pub(crate) fn columns_of(conn: &Connection, table: &str) -> rusqlite::Result<Vec<ColumnMeta>> {
    let mut stmt = conn.prepare(
        "SELECT c.name, c.type, f.type, coalesce(f.pii, 0)
           FROM pragma_table_info(?1) AS c
           LEFT JOIN _ferry_columns AS f
             ON f.table_name = ?1 AND f.column_name = c.name
          ORDER BY c.cid",
    )?;
    let cols = stmt.query_map([table], |r| {
        let decl: String = r.get(1)?;
        let ferry: Option<String> = r.get(2)?;
        let column_type = ferry
            .as_deref()
            .and_then(ColumnType::parse)
            .unwrap_or_else(|| ColumnType::from_decl(&decl));
        Ok(ColumnMeta {
            name: r.get(0)?,
            column_type,
            pii: r.get::<_, i64>(3)? != 0,
        })
    })?;
    cols.collect()
}

/// Records each column's type and PII mark for a table Ferry has just made, replacing what was
/// recorded for a table of that name before. Runs inside the caller's transaction.
pub(crate) fn record_columns(
    conn: &Connection,
    table: &str,
    columns: &[ColumnMeta],
) -> rusqlite::Result<()> {
    conn.execute("DELETE FROM _ferry_columns WHERE table_name = ?1", [table])?;
    let mut stmt = conn.prepare(
        "INSERT INTO _ferry_columns (table_name, column_name, type, pii) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for c in columns {
        stmt.execute(rusqlite::params![
            table,
            c.name,
            c.column_type.as_str(),
            c.pii as i64
        ])?;
    }
    Ok(())
}

fn count_rows(conn: &Connection, table: &str) -> rusqlite::Result<i64> {
    conn.query_row(
        &format!("SELECT count(*) FROM {}", quoted(table)),
        [],
        |r| r.get(0),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store_with_table() -> (tempfile::TempDir, DataStore) {
        let dir = tempfile::tempdir().unwrap();
        let store = DataStore::open(dir.path()).unwrap();
        {
            let conn = store.writer();
            conn.execute_batch(
                "CREATE TABLE people (id TEXT, email TEXT, joined TEXT, score REAL);
                 INSERT INTO people VALUES ('a', 'a@example.com', '2024-01-02', 1.5),
                                           ('b', NULL, '2024-03-04', NULL);",
            )
            .unwrap();
            let cols = vec![
                ColumnMeta {
                    name: "id".into(),
                    column_type: ColumnType::Text,
                    pii: false,
                },
                ColumnMeta {
                    name: "email".into(),
                    column_type: ColumnType::Text,
                    pii: true,
                },
                ColumnMeta {
                    name: "joined".into(),
                    column_type: ColumnType::Date,
                    pii: false,
                },
                ColumnMeta {
                    name: "score".into(),
                    column_type: ColumnType::Decimal,
                    pii: false,
                },
            ];
            record_columns(&conn, "people", &cols).unwrap();
        }
        (dir, store)
    }

    #[test]
    fn tables_list_columns_with_types_marks_and_counts() {
        let (_dir, store) = store_with_table();
        let tables = store.tables().unwrap();
        assert_eq!(tables.len(), 1, "Ferry's bookkeeping tables are not listed");
        let t = &tables[0];
        assert_eq!(t.name, "people");
        assert_eq!(t.row_count, 2);
        assert_eq!(t.columns[1].name, "email");
        assert!(t.columns[1].pii);
        assert_eq!(
            t.columns[2].column_type,
            ColumnType::Date,
            "Ferry's type wins over TEXT"
        );
    }

    #[test]
    fn pii_marks_can_be_set_and_cleared_and_survive_reopening() {
        let (dir, store) = store_with_table();
        let c = store.set_pii("PEOPLE", "Joined", true).unwrap();
        assert!(c.pii);
        store.set_pii("people", "email", false).unwrap();
        drop(store);
        let store = DataStore::open(dir.path()).unwrap();
        let cols = store.columns("people").unwrap();
        assert!(cols[2].pii, "the new mark is kept");
        assert!(!cols[1].pii, "the cleared mark stays cleared");
    }

    #[test]
    fn unknown_tables_and_columns_are_named_in_the_error() {
        let (_dir, store) = store_with_table();
        let e = store.set_pii("people", "shoe_size", true).unwrap_err();
        assert!(e.to_string().contains("shoe_size"), "{e}");
        let e = store.sample("orders", 10).unwrap_err();
        assert!(matches!(e, DataError::NotFound(_)) && e.to_string().contains("orders"));
    }

    #[test]
    fn a_sample_returns_typed_cells() {
        let (_dir, store) = store_with_table();
        let s = store.sample("people", 10).unwrap();
        assert_eq!(s.rows.len(), 2);
        assert_eq!(s.rows[1][1], Cell::Null);
        assert_eq!(s.rows[0][3], Cell::Real(1.5));
    }

    #[test]
    fn personal_column_names_are_suggested_as_pii() {
        for yes in [
            "email",
            "Email",
            "first_name",
            "phone_mobile",
            "birthdate",
            "home_address",
            "postcode",
        ] {
            assert!(suggests_pii(yes), "{yes} should be suggested");
        }
        for no in [
            "loyalty_tier",
            "lifetime_value",
            "opt_in_sms",
            "order_total",
            "customer_id",
        ] {
            assert!(!suggests_pii(no), "{no} should not be suggested");
        }
    }
}
