//! The operations on credentials and destinations that the app and the CLI offer.
//!
//! [`Catalog`] joins the SQLite store and the keychain so that the two never disagree: a
//! credential row exists only with its secret stored, and a failed keychain write rolls the
//! row back. Every rule is checked here, whatever the UI already checked, and every refusal
//! names the field to fix. Time is passed in (`today`) so tests can pin it.

use crate::cloud::{Cloud, HostInfo};
use crate::date::Date;
use crate::error::{Error, FieldError, Result};
use crate::expiry::{self, ExpiryLevel, ExpiryStatus};
use crate::ids;
use crate::plugins;
use crate::secrets::{KeychainStatus, Secret, SecretStore};
use crate::store::credentials::{self as cred_table, CredentialRow};
use crate::store::destinations::{self as dest_table, DestinationRow};
use crate::store::{is_unique_violation, now_unix, Store};
use crate::validate::{self, ExpiryInput};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// What a person fills in to create a credential.
#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct NewCredential {
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default = "default_plugin")]
    pub plugin: String,
    pub client_id: String,
    #[ts(type = "string")]
    pub client_secret: Secret,
    pub expiry: ExpiryInput,
}

/// What may be changed on a credential without replacing its secret.
#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct CredentialEdit {
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub client_id: String,
    /// Corrects the recorded expiry date; `None` keeps it.
    #[serde(default)]
    pub expiry: Option<ExpiryInput>,
}

/// A new secret for an existing credential, with its own expiry.
#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SecretRotation {
    #[ts(type = "string")]
    pub client_secret: Secret,
    pub expiry: ExpiryInput,
}

/// What a person fills in to create or edit a destination.
#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct DestinationInput {
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default = "default_plugin")]
    pub plugin: String,
    pub credential_id: String,
    pub tenant_id: String,
    pub dynamics_url: String,
    #[serde(default)]
    pub api_version: String,
    #[serde(default)]
    pub business_users: bool,
    #[serde(default)]
    pub restricted_pii: bool,
}

fn default_plugin() -> String {
    plugins::DYNAMICS.to_string()
}

/// An id and a name, for references between records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct NamedRef {
    pub id: String,
    pub name: String,
}

/// A credential as lists show it. Never contains the secret.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct CredentialView {
    pub id: String,
    pub name: String,
    pub description: String,
    pub plugin: NamedRef,
    pub client_id: String,
    pub expiry: ExpiryStatus,
    /// Whether the keychain holds its secret; `None` when the keychain cannot be asked.
    pub secret_stored: Option<bool>,
    pub secret_set_at: i64,
    pub used_by: Vec<NamedRef>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A destination as lists show it.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct DestinationView {
    pub id: String,
    pub name: String,
    pub description: String,
    pub plugin: NamedRef,
    pub credential: CredentialRef,
    pub tenant_id: String,
    pub dynamics_url: String,
    pub cloud: Cloud,
    pub cloud_label: String,
    pub region: Option<String>,
    /// Where sign-in happens; `None` for the local sandbox (it signs in at its own URL).
    pub authority_host: Option<String>,
    pub api_version: String,
    pub business_users: bool,
    pub restricted_pii: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

/// The credential a destination uses, with its expiry so the list can warn.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct CredentialRef {
    pub id: String,
    pub name: String,
    pub expiry: ExpiryStatus,
}

/// The backend's verdict on a half-filled form, for inline messages.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct FormCheck {
    pub fields: Vec<FieldError>,
    /// What the Dynamics URL was recognised as, when it is valid.
    pub dynamics_url: Option<UrlCheck>,
}

/// A recognised Dynamics URL, shown under the field.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct UrlCheck {
    pub normalized: String,
    pub cloud: Cloud,
    pub cloud_label: String,
    pub region: Option<String>,
    pub authority_host: Option<String>,
}

impl From<&validate::DynamicsUrl> for UrlCheck {
    fn from(u: &validate::DynamicsUrl) -> Self {
        let HostInfo { cloud, region } = u.host.clone();
        UrlCheck {
            normalized: u.url.clone(),
            cloud,
            cloud_label: cloud.label().to_string(),
            region,
            authority_host: cloud.authority_host().map(str::to_string),
        }
    }
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

fn collect<T>(
    errors: &mut Vec<FieldError>,
    field: &str,
    r: std::result::Result<T, String>,
) -> Option<T> {
    r.map_err(|m| errors.push(FieldError::new(field, m))).ok()
}

fn fail_if_any(errors: Vec<FieldError>) -> Result<()> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Error::Validation(errors))
    }
}

