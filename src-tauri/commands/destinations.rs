//! Destination commands.

use super::Window;
use crate::error::CmdResult;
use ferry_core::ops::destinations::{self, DestinationInput, DestinationView, FormCheck};
use tauri::State;

#[tauri::command(async)]
pub fn list_destinations(app: State<'_, Window>) -> CmdResult<Vec<DestinationView>> {
    Ok(destinations::list(&app, &app.actor()?)?)
}

#[tauri::command(async)]
pub fn check_destination(
    app: State<'_, Window>,
    input: DestinationInput,
    except_id: Option<String>,
) -> CmdResult<FormCheck> {
    Ok(destinations::check(
        &app,
        &app.actor()?,
        &input,
        except_id.as_deref(),
    )?)
}

#[tauri::command(async)]
pub fn create_destination(
    app: State<'_, Window>,
    input: DestinationInput,
) -> CmdResult<DestinationView> {
    Ok(destinations::create(&app, &app.actor()?, input)?)
}

#[tauri::command(async)]
pub fn update_destination(
    app: State<'_, Window>,
    id: String,
    input: DestinationInput,
) -> CmdResult<DestinationView> {
    Ok(destinations::update(&app, &app.actor()?, &id, input)?)
}

#[tauri::command(async)]
pub fn delete_destination(app: State<'_, Window>, id: String) -> CmdResult<()> {
    Ok(destinations::delete(&app, &app.actor()?, &id)?)
}
