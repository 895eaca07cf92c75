//! The `segments` table: saved audiences, each a JSON definition of conditions on the customer
//! database. Migration: `migrations/0005_queries_and_segments.sql`.
//!
//! The definition is stored as the JSON the segment builder sends; ferry-data owns its shape
//! and checks it against the customer database whenever it is used, since a column it names
//! can disappear when a table is replaced.

use crate::error::{Error, Result};
use rusqlite::{params, Connection, OptionalExtension, Row};

/// One saved segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SegmentRow {
    pub id: String,
    pub name: String,
    pub description: String,
    /// The definition as JSON text.
    pub definition: String,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLUMNS: &str = "id, name, description, definition, created_at, updated_at";

fn from_row(r: &Row<'_>) -> rusqlite::Result<SegmentRow> {
    Ok(SegmentRow {
        id: r.get(0)?,
        name: r.get(1)?,
        description: r.get(2)?,
        definition: r.get(3)?,
        created_at: r.get(4)?,
        updated_at: r.get(5)?,
    })
}

/// Every saved segment, by name.
pub fn list(conn: &Connection) -> Result<Vec<SegmentRow>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM segments ORDER BY name COLLATE NOCASE"
    ))?;
    let rows = stmt
        .query_map([], from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// The segment with this id, if any.
pub fn get(conn: &Connection, id: &str) -> Result<Option<SegmentRow>> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM segments WHERE id = ?1"),
            [id],
            from_row,
        )
        .optional()?)
}

/// Inserts a new row or replaces the one with the same id (keeping its `created_at`).
pub fn upsert(conn: &Connection, s: &SegmentRow) -> Result<()> {
    conn.execute(
        "INSERT INTO segments (id, name, description, definition, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (id) DO UPDATE SET
             name = excluded.name, description = excluded.description,
             definition = excluded.definition, updated_at = excluded.updated_at",
        params![
            s.id,
            s.name,
            s.description,
            s.definition,
            s.created_at,
            s.updated_at
        ],
    )?;
    Ok(())
}

/// Deletes the row; a missing one is `NotFound`.
pub fn delete(conn: &Connection, id: &str) -> Result<()> {
    if conn.execute("DELETE FROM segments WHERE id = ?1", [id])? == 0 {
        return Err(Error::NotFound {
            what: "segment",
            key: id.to_string(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    fn row(id: &str, name: &str, definition: &str) -> SegmentRow {
        SegmentRow {
            id: id.into(),
            name: name.into(),
            description: String::new(),
            definition: definition.into(),
            created_at: 1,
            updated_at: 1,
        }
    }

    #[test]
    fn segments_round_trip_their_definition() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let def = r#"{"table":"customers","rules":{"match":"all","rules":[]}}"#;
        store
            .with_tx(|tx| upsert(tx, &row("seg_1", "Gold", def)))
            .unwrap();
        let got = store.read(|c| get(c, "seg_1")).unwrap().unwrap();
        assert_eq!(got.definition, def);
        assert_eq!(store.read(list).unwrap().len(), 1);
        store.with_tx(|tx| delete(tx, "seg_1")).unwrap();
        assert!(store.read(|c| get(c, "seg_1")).unwrap().is_none());
    }

    #[test]
    fn a_definition_that_is_not_json_is_refused_by_the_table() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let bad = store.with_tx(|tx| upsert(tx, &row("seg_1", "Gold", "{not json")));
        assert!(bad.is_err());
        let dup = store.with_tx(|tx| {
            upsert(tx, &row("seg_1", "Gold", "{}"))?;
            upsert(tx, &row("seg_2", "gold", "{}"))
        });
        assert!(dup.is_err(), "names are unique in any case");
    }
}
