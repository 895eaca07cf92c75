//! Each destination's last connection test, kept so lists can show which destinations work
//! (and what failed) after a restart, and the "Getting started" steps.

use super::{Catalog, DEMO_DESTINATION_ID};
use crate::error::{ErrorCode, Result};
use crate::store::destination_checks::{self as checks_table, CheckRow};
use crate::store::{app_settings, destinations as dest_table, metadata_cache, now_unix, Health};
use serde::Serialize;

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
    /// The local sandbox runs but its destination is gone (the user deleted it): it can be
    /// added back.
    pub sandbox_addable: bool,
}

impl Catalog {
    /// Records a saved destination's connection test. Best effort: the test's own answer
    /// matters more than remembering it, so a folder that cannot be written (read-only,
    /// damaged) or a failed write only means the list will not show it after a restart.
    pub(crate) fn record_check<T>(
        &self,
        destination_id: &str,
        outcome: &Result<T>,
        ok_message: &str,
    ) {
        if self.store().health() != Health::Ok {
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
        let _ = self.store().with_tx(|tx| {
            // The destination may have been deleted while its test ran.
            if dest_table::get(tx, destination_id)?.is_some() {
                checks_table::upsert(tx, &row)?;
            }
            Ok(())
        });
    }

    /// A destination's last connection test, if it had one.
    pub fn last_check(&self, destination_id: &str) -> Result<Option<ConnectionCheck>> {
        self.store()
            .read(|conn| Ok(checks_table::get(conn, destination_id)?.map(ConnectionCheck::from)))
    }

    /// Where a new user stands; `sandbox_running` is whether the app runs the local sandbox.
    pub fn getting_started(&self, sandbox_running: bool) -> Result<GettingStarted> {
        self.store().read(|conn| {
            Ok(GettingStarted {
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
    pub fn set_getting_started_dismissed(&self, dismissed: bool) -> Result<()> {
        self.store().with_tx(|tx| {
            app_settings::set_flag(tx, app_settings::GETTING_STARTED_DISMISSED, dismissed)
        })
    }
}

fn code_text(code: ErrorCode) -> String {
    match serde_json::to_value(code) {
        Ok(serde_json::Value::String(s)) => s,
        _ => "internal".to_string(),
    }
}

/// Whether an edit changed where or how a destination connects, so its last test no longer
/// says anything about it.
pub(crate) fn connects_differently(
    old: &dest_table::DestinationRow,
    new: &dest_table::DestinationRow,
) -> bool {
    old.dynamics_url != new.dynamics_url
        || old.tenant_id != new.tenant_id
        || old.credential_id != new.credential_id
        || old.api_version != new.api_version
        || old.cloud != new.cloud
        || old.plugin != new.plugin
}
