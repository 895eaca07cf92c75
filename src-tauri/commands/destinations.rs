//! Destination commands.

use crate::error::CmdResult;
use ferry_core::catalog::{DestinationInput, DestinationView, FormCheck};
use ferry_core::date::Date;
use ferry_core::Catalog;
use tauri::State;

#[tauri::command(async)]
pub fn list_destinations(catalog: State<'_, Catalog>) -> CmdResult<Vec<DestinationView>> {
    Ok(catalog.list_destinations(Date::today())?)
}

#[tauri::command(async)]
pub fn check_destination(
    catalog: State<'_, Catalog>,
    input: DestinationInput,
    except_id: Option<String>,
) -> CmdResult<FormCheck> {
    Ok(catalog.check_destination(&input, except_id.as_deref(), Date::today())?)
}

#[tauri::command(async)]
pub fn create_destination(
    catalog: State<'_, Catalog>,
    input: DestinationInput,
) -> CmdResult<DestinationView> {
    Ok(catalog.create_destination(input, Date::today())?)
}

#[tauri::command(async)]
pub fn update_destination(
    catalog: State<'_, Catalog>,
    id: String,
    input: DestinationInput,
) -> CmdResult<DestinationView> {
    Ok(catalog.update_destination(&id, input, Date::today())?)
}

#[tauri::command(async)]
pub fn delete_destination(catalog: State<'_, Catalog>, id: String) -> CmdResult<()> {
    Ok(catalog.delete_destination(&id)?)
}
