//! Getting started: the steps a new user is shown, and the local sandbox as a ready-made
//! destination, so a new user can try Ferry without a tenant.
//!
//! The app starts the sandbox and calls [`ensure_demo_destination`] each time: the destination
//! and its credential keep fixed ids, and their URL, tenant, client ID and secret are brought up
//! to date (the sandbox may listen on another port than last time). The user's own edits to the
//! name, description and access switches are kept.
//!
//! Deleting the destination is a choice Ferry remembers (`app_settings`): it is not created
//! again at the next start, only when the user asks for it back ([`restore_demo_destination`]).
//! Its credential, if the user kept it, still follows the sandbox, so destinations the user
//! made for the sandbox keep signing in.
//!
//! The steps are worked out from what is stored, not from what the UI saw happen, so they tick
//! the same way after a restart and whichever window or command did the work.

use super::activity::{self, kind, Event};
use super::common::allow;
use super::common::{credential_name_taken, destination_name_taken};
use super::destinations::{self, DestinationView};
use crate::app::App;
use crate::error::{Error, Result};
use crate::ids;
use crate::plugins;
use crate::policy::{Action, Actor};
use crate::secrets::Secret;
use crate::store::app_settings;
use crate::store::credentials::{self as cred_table, CredentialRow};
use crate::store::destination_checks as checks_table;
use crate::store::destinations::{self as dest_table, DestinationRow};
use crate::store::{metadata_cache, now_unix};
use crate::validate;
use serde::Serialize;
use serde_json::json;

/// The steps a new user is shown, and whether each is done. The backend decides, from what is
/// stored, so the steps tick the same way after a restart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct GettingStarted {
    /// The user put the steps away.
    pub dismissed: bool,
    pub has_destination: bool,
    /// A destination's last connection test succeeded.
    pub connection_tested: bool,
    /// A destination's tables were fetched at least once.
    pub tables_browsed: bool,
    /// Customer data was imported from a file (the demo data does not count).
    pub data_imported: bool,
    /// A send job delivered at least one row.
    pub has_sent: bool,
    /// The local sandbox runs but its destination is gone (the user deleted it): it can be
    /// added back.
    pub sandbox_addable: bool,
}

/// Fixed id of the sandbox's credential.
pub const DEMO_CREDENTIAL_ID: &str = "cred_localsandbox";
/// Fixed id of the sandbox's destination.
pub const DEMO_DESTINATION_ID: &str = "dst_localsandbox";

/// File the local sandbox keeps its records in, inside Ferry's data folder (the app and the
/// CLI's sends both use it, so they see the same records).
pub const SANDBOX_FILE: &str = "sandbox.sqlite3";

/// The port the local sandbox tries first, so the demo destination's URL (and the metadata
/// cached for it) stays the same from one start to the next. Any free port is used if it is
/// taken.
pub const SANDBOX_PORT: u16 = 47_365;

/// The name of the template the first start makes (see [`ensure_demo_template`]).
pub const DEMO_TEMPLATE_NAME: &str = "Demo contacts";

/// Where the running sandbox listens and how to sign in to it.
#[derive(Debug, Clone)]
pub struct DemoTarget {
    pub base_url: String,
    pub tenant: String,
    pub client_id: String,
    pub client_secret: Secret,
}

/// A name not yet taken in `table_names`, starting from `wanted`.
fn free_name(taken: impl Fn(&str) -> Result<bool>, wanted: &str) -> Result<String> {
    if !taken(wanted)? {
        return Ok(wanted.to_string());
    }
    for n in 2.. {
        let candidate = format!("{wanted} ({n})");
        if !taken(&candidate)? {
            return Ok(candidate);
        }
    }
    unreachable!("an unbounded range always yields a free name")
}

/// Where a new user stands; `sandbox_running` is whether the app runs the local sandbox.
pub fn getting_started(app: &App, actor: &Actor, sandbox_running: bool) -> Result<GettingStarted> {
    allow(app, actor, Action::ViewStatus)?;
    app.store().read(|conn| {
        Ok(GettingStarted {
            data_imported: app_settings::flag(conn, app_settings::DATA_IMPORTED)?,
            has_sent: crate::store::job_rows::any_delivered(conn)?,
            dismissed: app_settings::flag(conn, app_settings::GETTING_STARTED_DISMISSED)?,
            has_destination: !dest_table::list(conn)?.is_empty(),
            connection_tested: checks_table::any_ok(conn)?,
            tables_browsed: metadata_cache::any(conn)?,
            sandbox_addable: sandbox_running
                && dest_table::get(conn, DEMO_DESTINATION_ID)?.is_none(),
        })
    })
}

/// Puts the "Getting started" steps away, or brings them back.
pub fn set_getting_started_dismissed(app: &App, actor: &Actor, dismissed: bool) -> Result<()> {
    allow(app, actor, Action::ChangePreferences)?;
    app.store().with_tx(|tx| {
        app_settings::set_flag(tx, app_settings::GETTING_STARTED_DISMISSED, dismissed)
    })
}

