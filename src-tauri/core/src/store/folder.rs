//! The data folder itself: where it is, creating it private, tightening one an older Ferry
//! left open, and telling whether this process may write to it.
//!
//! On Unix the folder is 0700 and every file Ferry writes in it 0600: the database holds no
//! secret, but the sandbox's files and the backups sit beside it, and nobody else on the
//! machine needs to read any of them. Other platforms keep their per-user defaults.

use super::error::StoreError;
use crate::error::Result;
use std::path::{Path, PathBuf};

/// Names of files Ferry writes at the top of the data folder, tightened on open when an older
/// Ferry left them readable by others.
const FERRY_FILES: &[&str] = &[
    "ferry.sqlite3",
    "ferry.sqlite3-wal",
    "ferry.sqlite3-shm",
    "ferry.sqlite3-journal",
    "sandbox.sqlite3",
    "sandbox.sqlite3-wal",
    "sandbox.sqlite3-shm",
];

/// The data folder from `FERRY_DATA_DIR`, or the platform's per-user app-data folder when it
/// is unset. An empty `FERRY_DATA_DIR` is an error rather than a silent fallback: the person
/// who set it meant some folder.
pub fn data_dir_from_env() -> Result<PathBuf> {
    match std::env::var_os("FERRY_DATA_DIR") {
        Some(v) if v.is_empty() => Err(StoreError::EmptyDataDirVariable.into()),
        _ => Ok(default_data_dir()),
    }
}

/// The data folder: `FERRY_DATA_DIR` if set, else the platform's per-user app-data folder.
pub fn default_data_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("FERRY_DATA_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    // Matches the app identifier in tauri.conf.json; debug builds keep their own folder, as
    // they keep their own keychain service.
    let app = crate::secrets::DEFAULT_SERVICE;
    let env = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    let base = if cfg!(windows) {
        env("APPDATA")
    } else if cfg!(target_os = "macos") {
        env("HOME").map(|h| h.join("Library/Application Support"))
    } else {
        env("XDG_DATA_HOME").or_else(|| env("HOME").map(|h| h.join(".local/share")))
    };
    base.unwrap_or_else(|| PathBuf::from(".")).join(app)
}

/// Creates `dir` (0700 on Unix) if it is missing and tightens one Ferry created earlier with
/// looser modes. Fails with a message naming the file when `dir` or a folder above it is a
/// file.
pub fn prepare(dir: &Path) -> Result<()> {
    match std::fs::metadata(dir) {
        Ok(m) if m.is_dir() => {
            tighten_existing(dir);
            Ok(())
        }
        Ok(_) => Err(not_a_folder(dir, dir)),
        Err(_) => create_private(dir),
    }
}

/// Creates `dir` and any missing parents, private to this user.
pub(crate) fn create_private(dir: &Path) -> Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir).map_err(|source| {
        // A file somewhere on the path makes creation fail with EEXIST or ENOTDIR; name it.
        match dir.ancestors().find(|a| a.is_file()) {
            Some(file) => not_a_folder(dir, file),
            None => StoreError::CreateFolder {
                path: dir.to_path_buf(),
                source,
            }
            .into(),
        }
    })
}

fn not_a_folder(folder: &Path, file: &Path) -> crate::error::Error {
    StoreError::NotAFolder {
        folder: folder.to_path_buf(),
        file: file.to_path_buf(),
    }
    .into()
}

/// Creates `path` empty with mode 0600 if it does not exist, so SQLite (which gives its -wal
/// and -shm files the database file's mode) never makes a world-readable file.
pub(crate) fn create_private_file(path: &Path) -> std::io::Result<()> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    match opts.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

