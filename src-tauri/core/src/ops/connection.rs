//! The doors to Dataverse: test a destination's connection, and list its tables and a table's
//! columns through the metadata cache.
//!
//! These are plain `async fn`s that own no runtime: the app's commands await them on Tauri's
//! runtime and the CLI on the one it starts in `main`, so no call needs a thread or a runtime
//! of its own. They read SQLite and the keychain synchronously before their first await; those
//! reads take milliseconds, so they are not moved to a blocking thread.
//!
//! Before any network call the destination's credential is checked: an expired secret is
//! refused here, because Entra would refuse it anyway, only more slowly and less clearly.
//! Signed-in clients are kept per destination in the [`App`] (see [`ClientCache`]), so their
//! tokens are reused until renewal; a changed URL, tenant, client id, rotated secret or CA file
//! starts a fresh one.
//!
//! An extra trusted CA (the sandbox's, in HTTPS mode) is read from `trusted-ca.pem` in the data
//! folder when that file exists. It vouches for loopback servers only (see
//! [`crate::dataverse::tls`]): a real organisation or sign-in host is verified against the
//! platform's roots alone, so a proxy that inspects TLS needs its CA in the operating system's
//! trust store, not in this file.
//!
//! Plain `http://` is allowed for the local sandbox's own credential only; any other secret
//! would cross the loopback interface unencrypted. Saving a destination refuses the mix, and
//! connecting refuses it again for rows saved before that rule.
//!
//! Each destination's last test is kept, so lists can show which destinations work (and what
//! failed) after a restart.
//!
//! A destination with additional credentials has one client per credential ([`clients`]),
//! each its own application user with its own service-protection limits; a connection test
//! signs in with every one of them and names the one that fails.

use super::activity::{self, kind, Event};
use super::common::{allow, NamedRef};
use super::credentials::{self, CredentialView};
use super::destinations::{
    self, plain_http_refusal, sandbox_credential_refusal, DestinationInput, DestinationView,
};
use crate::app::App;
use crate::cloud::Cloud;
use crate::dataverse::metadata::{self, TableDetails, TableInfo};
use crate::dataverse::{ClientConfig, DataverseClient};
use crate::error::{Error, ErrorCode, Result};
use crate::expiry::ExpiryLevel;
use crate::policy::{Action, Actor};
use crate::store::destination_checks::{self as checks_table, CheckRow};
use crate::store::destinations as dest_table;
use crate::store::metadata_cache::{self, CacheEntry, Kind};
use crate::store::{now_unix, Health};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// File in the data folder whose PEM certificates are trusted, for loopback servers only, in
/// addition to the system's.
pub const TRUSTED_CA_FILE: &str = "trusted-ca.pem";

/// What a successful connection test learned.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ConnectionReport {
    pub destination_id: String,
    pub destination_name: String,
    /// The Web API root that answered, e.g. `https://contoso.crm4.dynamics.com/api/data/v9.2`.
    pub web_api_url: String,
    /// Web API version used, e.g. `9.2`.
    pub api_version: String,
    /// From `WhoAmI`: the environment's organisation id.
    pub organization_id: String,
    /// From `RetrieveCurrentOrganization`: the organisation's display name (its unique name if
    /// it has none); `None` when the environment did not say (the test still passed).
    pub organization_name: Option<String>,
    /// From `WhoAmI`: the application user's id.
    pub user_id: String,
    /// From `WhoAmI`: the application user's business unit.
    pub business_unit_id: String,
    /// The server's `x-ms-dop-hint`: recommended parallel requests (0 if it sent none).
    pub dop_hint: u32,
    /// Sign-in plus `WhoAmI`, in milliseconds.
    #[ts(type = "number")]
    pub elapsed_ms: u64,
    /// The additional credentials, each signed in as its own application user (empty when
    /// the destination lists none).
    pub additional_users: Vec<AdditionalUser>,
}

/// An additional credential that signed in during a connection test, and who it is.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct AdditionalUser {
    pub credential: NamedRef,
    /// From `WhoAmI`: this credential's application user.
    pub user_id: String,
}

