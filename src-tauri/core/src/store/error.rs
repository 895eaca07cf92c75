//! What can go wrong with the data folder and its settings database, worded for the person
//! at the keyboard: every message names the file or folder and, where there is one, the fix.
//!
//! SQLite's own errors carry no path, so [`crate::store::Store`] turns them into these at its
//! boundary ([`StoreError::from_sqlite`]). Nothing here ever holds a secret: the database has
//! none.

use std::path::{Path, PathBuf};

/// The command that puts the newest intact backup back, quoted in messages.
pub const RESTORE_COMMAND: &str = "ferry data-folder restore";

/// A problem with the data folder or the settings database in it.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// `FERRY_DATA_DIR` is set to nothing.
    #[error(
        "FERRY_DATA_DIR is set but empty. Unset it (unset FERRY_DATA_DIR) to use the default \
         data folder, or set it to the folder Ferry should use."
    )]
    EmptyDataDirVariable,
    /// `--data-dir ""`.
    #[error(
        "--data-dir was given an empty value. Leave the flag out to use the default data \
         folder, or give the folder Ferry should use."
    )]
    EmptyDataDirFlag,
    /// The data folder (or a folder above it) is a file.
    #[error(
        "The data folder {} cannot be used: {} is a file, not a folder. Move that file out of \
         the way, or point FERRY_DATA_DIR (or --data-dir) at a folder.",
        .folder.display(), .file.display()
    )]
    NotAFolder { folder: PathBuf, file: PathBuf },
    /// The data folder (or the backups folder) could not be created.
    #[error(
        "Ferry could not create the folder {}: {source}. Check that the folder above it exists \
         and that you may write to it, or point FERRY_DATA_DIR (or --data-dir) at another folder.",
        .path.display()
    )]
    CreateFolder {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A change was refused because the folder or the file cannot be written.
    #[error(
        "Ferry cannot save changes: {reason}. Nothing was changed. Make the data folder {} and \
         the files in it writable for your user (or mount it read-write), or point \
         FERRY_DATA_DIR at a writable folder, then try again.",
        .folder.display()
    )]
    ReadOnly { folder: PathBuf, reason: String },
    /// The folder is read-only and the database needs writing before it can be read.
    #[error(
        "The settings database {} needs {what} before this version of Ferry can read it, but \
         {reason}. Make the data folder writable and run any ferry command once, or use the \
         Ferry version that last wrote it.",
        .path.display()
    )]
    NeedsWrite {
        path: PathBuf,
        what: String,
        reason: String,
    },
    /// The database was written by a newer Ferry.
    #[error(
        "The settings database {} was written by a newer version of Ferry (schema level \
         {level}; this version knows {known}). Update Ferry, or point FERRY_DATA_DIR at another \
         folder.",
        .path.display()
    )]
    Newer {
        path: PathBuf,
        level: i64,
        known: i64,
    },
    /// SQLite found the file malformed, or it is not a database at all.
    #[error(
        "The settings database {} is damaged ({detail}), so Ferry will not change it. Run \
         `{RESTORE_COMMAND}` to put back the newest intact automatic backup (the damaged file \
         is kept beside it), then try again.",
        .path.display()
    )]
    Damaged { path: PathBuf, detail: String },
    /// Any other SQLite failure, with the file and the most likely fix.
    #[error("The settings database {} failed: {source}. {}", .path.display(), remedy(.source))]
    Sqlite {
        path: PathBuf,
        source: rusqlite::Error,
    },
    /// A file in the data folder could not be read, written or moved.
    #[error("Ferry could not {action} {}: {source}.", .path.display())]
    File {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    /// `restore` found nothing it may put back.
    #[error(
        "No intact backup was found in {}{}. Restore one you kept elsewhere with `{RESTORE_COMMAND} \
         --from FILE`; or, to start over with empty settings, move ferry.sqlite3 out of the data \
         folder (secrets stay in the keychain).",
        .folder.display(),
        skipped(.damaged)
    )]
    NoIntactBackup { folder: PathBuf, damaged: usize },
    /// The backup chosen for a restore is damaged or not a Ferry settings database.
    #[error(
        "The backup {} cannot be restored: {detail}. Nothing was changed. List the others with \
         `ferry data-folder backups` and pick an intact one with --from.",
        .path.display()
    )]
    UnusableBackup { path: PathBuf, detail: String },
}

impl StoreError {
    /// Names `path` on a SQLite error, telling corruption and read-only refusals apart.
    pub fn from_sqlite(path: &Path, e: rusqlite::Error) -> StoreError {
        if is_damage_code(&e) {
            return StoreError::Damaged {
                path: path.to_path_buf(),
                detail: e.to_string(),
            };
        }
        match sqlite_code(&e) {
            Some(rusqlite::ErrorCode::ReadOnly) => StoreError::ReadOnly {
                folder: path.parent().unwrap_or(path).to_path_buf(),
                reason: format!("SQLite may not write to {} ({e})", path.display()),
            },
            _ => StoreError::Sqlite {
                path: path.to_path_buf(),
                source: e,
            },
        }
    }

    /// Whether this is a damaged-database error.
    pub fn is_damage(&self) -> bool {
        matches!(self, StoreError::Damaged { .. })
    }
}

/// Whether SQLite said the file is malformed or not a database (SQLITE_CORRUPT /
/// SQLITE_NOTADB).
pub(crate) fn is_damage_code(e: &rusqlite::Error) -> bool {
    matches!(
        sqlite_code(e),
        Some(rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase)
    )
}

/// SQLite's primary result code, if `e` came from SQLite itself.
pub(crate) fn sqlite_code(e: &rusqlite::Error) -> Option<rusqlite::ErrorCode> {
    match e {
        rusqlite::Error::SqliteFailure(f, _) => Some(f.code),
        _ => None,
    }
}

fn skipped(damaged: &usize) -> String {
    match damaged {
        0 => String::new(),
        1 => " (one damaged backup was skipped)".to_string(),
        n => format!(" ({n} damaged backups were skipped)"),
    }
}

fn remedy(e: &rusqlite::Error) -> &'static str {
    use rusqlite::ErrorCode as C;
    match sqlite_code(e) {
        Some(C::DatabaseBusy | C::DatabaseLocked) => {
            "Another Ferry (the app or a ferry command) is holding it: wait for it to finish, or \
             close it, and try again."
        }
        Some(C::DiskFull) => "The disk is full: free some space and try again.",
        Some(C::CannotOpen | C::PermissionDenied) => {
            "Check that the data folder exists and that your user may read and write it."
        }
        Some(C::SystemIoFailure) => {
            "The disk reported an error: check it, then try again; if the file is damaged, \
             `ferry data-folder restore` puts back the newest intact backup."
        }
        _ => {
            "Try again; if it keeps failing, `ferry data-folder restore` puts back the newest \
              intact backup."
        }
    }
}
