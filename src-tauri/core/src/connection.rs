//! The catalog's doors to Dataverse: test a destination's connection, and list its tables and
//! a table's columns through the metadata cache.
//!
//! Each operation comes twice: an `async` one for callers already on a tokio runtime (Tauri
//! commands) and a blocking one that runs on a runtime built once per process (the CLI). Before
//! any network call the destination's credential is checked: an expired secret is refused here,
//! because Entra would refuse it anyway, only more slowly and less clearly. Signed-in clients are
//! kept per destination for the life of the process, so their tokens are reused until renewal;
//! a changed URL, tenant, client id, rotated secret or CA file starts a fresh one. The async
//! versions read SQLite and the keychain synchronously before their first await; those reads
//! take milliseconds, so they are not moved to a blocking thread.
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

use crate::catalog::destinations::{plain_http_refusal, sandbox_credential_refusal};
use crate::catalog::{CredentialView, DestinationInput, DestinationView};
use crate::cloud::Cloud;
use crate::dataverse::metadata::{self, TableDetails, TableInfo};
use crate::dataverse::{ClientConfig, DataverseClient};
use crate::date::Date;
use crate::error::{Error, Result};
use crate::expiry::ExpiryLevel;
use crate::store::metadata_cache::{self, CacheEntry, Kind};
use crate::store::now_unix;
use crate::Catalog;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, OnceLock};
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

/// The process-wide runtime the blocking wrappers use (built on first use, never dropped).
fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("ferry-dataverse")
            .enable_all()
            .build()
            .expect("the tokio runtime starts")
    })
}

/// Runs `f` to completion on the shared runtime, from any thread (even a runtime's).
pub fn block_on<T: Send>(f: impl Future<Output = T> + Send) -> T {
    // NOTE: a scoped thread keeps this safe to call from inside another runtime, where a
    // direct `block_on` would panic.
    std::thread::scope(|s| {
        s.spawn(|| runtime().block_on(f))
            .join()
            .expect("the Dataverse task did not panic")
    })
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
    })
}

type ClientKey = (String, String);
type ClientCache = Mutex<HashMap<String, (ClientKey, Arc<DataverseClient>)>>;

/// Signed-in clients by destination id, with the settings they were built from.
fn clients() -> &'static ClientCache {
    static CLIENTS: OnceLock<ClientCache> = OnceLock::new();
    CLIENTS.get_or_init(Default::default)
}

impl Catalog {
    fn trusted_ca(&self) -> Result<Option<String>> {
        let dir = self
            .store()
            .path()
            .parent()
            .map(|p| p.join(TRUSTED_CA_FILE));
        match dir {
            Some(p) if p.exists() => Ok(Some(std::fs::read_to_string(p)?)),
            _ => Ok(None),
        }
    }