/// Creates or refreshes the "Local sandbox" destination and its credential; `None` when the
/// user deleted the destination (then only a kept credential is refreshed).
pub fn ensure_demo_destination(
    app: &App,
    actor: &Actor,
    demo: &DemoTarget,
) -> Result<Option<DestinationView>> {
    allow(app, actor, Action::ManageDestinations)?;
    ensure(app, actor, demo)
}

fn ensure(app: &App, actor: &Actor, demo: &DemoTarget) -> Result<Option<DestinationView>> {
    let url = validate::dynamics_url(&demo.base_url).map_err(|m| {
        Error::field(
            "dynamicsUrl",
            format!("The sandbox address is unusable: {m}"),
        )
    })?;
    let tenant = validate::tenant(&demo.tenant).map_err(|m| Error::field("tenantId", m))?;
    let client_id =
        validate::client_id(&demo.client_id).map_err(|m| Error::field("clientId", m))?;
    let now = now_unix();
    let made = app.store().with_tx(|tx| {
        let removed = app_settings::flag(tx, app_settings::DEMO_DESTINATION_REMOVED)?;
        let kept_credential = cred_table::get(tx, DEMO_CREDENTIAL_ID)?;
        if removed && kept_credential.is_none() {
            return Ok(false);
        }
        let cred = match kept_credential {
            Some(mut c) => {
                c.client_id = client_id.clone();
                // The sandbox's secret never expires, and the list says so.
                c.secret_expires_on = None;
                c.secret_set_at = now;
                c.updated_at = now;
                c
            }
            None => CredentialRow {
                id: DEMO_CREDENTIAL_ID.to_string(),
                name: free_name(|n| credential_name_taken(tx, n, None), "Local sandbox app")?,
                description: "Signs in to the sandbox that runs inside Ferry.".into(),
                plugin: plugins::DYNAMICS.into(),
                client_id: client_id.clone(),
                secret_expires_on: None,
                secret_set_at: now,
                created_at: now,
                updated_at: now,
            },
        };
        cred_table::upsert(tx, &cred)?;
        if removed {
            app.secrets().set(&cred.id, &demo.client_secret)?;
            return Ok(false);
        }
        let dest = match dest_table::get(tx, DEMO_DESTINATION_ID)? {
            Some(mut d) => {
                if d.dynamics_url != url.url {
                    // A test of the old port says nothing about the new one.
                    checks_table::delete(tx, &d.id)?;
                }
                d.credential_id = cred.id.clone();
                d.tenant_id = tenant.clone();
                d.dynamics_url = url.url.clone();
                d.cloud = url.host.cloud.as_str().into();
                d.updated_at = now;
                d
            }
            None => {
                let row = DestinationRow {
                    id: DEMO_DESTINATION_ID.to_string(),
                    name: free_name(|n| destination_name_taken(tx, n, None), "Local sandbox")?,
                    description:
                        "A Dataverse look-alike on this computer: try Ferry without a tenant."
                            .into(),
                    plugin: plugins::DYNAMICS.into(),
                    credential_id: cred.id.clone(),
                    tenant_id: tenant.clone(),
                    dynamics_url: url.url.clone(),
                    cloud: url.host.cloud.as_str().into(),
                    api_version: "9.2".into(),
                    business_users: true,
                    restricted_pii: false,
                    created_at: now,
                    updated_at: now,
                };
                activity::record_in(
                    tx,
                    actor,
                    Event::new(
                        kind::CONFIG,
                        "destination.add",
                        &row.name,
                        format!("Added the destination {} (the built-in sandbox)", row.name),
                    )
                    .details(json!({ "after": destinations::snapshot(tx, &row)? })),
                )?;
                row
            }
        };
        dest_table::upsert(tx, &dest)?;
        // Last, inside the transaction: a keychain failure leaves no half-made demo.
        app.secrets().set(&cred.id, &demo.client_secret)?;
        Ok(true)
    })?;
    debug_assert!(DEMO_DESTINATION_ID.starts_with(ids::DESTINATION));
    if !made {
        return Ok(None);
    }
    destinations::find(app, DEMO_DESTINATION_ID).map(Some)
}

/// Adds the "Local sandbox" destination back after the user deleted it, and forgets that they
/// did. If the credential was deleted too, it is made again.
pub fn restore_demo_destination(
    app: &App,
    actor: &Actor,
    demo: &DemoTarget,
) -> Result<DestinationView> {
    allow(app, actor, Action::ManageDestinations)?;
    // NOTE: the demo template went with the destination (templates are deleted with their
    // destination), so the restored demo may have it made again (`ensure_demo_template`).
    app.store().with_tx(|tx| {
        app_settings::set_flag(tx, app_settings::DEMO_DESTINATION_REMOVED, false)?;
        app_settings::set_flag(tx, app_settings::DEMO_TEMPLATE_MADE, false)
    })?;
    ensure(app, actor, demo)?.ok_or_else(|| Error::NotFound {
        what: "destination",
        key: DEMO_DESTINATION_ID.to_string(),
    })
}

