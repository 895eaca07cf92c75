//! Connection-level checks shared by the store and its backups: opening a file so nothing
//! can be written through it, and asking SQLite whether a file is intact.

use super::error;
use crate::error::Result;
use rusqlite::{Connection, OpenFlags};
use std::path::Path;

/// Opens `path` so that nothing can be written through the connection.
///
/// NOTE: a WAL database needs its -shm file to be read; in a read-only folder where the last
/// writer removed it, SQLite cannot create one and refuses. `immutable=1` then reads the file
/// as it stands, which is exact because a cleanly closed WAL database has nothing left in a
/// -wal file either.
pub(crate) fn open_read_only(path: &Path) -> Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags)?;
    let probe = conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    });
    match probe {
        Err(e)
            if matches!(
                error::sqlite_code(&e),
                Some(rusqlite::ErrorCode::CannotOpen | rusqlite::ErrorCode::ReadOnly)
            ) =>
        {
            drop(conn);
            let uri = format!("file:{}?immutable=1", uri_path(path));
            Ok(Connection::open_with_flags(
                uri,
                flags | OpenFlags::SQLITE_OPEN_URI,
            )?)
        }
        _ => Ok(conn),
    }
}

fn uri_path(path: &Path) -> String {
    const RESERVED: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
        .add(b'%')
        .add(b'?')
        .add(b'#')
        .add(b' ');
    percent_encoding::utf8_percent_encode(&path.to_string_lossy(), RESERVED).to_string()
}

/// `None` when `PRAGMA quick_check` passes, else what it found. A file SQLite cannot read as
/// a database at all counts as damaged too.
pub(crate) fn quick_check(conn: &Connection) -> Result<Option<String>> {
    let rows: rusqlite::Result<Vec<String>> = conn
        .prepare("PRAGMA quick_check")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect());
    match rows {
        Ok(rows) if rows.len() == 1 && rows[0] == "ok" => Ok(None),
        Ok(rows) => Ok(Some(summarise(&rows))),
        Err(e) if error::is_damage_code(&e) => Ok(Some(e.to_string())),
        Err(e) => Err(e.into()),
    }
}

/// The first problem a check found, and how many more.
pub(crate) fn summarise(rows: &[String]) -> String {
    match rows {
        [] => "the check returned nothing".into(),
        [one] => one.clone(),
        [first, rest @ ..] => format!("{first}; and {} more problems", rest.len()),
    }
}
