//! Destination commands.

use super::actor;
use crate::error::CmdResult;
use ferry_core::ops::destinations::{self, DestinationInput, DestinationView, FormCheck};
use ferry_core::App;
use tauri::State;

#[tauri::command(async)]
pub fn list_destinations(app: State<'_, App>) -> CmdResult<Vec<DestinationView>> {
    Ok(destinations::list(&app, &actor())?)
}

#[tauri::command(async)]
pub fn check_destination(
    app: State<'_, App>,
    input: DestinationInput,
    except_id: Option<String>,
) -> CmdResult<FormCheck> {
    Ok(destinations::check(
        &app,
        &actor(),
        &input,
        except_id.as_deref(),
    )?)
}

#[tauri::command(async)]
pub fn create_destination(
    app: State<'_, App>,
    input: DestinationInput,
) -> CmdResult<DestinationView> {
    Ok(destinations::create(&app, &actor(), input)?)
}

#[tauri::command(async)]
pub fn update_destination(
    app: State<'_, App>,
    id: String,
    input: DestinationInput,
) -> CmdResult<DestinationView> {
    Ok(destinations::update(&app, &actor(), &id, input)?)
}

#[tauri::command(async)]
pub fn delete_destination(app: State<'_, App>, id: String) -> CmdResult<()> {
    Ok(destinations::delete(&app, &actor(), &id)?)
}
