//! Destinations: where rows go, checked field by field, with the cloud their URL belongs to.
//!
//! Besides its main credential a destination may list additional ones. Dataverse binds one
//! application user to one client id and counts service-protection limits per user, so each
//! additional credential must be another app registration (its own client id): then a send can
//! spread its work across them and go beyond one user's ceiling. Who may use a destination
//! does not depend on how many credentials it has.

use super::activity::{self, kind, Event};
use super::common::allow;
use super::common::{
    collect, default_plugin, destination_name_taken, fail_if_any, name_conflict, plugin_ref,
    require_destination, NamedRef,
};
use super::connection::ConnectionCheck;
use super::start::{DEMO_CREDENTIAL_ID, DEMO_DESTINATION_ID};
use crate::app::App;
use crate::cloud::{Cloud, HostInfo};
use crate::date::Date;
use crate::error::{FieldError, Result};
use crate::expiry::{self, ExpiryLevel, ExpiryStatus};
use crate::ids;
use crate::plugins;
use crate::policy::{Action, Actor};
use crate::store::app_settings;
use crate::store::credentials as cred_table;
use crate::store::credentials::CredentialRow;
use crate::store::destination_checks as checks_table;
use crate::store::destination_credentials as extras_table;
use crate::store::destinations::{self as dest_table, DestinationRow};
use crate::store::now_unix;
use crate::validate;
use serde::{Deserialize, Serialize};
use serde_json::json;

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
    /// Additional credentials (ids or names), in order: each another app registration, so
    /// another application user in Dynamics with its own service-protection limits, that a
    /// send may spread its work across. Empty for one application user.
    #[serde(default)]
    pub extra_credentials: Vec<String>,
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
    /// The additional credentials, in the order a send uses them after the main one.
    pub extra_credentials: Vec<NamedRef>,
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
    /// The last connection test, kept across restarts; `None` until one is run, and again
    /// after an edit that changes where or how the destination connects.
    pub last_check: Option<ConnectionCheck>,
    /// Why the acting user may not send through this destination (their policy or Restrict
    /// PII access), or `None` when they may. Operators see every destination to manage it.
    pub unavailable: Option<String>,
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

/// Why `credential_id` may not sign in over `url`, when `url` is plain `http://`: only the
/// local sandbox's own credential may, because its secret protects nothing but the sandbox.
/// Any other secret would cross the loopback interface in clear text, readable by any local
/// process that listens there in the sandbox's place.
pub(crate) fn plain_http_refusal(url: &str, credential_id: &str) -> Option<String> {
    (url.starts_with("http://") && credential_id != DEMO_CREDENTIAL_ID).then(|| {
        "Plain http:// would send this credential's secret unencrypted: use https://, or choose \
         the Local sandbox's own credential (\"Local sandbox app\") for the built-in sandbox."
            .to_string()
    })
}

/// Why `credential_id` may not sign in at `url`, when it is the Local sandbox's own credential
/// and `url` is not on this computer. That credential exists only in the sandbox, so no real
/// tenant can accept it: a destination pairing it with a Microsoft address could only fail at
/// its first test or send, after sending the sandbox's secret to a real sign-in host.
/// Refused rather than warned about, since no use of the pair can work.
pub(crate) fn sandbox_credential_refusal(
    url: &str,
    cloud: Cloud,
    credential_id: &str,
) -> Option<String> {
    (credential_id == DEMO_CREDENTIAL_ID && cloud != Cloud::LocalSandbox).then(|| {
        format!(
            "The Local sandbox's credential signs in only to the sandbox on this computer, not \
             to {url}. Choose the credential of your app registration in Azure, or create one."
        )
    })
}