/// [`restore_demo_destination`], then its demo template ([`ensure_demo_template`]), as the
/// window's "Add the local sandbox" does.
pub async fn restore_demo(app: &App, actor: &Actor, demo: &DemoTarget) -> Result<DestinationView> {
    let restored = restore_demo_destination(app, actor, demo)?;
    // NOTE: the destination stands without its template (the demo data may have been replaced
    // by the user's own), so a template that cannot be made is not the restore's failure.
    let _ = ensure_demo_template(app, actor).await;
    Ok(restored)
}

/// Whether the user deleted the Local sandbox destination (so it is not created at start).
pub fn demo_destination_removed(app: &App, actor: &Actor) -> Result<bool> {
    allow(app, actor, Action::ReadDestinations)?;
    app.store()
        .read(|conn| app_settings::flag(conn, app_settings::DEMO_DESTINATION_REMOVED))
}

/// The saved query the demo template reads: the demo customers' columns a contact can hold.
const DEMO_QUERY_SQL: &str = "SELECT customer_id, first_name, last_name, email, phone, street, \
     city, postcode, country, birthdate, loyalty_tier FROM customers";

/// On a first start with the demo data and the Local sandbox, makes a "Demo customers" saved
/// query and a "Demo contacts" template sending it to the sandbox's contacts (upsert by the
/// e-mail key, columns mapped as the mapping editor would suggest), so a new user reaches a
/// preview in two clicks. Made once: `None` when it was made before, or when the sandbox
/// destination or the demo data is missing.
pub async fn ensure_demo_template(
    app: &App,
    actor: &Actor,
) -> Result<Option<super::templates::TemplateView>> {
    use super::queries::{self, QueryInput};
    use super::templates::{self, TemplateInput};
    use crate::mapping::plan::{FieldMapping, Mapping, Operation, ValueSource};
    allow(app, actor, Action::ManageTemplates)?;
    let wanted = app.store().read(|c| {
        Ok(!app_settings::flag(c, app_settings::DEMO_TEMPLATE_MADE)?
            && dest_table::get(c, DEMO_DESTINATION_ID)?.is_some())
    })?;
    // NOTE: data the user imported over the demo's may lack its columns: then no demo.
    if !wanted || app.data()?.check_sql(DEMO_QUERY_SQL).is_err() {
        return Ok(None);
    }
    let details = super::connection::details(app, DEMO_DESTINATION_ID, "contact", false)
        .await?
        .details;
    let Some(key) = details
        .keys
        .iter()
        .find(|k| k.columns == ["emailaddress1"])
        .map(|k| k.logical_name.clone())
    else {
        return Ok(None);
    };
    let query = match queries::list(app, actor)?
        .into_iter()
        .find(|q| validate::same_name(&q.name, "Demo customers"))
    {
        Some(q) => q,
        None => queries::create(
            app,
            actor,
            QueryInput {
                name: "Demo customers".into(),
                description: "Every demo customer, with the columns a Dynamics contact holds."
                    .into(),
                sql: DEMO_QUERY_SQL.into(),
                time_limit_secs: 60,
            },
        )?,
    };
    let sources: Vec<String> = app
        .data()?
        .check_sql(&query.sql)?
        .into_iter()
        .map(|c| c.name)
        .collect();
    let fields = crate::mapping::suggest::suggest(&sources, &details.columns)
        .into_iter()
        .map(|s| FieldMapping {
            column: s.column,
            source: ValueSource::Column { name: s.source },
            choice_overrides: Default::default(),
            lookup: None,
        })
        .collect();
    let name = free_name(
        |n| {
            Ok(templates::list(app, actor)?
                .iter()
                .any(|t| validate::same_name(&t.name, n)))
        },
        DEMO_TEMPLATE_NAME,
    )?;
    let made = templates::create(
        app,
        actor,
        TemplateInput {
            name,
            description: "The demo customers as sandbox contacts, matched by e-mail.".into(),
            destination: DEMO_DESTINATION_ID.into(),
            source: super::rows::RowSource::Query(query.id),
            table: "contact".into(),
            mapping: Mapping {
                operation: Operation::UpsertByKey { key },
                fields,
                time_zone: "UTC".into(),
            },
            business_users: true,
            restricted_pii: false,
            campaigns: false,
        },
    )
    .await?;
    app.store()
        .with_tx(|tx| app_settings::set_flag(tx, app_settings::DEMO_TEMPLATE_MADE, true))?;
    Ok(Some(made))
}
