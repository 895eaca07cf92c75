//! The first steps: where a new user stands, putting the steps away, and adding the Local
//! sandbox destination back after it was deleted.

use crate::demo::DemoSandbox;
use crate::error::CmdResult;
use ferry_core::catalog::{DestinationView, GettingStarted};
use ferry_core::date::Date;
use ferry_core::{Catalog, Error};
use tauri::State;

#[tauri::command(async)]
pub fn getting_started(
    catalog: State<'_, Catalog>,
    sandbox: State<'_, DemoSandbox>,
) -> CmdResult<GettingStarted> {
    Ok(catalog.getting_started(sandbox.target().is_some())?)
}

#[tauri::command(async)]
pub fn set_getting_started_dismissed(
    catalog: State<'_, Catalog>,
    dismissed: bool,
) -> CmdResult<()> {
    Ok(catalog.set_getting_started_dismissed(dismissed)?)
}

#[tauri::command(async)]
pub fn restore_demo_destination(
    catalog: State<'_, Catalog>,
    sandbox: State<'_, DemoSandbox>,
) -> CmdResult<DestinationView> {
    let target = sandbox.target().ok_or_else(|| {
        Error::field(
            "sandbox",
            "The local sandbox is not running in this window (FERRY_SANDBOX=off, or it did not \
             start): restart Ferry without FERRY_SANDBOX=off to add it back.",
        )
    })?;
    Ok(catalog.restore_demo_destination(target, Date::today())?)
}