/// A destination's tables, and whether they came from the cache.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct TableList {
    pub destination_id: String,
    /// Unix seconds when Dataverse was asked.
    pub fetched_at: i64,
    pub from_cache: bool,
    pub tables: Vec<TableInfo>,
}

/// One table's columns, keys and lookups, and whether they came from the cache.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct TableColumns {
    pub destination_id: String,
    /// Unix seconds when Dataverse was asked.
    pub fetched_at: i64,
    pub from_cache: bool,
    pub details: TableDetails,
}

/// The outcome of a destination's last connection test.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ConnectionCheck {
    /// Unix seconds when the test finished.
    pub checked_at: i64,
    pub ok: bool,
    /// Why it failed; `None` when it succeeded.
    pub code: Option<ErrorCode>,
    /// What the test showed: the failure's message, or a line saying what answered.
    pub message: String,
}

impl From<CheckRow> for ConnectionCheck {
    fn from(row: CheckRow) -> Self {
        ConnectionCheck {
            checked_at: row.checked_at,
            ok: row.ok,
            // NOTE: a code this build does not know (written by a newer Ferry) reads as internal.
            code: row.code.map(|c| {
                serde_json::from_value(serde_json::Value::String(c)).unwrap_or(ErrorCode::Internal)
            }),
            message: row.message,
        }
    }
}

/// What a cached client was built from: where and as whom it signs in, then the secret's
/// version and the trusted CA. Any change means a new client.
type ClientKey = (String, String);

/// Signed-in clients by destination id, with the settings they were built from. Owned by the
/// [`App`] rather than the process, so each context (the window, a CLI run, each test) keeps
/// its own: a client's pooled connections belong to the runtime that opened them, and two
/// contexts must not hand each other clients (or tokens) by accident.
#[derive(Default)]
pub(crate) struct ClientCache(Mutex<HashMap<String, (ClientKey, Arc<DataverseClient>)>>);

impl ClientCache {
    fn lock(
        &self,
    ) -> std::sync::MutexGuard<'_, HashMap<String, (ClientKey, Arc<DataverseClient>)>> {
        // NOTE: the map stays consistent whatever panicked while holding it: each entry is
        // inserted whole.
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn get(&self, destination_id: &str, key: &ClientKey) -> Option<Arc<DataverseClient>> {
        self.lock()
            .get(destination_id)
            .filter(|(k, _)| k == key)
            .map(|(_, c)| c.clone())
    }

    fn put(&self, destination_id: String, key: ClientKey, client: Arc<DataverseClient>) {
        self.lock().insert(destination_id, (key, client));
    }
}

/// The destination settings a client is built from.
struct Target<'a> {
    cloud: Cloud,
    url: &'a str,
    api_version: &'a str,
    tenant: &'a str,
}

/// Signs in (on first use of `client`) and asks `WhoAmI`; the caller names the destination.
async fn who_am_i_report(client: &DataverseClient) -> Result<ConnectionReport> {
    let started = Instant::now();
    let who = client.who_am_i().await?;
    let elapsed_ms = started.elapsed().as_millis() as u64;
    // NOTE: best effort: WhoAmI has proved the connection; a name that cannot be read (an
    // older server, a role without read access to the organisation) leaves only the id.
    let organization_name = client.current_organization().await.ok().and_then(|o| {
        [o.friendly_name, o.unique_name]
            .into_iter()
            .map(|n| n.trim().to_string())
            .find(|n| !n.is_empty())
    });
    Ok(ConnectionReport {
        destination_id: String::new(),
        destination_name: String::new(),
        web_api_url: client.config().api_base(),
        api_version: client.config().api_version.clone(),
        organization_id: who.organization_id,
        organization_name,
        user_id: who.user_id,
        business_unit_id: who.business_unit_id,
        dop_hint: client.dop_hint(),
        elapsed_ms,
        additional_users: Vec::new(),
    })
}

