//! App-wide commands: start-up status and the plugin registry.

use super::Window;
use crate::error::CmdResult;
use ferry_core::ops::status::{self, AppStatus, BuildInfo};
use ferry_core::plugins::{self, Plugin};
use tauri::State;

/// Keychain state and credentials expiring soon, shown when the app opens.
#[tauri::command(async)]
pub fn app_status(app: State<'_, Window>) -> CmdResult<AppStatus> {
    Ok(status::app_status(&app, &app.actor()?)?)
}

/// The version and the commit this app was built from, for the About box. Anyone may ask: it
/// says nothing about the data.
#[tauri::command]
pub fn build_info() -> BuildInfo {
    BuildInfo {
        version: env!("CARGO_PKG_VERSION").to_string(),
        // Set by src-tauri/build.rs.
        commit: env!("FERRY_COMMIT").to_string(),
    }
}

/// Plugins matching the picker's filter text.
#[tauri::command(async)]
pub fn list_plugins(filter: Option<String>) -> Vec<Plugin> {
    plugins::filter(filter.as_deref().unwrap_or(""))
        .into_iter()
        .cloned()
        .collect()
}
