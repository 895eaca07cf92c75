//! Commands that reach Dataverse: test a connection, browse a destination's tables. They are
//! truly async (network), unlike the catalog's local commands.

use crate::error::CmdResult;
use ferry_core::catalog::DestinationInput;
use ferry_core::connection::{ConnectionReport, TableColumns, TableList};
use ferry_core::date::Date;
use ferry_core::Catalog;
use tauri::State;

#[tauri::command]
pub async fn test_connection(
    catalog: State<'_, Catalog>,
    id: String,
) -> CmdResult<ConnectionReport> {
    Ok(catalog.test_connection_async(&id, Date::today()).await?)
}

#[tauri::command]
pub async fn test_connection_input(
    catalog: State<'_, Catalog>,
    input: DestinationInput,
    except_id: Option<String>,
) -> CmdResult<ConnectionReport> {
    let today = Date::today();
    Ok(catalog
        .test_connection_input_async(&input, except_id.as_deref(), today)
        .await?)
}

#[tauri::command]
pub async fn list_tables(
    catalog: State<'_, Catalog>,
    id: String,
    refresh: bool,
) -> CmdResult<TableList> {
    Ok(catalog
        .list_tables_async(&id, refresh, Date::today())
        .await?)
}

#[tauri::command]
pub async fn table_columns(
    catalog: State<'_, Catalog>,
    id: String,
    table: String,
    refresh: bool,
) -> CmdResult<TableColumns> {
    Ok(catalog
        .table_columns_async(&id, &table, refresh, Date::today())
        .await?)
}