/// Signs in with each additional credential's client and asks `WhoAmI`, adding who answered
/// to `report`. The first failure stops the test and names its credential; so does a
/// credential that turns out to be an application user already counted, since it would add
/// no limits of its own.
async fn check_additional(
    report: &mut ConnectionReport,
    extras: &[(NamedRef, Arc<DataverseClient>)],
) -> Result<()> {
    let mut seen = vec![(report.user_id.clone(), None::<String>)];
    for (cred, client) in extras {
        let who = client
            .who_am_i()
            .await
            .map_err(|e| naming_credential(e.into(), &cred.name))?;
        if let Some((_, other)) = seen
            .iter()
            .find(|(user, _)| user.eq_ignore_ascii_case(&who.user_id))
        {
            let other = match other {
                Some(name) => format!("the additional credential \"{name}\""),
                None => "the main credential".to_string(),
            };
            return Err(Error::field(
                "extraCredentials",
                format!(
                    "\"{}\" signs in as the same application user as {other}, so it adds no \
                     limits of its own: choose a credential of another app registration.",
                    cred.name
                ),
            ));
        }
        seen.push((who.user_id.clone(), Some(cred.name.clone())));
        report.additional_users.push(AdditionalUser {
            credential: cred.clone(),
            user_id: who.user_id,
        });
    }
    Ok(())
}

/// `e`, said to come from the additional credential `name`, with its code kept so the UI
/// still knows what kind of failure it was.
fn naming_credential(e: Error, name: &str) -> Error {
    let say =
        |m: String| format!("Signing in with the additional credential \"{name}\" failed: {m}");
    match e {
        Error::AuthFailed(m) => Error::AuthFailed(say(m)),
        Error::Forbidden(m) => Error::Forbidden(say(m)),
        Error::Throttled(m) => Error::Throttled(say(m)),
        Error::Remote(m) => Error::Remote(say(m)),
        Error::Network { message, field } => Error::Network {
            message: say(message),
            field,
        },
        Error::Validation(fields) => Error::Validation(
            fields
                .into_iter()
                .map(|f| crate::error::FieldError::new("extraCredentials", say(f.message)))
                .collect(),
        ),
        other => other,
    }
}

fn trusted_ca(app: &App) -> Result<Option<String>> {
    let path = app.data_dir().join(TRUSTED_CA_FILE);
    if path.exists() {
        Ok(Some(std::fs::read_to_string(path)?))
    } else {
        Ok(None)
    }
}

/// A new client for these settings, after checking the credential: an expired or missing
/// secret is refused without a network call.
fn new_client(app: &App, target: &Target<'_>, cred: &CredentialView) -> Result<DataverseClient> {
    // NOTE: saving already refuses this; checked again for rows saved by older versions.
    if let Some(message) = plain_http_refusal(target.url, &cred.id) {
        return Err(Error::field("dynamicsUrl", message));
    }
    if let Some(message) = sandbox_credential_refusal(target.url, target.cloud, &cred.id) {
        return Err(Error::field("credentialId", message));
    }
    if cred.expiry.level == ExpiryLevel::Expired {
        return Err(Error::AuthFailed(format!(
            "The secret of credential \"{}\" expired on {} ({}). Create a new secret in the app \
             registration and rotate it in Ferry before connecting.",
            cred.name,
            crate::expiry::date_text(cred.expiry.expires_on),
            cred.expiry.summary.to_lowercase()
        )));
    }
    let secret = app.secrets().get(&cred.id)?.ok_or_else(|| {
        Error::AuthFailed(format!(
            "No secret is stored for credential \"{}\" on this computer. Set it (rotate the \
             secret) and try again.",
            cred.name
        ))
    })?;
    let mut config = ClientConfig::new(
        target.cloud,
        target.url,
        target.api_version,
        target.tenant,
        &cred.client_id,
        secret,
    )?;
    config.extra_ca_pem = trusted_ca(app)?;
    Ok(DataverseClient::new(config)?)
}