fn view(conn: &rusqlite::Connection, row: DestinationRow, today: Date) -> Result<DestinationView> {
    let cred = cred_table::require(conn, &row.credential_id)?;
    let url = validate::dynamics_url(&row.dynamics_url).ok();
    let cloud = Cloud::parse(&row.cloud).unwrap_or(Cloud::Commercial);
    let last_check = checks_table::get(conn, &row.id)?.map(ConnectionCheck::from);
    let extra_credentials = extras_table::list(conn, &row.id)?
        .iter()
        .map(|id| {
            let c = cred_table::require(conn, id)?;
            Ok(NamedRef {
                id: c.id,
                name: c.name,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(DestinationView {
        last_check,
        extra_credentials,
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
        unavailable: None,
    })
}

/// Whether `actor` may use `d` (see [`policy::destination_access`]).
pub(crate) fn access(actor: &Actor, d: &DestinationView) -> Result<()> {
    crate::policy::destination_access(actor, &d.name, d.business_users, d.restricted_pii)
}

fn for_actor(actor: &Actor, mut d: DestinationView) -> DestinationView {
    d.unavailable = access(actor, &d).err().map(|e| e.to_string());
    d
}

/// Every destination the acting user may see, by name: business users see only those open to
/// business users (and, with Restrict PII access, to restricted users); operators and
/// administrators see all, each saying whether they may use it.
pub fn list(app: &App, actor: &Actor) -> Result<Vec<DestinationView>> {
    allow(app, actor, Action::ReadDestinations)?;
    let today = app.today();
    let all: Vec<DestinationView> = app.store().read(|conn| {
        dest_table::list(conn)?
            .into_iter()
            .map(|row| view(conn, row, today))
            .collect()
    })?;
    Ok(all
        .into_iter()
        .map(|d| for_actor(actor, d))
        .filter(|d| !actor.policy().is_business() || d.unavailable.is_none())
        .collect())
}

/// One destination by id or name; refused to a business user it is not open to.
pub fn get(app: &App, actor: &Actor, id_or_name: &str) -> Result<DestinationView> {
    allow(app, actor, Action::ReadDestinations)?;
    let d = for_actor(actor, find(app, id_or_name)?);
    if actor.policy().is_business() {
        access(actor, &d)?;
    }
    Ok(d)
}

/// One destination, for operations that have checked their own action.
pub(crate) fn find(app: &App, id_or_name: &str) -> Result<DestinationView> {
    let today = app.today();
    app.store().read(|conn| {
        let row = require_destination(conn, id_or_name)?;
        view(conn, row, today)
    })
}

/// What the activity log keeps of a destination: every setting, names for references.
pub(crate) fn snapshot(
    conn: &rusqlite::Connection,
    r: &DestinationRow,
) -> Result<serde_json::Value> {
    let name_of = |id: &str| -> Result<String> {
        Ok(cred_table::get(conn, id)?
            .map(|c| c.name)
            .unwrap_or_else(|| id.to_string()))
    };
    let credential = name_of(&r.credential_id)?;
    let extras = extras_table::list(conn, &r.id)?
        .iter()
        .map(|id| name_of(id))
        .collect::<Result<Vec<_>>>()?;
    Ok(json!({
        "name": r.name,
        "description": r.description,
        "plugin": r.plugin,
        "credential": credential,
        "extraCredentials": extras,
        "tenantId": r.tenant_id,
        "dynamicsUrl": r.dynamics_url,
        "apiVersion": r.api_version,
        "businessUsers": r.business_users,
        "restrictedPii": r.restricted_pii,
    }))
}

/// A valid destination form: the row to store (id not yet set) and the ids of its additional
/// credentials, in order.
pub(crate) type Validated = (DestinationRow, Vec<String>);

/// Validates a destination form; on success returns what to store.
fn check_on(
    conn: &rusqlite::Connection,
    input: &DestinationInput,
    except_id: Option<&str>,
    today: Date,
) -> Result<(
    Vec<FieldError>,
    Option<validate::DynamicsUrl>,
    Option<Validated>,
)> {
    let mut errors = Vec::new();
    let name = collect(
        &mut errors,
        "name",
        validate::name(&input.name, "destination"),
    );
    if let Some(n) = &name {
        if destination_name_taken(conn, n, except_id)? {
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
            Some(c) if expiry::status(c.secret_expires_on, today).level == ExpiryLevel::Expired => {
                errors.push(FieldError::new(
                    "credentialId",
                    format!(
                        "The secret of \"{}\" expired on {}. Create a new secret in Azure and \
                         rotate it under Credentials, or choose another credential.",
                        c.name,
                        expiry::date_text(c.secret_expires_on)
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
    if let (Some(c), Some(u)) = (&credential, &url) {
        if let Some(message) = plain_http_refusal(&u.url, &c.id) {
            errors.push(FieldError::new("dynamicsUrl", message));
        }
        if let Some(message) = sandbox_credential_refusal(&u.url, u.host.cloud, &c.id) {
            errors.push(FieldError::new("credentialId", message));
        }
    }
    let extras = check_extras(
        conn,
        input,
        credential.as_ref(),
        url.as_ref(),
        today,
        &mut errors,
    )?;
    let api_version = match plugin {
        Some(p) if input.api_version.trim().is_empty() => Some(p.default_api_version.to_string()),
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
        (Some(name), Some(description), Some(c), Some(tenant_id), Some(u), Some(api_version))
            if errors.is_empty() =>
        {
            Some((
                DestinationRow {
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
                },
                extras,
            ))
        }
        _ => None,
    };
    Ok((errors, url, row))
}

/// Checks the additional credentials, each problem on `extraCredentials`: each must exist, be
/// for this plugin and unexpired, appear once, not be the main credential, and have a client id
/// of its own (one client id is one application user, so a second credential of the same app
/// registration would share that user's limits instead of adding its own). Returns the ids to
/// store.
fn check_extras(
    conn: &rusqlite::Connection,
    input: &DestinationInput,
    main: Option<&CredentialRow>,
    url: Option<&validate::DynamicsUrl>,
    today: Date,
    errors: &mut Vec<FieldError>,
) -> Result<Vec<String>> {
    const FIELD: &str = "extraCredentials";
    let mut taken: Vec<CredentialRow> = main.into_iter().cloned().collect();
    let mut ids = Vec::new();
    for wanted in &input.extra_credentials {
        let wanted = wanted.trim();
        if wanted.is_empty() {
            errors.push(FieldError::new(
                FIELD,
                "An additional credential is blank: choose one from the list, or remove it.",
            ));
            continue;
        }
        let Some(c) = cred_table::get(conn, wanted)? else {
            errors.push(FieldError::new(
                FIELD,
                format!(
                    "No credential \"{wanted}\" exists: choose one from the list, or create one."
                ),
            ));
            continue;
        };
        if main.is_some_and(|m| m.id == c.id) {
            errors.push(FieldError::new(
                FIELD,
                format!(
                    "\"{}\" is already this destination's main credential: an additional \
                     application user needs a credential of its own.",
                    c.name
                ),
            ));
            continue;
        }
        if ids.contains(&c.id) {
            errors.push(FieldError::new(
                FIELD,
                format!("\"{}\" is listed twice: list each credential once.", c.name),
            ));
            continue;
        }
        if let Some(twin) = taken
            .iter()
            .find(|t| t.client_id.trim().eq_ignore_ascii_case(c.client_id.trim()))
        {
            errors.push(FieldError::new(
                FIELD,
                format!(
                    "\"{}\" has the same client ID as \"{}\" ({}). Dynamics has one \
                     application user per client ID, so it would share that user's limits \
                     instead of adding its own: choose a credential of another app \
                     registration.",
                    c.name,
                    twin.name,
                    c.client_id.trim()
                ),
            ));
            continue;
        }
        if c.plugin != input.plugin {
            errors.push(FieldError::new(
                FIELD,
                format!("\"{}\" is not a credential for this plugin.", c.name),
            ));
        } else if expiry::status(c.secret_expires_on, today).level == ExpiryLevel::Expired {
            errors.push(FieldError::new(
                FIELD,
                format!(
                    "The secret of \"{}\" expired on {}. Rotate it under Credentials, or \
                     remove it from this list.",
                    c.name,
                    expiry::date_text(c.secret_expires_on)
                ),
            ));
        } else if let Some(u) = url {
            if plain_http_refusal(&u.url, &c.id).is_some() {
                errors.push(FieldError::new(
                    FIELD,
                    format!(
                        "Plain http:// would send the secret of \"{}\" unencrypted: use \
                         https:// to add application users.",
                        c.name
                    ),
                ));
            } else if sandbox_credential_refusal(&u.url, u.host.cloud, &c.id).is_some() {
                errors.push(FieldError::new(
                    FIELD,
                    format!(
                        "\"{}\" signs in only to the sandbox on this computer, not to {}.",
                        c.name, u.url
                    ),
                ));
            }
        }
        ids.push(c.id.clone());
        taken.push(c);
    }
    Ok(ids)
}

/// The destination a form would save (its id not yet set), or the validation error saving
/// would give. Used to test a connection before saving.
pub(crate) fn validated(
    app: &App,
    input: &DestinationInput,
    except_id: Option<&str>,
) -> Result<Validated> {
    let today = app.today();
    let (errors, _, row) = app
        .store()
        .read(|conn| check_on(conn, input, except_id, today))?;
    fail_if_any(errors)?;
    Ok(row.expect("valid input yields a row"))
}

/// Field messages for a destination form as it stands, and what its URL was recognised as.
/// Nothing is saved.
pub fn check(
    app: &App,
    actor: &Actor,
    input: &DestinationInput,
    except_id: Option<&str>,
) -> Result<FormCheck> {
    allow(app, actor, Action::ManageDestinations)?;
    let today = app.today();
    let (fields, url, _) = app
        .store()
        .read(|conn| check_on(conn, input, except_id, today))?;
    Ok(FormCheck {
        fields,
        dynamics_url: url.as_ref().map(UrlCheck::from),
    })
}

/// Creates a destination.
pub fn create(app: &App, actor: &Actor, input: DestinationInput) -> Result<DestinationView> {
    allow(app, actor, Action::ManageDestinations)?;
    let today = app.today();
    let id = app.store().with_tx(|tx| {
        let (errors, _, row) = check_on(tx, &input, None, today)?;
        fail_if_any(errors)?;
        let now = now_unix();
        let (mut row, extras) = row.expect("valid input yields a row");
        row.id = ids::new_id(ids::DESTINATION);
        row.created_at = now;
        row.updated_at = now;
        dest_table::upsert(tx, &row).map_err(|e| name_conflict(e, "destination", &row.name))?;
        extras_table::replace(tx, &row.id, &extras)?;
        activity::record_in(
            tx,
            actor,
            Event::new(
                kind::CONFIG,
                "destination.add",
                &row.name,
                format!("Added the destination {}", row.name),
            )
            .details(json!({ "after": snapshot(tx, &row)? })),
        )?;
        Ok(row.id)
    })?;
    Ok(for_actor(actor, find(app, &id)?))
}

/// Replaces a destination's settings.
pub fn update(
    app: &App,
    actor: &Actor,
    id_or_name: &str,
    input: DestinationInput,
) -> Result<DestinationView> {
    allow(app, actor, Action::ManageDestinations)?;
    let today = app.today();
    let id = app.store().with_tx(|tx| {
        let old = require_destination(tx, id_or_name)?;
        let (errors, _, row) = check_on(tx, &input, Some(&old.id), today)?;
        fail_if_any(errors)?;
        let (mut row, extras) = row.expect("valid input yields a row");
        row.id = old.id.clone();
        row.created_at = old.created_at;
        row.updated_at = now_unix();
        let before = snapshot(tx, &old)?;
        if connects_differently(&old, &row) || extras_table::list(tx, &row.id)? != extras {
            checks_table::delete(tx, &row.id)?;
        }
        dest_table::upsert(tx, &row).map_err(|e| name_conflict(e, "destination", &row.name))?;
        extras_table::replace(tx, &row.id, &extras)?;
        let changed = activity::changes(&before, &snapshot(tx, &row)?);
        activity::record_in(
            tx,
            actor,
            Event::new(
                kind::CONFIG,
                "destination.edit",
                &row.name,
                format!("Changed the destination {}", old.name),
            )
            .details(json!({ "changes": changed })),
        )?;
        Ok(row.id)
    })?;
    Ok(for_actor(actor, find(app, &id)?))
}

/// Deletes a destination. Its credential stays. Deleting the Local sandbox is remembered, so it
/// is not created again at the next start (it can be added back on request).
pub fn delete(app: &App, actor: &Actor, id_or_name: &str) -> Result<()> {
    allow(app, actor, Action::ManageDestinations)?;
    app.store().with_tx(|tx| {
        let row = require_destination(tx, id_or_name)?;
        let before = snapshot(tx, &row)?;
        dest_table::delete(tx, &row.id)?;
        activity::record_in(
            tx,
            actor,
            Event::new(
                kind::CONFIG,
                "destination.delete",
                &row.name,
                format!("Deleted the destination {}", row.name),
            )
            .details(json!({ "before": before })),
        )?;
        if row.id == DEMO_DESTINATION_ID {
            app_settings::set_flag(tx, app_settings::DEMO_DESTINATION_REMOVED, true)?;
        }
        Ok(())
    })
}

/// Whether an edit changed where or how a destination connects, so its last test no longer
/// says anything about it.
fn connects_differently(old: &DestinationRow, new: &DestinationRow) -> bool {
    old.dynamics_url != new.dynamics_url
        || old.tenant_id != new.tenant_id
        || old.credential_id != new.credential_id
        || old.api_version != new.api_version
        || old.cloud != new.cloud
        || old.plugin != new.plugin
}
