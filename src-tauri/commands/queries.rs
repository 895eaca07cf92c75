//! Saved queries and query runs. A run's rows stay in the backend (on disk); the grid asks for
//! the pages it shows.

use super::Window;
use crate::error::CmdResult;
use ferry_core::data::results::ResultPage;
use ferry_core::ops::queries::{self, QueryInput, SavedQuery};
use ferry_core::FieldError;
use tauri::State;

#[tauri::command(async)]
pub fn list_queries(app: State<'_, Window>) -> CmdResult<Vec<SavedQuery>> {
    Ok(queries::list(&app, &app.actor()?)?)
}

#[tauri::command(async)]
pub fn check_query(
    app: State<'_, Window>,
    input: QueryInput,
    except_id: Option<String>,
) -> CmdResult<Vec<FieldError>> {
    Ok(queries::check(
        &app,
        &app.actor()?,
        &input,
        except_id.as_deref(),
    )?)
}

#[tauri::command(async)]
pub fn create_query(app: State<'_, Window>, input: QueryInput) -> CmdResult<SavedQuery> {
    Ok(queries::create(&app, &app.actor()?, input)?)
}

#[tauri::command(async)]
pub fn update_query(
    app: State<'_, Window>,
    id: String,
    input: QueryInput,
) -> CmdResult<SavedQuery> {
    Ok(queries::update(&app, &app.actor()?, &id, input)?)
}

#[tauri::command(async)]
pub fn delete_query(app: State<'_, Window>, id: String) -> CmdResult<()> {
    Ok(queries::delete(&app, &app.actor()?, &id)?)
}

#[tauri::command(async)]
pub fn query_start(app: State<'_, Window>, sql: String, time_limit_secs: i64) -> CmdResult<String> {
    Ok(queries::start_run(
        &app,
        &app.actor()?,
        &sql,
        time_limit_secs,
    )?)
}

#[tauri::command(async)]
pub fn query_page(
    app: State<'_, Window>,
    run_id: String,
    offset: u64,
    limit: usize,
) -> CmdResult<ResultPage> {
    Ok(queries::page(&app, &app.actor()?, &run_id, offset, limit)?)
}

#[tauri::command(async)]
pub fn query_cancel(app: State<'_, Window>, run_id: String) -> CmdResult<()> {
    Ok(queries::cancel_run(&app, &app.actor()?, &run_id)?)
}

#[tauri::command(async)]
pub fn query_close(app: State<'_, Window>, run_id: String) -> CmdResult<()> {
    Ok(queries::close_run(&app, &app.actor()?, &run_id)?)
}
