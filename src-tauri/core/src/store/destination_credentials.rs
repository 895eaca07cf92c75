//! The `destination_credentials` table: the additional credentials of each destination, in
//! the order the user listed them.
//!
//! Only storage: which credentials may be listed (none twice, not the main one, no two with
//! one client id) is [`crate::ops::destinations`]' job. Migration:
//! `migrations/0009_destination_credentials.sql`.

use crate::error::Result;
use rusqlite::{params, Connection};

/// The ids of `destination_id`'s additional credentials, in their listed order.
pub fn list(conn: &Connection, destination_id: &str) -> Result<Vec<String>> {
    let mut stmt = conn.prepare(
        "SELECT credential_id FROM destination_credentials WHERE destination_id = ?1
         ORDER BY position",
    )?;
    let rows = stmt
        .query_map([destination_id], |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    Ok(rows)
}

/// Replaces `destination_id`'s additional credentials with `credential_ids`, in that order.
pub fn replace(conn: &Connection, destination_id: &str, credential_ids: &[String]) -> Result<()> {
    conn.execute(
        "DELETE FROM destination_credentials WHERE destination_id = ?1",
        [destination_id],
    )?;
    let mut insert = conn.prepare(
        "INSERT INTO destination_credentials (destination_id, credential_id, position)
         VALUES (?1, ?2, ?3)",
    )?;
    for (position, credential_id) in credential_ids.iter().enumerate() {
        insert.execute(params![destination_id, credential_id, position as i64])?;
    }
    Ok(())
}

/// Ids and names of the destinations that list this credential as an additional one.
pub fn list_by_credential(conn: &Connection, credential_id: &str) -> Result<Vec<(String, String)>> {
    let mut stmt = conn.prepare(
        "SELECT d.id, d.name FROM destination_credentials dc
         JOIN destinations d ON d.id = dc.destination_id
         WHERE dc.credential_id = ?1 ORDER BY d.name COLLATE NOCASE",
    )?;
    let rows = stmt
        .query_map([credential_id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db() -> Connection {
        let conn = Connection::open_in_memory().expect("an in-memory database");
        conn.execute_batch(
            "PRAGMA foreign_keys = ON;
             CREATE TABLE credentials (id TEXT PRIMARY KEY);
             CREATE TABLE destinations (id TEXT PRIMARY KEY, name TEXT NOT NULL);",
        )
        .expect("parent tables");
        conn.execute_batch(include_str!("migrations/0009_destination_credentials.sql"))
            .expect("the migration applies");
        conn.execute_batch(
            "INSERT INTO credentials VALUES ('crd_a'), ('crd_b'), ('crd_c');
             INSERT INTO destinations VALUES ('dst_1', 'One'), ('dst_2', 'Two');",
        )
        .expect("rows");
        conn
    }

    #[test]
    fn replace_keeps_the_listed_order_and_drops_what_is_left_out() {
        let conn = db();
        replace(&conn, "dst_1", &["crd_c".into(), "crd_a".into()]).expect("stored");
        assert_eq!(
            list(&conn, "dst_1").expect("listed"),
            vec!["crd_c", "crd_a"],
            "the order the user gave, not the ids' order"
        );
        replace(&conn, "dst_1", &["crd_b".into()]).expect("replaced");
        assert_eq!(
            list(&conn, "dst_1").expect("listed"),
            vec!["crd_b"],
            "a replacement drops the credentials no longer listed"
        );
    }

    #[test]
    fn a_listed_credential_cannot_be_deleted_and_a_deleted_destination_takes_its_list() {
        let conn = db();
        replace(&conn, "dst_1", &["crd_a".into()]).expect("stored");
        replace(&conn, "dst_2", &["crd_a".into()]).expect("stored");
        assert_eq!(
            list_by_credential(&conn, "crd_a").expect("listed"),
            vec![
                ("dst_1".to_string(), "One".to_string()),
                ("dst_2".to_string(), "Two".to_string())
            ],
            "both destinations name it"
        );
        assert!(
            conn.execute("DELETE FROM credentials WHERE id = 'crd_a'", [])
                .is_err(),
            "RESTRICT keeps a listed credential"
        );
        conn.execute("DELETE FROM destinations WHERE id = 'dst_1'", [])
            .expect("a destination can go");
        assert_eq!(
            list(&conn, "dst_1").expect("listed"),
            Vec::<String>::new(),
            "its list went with it"
        );
    }
}