/// A Dataverse client for a destination: checks the credential (refusing an expired or missing
/// secret without a network call) and reuses the signed-in client when nothing changed.
/// `fresh` always builds a new one (a connection test must really sign in).
///
/// NOTE: no policy check: every caller is an operation that checked its own action.
pub(crate) fn client(
    app: &App,
    destination: &str,
    fresh: bool,
) -> Result<(DestinationView, Arc<DataverseClient>)> {
    let dest = destinations::find(app, destination)?;
    let client = client_for(app, &dest, &dest.credential.id, fresh)?;
    Ok((dest, client))
}

/// Every client of a destination, one per credential: the main credential's first, then each
/// additional credential's in its listed order. Each signs in as its own application user with
/// its own service-protection limits, so a send can spread its work across them. Each is built
/// and reused as [`client`] builds its one (secrets from the keychain; an expired or missing
/// secret refused without a network call, naming its credential). `fresh` builds new ones.
///
/// NOTE: no policy check: the caller (the send engine) checked its own action.
pub(crate) fn clients(
    app: &App,
    destination_id: &str,
    fresh: bool,
) -> Result<Vec<(NamedRef, Arc<DataverseClient>)>> {
    let dest = destinations::find(app, destination_id)?;
    let main = NamedRef {
        id: dest.credential.id.clone(),
        name: dest.credential.name.clone(),
    };
    let mut all = vec![(main.clone(), client_for(app, &dest, &main.id, fresh)?)];
    for extra in &dest.extra_credentials {
        let client = client_for(app, &dest, &extra.id, fresh)
            .map_err(|e| naming_credential(e, &extra.name))?;
        all.push((extra.clone(), client));
    }
    Ok(all)
}

/// The client of one of `dest`'s credentials, reused from the cache when nothing changed.
fn client_for(
    app: &App,
    dest: &DestinationView,
    credential_id: &str,
    fresh: bool,
) -> Result<Arc<DataverseClient>> {
    let cred = credentials::find(app, credential_id)?;
    let ca = trusted_ca(app)?;
    let key: ClientKey = (
        format!(
            "{}|{}|{}|{}|{}",
            dest.dynamics_url,
            dest.api_version,
            dest.tenant_id,
            cred.client_id,
            dest.cloud.as_str()
        ),
        format!("{}|{}", cred.secret_set_at, ca.as_deref().unwrap_or("")),
    );
    // NOTE: the main credential's client keeps the destination id as its slot; an additional
    // one gets a slot of its own, so the clients of one destination never evict each other.
    let slot = if cred.id == dest.credential.id {
        dest.id.clone()
    } else {
        format!("{}#{}", dest.id, cred.id)
    };
    if !fresh && cred.expiry.level != ExpiryLevel::Expired {
        if let Some(c) = app.clients().get(&slot, &key) {
            return Ok(c);
        }
    }
    let target = Target {
        cloud: dest.cloud,
        url: &dest.dynamics_url,
        api_version: &dest.api_version,
        tenant: &dest.tenant_id,
    };
    let client = Arc::new(new_client(app, &target, &cred)?);
    app.clients().put(slot, key, client.clone());
    Ok(client)
}

/// Signs in with a destination form's settings before they are saved (the dialog's "Test
/// connection"). Invalid fields are reported as a validation error, as saving would.
pub async fn test_input(
    app: &App,
    actor: &Actor,
    input: &DestinationInput,
    except_id: Option<&str>,
) -> Result<ConnectionReport> {
    // NOTE: settings not yet saved are a destination being made or changed: managing them.
    allow(app, actor, Action::ManageDestinations)?;
    let (row, extra_ids) = destinations::validated(app, input, except_id)?;
    let cred = credentials::find(app, &row.credential_id)?;
    let target = Target {
        cloud: Cloud::parse(&row.cloud).unwrap_or(Cloud::Commercial),
        url: &row.dynamics_url,
        api_version: &row.api_version,
        tenant: &row.tenant_id,
    };
    let client = new_client(app, &target, &cred)?;
    let mut extras = Vec::new();
    for id in &extra_ids {
        let extra = credentials::find(app, id)?;
        let client =
            new_client(app, &target, &extra).map_err(|e| naming_credential(e, &extra.name))?;
        extras.push((
            NamedRef {
                id: extra.id,
                name: extra.name,
            },
            Arc::new(client),
        ));
    }
    let mut report = who_am_i_report(&client).await?;
    check_additional(&mut report, &extras).await?;
    report.destination_id = except_id.unwrap_or_default().to_string();
    report.destination_name = row.name;
    Ok(report)
}

