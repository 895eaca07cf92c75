//! Data templates and their preview. Saving and previewing read the table's metadata (from the
//! cache, or Dataverse), so those commands are `async`.

use super::Window;
use crate::error::CmdResult;
use ferry_core::mapping::suggest::Suggestion;
use ferry_core::ops::preview::{self, Preview};
use ferry_core::ops::rows::RowSource;
use ferry_core::ops::templates::{self, TemplateCheck, TemplateInput, TemplateView};
use tauri::State;

#[tauri::command(async)]
pub fn list_templates(app: State<'_, Window>) -> CmdResult<Vec<TemplateView>> {
    Ok(templates::list(&app, &app.actor()?)?)
}

#[tauri::command]
pub async fn suggest_mapping(
    app: State<'_, Window>,
    destination: String,
    source: RowSource,
    table: String,
) -> CmdResult<Vec<Suggestion>> {
    let me = app.actor()?;
    Ok(templates::suggest(&app, &me, &destination, &source, &table).await?)
}

#[tauri::command]
pub async fn check_template(
    app: State<'_, Window>,
    input: TemplateInput,
    except_id: Option<String>,
) -> CmdResult<TemplateCheck> {
    let me = app.actor()?;
    Ok(templates::check(&app, &me, &input, except_id.as_deref()).await?)
}

#[tauri::command]
pub async fn create_template(
    app: State<'_, Window>,
    input: TemplateInput,
) -> CmdResult<TemplateView> {
    let me = app.actor()?;
    Ok(templates::create(&app, &me, input).await?)
}

#[tauri::command]
pub async fn update_template(
    app: State<'_, Window>,
    id: String,
    input: TemplateInput,
) -> CmdResult<TemplateView> {
    let me = app.actor()?;
    Ok(templates::update(&app, &me, &id, input).await?)
}

/// Asks Dynamics which of a template's first `sample` sendable rows already have a record.
#[tauri::command]
pub async fn check_against_dynamics(
    app: State<'_, Window>,
    id: String,
    sample: usize,
) -> CmdResult<ferry_core::ops::online_check::OnlineCheck> {
    let me = app.actor()?;
    Ok(ferry_core::ops::online_check::check(&app, &me, &id, sample).await?)
}

/// How many rows a saved query or segment has now (for the rows a delete template removes).
#[tauri::command(async)]
pub fn count_source_rows(app: State<'_, Window>, source: RowSource) -> CmdResult<u64> {
    Ok(ferry_core::ops::rows::count(
        &app,
        &app.actor()?,
        &source,
        std::time::Duration::from_secs(60),
    )?)
}

#[tauri::command(async)]
pub fn delete_template(app: State<'_, Window>, id: String) -> CmdResult<()> {
    Ok(templates::delete(&app, &app.actor()?, &id)?)
}

/// The full validation pass: every row mapped and counted.
#[tauri::command]
pub async fn preview_template(
    app: State<'_, Window>,
    id: String,
    limit: usize,
    errors_only: bool,
) -> CmdResult<Preview> {
    let me = app.actor()?;
    Ok(preview::preview(&app, &me, &id, limit, errors_only).await?)
}

/// The preview's first rows, shown while `preview_template` checks every row.
#[tauri::command]
pub async fn preview_template_first_page(
    app: State<'_, Window>,
    id: String,
    limit: usize,
    errors_only: bool,
) -> CmdResult<Preview> {
    let me = app.actor()?;
    Ok(preview::first_page(&app, &me, &id, limit, errors_only).await?)
}
