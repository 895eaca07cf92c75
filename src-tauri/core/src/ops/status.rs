//! What the app says about itself when it opens: where its data is, whether the keychain
//! answers, and which secrets need replacing soon, so a send does not fail on a day nobody
//! expected.

use super::common::allow;
use super::common::NamedRef;
use super::credentials;
use crate::app::App;
use crate::date::Date;
use crate::error::Result;
use crate::expiry::ExpiryStatus;
use crate::policy::{Action, Actor};
use crate::secrets::KeychainStatus;
use serde::Serialize;

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

/// Which Ferry this is, for the About box: the version and the commit it was built from
/// (`unknown` when it was built outside a git checkout). The shell fills it in, since only
/// its build knows the commit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct BuildInfo {
    pub version: String,
    pub commit: String,
}

/// Keychain state and expiring credentials, for the app's start.
pub fn app_status(app: &App, actor: &Actor) -> Result<AppStatus> {
    allow(app, actor, Action::ViewStatus)?;
    let data_folder_notice = app.store().notice();
    // NOTE: the expiry list is part of the status, so it is not checked again as
    // ReadCredentials: it shows names and dates, never what a credential holds.
    let credentials = match credentials::all(app) {
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
        data_dir: app.data_dir().display().to_string(),
        keychain: app.secrets().status(),
        today: app.today(),
        expiring,
        data_folder_notice,
    })
}