/// Signs in and calls `WhoAmI`; see [`ConnectionReport`]. The outcome, success or failure, is
/// kept as the destination's last test (see [`DestinationView::last_check`]).
pub async fn test(app: &App, actor: &Actor, destination: &str) -> Result<ConnectionReport> {
    allow(app, actor, Action::TestConnection)?;
    let found = destinations::find(app, destination)?;
    destinations::access(actor, &found).inspect_err(|e| {
        activity::record(
            app,
            actor,
            Event::new(
                kind::CONNECTION,
                "connection.test",
                &found.name,
                format!("Refused a connection test of {}", found.name),
            )
            .result::<()>(&Err(crate::error::Error::Forbidden(e.to_string()))),
        )
    })?;
    let id = found.id;
    let outcome = async {
        let mut all = clients(app, &id, true)?.into_iter();
        let (_, main) = all
            .next()
            .expect("the main credential's client comes first");
        let extras: Vec<_> = all.collect();
        let mut report = who_am_i_report(&main).await?;
        check_additional(&mut report, &extras).await?;
        report.destination_id = id.clone();
        report.destination_name = found.name.clone();
        Ok(report)
    }
    .await;
    let ok_message =
        match &outcome {
            Ok(r) if r.additional_users.is_empty() => format!(
                "Signed in and reached {} in {} ms.",
                r.web_api_url, r.elapsed_ms
            ),
            Ok(r) => {
                format!(
            "Signed in and reached {} in {} ms; {} additional application {} signed in too.",
            r.web_api_url,
            r.elapsed_ms,
            r.additional_users.len(),
            if r.additional_users.len() == 1 { "user" } else { "users" }
        )
            }
            Err(_) => String::new(),
        };
    record_check(app, &id, &outcome, &ok_message);
    activity::record(
        app,
        actor,
        Event::new(
            kind::CONNECTION,
            "connection.test",
            &found.name,
            match &outcome {
                Ok(_) => format!("Tested the connection to {}: signed in", found.name),
                Err(_) => format!("Tested the connection to {}: failed", found.name),
            },
        )
        .details(json!({ "url": found.dynamics_url }))
        .result(&outcome),
    );
    outcome
}

/// Records a saved destination's connection test. Best effort: the test's own answer matters
/// more than remembering it, so a folder that cannot be written (read-only, damaged) or a
/// failed write only means the list will not show it after a restart.
fn record_check<T>(app: &App, destination_id: &str, outcome: &Result<T>, ok_message: &str) {
    if app.store().health() != Health::Ok {
        return;
    }
    let row = CheckRow {
        destination_id: destination_id.to_string(),
        checked_at: now_unix(),
        ok: outcome.is_ok(),
        code: outcome.as_ref().err().map(|e| code_text(e.code())),
        message: match outcome {
            Ok(_) => ok_message.to_string(),
            Err(e) => e.to_string(),
        },
    };
    let _ = app.store().with_tx(|tx| {
        // The destination may have been deleted while its test ran.
        if dest_table::get(tx, destination_id)?.is_some() {
            checks_table::upsert(tx, &row)?;
        }
        Ok(())
    });
}

fn code_text(code: ErrorCode) -> String {
    match serde_json::to_value(code) {
        Ok(serde_json::Value::String(s)) => s,
        _ => "internal".to_string(),
    }
}

/// A destination's last connection test, if it had one.
pub fn last_check(
    app: &App,
    actor: &Actor,
    destination_id: &str,
) -> Result<Option<ConnectionCheck>> {
    allow(app, actor, Action::ReadDestinations)?;
    app.store()
        .read(|conn| Ok(checks_table::get(conn, destination_id)?.map(ConnectionCheck::from)))
}