/// Tightens the data folder and Ferry's files in it.
///
/// NOTE: only what this user owns is changed, and the folder only when it is plainly Ferry's
/// (it holds `ferry.sqlite3`, or nothing yet): `FERRY_DATA_DIR` may point at a shared or home
/// folder whose modes are the user's business. Failures are ignored: a folder Ferry may not
/// chmod (a read-only mount) is reported by the writability check instead.
#[cfg(unix)]
fn tighten_existing(dir: &Path) {
    let ferry_owned = dir.join(super::DB_FILE).exists()
        || std::fs::read_dir(dir).is_ok_and(|mut d| d.next().is_none());
    if ferry_owned {
        tighten(dir, 0o700);
    }
    for name in FERRY_FILES {
        tighten(&dir.join(name), 0o600);
    }
}

#[cfg(not(unix))]
fn tighten_existing(_dir: &Path) {}

/// Sets `mode` on `path` when this user owns it and it grants anything to group or others.
#[cfg(unix)]
pub(crate) fn tighten(path: &Path, mode: u32) {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return;
    };
    let mine = meta.uid() == rustix::process::geteuid().as_raw();
    if mine && !meta.file_type().is_symlink() && meta.mode() & 0o077 != 0 {
        let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode));
    }
}

#[cfg(not(unix))]
pub(crate) fn tighten(_path: &Path, _mode: u32) {}

/// Why this process may not write `dir` or the existing `files` in it, or `None` if it may.
///
/// NOTE: access(2) answers for this process as it is, so it sees read-only mounts, folders
/// owned by someone else and dropped privileges; it is asked before SQLite opens anything so
/// a read-only folder is opened read-only instead of failing half-way through a write.
pub(crate) fn why_not_writable(dir: &Path, files: &[PathBuf]) -> Option<String> {
    let check = |p: &Path, what: &str| -> Option<String> {
        writable(p)
            .err()
            .map(|e| format!("{what} {} is not writable ({e})", p.display()))
    };
    check(dir, "the folder").or_else(|| {
        files
            .iter()
            .filter(|f| f.exists())
            .find_map(|f| check(f, "the file"))
    })
}

#[cfg(unix)]
fn writable(p: &Path) -> std::io::Result<()> {
    rustix::fs::access(p, rustix::fs::Access::WRITE_OK).map_err(std::io::Error::from)
}

#[cfg(not(unix))]
fn writable(p: &Path) -> std::io::Result<()> {
    if std::fs::metadata(p)?.permissions().readonly() {
        Err(std::io::Error::from(std::io::ErrorKind::PermissionDenied))
    } else {
        Ok(())
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn a_new_data_folder_is_private_to_its_user() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("a/b/ferry");
        prepare(&dir).unwrap();
        assert_eq!(mode(&dir), 0o700, "the data folder is 0700");
    }

    #[test]
    fn a_folder_an_older_ferry_left_open_is_tightened_with_its_files() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("ferry");
        std::fs::create_dir(&dir).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        let db = dir.join("ferry.sqlite3");
        std::fs::write(&db, b"").unwrap();
        std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
        prepare(&dir).unwrap();
        assert_eq!(mode(&dir), 0o700, "the old 0755 folder is now 0700");
        assert_eq!(mode(&db), 0o600, "the old 0644 database is now 0600");
    }

    #[test]
    fn a_folder_that_is_not_ferrys_keeps_its_modes() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("home");
        std::fs::create_dir(&dir).unwrap();
        std::fs::write(dir.join("notes.txt"), b"mine").unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        prepare(&dir).unwrap();
        assert_eq!(
            mode(&dir),
            0o755,
            "a non-empty folder without ferry.sqlite3 is the user's to set"
        );
    }

    #[test]
    fn a_data_folder_that_is_a_file_is_named_with_the_fix() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("ferry");
        std::fs::write(&file, b"").unwrap();
        for dir in [file.clone(), file.join("below")] {
            let msg = prepare(&dir).unwrap_err().to_string();
            assert!(
                msg.contains(&file.display().to_string()) && msg.contains("is a file"),
                "the message names the file in the way: {msg}"
            );
            assert!(msg.contains("FERRY_DATA_DIR"), "and says what to do: {msg}");
        }
    }
}