fn named(id: &str, name: &str) -> NamedRef {
    NamedRef {
        id: id.to_string(),
        name: name.to_string(),
    }
}

fn plugin_ref(id: &str) -> NamedRef {
    named(id, plugins::get(id).map_or(id, |p| p.name))
}

fn list_names(refs: &[(String, String)]) -> String {
    refs.iter()
        .map(|(_, n)| format!("\"{n}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Catalog {
    /// Opens the catalog in `data_dir`, migrating its database.
    pub fn open(data_dir: &Path, secrets: SecretStore) -> Result<Catalog> {
        let store = Store::open(data_dir)?;
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

    /// The keychain underneath.
    pub fn secrets(&self) -> &SecretStore {
        &self.secrets
    }

    /// Keychain state and expiring credentials, for the app's start.
    pub fn status(&self, today: Date) -> Result<AppStatus> {
        let mut expiring: Vec<ExpiringCredential> = self
            .list_credentials(today)?
            .into_iter()
            .filter(|c| c.expiry.level != ExpiryLevel::Ok)
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
        })
    }

    // ---- credentials ----------------------------------------------------------------------

    fn credential_view(
        &self,
        conn: &rusqlite::Connection,
        row: CredentialRow,
        today: Date,
    ) -> Result<CredentialView> {
        let used_by = dest_table::list_by_credential(conn, &row.id)?
            .into_iter()
            .map(|(id, name)| NamedRef { id, name })
            .collect();
        Ok(CredentialView {
            secret_stored: self.secrets.contains(&row.id).ok(),
            expiry: expiry::status(row.secret_expires_on, today),
            plugin: plugin_ref(&row.plugin),
            id: row.id,
            name: row.name,
            description: row.description,
            client_id: row.client_id,
            secret_set_at: row.secret_set_at,
            used_by,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }

    /// Every credential, by name.
    pub fn list_credentials(&self, today: Date) -> Result<Vec<CredentialView>> {
        let conn = self.store.conn()?;
        cred_table::list(&conn)?
            .into_iter()
            .map(|row| self.credential_view(&conn, row, today))
            .collect()
    }

    /// One credential by id or name.
    pub fn get_credential(&self, id_or_name: &str, today: Date) -> Result<CredentialView> {
        let conn = self.store.conn()?;
        let row = cred_table::require(&conn, id_or_name)?;
        self.credential_view(&conn, row, today)
    }

    fn check_credential_fields(
        &self,
        conn: &rusqlite::Connection,
        errors: &mut Vec<FieldError>,
        name: &str,
        description: &str,
        client_id: &str,
        except_id: Option<&str>,
    ) -> Result<Option<(String, String, String)>> {
        let name = collect(errors, "name", validate::name(name, "credential"));
        if let Some(n) = &name {
            if cred_table::name_taken(conn, n, except_id)? {
                errors.push(FieldError::new(
                    "name",
                    format!("A credential named \"{n}\" already exists: choose another name."),
                ));
            }
        }
        let description = collect(errors, "description", validate::description(description));
        let client_id = collect(errors, "clientId", validate::client_id(client_id));
        Ok(match (name, description, client_id) {
            (Some(n), Some(d), Some(c)) => Some((n, d, c)),
            _ => None,
        })
    }

    /// Field messages for a credential form as it stands (nothing is saved).
    pub fn check_credential(
        &self,
        input: &NewCredential,
        except_id: Option<&str>,
        today: Date,
    ) -> Result<Vec<FieldError>> {
        let conn = self.store.conn()?;
        let mut errors = Vec::new();
        self.check_credential_fields(
            &conn,
            &mut errors,
            &input.name,
            &input.description,
            &input.client_id,
            except_id,
        )?;
        if plugins::get(&input.plugin).is_none() {
            errors.push(FieldError::new("plugin", "Choose a plugin from the list."));
        }
        collect(
            &mut errors,
            "clientSecret",
            validate::client_secret(input.client_secret.expose()),
        );
        collect(
            &mut errors,
            "expiry",
            validate::expiry(&input.expiry, today),
        );
        Ok(errors)
    }

    /// Creates a credential and stores its secret in the keychain. Nothing is saved unless
    /// both succeed.
    pub fn create_credential(&self, input: NewCredential, today: Date) -> Result<CredentialView> {
        let now = now_unix();
        let id = self.store.with_tx(|tx| {
            let mut errors = Vec::new();
            let fields = self.check_credential_fields(
                tx,
                &mut errors,
                &input.name,
                &input.description,
                &input.client_id,
                None,
            )?;
            if plugins::get(&input.plugin).is_none() {
                errors.push(FieldError::new("plugin", "Choose a plugin from the list."));
            }
            let secret = collect(
                &mut errors,
                "clientSecret",
                validate::client_secret(input.client_secret.expose()),
            );
            let expires = collect(
                &mut errors,
                "expiry",
                validate::expiry(&input.expiry, today),
            );
            fail_if_any(errors)?;
            let ((name, description, client_id), secret, expires) = (
                fields.expect("checked"),
                secret.expect("checked"),
                expires.expect("checked"),
            );
            let row = CredentialRow {
                id: ids::new_id(ids::CREDENTIAL),
                name,
                description,
                plugin: input.plugin.clone(),
                client_id,
                secret_expires_on: expires,
                secret_set_at: now,
                created_at: now,
                updated_at: now,
            };
            cred_table::upsert(tx, &row)?;
            // The keychain write happens inside the transaction: if it fails, the row is
            // rolled back and nothing half-made is left behind.
            self.secrets.set(&row.id, &Secret::new(secret))?;
            Ok(row.id)
        })?;
        self.get_credential(&id, today)
    }

    /// Changes a credential's name, description, client ID or recorded expiry.
    pub fn update_credential(
        &self,
        id: &str,
        edit: CredentialEdit,
        today: Date,
    ) -> Result<CredentialView> {
        self.store.with_tx(|tx| {
            let mut row = cred_table::require(tx, id)?;
            let mut errors = Vec::new();
            let fields = self.check_credential_fields(
                tx,
                &mut errors,
                &edit.name,
                &edit.description,
                &edit.client_id,
                Some(&row.id),
            )?;
            let expires = match &edit.expiry {
                Some(e) => collect(&mut errors, "expiry", validate::expiry(e, today)),
                None => Some(row.secret_expires_on),
            };
            fail_if_any(errors)?;
            let (name, description, client_id) = fields.expect("checked");
            row.name = name;
            row.description = description;
            row.client_id = client_id;
            row.secret_expires_on = expires.expect("checked");
            row.updated_at = now_unix();
            cred_table::upsert(tx, &row).map_err(|e| self.name_conflict(e, "credential", &row.name))
        })?;
        self.get_credential(id, today)
    }

    /// Replaces a credential's secret in the keychain and records its new expiry.
    pub fn rotate_secret(
        &self,
        id: &str,
        rotation: SecretRotation,
        today: Date,
    ) -> Result<CredentialView> {
        self.store.with_tx(|tx| {
            let mut row = cred_table::require(tx, id)?;
            let mut errors = Vec::new();
            let secret = collect(
                &mut errors,
                "clientSecret",
                validate::client_secret(rotation.client_secret.expose()),
            );
            let expires = collect(
                &mut errors,
                "expiry",
                validate::expiry(&rotation.expiry, today),
            );
            fail_if_any(errors)?;
            let now = now_unix();
            row.secret_expires_on = expires.expect("checked");
            row.secret_set_at = now;
            row.updated_at = now;
            cred_table::upsert(tx, &row)?;
            self.secrets
                .set(&row.id, &Secret::new(secret.expect("checked")))
        })?;
        self.get_credential(id, today)
    }

    /// Deletes a credential and its secret. Refused while any destination uses it.
    pub fn delete_credential(&self, id_or_name: &str) -> Result<()> {
        self.store.with_tx(|tx| {
            let row = cred_table::require(tx, id_or_name)?;
            let users = dest_table::list_by_credential(tx, &row.id)?;
            if !users.is_empty() {
                return Err(Error::InUse(format!(
                    "The credential \"{}\" is used by {} {}. Choose another credential for {} \
                     or delete {}, then try again.",
                    row.name,
                    if users.len() == 1 {
                        "the destination"
                    } else {
                        "the destinations"
                    },
                    list_names(&users),
                    if users.len() == 1 { "it" } else { "them" },
                    if users.len() == 1 { "it" } else { "them" },
                )));
            }
            cred_table::delete(tx, &row.id)?;
            // Inside the transaction: if the keychain refuses, the row stays and the user can
            // retry once the keychain is unlocked.
            self.secrets.delete(&row.id)
        })
    }

    // ---- destinations ---------------------------------------------------------------------

    fn destination_view(
        &self,
        conn: &rusqlite::Connection,
        row: DestinationRow,
        today: Date,
    ) -> Result<DestinationView> {
        let cred = cred_table::require(conn, &row.credential_id)?;
        let url = validate::dynamics_url(&row.dynamics_url).ok();
        let cloud = Cloud::parse(&row.cloud).unwrap_or(Cloud::Commercial);
        Ok(DestinationView {
            plugin: plugin_ref(&row.plugin),
            credential: CredentialRef {
                id: cred.id,
                name: cred.name,
                expiry: expiry::status(cred.secret_expires_on, today),
            },
            cloud,
            cloud_label: cloud.label().to_string(),
            region: url.and_then(|u| u.host.region),
            authority_host: cloud.authority_host().map(str::to_string),
            id: row.id,
            name: row.name,
            description: row.description,
            tenant_id: row.tenant_id,
            dynamics_url: row.dynamics_url,
            api_version: row.api_version,
            business_users: row.business_users,
            restricted_pii: row.restricted_pii,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }

    /// Every destination, by name.
    pub fn list_destinations(&self, today: Date) -> Result<Vec<DestinationView>> {
        let conn = self.store.conn()?;
        dest_table::list(&conn)?
            .into_iter()
            .map(|row| self.destination_view(&conn, row, today))
            .collect()
    }

    /// One destination by id or name.
    pub fn get_destination(&self, id_or_name: &str, today: Date) -> Result<DestinationView> {
        let conn = self.store.conn()?;
        let row = dest_table::require(&conn, id_or_name)?;
        self.destination_view(&conn, row, today)
    }

    /// Validates a destination form; on success returns the row to store (id not yet set).
    fn check_destination_on(
        &self,
        conn: &rusqlite::Connection,
        input: &DestinationInput,
        except_id: Option<&str>,
        today: Date,
    ) -> Result<(
        Vec<FieldError>,
        Option<validate::DynamicsUrl>,
        Option<DestinationRow>,
    )> {
        let mut errors = Vec::new();
        let name = collect(
            &mut errors,
            "name",
            validate::name(&input.name, "destination"),
        );
        if let Some(n) = &name {
            if dest_table::name_taken(conn, n, except_id)? {
                errors.push(FieldError::new(
                    "name",
                    format!("A destination named \"{n}\" already exists: choose another name."),
                ));
            }
        }
        let description = collect(
            &mut errors,
            "description",
            validate::description(&input.description),
        );
        let plugin = plugins::get(&input.plugin);
        if plugin.is_none() {
            errors.push(FieldError::new(
                "plugin",
                "Choose a plugin: type to filter the list, e.g. \"micro\".",
            ));
        }
        let credential = if input.credential_id.trim().is_empty() {
            errors.push(FieldError::new(
                "credentialId",
                "Choose a credential, or create one.",
            ));
            None
        } else {
            match cred_table::get(conn, input.credential_id.trim())? {
                None => {
                    errors.push(FieldError::new(
                        "credentialId",
                        format!(
                            "No credential \"{}\" exists: choose one from the list, or create \
                             one.",
                            input.credential_id.trim()
                        ),
                    ));
                    None
                }
                Some(c) if c.plugin != input.plugin => {
                    errors.push(FieldError::new(
                        "credentialId",
                        format!("\"{}\" is not a credential for this plugin.", c.name),
                    ));
                    None
                }
                Some(c)
                    if expiry::status(c.secret_expires_on, today).level == ExpiryLevel::Expired =>
                {
                    errors.push(FieldError::new(
                        "credentialId",
                        format!(
                            "The secret of \"{}\" expired on {}. Create a new secret in Azure and \
                             rotate it under Credentials, or choose another credential.",
                            c.name, c.secret_expires_on
                        ),
                    ));
                    None
                }
                Some(c) => Some(c),
            }
        };
        let tenant = collect(&mut errors, "tenantId", validate::tenant(&input.tenant_id));
        let url = collect(
            &mut errors,
            "dynamicsUrl",
            validate::dynamics_url(&input.dynamics_url),
        );
        let api_version = match plugin {
            Some(p) if input.api_version.trim().is_empty() => {
                Some(p.default_api_version.to_string())
            }
            Some(p) => {
                let v = input.api_version.trim().trim_start_matches(['v', 'V']);
                if p.api_versions.contains(&v) {
                    Some(v.to_string())
                } else {
                    errors.push(FieldError::new(
                        "apiVersion",
                        format!("Choose a Web API version: {}.", p.api_versions.join(", ")),
                    ));
                    None
                }
            }
            None => None,
        };
        let row = match (name, description, credential, tenant, &url, api_version) {
            (
                Some(name),
                Some(description),
                Some(c),
                Some(tenant_id),
                Some(u),
                Some(api_version),
            ) if errors.is_empty() => Some(DestinationRow {
                id: String::new(),
                name,
                description,
                plugin: input.plugin.clone(),
                credential_id: c.id,
                tenant_id,
                dynamics_url: u.url.clone(),
                cloud: u.host.cloud.as_str().to_string(),
                api_version,
                business_users: input.business_users,
                restricted_pii: input.restricted_pii,
                created_at: 0,
                updated_at: 0,
            }),
            _ => None,
        };
        Ok((errors, url, row))
    }

    /// Field messages for a destination form as it stands, and what its URL was recognised
    /// as. Nothing is saved.
    pub fn check_destination(
        &self,
        input: &DestinationInput,
        except_id: Option<&str>,
        today: Date,
    ) -> Result<FormCheck> {
        let conn = self.store.conn()?;
        let (fields, url, _) = self.check_destination_on(&conn, input, except_id, today)?;
        Ok(FormCheck {
            fields,
            dynamics_url: url.as_ref().map(UrlCheck::from),
        })
    }

    fn name_conflict(&self, e: Error, what: &str, name: &str) -> Error {
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

    /// Creates a destination.
    pub fn create_destination(
        &self,
        input: DestinationInput,
        today: Date,
    ) -> Result<DestinationView> {
        let id = self.store.with_tx(|tx| {
            let (errors, _, row) = self.check_destination_on(tx, &input, None, today)?;
            fail_if_any(errors)?;
            let now = now_unix();
            let mut row = row.expect("valid input yields a row");
            row.id = ids::new_id(ids::DESTINATION);
            row.created_at = now;
            row.updated_at = now;
            dest_table::upsert(tx, &row)
                .map_err(|e| self.name_conflict(e, "destination", &row.name))?;
            Ok(row.id)
        })?;
        self.get_destination(&id, today)
    }

    /// Replaces a destination's settings.
    pub fn update_destination(
        &self,
        id_or_name: &str,
        input: DestinationInput,
        today: Date,
    ) -> Result<DestinationView> {
        let id = self.store.with_tx(|tx| {
            let old = dest_table::require(tx, id_or_name)?;
            let (errors, _, row) = self.check_destination_on(tx, &input, Some(&old.id), today)?;
            fail_if_any(errors)?;
            let mut row = row.expect("valid input yields a row");
            row.id = old.id;
            row.created_at = old.created_at;
            row.updated_at = now_unix();
            dest_table::upsert(tx, &row)
                .map_err(|e| self.name_conflict(e, "destination", &row.name))?;
            Ok(row.id)
        })?;
        self.get_destination(&id, today)
    }

    /// Deletes a destination. Its credential stays.
    pub fn delete_destination(&self, id_or_name: &str) -> Result<()> {
        self.store.with_tx(|tx| {
            let row = dest_table::require(tx, id_or_name)?;
            dest_table::delete(tx, &row.id)?;
            Ok(())
        })
    }
}
