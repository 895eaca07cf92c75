//! `ferry data-folder …`: list the automatic backups of the settings database and put one
//! back. The work is in `ferry_core::store::backup`; this file only parses and prints.
//!
//! These commands do not open the app context first: `restore` must work precisely when the
//! database cannot be opened. While it can, `restore` is for administrators (see
//! [`check_may_restore`]); `backups` only lists files and is open to everyone.

use clap::Subcommand;
use ferry_core::ops::users;
use ferry_core::secrets::SecretStore;
use ferry_core::store::backup::{self, BackupInfo, Kind, Restored};
use ferry_core::store::{now_unix, Health, OpenOptions, DB_FILE};
use ferry_core::{App, Result};
use std::path::{Path, PathBuf};

/// The `data-folder` subcommands.
#[derive(Subcommand)]
pub enum DataFolderCmd {
    /// List the automatic backups, newest first, and whether each is intact.
    Backups,
    /// Put a backup in place of the settings database.
    ///
    /// Without --from, the newest backup that passes SQLite's integrity check is used. The
    /// current file is kept beside it as ferry.sqlite3.damaged-<time>, never deleted. Close
    /// the Ferry app first. Secrets stay in the keychain, so restored credentials keep working.
    Restore {
        /// Restore this file instead of the newest intact automatic backup.
        #[arg(long, value_name = "FILE")]
        from: Option<PathBuf>,
    },
}

/// Runs one `data-folder` subcommand on `data_dir`, for the user named `acting` (`--as` or
/// FERRY_USER; `None`: the person logged in).
pub fn run(
    cmd: DataFolderCmd,
    data_dir: &Path,
    acting: Option<&str>,
    keychain: SecretStore,
    json: bool,
) -> Result<()> {
    match cmd {
        DataFolderCmd::Backups => {
            let list = backup::list(data_dir)?;
            if json {
                print_json(&list);
            } else {
                print_backups(&backup::backups_dir(data_dir), &list);
            }
        }
        DataFolderCmd::Restore { from } => {
            check_may_restore(data_dir, acting, keychain)?;
            let restored = backup::restore(data_dir, from.as_deref(), now_unix())?;
            let message = restored_message(&restored);
            if json {
                print_json(&serde_json::json!({
                    "restoredFrom": restored.restored_from,
                    "takenAt": restored.taken_at,
                    "keptAs": restored.kept_as,
                    "message": message,
                }));
            } else {
                println!("{message}");
            }
        }
    }
    Ok(())
}

/// Refuses a restore to anyone but a DataGrid Administrator while the current settings can be
/// read: a restore replaces every setting, the users and the activity log included, so it is
/// the one change that could undo an administrator's decisions wholesale.
///
/// A database that cannot be opened or is damaged is let through, as before users existed:
/// that is what restore is for, its users cannot be read (so nobody's policy can be checked),
/// and refusing would leave the folder unusable for everyone. A folder with no database yet,
/// or one without users, has nobody to protect either.
fn check_may_restore(data_dir: &Path, acting: Option<&str>, keychain: SecretStore) -> Result<()> {
    if !data_dir.join(DB_FILE).exists() {
        return Ok(());
    }
    // NOTE: read-only: an ordinary open could take the day's backup of this very file, which
    // a restore without --from would then pick as the newest intact one.
    let opts = OpenOptions {
        now: now_unix(),
        read_only: true,
    };
    let Ok(app) = App::open_with(data_dir, keychain, opts) else {
        return Ok(());
    };
    let damaged = |app: &App| matches!(app.store().health(), Health::Damaged(_));
    if damaged(&app) {
        return Ok(());
    }
    // A folder opened read-only with no users yet resolves anyone as an administrator.
    let me = match users::resolve(&app, acting) {
        Ok(me) => me,
        // The damage may only show when the users are read.
        Err(_) if damaged(&app) => return Ok(()),
        Err(e) => return Err(e),
    };
    ferry_core::ops::require(&app, &me, ferry_core::policy::Action::RestoreSettings)
}

fn print_json<T: serde::Serialize + ?Sized>(v: &T) {
    println!(
        "{}",
        serde_json::to_string_pretty(v).expect("backup lists always serialise")
    );
}

fn restored_message(r: &Restored) -> String {
    let when = r
        .taken_at
        .map(|at| format!(" (taken {})", backup::format_utc(at)))
        .unwrap_or_default();
    let mut lines = vec![format!(
        "Restored the settings from {}{when}.",
        r.restored_from.display()
    )];
    if let Some(kept) = &r.kept_as {
        lines.push(format!(
            "The file it replaced is kept as {}; delete it once you no longer need it.",
            kept.display()
        ));
    }
    lines.push(
        "Client secrets are not in this file: the keychain keeps them under each credential's \
         id, so the restored credentials keep working. Changes made after the backup was taken \
         are not in it; check them with `ferry credentials list` and `ferry destinations list`."
            .into(),
    );
    lines.join("\n")
}

fn print_backups(folder: &Path, list: &[BackupInfo]) {
    if list.is_empty() {
        println!(
            "No backups yet in {}. Ferry takes one on the first use of each day and before \
             each update of its database.",
            folder.display()
        );
        return;
    }
    println!("Backups in {} (newest first):", folder.display());
    for b in list {
        let kind = match b.kind {
            Kind::Daily => "daily",
            Kind::BeforeMigration => "before update",
        };
        let state = match &b.problem {
            None => "intact".to_string(),
            Some(p) => format!("NOT USABLE: {p}"),
        };
        println!(
            "  {}  {kind:<13}  {:>7} KB  {}  {state}",
            b.taken_at_utc,
            b.size_bytes.div_ceil(1024),
            b.file_name
        );
    }
    println!(
        "Restore the newest intact one with `ferry data-folder restore`, or a chosen one with \
         `ferry data-folder restore --from FILE`."
    );
}
