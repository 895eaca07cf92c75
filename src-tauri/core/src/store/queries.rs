//! The `queries` table: saved SQL over the customer database. Migration:
//! `migrations/0005_queries_and_segments.sql`.

use crate::error::{Error, Result};
use rusqlite::{params, Connection, OptionalExtension, Row};

/// One saved query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryRow {
    pub id: String,
    pub name: String,
    pub description: String,
    pub sql: String,
    pub time_limit_secs: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLUMNS: &str = "id, name, description, sql, time_limit_secs, created_at, updated_at";

fn from_row(r: &Row<'_>) -> rusqlite::Result<QueryRow> {
    Ok(QueryRow {
        id: r.get(0)?,
        name: r.get(1)?,
        description: r.get(2)?,
        sql: r.get(3)?,
        time_limit_secs: r.get(4)?,
        created_at: r.get(5)?,
        updated_at: r.get(6)?,
    })
}

/// Every saved query, by name.
pub fn list(conn: &Connection) -> Result<Vec<QueryRow>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM queries ORDER BY name COLLATE NOCASE"
    ))?;
    let rows = stmt
        .query_map([], from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// The query with this id, if any.
pub fn get(conn: &Connection, id: &str) -> Result<Option<QueryRow>> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM queries WHERE id = ?1"),
            [id],
            from_row,
        )
        .optional()?)
}

/// Inserts a new row or replaces the one with the same id (keeping its `created_at`).
pub fn upsert(conn: &Connection, q: &QueryRow) -> Result<()> {
    conn.execute(
        "INSERT INTO queries (id, name, description, sql, time_limit_secs, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (id) DO UPDATE SET
             name = excluded.name, description = excluded.description, sql = excluded.sql,
             time_limit_secs = excluded.time_limit_secs, updated_at = excluded.updated_at",
        params![
            q.id,
            q.name,
            q.description,
            q.sql,
            q.time_limit_secs,
            q.created_at,
            q.updated_at
        ],
    )?;
    Ok(())
}

/// Deletes the row; a missing one is `NotFound`.
pub fn delete(conn: &Connection, id: &str) -> Result<()> {
    if conn.execute("DELETE FROM queries WHERE id = ?1", [id])? == 0 {
        return Err(Error::NotFound {
            what: "query",
            key: id.to_string(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    fn row(id: &str, name: &str) -> QueryRow {
        QueryRow {
            id: id.into(),
            name: name.into(),
            description: String::new(),
            sql: "SELECT * FROM customers".into(),
            time_limit_secs: 30,
            created_at: 1,
            updated_at: 1,
        }
    }

    #[test]
    fn queries_are_saved_listed_by_name_updated_and_deleted() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        store
            .with_tx(|tx| {
                upsert(tx, &row("qry_2", "Zebra"))?;
                upsert(tx, &row("qry_1", "apple"))?;
                upsert(
                    tx,
                    &QueryRow {
                        sql: "SELECT 1".into(),
                        updated_at: 9,
                        ..row("qry_2", "Zebra")
                    },
                )
            })
            .unwrap();
        let all = store.read(list).unwrap();
        assert_eq!(
            all.iter().map(|q| q.name.as_str()).collect::<Vec<_>>(),
            ["apple", "Zebra"],
            "listed by name, ignoring case"
        );
        let z = store.read(|c| get(c, "qry_2")).unwrap().unwrap();
        assert_eq!(
            (z.sql.as_str(), z.created_at, z.updated_at),
            ("SELECT 1", 1, 9)
        );
        store.with_tx(|tx| delete(tx, "qry_1")).unwrap();
        assert!(matches!(
            store.with_tx(|tx| delete(tx, "qry_1")),
            Err(Error::NotFound { what: "query", .. })
        ));
    }

    #[test]
    fn names_are_unique_in_any_case_and_limits_are_bounded() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        store
            .with_tx(|tx| upsert(tx, &row("qry_1", "Gold")))
            .unwrap();
        let dup = store.with_tx(|tx| upsert(tx, &row("qry_2", "GOLD")));
        assert!(dup.is_err(), "a second query named GOLD is refused");
        let zero = store.with_tx(|tx| {
            upsert(
                tx,
                &QueryRow {
                    time_limit_secs: 0,
                    ..row("qry_3", "x")
                },
            )
        });
        assert!(zero.is_err(), "a time limit of 0 s is refused by the table");
    }
}
