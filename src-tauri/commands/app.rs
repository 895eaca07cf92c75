//! App-wide commands: start-up status and the plugin registry.

use crate::error::CmdResult;
use ferry_core::catalog::AppStatus;
use ferry_core::date::Date;
use ferry_core::plugins::{self, Plugin};
use ferry_core::Catalog;
use tauri::State;

/// Keychain state and credentials expiring soon, shown when the app opens.
#[tauri::command(async)]
pub fn app_status(catalog: State<'_, Catalog>) -> CmdResult<AppStatus> {
    Ok(catalog.status(Date::today())?)
}

/// Plugins matching the picker's filter text.
#[tauri::command(async)]
pub fn list_plugins(filter: Option<String>) -> Vec<Plugin> {
    plugins::filter(filter.as_deref().unwrap_or(""))
        .into_iter()
        .cloned()
        .collect()
}
