//! Automatic backups of the settings database, and putting one back.
//!
//! Copies are taken with SQLite's online backup API (a consistent snapshot even while the app
//! has the file open) before a migration changes the schema, and once a day on open. They live
//! in `<data folder>/backups/`, named `ferry-<UTC time>-<kind>.sqlite3` so they sort by time;
//! the name alone says when and why, so no table records them and a restored database needs
//! no bookkeeping. Only the newest few of each kind are kept.
//!
//! Secrets are not in the database (the keychain holds them under each credential's id), so a
//! restored file finds its secrets where they were. This module does not decide when to
//! restore: `ferry data-folder restore` asks for it.

use super::error::{sqlite_code, StoreError};
pub use super::restore::restore;
use super::sqlite::{open_read_only, summarise};
use super::{folder, migrate};
use crate::date::Date;
use crate::error::Result;
use rusqlite::Connection;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// The folder inside the data folder that holds backups.
pub const BACKUP_DIR: &str = "backups";
/// How many daily backups are kept.
pub const KEEP_DAILY: usize = 7;
/// How many pre-migration backups are kept.
pub const KEEP_BEFORE_MIGRATION: usize = 3;
const DAY: i64 = 86_400;

/// Why a backup was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// The first open of a day.
    Daily,
    /// Just before migrations changed the schema.
    BeforeMigration,
}

impl Kind {
    const ALL: [Kind; 2] = [Kind::Daily, Kind::BeforeMigration];

    fn tag(self) -> &'static str {
        match self {
            Kind::Daily => "daily",
            Kind::BeforeMigration => "before-migration",
        }
    }

    fn keep(self) -> usize {
        match self {
            Kind::Daily => KEEP_DAILY,
            Kind::BeforeMigration => KEEP_BEFORE_MIGRATION,
        }
    }
}

/// One backup file, as `ferry data-folder backups` lists it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BackupInfo {
    /// The file's name inside the backups folder.
    pub file_name: String,
    /// The full path, for `--from`.
    pub path: PathBuf,
    /// Why it was taken.
    pub kind: Kind,
    /// When, in Unix seconds (from its name).
    pub taken_at: i64,
    /// When, as `YYYY-MM-DD HH:MM:SS UTC`.
    pub taken_at_utc: String,
    /// Size on disk.
    pub size_bytes: u64,
    /// Whether it passes `PRAGMA integrity_check` and is a Ferry settings database this
    /// version can open.
    pub intact: bool,
    /// What is wrong with it, when it is not intact.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
}

/// What a restore did.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Restored {
    /// The backup now in place.
    pub restored_from: PathBuf,
    /// When that backup was taken (Unix seconds), if its name says.
    pub taken_at: Option<i64>,
    /// Where the file it replaced was kept, if there was one.
    pub kept_as: Option<PathBuf>,
}

/// `<data_dir>/backups`.
pub fn backups_dir(data_dir: &Path) -> PathBuf {
    data_dir.join(BACKUP_DIR)
}

/// `at` as `20261130T040000Z`: fixed width, so names sort by time.
pub(crate) fn stamp(at: i64) -> String {
    let (days, secs) = (at.div_euclid(DAY), at.rem_euclid(DAY));
    let date = Date::from_days(days).to_string().replace('-', "");
    format!(
        "{date}T{:02}{:02}{:02}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// `at` as `2026-11-30 04:00:00 UTC`, for people.
pub fn format_utc(at: i64) -> String {
    let (days, secs) = (at.div_euclid(DAY), at.rem_euclid(DAY));
    format!(
        "{} {:02}:{:02}:{:02} UTC",
        Date::from_days(days),
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

fn parse_stamp(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' || !s.is_char_boundary(8) {
        return None;
    }
    let date = Date::parse(&format!("{}-{}-{}", &s[0..4], &s[4..6], &s[6..8]))?;
    let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<i64>().ok();
    let (h, m, sec) = (num(9..11)?, num(11..13)?, num(13..15)?);
    (h < 24 && m < 60 && sec < 60).then(|| date.to_days() * DAY + h * 3600 + m * 60 + sec)
}

/// The name a backup of `kind` taken at `at` gets.
pub fn file_name(kind: Kind, at: i64) -> String {
    format!("ferry-{}-{}.sqlite3", stamp(at), kind.tag())
}

/// When and why the backup named `name` was taken; `None` for files Ferry did not name.
pub(crate) fn parse_name(name: &str) -> Option<(i64, Kind)> {
    let rest = name.strip_prefix("ferry-")?.strip_suffix(".sqlite3")?;
    let (ts, tag) = rest.split_at_checked(16)?;
    let tag = tag.strip_prefix('-')?;
    let kind = Kind::ALL.into_iter().find(|k| k.tag() == tag)?;
    Some((parse_stamp(ts)?, kind))
}

pub(crate) fn file_err(
    action: &'static str,
    path: &Path,
) -> impl FnOnce(std::io::Error) -> StoreError {
    let path = path.to_path_buf();
    move |source| StoreError::File {
        action,
        path,
        source,
    }
}

/// Backs up the database `conn` is open on into the backups folder, then prunes old backups.
/// Returns the new file (or the one already taken this second for this kind).
pub fn take(data_dir: &Path, conn: &Connection, kind: Kind, now: i64) -> Result<PathBuf> {
    let dir = backups_dir(data_dir);
    if !dir.is_dir() {
        folder::create_private(&dir)?;
    }
    folder::tighten(&dir, 0o700);
    let dest = dir.join(file_name(kind, now));
    if dest.exists() {
        return Ok(dest);
    }
    // NOTE: written under a name `list` ignores and renamed when complete, so a crash half-way
    // never leaves something that looks like a backup.
    let partial = dir.join(format!("{}.partial", file_name(kind, now)));
    let _ = std::fs::remove_file(&partial);
    folder::create_private_file(&partial).map_err(file_err("create the backup", &partial))?;
    let copy = || -> rusqlite::Result<()> {
        let mut out = Connection::open(&partial)?;
        rusqlite::backup::Backup::new(conn, &mut out)?.run_to_completion(
            256,
            std::time::Duration::ZERO,
            None,
        )?;
        // A self-contained file: no -wal beside it to lose when it is copied elsewhere.
        out.pragma_update_and_check(None, "journal_mode", "DELETE", |_| Ok(()))
    };
    copy().map_err(|source| {
        let _ = std::fs::remove_file(&partial);
        StoreError::Sqlite {
            path: partial.clone(),
            source,
        }
    })?;
    std::fs::rename(&partial, &dest).map_err(file_err("finish the backup", &dest))?;
    prune(&dir)?;
    Ok(dest)
}

/// Takes a daily backup when the newest one is a day old or more (or there is none).
pub fn take_daily_if_due(data_dir: &Path, conn: &Connection, now: i64) -> Result<Option<PathBuf>> {
    let newest = named_backups(&backups_dir(data_dir))?
        .into_iter()
        .filter(|(_, _, k)| *k == Kind::Daily)
        .map(|(_, at, _)| at)
        .max();
    // A backup dated more than a day ahead means the clock was wrong when it was taken; do
    // not let it stop daily backups until that date.
    let due = newest.is_none_or(|at| now - at >= DAY || at - now > DAY);
    if due {
        take(data_dir, conn, Kind::Daily, now).map(Some)
    } else {
        Ok(None)
    }
}

/// Ferry-named backups in `dir` as (path, taken at, kind); an absent folder has none.
fn named_backups(dir: &Path) -> Result<Vec<(PathBuf, i64, Kind)>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(file_err("read the backups folder", dir)(e).into()),
    };
    let mut out: Vec<_> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            let (at, kind) = parse_name(&name)?;
            Some((e.path(), at, kind))
        })
        .collect();
    // Newest first; the name breaks ties so the order never depends on the directory.
    out.sort_by(|a, b| (b.1, &b.0).cmp(&(a.1, &a.0)));
    Ok(out)
}

