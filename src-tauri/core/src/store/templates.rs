//! The `templates` table: data templates, one destination each. Migration:
//! `migrations/0007_templates.sql`.
//!
//! The mapping is stored as JSON text; `mapping::plan` owns its shape and checks it against the
//! table and the source whenever the template is used. Deleting a destination deletes its
//! templates (the foreign key cascades), since a template means nothing without where it sends.

use crate::error::{Error, Result};
use rusqlite::{params, Connection, OptionalExtension, Row};

/// Where a template reads its rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    Query,
    Segment,
}

impl SourceKind {
    fn as_str(self) -> &'static str {
        match self {
            SourceKind::Query => "query",
            SourceKind::Segment => "segment",
        }
    }
}

/// One template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateRow {
    pub id: String,
    pub name: String,
    pub description: String,
    pub destination_id: String,
    pub source_kind: SourceKind,
    pub source_id: String,
    /// The Dataverse table's logical name.
    pub table_name: String,
    /// The mapping as JSON text.
    pub mapping: String,
    pub business_users: bool,
    pub restricted_pii: bool,
    pub campaigns: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLUMNS: &str = "id, name, description, destination_id, source_kind, source_id, table_name, \
                       mapping, business_users, restricted_pii, campaigns, created_at, updated_at";

fn from_row(r: &Row<'_>) -> rusqlite::Result<TemplateRow> {
    let kind: String = r.get(4)?;
    Ok(TemplateRow {
        id: r.get(0)?,
        name: r.get(1)?,
        description: r.get(2)?,
        destination_id: r.get(3)?,
        // NOTE: the CHECK constraint admits only these two.
        source_kind: if kind == "segment" {
            SourceKind::Segment
        } else {
            SourceKind::Query
        },
        source_id: r.get(5)?,
        table_name: r.get(6)?,
        mapping: r.get(7)?,
        business_users: r.get(8)?,
        restricted_pii: r.get(9)?,
        campaigns: r.get(10)?,
        created_at: r.get(11)?,
        updated_at: r.get(12)?,
    })
}

/// Every template, by destination then name.
pub fn list(conn: &Connection) -> Result<Vec<TemplateRow>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM templates ORDER BY destination_id, name COLLATE NOCASE"
    ))?;
    let rows = stmt
        .query_map([], from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// The template with this id, if any.
pub fn get(conn: &Connection, id: &str) -> Result<Option<TemplateRow>> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM templates WHERE id = ?1"),
            [id],
            from_row,
        )
        .optional()?)
}

/// Inserts a new row or replaces the one with the same id (keeping its `created_at`).
pub fn upsert(conn: &Connection, t: &TemplateRow) -> Result<()> {
    conn.execute(
        &format!(
            "INSERT INTO templates ({COLUMNS})
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
             ON CONFLICT (id) DO UPDATE SET
                 name = excluded.name, description = excluded.description,
                 destination_id = excluded.destination_id, source_kind = excluded.source_kind,
                 source_id = excluded.source_id, table_name = excluded.table_name,
                 mapping = excluded.mapping, business_users = excluded.business_users,
                 restricted_pii = excluded.restricted_pii, campaigns = excluded.campaigns,
                 updated_at = excluded.updated_at"
        ),
        params![
            t.id,
            t.name,
            t.description,
            t.destination_id,
            t.source_kind.as_str(),
            t.source_id,
            t.table_name,
            t.mapping,
            t.business_users,
            t.restricted_pii,
            t.campaigns,
            t.created_at,
            t.updated_at
        ],
    )?;
    Ok(())
}

/// Deletes the row; a missing one is `NotFound`.
pub fn delete(conn: &Connection, id: &str) -> Result<()> {
    if conn.execute("DELETE FROM templates WHERE id = ?1", [id])? == 0 {
        return Err(Error::NotFound {
            what: "template",
            key: id.to_string(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::destinations::{self, DestinationRow};
    use crate::store::Store;

    fn destination(conn: &Connection) {
        conn.execute(
            "INSERT INTO credentials (id, name, description, plugin, client_id, secret_expires_on,
                                      secret_set_at, created_at, updated_at)
             VALUES ('cred_1', 'App', '', 'microsoft-dynamics', 'x', NULL, 1, 1, 1)",
            [],
        )
        .unwrap();
        destinations::upsert(
            conn,
            &DestinationRow {
                id: "dst_1".into(),
                name: "EU".into(),
                description: String::new(),
                plugin: "microsoft-dynamics".into(),
                credential_id: "cred_1".into(),
                tenant_id: "contoso.onmicrosoft.com".into(),
                dynamics_url: "https://contoso.crm4.dynamics.com".into(),
                cloud: "commercial".into(),
                api_version: "9.2".into(),
                business_users: true,
                restricted_pii: false,
                created_at: 1,
                updated_at: 1,
            },
        )
        .unwrap();
    }

    fn template(id: &str, name: &str, mapping: &str) -> TemplateRow {
        TemplateRow {
            id: id.into(),
            name: name.into(),
            description: String::new(),
            destination_id: "dst_1".into(),
            source_kind: SourceKind::Segment,
            source_id: "seg_1".into(),
            table_name: "contact".into(),
            mapping: mapping.into(),
            business_users: true,
            restricted_pii: false,
            campaigns: true,
            created_at: 1,
            updated_at: 1,
        }
    }

    #[test]
    fn templates_round_trip_and_go_with_their_destination() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let mapping = r#"{"operation":{"kind":"create"},"fields":[]}"#;
        store
            .with_tx(|tx| {
                destination(tx);
                upsert(tx, &template("tpl_1", "Demo contacts", mapping))
            })
            .unwrap();
        let got = store.read(|c| get(c, "tpl_1")).unwrap().unwrap();
        assert_eq!(got, template("tpl_1", "Demo contacts", mapping));
        let dup = store.with_tx(|tx| upsert(tx, &template("tpl_2", "demo CONTACTS", mapping)));
        assert!(dup.is_err(), "names are unique in any case");
        let bad = store.with_tx(|tx| upsert(tx, &template("tpl_3", "Other", "{not json")));
        assert!(bad.is_err(), "the mapping must be JSON");
        store
            .with_tx(|tx| destinations::delete(tx, "dst_1"))
            .unwrap();
        assert!(
            store.read(list).unwrap().is_empty(),
            "deleting the destination deletes its templates"
        );
    }
}
