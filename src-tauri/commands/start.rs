//! The first steps: where a new user stands, putting the steps away, and adding the Local
//! sandbox destination back after it was deleted.

use super::Window;
use crate::demo::DemoSandbox;
use crate::error::CmdResult;
use ferry_core::ops::destinations::DestinationView;
use ferry_core::ops::start::{self, GettingStarted};
use ferry_core::Error;
use tauri::State;

#[tauri::command(async)]
pub fn getting_started(
    app: State<'_, Window>,
    sandbox: State<'_, DemoSandbox>,
) -> CmdResult<GettingStarted> {
    Ok(start::getting_started(
        &app,
        &app.actor()?,
        sandbox.target().is_some(),
    )?)
}

#[tauri::command(async)]
pub fn set_getting_started_dismissed(app: State<'_, Window>, dismissed: bool) -> CmdResult<()> {
    Ok(start::set_getting_started_dismissed(
        &app,
        &app.actor()?,
        dismissed,
    )?)
}

#[tauri::command]
pub async fn restore_demo_destination(
    app: State<'_, Window>,
    sandbox: State<'_, DemoSandbox>,
) -> CmdResult<DestinationView> {
    let me = app.actor()?;
    // NOTE: asked first, so a refused user hears about their policy, not about the sandbox.
    ferry_core::ops::require(&app, &me, ferry_core::policy::Action::ManageDestinations)?;
    let target = sandbox.target().ok_or_else(|| {
        Error::field(
            "sandbox",
            "The local sandbox is not running in this window (FERRY_SANDBOX=off, or it did not \
             start): restart Ferry without FERRY_SANDBOX=off to add it back.",
        )
    })?;
    Ok(start::restore_demo(&app, &me, target).await?)
}