/// Deletes all but the newest [`KEEP_DAILY`] daily and [`KEEP_BEFORE_MIGRATION`]
/// pre-migration backups. Files Ferry did not name are left alone.
fn prune(dir: &Path) -> Result<()> {
    let all = named_backups(dir)?;
    for kind in Kind::ALL {
        for (path, _, _) in all.iter().filter(|b| b.2 == kind).skip(kind.keep()) {
            std::fs::remove_file(path).map_err(file_err("remove the old backup", path))?;
        }
    }
    Ok(())
}

/// Every backup, newest first, each checked with `PRAGMA integrity_check`.
pub fn list(data_dir: &Path) -> Result<Vec<BackupInfo>> {
    named_backups(&backups_dir(data_dir))?
        .into_iter()
        .map(|(path, taken_at, kind)| {
            let problem = check(&path).err();
            Ok(BackupInfo {
                file_name: path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                size_bytes: std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0),
                path,
                kind,
                taken_at,
                taken_at_utc: format_utc(taken_at),
                intact: problem.is_none(),
                problem,
            })
        })
        .collect()
}

/// `Ok` when `path` is an intact Ferry settings database this version can open; else what is
/// wrong with it, in words.
pub fn check(path: &Path) -> std::result::Result<(), String> {
    let conn = open_read_only(path).map_err(|e| e.to_string())?;
    let rows: rusqlite::Result<Vec<String>> = conn
        .prepare("PRAGMA integrity_check")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect());
    match rows {
        Ok(rows) if rows.len() == 1 && rows[0] == "ok" => {}
        Ok(rows) => return Err(format!("it is damaged ({})", summarise(&rows))),
        Err(e) if sqlite_code(&e) == Some(rusqlite::ErrorCode::NotADatabase) => {
            return Err("it is not a SQLite database".into())
        }
        Err(e) => return Err(format!("it is damaged ({e})")),
    }
    let level = migrate::inspect(&conn).map_err(|e| format!("it cannot be read ({e})"))?;
    if level.is_empty() {
        return Err("it is not a Ferry settings database".into());
    }
    if level.current > level.known {
        return Err(format!(
            "it was written by a newer version of Ferry (schema level {}; this version knows {})",
            level.current, level.known
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_carry_the_time_and_sort_by_it() {
        let early = file_name(Kind::Daily, 1_700_000_000);
        let late = file_name(Kind::BeforeMigration, 1_700_000_000 + 9 * DAY);
        assert_eq!(
            early, "ferry-20231114T221320Z-daily.sqlite3",
            "the name spells the UTC time"
        );
        assert!(early < late, "names sort by time: {early} < {late}");
        assert_eq!(
            parse_name(&late),
            Some((1_700_000_000 + 9 * DAY, Kind::BeforeMigration)),
            "a name reads back to its time and kind"
        );
        assert_eq!(
            parse_name("ferry-2023111XT221320Z-daily.sqlite3"),
            None,
            "a file Ferry did not name is not taken for a backup"
        );
    }
}
