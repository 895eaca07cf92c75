//! The operations on credentials and destinations that the app and the CLI offer.
//!
//! [`Catalog`] joins the SQLite store and the keychain so that the two never disagree: a
//! credential row exists only with its secret stored, and a failed keychain write rolls the
//! row back. Every rule is checked here, whatever the UI already checked, and every refusal
//! names the field to fix. Time is passed in (`today`) so tests can pin it.
//!
//! One file per area: `credentials`, `destinations`, `checks` (each destination's last
//! connection test, and the "Getting started" steps), and `demo` (the local sandbox as a
//! ready-made destination). Their types are re-exported here.

mod checks;
mod credentials;
mod demo;
pub(crate) mod destinations;

pub use checks::{ConnectionCheck, GettingStarted};
pub use credentials::{CredentialEdit, CredentialView, NewCredential, SecretRotation};
pub use demo::{DemoTarget, DEMO_CREDENTIAL_ID, DEMO_DESTINATION_ID};
pub use destinations::{CredentialRef, DestinationInput, DestinationView, FormCheck, UrlCheck};

use crate::date::Date;
use crate::error::{Error, FieldError, Result};
use crate::expiry::ExpiryStatus;
use crate::plugins;
use crate::secrets::{KeychainStatus, Secret, SecretStore};
use crate::store::{is_unique_violation, OpenOptions, Store};
use crate::validate;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// An id and a name, for references between records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct NamedRef {
    pub id: String,
    pub name: String,
}

/// A credential whose secret needs attention soon, for the notice at start.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ExpiringCredential {
    pub id: String,
    pub name: String,
    pub expiry: ExpiryStatus,
    pub used_by: Vec<NamedRef>,
}

/// What the app shows about itself when it opens.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct AppStatus {
    pub data_dir: String,
    pub keychain: KeychainStatus,
    #[ts(type = "string")]
    pub today: Date,
    /// Credentials expired or expiring within the warning window, most urgent first.
    pub expiring: Vec<ExpiringCredential>,
    /// Why the settings database cannot be changed (damaged, read-only) or a backup was
    /// missed, naming the file and the fix; `None` when all is well.
    pub data_folder_notice: Option<String>,
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

/// Credentials and destinations, over the local database and the OS keychain.
#[derive(Debug, Clone)]
pub struct Catalog {
    store: Store,
    secrets: SecretStore,
    data_dir: PathBuf,
}

pub(crate) fn collect<T>(
    errors: &mut Vec<FieldError>,
    field: &str,
    r: std::result::Result<T, String>,
) -> Option<T> {
    r.map_err(|m| errors.push(FieldError::new(field, m))).ok()
}

pub(crate) fn fail_if_any(errors: Vec<FieldError>) -> Result<()> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Error::Validation(errors))
    }
}

pub(crate) fn name_conflict(e: Error, what: &str, name: &str) -> Error {
    // Two writers can pass the name check at once; the UNIQUE index decides, and the
    // loser gets the same message the check would have given.
    if is_unique_violation(&e) {
        Error::field(
            "name",
            format!("A {what} named \"{name}\" already exists: choose another name."),
        )
    } else {
        e
    }
}

/// A stored row that users name: credentials and destinations.
pub(crate) trait NamedRow {
    fn id(&self) -> &str;
    fn name(&self) -> &str;
}

impl NamedRow for crate::store::credentials::CredentialRow {
    fn id(&self) -> &str {
        &self.id
    }
    fn name(&self) -> &str {
        &self.name
    }
}

impl NamedRow for crate::store::destinations::DestinationRow {
    fn id(&self) -> &str {
        &self.id
    }
    fn name(&self) -> &str {
        &self.name
    }
}

/// Whether a row other than `except_id` has a name that folds to the same text as `name`
/// (see [`validate::fold`]).
///
/// NOTE: the tables' UNIQUE indexes only fold ASCII case, so the comparison is made here.
/// Writers run this inside an IMMEDIATE transaction, so two of them cannot both pass it.
fn name_taken<R: NamedRow>(rows: &[R], name: &str, except_id: Option<&str>) -> bool {
    rows.iter()
        .any(|r| Some(r.id()) != except_id && validate::same_name(r.name(), name))
}

/// The row with id `key`, else the one whose name matches `key` in any case or presentation,
/// as uniqueness does.
fn by_id_or_name<R: NamedRow>(
    by_id: Option<R>,
    rows: impl FnOnce() -> Result<Vec<R>>,
    key: &str,
    what: &'static str,
) -> Result<R> {
    if let Some(row) = by_id {
        return Ok(row);
    }
    rows()?
        .into_iter()
        .find(|r| validate::same_name(r.name(), key))
        .ok_or_else(|| Error::NotFound {
            what,
            key: key.to_string(),
        })
}

/// Whether another credential already has this name (see [`name_taken`]).
pub(crate) fn credential_name_taken(
    conn: &rusqlite::Connection,
    name: &str,
    except_id: Option<&str>,
) -> Result<bool> {
    let rows = crate::store::credentials::list(conn)?;
    Ok(name_taken(&rows, name, except_id))
}

