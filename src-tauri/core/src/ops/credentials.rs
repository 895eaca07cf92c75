//! Credentials: a client ID in SQLite, its secret in the keychain, and the expiry that warns
//! before sends start failing.
//!
//! The row and its secret never disagree: a credential row exists only with its secret stored,
//! and a failed keychain write rolls the row back (see [`write_with_keychain`]). Every rule is
//! checked here, whatever the form already checked, and every refusal names the field to fix.

use super::activity::{self, kind, Event};
use super::common::allow;
use super::common::{
    collect, credential_name_taken, default_plugin, fail_if_any, list_names, name_conflict,
    plugin_ref, require_credential, write_with_keychain, KeychainUndo, NamedRef,
};
use crate::app::App;
use crate::date::Date;
use crate::error::{Error, FieldError, Result};
use crate::expiry::{self, ExpiryStatus};
use crate::ids;
use crate::plugins;
use crate::policy::{Action, Actor};
use crate::secrets::Secret;
use crate::store::credentials::{self as cred_table, CredentialRow};
use crate::store::destination_credentials as extras_table;
use crate::store::destinations as dest_table;
use crate::store::now_unix;
use crate::validate::{self, ExpiryInput};
use serde::{Deserialize, Serialize};
use serde_json::json;

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

fn view(
    app: &App,
    conn: &rusqlite::Connection,
    row: CredentialRow,
    today: Date,
) -> Result<CredentialView> {
    let used_by = users_of(conn, &row.id)?
        .into_iter()
        .map(|(id, name)| NamedRef { id, name })
        .collect();
    Ok(CredentialView {
        secret_stored: app.secrets().contains(&row.id).ok(),
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
pub fn list(app: &App, actor: &Actor) -> Result<Vec<CredentialView>> {
    allow(app, actor, Action::ReadCredentials)?;
    all(app)
}

/// Every credential, for operations that have checked their own action.
pub(crate) fn all(app: &App) -> Result<Vec<CredentialView>> {
    let today = app.today();
    app.store().read(|conn| {
        cred_table::list(conn)?
            .into_iter()
            .map(|row| view(app, conn, row, today))
            .collect()
    })
}

/// One credential by id or name.
pub fn get(app: &App, actor: &Actor, id_or_name: &str) -> Result<CredentialView> {
    allow(app, actor, Action::ReadCredentials)?;
    find(app, id_or_name)
}

/// One credential, for operations that have checked their own action.
pub(crate) fn find(app: &App, id_or_name: &str) -> Result<CredentialView> {
    let today = app.today();
    app.store().read(|conn| {
        let row = require_credential(conn, id_or_name)?;
        view(app, conn, row, today)
    })
}

fn check_fields(
    conn: &rusqlite::Connection,
    errors: &mut Vec<FieldError>,
    name: &str,
    description: &str,
    client_id: &str,
    except_id: Option<&str>,
) -> Result<Option<(String, String, String)>> {
    let name = collect(errors, "name", validate::name(name, "credential"));
    if let Some(n) = &name {
        if credential_name_taken(conn, n, except_id)? {
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
pub fn check(
    app: &App,
    actor: &Actor,
    input: &NewCredential,
    except_id: Option<&str>,
) -> Result<Vec<FieldError>> {
    allow(app, actor, Action::ManageCredentials)?;
    let today = app.today();
    let mut errors = Vec::new();
    app.store().read(|conn| {
        check_fields(
            conn,
            &mut errors,
            &input.name,
            &input.description,
            &input.client_id,
            except_id,
        )
    })?;
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

/// What the activity log keeps of a credential: never its secret, only when it expires.
fn snapshot(r: &CredentialRow) -> serde_json::Value {
    json!({
        "name": r.name,
        "description": r.description,
        "clientId": r.client_id,
        "secretExpires": crate::expiry::date_text(r.secret_expires_on),
    })
}

/// Creates a credential and stores its secret in the keychain. Nothing is saved unless both
/// succeed.
pub fn create(app: &App, actor: &Actor, input: NewCredential) -> Result<CredentialView> {
    allow(app, actor, Action::ManageCredentials)?;
    let today = app.today();
    let now = now_unix();
    let id = write_with_keychain(app, |tx, undo| {
        let mut errors = Vec::new();
        let fields = check_fields(
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
        activity::record_in(
            tx,
            actor,
            Event::new(
                kind::CONFIG,
                "credential.add",
                &row.name,
                format!(
                    "Added the credential {} (secret kept in the keychain)",
                    row.name
                ),
            )
            .details(json!({ "after": snapshot(&row) })),
        )?;
        // The keychain write happens inside the transaction: if it fails, the row is rolled
        // back; if the commit fails after it, the secret is removed again.
        *undo = Some(KeychainUndo::Remove(row.id.clone()));
        app.secrets().set(&row.id, &Secret::new(secret))?;
        Ok(row.id)
    })?;
    find(app, &id)
}

/// Changes a credential's name, description, client ID or recorded expiry.
pub fn update(app: &App, actor: &Actor, id: &str, edit: CredentialEdit) -> Result<CredentialView> {
    allow(app, actor, Action::ManageCredentials)?;
    let today = app.today();
    app.store().with_tx(|tx| {
        let mut row = require_credential(tx, id)?;
        let before = snapshot(&row);
        let mut errors = Vec::new();
        let fields = check_fields(
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
        cred_table::upsert(tx, &row).map_err(|e| name_conflict(e, "credential", &row.name))?;
        activity::record_in(
            tx,
            actor,
            Event::new(
                kind::CONFIG,
                "credential.edit",
                &row.name,
                format!("Changed the credential {}", row.name),
            )
            .details(json!({ "changes": activity::changes(&before, &snapshot(&row)) })),
        )
    })?;
    find(app, id)
}

/// Replaces a credential's secret in the keychain and records its new expiry.
pub fn rotate_secret(
    app: &App,
    actor: &Actor,
    id: &str,
    rotation: SecretRotation,
) -> Result<CredentialView> {
    allow(app, actor, Action::ManageCredentials)?;
    let today = app.today();
    write_with_keychain(app, |tx, undo| {
        let mut row = require_credential(tx, id)?;
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
        let before = snapshot(&row);
        row.secret_expires_on = expires.expect("checked");
        row.secret_set_at = now;
        row.updated_at = now;
        cred_table::upsert(tx, &row)?;
        let mut changed = activity::changes(&before, &snapshot(&row));
        changed["secret"] = json!({ "before": "(hidden)", "after": "(replaced, hidden)" });
        activity::record_in(
            tx,
            actor,
            Event::new(
                kind::CONFIG,
                "credential.rotate",
                &row.name,
                format!("Replaced the secret of the credential {}", row.name),
            )
            .details(json!({ "changes": changed })),
        )?;
        *undo = Some(KeychainUndo::Restore(
            row.id.clone(),
            app.secrets().get(&row.id)?,
        ));
        app.secrets()
            .set(&row.id, &Secret::new(secret.expect("checked")))
    })?;
    find(app, id)
}

/// The destinations that sign in with this credential, as their main credential or an
/// additional one, by name and each once.
fn users_of(conn: &rusqlite::Connection, credential_id: &str) -> Result<Vec<(String, String)>> {
    let mut users = dest_table::list_by_credential(conn, credential_id)?;
    for extra in extras_table::list_by_credential(conn, credential_id)? {
        if !users.contains(&extra) {
            users.push(extra);
        }
    }
    users.sort_by_key(|(_, name)| name.to_lowercase());
    Ok(users)
}

/// Deletes a credential and its secret. Refused while any destination uses it.
pub fn delete(app: &App, actor: &Actor, id_or_name: &str) -> Result<()> {
    allow(app, actor, Action::ManageCredentials)?;
    write_with_keychain(app, |tx, undo| {
        let row = require_credential(tx, id_or_name)?;
        let users = users_of(tx, &row.id)?;
        if !users.is_empty() {
            let one = users.len() == 1;
            let as_extra = !extras_table::list_by_credential(tx, &row.id)?.is_empty();
            return Err(Error::InUse(format!(
                "The credential \"{}\" is used by {} {}. Choose another credential for {}{} \
                 or delete {}, then try again.",
                row.name,
                if one {
                    "the destination"
                } else {
                    "the destinations"
                },
                list_names(&users),
                if one { "it" } else { "them" },
                if as_extra {
                    " (or take it off the additional application users)"
                } else {
                    ""
                },
                if one { "it" } else { "them" },
            )));
        }
        cred_table::delete(tx, &row.id)?;
        activity::record_in(
            tx,
            actor,
            Event::new(
                kind::CONFIG,
                "credential.delete",
                &row.name,
                format!("Deleted the credential {} and its secret", row.name),
            )
            .details(json!({ "before": snapshot(&row) })),
        )?;
        // Inside the transaction: if the keychain refuses, the row stays and the user can
        // retry once the keychain is unlocked; if the commit fails, the secret comes back.
        *undo = Some(KeychainUndo::Restore(
            row.id.clone(),
            app.secrets().get(&row.id)?,
        ));
        app.secrets().delete(&row.id)
    })
}
