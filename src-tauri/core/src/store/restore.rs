//! Putting a backup back in place of the settings database (`ferry data-folder restore`).
//!
//! The file it replaces is never deleted: it is kept beside it under a name that says so, for
//! the user (or a support person) to look into. Choosing *whether* to restore is the user's;
//! nothing here runs on its own.

use super::backup::{backups_dir, check, file_err, list, parse_name, stamp, Restored};
use super::error::StoreError;
use super::{folder, sidecar, OpenOptions, Store, DB_FILE};
use crate::error::Result;
use std::path::Path;

/// Puts a backup in place of the settings database: `from`, or else the newest intact one.
///
/// The current file is kept beside it as `ferry.sqlite3.damaged-<time>` (with its -wal and
/// -shm), never deleted. The restored file is then opened like any other, so a backup from
/// before a migration is migrated (after a backup of its own).
///
/// NOTE: close the desktop app first; a running app keeps writing to the file it opened,
/// which is the one moved aside.
pub fn restore(data_dir: &Path, from: Option<&Path>, now: i64) -> Result<Restored> {
    let source = match from {
        Some(p) => {
            check(p).map_err(|detail| StoreError::UnusableBackup {
                path: p.to_path_buf(),
                detail,
            })?;
            p.to_path_buf()
        }
        None => {
            let all = list(data_dir)?;
            let damaged = all.iter().filter(|b| !b.intact).count();
            all.into_iter()
                .find(|b| b.intact)
                .map(|b| b.path)
                .ok_or_else(|| StoreError::NoIntactBackup {
                    folder: backups_dir(data_dir),
                    damaged,
                })?
        }
    };
    folder::prepare(data_dir)?;
    let db = data_dir.join(DB_FILE);
    let (wal, shm) = (sidecar(&db, "-wal"), sidecar(&db, "-shm"));
    if let Some(reason) = folder::why_not_writable(data_dir, &[db.clone(), wal.clone()]) {
        return Err(StoreError::ReadOnly {
            folder: data_dir.to_path_buf(),
            reason,
        }
        .into());
    }
    let staging = sidecar(&db, ".restoring");
    let _ = std::fs::remove_file(&staging);
    folder::create_private_file(&staging).map_err(file_err("create", &staging))?;
    copy_into(&source, &staging)?;

    let kept_as = if db.exists() {
        // Two restores within a second must not overwrite the first one's kept file.
        let aside = (1..=100)
            .map(|n| match n {
                1 => data_dir.join(format!("{DB_FILE}.damaged-{}", stamp(now))),
                n => data_dir.join(format!("{DB_FILE}.damaged-{}-{n}", stamp(now))),
            })
            .find(|p| !p.exists())
            .ok_or_else(|| {
                file_err("find a free name to keep", &db)(std::io::ErrorKind::AlreadyExists.into())
            })?;
        // A link first, so there is no moment without a ferry.sqlite3; the rename below
        // replaces it in one step. The -wal goes with the old file: replayed onto the
        // restored one it would mix the two.
        if std::fs::hard_link(&db, &aside).is_err() {
            std::fs::copy(&db, &aside).map_err(file_err("keep a copy of", &db))?;
        }
        for (side, suffix) in [(&wal, "-wal"), (&shm, "-shm")] {
            if side.exists() {
                let to = sidecar(&aside, suffix);
                std::fs::rename(side, &to).map_err(file_err("move aside", side))?;
            }
        }
        Some(aside)
    } else {
        None
    };
    std::fs::rename(&staging, &db).map_err(file_err("put the backup in place as", &db))?;
    Store::open_with(
        data_dir,
        OpenOptions {
            now,
            read_only: false,
        },
    )?;
    Ok(Restored {
        taken_at: source
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(parse_name)
            .map(|(at, _)| at),
        restored_from: source,
        kept_as,
    })
}

fn copy_into(source: &Path, staging: &Path) -> Result<()> {
    let mut from = std::fs::File::open(source).map_err(file_err("read", source))?;
    let mut to = std::fs::OpenOptions::new()
        .write(true)
        .truncate(true)
        .open(staging)
        .map_err(file_err("write", staging))?;
    std::io::copy(&mut from, &mut to).map_err(file_err("write", staging))?;
    to.sync_all().map_err(file_err("write", staging))?;
    Ok(())
}