/// Whether another destination already has this name (see [`name_taken`]).
pub(crate) fn destination_name_taken(
    conn: &rusqlite::Connection,
    name: &str,
    except_id: Option<&str>,
) -> Result<bool> {
    let rows = crate::store::destinations::list(conn)?;
    Ok(name_taken(&rows, name, except_id))
}

/// The credential with this id or name.
pub(crate) fn require_credential(
    conn: &rusqlite::Connection,
    id_or_name: &str,
) -> Result<crate::store::credentials::CredentialRow> {
    use crate::store::credentials as table;
    let by_id = table::get(conn, id_or_name)?;
    by_id_or_name(by_id, || table::list(conn), id_or_name, "credential")
}

/// The destination with this id or name.
pub(crate) fn require_destination(
    conn: &rusqlite::Connection,
    id_or_name: &str,
) -> Result<crate::store::destinations::DestinationRow> {
    use crate::store::destinations as table;
    let by_id = table::get(conn, id_or_name)?;
    by_id_or_name(by_id, || table::list(conn), id_or_name, "destination")
}

pub(crate) fn default_plugin() -> String {
    plugins::DYNAMICS.to_string()
}

pub(crate) fn named(id: &str, name: &str) -> NamedRef {
    NamedRef {
        id: id.to_string(),
        name: name.to_string(),
    }
}

pub(crate) fn plugin_ref(id: &str) -> NamedRef {
    named(id, plugins::get(id).map_or(id, |p| p.name))
}

pub(crate) fn list_names(refs: &[(String, String)]) -> String {
    refs.iter()
        .map(|(_, n)| format!("\"{n}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

/// How to put the keychain back if the transaction that changed it does not commit.
pub(crate) enum KeychainUndo {
    /// The secret for this id is new: remove it.
    Remove(String),
    /// Put this id's previous secret back (or remove it if there was none).
    Restore(String, Option<Secret>),
}

impl Catalog {
    /// Runs `f` in a write transaction in which it may change the keychain, recording in its
    /// second argument how to reverse that change *before* making it. If the transaction then
    /// fails (its commit included: a full disk, a page found corrupt), the keychain is put
    /// back, so it never keeps a secret for a row that was not saved nor loses one for a row
    /// that stays.
    pub(crate) fn write_with_keychain<T>(
        &self,
        f: impl FnOnce(&rusqlite::Transaction<'_>, &mut Option<KeychainUndo>) -> Result<T>,
    ) -> Result<T> {
        let mut undo = None;
        let result = self.store.with_tx(|tx| f(tx, &mut undo));
        if result.is_err() {
            // NOTE: best effort: the error the user sees is the one that stopped the write.
            let _ = match undo {
                Some(KeychainUndo::Remove(id)) | Some(KeychainUndo::Restore(id, None)) => {
                    self.secrets.delete(&id)
                }
                Some(KeychainUndo::Restore(id, Some(old))) => self.secrets.set(&id, &old),
                None => Ok(()),
            };
        }
        result
    }

    /// Opens the catalog in `data_dir`, migrating its database (see [`Store::open`]).
    pub fn open(data_dir: &Path, secrets: SecretStore) -> Result<Catalog> {
        Catalog::open_with(data_dir, secrets, OpenOptions::now())
    }

    /// [`Catalog::open`] with an explicit clock and access mode.
    pub fn open_with(data_dir: &Path, secrets: SecretStore, opts: OpenOptions) -> Result<Catalog> {
        let store = Store::open_with(data_dir, opts)?;
        Ok(Catalog {
            store,
            secrets,
            data_dir: data_dir.to_path_buf(),
        })
    }

    /// The database underneath, for tests and diagnostics.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The data folder this catalog lives in.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// The keychain underneath.
    pub fn secrets(&self) -> &SecretStore {
        &self.secrets
    }

    /// Keychain state and expiring credentials, for the app's start.
    pub fn status(&self, today: Date) -> Result<AppStatus> {
        let data_folder_notice = self.store.notice();
        let credentials = match self.list_credentials(today) {
            Ok(c) => c,
            // NOTE: a damaged file may refuse even reads; the notice then tells the user what
            // to do, which matters more than the expiry list it cannot produce.
            Err(_) if data_folder_notice.is_some() => Vec::new(),
            Err(e) => return Err(e),
        };
        let mut expiring: Vec<ExpiringCredential> = credentials
            .into_iter()
            // A secret without an end date never needs replacing for age.
            .filter(|c| c.expiry.level.needs_attention())
            .map(|c| ExpiringCredential {
                id: c.id,
                name: c.name,
                expiry: c.expiry,
                used_by: c.used_by,
            })
            .collect();
        expiring.sort_by_key(|c| c.expiry.days_left);
        Ok(AppStatus {
            data_dir: self.data_dir.display().to_string(),
            keychain: self.secrets.status(),
            today,
            expiring,
            data_folder_notice,
        })
    }
}