    /// A new client for these settings, after checking the credential: an expired or missing
    /// secret is refused without a network call.
    fn new_client(&self, target: &Target<'_>, cred: &CredentialView) -> Result<DataverseClient> {
        // NOTE: saving already refuses this; checked again for rows saved by older versions.
        if let Some(message) = plain_http_refusal(target.url, &cred.id) {
            return Err(Error::field("dynamicsUrl", message));
        }
        if let Some(message) = sandbox_credential_refusal(target.url, target.cloud, &cred.id) {
            return Err(Error::field("credentialId", message));
        }
        if cred.expiry.level == ExpiryLevel::Expired {
            return Err(Error::AuthFailed(format!(
                "The secret of credential \"{}\" expired on {} ({}). Create a new secret in the \
                 app registration and rotate it in Ferry before connecting.",
                cred.name,
                crate::expiry::date_text(cred.expiry.expires_on),
                cred.expiry.summary.to_lowercase()
            )));
        }
        let secret = self.secrets().get(&cred.id)?.ok_or_else(|| {
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
        config.extra_ca_pem = self.trusted_ca()?;
        Ok(DataverseClient::new(config)?)
    }

    /// A Dataverse client for a destination: checks the credential (refusing an expired or
    /// missing secret without a network call) and reuses the signed-in client when nothing
    /// changed. `fresh` always builds a new one (a connection test must really sign in).
    pub fn dataverse_client(
        &self,
        destination: &str,
        today: Date,
        fresh: bool,
    ) -> Result<(DestinationView, Arc<DataverseClient>)> {
        let dest = self.get_destination(destination, today)?;
        let cred = self.get_credential(&dest.credential.id, today)?;
        let ca = self.trusted_ca()?;
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
        if !fresh {
            let cache = clients().lock().unwrap_or_else(|p| p.into_inner());
            if let Some((k, c)) = cache.get(&dest.id) {
                if *k == key && cred.expiry.level != ExpiryLevel::Expired {
                    return Ok((dest, c.clone()));
                }
            }
        }
        let target = Target {
            cloud: dest.cloud,
            url: &dest.dynamics_url,
            api_version: &dest.api_version,
            tenant: &dest.tenant_id,
        };
        let client = Arc::new(self.new_client(&target, &cred)?);
        clients()
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(dest.id.clone(), (key, client.clone()));
        Ok((dest, client))
    }

    /// Signs in with a destination form's settings before they are saved (the dialog's "Test
    /// connection"). Invalid fields are reported as a validation error, as saving would.
    pub async fn test_connection_input_async(
        &self,
        input: &DestinationInput,
        except_id: Option<&str>,
        today: Date,
    ) -> Result<ConnectionReport> {
        let row = self.validated_destination(input, except_id, today)?;
        let cred = self.get_credential(&row.credential_id, today)?;
        let target = Target {
            cloud: Cloud::parse(&row.cloud).unwrap_or(Cloud::Commercial),
            url: &row.dynamics_url,
            api_version: &row.api_version,
            tenant: &row.tenant_id,
        };
        let client = self.new_client(&target, &cred)?;
        let mut report = who_am_i_report(&client).await?;
        report.destination_id = except_id.unwrap_or_default().to_string();
        report.destination_name = row.name;
        Ok(report)
    }

    /// Signs in and calls `WhoAmI`; see [`ConnectionReport`]. The outcome, success or
    /// failure, is kept as the destination's last test (see [`DestinationView::last_check`]).
    pub async fn test_connection_async(
        &self,
        destination: &str,
        today: Date,
    ) -> Result<ConnectionReport> {
        let id = self.get_destination(destination, today)?.id;
        let outcome = async {
            let (dest, client) = self.dataverse_client(&id, today, true)?;
            let mut report = who_am_i_report(&client).await?;
            report.destination_id = dest.id;
            report.destination_name = dest.name;
            Ok(report)
        }
        .await;
        let ok_message = match &outcome {
            Ok(r) => format!(
                "Signed in and reached {} in {} ms.",
                r.web_api_url, r.elapsed_ms
            ),
            Err(_) => String::new(),
        };
        self.record_check(&id, &outcome, &ok_message);
        outcome
    }

    /// Blocking [`Catalog::test_connection_async`].
    pub fn test_connection(&self, destination: &str, today: Date) -> Result<ConnectionReport> {
        block_on(self.test_connection_async(destination, today))
    }

    fn cached<T: for<'de> Deserialize<'de>>(
        &self,
        dest: &DestinationView,
        kind: Kind,
        table: &str,
    ) -> Result<Option<(T, i64)>> {
        let entry = self
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
        &self,
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
        if self.store().health() != crate::store::Health::Ok {
            return Ok(fetched_at);
        }
        self.store().with_tx(|tx| {
            metadata_cache::upsert(tx, &dest.id, kind, table, &dest.dynamics_url, &entry)
        })?;
        Ok(fetched_at)
    }

    /// The destination's tables, from the cache unless `refresh` or nothing is cached.
    pub async fn list_tables_async(
        &self,
        destination: &str,
        refresh: bool,
        today: Date,
    ) -> Result<TableList> {
        let dest = self.get_destination(destination, today)?;
        if !refresh {
            if let Some((tables, fetched_at)) = self.cached(&dest, Kind::Tables, "")? {
                return Ok(TableList {
                    destination_id: dest.id,
                    fetched_at,
                    from_cache: true,
                    tables,
                });
            }
        }
        let (dest, client) = self.dataverse_client(destination, today, false)?;
        let tables = metadata::list_tables(&client).await?;
        let fetched_at = self.remember(&dest, Kind::Tables, "", &tables)?;
        Ok(TableList {
            destination_id: dest.id,
            fetched_at,
            from_cache: false,
            tables,
        })
    }

    /// Blocking [`Catalog::list_tables_async`].
    pub fn list_tables(&self, destination: &str, refresh: bool, today: Date) -> Result<TableList> {
        block_on(self.list_tables_async(destination, refresh, today))
    }

    /// One table's columns, keys and lookups, from the cache unless `refresh`.
    pub async fn table_columns_async(
        &self,
        destination: &str,
        table: &str,
        refresh: bool,
        today: Date,
    ) -> Result<TableColumns> {
        let dest = self.get_destination(destination, today)?;
        let table = table.trim().to_ascii_lowercase();
        if table.is_empty() {
            return Err(Error::field("table", "Choose a table, e.g. contact."));
        }
        if !refresh {
            if let Some((details, fetched_at)) = self.cached(&dest, Kind::Table, &table)? {
                return Ok(TableColumns {
                    destination_id: dest.id,
                    fetched_at,
                    from_cache: true,
                    details,
                });
            }
        }
        let (dest, client) = self.dataverse_client(destination, today, false)?;
        let details = match metadata::table_details(&client, &table).await {
            Err(crate::dataverse::DataverseError::Api(e)) if e.status == 404 => {
                return Err(Error::NotFound {
                    what: "table",
                    key: table,
                })
            }
            other => other?,
        };
        let fetched_at = self.remember(&dest, Kind::Table, &table, &details)?;
        Ok(TableColumns {
            destination_id: dest.id,
            fetched_at,
            from_cache: false,
            details,
        })
    }

    /// Blocking [`Catalog::table_columns_async`].
    pub fn table_columns(
        &self,
        destination: &str,
        table: &str,
        refresh: bool,
        today: Date,
    ) -> Result<TableColumns> {
        block_on(self.table_columns_async(destination, table, refresh, today))
    }
}
