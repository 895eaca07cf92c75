//! Commands that reach Dataverse: test a connection, browse a destination's tables. They are
//! truly async (network): core's operations own no runtime, so they are awaited on Tauri's.

use super::Window;
use crate::error::CmdResult;
use ferry_core::ops::connection::{self, ConnectionReport, TableColumns, TableList};
use ferry_core::ops::destinations::DestinationInput;
use tauri::State;

#[tauri::command]
pub async fn test_connection(app: State<'_, Window>, id: String) -> CmdResult<ConnectionReport> {
    Ok(connection::test(&app, &app.actor()?, &id).await?)
}

#[tauri::command]
pub async fn test_connection_input(
    app: State<'_, Window>,
    input: DestinationInput,
    except_id: Option<String>,
) -> CmdResult<ConnectionReport> {
    Ok(connection::test_input(&app, &app.actor()?, &input, except_id.as_deref()).await?)
}

#[tauri::command]
pub async fn list_tables(
    app: State<'_, Window>,
    id: String,
    refresh: bool,
) -> CmdResult<TableList> {
    Ok(connection::list_tables(&app, &app.actor()?, &id, refresh).await?)
}

#[tauri::command]
pub async fn table_columns(
    app: State<'_, Window>,
    id: String,
    table: String,
    refresh: bool,
) -> CmdResult<TableColumns> {
    Ok(connection::table_columns(&app, &app.actor()?, &id, &table, refresh).await?)
}
