//! Customer data: tables, PII marks and CSV imports. Files are chosen in native dialogs here,
//! in Rust, so the window's script never gets file-system access of its own.

use super::Window;
use crate::error::CmdResult;
use ferry_core::data::import::{ImportPlan, ImportRequest, InspectOptions};
use ferry_core::data::schema::{TableSample, TableSummary};
use ferry_core::data::ColumnMeta;
use ferry_core::ops::data::{self, ImportStatus};
use std::path::Path;
use tauri::State;
use tauri_plugin_dialog::DialogExt;

#[tauri::command(async)]
pub fn data_tables(app: State<'_, Window>) -> CmdResult<Vec<TableSummary>> {
    Ok(data::tables(&app, &app.actor()?)?)
}

#[tauri::command(async)]
pub fn data_sample(app: State<'_, Window>, table: String, limit: usize) -> CmdResult<TableSample> {
    Ok(data::sample(&app, &app.actor()?, &table, limit)?)
}

#[tauri::command(async)]
pub fn set_pii(
    app: State<'_, Window>,
    table: String,
    column: String,
    pii: bool,
) -> CmdResult<ColumnMeta> {
    Ok(data::set_pii(&app, &app.actor()?, &table, &column, pii)?)
}

/// The CSV file the user picks, or `None` if they close the dialog.
#[tauri::command(async)]
pub fn pick_csv_file<R: tauri::Runtime>(window: tauri::Window<R>) -> Option<String> {
    window
        .dialog()
        .file()
        .set_parent(&window)
        .add_filter("CSV and text files", &["csv", "tsv", "txt"])
        .add_filter("All files", &["*"])
        .blocking_pick_file()
        .and_then(|f| f.into_path().ok())
        .map(|p| p.display().to_string())
}

#[tauri::command(async)]
pub fn import_inspect(
    app: State<'_, Window>,
    path: String,
    options: InspectOptions,
) -> CmdResult<ImportPlan> {
    Ok(data::inspect(
        &app,
        &app.actor()?,
        Path::new(&path),
        &options,
    )?)
}

#[tauri::command(async)]
pub fn import_start(app: State<'_, Window>, request: ImportRequest) -> CmdResult<String> {
    Ok(data::start_import(&app, &app.actor()?, request)?)
}

#[tauri::command(async)]
pub fn import_status(app: State<'_, Window>, id: String) -> CmdResult<ImportStatus> {
    Ok(data::import_status(&app, &app.actor()?, &id)?)
}

#[tauri::command(async)]
pub fn import_cancel(app: State<'_, Window>, id: String) -> CmdResult<()> {
    Ok(data::cancel_import(&app, &app.actor()?, &id)?)
}

/// Saves an import's rejected rows where the user chooses; `None` if they close the dialog.
#[tauri::command(async)]
pub fn save_rejects<R: tauri::Runtime>(
    app: State<'_, Window>,
    window: tauri::Window<R>,
    id: String,
) -> CmdResult<Option<String>> {
    let me = app.actor()?;
    // NOTE: asked (and a refusal logged) before the dialog opens, so a refused user is not
    // shown a save dialog first.
    ferry_core::ops::require(&app, &me, ferry_core::policy::Action::ImportData)?;
    let Some(to) = window
        .dialog()
        .file()
        .set_parent(&window)
        .set_file_name(format!("{id}-rejected-rows.csv"))
        .add_filter("CSV files", &["csv"])
        .blocking_save_file()
        .and_then(|f| f.into_path().ok())
    else {
        return Ok(None);
    };
    data::save_rejects(&app, &me, &id, &to)?;
    Ok(Some(to.display().to_string()))
}
