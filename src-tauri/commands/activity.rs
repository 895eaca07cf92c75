//! The activity log (administrators): pages for the virtualised table, a CSV export to a file
//! the user picks in a native dialog, and the hash-chain check.

use super::Window;
use crate::error::CmdResult;
use ferry_core::ops::activity::{self, ActivityPage, ActivityQuery, VerifyReport};
use tauri::State;
use tauri_plugin_dialog::DialogExt;

#[tauri::command(async)]
pub fn activity_page(
    app: State<'_, Window>,
    query: ActivityQuery,
    offset: i64,
    limit: i64,
) -> CmdResult<ActivityPage> {
    Ok(activity::list(&app, &app.actor()?, &query, offset, limit)?)
}

#[tauri::command(async)]
pub fn activity_verify(app: State<'_, Window>) -> CmdResult<VerifyReport> {
    Ok(activity::verify(&app, &app.actor()?)?)
}

/// Writes the filtered log as CSV where the user chooses; `None` if they close the dialog.
#[tauri::command(async)]
pub fn activity_export<R: tauri::Runtime>(
    app: State<'_, Window>,
    window: tauri::Window<R>,
    query: ActivityQuery,
) -> CmdResult<Option<String>> {
    let me = app.actor()?;
    // NOTE: asked (and a refusal logged) before the dialog opens, so a refused user is not
    // shown a save dialog first.
    ferry_core::ops::require(&app, &me, ferry_core::policy::Action::ReadActivity)?;
    let Some(to) = window
        .dialog()
        .file()
        .set_parent(&window)
        .set_file_name("ferry-activity.csv")
        .add_filter("CSV files", &["csv"])
        .blocking_save_file()
        .and_then(|f| f.into_path().ok())
    else {
        return Ok(None);
    };
    let mut file = std::fs::File::create(&to).map_err(ferry_core::Error::from)?;
    activity::export_csv(&app, &me, &query, &mut file)?;
    Ok(Some(to.display().to_string()))
}