fn cached<T: for<'de> Deserialize<'de>>(
    app: &App,
    dest: &DestinationView,
    kind: Kind,
    table: &str,
) -> Result<Option<(T, i64)>> {
    let entry = app
        .store()
        .read(|conn| metadata_cache::get(conn, &dest.id, kind, table, &dest.dynamics_url))?;
    // NOTE: an entry that no longer parses (an older format) is simply fetched again.
    Ok(entry.and_then(|e| {
        serde_json::from_str(&e.body)
            .ok()
            .map(|v| (v, e.fetched_at))
    }))
}

fn remember<T: Serialize>(
    app: &App,
    dest: &DestinationView,
    kind: Kind,
    table: &str,
    value: &T,
) -> Result<i64> {
    let fetched_at = now_unix();
    let body = serde_json::to_string(value)
        .map_err(|e| Error::Remote(format!("Metadata could not be cached: {e}")))?;
    let entry = CacheEntry { body, fetched_at };
    // NOTE: the cache only saves a round trip; a folder that cannot be written (read-only,
    // damaged) still lets the user see what was just fetched.
    if app.store().health() != Health::Ok {
        return Ok(fetched_at);
    }
    app.store().with_tx(|tx| {
        metadata_cache::upsert(tx, &dest.id, kind, table, &dest.dynamics_url, &entry)
    })?;
    Ok(fetched_at)
}

/// The destination's tables, from the cache unless `refresh` or nothing is cached.
pub async fn list_tables(
    app: &App,
    actor: &Actor,
    destination: &str,
    refresh: bool,
) -> Result<TableList> {
    allow(app, actor, Action::BrowseTables)?;
    let dest = destinations::find(app, destination)?;
    if !refresh {
        if let Some((tables, fetched_at)) = cached(app, &dest, Kind::Tables, "")? {
            return Ok(TableList {
                destination_id: dest.id,
                fetched_at,
                from_cache: true,
                tables,
            });
        }
    }
    let (dest, client) = client(app, destination, false)?;
    let tables = metadata::list_tables(&client).await?;
    let fetched_at = remember(app, &dest, Kind::Tables, "", &tables)?;
    Ok(TableList {
        destination_id: dest.id,
        fetched_at,
        from_cache: false,
        tables,
    })
}

/// One table's columns, keys and lookups, from the cache unless `refresh`.
pub async fn table_columns(
    app: &App,
    actor: &Actor,
    destination: &str,
    table: &str,
    refresh: bool,
) -> Result<TableColumns> {
    allow(app, actor, Action::BrowseTables)?;
    details(app, destination, table, refresh).await
}

/// [`table_columns`] for operations that checked their own action: a template being saved, a
/// preview, a send, which need a table's metadata without the right to browse tables.
pub(crate) async fn details(
    app: &App,
    destination: &str,
    table: &str,
    refresh: bool,
) -> Result<TableColumns> {
    let dest = destinations::find(app, destination)?;
    let table = table.trim().to_ascii_lowercase();
    if table.is_empty() {
        return Err(Error::field("table", "Choose a table, e.g. contact."));
    }
    if !refresh {
        if let Some((details, fetched_at)) = cached(app, &dest, Kind::Table, &table)? {
            return Ok(TableColumns {
                destination_id: dest.id,
                fetched_at,
                from_cache: true,
                details,
            });
        }
    }
    let (dest, client) = client(app, destination, false)?;
    let details = match metadata::table_details(&client, &table).await {
        Err(crate::dataverse::DataverseError::Api(e)) if e.status == 404 => {
            return Err(Error::NotFound {
                what: "table",
                key: table,
            })
        }
        other => other?,
    };
    let fetched_at = remember(app, &dest, Kind::Table, &table, &details)?;
    Ok(TableColumns {
        destination_id: dest.id,
        fetched_at,
        from_cache: false,
        details,
    })
}
